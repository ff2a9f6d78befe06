/*
 * conn.c: one WHOIS connection, from accept to close.
 *
 *   accept --over the cap or the rate limit--> one line, close
 *     |
 *     v
 *   READ --a line (CR LF, LF, or EOF after text)--> answer --> WRITE
 *     |                                                          |
 *     | junk bytes, more than WHOIS_QUERY_MAX bytes               | all sent
 *     v                                                          v
 *   one error line --> LINGER: drain what the client still       close
 *                      sends, until EOF or LINGER_MS, then close
 *
 *   Deadlines: READ and WRITE together get whois.read_timeout from the
 *   accept (a client that trickles bytes is cut off just like a silent
 *   one); LINGER gets LINGER_MS. On a READ timeout the client gets an
 *   error line if its socket takes it.
 *
 * LINGER exists because closing a socket with unread input makes the
 * kernel send a reset, which may destroy the error line before the client
 * reads it. Each state change moves the connection to the tail of its
 * timer list; both lists stay in deadline order because every entry of a
 * list has the same duration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "whoisd.h"

#define MSG_LIMITED	"% Error: rate limit exceeded for your address or network; " \
			"try again later." WHOIS_LINE_END
#define MSG_BUSY	"% Error: the server is busy; try again later." WHOIS_LINE_END
#define MSG_TIMEOUT	"% Error: timeout: no complete query line in time." WHOIS_LINE_END
#define SPARE_MAX	1024	/* freed connection structs kept for reuse */
#define DRAIN_CHUNK	4096

enum conn_state { CONN_READ, CONN_WRITE, CONN_LINGER };

struct conn {
	struct ev_tag tag;		/* EV_CONN and the socket */
	enum conn_state state;
	enum outcome outcome;
	bool watched;			/* registered with the epoll */
	bool drain;			/* input left over: LINGER before close */
	bool logged;
	uint32_t events;		/* what epoll watches for */
	struct conn_timer *timer;
	struct conn *prev, *next;	/* in timer */
	int64_t start, deadline;	/* monotonic microseconds */
	struct sockaddr_storage peer;
	char *out;			/* unsent rest of the answer (malloc) */
	size_t outlen, outoff;
	size_t len;			/* bytes in buf */
	size_t qlen;			/* bytes of the query line, for the log */
	char buf[WHOIS_QUERY_MAX + 3];	/* the line, CR LF, NUL: last, so
					 * that a new conn clears only the rest */
};

static void conn_finish(struct conn_env *, struct conn *, int64_t now);

/* --- timers and epoll ------------------------------------------------- */

static void
timer_unlink(struct conn *c)
{
	struct conn_timer *t = c->timer;

	if (t == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->first = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		t->last = c->prev;
	c->prev = c->next = NULL;
	c->timer = NULL;
}

static void
timer_append(struct conn_timer *t, struct conn *c, int64_t deadline)
{
	timer_unlink(c);
	c->deadline = deadline;
	c->timer = t;
	c->prev = t->last;
	if (t->last != NULL)
		t->last->next = c;
	else
		t->first = c;
	t->last = c;
}

/* Watches c for events until its timer runs out; false if epoll refuses. */
static bool
conn_watch(struct conn_env *env, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->watched && c->events == events)
		return true;
	if (epoll_ctl(env->ep, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->tag.fd, &ev) < 0) {
		log_warn("epoll_ctl");
		return false;
	}
	c->watched = true;
	c->events = events;
	return true;
}

/* --- life and death --------------------------------------------------- */

static struct conn *
conn_new(struct conn_env *env, int fd, const struct sockaddr *peer, socklen_t len,
    int64_t now)
{
	struct conn *c = env->spare;

	if (c != NULL) {
		env->spare = c->next;
		env->nspare--;
	} else {
		c = xmalloc(sizeof(*c));
	}
	memset(c, 0, offsetof(struct conn, buf));
	c->tag = (struct ev_tag){ EV_CONN, fd };
	c->start = now;
	memcpy(&c->peer, peer, len < sizeof(c->peer) ? len : sizeof(c->peer));
	timer_append(&env->io, c, now + env->wd->cfg->whois.read_timeout * 1000000);
	return c;
}

static void
conn_log(struct conn_env *env, struct conn *c, enum outcome oc)
{
	if (c->logged)
		return;
	c->logged = true;
	qlog_query(env->wd->qlog, env->stats, (struct sockaddr *)&c->peer, c->buf,
	    c->qlen, oc, mono_usec() - c->start);
}

