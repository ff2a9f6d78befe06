/*
 * arena.h: one memory arena per request.
 *
 * Everything a command or a lookup allocates comes from its arena and is
 * released at once by arena_reset() or arena_free(), so handlers never
 * free strings one by one. Allocation failure aborts: a registry daemon
 * that cannot get a few kilobytes cannot do anything useful.
 */
#ifndef REG_ARENA_H
#define REG_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *);
/* Releases everything allocated so far but keeps the first block. */
void arena_reset(struct arena *);

void *arena_alloc(struct arena *, size_t);	/* zeroed, aligned */
char *arena_strdup(struct arena *, const char *);	/* NULL stays NULL */
char *arena_strndup(struct arena *, const char *, size_t);
char *arena_printf(struct arena *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
