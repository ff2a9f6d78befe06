/*
 * objects.c: the RFC 9022 objects of a deposit other than domains
 * (domain.c): registrars (section 5.4), contacts (5.3), hosts (5.2),
 * reserved names as NNDN (5.7), the IDN table reference (5.5), the EPP
 * parameters (5.8), the header (5.9) and, in an incremental deposit,
 * the deletes. Each kind is walked with a store cursor, one object in
 * memory at a time; the arena is reset after every object.
 *
 * Elements follow the schema's sequence order; statuses, lists and
 * times are written by the shared helpers at the top.
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "escrow.h"
#include "log.h"
#include "util.h"

const enum escrow_ns escrow_count_ns[COUNT_KINDS] = {
	[COUNT_DOMAIN] = NS_RDE_DOMAIN, [COUNT_HOST] = NS_RDE_HOST,
	[COUNT_CONTACT] = NS_RDE_CONTACT, [COUNT_REGISTRAR] = NS_RDE_REGISTRAR,
	[COUNT_IDN] = NS_RDE_IDN, [COUNT_NNDN] = NS_RDE_NNDN, [COUNT_EPP] = NS_RDE_EPP,
};

/* --- shared pieces ---------------------------------------------------------- */

/* The stored statuses, or "ok" when none is stored (the schema needs one).
 * "linked" is computed by eppd, never stored, so it never appears. */
void
objects_statuses(struct xw *x, enum escrow_ns ns, const struct reg_status_list *l)
{
	for (int i = 0; i < l->n; i++) {
		xw_start(x, ns, "status");
		xw_attr(x, "s", l->v[i].status);
		xw_attr(x, "lang", l->v[i].lang);
		xw_string(x, l->v[i].reason);
		xw_end(x);
	}
	if (l->n == 0) {
		xw_start(x, ns, "status");
		xw_attr(x, "s", "ok");
		xw_end(x);
	}
}

/* clID, crRr, crDate, exDate (domains; 0 for others), upRr and upDate:
 * who sponsors, made and changed an object, and when. */
void
objects_owners(struct xw *x, enum escrow_ns ns, const char *sponsor, const char *creator,
    int64_t created, const char *updater, int64_t updated, int64_t expires)
{
	xw_text(x, ns, "clID", sponsor);
	xw_text(x, ns, "crRr", creator);
	xw_time(x, ns, "crDate", created);
	xw_time(x, ns, "exDate", expires);
	xw_text(x, ns, "upRr", updater);
	xw_time(x, ns, "upDate", updated);
}

/* trnData of a domain or contact (RFC 9022 5.1.1, 5.3.1). */
void
objects_transfer(struct xw *x, enum escrow_ns ns, const struct reg_transfer *t)
{
	if (t->state == NULL)
		return;
	xw_start(x, ns, "trnData");
	xw_text(x, ns, "trStatus", t->state);
	xw_text(x, ns, "reRr", t->gaining);
	xw_time(x, ns, "reDate", t->requested);
	xw_text(x, ns, "acRr", t->losing);
	xw_time(x, ns, "acDate", t->acted);
	if (ns == NS_RDE_DOMAIN)
		xw_time(x, ns, "exDate", t->expires);
	xw_end(x);
}

void
objects_done(struct deposit_ctx *dc, enum escrow_count k)
{
	xw_end(dc->xw);
	xw_newline(dc->xw);
	dc->counts.n[k]++;
	arena_reset(dc->a);
}

int
objects_walk(struct deposit_ctx *dc, enum escrow_kind kind, object_fn one)
{
	struct escrow_cursor *c;
	struct reg_err err = { 0 };
	int rc;

	if ((rc = store_escrow_open(dc->st, kind, dc->incremental, dc->now, &c, &err)) != REG_OK)
		return rc;
	while ((rc = one(dc, c)) == REG_OK && !dc->xw->failed)
		;
	store_escrow_close(c);
	return rc == REG_ENOTFOUND ? REG_OK : rc;
}

/* --- registrars ----------------------------------------------------------------- */

/* contact:e164Type, "+CC.NUMBER" (1-3 and 1-14 digits). A registrar's
 * voice and fax come from regctl as typed, so one that does not fit is
 * left out rather than making the whole deposit invalid. */
