/*
 * dispatch.c: the command table and the one gatekeeper.
 *
 * One row per (command element, object namespace, op attribute). The
 * gatekeeper runs, for every command: lookup -> admission (login state,
 * namespaces announced at login) -> [frontend: rate limit, then either
 * here or in the writer] -> registrar state for transforms -> check ->
 * exec -> history. Handlers never repeat these steps.
 */
#include <string.h>

#include "server.h"
#include "util.h"

#define W (CMD_WRITE | CMD_HISTORY)
#define REGISTRAR_OK "ok"

static const struct epp_cmd_def table[] = {
	{ "hello", -1, NULL, CMD_NO_LOGIN, NULL, cmd_hello, "hello" },
	{ "login", -1, NULL, CMD_NO_LOGIN, cmd_login_check, cmd_login, "login" },
	{ "logout", -1, NULL, 0, NULL, cmd_logout, "logout" },
	{ "poll", -1, "req", 0, NULL, cmd_poll_req, "poll:req" },
	{ "poll", -1, "ack", CMD_WRITE, NULL, cmd_poll_ack, "poll:ack" },

	{ "check", NS_DOMAIN, NULL, 0, NULL, cmd_domain_check, "domain:check" },
	{ "info", NS_DOMAIN, NULL, 0, NULL, cmd_domain_info, "domain:info" },
	{ "create", NS_DOMAIN, NULL, W, cmd_domain_create_check, cmd_domain_create, "domain:create" },
	{ "update", NS_DOMAIN, NULL, W, cmd_domain_update_check, cmd_domain_update, "domain:update" },
	{ "delete", NS_DOMAIN, NULL, W, cmd_domain_delete_check, cmd_domain_delete, "domain:delete" },
	{ "renew", NS_DOMAIN, NULL, W, cmd_domain_renew_check, cmd_domain_renew, "domain:renew" },
	{ "transfer", NS_DOMAIN, "query", 0, NULL, cmd_domain_transfer_query, "domain:transfer:query" },
	{ "transfer", NS_DOMAIN, "request", W, NULL, cmd_domain_transfer_request, "domain:transfer:request" },
	{ "transfer", NS_DOMAIN, "approve", W, NULL, cmd_domain_transfer_approve, "domain:transfer:approve" },
	{ "transfer", NS_DOMAIN, "reject", W, NULL, cmd_domain_transfer_reject, "domain:transfer:reject" },
	{ "transfer", NS_DOMAIN, "cancel", W, NULL, cmd_domain_transfer_cancel, "domain:transfer:cancel" },

	{ "check", NS_HOST, NULL, 0, NULL, cmd_host_check, "host:check" },
	{ "info", NS_HOST, NULL, 0, NULL, cmd_host_info, "host:info" },
	{ "create", NS_HOST, NULL, W, cmd_host_create_check, cmd_host_create, "host:create" },
	{ "update", NS_HOST, NULL, W, cmd_host_update_check, cmd_host_update, "host:update" },
	{ "delete", NS_HOST, NULL, W, cmd_host_delete_check, cmd_host_delete, "host:delete" },

	{ "check", NS_CONTACT, NULL, 0, NULL, cmd_contact_check, "contact:check" },
	{ "info", NS_CONTACT, NULL, 0, NULL, cmd_contact_info, "contact:info" },
	{ "create", NS_CONTACT, NULL, W, cmd_contact_create_check, cmd_contact_create, "contact:create" },
	{ "update", NS_CONTACT, NULL, W, cmd_contact_update_check, cmd_contact_update, "contact:update" },
	{ "delete", NS_CONTACT, NULL, W, cmd_contact_delete_check, cmd_contact_delete, "contact:delete" },
	{ "transfer", NS_CONTACT, "query", 0, NULL, cmd_contact_transfer_query, "contact:transfer:query" },
	{ "transfer", NS_CONTACT, "request", W, NULL, cmd_contact_transfer_request, "contact:transfer:request" },
	{ "transfer", NS_CONTACT, "approve", W, NULL, cmd_contact_transfer_approve, "contact:transfer:approve" },
	{ "transfer", NS_CONTACT, "reject", W, NULL, cmd_contact_transfer_reject, "contact:transfer:reject" },
	{ "transfer", NS_CONTACT, "cancel", W, NULL, cmd_contact_transfer_cancel, "contact:transfer:cancel" },
};
#undef W

static int
node_ns(xmlNodePtr n)
{
	return n == NULL ? -1 : epp_ns_lookup(n->ns ? n->ns->href : NULL);
}

static bool
row_matches(const struct epp_cmd_def *d, const char *op, int ns, const char *attr,
    xmlNodePtr obj)
{
	if (strcmp(d->op, op) != 0 || d->ns != ns)
		return false;
	if (d->op_attr != NULL && (attr == NULL || strcmp(d->op_attr, attr) != 0))
		return false;
	/* <check> holds <domain:check>, not <domain:info>. */
	return obj == NULL || strcmp((const char *)obj->name, op) == 0;
}

const struct epp_cmd_def *
dispatch_lookup(xmlNodePtr op, xmlNodePtr obj)
{
	const struct epp_cmd_def *found = NULL;
	xmlChar *attr;
	int ns = node_ns(obj);

	if (op == NULL || node_ns(op) != NS_EPP)
		return NULL;
	attr = xmlGetNoNsProp(op, (const xmlChar *)"op");
	for (size_t i = 0; i < nitems(table) && found == NULL; i++)
		if (row_matches(&table[i], (const char *)op->name, ns, (const char *)attr, obj))
			found = &table[i];
	xmlFree(attr);
	return found;
}

