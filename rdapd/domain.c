/*
 * domain.c: domains (RFC 9083 5.3): /domain/<name> in A-label or U-label
 * form, and the domain objects of /domains searches.
 *
 * The domain is read in five statements (store_domain_rdap). It carries
 * its contacts as one entity per role (registrant, administrative,
 * billing, technical; a contact in two roles appears twice, so that each
 * redaction path names one role), its sponsor with role "registrar", its
 * name servers (with their addresses when they are in one of our zones),
 * its DS and key data as secureDNS, and its statuses mapped by RFC 8056,
 * the RGP state included.
 */
#include <string.h>

#include "name.h"
#include "rdapd.h"
#include "util.h"

#define DOMAIN		"domain"
/* EPP contact types to RDAP roles (RFC 9083 10.2.4). */
static const char *
role_of(const char *type)
{
	if (strcmp(type, "admin") == 0)
		return "administrative";
	if (strcmp(type, "tech") == 0)
		return "technical";
	return type;	/* "registrant", "billing" */
}

/* Where the entity of contact `handle` in `role` sits: by role alone
 * when no other contact has that role, else by handle and role. */
static char *
entity_where(struct rq *rq, const char *where, const char *role, const char *handle,
    bool shared)
{
	if (!shared)
		return arena_printf(rq->a, "%s.entities[?(@.roles[0]=='%s')]", where, role);
	return arena_printf(rq->a, "%s.entities[?(@.handle=='%s' && @.roles[0]=='%s')]",
	    where, handle, role);
}

static int
role_count(const struct reg_domain_rdap *v, const char *type)
{
	int n = 0;

	for (int i = 0; i < v->ncontacts; i++)
		n += strcmp(v->contacts[i].type, type) == 0;
	return n;
}

static int
domain_entities(struct rq *rq, const struct reg_domain_rdap *v, const char *where,
    json_t *obj)
{
	json_t *e = json_array(), *sponsor;
	int rc;

	for (int i = 0; i < v->ncontacts; i++) {
		const struct reg_view_contact *c = &v->contacts[i];
		const char *role = role_of(c->type);

		json_array_append_new(e, entity_contact(rq, &c->c, role, entity_where(rq,
		    where, role, c->c.handle, role_count(v, c->type) > 1)));
	}
	if ((rc = entity_sponsor(rq, v->d.sponsor_id, &sponsor)) == REG_OK)
		json_array_extend(e, sponsor);
	json_object_set_new_nocheck(obj, "entities", e);
	return rc;
}

static int
domain_nameservers(struct rq *rq, const struct reg_domain_rdap *v, json_t *obj)
{
	json_t *a = json_array(), *ns;
	int rc = REG_OK;

	if (v->nns == 0)
		return REG_OK;
	for (int i = 0; i < v->nns && rc == REG_OK; i++)
		if ((rc = nameserver_object(rq, &v->ns[i], false, &ns)) == REG_OK)
			json_array_append_new(a, ns);
	json_object_set_new_nocheck(obj, "nameservers", a);
	return rc;
}

/* RFC 9083 5.3 secureDNS; RFC 5910 keyData rides on its DS record in
 * the store and becomes an entry of keyData here. */
static json_t *
secure_dns(const struct reg_domain *d)
{
	json_t *s = json_object(), *ds = json_array(), *keys = json_array();

	json_object_set_new_nocheck(s, "delegationSigned", json_boolean(d->nds > 0));
	if (d->max_sig_life > 0)
		json_object_set_new_nocheck(s, "maxSigLife", json_integer(d->max_sig_life));
	for (int i = 0; i < d->nds; i++) {
		const struct reg_ds *r = &d->ds[i];

		json_array_append_new(ds, json_pack("{s:i, s:i, s:s, s:i}", "keyTag",
		    r->key_tag, "algorithm", r->alg, "digest", r->digest, "digestType",
		    r->digest_type));
		if (r->has_key)
			json_array_append_new(keys, json_pack("{s:i, s:i, s:s, s:i}", "flags",
			    r->key_flags, "protocol", r->key_protocol, "publicKey", r->key_pub,
			    "algorithm", r->key_alg));
	}
	if (d->nds > 0)
		json_object_set_new_nocheck(s, "dsData", ds);
	if (json_array_size(keys) > 0)
		json_object_set_new_nocheck(s, "keyData", keys);
	return s;
}

static json_t *
domain_links(struct rq *rq, const struct reg_domain *d)
{
	const char *self = rdap_url(rq, DOMAIN, d->name);
	json_t *links = json_array();

	json_array_append_new(links, rdap_link(self, "self", self, RDAP_MEDIA_TYPE));
	if (d->sponsor != NULL)
		json_array_append_new(links, rdap_link(self, "related",
		    rdap_url(rq, "entity", d->sponsor), RDAP_MEDIA_TYPE));
	return links;
}

int
domain_object(struct rq *rq, const struct reg_domain_rdap *v, const char *where,
    json_t **out)
{
	const struct reg_domain *d = &v->d;
	json_t *o = json_object(), *events = json_array();
	int rc;

	json_object_set_new_nocheck(o, "objectClassName", json_string(DOMAIN));
	json_object_set_new_nocheck(o, "handle", json_string(d->roid));
	json_object_set_new_nocheck(o, "ldhName", json_string(d->name));
	json_set_str(o, "unicodeName", d->uname);
	json_object_set_new_nocheck(o, "status", rdap_status(&d->statuses, d->rgp));
	rdap_event(events, "registration", d->created);
	rdap_event(events, "expiration", d->expires);
	rdap_event(events, "last changed", d->updated);
	rdap_event(events, "transfer", d->transferred);
	json_object_set_new_nocheck(o, "events", events);
	if ((rc = domain_entities(rq, v, where, o)) != REG_OK ||
	    (rc = domain_nameservers(rq, v, o)) != REG_OK)
		return rc;
	json_object_set_new_nocheck(o, "secureDNS", secure_dns(d));
	json_object_set_new_nocheck(o, "links", domain_links(rq, d));
	rdap_port43(rq, o);
	*out = o;
	return REG_OK;
}

int
domain_lookup(struct rq *rq, const char *name)
{
	char alabel[NAME_TEXT_MAX + 1];
	struct reg_err err = { 0 };
	struct reg_domain_rdap v;
	json_t *o;
	int rc;

	if (name_lookup_normalize(name, alabel, sizeof(alabel), &err) != REG_OK)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not a domain name: %s",
		    name, reg_err_text(&err));
	if ((rc = store_domain_rdap(rq->st, rq->a, alabel, 0, &v)) != REG_OK ||
	    (rc = domain_object(rq, &v, "$", &o)) != REG_OK)
		return rdap_error_code(rq, rc, arena_printf(rq->a, "domain %s", alabel));
	rdap_top(rq, o, NOTICE_TERMS | NOTICE_STATUS | NOTICE_INACCURACY);
	rq->body = o;
	return HTTP_OK;
}
