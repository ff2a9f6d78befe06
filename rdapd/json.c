/*
 * json.c: the builders every answer shares: the topmost members
 * (notices, rdapConformance, lang, redacted), links, events, the RFC 8056
 * status mapping and jCard (RFC 7095), written through jsonw.c.
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
#define STATUS_MAX		32	/* RDAP statuses one object can have */

void
rdap_port43(struct rq *rq)
{
	const char *server = rq->d->cfg->registry.whois_server;

	if (server != NULL && server[0] != '\0')
		jw_string(rq->out, "port43", server);
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

void
rdap_link(struct rq *rq, const char *value, const char *rel, const char *href,
    const char *type)
{
	struct jw *w = rq->out;

	jw_object(w, NULL);
	jw_string(w, "value", value);
	jw_string(w, "rel", rel);
	jw_string(w, "href", href);
	jw_string(w, "type", type);
	jw_end(w);
}

const char *
rdap_links_begin(struct rq *rq, const char *kind, const char *key)
{
	const char *url = rdap_url(rq, kind, key);

	jw_array(rq->out, "links");
	rdap_link(rq, url, "self", url, RDAP_MEDIA_TYPE);
	return url;
}

/* --- events and status -------------------------------------------------------- */

/* The civil date of a day count since 1970-01-01 (H. Hinnant's
 * days_from_civil, inverted): gmtime_r takes the time zone lock and
 * costs more than the rest of an event. */
static void
civil(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* RFC 3339 "2026-11-28T08:41:25Z" into out (21 bytes); by hand, since
 * strftime() costs a microsecond and an answer has a dozen dates. */
static void
rfc3339(int64_t t, char *out)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), secs = t - days * 86400;
	int v[6], w[6] = { 4, 2, 2, 2, 2, 2 };
	const char sep[] = "--T::Z";

	civil(days, &v[0], &v[1], &v[2]);
	v[3] = (int)(secs / 3600);
	v[4] = (int)(secs / 60 % 60);
	v[5] = (int)(secs % 60);
	for (int i = 0; i < 6; i++) {
		for (int k = w[i] - 1; k >= 0; k--, v[i] /= 10)
			out[k] = (char)('0' + v[i] % 10);
		out += w[i];
		*out++ = sep[i];
	}
	*out = '\0';
}

void
rdap_events_begin(struct rq *rq)
{
	jw_array(rq->out, "events");
}

void
rdap_event(struct rq *rq, const char *action, int64_t t)
{
	char when[REG_TIME_LEN];

	if (t == 0)
		return;
	rfc3339(t, when);
	jw_object(rq->out, NULL);
	jw_string(rq->out, "eventAction", action);
	jw_string(rq->out, "eventDate", when);
	jw_end(rq->out);
}

