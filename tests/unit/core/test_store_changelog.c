/* test_store_changelog.c: reading and trimming the changelog, snapshots
 * without secrets, and applying changesets to a replica, refusals
 * included. */
#include "testutil.h"

#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

#include "arena.h"
#include "schema.h"
#include "store.h"

#define SECRET_HASH "$scrypt$N=16384$c2VjcmV0aGFzaA$TOPSECRETHASHVALUE"
#define SECRET_AUTH "AuthInfoSecret-42"
#define NOW 1700000000

struct fixture {
	char *dir, *master_path, *image_path, *replica_path;
	struct store *st;	/* the master */
	struct store *rep;	/* the replica, once installed */
	struct arena *a;
	int64_t rar;		/* a registrar of the master */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct reg_err err = { 0 };

	f->dir = tmpdir_new();
	assert_true(asprintf(&f->master_path, "%s/master.db", f->dir) > 0);
	assert_true(asprintf(&f->image_path, "%s/image.db", f->dir) > 0);
	assert_true(asprintf(&f->replica_path, "%s/replica.db", f->dir) > 0);
	f->st = store_open(f->master_path, STORE_CREATE | STORE_FAST, &err);
	assert_non_null(f->st);
	f->a = arena_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->rep);
	store_close(f->st);
	arena_free(f->a);
	tmpdir_remove(f->dir);
	free(f->master_path);
	free(f->image_path);
	free(f->replica_path);
	free(f);
	return 0;
}

/* --- writes on the master, one changeset each ---------------------------- */

