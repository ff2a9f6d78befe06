/*
 * json.c: the builders every answer shares: jansson on the request
 * arena, the topmost members (rdapConformance, notices, lang), links,
 * events, the RFC 8056 status mapping and jCard (RFC 7095).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rdapd.h"
#include "util.h"

/* RFC 7480 6, RFC 9083 4.1: what the answers follow. The ICANN profile
 * (February 2024) and its technical implementation guide fit a ccTLD
 * where they ask for terms of service, the database's age, registrar
 * links and ROID handles; redaction is RFC 9537. */
#define CONFORMANCE_LEVEL	"rdap_level_0"
#define CONFORMANCE_REDACTED	"redacted"
#define CONFORMANCE_PROFILE	"icann_rdap_response_profile_1"
#define CONFORMANCE_TIG		"icann_rdap_technical_implementation_guide_1"

#define STATUS_CODES_URL	"https://icann.org/epp"

static _Thread_local struct arena *json_arena;

static void *
arena_malloc(size_t n)
{
	return arena_alloc(json_arena, n);
}

static void
arena_nofree(void *p)
{
}

void
json_setup(void)
{
	json_set_alloc_funcs(arena_malloc, arena_nofree);
}

void
json_use_arena(struct arena *a)
{
	json_arena = a;
}

void
json_set_str(json_t *obj, const char *key, const char *s)
{
	if (s != NULL)
		json_object_set_new_nocheck(obj, key, json_string(s));
}

void
rdap_port43(struct rq *rq, json_t *obj)
{
	const char *server = rq->d->cfg->registry.whois_server;

	if (server != NULL && server[0] != '\0')
		json_object_set_new_nocheck(obj, "port43", json_string(server));
}

/* --- links ------------------------------------------------------------------ */

/* Appends key to out, percent-encoding what is not unreserved (RFC 3986). */
static void
url_key(char *out, const char *key)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			*out++ = (char)*p;
			continue;
		}
		*out++ = '%';
		*out++ = hex[*p >> 4];
		*out++ = hex[*p & 15];
	}
	*out = '\0';
}

char *
rdap_url(struct rq *rq, const char *kind, const char *key)
{
	size_t nb = strlen(rq->d->base_url), nk = strlen(kind);
	char *s = arena_alloc(rq->a, nb + nk + 1 + 3 * strlen(key) + 1);

	memcpy(s, rq->d->base_url, nb);
	memcpy(s + nb, kind, nk);
	s[nb + nk] = '/';
	url_key(s + nb + nk + 1, key);
	return s;
}

json_t *
rdap_link(const char *value, const char *rel, const char *href, const char *type)
{
	json_t *l = json_object();

	json_object_set_new_nocheck(l, "value", json_string(value));
	json_object_set_new_nocheck(l, "rel", json_string(rel));
	json_object_set_new_nocheck(l, "href", json_string(href));
	json_set_str(l, "type", type);
	return l;
}

json_t *
rdap_self_links(struct rq *rq, const char *kind, const char *key)
{
	const char *url = rdap_url(rq, kind, key);
	json_t *links = json_array();

	json_array_append_new(links, rdap_link(url, "self", url, RDAP_MEDIA_TYPE));
	return links;
}

/* --- events and status -------------------------------------------------------- */

/* RFC 3339 "2026-11-28T08:41:25Z" into out (21 bytes); by hand, since
 * strftime() costs a microsecond and an answer has a dozen dates. */
static void
rfc3339(int64_t t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int v[6], w[6] = { 4, 2, 2, 2, 2, 2 };
	const char sep[] = "--T::Z";

	gmtime_r(&tt, &tm);
	v[0] = tm.tm_year + 1900;
	v[1] = tm.tm_mon + 1;
	v[2] = tm.tm_mday;
	v[3] = tm.tm_hour;
	v[4] = tm.tm_min;
	v[5] = tm.tm_sec;
	for (int i = 0; i < 6; i++) {
		for (int k = w[i] - 1; k >= 0; k--, v[i] /= 10)
			out[k] = (char)('0' + v[i] % 10);
		out += w[i];
		*out++ = sep[i];
	}
	*out = '\0';
}

