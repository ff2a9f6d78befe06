/*
 * http.c: the HTTP side (RFC 7480) on libmicrohttpd.
 *
 * One libmicrohttpd daemon per rdap.listen address, each with an
 * internal pool of rdap.threads threads on epoll; connections stay open
 * between requests (HTTP/1.1 keep-alive).
 *
 * The request target is taken raw from the URI callback (router.c
 * decodes it); the access handler answers at its first call, whatever
 * the method, and ignores any body. Every answer, errors included,
 * carries Content-Type application/rdap+json and
 * Access-Control-Allow-Origin: * (RFC 7480 5.6); 200s an ETag and
 * Cache-Control, and If-None-Match turns a 200 into a 304. HEAD is GET
 * without the body (libmicrohttpd sends the headers, Content-Length
 * included, and drops the body).
 *
 * Each pool thread has a worker (worker.c): its own read-only store of
 * the replica, so prepared statements are never shared, and the
 * snapshot its requests share.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "log.h"
#include "rdapd.h"
#include "util.h"

#define LISTEN_MAX	8	/* addresses in rdap.listen */
#define IDLE_TIMEOUT	60	/* seconds a quiet connection stays open */
#define BACKLOG		1024
/* A connection's buffer: the request line and headers, zeroed for every
 * request, so no larger than it needs to be. A target between
 * RDAP_URI_MAX and this gets our 414; a request that does not fit at all
 * gets libmicrohttpd's own 414 or 431, a short HTML page. */
#define CONN_MEMORY	8192
#define LOG_TARGET_MAX	200	/* characters of the target a log line shows */
#define UPDATED_TTL	1000000	/* microseconds a worker trusts the database's age */

/* When the store cannot be opened there is no arena to build in. */
static const char unavailable[] =
    "{\"errorCode\":503,\"title\":\"Service Unavailable\",\"description\":"
    "[\"the registration database is not available; try again later\"],"
    "\"rdapConformance\":[\"rdap_level_0\"]}";

static struct MHD_Daemon *daemons[LISTEN_MAX];
static int ndaemons;

/* One request between the URI callback and the completion callback. */
struct pending {
	char *target;		/* raw, at most RDAP_URI_MAX + 1 characters */
	int64_t start;		/* mono_usec() */
	bool seen, answered;
};

/* --- from request to answer --------------------------------------------------- */

/* "Last update of RDAP database": the master time of the changeset the
 * replica applied last; a copy that is no replica (a snapshot of the
 * master) has its newest changelog entry instead. Read at most once per
 * UPDATED_TTL per worker. */
static int64_t
data_updated(struct worker *w, const struct rdapd *d, int64_t now)
{
	struct reg_replica_state rs;
	int64_t seq, ts = 0;

	if (w->updated != 0 && now - w->updated_at < UPDATED_TTL)
		return w->updated;
	if (store_replica_state(w->st, &rs) == REG_OK && rs.seq > 0)
		ts = rs.ts;
	else if ((seq = store_changelog_last(w->st)) > 0)
		ts = store_changelog_ts(w->st, seq);
	w->updated = ts > 0 ? ts : d->started;
	w->updated_at = now;
	return w->updated;
}

static int
serve(struct worker *w, struct rq *rq, const char *target, const char *method,
    const struct sockaddr *client)
{
	int64_t now = mono_usec();
	int status;

	if ((rq->retry_after = ratelimit_take(rq->d->rl, client, (double)now / 1e6)) > 0)
		return rdap_error(rq, HTTP_TOO_MANY, "too many queries from your network; "
		    "retry in %d seconds", rq->retry_after);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return rdap_error(rq, HTTP_METHOD, "RDAP answers GET and HEAD only");
	if ((status = router_parse(rq, target)) != HTTP_OK)
		return status;
	if (worker_read_begin(w, now) != REG_OK)
		return rdap_error_code(rq, REG_EDB, "the database");
	rq->updated = data_updated(w, rq->d, now);
	status = router_dispatch(rq);
	worker_read_end(w);
	return status;
}

