/*
 * worker.c: what a libmicrohttpd pool thread keeps between requests: its
 * read-only store of the replica, its request arena, its output buffer,
 * and the snapshot its requests share.
 *
 * Taking a snapshot of the replica costs file locks, an fstat and, with
 * two pool threads taking them on one inode, a contended mutex: a tenth
 * of an answer. So a worker answers from one snapshot for up to
 * SNAPSHOT_US, like whoisd. libmicrohttpd gives a pool thread no hook
 * when it goes idle, and an idle worker must not hold its snapshot (the
 * replica agent could not start its WAL over), so one janitor thread
 * ends snapshots that are due, sleeping while none is open.
 *
 * A worker's lock covers its store: the worker holds it from the
 * snapshot to the end of the answer's reads, the janitor only tries it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "rdapd.h"
#include "util.h"

#define READER_MMAP	(4LL << 30)	/* bytes of the replica each worker maps */
#define READER_CACHE_KIB (32 * 1024)	/* and its page cache */

static pthread_key_t worker_key;
static pthread_mutex_t workers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t workers_cond;	/* a snapshot began; workers_start */
static struct worker *workers;		/* every live worker */
static pthread_t janitor_thread;
static bool janitor_running, janitor_stop;

static void
worker_free(void *p)
{
	struct worker *w = p, **pp;

	pthread_mutex_lock(&workers_lock);
	for (pp = &workers; *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	pthread_mutex_unlock(&workers_lock);
	store_close(w->st);
	arena_free(w->a);
	jw_free(&w->out);
	jw_free(&w->redacted);
	jw_free(&w->scratch);
	cache_free(w->cache);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

struct worker *
worker_get(const struct rdapd *d)
{
	struct worker *w = pthread_getspecific(worker_key);
	struct reg_err err = { 0 };
	struct store *st;

	if (w != NULL)
		return w;
	if ((st = store_open(d->cfg->database.replica, STORE_RDONLY, &err)) == NULL) {
		log_warnx("%s", reg_err_text(&err));
		return NULL;
	}
	store_set_roid_suffix(st, d->cfg->registry.roid_suffix);
	if (store_reader_tune(st, READER_MMAP, READER_CACHE_KIB) != REG_OK)
		log_warnx("%s: cannot map the replica; reading it with system calls",
		    d->cfg->database.replica);
	w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->a = arena_new();
	w->cache = cache_new();
	pthread_mutex_init(&w->lock, NULL);
	pthread_setspecific(worker_key, w);
	pthread_mutex_lock(&workers_lock);
	w->next = workers;
	workers = w;
	pthread_mutex_unlock(&workers_lock);
	return w;
}

int
worker_read_begin(struct worker *w, int64_t now)
{
	int rc;

	pthread_mutex_lock(&w->lock);
	if (store_read_stale(w->st, now, SNAPSHOT_US) > 0)
		return REG_OK;
	if ((rc = store_read_recent(w->st, now, SNAPSHOT_US)) != REG_OK) {
		pthread_mutex_unlock(&w->lock);
		return rc;
	}
	cache_check(w->cache, store_read_version(w->st));
	/* Under workers_lock, so that the janitor cannot miss it between
	 * its scan and its wait. */
	pthread_mutex_lock(&workers_lock);
	pthread_cond_signal(&workers_cond);
	pthread_mutex_unlock(&workers_lock);
	return REG_OK;
}

void
worker_read_end(struct worker *w)
{
	pthread_mutex_unlock(&w->lock);
}

/* Ends the snapshots that are due; the microseconds until the next one
 * is, or -1 when none is open. Called with workers_lock held. */
static int64_t
janitor_sweep(int64_t now)
{
	int64_t next = -1, left;

	for (struct worker *w = workers; w != NULL; w = w->next) {
		if (pthread_mutex_trylock(&w->lock) != 0) {
			left = SNAPSHOT_US;	/* answering: look again later */
		} else {
			left = store_read_stale(w->st, now, SNAPSHOT_US);
			pthread_mutex_unlock(&w->lock);
		}
		if (left >= 0 && (next < 0 || left < next))
			next = left;
	}
	return next;
}

static void *
janitor_main(void *unused)
{
	struct timespec until;
	int64_t next;

	pthread_mutex_lock(&workers_lock);
	while (!janitor_stop) {
		if ((next = janitor_sweep(mono_usec())) < 0) {
			pthread_cond_wait(&workers_cond, &workers_lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		next += until.tv_nsec / 1000 + 1;
		until.tv_sec += next / 1000000;
		until.tv_nsec = (next % 1000000) * 1000;
		while (pthread_cond_timedwait(&workers_cond, &workers_lock, &until) == EINTR)
			;
	}
	pthread_mutex_unlock(&workers_lock);
	return NULL;
}

void
workers_start(void)
{
	pthread_condattr_t ca;

	pthread_key_create(&worker_key, worker_free);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&workers_cond, &ca);
	pthread_condattr_destroy(&ca);
	janitor_stop = false;
	if (pthread_create(&janitor_thread, NULL, janitor_main, NULL) != 0)
		fatalx("cannot start the snapshot janitor");
	janitor_running = true;
}

void
workers_stop(void)
{
	if (!janitor_running)
		return;
	pthread_mutex_lock(&workers_lock);
	janitor_stop = true;
	pthread_cond_signal(&workers_cond);
	pthread_mutex_unlock(&workers_lock);
	pthread_join(janitor_thread, NULL);
	janitor_running = false;
}
