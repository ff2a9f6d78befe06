/*
 * test_store_objects.c: the object store: contacts, hosts, domains,
 * statuses, transfers, grace periods, the poll queue, history, reserved
 * names, and the registrar's allow-list, certificates and account.
 *
 * Every transaction that changes public data is committed through
 * commit_public(), which checks that it appended exactly one changelog
 * entry; private-only transactions go through commit_private(), which
 * checks that they appended none.
 */
#include "testutil.h"

#include "arena.h"
#include "store.h"
#include "util.h"

struct fixture {
	struct store_fixture s;
	int64_t r1, r2;		/* registrars "alpha" and "beta" */
	int64_t seq;		/* changelog position at begin() */
};

/* A contact, hosts and a domain to hang lists on. */
struct world {
	int64_t registrant, admin, ns1, ns2;
};

static void
begin(struct fixture *f)
{
	f->seq = store_changelog_last(f->s.st);
	assert_int_equal(store_begin(f->s.st), REG_OK);
}

static void
commit_public(struct fixture *f)
{
	struct reg_err err = { 0 };

	assert_int_equal(store_commit(f->s.st, &err), REG_OK);
	assert_int_equal(store_changelog_last(f->s.st), f->seq + 1);
}

static void
commit_private(struct fixture *f)
{
	struct reg_err err = { 0 };

	assert_int_equal(store_commit(f->s.st, &err), REG_OK);
	assert_int_equal(store_changelog_last(f->s.st), f->seq);
}

/* Ends a transaction whose writes failed: nothing may reach the log. */
static void
rollback(struct fixture *f)
{
	store_rollback(f->s.st);
	assert_int_equal(store_changelog_last(f->s.st), f->seq);
}

static void
assert_same_str(const char *want, const char *got)
{
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(want, got);
}

static int64_t
registrar_add(struct fixture *f, const char *handle)
{
	struct reg_registrar r = { .handle = (char *)handle, .name = "Registrar", .created = 1 };
	struct reg_err err = { 0 };
	int64_t id = 0;

	begin(f);
	assert_int_equal(store_registrar_create(f->s.st, &r, &id, &err), REG_OK);
	commit_public(f);
	return id;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	store_fixture_setup(&f->s);
	store_set_roid_suffix(f->s.st, "TEST");
	f->r1 = registrar_add(f, "alpha");
	f->r2 = registrar_add(f, "beta");
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

/* --- builders ------------------------------------------------------------- */

static struct reg_contact
contact_make(struct fixture *f, const char *handle)
{
	struct reg_contact c = {
		.handle = (char *)handle, .sponsor_id = f->r1, .creator_id = f->r1,
		.intl = { .name = "Jane Doe", .org = "Example Ltd",
		    .addr = { .street = { "1 Main St", "Floor 2", "Suite 3" },
		    .city = "Springfield", .sp = "IL", .pc = "62701", .cc = "US" } },
		.loc = { .name = "Jäne Dö", .org = "Exämple AG",
		    .addr = { .street = { "Hauptstrasse 1" }, .city = "Zürich",
		    .pc = "8000", .cc = "CH" } },
		.voice = "+1.5555550100", .voice_ext = "42", .fax = "+1.5555550101",
		.fax_ext = "7", .email = "jane@example.test",
		.disclose = DISCLOSE_NAME_INT | DISCLOSE_ADDR_LOC | DISCLOSE_EMAIL,
		.created = 1000,
	};

	return c;
}

static int64_t
contact_add(struct fixture *f, const char *handle)
{
	struct reg_contact c = contact_make(f, handle);
	struct reg_err err = { 0 };
	int64_t id = 0;

	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'C', &c.roid), REG_OK);
	assert_int_equal(store_contact_create(f->s.st, &c, &id, &err), REG_OK);
	commit_public(f);
	return id;
}

static struct reg_host_addr host_addrs[] = {
	{ "192.0.2.1", 4 }, { "2001:db8::53", 6 },
};

static struct reg_host
host_make(struct fixture *f, const char *name, int64_t domain_id)
{
	struct reg_host h = {
		.name = (char *)name, .sponsor_id = f->r1, .creator_id = f->r1,
		.domain_id = domain_id, .naddr = (int)nitems(host_addrs),
		.addr = host_addrs, .created = 2000,
	};

	return h;
}

static int64_t
host_add(struct fixture *f, const char *name, int64_t domain_id)
{
	struct reg_host h = host_make(f, name, domain_id);
	struct reg_err err = { 0 };
	int64_t id = 0;

	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'H', &h.roid), REG_OK);
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_OK);
	commit_public(f);
	return id;
}

static struct reg_ds ds_data[] = {
	{ .key_tag = 12345, .alg = 13, .digest_type = 2, .digest = "49FD46E6C4B45C55D4AC" },
	{ .key_tag = 54321, .alg = 8, .digest_type = 1, .digest = "0123456789ABCDEF",
	    .has_key = true, .key_flags = 257, .key_protocol = 3, .key_alg = 8,
	    .key_pub = "AwEAAcMnWBKLuvG/LwnPVykcmpvnntwxfshHlHRhlY0F3oz8AMcuF8gw" },
};

static struct reg_domain
domain_make(struct fixture *f, const char *name, const struct world *w)
{
	struct reg_domain d = {
		.name = (char *)name, .sponsor_id = f->r1, .creator_id = f->r1,
		.registrant_id = w->registrant, .created = 3000, .expires = 3000 + 31536000,
		.nds = (int)nitems(ds_data), .ds = ds_data,
	};

	d.ncontact = 2;
	d.contact = arena_alloc(f->s.a, 2 * sizeof(*d.contact));
	d.contact[0] = (struct reg_domain_contact){ .type = "admin", .contact_id = w->admin };
	d.contact[1] = (struct reg_domain_contact){ .type = "tech", .contact_id = w->registrant };
	d.nns = 2;
	d.ns_id = arena_alloc(f->s.a, 2 * sizeof(*d.ns_id));
	d.ns_id[0] = w->ns2;
	d.ns_id[1] = w->ns1;
	return d;
}

static int64_t
domain_add(struct fixture *f, const char *name, const struct world *w)
{
	struct reg_domain d = domain_make(f, name, w);
	struct reg_err err = { 0 };
	int64_t id = 0;

	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'D', &d.roid), REG_OK);
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_OK);
	commit_public(f);
	return id;
}

static struct world
world_add(struct fixture *f)
{
	struct world w;

	w.registrant = contact_add(f, "reg-1");
	w.admin = contact_add(f, "adm-1");
	w.ns1 = host_add(f, "ns1.other.test", 0);
	w.ns2 = host_add(f, "ns2.other.test", 0);
	return w;
}

static void
status_add(struct fixture *f, const char *kind, int64_t id, const char *status,
    const char *reason)
{
	struct reg_status s = { .status = (char *)status, .lang = reason ? "en" : NULL,
	    .reason = (char *)reason };

	assert_int_equal(store_status_add(f->s.st, kind, id, &s), REG_OK);
}

/* --- contacts ------------------------------------------------------------- */