static void
conn_close(struct conn_env *env, struct conn *c)
{
	timer_unlink(c);
	close(c->tag.fd);	/* also leaves epoll */
	atomic_fetch_sub_explicit(&env->wd->conns, 1, memory_order_relaxed);
	free(c->out);
	if (env->nspare < SPARE_MAX) {
		c->next = env->spare;
		env->spare = c;
		env->nspare++;
	} else {
		free(c);
	}
}

/* Ends c with outcome oc (logged unless it was already). */
static void
conn_end(struct conn_env *env, struct conn *c, enum outcome oc, int64_t now)
{
	conn_log(env, c, oc);
	conn_close(env, c);
}

/* --- writing ---------------------------------------------------------- */

/* Sends what is left of c's answer; on a full socket, waits. */
static void
conn_write(struct conn_env *env, struct conn *c, int64_t now)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->tag.fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->outoff += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			if (!conn_watch(env, c, EPOLLOUT))
				conn_end(env, c, OUT_ERROR, now);
			return;
		} else {
			conn_end(env, c, OUT_CLOSED, now);
			return;
		}
	}
	conn_finish(env, c, now);
}

/* Answers with data (copied only if the socket does not take it all). */
static void
conn_respond(struct conn_env *env, struct conn *c, const char *data, size_t len,
    enum outcome oc, int64_t now)
{
	/* MSG_MORE: the answer waits for the close, so that it leaves with
	 * the FIN in one segment. */
	ssize_t n = send(c->tag.fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);

	c->outcome = oc;
	c->state = CONN_WRITE;
	if (n == (ssize_t)len) {
		conn_finish(env, c, now);
		return;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		conn_end(env, c, OUT_CLOSED, now);
		return;
	}
	c->outoff = n > 0 ? (size_t)n : 0;
	c->outlen = len;
	c->out = xmalloc(len);
	memcpy(c->out, data, len);
	conn_write(env, c, now);
}

/* The answer is with the kernel: close, or linger for unread input. */
static void
conn_finish(struct conn_env *env, struct conn *c, int64_t now)
{
	conn_log(env, c, c->outcome);
	if (!c->drain) {
		conn_close(env, c);
		return;
	}
	shutdown(c->tag.fd, SHUT_WR);
	c->state = CONN_LINGER;
	timer_append(&env->linger, c, now + LINGER_MS * 1000);
	if (!conn_watch(env, c, EPOLLIN))
		conn_close(env, c);
}

/* One error line, then LINGER. */
static void
conn_fail(struct conn_env *env, struct conn *c, const char *reason, int64_t now)
{
	char line[REG_ERR_REASON_MAX + 16];
	int n = snprintf(line, sizeof(line), "%% Error: %s." WHOIS_LINE_END, reason);

	conn_respond(env, c, line, (size_t)n, OUT_INVALID, now);
}

/* --- reading ---------------------------------------------------------- */

/* The query line is buf[0..end): parse, answer, respond. */
static void
conn_line(struct conn_env *env, struct conn *c, size_t end, int64_t now)
{
	char line[WHOIS_QUERY_MAX + 1];
	struct reg_err err = { 0 };
	struct query q;
	enum outcome oc;

	c->drain |= c->len > end + 1;	/* bytes after the line end */
	if (end > 0 && c->buf[end - 1] == '\r')
		end--;
	c->qlen = end;
	if (end > WHOIS_QUERY_MAX) {
		conn_fail(env, c, "query longer than " STRINGIFY(WHOIS_QUERY_MAX) " bytes", now);
		return;
	}
	memcpy(line, c->buf, end);
	line[end] = '\0';
	if (memchr(line, '\0', end) != NULL || query_parse(line, &q, &err) != REG_OK) {
		conn_fail(env, c, err.code ? err.reason : "the query contains a NUL byte", now);
		return;
	}
	env->out->len = 0;
	oc = answer_query(&env->ax, &q);
	conn_respond(env, c, env->out->p, env->out->len, oc, now);
}

/* New bytes buf[from..len) without a line end: wait, or refuse junk and
 * overlong lines at once. Returns false when c was answered. */
static bool
conn_partial(struct conn_env *env, struct conn *c, size_t from, int64_t now)
{
	const char *why = NULL;

	c->qlen = c->len;
	if (query_bad_byte(c->buf + from, c->len - from) >= 0)
		why = "binary data in the query";
	else if (c->len >= sizeof(c->buf) - 1)
		why = "query longer than " STRINGIFY(WHOIS_QUERY_MAX) " bytes";
	if (why == NULL)
		return true;
	c->drain = true;	/* the rest of the line may still come */
	conn_fail(env, c, why, now);
	return false;
}

