/* test_store.c: opening, migrations, transactions and the changelog. */
#include "testutil.h"

#include "arena.h"
#include "schema.h"
#include "store.h"

struct fixture {
	struct store_fixture s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	store_fixture_setup(&f->s);
	store_set_roid_suffix(f->s.st, "TEST");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_fixture_teardown(&f->s);
	free(f);
	return 0;
}

static int64_t
add_registrar(struct store *st, const char *handle)
{
	struct reg_registrar r = { .handle = (char *)handle, .name = "Example", .created = 1 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(store_begin(st), REG_OK);
	assert_int_equal(store_registrar_create(st, &r, &id, &err), REG_OK);
	assert_int_equal(store_commit(st, &err), REG_OK);
	return id;
}

static void
test_migrated_to_current(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_schema_version(f->s.st), schema_version());
}

static void
test_open_refuses_missing_file(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	char *path;

	assert_true(asprintf(&path, "%s/absent.db", f->s.dir) > 0);
	assert_null(store_open(path, 0, &err));
	assert_int_equal(err.code, REG_EDB);
	free(path);
}

static void
test_open_refuses_newer_schema(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	char cmd[512];

	store_close(f->s.st);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'PRAGMA user_version = 999'", f->s.path);
	assert_int_equal(system(cmd), 0);
	f->s.st = store_open(f->s.path, STORE_CREATE, &err);
	assert_null(f->s.st);
	assert_int_equal(err.code, REG_ESCHEMA);
	f->s.st = store_open(f->s.path, STORE_RDONLY, &err);
	assert_null(f->s.st);
	/* Leave a usable store for teardown. */
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'PRAGMA user_version = %d'", f->s.path, schema_version());
	assert_int_equal(system(cmd), 0);
	f->s.st = store_open(f->s.path, 0, &err);
	assert_non_null(f->s.st);
}

static void
test_commit_logs_changeset(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_changelog_last(f->s.st), 0);
	add_registrar(f->s.st, "alpha");
	assert_int_equal(store_changelog_last(f->s.st), 1);
	add_registrar(f->s.st, "beta");
	assert_int_equal(store_changelog_last(f->s.st), 2);
}

static void
test_rollback_leaves_no_changeset(void **state)
{
	struct fixture *f = *state;
	struct reg_registrar r = { .handle = "gamma", .name = "G", .created = 1 };
	struct reg_registrar got;
	struct reg_err err = { 0 };
	int64_t id;

	assert_int_equal(store_begin(f->s.st), REG_OK);
	assert_int_equal(store_registrar_create(f->s.st, &r, &id, &err), REG_OK);
	store_rollback(f->s.st);
	assert_int_equal(store_changelog_last(f->s.st), 0);
	assert_int_equal(store_registrar_get(f->s.st, f->s.a, "gamma", &got), REG_ENOTFOUND);
}

static void
test_private_tables_stay_out_of_log(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	int64_t id = add_registrar(f->s.st, "delta");
	int64_t before = store_changelog_last(f->s.st);

	assert_int_equal(store_begin(f->s.st), REG_OK);
	assert_int_equal(store_registrar_password_set(f->s.st, id, "$hash"), REG_OK);
	assert_int_equal(store_authinfo_set(f->s.st, "D1-TEST", "secret"), REG_OK);
	assert_int_equal(store_commit(f->s.st, &err), REG_OK);
	/* Only private tables changed: no changeset. */
	assert_int_equal(store_changelog_last(f->s.st), before);
}

/* A group commit: the failed command's savepoint leaves no trace, the
 * others commit, and the batch is one changeset. */
static void
test_savepoint_rollback_in_group(void **state)
{
	struct fixture *f = *state;
	struct reg_registrar r1 = { .handle = "one", .name = "1", .created = 1 };
	struct reg_registrar r2 = { .handle = "two", .name = "2", .created = 1 };
	struct reg_registrar got;
	struct reg_err err = { 0 };
	int64_t id;

	assert_int_equal(store_begin(f->s.st), REG_OK);
	assert_int_equal(store_savepoint(f->s.st), REG_OK);
	assert_int_equal(store_registrar_create(f->s.st, &r1, &id, &err), REG_OK);
	assert_int_equal(store_savepoint_release(f->s.st), REG_OK);
	assert_int_equal(store_savepoint(f->s.st), REG_OK);
	assert_int_equal(store_registrar_create(f->s.st, &r2, &id, &err), REG_OK);
	store_savepoint_rollback(f->s.st);
	assert_int_equal(store_commit(f->s.st, &err), REG_OK);
	assert_int_equal(store_registrar_get(f->s.st, f->s.a, "one", &got), REG_OK);
	assert_int_equal(store_registrar_get(f->s.st, f->s.a, "two", &got), REG_ENOTFOUND);
	assert_int_equal(store_changelog_last(f->s.st), 1);
}

static void
test_roid_unique_and_suffixed(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	char *r1, *r2;

	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'D', &r1), REG_EINVAL);
	assert_int_equal(store_begin(f->s.st), REG_OK);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'D', &r1), REG_OK);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'H', &r2), REG_OK);
	assert_int_equal(store_commit(f->s.st, &err), REG_OK);
	assert_string_equal(r1, "D1-TEST");
	assert_string_equal(r2, "H2-TEST");
}

static void
test_readonly_refuses_writes(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct store *ro = store_open(f->s.path, STORE_RDONLY, &err);

	assert_non_null(ro);
	assert_int_not_equal(store_begin(ro), REG_OK);
	assert_int_equal(store_read_begin(ro), REG_OK);
	store_read_end(ro);
	store_close(ro);
}

/* The WAL starts over only when no reader holds an older snapshot, and a
 * reader in the way costs at most the wait asked for. */
