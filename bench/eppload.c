/*
 * eppload.c: an EPP load generator for bench/epp.sh (RFC 5730, 5731,
 * 5734).
 *
 *	eppload -p PORT -C CA -r REGISTRARS -k KIND [-f POOL] [-a ADDR]
 *	        [-s SESSIONS] [-d SECONDS] [-w WARMUP] [-z ZONE] [-n NS1,NS2]
 *	        [-t TAG] [-S SEED] [-P PID,PID]
 *
 * Opens SESSIONS TLS sessions (OpenSSL, with the registrar's client
 * certificate, the server's certificate verified against CA), each on its
 * own thread with blocking I/O, and logs each in. Session i belongs to
 * registrar i mod R of the file REGISTRARS ("clID password cert key
 * contact" a line). Logins run one after another, so that the server's
 * per-address cap on connections that have not logged in yet is never
 * what is measured. Then every session sends one command of KIND after
 * the other, waiting for each answer:
 *
 *   check   <domain:check> of one name, alternately one of the pool
 *           (taken) and a random unregistered one
 *   info    <domain:info hosts="all"> of a pool domain of the registrar
 *   create  <domain:create> of a new name (period 1 y, two name servers
 *           of -n, the registrar's contact as registrant, admin and
 *           tech, an authInfo)
 *   update  <domain:update> with <domain:chg> of the authInfo, on a pool
 *           domain of the registrar
 *   renew   <domain:renew> by one year of a pool domain of the
 *           registrar; curExpDate comes from the pool, then from each
 *           renew's own <domain:exDate>
 *
 * POOL lists "clID name YYYY-MM-DD" (the sponsor, a domain it may
 * update and renew, its expiry date); sessions of one registrar share its
 * domains out between them. After WARMUP seconds it measures for SECONDS
 * and prints one line of key=value pairs: commands, rate, latency
 * percentiles (send of the frame to the end of the answer) and the count
 * of every result code. Results other than 1000 are counted, never
 * dropped, and the first answer of each such code goes to stderr so its
 * reason can be read. With -P (eppd's frontend and writer), the line also
 * gives the CPU time (user + system, from /proc) each process spent per
 * command while measuring: steadier than the rate on a busy machine. The
 * line "eppload: measuring" goes to stderr when the measured phase
 * starts (bench/epp.sh starts perf on it). Exit status 1 if a session
 * could not connect or log in, or lost its connection.
 *
 * Builds with `cc -O2 -o eppload bench/eppload.c $(pkg-config --cflags
 * --libs openssl) -lpthread`; bench/epp.sh does that.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_SESSIONS	256
#define MAX_REGISTRARS	256
#define LINE_MAX_LEN	1024
#define NAME_MAX_LEN	254
#define DATE_LEN	10		/* "YYYY-MM-DD" */
#define CMD_MAX		4096
#define ANSWER_MAX	(1 << 20)	/* larger answers are an error here */
#define CODE_MIN	1000
#define CODE_COUNT	1600		/* result codes 1000..2599 */
#define LAT_CHUNK	(1 << 18)
#define REASON_SHOWN	600		/* bytes of a first failing answer shown */
#define FRAME_HEADER	4
#define MAX_PIDS	4
#define STAT_MAX	1024

#define NS_EPP		"urn:ietf:params:xml:ns:epp-1.0"
#define NS_DOMAIN	"urn:ietf:params:xml:ns:domain-1.0"

enum kind { K_CHECK, K_INFO, K_CREATE, K_UPDATE, K_RENEW, K_COUNT };
static const char *const kind_names[K_COUNT] = { "check", "info", "create", "update", "renew" };

struct registrar {
	char clid[17], pw[65], contact[17];
	char *cert, *key;
	SSL_CTX *ctx;
	struct domain *pool;	/* this registrar's domains */
	size_t npool, cappool;
	int nsessions;		/* sessions of this registrar so far */
};

struct domain {
	char *name;
	char exp[DATE_LEN + 1];
};

struct session {
	pthread_t tid;
	int id, fd;
	SSL *ssl;
	struct registrar *r;
	size_t first, stride;	/* the pool domains r->pool[first + k * stride] */
	uint64_t rng, seq;
	uint64_t codes[CODE_COUNT], other;
	uint32_t *lat;		/* microseconds, measured phase only */
	size_t nlat, caplat;
	bool failed;
	char *in;		/* the last answer */
	size_t inlen;
};

