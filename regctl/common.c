/* common.c: helpers the regctl family files share: the registry clock,
 * history entries, name normalisation, numbers and error text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "name.h"
#include "regctl.h"
#include "util.h"

int64_t
regctl_now(struct regctl *rc)
{
	int64_t now = (int64_t)time(NULL);

	if (rc->cfg != NULL && rc->cfg->registry.adjustable_clock && rc->st != NULL)
		now += store_clock_offset(rc->st);
	return now;
}

int
regctl_history(struct regctl *rc, const char *kind, const char *roid,
    const char *name, const char *detail)
{
	struct reg_history h = {
		.ts = regctl_now(rc),
		.actor = REGCTL_ACTOR,
		.kind = (char *)kind,
		.roid = (char *)roid,
		.name = (char *)name,
		.command = arena_printf(rc->a, "regctl %s", rc->cmd->name),
		.svtrid = rc->svtrid,
		.detail = (char *)detail,
	};
	int ret;

	if ((ret = store_history_add(rc->st, &h)) != REG_OK)
		return regctl_fail(rc, ret, "cannot write the history of %s", name);
	return REG_OK;
}

int
regctl_lookup_name(struct regctl *rc, const char *input, char **alabel)
{
	char buf[NAME_TEXT_MAX + 1];
	int ret;

	if ((ret = name_lookup_normalize(input, buf, sizeof(buf), &rc->err)) != REG_OK)
		return ret;
	*alabel = arena_strdup(rc->a, buf);
	return REG_OK;
}

bool
regctl_int(const char *s, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = (int64_t)n;
	return true;
}

void
detail_add(struct regctl *rc, char **detail, const char *fmt, ...)
{
	char part[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	*detail = *detail == NULL ? arena_strdup(rc->a, part) :
	    arena_printf(rc->a, "%s, %s", *detail, part);
}

int
regctl_fail(struct regctl *rc, int code, const char *fmt, ...)
{
	va_list ap;

	rc->err.code = code;
	va_start(ap, fmt);
	vsnprintf(rc->err.reason, sizeof(rc->err.reason), fmt, ap);
	va_end(ap);
	return code;
}
