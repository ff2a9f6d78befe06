/*
 * search.c: the searches of RFC 9082 3.2 and RFC 9083 8.
 *
 *   /domains?name=       exa*, exa*.test, räk*.test, example.test
 *   /domains?nsLdhName=  ns1.exa*.test, ns*.example.net
 *   /domains?nsIp=       192.0.2.1, 2001:db8::1 (exact)
 *   /nameservers?name=, ?ip=
 *   /entities?fn=        Bobby Joe* (ASCII case ignored)
 *   /entities?handle=    CID-40*
 *
 * RFC 9082 4.1 partial matching, as far as one index range can serve it:
 * at most one '*', at the end of a label (names) or of the value (fn,
 * handle), after at least RDAP_PREFIX_MIN characters. A partial U-label
 * searches the U-label index of domains; host names have none, so a
 * host pattern's partial label is LDH. Anything else is 422 (RFC 9082
 * 4.1: search supported, this pattern not). The store walks at most
 * RDAP_SCAN_MAX index entries (store_search.c); at most rdap.max_results
 * objects come back, and a typed notice (RFC 9083 9) says when there
 * may have been more. An empty result is 404 (RFC 7480 5.3).
 *
 * With redaction on, fn matches only names their contact discloses:
 * otherwise a search would reveal what the lookup hides.
 */
#include <arpa/inet.h>
#include <string.h>

#include "name.h"
#include "rdapd.h"
#include "util.h"

#define TRUNCATED "result set truncated due to excessive load"

/* What a search found: how many objects it wrote into the results
 * array, and whether there may be more. */
struct found {
	int n;
	bool truncated;
};

typedef int (*search_fn)(struct rq *, const char *value, struct found *);

static int domains_by_name(struct rq *, const char *, struct found *);
static int domains_by_ns(struct rq *, const char *, struct found *);
static int domains_by_ip(struct rq *, const char *, struct found *);
static int hosts_by_name(struct rq *, const char *, struct found *);
static int hosts_by_ip(struct rq *, const char *, struct found *);
static int entities_by_fn(struct rq *, const char *, struct found *);
static int entities_by_handle(struct rq *, const char *, struct found *);

static const struct search {
	const char *objects;		/* the path segment */
	const char *param;		/* the query parameter */
	const char *results;		/* the array of the answer */
	unsigned notices;
	search_fn run;
} searches[] = {
	{ "domains", "name", "domainSearchResults", NOTICE_STATUS, domains_by_name },
	{ "domains", "nsLdhName", "domainSearchResults", NOTICE_STATUS, domains_by_ns },
	{ "domains", "nsIp", "domainSearchResults", NOTICE_STATUS, domains_by_ip },
	{ "nameservers", "name", "nameserverSearchResults", NOTICE_STATUS, hosts_by_name },
	{ "nameservers", "ip", "nameserverSearchResults", NOTICE_STATUS, hosts_by_ip },
	{ "entities", "fn", "entitySearchResults", 0, entities_by_fn },
	{ "entities", "handle", "entitySearchResults", 0, entities_by_handle },
};

/* --- patterns ------------------------------------------------------------------ */

