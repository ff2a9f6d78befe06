/*
 * store_zone.c: the published delegations, streamed in DNS canonical
 * order (RFC 4034 6.1) for the zone generator.
 *
 * A domain is published when it has name servers, no clientHold or
 * serverHold, and, unless the configuration publishes them, is not in a
 * redemption grace period or pending delete (RFC 3915). Glue: the
 * addresses of in-zone hosts that some published delegation uses, under
 * the domain they belong to, and only when that domain is published too
 * (else the host's name would be occluded by nothing and become
 * authoritative data of the TLD).
 *
 * Memory stays small for millions of domains: the one large result, the
 * domains in canonical order, is a cursor whose sort SQLite spills to
 * disk as needed, ordered by a registered function that turns a name into
 * its canonical key. The rest is read once, in row order, into compact
 * tables indexed by row id: bitmaps (unpublished by status, has DS,
 * in-zone hosts in use, has such hosts), the name server host ids of
 * every domain (CSR: an offset per domain, an id per name server) and the
 * host names, which many domains share. That is about 15 bytes per domain
 * plus the host names, and it replaces a random index seek per domain
 * (2.5 us each, most of the time of a generation) with an array look-up.
 * DS data and glue addresses are looked up per domain that has them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

#define CANON_FN	"zone_canon"
#define NAME_MAX_KEY	(2 * 255)
#define ZONE_MMAP	"4294967296"	/* bytes of the file mapped */
#define ZONE_CACHE	"-16384"	/* KiB of page cache */

struct bitmap {
	uint8_t *bits;
	size_t nbytes;
};

struct store_zone_iter {
	struct store *st;
	struct store_zone_opts opts;
	char suffix[256];		/* ".test" */
	struct bitmap held;		/* domain ids not to publish (statuses) */
	struct bitmap used;		/* in-zone host ids in use */
	struct bitmap parents;		/* domain ids with in-zone hosts in use */
	struct bitmap signed_;		/* domain ids with DS data */
	uint32_t *ns_off;		/* domain id -> first entry in ns_host */
	size_t ns_nid;			/* domain ids covered (max id + 1) */
	uint32_t *ns_host;		/* host ids, grouped by domain id */
	size_t ns_n, ns_cap;
	char **host;			/* host names by id (NULL: none) */
	size_t nhost;
	char *names;			/* their text */
	size_t names_len, names_cap;
	sqlite3_stmt *cursor;
	bool done;			/* the cursor ran out (a step would restart it) */
};

static void
bit_set(struct bitmap *b, int64_t i)
{
	size_t byte = (size_t)i / 8;

	if (i < 0)
		return;
	if (byte >= b->nbytes) {
		size_t n = b->nbytes ? b->nbytes : 4096;

		while (n <= byte)
			n *= 2;
		b->bits = xrealloc(b->bits, n);
		memset(b->bits + b->nbytes, 0, n - b->nbytes);
		b->nbytes = n;
	}
	b->bits[byte] |= (uint8_t)(1u << (i % 8));
}

static bool
bit_get(const struct bitmap *b, int64_t i)
{
	return i >= 0 && (size_t)i / 8 < b->nbytes && (b->bits[i / 8] & (1u << (i % 8)));
}

/* zone_canon(name): labels from the root down, each ended by 0x00, with
 * 0x00 and 0x01 escaped (as zonegen's struct dname key); memcmp order is
 * canonical order, which SQLite's BINARY comparison of blobs is. */
static void
canon_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]), k = 0, end;
	unsigned char key[NAME_MAX_KEY + 2];

	(void)argc;
	if (s == NULL || n > 255) {
		sqlite3_result_null(ctx);
		return;
	}
	for (end = n; end > 0; ) {
		int start = end;

		while (start > 0 && s[start - 1] != '.')
			start--;
		for (int i = start; i < end; i++) {
			if (s[i] <= 1)
				key[k++] = 1;
			key[k++] = s[i] <= 1 ? (unsigned char)(s[i] + 1) : s[i];
		}
		key[k++] = 0;
		end = start - 1;
	}
	sqlite3_result_blob(ctx, key, k, SQLITE_TRANSIENT);
}

