/*
 * follow.c: the replica agent on a public host, the only writer of
 * database.replica.
 *
 *   open the replica --no position--> seed <-----------------+
 *        |                                                   |
 *        v                                                   |
 *   FOLLOW next --SEED--> seed ------------------------------+
 *        | OK                                                |
 *        v                                                   |
 *   C: whole record, digest, apply with the position (one transaction)
 *   H: the master's newest, for the lag
 *        | refusal, dead link, silent feed (replication.timeout)
 *        v                                                   |
 *   log the reason, wait 1 s doubling to 30 s, start over ---+
 *
 * A refused changeset leaves the replica at its last good sequence; the
 * agent asks again from there. Every replication.status_interval seconds
 * it logs its position and lag. The replica runs with synchronous=NORMAL:
 * a power cut may lose its last few transactions, but each carries its
 * own position, so the replica is still a committed state of the master
 * and simply asks for those changesets again.
 *
 * Every RESTART_EVERY changesets the agent starts the replica's WAL over
 * (store_wal_restart), waiting at most RESTART_WAIT_MS for the readers:
 * under a steady stream of changesets and lookups a checkpoint never
 * catches up by itself, and the WAL would grow as long as the stream
 * lasts. whoisd lets go of a snapshot within SNAPSHOT_US (10 ms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "replica.h"
#include "schema.h"
#include "util.h"

#define RETRY_FIRST	1	/* seconds before reconnecting after a failure */
#define RETRY_MAX	30
#define RESTART_EVERY	1000	/* changesets between two WAL restarts */
#define RESTART_RETRY	100	/* changesets before trying a failed one again */
#define RESTART_WAIT_MS	50

struct agent {
	struct replica *r;
	struct store *st;		/* the replica: STORE_NOLOG, foreign keys off */
	struct reg_replica_state pos;
	int64_t master_last;		/* the newest changeset the feed has told of */
	int64_t lag_s;			/* age of the changeset applied last, 0 caught up */
	int64_t report_at;		/* when the next lag line is due */
	bool caught_up;			/* --once: reached the OK line's last */
	int seeds;			/* snapshots since the last changeset */
	int restart_in;			/* changesets until the next WAL restart */
	void *buf;			/* one changeset */
	size_t cap;
	struct reg_err err;
};

static void
agent_close(struct agent *a)
{
	store_close(a->st);
	a->st = NULL;
}

static int
agent_seed(struct agent *a)
{
	agent_close(a);
	a->seeds++;
	return seed_fetch(a->r, &a->pos, &a->err);
}

/* The replica open and positioned, seeding it first if it has never been
 * (or cannot be opened: a new schema, a damaged file). */
static int
agent_open(struct agent *a)
{
	const char *path = a->r->cfg->database.replica;
	int rc;

	if (a->st != NULL)
		return REG_OK;
	if (access(path, F_OK) != 0) {
		log_info("follow: %s does not exist: seeding", path);
		if ((rc = agent_seed(a)) != REG_OK)
			return rc;
	}
	if ((a->st = store_open(path, STORE_NOLOG | STORE_FAST, &a->err)) == NULL) {
		log_warnx("follow: %s: seeding", reg_err_text(&a->err));
		if ((rc = agent_seed(a)) != REG_OK)
			return rc;
		if ((a->st = store_open(path, STORE_NOLOG | STORE_FAST, &a->err)) == NULL)
			return a->err.code;
	}
	if ((rc = store_replica_state(a->st, &a->pos)) == REG_ENOTFOUND) {
		log_info("follow: %s has no replica position: seeding", path);
		if ((rc = agent_seed(a)) != REG_OK)
			return rc;
		return agent_open(a);
	}
	if (rc != REG_OK || (rc = store_replica_prepare(a->st)) != REG_OK)
		return reg_fail(&a->err, rc, "%s: cannot read the replica position", path);
	return REG_OK;
}

static void
report(struct agent *a, bool now)
{
	int64_t t = (int64_t)time(NULL);

	if (!now && t < a->report_at)
		return;
	a->report_at = t + a->r->cfg->replication.status_interval;
	log_info("follow: at changeset %lld, master at %lld: lag %lld changesets, %lld s",
	    (long long)a->pos.seq, (long long)a->master_last,
	    (long long)(a->master_last > a->pos.seq ? a->master_last - a->pos.seq : 0),
	    (long long)a->lag_s);
}

