/*
 * cmd_domain_update.c: <domain:update> (RFC 5731 3.2.5) with
 * <secDNS:update> (RFC 5910 5.2.5) and the rgp restore (RFC 3915 4.2.5).
 *
 * check computes the domain as it will be: the removals (<domain:rem>)
 * apply before the additions (<domain:add>), each removal must name
 * something the domain has and each addition something it lacks (2306
 * otherwise), every referenced object must exist (2303), and only client*
 * statuses can be set by a registrar. exec then writes the changed parts.
 */
#include <string.h>

#include "domain.h"
#include "status.h"
#include "util.h"

struct dom_update {
	struct reg_domain d;		/* as loaded, lists replaced by the new ones */
	struct rgp_restore *restore;	/* non-NULL: a restore, nothing else */
	bool ns, contacts, ds;		/* which lists change */
	const char *pw;			/* new authInfo or NULL */
	struct status_change st;
};

static xmlNodePtr
first_child(xmlNodePtr parent, const char *name)
{
	return parent != NULL ? xml_child(parent, name) : NULL;
}

/* --- contacts and name servers --------------------------------------------- */

static int
update_contacts(struct epp_cmd *c, struct dom_update *u, xmlNodePtr add, xmlNodePtr rem)
{
	struct reg_domain *d = &u->d;
	struct reg_domain_contact *ra, *rr, *v;
	int na, nr, n = 0, rc;

	if ((rc = dom_contacts_parse(c, rem, &rr, &nr)) != 0 ||
	    (rc = dom_contacts_parse(c, add, &ra, &na)) != 0)
		return rc;
	v = arena_alloc(c->a, sizeof(*v) * (size_t)(d->ncontact + na + 1));
	for (int i = 0; i < nr; i++)
		if (dom_contact_find(d->contact, d->ncontact, rr[i].type, rr[i].contact_id) < 0)
			return epp_fail(c, EPP_PARAM_POLICY, NULL, "%s is not a %s contact of %s",
			    rr[i].handle, rr[i].type, d->name);
	for (int i = 0; i < d->ncontact; i++)
		if (dom_contact_find(rr, nr, d->contact[i].type, d->contact[i].contact_id) < 0)
			v[n++] = d->contact[i];
	for (int i = 0; i < na; i++) {
		if (dom_contact_find(v, n, ra[i].type, ra[i].contact_id) >= 0)
			return epp_fail(c, EPP_PARAM_POLICY, NULL, "%s is already a %s contact of %s",
			    ra[i].handle, ra[i].type, d->name);
		v[n++] = ra[i];
	}
	u->contacts = na + nr > 0;
	d->contact = v;
	d->ncontact = n;
	return 0;
}

