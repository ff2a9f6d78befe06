/*
 * server.c: the workers.
 *
 * Each worker is one thread with its own epoll, its own listening socket
 * on every address (SO_REUSEPORT: the kernel picks the worker), its own
 * read-only connection to the replica (so its prepared statements stay
 * cached and no lock is shared) and its own arena and output buffer. A
 * worker accepts, reads, answers and writes without ever blocking:
 * sockets are non-blocking and the store is a local file. Nothing is
 * shared between workers but the configuration, the name policy, the
 * rate-limit tables (sharded locks) and two atomic counters: open
 * connections (the cap) and the store generation (bumped to make every
 * worker reopen the replica, e.g. after it was replaced on disk).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "whoisd.h"

#define EVENTS_MAX	256	/* epoll events taken at once */
#define ACCEPT_BATCH	64	/* accepts per listener event, for fairness */
#define ACCEPT_PAUSE	100000	/* us without accepting when out of descriptors */
#define REPLICA_MMAP	(2LL << 30)	/* bytes of the replica mapped: SQLite's cap */
#define REPLICA_CACHE_KIB (16 * 1024)	/* page cache of each worker */

struct worker {
	struct whoisd *wd;
	int id;
	pthread_t thread;
	bool started;
	int ep;
	struct ev_tag listeners[MAX_LISTEN];
	struct ev_tag stop;
	struct store *st;
	unsigned gen;			/* store_gen when st was opened */
	int64_t paused_until;		/* not accepting until then; 0: accepting */
	struct arena *a;
	struct obuf out;
	struct conn_env env;
	struct qstats stats;
};

static int
watch(int ep, struct ev_tag *tag, struct reg_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, tag->fd, &ev) < 0)
		return reg_fail(err, REG_EIO, "epoll_ctl: %s", strerror(errno));
	return REG_OK;
}

static struct store *
replica_open(const struct reg_config *cfg, struct reg_err *err)
{
	struct store *st = store_open(cfg->database.replica, STORE_RDONLY, err);

	if (st != NULL && store_reader_tune(st, REPLICA_MMAP, REPLICA_CACHE_KIB) != REG_OK)
		log_warnx("%s: cannot map the replica; reading it page by page",
		    cfg->database.replica);
	return st;
}

/* Worker w's epoll, store, arena; its listeners are open already. */
static int
worker_init(struct whoisd *wd, struct worker *w, struct reg_err *err)
{
	int rc;

	w->stop = (struct ev_tag){ EV_STOP, wd->stop_fd };
	if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return reg_fail(err, REG_EIO, "epoll_create1: %s", strerror(errno));
	for (int i = 0; i < wd->naddrs; i++)
		if ((rc = watch(w->ep, &w->listeners[i], err)) != REG_OK)
			return rc;
	if ((rc = watch(w->ep, &w->stop, err)) != REG_OK)
		return rc;
	w->gen = atomic_load(&wd->store_gen);
	if ((w->st = replica_open(wd->cfg, err)) == NULL)
		return err->code;
	w->a = arena_new();
	w->env = (struct conn_env){ .wd = wd, .out = &w->out, .stats = &w->stats,
	    .ep = w->ep };
	w->env.ax = (struct answer_ctx){ .wd = wd, .st = w->st, .a = w->a, .out = &w->out };
	return REG_OK;
}

/* Every worker's socket on address i. */
static int
listeners_open(struct whoisd *wd, int i, struct reg_err *err)
{
	int fd, defer = (int)wd->cfg->whois.read_timeout;

	for (int k = 0; k < wd->nworkers; k++) {
		if ((fd = listen_open(&wd->addrs[i], defer, err)) < 0)
			return err->code;
		wd->workers[k].listeners[i] = (struct ev_tag){ EV_LISTEN, fd };
	}
	log_info("listening on %s (%d workers)", wd->addrs[i].text, wd->nworkers);
	return REG_OK;
}

