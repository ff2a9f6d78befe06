/*
 * clock.c: regctl clock show | advance DURATION | reset.
 *
 * The registry clock is the real time plus an offset kept in the
 * database, so that tests can run grace periods and expiry forward. The
 * gatekeeper refuses these commands unless the configuration says
 * registry.adjustable_clock = yes (CMD_CLOCK): production clocks are real.
 */
#include <stdio.h>

#include "regctl.h"
#include "util.h"

struct clock_args {
	int64_t step;		/* filled by check: seconds to advance */
};

static int
exec_show(struct regctl *rc, void *args)
{
	char buf[REG_TIME_LEN];

	printf("offset: %lld s\nnow:    %s\n", (long long)store_clock_offset(rc->st),
	    time_format(regctl_now(rc), buf));
	return REG_OK;
}

static int
clock_set(struct regctl *rc, int64_t offset)
{
	int64_t old = store_clock_offset(rc->st);
	char buf[REG_TIME_LEN];
	int ret;

	if ((ret = store_clock_set_offset(rc->st, offset)) != REG_OK)
		return regctl_fail(rc, ret, "cannot store the clock offset");
	rc->after_commit = arena_printf(rc->a, "offset: %lld s\nnow:    %s\n",
	    (long long)offset, time_format(regctl_now(rc), buf));
	return regctl_history(rc, "registry", NULL, "clock",
	    arena_printf(rc->a, "offset %lld -> %lld s", (long long)old, (long long)offset));
}

static int
check_advance(struct regctl *rc, void *args)
{
	struct clock_args *a = args;

	if ((a->step = duration_parse(rc->pos[0])) <= 0)
		return regctl_fail(rc, REG_EINVAL, "'%s' is not a duration such as 30d, 12h, "
		    "5m or 90s", rc->pos[0]);
	return REG_OK;
}

static int
exec_advance(struct regctl *rc, void *args)
{
	struct clock_args *a = args;
	int64_t old = store_clock_offset(rc->st);

	if (old > INT64_MAX - a->step)
		return regctl_fail(rc, REG_EINVAL, "the clock cannot go that far");
	return clock_set(rc, old + a->step);
}

static int
exec_reset(struct regctl *rc, void *args)
{
	return clock_set(rc, 0);
}

const struct cmd clock_cmds[] = {
	{ "clock show", "", "the test clock offset and the registry time",
	  CMD_CLOCK, 0, 0, NULL, 0, NULL, exec_show },
	{ "clock advance", "DURATION", "move the registry clock forward (30d, 12h, 5m, 90s)",
	  CMD_CLOCK | CMD_WRITE, 1, 1, NULL, sizeof(struct clock_args),
	  check_advance, exec_advance },
	{ "clock reset", "", "back to the real time",
	  CMD_CLOCK | CMD_WRITE, 0, 0, NULL, 0, NULL, exec_reset },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL },
};
