/*
 * store_grace.c: grace periods running on a domain (RFC 3915), kept for
 * refunds when a domain is deleted or a renewal undone within them.
 * Private: never in the changelog. Rows go with the domain (ON DELETE
 * CASCADE).
 */
#include "store_impl.h"

static void
grace_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_grace *g = row;

	g->period = col_text(a, s, 0);
	g->registrar_id = col_int(s, 1);
	g->ends = col_int(s, 2);
	g->amount = col_int(s, 3);
	g->years = (int)col_int(s, 4);
}

int
store_grace_add(struct store *st, int64_t domain_id, const struct reg_grace *g)
{
	static const char sql[] =
	    "INSERT INTO grace(domain_id, period, registrar_id, ends, amount, years) "
	    "VALUES (?, ?, ?, ?, ?, ?)";

	return stmt_exec(st, NULL, sql, "itiiii", domain_id, g->period, g->registrar_id,
	    g->ends, g->amount, (int64_t)g->years);
}

int
store_grace_list(struct store *st, struct arena *a, int64_t domain_id, int64_t now,
    struct reg_grace **out, int *n)
{
	static const char sql[] =
	    "SELECT period, registrar_id, ends, amount, years FROM grace "
	    "WHERE domain_id = ? AND ends > ? ORDER BY ends, period";
	int rc;

	*out = stmt_rows(st, a, grace_read, sizeof(**out), n, &rc, sql, "ii", domain_id, now);
	return rc;
}

int
store_grace_clear(struct store *st, int64_t domain_id, const char *period)
{
	static const char sql[] =
	    "DELETE FROM grace WHERE domain_id = ?1 AND (?2 IS NULL OR period = ?2)";
	int rc = stmt_exec(st, NULL, sql, "it", domain_id, period);

	return stmt_changed(st, rc, NULL, "grace period of domain", domain_id);
}