static void
assert_postal_equal(const struct reg_postal *want, const struct reg_postal *got)
{
	assert_same_str(want->name, got->name);
	assert_same_str(want->org, got->org);
	for (int i = 0; i < 3; i++)
		assert_same_str(want->addr.street[i], got->addr.street[i]);
	assert_same_str(want->addr.city, got->addr.city);
	assert_same_str(want->addr.sp, got->addr.sp);
	assert_same_str(want->addr.pc, got->addr.pc);
	assert_same_str(want->addr.cc, got->addr.cc);
}

static void
assert_contact_equal(const struct reg_contact *want, const struct reg_contact *got)
{
	assert_same_str(want->handle, got->handle);
	assert_same_str(want->roid, got->roid);
	assert_int_equal(want->sponsor_id, got->sponsor_id);
	assert_int_equal(want->creator_id, got->creator_id);
	assert_int_equal(want->updater_id, got->updater_id);
	assert_postal_equal(&want->intl, &got->intl);
	assert_postal_equal(&want->loc, &got->loc);
	assert_same_str(want->voice, got->voice);
	assert_same_str(want->voice_ext, got->voice_ext);
	assert_same_str(want->fax, got->fax);
	assert_same_str(want->fax_ext, got->fax_ext);
	assert_same_str(want->email, got->email);
	assert_int_equal(want->disclose, got->disclose);
	assert_int_equal(want->created, got->created);
	assert_int_equal(want->updated, got->updated);
	assert_int_equal(want->transferred, got->transferred);
}

static void
test_contact_round_trip(void **state)
{
	struct fixture *f = *state;
	struct reg_contact c = contact_make(f, "jd-1"), got, byid;
	struct reg_err err = { 0 };

	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'C', &c.roid), REG_OK);
	assert_int_equal(store_contact_create(f->s.st, &c, &c.id, &err), REG_OK);
	status_add(f, "contact", c.id, "clientDeleteProhibited", "court order");
	status_add(f, "contact", c.id, "clientTransferProhibited", NULL);
	commit_public(f);

	assert_int_equal(store_contact_get(f->s.st, f->s.a, "jd-1", &got), REG_OK);
	assert_int_equal(got.id, c.id);
	assert_contact_equal(&c, &got);
	assert_string_equal(got.sponsor, "alpha");
	assert_string_equal(got.creator, "alpha");
	assert_null(got.updater);
	assert_int_equal(got.statuses.n, 2);
	assert_string_equal(got.statuses.v[0].status, "clientDeleteProhibited");
	assert_string_equal(got.statuses.v[0].lang, "en");
	assert_string_equal(got.statuses.v[0].reason, "court order");
	assert_string_equal(got.statuses.v[1].status, "clientTransferProhibited");
	assert_null(got.statuses.v[1].reason);

	assert_int_equal(store_contact_get_by_id(f->s.st, f->s.a, c.id, &byid), REG_OK);
	assert_contact_equal(&c, &byid);
	assert_int_equal(store_contact_get(f->s.st, f->s.a, "nobody", &got), REG_ENOTFOUND);
	assert_int_equal(store_contact_get_by_id(f->s.st, f->s.a, c.id + 99, &got), REG_ENOTFOUND);
}

static void
test_contact_update(void **state)
{
	struct fixture *f = *state;
	struct reg_contact c, got;
	struct reg_err err = { 0 };
	int64_t id = contact_add(f, "jd-2");

	assert_int_equal(store_contact_get_by_id(f->s.st, f->s.a, id, &c), REG_OK);
	c.intl = (struct reg_postal){ 0 };	/* drop the int form */
	c.loc.addr.sp = "ZH";
	c.voice_ext = NULL;
	c.fax = c.fax_ext = NULL;
	c.email = "new@example.test";
	c.disclose = DISCLOSE_VOICE | DISCLOSE_FAX;
	c.sponsor_id = f->r2;
	c.updater_id = f->r2;
	c.updated = 5000;
	c.transferred = 4000;
	c.handle = "ignored";	/* not rewritten */
	begin(f);
	assert_int_equal(store_contact_update(f->s.st, &c, &err), REG_OK);
	commit_public(f);

	assert_int_equal(store_contact_get_by_id(f->s.st, f->s.a, id, &got), REG_OK);
	c.handle = "jd-2";
	assert_contact_equal(&c, &got);
	assert_string_equal(got.sponsor, "beta");
	assert_string_equal(got.creator, "alpha");
	assert_string_equal(got.updater, "beta");

	c.id = id + 99;
	begin(f);
	assert_int_equal(store_contact_update(f->s.st, &c, &err), REG_ENOTFOUND);
	rollback(f);
}

static void
test_contact_constraints(void **state)
{
	struct fixture *f = *state;
	struct reg_contact c = contact_make(f, "dup-1");
	struct reg_err err = { 0 };
	int64_t id;

	contact_add(f, "dup-1");
	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'C', &c.roid), REG_OK);
	assert_int_equal(store_contact_create(f->s.st, &c, &id, &err), REG_EEXISTS);
	c.handle = "fresh-1";
	c.sponsor_id = 999;
	assert_int_equal(store_contact_create(f->s.st, &c, &id, &err), REG_ECONSTRAINT);
	c.sponsor_id = f->r1;
	c.intl.name = c.loc.name = NULL;
	assert_int_equal(store_contact_create(f->s.st, &c, &id, &err), REG_ECONSTRAINT);
	c = contact_make(f, "x");	/* handle too short */
	c.roid = "C99-TEST";
	assert_int_equal(store_contact_create(f->s.st, &c, &id, &err), REG_ECONSTRAINT);
	rollback(f);
	assert_int_equal(store_contact_get(f->s.st, f->s.a, "fresh-1", &c), REG_ENOTFOUND);
}

static void
test_contact_delete_purges(void **state)
{
	struct fixture *f = *state;
	struct reg_contact c;
	struct reg_transfer t = { .kind = "contact", .state = "pending", .requested = 1,
	    .acted = 2 };
	struct reg_status_list sl;
	struct reg_err err = { 0 };
	char *pw;
	int64_t id = contact_add(f, "gone-1");

	assert_int_equal(store_contact_get_by_id(f->s.st, f->s.a, id, &c), REG_OK);
	t.object_id = id, t.gaining_id = f->r2, t.losing_id = f->r1;
	begin(f);
	status_add(f, "contact", id, "clientUpdateProhibited", NULL);
	assert_int_equal(store_authinfo_set(f->s.st, c.roid, "s3cret"), REG_OK);
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_OK);
	commit_public(f);

	begin(f);
	assert_int_equal(store_contact_delete(f->s.st, id, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_contact_get_by_id(f->s.st, f->s.a, id, &c), REG_ENOTFOUND);
	assert_int_equal(store_status_list(f->s.st, f->s.a, "contact", id, &sl), REG_OK);
	assert_int_equal(sl.n, 0);
	assert_int_equal(store_authinfo_get(f->s.st, f->s.a, c.roid, &pw), REG_ENOTFOUND);
	assert_int_equal(store_transfer_get(f->s.st, f->s.a, "contact", id, &t), REG_ENOTFOUND);

	begin(f);
	assert_int_equal(store_contact_delete(f->s.st, id, &err), REG_ENOTFOUND);
	rollback(f);
}

