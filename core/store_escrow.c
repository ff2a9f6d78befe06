/*
 * store_escrow.c: what an escrow deposit reads (RFC 8909 deposits of RFC
 * 9022 objects; escrow/ writes the XML). store_restore.c writes them back.
 *
 * Reading: a cursor steps through one kind of object in id order and
 * loads one object at a time, so that a deposit holds one object in
 * memory whatever the registry's size. Registrars, contacts, hosts and
 * reserved names come through the ordinary getters, so a deposit sees
 * what eppd, WHOIS and RDAP see; domains, the most numerous by far and
 * with five lists each, through a merge join of six statements in domain
 * id order (the lists sorted as store_domain_get() sorts them).
 *
 * Incremental deposits: the changelog already says which public rows
 * every committed transaction touched, so store_escrow_mark() walks the
 * changesets logged after the previous deposit and notes, in two TEMP
 * tables of the read-only connection, the objects they belong to (a
 * status row belongs to its object, a domain_ns row to its domain) and
 * the key of every deleted object, taken from the row image the
 * changeset keeps. Objects marked that still exist go into the deposit
 * whole; the others are deleted by key. Nothing has to be kept between
 * deposits but the previous deposit's sequence number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

/* Per kind: its table, which is also the kind of its status and transfer
 * rows, and the changeset column of the key a delete names it by. */
static const struct {
	const char *table;
	int key_col;
} kinds[ESCROW_NKINDS] = {
	[ESCROW_REGISTRAR] = { "registrar", 1 },	/* handle */
	[ESCROW_CONTACT] = { "contact", 1 },		/* handle */
	[ESCROW_HOST] = { "host", 2 },			/* roid */
	[ESCROW_DOMAIN] = { "domain", 1 },		/* name */
	[ESCROW_NNDN] = { "reserved", 0 },		/* name */
};

/* Child tables whose column 0 is the id of the object they belong to. */
static const struct {
	const char *table;
	enum escrow_kind kind;
} children[] = {
	{ "host_addr", ESCROW_HOST },
	{ "domain_contact", ESCROW_DOMAIN },
	{ "domain_ns", ESCROW_DOMAIN },
	{ "domain_ds", ESCROW_DOMAIN },
};

/* Tables of every kind whose columns 0 and 1 are (kind, object_id). */
static const char *const by_kind_tables[] = { "status", "transfer" };

/* The lists of domains, each read by a cursor of its own in domain id
 * order, stepped in step with the domains (a merge join): a deposit runs
 * five statements in all rather than seven per domain. */
enum { SUB_CONTACT, SUB_NS, SUB_DS, SUB_STATUS, SUB_GRACE, SUB_COUNT };

struct sub {
	sqlite3_stmt *s;
	bool row;		/* positioned on a row */
};

/* Page cache of a deposit's connection (16 MiB): the contacts and hosts
 * domains name are found at random, a bigger cache saves rereading them. */
#define DEPOSIT_CACHE "PRAGMA cache_size = -16384"

struct escrow_cursor {
	struct store *st;
	enum escrow_kind kind;
	int64_t now;
	sqlite3_stmt *keys;	/* ids in order (NNDN: names); domains: whole rows */
	struct sub sub[SUB_COUNT];
};

static int domain_open(struct escrow_cursor *, bool marked_only, struct reg_err *);

static int
kind_of_table(const char *table)
{
	for (int k = 0; k < ESCROW_NKINDS; k++)
		if (strcmp(kinds[k].table, table) == 0)
			return k;
	return -1;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **out, struct reg_err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
		return reg_fail(err, REG_EDB, "escrow: %s", sqlite3_errmsg(st->db));
	return REG_OK;
}

/* --- marking what changed ------------------------------------------------ */

static const char mark_tables[] =
    "CREATE TEMP TABLE IF NOT EXISTS escrow_mark (kind INTEGER NOT NULL, "
    "id INTEGER NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;"
    "CREATE TEMP TABLE IF NOT EXISTS escrow_key (kind INTEGER NOT NULL, "
    "id INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (kind, id, key)) WITHOUT ROWID;"
    "DELETE FROM temp.escrow_mark; DELETE FROM temp.escrow_key";

