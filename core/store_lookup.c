/*
 * store_lookup.c: reads shaped for the public lookup services (whoisd,
 * rdapd), which answer one object per request and want few statements
 * per answer.
 */
#include "store_impl.h"

struct ns_addr_row {
	int64_t host_id;
	char *name;
	char *addr;		/* NULL: no address (external host) */
	int family;
};

static void
ns_addr_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct ns_addr_row *r = row;

	r->host_id = col_int(s, 0);
	r->name = col_text(a, s, 1);
	r->addr = col_text(a, s, 2);
	r->family = (int)col_int(s, 3);
}

/* Turns rows ordered by host into hosts, each with its addresses. */
static struct reg_host *
ns_group(struct arena *a, const struct ns_addr_row *v, int nrows, int *n)
{
	struct reg_host *h;
	int k = -1;

	*n = 0;
	for (int i = 0; i < nrows; i++)
		*n += i == 0 || v[i].host_id != v[i - 1].host_id;
	h = arena_alloc(a, sizeof(*h) * (size_t)(*n + 1));
	for (int i = 0; i < nrows; i++) {
		if (i == 0 || v[i].host_id != v[i - 1].host_id) {
			h[++k].id = v[i].host_id;
			h[k].name = v[i].name;
			h[k].addr = arena_alloc(a, sizeof(*h[k].addr) * (size_t)(nrows - i + 1));
		}
		if (v[i].addr != NULL) {
			h[k].addr[h[k].naddr].addr = v[i].addr;
			h[k].addr[h[k].naddr++].family = v[i].family;
		}
	}
	return h;
}

int
store_domain_ns_hosts(struct store *st, struct arena *a, int64_t domain_id,
    struct reg_host **out, int *n)
{
	static const char sql[] =
	    "SELECT h.id, h.name, ha.addr, ha.family FROM domain_ns n "
	    "JOIN host h ON h.id = n.host_id "
	    "LEFT JOIN host_addr ha ON ha.host_id = h.id AND h.domain_id IS NOT NULL "
	    "WHERE n.domain_id = ? ORDER BY h.name, ha.family, ha.addr";
	struct ns_addr_row *v;
	int nrows, rc;

	v = stmt_rows(st, a, ns_addr_read, sizeof(*v), &nrows, &rc, sql, "i", domain_id);
	*out = ns_group(a, v, rc == REG_OK ? nrows : 0, n);
	return rc;
}