static void
test_contact_in_use(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	struct reg_err err = { 0 };
	int64_t dom = domain_add(f, "used.test", &w);
	int64_t spare = contact_add(f, "spare-1");

	assert_true(store_contact_in_use(f->s.st, w.registrant));	/* registrant, tech */
	assert_true(store_contact_in_use(f->s.st, w.admin));	/* admin only */
	assert_false(store_contact_in_use(f->s.st, spare));
	begin(f);
	assert_int_equal(store_contact_delete(f->s.st, w.registrant, &err), REG_EINUSE);
	assert_int_equal(store_contact_delete(f->s.st, w.admin, &err), REG_EINUSE);
	assert_non_null(strstr(err.reason, "linked"));
	rollback(f);

	begin(f);
	assert_int_equal(store_domain_delete(f->s.st, dom, &err), REG_OK);
	assert_int_equal(store_contact_delete(f->s.st, w.admin, &err), REG_OK);
	commit_public(f);
}

/* --- hosts ---------------------------------------------------------------- */

static void
assert_host_addrs(const struct reg_host *got)
{
	assert_int_equal(got->naddr, 2);
	assert_string_equal(got->addr[0].addr, "192.0.2.1");
	assert_int_equal(got->addr[0].family, 4);
	assert_string_equal(got->addr[1].addr, "2001:db8::53");
	assert_int_equal(got->addr[1].family, 6);
}

static void
test_host_round_trip(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	int64_t dom = domain_add(f, "example.test", &w);
	struct reg_host h = host_make(f, "ns1.example.test", dom), got;
	struct reg_err err = { 0 };

	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'H', &h.roid), REG_OK);
	assert_int_equal(store_host_create(f->s.st, &h, &h.id, &err), REG_OK);
	status_add(f, "host", h.id, "serverUpdateProhibited", "registry lock");
	commit_public(f);

	assert_int_equal(store_host_get(f->s.st, f->s.a, "ns1.example.test", &got), REG_OK);
	assert_int_equal(got.id, h.id);
	assert_string_equal(got.roid, h.roid);
	assert_int_equal(got.domain_id, dom);
	assert_int_equal(got.sponsor_id, f->r1);
	assert_string_equal(got.sponsor, "alpha");
	assert_string_equal(got.creator, "alpha");
	assert_null(got.updater);
	assert_int_equal(got.created, 2000);
	assert_int_equal(got.updated, 0);
	assert_host_addrs(&got);
	assert_int_equal(got.statuses.n, 1);
	assert_string_equal(got.statuses.v[0].reason, "registry lock");

	assert_int_equal(store_host_get_by_id(f->s.st, f->s.a, w.ns1, &got), REG_OK);
	assert_string_equal(got.name, "ns1.other.test");
	assert_int_equal(got.domain_id, 0);
	assert_host_addrs(&got);
	assert_int_equal(got.statuses.n, 0);
	assert_int_equal(store_host_get(f->s.st, f->s.a, "ns9.example.test", &got), REG_ENOTFOUND);
}

static void
test_host_update_replaces_addresses(void **state)
{
	struct fixture *f = *state;
	struct reg_host_addr one[] = { { "2001:db8::1", 6 } };
	struct reg_host h, got;
	struct reg_err err = { 0 };
	int64_t id = host_add(f, "ns.old.test", 0);

	assert_int_equal(store_host_get_by_id(f->s.st, f->s.a, id, &h), REG_OK);
	h.name = "ns.new.test";
	h.sponsor_id = h.updater_id = f->r2;
	h.updated = 7000;
	h.transferred = 6000;
	h.naddr = 1;
	h.addr = one;
	begin(f);
	assert_int_equal(store_host_update(f->s.st, &h, &err), REG_OK);
	commit_public(f);

	assert_int_equal(store_host_get(f->s.st, f->s.a, "ns.old.test", &got), REG_ENOTFOUND);
	assert_int_equal(store_host_get(f->s.st, f->s.a, "ns.new.test", &got), REG_OK);
	assert_int_equal(got.id, id);
	assert_string_equal(got.sponsor, "beta");
	assert_string_equal(got.updater, "beta");
	assert_string_equal(got.creator, "alpha");
	assert_int_equal(got.updated, 7000);
	assert_int_equal(got.transferred, 6000);
	assert_int_equal(got.naddr, 1);
	assert_string_equal(got.addr[0].addr, "2001:db8::1");

	h.id = id + 99;
	begin(f);
	assert_int_equal(store_host_update(f->s.st, &h, &err), REG_ENOTFOUND);
	rollback(f);
}

static void
test_host_constraints(void **state)
{
	struct fixture *f = *state;
	struct reg_host_addr bad[] = { { "192.0.2.9", 5 } };
	struct reg_host_addr twice[] = { { "192.0.2.9", 4 }, { "192.0.2.9", 4 } };
	struct reg_host h = host_make(f, "ns.dup.test", 0);
	struct reg_err err = { 0 };
	int64_t id;

	host_add(f, "ns.dup.test", 0);
	begin(f);
	h.roid = "H90-TEST";
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_EEXISTS);
	h.name = "NS.UPPER.TEST";
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_ECONSTRAINT);
	h.name = "ns.fresh.test";
	h.sponsor_id = 999;
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_ECONSTRAINT);
	h.sponsor_id = f->r1;
	h.domain_id = 999;
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_ECONSTRAINT);
	h.domain_id = 0;
	h.addr = bad;
	h.naddr = 1;
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_ECONSTRAINT);
	rollback(f);

	begin(f);
	h.addr = twice;
	h.naddr = 2;
	assert_int_equal(store_host_create(f->s.st, &h, &id, &err), REG_EEXISTS);
	rollback(f);
	assert_int_equal(store_host_get(f->s.st, f->s.a, "ns.fresh.test", &h), REG_ENOTFOUND);
}