/* The name back from its canonical key (labels root first). */
static char *
key_name(struct arena *a, const unsigned char *key, size_t n)
{
	char *name = arena_alloc(a, n + 1), *o = name + n;
	size_t i = 0;

	*o = '\0';
	while (i < n) {
		size_t start = i, len = 0;
		char *l;

		for (; i < n && key[i] != 0; i++, len++)
			if (key[i] == 1)
				i++;
		i++;		/* the label's end */
		o -= len + (o != name + n);
		l = o;
		for (size_t k = start; k < i - 1; k++)
			*l++ = key[k] == 1 ? (char)(key[++k] - 1) : (char)key[k];
		if (l != name + n)
			*l = '.';
	}
	return o;
}

/* Calls fn on every row of s (as stmt_query left it); REG_OK or the error. */
static int
each_row(struct store *st, sqlite3_stmt *s, int rc,
    void (*fn)(struct store_zone_iter *, sqlite3_stmt *), struct store_zone_iter *it)
{
	int step = SQLITE_ROW;

	if (s == NULL)
		return rc == REG_ENOTFOUND ? REG_OK : rc;
	for (; step == SQLITE_ROW; step = sqlite3_step(s))
		fn(it, s);
	sqlite3_reset(s);
	return step == SQLITE_DONE ? REG_OK : store_error(st, step, NULL);
}

static void
held_row(struct store_zone_iter *it, sqlite3_stmt *s)
{
	bit_set(&it->held, col_int(s, 0));
}

/* An in-zone host, its domain and a domain that uses it: only published
 * users count. */
static void
used_row(struct store_zone_iter *it, sqlite3_stmt *s)
{
	if (bit_get(&it->held, col_int(s, 2)))
		return;
	bit_set(&it->used, col_int(s, 0));
	bit_set(&it->parents, col_int(s, 1));
}

static void
ds_row(struct store_zone_iter *it, sqlite3_stmt *s)
{
	bit_set(&it->signed_, col_int(s, 0));
}

/* Host names go into one growing buffer; offsets first, pointers later. */
static void
host_row(struct store_zone_iter *it, sqlite3_stmt *s)
{
	int64_t id = col_int(s, 0);
	const unsigned char *name = sqlite3_column_text(s, 1);
	size_t n = (size_t)sqlite3_column_bytes(s, 1) + 1;

	if (id <= 0 || name == NULL)
		return;
	if ((size_t)id >= it->nhost) {
		size_t cap = it->nhost ? it->nhost : 1024;

		while (cap <= (size_t)id)
			cap *= 2;
		it->host = xrealloc(it->host, cap * sizeof(*it->host));
		memset(it->host + it->nhost, 0, (cap - it->nhost) * sizeof(*it->host));
		it->nhost = cap;
	}
	if (it->names_len + n > it->names_cap) {
		it->names_cap = (it->names_len + n) * 2;
		it->names = xrealloc(it->names, it->names_cap);
	}
	memcpy(it->names + it->names_len, name, n);
	it->host[id] = (char *)(uintptr_t)(it->names_len + 1);
	it->names_len += n;
}

static int
load_hosts(struct store_zone_iter *it)
{
	static const char sql[] = "SELECT id, name FROM host";
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(it->st, &rc, sql, "");
	if ((rc = each_row(it->st, s, rc, host_row, it)) != REG_OK)
		return rc;
	for (size_t i = 0; i < it->nhost; i++)
		if (it->host[i] != NULL)
			it->host[i] = it->names + ((uintptr_t)it->host[i] - 1);
	return REG_OK;
}

/* domain_ns in primary key order: the host ids of each domain id. */
static void
ns_row(struct store_zone_iter *it, sqlite3_stmt *s)
{
	int64_t d = col_int(s, 0);

	if (d < 0 || (uint64_t)d >= UINT32_MAX - 1)
		return;
	if ((size_t)d + 2 > it->ns_nid) {
		size_t cap = it->ns_nid ? it->ns_nid : 1024;

		while (cap < (size_t)d + 2)
			cap *= 2;
		it->ns_off = xrealloc(it->ns_off, cap * sizeof(*it->ns_off));
		for (size_t i = it->ns_nid; i < cap; i++)
			it->ns_off[i] = UINT32_MAX;
		it->ns_nid = cap;
	}
	if (it->ns_n == it->ns_cap) {
		it->ns_cap = it->ns_cap ? 2 * it->ns_cap : 4096;
		it->ns_host = xrealloc(it->ns_host, it->ns_cap * sizeof(*it->ns_host));
	}
	if (it->ns_off[d] == UINT32_MAX)
		it->ns_off[d] = (uint32_t)it->ns_n;
	it->ns_host[it->ns_n++] = (uint32_t)col_int(s, 1);
}

