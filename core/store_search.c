/*
 * store_search.c: the searches of RDAP (RFC 9082 3.2) and the lookups
 * rdapd needs beyond the object getters.
 *
 * Every search walks one index range and nothing else: a pattern
 * "exa*.test" becomes the range ["exa", "exb") of the name index, and
 * the rows in it are checked against the rest of the pattern here. The
 * walk stops after `scan` index entries whatever it has found, so no
 * pattern can make a query read the whole table; the caller learns that
 * it stopped early (hits->cut) and says so in its answer. Searches that
 * go through name servers (domains by server name or address) spend the
 * same budget on the domain_ns rows they read.
 */
#include <string.h>

#include "store_impl.h"
#include "util.h"

/* A small set of ids, to drop the domains two matching servers share. */
struct idset {
	int64_t *slot;		/* 0: empty (ids start at 1) */
	size_t cap;
};

static void
idset_init(struct arena *a, struct idset *s, int max)
{
	s->cap = 16;
	while (s->cap < (size_t)max * 2)
		s->cap *= 2;
	s->slot = arena_alloc(a, s->cap * sizeof(*s->slot));
}

/* Adds id; false if it was there already. */
static bool
idset_add(struct idset *s, int64_t id)
{
	size_t i = (size_t)id * 0x9E3779B97F4A7C15ULL & (s->cap - 1);

	for (; s->slot[i] != 0; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == id)
			return false;
	s->slot[i] = id;
	return true;
}

static void
hits_init(struct arena *a, struct store_hits *h, int max)
{
	memset(h, 0, sizeof(*h));
	h->id = arena_alloc(a, sizeof(*h->id) * (size_t)(max + 1));
	h->max = max;
}

/* Appends id unless the list is full, in which case it notes there is
 * more; true while there is room. */
static bool
hits_add(struct store_hits *h, int64_t id)
{
	if (h->n == h->max) {
		h->more = true;
		return false;
	}
	h->id[h->n++] = id;
	return true;
}

/* The bounds of the range that holds every key the pattern can match:
 * [lo, hi) with hi the prefix with its last byte raised, or, for an
 * exact value, the value followed by \x01 (which sorts before every
 * character a name or a handle can hold). Case-insensitive keys compare
 * in lower case, so those bounds are lower-cased. */
static void
pattern_range(struct arena *a, const struct store_pattern *p, bool nocase,
    char **lo, char **hi)
{
	size_t n = strlen(p->prefix);

	*lo = arena_strdup(a, p->prefix);
	if (nocase)
		str_lower(*lo);
	*hi = arena_alloc(a, n + 2);
	memcpy(*hi, *lo, n);
	if (p->wildcard && n > 0)
		(*hi)[n - 1]++;
	else
		(*hi)[n] = '\x01';
}

/* Whether key, which lies in the pattern's range, matches it: for a
 * label pattern with a suffix, what the '*' stands for holds no dot and
 * the suffix follows it. */
static bool
pattern_match(const struct store_pattern *p, const char *key)
{
	const char *rest, *dot;

	if (!p->wildcard || p->suffix == NULL || p->suffix[0] == '\0')
		return true;
	rest = key + strlen(p->prefix);
	dot = strchr(rest, '.');
	return dot != NULL && strcmp(dot, p->suffix) == 0;
}

/*
 * Walks the range of sql (which selects id and key, takes the bounds as
 * ?1 and ?2 and `extra` as ?3 when types is "tti") in key order, adding
 * the ids of the keys that match until the list is full or `scan`
 * entries were read.
 */
static int
range_scan(struct store *st, struct arena *a, const char *sql, const char *types,
    int64_t extra, const struct store_pattern *p, bool nocase, int scan,
    struct store_hits *h)
{
	sqlite3_stmt *s;
	char *lo, *hi;
	int rc, step = SQLITE_ROW, seen = 0;