static void
test_host_delete(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	struct reg_domain d = { 0 };
	struct reg_host got;
	struct reg_status_list sl;
	struct reg_err err = { 0 };

	domain_add(f, "deleg.test", &w);
	assert_true(store_host_in_use(f->s.st, w.ns1));
	begin(f);
	status_add(f, "host", w.ns1, "clientUpdateProhibited", NULL);
	commit_public(f);

	begin(f);
	assert_int_equal(store_host_delete(f->s.st, w.ns1, &err), REG_EINUSE);
	assert_non_null(strstr(err.reason, "name server"));
	rollback(f);

	assert_int_equal(store_domain_get(f->s.st, f->s.a, "deleg.test", &d), REG_OK);
	d.nns = 0;
	begin(f);
	assert_int_equal(store_domain_set_ns(f->s.st, &d, &err), REG_OK);
	assert_false(store_host_in_use(f->s.st, w.ns1));
	assert_int_equal(store_host_delete(f->s.st, w.ns1, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_host_get_by_id(f->s.st, f->s.a, w.ns1, &got), REG_ENOTFOUND);
	assert_int_equal(store_status_list(f->s.st, f->s.a, "host", w.ns1, &sl), REG_OK);
	assert_int_equal(sl.n, 0);

	/* The name is free again and comes back without the old addresses. */
	struct reg_host h = host_make(f, "ns1.other.test", 0);
	h.naddr = 0;
	h.roid = "H91-TEST";
	begin(f);
	assert_int_equal(store_host_create(f->s.st, &h, &h.id, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_host_get(f->s.st, f->s.a, "ns1.other.test", &got), REG_OK);
	assert_int_equal(got.naddr, 0);

	begin(f);
	assert_int_equal(store_host_delete(f->s.st, w.ns1, &err), REG_ENOTFOUND);
	rollback(f);
}

static void
test_host_list_by_domain(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	int64_t dom = domain_add(f, "parent.test", &w);
	struct reg_host *v;
	int n;

	host_add(f, "ns2.parent.test", dom);
	host_add(f, "ns1.parent.test", dom);
	assert_int_equal(store_host_list_by_domain(f->s.st, f->s.a, dom, &v, &n), REG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "ns1.parent.test");
	assert_string_equal(v[1].name, "ns2.parent.test");
	assert_string_equal(v[1].sponsor, "alpha");
	assert_host_addrs(&v[0]);
	assert_host_addrs(&v[1]);
	assert_int_equal(store_host_list_by_domain(f->s.st, f->s.a, dom + 99, &v, &n), REG_OK);
	assert_int_equal(n, 0);
}

/* --- domains -------------------------------------------------------------- */

static void
assert_ds_equal(const struct reg_ds *want, const struct reg_ds *got)
{
	assert_int_equal(want->key_tag, got->key_tag);
	assert_int_equal(want->alg, got->alg);
	assert_int_equal(want->digest_type, got->digest_type);
	assert_string_equal(want->digest, got->digest);
	assert_int_equal(want->has_key, got->has_key);
	assert_int_equal(want->key_flags, got->key_flags);
	assert_int_equal(want->key_protocol, got->key_protocol);
	assert_int_equal(want->key_alg, got->key_alg);
	assert_same_str(want->key_pub, got->key_pub);
}

static void
test_domain_round_trip(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	struct reg_domain d = domain_make(f, "xn--bcher-kva.test", &w), got;
	struct reg_err err = { 0 };

	d.uname = "bücher.test";
	d.max_sig_life = 604800;
	d.updater_id = f->r2;
	d.updated = 3500;
	d.transferred = 3400;
	d.deleted = 3600;
	d.rgp = "redemptionPeriod";
	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'D', &d.roid), REG_OK);
	assert_int_equal(store_domain_create(f->s.st, &d, &d.id, &err), REG_OK);
	status_add(f, "domain", d.id, "pendingDelete", NULL);
	status_add(f, "domain", d.id, "clientHold", "unpaid invoice");
	commit_public(f);

	assert_int_equal(store_domain_get(f->s.st, f->s.a, "xn--bcher-kva.test", &got), REG_OK);
	assert_int_equal(got.id, d.id);
	assert_string_equal(got.uname, "bücher.test");
	assert_string_equal(got.roid, d.roid);
	assert_string_equal(got.sponsor, "alpha");
	assert_string_equal(got.creator, "alpha");
	assert_string_equal(got.updater, "beta");
	assert_int_equal(got.registrant_id, w.registrant);
	assert_string_equal(got.registrant, "reg-1");
	assert_int_equal(got.max_sig_life, 604800);
	assert_int_equal(got.created, 3000);
	assert_int_equal(got.updated, 3500);
	assert_int_equal(got.expires, d.expires);
	assert_int_equal(got.transferred, 3400);
	assert_int_equal(got.deleted, 3600);
	assert_string_equal(got.rgp, "redemptionPeriod");
	assert_int_equal(got.ncontact, 2);
	assert_string_equal(got.contact[0].type, "admin");
	assert_string_equal(got.contact[0].handle, "adm-1");
	assert_int_equal(got.contact[0].contact_id, w.admin);
	assert_string_equal(got.contact[1].type, "tech");
	assert_string_equal(got.contact[1].handle, "reg-1");
	assert_int_equal(got.nns, 2);
	assert_string_equal(got.ns[0], "ns1.other.test");
	assert_int_equal(got.ns_id[0], w.ns1);
	assert_string_equal(got.ns[1], "ns2.other.test");
	assert_int_equal(got.ns_id[1], w.ns2);
	assert_int_equal(got.nds, 2);
	assert_ds_equal(&ds_data[0], &got.ds[0]);
	assert_ds_equal(&ds_data[1], &got.ds[1]);
	assert_int_equal(got.statuses.n, 2);
	assert_string_equal(got.statuses.v[0].status, "clientHold");
	assert_string_equal(got.statuses.v[0].reason, "unpaid invoice");
	assert_string_equal(got.statuses.v[1].status, "pendingDelete");

	assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, d.id, &got), REG_OK);
	assert_string_equal(got.name, "xn--bcher-kva.test");
	assert_int_equal(got.nds, 2);
	assert_true(store_domain_exists(f->s.st, "xn--bcher-kva.test"));
	assert_false(store_domain_exists(f->s.st, "absent.test"));
	assert_int_equal(store_domain_get(f->s.st, f->s.a, "absent.test", &got), REG_ENOTFOUND);
}

static void
test_domain_minimal(void **state)
{
	struct fixture *f = *state;
	struct reg_domain d = { .name = "bare.test", .roid = "D50-TEST", .sponsor_id = f->r2,
	    .creator_id = f->r2, .created = 10, .expires = 20 }, got;
	struct reg_err err = { 0 };

	begin(f);
	assert_int_equal(store_domain_create(f->s.st, &d, &d.id, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_domain_get(f->s.st, f->s.a, "bare.test", &got), REG_OK);
	assert_null(got.uname);
	assert_null(got.registrant);
	assert_int_equal(got.registrant_id, 0);
	assert_null(got.rgp);
	assert_int_equal(got.max_sig_life, 0);
	assert_int_equal(got.ncontact + got.nns + got.nds + got.statuses.n, 0);
	assert_non_null(got.ns);
}

static void
test_domain_update_and_lists(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	int64_t id = domain_add(f, "change.test", &w);
	struct reg_domain d, got;
	struct reg_err err = { 0 };

	assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, id, &d), REG_OK);
	d.sponsor_id = d.updater_id = f->r2;
	d.registrant_id = w.admin;
	d.updated = 8000;
	d.expires += 86400;
	d.max_sig_life = 3600;
	begin(f);
	assert_int_equal(store_domain_update(f->s.st, &d, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, id, &got), REG_OK);
	assert_string_equal(got.sponsor, "beta");
	assert_string_equal(got.registrant, "adm-1");
	assert_int_equal(got.expires, d.expires);
	assert_int_equal(got.max_sig_life, 3600);
	assert_int_equal(got.ncontact, 2);	/* lists untouched */
	assert_int_equal(got.nns, 2);
	assert_int_equal(got.nds, 2);

	d.ncontact = 1;
	d.contact[0] = (struct reg_domain_contact){ .type = "billing", .contact_id = w.admin };
	d.nns = 1;
	d.ns_id[0] = w.ns2;
	d.nds = 1;
	d.ds = &ds_data[1];
	begin(f);
	assert_int_equal(store_domain_set_contacts(f->s.st, &d, &err), REG_OK);
	assert_int_equal(store_domain_set_ns(f->s.st, &d, &err), REG_OK);
	assert_int_equal(store_domain_set_ds(f->s.st, &d, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, id, &got), REG_OK);
	assert_int_equal(got.ncontact, 1);
	assert_string_equal(got.contact[0].type, "billing");
	assert_int_equal(got.nns, 1);
	assert_string_equal(got.ns[0], "ns2.other.test");
	assert_int_equal(got.nds, 1);
	assert_ds_equal(&ds_data[1], &got.ds[0]);

	d.id = id + 99;
	begin(f);
	assert_int_equal(store_domain_update(f->s.st, &d, &err), REG_ENOTFOUND);
	assert_int_equal(store_domain_set_contacts(f->s.st, &d, &err), REG_ENOTFOUND);
	assert_int_equal(store_domain_set_ns(f->s.st, &d, &err), REG_ENOTFOUND);
	assert_int_equal(store_domain_set_ds(f->s.st, &d, &err), REG_ENOTFOUND);
	rollback(f);
}

