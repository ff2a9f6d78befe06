/*
 * store_changelog.c: the changeset log seen from replication.
 *
 * On the registry host the feed reads ranges of the log and makes
 * snapshots, and `replica trim` shortens the log. On a public host the
 * agent applies changesets to its replica. A replica's position lives in
 * its meta table under the replica_* keys and changes only in the
 * transaction that applies a changeset, so a replica is always one
 * committed state of the master: the one after changeset `seq`.
 *
 * Snapshots copy the whole database with the online backup API and then
 * empty every table that schema.c does not list as public: a table nobody
 * classified is private, so a new secret cannot leak by omission.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "schema.h"
#include "store_impl.h"
#include "util.h"

/* The meta keys of a replica's position, and the pattern they share. */
#define STATE_SEQ	"replica_seq"
#define STATE_TS	"replica_ts"
#define STATE_SHA256	"replica_sha256"
#define STATE_APPLIED	"replica_applied"
#define STATE_LIKE	"'replica\\_%' ESCAPE '\\'"

#define TABLE_NAME_MAX	64

static const char state_select[] =
    "SELECT (SELECT value FROM meta WHERE key = '" STATE_SEQ "'), "
    "(SELECT value FROM meta WHERE key = '" STATE_TS "'), "
    "(SELECT value FROM meta WHERE key = '" STATE_SHA256 "'), "
    "(SELECT value FROM meta WHERE key = '" STATE_APPLIED "')";
static const char state_upsert[] =
    "INSERT INTO meta(key, value) VALUES ('" STATE_SEQ "', ?), ('" STATE_TS "', ?), "
    "('" STATE_SHA256 "', ?), ('" STATE_APPLIED "', ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";

void
store_digest(const void *buf, size_t len, char hex[STORE_DIGEST_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) != 1)
		abort();	/* SHA-256 cannot fail short of a broken libcrypto */
	hex_encode(md, n, hex);
}

/* --- the log ------------------------------------------------------------- */

int64_t
store_changelog_first(struct store *st)
{
	return stmt_int(st, 0, "SELECT min(seq) FROM changelog", "");
}

int64_t
store_changelog_ts(struct store *st, int64_t seq)
{
	return stmt_int(st, 0, "SELECT ts FROM changelog WHERE seq = ?", "i", seq);
}

static void
change_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_change *c = row;
	const void *blob = sqlite3_column_blob(s, 2);
	void *copy;

	c->seq = col_int(s, 0);
	c->ts = col_int(s, 1);
	c->len = sqlite3_column_bytes(s, 2);
	copy = arena_alloc(a, c->len > 0 ? (size_t)c->len : 1);
	if (c->len > 0)
		memcpy(copy, blob, (size_t)c->len);
	c->blob = copy;
	store_digest(copy, (size_t)c->len, c->sha256);
	c->damaged = sqlite3_column_type(s, 3) != SQLITE_NULL &&
	    strcmp((const char *)sqlite3_column_text(s, 3), c->sha256) != 0;
}

int
store_changelog_read(struct store *st, struct arena *a, int64_t from, int max,
    struct reg_change **out, int *n)
{
	static const char sql[] =
	    "SELECT seq, ts, changeset, sha256 FROM changelog WHERE seq >= ? ORDER BY seq LIMIT ?";
	int rc;

	*out = stmt_rows(st, a, change_read, sizeof(**out), n, &rc, sql, "ii",
	    from, (int64_t)max);
	return rc;
}

