/*
 * region.c: bump allocation in large chunks for zone data that lives
 * until the run ends, and a growth helper for plain arrays. Unlike the
 * core arena, nothing is zeroed and chunks are 4 MB, since a large zone
 * allocates a few hundred megabytes in small pieces.
 *
 * Chunks and large arrays ask for transparent huge pages (madvise): on
 * a virtual machine a page fault costs microseconds, and a 500,000-
 * delegation zone touches some 80,000 pages of 4 KB.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"
#include "zonegen.h"

#define REGION_CHUNK	(4 << 20)
#define HUGE_PAGE	(2 << 20)
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

void
hint_huge(void *p, size_t n)
{
	uintptr_t from = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t to = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (to > from)
		madvise((void *)from, to - from, MADV_HUGEPAGE);
}

static struct chunk *
chunk_add(struct region *r, size_t n)
{
	size_t size = n > REGION_CHUNK / 4 ? n : REGION_CHUNK;
	struct chunk *c;

	if (size == REGION_CHUNK) {
		if ((c = aligned_alloc(HUGE_PAGE, REGION_CHUNK)) == NULL)
			c = xmalloc(REGION_CHUNK);
		size = REGION_CHUNK - sizeof(*c);
		hint_huge(c, REGION_CHUNK);
	} else
		c = xmalloc(sizeof(*c) + size);

	c->size = size;
	c->used = 0;
	/* A large request gets a chunk of its own behind the current one,
	 * so the space left in the current chunk is not lost. */
	if (size != REGION_CHUNK - sizeof(*c) && r->head != NULL) {
		c->next = r->head->next;
		r->head->next = c;
	} else {
		c->next = r->head;
		r->head = c;
	}
	r->held += size;
	return c;
}

/* n octets aligned to align (a power of two). */
static void *
region_take(struct region *r, size_t n, size_t align)
{
	struct chunk *c = r->head;
	size_t at;
	void *p;

	if (c != NULL) {
		at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->size && c->size - at >= n) {
			p = c->data + at;
			c->used = at + n;
			return p;
		}
	}
	c = chunk_add(r, n + align);
	at = (c->used + align - 1) & ~(align - 1);
	c->used = at + n;
	return c->data + at;
}

void *
region_alloc(struct region *r, size_t n)
{
	return region_take(r, n, REGION_ALIGN);
}

void *
region_bytes(struct region *r, size_t n, size_t align)
{
	return region_take(r, n, align);
}

void *
region_memdup(struct region *r, const void *src, size_t n)
{
	void *p = region_take(r, n, 1);

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
	if (c * size >= 2 * HUGE_PAGE)
		hint_huge(*pv, c * size);
}
