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

static json_t *
contact_card(const struct reg_contact *c)
{
	const struct reg_postal *p = contact_postal(c);
	json_t *card = jcard_new();

	jcard_text(card, "fn", p->name != NULL ? p->name : "");
	jcard_text(card, "kind", "individual");
	jcard_text(card, "org", p->org);
	jcard_adr(card, &p->addr);
	jcard_tel(card, "voice", c->voice, c->voice_ext);
	jcard_tel(card, "fax", c->fax, c->fax_ext);
	jcard_text(card, "email", c->email);
	return card;
}

/* The members every entity has: class, handle, roles, self link. */
static json_t *
entity_new(struct rq *rq, const char *handle, const char *role)
{
	json_t *e = json_object();

	json_object_set_new_nocheck(e, "objectClassName", json_string(ENTITY));
	json_object_set_new_nocheck(e, "handle", json_string(handle));
	if (role != NULL) {
		json_t *roles = json_array();

		json_array_append_new(roles, json_string(role));
		json_object_set_new_nocheck(e, "roles", roles);
	}
	json_object_set_new_nocheck(e, "links", rdap_self_links(rq, ENTITY, handle));
	return e;
}

json_t *
entity_contact(struct rq *rq, const struct reg_contact *c, const char *role,
    const char *where)
{
	const struct reg_contact *shown = redact_contact(rq, c, role, where);
	json_t *e = entity_new(rq, c->handle, role), *events = json_array();

	json_object_set_new_nocheck(e, "vcardArray", contact_card(shown));
	json_object_set_new_nocheck(e, "status", rdap_status(&c->statuses, NULL));
	rdap_event(events, "registration", c->created);
	rdap_event(events, "last changed", c->updated);
	rdap_event(events, "transfer", c->transferred);
	json_object_set_new_nocheck(e, "events", events);
	return e;
}

static json_t *
registrar_card(const struct reg_registrar *r)
{
	json_t *card = jcard_new();

	jcard_text(card, "fn", r->name);
	jcard_text(card, "kind", "org");
	jcard_adr(card, &r->addr);
	jcard_tel(card, "voice", r->voice, NULL);
	jcard_tel(card, "fax", r->fax, NULL);
	if (r->email != NULL && r->email[0] != '\0')
		jcard_text(card, "email", r->email);
	return card;
}

/* ICANN RDAP profile 2.4.5: the registrar's abuse contact. */
static json_t *
registrar_abuse(struct rq *rq, const struct reg_registrar *r)
{
	json_t *e = json_object(), *roles = json_array(), *card = jcard_new();

	json_object_set_new_nocheck(e, "objectClassName", json_string(ENTITY));
	json_array_append_new(roles, json_string("abuse"));
	json_object_set_new_nocheck(e, "roles", roles);
	jcard_text(card, "fn", "Abuse Contact");
	jcard_tel(card, "voice", r->voice, NULL);
	jcard_text(card, "email", r->email);
	json_object_set_new_nocheck(e, "vcardArray", card);
	return e;
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

json_t *
entity_registrar(struct rq *rq, const struct reg_registrar *r, const char *role)
{
	json_t *e = entity_new(rq, r->handle, role), *v = json_array();
	json_t *events = json_array();

	json_object_set_new_nocheck(e, "vcardArray", registrar_card(r));
	if (r->iana_id > 0) {
		json_t *id = json_object(), *ids = json_array();

		json_object_set_new_nocheck(id, "type", json_string(IANA_ID_TYPE));
		json_object_set_new_nocheck(id, "identifier",
		    json_string(arena_printf(rq->a, "%" PRId64, r->iana_id)));
		json_array_append_new(ids, id);
		json_object_set_new_nocheck(e, "publicIds", ids);
	}
	json_array_append_new(v, json_string(registrar_status(r->state)));
	json_object_set_new_nocheck(e, "status", v);
	if (r->url != NULL && (strncmp(r->url, "https://", 8) == 0 ||
	    strncmp(r->url, "http://", 7) == 0))
		json_array_append_new(json_object_get(e, "links"), rdap_link(
		    rdap_url(rq, ENTITY, r->handle), "about", r->url, "text/html"));
	if (r->email != NULL && r->email[0] != '\0') {
		json_t *abuse = json_array();

		json_array_append_new(abuse, registrar_abuse(rq, r));
		json_object_set_new_nocheck(e, "entities", abuse);
	}
	rdap_event(events, "registration", r->created);
	rdap_event(events, "last changed", r->updated);
	json_object_set_new_nocheck(e, "events", events);
	return e;
}

int
entity_sponsor(struct rq *rq, int64_t registrar_id, json_t **out)
{
	struct reg_registrar r;
	int rc;

	if ((rc = store_registrar_get_by_id(rq->st, rq->a, registrar_id, &r)) != REG_OK)
		return rc;
	*out = json_array();
	json_array_append_new(*out, entity_registrar(rq, &r, "registrar"));
	return REG_OK;
}

/* A contact as the topmost object: with its sponsor and port43. */
static int
contact_answer(struct rq *rq, const struct reg_contact *c)
{
	json_t *e = entity_contact(rq, c, NULL, "$"), *sponsor;
	int rc;

	if ((rc = entity_sponsor(rq, c->sponsor_id, &sponsor)) != REG_OK)
		return rdap_error_code(rq, rc, "the contact's registrar");
	json_object_set_new_nocheck(e, "entities", sponsor);
	rdap_port43(rq, e);
	rdap_top(rq, e, NOTICE_TERMS | NOTICE_STATUS | NOTICE_INACCURACY);
	rq->body = e;
	return HTTP_OK;
}

static int
registrar_answer(struct rq *rq, const struct reg_registrar *r)
{
	json_t *e = entity_registrar(rq, r, NULL);

	rdap_top(rq, e, NOTICE_TERMS);
	rq->body = e;
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