int
dispatch_unknown(struct epp_cmd *c)
{
	int ns = node_ns(c->obj);
	const char *op = c->op ? (const char *)c->op->name : "?";

	if (c->obj != NULL && ns < 0)
		return epp_fail(c, EPP_UNIMPL_SERVICE, NULL, "no object service for namespace %s",
		    c->obj->ns ? (const char *)c->obj->ns->href : "(none)");
	if (c->obj != NULL && epp_ns[ns].extension)
		return epp_fail(c, EPP_UNKNOWN_COMMAND, c->obj,
		    "%s is an extension, not an object command", epp_ns[ns].uri);
	if (c->obj != NULL && strcmp((const char *)c->obj->name, op) != 0)
		return epp_fail(c, EPP_SYNTAX_ERROR, c->obj, "<%s:%s> inside <%s>",
		    epp_ns[ns].prefix, (const char *)c->obj->name, op);
	return epp_fail(c, EPP_UNIMPL_COMMAND, c->obj, "<%s> is not implemented%s%s", op,
	    c->obj ? " for " : "", c->obj ? epp_ns[ns].prefix : "");
}

/* 2307/2103 for a namespace the client did not announce at login. */
static int
admit_namespaces(struct epp_cmd *c)
{
	unsigned mask = c->client->ext_mask;
	int ns = node_ns(c->obj);

	if (c->obj != NULL && !(mask & (1u << ns)))
		return epp_fail(c, EPP_UNIMPL_SERVICE, NULL,
		    "object service %s was not announced at login", epp_ns[ns].uri);
	for (xmlNodePtr e = c->ext ? c->ext->children : NULL; e; e = e->next) {
		if (e->type != XML_ELEMENT_NODE)
			continue;
		if ((ns = node_ns(e)) < 0 || !epp_ns[ns].extension)
			return epp_fail(c, EPP_UNIMPL_EXTENSION, NULL, "extension %s is not offered",
			    e->ns ? (const char *)e->ns->href : "(none)");
		if (!(mask & (1u << ns)))
			return epp_fail(c, EPP_UNIMPL_EXTENSION, NULL,
			    "extension %s was not announced at login", epp_ns[ns].uri);
	}
	return 0;
}

int
dispatch_admit(struct epp_cmd *c)
{
	if (c->def->flags & CMD_NO_LOGIN)
		return 0;
	if (c->client->registrar_id == 0)
		return epp_fail(c, EPP_USE_ERROR, NULL, "log in first");
	return admit_namespaces(c);
}

/* Transforms only for registrars in state "ok" (not readonly or
 * terminated since login); checked where the write happens. */
static int
registrar_writable(struct epp_cmd *c)
{
	struct reg_registrar r;
	int rc = store_registrar_get_by_id(c->env->st, c->a, c->client->registrar_id, &r);

	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_AUTHORIZATION, NULL, "registrar %s does not exist",
		    c->client->clid);
	if (rc != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "%s", reg_strerror(rc));
	if (strcmp(r.state, REGISTRAR_OK) != 0)
		return epp_fail(c, EPP_AUTHORIZATION, NULL, "registrar %s is %s: no transforms",
		    r.handle, r.state);
	return 0;
}

/* A handler's return value as a result code: REG_E* codes mapped, a
 * failure code made the response's, a success taken from the response
 * (or 1000). A check's success is 0. */
static int
settle(struct epp_cmd *c, int rc, bool exec)
{
	int have = response_code(c->resp);

	if (rc < 0)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_strerror(rc));
	if (rc >= EPP_UNKNOWN_COMMAND) {
		if (have != rc)
			epp_ok(c, rc);
		return rc;
	}
	if (have >= EPP_UNKNOWN_COMMAND)
		return have;	/* epp_fail() called, then success returned */
	if (!exec)
		return 0;
	if (rc == 0)
		rc = have ? have : EPP_OK;
	return epp_ok(c, rc);
}

/* The object's name (or contact id) for a fallback history entry. */
static const char *
object_name(struct epp_cmd *c)
{
	const char *s = xml_child_text(c->a, c->obj, "name");

	return s != NULL ? s : xml_child_text(c->a, c->obj, "id");
}

static int
history_fallback(struct epp_cmd *c, int rc)
{
	const char *name;
	int ns = node_ns(c->obj);

	if (!(c->def->flags & CMD_HISTORY) || c->nhistory > 0 || ns < 0 ||
	    (name = object_name(c)) == NULL)
		return rc;
	return epp_history(c, epp_ns[ns].prefix, NULL, name, NULL) == EPP_OK ? rc :
	    response_code(c->resp);
}

int
dispatch_run(struct epp_cmd *c)
{
	const struct epp_cmd_def *d = c->def;
	int rc;

	if (c->env->writer && (d->flags & CMD_WRITE) && (rc = registrar_writable(c)) != 0)
		return rc;
	if (d->check != NULL && (rc = settle(c, d->check(c), false)) != 0)
		return rc;
	rc = settle(c, d->exec(c), true);
	return rc < EPP_UNKNOWN_COMMAND ? history_fallback(c, rc) : rc;
}