static bool
e164(const char *s)
{
	size_t cc = strspn(s + 1, "0123456789"), num;

	if (s[0] != '+' || cc < 1 || cc > 3 || s[1 + cc] != '.')
		return false;
	num = strspn(s + 2 + cc, "0123456789");
	return num >= 1 && num <= 14 && s[2 + cc + num] == '\0';
}

static void
registrar_phone(struct xw *x, const struct reg_registrar *r, const char *name, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	if (e164(v))
		xw_text(x, NS_RDE_REGISTRAR, name, v);
	else
		log_warnx("registrar %s: %s '%s' is not +CC.NUMBER: left out", r->handle, name, v);
}

static void
registrar_postal(struct xw *x, const struct reg_registrar *r)
{
	const struct reg_address *ad = &r->addr;

	if (ad->city == NULL || ad->cc == NULL) {
		if (ad->street[0] != NULL || ad->city != NULL)
			log_warnx("registrar %s: address without city or country: left out",
			    r->handle);
		return;
	}
	xw_start(x, NS_RDE_REGISTRAR, "postalInfo");
	xw_attr(x, "type", "int");
	xw_start(x, NS_RDE_REGISTRAR, "addr");
	for (int i = 0; i < 3; i++)
		xw_text(x, NS_RDE_REGISTRAR, "street", ad->street[i]);
	xw_text(x, NS_RDE_REGISTRAR, "city", ad->city);
	xw_text(x, NS_RDE_REGISTRAR, "sp", ad->sp);
	xw_text(x, NS_RDE_REGISTRAR, "pc", ad->pc);
	xw_text(x, NS_RDE_REGISTRAR, "cc", ad->cc);
	xw_end(x);
	xw_end(x);
}

static void
registrar_write(struct deposit_ctx *dc, const struct reg_registrar *r)
{
	struct xw *x = dc->xw;
	const enum escrow_ns ns = NS_RDE_REGISTRAR;

	xw_start(x, ns, "registrar");
	xw_text(x, ns, "id", r->handle);
	xw_text(x, ns, "name", r->name);
	if (r->iana_id > 0)
		xw_int(x, ns, "gurid", r->iana_id);
	xw_text(x, ns, "status", r->state);
	registrar_postal(x, r);
	registrar_phone(x, r, "voice", r->voice);
	registrar_phone(x, r, "fax", r->fax);
	if (r->email != NULL && r->email[0] != '\0')
		xw_text(x, ns, "email", r->email);
	if (r->url != NULL && r->url[0] != '\0')
		xw_text(x, ns, "url", r->url);
	if (r->whois_server != NULL && r->whois_server[0] != '\0') {
		xw_start(x, ns, "whoisInfo");
		xw_text(x, ns, "name", r->whois_server);
		xw_end(x);
	}
	xw_time(x, ns, "crDate", r->created);
	xw_time(x, ns, "upDate", r->updated);
	objects_done(dc, COUNT_REGISTRAR);
}

static int
registrar_next(struct deposit_ctx *dc, struct escrow_cursor *c)
{
	struct reg_registrar r;
	int rc = store_escrow_next_registrar(c, dc->a, &r);

	if (rc == REG_OK)
		registrar_write(dc, &r);
	return rc;
}

int
objects_registrars(struct deposit_ctx *dc)
{
	return objects_walk(dc, ESCROW_REGISTRAR, registrar_next);
}

/* --- contacts ------------------------------------------------------------------ */

static void
contact_postal(struct xw *x, const struct reg_postal *p, const char *type)
{
	if (p->name == NULL)
		return;
	xw_start(x, NS_RDE_CONTACT, "postalInfo");
	xw_attr(x, "type", type);
	xw_text(x, NS_CONTACT, "name", p->name);
	xw_text(x, NS_CONTACT, "org", p->org);
	xw_start(x, NS_CONTACT, "addr");
	for (int i = 0; i < 3; i++)
		xw_text(x, NS_CONTACT, "street", p->addr.street[i]);
	xw_text(x, NS_CONTACT, "city", p->addr.city);
	xw_text(x, NS_CONTACT, "sp", p->addr.sp);
	xw_text(x, NS_CONTACT, "pc", p->addr.pc);
	xw_text(x, NS_CONTACT, "cc", p->addr.cc);
	xw_end(x);
	xw_end(x);
}

