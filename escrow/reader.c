/*
 * reader.c: a deposit's XML, read as a stream (libxml2's xmlTextReader)
 * and validated against the RDE schemas as it is read.
 *
 * The reader walks the document node by node; each object (a child of
 * rde:contents or rde:deletes) is expanded into a small tree, handed on,
 * and freed when the reader moves past it, so a deposit of any size is
 * read in the same memory. The schema sees every node as the parser
 * makes it: by the time an object is handed on, it has been validated
 * whole. The first error of the parser or the schema stops the reading.
 * At the end, the header's counts must match the objects seen.
 *
 * Validation can run beside the loading, on a second copy of the stream
 * in a thread of its own (the schema costs about as much as parsing and
 * loading together, and a registry host has more than one core). Objects
 * are then loaded before the schema has seen them, which is safe because
 * the restore builds a database that is only kept when everything
 * checked out. A schema error stops the loading at once and is the error
 * reported; a loading error leaves the check to run to its end, since a
 * schema error further on would be its cause. Each side closes its copy
 * when it is done, so a tee feeding both never waits on one that stopped.
 *
 * Nothing from the network is parsed here, but deposits still come from
 * elsewhere: no DTD, no entities, no network access, libxml2's default
 * limits (no XML_PARSE_HUGE).
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "datadir.h"
#include "escrow.h"
#include "log.h"
#include "util.h"

#define READER_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
	XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS)
#define SCHEMA_FILE "rde.xsd"

enum section { IN_NONE, IN_DELETES, IN_CONTENTS };

struct reader {
	xmlTextReaderPtr r;
	atomic_int *first;
	const char *name;
	const struct reg_config *cfg;
	const struct reader_ops *ops;
	struct deposit_info *info;
	struct arena *a;
	struct reg_err *err;		/* the run's, for the ops */
	struct reg_err xmlerr;		/* the first parser or schema error */
	bool schema;			/* validating here, not beside */
	struct escrow_counts header, seen;
	bool have_header;
	enum section section;
};

/* --- the schema ------------------------------------------------------------ */

static void
schema_error(void *arg, xmlErrorPtr e)
{
	struct reg_err *err = arg;

	if (err->code == 0 && e != NULL && e->level >= XML_ERR_ERROR)
		reg_fail(err, REG_ECONFIG, "%s:%d: %s", e->file ? e->file : "schema", e->line,
		    e->message ? e->message : "error");
}

xmlSchemaPtr
escrow_schema_load(const char *dir, struct reg_err *err)
{
	char path[PATH_MAX];
	struct reg_err perr = { 0 };
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr schema;

	if (datadir_find(dir, "xsd/" SCHEMA_FILE, path, sizeof(path), err) != REG_OK)
		return NULL;
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL) {
		reg_fail(err, REG_ENOMEM, "%s: cannot create a schema parser", path);
		return NULL;
	}
	xmlSchemaSetParserStructuredErrors(pc, schema_error, &perr);
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (schema == NULL)
		reg_fail(err, REG_ECONFIG, "%s: %s", path, perr.code ? perr.reason :
		    "does not compile");
	return schema;
}

/* --- errors ---------------------------------------------------------------- */

static void
reader_error(void *arg, xmlErrorPtr e)
{
	struct reader *rd = arg;

	if (rd->xmlerr.code == 0 && e != NULL && e->level >= XML_ERR_ERROR)
		reg_fail(&rd->xmlerr, REG_ESYNTAX, "%s:%d: %s", rd->name, e->line,
		    e->message ? e->message : "error");
}

/* The local name and namespace of the reader's node. */
static bool
node_is(xmlTextReaderPtr r, enum escrow_ns ns, const char *name)
{
	const xmlChar *uri = xmlTextReaderConstNamespaceUri(r);
	const xmlChar *local = xmlTextReaderConstLocalName(r);

	return uri != NULL && local != NULL && strcmp((const char *)uri, escrow_ns[ns].uri) == 0 &&
	    strcmp((const char *)local, name) == 0;
}