static void
test_wal_restart_waits_for_readers(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct store *reader;
	char handle[16];
	int before = 0, after = 0;

	for (int i = 0; i < 20; i++) {
		snprintf(handle, sizeof(handle), "w%02d", i);
		add_registrar(f->s.st, handle);
	}
	assert_non_null(reader = store_open(f->s.path, STORE_RDONLY, &err));
	assert_int_equal(store_read_begin(reader), REG_OK);
	assert_int_equal(store_changelog_last(reader), 20);
	add_registrar(f->s.st, "late");
	assert_false(store_wal_restart(f->s.st, 20));
	assert_int_equal(store_changelog_last(reader), 20);	/* its snapshot holds */
	store_read_end(reader);

	assert_int_equal(store_checkpoint(f->s.st, &before), REG_OK);
	assert_true(before > 0);
	assert_true(store_wal_restart(f->s.st, 20));
	add_registrar(f->s.st, "first");
	assert_int_equal(store_checkpoint(f->s.st, &after), REG_OK);
	assert_true(after > 0 && after < before);	/* written from its start again */
	assert_int_equal(store_read_begin(reader), REG_OK);
	assert_int_equal(store_changelog_last(reader), 22);
	store_read_end(reader);
	store_close(reader);
}

/* A reused snapshot answers from its start until it is max_age old, then
 * gives way to a new one; store_read_stale ends an old one and tells how
 * long a young one has left. */
static void
test_read_recent_reuses_until_stale(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct store *reader;

	add_registrar(f->s.st, "rec1");
	assert_non_null(reader = store_open(f->s.path, STORE_RDONLY, &err));
	assert_int_equal(store_read_stale(reader, 0, 100), -1);	/* none open */
	assert_int_equal(store_read_recent(reader, 1000, 100), REG_OK);
	assert_int_equal(store_changelog_last(reader), 1);
	add_registrar(f->s.st, "rec2");
	assert_int_equal(store_read_recent(reader, 1099, 100), REG_OK);
	assert_int_equal(store_changelog_last(reader), 1);	/* the same snapshot */
	assert_int_equal(store_read_stale(reader, 1060, 100), 40);
	assert_int_equal(store_read_recent(reader, 1100, 100), REG_OK);
	assert_int_equal(store_changelog_last(reader), 2);	/* a new one */

	add_registrar(f->s.st, "rec3");
	assert_int_equal(store_read_stale(reader, 1200, 100), -1);	/* ended */
	assert_false(store_in_transaction(reader));
	assert_true(store_wal_restart(f->s.st, 20));	/* nothing holds the WAL */
	assert_int_equal(store_read_recent(reader, 1300, 100), REG_OK);
	assert_int_equal(store_changelog_last(reader), 3);
	store_read_end(reader);
	store_close(reader);
}

/* A snapshot's data version names its data: the same while nothing is
 * committed, another after a commit by another connection, and stable
 * inside a snapshot whatever is committed meanwhile. */
static void
test_data_version_names_the_data(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct store *reader;
	int64_t v1, v2;

	add_registrar(f->s.st, "ver1");
	assert_non_null(reader = store_open(f->s.path, STORE_RDONLY, &err));
	assert_int_equal(store_read_begin(reader), REG_OK);
	assert_true((v1 = store_data_version(reader)) >= 0);
	add_registrar(f->s.st, "ver2");
	assert_int_equal(store_data_version(reader), v1);	/* inside: stable */
	store_read_end(reader);
	assert_int_equal(store_read_begin(reader), REG_OK);
	assert_true((v2 = store_data_version(reader)) != v1);	/* the commit */
	store_read_end(reader);
	assert_int_equal(store_read_begin(reader), REG_OK);
	assert_int_equal(store_data_version(reader), v2);	/* nothing since */
	store_read_end(reader);
	store_close(reader);
}

/* A reader maps the file while the data is quiet, and reads pages after
 * a change until STORE_QUIET_US pass without one. */
static void
test_reader_maps_while_quiet(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct store *reader;
	int64_t t = 1000000;

	add_registrar(f->s.st, "map1");
	assert_non_null(reader = store_open(f->s.path, STORE_RDONLY, &err));
	assert_int_equal(store_reader_tune(reader, 1 << 20, 1024), REG_OK);
	assert_true(store_reader_mapped(reader));
	assert_int_equal(store_read_recent(reader, t, 100), REG_OK);
	assert_int_equal(store_read_recent(reader, t += 200, 100), REG_OK);
	assert_true(store_reader_mapped(reader));	/* nothing changed */

	add_registrar(f->s.st, "map2");
	assert_int_equal(store_read_recent(reader, t += 200, 100), REG_OK);
	assert_int_equal(store_changelog_last(reader), 2);	/* saw the change */
	assert_int_equal(store_read_recent(reader, t += 200, 100), REG_OK);
	assert_false(store_reader_mapped(reader));
	assert_int_equal(store_changelog_last(reader), 2);
	assert_int_equal(store_read_recent(reader, t += STORE_QUIET_US - 400, 100), REG_OK);
	assert_false(store_reader_mapped(reader));	/* not quite quiet */
	assert_int_equal(store_read_recent(reader, t += 400, 100), REG_OK);
	assert_true(store_reader_mapped(reader));
	assert_int_equal(store_changelog_last(reader), 2);
	store_read_end(reader);
	store_close(reader);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrated_to_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_logs_changeset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_no_changeset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_tables_stay_out_of_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roid_unique_and_suffixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savepoint_rollback_in_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_refuses_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_restart_waits_for_readers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_recent_reuses_until_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_version_names_the_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_maps_while_quiet, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
