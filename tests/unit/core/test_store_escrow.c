/* test_store_escrow.c: what a deposit reads (cursors, counts, changes
 * marked from the changelog, deleted objects) and what a restore writes
 * (bulk load, incremental rewrites and deletes, superordinate hosts, the
 * next ROID, refusals of dangling references). */
#include "testutil.h"

#include "arena.h"
#include "store.h"

#define NOW 1700000000LL
#define DAY 86400

struct fixture {
	char *dir, *path, *new_path;
	struct store *st;	/* the registry */
	struct store *nw;	/* a database being restored */
	struct arena *a;
	int64_t rar, holder, ns1, ns2;
};

static void
begin(struct store *st)
{
	assert_int_equal(store_begin(st), REG_OK);
}

static void
commit(struct store *st)
{
	struct reg_err err = { 0 };

	assert_int_equal(store_commit(st, &err), REG_OK);
}

static int64_t
contact_add(struct fixture *f, const char *handle, const char *roid)
{
	struct reg_contact c = {
		.handle = (char *)handle, .roid = (char *)roid, .sponsor_id = f->rar,
		.creator_id = f->rar, .email = "a@example.net", .created = NOW,
		.intl = { .name = "Holder", .addr = { .city = "Oslo", .cc = "NO" } },
	};
	struct reg_err err = { 0 };
	int64_t id = 0;

	begin(f->st);
	assert_int_equal(store_contact_create(f->st, &c, &id, &err), REG_OK);
	commit(f->st);
	return id;
}

static int64_t
host_add(struct fixture *f, const char *name, const char *roid)
{
	struct reg_host h = {
		.name = (char *)name, .roid = (char *)roid, .sponsor_id = f->rar,
		.creator_id = f->rar, .created = NOW,
	};
	struct reg_err err = { 0 };
	int64_t id = 0;

	begin(f->st);
	assert_int_equal(store_host_create(f->st, &h, &id, &err), REG_OK);
	commit(f->st);
	return id;
}

/* example.test: two name servers (in reverse name order), two contacts,
 * a DS record, a status, a running and an ended grace period. */
static int64_t
domain_add(struct fixture *f, const char *name, const char *roid)
{
	struct reg_domain_contact dc[] = {
		{ .type = "tech", .contact_id = f->holder }, { .type = "admin", .contact_id = f->holder },
	};
	int64_t ns[] = { f->ns2, f->ns1 };
	struct reg_ds ds = { .key_tag = 7, .alg = 13, .digest_type = 2, .digest = "ABCD" };
	struct reg_domain d = {
		.name = (char *)name, .roid = (char *)roid, .sponsor_id = f->rar,
		.creator_id = f->rar, .registrant_id = f->holder, .ncontact = 2, .contact = dc,
		.nns = 2, .ns_id = ns, .nds = 1, .ds = &ds, .created = NOW,
		.expires = NOW + 365 * DAY,
	};
	struct reg_status hold = { .status = "clientHold" };
	struct reg_grace run = { .period = "addPeriod", .registrar_id = f->rar,
	    .ends = NOW + DAY, .amount = 100, .years = 1 };
	struct reg_grace over = { .period = "renewPeriod", .registrar_id = f->rar,
	    .ends = NOW - DAY, .amount = 100, .years = 1 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	begin(f->st);
	assert_int_equal(store_domain_create(f->st, &d, &id, &err), REG_OK);
	assert_int_equal(store_status_add(f->st, "domain", id, &hold), REG_OK);
	assert_int_equal(store_grace_add(f->st, id, &run), REG_OK);
	assert_int_equal(store_grace_add(f->st, id, &over), REG_OK);
	commit(f->st);
	return id;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct reg_registrar r = { .handle = "rar1", .name = "Registrar", .created = NOW };
	struct reg_err err = { 0 };

	f->dir = tmpdir_new();
	assert_true(asprintf(&f->path, "%s/master.db", f->dir) > 0);
	assert_true(asprintf(&f->new_path, "%s/new.db", f->dir) > 0);
	f->st = store_open(f->path, STORE_CREATE | STORE_FAST, &err);
	assert_non_null(f->st);
	f->a = arena_new();
	begin(f->st);
	assert_int_equal(store_registrar_create(f->st, &r, &f->rar, &err), REG_OK);
	commit(f->st);
	f->holder = contact_add(f, "holder1", "C1-TEST");
	f->ns1 = host_add(f, "ns1.example.net", "H2-TEST");
	f->ns2 = host_add(f, "ns2.example.net", "H3-TEST");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->nw);
	store_close(f->st);
	arena_free(f->a);
	tmpdir_remove(f->dir);
	free(f->path);
	free(f->new_path);
	free(f);
	return 0;
}

