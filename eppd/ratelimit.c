/*
 * ratelimit.c: one token bucket per registrar, shared by all of its
 * sessions: `rate` commands a second with a burst of one second's worth.
 * Buckets are few (one per registrar that logged in) and live as long as
 * the process, so sessions keep a pointer and never look them up again.
 */
#include <pthread.h>

#include "server.h"
#include "util.h"

struct ratelimit {
	struct ratelimit *next;
	int64_t registrar_id;
	double rate, tokens, last;
};

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static struct ratelimit *buckets;

struct ratelimit *
ratelimit_get(int64_t registrar_id, int64_t rate)
{
	struct ratelimit *b;

	pthread_mutex_lock(&mtx);
	for (b = buckets; b != NULL && b->registrar_id != registrar_id; b = b->next)
		;
	if (b == NULL) {
		b = xcalloc(1, sizeof(*b));
		b->registrar_id = registrar_id;
		b->rate = b->tokens = (double)rate;
		b->last = mono_now();
		b->next = buckets;
		buckets = b;
	}
	pthread_mutex_unlock(&mtx);
	return b;
}

bool
ratelimit_take(struct ratelimit *b)
{
	double now = mono_now();
	bool ok;

	pthread_mutex_lock(&mtx);
	b->tokens += (now - b->last) * b->rate;
	if (b->tokens > b->rate)
		b->tokens = b->rate;
	b->last = now;
	if ((ok = b->tokens >= 1.0))
		b->tokens -= 1.0;
	pthread_mutex_unlock(&mtx);
	return ok;
}