static void
test_domain_constraints(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	struct reg_domain d = domain_make(f, "taken.test", &w);
	struct reg_ds lower = { .key_tag = 1, .alg = 8, .digest_type = 2, .digest = "abcd" };
	struct reg_ds nokey = { .key_tag = 1, .alg = 8, .digest_type = 2, .digest = "ABCD",
	    .has_key = true, .key_flags = 257, .key_protocol = 3, .key_alg = 8 };
	struct reg_err err = { 0 };
	int64_t id;

	domain_add(f, "taken.test", &w);
	d.roid = "D60-TEST";
	begin(f);
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_EEXISTS);
	d.name = "Upper.test";
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_ECONSTRAINT);
	d.name = "fresh.test";
	d.registrant_id = 999;
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_ECONSTRAINT);
	d.registrant_id = w.registrant;
	d.rgp = "sometime";
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_ECONSTRAINT);
	d.rgp = NULL;
	d.ns_id[0] = 999;
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_ECONSTRAINT);
	rollback(f);

	d.ns_id[0] = w.ns2;
	d.nds = 1;
	begin(f);
	d.ds = &lower;
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_ECONSTRAINT);
	rollback(f);
	begin(f);
	d.ds = &nokey;	/* keyData without a public key */
	assert_int_equal(store_domain_create(f->s.st, &d, &id, &err), REG_ECONSTRAINT);
	rollback(f);
	assert_false(store_domain_exists(f->s.st, "fresh.test"));
}

static void
test_domain_delete_purges(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	int64_t id = domain_add(f, "purge.test", &w);
	struct reg_domain d;
	struct reg_grace g = { .period = "addPeriod", .registrar_id = f->r1, .ends = 9999 };
	struct reg_transfer t = { .kind = "domain", .object_id = id, .state = "pending",
	    .gaining_id = f->r2, .losing_id = f->r1, .requested = 1, .acted = 2 };
	struct reg_grace *gv;
	struct reg_status_list sl;
	struct reg_err err = { 0 };
	char *pw;
	int n;

	assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, id, &d), REG_OK);
	begin(f);
	status_add(f, "domain", id, "clientHold", NULL);
	assert_int_equal(store_authinfo_set(f->s.st, d.roid, "pw"), REG_OK);
	assert_int_equal(store_grace_add(f->s.st, id, &g), REG_OK);
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_OK);
	commit_public(f);

	begin(f);
	assert_int_equal(store_domain_delete(f->s.st, id, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, id, &d), REG_ENOTFOUND);
	assert_int_equal(store_status_list(f->s.st, f->s.a, "domain", id, &sl), REG_OK);
	assert_int_equal(sl.n, 0);
	assert_int_equal(store_authinfo_get(f->s.st, f->s.a, d.roid, &pw), REG_ENOTFOUND);
	assert_int_equal(store_grace_list(f->s.st, f->s.a, id, 0, &gv, &n), REG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_transfer_get(f->s.st, f->s.a, "domain", id, &t), REG_ENOTFOUND);
	/* The lists went with it: nothing refers to the contacts or hosts. */
	assert_false(store_contact_in_use(f->s.st, w.registrant));
	assert_false(store_contact_in_use(f->s.st, w.admin));
	assert_false(store_host_in_use(f->s.st, w.ns1));

	begin(f);
	assert_int_equal(store_domain_delete(f->s.st, id, &err), REG_ENOTFOUND);
	rollback(f);
}

static void
test_domain_delete_with_subordinates(void **state)
{
	struct fixture *f = *state;
	struct world w = world_add(f);
	int64_t id = domain_add(f, "glue.test", &w);
	int64_t ns = host_add(f, "ns.glue.test", id);
	struct reg_domain d;
	struct reg_err err = { 0 };

	begin(f);
	assert_int_equal(store_domain_delete(f->s.st, id, &err), REG_EINUSE);
	assert_non_null(strstr(err.reason, "subordinate"));
	rollback(f);
	assert_int_equal(store_domain_get_by_id(f->s.st, f->s.a, id, &d), REG_OK);
	assert_int_equal(d.nns, 2);

	begin(f);
	assert_int_equal(store_host_delete(f->s.st, ns, &err), REG_OK);
	assert_int_equal(store_domain_delete(f->s.st, id, &err), REG_OK);
	commit_public(f);
}

static void
test_rollback_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct reg_contact c = contact_make(f, "tmp-1");
	struct reg_host h = host_make(f, "ns.tmp.test", 0);
	struct world w = { 0 };
	struct reg_domain d;
	struct reg_reserved r = { .name = "tmp", .kind = "reserved" };
	struct reg_err err = { 0 };
	char *pw;

	begin(f);
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'C', &c.roid), REG_OK);
	assert_int_equal(store_contact_create(f->s.st, &c, &w.registrant, &err), REG_OK);
	w.admin = w.registrant;
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'H', &h.roid), REG_OK);
	assert_int_equal(store_host_create(f->s.st, &h, &w.ns1, &err), REG_OK);
	w.ns2 = w.ns1;
	d = domain_make(f, "tmp.test", &w);
	d.nns = 1;
	assert_int_equal(store_roid_new(f->s.st, f->s.a, 'D', &d.roid), REG_OK);
	assert_int_equal(store_domain_create(f->s.st, &d, &d.id, &err), REG_OK);
	status_add(f, "domain", d.id, "clientHold", NULL);
	assert_int_equal(store_authinfo_set(f->s.st, d.roid, "pw"), REG_OK);
	assert_int_equal(store_reserved_add(f->s.st, &r, &err), REG_OK);
	assert_int_equal(store_poll_add(f->s.st, f->r1, 1, "hello", NULL), REG_OK);
	rollback(f);

	assert_int_equal(store_contact_get(f->s.st, f->s.a, "tmp-1", &c), REG_ENOTFOUND);
	assert_int_equal(store_host_get(f->s.st, f->s.a, "ns.tmp.test", &h), REG_ENOTFOUND);
	assert_int_equal(store_domain_get(f->s.st, f->s.a, "tmp.test", &d), REG_ENOTFOUND);
	assert_false(store_status_has(f->s.st, "domain", d.id, "clientHold"));
	assert_int_equal(store_authinfo_get(f->s.st, f->s.a, d.roid, &pw), REG_ENOTFOUND);
	assert_int_equal(store_reserved_get(f->s.st, f->s.a, "tmp", &r), REG_ENOTFOUND);
	assert_int_equal(store_poll_count(f->s.st, f->r1), 0);
}