static int
mark_id(struct store *st, int kind, sqlite3_value *id)
{
	static const char sql[] = "INSERT OR IGNORE INTO temp.escrow_mark(kind, id) VALUES (?, ?)";

	if (kind < 0 || id == NULL || sqlite3_value_type(id) != SQLITE_INTEGER)
		return REG_OK;
	return stmt_exec(st, NULL, sql, "ii", (int64_t)kind, sqlite3_value_int64(id));
}

static int
mark_key(struct store *st, int kind, int64_t id, sqlite3_value *key)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO temp.escrow_key(kind, id, key) VALUES (?, ?, ?)";

	if (key == NULL || sqlite3_value_type(key) != SQLITE_TEXT)
		return REG_OK;
	return stmt_exec(st, NULL, sql, "iit", (int64_t)kind, id,
	    (const char *)sqlite3_value_text(key));
}

/* Column col of the row a change is about: the new image of an insert,
 * else the old one (which holds the primary key of an update). */
static sqlite3_value *
change_col(sqlite3_changeset_iter *it, int op, int col)
{
	sqlite3_value *v = NULL;

	if (op == SQLITE_INSERT)
		sqlite3changeset_new(it, col, &v);
	else
		sqlite3changeset_old(it, col, &v);
	return v;
}

/* Marks the object one changed row belongs to. */
static int
mark_change(struct store *st, sqlite3_changeset_iter *it)
{
	const char *table;
	int ncol, op, indirect, k;
	sqlite3_value *id;

	if (sqlite3changeset_op(it, &table, &ncol, &op, &indirect) != SQLITE_OK)
		return REG_ESYNTAX;
	if ((k = kind_of_table(table)) == ESCROW_NNDN)
		return mark_key(st, k, 0, change_col(it, op, 0));
	if (k >= 0) {
		id = change_col(it, op, 0);
		if (op == SQLITE_DELETE && id != NULL &&
		    mark_key(st, k, sqlite3_value_int64(id),
		    change_col(it, op, kinds[k].key_col)) != REG_OK)
			return REG_EDB;
		return mark_id(st, k, id);
	}
	for (size_t i = 0; i < nitems(children); i++)
		if (strcmp(children[i].table, table) == 0)
			return mark_id(st, (int)children[i].kind, change_col(it, op, 0));
	for (size_t i = 0; i < nitems(by_kind_tables); i++)
		if (strcmp(by_kind_tables[i], table) == 0) {
			sqlite3_value *kv = change_col(it, op, 0);

			k = kv ? kind_of_table((const char *)sqlite3_value_text(kv)) : -1;
			return mark_id(st, k, change_col(it, op, 1));
		}
	return REG_OK;	/* reserved's kin: tables a deposit does not carry */
}

static int
mark_changeset(struct store *st, int64_t seq, const void *blob, int len, struct reg_err *err)
{
	sqlite3_changeset_iter *it;
	int rc = REG_OK;

	if (sqlite3changeset_start(&it, len, (void *)blob) != SQLITE_OK)
		return reg_fail(err, REG_ESYNTAX, "changeset %lld is malformed", (long long)seq);
	while (rc == REG_OK && sqlite3changeset_next(it) == SQLITE_ROW)
		rc = mark_change(st, it);
	if (sqlite3changeset_finalize(it) != SQLITE_OK && rc == REG_OK)
		rc = REG_ESYNTAX;
	if (rc != REG_OK)
		return reg_fail(err, rc, "changeset %lld: cannot read it", (long long)seq);
	return REG_OK;
}

/* Whether the log holds every changeset after `since`. */
static int
mark_reach(struct store *st, int64_t since, struct reg_err *err)
{
	int64_t first = store_changelog_first(st), last = store_changelog_last(st);

	if (last < since)
		return reg_fail(err, REG_ENOTFOUND, "the changelog ends at %lld, before "
		    "%lld (a restored or another database)", (long long)last, (long long)since);
	if (last > since && first > since + 1)
		return reg_fail(err, REG_ENOTFOUND, "the changelog starts at %lld and no "
		    "longer holds %lld", (long long)first, (long long)since + 1);
	return REG_OK;
}