/* --- reading -------------------------------------------------------------- */

static void
test_domain_cursor_matches_getter(void **state)
{
	struct fixture *f = *state;
	int64_t id = domain_add(f, "example.test", "D4-TEST");
	struct escrow_cursor *c;
	struct escrow_domain o;
	struct reg_domain g;
	struct reg_err err = { 0 };

	domain_add(f, "second.test", "D5-TEST");
	assert_int_equal(store_read_begin(f->st), REG_OK);
	assert_int_equal(store_escrow_count(f->st, ESCROW_DOMAIN, false), 2);
	assert_int_equal(store_escrow_open(f->st, ESCROW_DOMAIN, false, NOW, &c, &err), REG_OK);
	assert_int_equal(store_escrow_next_domain(c, f->a, &o), REG_OK);
	assert_int_equal(store_domain_get_by_id(f->st, f->a, id, &g), REG_OK);
	assert_string_equal(o.d.name, "example.test");
	assert_string_equal(o.d.registrant, "holder1");
	assert_int_equal(o.d.nns, g.nns);
	assert_string_equal(o.d.ns[0], "ns1.example.net");	/* sorted by name */
	assert_string_equal(o.d.ns[1], g.ns[1]);
	assert_int_equal(o.d.ncontact, 2);
	assert_string_equal(o.d.contact[0].type, "admin");
	assert_int_equal(o.d.nds, 1);
	assert_string_equal(o.d.ds[0].digest, "ABCD");
	assert_int_equal(o.d.statuses.n, 1);
	assert_string_equal(o.d.statuses.v[0].status, "clientHold");
	assert_int_equal(o.ngrace, 1);				/* the ended one is not */
	assert_string_equal(o.grace[0].period, "addPeriod");
	assert_null(o.tr.state);
	assert_int_equal(store_escrow_next_domain(c, f->a, &o), REG_OK);
	assert_string_equal(o.d.name, "second.test");
	assert_int_equal(store_escrow_next_domain(c, f->a, &o), REG_ENOTFOUND);
	/* A cursor of one kind refuses another's next. */
	assert_int_equal(store_escrow_next_host(c, f->a, &(struct reg_host){ 0 }), REG_EINVAL);
	store_escrow_close(c);
	store_read_end(f->st);
}

static int
collect(void *arg, const char *key)
{
	char *keys = arg;

	strcat(keys, key);
	strcat(keys, " ");
	return REG_OK;
}

static void
test_marks_changes_and_deletes(void **state)
{
	struct fixture *f = *state;
	int64_t id = domain_add(f, "example.test", "D4-TEST");
	int64_t gone = domain_add(f, "gone.test", "D5-TEST");
	int64_t since = store_changelog_last(f->st);
	struct reg_reserved rs = { .name = "kept.test", .kind = "reserved" };
	struct reg_status st = { .status = "clientUpdateProhibited" };
	struct reg_err err = { 0 };
	char keys[256] = "";

	begin(f->st);
	assert_int_equal(store_status_add(f->st, "domain", id, &st), REG_OK);
	assert_int_equal(store_domain_delete(f->st, gone, &err), REG_OK);
	assert_int_equal(store_host_delete(f->st, f->ns2, &err), REG_EINUSE);
	assert_int_equal(store_reserved_add(f->st, &rs, &err), REG_OK);
	commit(f->st);
	assert_int_equal(store_read_begin(f->st), REG_OK);
	assert_int_equal(store_escrow_mark(f->st, since, &err), REG_OK);
	assert_int_equal(store_escrow_count(f->st, ESCROW_DOMAIN, true), 1);
	assert_int_equal(store_escrow_count(f->st, ESCROW_HOST, true), 0);
	assert_int_equal(store_escrow_count(f->st, ESCROW_NNDN, true), 1);
	assert_int_equal(store_escrow_gone(f->st, ESCROW_DOMAIN, collect, keys), REG_OK);
	assert_string_equal(keys, "gone.test ");
	keys[0] = '\0';
	assert_int_equal(store_escrow_gone(f->st, ESCROW_NNDN, collect, keys), REG_OK);
	assert_string_equal(keys, "");
	store_read_end(f->st);
}

