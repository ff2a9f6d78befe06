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
#include <stdlib.h>
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

/* A status row of the statuses query below: (kind, object id, status). */
struct status_row {
	char *kind;
	int64_t id;
	struct reg_status st;
};

static void
status_row_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct status_row *r = row;

	r->kind = col_text(a, s, 0);
	r->id = col_int(s, 1);
	r->st.status = col_text(a, s, 2);
	r->st.lang = col_text(a, s, 3);
	r->st.reason = col_text(a, s, 4);
}

/* The statuses of object (kind, id) among rows, each once (a contact in
 * two roles comes twice). */
static void
statuses_pick(struct arena *a, const struct status_row *v, int n, const char *kind,
    int64_t id, struct reg_status_list *out)
{
	out->n = 0;
	out->v = arena_alloc(a, sizeof(*out->v) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		bool dup = false;

		if (v[i].id != id || strcmp(v[i].kind, kind) != 0)
			continue;
		for (int k = 0; k < out->n && !dup; k++)
			dup = strcmp(out->v[k].status, v[i].st.status) == 0;
		if (!dup)
			out->v[out->n++] = v[i].st;
	}
}

/* Every status of a domain, of its contacts and of its name servers in
 * one statement (?1 the domain, ?2 its registrant, whose are read once
 * whatever roles it has). CROSS JOIN keeps the domain's rows the outer
 * loop: SQLite would otherwise walk every status of the kind. */
static const char statuses_sql[] =
    "SELECT 'domain', object_id, status, lang, reason FROM status "
    "WHERE kind = 'domain' AND object_id = ?1 "
    "UNION ALL SELECT 'contact', object_id, status, lang, reason FROM status "
    "WHERE kind = 'contact' AND object_id = ?2 "
    "UNION ALL SELECT 'contact', s.object_id, s.status, s.lang, s.reason FROM domain_contact dc "
    "CROSS JOIN status s ON s.kind = 'contact' AND s.object_id = nullif(dc.contact_id, ?2) "
    "WHERE dc.domain_id = ?1 "
    "UNION ALL SELECT 'host', s.object_id, s.status, s.lang, s.reason FROM domain_ns n "
    "CROSS JOIN status s ON s.kind = 'host' AND s.object_id = n.host_id "
    "WHERE n.domain_id = ?1";

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

/* Hosts by name, each one's addresses IPv4 first, then by text. In C:
 * an ORDER BY builds a temporary B-tree, which costs more than the few
 * rows of a domain. */
static int
ns_row_cmp(const void *x, const void *y)
{
	const struct ns_row *p = x, *q = y;
	int c = strcmp(p->name, q->name);

	if (c != 0)
		return c;
	if (p->addr == NULL || q->addr == NULL)
		return (p->addr != NULL) - (q->addr != NULL);
	if (p->family != q->family)
		return p->family - q->family;
	return strcmp(p->addr, q->addr);
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

/* The hosts of domain_id with their addresses (statuses: the caller). */
static int
ns_read(struct store *st, struct arena *a, int64_t domain_id, struct reg_host **out,
    int *n)
{
	static const char sql[] =
	    "SELECT h.id, h.name, h.roid, h.domain_id, ha.addr, ha.family FROM domain_ns n "
	    "JOIN host h ON h.id = n.host_id LEFT JOIN host_addr ha ON ha.host_id = h.id "
	    "WHERE n.domain_id = ?";
	struct ns_row *v;
	int nrows, rc;

	v = stmt_rows(st, a, ns_row_read, sizeof(*v), &nrows, &rc, sql, "i", domain_id);
	if (rc == REG_OK)
		qsort(v, (size_t)nrows, sizeof(*v), ns_row_cmp);
	*out = hosts_group(a, v, rc == REG_OK ? nrows : 0, n);
	return rc;
}

int
store_domain_nameservers(struct store *st, struct arena *a, int64_t domain_id,
    struct reg_host **out, int *n)
{
	struct status_row *sv;
	int nst, rc;

	if ((rc = ns_read(st, a, domain_id, out, n)) != REG_OK)
		return rc;
	sv = stmt_rows(st, a, status_row_read, sizeof(*sv), &nst, &rc, statuses_sql, "iz",
	    domain_id, (int64_t)0);
	for (int i = 0; i < *n && rc == REG_OK; i++)
		statuses_pick(a, sv, nst, "host", (*out)[i].id, &(*out)[i].statuses);
	return rc;
}

/* --- the RDAP domain --------------------------------------------------------- */

#define RDAP_DOMAIN_SELECT \
	"SELECT d.id, d.name, d.uname, d.roid, d.registrant_id, d.sponsor_id, r.handle, " \
	"d.created, d.updated, d.expires, d.transferred, d.deleted, d.rgp, d.max_sig_life " \
	"FROM domain d JOIN registrar r ON r.id = d.sponsor_id"

static void
rdap_domain_read(struct arena *a, sqlite3_stmt *s, struct reg_domain *d)
{
	d->id = col_int(s, 0);
	d->name = col_text(a, s, 1);
	d->uname = col_text(a, s, 2);
	d->roid = col_text(a, s, 3);
	d->registrant_id = col_int(s, 4);
	d->sponsor_id = col_int(s, 5);
	d->sponsor = col_text(a, s, 6);
	d->created = col_int(s, 7);
	d->updated = col_int(s, 8);
	d->expires = col_int(s, 9);
	d->transferred = col_int(s, 10);
	d->deleted = col_int(s, 11);
	d->rgp = col_text(a, s, 12);
	d->max_sig_life = col_int(s, 13);
}

/* The contact columns RDAP shows: "int", then "loc" postalInfo. */
#define RDAP_POSTAL(p) "c." p "name, c." p "org, c." p "street1, c." p "street2, " \
	"c." p "street3, c." p "city, c." p "sp, c." p "pc, c." p "cc"
#define RDAP_CONTACT_COLS "c.id, c.handle, c.roid, c.created, c.updated, c.transferred, " \
	RDAP_POSTAL("int_") ", " RDAP_POSTAL("loc_") \
	", c.voice, c.voice_ext, c.fax, c.fax_ext, c.email, c.disclose"
#define RDAP_COL_POSTAL 7

static void
rdap_contact_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_view_contact *vc = row;
	struct reg_contact *c = &vc->c;
	int col = RDAP_COL_POSTAL + 2 * POSTAL_NCOLS;

	vc->type = col_text(a, s, 0);
	c->id = col_int(s, 1);
	c->handle = col_text(a, s, 2);
	c->roid = col_text(a, s, 3);
	c->created = col_int(s, 4);
	c->updated = col_int(s, 5);
	c->transferred = col_int(s, 6);
	postal_read(a, s, RDAP_COL_POSTAL, &c->intl);
	postal_read(a, s, RDAP_COL_POSTAL + POSTAL_NCOLS, &c->loc);
	c->voice = col_text(a, s, col);
	c->voice_ext = col_text(a, s, col + 1);
	c->fax = col_text(a, s, col + 2);
	c->fax_ext = col_text(a, s, col + 3);
	c->email = col_text(a, s, col + 4);
	c->disclose = (unsigned)col_int(s, col + 5);
}