static void
contact_phone(struct xw *x, const char *name, const char *number, const char *ext)
{
	if (number == NULL)
		return;
	xw_start(x, NS_RDE_CONTACT, name);
	xw_attr(x, "x", ext);
	xw_string(x, number);
	xw_end(x);
}

/* The disclose bits, in contact:discloseType order. */
static const struct {
	unsigned bit;
	const char *name, *type;
} disclose_items[] = {
	{ DISCLOSE_NAME_INT, "name", "int" }, { DISCLOSE_NAME_LOC, "name", "loc" },
	{ DISCLOSE_ORG_INT, "org", "int" }, { DISCLOSE_ORG_LOC, "org", "loc" },
	{ DISCLOSE_ADDR_INT, "addr", "int" }, { DISCLOSE_ADDR_LOC, "addr", "loc" },
	{ DISCLOSE_VOICE, "voice", NULL }, { DISCLOSE_FAX, "fax", NULL },
	{ DISCLOSE_EMAIL, "email", NULL },
};

/* flag="1" with what the contact makes public; nothing when it keeps
 * everything private, which is the registry's default. */
static void
contact_disclose(struct xw *x, unsigned bits)
{
	if (bits == 0)
		return;
	xw_start(x, NS_RDE_CONTACT, "disclose");
	xw_attr(x, "flag", "1");
	for (size_t i = 0; i < nitems(disclose_items); i++) {
		if (!(bits & disclose_items[i].bit))
			continue;
		xw_start(x, NS_CONTACT, disclose_items[i].name);
		xw_attr(x, "type", disclose_items[i].type);
		xw_end(x);
	}
	xw_end(x);
}

unsigned
objects_disclose_bit(const char *name, const char *type)
{
	for (size_t i = 0; i < nitems(disclose_items); i++)
		if (strcmp(disclose_items[i].name, name) == 0 && (disclose_items[i].type == NULL ||
		    (type != NULL && strcmp(disclose_items[i].type, type) == 0)))
			return disclose_items[i].bit;
	return 0;
}

static void
contact_write(struct deposit_ctx *dc, const struct escrow_contact *o)
{
	const struct reg_contact *c = &o->c;
	struct xw *x = dc->xw;
	const enum escrow_ns ns = NS_RDE_CONTACT;

	xw_start(x, ns, "contact");
	xw_text(x, ns, "id", c->handle);
	xw_text(x, ns, "roid", c->roid);
	objects_statuses(x, ns, &c->statuses);
	contact_postal(x, &c->intl, "int");
	contact_postal(x, &c->loc, "loc");
	contact_phone(x, "voice", c->voice, c->voice_ext);
	contact_phone(x, "fax", c->fax, c->fax_ext);
	xw_text(x, ns, "email", c->email);
	objects_owners(x, ns, c->sponsor, c->creator, c->created, c->updater, c->updated, 0);
	xw_time(x, ns, "trDate", c->transferred);
	objects_transfer(x, ns, &o->tr);
	contact_disclose(x, c->disclose);
	objects_done(dc, COUNT_CONTACT);
}

static int
contact_next(struct deposit_ctx *dc, struct escrow_cursor *c)
{
	struct escrow_contact o;
	int rc = store_escrow_next_contact(c, dc->a, &o);

	if (rc == REG_OK)
		contact_write(dc, &o);
	return rc;
}

int
objects_contacts(struct deposit_ctx *dc)
{
	return objects_walk(dc, ESCROW_CONTACT, contact_next);
}

/* --- hosts ----------------------------------------------------------------------- */