static void
test_mark_needs_the_whole_log(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	int64_t last = store_changelog_last(f->st), deleted = 0;

	domain_add(f, "example.test", "D4-TEST");
	begin(f->st);
	assert_int_equal(store_changelog_trim(f->st, NOW * 2, 0, &deleted, &err), REG_OK);
	commit(f->st);
	assert_int_equal(store_read_begin(f->st), REG_OK);
	assert_int_equal(store_escrow_mark(f->st, last - 2, &err), REG_ENOTFOUND);
	assert_non_null(strstr(err.reason, "no longer holds"));
	assert_int_equal(store_escrow_mark(f->st, last + 100, &err), REG_ENOTFOUND);
	store_read_end(f->st);
}

/* --- writing ---------------------------------------------------------------- */

static void
new_db(struct fixture *f)
{
	struct reg_err err = { 0 };
	struct reg_registrar r = { .handle = "rar1", .name = "Registrar", .created = NOW };

	f->nw = store_open(f->new_path, STORE_CREATE | STORE_FAST | STORE_NOLOG, &err);
	assert_non_null(f->nw);
	assert_int_equal(store_escrow_restore_begin(f->nw, &err), REG_OK);
	assert_int_equal(store_escrow_put_registrar(f->nw, &r, false, &err), REG_OK);
}

/* holder1 and ns1.example.test (in-zone, with glue) in the new database. */
static void
put_refs(struct fixture *f)
{
	struct escrow_contact c = { .c = { .handle = "holder1", .roid = "C1-TEST",
	    .email = "a@example.net", .created = NOW,
	    .intl = { .name = "Holder", .addr = { .city = "Oslo", .cc = "NO" } } } };
	struct reg_host_addr glue = { .addr = "192.0.2.1", .family = 4 };
	struct reg_host h = { .name = "ns1.example.test", .roid = "H9-TEST", .created = NOW,
	    .naddr = 1, .addr = &glue };
	struct reg_err err = { 0 };
	int64_t rar = store_escrow_registrar_id(f->nw, "rar1");

	assert_true(rar > 0);
	assert_int_equal(store_escrow_registrar_id(f->nw, "nobody"), -1);
	c.c.sponsor_id = c.c.creator_id = h.sponsor_id = h.creator_id = rar;
	assert_int_equal(store_escrow_put_contact(f->nw, &c, false, &err), REG_OK);
	assert_int_equal(store_escrow_put_host(f->nw, &h, false, &err), REG_OK);
}

/* example.test naming them. */
static void
domain_of(struct fixture *f, struct escrow_domain *o)
{
	static struct reg_domain_contact dc = { .type = "admin", .handle = "holder1" };
	static char *ns[] = { "ns1.example.test", NULL };
	int64_t rar = store_escrow_registrar_id(f->nw, "rar1");

	memset(o, 0, sizeof(*o));
	o->d = (struct reg_domain){ .name = "example.test", .roid = "D12-TEST",
	    .sponsor_id = rar, .creator_id = rar, .registrant = "holder1", .ncontact = 1,
	    .contact = &dc, .nns = 1, .ns = ns, .created = NOW, .expires = NOW + DAY };
}

static void
put_basics(struct fixture *f, struct escrow_domain *o)
{
	put_refs(f);
	domain_of(f, o);
}