int
store_escrow_mark(struct store *st, int64_t since, struct reg_err *err)
{
	static const char sql[] = "SELECT seq, changeset FROM changelog WHERE seq > ? ORDER BY seq";
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = mark_reach(st, since, err)) != REG_OK)
		return rc;
	if (sqlite3_exec(st->db, mark_tables, NULL, NULL, NULL) != SQLITE_OK)
		return reg_fail(err, REG_EDB, "escrow: %s", sqlite3_errmsg(st->db));
	if ((rc = prepare(st, sql, &s, err)) != REG_OK)
		return rc;
	sqlite3_bind_int64(s, 1, since);
	while (rc == REG_OK && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = mark_changeset(st, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
		    sqlite3_column_bytes(s, 1), err);
	if (rc == REG_OK && step != SQLITE_DONE)
		rc = store_error(st, step, err);
	sqlite3_finalize(s);
	return rc;
}

/* --- cursors ------------------------------------------------------------- */

/* " WHERE ..." restricting kind's rows to the marked ones, or "". */
static char *
marked_filter(enum escrow_kind kind, bool marked_only)
{
	if (!marked_only)
		return sqlite3_mprintf("");
	if (kind == ESCROW_NNDN)
		return sqlite3_mprintf(" WHERE name IN (SELECT key FROM temp.escrow_key "
		    "WHERE kind = %d)", (int)kind);
	return sqlite3_mprintf(" WHERE id IN (SELECT id FROM temp.escrow_mark WHERE kind = %d)",
	    (int)kind);
}

