/* testutil.h: what every cmocka unit test includes. */
#ifndef REG_TESTUTIL_H
#define REG_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "store.h"

/* A fresh temporary directory for one test; removed by tmpdir_remove. */
static inline char *
tmpdir_new(void)
{
	char tmpl[] = "/tmp/regtest.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline void
tmpdir_remove(char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* Writes text to dir/name and returns the path (caller frees). */
static inline char *
write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

/* A store in a fresh temporary directory, with an arena for reads. */
struct store_fixture {
	char *dir;
	char *path;		/* dir/master.db */
	struct store *st;
	struct arena *a;
};

/* Creates dir/master.db with STORE_CREATE | STORE_FAST and a new arena. */
static inline void
store_fixture_setup(struct store_fixture *sf)
{
	struct reg_err err = { 0 };

	sf->dir = tmpdir_new();
	assert_true(asprintf(&sf->path, "%s/master.db", sf->dir) > 0);
	sf->st = store_open(sf->path, STORE_CREATE | STORE_FAST, &err);
	assert_non_null(sf->st);
	sf->a = arena_new();
}

/* Closes the store, frees the arena and removes the directory. */
static inline void
store_fixture_teardown(struct store_fixture *sf)
{
	store_close(sf->st);
	arena_free(sf->a);
	tmpdir_remove(sf->dir);
	free(sf->path);
}

#endif
