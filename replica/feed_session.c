/*
 * feed_session.c: one replica link on the feed, in its own child process.
 *
 *   handshake -> request line -> FOLLOW:   checks -> OK -> stream forever
 *                                          (or SEED / ERR and close)
 *                             -> SNAPSHOT: backup, scrub -> IMAGE -> close
 *                             -> STATUS:   LAST -> close
 *
 * The master is opened read-only; each read of the log is its own short
 * read transaction, never held while the network is slow.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "replica.h"
#include "schema.h"
#include "util.h"

#define FEED_BATCH	256	/* changesets per read of the log */
#define FEED_POLL_MS	5	/* how often an idle link looks for new ones */
#define SNAPSHOT_TMPL	"replica-snapshot.XXXXXX"

struct session {
	struct replica *r;
	struct conn *c;
	struct store *st;
	struct arena *a;
	char who[NET_PEER_LEN + 80];	/* "address (CN=name)" for log lines */
	int64_t sent;			/* changesets sent */
	int64_t start_ms;		/* when the link came */
	struct reg_err err;
};

static int session_follow(struct session *, char **);
static int session_snapshot(struct session *, char **);
static int session_status(struct session *, char **);

static const struct {
	const char *word;
	int nwords;
	int (*handle)(struct session *, char **);
} requests[] = {
	{ "FOLLOW", 4, session_follow },
	{ "SNAPSHOT", 2, session_snapshot },
	{ "STATUS", 2, session_status },
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
schema_check(struct session *s, const char *word)
{
	int64_t v;
	int rc;

	if ((rc = proto_number(word, 0, INT32_MAX, "schema version", &v, &s->err)) != REG_OK)
		return rc;
	if (v != schema_version())
		return reg_fail(&s->err, REG_ESCHEMA, "schema version mismatch: the replica "
		    "has %lld, the master %d", (long long)v, schema_version());
	return REG_OK;
}

/* --- FOLLOW ------------------------------------------------------------------ */

/* Whether the log can take a replica whose next changeset is `next` and
 * whose last one had digest prev; REG_ENOTFOUND with the reason when it
 * must seed instead. Inside a read transaction. */
static int
follow_verdict(struct session *s, int64_t next, const char *prev, int64_t last)
{
	int64_t first = store_changelog_first(s->st);
	int64_t behind = last - next + 1, cap = s->r->cfg->replication.snapshot_after;
	struct reg_change *c;
	int n;

	if (next > last + 1)
		return reg_fail(&s->err, REG_ENOTFOUND, "the replica is at changeset %lld, "
		    "ahead of the master's %lld (was the master restored?)",
		    (long long)next - 1, (long long)last);
	if (next <= last && next < first)
		return reg_fail(&s->err, REG_ENOTFOUND, "changeset %lld is no longer "
		    "logged (the log starts at %lld)", (long long)next, (long long)first);
	if (cap > 0 && behind > cap)
		return reg_fail(&s->err, REG_ENOTFOUND, "%lld changesets behind, more than "
		    "replication.snapshot_after (%lld)", (long long)behind, (long long)cap);
	if (next - 1 < first || next == 1)
		return REG_OK;	/* the previous one is gone: nothing to compare */
	if (store_changelog_read(s->st, s->a, next - 1, 1, &c, &n) != REG_OK || n != 1 ||
	    c->seq != next - 1 || strcmp(c->sha256, prev) != 0)
		return reg_fail(&s->err, REG_ENOTFOUND, "the replica's changeset %lld is "
		    "not the master's (was the master replaced?)", (long long)next - 1);
	return REG_OK;
}

static int
send_change(struct session *s, const struct reg_change *c)
{
	int rc;

	if ((rc = conn_printf(s->c, &s->err, "C %lld %lld %d %s\n", (long long)c->seq,
	    (long long)c->ts, c->len, c->sha256)) != REG_OK)
		return rc;
	return conn_write(s->c, c->blob, (size_t)c->len, &s->err);
}

/* Sends what the log holds from *next on, up to FEED_BATCH changesets. */
static int
send_batch(struct session *s, int64_t *next, int *n)
{
	struct reg_change *c;
	int rc;

	arena_reset(s->a);
	if ((rc = store_read_begin(s->st)) != REG_OK)
		return reg_fail(&s->err, rc, "cannot read the master");
	rc = store_changelog_read(s->st, s->a, *next, FEED_BATCH, &c, n);
	store_read_end(s->st);
	if (rc != REG_OK)
		return reg_fail(&s->err, rc, "cannot read the changelog");
	for (int i = 0; i < *n; i++, (*next)++, s->sent++) {
		if (c[i].seq != *next)
			return reg_fail(&s->err, REG_ENOTFOUND, "changeset %lld is no longer "
			    "logged (next there is %lld)", (long long)*next, (long long)c[i].seq);
		if (c[i].damaged)
			return reg_fail(&s->err, REG_EDB, "changeset %lld no longer matches the "
			    "digest taken at its commit: the master's changelog is damaged, "
			    "not sending it", (long long)c[i].seq);
		if ((rc = send_change(s, &c[i])) != REG_OK)
			return rc;
	}
	return *n > 0 ? conn_flush(s->c, &s->err) : REG_OK;
}

static int
send_heartbeat(struct session *s)
{
	int64_t last, ts;
	int rc;

	if ((rc = store_read_begin(s->st)) != REG_OK)
		return reg_fail(&s->err, rc, "cannot read the master");
	last = store_changelog_last(s->st);
	ts = store_changelog_ts(s->st, last);
	store_read_end(s->st);
	if ((rc = conn_printf(s->c, &s->err, "H %lld %lld\n", (long long)last,
	    (long long)ts)) != REG_OK)
		return rc;
	return conn_flush(s->c, &s->err);
}

/* Until the replica leaves, the feed stops (REG_OK) or the link fails. */
static int
stream(struct session *s, int64_t next)
{
	int64_t beat = 0, every = s->r->cfg->replication.heartbeat * 1000;
	int n, rc;

	while (!replica_quit) {
		if ((rc = send_batch(s, &next, &n)) != REG_OK)
			return rc;
		if (now_ms() - beat >= every) {
			if ((rc = send_heartbeat(s)) != REG_OK)
				return rc;
			beat = now_ms();
		}
		if (n < FEED_BATCH && conn_peer_left(s->c, FEED_POLL_MS))
			break;	/* the replica closed the link (or broke the protocol) */
	}
	return REG_OK;
}

static int
session_follow(struct session *s, char **w)
{
	int64_t next, last;
	int rc;

	if ((rc = proto_number(w[1], 1, INT64_MAX, "sequence", &next, &s->err)) != REG_OK ||
	    (rc = schema_check(s, w[2])) != REG_OK)
		return rc;
	if (strcmp(w[3], "-") != 0 && !proto_is_digest(w[3]))
		return reg_fail(&s->err, REG_ESYNTAX, "bad digest '%.70s'", w[3]);
	if ((rc = store_read_begin(s->st)) != REG_OK)
		return reg_fail(&s->err, rc, "cannot read the master");
	last = store_changelog_last(s->st);
	rc = follow_verdict(s, next, w[3], last);
	store_read_end(s->st);
	if (rc == REG_ENOTFOUND) {
		log_info("feed: %s: asked to seed: %s", s->who, s->err.reason);
		conn_printf(s->c, NULL, "SEED %s\n", s->err.reason);
		return conn_flush(s->c, &s->err);
	}
	log_info("feed: %s: following from changeset %lld (master at %lld)", s->who,
	    (long long)next, (long long)last);
	if ((rc = conn_printf(s->c, &s->err, "OK %lld\n", (long long)last)) != REG_OK)
		return rc;
	return stream(s, next);
}

/* --- SNAPSHOT ---------------------------------------------------------------- */

/* SHA-256 and size of the open file fd, which is left at its start. */
static int
file_digest(int fd, char hex[STORE_DIGEST_HEX], int64_t *size, struct reg_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[CONN_BUF], out[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	ssize_t got;

	*size = 0;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(md, buf, (size_t)got);
		*size += got;
	}
	EVP_DigestFinal_ex(md, out, &n);
	EVP_MD_CTX_free(md);
	hex_encode(out, n, hex);
	if (got < 0 || lseek(fd, 0, SEEK_SET) != 0)
		return reg_fail(err, REG_EIO, "cannot read the snapshot file");
	return REG_OK;
}

static int
send_file(struct session *s, int fd)
{
	unsigned char buf[CONN_BUF];
	ssize_t got;
	int rc = REG_OK;

	while (rc == REG_OK && (got = read(fd, buf, sizeof(buf))) > 0)
		rc = conn_write(s->c, buf, (size_t)got, &s->err);
	if (rc == REG_OK && got < 0)
		rc = reg_fail(&s->err, REG_EIO, "cannot read the snapshot file");
	return rc == REG_OK ? conn_flush(s->c, &s->err) : rc;
}

/* Makes the scrubbed snapshot in a private temporary file and returns it
 * open, already unlinked, so that nothing is left behind. */
static int
snapshot_make(struct session *s, struct reg_replica_state *pos, int *fd)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int rc, tmp;

	if (asprintf(&path, "%s/" SNAPSHOT_TMPL, dir && *dir ? dir : "/var/tmp") < 0)
		abort();
	if ((tmp = mkstemp(path)) < 0) {
		rc = reg_fail(&s->err, REG_EIO, "cannot make a snapshot file in %s",
		    dir && *dir ? dir : "/var/tmp");
		free(path);
		return rc;
	}
	close(tmp);
	rc = store_snapshot_create(s->st, path, pos, &s->err);
	if (rc == REG_OK && (*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = reg_fail(&s->err, REG_EIO, "cannot reopen %s", path);
	unlink(path);
	free(path);
	return rc;
}

static int
session_snapshot(struct session *s, char **w)
{
	struct reg_replica_state pos;
	char sha[STORE_DIGEST_HEX];
	int64_t size;
	int fd = -1, rc;

	if ((rc = schema_check(s, w[1])) != REG_OK ||
	    (rc = snapshot_make(s, &pos, &fd)) != REG_OK)
		return rc;
	if ((rc = file_digest(fd, sha, &size, &s->err)) == REG_OK &&
	    (rc = conn_printf(s->c, &s->err, "IMAGE %lld %lld %lld %s\n", (long long)pos.seq,
	    (long long)pos.ts, (long long)size, sha)) == REG_OK &&
	    (rc = send_file(s, fd)) == REG_OK)
		log_info("feed: %s: sent a snapshot at changeset %lld (%lld bytes)", s->who,
		    (long long)pos.seq, (long long)size);
	close(fd);
	return rc;
}

/* --- STATUS ------------------------------------------------------------------ */

static int
session_status(struct session *s, char **w)
{
	int64_t applied, last, last_ts, first, next_ts;
	int rc;

	if ((rc = proto_number(w[1], 0, INT64_MAX - 1, "sequence", &applied, &s->err)) != REG_OK)
		return rc;
	if ((rc = store_read_begin(s->st)) != REG_OK)
		return reg_fail(&s->err, rc, "cannot read the master");
	last = store_changelog_last(s->st);
	last_ts = store_changelog_ts(s->st, last);
	first = store_changelog_first(s->st);
	next_ts = store_changelog_ts(s->st, applied + 1);
	store_read_end(s->st);
	if ((rc = conn_printf(s->c, &s->err, "LAST %lld %lld %lld %lld\n", (long long)last,
	    (long long)last_ts, (long long)first, (long long)next_ts)) != REG_OK)
		return rc;
	return conn_flush(s->c, &s->err);
}

/* --- one link ---------------------------------------------------------------- */

static int
dispatch(struct session *s)
{
	char line[PROTO_LINE_MAX], *w[PROTO_WORDS_MAX];
	int n, rc;

	if ((rc = conn_read_line(s->c, line, sizeof(line), &s->err)) != REG_OK)
		return rc;
	n = proto_split(line, w, PROTO_WORDS_MAX);
	for (size_t i = 0; n > 0 && i < nitems(requests); i++)
		if (strcmp(w[0], requests[i].word) == 0) {
			if (n != requests[i].nwords)
				return reg_fail(&s->err, REG_ESYNTAX, "%s takes %d words, not %d",
				    requests[i].word, requests[i].nwords, n);
			return requests[i].handle(s, w);
		}
	return reg_fail(&s->err, REG_ESYNTAX, "unknown request '%.20s'", n > 0 ? w[0] : "");
}

static int
session_open(struct session *s, SSL_CTX *tls)
{
	char cn[64];

	if (conn_accept(s->c, tls, &s->err) != REG_OK)
		return s->err.code;
	conn_peer_cn(s->c, cn, sizeof(cn));
	snprintf(s->who, sizeof(s->who), "%s (CN=%s)", s->c->peer, cn);
	s->st = store_open(s->r->cfg->database.master, STORE_RDONLY, &s->err);
	return s->st != NULL ? REG_OK : s->err.code;
}

int
feed_session(struct replica *r, SSL_CTX *tls, int fd, const char *peer)
{
	struct session s = { .r = r, .a = arena_new(), .start_ms = now_ms() };
	int rc;

	net_timeouts(fd, r->cfg->replication.timeout);
	s.c = conn_new(fd, peer);
	strlcpy_reg(s.who, peer, sizeof(s.who));
	if ((rc = session_open(&s, tls)) == REG_OK)
		rc = dispatch(&s);
	if (rc != REG_OK && s.c->live && rc != REG_EIO) {
		conn_printf(s.c, NULL, "ERR %s\n", reg_err_text(&s.err));
		conn_flush(s.c, NULL);
	}
	if (rc == REG_OK)
		log_info("feed: %s: link closed after %lld changesets, %.1f s", s.who,
		    (long long)s.sent, (double)(now_ms() - s.start_ms) / 1000);
	else
		log_warnx("feed: %s: %s (after %lld changesets, %.1f s)", s.who,
		    reg_err_text(&s.err), (long long)s.sent, (double)(now_ms() - s.start_ms) / 1000);
	store_close(s.st);
	conn_free(s.c);
	arena_free(s.a);
	return rc == REG_OK ? EXIT_OK : EXIT_FAIL;
}