	pattern_range(a, p, nocase, &lo, &hi);
	if ((s = stmt_query(st, &rc, sql, types, lo, hi, extra)) == NULL)
		return rc == REG_ENOTFOUND ? REG_OK : rc;
	for (; step == SQLITE_ROW; step = sqlite3_step(s)) {
		if (seen++ == scan) {
			h->cut = true;
			break;
		}
		if (pattern_match(p, (const char *)sqlite3_column_text(s, 1)) &&
		    !hits_add(h, col_int(s, 0)))
			break;
	}
	rc = step == SQLITE_ROW || step == SQLITE_DONE ? REG_OK : store_error(st, step, NULL);
	sqlite3_reset(s);
	return rc;
}

int
store_search_domains(struct store *st, struct arena *a, const struct store_pattern *p,
    bool unicode, int max, int scan, struct store_hits *out)
{
	static const char by_name[] =
	    "SELECT id, name FROM domain WHERE name >= ?1 AND name < ?2 ORDER BY name";
	static const char by_uname[] =
	    "SELECT id, uname FROM domain WHERE uname >= ?1 AND uname < ?2 ORDER BY uname";

	hits_init(a, out, max);
	return range_scan(st, a, unicode ? by_uname : by_name, "tt", 0, p, false, scan, out);
}

int
store_search_hosts(struct store *st, struct arena *a, const struct store_pattern *p,
    int max, int scan, struct store_hits *out)
{
	static const char sql[] =
	    "SELECT id, name FROM host WHERE name >= ?1 AND name < ?2 ORDER BY name";

	hits_init(a, out, max);
	return range_scan(st, a, sql, "tt", 0, p, false, scan, out);
}

static void
id_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	*(int64_t *)row = col_int(s, 0);
}

int
store_search_hosts_by_ip(struct store *st, struct arena *a, const char *addr,
    int max, struct store_hits *out)
{
	static const char sql[] =
	    "SELECT host_id FROM host_addr WHERE addr = ? LIMIT ?";
	int64_t *v;
	int n, rc;

	hits_init(a, out, max);
	v = stmt_rows(st, a, id_read, sizeof(*v), &n, &rc, sql, "ti", addr,
	    (int64_t)max + 1);
	for (int i = 0; i < n && rc == REG_OK; i++)
		hits_add(out, v[i]);
	return rc;
}

/* Adds the domains delegated to each host of `hosts`, reading at most
 * `scan` domain_ns rows in all. */
static int
domains_of_hosts(struct store *st, struct arena *a, const struct store_hits *hosts,
    int scan, struct store_hits *out)
{
	static const char sql[] = "SELECT domain_id FROM domain_ns WHERE host_id = ? LIMIT ?";
	struct idset seen;
	int64_t *v;
	int n, rc = REG_OK;

	idset_init(a, &seen, out->max + 1);
	out->cut = hosts->cut || hosts->more;
	for (int i = 0; i < hosts->n && rc == REG_OK && !out->more; i++) {
		if (scan <= 0) {
			out->cut = true;
			break;
		}
		v = stmt_rows(st, a, id_read, sizeof(*v), &n, &rc, sql, "ii", hosts->id[i],
		    (int64_t)scan);
		if (n == scan)
			out->cut = true;	/* the host may have more */
		scan -= n;
		for (int k = 0; k < n && rc == REG_OK; k++)
			if (idset_add(&seen, v[k]) && !hits_add(out, v[k]))
				break;
	}
	return rc;
}

int
store_search_domains_by_ns(struct store *st, struct arena *a, const struct store_pattern *p,
    int max, int scan, struct store_hits *out)
{
	struct store_hits hosts;
	int rc;

	if ((rc = store_search_hosts(st, a, p, scan, scan, &hosts)) != REG_OK)
		return rc;
	hits_init(a, out, max);
	return domains_of_hosts(st, a, &hosts, scan, out);
}

