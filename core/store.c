/*
 * store.c: opening, migrating, transactions and the changeset log.
 *
 * The changelog: store_begin() opens an SQLite session on the public
 * tables (schema.c) and store_commit() writes its changeset into the
 * changelog table before COMMIT, so both land in one transaction or not
 * at all. Private tables are never attached, so secrets never enter the
 * log that feeds public hosts.
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "schema.h"
#include "store_impl.h"
#include "util.h"

#define BUSY_TIMEOUT_MS 5000
#define WRITER_WAL_PAGES 50000	/* STORE_WRITER: its own checkpoints as a fallback */

sqlite3_stmt *
stmt_get(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;

	for (int i = 0; i < st->nstmt; i++)
		if (st->cache[i].sql == sql) {
			stmt = st->cache[i].stmt;
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
		log_warnx("store: prepare failed: %s: %s", sqlite3_errmsg(st->db), sql);
		return NULL;
	}
	if (st->nstmt < STORE_STMT_CACHE) {
		st->cache[st->nstmt].sql = sql;
		st->cache[st->nstmt].stmt = stmt;
		st->nstmt++;
	} else {
		abort();	/* more distinct statements than slots: raise the cap */
	}
	return stmt;
}

static int
bind_args(sqlite3_stmt *stmt, const char *types, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
		int64_t n;
		const char *s;

		switch (types[i]) {
		case 'i':
			rc = sqlite3_bind_int64(stmt, i + 1, va_arg(ap, int64_t));
			break;
		case 'z':
			n = va_arg(ap, int64_t);
			rc = n ? sqlite3_bind_int64(stmt, i + 1, n) : sqlite3_bind_null(stmt, i + 1);
			break;
		case 't':
			s = va_arg(ap, const char *);
			rc = sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_STATIC);
			break;
		default:
			abort();	/* a bad type string is our bug */
		}
	}
	return rc;
}

int
store_error(struct store *st, int rc, struct reg_err *err)
{
	const char *msg = sqlite3_errmsg(st->db);

	switch (sqlite3_extended_errcode(st->db)) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return reg_fail(err, REG_EEXISTS, "%s", msg);
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		/* Mostly a write naming a missing registrar, contact or host;
		 * deletes check for references first and say REG_EINUSE. */
		return reg_fail(err, REG_ECONSTRAINT,
		    "%s: a referenced object does not exist", msg);
	}
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return reg_fail(err, REG_ECONSTRAINT, "%s", msg);
	log_warnx("store: %s: %s", st->path, msg);
	return reg_fail(err, REG_EDB, "database error: %s", msg);
}

static sqlite3_stmt *
vquery(struct store *st, int *result, struct reg_err *err, const char *sql,
    const char *types, va_list ap)
{
	sqlite3_stmt *stmt = stmt_get(st, sql);
	int rc;

	if (stmt == NULL) {
		*result = reg_fail(err, REG_EDB, "cannot prepare statement");
		return NULL;
	}
	if ((rc = bind_args(stmt, types, ap)) != SQLITE_OK) {
		*result = store_error(st, rc, err);
		return NULL;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*result = REG_OK;
		return stmt;
	}
	*result = rc == SQLITE_DONE ? REG_ENOTFOUND : store_error(st, rc, err);
	sqlite3_reset(stmt);
	return NULL;
}

int
stmt_exec(struct store *st, struct reg_err *err, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;
	sqlite3_stmt *stmt;

	va_start(ap, types);
	stmt = vquery(st, &rc, err, sql, types, ap);
	va_end(ap);
	if (stmt != NULL)
		sqlite3_reset(stmt);
	return rc == REG_ENOTFOUND ? REG_OK : rc;
}

sqlite3_stmt *
stmt_query(struct store *st, int *rc, const char *sql, const char *types, ...)
{
	va_list ap;
	sqlite3_stmt *stmt;

	va_start(ap, types);
	stmt = vquery(st, rc, NULL, sql, types, ap);
	va_end(ap);
	return stmt;
}

int64_t
stmt_int(struct store *st, int64_t dflt, const char *sql, const char *types, ...)
{
	va_list ap;
	sqlite3_stmt *stmt;
	int rc;
	int64_t n = dflt;

	va_start(ap, types);
	stmt = vquery(st, &rc, NULL, sql, types, ap);
	va_end(ap);
	if (stmt != NULL) {
		if (sqlite3_column_type(stmt, 0) != SQLITE_NULL)
			n = sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
	}
	return n;
}

int
stmt_changed(struct store *st, int rc, struct reg_err *err, const char *what, int64_t id)
{
	if (rc == REG_OK && sqlite3_changes(st->db) == 0)
		return reg_fail(err, REG_ENOTFOUND, "no %s %lld", what, (long long)id);
	return rc;
}