/* --- statuses ------------------------------------------------------------- */

static void
test_status(void **state)
{
	struct fixture *f = *state;
	int64_t c = contact_add(f, "st-1");
	int64_t h = host_add(f, "ns.st.test", 0);
	struct reg_status s = { .status = "clientUpdateProhibited" };
	struct reg_status_list sl;

	begin(f);
	status_add(f, "contact", c, "serverDeleteProhibited", "dispute");
	status_add(f, "contact", c, "clientUpdateProhibited", NULL);
	status_add(f, "host", h, "linked", NULL);
	assert_int_equal(store_status_add(f->s.st, "contact", c, &s), REG_EEXISTS);
	assert_int_equal(store_status_add(f->s.st, "contact", c + 99, &s), REG_ENOTFOUND);
	assert_int_equal(store_status_add(f->s.st, "domain", c, &s), REG_ENOTFOUND);
	commit_public(f);

	assert_int_equal(store_status_list(f->s.st, f->s.a, "contact", c, &sl), REG_OK);
	assert_int_equal(sl.n, 2);
	assert_string_equal(sl.v[0].status, "clientUpdateProhibited");
	assert_string_equal(sl.v[1].status, "serverDeleteProhibited");
	assert_string_equal(sl.v[1].lang, "en");
	assert_string_equal(sl.v[1].reason, "dispute");
	assert_true(store_status_has(f->s.st, "host", h, "linked"));
	assert_false(store_status_has(f->s.st, "contact", c, "linked"));

	begin(f);
	assert_int_equal(store_status_remove(f->s.st, "contact", c, "clientUpdateProhibited"),
	    REG_OK);
	assert_int_equal(store_status_remove(f->s.st, "contact", c, "clientUpdateProhibited"),
	    REG_ENOTFOUND);
	commit_public(f);
	assert_false(store_status_has(f->s.st, "contact", c, "clientUpdateProhibited"));
	assert_true(store_status_has(f->s.st, "contact", c, "serverDeleteProhibited"));
}

/* --- transfers, grace, poll, history, reserved ---------------------------- */

static void
test_transfer(void **state)
{
	struct fixture *f = *state;
	int64_t c1 = contact_add(f, "tr-1"), c2 = contact_add(f, "tr-2");
	int64_t c3 = contact_add(f, "tr-3");
	struct reg_transfer t = { .kind = "contact", .object_id = c1, .state = "pending",
	    .gaining_id = f->r2, .losing_id = f->r1, .requested = 50, .acted = 200,
	    .years = 1, .expires = 99999 }, got, *due;
	int n;

	begin(f);
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_OK);
	t.object_id = c2, t.acted = 100, t.years = 0, t.expires = 0;
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_OK);
	t.object_id = c3, t.acted = 10, t.state = "clientApproved";
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_OK);
	commit_public(f);

	assert_int_equal(store_transfer_get(f->s.st, f->s.a, "contact", c1, &got), REG_OK);
	assert_string_equal(got.kind, "contact");
	assert_int_equal(got.object_id, c1);
	assert_string_equal(got.state, "pending");
	assert_string_equal(got.gaining, "beta");
	assert_string_equal(got.losing, "alpha");
	assert_int_equal(got.gaining_id, f->r2);
	assert_int_equal(got.requested, 50);
	assert_int_equal(got.acted, 200);
	assert_int_equal(got.years, 1);
	assert_int_equal(got.expires, 99999);

	assert_int_equal(store_transfer_due(f->s.st, f->s.a, 99, &due, &n), REG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_transfer_due(f->s.st, f->s.a, 200, &due, &n), REG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(due[0].object_id, c2);
	assert_int_equal(due[1].object_id, c1);

	/* A later request or decision replaces the record. */
	t.object_id = c1, t.state = "clientRejected", t.acted = 150;
	begin(f);
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_OK);
	commit_public(f);
	assert_int_equal(store_transfer_get(f->s.st, f->s.a, "contact", c1, &got), REG_OK);
	assert_string_equal(got.state, "clientRejected");
	assert_int_equal(store_transfer_due(f->s.st, f->s.a, 200, &due, &n), REG_OK);
	assert_int_equal(n, 1);

	begin(f);
	t.object_id = c1 + 99;
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_ENOTFOUND);
	t.object_id = c1, t.state = "maybe";
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_ECONSTRAINT);
	t.state = "pending", t.gaining_id = 999;
	assert_int_equal(store_transfer_put(f->s.st, &t), REG_ECONSTRAINT);
	rollback(f);
	assert_int_equal(store_transfer_get(f->s.st, f->s.a, "domain", c1, &got), REG_ENOTFOUND);
}

static void
test_grace(void **state)
{
	struct fixture *f = *state;
	struct reg_domain d = { .name = "grace.test", .roid = "D70-TEST", .sponsor_id = f->r1,
	    .creator_id = f->r1, .created = 1, .expires = 2 };
	struct reg_grace add = { .period = "addPeriod", .registrar_id = f->r1, .ends = 500,
	    .amount = 1200, .years = 1 };
	struct reg_grace renew = { .period = "renewPeriod", .registrar_id = f->r2,
	    .ends = 1000, .amount = 900, .years = 2 };
	struct reg_grace *v;
	struct reg_err err = { 0 };
	int n;

	begin(f);
	assert_int_equal(store_domain_create(f->s.st, &d, &d.id, &err), REG_OK);
	commit_public(f);
	begin(f);
	assert_int_equal(store_grace_add(f->s.st, d.id, &renew), REG_OK);
	assert_int_equal(store_grace_add(f->s.st, d.id, &add), REG_OK);
	assert_int_equal(store_grace_add(f->s.st, d.id, &add), REG_EEXISTS);
	assert_int_equal(store_grace_add(f->s.st, d.id + 99, &add), REG_ECONSTRAINT);
	commit_private(f);

	assert_int_equal(store_grace_list(f->s.st, f->s.a, d.id, 0, &v, &n), REG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].period, "addPeriod");
	assert_int_equal(v[0].registrar_id, f->r1);
	assert_int_equal(v[0].ends, 500);
	assert_int_equal(v[0].amount, 1200);
	assert_int_equal(v[0].years, 1);
	assert_int_equal(store_grace_list(f->s.st, f->s.a, d.id, 500, &v, &n), REG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].period, "renewPeriod");
	assert_int_equal(v[0].years, 2);

	begin(f);
	assert_int_equal(store_grace_clear(f->s.st, d.id, "addPeriod"), REG_OK);
	assert_int_equal(store_grace_clear(f->s.st, d.id, "addPeriod"), REG_ENOTFOUND);
	assert_int_equal(store_grace_clear(f->s.st, d.id, NULL), REG_OK);
	assert_int_equal(store_grace_clear(f->s.st, d.id, NULL), REG_ENOTFOUND);
	commit_private(f);
	assert_int_equal(store_grace_list(f->s.st, f->s.a, d.id, 0, &v, &n), REG_OK);
	assert_int_equal(n, 0);
}

