/*
 * test_store_lookup.c: the reads of the public lookup services:
 * store_domain_view (everything a WHOIS answer shows, and nothing it
 * must not: contacts outside the admin and tech roles), the name servers
 * with glue only for in-zone hosts, a domain without registrant, contacts
 * or name servers, an unknown name; and store_reader_tune on a read-only
 * connection.
 */
#include "testutil.h"

#include "arena.h"
#include "store.h"
#include "util.h"

struct fixture {
	struct store_fixture s;
	int64_t rar, other;		/* registrars "alpha" (sponsor), "beta" */
	int64_t holder, admin, tech, billing;
	int64_t ns_in, ns_out;		/* ns.example.test (glue), ns.dns.example */
	int64_t domain;			/* example.test */
};

static void
commit(struct fixture *f)
{
	struct reg_err err = { 0 };

	assert_int_equal(store_commit(f->s.st, &err), REG_OK);
}

static int64_t
registrar_add(struct fixture *f, const char *handle, const char *name)
{
	struct reg_registrar r = { .handle = (char *)handle, .name = (char *)name,
	    .iana_id = 4242, .email = "ops@registrar.example", .voice = "+1.5555550000",
	    .url = "https://registrar.example", .whois_server = "whois.registrar.example",
	    .created = 1 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(store_registrar_create(f->s.st, &r, &id, &err), REG_OK);
	return id;
}

/* A contact named after its handle; only "loc" postalInfo when loc_only. */
static int64_t
contact_add(struct fixture *f, const char *handle, bool loc_only, unsigned disclose)
{
	struct reg_postal p = { .name = (char *)handle, .org = "Org",
	    .addr = { .street = { "1 Main St" }, .city = "Town", .pc = "12345", .cc = "SE" } };
	struct reg_contact c = { .handle = (char *)handle, .sponsor_id = f->rar,
	    .creator_id = f->rar, .voice = "+46.812345", .fax = "+46.854321",
	    .email = "x@example.test", .disclose = disclose, .created = 10 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	if (loc_only)
		c.loc = p;
	else
		c.intl = p;
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'C', &c.roid), REG_OK);
	assert_int_equal(store_contact_create(f->s.st, &c, &id, &err), REG_OK);
	return id;
}

static struct reg_host_addr glue[] = { { "2001:db8::53", 6 }, { "192.0.2.53", 4 } };

static int64_t
host_add(struct fixture *f, const char *name, int64_t domain_id, int naddr)
{
	struct reg_host h = { .name = (char *)name, .sponsor_id = f->rar, .creator_id = f->rar,
	    .domain_id = domain_id, .naddr = naddr, .addr = glue, .created = 20 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'H', &h.roid), REG_OK);
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_OK);
	return id;
}

static struct reg_ds ds[] = {
	{ .key_tag = 2, .alg = 13, .digest_type = 2, .digest = "BB" },
	{ .key_tag = 1, .alg = 13, .digest_type = 2, .digest = "AA", .has_key = true,
	    .key_flags = 257, .key_protocol = 3, .key_alg = 13, .key_pub = "AwEAAQ==" },
};

static int64_t
domain_add(struct fixture *f, const char *name, int64_t registrant)
{
	struct reg_domain d = { .name = (char *)name, .sponsor_id = f->rar,
	    .creator_id = f->other, .updater_id = f->other, .registrant_id = registrant,
	    .created = 100, .updated = 200, .expires = 300 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'D', &d.roid), REG_OK);
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_OK);
	return id;
}

/* example.test: registrant, admin and tech (tech twice), billing; an
 * external and an in-zone name server; two DS records; two statuses. */