/* The escrow_ns of a namespace URI, or NS_COUNT. */
static enum escrow_ns
ns_of(const xmlChar *uri)
{
	for (int i = 0; uri != NULL && i < NS_COUNT; i++)
		if (strcmp((const char *)uri, escrow_ns[i].uri) == 0)
			return (enum escrow_ns)i;
	return NS_COUNT;
}

/* --- the parts --------------------------------------------------------------- */

static void
attr_copy(xmlTextReaderPtr r, const char *name, char *out, size_t size)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, BAD_CAST name);

	strlcpy_reg(out, v != NULL ? (const char *)v : "", size);
	xmlFree(v);
}

static int
root(struct reader *rd)
{
	char type[8];

	if (!node_is(rd->r, NS_RDE, "deposit"))
		return reg_fail(&rd->xmlerr, REG_ESYNTAX, "%s: not an RDE deposit", rd->name);
	attr_copy(rd->r, "type", type, sizeof(type));
	attr_copy(rd->r, "id", rd->info->id, sizeof(rd->info->id));
	attr_copy(rd->r, "prevId", rd->info->prev_id, sizeof(rd->info->prev_id));
	rd->info->full = strcmp(type, "FULL") == 0;
	return REG_OK;
}

/* A child of rde:deposit: the watermark, or the start of a section. */
static void
section(struct reader *rd)
{
	xmlNodePtr n;
	xmlChar *t;

	rd->section = IN_NONE;
	if (node_is(rd->r, NS_RDE, "deletes"))
		rd->section = IN_DELETES;
	else if (node_is(rd->r, NS_RDE, "contents"))
		rd->section = IN_CONTENTS;
	else if (node_is(rd->r, NS_RDE, "watermark") && (n = xmlTextReaderExpand(rd->r)) != NULL) {
		t = xmlNodeGetContent(n);
		rd->info->watermark = t != NULL ? time_parse((const char *)t) : -1;
		xmlFree(t);
	}
}

/* rdeHeader:header: the TLD and the counts, by namespace. */
static int
header(struct reader *rd, xmlNodePtr h)
{
	for (xmlNodePtr n = h->children; n != NULL; n = n->next) {
		xmlChar *t, *uri;
		enum escrow_ns ns;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		t = xmlNodeGetContent(n);
		if (strcmp((const char *)n->name, "tld") == 0)
			strlcpy_reg(rd->info->tld, (const char *)t, sizeof(rd->info->tld));
		else if ((uri = xmlGetProp(n, BAD_CAST "uri")) != NULL) {
			ns = ns_of(uri);
			for (int k = 0; k < COUNT_KINDS; k++)
				if (escrow_count_ns[k] == ns)
					rd->header.n[k] += strtoll((const char *)t, NULL, 10);
			xmlFree(uri);
		}
		xmlFree(t);
	}
	rd->have_header = true;
	return REG_OK;
}

/* An rdeXxx:delete element: each child names one object. */
static int
deletes(struct reader *rd, xmlNodePtr d)
{
	static const struct {
		enum escrow_ns ns;
		enum escrow_kind kind;
	} map[] = {
		{ NS_RDE_DOMAIN, ESCROW_DOMAIN }, { NS_RDE_HOST, ESCROW_HOST },
		{ NS_RDE_CONTACT, ESCROW_CONTACT }, { NS_RDE_REGISTRAR, ESCROW_REGISTRAR },
		{ NS_RDE_NNDN, ESCROW_NNDN },
	};
	enum escrow_ns ns = ns_of(d->ns != NULL ? d->ns->href : NULL);
	int rc = REG_OK;

	for (size_t i = 0; i < nitems(map); i++) {
		if (map[i].ns != ns)
			continue;
		for (xmlNodePtr n = d->children; n != NULL && rc == REG_OK; n = n->next) {
			xmlChar *t;

			if (n->type != XML_ELEMENT_NODE)
				continue;
			t = xmlNodeGetContent(n);
			rc = rd->ops->del != NULL ? rd->ops->del(rd->ops->arg, map[i].kind,
			    (const char *)t, rd->err) : REG_OK;
			xmlFree(t);
		}
		return rc;
	}
	return REG_OK;	/* rdeIDN:delete and others: nothing we keep */
}

