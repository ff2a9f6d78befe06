/*
 * test_store_search.c: the RDAP searches and reads of store_search.c:
 * patterns (exact, prefix, prefix with a label suffix, U-labels, ASCII
 * case in names), the result cap and the scan limit, name servers by
 * name and address, domains through their name servers, entities by name
 * (disclosed only or not) and handle, registrars by IANA id, a domain's
 * name servers with addresses and statuses, a domain as RDAP reads it,
 * and that none of them steps through a whole table.
 */
#include "testutil.h"

#include "arena.h"
#include "status.h"
#include "store.h"
#include "util.h"

#define BULK 30		/* domains d000..d029.test on one external host */

struct fixture {
	struct store_fixture s;
	int64_t alpha, beta;		/* registrars */
	int64_t ann, bob, asa;		/* contacts */
	int64_t hoster, ns1;		/* external and in-zone hosts */
	int64_t example;		/* example.test */
};

static int64_t
registrar_add(struct fixture *f, const char *handle, const char *name, int64_t iana)
{
	struct reg_registrar r = { .handle = (char *)handle, .name = (char *)name,
	    .iana_id = iana, .created = 1 };
	int64_t id = 0;

	assert_int_equal(store_registrar_create(f->s.st, &r, &id, NULL), REG_OK);
	return id;
}

static int64_t
contact_add(struct fixture *f, const char *handle, const char *intl, const char *loc,
    unsigned disclose)
{
	struct reg_contact c = { .handle = (char *)handle, .sponsor_id = f->alpha,
	    .creator_id = f->alpha, .intl = { .name = (char *)intl },
	    .loc = { .name = (char *)loc }, .email = "x@example.test",
	    .disclose = disclose, .created = 1 };
	int64_t id = 0;

	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'C', &c.roid), REG_OK);
	assert_int_equal(store_contact_create(f->s.st, &c, &id, NULL), REG_OK);
	return id;
}

static int64_t
host_add(struct fixture *f, const char *name, int64_t domain_id, const char *addr)
{
	struct reg_host_addr a = { (char *)addr, 4 };
	struct reg_host h = { .name = (char *)name, .sponsor_id = f->alpha,
	    .creator_id = f->alpha, .domain_id = domain_id, .naddr = addr ? 1 : 0,
	    .addr = &a, .created = 1 };
	int64_t id = 0;

	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'H', &h.roid), REG_OK);
	assert_int_equal(store_host_create(f->s.st, &h, &id, NULL), REG_OK);
	return id;
}

static int64_t
domain_add(struct fixture *f, const char *name, const char *uname, int64_t ns)
{
	struct reg_domain d = { .name = (char *)name, .uname = (char *)uname,
	    .sponsor_id = f->alpha, .creator_id = f->alpha, .registrant_id = f->ann,
	    .created = 1, .expires = 2, .nns = ns ? 1 : 0, .ns_id = &ns };
	int64_t id = 0;

	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'D', &d.roid), REG_OK);
	assert_int_equal(store_domain_create(f->s.st, &d, &id, NULL), REG_OK);
	return id;
}

static void
world(struct fixture *f)
{
	struct reg_status st = { .status = "serverDeleteProhibited" };
	char name[32];

	assert_int_equal(store_begin(f->s.st), REG_OK);
	f->alpha = registrar_add(f, "alpha", "Alpha Names AB", 1234);
	f->beta = registrar_add(f, "beta", "Beta Domains", 0);
	f->ann = contact_add(f, "c-ann", "Ann Berg", NULL, DISCLOSE_NAME_INT);
	f->bob = contact_add(f, "c-bob", "Bob Berg", NULL, 0);
	f->asa = contact_add(f, "c-asa", NULL, "Åsa Öberg", DISCLOSE_NAME_LOC);
	f->hoster = host_add(f, "ns.hoster.net", 0, NULL);
	f->example = domain_add(f, "example.test", NULL, f->hoster);
	domain_add(f, "exam.test", NULL, 0);
	domain_add(f, "examine.co.test", NULL, 0);
	domain_add(f, "other.test", NULL, 0);
	domain_add(f, "xn--rksmrgs-5wao1o.test", "räksmörgås.test", 0);
	for (int i = 0; i < BULK; i++) {
		snprintf(name, sizeof(name), "d%03d.test", i);
		domain_add(f, name, NULL, f->hoster);
	}
	f->ns1 = host_add(f, "ns1.example.test", f->example, "192.0.2.1");
	assert_int_equal(store_status_add(f->s.st, "host", f->hoster, &st), REG_OK);
	st.status = "linked";
	assert_int_equal(store_status_add(f->s.st, "host", f->hoster, &st), REG_OK);
	assert_int_equal(store_commit(f->s.st, NULL), REG_OK);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	store_fixture_setup(&f->s);
	store_set_roid_suffix(f->s.st, "TEST");
	world(f);
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

static struct store_pattern
pat(const char *prefix, const char *suffix, bool wildcard)
{
	struct store_pattern p = { prefix, suffix, wildcard };

	return p;
}

/* The names of the domains hit, in order, joined by spaces. */
static char *
domain_names(struct fixture *f, const struct store_hits *h)
{
	char *s = arena_strdup(f->s.a, "");
	struct reg_domain d;

	for (int i = 0; i < h->n; i++) {
		assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, h->id[i], &d), REG_OK);
		s = arena_printf(f->s.a, "%s%s%s", s, i ? " " : "", d.name);
	}
	return s;
}