int
server_init(struct whoisd *wd, struct reg_err *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc;

	wd->nworkers = wd->cfg->whois.threads > 0 ? (int)wd->cfg->whois.threads :
	    cpus > 0 ? (int)cpus : 1;
	wd->workers = xcalloc((size_t)wd->nworkers, sizeof(*wd->workers));
	for (int k = 0; k < wd->nworkers; k++) {
		wd->workers[k] = (struct worker){ .wd = wd, .id = k, .ep = -1 };
		for (int i = 0; i < MAX_LISTEN; i++)
			wd->workers[k].listeners[i].fd = -1;
	}
	if ((wd->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return reg_fail(err, REG_EIO, "eventfd: %s", strerror(errno));
	for (int i = 0; i < wd->naddrs; i++)
		if ((rc = listeners_open(wd, i, err)) != REG_OK)
			return rc;
	for (int k = 0; k < wd->nworkers; k++)
		if ((rc = worker_init(wd, &wd->workers[k], err)) != REG_OK)
			return rc;
	return REG_OK;
}

struct qstats *const *
server_stats(struct whoisd *wd)
{
	struct qstats **v = xcalloc((size_t)wd->nworkers, sizeof(*v));

	for (int k = 0; k < wd->nworkers; k++)
		v[k] = &wd->workers[k].stats;
	return v;
}

/* Opens the replica again when main asked for it; keeps the old
 * connection if the new one fails. */
static void
worker_reopen(struct worker *w)
{
	unsigned gen = atomic_load_explicit(&w->wd->store_gen, memory_order_relaxed);
	struct reg_err err = { 0 };
	struct store *st;

	if (gen == w->gen)
		return;
	w->gen = gen;
	if ((st = replica_open(w->wd->cfg, &err)) == NULL) {
		log_warnx("worker %d: cannot reopen the replica: %s", w->id, reg_err_text(&err));
		return;
	}
	store_close(w->st);
	w->st = w->env.ax.st = st;
}

/* Out of descriptors (EMFILE, ENFILE) or memory: the pending connection
 * stays pending and its listener readable, so stop watching the
 * listeners for a moment rather than spin on them. */
static void
accept_pause(struct worker *w, int64_t now)
{
	log_warn("worker %d: accept (pausing %d ms)", w->id, ACCEPT_PAUSE / 1000);
	for (int i = 0; i < w->wd->naddrs; i++)
		epoll_ctl(w->ep, EPOLL_CTL_DEL, w->listeners[i].fd, NULL);
	w->paused_until = now + ACCEPT_PAUSE;
}

/* Watches the listeners again once the pause is over; the ms to wait
 * for that, or -1. */
static int
accept_resume(struct worker *w, int64_t now)
{
	struct reg_err err = { 0 };

	if (w->paused_until == 0)
		return -1;
	if (now < w->paused_until)
		return (int)((w->paused_until - now + 999) / 1000);
	for (int i = 0; i < w->wd->naddrs; i++)
		if (watch(w->ep, &w->listeners[i], &err) != REG_OK)
			log_warnx("worker %d: %s", w->id, reg_err_text(&err));
	w->paused_until = 0;
	return -1;
}

static void
worker_accept(struct worker *w, int lfd, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_accept(&w->env, fd, (struct sockaddr *)&ss, len, now);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN)
			accept_pause(w, now);
		return;
	}
}

/* Handles one batch of events; false when told to stop. */
static bool
worker_events(struct worker *w, struct epoll_event *ev, int n)
{
	int64_t now = mono_usec();

	for (int i = 0; i < n; i++) {
		struct ev_tag *tag = ev[i].data.ptr;

		switch (tag->kind) {
		case EV_STOP:
			return false;
		case EV_LISTEN:
			worker_accept(w, tag->fd, now);
			break;
		case EV_CONN:
			conn_event(&w->env, (struct conn *)tag, ev[i].events, now);
			break;
		}
	}
	return true;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[EVENTS_MAX];
	int n, timeout = -1, pause;
	int64_t now, snapshot;

	for (;;) {
		if ((n = epoll_wait(w->ep, ev, EVENTS_MAX, timeout)) < 0) {
			if (errno != EINTR)
				fatal("worker %d: epoll_wait", w->id);
			n = 0;
		}
		worker_reopen(w);
		if (!worker_events(w, ev, n))
			break;
		now = mono_usec();
		timeout = conn_expire(&w->env, now);
		if ((pause = accept_resume(w, now)) >= 0 && (timeout < 0 || pause < timeout))
			timeout = pause;
		/* An idle worker lets go of its snapshot soon after its age. */
		if (w->st != NULL && (snapshot = store_read_stale(w->st, now, SNAPSHOT_US)) >= 0) {
			pause = (int)(snapshot / 1000) + 1;
			if (timeout < 0 || pause < timeout)
				timeout = pause;
		}
	}
	conn_close_all(&w->env);
	return NULL;
}

void
server_start(struct whoisd *wd)
{
	for (int k = 0; k < wd->nworkers; k++)
		if (pthread_create(&wd->workers[k].thread, NULL, worker_main, &wd->workers[k]) != 0)
			fatalx("cannot start worker %d", k);
		else
			wd->workers[k].started = true;
}

static void
worker_free(struct worker *w)
{
	for (int i = 0; i < w->wd->naddrs; i++)
		if (w->listeners[i].fd >= 0)
			close(w->listeners[i].fd);
	if (w->ep >= 0)
		close(w->ep);
	store_close(w->st);
	if (w->a != NULL)
		arena_free(w->a);
	obuf_free(&w->out);
}

void
server_stop(struct whoisd *wd)
{
	uint64_t one = 1;

	if (wd->stop_fd >= 0)
		(void)!write(wd->stop_fd, &one, sizeof(one));
	for (int k = 0; k < wd->nworkers; k++)
		if (wd->workers[k].started)
			pthread_join(wd->workers[k].thread, NULL);
}

void
server_free(struct whoisd *wd)
{
	for (int k = 0; k < wd->nworkers; k++)
		worker_free(&wd->workers[k]);
	free(wd->workers);
	wd->workers = NULL;
	if (wd->stop_fd >= 0)
		close(wd->stop_fd);
}
