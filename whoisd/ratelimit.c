/*
 * ratelimit.c: token buckets keyed by address prefix, shared by every
 * worker (the kernel spreads one client's connections over all of them).
 *
 * The table is split into shards with a lock each, so workers seldom
 * wait for one another. A shard is a small open-addressed array: a key
 * probes PROBE slots from its hash and takes its own bucket, else a free
 * slot, else the bucket idle longest. So memory is fixed however many
 * addresses call; forgetting an idle bucket only helps a client that
 * spreads its calls over more prefixes than the table holds, and the
 * per-prefix table still catches those within one /24 or /56.
 *
 * Tokens are counted in millionths, so that refilling at `rate` a second
 * over some microseconds is exact integer arithmetic.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipnet.h"
#include "util.h"
#include "whoisd.h"

#define SHARDS		64
#define SHARD_SLOTS	1024	/* buckets per shard */
#define PROBE		8	/* slots a key may live in */
#define UNIT		1000000	/* one token, in millionths */

struct bucket {
	char key[IPNET_STRLEN];	/* "192.0.2.0/24"; "" for a free slot */
	int64_t tokens;		/* millionths */
	int64_t last;		/* when tokens was last brought up to date */
};

struct shard {
	pthread_mutex_t lock;
	struct bucket slot[SHARD_SLOTS];
};

struct ratelimit {
	int64_t rate, burst;
	int v4len, v6len;
	struct shard shard[SHARDS];
};

struct ratelimit *
ratelimit_new(int64_t rate, int64_t burst, int v4len, int v6len)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));
	pthread_mutexattr_t attr;

	/* The lock is held for a few dozen instructions: spin a little
	 * before sleeping, as one busy client address keeps every worker on
	 * the same shard. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	rl->rate = rate;
	rl->burst = burst;
	rl->v4len = v4len;
	rl->v6len = v6len;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&rl->shard[i].lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_destroy(&rl->shard[i].lock);
	free(rl);
}

/* FNV-1a. */
static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The bucket of key in shard sh: its own, a free one or the idlest. */
static struct bucket *
bucket_find(struct shard *sh, const char *key, uint32_t h, int64_t now, bool *fresh)
{
	struct bucket *b, *idlest = NULL;

	for (int i = 0; i < PROBE; i++) {
		b = &sh->slot[(h + (uint32_t)i) % SHARD_SLOTS];
		if (strcmp(b->key, key) == 0) {
			*fresh = false;
			return b;
		}
		if (idlest == NULL || b->key[0] == '\0' ||
		    (idlest->key[0] != '\0' && b->last < idlest->last))
			idlest = b;
	}
	*fresh = true;
	strlcpy_reg(idlest->key, key, sizeof(idlest->key));
	idlest->last = now;
	return idlest;
}

static void
refill(const struct ratelimit *rl, struct bucket *b, int64_t now)
{
	int64_t full = rl->burst * UNIT, elapsed = now - b->last;

	if (elapsed > 0 && (full - b->tokens) / rl->rate <= elapsed)
		b->tokens = full;
	else if (elapsed > 0)
		b->tokens += elapsed * rl->rate;
	b->last = now;
}

bool
ratelimit_take(struct ratelimit *rl, const struct sockaddr *sa, int64_t now)
{
	char key[IPNET_STRLEN];
	struct shard *sh;
	struct bucket *b;
	uint32_t h;
	bool fresh, ok;

	if (ipnet_prefix_key(sa, rl->v4len, rl->v6len, key, sizeof(key)) != REG_OK)
		return true;	/* not an IP socket: nothing to key on */
	h = hash(key);
	sh = &rl->shard[h % SHARDS];
	pthread_mutex_lock(&sh->lock);
	b = bucket_find(sh, key, h / SHARDS, now, &fresh);
	if (fresh)
		b->tokens = rl->burst * UNIT;
	refill(rl, b, now);
	if ((ok = b->tokens >= UNIT))
		b->tokens -= UNIT;
	pthread_mutex_unlock(&sh->lock);
	return ok;
}
