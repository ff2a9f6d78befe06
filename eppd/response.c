/*
 * response.c: the response writer (RFC 5730 section 2.6) and the greeting
 * (section 2.4).
 *
 * Handlers set a result and fill resData and extension through the
 * functions of eppd.h; response_render() then puts the parts together in
 * the order the schema wants (result, msgQ, resData, extension, trID) and
 * serialises without indentation, so no simple-typed value ever carries
 * whitespace. A failed command's resData and extension are dropped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"
#include "util.h"

struct epp_resp {
	int code;
	bool greeting;
	xmlDocPtr doc;		/* owns every node below until render */
	xmlNodePtr extvalues;	/* <result> holding the <extValue>s so far */
	xmlNodePtr resdata, ext;
	bool msgq;
	int64_t msgq_count, msgq_id, msgq_qdate;
	char *msgq_msg;
	struct arena *a;
};

struct epp_resp *
response_new(struct arena *a)
{
	struct epp_resp *r = arena_alloc(a, sizeof(*r));

	r->a = a;
	r->doc = xmlNewDoc((const xmlChar *)"1.0");
	r->extvalues = xmlNewDocNode(r->doc, NULL, (const xmlChar *)"result", NULL);
	if (r->doc == NULL || r->extvalues == NULL)
		abort();	/* out of memory, as arena.h */
	return r;
}

void
response_free(struct epp_resp *r)
{
	if (r == NULL)
		return;
	if (r->extvalues != NULL)
		xmlFreeNode(r->extvalues);
	if (r->resdata != NULL)
		xmlFreeNode(r->resdata);
	if (r->ext != NULL)
		xmlFreeNode(r->ext);
	xmlFreeDoc(r->doc);
}

int
response_code(const struct epp_resp *r)
{
	return r->code;
}

const char *
response_reason(const struct epp_resp *r)
{
	xmlNodePtr ev, reason;

	if (r->extvalues == NULL || (ev = r->extvalues->children) == NULL)
		return NULL;
	for (reason = ev->children; reason != NULL; reason = reason->next)
		if (strcmp((const char *)reason->name, "reason") == 0 && reason->children)
			return (const char *)reason->children->content;
	return NULL;
}

void
response_set_greeting(struct epp_resp *r)
{
	r->greeting = true;
}

bool
response_trid_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < TRID_MIN || n > SVTRID_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || (s[i] == ' ' && s[i + 1] == ' '))
			return false;
	return true;
}

/* --- what handlers call ---------------------------------------------------- */

static void
clean_text(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ')
			*s = ' ';
}

int
epp_fail(struct epp_cmd *c, int code, xmlNodePtr value, const char *fmt, ...)
{
	struct epp_resp *r = c->resp;
	char reason[REASON_MAX];
	xmlNodePtr ev, v;
	va_list ap;

	r->code = code;
	if (fmt == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	clean_text(reason);
	ev = xmlNewChild(r->extvalues, NULL, (const xmlChar *)"extValue", NULL);
	v = xmlNewChild(ev, NULL, (const xmlChar *)"value", NULL);
	if (value != NULL && value->type == XML_ELEMENT_NODE)
		xmlAddChild(v, xmlDocCopyNode(value, r->doc, 1));
	else
		xmlNewChild(v, NULL, (const xmlChar *)"undef", NULL);
	xmlNewTextChild(ev, NULL, (const xmlChar *)"reason", (const xmlChar *)reason);
	return code;
}

int
epp_ok(struct epp_cmd *c, int code)
{
	c->resp->code = code;
	return code;
}

/* A new element prefix:elem declaring its namespace, under parent. */
static xmlNodePtr
add_ns_element(xmlDocPtr doc, xmlNodePtr parent, int ns, const char *elem)
{
	xmlNodePtr n = xmlNewDocNode(doc, NULL, (const xmlChar *)elem, NULL);
	xmlNsPtr nsp = xmlNewNs(n, (const xmlChar *)epp_ns[ns].uri,
	    (const xmlChar *)epp_ns[ns].prefix);

	xmlSetNs(n, nsp);
	xmlAddChild(parent, n);
	return n;
}

xmlNodePtr
epp_resdata(struct epp_cmd *c, int ns, const char *elem)
{
	struct epp_resp *r = c->resp;

	if (r->resdata == NULL)
		r->resdata = xmlNewDocNode(r->doc, NULL, (const xmlChar *)"resData", NULL);
	return add_ns_element(r->doc, r->resdata, ns, elem);
}

xmlNodePtr
epp_extdata(struct epp_cmd *c, int ns, const char *elem)
{
	struct epp_resp *r = c->resp;

	if (r->ext == NULL)
		r->ext = xmlNewDocNode(r->doc, NULL, (const xmlChar *)"extension", NULL);
	return add_ns_element(r->doc, r->ext, ns, elem);
}

void
epp_msgq(struct epp_cmd *c, int64_t count, int64_t id, int64_t qdate, const char *msg)
{
	struct epp_resp *r = c->resp;

	r->msgq = true;
	r->msgq_count = count;
	r->msgq_id = id;
	r->msgq_qdate = qdate;
	r->msgq_msg = arena_strdup(r->a, msg);
}

xmlNodePtr
xml_add(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, parent->ns, (const xmlChar *)name,
	    (const xmlChar *)text);
}