/* Ids without name servers start where the next id starts. */
static void
ns_close(struct store_zone_iter *it)
{
	uint32_t next = (uint32_t)it->ns_n;

	for (size_t i = it->ns_nid; i-- > 0; )
		if (it->ns_off[i] == UINT32_MAX)
			it->ns_off[i] = next;
		else
			next = it->ns_off[i];
}

static int
load_bitmaps(struct store_zone_iter *it)
{
	static const char held[] =
	    "SELECT object_id FROM status WHERE kind = 'domain' AND "
	    "(status IN ('clientHold', 'serverHold') OR (status = 'pendingDelete' AND ?1 = 0))";
	static const char used[] =
	    "SELECT h.id, h.domain_id, dn.domain_id FROM host h "
	    "JOIN domain_ns dn ON dn.host_id = h.id JOIN domain d ON d.id = dn.domain_id "
	    "WHERE h.domain_id IS NOT NULL AND (d.rgp IS NULL OR ?1)";
	static const char rgp[] = "SELECT id FROM domain WHERE rgp IS NOT NULL";
	static const char ds[] = "SELECT DISTINCT domain_id FROM domain_ds";
	static const char ns[] = "SELECT domain_id, host_id FROM domain_ns ORDER BY domain_id";
	int64_t redemption = it->opts.publish_redemption;
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(it->st, &rc, held, "i", redemption);
	if ((rc = each_row(it->st, s, rc, held_row, it)) != REG_OK)
		return rc;
	if (!redemption) {
		s = stmt_query(it->st, &rc, rgp, "");
		if ((rc = each_row(it->st, s, rc, held_row, it)) != REG_OK)
			return rc;
	}
	s = stmt_query(it->st, &rc, used, "i", redemption);
	if ((rc = each_row(it->st, s, rc, used_row, it)) != REG_OK)
		return rc;
	s = stmt_query(it->st, &rc, ds, "");
	if ((rc = each_row(it->st, s, rc, ds_row, it)) != REG_OK)
		return rc;
	s = stmt_query(it->st, &rc, ns, "");
	if ((rc = each_row(it->st, s, rc, ns_row, it)) != REG_OK)
		return rc;
	ns_close(it);
	return load_hosts(it);
}

int
store_zone_begin(struct store *st, const struct store_zone_opts *o,
    struct store_zone_iter **out, struct reg_err *err)
{
	/* The name index covers id and name; the key is the sorted payload. */
	static const char sql[] =
	    "SELECT id, " CANON_FN "(name) AS k FROM domain ORDER BY k";
	struct store_zone_iter *it = xcalloc(1, sizeof(*it));
	int rc;

	*out = NULL;
	it->st = st;
	it->opts = *o;
	snprintf(it->suffix, sizeof(it->suffix), ".%s", o->zone);
	/* A walk over whole tables: map the file rather than copy every page
	 * through the page cache (a third of the CPU time at a million
	 * domains). The mapped pages count in the resident size but are the
	 * kernel's clean file cache; a small SQLite cache keeps the heap small
	 * (a larger one only grows the sorter's memory). */
	stmt_exec(st, NULL, "PRAGMA mmap_size = " ZONE_MMAP, "");
	stmt_exec(st, NULL, "PRAGMA cache_size = " ZONE_CACHE, "");
	if (sqlite3_create_function(st->db, CANON_FN, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	    NULL, canon_fn, NULL, NULL) != SQLITE_OK) {
		store_zone_end(it);
		return reg_fail(err, REG_EDB, "cannot register %s", CANON_FN);
	}
	if ((rc = load_bitmaps(it)) != REG_OK) {
		store_zone_end(it);
		return reg_fail(err, rc, "cannot read statuses and hosts: %s",
		    sqlite3_errmsg(st->db));
	}
	if ((it->cursor = stmt_get(st, sql)) == NULL) {
		store_zone_end(it);
		return reg_fail(err, REG_EDB, "cannot prepare the domain cursor");
	}
	*out = it;
	return REG_OK;
}

static void
ds_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_ds *d = row;

	d->key_tag = (int)col_int(s, 0);
	d->alg = (int)col_int(s, 1);
	d->digest_type = (int)col_int(s, 2);
	d->digest = col_text(a, s, 3);
}