/* The registrant, then admin, billing, tech, each by handle: an order
 * that survives a restore, which may number rows anew. Sorted here, for
 * the reason of ns_row_cmp. */
static int
contact_cmp(const void *x, const void *y)
{
	const struct reg_view_contact *p = x, *q = y;
	bool pr = strcmp(p->type, "registrant") == 0, qr = strcmp(q->type, "registrant") == 0;
	int c;

	if (pr != qr)
		return qr - pr;
	if ((c = strcmp(p->type, q->type)) != 0)
		return c;
	return strcmp(p->c.handle, q->c.handle);
}

/* Gives the roles the registrant also has its data, then sorts. */
static void
contact_roles(struct reg_domain_rdap *v)
{
	v->ncontacts = contacts_fill_registrant(v->contacts, v->ncontacts);
	qsort(v->contacts, (size_t)v->ncontacts, sizeof(*v->contacts), contact_cmp);
}

/* DS data, contacts, name servers and every status of v->d. */
static int
rdap_domain_fill(struct store *st, struct arena *a, struct reg_domain_rdap *v)
{
	/* The registrant is often a domain's admin or tech contact as well:
	 * its row is read once, and a role that names it comes back with the
	 * contact's columns NULL (contacts_fill_registrant). */
	static const char contacts[] =
	    "SELECT 'registrant', " RDAP_CONTACT_COLS " FROM contact c WHERE c.id = ?2 "
	    "UNION ALL SELECT dc.type, " RDAP_CONTACT_COLS " FROM domain_contact dc "
	    "LEFT JOIN contact c ON c.id = nullif(dc.contact_id, ?2) WHERE dc.domain_id = ?1 "
	    "AND (c.id IS NOT NULL OR dc.contact_id = ?2)";
	struct reg_domain *d = &v->d;
	struct status_row *sv;
	int nst, rc;

	d->ds = stmt_rows(st, a, ds_row_read, sizeof(*d->ds), &d->nds, &rc, DS_SELECT, "i", d->id);
	if (rc == REG_OK)
		v->contacts = stmt_rows(st, a, rdap_contact_read, sizeof(*v->contacts),
		    &v->ncontacts, &rc, contacts, "iz", d->id, d->registrant_id);
	if (rc == REG_OK)
		contact_roles(v);
	if (rc == REG_OK)
		rc = ns_read(st, a, d->id, &v->ns, &v->nns);
	if (rc != REG_OK)
		return rc;
	sv = stmt_rows(st, a, status_row_read, sizeof(*sv), &nst, &rc, statuses_sql, "iz",
	    d->id, d->registrant_id);
	statuses_pick(a, sv, nst, "domain", d->id, &d->statuses);
	for (int i = 0; i < v->ncontacts; i++)
		statuses_pick(a, sv, nst, "contact", v->contacts[i].c.id,
		    &v->contacts[i].c.statuses);
	for (int i = 0; i < v->nns; i++)
		statuses_pick(a, sv, nst, "host", v->ns[i].id, &v->ns[i].statuses);
	return rc;
}

int
store_domain_rdap(struct store *st, struct arena *a, const char *name, int64_t id,
    struct reg_domain_rdap *out)
{
	static const char by_name[] = RDAP_DOMAIN_SELECT " WHERE d.name = ?";
	static const char by_id[] = RDAP_DOMAIN_SELECT " WHERE d.id = ?";
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	s = name != NULL ? stmt_query(st, &rc, by_name, "t", name) :
	    stmt_query(st, &rc, by_id, "i", id);
	if (s == NULL)
		return rc;
	rdap_domain_read(a, s, &out->d);
	sqlite3_reset(s);
	return rdap_domain_fill(st, a, out);
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
