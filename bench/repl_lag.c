/*
 * repl_lag.c: the driver of bench/repl_lag.sh. Measures how long a write
 * committed on the master takes to become visible on a replica that
 * `replica follow` keeps current.
 *
 *	repl_lag MASTER REPLICA RATE SECONDS DOMAINS
 *
 * A writer thread commits RATE transforms per second on MASTER through
 * the store API, the path eppd's writer takes: each one updates a random
 * domain of ids 1..DOMAINS (a new updated time; every fifth also a year
 * more), toggles its clientHold status and adds a history row, in one
 * transaction with its changeset. A reader thread polls the replica's
 * position every millisecond; a changeset is visible when the position
 * reaches it. Lag = visible - committed, on one monotonic clock.
 * Prints the achieved rate and the lag percentiles in milliseconds.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "err.h"
#include "store.h"
#include "util.h"

#define POLL_NS		1000000L	/* the reader looks every millisecond */
#define YEAR		(365 * 86400LL)
#define RENEW_EVERY	5
#define WRITE_SLACK	1.05		/* a few more slots than RATE * SECONDS */

struct run {
	const char *master, *replica;
	double rate;
	int seconds;
	int64_t domains;
	int64_t first_seq;		/* the master's newest before the run */
	int64_t n;			/* slots in the arrays */
	int64_t *committed_ns;		/* by seq - first_seq - 1 */
	int64_t *visible_ns;
	int64_t writes;
	double write_s;			/* how long the writer ran */
	volatile int writer_done;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000LL), .tv_nsec = (long)(t % 1000000000LL) };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void
die(const char *what, const struct reg_err *err)
{
	fprintf(stderr, "repl_lag: %s: %s\n", what, err ? reg_err_text(err) : "failed");
	exit(1);
}

/* One transform on a random domain; REG_ENOTFOUND if the id is unused. */
static int
transform(struct store *st, struct arena *a, int64_t i, int64_t id, struct reg_err *err)
{
	struct reg_domain d;
	struct reg_status hold = { .status = "clientHold" };
	struct reg_history h = { .actor = "bench", .kind = "domain", .command = "domain:update" };
	int rc;

	if ((rc = store_domain_get_by_id(st, a, id, &d)) != REG_OK)
		return rc;
	d.updated = (int64_t)time(NULL);
	d.updater_id = d.sponsor_id;
	if (i % RENEW_EVERY == 0)
		d.expires += YEAR;
	if ((rc = store_domain_update(st, &d, err)) != REG_OK)
		return rc;
	if (store_status_remove(st, "domain", id, "clientHold") == REG_ENOTFOUND &&
	    (rc = store_status_add(st, "domain", id, &hold)) != REG_OK)
		return rc;
	h.ts = d.updated;
	h.roid = d.roid;
	h.name = d.name;
	return store_history_add(st, &h);
}

static void *
writer(void *arg)
{
	struct run *r = arg;
	struct reg_err err = { 0 };
	struct store *st = store_open(r->master, 0, &err);
	struct arena *a = arena_new();
	int64_t start = now_ns(), step = (int64_t)(1e9 / r->rate), seq;

	if (st == NULL)
		die(r->master, &err);
	for (int64_t i = 0; now_ns() - start < (int64_t)r->seconds * 1000000000LL; i++) {
		sleep_until(start + i * step);
		arena_reset(a);
		if (store_begin(st) != REG_OK)
			die("begin", NULL);
		if (transform(st, a, i, 1 + (int64_t)(drand48() * (double)r->domains), &err) != REG_OK) {
			store_rollback(st);
			continue;
		}
		if (store_commit(st, &err) != REG_OK)
			die("commit", &err);
		seq = store_changelog_last(st) - r->first_seq - 1;
		if (seq < 0 || seq >= r->n)
			die("sequence out of the expected range", NULL);
		r->committed_ns[seq] = now_ns();
		r->writes++;
	}
	r->write_s = (double)(now_ns() - start) / 1e9;
	r->writer_done = 1;
	store_close(st);
	arena_free(a);
	return NULL;
}

/* Polls the replica's position until the writer is done and the replica
 * has shown every write, or 10 s after the writer stopped. */
static void *
reader(void *arg)
{
	struct run *r = arg;
	struct reg_err err = { 0 };
	struct store *st = store_open(r->replica, STORE_RDONLY, &err);
	struct reg_replica_state pos;
	int64_t seen = r->first_seq, done_at = 0, t;
	struct timespec nap = { .tv_nsec = POLL_NS };

	if (st == NULL)
		die(r->replica, &err);
	for (;;) {
		if (store_read_begin(st) == REG_OK && store_replica_state(st, &pos) == REG_OK) {
			t = now_ns();
			for (; seen < pos.seq; seen++)
				if (seen - r->first_seq < r->n)
					r->visible_ns[seen - r->first_seq] = t;
		}
		store_read_end(st);
		if (r->writer_done && done_at == 0)
			done_at = now_ns();
		if (r->writer_done && (seen >= r->first_seq + r->writes ||
		    now_ns() - done_at > 10 * 1000000000LL))
			break;
		nanosleep(&nap, NULL);
	}
	store_close(st);
	return NULL;
}

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static void
report(const struct run *r)
{
	int64_t *lag = xcalloc((size_t)r->writes + 1, sizeof(*lag)), n = 0, lost = 0;

	for (int64_t i = 0; i < r->writes; i++) {
		if (r->visible_ns[i] == 0)
			lost++;
		else
			lag[n++] = r->visible_ns[i] - r->committed_ns[i];
	}
	qsort(lag, (size_t)n, sizeof(*lag), cmp_i64);
	printf("writes: %" PRId64 " in %.1f s (%.1f per second)\n", r->writes, r->write_s,
	    (double)r->writes / r->write_s);
	if (n > 0)
		printf("lag ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
		    lag[n / 2] / 1e6, lag[n * 9 / 10] / 1e6, lag[n * 99 / 100] / 1e6,
		    lag[n - 1] / 1e6);
	printf("not visible within 10 s: %" PRId64 "\n", lost);
	free(lag);
}

int
main(int argc, char **argv)
{
	struct run r = { 0 };
	struct reg_err err = { 0 };
	pthread_t w, rd;
	struct store *st;

	if (argc != 6) {
		fprintf(stderr, "usage: repl_lag MASTER REPLICA RATE SECONDS DOMAINS\n");
		return 2;
	}
	r.master = argv[1];
	r.replica = argv[2];
	r.rate = atof(argv[3]);
	r.seconds = atoi(argv[4]);
	r.domains = atoll(argv[5]);
	if (r.rate <= 0 || r.seconds <= 0 || r.domains <= 0)
		die("RATE, SECONDS and DOMAINS must be positive", NULL);
	if ((st = store_open(r.master, STORE_RDONLY, &err)) == NULL)
		die(r.master, &err);
	r.first_seq = store_changelog_last(st);
	store_close(st);
	r.n = (int64_t)(r.rate * r.seconds * WRITE_SLACK) + 1;
	r.committed_ns = xcalloc((size_t)r.n, sizeof(int64_t));
	r.visible_ns = xcalloc((size_t)r.n, sizeof(int64_t));
	srand48(1);
	pthread_create(&rd, NULL, reader, &r);
	pthread_create(&w, NULL, writer, &r);
	pthread_join(w, NULL);
	pthread_join(rd, NULL);
	report(&r);
	free(r.committed_ns);
	free(r.visible_ns);
	return 0;
}
