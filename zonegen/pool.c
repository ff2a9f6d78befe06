/*
 * pool.c: a parallel loop for signing, verifying, reading and writing.
 * The calling thread and threads - 1 others take chunks of indices from
 * one atomic counter, so a slow chunk (an RSA key, a large RRset) never
 * leaves a core idle for long. A chunk is up to POOL_CHUNK indices, fewer
 * for short loops: the pieces of a zone file or the blocks of a round of
 * output are a handful of large items, one each. Each call passes the
 * thread's number, 0 to threads - 1, so that callers keep per-thread
 * state without locks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "zonegen.h"

#define POOL_CHUNK	64

struct pool_run {
	void (*fn)(void *, size_t, int);
	void *arg;
	size_t n, chunk;
	atomic_size_t next;
};

struct pool_thread {
	struct pool_run *run;
	int id;
};

static void *
pool_work(void *p)
{
	struct pool_thread *t = p;
	struct pool_run *r = t->run;
	size_t i;

	while ((i = atomic_fetch_add(&r->next, r->chunk)) < r->n) {
		size_t end = i + r->chunk < r->n ? i + r->chunk : r->n;

		for (; i < end; i++)
			r->fn(r->arg, i, t->id);
	}
	return NULL;
}

void
parallel_for(int threads, size_t n, void (*fn)(void *arg, size_t i, int thread), void *arg)
{
	struct pool_run run = { .fn = fn, .arg = arg, .n = n };
	struct pool_thread t[SIGN_THREADS_MAX];
	pthread_t tid[SIGN_THREADS_MAX];
	int started = 1;

	atomic_init(&run.next, 0);
	if (threads > SIGN_THREADS_MAX)
		threads = SIGN_THREADS_MAX;
	/* about eight chunks a thread, so that the last ones even out */
	run.chunk = n / ((size_t)threads * 8);
	if (run.chunk < 1)
		run.chunk = 1;
	else if (run.chunk > POOL_CHUNK)
		run.chunk = POOL_CHUNK;
	for (int i = 0; i < threads; i++)
		t[i] = (struct pool_thread){ &run, i };
	for (int i = 1; i < threads && (size_t)i * run.chunk < n; i++) {
		if (pthread_create(&tid[i], NULL, pool_work, &t[i]) != 0) {
			log_warn("pthread_create");
			break;
		}
		started++;
	}
	pool_work(&t[0]);
	for (int i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
}

int
sign_threads(int configured)
{
	long n = configured > 0 ? configured : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > SIGN_THREADS_MAX ? SIGN_THREADS_MAX : (int)n;
}
