/*
 * cache.c: per worker, the JSON of the objects many answers embed as
 * they are: a domain's registrar entity and its name servers. A registry
 * has tens of registrars, and most domains use a few hosts of their DNS
 * operator, so most domain answers would write the same text again.
 *
 * The text is good for one state of the replica only. Each new snapshot
 * of a worker brings the replica's data version (store_read_version), and
 * another one empties the cache, so an answer never mixes states. Under a
 * stream of changesets that can be at every snapshot (10 ms), and then a
 * miss costs what writing the object costs; a registry at rest keeps it.
 */
#include <stdlib.h>
#include <string.h>

#include "rdapd.h"
#include "util.h"

#define CACHE_SLOTS	8192	/* a power of two */
#define CACHE_MAX	(CACHE_SLOTS / 2)	/* objects before it starts over */

struct cache_slot {
	int64_t id;
	const char *text;	/* NULL: free */
	size_t len;
	int kind;
};

struct cache {
	struct arena *a;	/* the texts */
	int64_t version;
	int n;
	struct cache_slot slot[CACHE_SLOTS];
};

struct cache *
cache_new(void)
{
	struct cache *c = xcalloc(1, sizeof(*c));

	c->a = arena_new();
	c->version = -1;
	return c;
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	arena_free(c->a);
	free(c);
}

static void
cache_clear(struct cache *c)
{
	arena_reset(c->a);
	memset(c->slot, 0, sizeof(c->slot));
	c->n = 0;
}

void
cache_check(struct cache *c, int64_t version)
{
	if (version != c->version || version < 0)
		cache_clear(c);
	c->version = version;
}

static struct cache_slot *
slot_of(struct cache *c, enum cache_kind kind, int64_t id)
{
	uint64_t h = (((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 32) + (uint64_t)kind * 4099;
	struct cache_slot *s;

	for (;; h++) {
		s = &c->slot[h & (CACHE_SLOTS - 1)];
		if (s->text == NULL || (s->id == id && s->kind == (int)kind))
			return s;
	}
}

int
cache_element(struct rq *rq, enum cache_kind kind, int64_t id, cache_writer write,
    const void *arg)
{
	struct cache *c = rq->cache;
	struct cache_slot *s = slot_of(c, kind, id);
	struct jw *out = rq->out;
	char *text;
	int rc;

	if (s->text == NULL) {
		/* Written alone, then kept: the writers write to rq->out. */
		jw_reset(rq->scratch);
		rq->out = rq->scratch;
		jw_object(rq->out, NULL);
		rc = write(rq, arg);
		jw_end(rq->out);
		rq->out = out;
		if (rc != REG_OK)
			return rc;
		if (c->n == CACHE_MAX) {
			cache_clear(c);
			s = slot_of(c, kind, id);
		}
		text = arena_alloc(c->a, rq->scratch->n);
		memcpy(text, rq->scratch->p, rq->scratch->n);
		*s = (struct cache_slot){ .id = id, .text = text, .len = rq->scratch->n,
		    .kind = (int)kind };
		c->n++;
	}
	jw_raw(out, NULL, s->text, s->len);
	return REG_OK;
}