int
store_changelog_trim(struct store *st, int64_t before, int64_t max_bytes,
    int64_t *deleted, struct reg_err *err)
{
	static const char by_age[] =
	    "DELETE FROM changelog WHERE ts < ? AND seq < (SELECT max(seq) FROM changelog)";
	/* The newest changesets whose sizes add up to more than the cap
	 * mark the line: that one and everything older goes. */
	static const char by_size[] =
	    "DELETE FROM changelog WHERE seq < (SELECT max(seq) FROM changelog) AND seq <= "
	    "(SELECT max(seq) FROM (SELECT seq, sum(length(changeset)) OVER "
	    "(ORDER BY seq DESC) AS tail FROM changelog) WHERE tail > ?)";
	int rc;

	*deleted = 0;
	if (st->txn != 1)
		return reg_fail(err, REG_EINVAL, "trim needs a write transaction");
	if ((rc = stmt_exec(st, err, by_age, "i", before)) != REG_OK)
		return rc;
	*deleted += sqlite3_changes(st->db);
	if (max_bytes <= 0)
		return REG_OK;
	if ((rc = stmt_exec(st, err, by_size, "i", max_bytes)) != REG_OK)
		return rc;
	*deleted += sqlite3_changes(st->db);
	return REG_OK;
}

/* --- connections of our own (snapshot files are no stores) --------------- */

static int
db_fail(sqlite3 *db, const char *what, struct reg_err *err)
{
	return reg_fail(err, REG_EDB, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static int
db_open(const char *path, int flags, sqlite3 **db, struct reg_err *err)
{
	if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return db_fail(*db, path, err);
	sqlite3_busy_timeout(*db, 5000);
	sqlite3_extended_result_codes(*db, 1);
	return REG_OK;
}

static int
db_exec(sqlite3 *db, const char *what, const char *sql, struct reg_err *err)
{
	char *msg = NULL;
	int rc = REG_OK;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		rc = reg_fail(err, REG_EDB, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return rc;
}

/* Integer of a one-row query without parameters; dflt when no row. */
static int64_t
db_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *s;
	int64_t n = dflt;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* PRAGMA quick_check says "ok". */
static bool
db_sound(sqlite3 *db)
{
	sqlite3_stmt *s;
	bool ok = false;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		ok = t != NULL && strcmp((const char *)t, "ok") == 0;
	}
	sqlite3_finalize(s);
	return ok;
}

/* Copies every page of src's main database over dst's, in one step. */
static int
backup_copy(sqlite3 *dst, sqlite3 *src, const char *what, struct reg_err *err)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc;

	if (b == NULL)
		return db_fail(dst, what, err);
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return reg_fail(err, REG_EDB, "%s: backup failed: %s", what, sqlite3_errstr(rc));
	return REG_OK;
}

static bool
table_is_public(const char *name)
{
	for (const char *const *t = schema_public_tables(); *t; t++)
		if (strcmp(*t, name) == 0)
			return true;
	return false;
}

typedef int (*table_fn)(sqlite3 *, const char *table, struct reg_err *);

/* Calls fn on every table of db that is not public, stopping at the first
 * failure. The names are read first, so fn may change the tables. */
static int
each_private_table(sqlite3 *db, table_fn fn, struct reg_err *err)
{
	static const char sql[] = "SELECT name FROM sqlite_schema WHERE type = 'table' "
	    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
	struct arena *a = arena_new();
	char **names = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s;
	int rc = REG_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		arena_free(a);
		return db_fail(db, "list tables", err);
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		char *name = col_text(a, s, 0);

		if (table_is_public(name))
			continue;
		if (n == cap)
			names = xrealloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names));
		names[n++] = name;
	}
	sqlite3_finalize(s);
	for (size_t i = 0; i < n && rc == REG_OK; i++)
		rc = fn(db, names[i], err);
	free(names);
	arena_free(a);
	return rc;
}

/* --- replica state ------------------------------------------------------- */

static int
state_from_row(sqlite3_stmt *s, struct reg_replica_state *out)
{
	const unsigned char *sha = sqlite3_column_text(s, 2);

	memset(out, 0, sizeof(*out));
	if (sqlite3_column_type(s, 0) == SQLITE_NULL)
		return REG_ENOTFOUND;
	out->seq = sqlite3_column_int64(s, 0);
	out->ts = sqlite3_column_int64(s, 1);
	out->applied = sqlite3_column_int64(s, 3);
	if (sha != NULL)
		strlcpy_reg(out->sha256, (const char *)sha, sizeof(out->sha256));
	return REG_OK;
}

