/*
 * parse.c: one object of a deposit, from its (already validated) XML
 * subtree to the structs the store writes.
 *
 * Each kind is a table of the child elements it knows: a string, a time
 * or a number goes straight into a field at an offset of the object; a
 * status list, transfer record or address has a shared reader; the rest
 * (name servers, DNSSEC data, RGP states) has a function of its own. The
 * schema has checked the structure, so unknown children are simply not
 * in the table (uName of an NNDN, a registrar's whois URL).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escrow.h"
#include "util.h"

#define YEAR_SECONDS (36525LL * 864)	/* 365.25 days */

struct parse {
	struct arena *a;
	const struct reg_config *cfg;
	struct reg_err *err;
};

enum field_type { F_STR, F_TIME, F_INT, F_STATUS, F_TRN, F_ADDR, F_FN };

struct field {
	const char *name;		/* local name of the child element */
	enum field_type type;
	size_t off;			/* where in the object (not F_FN) */
	int (*fn)(struct parse *, xmlNodePtr, void *obj);
};

static int fields_apply(struct parse *, xmlNodePtr, const struct field *, size_t, void *);
#define APPLY(p, n, table, obj) fields_apply((p), (n), (table), nitems(table), (obj))
#define AT(obj, off, type) ((type *)(void *)((char *)(obj) + (off)))

/* --- small readers ------------------------------------------------------------ */

static char *
text(struct parse *p, xmlNodePtr n)
{
	xmlChar *t;
	char *s;

	if (n->children != NULL && n->children->type == XML_TEXT_NODE && n->children->next == NULL)
		return arena_strdup(p->a, (const char *)n->children->content);
	t = xmlNodeGetContent(n);
	s = arena_strdup(p->a, t != NULL ? (const char *)t : "");
	xmlFree(t);
	return s;
}

static char *
attr(struct parse *p, xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = v != NULL ? arena_strdup(p->a, (const char *)v) : NULL;

	xmlFree(v);
	return s;
}

static bool
named(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Appends a zeroed element to the arena array *v of *n elements. */
static void *
push(struct arena *a, void *v, int *n, size_t size)
{
	void **vp = v, *w;

	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		w = arena_alloc(a, size * (size_t)(*n == 0 ? 4 : 2 * *n));
		if (*n > 0)
			memcpy(w, *vp, size * (size_t)*n);
		*vp = w;
	}
	return (char *)*vp + size * (size_t)(*n)++;
}

static int
time_field(struct parse *p, xmlNodePtr n, int64_t *out)
{
	const char *s = text(p, n);

	if ((*out = time_parse(s)) < 0)
		return reg_fail(p->err, REG_EINVAL, "line %d: bad date and time '%s'",
		    (int)xmlGetLineNo(n), s);
	return REG_OK;
}

/* --- shared parts ------------------------------------------------------------------ */

static int
status_read(struct parse *p, xmlNodePtr n, struct reg_status_list *l)
{
	struct reg_status *s = push(p->a, &l->v, &l->n, sizeof(*s));
	char *reason = text(p, n);

	s->status = attr(p, n, "s");
	s->lang = attr(p, n, "lang");
	s->reason = reason[0] != '\0' ? reason : NULL;
	return REG_OK;
}

#define TR(f) offsetof(struct reg_transfer, f)
static const struct field trn_fields[] = {
	{ "trStatus", F_STR, TR(state), NULL }, { "reRr", F_STR, TR(gaining), NULL },
	{ "reDate", F_TIME, TR(requested), NULL }, { "acRr", F_STR, TR(losing), NULL },
	{ "acDate", F_TIME, TR(acted), NULL }, { "exDate", F_TIME, TR(expires), NULL },
};
#undef TR

static int
street(struct parse *p, xmlNodePtr n, void *obj)
{
	struct reg_address *ad = obj;

	for (int i = 0; i < 3; i++)
		if (ad->street[i] == NULL) {
			ad->street[i] = text(p, n);
			break;
		}
	return REG_OK;
}

#define AD(f) offsetof(struct reg_address, f)
static const struct field addr_fields[] = {
	{ "street", F_FN, 0, street }, { "city", F_STR, AD(city), NULL },
	{ "sp", F_STR, AD(sp), NULL }, { "pc", F_STR, AD(pc), NULL },
	{ "cc", F_STR, AD(cc), NULL },
};
#undef AD

