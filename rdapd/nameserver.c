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

/* Writes the addresses of one family, if it has any. */
static void
ip_family(struct jw *w, const struct reg_host *h, int family, const char *key)
{
	bool open = false;

	for (int i = 0; i < h->naddr; i++) {
		if (h->addr[i].family != family)
			continue;
		if (!open)
			jw_array(w, key);
		open = true;
		jw_string(w, NULL, h->addr[i].addr);
	}
	if (open)
		jw_end(w);
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
nameserver_members(struct rq *rq, const struct reg_host *h, bool top)
{
	struct jw *w = rq->out;
	int rc;

	jw_string(w, "objectClassName", NAMESERVER);
	jw_string(w, "handle", h->roid);
	jw_string(w, "ldhName", h->name);
	jw_string(w, "unicodeName", unicode_name(rq, h->name));
	if (h->naddr > 0) {
		jw_object(w, "ipAddresses");
		ip_family(w, h, 4, "v4");
		ip_family(w, h, 6, "v6");
		jw_end(w);
	}
	rdap_status(rq, &h->statuses, NULL);
	rdap_links_begin(rq, NAMESERVER, h->name);
	jw_end(w);
	if (top) {
		rdap_events_begin(rq);
		rdap_event(rq, "registration", h->created);
		rdap_event(rq, "last changed", h->updated);
		rdap_event(rq, "transfer", h->transferred);
		rdap_events_end(rq, true);
		if ((rc = entity_sponsor(rq, h->sponsor_id)) != REG_OK)
			return rc;
		rdap_port43(rq);
	}
	return REG_OK;
}

int
nameserver_lookup(struct rq *rq, const char *name)
{
	char alabel[NAME_TEXT_MAX + 1];
	struct reg_err err = { 0 };
	struct reg_host h;
	int rc;

	if (name_lookup_normalize(name, alabel, sizeof(alabel), &err) != REG_OK)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not a host name: %s",
		    name, reg_err_text(&err));
	if ((rc = store_host_get(rq->st, rq->a, alabel, &h)) != REG_OK)
		return rdap_error_code(rq, rc, arena_printf(rq->a, "name server %s", alabel));
	jw_object(rq->out, NULL);
	if ((rc = nameserver_members(rq, &h, true)) != REG_OK)
		return rdap_error_code(rq, rc, arena_printf(rq->a, "name server %s", alabel));
	rdap_notices(rq, NOTICE_TERMS | NOTICE_STATUS);
	rdap_finish(rq);
	return HTTP_OK;
}