/* A strong validator of the body: a multiply-xorshift hash over its
 * 8-byte words (FNV-1a byte by byte costs more than the rest of a small
 * answer). */
static void
etag_of(const char *body, size_t len, char *out, size_t size)
{
	const uint64_t k = 0x9E3779B97F4A7C15ULL;
	uint64_t h = len * k, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, body + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)body[i]) * k;
	h ^= h >> 32;
	snprintf(out, size, "\"%016llx\"", (unsigned long long)h);
}

static bool
etag_matches(struct MHD_Connection *c, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);

	return inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

static void
add_headers(const struct rq *rq, struct MHD_Response *r, int status, const char *etag)
{
	char retry[16];

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, RDAP_MEDIA_TYPE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    status == HTTP_OK || status == HTTP_NOT_MODIFIED || status == HTTP_NOT_FOUND ?
	    rq->d->cache_control : "no-store");
	if (etag != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (status == HTTP_TOO_MANY) {
		snprintf(retry, sizeof(retry), "%d", rq->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	if (status == HTTP_METHOD)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
}

static enum MHD_Result
send_text(struct MHD_Connection *c, const struct rq *rq, int status, const char *text,
    size_t len)
{
	char etag[24];
	struct MHD_Response *r;
	enum MHD_Result ok;
	bool tagged = status == HTTP_OK;

	if (tagged) {
		etag_of(text, len, etag, sizeof(etag));
		if (etag_matches(c, etag)) {
			status = HTTP_NOT_MODIFIED;
			len = 0;
		}
	}
	r = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	add_headers(rq, r, status, tagged ? etag : NULL);
	ok = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ok;
}

/* One line per request: client, method, target, status, time. */
static void
log_request(const struct sockaddr *sa, const char *method, const char *target,
    int status, int64_t start)
{
	char addr[INET6_ADDRSTRLEN] = "-", shown[LOG_TARGET_MAX + 1];
	size_t i;

	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr,
		    sizeof(addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
		    sizeof(addr));
	for (i = 0; target[i] && i < LOG_TARGET_MAX; i++)
		shown[i] = target[i] > ' ' && target[i] < 0x7f ? target[i] : '?';
	shown[i] = '\0';
	log_info("%s %s %s%s %d %.2fms", addr, method, shown, target[i] ? "..." : "",
	    status, (double)(mono_usec() - start) / 1000);
}

/* The client: the peer, or, when the peer is one of rdap.proxies (the
 * TLS front end of deploy/nginx-rdap.conf), the address its X-Real-IP
 * header names, so that rate limits and logs see the real client. */
static const struct sockaddr *
client_of(const struct rdapd *d, struct MHD_Connection *c, struct sockaddr_storage *ss)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *peer = ci != NULL ? ci->client_addr : NULL;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	const char *real;

	if (peer == NULL || d->proxies.n == 0 || !ipnet_list_contains(&d->proxies, peer) ||
	    (real = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP")) == NULL)
		return peer;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, real, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, real, &v6->sin6_addr) == 1)
		v6->sin6_family = AF_INET6;
	else
		return peer;
	return (const struct sockaddr *)ss;
}

static enum MHD_Result
answer(const struct rdapd *d, struct MHD_Connection *c, struct pending *p,
    const char *method)
{
	struct sockaddr_storage real;
	const struct sockaddr *client = client_of(d, c, &real);
	struct worker *w = worker_get(d);
	struct rq rq = { .d = d };
	enum MHD_Result ok;
	int status;

	if (w == NULL) {
		log_request(client, method, p->target, HTTP_UNAVAILABLE, p->start);
		return send_text(c, &rq, HTTP_UNAVAILABLE, unavailable,
		    sizeof(unavailable) - 1);
	}
	arena_reset(w->a);
	jw_reset(&w->out);
	jw_reset(&w->redacted);
	rq.st = w->st;
	rq.a = w->a;
	rq.out = &w->out;
	rq.redacted = &w->redacted;
	rq.scratch = &w->scratch;
	rq.cache = w->cache;
	status = serve(w, &rq, p->target, method, client);
	if (w->out.n == 0 || w->out.depth != 0 || w->out.broken)
		status = rdap_error(&rq, HTTP_INTERNAL, "no answer was built");
	ok = send_text(c, &rq, status, w->out.p, w->out.n);
	log_request(client, method, p->target, status, p->start);
	return ok;
}

/* --- libmicrohttpd callbacks ------------------------------------------------------ */

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->target = strndup(uri, RDAP_URI_MAX + 1);
	if (p->target == NULL)
		abort();
	p->start = mono_usec();
	return p;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	struct pending *p = *ctx;

	if (*upload_size != 0 || !p->seen) {
		*upload_size = 0;	/* a body is read and dropped */
		p->seen = true;
		return MHD_YES;
	}
	if (p->answered)
		return MHD_YES;
	p->answered = true;
	return answer(cls, c, p, method);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode why)
{
	struct pending *p = *ctx;

	if (p != NULL) {
		free(p->target);
		free(p);
	}
	*ctx = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warnx("libmicrohttpd: %s", line);
}