/* Makes room for element n + 1 (the zeroed terminator) in *v. */
static char *
rows_grow(struct arena *a, char *v, size_t *cap, size_t size, int n)
{
	char *w;

	if ((size_t)n + 1 < *cap)
		return v;
	w = arena_alloc(a, 2 * *cap * size);
	memcpy(w, v, *cap * size);
	*cap *= 2;
	return w;
}

void *
stmt_rows(struct store *st, struct arena *a, row_reader read, size_t size,
    int *n, int *rc, const char *sql, const char *types, ...)
{
	va_list ap;
	sqlite3_stmt *stmt;
	size_t cap = 8;
	char *v = arena_alloc(a, cap * size);
	int step = SQLITE_ROW;

	va_start(ap, types);
	stmt = vquery(st, rc, NULL, sql, types, ap);
	va_end(ap);
	*n = 0;
	if (stmt == NULL) {
		if (*rc == REG_ENOTFOUND)
			*rc = REG_OK;
		return v;
	}
	for (; step == SQLITE_ROW; step = sqlite3_step(stmt)) {
		v = rows_grow(a, v, &cap, size, *n);
		read(a, stmt, v + (size_t)(*n)++ * size);
	}
	*rc = step == SQLITE_DONE ? REG_OK : store_error(st, step, NULL);
	sqlite3_reset(stmt);
	return v;
}

char *
col_text(struct arena *a, sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s == NULL ? NULL : arena_strndup(a, (const char *)s,
	    (size_t)sqlite3_column_bytes(stmt, col));
}

int64_t
col_int(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_int64(stmt, col);
}

static int
exec_sql(struct store *st, const char *sql, struct reg_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		reg_fail(err, REG_EDB, "%s: %s", st->path, msg ? msg : "error");
		sqlite3_free(msg);
		return REG_EDB;
	}
	return REG_OK;
}

int
store_schema_version(struct store *st)
{
	return (int)stmt_int(st, -1, "PRAGMA user_version", "");
}

int
store_migrate(struct store *st, struct reg_err *err)
{
	int have = store_schema_version(st);
	char bump[64];

	if (have > schema_version())
		return reg_fail(err, REG_ESCHEMA, "%s: schema version %d is newer than %d",
		    st->path, have, schema_version());
	for (int v = have + 1; v <= schema_version(); v++) {
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v);
		if (exec_sql(st, "BEGIN IMMEDIATE", err) != REG_OK)
			return REG_EDB;
		if (exec_sql(st, schema_migration(v), err) != REG_OK ||
		    exec_sql(st, bump, err) != REG_OK) {
			exec_sql(st, "ROLLBACK", NULL);
			return REG_EDB;
		}
		if (exec_sql(st, "COMMIT", err) != REG_OK)
			return REG_EDB;
		log_debug("store: %s migrated to schema %d", st->path, v);
	}
	return REG_OK;
}

/*
 * A savepoint's journal spills to a temporary file after 64 KiB, one write
 * per page: in memory it costs a few MiB at most, a transaction's worth of
 * original pages. A checkpoint runs inside the COMMIT that crossed the
 * threshold and stalls the writer while it copies and syncs the database
 * file, so the writer's own are only a fallback: eppd checkpoints on a
 * connection of its own beside it (store_checkpoint) and starts the WAL
 * over between transactions (store_wal_restart).
 */
static int
writer_tune(struct store *st, struct reg_err *err)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA wal_autocheckpoint = %d", WRITER_WAL_PAGES);
	if (exec_sql(st, "PRAGMA temp_store = MEMORY", err) != REG_OK ||
	    exec_sql(st, sql, err) != REG_OK)
		return REG_EDB;
	return REG_OK;
}

