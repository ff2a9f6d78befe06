/*
 * writer.c: the writer process, the only holder of a write handle on the
 * master database (synchronous=FULL, the store's default; savepoint
 * journals in memory and a longer WAL: STORE_WRITER).
 *
 * Group commit: wait until some session channels have a request, take one
 * from each, run them in one transaction with a SAVEPOINT apiece (a failed
 * command rolls back its own savepoint and nothing else), COMMIT once,
 * and only then answer every session. One fsync covers the batch, and no
 * client ever hears 1000 for a change that is not on disk. If COMMIT
 * fails, every command of the batch answers 2400.
 *
 * Checkpoints: a thread with a connection of its own copies the WAL into
 * the database file every CHECKPOINT_US, so that no COMMIT waits for a
 * checkpoint (the writer's own connection checkpoints only if it falls
 * far behind, STORE_WRITER). Once a second, not every few milliseconds:
 * each checkpoint ends in an fsync of the database file that the WAL's
 * fsyncs queue behind, and a page that many transactions wrote is copied
 * once (p99 of domain updates at 2,000/s: 35-70 ms with a checkpoint
 * every 20 ms, 10-14 ms with one a second; bench/README.md). The WAL
 * starts over only when a checkpoint has caught up between two write
 * transactions, which a busy writer never allows; so when it has grown
 * past RESTART_FRAMES, the checkpointer stands aside and the writer,
 * between two batches, copies the few frames left and starts it over
 * (store_wal_restart), waiting at most RESTART_WAIT_MS for readers. If a
 * long reader (an escrow deposit, zonegen, a replica's seed) is in the
 * way, it tries again after RESTART_BACKOFF seconds.
 *
 * Between batches, every epp.housekeeping seconds, lifecycle_run()
 * applies the registry clock's due events in a transaction of its own.
 * SIGTERM and SIGINT are only taken while waiting, so a batch in hand is
 * always finished and answered.
 *
 * The writer trusts the frontend's word on who is asking (it holds the
 * session's login) and that the document passed the schema; it parses
 * the text again with the same safe parser, so nothing a client sent is
 * interpreted differently here, but does not validate it a second time.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "util.h"

#define FRAME_SLACK 1024	/* a re-serialised frame may grow a little */
#define CHECKPOINT_US 1000000	/* between two passive checkpoints */
#define CHECKPOINT_NAP_US 50000	/* how soon the checkpointer sees stop */
#define RESTART_FRAMES 20000	/* 80 MiB of WAL with 4 KiB pages */
#define RESTART_WAIT_MS 20
#define RESTART_BACKOFF 1.0	/* seconds */

struct job {
	int fd;
	struct chan_req req;
	char *body;
	size_t len;
	char *out;		/* the rendered answer (none for CHAN_PASSWORD) */
	size_t outlen;
	int code;
	char reason[REASON_MAX];
};

struct checkpointer {
	pthread_t tid;
	struct store *st;	/* NULL: not running */
	atomic_bool stop;
	atomic_bool restart_due;	/* the WAL is longer than RESTART_FRAMES */
};

struct writer {
	struct store *st;
	struct arena *a;
	struct epp_env env;
	int ctl_fd;
	bool ctl_open;
	int *chans;		/* session channels */
	int nchans, cap;
	struct pollfd *pfd;	/* [0] control, [1..] channels */
	struct job *jobs;
	int njobs;
	double next_housekeeping;
	double next_restart;	/* no WAL restart before */
	struct checkpointer ckpt;
};

static const struct epp_cmd_def password_def = {
	"login", -1, NULL, CMD_WRITE, NULL, NULL, "login:newPW"
};

/* --- one command ------------------------------------------------------------ */

static int
job_password(struct epp_cmd *c, const struct job *j)
{
	c->def = &password_def;
	if (store_registrar_password_set(c->env->st, c->client->registrar_id, j->body) != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "cannot store the new password");
	if (epp_history(c, "registrar", NULL, c->client->clid, "password changed at login") != EPP_OK)
		return response_code(c->resp);
	return epp_ok(c, EPP_OK);
}

static int
job_command(struct epp_cmd *c, const struct job *j)
{
	int rc;

	if ((rc = request_parse(c, NULL, j->body, j->len)) != 0)
		return rc;
	c->def = dispatch_lookup(c->op, c->obj);
	if (c->def == NULL || !(c->def->flags & CMD_WRITE))
		return epp_fail(c, EPP_FAILED, NULL, "the writer runs transforms only");
	if ((rc = dispatch_admit(c)) != 0)
		return rc;
	return dispatch_run(c);
}

static void
job_finish(struct job *j, struct epp_cmd *c)
{
	const char *reason = response_reason(c->resp);

	strlcpy_reg(j->reason, reason ? reason : "", sizeof(j->reason));
	if (j->req.kind == CHAN_COMMAND)
		j->out = response_render(c, &j->outlen);
	request_clear(c);
	response_free(c->resp);
}

