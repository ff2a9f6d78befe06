/*
 * store_reserved.c: names registry policy keeps from registration,
 * "reserved" (may be released by the registry) or "blocked" (never).
 * Public: WHOIS and RDAP may say why a name is unavailable.
 */
#include "store_impl.h"

#define RESERVED_SELECT "SELECT name, kind, reason FROM reserved"

static void
reserved_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_reserved *r = row;

	r->name = col_text(a, s, 0);
	r->kind = col_text(a, s, 1);
	r->reason = col_text(a, s, 2);
}

int
store_reserved_add(struct store *st, const struct reg_reserved *r, struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO reserved(name, kind, reason) VALUES (?, ?, coalesce(?, ''))";

	return stmt_exec(st, err, sql, "ttt", r->name, r->kind, r->reason);
}

int
store_reserved_del(struct store *st, const char *name)
{
	static const char sql[] = "DELETE FROM reserved WHERE name = ?";
	int rc = stmt_exec(st, NULL, sql, "t", name);

	return rc == REG_OK && sqlite3_changes(st->db) == 0 ? REG_ENOTFOUND : rc;
}

int
store_reserved_get(struct store *st, struct arena *a, const char *name,
    struct reg_reserved *out)
{
	static const char sql[] = RESERVED_SELECT " WHERE name = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, sql, "t", name)) == NULL)
		return rc;
	reserved_read(a, s, out);
	sqlite3_reset(s);
	return REG_OK;
}

int
store_reserved_list(struct store *st, struct arena *a, struct reg_reserved **out, int *n)
{
	static const char sql[] = RESERVED_SELECT " ORDER BY name";
	int rc;

	*out = stmt_rows(st, a, reserved_read, sizeof(**out), n, &rc, sql, "");
	return rc;
}