static int
field_one(struct parse *p, xmlNodePtr n, const struct field *f, void *obj)
{
	switch (f->type) {
	case F_STR:
		*AT(obj, f->off, char *) = text(p, n);
		return REG_OK;
	case F_TIME:
		return time_field(p, n, AT(obj, f->off, int64_t));
	case F_INT:
		*AT(obj, f->off, int64_t) = strtoll(text(p, n), NULL, 10);
		return REG_OK;
	case F_STATUS:
		return status_read(p, n, AT(obj, f->off, struct reg_status_list));
	case F_TRN:
		return APPLY(p, n, trn_fields, AT(obj, f->off, struct reg_transfer));
	case F_ADDR:
		return APPLY(p, n, addr_fields, AT(obj, f->off, struct reg_address));
	case F_FN:
		return f->fn(p, n, obj);
	}
	return REG_OK;
}

static int
fields_apply(struct parse *p, xmlNodePtr el, const struct field *f, size_t nf, void *obj)
{
	int rc = REG_OK;

	for (xmlNodePtr n = el->children; n != NULL && rc == REG_OK; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (size_t i = 0; i < nf; i++)
			if (strcmp((const char *)n->name, f[i].name) == 0) {
				rc = field_one(p, n, &f[i], obj);
				break;
			}
	}
	return rc;
}

/* --- registrars --------------------------------------------------------------------- */

/* One address is kept: the int form, else the loc form. */
static int
registrar_postal(struct parse *p, xmlNodePtr n, void *obj)
{
	struct reg_registrar *r = obj;
	char *type = attr(p, n, "type");

	if (r->addr.city != NULL && type != NULL && strcmp(type, "loc") == 0)
		return REG_OK;
	memset(&r->addr, 0, sizeof(r->addr));
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (named(c, "addr"))
			return APPLY(p, c, addr_fields, &r->addr);
	return REG_OK;
}

static int
registrar_whois(struct parse *p, xmlNodePtr n, void *obj)
{
	struct reg_registrar *r = obj;

	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (named(c, "name"))
			r->whois_server = text(p, c);
	return REG_OK;
}

#define RR(f) offsetof(struct reg_registrar, f)
static const struct field registrar_fields[] = {
	{ "id", F_STR, RR(handle), NULL }, { "name", F_STR, RR(name), NULL },
	{ "gurid", F_INT, RR(iana_id), NULL }, { "status", F_STR, RR(state), NULL },
	{ "postalInfo", F_FN, 0, registrar_postal }, { "voice", F_STR, RR(voice), NULL },
	{ "fax", F_STR, RR(fax), NULL }, { "email", F_STR, RR(email), NULL },
	{ "url", F_STR, RR(url), NULL }, { "whoisInfo", F_FN, 0, registrar_whois },
	{ "crDate", F_TIME, RR(created), NULL }, { "upDate", F_TIME, RR(updated), NULL },
};
#undef RR

/* --- contacts ------------------------------------------------------------------------ */

#define PO(f) offsetof(struct reg_postal, f)
static const struct field postal_fields[] = {
	{ "name", F_STR, PO(name), NULL }, { "org", F_STR, PO(org), NULL },
	{ "addr", F_ADDR, PO(addr), NULL },
};
#undef PO

static int
contact_postal(struct parse *p, xmlNodePtr n, void *obj)
{
	struct escrow_contact *o = obj;
	char *type = attr(p, n, "type");

	return APPLY(p, n, postal_fields, type != NULL && strcmp(type, "loc") == 0 ?
	    &o->c.loc : &o->c.intl);
}

static int
contact_phone(struct parse *p, xmlNodePtr n, void *obj)
{
	struct escrow_contact *o = obj;
	bool voice = strcmp((const char *)n->name, "voice") == 0;

	*(voice ? &o->c.voice : &o->c.fax) = text(p, n);
	*(voice ? &o->c.voice_ext : &o->c.fax_ext) = attr(p, n, "x");
	return REG_OK;
}

/* flag="1": what is listed is public; flag="0": all but what is listed. */
static int
contact_disclose(struct parse *p, xmlNodePtr n, void *obj)
{
	static const unsigned all = (DISCLOSE_EMAIL << 1) - 1;
	struct escrow_contact *o = obj;
	char *flag = attr(p, n, "flag");
	unsigned listed = 0;

	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			listed |= objects_disclose_bit((const char *)c->name, attr(p, c, "type"));
	o->c.disclose = flag != NULL && (strcmp(flag, "1") == 0 || strcmp(flag, "true") == 0) ?
	    listed : all & ~listed;
	return REG_OK;
}

