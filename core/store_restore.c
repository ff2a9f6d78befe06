/*
 * store_restore.c: writing escrow deposits back (escrow restore): objects
 * with their original ROIDs, handles and dates, in a new database.
 *
 * A full deposit is a bulk load into an empty file that is thrown away on
 * any failure, so it runs the fastest way SQLite offers: no journal, no
 * syncing, foreign keys unchecked, and the secondary indexes (every
 * CREATE INDEX of schema.c, remembered in a TEMP table) dropped and built
 * once at the end from sorted data, rather than grown one random insert
 * at a time; CHECK constraints are checked once at the end too (SQLite
 * 3.40 builds a temporary table for every `x IN (...)` of a CHECK, on
 * every row written: a quarter of the restore's time), along with the
 * structure of the whole file (PRAGMA quick_check). Differential deposits then run in a transaction with the
 * indexes back and foreign keys deferred to the commit, so that their
 * deletes and rewrites may come in any order as long as the end state is
 * whole: SQLite checks their references at the commit. The bulk load's
 * references are found as they are written, but for registrants, which
 * are checked once at the end. The file is left in rollback-journal
 * mode, which is not kept in it: store_open() makes it WAL for eppd.
 *
 * Registrars come by id (the caller keeps the few there are at hand);
 * contacts and hosts by handle or name, resolved inside the INSERT
 * statements: an unknown registrant becomes id -1, which the closing
 * check reports; a contact or name server that is not there yet is
 * refused at once (REG_ENOTFOUND).
 *
 * A rewrite (a differential deposit naming an object that exists) is an
 * INSERT OR REPLACE that keeps the row's id, so rows elsewhere that point
 * at it stay valid; its lists are then cleared and written again.
 */
#include <stdio.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

/* Page cache of the restore's connection, in KiB: while loading, big
 * enough that most index pages stay in memory; while building indexes,
 * small, since each index's sorter takes as much again. Together within
 * the 64 MiB the restore may use. */
#define RESTORE_CACHE_KIB 24576
#define INDEX_CACHE_KIB 8192

/* A registrant's id by handle (parameter p), -1 when unknown. */
#define CID_OPT(p) "iif(" p " IS NULL, NULL, " \
	"coalesce((SELECT id FROM contact WHERE handle = " p "), -1))"

/* The two forms of each object insert: plain, and the rewrite that keeps
 * the id of the row with the same key. */
#define REPLACING(table, key) "(SELECT id FROM " table " WHERE " key ")"

static int
exec_all(struct store *st, const char *sql, struct reg_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return REG_OK;
	reg_fail(err, REG_EDB, "%s: %s", st->path, msg != NULL ? msg : "error");
	sqlite3_free(msg);
	return REG_EDB;
}

/* --- the phases ----------------------------------------------------------- */

static const char bulk_pragmas[] =
    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; "
    "PRAGMA ignore_check_constraints = ON";
static const char indexes_save[] =
    "CREATE TEMP TABLE escrow_index AS SELECT name, sql FROM main.sqlite_master "
    "WHERE type = 'index' AND sql IS NOT NULL";

/* Runs the statements a query on temp.escrow_index puts together (one
 * string: the schema cannot change under a running SELECT). */