xmlNodePtr
xml_addf(xmlNodePtr parent, const char *name, const char *fmt, ...)
{
	char *text;
	xmlNodePtr n;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	n = xml_add(parent, name, text);
	free(text);
	return n;
}

xmlNodePtr
xml_add_time(xmlNodePtr parent, const char *name, int64_t t)
{
	char buf[REG_TIME_LEN];

	return xml_add(parent, name, time_format(t, buf));
}

/* --- rendering ------------------------------------------------------------------ */

/* <epp xmlns="urn:ietf:params:xml:ns:epp-1.0"> as the root of doc. */
static xmlNodePtr
epp_root(xmlDocPtr doc)
{
	xmlNodePtr root = xmlNewDocNode(doc, NULL, (const xmlChar *)"epp", NULL);

	xmlSetNs(root, xmlNewNs(root, (const xmlChar *)epp_ns[NS_EPP].uri, NULL));
	xmlDocSetRootElement(doc, root);
	return root;
}

static void
render_result(struct epp_resp *r, xmlNodePtr response)
{
	xmlNodePtr res = r->extvalues;
	char code[8];

	r->extvalues = NULL;
	snprintf(code, sizeof(code), "%d", r->code);
	xmlNewProp(res, (const xmlChar *)"code", (const xmlChar *)code);
	xmlAddChild(response, res);
	/* <msg> comes first, before the extValues already there. */
	if (res->children != NULL)
		xmlAddPrevSibling(res->children, xmlNewDocNode(r->doc, res->ns,
		    (const xmlChar *)"msg", (const xmlChar *)epp_result_text(r->code)));
	else
		xmlNewTextChild(res, res->ns, (const xmlChar *)"msg",
		    (const xmlChar *)epp_result_text(r->code));
}

static void
render_msgq(struct epp_resp *r, xmlNodePtr response)
{
	xmlNodePtr q = xmlNewChild(response, response->ns, (const xmlChar *)"msgQ", NULL);
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)r->msgq_count);
	xmlNewProp(q, (const xmlChar *)"count", (const xmlChar *)buf);
	snprintf(buf, sizeof(buf), "%lld", (long long)r->msgq_id);
	xmlNewProp(q, (const xmlChar *)"id", (const xmlChar *)buf);
	if (r->msgq_qdate > 0)
		xml_add_time(q, "qDate", r->msgq_qdate);
	if (r->msgq_msg != NULL)
		xml_add(q, "msg", r->msgq_msg);
}

/* Appends held part *part to response (or drops it on failure). */
static void
render_part(xmlNodePtr *part, xmlNodePtr response, bool keep)
{
	if (*part == NULL)
		return;
	if (keep)
		xmlAddChild(response, *part);
	else
		xmlFreeNode(*part);
	*part = NULL;
}

char *
response_render(struct epp_cmd *c, size_t *len)
{
	struct epp_resp *r = c->resp;
	xmlNodePtr response, trid;
	bool ok;

	if (r->greeting)
		return response_greeting(c->env->cfg, c->env->now, len);
	if (epp_result_text(r->code) == NULL) {
		log_warnx("%s: %s set result %d; answering 2400",
		    c->svtrid, c->def ? c->def->name : "command", r->code);
		r->code = EPP_FAILED;
	}
	ok = r->code < EPP_UNKNOWN_COMMAND;
	response = xmlNewChild(epp_root(r->doc), NULL, (const xmlChar *)"response", NULL);
	render_result(r, response);
	if (r->msgq)
		render_msgq(r, response);
	render_part(&r->resdata, response, ok);
	render_part(&r->ext, response, ok);
	trid = xmlNewChild(response, NULL, (const xmlChar *)"trID", NULL);
	if (response_trid_ok(c->cltrid))
		xmlNewTextChild(trid, NULL, (const xmlChar *)"clTRID", (const xmlChar *)c->cltrid);
	xmlNewTextChild(trid, NULL, (const xmlChar *)"svTRID", (const xmlChar *)c->svtrid);
	return xml_dump(r->doc, len);
}