struct store *
store_open(const char *path, int flags, struct reg_err *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int oflags = SQLITE_OPEN_NOMUTEX;
	bool rdonly = flags & STORE_RDONLY;

	st->flags = flags;
	st->path = xstrdup(path);
	st->version = -1;
	strlcpy_reg(st->roid_suffix, "REG", sizeof(st->roid_suffix));
	oflags |= rdonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (!rdonly && (flags & STORE_CREATE))
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		reg_fail(err, REG_EDB, "%s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (exec_sql(st, "PRAGMA foreign_keys = ON", err) != REG_OK)
		goto fail;
	if (!rdonly) {
		if (exec_sql(st, "PRAGMA journal_mode = WAL", err) != REG_OK ||
		    exec_sql(st, flags & STORE_FAST ? "PRAGMA synchronous = NORMAL" :
		    "PRAGMA synchronous = FULL", err) != REG_OK)
			goto fail;
		if ((flags & STORE_WRITER) && writer_tune(st, err) != REG_OK)
			goto fail;
		if ((flags & STORE_CREATE) && store_migrate(st, err) != REG_OK)
			goto fail;
	}
	int v = store_schema_version(st);
	if (v < 0) {
		reg_fail(err, REG_EDB, "%s: not a database", path);
		goto fail;
	}
	if (v != schema_version()) {
		reg_fail(err, v > schema_version() ? REG_ESCHEMA : REG_EDB,
		    "%s: schema version %d, this program needs %d%s", path, v,
		    schema_version(), v < schema_version() ? " (run regctl init)" : "");
		goto fail;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->txn)
		store_rollback(st);
	for (int i = 0; i < st->nstmt; i++)
		sqlite3_finalize(st->cache[i].stmt);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

void
store_set_roid_suffix(struct store *st, const char *suffix)
{
	strlcpy_reg(st->roid_suffix, suffix, sizeof(st->roid_suffix));
}

static int
session_open(struct store *st)
{
	const char *const *t;

	if (sqlite3session_create(st->db, "main", &st->session) != SQLITE_OK)
		return REG_EDB;
	for (t = schema_public_tables(); *t; t++)
		if (sqlite3session_attach(st->session, *t) != SQLITE_OK) {
			sqlite3session_delete(st->session);
			st->session = NULL;
			return REG_EDB;
		}
	return REG_OK;
}

static void
session_close(struct store *st)
{
	if (st->session != NULL)
		sqlite3session_delete(st->session);
	st->session = NULL;
}

int
store_begin(struct store *st)
{
	static const char sql[] = "BEGIN IMMEDIATE";
	int rc;

	if (st->txn)
		return REG_EINVAL;
	if (st->flags & STORE_RDONLY)
		return REG_EINVAL;
	if ((rc = stmt_exec(st, NULL, sql, "")) != REG_OK)
		return rc;
	st->txn = 1;
	if (!(st->flags & STORE_NOLOG) && session_open(st) != REG_OK) {
		store_rollback(st);
		return REG_EDB;
	}
	return REG_OK;
}

/* Appends the session's changeset to the changelog; nothing if empty. */
static int
changelog_append(struct store *st, struct reg_err *err)
{
	static const char sql[] = "INSERT INTO changelog(ts, changeset, sha256) "
	    "VALUES (strftime('%s', 'now'), ?, ?)";
	char digest[STORE_DIGEST_HEX];
	sqlite3_stmt *stmt;
	void *buf = NULL;
	int n = 0, rc;

	if (st->session == NULL)
		return REG_OK;
	if (sqlite3session_changeset(st->session, &n, &buf) != SQLITE_OK)
		return reg_fail(err, REG_EDB, "cannot build changeset");
	if (n == 0) {
		sqlite3_free(buf);
		return REG_OK;
	}
	if ((stmt = stmt_get(st, sql)) == NULL) {
		sqlite3_free(buf);
		return reg_fail(err, REG_EDB, "cannot prepare changelog insert");
	}
	store_digest(buf, (size_t)n, digest);
	sqlite3_bind_blob(stmt, 1, buf, n, sqlite3_free);
	sqlite3_bind_text(stmt, 2, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE ? REG_OK : store_error(st, rc, err);
}

int
store_commit(struct store *st, struct reg_err *err)
{
	static const char sql[] = "COMMIT";
	int rc;

	if (st->txn != 1)
		return reg_fail(err, REG_EINVAL, "no write transaction");
	rc = changelog_append(st, err);
	session_close(st);
	if (rc == REG_OK)
		rc = stmt_exec(st, err, sql, "");
	if (rc != REG_OK) {
		store_rollback(st);
		return rc;
	}
	st->txn = 0;
	return REG_OK;
}

void
store_rollback(struct store *st)
{
	session_close(st);
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->txn = 0;
}

bool
store_in_transaction(const struct store *st)
{
	return st->txn != 0;
}

int
store_savepoint(struct store *st)
{
	return st->txn == 1 ? stmt_exec(st, NULL, "SAVEPOINT cmd", "") : REG_EINVAL;
}

int
store_savepoint_release(struct store *st)
{
	return st->txn == 1 ? stmt_exec(st, NULL, "RELEASE cmd", "") : REG_EINVAL;
}

void
store_savepoint_rollback(struct store *st)
{
	if (st->txn == 1) {
		stmt_exec(st, NULL, "ROLLBACK TO cmd", "");
		stmt_exec(st, NULL, "RELEASE cmd", "");
	}
}

int
store_read_begin(struct store *st)
{
	static const char begin[] = "BEGIN";
	static const char touch[] = "SELECT 1 FROM meta LIMIT 1";
	int rc;

	if (st->txn)
		return REG_EINVAL;
	if ((rc = stmt_exec(st, NULL, begin, "")) != REG_OK)
		return rc;
	/* A deferred BEGIN takes its snapshot at the first read. */
	stmt_int(st, 0, touch, "");
	st->txn = 2;
	return REG_OK;
}

void
store_read_end(struct store *st)
{
	static const char commit[] = "COMMIT";

	if (st->txn == 2 && !sqlite3_get_autocommit(st->db))
		stmt_exec(st, NULL, commit, "");
	st->txn = 0;
}

/* Freed memory below these stays in the process (store_tune_readers). */
#define READER_TRIM_THRESHOLD	(256 << 20)
#define READER_MMAP_THRESHOLD	(4 << 20)

void
store_tune_readers(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	mallopt(M_TRIM_THRESHOLD, READER_TRIM_THRESHOLD);
	mallopt(M_MMAP_THRESHOLD, READER_MMAP_THRESHOLD);
}

int
store_reader_tune(struct store *st, int64_t mmap_bytes, int64_t cache_kib)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "PRAGMA mmap_size = %lld; PRAGMA cache_size = -%lld; "
	    "PRAGMA temp_store = MEMORY", (long long)mmap_bytes, (long long)cache_kib);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_error(st, SQLITE_ERROR, NULL);
	st->map_quiet = mmap_bytes;
	st->mapped = mmap_bytes > 0;
	st->changed_at = INT64_MIN / 2;
	return REG_OK;
}

bool
store_reader_mapped(const struct store *st)
{
	return st->mapped;
}

/* Maps the file while nothing has changed it for STORE_QUIET_US, else
 * reads pages (store_reader_tune says why). Between snapshots. */
static void
reader_map(struct store *st, int64_t now_us)
{
	bool quiet = now_us - st->changed_at >= STORE_QUIET_US;
	char sql[64];

	if (st->map_quiet <= 0 || quiet == st->mapped)
		return;
	snprintf(sql, sizeof(sql), "PRAGMA mmap_size = %lld",
	    quiet ? (long long)st->map_quiet : 0LL);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		st->mapped = quiet;
}

int
store_read_recent(struct store *st, int64_t now_us, int64_t max_age_us)
{
	int64_t v;
	int rc;

	if (store_read_stale(st, now_us, max_age_us) > 0)
		return REG_OK;
	reader_map(st, now_us);
	if ((rc = store_read_begin(st)) != REG_OK)
		return rc;
	st->read_since = now_us;
	if ((v = store_data_version(st)) != st->version) {
		if (st->version >= 0)
			st->changed_at = now_us;
		st->version = v;
	}
	return REG_OK;
}

int64_t
store_read_version(const struct store *st)
{
	return st->version;
}

int64_t
store_read_stale(struct store *st, int64_t now_us, int64_t max_age_us)
{
	int64_t left;

	if (st->txn != 2)
		return -1;
	if ((left = st->read_since + max_age_us - now_us) > 0)
		return left;
	store_read_end(st);
	return -1;
}

int64_t
store_data_version(struct store *st)
{
	return stmt_int(st, -1, "PRAGMA data_version", "");
}

int
store_checkpoint(struct store *st, int *frames)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, frames, NULL);

	/* Busy: another checkpoint is running; the next call catches up. */
	if (rc == SQLITE_OK || rc == SQLITE_BUSY)
		return REG_OK;
	return store_error(st, rc, NULL);
}

bool
store_wal_restart(struct store *st, int wait_ms)
{
	int rc;

	sqlite3_busy_timeout(st->db, wait_ms);
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	return rc == SQLITE_OK;
}

int64_t
store_changelog_last(struct store *st)
{
	return stmt_int(st, 0, "SELECT max(seq) FROM changelog", "");
}

int
store_roid_new(struct store *st, struct arena *a, char kind, char **roid)
{
	static const char next[] =
	    "UPDATE meta SET value = value + 1 WHERE key = 'roid_next' RETURNING value - 1";
	int64_t n;

	if (st->txn != 1)
		return REG_EINVAL;
	if ((n = stmt_int(st, -1, next, "")) < 0)
		return REG_EDB;
	*roid = arena_printf(a, "%c%lld-%s", kind, (long long)n, st->roid_suffix);
	return REG_OK;
}

int64_t
store_clock_offset(struct store *st)
{
	return stmt_int(st, 0, "SELECT value FROM meta WHERE key = 'clock_offset'", "");
}

int
store_clock_set_offset(struct store *st, int64_t seconds)
{
	static const char sql[] =
	    "INSERT INTO meta(key, value) VALUES ('clock_offset', ?) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";

	return stmt_exec(st, NULL, sql, "i", seconds);
}
