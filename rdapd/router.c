/*
 * router.c: from the request target to a handler (RFC 9082 3).
 *
 * The target is read raw, as the client sent it, and decoded here one
 * path segment and one query parameter at a time, so that "%2F" inside a
 * name is no separator and every bad encoding has a clear 400: a '%'
 * without two hex digits, an encoded NUL or control character, or bytes
 * that are not UTF-8 (RFC 9082 6.1). The path then picks a row of
 * routes[]; unknown query parameters are ignored (RFC 7480 4.3).
 */
#include <string.h>

#include "rdapd.h"
#include "util.h"

static int not_served(struct rq *, const char *);

/* How many path segments a route takes, and what its handler gets. */
enum route_arg { ARG_NONE, ARG_KEY, ARG_SEGMENT };

static const struct route {
	const char *segment;
	int nseg;			/* 0: any */
	enum route_arg arg;
	rdap_handler fn;
} routes[] = {
	{ "domain", 2, ARG_KEY, domain_lookup },
	{ "nameserver", 2, ARG_KEY, nameserver_lookup },
	{ "entity", 2, ARG_KEY, entity_lookup },
	{ "help", 1, ARG_NONE, help_answer },
	{ "domains", 1, ARG_SEGMENT, search_answer },
	{ "nameservers", 1, ARG_SEGMENT, search_answer },
	{ "entities", 1, ARG_SEGMENT, search_answer },
	/* RFC 9082 queries for number registries. */
	{ "ip", 0, ARG_SEGMENT, not_served },
	{ "autnum", 0, ARG_SEGMENT, not_served },
	{ "ips", 0, ARG_SEGMENT, not_served },
	{ "autnums", 0, ARG_SEGMENT, not_served },
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s in place ('+' is a space in a query); NULL, or what is
 * wrong with it. */
static const char *
pct_decode(char *s, bool query)
{
	char *out = s;
	int hi, lo;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '%') {
			if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0)
				return "a '%' is not followed by two hex digits";
			c = (unsigned char)(hi << 4 | lo);
			s += 2;
		} else if (c == '+' && query)
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			return "it holds a NUL or control character";
		*out++ = (char)c;
	}
	*out = '\0';
	return NULL;
}

/* Bytes that form well-formed UTF-8 (RFC 3629: shortest forms, no
 * surrogates, nothing above U+10FFFF). */
static bool
utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n, cp;

		if (c < 0x80) {
			s++;
			continue;
		}
		n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
		if (n == 0 || c > 0xf4)
			return false;
		cp = c & (0x3f >> n);
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		s += n + 1;
	}
	return true;
}

/* Decodes one piece of the target; NULL or what is wrong. */
static const char *
decode(char *s, bool query)
{
	const char *why = pct_decode(s, query);

	if (why == NULL && !utf8_valid((const unsigned char *)s))
		why = "it is not UTF-8";
	return why;
}

static int
parse_path(struct rq *rq, char *path)
{
	char *save = NULL, *seg;
	const char *why;

	if (path[0] != '/')
		return rdap_error(rq, HTTP_BAD_REQUEST, "the path must begin with '/'");
	path++;
	if (path[0] == '\0')
		return rdap_error(rq, HTTP_BAD_REQUEST, "no query: try %shelp",
		    rq->d->base_url);
	if (path[0] == '/' || strstr(path, "//") != NULL || path[strlen(path) - 1] == '/')
		return rdap_error(rq, HTTP_BAD_REQUEST, "the path has an empty segment");
	for (seg = strtok_r(path, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		if (rq->nseg == RDAP_SEGMENTS)
			return rdap_error(rq, HTTP_BAD_REQUEST, "the path has too many segments");
		if ((why = decode(seg, false)) != NULL)
			return rdap_error(rq, HTTP_BAD_REQUEST, "bad path segment: %s", why);
		rq->seg[rq->nseg++] = seg;
	}
	return HTTP_OK;
}

static int
parse_query(struct rq *rq, char *query)
{
	char *save = NULL, *kv, *eq;
	const char *why;

	for (kv = strtok_r(query, "&", &save); kv != NULL; kv = strtok_r(NULL, "&", &save)) {
		if (rq->nparam == RDAP_PARAMS)
			return rdap_error(rq, HTTP_BAD_REQUEST, "more than %d query parameters",
			    RDAP_PARAMS);
		if ((eq = strchr(kv, '=')) != NULL)
			*eq++ = '\0';
		if ((why = decode(kv, true)) != NULL ||
		    (eq != NULL && (why = decode(eq, true)) != NULL))
			return rdap_error(rq, HTTP_BAD_REQUEST, "bad query parameter: %s", why);
		rq->param[rq->nparam].key = kv;
		rq->param[rq->nparam++].val = eq != NULL ? eq : "";
	}
	return HTTP_OK;
}

int
router_parse(struct rq *rq, const char *target)
{
	char *copy, *query;
	int status;

	rq->self = rq->d->base_url;
	if (strlen(target) > RDAP_URI_MAX)
		return rdap_error(rq, HTTP_URI_TOO_LONG, "the request target is longer "
		    "than %d characters", RDAP_URI_MAX);
	copy = arena_strdup(rq->a, target);
	if ((query = strchr(copy, '?')) != NULL)
		*query++ = '\0';
	if ((status = parse_path(rq, copy)) != HTTP_OK)
		return status;
	return query != NULL ? parse_query(rq, query) : HTTP_OK;
}

const char *
rq_param(const struct rq *rq, const char *key)
{
	for (int i = 0; i < rq->nparam; i++)
		if (strcmp(rq->param[i].key, key) == 0)
			return rq->param[i].val;
	return NULL;
}

static int
not_served(struct rq *rq, const char *segment)
{
	return rdap_error(rq, HTTP_NOT_IMPLEMENTED, "this server holds domain names: "
	    "'%s' queries are for number registries", segment);
}

int
router_dispatch(struct rq *rq)
{
	const struct route *r = NULL;

	for (size_t i = 0; i < nitems(routes) && r == NULL; i++)
		if (strcmp(routes[i].segment, rq->seg[0]) == 0)
			r = &routes[i];
	if (r == NULL)
		return rdap_error(rq, HTTP_BAD_REQUEST, "'%s' is not an RDAP query this "
		    "server knows (see %shelp)", rq->seg[0], rq->d->base_url);
	if (r->nseg != 0 && rq->nseg != r->nseg)
		return rdap_error(rq, HTTP_BAD_REQUEST, r->nseg == 2 ?
		    "/%s takes exactly one more path segment" :
		    "/%s takes no further path segments", r->segment);
	if (r->arg == ARG_KEY)
		rq->self = rdap_url(rq, rq->seg[0], rq->seg[1]);
	else
		rq->self = arena_printf(rq->a, "%s%s", rq->d->base_url, r->segment);
	return r->fn(rq, r->arg == ARG_KEY ? rq->seg[1] : r->arg == ARG_SEGMENT ?
	    rq->seg[0] : NULL);
}