#define CO(f) offsetof(struct escrow_contact, f)
static const struct field contact_fields[] = {
	{ "id", F_STR, CO(c.handle), NULL }, { "roid", F_STR, CO(c.roid), NULL },
	{ "status", F_STATUS, CO(c.statuses), NULL },
	{ "postalInfo", F_FN, 0, contact_postal }, { "voice", F_FN, 0, contact_phone },
	{ "fax", F_FN, 0, contact_phone }, { "email", F_STR, CO(c.email), NULL },
	{ "clID", F_STR, CO(c.sponsor), NULL }, { "crRr", F_STR, CO(c.creator), NULL },
	{ "crDate", F_TIME, CO(c.created), NULL }, { "upRr", F_STR, CO(c.updater), NULL },
	{ "upDate", F_TIME, CO(c.updated), NULL }, { "trDate", F_TIME, CO(c.transferred), NULL },
	{ "trnData", F_TRN, CO(tr), NULL }, { "disclose", F_FN, 0, contact_disclose },
};
#undef CO

/* --- hosts ---------------------------------------------------------------------------- */

static int
host_addr(struct parse *p, xmlNodePtr n, void *obj)
{
	struct reg_host *h = obj;
	struct reg_host_addr *ad = push(p->a, &h->addr, &h->naddr, sizeof(*ad));
	char *ip = attr(p, n, "ip");

	ad->addr = text(p, n);
	ad->family = ip != NULL && strcmp(ip, "v6") == 0 ? 6 : 4;
	return REG_OK;
}

#define HO(f) offsetof(struct reg_host, f)
static const struct field host_fields[] = {
	{ "name", F_STR, HO(name), NULL }, { "roid", F_STR, HO(roid), NULL },
	{ "status", F_STATUS, HO(statuses), NULL }, { "addr", F_FN, 0, host_addr },
	{ "clID", F_STR, HO(sponsor), NULL }, { "crRr", F_STR, HO(creator), NULL },
	{ "crDate", F_TIME, HO(created), NULL }, { "upRr", F_STR, HO(updater), NULL },
	{ "upDate", F_TIME, HO(updated), NULL }, { "trDate", F_TIME, HO(transferred), NULL },
};
#undef HO

/* --- reserved names --------------------------------------------------------------------- */

static int
nndn_state(struct parse *p, xmlNodePtr n, void *obj)
{
	struct reg_reserved *r = obj;
	char *s = text(p, n);

	if (strcmp(s, "withheld") == 0)
		r->kind = "reserved";
	else if (strcmp(s, "blocked") == 0)
		r->kind = "blocked";
	else
		return reg_fail(p->err, REG_EINVAL, "line %d: nameState %s: this registry has "
		    "no such names", (int)xmlGetLineNo(n), s);
	return REG_OK;
}

static const struct field nndn_fields[] = {
	{ "aName", F_STR, offsetof(struct reg_reserved, name), NULL },
	{ "nameState", F_FN, 0, nndn_state },
};

/* --- domains ---------------------------------------------------------------------------- */

/* What a grace period cost per year, for its refund (the deposit does not
 * carry money: it is priced again from the restored registry's list). */
static int64_t
grace_price(const struct reg_config *cfg, const char *period)
{
	static const struct {
		const char *period;
		size_t price;
	} prices[] = {
		{ "addPeriod", offsetof(struct reg_config, prices.create) },
		{ "renewPeriod", offsetof(struct reg_config, prices.renew) },
		{ "autoRenewPeriod", offsetof(struct reg_config, prices.renew) },
		{ "transferPeriod", offsetof(struct reg_config, prices.transfer) },
	};

	for (size_t i = 0; i < nitems(prices); i++)
		if (strcmp(prices[i].period, period) == 0)
			return cfg != NULL ? *AT(cfg, prices[i].price, const int64_t) : 0;
	return -1;
}

/* A grace period ("ends <time> years <n>"), or an RGP state with the
 * time of the delete ("deleted <time>"); see escrow.h. A grace period
 * without its end (another registry's deposit) cannot run: it is left. */