static void
test_poll(void **state)
{
	struct fixture *f = *state;
	struct reg_poll p;
	int64_t count, first;

	assert_int_equal(store_poll_peek(f->s.st, f->s.a, f->r1, &p, &count), REG_ENOTFOUND);
	assert_int_equal(count, 0);
	begin(f);
	assert_int_equal(store_poll_add(f->s.st, f->r1, 100, "Transfer requested.",
	    "<trnData/>"), REG_OK);
	assert_int_equal(store_poll_add(f->s.st, f->r2, 101, "For beta.", NULL), REG_OK);
	assert_int_equal(store_poll_add(f->s.st, f->r1, 102, "Second.", NULL), REG_OK);
	assert_int_equal(store_poll_add(f->s.st, 999, 103, "Nobody.", NULL), REG_ECONSTRAINT);
	commit_private(f);

	assert_int_equal(store_poll_count(f->s.st, f->r1), 2);
	assert_int_equal(store_poll_peek(f->s.st, f->s.a, f->r1, &p, &count), REG_OK);
	assert_int_equal(count, 2);
	assert_string_equal(p.message, "Transfer requested.");
	assert_string_equal(p.payload, "<trnData/>");
	assert_int_equal(p.created, 100);
	assert_int_equal(p.registrar_id, f->r1);
	first = p.id;

	begin(f);
	assert_int_equal(store_poll_ack(f->s.st, f->r2, first), REG_ENOTFOUND);
	assert_int_equal(store_poll_ack(f->s.st, f->r1, first), REG_OK);
	assert_int_equal(store_poll_ack(f->s.st, f->r1, first), REG_ENOTFOUND);
	commit_private(f);
	assert_int_equal(store_poll_peek(f->s.st, f->s.a, f->r1, &p, &count), REG_OK);
	assert_int_equal(count, 1);
	assert_string_equal(p.message, "Second.");
	assert_null(p.payload);
	assert_int_equal(store_poll_count(f->s.st, f->r2), 1);
}

static void
test_history(void **state)
{
	struct fixture *f = *state;
	struct reg_history h = { .actor = "alpha", .kind = "domain", .roid = "D1-TEST",
	    .name = "hist.test", .command = "domain:create", .cltrid = "ABC-1",
	    .svtrid = "SV-1", .detail = "period=1y" };
	static const int64_t ts[] = { 30, 10, 20 };
	struct reg_history *v;
	int n;

	begin(f);
	for (size_t i = 0; i < nitems(ts); i++) {
		h.ts = ts[i];
		assert_int_equal(store_history_add(f->s.st, &h), REG_OK);
	}
	h = (struct reg_history){ .ts = 40, .actor = "registry", .kind = "domain",
	    .roid = "D9-TEST", .name = "hist.test", .command = "regctl status set" };
	assert_int_equal(store_history_add(f->s.st, &h), REG_OK);
	commit_private(f);

	assert_int_equal(store_history_list(f->s.st, f->s.a, "hist.test", &v, &n), REG_OK);
	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(v[i].ts, 10 * (i + 1));
	assert_string_equal(v[0].command, "domain:create");
	assert_string_equal(v[0].cltrid, "ABC-1");
	assert_string_equal(v[0].svtrid, "SV-1");
	assert_string_equal(v[0].detail, "period=1y");
	assert_string_equal(v[0].actor, "alpha");
	assert_string_equal(v[3].actor, "registry");
	assert_null(v[3].cltrid);
	assert_int_equal(store_history_list(f->s.st, f->s.a, "D1-TEST", &v, &n), REG_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[2].name, "hist.test");
	assert_int_equal(store_history_list(f->s.st, f->s.a, "other.test", &v, &n), REG_OK);
	assert_int_equal(n, 0);
}

static void
test_reserved(void **state)
{
	struct fixture *f = *state;
	struct reg_reserved r1 = { .name = "nic", .kind = "reserved", .reason = "registry use" };
	struct reg_reserved r2 = { .name = "bad", .kind = "blocked" };
	struct reg_reserved r3 = { .name = "odd", .kind = "whatever" };
	struct reg_reserved got, *v;
	struct reg_err err = { 0 };
	int n;

	begin(f);
	assert_int_equal(store_reserved_add(f->s.st, &r1, &err), REG_OK);
	assert_int_equal(store_reserved_add(f->s.st, &r2, &err), REG_OK);
	commit_public(f);
	begin(f);
	assert_int_equal(store_reserved_add(f->s.st, &r1, &err), REG_EEXISTS);
	assert_int_equal(store_reserved_add(f->s.st, &r3, &err), REG_ECONSTRAINT);
	rollback(f);

	assert_int_equal(store_reserved_get(f->s.st, f->s.a, "nic", &got), REG_OK);
	assert_string_equal(got.kind, "reserved");
	assert_string_equal(got.reason, "registry use");
	assert_int_equal(store_reserved_list(f->s.st, f->s.a, &v, &n), REG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "bad");
	assert_string_equal(v[0].kind, "blocked");
	assert_string_equal(v[0].reason, "");
	assert_string_equal(v[1].name, "nic");

	begin(f);
	assert_int_equal(store_reserved_del(f->s.st, "nic"), REG_OK);
	assert_int_equal(store_reserved_del(f->s.st, "nic"), REG_ENOTFOUND);
	commit_public(f);
	assert_int_equal(store_reserved_get(f->s.st, f->s.a, "nic", &got), REG_ENOTFOUND);
}

/* --- registrars: update, list, allow-list, certificates, account ----------- */

