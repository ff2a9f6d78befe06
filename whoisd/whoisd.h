/*
 * whoisd.h: the port-43 WHOIS server (RFC 3912), private to whoisd/.
 *
 * A connection carries one query line and gets one answer, then the
 * server closes it (RFC 3912 section 2). The path of a query:
 *
 *   listen.c   one SO_REUSEPORT socket per address and worker, so the
 *              kernel spreads new connections over the workers
 *   server.c   N workers, each a thread with its own epoll, its own
 *              read-only store connection (with its cached statements)
 *              and its own arena: accept, the connection cap, the rate
 *              limit, timeouts; no thread per connection
 *   conn.c     one connection: read the line (size, bytes, time limits),
 *              answer, write, close; the state machine is drawn there
 *   query.c    the line: byte checks, then the keyword table
 *   answer.c   the query against the replica in one read transaction,
 *              one handler per query kind
 *   format.c   the "Key: value" text, with redaction of contact data
 *   ratelimit.c  token buckets per address and per prefix (/24, /56)
 *   qlog.c     one log line per query up to whois.log_rate a second,
 *              then one summary line a second
 *   main.c     options, configuration, start-up, signals, the tick
 *
 * The daemon-wide struct whoisd is filled by main before the workers
 * start and is read-only after, except for its atomic counters.
 */
#ifndef WHOISD_H
#define WHOISD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "arena.h"
#include "config.h"
#include "err.h"
#include "name.h"
#include "store.h"

#define WHOIS_QUERY_MAX	256	/* bytes of a query line, without CR LF */
#define WHOIS_LINE_END	"\r\n"	/* of every answer line (RFC 3912 section 3) */
#define ADDR_TEXT_MAX	64	/* an address as text, for logs */
#define LINGER_MS	2000	/* how long a refused client may still send */
#define MAX_LISTEN	8	/* addresses in whois.listen */
/* How long a worker answers from one snapshot of the replica: taking one
 * costs a fifth of a query, and 10 ms of staleness is nothing beside the
 * replication lag; the replica's WAL restarts wait up to 20 ms for it. */
#define SNAPSHOT_US	10000

#define STRINGIFY_(x)	#x
#define STRINGIFY(x)	STRINGIFY_(x)

/* --- query.c ----------------------------------------------------------- */

enum query_kind { QUERY_DOMAIN, QUERY_NAMESERVER, QUERY_REGISTRAR, QUERY_HELP };

struct query {
	enum query_kind kind;
	const char *arg;	/* in the parsed line; "" for help */
};

/* The first byte of buf[0..len) that may never appear in a query line
 * (NUL, a control character other than TAB, CR and LF, DEL), or -1. */
long query_bad_byte(const char *buf, size_t len);

/* Parses one query line (NUL-terminated, without its line end; the
 * parser writes NULs into it) into q. REG_ESYNTAX with a reason for an
 * empty line, bytes that are not UTF-8 text, an unknown keyword or a
 * missing or extra argument. */
int query_parse(char *line, struct query *q, struct reg_err *err);

/* --- outcomes: what became of a connection, for the log ---------------- */

enum outcome {			/* up to OUT_FOREIGN: the query parsed */
	OUT_FOUND,		/* an object or the help text */
	OUT_NOMATCH,		/* not registered: free, or not registrable */
	OUT_RESERVED,		/* reserved or blocked by policy */
	OUT_FOREIGN,		/* a name outside our zones */
	OUT_INVALID,		/* bad query: syntax, junk bytes, too long, empty */
	OUT_LIMITED,		/* refused by the rate limit */
	OUT_BUSY,		/* refused: the connection cap */
	OUT_TIMEOUT,		/* no complete line, or answer not taken, in time */
	OUT_ERROR,		/* database or server failure */
	OUT_CLOSED,		/* client hung up without a query */
	OUT_COUNT
};

const char *outcome_name(enum outcome);

/* --- format.c ---------------------------------------------------------- */

/* A growable output buffer; start from `struct obuf o = { 0 };`. */
struct obuf {
	char *p;
	size_t len, cap;
};

void obuf_add(struct obuf *, const char *s, size_t n);
void obuf_free(struct obuf *);