static void
glue_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_zone_host *h = row;

	h->id = col_int(s, 0);
	h->name = col_text(a, s, 1);
}

static void
addr_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_host_addr *v = row;

	v->addr = col_text(a, s, 0);
	v->family = (int)col_int(s, 1);
}

/* The glue of domain d: its in-zone hosts in use, with addresses. */
static int
glue_fill(struct store_zone_iter *it, struct arena *a, struct reg_delegation *d)
{
	static const char hosts[] =
	    "SELECT id, name FROM host WHERE domain_id = ? ORDER BY " CANON_FN "(name)";
	static const char addrs[] =
	    "SELECT addr, family FROM host_addr WHERE host_id = ? ORDER BY family, addr";
	struct reg_zone_host *h;
	int n, rc;

	d->nglue = 0;
	if (!bit_get(&it->parents, d->id))
		return REG_OK;
	h = stmt_rows(it->st, a, glue_read, sizeof(*h), &n, &rc, hosts, "i", d->id);
	d->glue = h;
	for (int i = 0; rc == REG_OK && i < n; i++) {
		if (!bit_get(&it->used, h[i].id))
			continue;
		h[d->nglue] = h[i];
		h[d->nglue].addr = stmt_rows(it->st, a, addr_read, sizeof(*h->addr),
		    &h[d->nglue].naddr, &rc, addrs, "i", h[i].id);
		if (h[d->nglue].naddr > 0)
			d->nglue++;
	}
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The name servers of d from the tables, sorted by name. */
static void
ns_fill(struct store_zone_iter *it, struct arena *a, struct reg_delegation *d)
{
	uint32_t from, to;

	d->nns = 0;
	if (d->id < 0 || (size_t)d->id + 1 >= it->ns_nid)
		return;
	from = it->ns_off[d->id];
	to = it->ns_off[d->id + 1];
	d->ns = arena_alloc(a, (to - from + 1) * sizeof(*d->ns));
	for (uint32_t k = from; k < to; k++) {
		uint32_t h = it->ns_host[k];

		if (h < it->nhost && it->host[h] != NULL)
			d->ns[d->nns++] = arena_strdup(a, it->host[h]);
	}
	qsort(d->ns, (size_t)d->nns, sizeof(*d->ns), name_cmp);
}

/* Name servers, DS and glue of the domain the cursor is on; REG_ENOTFOUND
 * if it has no name servers (not published). */
static int
delegation_fill(struct store_zone_iter *it, struct arena *a, struct reg_delegation *d)
{
	static const char ds[] =
	    "SELECT key_tag, alg, digest_type, digest FROM domain_ds WHERE domain_id = ? "
	    "ORDER BY key_tag, alg, digest_type, digest";
	int rc;

	ns_fill(it, a, d);
	if (d->nns == 0)
		return REG_ENOTFOUND;
	if (bit_get(&it->signed_, d->id)) {
		d->ds = stmt_rows(it->st, a, ds_read, sizeof(*d->ds), &d->nds, &rc, ds, "i",
		    d->id);
		if (rc != REG_OK)
			return rc;
	}
	return glue_fill(it, a, d);
}

int
store_zone_next(struct store_zone_iter *it, struct arena *a, struct reg_delegation *d)
{
	int step, rc;

	if (it->done)
		return REG_ENOTFOUND;
	while ((step = sqlite3_step(it->cursor)) == SQLITE_ROW) {
		memset(d, 0, sizeof(*d));
		d->id = col_int(it->cursor, 0);
		if (bit_get(&it->held, d->id))
			continue;
		d->name = key_name(a, sqlite3_column_blob(it->cursor, 1),
		    (size_t)sqlite3_column_bytes(it->cursor, 1));
		if (!str_has_suffix(d->name, it->suffix))
			continue;
		if ((rc = delegation_fill(it, a, d)) != REG_ENOTFOUND)
			return rc;
	}
	it->done = true;
	return step == SQLITE_DONE ? REG_ENOTFOUND : store_error(it->st, step, NULL);
}

void
store_zone_end(struct store_zone_iter *it)
{
	if (it == NULL)
		return;
	if (it->cursor != NULL)
		sqlite3_reset(it->cursor);
	free(it->held.bits);
	free(it->used.bits);
	free(it->parents.bits);
	free(it->signed_.bits);
	free(it->host);
	free(it->names);
	free(it->ns_off);
	free(it->ns_host);
	free(it);
}
