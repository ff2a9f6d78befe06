/*
 * cmd_domain.c: the domain query commands, <check> and <info>
 * (RFC 5731 3.1.1, 3.1.2), with the secDNS and rgp parts of info.
 *
 * Info shows everything to the sponsor and to a client that gives the
 * domain's authInfo (a wrong one: 2202). Anyone else sees the public
 * fields, those WHOIS shows too: no registrant, contacts or authInfo.
 */
#include <string.h>

#include "domain.h"
#include "util.h"

/* --- check ---------------------------------------------------------------- */

/* Why a valid name cannot be registered (at most 32 characters, the
 * eppcom reasonType), or NULL when it can. */
static const char *
check_taken(struct epp_cmd *c, const char *alabel)
{
	struct reg_reserved r;

	if (store_domain_exists(c->env->st, alabel))
		return "In use";
	if (store_reserved_get(c->env->st, c->a, alabel, &r) == REG_OK)
		return strcmp(r.kind, "blocked") == 0 ? "Blocked by registry policy" :
		    "Reserved by the registry";
	return NULL;
}

/* Short reasons for names the policy refuses. */
static const char *
check_invalid(int rc)
{
	switch (rc) {
	case REG_EZONE:
		return "Not in a zone of this registry";
	case REG_EIDN:
		return "Code point not in the IDN table";
	default:
		return "Invalid domain name";
	}
}

static void
check_one(struct epp_cmd *c, xmlNodePtr res, xmlNodePtr n)
{
	const char *in = xml_text(c->a, n), *shown = in, *reason;
	struct name_parts np;
	xmlNodePtr cd, name;
	int rc;

	rc = name_domain_check(c->env->names, in, &np, NULL);
	if (rc != REG_OK)
		reason = check_invalid(rc);
	else {
		shown = np.alabel;
		reason = check_taken(c, np.alabel);
	}
	cd = xml_add(res, "cd", NULL);
	name = xml_add(cd, "name", shown);
	xmlSetProp(name, BAD_CAST "avail", BAD_CAST (reason != NULL ? "0" : "1"));
	if (reason != NULL)
		xml_add(cd, "reason", reason);
}

int
cmd_domain_check(struct epp_cmd *c)
{
	xmlNodePtr first = xml_child(c->obj, "name"), n, res;
	int rc;

	if ((rc = dom_ext_only(c, 0)) != 0)
		return rc;
	if ((rc = cmd_check_limit(c, first)) != EPP_OK)
		return rc;
	res = epp_resdata(c, NS_DOMAIN, "chkData");
	for (n = first; n != NULL; n = xml_next_same(n))
		check_one(c, res, n);
	return epp_ok(c, EPP_OK);
}

/* --- info ----------------------------------------------------------------- */

static void
info_contacts(xmlNodePtr inf, const struct reg_domain *d)
{
	xmlNodePtr e;

	if (d->registrant != NULL)
		xml_add(inf, "registrant", d->registrant);
	for (int i = 0; i < d->ncontact; i++) {
		e = xml_add(inf, "contact", d->contact[i].handle);
		xmlSetProp(e, BAD_CAST "type", BAD_CAST d->contact[i].type);
	}
}

/* <domain:ns> and <domain:host> as hosts="all|del|sub|none" asks. */
static int
info_hosts(struct epp_cmd *c, xmlNodePtr inf, const struct reg_domain *d, const char *hosts)
{
	bool del = strcmp(hosts, "all") == 0 || strcmp(hosts, "del") == 0;
	bool sub = strcmp(hosts, "all") == 0 || strcmp(hosts, "sub") == 0;
	struct reg_host *h;
	xmlNodePtr ns;
	int n, rc;

	if (del && d->nns > 0) {
		ns = xml_add(inf, "ns", NULL);
		for (int i = 0; i < d->nns; i++)
			xml_add(ns, "hostObj", d->ns[i]);
	}
	if (!sub)
		return 0;
	if ((rc = store_host_list_by_domain(c->env->st, c->a, d->id, &h, &n)) != REG_OK)
		return dom_store_fail(c, rc, NULL);
	for (int i = 0; i < n; i++)
		xml_add(inf, "host", h[i].name);
	return 0;
}

static void
info_dates(xmlNodePtr inf, const struct reg_domain *d)
{
	xml_add(inf, "clID", d->sponsor);
	xml_add(inf, "crID", d->creator);
	xml_add_time(inf, "crDate", d->created);
	if (d->updater != NULL)
		xml_add(inf, "upID", d->updater);
	if (d->updated != 0)
		xml_add_time(inf, "upDate", d->updated);
	xml_add_time(inf, "exDate", d->expires);
	if (d->transferred != 0)
		xml_add_time(inf, "trDate", d->transferred);
}

static int
info_authinfo(struct epp_cmd *c, xmlNodePtr inf, const struct reg_domain *d)
{
	char *pw;
	int rc;

	if ((rc = store_authinfo_get(c->env->st, c->a, d->roid, &pw)) == REG_ENOTFOUND)
		return 0;
	if (rc != REG_OK)
		return dom_store_fail(c, rc, NULL);
	xml_add(xml_add(inf, "authInfo", NULL), "pw", pw);
	return 0;
}

/* The <domain:infData> in schema order. */
static int
info_fill(struct epp_cmd *c, const struct reg_domain *d, const char *hosts, bool full)
{
	xmlNodePtr inf = epp_resdata(c, NS_DOMAIN, "infData");
	int rc;

	xml_add(inf, "name", d->name);
	xml_add(inf, "roid", d->roid);
	cmd_status_show(inf, KIND_DOMAIN, &d->statuses, false);
	if (full)
		info_contacts(inf, d);
	if ((rc = info_hosts(c, inf, d, hosts)) != 0)
		return rc;
	info_dates(inf, d);
	return full ? info_authinfo(c, inf, d) : 0;
}

int
cmd_domain_info(struct epp_cmd *c)
{
	xmlNodePtr name = xml_child(c->obj, "name");
	xmlNodePtr auth = xml_child(c->obj, "authInfo");
	const char *hosts = xml_attr(c->a, name, "hosts");
	struct reg_domain d;
	bool full;
	int rc;

	if ((rc = dom_ext_only(c, 0)) != 0 || (rc = dom_load(c, &d)) != 0)
		return rc;
	full = d.sponsor_id == c->client->registrar_id;
	if (!full && auth != NULL) {
		if (!dom_authinfo_matches(c, &d, auth))
			return epp_fail(c, EPP_INVALID_AUTHINFO, NULL,
			    "wrong authInfo for domain %s", d.name);
		full = true;
	}
	if ((rc = info_fill(c, &d, hosts != NULL ? hosts : "all", full)) != 0)
		return rc;
	secdns_info(c, &d);
	rgp_info(c, &d);
	return epp_ok(c, EPP_OK);
}
