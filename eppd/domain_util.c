/*
 * domain_util.c: what every domain command needs: the name through the
 * name policy, loading the domain, the status rules of RFC 5731 2.3,
 * periods, extension checks, authInfo, poll messages and the registry's
 * own history entries.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "domain.h"
#include "status.h"
#include "util.h"

int
dom_name(struct epp_cmd *c, xmlNodePtr n, struct name_parts *out)
{
	struct reg_err err = { 0 };
	const char *in = xml_text(c->a, n);
	int rc;

	if (in == NULL || *in == '\0')
		return epp_fail(c, EPP_MISSING_PARAM, n, "domain name missing");
	if ((rc = name_domain_check(c->env->names, in, out, &err)) != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), n, "%s", reg_err_text(&err));
	return 0;
}

int
dom_load(struct epp_cmd *c, struct reg_domain *d)
{
	xmlNodePtr n = xml_child(c->obj, "name");
	struct name_parts np;
	int rc;

	if ((rc = dom_name(c, n, &np)) != 0)
		return rc;
	rc = store_domain_get(c->env->st, c->a, np.alabel, d);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_EXISTS, n, "domain %s does not exist", np.alabel);
	if (rc != REG_OK)
		return dom_store_fail(c, rc, NULL);
	return 0;
}

int
dom_store_fail(struct epp_cmd *c, int rc, const struct reg_err *err)
{
	const char *why = err != NULL && err->reason[0] ? err->reason : reg_strerror(rc);

	return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", why);
}

bool
dom_has_status(const struct reg_domain *d, const char *status)
{
	for (int i = 0; i < d->statuses.n; i++)
		if (strcmp(d->statuses.v[i].status, status) == 0)
			return true;
	return false;
}

/* The statuses that forbid a renew or a transfer (RFC 5731 2.3); update
 * and delete use cmd_status.c, shared with hosts and contacts. */
static const struct {
	enum dom_op op;
	const char *status;
} dom_locks[] = {
	{ DOM_RENEW, "clientRenewProhibited" }, { DOM_RENEW, "serverRenewProhibited" },
	{ DOM_TRANSFER, "clientTransferProhibited" }, { DOM_TRANSFER, "serverTransferProhibited" },
};

int
dom_status_allows(struct epp_cmd *c, const struct reg_domain *d, enum dom_op op)
{
	if (dom_has_status(d, ST_PENDING_DELETE))
		return epp_fail(c, EPP_STATUS_PROHIBITS, NULL,
		    "domain %s is pending delete", d->name);
	if (dom_has_status(d, ST_PENDING_TRANSFER))
		return epp_fail(c, op == DOM_TRANSFER ? EPP_PENDING_TRANSFER :
		    EPP_STATUS_PROHIBITS, NULL, "domain %s is pending transfer", d->name);
	for (size_t i = 0; i < nitems(dom_locks); i++)
		if (dom_locks[i].op == op && dom_has_status(d, dom_locks[i].status))
			return epp_fail(c, EPP_STATUS_PROHIBITS, NULL, "domain %s has status %s",
			    d->name, dom_locks[i].status);
	return 0;
}

int
dom_sponsor(struct epp_cmd *c, const struct reg_domain *d)
{
	int rc = epp_require_sponsor(c, d->sponsor_id, xml_child(c->obj, "name"));

	return rc == EPP_OK ? 0 : rc;
}

int
dom_period(struct epp_cmd *c, xmlNodePtr period, int *years)
{
	const struct reg_config *cfg = c->env->cfg;
	const char *text, *unit;
	char *end;
	long n;

	if (period == NULL) {
		*years = (int)cfg->periods.default_years;
		return 0;
	}
	text = xml_text(c->a, period);
	unit = xml_attr(c->a, period, "unit");
	n = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || n < 1)
		return epp_fail(c, EPP_PARAM_SYNTAX, period, "period is not a number");
	if (unit != NULL && strcmp(unit, "m") == 0) {
		if (n % MONTHS_PER_YEAR != 0)
			return epp_fail(c, EPP_PARAM_POLICY, period,
			    "periods are whole years");
		n /= MONTHS_PER_YEAR;
	}
	if (n < cfg->periods.min_years || n > cfg->periods.max_years)
		return epp_fail(c, EPP_PARAM_RANGE, period, "period must be %lld to %lld years",
		    (long long)cfg->periods.min_years, (long long)cfg->periods.max_years);
	*years = (int)n;
	return 0;
}

int64_t
dom_add_years(int64_t t, int years)
{
	return time_add_months(t, years * MONTHS_PER_YEAR);
}

int
dom_max_expiry(struct epp_cmd *c, int64_t expires, xmlNodePtr value)
{
	int max = (int)c->env->cfg->periods.max_years;
	char buf[REG_TIME_LEN];

	if (expires <= dom_add_years(c->env->now, max))
		return 0;
	return epp_fail(c, EPP_PARAM_POLICY, value,
	    "the expiry would be %s, more than %d years ahead", time_format(expires, buf), max);
}

