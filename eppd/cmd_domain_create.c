/*
 * cmd_domain_create.c: <domain:create> (RFC 5731 3.2.1) with
 * <secDNS:create> (RFC 5910 5.2.1).
 *
 * check parses and validates everything and resolves every reference;
 * exec charges the sponsor, writes the domain with its lists, authInfo
 * and statuses, and starts the add grace period. Two registrars racing
 * for one name meet in the single writer: the second finds it taken
 * (2302), and the UNIQUE name column would refuse it anyway.
 */
#include <string.h>

#include "domain.h"
#include "util.h"

struct dom_create {
	struct name_parts np;
	struct reg_domain d;
	int years;
	const char *pw;
};

/* The name: valid, free, not reserved or blocked. */
static int
create_name(struct epp_cmd *c, struct dom_create *k)
{
	xmlNodePtr n = xml_child(c->obj, "name");
	struct reg_reserved r;
	int rc;

	if ((rc = dom_name(c, n, &k->np)) != 0)
		return rc;
	if (store_domain_exists(c->env->st, k->np.alabel))
		return epp_fail(c, EPP_EXISTS, n, "domain %s exists", k->np.alabel);
	if ((rc = store_reserved_get(c->env->st, c->a, k->np.alabel, &r)) == REG_OK)
		return epp_fail(c, strcmp(r.kind, "blocked") == 0 ? EPP_PARAM_POLICY : EPP_EXISTS,
		    n, "%s is %s by the registry%s%s", k->np.alabel, r.kind,
		    *r.reason ? ": " : "", r.reason);
	if (rc != REG_ENOTFOUND)
		return dom_store_fail(c, rc, NULL);
	k->d.name = arena_strdup(c->a, k->np.alabel);
	k->d.uname = k->np.idn ? arena_strdup(c->a, k->np.ulabel) : NULL;
	return 0;
}

/* Registrant, contacts and name servers. */
static int
create_refs(struct epp_cmd *c, struct dom_create *k)
{
	xmlNodePtr reg = xml_child(c->obj, "registrant");
	struct dom_hosts ns;
	int rc;

	if (reg == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "a registrant is required");
	if ((rc = dom_contact_id(c, reg, &k->d.registrant_id)) != 0 ||
	    (rc = dom_contacts_parse(c, c->obj, &k->d.contact, &k->d.ncontact)) != 0 ||
	    (rc = dom_ns_parse(c, xml_child(c->obj, "ns"), &ns)) != 0)
		return rc;
	k->d.nns = ns.n;
	k->d.ns_id = ns.id;
	k->d.ns = ns.name;
	return 0;
}

static int
create_secdns(struct epp_cmd *c, struct dom_create *k)
{
	struct secdns_change ch;
	int rc;

	if ((rc = secdns_parse_create(c, &ch)) != 0 || !ch.present)
		return rc;
	return secdns_apply(c, &ch, &k->d);
}

int
cmd_domain_create_check(struct epp_cmd *c)
{
	struct dom_create *k = arena_alloc(c->a, sizeof(*k));
	int rc;

	c->data = k;
	if ((rc = dom_ext_only(c, 1u << NS_SECDNS)) != 0 ||
	    (rc = create_name(c, k)) != 0 ||
	    (rc = dom_period(c, xml_child(c->obj, "period"), &k->years)) != 0 ||
	    (rc = create_refs(c, k)) != 0 ||
	    (rc = dom_authinfo_parse(c, xml_child(c->obj, "authInfo"), &k->pw)) != 0 ||
	    (rc = create_secdns(c, k)) != 0)
		return rc;
	return EPP_OK;
}

/* The domain row with its lists, authInfo and statuses. */
static int
create_write(struct epp_cmd *c, struct reg_domain *d, const char *pw, struct reg_err *err)
{
	struct store *st = c->env->st;
	int rc;

	if ((rc = store_roid_new(st, c->a, 'D', &d->roid)) != REG_OK)
		return reg_fail(err, rc, "cannot make a ROID");
	if ((rc = store_domain_create(st, d, &d->id, err)) != REG_OK)
		return rc;
	if ((rc = store_authinfo_set(st, d->roid, pw)) != REG_OK)
		return reg_fail(err, rc, "cannot store the authInfo");
	return dom_sync_status(st, d->id, d->nns, err);
}

static void
create_response(struct epp_cmd *c, const struct reg_domain *d)
{
	xmlNodePtr cre = epp_resdata(c, NS_DOMAIN, "creData");

	xml_add(cre, "name", d->name);
	xml_add_time(cre, "crDate", d->created);
	xml_add_time(cre, "exDate", d->expires);
}

int
cmd_domain_create(struct epp_cmd *c)
{
	struct dom_create *k = c->data;
	struct reg_domain *d = &k->d;
	int64_t me = c->client->registrar_id, paid;
	struct reg_err err = { 0 };
	int rc;

	rc = bill_charge(c->env, me, BILL_CREATE, k->years, d->name, c->svtrid, &paid, &err);
	if (rc != REG_OK)
		return dom_store_fail(c, rc, &err);
	d->sponsor_id = d->creator_id = me;
	d->created = c->env->now;
	d->expires = dom_add_years(d->created, k->years);
	if ((rc = create_write(c, d, k->pw, &err)) == REG_EEXISTS)
		return epp_fail(c, EPP_EXISTS, xml_child(c->obj, "name"),
		    "domain %s exists", d->name);
	if (rc != REG_OK ||
	    (rc = bill_grace_start(c->env, d->id, GRACE_ADD, me, paid, k->years)) != REG_OK)
		return dom_store_fail(c, rc, &err);
	create_response(c, d);
	return dom_done(c, d, arena_printf(c->a, "%d years", k->years), EPP_OK);
}
