/*
 * region.c: bump allocation in large chunks for zone data that lives
 * until the run ends, and a growth helper for plain arrays. Unlike the
 * core arena, nothing is zeroed and chunks are a megabyte, since a
 * large zone allocates a few hundred megabytes in small pieces.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "zonegen.h"

#define REGION_CHUNK	(1 << 20)
#define REGION_ALIGN	8

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(REGION_ALIGN) unsigned char data[];
};

struct region {
	struct chunk *head;
	size_t held;
};

struct region *
region_new(void)
{
	return xcalloc(1, sizeof(struct region));
}

void
region_free(struct region *r)
{
	struct chunk *c, *next;

	if (r == NULL)
		return;
	for (c = r->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(r);
}

static struct chunk *
chunk_add(struct region *r, size_t n)
{
	size_t size = n > REGION_CHUNK / 4 ? n : REGION_CHUNK;
	struct chunk *c = xmalloc(sizeof(*c) + size);

	c->size = size;
	c->used = 0;
	/* A large request gets a chunk of its own behind the current one,
	 * so the space left in the current chunk is not lost. */
	if (size != REGION_CHUNK && r->head != NULL) {
		c->next = r->head->next;
		r->head->next = c;
	} else {
		c->next = r->head;
		r->head = c;
	}
	r->held += size;
	return c;
}

void *
region_alloc(struct region *r, size_t n)
{
	struct chunk *c = r->head;
	void *p;

	n = (n + REGION_ALIGN - 1) & ~(size_t)(REGION_ALIGN - 1);
	if (c == NULL || c->size - c->used < n)
		c = chunk_add(r, n);
	p = c->data + c->used;
	c->used += n;
	return p;
}

void *
region_memdup(struct region *r, const void *src, size_t n)
{
	void *p = region_alloc(r, n);

	memcpy(p, src, n);
	return p;
}

size_t
region_size(const struct region *r)
{
	return r->held;
}

void
vec_reserve(void *v, size_t *cap, size_t n, size_t size)
{
	void **pv = v;
	size_t c = *cap;

	if (n <= c)
		return;
	while (c < n)
		c = c ? 2 * c : 1024;
	*pv = xrealloc(*pv, c * size);
	*cap = c;
}