static void
host_write(struct deposit_ctx *dc, const struct reg_host *h)
{
	struct xw *x = dc->xw;
	const enum escrow_ns ns = NS_RDE_HOST;

	xw_start(x, ns, "host");
	xw_text(x, ns, "name", h->name);
	xw_text(x, ns, "roid", h->roid);
	objects_statuses(x, ns, &h->statuses);
	for (int i = 0; i < h->naddr; i++) {
		xw_start(x, ns, "addr");
		xw_attr(x, "ip", h->addr[i].family == 6 ? "v6" : "v4");
		xw_string(x, h->addr[i].addr);
		xw_end(x);
	}
	objects_owners(x, ns, h->sponsor, h->creator, h->created, h->updater, h->updated, 0);
	xw_time(x, ns, "trDate", h->transferred);
	objects_done(dc, COUNT_HOST);
}

static int
host_next(struct deposit_ctx *dc, struct escrow_cursor *c)
{
	struct reg_host h;
	int rc = store_escrow_next_host(c, dc->a, &h);

	if (rc == REG_OK)
		host_write(dc, &h);
	return rc;
}

int
objects_hosts(struct deposit_ctx *dc)
{
	return objects_walk(dc, ESCROW_HOST, host_next);
}

/* --- reserved names (NNDN) and the IDN table --------------------------------------- */

static int
nndn_next(struct deposit_ctx *dc, struct escrow_cursor *c)
{
	struct reg_reserved r;
	struct xw *x = dc->xw;
	int rc = store_escrow_next_nndn(c, dc->a, &r);

	if (rc != REG_OK)
		return rc;
	xw_start(x, NS_RDE_NNDN, "NNDN");
	xw_text(x, NS_RDE_NNDN, "aName", r.name);
	xw_text(x, NS_RDE_NNDN, "nameState", strcmp(r.kind, "blocked") == 0 ?
	    "blocked" : "withheld");
	objects_done(dc, COUNT_NNDN);
	return REG_OK;
}

int
objects_nndns(struct deposit_ctx *dc)
{
	return objects_walk(dc, ESCROW_NNDN, nndn_next);
}

const char *
objects_idn_id(struct arena *a, const struct reg_config *cfg)
{
	char *base, *dot;

	if (cfg->registry.idn_table == NULL || cfg->registry.idn_table[0] == '\0')
		return NULL;
	base = arena_strdup(a, basename(arena_strdup(a, cfg->registry.idn_table)));
	if ((dot = strrchr(base, '.')) != NULL && dot != base)
		*dot = '\0';
	return base;
}

/* The table is published under the registry's web address. */
void
objects_idn(struct deposit_ctx *dc)
{
	const char *site = dc->cfg->registry.url;
	struct xw *x = dc->xw;
	char *url;

	if (dc->idn_id == NULL)
		return;
	if (site == NULL || site[0] == '\0')
		site = "http://localhost/";
	url = arena_printf(dc->a, "%s%sidn/%s", site, str_has_suffix(site, "/") ? "" : "/",
	    dc->idn_id);
	xw_start(x, NS_RDE_IDN, "idnTableRef");
	xw_attr(x, "id", dc->idn_id);
	xw_text(x, NS_RDE_IDN, "url", url);
	xw_text(x, NS_RDE_IDN, "urlPolicy", site);
	objects_done(dc, COUNT_IDN);
}

/* --- EPP parameters, menu, header ----------------------------------------------------- */

/* What eppd's greeting offers (eppd/response.c). */
void
objects_epp_params(struct deposit_ctx *dc)
{
	static const enum escrow_ns objs[] = { NS_DOMAIN, NS_HOST, NS_CONTACT };
	static const enum escrow_ns exts[] = { NS_SECDNS, NS_RGP };
	struct xw *x = dc->xw;
	const enum escrow_ns ns = NS_RDE_EPP;

	xw_start(x, ns, "eppParams");
	xw_text(x, ns, "version", "1.0");
	xw_text(x, ns, "lang", "en");
	for (size_t i = 0; i < nitems(objs); i++)
		xw_text(x, ns, "objURI", escrow_ns[objs[i]].uri);
	xw_start(x, ns, "svcExtension");
	for (size_t i = 0; i < nitems(exts); i++)
		xw_text(x, NS_EPP, "extURI", escrow_ns[exts[i]].uri);
	xw_end(x);
	xw_start(x, ns, "dcp");
	xw_start(x, NS_EPP, "access");
	xw_text(x, NS_EPP, "all", "");
	xw_end(x);
	xw_start(x, NS_EPP, "statement");
	xw_start(x, NS_EPP, "purpose");
	xw_text(x, NS_EPP, "admin", "");
	xw_text(x, NS_EPP, "prov", "");
	xw_end(x);
	xw_start(x, NS_EPP, "recipient");
	xw_text(x, NS_EPP, "ours", "");
	xw_text(x, NS_EPP, "public", "");
	xw_end(x);
	xw_start(x, NS_EPP, "retention");
	xw_text(x, NS_EPP, "stated", "");
	xw_end(x);
	xw_end(x);
	xw_end(x);
	objects_done(dc, COUNT_EPP);
}