int
store_search_domains_by_ip(struct store *st, struct arena *a, const char *addr,
    int max, int scan, struct store_hits *out)
{
	struct store_hits hosts;
	int rc;

	if ((rc = store_search_hosts_by_ip(st, a, addr, scan, &hosts)) != REG_OK)
		return rc;
	hits_init(a, out, max);
	return domains_of_hosts(st, a, &hosts, scan, out);
}

int
store_search_contacts_fn(struct store *st, struct arena *a, const struct store_pattern *p,
    bool disclosed_only, int max, int scan, struct store_hits *out)
{
	static const char intl[] =
	    "SELECT id, int_name FROM contact WHERE int_name COLLATE NOCASE >= ?1 "
	    "AND int_name COLLATE NOCASE < ?2 AND (disclose & ?3) = ?3 "
	    "ORDER BY int_name COLLATE NOCASE";
	static const char loc[] =
	    "SELECT id, loc_name FROM contact WHERE loc_name COLLATE NOCASE >= ?1 "
	    "AND loc_name COLLATE NOCASE < ?2 AND (disclose & ?3) = ?3 "
	    "ORDER BY loc_name COLLATE NOCASE";
	struct store_hits second;
	int rc;

	hits_init(a, out, max);
	rc = range_scan(st, a, intl, "tti", disclosed_only ? DISCLOSE_NAME_INT : 0, p,
	    true, scan, out);
	if (rc != REG_OK || out->more)
		return rc;
	hits_init(a, &second, max);
	rc = range_scan(st, a, loc, "tti", disclosed_only ? DISCLOSE_NAME_LOC : 0, p,
	    true, scan, &second);
	out->cut |= second.cut;
	for (int i = 0; i < second.n; i++) {
		bool dup = false;

		for (int k = 0; k < out->n && !dup; k++)
			dup = out->id[k] == second.id[i];
		if (!dup && !hits_add(out, second.id[i]))
			break;
	}
	out->more |= second.more;
	return rc;
}

int
store_search_contacts_handle(struct store *st, struct arena *a,
    const struct store_pattern *p, int max, int scan, struct store_hits *out)
{
	static const char sql[] =
	    "SELECT id, handle FROM contact WHERE handle >= ?1 AND handle < ?2 ORDER BY handle";

	hits_init(a, out, max);
	return range_scan(st, a, sql, "tt", 0, p, false, scan, out);
}

int
store_search_registrars(struct store *st, struct arena *a, const struct store_pattern *p,
    bool by_handle, int max, int scan, struct store_hits *out)
{
	static const char by_name[] =
	    "SELECT id, name FROM registrar WHERE name COLLATE NOCASE >= ?1 "
	    "AND name COLLATE NOCASE < ?2 ORDER BY name COLLATE NOCASE";
	static const char by_hdl[] =
	    "SELECT id, handle FROM registrar WHERE handle >= ?1 AND handle < ?2 "
	    "ORDER BY handle";

	hits_init(a, out, max);
	return range_scan(st, a, by_handle ? by_hdl : by_name, "tt", 0, p, !by_handle,
	    scan, out);
}

int
store_registrar_get_by_iana(struct store *st, struct arena *a, int64_t iana_id,
    struct reg_registrar *out)
{
	static const char sql[] = "SELECT id FROM registrar WHERE iana_id = ? LIMIT 1";
	int64_t id = stmt_int(st, 0, sql, "i", iana_id);

	if (id == 0)
		return REG_ENOTFOUND;
	return store_registrar_get_by_id(st, a, id, out);
}

/* --- RDAP reads -------------------------------------------------------------- */

struct ns_row {
	int64_t id, domain_id;
	char *name, *roid, *addr;	/* addr NULL: the host has none */
	int family;
};

static void
ns_row_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct ns_row *r = row;

	r->id = col_int(s, 0);
	r->name = col_text(a, s, 1);
	r->roid = col_text(a, s, 2);
	r->domain_id = col_int(s, 3);
	r->addr = col_text(a, s, 4);
	r->family = (int)col_int(s, 5);
}

struct status_row {
	int64_t id;
	struct reg_status st;
};