int
store_replica_state(struct store *st, struct reg_replica_state *out)
{
	int rc;
	sqlite3_stmt *s = stmt_query(st, &rc, state_select, "");

	if (s == NULL)
		return rc;
	rc = state_from_row(s, out);
	sqlite3_reset(s);
	return rc;
}

static int
state_read_db(sqlite3 *db, struct reg_replica_state *out)
{
	sqlite3_stmt *s;
	int rc = REG_EDB;

	if (sqlite3_prepare_v2(db, state_select, -1, &s, NULL) != SQLITE_OK)
		return REG_EDB;
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = state_from_row(s, out);
	sqlite3_finalize(s);
	return rc;
}

static int
state_write_db(sqlite3 *db, const struct reg_replica_state *state, struct reg_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, state_upsert, -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "replica state", err);
	sqlite3_bind_int64(s, 1, state->seq);
	sqlite3_bind_int64(s, 2, state->ts);
	sqlite3_bind_text(s, 3, state->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, state->applied);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? REG_OK : db_fail(db, "replica state", err);
}

/* --- snapshots ----------------------------------------------------------- */

/* The newest changeset of db: what a copy of db has applied. */
static int
snapshot_position(sqlite3 *db, int64_t now, struct reg_replica_state *out,
    struct reg_err *err)
{
	static const char sql[] =
	    "SELECT seq, ts, changeset FROM changelog ORDER BY seq DESC LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	out->applied = now;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "changelog", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(s, 2);

		out->seq = sqlite3_column_int64(s, 0);
		out->ts = sqlite3_column_int64(s, 1);
		store_digest(blob, (size_t)sqlite3_column_bytes(s, 2), out->sha256);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? REG_OK : db_fail(db, "changelog", err);
}

static int
table_empty(sqlite3 *db, const char *table, struct reg_err *err)
{
	char *sql = sqlite3_mprintf("DELETE FROM \"%w\"", table);
	int rc = db_exec(db, table, sql, err);

	sqlite3_free(sql);
	return rc;
}

/* Empties the private tables of the copy and records its position, in
 * one transaction, then rebuilds the file so no free page keeps a secret. */
static int
snapshot_scrub(sqlite3 *db, const char *path, const struct reg_replica_state *pos,
    struct reg_err *err)
{
	int rc;

	if ((rc = db_exec(db, path, "PRAGMA journal_mode = MEMORY", err)) != REG_OK ||
	    (rc = db_exec(db, path, "PRAGMA secure_delete = ON", err)) != REG_OK ||
	    (rc = db_exec(db, path, "BEGIN IMMEDIATE", err)) != REG_OK)
		return rc;
	if ((rc = each_private_table(db, table_empty, err)) != REG_OK ||
	    (rc = state_write_db(db, pos, err)) != REG_OK) {
		db_exec(db, path, "ROLLBACK", NULL);
		return rc;
	}
	if ((rc = db_exec(db, path, "COMMIT", err)) != REG_OK)
		return rc;
	return db_exec(db, path, "VACUUM", err);
}

int
store_snapshot_create(struct store *st, const char *path,
    struct reg_replica_state *out, struct reg_err *err)
{
	sqlite3 *db = NULL;
	int rc;

	if (st->txn == 1)
		return reg_fail(err, REG_EINVAL, "snapshot inside a write transaction");
	if ((rc = db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err)) == REG_OK &&
	    (rc = backup_copy(db, st->db, path, err)) == REG_OK &&
	    (rc = snapshot_position(db, time(NULL), out, err)) == REG_OK)
		rc = snapshot_scrub(db, path, out, err);
	sqlite3_close(db);
	return rc;
}