static struct {
	const char *addr, *ca, *regfile, *pool, *zone, *tag;
	char ns[2][NAME_MAX_LEN + 1];
	int port, sessions;
	enum kind kind;
	double seconds, warmup;
	unsigned seed;
	long pids[MAX_PIDS];
	int npids;
} opt = { "127.0.0.1", NULL, NULL, NULL, "test", NULL, { "", "" }, 0, 16, K_COUNT,
	10, 2, 1, { 0 }, 0 };

static struct registrar regs[MAX_REGISTRARS];
static int nregs;
static struct sockaddr_in server;
static _Atomic int phase;		/* 0 warm-up, 1 measuring, 2 done */
static pthread_mutex_t shown_mtx = PTHREAD_MUTEX_INITIALIZER;
static bool shown[CODE_COUNT];		/* a failing answer of this code went to stderr */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "eppload: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		die("out of memory");
	return p;
}

static uint64_t
rng_next(uint64_t *s)	/* xorshift64* */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* --- input files ------------------------------------------------------------ */

static FILE *
open_or_die(const char *path)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	return f;
}

static struct registrar *
registrar_find(const char *clid)
{
	for (int i = 0; i < nregs; i++)
		if (strcmp(regs[i].clid, clid) == 0)
			return &regs[i];
	return NULL;
}

static SSL_CTX *
tls_ctx(const struct registrar *r)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, opt.ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, r->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, r->key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		die("TLS set-up for %s failed", r->clid);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static void
registrars_load(const char *path)
{
	char line[LINE_MAX_LEN], cert[LINE_MAX_LEN], key[LINE_MAX_LEN];
	FILE *f = open_or_die(path);
	struct registrar *r;

	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (nregs == MAX_REGISTRARS)
			die("%s: more than %d registrars", path, MAX_REGISTRARS);
		r = &regs[nregs++];
		if (sscanf(line, "%16s %64s %1023s %1023s %16s", r->clid, r->pw, cert, key,
		    r->contact) != 5)
			die("%s: want \"clID password cert key contact\": %s", path, line);
		r->cert = strdup(cert);
		r->key = strdup(key);
		r->ctx = tls_ctx(r);
	}
	fclose(f);
	if (nregs == 0)
		die("%s: no registrars", path);
}

static void
pool_add(struct registrar *r, const char *name, const char *exp)
{
	if (r->npool == r->cappool) {
		r->cappool = r->cappool ? r->cappool * 2 : 1024;
		r->pool = xrealloc(r->pool, r->cappool * sizeof(*r->pool));
	}
	r->pool[r->npool].name = strdup(name);
	memcpy(r->pool[r->npool].exp, exp, DATE_LEN + 1);
	r->npool++;
}

static void
pool_load(const char *path)
{
	char line[LINE_MAX_LEN], clid[LINE_MAX_LEN], name[LINE_MAX_LEN], exp[LINE_MAX_LEN];
	FILE *f = open_or_die(path);
	struct registrar *r;

	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%1023s %1023s %1023s", clid, name, exp) != 3 ||
		    strlen(exp) != DATE_LEN || strlen(name) > NAME_MAX_LEN)
			continue;
		if ((r = registrar_find(clid)) != NULL)
			pool_add(r, name, exp);
	}
	fclose(f);
}

/* --- frames (RFC 5734 section 4) ---------------------------------------------- */

