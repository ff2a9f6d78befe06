/*
 * request.c: a frame becomes a command. Parses the XML safely, trims leaf
 * whitespace, refuses namespaces we do not serve with their own codes,
 * validates against the EPP schemas and finds the parts the gatekeeper
 * and the handlers use (command, op, obj, extension, clTRID).
 */
#include <string.h>

#include "server.h"

static bool
is_element(xmlNodePtr n, int ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    epp_ns_lookup(n->ns->href) == ns &&
	    (name == NULL || strcmp((const char *)n->name, name) == 0);
}

static xmlNodePtr
first_element(xmlNodePtr n)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/* The object element of <check>, <create> ...: the first child outside
 * the EPP namespace (NULL for login, logout and poll). */
static xmlNodePtr
object_of(xmlNodePtr op)
{
	for (xmlNodePtr n = first_element(op->children); n; n = first_element(n->next))
		if (!is_element(n, NS_EPP, NULL))
			return n;
	return NULL;
}

/* Fills command, op, obj, ext and clTRID as far as the document allows. */
static void
locate(struct epp_cmd *c)
{
	xmlNodePtr root = xmlDocGetRootElement(c->doc), top;

	if (!is_element(root, NS_EPP, "epp") || (top = first_element(root->children)) == NULL)
		return;
	if (is_element(top, NS_EPP, "hello")) {
		c->command = c->op = top;
		return;
	}
	if (!is_element(top, NS_EPP, "command"))
		return;
	c->command = top;
	c->op = first_element(top->children);
	c->obj = c->op != NULL ? object_of(c->op) : NULL;
	c->ext = xml_child(top, "extension");
	c->cltrid = xml_child_text(c->a, top, "clTRID");
}

static const char *
ns_uri(xmlNodePtr n)
{
	return n->ns != NULL ? (const char *)n->ns->href : "(no namespace)";
}

/* A login for another protocol version: the schema enumerates "1.0"
 * only, so without this check a client would hear 2001, not 2100. */
static int
refuse_version(struct epp_cmd *c)
{
	xmlNodePtr v;
	const char *text;

	if (c->op == NULL || !is_element(c->op, NS_EPP, "login") ||
	    (v = xml_child(xml_child(c->op, "options"), "version")) == NULL ||
	    (text = xml_text(c->a, v)) == NULL || strcmp(text, EPP_VERSION) == 0)
		return 0;
	return epp_fail(c, EPP_UNIMPL_VERSION, v, "this server speaks EPP " EPP_VERSION);
}

/* Object services, extensions and versions we do not offer, before the
 * schema would call them a syntax error. */
static int
refuse_unknown(struct epp_cmd *c)
{
	if (c->obj != NULL && epp_ns_lookup(c->obj->ns ? c->obj->ns->href : NULL) < 0)
		return epp_fail(c, EPP_UNIMPL_SERVICE, NULL, "object service %s is not offered",
		    ns_uri(c->obj));
	for (xmlNodePtr e = c->ext ? first_element(c->ext->children) : NULL; e;
	    e = first_element(e->next))
		if (epp_ns_lookup(e->ns ? e->ns->href : NULL) < 0)
			return epp_fail(c, EPP_UNIMPL_EXTENSION, NULL, "extension %s is not offered",
			    ns_uri(e));
	return refuse_version(c);
}

/* What a client may send at the top: <hello> or <command>. */
static int
check_top(struct epp_cmd *c)
{
	xmlNodePtr root = xmlDocGetRootElement(c->doc);
	xmlNodePtr top = root ? first_element(root->children) : NULL;

	if (c->command != NULL)
		return 0;
	if (is_element(top, NS_EPP, "extension"))
		return epp_fail(c, EPP_UNIMPL_COMMAND, NULL,
		    "protocol extensions (<extension> outside <command>) are not implemented");
	return epp_fail(c, EPP_SYNTAX_ERROR, top, "a client sends <hello> or <command>");
}

int
request_parse(struct epp_cmd *c, xmlSchemaValidCtxtPtr vctxt, const char *buf, size_t len)
{
	char why[REASON_MAX];
	xmlNodePtr bad = NULL;
	int rc;

	if ((c->doc = xml_parse(buf, len, why, sizeof(why))) == NULL)
		return epp_fail(c, EPP_SYNTAX_ERROR, NULL, "%s", why);
	xml_trim_leaves(xmlDocGetRootElement(c->doc));
	locate(c);
	if ((rc = refuse_unknown(c)) != 0)
		return rc;
	if (vctxt != NULL && xml_validate(vctxt, c->doc, why, sizeof(why), &bad) != 0)
		return epp_fail(c, EPP_SYNTAX_ERROR, bad, "%s", why);
	return check_top(c);
}

void
request_clear(struct epp_cmd *c)
{
	if (c->doc != NULL)
		xmlFreeDoc(c->doc);
	c->doc = NULL;
	c->command = c->op = c->obj = c->ext = NULL;
	c->cltrid = NULL;
	c->def = NULL;
	c->data = NULL;
	c->nhistory = 0;
}