static int64_t
add_registrar(struct fixture *f, const char *handle)
{
	struct reg_registrar r = { .handle = (char *)handle, .name = "Example", .created = 1 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(store_begin(f->st), REG_OK);
	assert_int_equal(store_registrar_create(f->st, &r, &id, &err), REG_OK);
	assert_int_equal(store_registrar_password_set(f->st, id, SECRET_HASH), REG_OK);
	assert_int_equal(store_authinfo_set(f->st, "D1-TEST", SECRET_AUTH), REG_OK);
	assert_int_equal(store_commit(f->st, &err), REG_OK);
	return id;
}

static void
rename_registrar(struct store *st, int64_t id, const char *name)
{
	struct reg_registrar r = { .id = id, .name = (char *)name, .state = "ok",
	    .email = "", .updated = 2 };
	struct reg_err err = { 0 };

	assert_int_equal(store_begin(st), REG_OK);
	assert_int_equal(store_registrar_update(st, &r, &err), REG_OK);
	assert_int_equal(store_commit(st, &err), REG_OK);
}

static void
reserve(struct fixture *f, const char *name, bool add)
{
	struct reg_reserved r = { .name = (char *)name, .kind = "reserved", .reason = "test" };
	struct reg_err err = { 0 };

	assert_int_equal(store_begin(f->st), REG_OK);
	if (add)
		assert_int_equal(store_reserved_add(f->st, &r, &err), REG_OK);
	else
		assert_int_equal(store_reserved_del(f->st, name), REG_OK);
	assert_int_equal(store_commit(f->st, &err), REG_OK);
}

/* --- helpers ---------------------------------------------------------------- */

/* Every public table of the database at path, rows in a fixed order. */
static char *
dump_public(const char *path)
{
	sqlite3 *db;
	char *out = sqlite3_mprintf("");

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (const char *const *t = schema_public_tables(); *t; t++) {
		char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", *t), *order;
		sqlite3_stmt *s;
		int ncol;

		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
		ncol = sqlite3_column_count(s);
		sqlite3_finalize(s);
		order = sqlite3_mprintf("%s ORDER BY 1", sql);
		for (int i = 2; i <= ncol; i++) {
			char *o = sqlite3_mprintf("%s, %d", order, i);
			sqlite3_free(order);
			order = o;
		}
		assert_int_equal(sqlite3_prepare_v2(db, order, -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW)
			for (int i = 0; i < ncol; i++) {
				char *o = sqlite3_mprintf("%s%s|", out, sqlite3_column_text(s, i));
				sqlite3_free(out);
				out = o;
			}
		sqlite3_finalize(s);
		sqlite3_free(order);
		sqlite3_free(sql);
	}
	sqlite3_close(db);
	return out;
}

static void
sql_on(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static bool
file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;
	bool found;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	found = memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

/* The master's file or its WAL holds needle: the secrets are there to
 * leak, so their absence from a snapshot means something. */
static bool
master_holds(struct fixture *f, const char *needle)
{
	char *wal;
	bool found;

	assert_true(asprintf(&wal, "%s-wal", f->master_path) > 0);
	found = file_contains(f->master_path, needle) ||
	    (access(wal, F_OK) == 0 && file_contains(wal, needle));
	free(wal);
	return found;
}

/* Snapshot of the master installed as the replica, opened for applying. */
static void
seed_replica(struct fixture *f, struct reg_replica_state *pos)
{
	struct reg_replica_state got;
	struct reg_err err = { 0 };

	assert_int_equal(store_snapshot_create(f->st, f->image_path, pos, &err), REG_OK);
	assert_int_equal(store_snapshot_install(f->image_path, f->replica_path, &got, &err), REG_OK);
	assert_int_equal(got.seq, pos->seq);
	f->rep = store_open(f->replica_path, STORE_NOLOG | STORE_FAST, &err);
	assert_non_null(f->rep);
	assert_int_equal(store_replica_prepare(f->rep), REG_OK);
}

/* One changeset of the master, by sequence number. */
static struct reg_change *
change_at(struct fixture *f, int64_t seq)
{
	struct reg_change *c;
	int n;

	assert_int_equal(store_changelog_read(f->st, f->a, seq, 1, &c, &n), REG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(c->seq, seq);
	return c;
}

static int
apply_seq(struct fixture *f, int64_t seq, struct reg_err *err)
{
	return store_replica_apply(f->rep, change_at(f, seq), NOW, err);
}

static int64_t
replica_seq(struct fixture *f)
{
	struct reg_replica_state pos;

	assert_int_equal(store_replica_state(f->rep, &pos), REG_OK);
	return pos.seq;
}

/* --- the log ---------------------------------------------------------------- */

static void
test_read_range_in_order_with_digests(void **state)
{
	struct fixture *f = *state;
	struct reg_change *c;
	char hex[STORE_DIGEST_HEX];
	int n;

	add_registrar(f, "alpha");
	add_registrar(f, "beta");
	add_registrar(f, "gamma");
	assert_int_equal(store_changelog_read(f->st, f->a, 2, 10, &c, &n), REG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].seq, 2);
	assert_int_equal(c[1].seq, 3);
	assert_true(c[0].len > 0);
	store_digest(c[1].blob, (size_t)c[1].len, hex);
	assert_string_equal(c[1].sha256, hex);
	assert_int_equal(strlen(hex), STORE_DIGEST_HEX - 1);
	assert_int_equal(store_changelog_read(f->st, f->a, 4, 10, &c, &n), REG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_changelog_first(f->st), 1);
	assert_true(store_changelog_ts(f->st, 3) > 0);
	assert_int_equal(store_changelog_ts(f->st, 9), 0);
}

/* Runs sql on the master's file over a connection of its own. */
static void
master_sql(struct fixture *f, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open_v2(f->master_path, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A changeset whose bytes changed after its commit is marked damaged; one
 * logged before digests were kept (NULL) is taken as it is. */
static void
test_read_marks_damaged_changesets(void **state)
{
	struct fixture *f = *state;
	struct reg_change *c;
	int n;

	add_registrar(f, "alpha");
	add_registrar(f, "beta");
	add_registrar(f, "gamma");
	assert_int_equal(store_changelog_read(f->st, f->a, 1, 10, &c, &n), REG_OK);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		assert_false(c[i].damaged);
	master_sql(f, "UPDATE changelog SET changeset = changeset || x'00' WHERE seq = 2;"
	    "UPDATE changelog SET sha256 = NULL WHERE seq = 3");
	assert_int_equal(store_changelog_read(f->st, f->a, 1, 10, &c, &n), REG_OK);
	assert_int_equal(n, 3);
	assert_false(c[0].damaged);
	assert_true(c[1].damaged);
	assert_false(c[2].damaged);
}

static void
test_trim_by_age_keeps_newest(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	int64_t deleted;

	add_registrar(f, "alpha");
	add_registrar(f, "beta");
	add_registrar(f, "gamma");
	assert_int_equal(store_changelog_trim(f->st, INT64_MAX, 0, &deleted, &err), REG_EINVAL);
	assert_int_equal(store_begin(f->st), REG_OK);
	assert_int_equal(store_changelog_trim(f->st, 0, 0, &deleted, &err), REG_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(store_changelog_trim(f->st, INT64_MAX, 0, &deleted, &err), REG_OK);
	assert_int_equal(store_commit(f->st, &err), REG_OK);
	assert_int_equal(deleted, 2);
	assert_int_equal(store_changelog_first(f->st), 3);
	/* Numbers go on from the newest; they never restart. */
	add_registrar(f, "delta");
	assert_int_equal(store_changelog_last(f->st), 4);
}

static void
test_trim_by_size(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct reg_change *c;
	int64_t deleted;
	int n;

	add_registrar(f, "alpha");
	add_registrar(f, "beta");
	add_registrar(f, "gamma");
	add_registrar(f, "delta");
	assert_int_equal(store_changelog_read(f->st, f->a, 1, 10, &c, &n), REG_OK);
	assert_int_equal(n, 4);
	assert_int_equal(store_begin(f->st), REG_OK);
	/* Room for the newest two changesets exactly. */
	assert_int_equal(store_changelog_trim(f->st, 0, c[2].len + c[3].len, &deleted, &err), REG_OK);
	assert_int_equal(deleted, 2);
	assert_int_equal(store_changelog_first(f->st), 3);
	/* A cap below one changeset still keeps the newest. */
	assert_int_equal(store_changelog_trim(f->st, 0, 1, &deleted, &err), REG_OK);
	assert_int_equal(store_commit(f->st, &err), REG_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(store_changelog_first(f->st), 4);
	assert_int_equal(store_changelog_last(f->st), 4);
}

/* --- snapshots ---------------------------------------------------------- */

static void
test_snapshot_holds_no_secrets(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_registrar r;
	char *hash, *master, *replica;

	f->rar = add_registrar(f, "alpha");
	reserve(f, "nic.test", true);
	assert_true(master_holds(f, "TOPSECRETHASHVALUE"));
	assert_true(master_holds(f, SECRET_AUTH));
	seed_replica(f, &pos);
	assert_int_equal(pos.seq, 2);
	assert_int_equal(strlen(pos.sha256), STORE_DIGEST_HEX - 1);
	assert_false(file_contains(f->image_path, "TOPSECRETHASHVALUE"));
	assert_false(file_contains(f->image_path, SECRET_AUTH));
	assert_false(file_contains(f->replica_path, "TOPSECRETHASHVALUE"));
	assert_false(file_contains(f->replica_path, SECRET_AUTH));
	assert_int_equal(store_registrar_get(f->rep, f->a, "alpha", &r), REG_OK);
	assert_int_equal(store_registrar_password_get(f->rep, f->a, r.id, &hash), REG_ENOTFOUND);
	assert_int_equal(store_changelog_last(f->rep), 0);
	assert_int_equal(replica_seq(f), 2);
	master = dump_public(f->master_path);
	replica = dump_public(f->replica_path);
	assert_string_equal(master, replica);
	sqlite3_free(master);
	sqlite3_free(replica);
}

static void
test_snapshot_of_empty_log(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;

	seed_replica(f, &pos);
	assert_int_equal(pos.seq, 0);
	assert_string_equal(pos.sha256, "");
	assert_int_equal(replica_seq(f), 0);
	add_registrar(f, "alpha");
	assert_int_equal(apply_seq(f, 1, NULL), REG_OK);
	assert_int_equal(replica_seq(f), 1);
}

static void
test_install_refuses_private_rows(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_err err = { 0 };

	add_registrar(f, "alpha");
	assert_int_equal(store_snapshot_create(f->st, f->image_path, &pos, &err), REG_OK);
	sql_on(f->image_path, "INSERT INTO authinfo VALUES ('D9-TEST', 'leaked')");
	assert_int_equal(store_snapshot_install(f->image_path, f->replica_path, &pos, &err),
	    REG_EINVAL);
	assert_non_null(strstr(err.reason, "private table authinfo"));
	assert_int_equal(access(f->replica_path, F_OK), -1);
}

static void
test_install_refuses_other_schema(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_err err = { 0 };

	add_registrar(f, "alpha");
	assert_int_equal(store_snapshot_create(f->st, f->image_path, &pos, &err), REG_OK);
	sql_on(f->image_path, "PRAGMA user_version = 99");
	assert_int_equal(store_snapshot_install(f->image_path, f->replica_path, &pos, &err),
	    REG_ESCHEMA);
	assert_non_null(strstr(err.reason, "schema version 99"));
}

static void
test_install_refuses_missing_position(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_err err = { 0 };

	add_registrar(f, "alpha");
	assert_int_equal(store_snapshot_create(f->st, f->image_path, &pos, &err), REG_OK);
	sql_on(f->image_path, "DELETE FROM meta");
	assert_int_equal(store_snapshot_install(f->image_path, f->replica_path, &pos, &err),
	    REG_EINVAL);
	assert_non_null(strstr(err.reason, "no replica position"));
}

/* --- applying ------------------------------------------------------------- */

static void
test_apply_follows_master(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	char *master, *replica;
	int64_t beta;

	f->rar = add_registrar(f, "alpha");
	seed_replica(f, &pos);
	beta = add_registrar(f, "beta");
	rename_registrar(f->st, beta, "Beta renamed");
	reserve(f, "nic.test", true);
	reserve(f, "www.test", true);
	reserve(f, "nic.test", false);
	for (int64_t seq = pos.seq + 1; seq <= store_changelog_last(f->st); seq++)
		assert_int_equal(apply_seq(f, seq, NULL), REG_OK);
	assert_int_equal(replica_seq(f), store_changelog_last(f->st));
	master = dump_public(f->master_path);
	replica = dump_public(f->replica_path);
	assert_string_equal(master, replica);
	sqlite3_free(master);
	sqlite3_free(replica);
	/* The same changeset again is a gap backwards. */
	assert_int_equal(apply_seq(f, store_changelog_last(f->st), NULL), REG_EINVAL);
}

static void
test_apply_refuses_gap(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_err err = { 0 };

	add_registrar(f, "alpha");
	seed_replica(f, &pos);
	add_registrar(f, "beta");
	add_registrar(f, "gamma");
	assert_int_equal(apply_seq(f, pos.seq + 2, &err), REG_EINVAL);
	assert_non_null(strstr(err.reason, "sequence gap"));
	assert_int_equal(replica_seq(f), pos.seq);
}

/* A copy of changeset seq with the byte at `at` (or the first byte of
 * `find` in it) changed. */
static struct reg_change *
tampered(struct fixture *f, int64_t seq, const char *find, size_t at)
{
	struct reg_change *c = change_at(f, seq), *t = arena_alloc(f->a, sizeof(*t));
	unsigned char *b = arena_alloc(f->a, (size_t)c->len);
	unsigned char *hit;

	memcpy(b, c->blob, (size_t)c->len);
	*t = *c;
	if (find != NULL) {
		hit = memmem(b, (size_t)c->len, find, strlen(find));
		assert_non_null(hit);
		at = (size_t)(hit - b);
	}
	b[at] ^= 0x01;
	t->blob = b;
	store_digest(b, (size_t)t->len, t->sha256);
	return t;
}

static void
test_apply_refuses_malformed(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_err err = { 0 };
	char *before, *after;

	add_registrar(f, "alpha");
	seed_replica(f, &pos);
	add_registrar(f, "beta");
	before = dump_public(f->replica_path);
	assert_int_equal(store_replica_apply(f->rep, tampered(f, 2, NULL, 0), NOW, &err),
	    REG_ESYNTAX);
	assert_non_null(strstr(err.reason, "malformed"));
	assert_int_equal(store_replica_apply(f->rep, tampered(f, 2, "registrar", 0), NOW, &err),
	    REG_ESYNTAX);
	assert_non_null(strstr(err.reason, "not replicated"));
	after = dump_public(f->replica_path);
	assert_string_equal(before, after);
	assert_int_equal(replica_seq(f), pos.seq);
	assert_int_equal(apply_seq(f, 2, NULL), REG_OK);
	sqlite3_free(before);
	sqlite3_free(after);
}

static void
test_apply_refuses_conflict(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_err err = { 0 };
	struct store *w;
	struct reg_registrar r;

	f->rar = add_registrar(f, "alpha");
	seed_replica(f, &pos);
	/* The replica drifts from the master behind the agent's back. */
	w = store_open(f->replica_path, 0, &err);
	assert_non_null(w);
	rename_registrar(w, f->rar, "Drifted");
	store_close(w);
	rename_registrar(f->st, f->rar, "Renamed");
	assert_int_equal(apply_seq(f, pos.seq + 1, &err), REG_ECONSTRAINT);
	assert_non_null(strstr(err.reason, "conflicts with the replica in table registrar"));
	assert_int_equal(replica_seq(f), pos.seq);
	assert_int_equal(store_registrar_get(f->rep, f->a, "alpha", &r), REG_OK);
	assert_string_equal(r.name, "Drifted");
}

static void
test_apply_needs_nolog_store(void **state)
{
	struct fixture *f = *state;
	struct reg_replica_state pos;
	struct reg_err err = { 0 };
	struct store *w;

	add_registrar(f, "alpha");
	seed_replica(f, &pos);
	add_registrar(f, "beta");
	w = store_open(f->replica_path, 0, &err);
	assert_non_null(w);
	assert_int_equal(store_replica_prepare(w), REG_EINVAL);
	assert_int_equal(store_replica_apply(w, change_at(f, 2), NOW, &err), REG_EINVAL);
	store_close(w);
	assert_int_equal(replica_seq(f), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_range_in_order_with_digests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_marks_damaged_changesets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trim_by_age_keeps_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trim_by_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_holds_no_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_of_empty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_refuses_private_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_refuses_other_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_refuses_missing_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_follows_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_refuses_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_refuses_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_refuses_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_needs_nolog_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