static int
domain_rgp(struct parse *p, xmlNodePtr n, void *obj)
{
	struct escrow_domain *o = obj;
	char *s = attr(p, n, "s"), *t = text(p, n), when[REG_TIME_LEN];
	int64_t price = grace_price(p->cfg, s);
	struct reg_grace *g;
	int years;

	if (price < 0) {
		o->d.rgp = s;
		if (sscanf(t, RGP_TEXT_DELETED " %31s", when) == 1)
			o->d.deleted = time_parse(when);
		return REG_OK;
	}
	if (sscanf(t, RGP_TEXT_ENDS " %31s " RGP_TEXT_YEARS " %d", when, &years) != 2 ||
	    time_parse(when) < 0)
		return REG_OK;
	g = push(p->a, &o->grace, &o->ngrace, sizeof(*g));
	g->period = s;
	g->ends = time_parse(when);
	g->years = years;
	g->amount = price * years;
	return REG_OK;
}

static int
domain_contact(struct parse *p, xmlNodePtr n, void *obj)
{
	struct escrow_domain *o = obj;
	struct reg_domain_contact *c = push(p->a, &o->d.contact, &o->d.ncontact, sizeof(*c));

	c->type = attr(p, n, "type");
	c->handle = text(p, n);
	return REG_OK;
}

static int
domain_ns(struct parse *p, xmlNodePtr n, void *obj)
{
	struct escrow_domain *o = obj;

	for (xmlNodePtr c = n->children; c != NULL; c = c->next) {
		if (named(c, "hostAttr"))
			return reg_fail(p->err, REG_EINVAL, "line %d: domain %s: name servers as "
			    "hostAttr: this registry keeps host objects", (int)xmlGetLineNo(c),
			    o->d.name);
		if (named(c, "hostObj"))
			*(char **)push(p->a, &o->d.ns, &o->d.nns, sizeof(char *)) = text(p, c);
	}
	return REG_OK;
}

