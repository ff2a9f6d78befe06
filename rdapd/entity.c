/*
 * entity.c: entities (RFC 9083 5.1): contacts by handle and registrars
 * by handle or IANA id (/entity/<handle>), and the entity objects that
 * domains, name servers and searches embed.
 *
 * A contact's jCard shows one postal form (int if it has one, else loc)
 * after redact.c has taken out what the contact does not disclose. A
 * registrar is public business data: name, address, phone, email, its
 * web site as the "about" link and an "abuse" entity (ICANN RDAP
 * profile) made of its phone and email.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdapd.h"
#include "util.h"

#define IANA_ID_TYPE	"IANA Registrar ID"
#define ENTITY		"entity"

const struct reg_postal *
contact_postal(const struct reg_contact *c)
{
	return c->intl.name != NULL ? &c->intl : &c->loc;
}

static void
contact_card(struct rq *rq, const struct reg_contact *c)
{
	const struct reg_postal *p = contact_postal(c);

	jcard_begin(rq);
	jcard_text(rq, "fn", p->name != NULL ? p->name : "");
	jcard_text(rq, "kind", "individual");
	jcard_text(rq, "org", p->org);
	jcard_adr(rq, &p->addr);
	jcard_tel(rq, "voice", c->voice, c->voice_ext);
	jcard_tel(rq, "fax", c->fax, c->fax_ext);
	jcard_text(rq, "email", c->email);
	jcard_end(rq);
}

/* The members every entity starts with: class, handle, roles; and its
 * links array, left open. */
static void
entity_begin(struct rq *rq, const char *handle, const char *role)
{
	struct jw *w = rq->out;

	jw_string(w, "objectClassName", ENTITY);
	jw_string(w, "handle", handle);
	if (role != NULL) {
		jw_array(w, "roles");
		jw_string(w, NULL, role);
		jw_end(w);
	}
	rdap_links_begin(rq, ENTITY, handle);
}

void
entity_contact_members(struct rq *rq, const struct reg_contact *c, const char *role,
    const char *where, bool top)
{
	const struct reg_contact *shown = redact_contact(rq, c, role, where);

	entity_begin(rq, c->handle, role);
	jw_end(rq->out);
	contact_card(rq, shown);
	rdap_status(rq, &c->statuses, NULL);
	rdap_events_begin(rq);
	rdap_event(rq, "registration", c->created);
	rdap_event(rq, "last changed", c->updated);
	rdap_event(rq, "transfer", c->transferred);
	rdap_events_end(rq, top);
}

static void
registrar_card(struct rq *rq, const struct reg_registrar *r)
{
	jcard_begin(rq);
	jcard_text(rq, "fn", r->name);
	jcard_text(rq, "kind", "org");
	jcard_adr(rq, &r->addr);
	jcard_tel(rq, "voice", r->voice, NULL);
	jcard_tel(rq, "fax", r->fax, NULL);
	if (r->email != NULL && r->email[0] != '\0')
		jcard_text(rq, "email", r->email);
	jcard_end(rq);
}

/* ICANN RDAP profile 2.4.5: the registrar's abuse contact. */
static void
registrar_abuse(struct rq *rq, const struct reg_registrar *r)
{
	struct jw *w = rq->out;

	jw_array(w, "entities");
	jw_object(w, NULL);
	jw_string(w, "objectClassName", ENTITY);
	jw_array(w, "roles");
	jw_string(w, NULL, "abuse");
	jw_end(w);
	jcard_begin(rq);
	jcard_text(rq, "fn", "Abuse Contact");
	jcard_tel(rq, "voice", r->voice, NULL);
	jcard_text(rq, "email", r->email);
	jcard_end(rq);
	jw_end(w);
	jw_end(w);
}

static const char *
registrar_status(const char *state)
{
	if (strcmp(state, "ok") == 0)
		return "active";
	if (strcmp(state, "readonly") == 0)
		return "locked";
	return "inactive";
}

