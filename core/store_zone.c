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
 * its canonical key. What else a delegation needs comes from indexed
 * look-ups per domain, decided by three bitmaps indexed by row id, one bit
 * per domain or host: unpublished by status, in-zone hosts in use, and
 * domains that have such hosts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

#define CANON_FN	"zone_canon"
#define NAME_MAX_KEY	(2 * 255)

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
	sqlite3_stmt *cursor;
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
	int64_t redemption = it->opts.publish_redemption;
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(it->st, &rc, held, "i", redemption);
	if ((rc = each_row(it->st, s, rc, held_row, it)) != REG_OK)
		return rc;
	s = stmt_query(it->st, &rc, used, "i", redemption);
	return each_row(it->st, s, rc, used_row, it);
}

int
store_zone_begin(struct store *st, const struct store_zone_opts *o,
    struct store_zone_iter **out, struct reg_err *err)
{
	static const char sql[] =
	    "SELECT id, name FROM domain WHERE (rgp IS NULL OR ?1) AND "
	    "substr(name, -?2) = ?3 ORDER BY " CANON_FN "(name)";
	struct store_zone_iter *it = xcalloc(1, sizeof(*it));
	int rc;

	*out = NULL;
	it->st = st;
	it->opts = *o;
	snprintf(it->suffix, sizeof(it->suffix), ".%s", o->zone);
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
	sqlite3_bind_int64(it->cursor, 1, o->publish_redemption);
	sqlite3_bind_int64(it->cursor, 2, (int64_t)strlen(it->suffix));
	sqlite3_bind_text(it->cursor, 3, it->suffix, -1, SQLITE_TRANSIENT);
	*out = it;
	return REG_OK;
}

static void
ns_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	*(char **)row = col_text(a, s, 0);
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

/* Name servers, DS and glue of the domain the cursor is on; REG_ENOTFOUND
 * if it has no name servers (not published). */
static int
delegation_fill(struct store_zone_iter *it, struct arena *a, struct reg_delegation *d)
{
	static const char ns[] =
	    "SELECT h.name FROM domain_ns dn JOIN host h ON h.id = dn.host_id "
	    "WHERE dn.domain_id = ? ORDER BY h.name";
	static const char ds[] =
	    "SELECT key_tag, alg, digest_type, digest FROM domain_ds WHERE domain_id = ? "
	    "ORDER BY key_tag, alg, digest_type, digest";
	int rc;

	d->ns = stmt_rows(it->st, a, ns_read, sizeof(*d->ns), &d->nns, &rc, ns, "i", d->id);
	if (rc != REG_OK)
		return rc;
	if (d->nns == 0)
		return REG_ENOTFOUND;
	d->ds = stmt_rows(it->st, a, ds_read, sizeof(*d->ds), &d->nds, &rc, ds, "i", d->id);
	if (rc != REG_OK)
		return rc;
	return glue_fill(it, a, d);
}

int
store_zone_next(struct store_zone_iter *it, struct arena *a, struct reg_delegation *d)
{
	int step, rc;

	while ((step = sqlite3_step(it->cursor)) == SQLITE_ROW) {
		memset(d, 0, sizeof(*d));
		d->id = col_int(it->cursor, 0);
		if (bit_get(&it->held, d->id))
			continue;
		d->name = col_text(a, it->cursor, 1);
		if ((rc = delegation_fill(it, a, d)) != REG_ENOTFOUND)
			return rc;
	}
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
	free(it);
}