static void
conn_read(struct conn_env *env, struct conn *c, int64_t now)
{
	ssize_t n;
	char *nl;

	for (;;) {
		n = recv(c->tag.fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			if ((nl = memchr(c->buf + c->len - (size_t)n, '\n', (size_t)n)) != NULL) {
				conn_line(env, c, (size_t)(nl - c->buf), now);
				return;
			}
			if (!conn_partial(env, c, c->len - (size_t)n, now))
				return;
		} else if (n == 0 && c->len > 0) {
			conn_line(env, c, c->len, now);	/* EOF ends the line too */
			return;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			if (!conn_watch(env, c, EPOLLIN | EPOLLRDHUP))
				conn_end(env, c, OUT_ERROR, now);
			return;
		} else {
			conn_end(env, c, OUT_CLOSED, now);
			return;
		}
	}
}

/* LINGER: discards input; closes at EOF or on an error. */
static void
conn_drain(struct conn_env *env, struct conn *c)
{
	char scratch[DRAIN_CHUNK];
	ssize_t n;

	while ((n = recv(c->tag.fd, scratch, sizeof(scratch), 0)) > 0 ||
	    (n < 0 && errno == EINTR))
		;
	if (n == 0 || errno != EAGAIN)
		conn_close(env, c);
}

/* --- the interface ---------------------------------------------------- */

/* Refuses a connection without taking it on: reads what came (so the
 * close is less likely to reset), sends one line, closes. */
static void
refuse(struct conn_env *env, int fd, const struct sockaddr *peer, const char *msg,
    enum outcome oc, int64_t now)
{
	char scratch[WHOIS_QUERY_MAX + 2];
	ssize_t n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	size_t len = 0;

	(void)!send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
	close(fd);
	while (n > 0 && len < (size_t)n && scratch[len] != '\r' && scratch[len] != '\n')
		len++;
	qlog_query(env->wd->qlog, env->stats, peer, scratch, len, oc, mono_usec() - now);
}

void
conn_accept(struct conn_env *env, int fd, const struct sockaddr *peer, socklen_t len,
    int64_t now)
{
	struct whoisd *wd = env->wd;

	if (atomic_fetch_add_explicit(&wd->conns, 1, memory_order_relaxed) >=
	    wd->cfg->whois.max_connections) {
		atomic_fetch_sub_explicit(&wd->conns, 1, memory_order_relaxed);
		refuse(env, fd, peer, MSG_BUSY, OUT_BUSY, now);
		return;
	}
	if (!ratelimit_take(wd->per_addr, peer, now) ||
	    !ratelimit_take(wd->per_prefix, peer, now)) {
		atomic_fetch_sub_explicit(&wd->conns, 1, memory_order_relaxed);
		refuse(env, fd, peer, MSG_LIMITED, OUT_LIMITED, now);
		return;
	}
	conn_read(env, conn_new(env, fd, peer, len, now), now);
}

void
conn_event(struct conn_env *env, struct conn *c, uint32_t events, int64_t now)
{
	switch (c->state) {
	case CONN_READ:
		conn_read(env, c, now);
		break;
	case CONN_WRITE:
		if (events & (EPOLLERR | EPOLLHUP))
			conn_end(env, c, OUT_CLOSED, now);
		else
			conn_write(env, c, now);
		break;
	case CONN_LINGER:
		conn_drain(env, c);
		break;
	}
}

/* Closes the connections of t whose deadline passed; the next deadline
 * of t, or INT64_MAX. */
static int64_t
timer_expire(struct conn_env *env, struct conn_timer *t, int64_t now)
{
	struct conn *c;

	while ((c = t->first) != NULL && c->deadline <= now) {
		if (c->state == CONN_READ)
			(void)!send(c->tag.fd, MSG_TIMEOUT, strlen(MSG_TIMEOUT),
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		conn_end(env, c, OUT_TIMEOUT, now);
	}
	return c != NULL ? c->deadline : INT64_MAX;
}

int
conn_expire(struct conn_env *env, int64_t now)
{
	int64_t a = timer_expire(env, &env->io, now);
	int64_t b = timer_expire(env, &env->linger, now);
	int64_t next = a < b ? a : b;

	if (next == INT64_MAX)
		return -1;
	return (int)((next - now + 999) / 1000);
}

void
conn_close_all(struct conn_env *env)
{
	struct conn *c;

	while ((c = env->io.first) != NULL)
		conn_close(env, c);
	while ((c = env->linger.first) != NULL)
		conn_close(env, c);
	while ((c = env->spare) != NULL) {
		env->spare = c->next;
		free(c);
	}
	env->nspare = 0;
}
