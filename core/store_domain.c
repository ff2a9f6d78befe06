/*
 * store_domain.c: domains (RFC 5731) with their contacts, name servers and
 * DS data (RFC 5910), and the redemption state (RFC 3915).
 *
 * The three lists are child tables with ON DELETE CASCADE. Each is written
 * the same way, delete then insert one row per item, so one table
 * (domain_lists[]) names the SQL and the item writer of each, and create
 * and the store_domain_set_* functions share list_replace().
 */
#include <stddef.h>

#include "store_impl.h"
#include "util.h"

static const char kind[] = "domain";

/* What create and update both write. */
#define DOMAIN_DATA_COLS "sponsor_id, updater_id, registrant_id, updated, expires, " \
	"transferred, deleted, rgp, max_sig_life"
#define DOMAIN_DATA_VALS "?, ?, ?, ?, ?, ?, ?, ?, ?"
#define DOMAIN_DATA_TYPES "izzzizztz"
#define DOMAIN_DATA_ARGS(d) (d)->sponsor_id, (d)->updater_id, (d)->registrant_id, \
	(d)->updated, (d)->expires, (d)->transferred, (d)->deleted, (d)->rgp, (d)->max_sig_life

#define DOMAIN_SELECT \
	"SELECT d.id, d.name, d.uname, d.roid, d.registrant_id, rg.handle, d.max_sig_life, " \
	"d.created, d.updated, d.expires, d.transferred, d.deleted, d.rgp, " \
	OWNER_COLS("d") " FROM domain d" OWNER_JOINS("d") \
	" LEFT JOIN contact rg ON rg.id = d.registrant_id"
#define COL_OWNER 13

static void
domain_read(struct arena *a, sqlite3_stmt *s, struct reg_domain *d)
{
	d->id = col_int(s, 0);
	d->name = col_text(a, s, 1);
	d->uname = col_text(a, s, 2);
	d->roid = col_text(a, s, 3);
	d->registrant_id = col_int(s, 4);
	d->registrant = col_text(a, s, 5);
	d->max_sig_life = col_int(s, 6);
	d->created = col_int(s, 7);
	d->updated = col_int(s, 8);
	d->expires = col_int(s, 9);
	d->transferred = col_int(s, 10);
	d->deleted = col_int(s, 11);
	d->rgp = col_text(a, s, 12);
	OWNER_READ(a, s, COL_OWNER, d);
}

/* --- the lists, read ------------------------------------------------------ */

struct ns_row {
	int64_t id;
	char *name;
};

static void
contact_row_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_domain_contact *c = row;

	c->type = col_text(a, s, 0);
	c->contact_id = col_int(s, 1);
	c->handle = col_text(a, s, 2);
}

static void
ns_row_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct ns_row *ns = row;

	ns->id = col_int(s, 0);
	ns->name = col_text(a, s, 1);
}

void
ds_row_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_ds *ds = row;

	ds->key_tag = (int)col_int(s, 0);
	ds->alg = (int)col_int(s, 1);
	ds->digest_type = (int)col_int(s, 2);
	ds->digest = col_text(a, s, 3);
	ds->has_key = sqlite3_column_type(s, 7) != SQLITE_NULL;
	ds->key_flags = (int)col_int(s, 4);
	ds->key_protocol = (int)col_int(s, 5);
	ds->key_alg = (int)col_int(s, 6);
	ds->key_pub = col_text(a, s, 7);
}

static int
ns_fill(struct store *st, struct arena *a, struct reg_domain *d)
{
	static const char sql[] =
	    "SELECT h.id, h.name FROM domain_ns n JOIN host h ON h.id = n.host_id "
	    "WHERE n.domain_id = ? ORDER BY h.name";
	struct ns_row *v;
	int rc;

	v = stmt_rows(st, a, ns_row_read, sizeof(*v), &d->nns, &rc, sql, "i", d->id);
	d->ns_id = arena_alloc(a, sizeof(*d->ns_id) * (size_t)(d->nns + 1));
	d->ns = arena_alloc(a, sizeof(*d->ns) * (size_t)(d->nns + 1));
	for (int i = 0; i < d->nns; i++) {
		d->ns_id[i] = v[i].id;
		d->ns[i] = v[i].name;
	}
	return rc;
}