static int
content(struct reader *rd, xmlNodePtr n, struct reg_err *err)
{
	struct escrow_object o;
	int k, rc;

	if (n->ns != NULL && ns_of(n->ns->href) == NS_HEADER)
		return header(rd, n);
	if ((k = parse_count_kind(n)) >= 0)
		rd->seen.n[k]++;
	if ((rc = parse_object(rd->a, n, rd->cfg, &o, err)) != REG_OK)
		return rc;
	if (o.kind != ESCROW_NKINDS && rd->ops->object != NULL)
		rc = rd->ops->object(rd->ops->arg, &o, err);
	arena_reset(rd->a);
	return rc;
}

/* One child of rde:deletes or rde:contents, expanded. */
static int
item(struct reader *rd, struct reg_err *err)
{
	xmlNodePtr n = xmlTextReaderExpand(rd->r);

	if (n == NULL)
		return rd->xmlerr.code ? rd->xmlerr.code :
		    reg_fail(&rd->xmlerr, REG_ESYNTAX, "%s: cannot read an object", rd->name);
	if (rd->xmlerr.code != 0)
		return rd->xmlerr.code;
	return rd->section == IN_DELETES ? deletes(rd, n) : content(rd, n, err);
}

/* --- the walk ------------------------------------------------------------------ */

static int
walk(struct reader *rd, struct reg_err *err)
{
	int ret = xmlTextReaderRead(rd->r), rc = REG_OK, depth;

	while (ret == 1 && rc == REG_OK && rd->xmlerr.code == 0 && atomic_load(rd->first) == CHECK_NONE) {
		if (xmlTextReaderNodeType(rd->r) != XML_READER_TYPE_ELEMENT) {
			ret = xmlTextReaderRead(rd->r);
			continue;
		}
		depth = xmlTextReaderDepth(rd->r);
		if (depth == 0 && (rc = root(rd)) == REG_OK && rd->ops->begin != NULL)
			rc = rd->ops->begin(rd->ops->arg, rd->info, err);
		else if (depth == 1)
			section(rd);
		else if (depth == 2 && rd->section != IN_NONE) {
			rc = item(rd, err);
			ret = xmlTextReaderNext(rd->r);
			continue;
		}
		ret = xmlTextReaderRead(rd->r);
	}
	if (rd->xmlerr.code != 0)
		return reg_fail(err, rd->xmlerr.code, "%s", rd->xmlerr.reason);
	if (rc != REG_OK)
		return rc;
	if (atomic_load(rd->first) != CHECK_NONE)
		return reg_fail(err, REG_ESYNTAX, "%s: stopped by the schema check", rd->name);
	if (ret != 0 || (rd->schema && xmlTextReaderIsValid(rd->r) != 1))
		return reg_fail(err, REG_ESYNTAX, "%s: not a valid deposit", rd->name);
	return REG_OK;
}

static int
counts_check(struct reader *rd, struct reg_err *err)
{
	if (!rd->have_header)
		return reg_fail(err, REG_ESYNTAX, "%s: no rdeHeader:header", rd->name);
	for (int k = 0; k < COUNT_KINDS; k++)
		if (rd->header.n[k] != rd->seen.n[k])
			return reg_fail(err, REG_ESYNTAX, "%s: the header counts %lld objects of %s, "
			    "the deposit holds %lld", rd->name, (long long)rd->header.n[k],
			    escrow_ns[escrow_count_ns[k]].uri, (long long)rd->seen.n[k]);
	rd->info->counts = rd->seen;
	return REG_OK;
}

/* --- the validator ------------------------------------------------------------- */

static void
validator_error(void *arg, xmlErrorPtr e)
{
	struct escrow_check *v = arg;

	if (v->err.code == 0 && e != NULL && e->level >= XML_ERR_ERROR)
		reg_fail(&v->err, REG_ESYNTAX, "%s:%d: %s", v->name, e->line,
		    e->message ? e->message : "error");
}