static void
domains(struct fixture *f, struct store_pattern p, bool unicode, const char *want)
{
	struct store_hits h;

	assert_int_equal(store_search_domains(f->s.st, f->s.a, &p, unicode, 10, 1000, &h), REG_OK);
	assert_string_equal(domain_names(f, &h), want);
	assert_false(h.more);
	assert_false(h.cut);
}

static void
test_domain_patterns(void **state)
{
	struct fixture *f = *state;

	domains(f, pat("exa", "", true), false, "exam.test examine.co.test example.test");
	domains(f, pat("exa", ".test", true), false, "exam.test example.test");
	domains(f, pat("exa", ".co.test", true), false, "examine.co.test");
	domains(f, pat("exam.test", "", false), false, "exam.test");
	domains(f, pat("exam", "", false), false, "");
	domains(f, pat("zz", "", true), false, "");
	domains(f, pat("räk", ".test", true), true, "xn--rksmrgs-5wao1o.test");
	domains(f, pat("räk", ".nu", true), true, "");
	domains(f, pat("xn--rks", "", true), false, "xn--rksmrgs-5wao1o.test");
}

static void
test_domain_limits(void **state)
{
	struct fixture *f = *state;
	struct store_pattern p = pat("d0", ".test", true);
	struct store_hits h;

	assert_int_equal(store_search_domains(f->s.st, f->s.a, &p, false, 5, 1000, &h), REG_OK);
	assert_string_equal(domain_names(f, &h), "d000.test d001.test d002.test d003.test d004.test");
	assert_true(h.more);
	assert_false(h.cut);
	assert_int_equal(store_search_domains(f->s.st, f->s.a, &p, false, 100, 3, &h), REG_OK);
	assert_int_equal(h.n, 3);
	assert_false(h.more);
	assert_true(h.cut);
	assert_int_equal(store_search_domains(f->s.st, f->s.a, &p, false, BULK, 1000, &h), REG_OK);
	assert_int_equal(h.n, BULK);
	assert_false(h.more);
}

static void
test_hosts(void **state)
{
	struct fixture *f = *state;
	struct store_pattern p = pat("ns1.exa", "", true);
	struct store_hits h;

	assert_int_equal(store_search_hosts(f->s.st, f->s.a, &p, 10, 1000, &h), REG_OK);
	assert_int_equal(h.n, 1);
	assert_true(h.id[0] == f->ns1);
	p = pat("ns", ".net", true);
	assert_int_equal(store_search_hosts(f->s.st, f->s.a, &p, 10, 1000, &h), REG_OK);
	assert_int_equal(h.n, 0);	/* "ns" + ".hoster.net": the '*' spans a dot */
	p = pat("ns.hos", ".net", true);
	assert_int_equal(store_search_hosts(f->s.st, f->s.a, &p, 10, 1000, &h), REG_OK);
	assert_true(h.n == 1 && h.id[0] == f->hoster);
	assert_int_equal(store_search_hosts_by_ip(f->s.st, f->s.a, "192.0.2.1", 10, &h), REG_OK);
	assert_true(h.n == 1 && h.id[0] == f->ns1);
	assert_int_equal(store_search_hosts_by_ip(f->s.st, f->s.a, "192.0.2.2", 10, &h), REG_OK);
	assert_int_equal(h.n, 0);
}

