/*
 * test_store_zone.c: the cursor over published delegations (store_zone.c):
 * canonical order, every publication rule, name servers, DS and glue.
 */
#include "testutil.h"

#include "arena.h"
#include "store.h"
#include "util.h"

struct fixture {
	char *dir;
	struct store *st;
	struct arena *a;
	int64_t rar, ext;	/* a registrar, an external name server */
};

static void
commit(struct fixture *f)
{
	struct reg_err err = { 0 };

	assert_int_equal(store_commit(f->st, &err), REG_OK);
}

static int64_t
host_add(struct fixture *f, const char *name, int64_t domain_id, int naddr)
{
	static struct reg_host_addr addrs[] = { { "2001:db8::53", 6 }, { "192.0.2.1", 4 } };
	struct reg_host h = { .name = (char *)name, .sponsor_id = f->rar, .creator_id = f->rar,
	    .domain_id = domain_id, .naddr = naddr, .addr = addrs, .created = 1 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(store_begin(f->st), REG_OK);
	assert_int_equal(store_roid_new(f->st, f->a, 'H', &h.roid), REG_OK);
	assert_int_equal(store_host_create(f->st, &h, &id, &err), REG_OK);
	commit(f);
	return id;
}

/* A domain with the given name servers (0-terminated), DS if ds, an rgp
 * state and a status (NULL for none). */
static int64_t
domain_add(struct fixture *f, const char *name, const int64_t *ns, bool ds,
    const char *rgp, const char *status)
{
	static struct reg_ds dsd[] = {
		{ .key_tag = 2, .alg = 13, .digest_type = 2, .digest = "BB" },
		{ .key_tag = 1, .alg = 13, .digest_type = 2, .digest = "AA" },
	};
	struct reg_domain d = { .name = (char *)name, .sponsor_id = f->rar,
	    .creator_id = f->rar, .created = 1, .expires = 2, .rgp = (char *)rgp,
	    .nds = ds ? 2 : 0, .ds = dsd };
	struct reg_status s = { .status = (char *)status };
	struct reg_err err = { 0 };
	int64_t id = 0;

	while (ns != NULL && ns[d.nns] != 0)
		d.nns++;
	d.ns_id = (int64_t *)ns;
	assert_int_equal(store_begin(f->st), REG_OK);
	assert_int_equal(store_roid_new(f->st, f->a, 'D', &d.roid), REG_OK);
	assert_int_equal(store_domain_create(f->st, &d, &id, &err), REG_OK);
	if (status != NULL)
		assert_int_equal(store_status_add(f->st, "domain", id, &s), REG_OK);
	commit(f);
	return id;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct reg_registrar r = { .handle = "alpha", .name = "Alpha", .created = 1 };
	struct reg_err err = { 0 };
	char *path;

	f->dir = tmpdir_new();
	assert_true(asprintf(&path, "%s/master.db", f->dir) > 0);
	f->st = store_open(path, STORE_CREATE | STORE_FAST, &err);
	free(path);
	assert_non_null(f->st);
	f->a = arena_new();
	assert_int_equal(store_begin(f->st), REG_OK);
	assert_int_equal(store_registrar_create(f->st, &r, &f->rar, &err), REG_OK);
	commit(f);
	f->ext = host_add(f, "ns.example.net", 0, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	arena_free(f->a);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Runs the cursor; the names it yields, space separated, into out. */
static void
walk(struct fixture *f, bool redemption, char *out, size_t size)
{
	struct store_zone_opts o = { .zone = "test", .publish_redemption = redemption };
	struct store_zone_iter *it;
	struct reg_delegation d;
	struct reg_err err = { 0 };
	int rc;

	out[0] = '\0';
	assert_int_equal(store_read_begin(f->st), REG_OK);
	assert_int_equal(store_zone_begin(f->st, &o, &it, &err), REG_OK);
	while ((rc = store_zone_next(it, f->a, &d)) == REG_OK) {
		if (out[0] != '\0')
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, d.name, size - strlen(out) - 1);
	}
	assert_int_equal(rc, REG_ENOTFOUND);
	assert_int_equal(store_zone_next(it, f->a, &d), REG_ENOTFOUND);
	store_zone_end(it);
	store_read_end(f->st);
}

static void
test_canonical_order(void **state)
{
	struct fixture *f = *state;
	int64_t ns[] = { f->ext, 0 };
	const char *names[] = { "b.test", "ab.test", "a0.test", "a-b-c.test", "a.test",
	    "a-b.test", "x.co.test", "cz.test", "c.test", "other.example" };
	char got[512];

	for (size_t i = 0; i < nitems(names); i++)
		domain_add(f, names[i], ns, false, NULL, NULL);
	walk(f, false, got, sizeof(got));
	/* RFC 4034 6.1: labels from the right; "a" before "a-b" before "a0". */
	assert_string_equal(got, "a.test a-b.test a-b-c.test a0.test ab.test b.test c.test "
	    "x.co.test cz.test");
}

static void
test_publication_rules(void **state)
{
	struct fixture *f = *state;
	int64_t ns[] = { f->ext, 0 };
	char got[512];

	domain_add(f, "ok.test", ns, false, NULL, NULL);
	domain_add(f, "chold.test", ns, false, NULL, "clientHold");
	domain_add(f, "shold.test", ns, false, NULL, "serverHold");
	domain_add(f, "redeem.test", ns, false, "redemptionPeriod", "pendingDelete");
	domain_add(f, "restore.test", ns, false, "pendingRestore", NULL);
	domain_add(f, "pdel.test", ns, false, NULL, "pendingDelete");
	domain_add(f, "nons.test", NULL, false, NULL, NULL);
	domain_add(f, "lock.test", ns, false, NULL, "serverUpdateProhibited");
	walk(f, false, got, sizeof(got));
	assert_string_equal(got, "lock.test ok.test");
	walk(f, true, got, sizeof(got));
	assert_string_equal(got, "lock.test ok.test pdel.test redeem.test restore.test");
}

/* The one delegation named, from a fresh cursor. */
static void
find(struct fixture *f, const char *name, struct reg_delegation *out)
{
	struct store_zone_opts o = { .zone = "test" };
	struct store_zone_iter *it;
	struct reg_err err = { 0 };
	bool found = false;

	assert_int_equal(store_zone_begin(f->st, &o, &it, &err), REG_OK);
	while (!found && store_zone_next(it, f->a, out) == REG_OK)
		found = strcmp(out->name, name) == 0;
	store_zone_end(it);
	assert_true(found);
}

static void
test_ns_ds_glue(void **state)
{
	struct fixture *f = *state;
	int64_t p, held, h1, h2, h3, ns[4] = { 0 };
	struct reg_delegation d;

	p = domain_add(f, "parent.test", NULL, true, NULL, NULL);
	h1 = host_add(f, "ns1.parent.test", p, 2);
	h2 = host_add(f, "ns2.parent.test", p, 1);
	host_add(f, "unused.parent.test", p, 2);
	held = domain_add(f, "held.test", NULL, false, NULL, "serverHold");
	h3 = host_add(f, "ns.held.test", held, 2);
	ns[0] = h2, ns[1] = f->ext, ns[2] = h1;
	assert_int_equal(store_begin(f->st), REG_OK);
	assert_int_equal(store_domain_set_ns(f->st, &(struct reg_domain){ .id = p, .nns = 3,
	    .ns_id = ns }, NULL), REG_OK);
	commit(f);
	domain_add(f, "user.test", (int64_t[]){ h3, h1, 0 }, false, NULL, NULL);

	assert_int_equal(store_read_begin(f->st), REG_OK);
	find(f, "parent.test", &d);
	assert_int_equal(d.nns, 3);
	assert_string_equal(d.ns[0], "ns.example.net");
	assert_string_equal(d.ns[1], "ns1.parent.test");
	assert_string_equal(d.ns[2], "ns2.parent.test");
	assert_int_equal(d.nds, 2);
	assert_int_equal(d.ds[0].key_tag, 1);
	assert_string_equal(d.ds[0].digest, "AA");
	/* Glue: the hosts in use, in canonical order, IPv4 first. */
	assert_int_equal(d.nglue, 2);
	assert_string_equal(d.glue[0].name, "ns1.parent.test");
	assert_int_equal(d.glue[0].naddr, 2);
	assert_int_equal(d.glue[0].addr[0].family, 4);
	assert_string_equal(d.glue[1].name, "ns2.parent.test");
	find(f, "user.test", &d);
	assert_int_equal(d.nns, 2);
	assert_int_equal(d.nglue, 0);	/* its own hosts: none */
	store_read_end(f->st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_canonical_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publication_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_ds_glue, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
