/*
 * xml.c: incoming XML, handled as hostile: the safe parser, whitespace
 * normalisation and schema validation (xmlread.c has the helpers that
 * handlers read a validated command with).
 *
 * The parser never touches the network (XML_PARSE_NONET), loads no DTD,
 * substitutes no entities, keeps libxml2's default depth limit (no
 * XML_PARSE_HUGE) and refuses a DOCTYPE outright, so entity expansion
 * attacks have nothing to work with; the frame limit caps the size.
 *
 * Debian 12's libxml2 (2.9.14) rejects whitespace around xs:int,
 * xs:unsignedShort, xs:dateTime and some other types that XML Schema
 * collapses (../shared/reference/README.md), so a pretty-printed command
 * would fail validation although it is valid. xml_trim_leaves() removes
 * leading and trailing whitespace from leaf elements first; every EPP
 * leaf value is a token, a number, a date or a string whose edges carry
 * no meaning, so this only does what the schema allows.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>

#include "datadir.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define SCHEMA_FILE "xsd/epp.xsd"	/* under the data folder */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
	XML_PARSE_NOCDATA)

static xmlSchemaPtr schema;
static __thread bool doctype_seen;

/* --- the schema ------------------------------------------------------------ */

static void
schema_error(void *user, xmlErrorPtr e)
{
	struct reg_err *err = user;

	if (err->code == 0 && e != NULL && e->level >= XML_ERR_ERROR)
		reg_fail(err, REG_ECONFIG, "%s:%d: %s", e->file ? e->file : "schema",
		    e->line, e->message ? e->message : "error");
}

int
xml_schema_load(const char *dir, struct reg_err *err)
{
	char path[PATH_MAX];
	struct reg_err perr = { 0 };
	xmlSchemaParserCtxtPtr pc;

	if (datadir_find(dir, SCHEMA_FILE, path, sizeof(path), &perr) != REG_OK)
		return reg_fail(err, perr.code, "%s%s", reg_err_text(&perr),
		    dir != NULL && dir[0] != '\0' ? "" : "; set epp.schema_dir");
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return reg_fail(err, REG_ENOMEM, "%s: cannot create a schema parser", path);
	xmlSchemaSetParserStructuredErrors(pc, schema_error, &perr);
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (schema == NULL)
		return reg_fail(err, REG_ECONFIG, "%s: %s", path,
		    perr.code ? perr.reason : "does not compile");
	log_debug("schema %s loaded", path);
	return REG_OK;
}

void
xml_schema_free(void)
{
	if (schema != NULL)
		xmlSchemaFree(schema);
	schema = NULL;
}

xmlSchemaValidCtxtPtr
xml_valid_new(void)
{
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);

	if (v == NULL)
		abort();	/* out of memory, as arena.h */
	return v;
}

/* --- parsing ----------------------------------------------------------------- */

/* A reason without line breaks (msgType is a normalizedString). */
static void
reason_set(char *why, size_t whysz, int line, const char *msg)
{
	size_t n;

	if (line > 0)
		snprintf(why, whysz, "line %d: %s", line, msg ? msg : "error");
	else
		snprintf(why, whysz, "%s", msg ? msg : "error");
	for (char *p = why; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	for (n = strlen(why); n > 0 && why[n - 1] == ' '; n--)
		why[n - 1] = '\0';
}

/* SAX hook: a DOCTYPE stops the parse; no DTD, no entities. */
static void
refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	doctype_seen = true;
	xmlStopParser(ctx);
}

xmlDocPtr
xml_parse(const char *buf, size_t len, char *why, size_t whysz)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlErrorPtr e;

	if (len > INT_MAX || (ctxt = xmlNewParserCtxt()) == NULL) {
		reason_set(why, whysz, 0, "cannot parse");
		return NULL;
	}
	ctxt->sax->internalSubset = refuse_doctype;
	doctype_seen = false;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, PARSE_OPTIONS);
	if (doctype_seen || doc == NULL || !ctxt->wellFormed) {
		e = xmlCtxtGetLastError(ctxt);
		if (doctype_seen)
			reason_set(why, whysz, 0, "a DOCTYPE is not allowed in EPP");
		else
			reason_set(why, whysz, e ? e->line : 0, e ? e->message : "not well-formed");
		if (doc != NULL)
			xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static bool
has_element_child(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* Replaces the children of leaf n by its text without outer whitespace. */
static void
trim_leaf(xmlNodePtr n)
{
	xmlChar *s = xmlNodeGetContent(n);
	size_t len, start = 0;

	if (s == NULL)
		return;
	len = strlen((char *)s);
	while (start < len && xml_is_space(s[start]))
		start++;
	while (len > start && xml_is_space(s[len - 1]))
		len--;
	if (start > 0 || s[len] != '\0' || n->children == NULL || n->children->next != NULL) {
		while (n->children != NULL) {
			xmlNodePtr c = n->children;
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		if (len > start)
			xmlAddChild(n, xmlNewTextLen(s + start, (int)(len - start)));
	}
	xmlFree(s);
}

void
xml_trim_leaves(xmlNodePtr n)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (has_element_child(n))
			xml_trim_leaves(n->children);
		else if (n->children != NULL)
			trim_leaf(n);
	}
}

struct valid_error {
	char *why;
	size_t whysz;
	bool set;
	xmlNodePtr node;
};

static void
valid_error(void *user, xmlErrorPtr e)
{
	struct valid_error *ve = user;

	if (!ve->set && e != NULL) {
		reason_set(ve->why, ve->whysz, e->line, e->message);
		ve->set = true;
		if (e->node != NULL && ((xmlNodePtr)e->node)->type == XML_ELEMENT_NODE)
			ve->node = e->node;
	}
}

int
xml_validate(xmlSchemaValidCtxtPtr v, xmlDocPtr doc, char *why, size_t whysz,
    xmlNodePtr *bad)
{
	struct valid_error ve = { why, whysz, false, NULL };
	int rc;

	xmlSchemaSetValidStructuredErrors(v, valid_error, &ve);
	rc = xmlSchemaValidateDoc(v, doc);
	xmlSchemaSetValidStructuredErrors(v, NULL, NULL);
	if (rc != 0 && !ve.set)
		reason_set(why, whysz, 0, "does not validate against the EPP schemas");
	*bad = ve.node;
	return rc == 0 ? 0 : -1;
}

char *
xml_dump(xmlDocPtr doc, size_t *len)
{
	xmlChar *mem = NULL;
	int size = 0;
	char *out;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (mem == NULL)
		abort();	/* out of memory */
	out = xmalloc((size_t)size + 1);
	memcpy(out, mem, (size_t)size);
	out[size] = '\0';
	xmlFree(mem);
	*len = (size_t)size;
	return out;
}