static int
indexes_run(struct store *st, const char *query, struct reg_err *err)
{
	sqlite3_stmt *s;
	char *sql = NULL;
	int rc = REG_OK;

	if (sqlite3_prepare_v2(st->db, query, -1, &s, NULL) != SQLITE_OK)
		return store_error(st, SQLITE_ERROR, err);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		sql = sqlite3_mprintf("%s", sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (sql != NULL)
		rc = exec_all(st, sql, err);
	sqlite3_free(sql);
	return rc;
}

static int
indexes_drop(struct store *st, struct reg_err *err)
{
	return indexes_run(st, "SELECT group_concat('DROP INDEX main.\"' || name || '\"', ';') "
	    "FROM temp.escrow_index", err);
}

/* Builds the saved indexes again and forgets them; nothing when there
 * was no bulk load, or it has already ended. */
static int
indexes_build(struct store *st, struct reg_err *err)
{
	char sql[64];
	int rc;

	if (stmt_int(st, 0, "SELECT count(*) FROM temp.sqlite_master WHERE name = 'escrow_index'",
	    "") == 0)
		return REG_OK;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", INDEX_CACHE_KIB);
	if ((rc = exec_all(st, sql, err)) != REG_OK)
		return rc;
	if ((rc = indexes_run(st, "SELECT group_concat(sql, ';') FROM temp.escrow_index",
	    err)) != REG_OK)
		return rc;
	return exec_all(st, "DROP TABLE temp.escrow_index", err);
}

int
store_escrow_restore_begin(struct store *st, struct reg_err *err)
{
	char sql[64];
	int rc;

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", RESTORE_CACHE_KIB);
	if ((rc = exec_all(st, sql, err)) != REG_OK ||
	    (rc = exec_all(st, bulk_pragmas, err)) != REG_OK ||
	    (rc = exec_all(st, indexes_save, err)) != REG_OK ||
	    (rc = indexes_drop(st, err)) != REG_OK)
		return rc;
	if (store_begin(st) != REG_OK)
		return reg_fail(err, REG_EDB, "%s: cannot begin a transaction", st->path);
	return REG_OK;
}

int
store_escrow_restore_incremental(struct store *st, struct reg_err *err)
{
	int rc;

	if ((rc = store_commit(st, err)) != REG_OK || (rc = indexes_build(st, err)) != REG_OK ||
	    (rc = exec_all(st, "PRAGMA foreign_keys = ON", err)) != REG_OK)
		return rc;
	if (store_begin(st) != REG_OK)
		return reg_fail(err, REG_EDB, "%s: cannot begin a transaction", st->path);
	return exec_all(st, "PRAGMA defer_foreign_keys = ON", err);
}

/* --- lists shared by the kinds ------------------------------------------- */

/* Lists are written up to BATCH rows a statement: most objects have one
 * to three statuses, contacts and name servers, and a statement costs
 * more to run than a row costs to add. ROWS(n, r) repeats row r n times. */
#define BATCH 4
#define ROWS1(r) r
#define ROWS2(r) r ", " r
#define ROWS3(r) r ", " r ", " r
#define ROWS4(r) r ", " r ", " r ", " r
#define BATCHED(head, r, tail) { head ROWS1(r) tail, head ROWS2(r) tail, \
	head ROWS3(r) tail, head ROWS4(r) tail }

static int
batch_size(int n, int i)
{
	return n - i < BATCH ? n - i : BATCH;
}