static void
status_row_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct status_row *r = row;

	r->id = col_int(s, 0);
	r->st.status = col_text(a, s, 1);
	r->st.lang = col_text(a, s, 2);
	r->st.reason = col_text(a, s, 3);
}

/* Turns rows ordered by host into hosts, each with its addresses. */
static struct reg_host *
hosts_group(struct arena *a, const struct ns_row *v, int nrows, int *n)
{
	struct reg_host *h;
	int k = -1;

	*n = 0;
	for (int i = 0; i < nrows; i++)
		*n += i == 0 || v[i].id != v[i - 1].id;
	h = arena_alloc(a, sizeof(*h) * (size_t)(*n + 1));
	for (int i = 0; i < nrows; i++) {
		if (i == 0 || v[i].id != v[i - 1].id) {
			h[++k].id = v[i].id;
			h[k].name = v[i].name;
			h[k].roid = v[i].roid;
			h[k].domain_id = v[i].domain_id;
			h[k].addr = arena_alloc(a, sizeof(*h[k].addr) * (size_t)(nrows - i + 1));
		}
		if (v[i].addr != NULL) {
			h[k].addr[h[k].naddr].addr = v[i].addr;
			h[k].addr[h[k].naddr++].family = v[i].family;
		}
	}
	return h;
}

/* Gives each host its statuses; both lists are in host id order. */
static void
hosts_statuses(struct arena *a, struct reg_host *h, int n, const struct status_row *v,
    int nrows)
{
	int k = 0, first;

	for (int i = 0; i < n; i++) {
		while (k < nrows && v[k].id < h[i].id)
			k++;
		for (first = k; k < nrows && v[k].id == h[i].id; k++)
			;
		h[i].statuses.n = k - first;
		h[i].statuses.v = arena_alloc(a, sizeof(struct reg_status) *
		    (size_t)(k - first + 1));
		for (int j = first; j < k; j++)
			h[i].statuses.v[j - first] = v[j].st;
	}
}

int
store_domain_nameservers(struct store *st, struct arena *a, int64_t domain_id,
    struct reg_host **out, int *n)
{
	static const char hosts[] =
	    "SELECT h.id, h.name, h.roid, h.domain_id, ha.addr, ha.family FROM domain_ns n "
	    "JOIN host h ON h.id = n.host_id LEFT JOIN host_addr ha ON ha.host_id = h.id "
	    "WHERE n.domain_id = ? ORDER BY h.id, ha.family, ha.addr";
	/* CROSS JOIN keeps domain_ns the outer loop: SQLite would otherwise
	 * walk every host status to serve the ORDER BY. */
	static const char statuses[] =
	    "SELECT s.object_id, s.status, s.lang, s.reason FROM domain_ns n "
	    "CROSS JOIN status s ON s.kind = 'host' AND s.object_id = n.host_id "
	    "WHERE n.domain_id = ? ORDER BY s.object_id, s.status";
	struct ns_row *v;
	struct status_row *sv;
	int nrows, nst, rc;

	v = stmt_rows(st, a, ns_row_read, sizeof(*v), &nrows, &rc, hosts, "i", domain_id);
	*out = hosts_group(a, v, rc == REG_OK ? nrows : 0, n);
	if (rc != REG_OK)
		return rc;
	sv = stmt_rows(st, a, status_row_read, sizeof(*sv), &nst, &rc, statuses, "i",
	    domain_id);
	if (rc == REG_OK)
		hosts_statuses(a, *out, *n, sv, nst);
	return rc;
}

void
store_tune_readers(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void
store_stmt_work(struct store *st, int64_t *fullscan, int64_t *vmsteps)
{
	*fullscan = *vmsteps = 0;
	for (int i = 0; i < st->nstmt; i++) {
		*fullscan += sqlite3_stmt_status(st->cache[i].stmt,
		    SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
		*vmsteps += sqlite3_stmt_status(st->cache[i].stmt, SQLITE_STMTSTATUS_VM_STEP, 0);
	}
}