void
rdap_event(json_t *events, const char *action, int64_t t)
{
	char when[REG_TIME_LEN];
	json_t *e;

	if (t == 0)
		return;
	rfc3339(t, when);
	e = json_object();
	json_object_set_new_nocheck(e, "eventAction", json_string_nocheck(action));
	json_object_set_new_nocheck(e, "eventDate", json_string_nocheck(when));
	json_array_append_new(events, e);
}

/* RFC 8056 section 2, the mapping after its registrations. */
static const struct {
	const char *epp, *rdap;
} status_map[] = {
	{ "addPeriod", "add period" },
	{ "autoRenewPeriod", "auto renew period" },
	{ "clientDeleteProhibited", "client delete prohibited" },
	{ "clientHold", "client hold" },
	{ "clientRenewProhibited", "client renew prohibited" },
	{ "clientTransferProhibited", "client transfer prohibited" },
	{ "clientUpdateProhibited", "client update prohibited" },
	{ "inactive", "inactive" },
	{ "linked", "associated" },
	{ "ok", "active" },
	{ "pendingCreate", "pending create" },
	{ "pendingDelete", "pending delete" },
	{ "pendingRenew", "pending renew" },
	{ "pendingRestore", "pending restore" },
	{ "pendingTransfer", "pending transfer" },
	{ "pendingUpdate", "pending update" },
	{ "redemptionPeriod", "redemption period" },
	{ "renewPeriod", "renew period" },
	{ "serverDeleteProhibited", "server delete prohibited" },
	{ "serverRenewProhibited", "server renew prohibited" },
	{ "serverTransferProhibited", "server transfer prohibited" },
	{ "serverUpdateProhibited", "server update prohibited" },
	{ "serverHold", "server hold" },
	{ "transferPeriod", "transfer period" },
};

static const char *
status_rdap(const char *epp)
{
	for (size_t i = 0; i < nitems(status_map); i++)
		if (strcmp(status_map[i].epp, epp) == 0)
			return status_map[i].rdap;
	return NULL;
}

/* Appends the RDAP form of epp once; statuses RFC 8056 does not name
 * are left out rather than invented. */
static void
status_append(json_t *v, const char *epp)
{
	const char *s = status_rdap(epp);
	size_t i;
	json_t *have;

	if (s == NULL)
		return;
	json_array_foreach(v, i, have)
		if (strcmp(json_string_value(have), s) == 0)
			return;
	json_array_append_new(v, json_string(s));
}

json_t *
rdap_status(const struct reg_status_list *l, const char *rgp)
{
	json_t *v = json_array();

	for (int i = 0; i < l->n; i++)
		status_append(v, l->v[i].status);
	if (rgp != NULL)
		status_append(v, rgp);
	return v;
}

/* --- jCard ------------------------------------------------------------------- */

json_t *
jcard_new(void)
{
	json_t *card = json_array(), *props = json_array();

	json_array_append_new(card, json_string("vcard"));
	json_array_append_new(card, props);
	jcard_text(card, "version", "4.0");
	return card;
}

void
jcard_add(json_t *card, const char *prop, json_t *params, const char *type,
    json_t *value)
{
	json_t *p = json_array();

	json_array_append_new(p, json_string(prop));
	json_array_append_new(p, params != NULL ? params : json_object());
	json_array_append_new(p, json_string(type));
	json_array_append_new(p, value);
	json_array_append_new(json_array_get(card, 1), p);
}

void
jcard_text(json_t *card, const char *prop, const char *s)
{
	if (s != NULL)
		jcard_add(card, prop, NULL, "text", json_string(s));
}

static json_t *
str_or_empty(const char *s)
{
	return json_string(s != NULL ? s : "");
}

