/*
 * nameserver.c: name servers (RFC 9083 5.2): /nameserver/<name>, and the
 * nameserver objects of domains and of /nameservers searches. Addresses
 * are the glue the registry holds for hosts in its own zones; an
 * external host has none.
 */
#include <string.h>

#include "name.h"
#include "rdapd.h"
#include "util.h"

#define NAMESERVER	"nameserver"

static json_t *
ip_addresses(const struct reg_host *h)
{
	json_t *o = json_object(), *v4 = json_array(), *v6 = json_array();

	for (int i = 0; i < h->naddr; i++)
		json_array_append_new(h->addr[i].family == 4 ? v4 : v6,
		    json_string(h->addr[i].addr));
	if (json_array_size(v4) > 0)
		json_object_set_new_nocheck(o, "v4", v4);
	if (json_array_size(v6) > 0)
		json_object_set_new_nocheck(o, "v6", v6);
	return o;
}

/* The U-label form of an IDN host name, or NULL for an ASCII one. */
static char *
unicode_name(struct rq *rq, const char *name)
{
	char u[NAME_USIZE];

	if (strstr(name, "xn--") == NULL || name_to_unicode(name, u, sizeof(u)) != REG_OK)
		return NULL;
	return arena_strdup(rq->a, u);
}

int
nameserver_object(struct rq *rq, const struct reg_host *h, bool top, json_t **out)
{
	json_t *o = json_object(), *events, *sponsor;
	int rc;

	json_object_set_new_nocheck(o, "objectClassName", json_string(NAMESERVER));
	json_object_set_new_nocheck(o, "handle", json_string(h->roid));
	json_object_set_new_nocheck(o, "ldhName", json_string(h->name));
	json_set_str(o, "unicodeName", unicode_name(rq, h->name));
	if (h->naddr > 0)
		json_object_set_new_nocheck(o, "ipAddresses", ip_addresses(h));
	json_object_set_new_nocheck(o, "status", rdap_status(&h->statuses, NULL));
	json_object_set_new_nocheck(o, "links", rdap_self_links(rq, NAMESERVER, h->name));
	if (top) {
		events = json_array();
		rdap_event(events, "registration", h->created);
		rdap_event(events, "last changed", h->updated);
		rdap_event(events, "transfer", h->transferred);
		json_object_set_new_nocheck(o, "events", events);
		if ((rc = entity_sponsor(rq, h->sponsor_id, &sponsor)) != REG_OK)
			return rc;
		json_object_set_new_nocheck(o, "entities", sponsor);
		rdap_port43(rq, o);
	}
	*out = o;
	return REG_OK;
}

int
nameserver_lookup(struct rq *rq, const char *name)
{
	char alabel[NAME_TEXT_MAX + 1];
	struct reg_err err = { 0 };
	struct reg_host h;
	json_t *o;
	int rc;

	if (name_lookup_normalize(name, alabel, sizeof(alabel), &err) != REG_OK)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not a host name: %s",
		    name, reg_err_text(&err));
	if ((rc = store_host_get(rq->st, rq->a, alabel, &h)) != REG_OK ||
	    (rc = nameserver_object(rq, &h, true, &o)) != REG_OK)
		return rdap_error_code(rq, rc, arena_printf(rq->a, "name server %s", alabel));
	rdap_top(rq, o, NOTICE_TERMS | NOTICE_STATUS);
	rq->body = o;
	return HTTP_OK;
}
