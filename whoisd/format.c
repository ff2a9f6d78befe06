/*
 * format.c: WHOIS answers as "Key: value" lines, the form registries
 * have long used (the field names follow ICANN's RDDS output so that
 * parsers written for gTLDs read ours), each ended by CR LF.
 *
 * Contact data: a field is shown when the contact's disclose flag for it
 * is set (DISCLOSE_* in store.h, per postalInfo form for name, org and
 * address) or whois.disclose = yes; otherwise the line is kept and its
 * value reads REDACTED. Handles are not personal data and always shown.
 * Stored text is never trusted to be one line: control characters in a
 * value become spaces.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "whoisd.h"

#define REDACTED	"REDACTED FOR PRIVACY"
#define OBUF_MIN	4096
#define TIME_MAX	32

void
obuf_add(struct obuf *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		while (o->len + n > o->cap)
			o->cap = o->cap ? 2 * o->cap : OBUF_MIN;
		o->p = xrealloc(o->p, o->cap);
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

void
obuf_free(struct obuf *o)
{
	free(o->p);
	*o = (struct obuf){ 0 };
}

static void
obuf_str(struct obuf *o, const char *s)
{
	obuf_add(o, s, strlen(s));
}

/* Appends n bytes of s with control characters (C0, DEL) as spaces. */
static void
obuf_clean_n(struct obuf *o, const char *s, size_t n)
{
	size_t k;

	while (n > 0) {
		for (k = 0; k < n && (unsigned char)s[k] >= 0x20 && s[k] != 0x7f; k++)
			;
		obuf_add(o, s, k);
		if (k == n)
			break;
		obuf_add(o, " ", 1);
		s += k + 1;
		n -= k + 1;
	}
}

static void
obuf_clean(struct obuf *o, const char *s)
{
	obuf_clean_n(o, s, strlen(s));
}

static void
obuf_end(struct obuf *o)
{
	obuf_add(o, WHOIS_LINE_END, sizeof(WHOIS_LINE_END) - 1);
}

/* Every line of text (ended by LF or the end) as "% line". */
static void
comment_lines(struct obuf *o, const char *text)
{
	size_t n;

	for (; *text != '\0'; text += n + (text[n] == '\n')) {
		n = strcspn(text, "\n");
		obuf_str(o, n > 0 ? "% " : "%");
		obuf_clean_n(o, text, n);
		obuf_end(o);
	}
}

void
format_comment(struct obuf *o, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	comment_lines(o, text);
}

void
format_field(struct obuf *o, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	obuf_str(o, key);
	obuf_str(o, ": ");
	obuf_clean(o, value);
	obuf_end(o);
}

static void
format_time(struct obuf *o, const char *key, int64_t t)
{
	char buf[TIME_MAX];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	format_field(o, key, buf);
}

static void
format_int(struct obuf *o, const char *key, int64_t n)
{
	char buf[TIME_MAX];

	if (n == 0)
		return;
	snprintf(buf, sizeof(buf), "%lld", (long long)n);
	format_field(o, key, buf);
}

void
format_terms(struct obuf *o, const char *terms)
{
	comment_lines(o, terms);
	obuf_str(o, "%" WHOIS_LINE_END);
}

void
format_footer(struct obuf *o, int64_t updated_db)
{
	char buf[TIME_MAX];
	time_t tt = (time_t)updated_db;
	struct tm tm;

	if (updated_db == 0 || gmtime_r(&tt, &tm) == NULL)
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	obuf_str(o, ">>> Last update of WHOIS database: ");
	obuf_str(o, buf);
	obuf_str(o, " <<<" WHOIS_LINE_END);
}

/* --- contacts --------------------------------------------------------- */

enum cfield {
	F_NAME, F_ORG, F_STREET1, F_STREET2, F_STREET3, F_CITY, F_SP, F_PC, F_CC,
	F_VOICE, F_VOICE_EXT, F_FAX, F_FAX_EXT, F_EMAIL, F_COUNT
};