/* ICANN profile: a lookup's own object says how fresh the data is. */
void
rdap_events_end(struct rq *rq, bool top)
{
	if (top)
		rdap_event(rq, "last update of RDAP database", rq->updated);
	jw_end(rq->out);
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

/* Writes the RDAP form of epp once (seen holds those written);
 * statuses RFC 8056 does not name are left out rather than invented. */
static void
status_add(struct jw *w, const char *epp, const char **seen, int *nseen)
{
	const char *s = status_rdap(epp);

	if (s == NULL || *nseen == STATUS_MAX)
		return;
	for (int i = 0; i < *nseen; i++)
		if (seen[i] == s)
			return;
	seen[(*nseen)++] = s;
	jw_string(w, NULL, s);
}

void
rdap_status(struct rq *rq, const struct reg_status_list *l, const char *rgp)
{
	const char *seen[STATUS_MAX];
	int nseen = 0;

	jw_array(rq->out, "status");
	for (int i = 0; i < l->n; i++)
		status_add(rq->out, l->v[i].status, seen, &nseen);
	if (rgp != NULL)
		status_add(rq->out, rgp, seen, &nseen);
	jw_end(rq->out);
}

/* --- jCard ------------------------------------------------------------------- */

void
jcard_begin(struct rq *rq)
{
	jw_array(rq->out, "vcardArray");
	jw_string(rq->out, NULL, "vcard");
	jw_array(rq->out, NULL);
	jcard_text(rq, "version", "4.0");
}

void
jcard_end(struct rq *rq)
{
	jw_end(rq->out);
	jw_end(rq->out);
}

/* Opens [prop, params, type, ...] with an empty params object, or one
 * with a single member key: val. */
static void
prop_begin(struct jw *w, const char *prop, const char *key, const char *val,
    const char *type)
{
	jw_array(w, NULL);
	jw_string(w, NULL, prop);
	jw_object(w, NULL);
	jw_string(w, key, val);
	jw_end(w);
	jw_string(w, NULL, type);
}

void
jcard_text(struct rq *rq, const char *prop, const char *s)
{
	if (s == NULL)
		return;
	prop_begin(rq->out, prop, NULL, NULL, "text");
	jw_string(rq->out, NULL, s);
	jw_end(rq->out);
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* RFC 6350 6.3.1 order: PO box, extended, street, locality, region,
 * postal code, country name; the country goes as the "cc" parameter
 * (RFC 8605), the name part stays empty. The street is one line as a
 * string, several as an array. */
void
jcard_adr(struct rq *rq, const struct reg_address *a)
{
	struct jw *w = rq->out;
	int lines = 0;

	for (int i = 0; i < 3; i++)
		lines += a->street[i] != NULL;
	prop_begin(w, "adr", a->cc != NULL ? "cc" : NULL, a->cc, "text");
	jw_array(w, NULL);
	jw_string(w, NULL, "");
	jw_string(w, NULL, "");
	if (lines <= 1) {
		jw_string(w, NULL, or_empty(a->street[0]));
	} else {
		jw_array(w, NULL);
		for (int i = 0; i < 3; i++)
			jw_string(w, NULL, a->street[i]);
		jw_end(w);
	}
	jw_string(w, NULL, or_empty(a->city));
	jw_string(w, NULL, or_empty(a->sp));
	jw_string(w, NULL, or_empty(a->pc));
	jw_string(w, NULL, "");
	jw_end(w);
	jw_end(w);
}

/* EPP numbers are "+46.812345" (RFC 5733 2.5); RFC 3966 takes them as
 * they are in a global tel URI. */
void
jcard_tel(struct rq *rq, const char *kind, const char *number, const char *ext)
{
	char uri[128];

	if (number == NULL)
		return;
	if (ext != NULL)
		snprintf(uri, sizeof(uri), "tel:%s;ext=%s", number, ext);
	else
		snprintf(uri, sizeof(uri), "tel:%s", number);
	prop_begin(rq->out, "tel", "type", kind, "uri");
	jw_string(rq->out, NULL, uri);
	jw_end(rq->out);
}

/* --- the topmost object --------------------------------------------------------- */

void
rdap_notice(struct rq *rq, const char *title, const char *type, const char *text,
    const char *rel, const char *href)
{
	struct jw *w = rq->out;

	if (!rq->notices_open) {
		jw_array(w, "notices");
		rq->notices_open = true;
	}
	jw_object(w, NULL);
	jw_string(w, "title", title);
	jw_string(w, "type", type);
	jw_array(w, "description");
	jw_string(w, NULL, text);
	jw_end(w);
	if (href != NULL) {
		bool ours = strncmp(href, rq->d->base_url, strlen(rq->d->base_url)) == 0;

		jw_array(w, "links");
		rdap_link(rq, rq->self, rel, href, ours ? RDAP_MEDIA_TYPE : "text/html");
		jw_end(w);
	}
	jw_end(w);
}

void
rdap_notices(struct rq *rq, unsigned which)
{
	const struct rdapd *d = rq->d;
	char text[512];

	if (which & NOTICE_TERMS) {
		snprintf(text, sizeof(text), "This service is subject to the terms of use of %s "
		    "at %s.", d->cfg->registry.name, d->terms_url);
		rdap_notice(rq, "Terms of Use", NULL, text, "terms-of-service", d->terms_url);
	}
	if (which & NOTICE_STATUS)
		rdap_notice(rq, "Status Codes", NULL, "For more information on domain status "
		    "codes, please visit " STATUS_CODES_URL, "glossary", STATUS_CODES_URL);
	if (which & NOTICE_INACCURACY) {
		snprintf(text, sizeof(text), "To report inaccurate registration data, "
		    "please visit %s", d->inaccuracy_url);
		rdap_notice(rq, "RDDS Inaccuracy Complaint Form", NULL, text, "help",
		    d->inaccuracy_url);
	}
}

void
rdap_finish(struct rq *rq)
{
	struct jw *w = rq->out;

	if (rq->notices_open)
		jw_end(w);
	rq->notices_open = false;
	jw_array(w, "rdapConformance");
	jw_string(w, NULL, CONFORMANCE_LEVEL);
	if (rq->nredacted > 0 || rq->claims_redacted)
		jw_string(w, NULL, CONFORMANCE_REDACTED);
	jw_string(w, NULL, CONFORMANCE_PROFILE);
	jw_string(w, NULL, CONFORMANCE_TIG);
	jw_end(w);
	jw_string(w, "lang", RDAP_LANG);
	if (rq->nredacted > 0) {
		jw_array(w, "redacted");
		jw_raw(w, NULL, rq->redacted->p, rq->redacted->n);
		jw_end(w);
	}
	jw_end(w);
}