void
objects_menu(struct deposit_ctx *dc)
{
	xw_start(dc->xw, NS_RDE, "rdeMenu");
	xw_text(dc->xw, NS_RDE, "version", "1.0");
	for (int i = 0; i < NS_COUNT; i++)
		if (escrow_ns[i].menu)
			xw_text(dc->xw, NS_RDE, "objURI", escrow_ns[i].uri);
	xw_end(dc->xw);
	xw_newline(dc->xw);
}

void
objects_header(struct deposit_ctx *dc, const struct escrow_counts *expect)
{
	struct xw *x = dc->xw;

	xw_start(x, NS_HEADER, "header");
	xw_text(x, NS_HEADER, "tld", dc->cfg->registry.tld);
	for (int k = 0; k < COUNT_KINDS; k++) {
		xw_start(x, NS_HEADER, "count");
		xw_attr(x, "uri", escrow_ns[escrow_count_ns[k]].uri);
		snprintf(x->buf, sizeof(x->buf), "%lld", (long long)expect->n[k]);
		xw_string(x, x->buf);
		xw_end(x);
	}
	xw_end(x);
	xw_newline(x);
}

/* --- deletes ------------------------------------------------------------------------ */

/* Per kind: the element a delete names its objects with. */
static const struct {
	enum escrow_ns ns;
	const char *key;
	enum escrow_count count;
} delete_defs[ESCROW_NKINDS] = {
	[ESCROW_DOMAIN] = { NS_RDE_DOMAIN, "name", COUNT_DOMAIN },
	[ESCROW_HOST] = { NS_RDE_HOST, "roid", COUNT_HOST },
	[ESCROW_CONTACT] = { NS_RDE_CONTACT, "id", COUNT_CONTACT },
	[ESCROW_REGISTRAR] = { NS_RDE_REGISTRAR, "id", COUNT_REGISTRAR },
	[ESCROW_NNDN] = { NS_RDE_NNDN, "aName", COUNT_NNDN },
};

struct delete_walk {
	struct deposit_ctx *dc;
	enum escrow_kind kind;
	bool open;		/* the kind's <delete> element is started */
};

static int
delete_one(void *arg, const char *key)
{
	struct delete_walk *w = arg;
	struct xw *x = w->dc->xw;

	if (!w->open) {
		xw_start(x, delete_defs[w->kind].ns, "delete");
		w->open = true;
	}
	xw_text(x, delete_defs[w->kind].ns, delete_defs[w->kind].key, key);
	w->dc->counts.deletes[delete_defs[w->kind].count]++;
	return x->failed ? REG_EIO : REG_OK;
}

/* Domains first, then what they used, so that a reader applying them in
 * order never deletes a host a remaining domain still names. */
int
objects_deletes(struct deposit_ctx *dc)
{
	static const enum escrow_kind order[] = { ESCROW_DOMAIN, ESCROW_HOST, ESCROW_CONTACT,
	    ESCROW_REGISTRAR, ESCROW_NNDN };
	int rc = REG_OK;

	xw_start(dc->xw, NS_RDE, "deletes");
	for (size_t i = 0; i < nitems(order) && rc == REG_OK; i++) {
		struct delete_walk w = { dc, order[i], false };

		rc = store_escrow_gone(dc->st, order[i], delete_one, &w);
		if (w.open) {
			xw_end(dc->xw);
			xw_newline(dc->xw);
		}
	}
	xw_end(dc->xw);
	xw_newline(dc->xw);
	return rc;
}