static void
test_domains_by_ns(void **state)
{
	struct fixture *f = *state;
	struct store_pattern p = pat("ns.hoster.net", "", false);
	struct store_hits h;

	assert_int_equal(store_search_domains_by_ns(f->s.st, f->s.a, &p, 100, 1000, &h), REG_OK);
	assert_int_equal(h.n, BULK + 1);
	assert_false(h.more || h.cut);
	assert_int_equal(store_search_domains_by_ns(f->s.st, f->s.a, &p, 10, 1000, &h), REG_OK);
	assert_int_equal(h.n, 10);
	assert_true(h.more);
	/* The scan budget counts the domain_ns rows read, too. */
	assert_int_equal(store_search_domains_by_ns(f->s.st, f->s.a, &p, 100, 7, &h), REG_OK);
	assert_int_equal(h.n, 7);
	assert_true(h.cut);
	p = pat("ns1.example.test", "", false);
	assert_int_equal(store_search_domains_by_ns(f->s.st, f->s.a, &p, 100, 1000, &h), REG_OK);
	assert_int_equal(h.n, 0);	/* a host nobody delegates to */
	assert_int_equal(store_search_domains_by_ip(f->s.st, f->s.a, "192.0.2.1", 10, 1000, &h),
	    REG_OK);
	assert_int_equal(h.n, 0);
}

static void
test_entities(void **state)
{
	struct fixture *f = *state;
	struct store_pattern p = pat("ANN B", "", true);
	struct store_hits h;

	assert_int_equal(store_search_contacts_fn(f->s.st, f->s.a, &p, true, 10, 1000, &h), REG_OK);
	assert_true(h.n == 1 && h.id[0] == f->ann);	/* ASCII case ignored */
	p = pat("bob berg", "", false);
	assert_int_equal(store_search_contacts_fn(f->s.st, f->s.a, &p, true, 10, 1000, &h), REG_OK);
	assert_int_equal(h.n, 0);			/* not disclosed */
	assert_int_equal(store_search_contacts_fn(f->s.st, f->s.a, &p, false, 10, 1000, &h), REG_OK);
	assert_true(h.n == 1 && h.id[0] == f->bob);
	p = pat("Åsa", "", true);
	assert_int_equal(store_search_contacts_fn(f->s.st, f->s.a, &p, true, 10, 1000, &h), REG_OK);
	assert_true(h.n == 1 && h.id[0] == f->asa);	/* the loc name */
	p = pat("c-", "", true);
	assert_int_equal(store_search_contacts_handle(f->s.st, f->s.a, &p, 10, 1000, &h), REG_OK);
	assert_int_equal(h.n, 3);
	p = pat("C-", "", true);
	assert_int_equal(store_search_contacts_handle(f->s.st, f->s.a, &p, 10, 1000, &h), REG_OK);
	assert_int_equal(h.n, 0);			/* handles are exact */
}

static void
test_registrars(void **state)
{
	struct fixture *f = *state;
	struct store_pattern p = pat("ALPHA", "", true);
	struct store_hits h;
	struct reg_registrar r;

	assert_int_equal(store_search_registrars(f->s.st, f->s.a, &p, false, 10, 1000, &h), REG_OK);
	assert_true(h.n == 1 && h.id[0] == f->alpha);
	p = pat("be", "", true);
	assert_int_equal(store_search_registrars(f->s.st, f->s.a, &p, true, 10, 1000, &h), REG_OK);
	assert_true(h.n == 1 && h.id[0] == f->beta);
	assert_int_equal(store_registrar_get_by_iana(f->s.st, f->s.a, 1234, &r), REG_OK);
	assert_string_equal(r.handle, "alpha");
	assert_int_equal(store_registrar_get_by_iana(f->s.st, f->s.a, 999, &r), REG_ENOTFOUND);
}

static void
test_domain_nameservers(void **state)
{
	struct fixture *f = *state;
	struct reg_domain d = { .id = f->example };
	struct reg_host *h;
	int n;

	d.nns = 2;
	d.ns_id = (int64_t[]){ f->hoster, f->ns1 };
	assert_int_equal(store_begin(f->s.st), REG_OK);
	assert_int_equal(store_domain_set_ns(f->s.st, &d, NULL), REG_OK);
	assert_int_equal(store_commit(f->s.st, NULL), REG_OK);
	assert_int_equal(store_domain_nameservers(f->s.st, f->s.a, f->example, &h, &n), REG_OK);
	assert_int_equal(n, 2);
	assert_true(h[0].id == f->hoster && h[1].id == f->ns1);
	assert_string_equal(h[0].name, "ns.hoster.net");
	assert_int_equal(h[0].naddr, 0);
	assert_int_equal(h[0].statuses.n, 2);
	assert_string_equal(h[0].statuses.v[0].status, "linked");
	assert_string_equal(h[0].statuses.v[1].status, "serverDeleteProhibited");
	assert_string_equal(h[1].name, "ns1.example.test");
	assert_true(h[1].domain_id == f->example);
	assert_int_equal(h[1].naddr, 1);
	assert_string_equal(h[1].addr[0].addr, "192.0.2.1");
	assert_int_equal(h[1].statuses.n, 0);
	assert_non_null(h[1].roid);
	assert_int_equal(store_domain_nameservers(f->s.st, f->s.a, 424242, &h, &n), REG_OK);
	assert_int_equal(n, 0);
}