static int
chars(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int
unprocessable(struct rq *rq, const char *in, const char *why)
{
	return rdap_error(rq, HTTP_UNPROCESSABLE, "cannot search for '%s': %s", in, why);
}

/* Checks the '*' of in: none, or one at the end of a label (label) or of
 * the value. HTTP_OK or the 422. */
static int
star_check(struct rq *rq, const char *in, bool label, const char **star)
{
	*star = strchr(in, '*');
	if (*star == NULL)
		return HTTP_OK;
	if (strchr(*star + 1, '*') != NULL)
		return unprocessable(rq, in, "a pattern may hold one '*' (RFC 9082 4.1)");
	if ((*star)[1] != '\0' && (!label || (*star)[1] != '.'))
		return unprocessable(rq, in, label ? "the '*' must end a label" :
		    "the '*' must end the pattern");
	return HTTP_OK;
}

/* The label part before the '*': LDH, lower-cased; or, when unicode is
 * allowed and it is not ASCII, a U-label prefix in NFC. */
static int
partial_label(struct rq *rq, const char *in, char *lab, bool unicode_ok, bool *unicode)
{
	struct name_label l;
	struct reg_err err = { 0 };

	*unicode = false;
	if (chars(lab) < RDAP_PREFIX_MIN)
		return unprocessable(rq, in, arena_printf(rq->a, "the '*' needs at least "
		    "%d characters before it in its label", RDAP_PREFIX_MIN));
	if (strspn(lab, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
	    strlen(lab)) {
		str_lower(lab);
		return HTTP_OK;
	}
	if (!unicode_ok)
		return unprocessable(rq, in, "partial U-labels are searched in domain names "
		    "only");
	if (name_label_parse(lab, strlen(lab), &l, &err) != REG_OK || !l.idn)
		return unprocessable(rq, in, "the text before the '*' must be a U-label "
		    "in itself");
	strcpy(lab, l.ulabel);
	*unicode = true;
	return HTTP_OK;
}

/* Whole labels, in A-label (or U-label) form. */
static int
whole_labels(struct rq *rq, const char *in, const char *labels, bool unicode, char **out)
{
	char a[NAME_TEXT_MAX + 1], u[NAME_USIZE];
	struct reg_err err = { 0 };

	if (name_lookup_normalize(labels, a, sizeof(a), &err) != REG_OK)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not a name pattern: %s", in,
		    reg_err_text(&err));
	if (unicode && name_to_unicode(a, u, sizeof(u)) != REG_OK)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not a name pattern", in);
	*out = arena_strdup(rq->a, unicode ? u : a);
	return HTTP_OK;
}

/*
 * A domain or host name pattern: "exa*.test" becomes prefix "exa" and
 * suffix ".test", "ns1.exa*" prefix "ns1.exa"; a name without '*' its
 * A-label. *unicode tells that the prefix is a U-label one.
 */
static int
name_pattern(struct rq *rq, const char *in, bool unicode_ok, struct store_pattern *p,
    bool *unicode)
{
	const char *star;
	char *head, *lab, *full = NULL, *tail = NULL;
	int st;

	memset(p, 0, sizeof(*p));
	*unicode = false;
	if ((st = star_check(rq, in, true, &star)) != HTTP_OK)
		return st;
	if (star == NULL)
		return whole_labels(rq, in, in, false, (char **)&p->prefix);
	head = arena_strndup(rq->a, in, (size_t)(star - in));
	if ((lab = strrchr(head, '.')) != NULL) {
		*lab++ = '\0';
		full = head;
	} else
		lab = head;
	if ((st = partial_label(rq, in, lab, unicode_ok && full == NULL, unicode)) != HTTP_OK ||
	    (full != NULL && (st = whole_labels(rq, in, full, false, &full)) != HTTP_OK) ||
	    (star[1] != '\0' && (st = whole_labels(rq, in, star + 2, *unicode, &tail)) != HTTP_OK))
		return st;
	p->prefix = full != NULL ? arena_printf(rq->a, "%s.%s", full, lab) : lab;
	p->suffix = tail != NULL ? arena_printf(rq->a, ".%s", tail) : "";
	p->wildcard = true;
	return HTTP_OK;
}

/* An fn or handle pattern: the value, or a prefix and a final '*'. */
static int
text_pattern(struct rq *rq, const char *in, struct store_pattern *p)
{
	const char *star;
	int st;

	memset(p, 0, sizeof(*p));
	p->suffix = "";
	if ((st = star_check(rq, in, false, &star)) != HTTP_OK)
		return st;
	if (in[0] == '\0')
		return rdap_error(rq, HTTP_BAD_REQUEST, "the search value is empty");
	p->wildcard = star != NULL;
	p->prefix = star != NULL ? arena_strndup(rq->a, in, (size_t)(star - in)) : in;
	if (p->wildcard && chars(p->prefix) < RDAP_PREFIX_MIN)
		return unprocessable(rq, in, arena_printf(rq->a, "the '*' needs at least %d "
		    "characters before it", RDAP_PREFIX_MIN));
	return HTTP_OK;
}

/* An exact IPv4 or IPv6 address, in the canonical form the store keeps. */
static int
address(struct rq *rq, const char *in, char *out)
{
	unsigned char bin[16];
	int af = strchr(in, ':') != NULL ? AF_INET6 : AF_INET;

	if (strpbrk(in, "*/") != NULL)
		return unprocessable(rq, in, "searches by address take one exact address");
	if (inet_pton(af, in, bin) != 1)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not an IP address", in);
	inet_ntop(af, bin, out, INET6_ADDRSTRLEN);
	return HTTP_OK;
}

/* --- results --------------------------------------------------------------------- */

static int
max_results(const struct rq *rq)
{
	return (int)rq->d->cfg->rdap.max_results;
}

static void
found_init(struct found *f, const struct store_hits *h)
{
	f->n = 0;
	f->truncated = h->more || h->cut;
}

static int
add_domains(struct rq *rq, int rc, const struct store_hits *h, struct found *f)
{
	struct reg_domain_rdap v;

	found_init(f, h);
	for (int i = 0; i < h->n && rc == REG_OK; i++) {
		if ((rc = store_domain_rdap(rq->st, rq->a, NULL, h->id[i], &v)) != REG_OK)
			break;
		jw_object(rq->out, NULL);
		rc = domain_members(rq, &v, arena_printf(rq->a,
		    "$.domainSearchResults[?(@.ldhName=='%s')]", v.d.name));
		jw_end(rq->out);
		f->n++;
	}
	return rc == REG_OK ? HTTP_OK : rdap_error_code(rq, rc, "the search");
}

static int
add_hosts(struct rq *rq, int rc, const struct store_hits *h, struct found *f)
{
	struct reg_host host;

	found_init(f, h);
	for (int i = 0; i < h->n && rc == REG_OK; i++) {
		if ((rc = store_host_get_by_id(rq->st, rq->a, h->id[i], &host)) != REG_OK)
			break;
		jw_object(rq->out, NULL);
		rc = nameserver_members(rq, &host, false);
		jw_end(rq->out);
		f->n++;
	}
	return rc == REG_OK ? HTTP_OK : rdap_error_code(rq, rc, "the search");
}

/* Contacts first, then registrars, max_results in all. */
static int
add_entities(struct rq *rq, int rc, const struct store_hits *contacts,
    const struct store_hits *registrars, struct found *f)
{
	struct reg_contact c;
	struct reg_registrar r;

	found_init(f, contacts);
	f->truncated |= registrars->more || registrars->cut;
	for (int i = 0; i < contacts->n && rc == REG_OK; i++) {
		if ((rc = store_contact_get_by_id(rq->st, rq->a, contacts->id[i], &c)) != REG_OK)
			break;
		jw_object(rq->out, NULL);
		entity_contact_members(rq, &c, NULL, arena_printf(rq->a,
		    "$.entitySearchResults[?(@.handle=='%s')]", c.handle), false);
		jw_end(rq->out);
		f->n++;
	}
	for (int i = 0; i < registrars->n && rc == REG_OK; i++) {
		if (f->n == max_results(rq)) {
			f->truncated = true;
			break;
		}
		if ((rc = store_registrar_get_by_id(rq->st, rq->a, registrars->id[i], &r)) != REG_OK)
			break;
		jw_object(rq->out, NULL);
		entity_registrar_members(rq, &r, NULL, false);
		jw_end(rq->out);
		f->n++;
	}
	return rc == REG_OK ? HTTP_OK : rdap_error_code(rq, rc, "the search");
}

/* --- the searches ------------------------------------------------------------------ */

static int
domains_by_name(struct rq *rq, const char *value, struct found *f)
{
	struct store_pattern p;
	struct store_hits h;
	bool unicode;
	int st;

	if ((st = name_pattern(rq, value, true, &p, &unicode)) != HTTP_OK)
		return st;
	return add_domains(rq, store_search_domains(rq->st, rq->a, &p, unicode,
	    max_results(rq), RDAP_SCAN_MAX, &h), &h, f);
}

static int
domains_by_ns(struct rq *rq, const char *value, struct found *f)
{
	struct store_pattern p;
	struct store_hits h;
	bool unicode;
	int st;

	if ((st = name_pattern(rq, value, false, &p, &unicode)) != HTTP_OK)
		return st;
	return add_domains(rq, store_search_domains_by_ns(rq->st, rq->a, &p,
	    max_results(rq), RDAP_SCAN_MAX, &h), &h, f);
}

static int
domains_by_ip(struct rq *rq, const char *value, struct found *f)
{
	char addr[INET6_ADDRSTRLEN];
	struct store_hits h;
	int st;

	if ((st = address(rq, value, addr)) != HTTP_OK)
		return st;
	return add_domains(rq, store_search_domains_by_ip(rq->st, rq->a, addr,
	    max_results(rq), RDAP_SCAN_MAX, &h), &h, f);
}

static int
hosts_by_name(struct rq *rq, const char *value, struct found *f)
{
	struct store_pattern p;
	struct store_hits h;
	bool unicode;
	int st;

	if ((st = name_pattern(rq, value, false, &p, &unicode)) != HTTP_OK)
		return st;
	return add_hosts(rq, store_search_hosts(rq->st, rq->a, &p, max_results(rq),
	    RDAP_SCAN_MAX, &h), &h, f);
}

static int
hosts_by_ip(struct rq *rq, const char *value, struct found *f)
{
	char addr[INET6_ADDRSTRLEN];
	struct store_hits h;
	int st;

	if ((st = address(rq, value, addr)) != HTTP_OK)
		return st;
	return add_hosts(rq, store_search_hosts_by_ip(rq->st, rq->a, addr,
	    max_results(rq), &h), &h, f);
}

static int
entities_by_fn(struct rq *rq, const char *value, struct found *f)
{
	struct store_pattern p;
	struct store_hits c, r;
	int st, rc;

	if ((st = text_pattern(rq, value, &p)) != HTTP_OK)
		return st;
	rc = store_search_contacts_fn(rq->st, rq->a, &p, redact_enabled(rq),
	    max_results(rq), RDAP_SCAN_MAX, &c);
	if (rc == REG_OK)
		rc = store_search_registrars(rq->st, rq->a, &p, false, max_results(rq),
		    RDAP_SCAN_MAX, &r);
	return add_entities(rq, rc, &c, &r, f);
}

static int
entities_by_handle(struct rq *rq, const char *value, struct found *f)
{
	struct store_pattern p;
	struct store_hits c, r;
	int st, rc;

	if ((st = text_pattern(rq, value, &p)) != HTTP_OK)
		return st;
	rc = store_search_contacts_handle(rq->st, rq->a, &p, max_results(rq),
	    RDAP_SCAN_MAX, &c);
	if (rc == REG_OK)
		rc = store_search_registrars(rq->st, rq->a, &p, true, max_results(rq),
		    RDAP_SCAN_MAX, &r);
	return add_entities(rq, rc, &c, &r, f);
}

/* --- the answer ---------------------------------------------------------------------- */

/* The parameter names of the searches over objects: "name, nsLdhName". */
static const char *
search_names(struct rq *rq, const char *objects)
{
	const char *names = NULL;

	for (size_t i = 0; i < nitems(searches); i++)
		if (strcmp(searches[i].objects, objects) == 0)
			names = names == NULL ? searches[i].param :
			    arena_printf(rq->a, "%s, %s", names, searches[i].param);
	return names;
}

/* The one search the query asks for: HTTP_OK, or 400 when it names none
 * or several. */
static int
search_pick(struct rq *rq, const char *objects, const struct search **out)
{
	*out = NULL;
	for (size_t i = 0; i < nitems(searches); i++) {
		if (strcmp(searches[i].objects, objects) != 0 ||
		    rq_param(rq, searches[i].param) == NULL)
			continue;
		if (*out != NULL)
			return rdap_error(rq, HTTP_BAD_REQUEST, "a search takes one of %s, "
			    "not two", search_names(rq, objects));
		*out = &searches[i];
	}
	if (*out == NULL)
		return rdap_error(rq, HTTP_BAD_REQUEST, "/%s needs one of the parameters %s",
		    objects, search_names(rq, objects));
	return HTTP_OK;
}

int
search_answer(struct rq *rq, const char *objects)
{
	const struct search *s;
	const char *value;
	struct found f;
	int st;

	if ((st = search_pick(rq, objects, &s)) != HTTP_OK)
		return st;
	value = rq_param(rq, s->param);
	/* The results are written as they are read; a failure starts the
	 * answer over as an error. */
	jw_object(rq->out, NULL);
	jw_array(rq->out, s->results);
	if ((st = s->run(rq, value, &f)) != HTTP_OK)
		return st;
	if (f.n == 0)
		return rdap_error(rq, HTTP_NOT_FOUND, "nothing matches %s=%s", s->param, value);
	jw_end(rq->out);
	rdap_notices(rq, NOTICE_TERMS | s->notices);
	if (f.truncated)
		rdap_notice(rq, "Search Policy", TRUNCATED, arena_printf(rq->a,
		    "Searches return at most %d objects and read at most %d index entries; "
		    "narrow the pattern to see the rest.", max_results(rq), RDAP_SCAN_MAX),
		    NULL, NULL);
	rdap_finish(rq);
	return HTTP_OK;
}