int64_t
store_escrow_count(struct store *st, enum escrow_kind kind, bool marked_only)
{
	char *filter = marked_filter(kind, marked_only);
	char *sql = sqlite3_mprintf("SELECT count(*) FROM %s%s", kinds[kind].table, filter);
	sqlite3_stmt *s;
	int64_t n = -1;

	if (prepare(st, sql, &s, NULL) == REG_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_free(sql);
	sqlite3_free(filter);
	return n;
}

int
store_escrow_open(struct store *st, enum escrow_kind kind, bool marked_only, int64_t now,
    struct escrow_cursor **out, struct reg_err *err)
{
	const char *key = kind == ESCROW_NNDN ? "name" : "id";
	char *filter = marked_filter(kind, marked_only);
	char *sql = sqlite3_mprintf("SELECT %s FROM %s%s ORDER BY %s", key, kinds[kind].table,
	    filter, key);
	struct escrow_cursor *c = xcalloc(1, sizeof(*c));
	int rc;

	c->st = st;
	c->kind = kind;
	c->now = now;
	sqlite3_exec(st->db, DEPOSIT_CACHE, NULL, NULL, NULL);
	rc = kind == ESCROW_DOMAIN ? domain_open(c, marked_only, err) :
	    prepare(st, sql, &c->keys, err);
	sqlite3_free(sql);
	sqlite3_free(filter);
	if (rc != REG_OK) {
		store_escrow_close(c);
		return rc;
	}
	*out = c;
	return REG_OK;
}

void
store_escrow_close(struct escrow_cursor *c)
{
	if (c == NULL)
		return;
	sqlite3_finalize(c->keys);
	for (int i = 0; i < SUB_COUNT; i++)
		sqlite3_finalize(c->sub[i].s);
	free(c);
}

/* Steps to the next key of a cursor of `kind`. */
static int
cursor_step(struct escrow_cursor *c, enum escrow_kind kind)
{
	int step;

	if (c->kind != kind)
		return REG_EINVAL;
	if ((step = sqlite3_step(c->keys)) == SQLITE_ROW)
		return REG_OK;
	return step == SQLITE_DONE ? REG_ENOTFOUND : store_error(c->st, step, NULL);
}

static int64_t
cursor_id(struct escrow_cursor *c)
{
	return sqlite3_column_int64(c->keys, 0);
}

/* The object's transfer record, or a zeroed one (state NULL). */
static int
transfer_of(struct escrow_cursor *c, struct arena *a, int64_t id, struct reg_transfer *tr)
{
	int rc = store_transfer_get(c->st, a, kinds[c->kind].table, id, tr);

	if (rc == REG_ENOTFOUND) {
		memset(tr, 0, sizeof(*tr));
		return REG_OK;
	}
	return rc;
}

int
store_escrow_next_registrar(struct escrow_cursor *c, struct arena *a, struct reg_registrar *r)
{
	int rc = cursor_step(c, ESCROW_REGISTRAR);

	return rc != REG_OK ? rc : store_registrar_get_by_id(c->st, a, cursor_id(c), r);
}

int
store_escrow_next_contact(struct escrow_cursor *c, struct arena *a, struct escrow_contact *o)
{
	int rc = cursor_step(c, ESCROW_CONTACT);

	if (rc == REG_OK)
		rc = store_contact_get_by_id(c->st, a, cursor_id(c), &o->c);
	return rc != REG_OK ? rc : transfer_of(c, a, o->c.id, &o->tr);
}

int
store_escrow_next_host(struct escrow_cursor *c, struct arena *a, struct reg_host *h)
{
	int rc = cursor_step(c, ESCROW_HOST);

	return rc != REG_OK ? rc : store_host_get_by_id(c->st, a, cursor_id(c), h);
}

int
store_escrow_next_nndn(struct escrow_cursor *c, struct arena *a, struct reg_reserved *r)
{
	int rc = cursor_step(c, ESCROW_NNDN);

	return rc != REG_OK ? rc : store_reserved_get(c->st, a,
	    (const char *)sqlite3_column_text(c->keys, 0), r);
}

/* --- domains, merge-joined ------------------------------------------------ */

/* The domain row with its owners, registrant and transfer record. */
static const char domain_rows[] =
    "SELECT d.id, d.name, d.uname, d.roid, rg.handle, d.max_sig_life, d.created, d.updated, "
    "d.expires, d.transferred, d.deleted, d.rgp, d.sponsor_id, d.creator_id, d.updater_id, "
    "sp.handle, cr.handle, up.handle, t.state, tg.handle, tl.handle, t.requested, t.acted, "
    "t.years, t.expires FROM domain d JOIN registrar sp ON sp.id = d.sponsor_id "
    "JOIN registrar cr ON cr.id = d.creator_id LEFT JOIN registrar up ON up.id = d.updater_id "
    "LEFT JOIN contact rg ON rg.id = d.registrant_id "
    "LEFT JOIN transfer t ON t.kind = 'domain' AND t.object_id = d.id "
    "LEFT JOIN registrar tg ON tg.id = t.gaining_id "
    "LEFT JOIN registrar tl ON tl.id = t.losing_id WHERE 1%s ORDER BY d.id";

/* Each list: its query (column 0 the domain id; %s the marked filter on
 * filter_col) in the order of its primary key, so no sort is needed. */
static const struct {
	const char *sql;
	const char *filter_col;
} domain_subs[SUB_COUNT] = {
	[SUB_CONTACT] = { "SELECT dc.domain_id, dc.type, c.handle, c.id FROM domain_contact dc "
	    "JOIN contact c ON c.id = dc.contact_id WHERE 1%s ORDER BY dc.domain_id",
	    "dc.domain_id" },
	[SUB_NS] = { "SELECT n.domain_id, h.name, h.id FROM domain_ns n JOIN host h "
	    "ON h.id = n.host_id WHERE 1%s ORDER BY n.domain_id", "n.domain_id" },
	[SUB_DS] = { "SELECT domain_id, key_tag, alg, digest_type, digest, key_flags, "
	    "key_protocol, key_alg, key_pub FROM domain_ds WHERE 1%s "
	    "ORDER BY domain_id, key_tag, alg, digest_type, digest", "domain_id" },
	[SUB_STATUS] = { "SELECT object_id, status, lang, reason FROM status "
	    "WHERE kind = 'domain'%s ORDER BY object_id, status", "object_id" },
	[SUB_GRACE] = { "SELECT domain_id, period, registrar_id, ends, amount, years FROM grace "
	    "WHERE ends > ?1%s ORDER BY domain_id, period, ends", "domain_id" },
};

static char *
domain_filter(const char *col, bool marked_only)
{
	if (!marked_only)
		return sqlite3_mprintf("");
	return sqlite3_mprintf(" AND %s IN (SELECT id FROM temp.escrow_mark WHERE kind = %d)",
	    col, (int)ESCROW_DOMAIN);
}

static int
domain_open(struct escrow_cursor *c, bool marked_only, struct reg_err *err)
{
	char *f, *sql;
	int rc = REG_OK;

	f = domain_filter("d.id", marked_only);
	sql = sqlite3_mprintf(domain_rows, f);
	rc = prepare(c->st, sql, &c->keys, err);
	sqlite3_free(sql);
	sqlite3_free(f);
	for (int i = 0; i < SUB_COUNT && rc == REG_OK; i++) {
		f = domain_filter(domain_subs[i].filter_col, marked_only);
		sql = sqlite3_mprintf(domain_subs[i].sql, f);
		if ((rc = prepare(c->st, sql, &c->sub[i].s, err)) == REG_OK) {
			if (i == SUB_GRACE)
				sqlite3_bind_int64(c->sub[i].s, 1, c->now);
			c->sub[i].row = sqlite3_step(c->sub[i].s) == SQLITE_ROW;
		}
		sqlite3_free(sql);
		sqlite3_free(f);
	}
	return rc;
}

/* Calls read() on each row of a list that belongs to domain id, into a
 * new arena array of n elements of `size` bytes; skips rows of ids
 * before it. */
static void *
sub_collect(struct sub *sb, struct arena *a, int64_t id, row_reader read, size_t size, int *n)
{
	char *v = NULL;
	int cap = 0;

	*n = 0;
	while (sb->row && sqlite3_column_int64(sb->s, 0) < id)
		sb->row = sqlite3_step(sb->s) == SQLITE_ROW;
	for (; sb->row && sqlite3_column_int64(sb->s, 0) == id;
	    sb->row = sqlite3_step(sb->s) == SQLITE_ROW) {
		if (*n + 1 >= cap) {
			char *w = arena_alloc(a, size * (size_t)(cap = 2 * cap + 4));

			if (*n > 0)
				memcpy(w, v, size * (size_t)*n);
			v = w;
		}
		read(a, sb->s, v + size * (size_t)(*n)++);
	}
	return v != NULL ? v : arena_alloc(a, size);
}

static void
sub_contact(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_domain_contact *c = row;

	c->type = col_text(a, s, 1);
	c->handle = col_text(a, s, 2);
	c->contact_id = col_int(s, 3);
}

/* Name servers come as {id, name} pairs and go into ns and ns_id. */
struct ns_pair {
	char *name;
	int64_t id;
};

static void
sub_ns(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct ns_pair *p = row;

	p->name = col_text(a, s, 1);
	p->id = col_int(s, 2);
}

static void
sub_ds(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_ds *ds = row;

	ds->key_tag = (int)col_int(s, 1);
	ds->alg = (int)col_int(s, 2);
	ds->digest_type = (int)col_int(s, 3);
	ds->digest = col_text(a, s, 4);
	ds->has_key = sqlite3_column_type(s, 8) != SQLITE_NULL;
	ds->key_flags = (int)col_int(s, 5);
	ds->key_protocol = (int)col_int(s, 6);
	ds->key_alg = (int)col_int(s, 7);
	ds->key_pub = col_text(a, s, 8);
}

static void
sub_status(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_status *st = row;

	st->status = col_text(a, s, 1);
	st->lang = col_text(a, s, 2);
	st->reason = col_text(a, s, 3);
}

static void
sub_grace(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_grace *g = row;

	g->period = col_text(a, s, 1);
	g->registrar_id = col_int(s, 2);
	g->ends = col_int(s, 3);
	g->amount = col_int(s, 4);
	g->years = (int)col_int(s, 5);
}

/* The orders store_domain_get() gives: contacts by type and handle, name
 * servers by name. */
static int
contact_order(const void *x, const void *y)
{
	const struct reg_domain_contact *a = x, *b = y;
	int c = strcmp(a->type, b->type);

	return c != 0 ? c : strcmp(a->handle, b->handle);
}

static int
ns_order(const void *x, const void *y)
{
	return strcmp(((const struct ns_pair *)x)->name, ((const struct ns_pair *)y)->name);
}

static void
domain_lists(struct escrow_cursor *c, struct arena *a, struct escrow_domain *o)
{
	struct reg_domain *d = &o->d;
	struct ns_pair *ns;

	d->contact = sub_collect(&c->sub[SUB_CONTACT], a, d->id, sub_contact,
	    sizeof(*d->contact), &d->ncontact);
	qsort(d->contact, (size_t)d->ncontact, sizeof(*d->contact), contact_order);
	ns = sub_collect(&c->sub[SUB_NS], a, d->id, sub_ns, sizeof(*ns), &d->nns);
	qsort(ns, (size_t)d->nns, sizeof(*ns), ns_order);
	d->ns = arena_alloc(a, sizeof(*d->ns) * (size_t)(d->nns + 1));
	d->ns_id = arena_alloc(a, sizeof(*d->ns_id) * (size_t)(d->nns + 1));
	for (int i = 0; i < d->nns; i++) {
		d->ns[i] = ns[i].name;
		d->ns_id[i] = ns[i].id;
	}
	d->ds = sub_collect(&c->sub[SUB_DS], a, d->id, sub_ds, sizeof(*d->ds), &d->nds);
	d->statuses.v = sub_collect(&c->sub[SUB_STATUS], a, d->id, sub_status,
	    sizeof(*d->statuses.v), &d->statuses.n);
	o->grace = sub_collect(&c->sub[SUB_GRACE], a, d->id, sub_grace, sizeof(*o->grace),
	    &o->ngrace);
}

static void
domain_row(struct arena *a, sqlite3_stmt *s, struct escrow_domain *o)
{
	struct reg_domain *d = &o->d;
	struct reg_transfer *t = &o->tr;

	memset(o, 0, sizeof(*o));
	d->id = col_int(s, 0);
	d->name = col_text(a, s, 1);
	d->uname = col_text(a, s, 2);
	d->roid = col_text(a, s, 3);
	d->registrant = col_text(a, s, 4);
	d->max_sig_life = col_int(s, 5);
	d->created = col_int(s, 6);
	d->updated = col_int(s, 7);
	d->expires = col_int(s, 8);
	d->transferred = col_int(s, 9);
	d->deleted = col_int(s, 10);
	d->rgp = col_text(a, s, 11);
	OWNER_READ(a, s, 12, d);
	if ((t->state = col_text(a, s, 18)) == NULL)
		return;
	t->kind = "domain";
	t->object_id = d->id;
	t->gaining = col_text(a, s, 19);
	t->losing = col_text(a, s, 20);
	t->requested = col_int(s, 21);
	t->acted = col_int(s, 22);
	t->years = (int)col_int(s, 23);
	t->expires = col_int(s, 24);
}

int
store_escrow_next_domain(struct escrow_cursor *c, struct arena *a, struct escrow_domain *o)
{
	int rc = cursor_step(c, ESCROW_DOMAIN);

	if (rc != REG_OK)
		return rc;
	domain_row(a, c->keys, o);
	domain_lists(c, a, o);
	return REG_OK;
}

int
store_escrow_gone(struct store *st, enum escrow_kind kind,
    int (*fn)(void *arg, const char *key), void *arg)
{
	const char *match = kind == ESCROW_NNDN ? "t.name = k.key" : "t.id = k.id";
	char *sql = sqlite3_mprintf("SELECT DISTINCT k.key FROM temp.escrow_key k WHERE "
	    "k.kind = %d AND NOT EXISTS (SELECT 1 FROM %s t WHERE %s) ORDER BY k.key",
	    (int)kind, kinds[kind].table, match);
	sqlite3_stmt *s;
	int rc, step;

	rc = prepare(st, sql, &s, NULL);
	sqlite3_free(sql);
	if (rc != REG_OK)
		return rc;
	while (rc == REG_OK && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = fn(arg, (const char *)sqlite3_column_text(s, 0));
	if (rc == REG_OK && step != SQLITE_DONE)
		rc = store_error(st, step, NULL);
	sqlite3_finalize(s);
	return rc;
}
