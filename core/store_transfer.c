/*
 * store_transfer.c: the latest transfer of each domain and contact
 * (RFC 5730 2.9.2.4). The row stays after the transfer completes, so that
 * a transfer query can report its final state; a new request replaces it.
 */
#include "store_impl.h"

#define TRANSFER_SELECT \
	"SELECT t.kind, t.object_id, t.state, t.gaining_id, t.losing_id, g.handle, " \
	"l.handle, t.requested, t.acted, t.years, t.expires FROM transfer t " \
	"JOIN registrar g ON g.id = t.gaining_id JOIN registrar l ON l.id = t.losing_id"

static void
transfer_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_transfer *t = row;

	t->kind = col_text(a, s, 0);
	t->object_id = col_int(s, 1);
	t->state = col_text(a, s, 2);
	t->gaining_id = col_int(s, 3);
	t->losing_id = col_int(s, 4);
	t->gaining = col_text(a, s, 5);
	t->losing = col_text(a, s, 6);
	t->requested = col_int(s, 7);
	t->acted = col_int(s, 8);
	t->years = (int)col_int(s, 9);
	t->expires = col_int(s, 10);
}

int
store_transfer_put(struct store *st, const struct reg_transfer *t)
{
	static const char sql[] =
	    "INSERT INTO transfer(kind, object_id, state, gaining_id, losing_id, requested, "
	    "acted, years, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT(kind, object_id) DO UPDATE SET state = excluded.state, "
	    "gaining_id = excluded.gaining_id, losing_id = excluded.losing_id, "
	    "requested = excluded.requested, acted = excluded.acted, "
	    "years = excluded.years, expires = excluded.expires";

	if (!store_object_exists(st, t->kind, t->object_id))
		return REG_ENOTFOUND;
	return stmt_exec(st, NULL, sql, "titiiiizz", t->kind, t->object_id, t->state,
	    t->gaining_id, t->losing_id, t->requested, t->acted, (int64_t)t->years,
	    t->expires);
}

int
store_transfer_get(struct store *st, struct arena *a, const char *kind,
    int64_t object_id, struct reg_transfer *out)
{
	static const char sql[] = TRANSFER_SELECT " WHERE t.kind = ? AND t.object_id = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, sql, "ti", kind, object_id)) == NULL)
		return rc;
	transfer_read(a, s, out);
	sqlite3_reset(s);
	return REG_OK;
}

int
store_transfer_paid_set(struct store *st, int64_t domain_id, int64_t amount)
{
	return stmt_exec(st, NULL, "INSERT OR REPLACE INTO transfer_paid(domain_id, amount) "
	    "VALUES (?, ?)", "ii", domain_id, amount);
}

int
store_transfer_paid_take(struct store *st, int64_t domain_id, int64_t *amount)
{
	sqlite3_stmt *s;
	int rc;

	/* RETURNING: the row is gone once the first step returns it */
	if ((s = stmt_query(st, &rc, "DELETE FROM transfer_paid WHERE domain_id = ? "
	    "RETURNING amount", "i", domain_id)) == NULL)
		return rc;
	*amount = col_int(s, 0);
	rc = sqlite3_reset(s);
	return rc == SQLITE_OK ? REG_OK : store_error(st, rc, NULL);
}

int
store_transfer_due(struct store *st, struct arena *a, int64_t now,
    struct reg_transfer **out, int *n)
{
	static const char sql[] =
	    TRANSFER_SELECT " WHERE t.state = 'pending' AND t.acted <= ? "
	    "ORDER BY t.acted, t.kind, t.object_id";
	int rc;

	*out = stmt_rows(st, a, transfer_read, sizeof(**out), n, &rc, sql, "i", now);
	return rc;
}