static int
table_must_be_empty(sqlite3 *db, const char *table, struct reg_err *err)
{
	static const char meta[] =
	    "SELECT count(*) FROM meta WHERE key NOT LIKE " STATE_LIKE;
	char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", table);
	int64_t n = db_int(db, strcmp(table, "meta") == 0 ? meta : sql, -1);

	sqlite3_free(sql);
	if (n < 0)
		return db_fail(db, table, err);
	if (n > 0)
		return reg_fail(err, REG_EINVAL,
		    "snapshot holds %lld rows of private table %s: refused",
		    (long long)n, table);
	return REG_OK;
}

/* What a snapshot must be before it may replace a replica. */
static int
image_check(sqlite3 *db, const char *image, struct reg_replica_state *out,
    struct reg_err *err)
{
	int64_t v = db_int(db, "PRAGMA user_version", -1);
	int rc;

	if (v < 0)
		return db_fail(db, image, err);
	if (!db_sound(db))
		return reg_fail(err, REG_EDB, "%s: snapshot fails its integrity check", image);
	if (v != schema_version())
		return reg_fail(err, REG_ESCHEMA, "%s: snapshot has schema version %lld, "
		    "this program needs %d", image, (long long)v, schema_version());
	if ((rc = each_private_table(db, table_must_be_empty, err)) != REG_OK)
		return rc;
	if (state_read_db(db, out) != REG_OK)
		return reg_fail(err, REG_EINVAL, "%s: snapshot has no replica position", image);
	return REG_OK;
}

int
store_snapshot_install(const char *image, const char *replica,
    struct reg_replica_state *out, struct reg_err *err)
{
	sqlite3 *src = NULL, *dst = NULL;
	int rc;

	if ((rc = db_open(image, SQLITE_OPEN_READONLY, &src, err)) == REG_OK &&
	    (rc = image_check(src, image, out, err)) == REG_OK &&
	    (rc = db_open(replica, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst, err)) == REG_OK &&
	    (rc = backup_copy(dst, src, replica, err)) == REG_OK)
		rc = db_exec(dst, replica, "PRAGMA journal_mode = WAL", err);
	sqlite3_close(src);
	sqlite3_close(dst);
	return rc;
}

/* --- applying changesets ------------------------------------------------- */

int
store_replica_prepare(struct store *st)
{
	if (!(st->flags & STORE_NOLOG) || (st->flags & STORE_RDONLY))
		return REG_EINVAL;
	return stmt_exec(st, NULL, "PRAGMA foreign_keys = OFF", "");
}

/* Whether the changeset's view of a table (its column count) is the
 * replica's: equal schema versions make it so unless the bytes lie. */
static int
change_table_check(struct store *st, const struct reg_change *c, const char *table,
    int ncol, struct reg_err *err)
{
	static const char sql[] = "SELECT count(*) FROM pragma_table_info(?)";

	if (!table_is_public(table))
		return reg_fail(err, REG_ESYNTAX, "changeset %lld names table '%s', "
		    "which is not replicated: refused", (long long)c->seq, table);
	if (stmt_int(st, -1, sql, "t", table) != ncol)
		return reg_fail(err, REG_ESYNTAX, "changeset %lld has %d columns for table %s, "
		    "the replica has %lld", (long long)c->seq, ncol, table,
		    (long long)stmt_int(st, -1, sql, "t", table));
	return REG_OK;
}

/* Walks c without applying it: well formed, public tables only, each with
 * the replica's columns. The apply itself would skip unknown tables. */