/* The street part: one line as a string, several as an array. */
static json_t *
adr_street(const struct reg_address *a)
{
	json_t *v;
	int n = 0;

	for (int i = 0; i < 3; i++)
		n += a->street[i] != NULL;
	if (n <= 1)
		return str_or_empty(a->street[0]);
	v = json_array();
	for (int i = 0; i < 3; i++)
		if (a->street[i] != NULL)
			json_array_append_new(v, json_string(a->street[i]));
	return v;
}

/* RFC 6350 6.3.1 order: PO box, extended, street, locality, region,
 * postal code, country name; the country goes as the "cc" parameter
 * (RFC 8605), the name part stays empty. */
void
jcard_adr(json_t *card, const struct reg_address *a)
{
	json_t *params = json_object(), *v = json_array();

	if (a->cc != NULL)
		json_object_set_new_nocheck(params, "cc", json_string(a->cc));
	json_array_append_new(v, json_string(""));
	json_array_append_new(v, json_string(""));
	json_array_append_new(v, adr_street(a));
	json_array_append_new(v, str_or_empty(a->city));
	json_array_append_new(v, str_or_empty(a->sp));
	json_array_append_new(v, str_or_empty(a->pc));
	json_array_append_new(v, json_string(""));
	jcard_add(card, "adr", params, "text", v);
}

/* EPP numbers are "+46.812345" (RFC 5733 2.5); RFC 3966 takes them as
 * they are in a global tel URI. */
void
jcard_tel(json_t *card, const char *kind, const char *number, const char *ext)
{
	json_t *params;
	char uri[128];

	if (number == NULL)
		return;
	if (ext != NULL)
		snprintf(uri, sizeof(uri), "tel:%s;ext=%s", number, ext);
	else
		snprintf(uri, sizeof(uri), "tel:%s", number);
	params = json_object();
	json_object_set_new_nocheck(params, "type", json_string(kind));
	jcard_add(card, "tel", params, "uri", json_string(uri));
}

/* --- serialisation ------------------------------------------------------------ */

/*
 * json_dumps() checks every container for cycles through a hash table of
 * printed pointers, which costs more than building the answer; our trees
 * have no cycles, so this writer walks them plainly, in insertion order,
 * into a buffer the caller keeps from one request to the next.
 */
struct jbuf {
	char **p;
	size_t *cap, n;
};

static void
jb_reserve(struct jbuf *b, size_t more)
{
	if (b->n + more <= *b->cap)
		return;
	while (b->n + more > *b->cap)
		*b->cap = *b->cap ? *b->cap * 2 : 16384;
	*b->p = xrealloc(*b->p, *b->cap);
}

static void
jb_put(struct jbuf *b, const char *s, size_t n)
{
	jb_reserve(b, n);
	memcpy(*b->p + b->n, s, n);
	b->n += n;
}

static void
jb_char(struct jbuf *b, char c)
{
	jb_reserve(b, 1);
	(*b->p)[b->n++] = c;
}

/* RFC 8259 7: quotes, backslashes and control characters are escaped;
 * everything else, UTF-8 included, goes as it is. */
static void
write_string(struct jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o;

	jb_reserve(b, 6 * n + 2);
	o = *b->p + b->n;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		if (c == '"' || c == '\\') {
			*o++ = (char)c;
			continue;
		}
		memcpy(o, "u00", 3);
		o[3] = hex[c >> 4];
		o[4] = hex[c & 15];
		o += 5;
	}
	*o++ = '"';
	b->n = (size_t)(o - *b->p);
}

static void
write_value(struct jbuf *b, json_t *v)
{
	char num[32];
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jb_char(b, '{');
		i = 0;
		json_object_foreach(v, key, item) {
			if (i++ > 0)
				jb_char(b, ',');
			write_string(b, key, strlen(key));
			jb_char(b, ':');
			write_value(b, item);
		}
		jb_char(b, '}');
		break;
	case JSON_ARRAY:
		jb_char(b, '[');
		json_array_foreach(v, i, item) {
			if (i > 0)
				jb_char(b, ',');
			write_value(b, item);
		}
		jb_char(b, ']');
		break;
	case JSON_STRING:
		write_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jb_put(b, num, (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v)));
		break;
	case JSON_REAL:
		jb_put(b, num, (size_t)snprintf(num, sizeof(num), "%.17g", json_real_value(v)));
		break;
	case JSON_TRUE:
		jb_put(b, "true", 4);
		break;
	case JSON_FALSE:
		jb_put(b, "false", 5);
		break;
	case JSON_NULL:
		jb_put(b, "null", 4);
		break;
	}
}