static void
test_restore_bulk_then_incremental(void **state)
{
	struct fixture *f = *state;
	struct escrow_domain o;
	struct reg_domain d;
	struct reg_host h;
	struct reg_err err = { 0 };
	int64_t id;

	new_db(f);
	put_basics(f, &o);
	assert_int_equal(store_escrow_put_domain(f->nw, &o, false, &err), REG_OK);
	assert_int_equal(store_escrow_put_domain(f->nw, &o, false, &err), REG_EEXISTS);
	assert_int_equal(store_escrow_restore_incremental(f->nw, &err), REG_OK);
	id = store_escrow_registrar_id(f->nw, "rar1");
	o.d.expires = NOW + 2 * DAY;
	o.d.ncontact = 0;
	assert_int_equal(store_escrow_put_domain(f->nw, &o, true, &err), REG_OK);
	assert_int_equal(store_escrow_restore_end(f->nw, &err), REG_OK);
	assert_int_equal(store_domain_get(f->nw, f->a, "example.test", &d), REG_OK);
	assert_int_equal(d.expires, NOW + 2 * DAY);
	assert_int_equal(d.ncontact, 0);
	assert_string_equal(d.roid, "D12-TEST");
	assert_int_equal(d.sponsor_id, id);
	assert_int_equal(store_host_get(f->nw, f->a, "ns1.example.test", &h), REG_OK);
	assert_int_equal(h.domain_id, d.id);			/* its superordinate domain */
	assert_int_equal(h.naddr, 1);
	begin(f->nw);
	assert_int_equal(store_roid_new(f->nw, f->a, 'D', &d.roid), REG_OK);
	store_rollback(f->nw);
	assert_string_equal(d.roid, "D13-REG");			/* above every restored one */
}

static void
test_restore_refuses_unknown_references(void **state)
{
	struct fixture *f = *state;
	struct escrow_domain o;
	static char *missing[] = { "ns9.example.net", NULL };
	struct reg_err err = { 0 };

	new_db(f);
	put_basics(f, &o);
	o.d.ns = missing;
	assert_int_equal(store_escrow_put_domain(f->nw, &o, false, &err), REG_ENOTFOUND);
	assert_non_null(strstr(err.reason, "ns9.example.net"));
	domain_of(f, &o);
	o.d.registrant = "nobody";
	o.d.name = "other.test";
	o.d.roid = "D13-TEST";
	assert_int_equal(store_escrow_put_domain(f->nw, &o, false, &err), REG_OK);
	assert_int_equal(store_escrow_restore_end(f->nw, &err), REG_ENOTFOUND);
	assert_non_null(strstr(err.reason, "other.test"));
}

/* A new database holding the basics and example.test, restored in full,
 * now taking an incremental deposit. */
static void
full_then_incremental(struct fixture *f, struct escrow_domain *o)
{
	struct reg_err err = { 0 };

	new_db(f);
	put_basics(f, o);
	assert_int_equal(store_escrow_put_domain(f->nw, o, false, &err), REG_OK);
	assert_int_equal(store_escrow_restore_incremental(f->nw, &err), REG_OK);
}

static void
test_incremental_delete_must_leave_no_dangling(void **state)
{
	struct fixture *f = *state;
	struct escrow_domain o;
	struct reg_err err = { 0 };

	full_then_incremental(f, &o);
	/* The domain still names the contact: refused at the end. */
	assert_int_equal(store_escrow_delete(f->nw, ESCROW_CONTACT, "holder1", &err), REG_OK);
	assert_int_equal(store_escrow_delete(f->nw, ESCROW_CONTACT, "holder1", &err),
	    REG_ENOTFOUND);
	assert_int_equal(store_escrow_restore_end(f->nw, &err), REG_ECONSTRAINT);
	assert_non_null(strstr(err.reason, "contact"));
}

static void
test_incremental_delete_in_any_order(void **state)
{
	struct fixture *f = *state;
	struct escrow_domain o;
	struct reg_err err = { 0 };

	full_then_incremental(f, &o);
	/* The host and contact go before the domain that names them. */
	assert_int_equal(store_escrow_delete(f->nw, ESCROW_HOST, "H9-TEST", &err), REG_OK);
	assert_int_equal(store_escrow_delete(f->nw, ESCROW_CONTACT, "holder1", &err), REG_OK);
	assert_int_equal(store_escrow_delete(f->nw, ESCROW_DOMAIN, "example.test", &err), REG_OK);
	assert_int_equal(store_escrow_restore_end(f->nw, &err), REG_OK);
	assert_false(store_domain_exists(f->nw, "example.test"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domain_cursor_matches_getter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_changes_and_deletes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_needs_the_whole_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_bulk_then_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_refuses_unknown_references, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_incremental_delete_must_leave_no_dangling, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_incremental_delete_in_any_order, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
