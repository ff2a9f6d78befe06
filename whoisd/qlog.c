/*
 * qlog.c: the query log.
 *
 * Every query is counted, per worker and per outcome, at the cost of one
 * relaxed atomic add. Up to whois.log_rate queries a second also get a
 * line of their own: client address, the query (bytes that are not
 * printable ASCII or UTF-8 text shown as '?'), the outcome and the time
 * it took. Past that budget (a flood, or a benchmark) lines are left out
 * and the main thread's tick writes one summary line for that second
 * instead: how many queries of each outcome, how many went unlogged. So
 * the log costs the same at 20,000 queries a second as at 20, and an
 * operator still sees what happened every second. At exit the totals.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "whoisd.h"

#define QUERY_SHOWN	80	/* bytes of a query a log line shows */

static const char *const outcome_names[OUT_COUNT] = {
	[OUT_FOUND] = "found",
	[OUT_NOMATCH] = "no-match",
	[OUT_RESERVED] = "reserved",
	[OUT_FOREIGN] = "foreign",
	[OUT_INVALID] = "invalid",
	[OUT_LIMITED] = "rate-limited",
	[OUT_BUSY] = "busy",
	[OUT_TIMEOUT] = "timeout",
	[OUT_ERROR] = "error",
	[OUT_CLOSED] = "closed",
};

struct qlog {
	int64_t rate;
	_Atomic int64_t lines;		/* lines claimed this second */
	struct qstats *const *workers;
	int nworkers;
	uint64_t last[OUT_COUNT];	/* totals at the previous tick */
};

const char *
outcome_name(enum outcome oc)
{
	return oc < OUT_COUNT ? outcome_names[oc] : "?";
}

struct qlog *
qlog_new(int64_t rate, struct qstats *const *workers, int n)
{
	struct qlog *q = xcalloc(1, sizeof(*q));

	q->rate = rate;
	q->workers = workers;
	q->nworkers = n;
	return q;
}

void
qlog_free(struct qlog *q)
{
	free(q);
}

/* "192.0.2.1" or "2001:db8::1" (mapped IPv4 shown as IPv4). */
static void
addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, (socklen_t)size);
	else if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)size);
	else
		strlcpy_reg(buf, "?", size);
}

/* The query as a log shows it: control bytes, DEL and quotes as '?';
 * bytes past ASCII too unless the query was valid UTF-8 (it parsed). */
static void
query_text(const char *q, size_t n, bool utf8, char *buf, size_t size)
{
	size_t k = 0;

	if (n >= size) {	/* cut at a character boundary */
		n = size - 1;
		while (n > 0 && ((unsigned char)q[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)q[i];

		buf[k++] = c < 0x20 || c == 0x7f || c == '"' || (c >= 0x80 && !utf8) ?
		    '?' : (char)c;
	}
	buf[k] = '\0';
}

void
qlog_query(struct qlog *q, struct qstats *s, const struct sockaddr *peer,
    const char *query, size_t qlen, enum outcome oc, int64_t usec)
{
	char addr[ADDR_TEXT_MAX], text[QUERY_SHOWN + 1];

	atomic_fetch_add_explicit(&s->n[oc], 1, memory_order_relaxed);
	/* Past the budget only a read of the shared counter: no write to a
	 * cache line both workers use, whatever the flood. */
	if (atomic_load_explicit(&q->lines, memory_order_relaxed) >= q->rate ||
	    atomic_fetch_add_explicit(&q->lines, 1, memory_order_relaxed) >= q->rate)
		return;
	addr_text(peer, addr, sizeof(addr));
	query_text(query, qlen, oc <= OUT_FOREIGN, text, sizeof(text));
	log_info("%s \"%s%s\" %s %.3fms", addr, text, qlen > QUERY_SHOWN ? "..." : "",
	    outcome_name(oc), (double)usec / 1000.0);
}

/* Sums every worker's counters into sum. */
static void
totals(const struct qlog *q, uint64_t sum[OUT_COUNT])
{
	memset(sum, 0, sizeof(uint64_t) * OUT_COUNT);
	for (int w = 0; w < q->nworkers; w++)
		for (int i = 0; i < OUT_COUNT; i++)
			sum[i] += atomic_load_explicit(&q->workers[w]->n[i], memory_order_relaxed);
}

/* "found 10432, no-match 9876, ..." for the outcomes that occurred. */
static void
counts_text(const uint64_t n[OUT_COUNT], uint64_t *all, char *buf, size_t size)
{
	size_t len = 0;

	*all = 0;
	buf[0] = '\0';
	for (int i = 0; i < OUT_COUNT && len < size; i++) {
		*all += n[i];
		if (n[i] != 0)
			len += (size_t)snprintf(buf + len, size - len, "%s%s %llu",
			    len ? ", " : "", outcome_names[i], (unsigned long long)n[i]);
	}
}

void
qlog_tick(struct qlog *q)
{
	uint64_t now[OUT_COUNT], delta[OUT_COUNT], all, logged;
	int64_t claimed = atomic_exchange(&q->lines, 0);
	char text[512];

	totals(q, now);
	for (int i = 0; i < OUT_COUNT; i++) {
		delta[i] = now[i] - q->last[i];
		q->last[i] = now[i];
	}
	counts_text(delta, &all, text, sizeof(text));
	logged = (uint64_t)(claimed < q->rate ? claimed : q->rate);
	if (all <= logged)
		return;
	log_info("last second: %llu queries (%s), %llu not logged one by one",
	    (unsigned long long)all, text, (unsigned long long)(all - logged));
}

void
qlog_totals(struct qlog *q)
{
	uint64_t sum[OUT_COUNT], all;
	char text[512];

	totals(q, sum);
	counts_text(sum, &all, text, sizeof(text));
	log_info("%llu queries in all%s%s", (unsigned long long)all, all ? ": " : "", text);
}
