/*
 * store_host.c: hosts (RFC 5732) and their addresses.
 *
 * An in-zone host points at its superordinate domain (domain_id), which
 * cannot then be deleted; an external host has none. Addresses live in
 * host_addr and are replaced as a set on update.
 */
#include "store_impl.h"

static const char kind[] = "host";

/* What create and update both write. */
#define HOST_DATA_COLS "name, sponsor_id, updater_id, domain_id, updated, transferred"
#define HOST_DATA_VALS "?, ?, ?, ?, ?, ?"
#define HOST_DATA_TYPES "tizzzz"
#define HOST_DATA_ARGS(h) (h)->name, (h)->sponsor_id, (h)->updater_id, (h)->domain_id, \
	(h)->updated, (h)->transferred

#define HOST_SELECT \
	"SELECT h.id, h.name, h.roid, h.domain_id, h.created, h.updated, h.transferred, " \
	OWNER_COLS("h") " FROM host h" OWNER_JOINS("h")
#define COL_OWNER 7

static void
host_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_host *h = row;

	h->id = col_int(s, 0);
	h->name = col_text(a, s, 1);
	h->roid = col_text(a, s, 2);
	h->domain_id = col_int(s, 3);
	h->created = col_int(s, 4);
	h->updated = col_int(s, 5);
	h->transferred = col_int(s, 6);
	OWNER_READ(a, s, COL_OWNER, h);
}

static void
addr_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_host_addr *v = row;

	v->addr = col_text(a, s, 0);
	v->family = (int)col_int(s, 1);
}

/* The "on read" parts: addresses (IPv4 first) and statuses. */
static int
host_fill(struct store *st, struct arena *a, struct reg_host *h)
{
	static const char sql[] =
	    "SELECT addr, family FROM host_addr WHERE host_id = ? ORDER BY family, addr";
	int rc;

	h->addr = stmt_rows(st, a, addr_read, sizeof(*h->addr), &h->naddr, &rc, sql,
	    "i", h->id);
	if (rc != REG_OK)
		return rc;
	return store_status_list(st, a, kind, h->id, &h->statuses);
}

static int
host_load(struct store *st, struct arena *a, sqlite3_stmt *s, int rc, struct reg_host *out)
{
	if (s == NULL)
		return rc;
	host_read(a, s, out);
	sqlite3_reset(s);
	return host_fill(st, a, out);
}

/* Replaces the address set of host id with h's. */
static int
addrs_put(struct store *st, int64_t id, const struct reg_host *h, struct reg_err *err)
{
	static const char del[] = "DELETE FROM host_addr WHERE host_id = ?";
	static const char ins[] = "INSERT INTO host_addr(host_id, addr, family) VALUES (?, ?, ?)";
	int rc = stmt_exec(st, err, del, "i", id);

	for (int i = 0; i < h->naddr && rc == REG_OK; i++)
		rc = stmt_exec(st, err, ins, "iti", id, h->addr[i].addr,
		    (int64_t)h->addr[i].family);
	return rc;
}

int
store_host_create(struct store *st, const struct reg_host *h, int64_t *id,
    struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO host(" HOST_DATA_COLS ", roid, creator_id, created) "
	    "VALUES (" HOST_DATA_VALS ", ?, ?, ?)";
	int rc;

	rc = stmt_exec(st, err, sql, HOST_DATA_TYPES "tii", HOST_DATA_ARGS(h), h->roid,
	    h->creator_id, h->created);
	if (rc != REG_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return addrs_put(st, *id, h, err);
}

int
store_host_update(struct store *st, const struct reg_host *h, struct reg_err *err)
{
	static const char sql[] =
	    "UPDATE host SET (" HOST_DATA_COLS ") = (" HOST_DATA_VALS ") WHERE id = ?";
	int rc;

	rc = stmt_exec(st, err, sql, HOST_DATA_TYPES "i", HOST_DATA_ARGS(h), h->id);
	if ((rc = stmt_changed(st, rc, err, kind, h->id)) != REG_OK)
		return rc;
	return addrs_put(st, h->id, h, err);
}

int
store_host_get(struct store *st, struct arena *a, const char *name, struct reg_host *out)
{
	static const char sql[] = HOST_SELECT " WHERE h.name = ?";
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(st, &rc, sql, "t", name);
	return host_load(st, a, s, rc, out);
}

int
store_host_get_by_id(struct store *st, struct arena *a, int64_t id, struct reg_host *out)
{
	static const char sql[] = HOST_SELECT " WHERE h.id = ?";
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(st, &rc, sql, "i", id);
	return host_load(st, a, s, rc, out);
}

bool
store_host_in_use(struct store *st, int64_t id)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM domain_ns WHERE host_id = ?)";

	return stmt_int(st, 0, sql, "i", id) != 0;
}

bool
store_host_used_by_others(struct store *st, int64_t id, int64_t registrar_id)
{
	static const char sql[] =
	    "SELECT EXISTS (SELECT 1 FROM domain_ns n JOIN domain d ON d.id = n.domain_id "
	    "WHERE n.host_id = ? AND d.sponsor_id <> ?)";

	return stmt_int(st, 0, sql, "ii", id, registrar_id) != 0;
}

int
store_host_delete(struct store *st, int64_t id, struct reg_err *err)
{
	static const char sql[] = "DELETE FROM host WHERE id = ?";
	int rc;

	if (store_host_in_use(st, id))
		return reg_fail(err, REG_EINUSE, "host %lld is a name server of a domain",
		    (long long)id);
	if ((rc = store_object_purge(st, kind, id, err)) != REG_OK)
		return rc;
	rc = stmt_exec(st, err, sql, "i", id);	/* addresses: ON DELETE CASCADE */
	return stmt_changed(st, rc, err, kind, id);
}

int
store_host_list_by_domain(struct store *st, struct arena *a, int64_t domain_id,
    struct reg_host **out, int *n)
{
	static const char sql[] = HOST_SELECT " WHERE h.domain_id = ? ORDER BY h.name";
	int rc;

	*out = stmt_rows(st, a, host_read, sizeof(**out), n, &rc, sql, "i", domain_id);
	for (int i = 0; i < *n && rc == REG_OK; i++)
		rc = host_fill(st, a, &(*out)[i]);
	return rc;
}
