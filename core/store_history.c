/*
 * store_history.c: the audit trail of every transform, by object name and
 * ROID (a name can be deleted and registered again under a new ROID).
 * Private: never in the changelog.
 */
#include "store_impl.h"

static void
history_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_history *h = row;

	h->id = col_int(s, 0);
	h->ts = col_int(s, 1);
	h->actor = col_text(a, s, 2);
	h->kind = col_text(a, s, 3);
	h->roid = col_text(a, s, 4);
	h->name = col_text(a, s, 5);
	h->command = col_text(a, s, 6);
	h->cltrid = col_text(a, s, 7);
	h->svtrid = col_text(a, s, 8);
	h->detail = col_text(a, s, 9);
}

int
store_history_add(struct store *st, const struct reg_history *h)
{
	static const char sql[] =
	    "INSERT INTO history(ts, actor, kind, roid, name, command, cltrid, svtrid, detail) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

	return stmt_exec(st, NULL, sql, "itttttttt", h->ts, h->actor, h->kind, h->roid,
	    h->name, h->command, h->cltrid, h->svtrid, h->detail);
}

int
store_history_list(struct store *st, struct arena *a, const char *name_or_roid,
    struct reg_history **out, int *n)
{
	static const char sql[] =
	    "SELECT id, ts, actor, kind, roid, name, command, cltrid, svtrid, detail "
	    "FROM history WHERE name = ?1 OR roid = ?1 ORDER BY ts, id";
	int rc;

	*out = stmt_rows(st, a, history_read, sizeof(**out), n, &rc, sql, "t", name_or_roid);
	return rc;
}