bool
dom_client_ext(const struct epp_cmd *c, int ns)
{
	return (c->client->ext_mask & (1u << ns)) != 0;
}

int
dom_ext_only(struct epp_cmd *c, unsigned ns_mask)
{
	xmlNodePtr n;
	int ns;

	if (c->ext == NULL)
		return 0;
	for (n = c->ext->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		ns = n->ns != NULL ? epp_ns_lookup(n->ns->href) : -1;
		if (ns < 0 || !(ns_mask & (1u << ns)))
			return epp_fail(c, EPP_UNIMPL_EXTENSION, NULL,
			    "extension %s is not supported with this command",
			    n->ns != NULL ? (const char *)n->ns->href : "(none)");
	}
	return 0;
}

xmlNodePtr
dom_ext(struct epp_cmd *c, int ns, const char *name)
{
	return c->ext != NULL ? xml_child_ns(c->ext, ns, name) : NULL;
}

int
dom_sync_status(struct store *st, int64_t id, int nns, struct reg_err *err)
{
	struct reg_status inactive = { .status = ST_INACTIVE };
	bool has = store_status_has(st, KIND_DOMAIN, id, ST_INACTIVE);
	int rc = REG_OK;

	if (nns == 0 && !has)
		rc = store_status_add(st, KIND_DOMAIN, id, &inactive);
	else if (nns > 0 && has)
		rc = store_status_remove(st, KIND_DOMAIN, id, ST_INACTIVE);
	if (rc != REG_OK)
		return reg_fail(err, rc, "cannot update status inactive");
	return status_sync_ok(st, KIND_DOMAIN, id, err);
}

bool
dom_authinfo_matches(struct epp_cmd *c, const struct reg_domain *d, xmlNodePtr authinfo)
{
	xmlNodePtr pw = xml_child(authinfo, "pw");
	const char *roid, *text;
	struct reg_contact reg;

	if (pw == NULL || (text = xml_text(c->a, pw)) == NULL)
		return false;
	roid = xml_attr(c->a, pw, "roid");
	if (roid == NULL || strcmp(roid, d->roid) == 0)
		return store_authinfo_check(c->env->st, d->roid, text);
	/* RFC 5731 3.2.4: the registrant's authInfo, named by its ROID. */
	if (d->registrant_id == 0 ||
	    store_contact_get_by_id(c->env->st, c->a, d->registrant_id, &reg) != REG_OK ||
	    strcmp(roid, reg.roid) != 0)
		return false;
	return store_authinfo_check(c->env->st, reg.roid, text);
}

int
dom_authinfo_parse(struct epp_cmd *c, xmlNodePtr auth, const char **pw)
{
	xmlNodePtr p = auth != NULL ? xml_child(auth, "pw") : NULL;
	size_t len;

	if (auth != NULL && xml_child(auth, "pw") == NULL && xml_child(auth, "null") == NULL)
		return epp_fail(c, EPP_UNIMPL_OPTION, auth,
		    "only password authInfo (<domain:pw>) is supported");
	if (p == NULL)
		return epp_fail(c, EPP_PARAM_POLICY, auth, "a domain needs an authInfo password");
	*pw = xml_text(c->a, p);
	len = strlen(*pw);
	if (len < AUTHINFO_MIN || len > AUTHINFO_MAX)
		return epp_fail(c, EPP_PARAM_POLICY, p,
		    "authInfo must have %d to %d characters", AUTHINFO_MIN, AUTHINFO_MAX);
	return 0;
}

int
dom_poll(struct epp_env *env, int64_t registrar_id, const char *msg, const char *payload)
{
	return store_poll_add(env->st, registrar_id, env->now, msg, payload);
}

char *
dom_payload(struct arena *a, int ns, const char *elem,
    void (*fill)(xmlNodePtr, const void *), const void *arg)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST elem, NULL);
	xmlBufferPtr buf = xmlBufferCreate();
	char *text;

	xmlSetNs(root, xmlNewNs(root, BAD_CAST epp_ns[ns].uri, BAD_CAST epp_ns[ns].prefix));
	xmlDocSetRootElement(doc, root);
	fill(root, arg);
	xmlNodeDump(buf, doc, root, 0, 0);
	text = arena_strdup(a, (const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return text;
}

int
dom_done(struct epp_cmd *c, const struct reg_domain *d, const char *detail, int code)
{
	int rc = epp_history(c, KIND_DOMAIN, d->roid, d->name, detail);

	return rc != EPP_OK ? rc : epp_ok(c, code);
}

int
dom_history_registry(struct epp_env *env, const struct reg_domain *d,
    const char *command, const char *detail)
{
	struct reg_history h = {
		.ts = env->now, .actor = "registry", .kind = KIND_DOMAIN,
		.roid = d->roid, .name = d->name, .command = (char *)command,
		.detail = (char *)detail,
	};

	return store_history_add(env->st, &h);
}