/* The "on read" parts: contacts, name servers, DS data and statuses. */
static int
domain_fill(struct store *st, struct arena *a, struct reg_domain *d)
{
	static const char contacts[] =
	    "SELECT dc.type, dc.contact_id, c.handle FROM domain_contact dc "
	    "JOIN contact c ON c.id = dc.contact_id WHERE dc.domain_id = ? "
	    "ORDER BY dc.type, c.handle";
	int rc;

	d->contact = stmt_rows(st, a, contact_row_read, sizeof(*d->contact), &d->ncontact,
	    &rc, contacts, "i", d->id);
	if (rc == REG_OK)
		d->ds = stmt_rows(st, a, ds_row_read, sizeof(*d->ds), &d->nds, &rc, DS_SELECT,
		    "i", d->id);
	if (rc == REG_OK)
		rc = ns_fill(st, a, d);
	if (rc == REG_OK)
		rc = store_status_list(st, a, kind, d->id, &d->statuses);
	return rc;
}

static int
domain_load(struct store *st, struct arena *a, sqlite3_stmt *s, int rc,
    struct reg_domain *out)
{
	if (s == NULL)
		return rc;
	domain_read(a, s, out);
	sqlite3_reset(s);
	return domain_fill(st, a, out);
}

/* --- the lists, written --------------------------------------------------- */

/* Inserts item i of one of d's lists as a row of domain id. */
typedef int (*item_put)(struct store *, int64_t id, const struct reg_domain *d, int i,
    struct reg_err *);

static int
contact_put(struct store *st, int64_t id, const struct reg_domain *d, int i,
    struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO domain_contact(domain_id, type, contact_id) VALUES (?, ?, ?)";

	return stmt_exec(st, err, sql, "iti", id, d->contact[i].type, d->contact[i].contact_id);
}

static int
ns_put(struct store *st, int64_t id, const struct reg_domain *d, int i, struct reg_err *err)
{
	static const char sql[] = "INSERT INTO domain_ns(domain_id, host_id) VALUES (?, ?)";

	return stmt_exec(st, err, sql, "ii", id, d->ns_id[i]);
}

