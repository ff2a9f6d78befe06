/* datadir.c: where an installed data file lies (see datadir.h). */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "datadir.h"

#ifndef REGISTRY_DATADIR
#define REGISTRY_DATADIR "/usr/local/share/registry"
#endif
#define SOURCE_TREE_DEPTH 4	/* bin/ or build/x/bin/ below the checkout */

/* dir/rel into out when it fits and is readable. */
static bool
readable(const char *dir, const char *rel, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", dir, rel);

	return n >= 0 && (size_t)n < size && access(out, R_OK) == 0;
}

/* dir/data/relpath for the executable's folder and its parents. */
static bool
in_source_tree(const char *relpath, char *out, size_t size)
{
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (int up = 0; up < SOURCE_TREE_DEPTH; up++) {
		if ((slash = strrchr(exe, '/')) == NULL)
			return false;
		*slash = '\0';
		if (snprintf(dir, sizeof(dir), "%s/data", exe) < (int)sizeof(dir) &&
		    readable(dir, relpath, out, size))
			return true;
	}
	return false;
}

int
datadir_find(const char *configured_dir, const char *relpath, char *out,
    size_t size, struct reg_err *err)
{
	const char *slash = strrchr(relpath, '/');
	const char *file = slash ? slash + 1 : relpath;

	if (configured_dir != NULL && configured_dir[0] != '\0') {
		if (!readable(configured_dir, file, out, size))
			return reg_fail(err, REG_ECONFIG, "%s: cannot read", out);
		return REG_OK;
	}
	if (readable(REGISTRY_DATADIR, relpath, out, size) ||
	    in_source_tree(relpath, out, size))
		return REG_OK;
	return reg_fail(err, REG_ECONFIG, "cannot find %s (looked in "
	    REGISTRY_DATADIR "/%.*s and the source tree)", file,
	    (int)(file - relpath - (slash != NULL)), relpath);
}
