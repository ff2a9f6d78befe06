/*
 * domain_refs.c: the objects a domain refers to, as create and update
 * name them: host objects for name servers (RFC 5731 1.1: hostObj; the
 * hostAttr model is not offered) and contacts by handle. Each must exist.
 */
#include <string.h>

#include "domain.h"

/* The host named by element n: 2303 when unknown. */
static int
host_lookup(struct epp_cmd *c, xmlNodePtr n, int64_t *id, char **name)
{
	struct reg_err err = { 0 };
	struct name_parts np;
	struct reg_host h;
	bool in_zone;
	int rc;

	rc = name_host_check(c->env->names, xml_text(c->a, n), &np, &in_zone, &err);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), n, "%s", reg_err_text(&err));
	rc = store_host_get(c->env->st, c->a, np.alabel, &h);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_EXISTS, n, "host %s does not exist", np.alabel);
	if (rc != REG_OK)
		return dom_store_fail(c, rc, NULL);
	*id = h.id;
	*name = h.name;
	return 0;
}

static bool
ids_has(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static int
same_count(xmlNodePtr first)
{
	int n = 0;

	for (xmlNodePtr h = first; h != NULL; h = xml_next_same(h))
		n++;
	return n;
}

int
dom_ns_parse(struct epp_cmd *c, xmlNodePtr ns, struct dom_hosts *out)
{
	xmlNodePtr h = ns != NULL ? xml_child(ns, "hostObj") : NULL;
	int max, rc;

	memset(out, 0, sizeof(*out));
	if (ns != NULL && xml_child(ns, "hostAttr") != NULL)
		return epp_fail(c, EPP_UNIMPL_OPTION, xml_child(ns, "hostAttr"),
		    "hostAttr is not supported: name servers are host objects");
	if ((max = same_count(h)) > DOMAIN_MAX_NS)
		return epp_fail(c, EPP_PARAM_POLICY, ns, "at most %d name servers",
		    DOMAIN_MAX_NS);
	out->id = arena_alloc(c->a, sizeof(*out->id) * (size_t)(max + 1));
	out->name = arena_alloc(c->a, sizeof(*out->name) * (size_t)(max + 1));
	for (; h != NULL; h = xml_next_same(h)) {
		if ((rc = host_lookup(c, h, &out->id[out->n], &out->name[out->n])) != 0)
			return rc;
		if (ids_has(out->id, out->n, out->id[out->n]))
			return epp_fail(c, EPP_PARAM_POLICY, h, "name server %s given twice",
			    out->name[out->n]);
		out->n++;
	}
	return 0;
}

int
dom_contact_id(struct epp_cmd *c, xmlNodePtr n, int64_t *id)
{
	const char *handle = xml_text(c->a, n);
	struct reg_contact ct;
	int rc;

	if (handle == NULL || *handle == '\0')
		return epp_fail(c, EPP_MISSING_PARAM, n, "contact handle missing");
	rc = store_contact_get(c->env->st, c->a, handle, &ct);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_EXISTS, n, "contact %s does not exist", handle);
	if (rc != REG_OK)
		return dom_store_fail(c, rc, NULL);
	*id = ct.id;
	return 0;
}

int
dom_contact_find(const struct reg_domain_contact *v, int n, const char *type, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (v[i].contact_id == id && strcmp(v[i].type, type) == 0)
			return i;
	return -1;
}

int
dom_contacts_parse(struct epp_cmd *c, xmlNodePtr parent, struct reg_domain_contact **out,
    int *n)
{
	xmlNodePtr first = parent != NULL ? xml_child(parent, "contact") : NULL, e;
	struct reg_domain_contact *v;
	int rc;

	*n = 0;
	*out = v = arena_alloc(c->a, sizeof(*v) * (size_t)(same_count(first) + 1));
	for (e = first; e != NULL; e = xml_next_same(e)) {
		if ((v[*n].type = (char *)xml_attr(c->a, e, "type")) == NULL)
			return epp_fail(c, EPP_MISSING_PARAM, e, "contact type missing");
		if ((rc = dom_contact_id(c, e, &v[*n].contact_id)) != 0)
			return rc;
		v[*n].handle = (char *)xml_text(c->a, e);
		if (dom_contact_find(v, *n, v[*n].type, v[*n].contact_id) >= 0)
			return epp_fail(c, EPP_PARAM_POLICY, e, "%s contact %s given twice",
			    v[*n].type, v[*n].handle);
		(*n)++;
	}
	return 0;
}