static void
example_lists(struct fixture *f)
{
	struct reg_domain_contact dc[] = { { "tech", f->tech, NULL }, { "billing", f->billing, NULL },
	    { "admin", f->admin, NULL }, { "tech", f->holder, NULL } };
	int64_t ns[] = { f->ns_out, f->ns_in };
	struct reg_domain d = { .id = f->domain, .ncontact = (int)nitems(dc), .contact = dc,
	    .nns = (int)nitems(ns), .ns_id = ns, .nds = (int)nitems(ds), .ds = ds };
	struct reg_status hold = { "serverHold", NULL, NULL };
	struct reg_status ctp = { "clientTransferProhibited", NULL, NULL };
	struct reg_err err = { 0 };

	assert_int_equal(store_domain_set_contacts(f->s.st, &d, &err), REG_OK);
	assert_int_equal(store_domain_set_ns(f->s.st, &d, &err), REG_OK);
	assert_int_equal(store_domain_set_ds(f->s.st, &d, &err), REG_OK);
	assert_int_equal(store_status_add(f->s.st, "domain", f->domain, &hold), REG_OK);
	assert_int_equal(store_status_add(f->s.st, "domain", f->domain, &ctp), REG_OK);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	store_fixture_setup(&f->s);
	assert_int_equal(store_begin(f->s.st), REG_OK);
	f->rar = registrar_add(f, "alpha", "Alpha Registrar");
	f->other = registrar_add(f, "beta", "Beta Registrar");
	f->holder = contact_add(f, "holder", false, DISCLOSE_NAME_INT);
	f->admin = contact_add(f, "admin1", true, DISCLOSE_NAME_LOC | DISCLOSE_EMAIL);
	f->tech = contact_add(f, "tech1", false, 0);
	f->billing = contact_add(f, "billing1", false, 0);
	f->ns_out = host_add(f, "ns.dns.example", 0, 0);
	f->domain = domain_add(f, "example.test", f->holder);
	f->ns_in = host_add(f, "ns.example.test", f->domain, (int)nitems(glue));
	example_lists(f);
	domain_add(f, "bare.test", 0);
	commit(f);
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

static struct reg_domain_view
view_of(struct fixture *f, const char *name)
{
	struct reg_domain_view v;

	assert_int_equal(store_read_begin(f->s.st), REG_OK);
	assert_int_equal(store_domain_view(f->s.st, f->s.a, name, &v), REG_OK);
	store_read_end(f->s.st);
	return v;
}

static void
test_view_domain(void **state)
{
	struct fixture *f = *state;
	struct reg_domain_view v = view_of(f, "example.test");
	struct reg_domain d;

	assert_int_equal(store_domain_get(f->s.st, f->s.a, "example.test", &d), REG_OK);
	assert_int_equal(v.d.id, f->domain);
	assert_string_equal(v.d.name, "example.test");
	assert_null(v.d.uname);
	assert_string_equal(v.d.roid, d.roid);
	assert_int_equal(v.d.created, 100);
	assert_int_equal(v.d.updated, 200);
	assert_int_equal(v.d.expires, 300);
	assert_null(v.d.rgp);
	assert_int_equal(v.d.statuses.n, 2);
	assert_string_equal(v.d.statuses.v[0].status, "clientTransferProhibited");
	assert_string_equal(v.d.statuses.v[1].status, "serverHold");
	assert_int_equal(v.d.nds, 2);
	assert_int_equal(v.d.ds[0].key_tag, 1);
	assert_true(v.d.ds[0].has_key);
	assert_string_equal(v.d.ds[0].key_pub, "AwEAAQ==");
	assert_int_equal(v.d.ds[1].key_tag, 2);
	assert_false(v.d.ds[1].has_key);
}

static void
test_view_sponsor(void **state)
{
	struct fixture *f = *state;
	struct reg_domain_view v = view_of(f, "example.test");

	/* The sponsor, not the creator or updater (beta). */
	assert_int_equal(v.sponsor.id, f->rar);
	assert_string_equal(v.sponsor.handle, "alpha");
	assert_string_equal(v.sponsor.name, "Alpha Registrar");
	assert_int_equal(v.sponsor.iana_id, 4242);
	assert_string_equal(v.sponsor.email, "ops@registrar.example");
	assert_string_equal(v.sponsor.voice, "+1.5555550000");
	assert_string_equal(v.sponsor.url, "https://registrar.example");
	assert_string_equal(v.sponsor.whois_server, "whois.registrar.example");
	assert_string_equal(v.d.sponsor, "alpha");
}

static void
test_view_contacts(void **state)
{
	struct fixture *f = *state;
	struct reg_domain_view v = view_of(f, "example.test");
	static const char *const want[][2] = {
		{ "registrant", "holder" }, { "admin", "admin1" },
		{ "tech", "holder" }, { "tech", "tech1" },
	};

	/* Registrant, admin, tech by contact id; billing is not shown. */
	assert_int_equal(v.ncontacts, (int)nitems(want));
	for (size_t i = 0; i < nitems(want); i++) {
		assert_string_equal(v.contacts[i].type, want[i][0]);
		assert_string_equal(v.contacts[i].c.handle, want[i][1]);
	}
	assert_string_equal(v.contacts[0].c.intl.name, "holder");
	assert_null(v.contacts[0].c.loc.name);
	assert_int_equal(v.contacts[0].c.disclose, DISCLOSE_NAME_INT);
	assert_null(v.contacts[1].c.intl.name);
	assert_string_equal(v.contacts[1].c.loc.name, "admin1");
	assert_string_equal(v.contacts[1].c.loc.addr.city, "Town");
	assert_string_equal(v.contacts[1].c.email, "x@example.test");
	assert_string_equal(v.contacts[1].c.fax, "+46.854321");
	assert_int_equal(v.contacts[1].c.disclose, DISCLOSE_NAME_LOC | DISCLOSE_EMAIL);
}

static void
test_view_name_servers(void **state)
{
	struct fixture *f = *state;
	struct reg_domain_view v = view_of(f, "example.test");

	/* By name; glue for the in-zone host, IPv4 first; none outside. */
	assert_int_equal(v.nns, 2);
	assert_string_equal(v.ns[0].name, "ns.dns.example");
	assert_int_equal(v.ns[0].naddr, 0);
	assert_string_equal(v.ns[1].name, "ns.example.test");
	assert_int_equal(v.ns[1].id, f->ns_in);
	assert_int_equal(v.ns[1].naddr, 2);
	assert_string_equal(v.ns[1].addr[0].addr, "192.0.2.53");
	assert_int_equal(v.ns[1].addr[0].family, 4);
	assert_string_equal(v.ns[1].addr[1].addr, "2001:db8::53");
}

static void
test_view_bare_and_missing(void **state)
{
	struct fixture *f = *state;
	struct reg_domain_view v = view_of(f, "bare.test");

	assert_int_equal(v.ncontacts, 0);
	assert_int_equal(v.nns, 0);
	assert_int_equal(v.d.nds, 0);
	assert_int_equal(v.d.statuses.n, 0);
	assert_int_equal(v.d.registrant_id, 0);
	assert_int_equal(store_read_begin(f->s.st), REG_OK);
	assert_int_equal(store_domain_view(f->s.st, f->s.a, "nosuch.test", &v), REG_ENOTFOUND);
	assert_int_equal(store_domain_view(f->s.st, f->s.a, "EXAMPLE.TEST", &v), REG_ENOTFOUND);
	store_read_end(f->s.st);
}

static void
test_ns_hosts_without_ns(void **state)
{
	struct fixture *f = *state;
	struct reg_host *h = NULL;
	int n = -1;

	assert_int_equal(store_domain_ns_hosts(f->s.st, f->s.a, 999, &h, &n), REG_OK);
	assert_int_equal(n, 0);
	assert_non_null(h);
}

static void
test_reader_tune(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct store *ro = store_open(f->s.path, STORE_RDONLY, &err);
	struct reg_domain_view v;

	assert_non_null(ro);
	assert_int_equal(store_reader_tune(ro, 1 << 20, 1024), REG_OK);
	assert_int_equal(store_read_begin(ro), REG_OK);
	assert_int_equal(store_domain_view(ro, f->s.a, "example.test", &v), REG_OK);
	assert_int_equal(v.ncontacts, 4);
	store_read_end(ro);
	store_close(ro);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_view_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_sponsor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_name_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_bare_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_hosts_without_ns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_tune, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