/* Reads the record's bytes, checks them and applies them. */
static int
take_change(struct agent *a, struct conn *c, const struct record *rec)
{
	struct reg_change ch = { .seq = rec->seq, .ts = rec->ts, .len = (int)rec->len };
	char hex[STORE_DIGEST_HEX];
	size_t got;
	int rc;

	if ((size_t)rec->len > a->cap)
		a->buf = xrealloc(a->buf, a->cap = (size_t)rec->len);
	if ((rc = conn_read_full(c, a->buf, (size_t)rec->len, &got, &a->err)) != REG_OK) {
		char why[REG_ERR_REASON_MAX];

		strlcpy_reg(why, reg_err_text(&a->err), sizeof(why));
		return reg_fail(&a->err, rc, "changeset %lld truncated: %zu of %lld bytes "
		    "arrived (%s): refused", (long long)rec->seq, got, (long long)rec->len, why);
	}
	store_digest(a->buf, (size_t)rec->len, hex);
	if (strcmp(hex, rec->sha256) != 0)
		return reg_fail(&a->err, REG_EINVAL, "changeset %lld: digest mismatch "
		    "(the feed sent %.12s..., the bytes hash to %.12s...): refused",
		    (long long)rec->seq, rec->sha256, hex);
	ch.blob = a->buf;
	strlcpy_reg(ch.sha256, hex, sizeof(ch.sha256));
	if ((rc = store_replica_apply(a->st, &ch, (int64_t)time(NULL), &a->err)) != REG_OK)
		return rc;
	a->pos.seq = ch.seq;
	a->pos.ts = ch.ts;
	strlcpy_reg(a->pos.sha256, hex, sizeof(a->pos.sha256));
	a->lag_s = (int64_t)time(NULL) - ch.ts;
	a->seeds = 0;
	if (--a->restart_in <= 0)
		a->restart_in = store_wal_restart(a->st, RESTART_WAIT_MS) ? RESTART_EVERY :
		    RESTART_RETRY;
	if (ch.seq > a->master_last)
		a->master_last = ch.seq;
	log_debug("follow: applied changeset %lld (%d bytes)", (long long)ch.seq, ch.len);
	return REG_OK;
}

/* Records until the link ends, a refusal, the signal, or (--once) the
 * newest changeset the OK line named. */
static int
stream(struct agent *a, struct conn *c, int64_t target)
{
	char line[PROTO_LINE_MAX];
	struct record rec;
	int rc;

	while (!replica_quit) {
		if (a->r->once && a->pos.seq >= target) {
			a->caught_up = true;
			return REG_OK;
		}
		if ((rc = conn_read_line(c, line, sizeof(line), &a->err)) != REG_OK ||
		    (rc = proto_record_parse(line, &rec, &a->err)) != REG_OK)
			return rc;
		if (rec.type == 'C' && (rc = take_change(a, c, &rec)) != REG_OK)
			return rc;
		if (rec.type == 'H') {
			a->master_last = rec.seq;
			if (a->pos.seq >= rec.seq)
				a->lag_s = 0;
		}
		report(a, false);
	}
	return REG_OK;
}

/* One link: FOLLOW from the replica's position, then stream. A SEED
 * answer re-seeds the replica and ends the link (the caller dials again). */
static int
follow_link(struct agent *a)
{
	char line[PROTO_LINE_MAX], *w[PROTO_WORDS_MAX];
	struct conn *c;
	int64_t last;
	int n, rc;

	if ((c = link_open(a->r, &a->err)) == NULL)
		return a->err.code;
	rc = conn_printf(c, &a->err, "FOLLOW %lld %d %s\n", (long long)a->pos.seq + 1,
	    schema_version(), a->pos.sha256[0] ? a->pos.sha256 : "-");
	if (rc == REG_OK && (rc = conn_flush(c, &a->err)) == REG_OK)
		rc = proto_answer(c, "OK", line, sizeof(line), w, &n, &a->err);
	if (rc == REG_OK && (n != 2 || proto_number(w[1], 0, INT64_MAX, "sequence",
	    &last, &a->err) != REG_OK))
		rc = reg_fail(&a->err, REG_ESYNTAX, "bad OK line from the feed");
	if (rc == REG_OK) {
		a->master_last = last;
		report(a, true);
		rc = stream(a, c, last);
	} else if (rc == REG_ENOTFOUND) {
		log_info("follow: the feed asks for a snapshot: %s", a->err.reason);
		rc = agent_seed(a);
	}
	conn_free(c);
	return rc;
}

static void
pause_for(int64_t seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds };

	if (!replica_quit)
		nanosleep(&ts, NULL);	/* a signal cuts it short */
}

static int
follow_loop(struct agent *a)
{
	int64_t wait = RETRY_FIRST, before;
	int rc = REG_OK;

	while (!replica_quit && !a->caught_up) {
		before = a->pos.seq;
		if ((rc = agent_open(a)) == REG_OK && (rc = follow_link(a)) == REG_OK) {
			/* Re-seeded: follow at once, unless seeding is all
			 * that happens (then pace it like a failure). */
			if (a->seeds > 1)
				pause_for(wait);
			continue;
		}
		if (replica_quit)
			break;
		log_warnx("follow: %s", reg_err_text(&a->err));
		if (a->r->once)
			break;
		wait = a->pos.seq > before ? RETRY_FIRST : wait;
		pause_for(wait);
		wait = wait * 2 > RETRY_MAX ? RETRY_MAX : wait * 2;
	}
	return rc;
}

int
follow_main(struct replica *r)
{
	struct agent a = { .r = r, .restart_in = RESTART_EVERY };
	int rc;

	signals_init();
	log_info("follow: keeping %s current from %s", r->cfg->database.replica,
	    r->cfg->replication.feed);
	rc = follow_loop(&a);
	if (a.st != NULL)
		report(&a, true);
	agent_close(&a);
	free(a.buf);
	return rc == REG_OK ? EXIT_OK : EXIT_FAIL;
}