static void
job_run(struct writer *w, struct job *j)
{
	struct epp_cmd c = { .client = &j->req.client, .env = &w->env, .a = w->a,
	    .svtrid = j->req.svtrid };

	c.resp = response_new(w->a);
	w->env.now = server_now(w->st);
	if (store_savepoint(w->st) != REG_OK) {
		j->code = epp_fail(&c, EPP_FAILED, NULL, "cannot open a savepoint");
	} else {
		j->code = j->req.kind == CHAN_PASSWORD ? job_password(&c, j) : job_command(&c, j);
		if (j->code >= EPP_UNKNOWN_COMMAND)
			store_savepoint_rollback(w->st);
		else if (store_savepoint_release(w->st) != REG_OK) {
			store_savepoint_rollback(w->st);
			j->code = epp_fail(&c, EPP_FAILED, NULL, "cannot release the savepoint");
		}
	}
	job_finish(j, &c);
}

/* The batch did not commit: 2400 for this command, clTRID echoed. */
static void
job_fail(struct writer *w, struct job *j)
{
	struct epp_cmd c = { .client = &j->req.client, .env = &w->env, .a = w->a,
	    .svtrid = j->req.svtrid };

	free(j->out);
	j->out = NULL;
	c.resp = response_new(w->a);
	if (j->req.kind == CHAN_COMMAND)
		request_parse(&c, NULL, j->body, j->len);	/* for the clTRID */
	response_free(c.resp);
	c.resp = response_new(w->a);
	j->code = epp_fail(&c, EPP_FAILED, NULL, "the transaction did not commit; nothing changed");
	job_finish(j, &c);
}

/* --- the batch ------------------------------------------------------------------ */

static void
batch_answer(struct writer *w)
{
	for (int i = 0; i < w->njobs; i++) {
		struct job *j = &w->jobs[i];
		struct chan_resp r = { .code = j->code };

		memcpy(r.reason, j->reason, sizeof(r.reason));

		if (channel_send(j->fd, &r, sizeof(r), j->out, j->out ? j->outlen : 0) != 0)
			log_debug("writer: %s: the session is gone", j->req.svtrid);
		free(j->body);
		free(j->out);
	}
	w->njobs = 0;
	arena_reset(w->a);
}

static void
batch_run(struct writer *w)
{
	struct reg_err err = { 0 };
	bool ok;

	log_debug("writer: %d commands in one transaction", w->njobs);
	if ((ok = store_begin(w->st) == REG_OK)) {
		for (int i = 0; i < w->njobs; i++)
			job_run(w, &w->jobs[i]);
		ok = store_commit(w->st, &err) == REG_OK;
	} else
		reg_fail(&err, REG_EDB, "cannot begin a transaction");
	if (!ok) {
		log_warnx("writer: %s; %d commands answer 2400", reg_err_text(&err), w->njobs);
		for (int i = 0; i < w->njobs; i++)
			job_fail(w, &w->jobs[i]);
	}
	batch_answer(w);
}

static void
housekeeping(struct writer *w)
{
	struct reg_err err = { 0 };
	int n;

	if (store_begin(w->st) != REG_OK) {
		log_warnx("housekeeping: cannot begin a transaction");
		return;
	}
	w->env.now = server_now(w->st);
	if ((n = lifecycle_run(&w->env)) < 0) {
		store_rollback(w->st);
		log_warnx("housekeeping failed: %s; nothing changed", reg_strerror(n));
	} else if (store_commit(w->st, &err) != REG_OK)
		log_warnx("housekeeping: %s; nothing changed", reg_err_text(&err));
	else if (n > 0)
		log_info("housekeeping: %d events", n);
	else
		log_debug("housekeeping: nothing due");
}

/* --- channels ------------------------------------------------------------------- */

#define CHANS_INITIAL 16

static void
chan_grow(struct writer *w)
{
	w->cap = w->cap ? w->cap * 2 : CHANS_INITIAL;
	w->chans = xrealloc(w->chans, sizeof(*w->chans) * (size_t)w->cap);
	w->jobs = xrealloc(w->jobs, sizeof(*w->jobs) * (size_t)w->cap);
	w->pfd = xrealloc(w->pfd, sizeof(*w->pfd) * (size_t)(w->cap + 1));
}

/* A new channel; it was not polled this round, so no revents yet. */
static void
chan_add(struct writer *w, int fd)
{
	if (w->nchans == w->cap)
		chan_grow(w);
	w->chans[w->nchans++] = fd;
	w->pfd[w->nchans] = (struct pollfd){ .fd = fd };
}

/* One request from every channel that has one; closed channels go. */
static void
gather(struct writer *w)
{
	size_t max = (size_t)w->env.cfg->epp.max_frame * 2 + FRAME_SLACK;
	int kept = 0;

	for (int i = 0; i < w->nchans; i++) {
		int fd = w->chans[i];
		struct job *j = &w->jobs[w->njobs];

		if (w->pfd[i + 1].revents == 0) {
			w->chans[kept++] = fd;
			continue;
		}
		memset(j, 0, sizeof(*j));
		if (channel_recv(fd, &j->req, sizeof(j->req), &j->body, &j->len, max) != 1) {
			close(fd);
			continue;
		}
		j->fd = fd;
		j->req.svtrid[SVTRID_MAX] = '\0';
		j->req.client.clid[sizeof(j->req.client.clid) - 1] = '\0';
		j->req.client.addr[sizeof(j->req.client.addr) - 1] = '\0';
		w->chans[kept++] = fd;
		w->njobs++;
	}
	w->nchans = kept;
}