/* "% text" comment lines; text may hold several lines. */
void format_comment(struct obuf *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "Key: value"; nothing when value is NULL or empty. Control characters
 * in value become spaces, so stored data cannot forge lines. */
void format_field(struct obuf *, const char *key, const char *value);
/* The terms of use as comment lines and a blank one; main formats them
 * once and every answer to a valid query starts with them. */
void format_terms(struct obuf *, const char *terms);
/* The closing line with the time of the replica's last change; nothing
 * when that is unknown (0). */
void format_footer(struct obuf *, int64_t updated_db);
/* Contact data is shown where its disclose flags allow, or everywhere
 * when disclose_all (whois.disclose = yes); else redacted. */
void format_domain(struct obuf *, const struct reg_domain_view *, bool disclose_all);
/* uname: the host's U-label form, NULL unless it has IDN labels. */
void format_host(struct obuf *, const struct reg_host *, const char *uname,
    const struct reg_registrar *sponsor);
void format_registrar(struct obuf *, const struct reg_registrar *);
void format_help(struct obuf *, const struct reg_config *);

/* --- answer.c ---------------------------------------------------------- */

struct whoisd;

/* What a worker lends answer_query. */
struct answer_ctx {
	const struct whoisd *wd;
	struct store *st;	/* read-only replica */
	struct arena *a;	/* reset after each answer */
	struct obuf *out;
	int64_t updated_db;	/* the replica's last change, for the footer, */
	int64_t updated_read;	/* read at this monotonic time (us) */
};

/* Appends the answer to q to ctx->out, read from one snapshot that the
 * worker ends after SNAPSHOT_US (store_read_stale). */
enum outcome answer_query(struct answer_ctx *, const struct query *q);

/* --- ratelimit.c ------------------------------------------------------- */

struct ratelimit;

/* Buckets of `burst` tokens refilled at `rate` a second, one per prefix
 * of v4len (IPv4) or v6len (IPv6) bits; 32 and 128 mean per address.
 * The table is bounded: when it is full, the bucket idle longest is
 * forgotten (a full bucket is as good as none). Thread-safe. */
struct ratelimit *ratelimit_new(int64_t rate, int64_t burst, int v4len, int v6len);
void ratelimit_free(struct ratelimit *);
/* Takes a token from sa's bucket at monotonic time now_us; false when
 * the bucket is empty. */
bool ratelimit_take(struct ratelimit *, const struct sockaddr *sa, int64_t now_us);

/* --- qlog.c ------------------------------------------------------------ */

/* One worker's counters: written by that worker, read by the tick. */
struct qstats {
	_Atomic uint64_t n[OUT_COUNT];
};

struct qlog;

/* Lines for up to `rate` queries a second (0: none), counted over the
 * given workers' counters. */
struct qlog *qlog_new(int64_t rate, struct qstats *const *workers, int n);
void qlog_free(struct qlog *);
/* Counts the outcome and, within the budget, logs "ADDR "QUERY" OUTCOME
 * TIME" (query shown with unsafe bytes as '?'). */
void qlog_query(struct qlog *, struct qstats *, const struct sockaddr *peer,
    const char *query, size_t qlen, enum outcome, int64_t usec);
/* Once a second: a summary of that second if lines were left out. */
void qlog_tick(struct qlog *);
/* At exit: the totals. */
void qlog_totals(struct qlog *);

/* --- listen.c ---------------------------------------------------------- */

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[ADDR_TEXT_MAX];	/* "127.0.0.1:43", "[::1]:43" */
};

/* Parses "host:port, [v6]:port, *:port" ("*": every IPv4 and IPv6
 * address); REG_ECONFIG naming the bad entry. */
int listen_parse(const char *spec, struct listen_addr *out, int max, int *n,
    struct reg_err *err);
/* A listening SO_REUSEPORT socket on la; with port 0 the kernel picks
 * one and la learns it, so that later sockets share it. -1 and err. */
int listen_open(struct listen_addr *la, int defer_seconds, struct reg_err *err);

/* --- server.c ---------------------------------------------------------- */

struct worker;

struct whoisd {
	const struct reg_config *cfg;
	struct name_policy *policy;
	struct obuf terms;		/* terms-of-use lines, formatted once */
	struct ratelimit *per_addr, *per_prefix;
	struct qlog *qlog;
	struct listen_addr addrs[MAX_LISTEN];
	int naddrs;
	int nworkers;
	struct worker *workers;
	int stop_fd;			/* eventfd: readable when stopping */
	_Atomic int conns;		/* open connections, every worker */
	_Atomic unsigned store_gen;	/* bumped to make workers reopen */
};

/* Opens every worker's sockets and store; REG_OK or err. */
int server_init(struct whoisd *, struct reg_err *err);
/* Starts the worker threads. */
void server_start(struct whoisd *);
/* Wakes every worker to stop and waits for them. */
void server_stop(struct whoisd *);
/* Frees the workers (their counters too: read them before). */
void server_free(struct whoisd *);
/* Every worker's counters, for qlog_new (arena of n pointers). */
struct qstats *const *server_stats(struct whoisd *);

/* --- conn.c ------------------------------------------------------------ */

/* What an epoll event's data.ptr points to: every such struct starts
 * with one of these. */
enum ev_kind { EV_LISTEN, EV_STOP, EV_CONN };

struct ev_tag {
	enum ev_kind kind;
	int fd;
};

struct conn;

/* Connections waiting for something, oldest deadline first. */
struct conn_timer {
	struct conn *first, *last;
};

/* What conn.c needs of its worker. */
struct conn_env {
	struct whoisd *wd;
	struct answer_ctx ax;		/* its store, arena and out */
	struct obuf *out;		/* the answer being built */
	struct qstats *stats;
	int ep;				/* the worker's epoll */
	struct conn_timer io;		/* READ and WRITE: whois.read_timeout */
	struct conn_timer linger;	/* LINGER: LINGER_MS */
	struct conn *spare;		/* freed structs for reuse */
	int nspare;
};

/* Takes over a new connection: limits, then the first read (the query
 * is usually there already: TCP_DEFER_ACCEPT). */
void conn_accept(struct conn_env *, int fd, const struct sockaddr *peer,
    socklen_t len, int64_t now);
/* epoll reported events on c. */
void conn_event(struct conn_env *, struct conn *c, uint32_t events, int64_t now);
/* Closes connections whose deadline passed; returns ms until the next
 * deadline, or -1 when nothing waits. */
int conn_expire(struct conn_env *, int64_t now);
/* Closes every connection (at stop) and frees the spares. */
void conn_close_all(struct conn_env *);

#endif