static int
ssl_write_all(SSL *ssl, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		int w = SSL_write(ssl, (const char *)buf + done, (int)(n - done));

		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static int
ssl_read_full(SSL *ssl, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		int r = SSL_read(ssl, (char *)buf + done, (int)(n - done));

		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static int
frame_send(struct session *s, const char *xml, size_t len)
{
	unsigned char hdr[FRAME_HEADER];
	uint32_t total = (uint32_t)(len + FRAME_HEADER);
	char buf[CMD_MAX + FRAME_HEADER];

	hdr[0] = (unsigned char)(total >> 24);
	hdr[1] = (unsigned char)(total >> 16);
	hdr[2] = (unsigned char)(total >> 8);
	hdr[3] = (unsigned char)total;
	if (len > CMD_MAX)
		return -1;
	memcpy(buf, hdr, FRAME_HEADER);
	memcpy(buf + FRAME_HEADER, xml, len);
	return ssl_write_all(s->ssl, buf, len + FRAME_HEADER);
}

/* The next frame into s->in (NUL-terminated); 0 or -1. */
static int
frame_recv(struct session *s)
{
	unsigned char hdr[FRAME_HEADER];
	uint32_t total;

	if (ssl_read_full(s->ssl, hdr, FRAME_HEADER) != 0)
		return -1;
	total = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (total <= FRAME_HEADER || total - FRAME_HEADER > ANSWER_MAX)
		return -1;
	s->inlen = total - FRAME_HEADER;
	if (ssl_read_full(s->ssl, s->in, s->inlen) != 0)
		return -1;
	s->in[s->inlen] = '\0';
	return 0;
}

/* The result code of the answer in s->in, 0 if none is found. */
static int
answer_code(const struct session *s)
{
	const char *p = strstr(s->in, "<result code=\"");

	return p != NULL ? atoi(p + strlen("<result code=\"")) : 0;
}

/* --- commands ------------------------------------------------------------------- */

/* The whole <epp> document of one command; its length. */
static size_t
wrap(struct session *s, char *out, const char *inner)
{
	int n = snprintf(out, CMD_MAX, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<epp xmlns=\"" NS_EPP "\"><command>%s<clTRID>bench-%d-%llu</clTRID>"
	    "</command></epp>", inner, s->id, (unsigned long long)++s->seq);

	if (n < 0 || n >= CMD_MAX)
		die("a command does not fit in %d bytes", CMD_MAX);
	return (size_t)n;
}

static size_t
cmd_login(struct session *s, char *out)
{
	char inner[CMD_MAX];

	snprintf(inner, sizeof(inner), "<login><clID>%s</clID><pw>%s</pw><options>"
	    "<version>1.0</version><lang>en</lang></options><svcs>"
	    "<objURI>" NS_DOMAIN "</objURI>"
	    "<objURI>urn:ietf:params:xml:ns:host-1.0</objURI>"
	    "<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>"
	    "<svcExtension><extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI>"
	    "<extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI></svcExtension>"
	    "</svcs></login>", s->r->clid, s->r->pw);
	return wrap(s, out, inner);
}

/* A pool domain of this session, at random. */
static struct domain *
pick(struct session *s)
{
	size_t n = (s->r->npool - s->first + s->stride - 1) / s->stride;

	return &s->r->pool[s->first + (rng_next(&s->rng) % n) * s->stride];
}

static void
random_label(struct session *s, char *out, size_t len)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz";

	for (size_t i = 0; i < len; i++)
		out[i] = letters[rng_next(&s->rng) % (sizeof(letters) - 1)];
	out[len] = '\0';
}

static size_t
cmd_check(struct session *s, char *out, struct domain **d)
{
	char inner[CMD_MAX], label[17], name[NAME_MAX_LEN + 1];

	if (s->seq % 2 == 0) {
		random_label(s, label, sizeof(label) - 1);
		snprintf(name, sizeof(name), "zz%s.%s", label, opt.zone);
	} else
		snprintf(name, sizeof(name), "%s", pick(s)->name);
	snprintf(inner, sizeof(inner), "<check><domain:check xmlns:domain=\"" NS_DOMAIN "\">"
	    "<domain:name>%s</domain:name></domain:check></check>", name);
	return wrap(s, out, inner);
}

static size_t
cmd_info(struct session *s, char *out, struct domain **d)
{
	char inner[CMD_MAX];

	snprintf(inner, sizeof(inner), "<info><domain:info xmlns:domain=\"" NS_DOMAIN "\">"
	    "<domain:name hosts=\"all\">%s</domain:name></domain:info></info>", pick(s)->name);
	return wrap(s, out, inner);
}

static size_t
cmd_create(struct session *s, char *out, struct domain **d)
{
	char inner[CMD_MAX], pw[17];
	const char *c = s->r->contact;

	random_label(s, pw, sizeof(pw) - 1);
	snprintf(inner, sizeof(inner), "<create><domain:create xmlns:domain=\"" NS_DOMAIN "\">"
	    "<domain:name>eb%s-%d-%llu.%s</domain:name><domain:period unit=\"y\">1</domain:period>"
	    "<domain:ns><domain:hostObj>%s</domain:hostObj><domain:hostObj>%s</domain:hostObj>"
	    "</domain:ns><domain:registrant>%s</domain:registrant>"
	    "<domain:contact type=\"admin\">%s</domain:contact>"
	    "<domain:contact type=\"tech\">%s</domain:contact>"
	    "<domain:authInfo><domain:pw>%s</domain:pw></domain:authInfo>"
	    "</domain:create></create>", opt.tag, s->id, (unsigned long long)s->seq + 1,
	    opt.zone, opt.ns[0], opt.ns[1], c, c, c, pw);
	return wrap(s, out, inner);
}

static size_t
cmd_update(struct session *s, char *out, struct domain **d)
{
	char inner[CMD_MAX], pw[17];

	random_label(s, pw, sizeof(pw) - 1);
	snprintf(inner, sizeof(inner), "<update><domain:update xmlns:domain=\"" NS_DOMAIN "\">"
	    "<domain:name>%s</domain:name><domain:chg><domain:authInfo><domain:pw>%s"
	    "</domain:pw></domain:authInfo></domain:chg></domain:update></update>",
	    pick(s)->name, pw);
	return wrap(s, out, inner);
}

static size_t
cmd_renew(struct session *s, char *out, struct domain **d)
{
	char inner[CMD_MAX];

	*d = pick(s);
	snprintf(inner, sizeof(inner), "<renew><domain:renew xmlns:domain=\"" NS_DOMAIN "\">"
	    "<domain:name>%s</domain:name><domain:curExpDate>%s</domain:curExpDate>"
	    "<domain:period unit=\"y\">1</domain:period></domain:renew></renew>",
	    (*d)->name, (*d)->exp);
	return wrap(s, out, inner);
}

static size_t (*const builders[K_COUNT])(struct session *, char *, struct domain **) = {
	cmd_check, cmd_info, cmd_create, cmd_update, cmd_renew,
};

/* After a renew: the new expiry is the next curExpDate. The pool entry
 * may be shared by sessions only when they share a registrar, and those
 * take disjoint slices. */
static void
renew_done(struct session *s, struct domain *d)
{
	const char *p = strstr(s->in, "<domain:exDate>");

	if (d != NULL && p != NULL && strlen(p) > strlen("<domain:exDate>") + DATE_LEN)
		memcpy(d->exp, p + strlen("<domain:exDate>"), DATE_LEN);
}

/* --- sessions -------------------------------------------------------------------- */

static void
show_first(struct session *s, int code)
{
	bool first;

	pthread_mutex_lock(&shown_mtx);
	first = code >= CODE_MIN && code < CODE_MIN + CODE_COUNT && !shown[code - CODE_MIN];
	if (first)
		shown[code - CODE_MIN] = true;
	pthread_mutex_unlock(&shown_mtx);
	if (first)
		fprintf(stderr, "eppload: first %d answer (session %d, %s): %.*s\n", code, s->id,
		    s->r->clid, REASON_SHOWN, s->in);
}

static void
record(struct session *s, int code, int64_t start)
{
	if (phase != 1)
		return;
	if (code >= CODE_MIN && code < CODE_MIN + CODE_COUNT)
		s->codes[code - CODE_MIN]++;
	else
		s->other++;
	if (s->nlat == s->caplat) {
		s->caplat += LAT_CHUNK;
		s->lat = xrealloc(s->lat, s->caplat * sizeof(*s->lat));
	}
	s->lat[s->nlat++] = (uint32_t)(now_us() - start);
}

/* One command and its answer: the result code, or -1 if the connection
 * failed. */
static int
roundtrip(struct session *s, const char *cmd, size_t len)
{
	if (frame_send(s, cmd, len) != 0 || frame_recv(s) != 0)
		return -1;
	return answer_code(s);
}

static int
session_connect(struct session *s)
{
	int one = 1;

	if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(s->fd, (struct sockaddr *)&server, sizeof(server)) < 0) {
		fprintf(stderr, "eppload: session %d: connect: %s\n", s->id, strerror(errno));
		return -1;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->ssl = SSL_new(s->r->ctx);
	SSL_set_fd(s->ssl, s->fd);
	if (SSL_connect(s->ssl) != 1) {
		ERR_print_errors_fp(stderr);
		fprintf(stderr, "eppload: session %d: TLS handshake failed\n", s->id);
		return -1;
	}
	return 0;
}

/* Connect, read the greeting, log in: 0 or -1. */
static int
session_login(struct session *s)
{
	char cmd[CMD_MAX];
	size_t len;
	int code;

	if (session_connect(s) != 0)
		return -1;
	if (frame_recv(s) != 0 || strstr(s->in, "<greeting>") == NULL) {
		fprintf(stderr, "eppload: session %d: no greeting\n", s->id);
		return -1;
	}
	len = cmd_login(s, cmd);
	if ((code = roundtrip(s, cmd, len)) != CODE_MIN) {
		fprintf(stderr, "eppload: session %d: login as %s: %d: %.*s\n", s->id,
		    s->r->clid, code, REASON_SHOWN, code >= 0 ? s->in : "connection lost");
		return -1;
	}
	return 0;
}

static void
session_logout(struct session *s)
{
	char cmd[CMD_MAX];
	size_t len = wrap(s, cmd, "<logout/>");

	if (roundtrip(s, cmd, len) != 1500)
		fprintf(stderr, "eppload: session %d: logout was not answered 1500\n", s->id);
	SSL_shutdown(s->ssl);
}

static void *
session_main(void *arg)
{
	struct session *s = arg;
	char cmd[CMD_MAX];
	struct domain *d;
	int64_t start;
	size_t len;
	int code;

	while (phase != 2) {
		d = NULL;
		len = builders[opt.kind](s, cmd, &d);
		start = now_us();
		if ((code = roundtrip(s, cmd, len)) < 0) {
			fprintf(stderr, "eppload: session %d: connection lost\n", s->id);
			s->failed = true;
			return NULL;
		}
		record(s, code, start);
		if (code != CODE_MIN)
			show_first(s, code);
		else if (opt.kind == K_RENEW)
			renew_done(s, d);
	}
	session_logout(s);
	return NULL;
}

/* --- the run ---------------------------------------------------------------------- */

/* User plus system CPU time of process pid (all its threads) in
 * microseconds, -1 if it cannot be read. */
static int64_t
cpu_us(long pid)
{
	char path[64], buf[STAT_MAX], *p;
	unsigned long long ut, st;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	/* After the ")" closing the command name: state is field 3, utime 14. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (int64_t)((ut + st) * 1000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static void
cpu_sample(int64_t *v)
{
	for (int i = 0; i < opt.npids; i++)
		v[i] = cpu_us(opt.pids[i]);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return n ? v[i] / 1000.0 : 0;
}

static void
report(struct session *ss, int n, double secs, const int64_t *cpu0, const int64_t *cpu1)
{
	uint64_t codes[CODE_COUNT] = { 0 }, other = 0;
	size_t total = 0;
	uint32_t *v;

	for (int i = 0; i < n; i++)
		total += ss[i].nlat;
	v = xrealloc(NULL, (total + 1) * sizeof(*v));
	total = 0;
	for (int i = 0; i < n; i++) {
		memcpy(v + total, ss[i].lat, ss[i].nlat * sizeof(*v));
		total += ss[i].nlat;
		for (int c = 0; c < CODE_COUNT; c++)
			codes[c] += ss[i].codes[c];
		other += ss[i].other;
	}
	qsort(v, total, sizeof(*v), cmp_u32);
	printf("kind=%s sessions=%d seconds=%.1f commands=%zu rate=%.0f p50=%.2f p90=%.2f "
	    "p99=%.2f max=%.2f results=", kind_names[opt.kind], n, secs, total,
	    (double)total / secs, pct(v, total, 50), pct(v, total, 90), pct(v, total, 99),
	    pct(v, total, 100));
	for (int c = 0; c < CODE_COUNT; c++)
		if (codes[c])
			printf("%d:%llu,", c + CODE_MIN, (unsigned long long)codes[c]);
	printf("none:%llu", (unsigned long long)other);
	for (int i = 0; i < opt.npids; i++)
		printf("%s%.0f", i ? "+" : " cpu_us=", total && cpu0[i] >= 0 && cpu1[i] >= 0 ?
		    (double)(cpu1[i] - cpu0[i]) / (double)total : -1.0);
	printf("\n");
	free(v);
}

static void
usage(void)
{
	fprintf(stderr, "usage: eppload -p PORT -C CA -r REGISTRARS -k check|info|create|update|renew\n"
	    "       [-f POOL] [-a ADDR] [-s SESSIONS] [-d SECONDS] [-w WARMUP] [-z ZONE]\n"
	    "       [-n NS1,NS2] [-t TAG] [-S SEED] [-P PID,PID]\n");
	exit(2);
}

static enum kind
kind_parse(const char *s)
{
	for (int k = 0; k < K_COUNT; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return (enum kind)k;
	usage();
	return K_COUNT;
}

static void
ns_parse(const char *s)
{
	if (sscanf(s, "%254[^,],%254s", opt.ns[0], opt.ns[1]) != 2)
		usage();
}

static void
pids_parse(char *s)
{
	for (char *p = strtok(s, ","); p != NULL; p = strtok(NULL, ",")) {
		if (opt.npids == MAX_PIDS || (opt.pids[opt.npids++] = atol(p)) <= 0)
			usage();
	}
}

static void
options(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "a:C:d:f:k:n:p:P:r:s:S:t:w:z:")) != -1) {
		switch (ch) {
		case 'a': opt.addr = optarg; break;
		case 'C': opt.ca = optarg; break;
		case 'd': opt.seconds = atof(optarg); break;
		case 'f': opt.pool = optarg; break;
		case 'k': opt.kind = kind_parse(optarg); break;
		case 'n': ns_parse(optarg); break;
		case 'p': opt.port = atoi(optarg); break;
		case 'P': pids_parse(optarg); break;
		case 'r': opt.regfile = optarg; break;
		case 's': opt.sessions = atoi(optarg); break;
		case 'S': opt.seed = (unsigned)atoi(optarg); break;
		case 't': opt.tag = optarg; break;
		case 'w': opt.warmup = atof(optarg); break;
		case 'z': opt.zone = optarg; break;
		default: usage();
		}
	}
	if (opt.port <= 0 || opt.ca == NULL || opt.regfile == NULL || opt.kind == K_COUNT ||
	    opt.sessions < 1 || opt.sessions > MAX_SESSIONS || opt.seconds <= 0 ||
	    (opt.kind != K_CREATE && opt.pool == NULL) ||
	    (opt.kind == K_CREATE && (opt.ns[0][0] == '\0' || opt.tag == NULL)))
		usage();
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.addr, &server.sin_addr) != 1)
		usage();
}

/* Each session's registrar and slice of its pool. */
static void
sessions_assign(struct session *ss, int n)
{
	for (int i = 0; i < n; i++) {
		struct registrar *r = &regs[i % nregs];
		int of = (n - i % nregs + nregs - 1) / nregs;	/* sessions of r */

		ss[i] = (struct session){ .id = i, .fd = -1, .r = r };
		ss[i].first = (size_t)r->nsessions++;
		ss[i].stride = (size_t)of;
		ss[i].rng = 0x9e3779b97f4a7c15ULL * (opt.seed * 1000003ULL + (unsigned)i + 1);
		ss[i].in = xrealloc(NULL, ANSWER_MAX + 1);
		if (opt.kind != K_CREATE && r->npool < (size_t)of)
			die("registrar %s has %zu pool domains for %d sessions", r->clid,
			    r->npool, of);
	}
}

int
main(int argc, char **argv)
{
	static struct session ss[MAX_SESSIONS];
	int64_t t0, cpu0[MAX_PIDS], cpu1[MAX_PIDS];
	int failed = 0;

	options(argc, argv);
	registrars_load(opt.regfile);
	if (opt.pool != NULL)
		pool_load(opt.pool);
	sessions_assign(ss, opt.sessions);
	for (int i = 0; i < opt.sessions; i++) {
		if (session_login(&ss[i]) != 0)
			exit(1);
		if (pthread_create(&ss[i].tid, NULL, session_main, &ss[i]) != 0)
			die("pthread_create failed");
	}
	usleep((useconds_t)(opt.warmup * 1e6));
	cpu_sample(cpu0);
	phase = 1;
	t0 = now_us();
	fprintf(stderr, "eppload: measuring\n");
	usleep((useconds_t)(opt.seconds * 1e6));
	phase = 2;
	double secs = (double)(now_us() - t0) / 1e6;
	cpu_sample(cpu1);
	for (int i = 0; i < opt.sessions; i++) {
		pthread_join(ss[i].tid, NULL);
		failed |= ss[i].failed;
	}
	report(ss, opt.sessions, secs, cpu0, cpu1);
	return failed;
}
