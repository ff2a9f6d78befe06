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
domain_entities(struct rq *rq, const struct reg_domain_rdap *v, const char *where)
{
	struct jw *w = rq->out;
	int rc;

	jw_array(w, "entities");
	for (int i = 0; i < v->ncontacts; i++) {
		const struct reg_view_contact *c = &v->contacts[i];
		const char *role = role_of(c->type);

		jw_object(w, NULL);
		entity_contact_members(rq, &c->c, role, entity_where(rq, where, role,
		    c->c.handle, role_count(v, c->type) > 1), false);
		jw_end(w);
	}
	rc = entity_sponsor_element(rq, v->d.sponsor_id);
	jw_end(w);
	return rc;
}

static int
write_nameserver(struct rq *rq, const void *host)
{
	return nameserver_members(rq, host, false);
}

static int
domain_nameservers(struct rq *rq, const struct reg_domain_rdap *v)
{
	int rc = REG_OK;

	if (v->nns == 0)
		return REG_OK;
	jw_array(rq->out, "nameservers");
	for (int i = 0; i < v->nns && rc == REG_OK; i++)
		rc = cache_element(rq, CACHE_NAMESERVER, v->ns[i].id, write_nameserver,
		    &v->ns[i]);
	jw_end(rq->out);
	return rc;
}

/* RFC 9083 5.3 secureDNS; RFC 5910 keyData rides on its DS record in
 * the store and becomes an entry of keyData here. */
static void
secure_dns(struct jw *w, const struct reg_domain *d)
{
	int nkeys = 0;

	jw_object(w, "secureDNS");
	jw_bool(w, "delegationSigned", d->nds > 0);
	if (d->max_sig_life > 0)
		jw_int(w, "maxSigLife", d->max_sig_life);
	if (d->nds > 0) {
		jw_array(w, "dsData");
		for (int i = 0; i < d->nds; i++) {
			const struct reg_ds *r = &d->ds[i];

			jw_object(w, NULL);
			jw_int(w, "keyTag", r->key_tag);
			jw_int(w, "algorithm", r->alg);
			jw_string(w, "digest", r->digest);
			jw_int(w, "digestType", r->digest_type);
			jw_end(w);
			nkeys += r->has_key;
		}
		jw_end(w);
	}
	if (nkeys > 0) {
		jw_array(w, "keyData");
		for (int i = 0; i < d->nds; i++) {
			const struct reg_ds *r = &d->ds[i];

			if (!r->has_key)
				continue;
			jw_object(w, NULL);
			jw_int(w, "flags", r->key_flags);
			jw_int(w, "protocol", r->key_protocol);
			jw_string(w, "publicKey", r->key_pub);
			jw_int(w, "algorithm", r->key_alg);
			jw_end(w);
		}
		jw_end(w);
	}
	jw_end(w);
}

static void
domain_links(struct rq *rq, const struct reg_domain *d)
{
	const char *self = rdap_links_begin(rq, DOMAIN, d->name);

	if (d->sponsor != NULL)
		rdap_link(rq, self, "related", rdap_url(rq, "entity", d->sponsor),
		    RDAP_MEDIA_TYPE);
	jw_end(rq->out);
}

int
domain_members(struct rq *rq, const struct reg_domain_rdap *v, const char *where)
{
	const struct reg_domain *d = &v->d;
	struct jw *w = rq->out;
	bool top = strcmp(where, "$") == 0;
	int rc;

	jw_string(w, "objectClassName", DOMAIN);
	jw_string(w, "handle", d->roid);
	jw_string(w, "ldhName", d->name);
	jw_string(w, "unicodeName", d->uname);
	rdap_status(rq, &d->statuses, d->rgp);
	rdap_events_begin(rq);
	rdap_event(rq, "registration", d->created);
	rdap_event(rq, "expiration", d->expires);
	rdap_event(rq, "last changed", d->updated);
	rdap_event(rq, "transfer", d->transferred);
	rdap_events_end(rq, top);
	if ((rc = domain_entities(rq, v, where)) != REG_OK ||
	    (rc = domain_nameservers(rq, v)) != REG_OK)
		return rc;
	secure_dns(w, d);
	domain_links(rq, d);
	rdap_port43(rq);
	return REG_OK;
}

int
domain_lookup(struct rq *rq, const char *name)
{
	char alabel[NAME_TEXT_MAX + 1];
	struct reg_err err = { 0 };
	struct reg_domain_rdap v;
	int rc;

	if (name_lookup_normalize(name, alabel, sizeof(alabel), &err) != REG_OK)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not a domain name: %s",
		    name, reg_err_text(&err));
	if ((rc = store_domain_rdap(rq->st, rq->a, alabel, 0, &v)) != REG_OK)
		return rdap_error_code(rq, rc, arena_printf(rq->a, "domain %s", alabel));
	jw_object(rq->out, NULL);
	if ((rc = domain_members(rq, &v, "$")) != REG_OK)
		return rdap_error_code(rq, rc, arena_printf(rq->a, "domain %s", alabel));
	rdap_notices(rq, NOTICE_TERMS | NOTICE_STATUS | NOTICE_INACCURACY);
	rdap_finish(rq);
	return HTTP_OK;
}