/* --- listeners ------------------------------------------------------------------ */

/* "192.0.2.1:80" or "[2001:db8::1]:80" into ss; port 0 lets the kernel
 * pick one (tests). */
static int
parse_listen(const char *text, struct sockaddr_storage *ss, struct reg_err *err)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	size_t n = colon != NULL ? (size_t)(colon - text) : 0;
	char *end;
	long port = colon != NULL ? strtol(colon + 1, &end, 10) : -1;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || n == 0 || n >= sizeof(host) || *end != '\0' || port < 0 ||
	    port > 65535)
		return reg_fail(err, REG_ECONFIG, "rdap.listen: '%s' is not address:port", text);
	memcpy(host, text, n);
	host[n] = '\0';
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1)
			return REG_OK;
	} else {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &v4->sin_addr) == 1)
			return REG_OK;
	}
	return reg_fail(err, REG_ECONFIG, "rdap.listen: '%s' is not an IP address", host);
}

/* The port the daemon listens on (the kernel's choice for port 0). */
static unsigned
bound_port(struct MHD_Daemon *md)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(md, MHD_DAEMON_INFO_BIND_PORT);

	return i != NULL ? i->port : 0;
}

static int
daemon_start(const struct rdapd *d, const char *text, struct reg_err *err)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *md;
	int rc;

	if ((rc = parse_listen(text, &ss, err)) != REG_OK)
		return rc;
	if (ndaemons == LISTEN_MAX)
		return reg_fail(err, REG_ECONFIG, "rdap.listen: more than %d addresses",
		    LISTEN_MAX);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger first: options before it would log through stderr. */
	md = MHD_start_daemon(flags, 0, NULL, NULL, on_request, (void *)d,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)d->cfg->rdap.threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->cfg->rdap.max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)BACKLOG,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (md == NULL)
		return reg_fail(err, REG_EIO, "rdap.listen: cannot listen on %s", text);
	daemons[ndaemons++] = md;
	log_info("listening on %.*s:%u", (int)(strrchr(text, ':') - text), text,
	    bound_port(md));
	return REG_OK;
}

int
http_start(const struct rdapd *d, struct reg_err *err)
{
	char *copy = xstrdup(d->cfg->rdap.listen), *tok, *save = NULL;
	int rc = REG_OK;

	workers_start();
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL && rc == REG_OK;
	    tok = strtok_r(NULL, ", \t", &save))
		rc = daemon_start(d, tok, err);
	free(copy);
	if (rc == REG_OK && ndaemons == 0)
		rc = reg_fail(err, REG_ECONFIG, "rdap.listen names no address");
	if (rc != REG_OK)
		http_stop();
	return rc;
}

void
http_stop(void)
{
	workers_stop();
	for (int i = 0; i < ndaemons; i++)
		MHD_stop_daemon(daemons[i]);
	ndaemons = 0;
}