/* The key columns are all NULL unless has_key (the schema checks that). */
static int
ds_put(struct store *st, int64_t id, const struct reg_domain *d, int i, struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO domain_ds(domain_id, key_tag, alg, digest_type, digest, key_flags, "
	    "key_protocol, key_alg, key_pub) VALUES (?1, ?2, ?3, ?4, ?5, iif(?6, ?7, NULL), "
	    "iif(?6, ?8, NULL), iif(?6, ?9, NULL), iif(?6, ?10, NULL))";
	const struct reg_ds *ds = &d->ds[i];

	return stmt_exec(st, err, sql, "iiiitiiiit", id, (int64_t)ds->key_tag,
	    (int64_t)ds->alg, (int64_t)ds->digest_type, ds->digest, (int64_t)ds->has_key,
	    (int64_t)ds->key_flags, (int64_t)ds->key_protocol, (int64_t)ds->key_alg,
	    ds->key_pub);
}

enum domain_list { LIST_CONTACTS, LIST_NS, LIST_DS };

static const struct {
	const char *del;	/* removes every row of the list */
	item_put put;
	size_t count;		/* offset of the item count in struct reg_domain */
} domain_lists[] = {
	[LIST_CONTACTS] = { "DELETE FROM domain_contact WHERE domain_id = ?", contact_put,
	    offsetof(struct reg_domain, ncontact) },
	[LIST_NS] = { "DELETE FROM domain_ns WHERE domain_id = ?", ns_put,
	    offsetof(struct reg_domain, nns) },
	[LIST_DS] = { "DELETE FROM domain_ds WHERE domain_id = ?", ds_put,
	    offsetof(struct reg_domain, nds) },
};

/* Replaces list `which` of domain id with d's. */
static int
list_replace(struct store *st, int64_t id, const struct reg_domain *d,
    enum domain_list which, struct reg_err *err)
{
	int n = *(const int *)(const void *)((const char *)d + domain_lists[which].count);
	int rc = stmt_exec(st, err, domain_lists[which].del, "i", id);

	for (int i = 0; i < n && rc == REG_OK; i++)
		rc = domain_lists[which].put(st, id, d, i, err);
	return rc;
}

static int
list_set(struct store *st, const struct reg_domain *d, enum domain_list which,
    struct reg_err *err)
{
	if (!store_object_exists(st, kind, d->id))
		return reg_fail(err, REG_ENOTFOUND, "no domain %lld", (long long)d->id);
	return list_replace(st, d->id, d, which, err);
}

/* --- the public functions ------------------------------------------------- */

int
store_domain_create(struct store *st, const struct reg_domain *d, int64_t *id,
    struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO domain(" DOMAIN_DATA_COLS ", name, uname, roid, creator_id, created) "
	    "VALUES (" DOMAIN_DATA_VALS ", ?, ?, ?, ?, ?)";
	int rc;

	rc = stmt_exec(st, err, sql, DOMAIN_DATA_TYPES "tttii", DOMAIN_DATA_ARGS(d),
	    d->name, d->uname, d->roid, d->creator_id, d->created);
	if (rc != REG_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	for (size_t l = 0; l < nitems(domain_lists) && rc == REG_OK; l++)
		rc = list_replace(st, *id, d, (enum domain_list)l, err);
	return rc;
}

int
store_domain_update(struct store *st, const struct reg_domain *d, struct reg_err *err)
{
	static const char sql[] =
	    "UPDATE domain SET (" DOMAIN_DATA_COLS ") = (" DOMAIN_DATA_VALS ") WHERE id = ?";
	int rc;

	rc = stmt_exec(st, err, sql, DOMAIN_DATA_TYPES "i", DOMAIN_DATA_ARGS(d), d->id);
	return stmt_changed(st, rc, err, kind, d->id);
}

int
store_domain_set_contacts(struct store *st, const struct reg_domain *d, struct reg_err *err)
{
	return list_set(st, d, LIST_CONTACTS, err);
}

int
store_domain_set_ns(struct store *st, const struct reg_domain *d, struct reg_err *err)
{
	return list_set(st, d, LIST_NS, err);
}

int
store_domain_set_ds(struct store *st, const struct reg_domain *d, struct reg_err *err)
{
	return list_set(st, d, LIST_DS, err);
}

int
store_domain_get(struct store *st, struct arena *a, const char *name,
    struct reg_domain *out)
{
	static const char sql[] = DOMAIN_SELECT " WHERE d.name = ?";
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(st, &rc, sql, "t", name);
	return domain_load(st, a, s, rc, out);
}

int
store_domain_get_by_id(struct store *st, struct arena *a, int64_t id,
    struct reg_domain *out)
{
	static const char sql[] = DOMAIN_SELECT " WHERE d.id = ?";
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(st, &rc, sql, "i", id);
	return domain_load(st, a, s, rc, out);
}

int
store_domain_delete(struct store *st, int64_t id, struct reg_err *err)
{
	static const char hosts[] = "SELECT EXISTS (SELECT 1 FROM host WHERE domain_id = ?)";
	static const char sql[] = "DELETE FROM domain WHERE id = ?";
	int rc;

	if (stmt_int(st, 0, hosts, "i", id))
		return reg_fail(err, REG_EINUSE, "domain %lld has subordinate hosts",
		    (long long)id);
	if ((rc = store_object_purge(st, kind, id, err)) != REG_OK)
		return rc;
	/* Contacts, name servers, DS data and grace: ON DELETE CASCADE. */
	rc = stmt_exec(st, err, sql, "i", id);
	return stmt_changed(st, rc, err, kind, id);
}

bool
store_domain_exists(struct store *st, const char *name)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM domain WHERE name = ?)";

	return stmt_int(st, 0, sql, "t", name) != 0;
}