void
entity_registrar_members(struct rq *rq, const struct reg_registrar *r, const char *role,
    bool top)
{
	struct jw *w = rq->out;
	const char *self;

	entity_begin(rq, r->handle, role);
	self = rdap_url(rq, ENTITY, r->handle);
	if (r->url != NULL && (strncmp(r->url, "https://", 8) == 0 ||
	    strncmp(r->url, "http://", 7) == 0))
		rdap_link(rq, self, "about", r->url, "text/html");
	jw_end(w);
	registrar_card(rq, r);
	if (r->iana_id > 0) {
		jw_array(w, "publicIds");
		jw_object(w, NULL);
		jw_string(w, "type", IANA_ID_TYPE);
		jw_string(w, "identifier", arena_printf(rq->a, "%" PRId64, r->iana_id));
		jw_end(w);
		jw_end(w);
	}
	jw_array(w, "status");
	jw_string(w, NULL, registrar_status(r->state));
	jw_end(w);
	if (r->email != NULL && r->email[0] != '\0')
		registrar_abuse(rq, r);
	rdap_events_begin(rq);
	rdap_event(rq, "registration", r->created);
	rdap_event(rq, "last changed", r->updated);
	rdap_events_end(rq, top);
}

static int
write_sponsor(struct rq *rq, const void *arg)
{
	const int64_t *id = arg;
	struct reg_registrar r;
	int rc;

	if ((rc = store_registrar_get_by_id(rq->st, rq->a, *id, &r)) != REG_OK)
		return rc;
	entity_registrar_members(rq, &r, "registrar", false);
	return REG_OK;
}

int
entity_sponsor_element(struct rq *rq, int64_t registrar_id)
{
	return cache_element(rq, CACHE_REGISTRAR, registrar_id, write_sponsor, &registrar_id);
}

int
entity_sponsor(struct rq *rq, int64_t registrar_id)
{
	int rc;

	jw_array(rq->out, "entities");
	rc = entity_sponsor_element(rq, registrar_id);
	jw_end(rq->out);
	return rc;
}

/* A contact as the topmost object: with its sponsor and port43. */
static int
contact_answer(struct rq *rq, const struct reg_contact *c)
{
	int rc;

	jw_object(rq->out, NULL);
	entity_contact_members(rq, c, NULL, "$", true);
	if ((rc = entity_sponsor(rq, c->sponsor_id)) != REG_OK)
		return rdap_error_code(rq, rc, "the contact's registrar");
	rdap_port43(rq);
	rdap_notices(rq, NOTICE_TERMS | NOTICE_STATUS | NOTICE_INACCURACY);
	rdap_finish(rq);
	return HTTP_OK;
}

static int
registrar_answer(struct rq *rq, const struct reg_registrar *r)
{
	jw_object(rq->out, NULL);
	entity_registrar_members(rq, r, NULL, true);
	rdap_notices(rq, NOTICE_TERMS);
	rdap_finish(rq);
	return HTTP_OK;
}

/* Registrars answer to their handle and, when it is all digits, their
 * IANA id (the ICANN profile's registrar handle). */
static int
registrar_find(struct rq *rq, const char *handle, struct reg_registrar *r)
{
	int rc = store_registrar_get(rq->st, rq->a, handle, r);
	char *end;
	long long id;

	if (rc != REG_ENOTFOUND || handle[0] < '0' || handle[0] > '9')
		return rc;
	id = strtoll(handle, &end, 10);
	if (*end != '\0' || id <= 0)
		return REG_ENOTFOUND;
	return store_registrar_get_by_iana(rq->st, rq->a, id, r);
}

int
entity_lookup(struct rq *rq, const char *handle)
{
	struct reg_contact c;
	struct reg_registrar r;
	int rc;

	if ((rc = store_contact_get(rq->st, rq->a, handle, &c)) == REG_OK)
		return contact_answer(rq, &c);
	if (rc != REG_ENOTFOUND)
		return rdap_error_code(rq, rc, "the entity");
	if ((rc = registrar_find(rq, handle, &r)) == REG_OK)
		return registrar_answer(rq, &r);
	return rdap_error_code(rq, rc, arena_printf(rq->a, "entity '%s'", handle));
}