#define ADDR DISCLOSE_ADDR_INT, DISCLOSE_ADDR_LOC
static const struct {
	const char *label;
	unsigned bit_int, bit_loc;	/* the flag that makes it public */
} cfields[F_COUNT] = {
	[F_NAME] = { "Name", DISCLOSE_NAME_INT, DISCLOSE_NAME_LOC },
	[F_ORG] = { "Organization", DISCLOSE_ORG_INT, DISCLOSE_ORG_LOC },
	[F_STREET1] = { "Street", ADDR },
	[F_STREET2] = { "Street", ADDR },
	[F_STREET3] = { "Street", ADDR },
	[F_CITY] = { "City", ADDR },
	[F_SP] = { "State/Province", ADDR },
	[F_PC] = { "Postal Code", ADDR },
	[F_CC] = { "Country", ADDR },
	[F_VOICE] = { "Phone", DISCLOSE_VOICE, DISCLOSE_VOICE },
	[F_VOICE_EXT] = { "Phone Ext", DISCLOSE_VOICE, DISCLOSE_VOICE },
	[F_FAX] = { "Fax", DISCLOSE_FAX, DISCLOSE_FAX },
	[F_FAX_EXT] = { "Fax Ext", DISCLOSE_FAX, DISCLOSE_FAX },
	[F_EMAIL] = { "Email", DISCLOSE_EMAIL, DISCLOSE_EMAIL },
};
#undef ADDR

/* The label of a contact type in field names. */
static const char *
role_label(const char *type)
{
	static const char *const roles[][2] = {
		{ "registrant", "Registrant" }, { "admin", "Admin" }, { "tech", "Tech" },
	};

	for (size_t i = 0; i < nitems(roles); i++)
		if (strcmp(roles[i][0], type) == 0)
			return roles[i][1];
	return type;
}

/* "Role Label: value", as format_field. */
static void
role_field(struct obuf *o, const char *role, const char *label, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	obuf_str(o, role);
	obuf_str(o, " ");
	format_field(o, label, value);
}

/* One contact in one role: the "int" postalInfo, or "loc" when that is
 * the only one. */
static void
format_contact(struct obuf *o, const struct reg_view_contact *vc, bool all)
{
	const struct reg_contact *c = &vc->c;
	const char *role = role_label(vc->type);
	bool loc = c->intl.name == NULL;
	const struct reg_postal *p = loc ? &c->loc : &c->intl;
	const char *v[F_COUNT] = { p->name, p->org, p->addr.street[0], p->addr.street[1],
	    p->addr.street[2], p->addr.city, p->addr.sp, p->addr.pc, p->addr.cc,
	    c->voice, c->voice_ext, c->fax, c->fax_ext, c->email };

	role_field(o, role, "ID", c->handle);
	for (int i = 0; i < F_COUNT; i++) {
		unsigned bit = loc ? cfields[i].bit_loc : cfields[i].bit_int;
		const char *shown = v[i];

		if (shown != NULL && shown[0] != '\0' && !all && !(c->disclose & bit))
			shown = REDACTED;
		role_field(o, role, cfields[i].label, shown);
	}
}

/* --- domains ---------------------------------------------------------- */

static void
format_sponsor(struct obuf *o, const struct reg_registrar *r)
{
	format_field(o, "Registrar", r->name);
	format_field(o, "Registrar Handle", r->handle);
	format_int(o, "Registrar IANA ID", r->iana_id);
	format_field(o, "Registrar Email", r->email);
	format_field(o, "Registrar Phone", r->voice);
}

/* EPP statuses, then the RGP state (RFC 3915) when it is not among them. */
static void
format_statuses(struct obuf *o, const char *key, const struct reg_status_list *l,
    const char *rgp)
{
	bool have_rgp = false;

	for (int i = 0; i < l->n; i++) {
		format_field(o, key, l->v[i].status);
		have_rgp |= rgp != NULL && strcmp(rgp, l->v[i].status) == 0;
	}
	if (rgp != NULL && !have_rgp)
		format_field(o, key, rgp);
}