/* --- the greeting ------------------------------------------------------------------ */

#define SVID_SUFFIX " EPP"
#define SVID_MAX 64	/* sIDType maxLength */

static void
greeting_menu(xmlNodePtr g)
{
	xmlNodePtr menu = xml_add(g, "svcMenu", NULL), ext;

	xml_add(menu, "version", EPP_VERSION);
	xml_add(menu, "lang", EPP_LANG);
	for (int i = 0; i < NS_COUNT; i++)
		if (i != NS_EPP && !epp_ns[i].extension)
			xml_add(menu, "objURI", epp_ns[i].uri);
	ext = xml_add(menu, "svcExtension", NULL);
	for (int i = 0; i < NS_COUNT; i++)
		if (epp_ns[i].extension)
			xml_add(ext, "extURI", epp_ns[i].uri);
}

/* Data collection policy: registration data, for provisioning and
 * administration, by us and published (WHOIS/RDAP), kept as stated. */
static void
greeting_dcp(xmlNodePtr g)
{
	xmlNodePtr dcp = xml_add(g, "dcp", NULL), st, p;

	xml_add(xml_add(dcp, "access", NULL), "all", NULL);
	st = xml_add(dcp, "statement", NULL);
	p = xml_add(st, "purpose", NULL);
	xml_add(p, "admin", NULL);
	xml_add(p, "prov", NULL);
	p = xml_add(st, "recipient", NULL);
	xml_add(p, "ours", NULL);
	xml_add(p, "public", NULL);
	xml_add(xml_add(st, "retention", NULL), "stated", NULL);
}

/* "<registry name> EPP", cut to 64 bytes on a character boundary. */
static void
greeting_svid(const struct reg_config *cfg, char *buf, size_t size)
{
	size_t n;

	snprintf(buf, size, "%s" SVID_SUFFIX, cfg->registry.name);
	if ((n = strlen(buf)) > SVID_MAX) {
		n = SVID_MAX;
		while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
			n--;
		buf[n] = '\0';
	}
	clean_text(buf);
}

char *
response_greeting(const struct reg_config *cfg, int64_t now, size_t *len)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr g = xmlNewChild(epp_root(doc), NULL, (const xmlChar *)"greeting", NULL);
	char svid[SVID_MAX * 2];
	char *out;

	g->ns = xmlDocGetRootElement(doc)->ns;
	greeting_svid(cfg, svid, sizeof(svid));
	xml_add(g, "svID", svid);
	xml_add_time(g, "svDate", now);
	greeting_menu(g);
	greeting_dcp(g);
	out = xml_dump(doc, len);
	xmlFreeDoc(doc);
	return out;
}

/* --- stored poll payloads ------------------------------------------------------ */

static xmlNodePtr *
payload_container(struct epp_resp *r, xmlNodePtr e)
{
	int ns = epp_ns_lookup(e->ns ? e->ns->href : NULL);
	bool ext = ns >= 0 && epp_ns[ns].extension;
	xmlNodePtr *part = ext ? &r->ext : &r->resdata;

	if (*part == NULL)
		*part = xmlNewDocNode(r->doc, NULL,
		    (const xmlChar *)(ext ? "extension" : "resData"), NULL);
	return part;
}

int
response_payload(struct epp_cmd *c, const char *payload)
{
	static const char open[] = "<payload>", close[] = "</payload>";
	struct epp_resp *r = c->resp;
	char why[REASON_MAX];
	char *text = arena_printf(c->a, "%s%s%s", open, payload, close);
	xmlDocPtr doc = xml_parse(text, strlen(text), why, sizeof(why));

	if (doc == NULL) {
		log_warnx("%s: stored poll payload does not parse: %s", c->svtrid, why);
		return -1;
	}
	for (xmlNodePtr e = xmlDocGetRootElement(doc)->children; e; e = e->next)
		if (e->type == XML_ELEMENT_NODE)
			xmlAddChild(*payload_container(r, e), xmlDocCopyNode(e, r->doc, 1));
	xmlFreeDoc(doc);
	return 0;
}
