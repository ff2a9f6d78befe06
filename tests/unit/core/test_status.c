/* test_status.c: the status table, the combination rules and the ok rule. */
#include "testutil.h"

#include "arena.h"
#include "status.h"
#include "store.h"

struct fixture {
	struct store_fixture s;
	int64_t domain, host;
};

static void
add_objects(struct fixture *f)
{
	struct reg_registrar r = { .handle = "alpha", .name = "Alpha", .created = 1 };
	struct reg_domain d = { .name = "example.test", .roid = "D1-TEST", .created = 1,
	    .expires = 2 };
	struct reg_host h = { .name = "ns.example.net", .roid = "H1-TEST", .created = 1 };
	struct reg_err err = { 0 };
	int64_t rid;

	assert_int_equal(store_begin(f->s.st), REG_OK);
	assert_int_equal(store_registrar_create(f->s.st, &r, &rid, &err), REG_OK);
	d.sponsor_id = d.creator_id = h.sponsor_id = h.creator_id = rid;
	assert_int_equal(store_domain_create(f->s.st, &d, &f->domain, &err), REG_OK);
	assert_int_equal(store_host_create(f->s.st, &h, &f->host, &err), REG_OK);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	store_fixture_setup(&f->s);
	add_objects(f);		/* leaves the write transaction open */
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

/* The statuses of an object as one sorted, space-separated string. */
static const char *
statuses(struct fixture *f, const char *kind, int64_t id)
{
	struct reg_status_list l;
	char *s = "";

	assert_int_equal(store_status_list(f->s.st, f->s.a, kind, id, &l), REG_OK);
	for (int i = 0; i < l.n; i++)
		s = arena_printf(f->s.a, "%s%s%s", s, i ? " " : "", l.v[i].status);
	return s;
}

static void
test_table(void **state)
{
	char buf[512];

	assert_true(status_server_settable("domain", "serverHold"));
	assert_false(status_client_settable("domain", "serverHold"));
	assert_true(status_client_settable("domain", "clientHold"));
	assert_false(status_server_settable("domain", "clientHold"));
	/* Hosts have no hold or renew statuses; contacts no hold. */
	assert_int_equal(status_flags("host", "serverHold"), 0);
	assert_int_equal(status_flags("host", "clientRenewProhibited"), 0);
	assert_int_equal(status_flags("contact", "clientHold"), 0);
	assert_true(status_client_settable("contact", "clientTransferProhibited"));
	assert_int_equal(status_flags("domain", "linked"), 0);
	assert_true(status_flags("host", "linked") & STATUS_WITH_OK);
	assert_true(status_flags("domain", "pendingDelete") & STATUS_SYSTEM);
	assert_int_equal(status_flags("domain", "ServerHold"), 0);	/* case matters */
	assert_int_equal(status_flags("registrar", "ok"), 0);
	assert_string_equal(status_names("host", STATUS_SERVER, buf, sizeof(buf)),
	    "serverDeleteProhibited, serverUpdateProhibited");
}

static void
test_conflicts(void **state)
{
	struct reg_status v[] = { { .status = "pendingDelete" } };
	struct reg_status_list have = { 1, v };

	assert_string_equal(status_conflict(&have, "serverDeleteProhibited"), "pendingDelete");
	assert_string_equal(status_conflict(&have, "clientDeleteProhibited"), "pendingDelete");
	assert_string_equal(status_conflict(&have, "pendingTransfer"), "pendingDelete");
	assert_null(status_conflict(&have, "serverUpdateProhibited"));
	assert_null(status_conflict(&have, "serverHold"));
	v[0].status = "clientRenewProhibited";
	assert_string_equal(status_conflict(&have, "pendingRenew"), "clientRenewProhibited");
	assert_null(status_conflict(&have, "serverRenewProhibited"));
}

static void
test_ok_rule_domain(void **state)
{
	struct fixture *f = *state;
	struct reg_status hold = { .status = "serverHold", .reason = "court order" };
	struct reg_status upd = { .status = "serverUpdateProhibited" };
	struct reg_err err = { 0 };

	assert_int_equal(status_sync_ok(f->s.st, "domain", f->domain, &err), REG_OK);
	assert_string_equal(statuses(f, "domain", f->domain), "ok");
	assert_int_equal(status_set(f->s.st, "domain", f->domain, &hold, &err), REG_OK);
	assert_string_equal(statuses(f, "domain", f->domain), "serverHold");
	assert_int_equal(status_set(f->s.st, "domain", f->domain, &upd, &err), REG_OK);
	assert_int_equal(status_clear(f->s.st, "domain", f->domain, "serverHold", &err), REG_OK);
	assert_string_equal(statuses(f, "domain", f->domain), "serverUpdateProhibited");
	assert_int_equal(status_clear(f->s.st, "domain", f->domain, "serverUpdateProhibited",
	    &err), REG_OK);
	assert_string_equal(statuses(f, "domain", f->domain), "ok");
}

static void
test_refusals_change_nothing(void **state)
{
	struct fixture *f = *state;
	struct reg_status hold = { .status = "serverHold" };
	struct reg_status pd = { .status = "pendingDelete" };
	struct reg_status del = { .status = "serverDeleteProhibited" };
	struct reg_status ok = { .status = "ok" };
	struct reg_status linked = { .status = "linked" };
	struct reg_err err = { 0 };

	assert_int_equal(status_set(f->s.st, "domain", f->domain, &hold, &err), REG_OK);
	assert_int_equal(status_set(f->s.st, "domain", f->domain, &hold, &err), REG_EEXISTS);
	assert_non_null(strstr(err.reason, "already has status serverHold"));
	assert_int_equal(status_clear(f->s.st, "domain", f->domain, "serverRenewProhibited",
	    &err), REG_ENOTFOUND);
	assert_int_equal(status_set(f->s.st, "domain", f->domain, &ok, &err), REG_EINVAL);
	assert_int_equal(status_clear(f->s.st, "domain", f->domain, "ok", &err), REG_EINVAL);
	assert_int_equal(status_set(f->s.st, "domain", f->domain, &linked, &err), REG_EINVAL);
	assert_int_equal(status_set(f->s.st, "domain", f->domain, &pd, &err), REG_OK);
	assert_int_equal(status_set(f->s.st, "domain", f->domain, &del, &err), REG_ESTATUS);
	assert_string_equal(statuses(f, "domain", f->domain), "pendingDelete serverHold");
}

static void
test_linked_keeps_ok(void **state)
{
	struct fixture *f = *state;
	struct reg_status linked = { .status = "linked" };
	struct reg_status upd = { .status = "clientUpdateProhibited" };
	struct reg_err err = { 0 };

	assert_int_equal(status_sync_ok(f->s.st, "host", f->host, &err), REG_OK);
	assert_int_equal(status_set(f->s.st, "host", f->host, &linked, &err), REG_OK);
	assert_string_equal(statuses(f, "host", f->host), "linked ok");
	assert_int_equal(status_set(f->s.st, "host", f->host, &upd, &err), REG_OK);
	assert_string_equal(statuses(f, "host", f->host), "clientUpdateProhibited linked");
	assert_int_equal(status_clear(f->s.st, "host", f->host, "clientUpdateProhibited", &err),
	    REG_OK);
	assert_string_equal(statuses(f, "host", f->host), "linked ok");
}

static void
test_missing_object(void **state)
{
	struct fixture *f = *state;
	struct reg_status hold = { .status = "serverHold" };
	struct reg_err err = { 0 };

	assert_int_equal(status_set(f->s.st, "domain", 9999, &hold, &err), REG_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test_setup_teardown(test_ok_rule_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linked_keeps_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_object, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