/* Steps a statement bound by hand to its end and resets it. */
static int
step_done(struct store *st, sqlite3_stmt *s, struct reg_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? REG_OK : store_error(st, rc, err);
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static int
statuses_put(struct store *st, const char *kind, int64_t id,
    const struct reg_status_list *l, struct reg_err *err)
{
	static const char *const sql[BATCH] = BATCHED("INSERT INTO status(kind, object_id, "
	    "status, lang, reason) VALUES ", "(?1, ?2, ?, ?, ?)", "");
	sqlite3_stmt *s;
	int rc = REG_OK;

	for (int i = 0, k; i < l->n && rc == REG_OK; i += k) {
		k = batch_size(l->n, i);
		if ((s = stmt_get(st, sql[k - 1])) == NULL)
			return reg_fail(err, REG_EDB, "cannot prepare a status insert");
		bind_text(s, 1, kind);
		sqlite3_bind_int64(s, 2, id);
		for (int j = 0; j < k; j++) {
			bind_text(s, 3 + 3 * j, l->v[i + j].status);
			bind_text(s, 4 + 3 * j, l->v[i + j].lang);
			bind_text(s, 5 + 3 * j, l->v[i + j].reason);
		}
		rc = step_done(st, s, err);
	}
	return rc;
}

static int
transfer_put(struct store *st, const char *kind, int64_t id, const struct reg_transfer *t,
    struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO transfer(kind, object_id, state, gaining_id, losing_id, requested, "
	    "acted, years, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

	if (t->state == NULL)
		return REG_OK;
	return stmt_exec(st, err, sql, "titii" "iizz", kind, id, t->state, t->gaining_id, t->losing_id,
	    t->requested, t->acted, (int64_t)t->years, t->expires);
}

/* After an object's INSERT returned rc: its row id. */
static int
inserted(struct store *st, int rc, int64_t *id)
{
	if (rc == REG_OK)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

/* --- registrars ---------------------------------------------------------- */

#define REGISTRAR_PUT(verb, idexpr) verb " INTO registrar(id, handle, name, iana_id, state, " \
	"email, voice, fax, url, whois_server, street1, street2, street3, city, sp, pc, cc, " \
	"created, updated) VALUES (" idexpr ", ?1, ?2, ?3, coalesce(?4, 'ok'), " \
	"coalesce(?5, ''), ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"

int
store_escrow_put_registrar(struct store *st, const struct reg_registrar *r, bool update,
    struct reg_err *err)
{
	static const char add[] = REGISTRAR_PUT("INSERT", "NULL");
	static const char rewrite[] = REGISTRAR_PUT("INSERT OR REPLACE",
	    REPLACING("registrar", "handle = ?1"));
	static const char account[] =
	    "INSERT OR IGNORE INTO registrar_account(registrar_id) VALUES (?)";
	const struct reg_address *ad = &r->addr;
	int64_t id = 0;
	int rc;

	rc = stmt_exec(st, err, update ? rewrite : add, "ttz" "ttttttttttttt" "iz", r->handle,
	    r->name, r->iana_id, r->state, r->email, r->voice, r->fax, r->url, r->whois_server,
	    ad->street[0], ad->street[1], ad->street[2], ad->city, ad->sp, ad->pc, ad->cc,
	    r->created, r->updated);
	if ((rc = inserted(st, rc, &id)) != REG_OK)
		return rc;
	return stmt_exec(st, err, account, "i", id);
}

int64_t
store_escrow_registrar_id(struct store *st, const char *handle)
{
	return stmt_int(st, -1, "SELECT id FROM registrar WHERE handle = ?", "t", handle);
}

/* --- contacts ------------------------------------------------------------ */

#define CONTACT_PUT(verb, idexpr) verb " INTO contact(id, handle, roid, sponsor_id, " \
	"creator_id, updater_id, int_name, int_org, int_street1, int_street2, int_street3, " \
	"int_city, int_sp, int_pc, int_cc, loc_name, loc_org, loc_street1, loc_street2, " \
	"loc_street3, loc_city, loc_sp, loc_pc, loc_cc, voice, voice_ext, fax, fax_ext, email, " \
	"disclose, created, updated, transferred) VALUES (" idexpr ", ?1, ?2, ?3, ?4, ?5, " \
	"?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, " \
	"?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)"
#define POSTAL_TYPES "ttttttttt"
#define POSTAL_ARGS(p) (p)->name, (p)->org, (p)->addr.street[0], (p)->addr.street[1], \
	(p)->addr.street[2], (p)->addr.city, (p)->addr.sp, (p)->addr.pc, (p)->addr.cc

int
store_escrow_put_contact(struct store *st, const struct escrow_contact *o, bool update,
    struct reg_err *err)
{
	static const char add[] = CONTACT_PUT("INSERT", "NULL");
	static const char rewrite[] = CONTACT_PUT("INSERT OR REPLACE",
	    REPLACING("contact", "roid = ?2"));
	static const char kind[] = "contact";
	const struct reg_contact *c = &o->c;
	int64_t id = 0;
	int rc;

	rc = stmt_exec(st, err, update ? rewrite : add,
	    "ttiiz" POSTAL_TYPES POSTAL_TYPES "tttttiizz", c->handle, c->roid, c->sponsor_id,
	    c->creator_id, c->updater_id, POSTAL_ARGS(&c->intl), POSTAL_ARGS(&c->loc), c->voice,
	    c->voice_ext, c->fax, c->fax_ext, c->email, (int64_t)c->disclose, c->created,
	    c->updated, c->transferred);
	if ((rc = inserted(st, rc, &id)) != REG_OK)
		return rc;
	if (update && (rc = store_object_purge(st, kind, id, err)) != REG_OK)
		return rc;
	if ((rc = statuses_put(st, kind, id, &c->statuses, err)) != REG_OK)
		return rc;
	return transfer_put(st, kind, id, &o->tr, err);
}

/* --- hosts --------------------------------------------------------------- */

/* domain_id stays NULL until store_escrow_restore_end(). */
#define HOST_PUT(verb, idexpr) verb " INTO host(id, name, roid, sponsor_id, creator_id, " \
	"updater_id, domain_id, created, updated, transferred) VALUES (" idexpr ", ?1, ?2, " \
	"?3, ?4, ?5, NULL, ?6, ?7, ?8)"

static int
addrs_put(struct store *st, int64_t id, const struct reg_host *h, bool update,
    struct reg_err *err)
{
	static const char del[] = "DELETE FROM host_addr WHERE host_id = ?";
	static const char ins[] = "INSERT INTO host_addr(host_id, addr, family) VALUES (?, ?, ?)";
	int rc = update ? stmt_exec(st, err, del, "i", id) : REG_OK;

	for (int i = 0; i < h->naddr && rc == REG_OK; i++)
		rc = stmt_exec(st, err, ins, "iti", id, h->addr[i].addr, (int64_t)h->addr[i].family);
	return rc;
}

int
store_escrow_put_host(struct store *st, const struct reg_host *h, bool update,
    struct reg_err *err)
{
	static const char add[] = HOST_PUT("INSERT", "NULL");
	static const char rewrite[] = HOST_PUT("INSERT OR REPLACE", REPLACING("host", "roid = ?2"));
	static const char kind[] = "host";
	int64_t id = 0;
	int rc;

	rc = stmt_exec(st, err, update ? rewrite : add, "ttiizizz", h->name, h->roid,
	    h->sponsor_id, h->creator_id, h->updater_id, h->created, h->updated, h->transferred);
	if ((rc = inserted(st, rc, &id)) != REG_OK)
		return rc;
	if (update && (rc = store_object_purge(st, kind, id, err)) != REG_OK)
		return rc;
	if ((rc = addrs_put(st, id, h, update, err)) != REG_OK)
		return rc;
	return statuses_put(st, kind, id, &h->statuses, err);
}

/* --- domains ------------------------------------------------------------- */

#define DOMAIN_PUT(verb, idexpr) verb " INTO domain(id, name, uname, roid, sponsor_id, " \
	"creator_id, updater_id, registrant_id, created, updated, expires, transferred, " \
	"deleted, rgp, max_sig_life) VALUES (" idexpr ", ?1, ?2, ?3, ?4, ?5, ?6, " \
	CID_OPT("?7") ", ?8, ?9, ?10, ?11, ?12, ?13, ?14)"

/* The lists of a domain a rewrite clears (statuses and transfer: purge). */
static const char *const domain_lists[] = {
	"DELETE FROM domain_contact WHERE domain_id = ?",
	"DELETE FROM domain_ns WHERE domain_id = ?",
	"DELETE FROM domain_ds WHERE domain_id = ?",
	"DELETE FROM grace WHERE domain_id = ?",
};

static int
domain_clear(struct store *st, int64_t id, struct reg_err *err)
{
	int rc = store_object_purge(st, "domain", id, err);

	for (size_t i = 0; i < nitems(domain_lists) && rc == REG_OK; i++)
		rc = stmt_exec(st, err, domain_lists[i], "i", id);
	return rc;
}

/* After a batch that found fewer rows than it had names: the first name
 * that names nothing. */
static int
ref_missing(struct store *st, const char *what, const char *find, const char *const *names,
    size_t stride, int k, struct reg_err *err)
{
	for (int j = 0; j < k; j++) {
		const char *n = *(const char *const *)(const void *)((const char *)names +
		    stride * (size_t)j);

		if (stmt_int(st, 0, find, "t", n) == 0)
			return reg_fail(err, REG_ENOTFOUND, "%s %s is not in the deposit", what, n);
	}
	return reg_fail(err, REG_EINVAL, "a %s is named twice", what);
}

static int
contacts_put(struct store *st, int64_t id, const struct reg_domain *d, struct reg_err *err)
{
	static const char *const sql[BATCH] = BATCHED("INSERT INTO domain_contact(domain_id, "
	    "type, contact_id) SELECT ?1, v.column1, c.id FROM (VALUES ", "(?, ?)",
	    ") v JOIN contact c ON c.handle = v.column2");
	static const char find[] = "SELECT count(*) FROM contact WHERE handle = ?";
	sqlite3_stmt *s;
	int rc = REG_OK;

	for (int i = 0, k; i < d->ncontact && rc == REG_OK; i += k) {
		k = batch_size(d->ncontact, i);
		if ((s = stmt_get(st, sql[k - 1])) == NULL)
			return reg_fail(err, REG_EDB, "cannot prepare a contact insert");
		sqlite3_bind_int64(s, 1, id);
		for (int j = 0; j < k; j++) {
			bind_text(s, 2 + 2 * j, d->contact[i + j].type);
			bind_text(s, 3 + 2 * j, d->contact[i + j].handle);
		}
		if ((rc = step_done(st, s, err)) == REG_OK && sqlite3_changes(st->db) != k)
			rc = ref_missing(st, "contact", find, (const char *const *)(const void *)
			    &d->contact[i].handle, sizeof(*d->contact), k, err);
	}
	return rc;
}

static int
ns_put(struct store *st, int64_t id, const struct reg_domain *d, struct reg_err *err)
{
	static const char *const sql[BATCH] = BATCHED("INSERT INTO domain_ns(domain_id, host_id) "
	    "SELECT ?1, id FROM host WHERE name IN (", "?", ")");
	static const char find[] = "SELECT count(*) FROM host WHERE name = ?";
	sqlite3_stmt *s;
	int rc = REG_OK;

	for (int i = 0, k; i < d->nns && rc == REG_OK; i += k) {
		k = batch_size(d->nns, i);
		if ((s = stmt_get(st, sql[k - 1])) == NULL)
			return reg_fail(err, REG_EDB, "cannot prepare a name server insert");
		sqlite3_bind_int64(s, 1, id);
		for (int j = 0; j < k; j++)
			bind_text(s, 2 + j, d->ns[i + j]);
		if ((rc = step_done(st, s, err)) == REG_OK && sqlite3_changes(st->db) != k)
			rc = ref_missing(st, "name server", find, (const char *const *)&d->ns[i],
			    sizeof(*d->ns), k, err);
	}
	return rc;
}

static int
domain_ds_put(struct store *st, int64_t id, const struct reg_domain *d, struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO domain_ds(domain_id, key_tag, alg, digest_type, digest, key_flags, "
	    "key_protocol, key_alg, key_pub) VALUES (?1, ?2, ?3, ?4, ?5, iif(?6, ?7, NULL), "
	    "iif(?6, ?8, NULL), iif(?6, ?9, NULL), iif(?6, ?10, NULL))";
	int rc = REG_OK;

	for (int i = 0; i < d->nds && rc == REG_OK; i++) {
		const struct reg_ds *ds = &d->ds[i];

		rc = stmt_exec(st, err, sql, "iiiitiiiit", id, (int64_t)ds->key_tag,
		    (int64_t)ds->alg, (int64_t)ds->digest_type, ds->digest, (int64_t)ds->has_key,
		    (int64_t)ds->key_flags, (int64_t)ds->key_protocol, (int64_t)ds->key_alg,
		    ds->key_pub);
	}
	return rc;
}

static int
domain_grace_put(struct store *st, int64_t id, const struct escrow_domain *o,
    struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO grace(domain_id, period, registrar_id, ends, amount, years) "
	    "VALUES (?1, ?2, (SELECT sponsor_id FROM domain WHERE id = ?1), ?3, ?4, ?5)";
	int rc = REG_OK;

	for (int i = 0; i < o->ngrace && rc == REG_OK; i++)
		rc = stmt_exec(st, err, sql, "itiii", id, o->grace[i].period, o->grace[i].ends,
		    o->grace[i].amount, (int64_t)o->grace[i].years);
	return rc;
}

int
store_escrow_put_domain(struct store *st, const struct escrow_domain *o, bool update,
    struct reg_err *err)
{
	static const char add[] = DOMAIN_PUT("INSERT", "NULL");
	static const char rewrite[] = DOMAIN_PUT("INSERT OR REPLACE",
	    REPLACING("domain", "roid = ?3"));
	const struct reg_domain *d = &o->d;
	int64_t id = 0;
	int rc;

	rc = stmt_exec(st, err, update ? rewrite : add, "tttiizt" "iziz" "ztz", d->name, d->uname,
	    d->roid, d->sponsor_id, d->creator_id, d->updater_id, d->registrant, d->created,
	    d->updated,
	    d->expires, d->transferred, d->deleted, d->rgp, d->max_sig_life);
	if ((rc = inserted(st, rc, &id)) != REG_OK)
		return rc;
	if (update && (rc = domain_clear(st, id, err)) != REG_OK)
		return rc;
	if ((rc = contacts_put(st, id, d, err)) != REG_OK || (rc = ns_put(st, id, d, err)) != REG_OK ||
	    (rc = domain_ds_put(st, id, d, err)) != REG_OK ||
	    (rc = statuses_put(st, "domain", id, &d->statuses, err)) != REG_OK ||
	    (rc = domain_grace_put(st, id, o, err)) != REG_OK)
		return rc;
	return transfer_put(st, "domain", id, &o->tr, err);
}

/* --- reserved names ------------------------------------------------------ */

int
store_escrow_put_nndn(struct store *st, const struct reg_reserved *r, bool update,
    struct reg_err *err)
{
	static const char add[] =
	    "INSERT INTO reserved(name, kind, reason) VALUES (?, ?, coalesce(?, ''))";
	static const char rewrite[] =
	    "INSERT OR REPLACE INTO reserved(name, kind, reason) VALUES (?, ?, coalesce(?, ''))";

	return stmt_exec(st, err, update ? rewrite : add, "ttt", r->name, r->kind, r->reason);
}

/* --- deletes ------------------------------------------------------------- */

/* How each kind finds the object a delete names, and removes it (lists
 * go by ON DELETE CASCADE, statuses and transfers by purge). */
static const struct {
	const char *find;
	const char *del;
} deletes[ESCROW_NKINDS] = {
	[ESCROW_REGISTRAR] = { "SELECT id FROM registrar WHERE handle = ?",
	    "DELETE FROM registrar WHERE id = ?" },
	[ESCROW_CONTACT] = { "SELECT id FROM contact WHERE handle = ?",
	    "DELETE FROM contact WHERE id = ?" },
	[ESCROW_HOST] = { "SELECT id FROM host WHERE roid = ?1 OR name = ?1",
	    "DELETE FROM host WHERE id = ?" },
	[ESCROW_DOMAIN] = { "SELECT id FROM domain WHERE name = ?",
	    "DELETE FROM domain WHERE id = ?" },
	[ESCROW_NNDN] = { "SELECT rowid FROM reserved WHERE name = ?",
	    "DELETE FROM reserved WHERE rowid = ?" },
};

static const char *const purge_kinds[ESCROW_NKINDS] = {
	[ESCROW_CONTACT] = "contact", [ESCROW_HOST] = "host", [ESCROW_DOMAIN] = "domain",
};

int
store_escrow_delete(struct store *st, enum escrow_kind kind, const char *key,
    struct reg_err *err)
{
	int64_t id = stmt_int(st, -1, deletes[kind].find, "t", key);
	int rc = REG_OK;

	if (id < 0)
		return reg_fail(err, REG_ENOTFOUND, "no object %s to delete", key);
	if (purge_kinds[kind] != NULL)
		rc = store_object_purge(st, purge_kinds[kind], id, err);
	return rc == REG_OK ? stmt_exec(st, err, deletes[kind].del, "i", id) : rc;
}

/* --- the end ------------------------------------------------------------- */

/* An in-zone host's superordinate domain is the nearest domain its name
 * ends in; hosts whose domain went away look again. */
static int
superordinates(struct store *st, struct reg_err *err)
{
	static const char orphans[] =
	    "UPDATE host SET domain_id = NULL WHERE domain_id IS NOT NULL AND "
	    "NOT EXISTS (SELECT 1 FROM domain d WHERE d.id = host.domain_id)";
	static const char sql[] =
	    "UPDATE host SET domain_id = (WITH RECURSIVE s(rest) AS ("
	    "SELECT substr(host.name, instr(host.name, '.') + 1) WHERE instr(host.name, '.') > 0 "
	    "UNION ALL SELECT substr(rest, instr(rest, '.') + 1) FROM s WHERE instr(rest, '.') > 0) "
	    "SELECT d.id FROM s JOIN domain d ON d.name = s.rest "
	    "ORDER BY length(s.rest) DESC LIMIT 1) WHERE domain_id IS NULL";
	int rc = stmt_exec(st, err, orphans, "");

	return rc == REG_OK ? stmt_exec(st, err, sql, "") : rc;
}

/* ROIDs are "<kind><n>-<suffix>": new ones must start above every n. */
static int
roid_next(struct store *st, struct reg_err *err)
{
	static const char sql[] =
	    "UPDATE meta SET value = max(CAST(value AS INTEGER), 1 + (SELECT "
	    "coalesce(max(CAST(substr(roid, 2, instr(roid, '-') - 2) AS INTEGER)), 0) FROM ("
	    "SELECT roid FROM domain UNION ALL SELECT roid FROM host UNION ALL "
	    "SELECT roid FROM contact))) WHERE key = 'roid_next'";

	return stmt_exec(st, err, sql, "");
}

/* The first reference that points nowhere, as an error. SQLite counts
 * the violations a transaction with deferred foreign keys still has; only
 * then is every reference scanned, for the message. */
static int
references_check(struct store *st, struct reg_err *err)
{
	sqlite3_stmt *s;
	int open = 0, high = 0, rc = REG_OK;

	sqlite3_db_status(st->db, SQLITE_DBSTATUS_DEFERRED_FKS, &open, &high, 0);
	if (open == 0)
		return REG_OK;
	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s, NULL) != SQLITE_OK)
		return store_error(st, SQLITE_ERROR, err);
	rc = reg_fail(err, REG_ECONSTRAINT, "a reference points at an object that is not there");
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = reg_fail(err, REG_ECONSTRAINT, "%s row %lld refers to a %s that is not in "
		    "the deposit", sqlite3_column_text(s, 0), (long long)sqlite3_column_int64(s, 1),
		    sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	return rc;
}

/* Every CHECK and NOT NULL constraint, and the file's structure. */
static int
constraints_check(struct store *st, struct reg_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = exec_all(st, "PRAGMA ignore_check_constraints = OFF", err)) != REG_OK)
		return rc;
	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK)
		return store_error(st, SQLITE_ERROR, err);
	if (sqlite3_step(s) != SQLITE_ROW)
		rc = store_error(st, SQLITE_ERROR, err);
	else if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
		rc = reg_fail(err, REG_ECONSTRAINT, "the restored data breaks a rule of the "
		    "schema: %s", sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return rc;
}

/* A registrant the bulk load could not find (id -1). The differential
 * deposits' references are checked by SQLite at their commit. */
static int
registrants_check(struct store *st, struct reg_err *err)
{
	static const char sql[] = "SELECT name FROM domain WHERE registrant_id = -1 LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, sql, "")) == NULL)
		return rc == REG_ENOTFOUND ? REG_OK : rc;
	rc = reg_fail(err, REG_ENOTFOUND, "domain %s: its registrant is not in the deposit",
	    sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return rc;
}

int
store_escrow_restore_end(struct store *st, struct reg_err *err)
{
	int rc;

	if ((rc = superordinates(st, err)) != REG_OK || (rc = roid_next(st, err)) != REG_OK ||
	    (rc = registrants_check(st, err)) != REG_OK ||
	    (rc = references_check(st, err)) != REG_OK || (rc = store_commit(st, err)) != REG_OK ||
	    (rc = indexes_build(st, err)) != REG_OK)
		return rc;
	return constraints_check(st, err);
}
