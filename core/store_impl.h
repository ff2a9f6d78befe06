/*
 * store_impl.h: private to core/store*.c. The connection, the statement
 * cache and the bind/column helpers that keep each store function short.
 */
#ifndef REG_STORE_IMPL_H
#define REG_STORE_IMPL_H

/* Debian builds SQLite with the session extension; its API is declared
 * only when these are defined. */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

#include "store.h"

#define STORE_STMT_CACHE 192

struct store {
	sqlite3 *db;
	int flags;
	char *path;
	char roid_suffix[16];
	sqlite3_session *session;	/* open while a write transaction is */
	int txn;			/* 0 none, 1 write, 2 read */
	int nstmt;
	struct {
		const char *sql;	/* a static string: compared by address */
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
};

/* A ready statement for a static SQL string, reset and unbound; NULL (and
 * a log line) if it does not prepare. Do not finalize it. */
sqlite3_stmt *stmt_get(struct store *, const char *sql);

/* Binds args by the letters of `types` and steps once:
 *   i  int64_t        z  int64_t, 0 bound as NULL
 *   t  const char *   (NULL bound as NULL)
 * Returns REG_OK when the step ends in DONE or ROW (a row is left for the
 * caller of stmt_bind only), else a mapped error. */
int stmt_exec(struct store *, struct reg_err *, const char *sql, const char *types, ...);
/* Binds like stmt_exec, steps once, and leaves the statement for the
 * caller: returns the statement on SQLITE_ROW, NULL otherwise, with *rc set
 * to REG_OK (no row: REG_ENOTFOUND) or the error. */
sqlite3_stmt *stmt_query(struct store *, int *rc, const char *sql, const char *types, ...);
/* Integer result of a one-row, one-column query; dflt when no row. */
int64_t stmt_int(struct store *, int64_t dflt, const char *sql, const char *types, ...);

/* SQLite result code to REG_E*, with sqlite's message as the reason. */
int store_error(struct store *, int rc, struct reg_err *err);

/* Column readers: text is copied into the arena; NULL stays NULL. */
char *col_text(struct arena *, sqlite3_stmt *, int col);
int64_t col_int(sqlite3_stmt *, int col);

#endif
