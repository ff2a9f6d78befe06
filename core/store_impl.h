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
	int64_t read_since;		/* store_read_recent: the snapshot's start */
	/* store_reader_tune: the mapping used while the data is quiet */
	int64_t map_quiet;
	bool mapped;
	int64_t version;		/* data version of the last snapshot, or -1 */
	int64_t changed_at;		/* when a snapshot first saw it change */
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

/* Reads every row of a query into a new arena array of `size`-byte
 * elements, calling read() on each row (binding as stmt_exec). Returns the
 * array and sets *n; the array always has a zeroed element after the last,
 * so arrays of pointers are NULL-terminated. *rc is REG_OK (also for no
 * rows) or the error. */
typedef void (*row_reader)(struct arena *, sqlite3_stmt *, void *row);
void *stmt_rows(struct store *, struct arena *, row_reader read, size_t size,
    int *n, int *rc, const char *sql, const char *types, ...);

/* For writes that name their row: rc, or REG_ENOTFOUND with the reason
 * "no <what> <id>" when rc is REG_OK but the statement changed no row. */
int stmt_changed(struct store *, int rc, struct reg_err *err, const char *what,
    int64_t id);

/* SQLite result code to REG_E*, with sqlite's message as the reason. */
int store_error(struct store *, int rc, struct reg_err *err);

/* Column readers: text is copied into the arena; NULL stays NULL. */
char *col_text(struct arena *, sqlite3_stmt *, int col);
int64_t col_int(sqlite3_stmt *, int col);

/* A postalInfo (name, org, 3 streets, city, sp, pc, cc: POSTAL_NCOLS
 * columns from col) into p (store_contact.c). */
#define POSTAL_NCOLS 9
void postal_read(struct arena *, sqlite3_stmt *, int col, struct reg_postal *p);

/* The DS rows of one domain (?1: its id), in order; ds_row_read() reads a
 * row into a struct reg_ds (store_domain.c). */
#define DS_SELECT "SELECT key_tag, alg, digest_type, digest, key_flags, " \
	"key_protocol, key_alg, key_pub FROM domain_ds WHERE domain_id = ? " \
	"ORDER BY key_tag, alg, digest_type, digest"
void ds_row_read(struct arena *, sqlite3_stmt *, void *row);
/* A domain's contacts read with the registrant once: the roles that name
 * it came back with NULL columns (handle NULL) and get its data, or go
 * when the registrant's row is not there (a replica applies changesets
 * without foreign keys); returns how many are left. */
int contacts_fill_registrant(struct reg_view_contact *, int n);

/* Sponsor, creator and updater of a contact, host or domain aliased `t`:
 * select OWNER_COLS(t) (six columns: three ids, then the three registrar
 * handles), add OWNER_JOINS(t) after `FROM <table> t`, and read them with
 * OWNER_READ into any struct with the sponsor/creator/updater fields. */
#define OWNER_COLS(t) t ".sponsor_id, " t ".creator_id, " t ".updater_id, " \
	"o_sp.handle, o_cr.handle, o_up.handle"
#define OWNER_JOINS(t) \
	" JOIN registrar o_sp ON o_sp.id = " t ".sponsor_id" \
	" JOIN registrar o_cr ON o_cr.id = " t ".creator_id" \
	" LEFT JOIN registrar o_up ON o_up.id = " t ".updater_id"
#define OWNER_READ(a, s, col, o) do { \
	(o)->sponsor_id = col_int((s), (col)); \
	(o)->creator_id = col_int((s), (col) + 1); \
	(o)->updater_id = col_int((s), (col) + 2); \
	(o)->sponsor = col_text((a), (s), (col) + 3); \
	(o)->creator = col_text((a), (s), (col) + 4); \
	(o)->updater = col_text((a), (s), (col) + 5); \
} while (0)

/* store_status.c: whether object `id` of `kind` ("domain", "host",
 * "contact") exists, and the removal of what hangs off it by kind and id
 * rather than by foreign key (statuses, authInfo, transfer record); call
 * the latter before deleting the object's row. */
bool store_object_exists(struct store *, const char *kind, int64_t id);
int store_object_purge(struct store *, const char *kind, int64_t id,
    struct reg_err *err);

#endif
