/*
 * status.c: `replica status`: the replica's position, the master's newest
 * changeset as the feed tells it, and the lag in changesets and seconds
 * (how long the oldest changeset the replica lacks has been committed).
 * One "key: value" per line. Exit 1 if the replica cannot be read or the
 * feed cannot be asked.
 */
#include <stdio.h>
#include <time.h>

#include "replica.h"
#include "util.h"

struct master {
	int64_t last, last_ts, first, next_ts;
};

static void
print_time(const char *key, int64_t t)
{
	char buf[REG_TIME_LEN];

	printf("%s: %s\n", key, t > 0 ? time_format(t, buf) : "-");
}

static int
ask_feed(struct replica *r, int64_t applied, struct master *m)
{
	char line[PROTO_LINE_MAX], *w[PROTO_WORDS_MAX];
	struct conn *c;
	int n, rc;

	if ((c = link_open(r, &r->err)) == NULL)
		return r->err.code;
	if ((rc = conn_printf(c, &r->err, "STATUS %lld\n", (long long)applied)) == REG_OK &&
	    (rc = conn_flush(c, &r->err)) == REG_OK &&
	    (rc = proto_answer(c, "LAST", line, sizeof(line), w, &n, &r->err)) == REG_OK) {
		if (n != 5 ||
		    proto_number(w[1], 0, INT64_MAX, "sequence", &m->last, &r->err) != REG_OK ||
		    proto_number(w[2], 0, INT64_MAX, "time", &m->last_ts, &r->err) != REG_OK ||
		    proto_number(w[3], 0, INT64_MAX, "sequence", &m->first, &r->err) != REG_OK ||
		    proto_number(w[4], 0, INT64_MAX, "time", &m->next_ts, &r->err) != REG_OK)
			rc = reg_fail(&r->err, REG_ESYNTAX, "bad LAST line from the feed");
	}
	conn_free(c);
	return rc;
}

static void
print_lag(const struct reg_replica_state *pos, const struct master *m)
{
	int64_t behind = m->last > pos->seq ? m->last - pos->seq : 0;

	printf("master: %lld\n", (long long)m->last);
	printf("log: %lld to %lld\n", (long long)m->first, (long long)m->last);
	if (behind == 0)
		printf("lag: 0 changesets, 0 seconds\n");
	else if (m->next_ts > 0)
		printf("lag: %lld changesets, %lld seconds\n", (long long)behind,
		    (long long)((int64_t)time(NULL) - m->next_ts));
	else
		printf("lag: %lld changesets, unknown seconds (changeset %lld is no longer "
		    "logged: the replica will re-seed)\n", (long long)behind,
		    (long long)pos->seq + 1);
}

int
status_main(struct replica *r)
{
	const char *path = r->cfg->database.replica;
	struct reg_replica_state pos = { 0 };
	struct master m = { 0 };
	struct store *st;
	int rc;

	printf("replica: %s\n", path);
	if ((st = store_open(path, STORE_RDONLY, &r->err)) == NULL) {
		printf("applied: unknown (%s)\n", reg_err_text(&r->err));
		return EXIT_FAIL;
	}
	rc = store_replica_state(st, &pos);
	store_close(st);
	if (rc == REG_OK) {
		printf("applied: %lld\n", (long long)pos.seq);
		print_time("committed", pos.ts);
		print_time("applied_at", pos.applied);
	} else {
		printf("applied: none (never seeded)\n");
	}
	printf("feed: %s\n", r->cfg->replication.feed);
	if (ask_feed(r, pos.seq, &m) != REG_OK) {
		printf("master: unreachable (%s)\nlag: unknown\n", reg_err_text(&r->err));
		return EXIT_FAIL;
	}
	print_lag(&pos, &m);
	return rc == REG_OK ? EXIT_OK : EXIT_FAIL;
}
