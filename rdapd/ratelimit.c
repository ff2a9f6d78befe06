/*
 * ratelimit.c: RFC 7480 5.5 rate limits, one token bucket per client
 * network: the /24 of an IPv4 client, the /56 of an IPv6 one (a site's
 * usual allocation), keyed by ipnet_prefix_key().
 *
 * The buckets live in SHARDS hash tables, each behind its own mutex, so
 * the workers rarely wait for one another. A table is never allowed to
 * grow: when it is three quarters full it is rebuilt without the buckets
 * that have refilled (a full bucket is the same as no bucket). Should it
 * still be full, every network is then tracked by nothing and passes
 * until some bucket refills: a flood of distinct networks must not stop
 * the service, and it cannot make the table grow.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ipnet.h"
#include "log.h"
#include "rdapd.h"
#include "util.h"

#define SHARDS		16
#define SHARD_SLOTS	4096	/* a power of two */
#define V4_BUCKET	24
#define V6_BUCKET	56

struct bucket {
	char key[IPNET_STRLEN];	/* "" : free slot */
	double tokens, last;
};

struct shard {
	pthread_mutex_t mtx;
	struct bucket *slot;
	size_t n;
	bool warned;		/* the shard overflowed and said so */
};

struct ratelimit {
	double rate, burst;
	struct shard shard[SHARDS];
};

struct ratelimit *
ratelimit_new(int64_t rate, int64_t burst)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	rl->rate = (double)rate;
	rl->burst = (double)burst;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_init(&rl->shard[i].mtx, NULL);
		rl->shard[i].slot = xcalloc(SHARD_SLOTS, sizeof(struct bucket));
	}
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_destroy(&rl->shard[i].mtx);
		free(rl->shard[i].slot);
	}
	free(rl);
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* The bucket of key, or the free slot where it belongs. */
static struct bucket *
slot_find(struct bucket *slot, const char *key, uint64_t h)
{
	size_t i = (size_t)(h >> 8) & (SHARD_SLOTS - 1);

	while (slot[i].key[0] != '\0' && strcmp(slot[i].key, key) != 0)
		i = (i + 1) & (SHARD_SLOTS - 1);
	return &slot[i];
}

static double
refilled(const struct ratelimit *rl, const struct bucket *b, double now)
{
	return fmin(rl->burst, b->tokens + (now - b->last) * rl->rate);
}

/* Rebuilds the shard without the buckets that are full again. */
static void
shard_sweep(const struct ratelimit *rl, struct shard *s, double now)
{
	struct bucket *old = s->slot;

	s->slot = xcalloc(SHARD_SLOTS, sizeof(struct bucket));
	s->n = 0;
	for (size_t i = 0; i < SHARD_SLOTS; i++) {
		if (old[i].key[0] == '\0' || refilled(rl, &old[i], now) >= rl->burst)
			continue;
		*slot_find(s->slot, old[i].key, hash(old[i].key)) = old[i];
		s->n++;
	}
	free(old);
}

/* The client's bucket, made full if it is new; NULL if the shard has no
 * room even after a sweep. */
static struct bucket *
bucket_get(struct ratelimit *rl, struct shard *s, const char *key, double now)
{
	uint64_t h = hash(key);
	struct bucket *b = slot_find(s->slot, key, h);

	if (b->key[0] != '\0')
		return b;
	if (s->n >= SHARD_SLOTS / 4 * 3) {
		shard_sweep(rl, s, now);
		if (s->n >= SHARD_SLOTS / 4 * 3) {
			if (!s->warned)
				log_warnx("rate limit: some %d networks are over their "
				    "rate; new ones pass unlimited", (int)s->n * SHARDS);
			s->warned = true;
			return NULL;
		}
		s->warned = false;
		b = slot_find(s->slot, key, h);
	}
	strlcpy_reg(b->key, key, sizeof(b->key));
	b->tokens = rl->burst;
	b->last = now;
	s->n++;
	return b;
}

int
ratelimit_take(struct ratelimit *rl, const struct sockaddr *client, double now)
{
	char key[IPNET_STRLEN];
	struct shard *s;
	struct bucket *b;
	int wait = 0;

	if (ipnet_prefix_key(client, V4_BUCKET, V6_BUCKET, key, sizeof(key)) != REG_OK)
		return 0;	/* no IP client (a test harness): nothing to limit */
	s = &rl->shard[hash(key) % SHARDS];
	pthread_mutex_lock(&s->mtx);
	if ((b = bucket_get(rl, s, key, now)) != NULL) {
		b->tokens = refilled(rl, b, now);
		b->last = now;
		if (b->tokens >= 1.0)
			b->tokens -= 1.0;
		else
			wait = (int)ceil((1.0 - b->tokens) / rl->rate);
	}
	pthread_mutex_unlock(&s->mtx);
	return wait;
}