static void
test_registrar_update_list(void **state)
{
	struct fixture *f = *state;
	struct reg_registrar r, got, *v;
	struct reg_err err = { 0 };
	int n;

	assert_int_equal(store_registrar_get_by_id(f->s.st, f->s.a, f->r2, &r), REG_OK);
	r.name = "Beta Registrar Ltd";
	r.iana_id = 9999;
	r.state = "readonly";
	r.email = "ops@beta.test";
	r.url = "https://beta.test";
	r.addr.street[0] = "2 High St";
	r.addr.city = "London";
	r.addr.cc = "GB";
	r.updated = 77;
	begin(f);
	assert_int_equal(store_registrar_update(f->s.st, &r, &err), REG_OK);
	commit_public(f);
	assert_int_equal(store_registrar_get(f->s.st, f->s.a, "beta", &got), REG_OK);
	assert_string_equal(got.name, "Beta Registrar Ltd");
	assert_int_equal(got.iana_id, 9999);
	assert_string_equal(got.state, "readonly");
	assert_string_equal(got.addr.street[0], "2 High St");
	assert_string_equal(got.addr.cc, "GB");
	assert_int_equal(got.updated, 77);

	begin(f);
	r.state = "asleep";
	assert_int_equal(store_registrar_update(f->s.st, &r, &err), REG_ECONSTRAINT);
	r.state = "ok";
	r.id = 999;
	assert_int_equal(store_registrar_update(f->s.st, &r, &err), REG_ENOTFOUND);
	rollback(f);

	assert_int_equal(store_registrar_list(f->s.st, f->s.a, &v, &n), REG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].handle, "alpha");
	assert_string_equal(v[1].handle, "beta");
}

static void
test_registrar_acl_cert(void **state)
{
	struct fixture *f = *state;
	static const char fp[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct reg_registrar r;
	struct reg_err err = { 0 };
	char **list;

	begin(f);
	assert_int_equal(store_registrar_acl_add(f->s.st, f->r1, "192.0.2.0/24", &err), REG_OK);
	assert_int_equal(store_registrar_acl_add(f->s.st, f->r1, "2001:db8::/32", &err), REG_OK);
	assert_int_equal(store_registrar_acl_add(f->s.st, f->r2, "198.51.100.7/32", &err), REG_OK);
	assert_int_equal(store_registrar_acl_add(f->s.st, f->r1, "192.0.2.0/24", &err),
	    REG_EEXISTS);
	assert_int_equal(store_registrar_acl_add(f->s.st, 999, "203.0.113.0/24", &err),
	    REG_ECONSTRAINT);
	assert_int_equal(store_registrar_cert_add(f->s.st, f->r1, fp, &err), REG_OK);
	assert_int_equal(store_registrar_cert_add(f->s.st, f->r1, "ABCDEF", &err),
	    REG_ECONSTRAINT);
	commit_private(f);

	assert_int_equal(store_registrar_acl_list(f->s.st, f->s.a, f->r1, &list), REG_OK);
	assert_string_equal(list[0], "192.0.2.0/24");
	assert_string_equal(list[1], "2001:db8::/32");
	assert_null(list[2]);
	assert_int_equal(store_registrar_cert_list(f->s.st, f->s.a, f->r1, &list), REG_OK);
	assert_string_equal(list[0], fp);
	assert_null(list[1]);
	assert_int_equal(store_acl_all(f->s.st, f->s.a, &list), REG_OK);
	assert_string_equal(list[2], "2001:db8::/32");
	assert_null(list[3]);

	/* A terminated registrar's prefixes no longer open the door. */
	assert_int_equal(store_registrar_get_by_id(f->s.st, f->s.a, f->r2, &r), REG_OK);
	r.state = "terminated";
	begin(f);
	assert_int_equal(store_registrar_update(f->s.st, &r, &err), REG_OK);
	assert_int_equal(store_registrar_acl_del(f->s.st, f->r1, "2001:db8::/32"), REG_OK);
	assert_int_equal(store_registrar_acl_del(f->s.st, f->r1, "2001:db8::/32"), REG_ENOTFOUND);
	assert_int_equal(store_registrar_cert_del(f->s.st, f->r1, fp), REG_OK);
	assert_int_equal(store_registrar_cert_del(f->s.st, f->r1, fp), REG_ENOTFOUND);
	commit_public(f);
	assert_int_equal(store_acl_all(f->s.st, f->s.a, &list), REG_OK);
	assert_string_equal(list[0], "192.0.2.0/24");
	assert_null(list[1]);
	assert_int_equal(store_registrar_cert_list(f->s.st, f->s.a, f->r1, &list), REG_OK);
	assert_null(list[0]);
}

static void
test_account(void **state)
{
	struct fixture *f = *state;
	struct reg_account acct;
	struct reg_err err = { 0 };

	assert_int_equal(store_account_get(f->s.st, f->r1, &acct), REG_OK);
	assert_int_equal(acct.balance, 0);
	assert_int_equal(acct.credit_limit, 0);
	begin(f);
	assert_int_equal(store_account_charge(f->s.st, f->r1, 5000, "deposit", NULL, NULL, &err),
	    REG_OK);
	assert_int_equal(store_account_set_credit(f->s.st, f->r1, 1000, &err), REG_OK);
	assert_int_equal(store_account_charge(f->s.st, f->r1, -5500, "domain:create",
	    "a.test", "SV-1", &err), REG_OK);
	commit_private(f);
	assert_int_equal(store_account_get(f->s.st, f->r1, &acct), REG_OK);
	assert_int_equal(acct.balance, -500);
	assert_int_equal(acct.credit_limit, 1000);

	begin(f);
	assert_int_equal(store_account_charge(f->s.st, f->r1, -501, "domain:renew", "a.test",
	    "SV-2", &err), REG_EFUNDS);
	assert_int_equal(store_account_set_credit(f->s.st, f->r1, 499, &err), REG_EFUNDS);
	assert_int_equal(store_account_set_credit(f->s.st, f->r1, -1, &err), REG_EINVAL);
	assert_int_equal(store_account_charge(f->s.st, 999, -1, "x", NULL, NULL, &err),
	    REG_ENOTFOUND);
	assert_int_equal(store_account_set_credit(f->s.st, 999, 1, &err), REG_ENOTFOUND);
	commit_private(f);
	assert_int_equal(store_account_get(f->s.st, f->r1, &acct), REG_OK);
	assert_int_equal(acct.balance, -500);
	assert_int_equal(acct.credit_limit, 1000);

	begin(f);
	assert_int_equal(store_account_charge(f->s.st, f->r1, -500, "domain:renew", "a.test",
	    "SV-3", &err), REG_OK);
	commit_private(f);
	assert_int_equal(store_account_get(f->s.st, f->r1, &acct), REG_OK);
	assert_int_equal(acct.balance, -1000);
	assert_int_equal(store_account_get(f->s.st, 999, &acct), REG_ENOTFOUND);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_contact_round_trip),
		T(test_contact_update),
		T(test_contact_constraints),
		T(test_contact_delete_purges),
		T(test_contact_in_use),
		T(test_host_round_trip),
		T(test_host_update_replaces_addresses),
		T(test_host_constraints),
		T(test_host_delete),
		T(test_host_list_by_domain),
		T(test_domain_round_trip),
		T(test_domain_minimal),
		T(test_domain_update_and_lists),
		T(test_domain_constraints),
		T(test_domain_delete_purges),
		T(test_domain_delete_with_subordinates),
		T(test_rollback_leaves_nothing),
		T(test_status),
		T(test_transfer),
		T(test_grace),
		T(test_poll),
		T(test_history),
		T(test_reserved),
		T(test_registrar_update_list),
		T(test_registrar_acl_cert),
		T(test_account),
	};

	return cmocka_run_group_tests_name("store_objects", tests, NULL, NULL);
}