static int
change_check(struct store *st, const struct reg_change *c, struct reg_err *err)
{
	sqlite3_changeset_iter *it;
	char last[TABLE_NAME_MAX] = "";
	const char *table;
	int ncol, op, indirect, rc = REG_OK, step;

	if (sqlite3changeset_start(&it, c->len, (void *)c->blob) != SQLITE_OK)
		return reg_fail(err, REG_ESYNTAX, "changeset %lld is malformed", (long long)c->seq);
	while (rc == REG_OK && (step = sqlite3changeset_next(it)) == SQLITE_ROW) {
		if (sqlite3changeset_op(it, &table, &ncol, &op, &indirect) != SQLITE_OK) {
			step = SQLITE_CORRUPT;
			break;
		}
		if (strcmp(last, table) == 0)
			continue;
		strlcpy_reg(last, table, sizeof(last));
		rc = change_table_check(st, c, table, ncol, err);
	}
	sqlite3changeset_finalize(it);
	if (rc == REG_OK && step != SQLITE_DONE)
		rc = reg_fail(err, REG_ESYNTAX, "changeset %lld is malformed (%s)",
		    (long long)c->seq, sqlite3_errstr(step));
	return rc;
}

struct apply_ctx {
	int conflict;			/* SQLITE_CHANGESET_* of the first, 0 none */
	char table[TABLE_NAME_MAX];
};

static const char *
conflict_text(int type)
{
	switch (type) {
	case SQLITE_CHANGESET_DATA: return "a row differs from the changeset's old values";
	case SQLITE_CHANGESET_NOTFOUND: return "a row to change or delete is missing";
	case SQLITE_CHANGESET_CONFLICT: return "a row to insert already exists";
	case SQLITE_CHANGESET_CONSTRAINT: return "a constraint refused a change";
	case SQLITE_CHANGESET_FOREIGN_KEY: return "a foreign key is violated";
	}
	return "unknown conflict";
}

/* Any conflict means the replica is not the state the changeset was made
 * from: abort the whole changeset. */
static int
apply_conflict(void *arg, int type, sqlite3_changeset_iter *it)
{
	struct apply_ctx *ctx = arg;
	const char *table;
	int ncol, op, indirect;

	if (ctx->conflict == 0) {
		ctx->conflict = type;
		if (type != SQLITE_CHANGESET_FOREIGN_KEY &&
		    sqlite3changeset_op(it, &table, &ncol, &op, &indirect) == SQLITE_OK)
			strlcpy_reg(ctx->table, table, sizeof(ctx->table));
	}
	return SQLITE_CHANGESET_ABORT;
}

/* Inside the transaction: the position check, the changes, the position. */
static int
apply_in_transaction(struct store *st, const struct reg_change *c, int64_t now,
    struct reg_err *err)
{
	struct reg_replica_state cur;
	struct apply_ctx ctx = { 0 };
	int rc;

	if (store_replica_state(st, &cur) != REG_OK)
		return reg_fail(err, REG_EINVAL, "%s is not a replica (never seeded)", st->path);
	if (c->seq != cur.seq + 1)
		return reg_fail(err, REG_EINVAL, "sequence gap: the replica is at %lld, "
		    "changeset %lld is not the next", (long long)cur.seq, (long long)c->seq);
	rc = sqlite3changeset_apply_v2(st->db, c->len, (void *)c->blob, NULL,
	    apply_conflict, &ctx, NULL, NULL, 0);
	if (ctx.conflict != 0)
		return reg_fail(err, REG_ECONSTRAINT, "changeset %lld conflicts with the "
		    "replica in table %s: %s", (long long)c->seq,
		    ctx.table[0] ? ctx.table : "?", conflict_text(ctx.conflict));
	if (rc != SQLITE_OK)
		return store_error(st, rc, err);
	return stmt_exec(st, err, state_upsert, "iiti", c->seq, c->ts, c->sha256, now);
}

int
store_replica_apply(struct store *st, const struct reg_change *c, int64_t now,
    struct reg_err *err)
{
	int rc;

	if (!(st->flags & STORE_NOLOG) || st->txn)
		return reg_fail(err, REG_EINVAL, "replica apply needs a STORE_NOLOG "
		    "store outside a transaction");
	if ((rc = change_check(st, c, err)) != REG_OK)
		return rc;
	if ((rc = store_begin(st)) != REG_OK)
		return reg_fail(err, rc, "%s: cannot start a transaction", st->path);
	if ((rc = apply_in_transaction(st, c, now, err)) != REG_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}