size_t
json_write(json_t *v, char **buf, size_t *cap)
{
	struct jbuf b = { buf, cap, 0 };

	write_value(&b, v);
	jb_char(&b, '\0');
	return b.n - 1;
}

/* --- the topmost object --------------------------------------------------------- */

json_t *
rdap_conformance(bool redacted)
{
	json_t *v = json_array();

	json_array_append_new(v, json_string(CONFORMANCE_LEVEL));
	if (redacted)
		json_array_append_new(v, json_string(CONFORMANCE_REDACTED));
	json_array_append_new(v, json_string(CONFORMANCE_PROFILE));
	json_array_append_new(v, json_string(CONFORMANCE_TIG));
	return v;
}

void
rdap_notice(struct rq *rq, json_t *obj, const char *title, const char *type,
    const char *text, const char *rel, const char *href)
{
	json_t *notices = json_object_get(obj, "notices"), *n = json_object();
	json_t *desc = json_array();

	if (notices == NULL) {
		notices = json_array();
		json_object_set_new_nocheck(obj, "notices", notices);
	}
	json_object_set_new_nocheck(n, "title", json_string(title));
	json_set_str(n, "type", type);
	json_array_append_new(desc, json_string(text));
	json_object_set_new_nocheck(n, "description", desc);
	if (href != NULL) {
		json_t *links = json_array();
		bool ours = strncmp(href, rq->d->base_url, strlen(rq->d->base_url)) == 0;

		json_array_append_new(links, rdap_link(rq->self, rel, href,
		    ours ? RDAP_MEDIA_TYPE : "text/html"));
		json_object_set_new_nocheck(n, "links", links);
	}
	json_array_append_new(notices, n);
}

static void
notices_add(struct rq *rq, json_t *obj, unsigned which)
{
	const struct rdapd *d = rq->d;
	char text[512];

	if (which & NOTICE_TERMS) {
		snprintf(text, sizeof(text), "This service is subject to the terms of use of %s "
		    "at %s.", d->cfg->registry.name, d->terms_url);
		rdap_notice(rq, obj, "Terms of Use", NULL, text, "terms-of-service",
		    d->terms_url);
	}
	if (which & NOTICE_STATUS)
		rdap_notice(rq, obj, "Status Codes", NULL, "For more information on "
		    "domain status codes, please visit " STATUS_CODES_URL, "glossary",
		    STATUS_CODES_URL);
	if (which & NOTICE_INACCURACY) {
		snprintf(text, sizeof(text), "To report inaccurate registration data, "
		    "please visit %s", d->inaccuracy_url);
		rdap_notice(rq, obj, "RDDS Inaccuracy Complaint Form", NULL, text, "help",
		    d->inaccuracy_url);
	}
}

/* ICANN profile: a lookup's own object says how fresh the data is. */
static void
database_event(struct rq *rq, json_t *obj)
{
	json_t *events = json_object_get(obj, "events");

	if (json_object_get(obj, "objectClassName") == NULL)
		return;
	if (events == NULL) {
		events = json_array();
		json_object_set_new_nocheck(obj, "events", events);
	}
	rdap_event(events, "last update of RDAP database", rq->updated);
}

void
rdap_top(struct rq *rq, json_t *obj, unsigned notices)
{
	bool redacted = rq->redacted != NULL && json_array_size(rq->redacted) > 0;

	database_event(rq, obj);
	json_object_set_new_nocheck(obj, "rdapConformance", rdap_conformance(redacted));
	notices_add(rq, obj, notices);
	json_object_set_new_nocheck(obj, "lang", json_string(RDAP_LANG));
	if (redacted)
		json_object_set_nocheck(obj, "redacted", rq->redacted);
}