/* DS digests are kept in upper-case hex (schema.c checks that). */
static char *
upper(char *s)
{
	for (char *c = s; *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	return s;
}

static int
int_of(struct parse *p, xmlNodePtr n)
{
	return atoi(text(p, n));
}

static void
key_data(struct parse *p, xmlNodePtr n, struct reg_ds *ds)
{
	ds->has_key = true;
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (named(c, "flags"))
			ds->key_flags = int_of(p, c);
		else if (named(c, "protocol"))
			ds->key_protocol = int_of(p, c);
		else if (named(c, "alg"))
			ds->key_alg = int_of(p, c);
		else if (named(c, "pubKey"))
			ds->key_pub = text(p, c);
}

static void
ds_data(struct parse *p, xmlNodePtr n, struct reg_ds *ds)
{
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (named(c, "keyTag"))
			ds->key_tag = int_of(p, c);
		else if (named(c, "alg"))
			ds->alg = int_of(p, c);
		else if (named(c, "digestType"))
			ds->digest_type = int_of(p, c);
		else if (named(c, "digest"))
			ds->digest = upper(text(p, c));
		else if (named(c, "keyData"))
			key_data(p, c, ds);
}

static int
domain_secdns(struct parse *p, xmlNodePtr n, void *obj)
{
	struct escrow_domain *o = obj;

	for (xmlNodePtr c = n->children; c != NULL; c = c->next) {
		if (named(c, "maxSigLife"))
			o->d.max_sig_life = strtoll(text(p, c), NULL, 10);
		else if (named(c, "dsData"))
			ds_data(p, c, push(p->a, &o->d.ds, &o->d.nds, sizeof(struct reg_ds)));
		else if (named(c, "keyData"))
			return reg_fail(p->err, REG_EINVAL, "line %d: domain %s: DNSSEC key data "
			    "without DS data: this registry keeps DS data", (int)xmlGetLineNo(c),
			    o->d.name);
	}
	return REG_OK;
}

#define DO(f) offsetof(struct escrow_domain, f)
static const struct field domain_fields[] = {
	{ "name", F_STR, DO(d.name), NULL }, { "roid", F_STR, DO(d.roid), NULL },
	{ "uName", F_STR, DO(d.uname), NULL }, { "status", F_STATUS, DO(d.statuses), NULL },
	{ "rgpStatus", F_FN, 0, domain_rgp }, { "registrant", F_STR, DO(d.registrant), NULL },
	{ "contact", F_FN, 0, domain_contact }, { "ns", F_FN, 0, domain_ns },
	{ "clID", F_STR, DO(d.sponsor), NULL }, { "crRr", F_STR, DO(d.creator), NULL },
	{ "crDate", F_TIME, DO(d.created), NULL }, { "exDate", F_TIME, DO(d.expires), NULL },
	{ "upRr", F_STR, DO(d.updater), NULL }, { "upDate", F_TIME, DO(d.updated), NULL },
	{ "secDNS", F_FN, 0, domain_secdns }, { "trDate", F_TIME, DO(d.transferred), NULL },
	{ "trnData", F_TRN, DO(tr), NULL },
};
#undef DO

/* What the elements do not say outright: a pending transfer's years (from
 * the expiry it would bring), the delete time of a domain in redemption
 * when the deposit lacks it (its last update, the delete's). */
static void
domain_finish(struct escrow_domain *o)
{
	o->tr.kind = "domain";
	if (o->tr.state != NULL && o->tr.expires > o->d.expires)
		o->tr.years = (int)((o->tr.expires - o->d.expires + YEAR_SECONDS / 2) / YEAR_SECONDS);
	if (o->d.rgp != NULL && o->d.deleted <= 0)
		o->d.deleted = o->d.updated;
}

static int
kind_domain(struct parse *p, xmlNodePtr n, struct escrow_object *o)
{
	int rc = APPLY(p, n, domain_fields, &o->u.domain);

	domain_finish(&o->u.domain);
	return rc;
}

/* --- the kinds ------------------------------------------------------------------------------ */

static int
kind_registrar(struct parse *p, xmlNodePtr n, struct escrow_object *o)
{
	return APPLY(p, n, registrar_fields, &o->u.registrar);
}

static int
kind_contact(struct parse *p, xmlNodePtr n, struct escrow_object *o)
{
	int rc = APPLY(p, n, contact_fields, &o->u.contact);

	o->u.contact.tr.kind = "contact";
	return rc;
}

static int
kind_host(struct parse *p, xmlNodePtr n, struct escrow_object *o)
{
	return APPLY(p, n, host_fields, &o->u.host);
}

static int
kind_nndn(struct parse *p, xmlNodePtr n, struct escrow_object *o)
{
	return APPLY(p, n, nndn_fields, &o->u.nndn);
}

static const struct {
	enum escrow_ns ns;
	const char *name;
	enum escrow_kind kind;		/* ESCROW_NKINDS: nothing to keep */
	int count;
	int (*parse)(struct parse *, xmlNodePtr, struct escrow_object *);
} kinds[] = {
	{ NS_RDE_DOMAIN, "domain", ESCROW_DOMAIN, COUNT_DOMAIN, kind_domain },
	{ NS_RDE_HOST, "host", ESCROW_HOST, COUNT_HOST, kind_host },
	{ NS_RDE_CONTACT, "contact", ESCROW_CONTACT, COUNT_CONTACT, kind_contact },
	{ NS_RDE_REGISTRAR, "registrar", ESCROW_REGISTRAR, COUNT_REGISTRAR, kind_registrar },
	{ NS_RDE_NNDN, "NNDN", ESCROW_NNDN, COUNT_NNDN, kind_nndn },
	{ NS_RDE_IDN, "idnTableRef", ESCROW_NKINDS, COUNT_IDN, NULL },
	{ NS_RDE_EPP, "eppParams", ESCROW_NKINDS, COUNT_EPP, NULL },
};

static int
kind_index(xmlNodePtr n)
{
	const char *uri = n->ns != NULL ? (const char *)n->ns->href : "";

	for (size_t i = 0; i < nitems(kinds); i++)
		if (strcmp(uri, escrow_ns[kinds[i].ns].uri) == 0 &&
		    strcmp((const char *)n->name, kinds[i].name) == 0)
			return (int)i;
	return -1;
}

int
parse_count_kind(xmlNodePtr n)
{
	int i = kind_index(n);

	return i < 0 ? -1 : kinds[i].count;
}

int
parse_object(struct arena *a, xmlNodePtr n, const struct reg_config *cfg,
    struct escrow_object *o, struct reg_err *err)
{
	struct parse p = { a, cfg, err };
	int i = kind_index(n);

	memset(o, 0, sizeof(*o));
	o->kind = ESCROW_NKINDS;
	if (i < 0)
		return reg_fail(err, REG_EINVAL, "line %d: %s objects are not restored here",
		    (int)xmlGetLineNo(n), (const char *)n->name);
	o->kind = kinds[i].kind;
	return kinds[i].parse != NULL ? kinds[i].parse(&p, n, o) : REG_OK;
}