static void
wait_requests(struct writer *w)
{
	double left = w->next_housekeeping - mono_now();
	struct timespec ts = { 0, 0 };
	sigset_t none;
	int fd;

	if (left > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	}
	sigemptyset(&none);
	w->pfd[0] = (struct pollfd){ .fd = w->ctl_fd, .events = POLLIN };
	for (int i = 0; i < w->nchans; i++)
		w->pfd[i + 1] = (struct pollfd){ .fd = w->chans[i], .events = POLLIN };
	if (ppoll(w->pfd, (nfds_t)w->nchans + 1, &ts, &none) <= 0) {
		for (int i = 0; i <= w->nchans; i++)
			w->pfd[i].revents = 0;
		return;
	}
	if (w->pfd[0].revents) {
		if ((fd = channel_accept(w->ctl_fd)) > 0)
			chan_add(w, fd);
		else if (fd == 0 || errno != EINTR)
			w->ctl_open = false;
	}
}

/* --- the checkpointer ------------------------------------------------------------ */

static void *
checkpointer_main(void *arg)
{
	struct checkpointer *k = arg;
	bool failing = false, ok;
	int frames;

	while (!atomic_load(&k->stop)) {
		for (int slept = 0; slept < CHECKPOINT_US && !atomic_load(&k->stop);
		    slept += CHECKPOINT_NAP_US)
			usleep(CHECKPOINT_NAP_US);
		if (atomic_load(&k->restart_due))
			continue;	/* the writer's turn: wal_restart() */
		frames = 0;
		ok = store_checkpoint(k->st, &frames) == REG_OK;
		if (frames > RESTART_FRAMES)
			atomic_store(&k->restart_due, true);
		if (!ok && !failing)
			log_warnx("writer: checkpoints fail; the writer's own take over");
		else if (ok && failing)
			log_info("writer: checkpoints work again");
		failing = !ok;
	}
	return NULL;
}

/* Without it the writer's connection checkpoints by itself. */
static void
checkpointer_start(struct checkpointer *k)
{
	struct reg_err err = { 0 };
	int rc;

	if ((k->st = store_open(srv.cfg->database.master, 0, &err)) == NULL) {
		log_warnx("writer: no checkpointer: %s", reg_err_text(&err));
		return;
	}
	if ((rc = pthread_create(&k->tid, NULL, checkpointer_main, k)) != 0) {
		errno = rc;
		log_warn("writer: no checkpointer thread");
		store_close(k->st);
		k->st = NULL;
	}
}

static void
checkpointer_stop(struct checkpointer *k)
{
	if (k->st == NULL)
		return;
	atomic_store(&k->stop, true);
	pthread_join(k->tid, NULL);
	store_close(k->st);
}

/* The checkpointer stands aside until restart_due is cleared, so that
 * only readers can be in the way. */
static void
wal_restart(struct writer *w)
{
	double now = mono_now();

	if (now >= w->next_restart && !store_wal_restart(w->st, RESTART_WAIT_MS))
		w->next_restart = now + RESTART_BACKOFF;
	atomic_store(&w->ckpt.restart_due, false);
}

static void
writer_loop(struct writer *w)
{
	while (!server_stopping && w->ctl_open) {
		wait_requests(w);
		if (server_stopping)
			break;
		gather(w);
		if (w->njobs > 0)
			batch_run(w);
		if (mono_now() >= w->next_housekeeping) {
			housekeeping(w);
			w->next_housekeeping = mono_now() + (double)w->env.cfg->epp.housekeeping;
		}
		if (atomic_load(&w->ckpt.restart_due))
			wal_restart(w);
	}
}

int
writer_main(int ctl_fd)
{
	struct writer w = { .ctl_fd = ctl_fd, .ctl_open = true };
	struct reg_err err = { 0 };

	log_init("eppd-writer", srv.debug);
	w.st = store_open(srv.cfg->database.master, STORE_WRITER, &err);
	if (w.st == NULL) {
		log_warnx("%s", reg_err_text(&err));
		return 1;
	}
	store_set_roid_suffix(w.st, srv.cfg->registry.roid_suffix);
	w.a = arena_new();
	w.env = (struct epp_env){ srv.cfg, w.st, srv.names, 0, true };
	chan_grow(&w);
	w.next_housekeeping = mono_now();
	checkpointer_start(&w.ckpt);
	log_info("writer ready on %s", srv.cfg->database.master);
	writer_loop(&w);
	checkpointer_stop(&w.ckpt);
	for (int i = 0; i < w.nchans; i++)
		close(w.chans[i]);
	free(w.chans);
	free(w.jobs);
	free(w.pfd);
	arena_free(w.a);
	store_close(w.st);
	log_info("writer stopped");
	return 0;
}