void
check_failed_first(atomic_int *first, int side)
{
	int none = CHECK_NONE;

	atomic_compare_exchange_strong(first, &none, side);
}

static void *
validate(void *arg)
{
	struct escrow_check *v = arg;
	xmlTextReaderPtr r = xmlReaderForFd(v->fd, v->name, NULL, READER_OPTIONS);
	int ret = -1;

	if (r == NULL)
		reg_fail(&v->err, REG_ENOMEM, "%s: cannot create an XML reader", v->name);
	else {
		xmlTextReaderSetStructuredErrorHandler(r, validator_error, v);
		if (xmlTextReaderSetSchema(r, v->schema) != 0)
			reg_fail(&v->err, REG_ECONFIG, "%s: cannot validate with the schema", v->name);
		while (v->err.code == 0 && atomic_load(v->first) == CHECK_NONE &&
		    (ret = xmlTextReaderRead(r)) == 1)
			;
		if (v->err.code == 0 && (ret != 0 || xmlTextReaderIsValid(r) != 1))
			reg_fail(&v->err, REG_ESYNTAX, "%s: not a valid deposit", v->name);
		xmlFreeTextReader(r);
	}
	if (v->err.code != 0)
		check_failed_first(v->first, CHECK_SCHEMA);
	close(v->fd);
	return NULL;
}

int
check_start(struct escrow_check *v, int fd, const char *name, xmlSchemaPtr schema,
    atomic_int *first)
{
	memset(v, 0, sizeof(*v));
	v->fd = fd;
	v->name = name;
	v->schema = schema;
	v->first = first;
	if (pthread_create(&v->thread, NULL, validate, v) != 0) {
		close(fd);
		return REG_ENOMEM;
	}
	return REG_OK;
}

int
check_wait(struct escrow_check *v, struct reg_err *err)
{
	pthread_join(v->thread, NULL);
	if (atomic_load(v->first) == CHECK_SCHEMA)
		return reg_fail(err, v->err.code, "%s", v->err.reason);
	return REG_OK;
}

/* --- the run ------------------------------------------------------------------------ */

static int
loader_run(struct reader *rd, int fd, xmlSchemaPtr schema, struct reg_err *err)
{
	int rc;

	if ((rd->r = xmlReaderForFd(fd, rd->name, NULL, READER_OPTIONS)) == NULL)
		return reg_fail(err, REG_ENOMEM, "%s: cannot create an XML reader", rd->name);
	xmlTextReaderSetStructuredErrorHandler(rd->r, reader_error, rd);
	rd->schema = schema != NULL;
	if (schema != NULL && xmlTextReaderSetSchema(rd->r, schema) != 0)
		rc = reg_fail(err, REG_ECONFIG, "%s: cannot validate with the schema", rd->name);
	else if ((rc = walk(rd, err)) == REG_OK)
		rc = counts_check(rd, err);
	xmlFreeTextReader(rd->r);
	return rc;
}

int
reader_run(int fd, int check_fd, const char *name, xmlSchemaPtr schema,
    const struct reg_config *cfg, const struct reader_ops *ops, struct deposit_info *info,
    struct reg_err *err)
{
	atomic_int first = CHECK_NONE;
	struct reader rd = { .name = name, .cfg = cfg, .ops = ops, .info = info, .err = err,
	    .first = &first };
	struct escrow_check v;
	bool beside = check_fd >= 0 &&
	    check_start(&v, check_fd, name, schema, &first) == REG_OK;
	int rc, vrc;

	rd.a = arena_new();
	rc = loader_run(&rd, fd, beside ? NULL : schema, err);
	arena_free(rd.a);
	close(fd);
	if (!beside)
		return rc;
	/* The check runs to its end even when the loading failed: a schema
	 * error is the cause of whatever went wrong after it. */
	vrc = check_wait(&v, err);
	return vrc != REG_OK ? vrc : rc;
}