/* "Name Server: ns1.example.test 192.0.2.1 2001:db8::1" */
static void
format_ns(struct obuf *o, const struct reg_host *h)
{
	obuf_str(o, "Name Server: ");
	obuf_clean(o, h->name);
	for (int i = 0; i < h->naddr; i++) {
		obuf_str(o, " ");
		obuf_clean(o, h->addr[i].addr);
	}
	obuf_end(o);
}

static void
format_dnssec(struct obuf *o, const struct reg_domain *d)
{
	char line[1024];

	format_field(o, "DNSSEC", d->nds > 0 ? "signedDelegation" : "unsigned");
	for (int i = 0; i < d->nds; i++) {
		const struct reg_ds *ds = &d->ds[i];

		snprintf(line, sizeof(line), "%d %d %d %s", ds->key_tag, ds->alg,
		    ds->digest_type, ds->digest);
		format_field(o, "DNSSEC DS Data", line);
		if (!ds->has_key)
			continue;
		snprintf(line, sizeof(line), "%d %d %d %s", ds->key_flags,
		    ds->key_protocol, ds->key_alg, ds->key_pub);
		format_field(o, "DNSSEC Key Data", line);
	}
}

void
format_domain(struct obuf *o, const struct reg_domain_view *w, bool all)
{
	const struct reg_domain *d = &w->d;

	format_field(o, "Domain Name", d->name);
	format_field(o, "Internationalized Domain Name", d->uname);
	format_field(o, "Registry Domain ID", d->roid);
	format_field(o, "Registrar WHOIS Server", w->sponsor.whois_server);
	format_field(o, "Registrar URL", w->sponsor.url);
	format_time(o, "Updated Date", d->updated);
	format_time(o, "Creation Date", d->created);
	format_time(o, "Registry Expiry Date", d->expires);
	format_sponsor(o, &w->sponsor);
	format_statuses(o, "Domain Status", &d->statuses, d->rgp);
	for (int i = 0; i < w->ncontacts; i++)
		format_contact(o, &w->contacts[i], all);
	for (int i = 0; i < w->nns; i++)
		format_ns(o, &w->ns[i]);
	format_dnssec(o, d);
}

/* --- hosts and registrars --------------------------------------------- */

void
format_host(struct obuf *o, const struct reg_host *h, const char *uname,
    const struct reg_registrar *sponsor)
{
	format_field(o, "Server Name", h->name);
	if (uname != NULL && strcmp(uname, h->name) != 0)
		format_field(o, "Internationalized Server Name", uname);
	for (int i = 0; i < h->naddr; i++)
		format_field(o, "IP Address", h->addr[i].addr);
	format_statuses(o, "Status", &h->statuses, NULL);
	format_field(o, "Registrar", sponsor->name);
	format_field(o, "Registrar Handle", sponsor->handle);
	format_time(o, "Updated Date", h->updated);
	format_time(o, "Creation Date", h->created);
}

void
format_registrar(struct obuf *o, const struct reg_registrar *r)
{
	format_field(o, "Registrar", r->name);
	format_field(o, "Registrar Handle", r->handle);
	format_int(o, "Registrar IANA ID", r->iana_id);
	format_field(o, "Registrar Status", r->state);
	for (int i = 0; i < 3; i++)
		format_field(o, "Street", r->addr.street[i]);
	format_field(o, "City", r->addr.city);
	format_field(o, "State/Province", r->addr.sp);
	format_field(o, "Postal Code", r->addr.pc);
	format_field(o, "Country", r->addr.cc);
	format_field(o, "Phone", r->voice);
	format_field(o, "Fax", r->fax);
	format_field(o, "Email", r->email);
	format_field(o, "Registrar URL", r->url);
	format_field(o, "Registrar WHOIS Server", r->whois_server);
	format_time(o, "Updated Date", r->updated);
	format_time(o, "Creation Date", r->created);
}

void
format_help(struct obuf *o, const struct reg_config *cfg)
{
	format_comment(o, "Queries, one per connection, any case:\n"
	    "  NAME                 a domain under .%s (A-label or U-label)\n"
	    "  domain NAME          the same\n"
	    "  nameserver NAME      a name server (host) registered here\n"
	    "  registrar HANDLE     a registrar by its handle\n"
	    "  help                 this text", cfg->registry.tld);
}
