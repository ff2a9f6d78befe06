/*
 * store_due.c: the domains the registry clock has to act on. The expiry
 * query uses the domain_expires index; the redemption query scans, which
 * is cheap while few domains are in redemption (see store_due.h).
 */
#include "store_due.h"
#include "store_impl.h"

static void
id_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	(void)a;
	*(int64_t *)row = col_int(s, 0);
}

int
store_domain_expired(struct store *st, struct arena *a, int64_t now, int limit,
    int64_t **ids, int *n)
{
	static const char sql[] =
	    "SELECT id FROM domain WHERE expires <= ? AND rgp IS NULL "
	    "ORDER BY expires, id LIMIT ?";
	int rc;

	*ids = stmt_rows(st, a, id_read, sizeof(**ids), n, &rc, sql, "ii", now,
	    (int64_t)limit);
	return rc;
}

int
store_domain_rgp_due(struct store *st, struct arena *a, const char *rgp, int64_t before,
    int limit, int64_t **ids, int *n)
{
	static const char sql[] =
	    "SELECT id FROM domain WHERE rgp = ?1 AND "
	    "CASE ?1 WHEN 'redemptionPeriod' THEN deleted ELSE updated END <= ?2 "
	    "ORDER BY id LIMIT ?3";
	int rc;

	*ids = stmt_rows(st, a, id_read, sizeof(**ids), n, &rc, sql, "tii", rgp, before,
	    (int64_t)limit);
	return rc;
}