static int
host_index(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

static int
update_ns(struct epp_cmd *c, struct dom_update *u, xmlNodePtr add, xmlNodePtr rem)
{
	struct reg_domain *d = &u->d;
	struct dom_hosts ra, rr;
	int64_t *ids;
	char **names;
	int n = 0, rc;

	if ((rc = dom_ns_parse(c, first_child(rem, "ns"), &rr)) != 0 ||
	    (rc = dom_ns_parse(c, first_child(add, "ns"), &ra)) != 0)
		return rc;
	ids = arena_alloc(c->a, sizeof(*ids) * (size_t)(d->nns + ra.n + 1));
	names = arena_alloc(c->a, sizeof(*names) * (size_t)(d->nns + ra.n + 1));
	for (int i = 0; i < rr.n; i++)
		if (host_index(d->ns_id, d->nns, rr.id[i]) < 0)
			return epp_fail(c, EPP_PARAM_POLICY, NULL, "%s is not a name server of %s",
			    rr.name[i], d->name);
	for (int i = 0; i < d->nns; i++)
		if (host_index(rr.id, rr.n, d->ns_id[i]) < 0) {
			ids[n] = d->ns_id[i];
			names[n++] = d->ns[i];
		}
	for (int i = 0; i < ra.n; i++) {
		if (host_index(ids, n, ra.id[i]) >= 0)
			return epp_fail(c, EPP_PARAM_POLICY, NULL, "%s is already a name server of %s",
			    ra.name[i], d->name);
		ids[n] = ra.id[i];
		names[n++] = ra.name[i];
	}
	if (n > DOMAIN_MAX_NS)
		return epp_fail(c, EPP_PARAM_POLICY, NULL, "at most %d name servers", DOMAIN_MAX_NS);
	u->ns = ra.n + rr.n > 0;
	d->ns_id = ids;
	d->ns = names;
	d->nns = n;
	return 0;
}

/* --- chg and secDNS ---------------------------------------------------------- */

static int
update_chg(struct epp_cmd *c, struct dom_update *u, xmlNodePtr chg)
{
	xmlNodePtr reg = first_child(chg, "registrant");
	xmlNodePtr auth = first_child(chg, "authInfo");
	const char *text;
	int rc;

	if (reg != NULL) {
		if ((text = xml_text(c->a, reg)) == NULL || *text == '\0')
			return epp_fail(c, EPP_PARAM_POLICY, reg, "a registrant is required");
		if ((rc = dom_contact_id(c, reg, &u->d.registrant_id)) != 0)
			return rc;
	}
	if (auth != NULL)
		return dom_authinfo_parse(c, auth, &u->pw);
	return 0;
}

static int
update_secdns(struct epp_cmd *c, struct dom_update *u)
{
	struct secdns_change ch;
	int rc;

	if ((rc = secdns_parse_update(c, &ch)) != 0 || !ch.present)
		return rc;
	u->ds = true;
	return secdns_apply(c, &ch, &u->d);
}

/* RFC 3915 4.2.5: a restore carries empty add/rem/chg and nothing else. */
static int
update_restore_check(struct epp_cmd *c, struct dom_update *u)
{
	static const char *const parts[] = { "add", "rem", "chg" };
	xmlNodePtr p;

	for (size_t i = 0; i < nitems(parts); i++)
		if ((p = xml_child(c->obj, parts[i])) != NULL && xmlFirstElementChild(p) != NULL)
			return epp_fail(c, EPP_PARAM_POLICY, p,
			    "a restore cannot change the domain (RFC 3915 4.2.5)");
	if (dom_ext(c, NS_SECDNS, "update") != NULL)
		return epp_fail(c, EPP_PARAM_POLICY, NULL,
		    "a restore cannot change the domain (RFC 3915 4.2.5)");
	return rgp_restore_check(c, &u->d, u->restore);
}

/* Only statuses change: what may unlock clientUpdateProhibited. */
static bool
only_statuses(const struct dom_update *u, xmlNodePtr chg)
{
	return !u->ns && !u->contacts && !u->ds && u->pw == NULL &&
	    (chg == NULL || xmlFirstElementChild(chg) == NULL);
}

int
cmd_domain_update_check(struct epp_cmd *c)
{
	struct dom_update *u = arena_alloc(c->a, sizeof(*u));
	xmlNodePtr add = xml_child(c->obj, "add"), rem = xml_child(c->obj, "rem");
	xmlNodePtr chg = xml_child(c->obj, "chg");
	int rc;

	c->data = u;
	if ((rc = dom_ext_only(c, 1u << NS_SECDNS | 1u << NS_RGP)) != 0 ||
	    (rc = dom_load(c, &u->d)) != 0 || (rc = dom_sponsor(c, &u->d)) != 0 ||
	    (rc = rgp_parse(c, &u->restore)) != 0)
		return rc;
	if (u->restore != NULL)
		return update_restore_check(c, u);
	if ((rc = cmd_status_parse(c, KIND_DOMAIN, add, rem, &u->d.statuses, &u->st)) != EPP_OK ||
	    (rc = update_contacts(c, u, add, rem)) != 0 ||
	    (rc = update_ns(c, u, add, rem)) != 0 ||
	    (rc = update_chg(c, u, chg)) != 0 || (rc = update_secdns(c, u)) != 0)
		return rc;
	return cmd_status_may_update(c, &u->d.statuses, &u->st, only_statuses(u, chg));
}

/* --- exec ------------------------------------------------------------------ */

static int
write_lists(struct store *st, const struct dom_update *u, struct reg_err *err)
{
	int rc = REG_OK;

	if (u->ns)
		rc = store_domain_set_ns(st, &u->d, err);
	if (rc == REG_OK && u->contacts)
		rc = store_domain_set_contacts(st, &u->d, err);
	if (rc == REG_OK && u->ds)
		rc = store_domain_set_ds(st, &u->d, err);
	return rc;
}

int
cmd_domain_update(struct epp_cmd *c)
{
	struct dom_update *u = c->data;
	struct store *st = c->env->st;
	struct reg_err err = { 0 };
	int rc;

	if (u->restore != NULL)
		return rgp_restore_exec(c, &u->d, u->restore);
	u->d.updater_id = c->client->registrar_id;
	u->d.updated = c->env->now;
	if ((rc = cmd_status_apply(c, KIND_DOMAIN, u->d.id, &u->st)) != EPP_OK)
		return rc;
	if ((rc = write_lists(st, u, &err)) != REG_OK ||
	    (rc = store_domain_update(st, &u->d, &err)) != REG_OK ||
	    (u->pw != NULL && (rc = store_authinfo_set(st, u->d.roid, u->pw)) != REG_OK) ||
	    (rc = dom_sync_status(st, u->d.id, u->d.nns, &err)) != REG_OK)
		return dom_store_fail(c, rc, &err);
	return dom_done(c, &u->d, NULL, EPP_OK);
}