static void
test_domain_rdap(void **state)
{
	struct fixture *f = *state;
	struct reg_domain_contact roles[] = {
		{ .type = "admin", .contact_id = f->ann },
		{ .type = "tech", .contact_id = f->bob },
		{ .type = "billing", .contact_id = f->asa },
	};
	struct reg_domain d = { .id = f->example, .ncontact = 3, .contact = roles, .nns = 2,
	    .ns_id = (int64_t[]){ f->hoster, f->ns1 } };
	struct reg_status st[] = { { .status = "linked" }, { .status = "clientUpdateProhibited" },
	    { .status = "ok" } };
	struct reg_domain_rdap v, w;
	static const char *const types[] = { "registrant", "admin", "billing", "tech" };

	assert_int_equal(store_begin(f->s.st), REG_OK);
	assert_int_equal(store_domain_set_contacts(f->s.st, &d, NULL), REG_OK);
	assert_int_equal(store_domain_set_ns(f->s.st, &d, NULL), REG_OK);
	assert_int_equal(store_status_add(f->s.st, "contact", f->ann, &st[0]), REG_OK);
	assert_int_equal(store_status_add(f->s.st, "contact", f->ann, &st[1]), REG_OK);
	assert_int_equal(store_status_add(f->s.st, "domain", f->example, &st[2]), REG_OK);
	assert_int_equal(store_commit(f->s.st, NULL), REG_OK);

	assert_int_equal(store_domain_rdap(f->s.st, f->s.a, "example.test", 0, &v), REG_OK);
	assert_int_equal(store_domain_get(f->s.st, f->s.a, "example.test", &d), REG_OK);
	assert_string_equal(v.d.roid, d.roid);
	assert_string_equal(v.d.sponsor, "alpha");
	assert_int_equal(v.d.statuses.n, 1);
	assert_string_equal(v.d.statuses.v[0].status, "ok");
	assert_int_equal(v.ncontacts, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(v.contacts[i].type, types[i]);
	assert_true(v.contacts[0].c.id == f->ann && v.contacts[1].c.id == f->ann);
	assert_string_equal(v.contacts[3].c.handle, "c-bob");
	assert_string_equal(v.contacts[2].c.loc.name, "Åsa Öberg");
	assert_true(v.contacts[2].c.disclose == DISCLOSE_NAME_LOC);
	/* Ann's two statuses once each, in both of her roles. */
	assert_int_equal(v.contacts[0].c.statuses.n, 2);
	assert_int_equal(v.contacts[1].c.statuses.n, 2);
	assert_int_equal(v.contacts[3].c.statuses.n, 0);
	assert_int_equal(v.nns, 2);
	assert_int_equal(v.ns[0].statuses.n, 2);
	assert_string_equal(v.ns[1].addr[0].addr, "192.0.2.1");
	assert_int_equal(store_domain_rdap(f->s.st, f->s.a, NULL, f->example, &w), REG_OK);
	assert_string_equal(w.d.name, "example.test");
	assert_int_equal(w.ncontacts, 4);
	assert_int_equal(store_domain_rdap(f->s.st, f->s.a, "nosuch.test", 0, &w), REG_ENOTFOUND);
	assert_int_equal(store_domain_rdap(f->s.st, f->s.a, NULL, 424242, &w), REG_ENOTFOUND);
}

/* Every search above, on a fresh connection: none steps through a whole
 * table, and a narrow search does little work however many rows match
 * elsewhere. */
static void
test_no_table_scans(void **state)
{
	struct fixture *f = *state;
	struct store_pattern p = pat("exam.test", "", false);
	struct store_hits h;
	int64_t fullscan, vm, before;

	test_domain_patterns(state);
	test_domain_limits(state);
	test_hosts(state);
	test_domains_by_ns(state);
	test_entities(state);
	test_registrars(state);
	test_domain_nameservers(state);
	test_domain_rdap(state);
	store_stmt_work(f->s.st, &fullscan, &before);
	assert_int_equal(fullscan, 0);
	assert_true(before > 0);
	assert_int_equal(store_search_domains(f->s.st, f->s.a, &p, false, 10, 1000, &h), REG_OK);
	store_stmt_work(f->s.st, &fullscan, &vm);
	assert_int_equal(fullscan, 0);
	assert_true(vm - before < 50);	/* one index probe, not 35 rows */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domain_patterns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domains_by_ns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registrars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_nameservers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_rdap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_table_scans, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
