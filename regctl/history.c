/* history.c: regctl history NAME|ROID, every change of an object, oldest
 * first, one tab-separated line each: time, actor, command, svTRID,
 * clTRID, detail. */
#include <stdio.h>
#include <string.h>

#include "regctl.h"
#include "util.h"

static const char *
or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

/* A domain or host name is looked up as its A-label; ROIDs, registrar
 * handles and anything that does not normalise are taken as given. */
static const char *
history_key(struct regctl *rc, const char *input)
{
	char *alabel;

	if (strchr(input, '.') == NULL || regctl_lookup_name(rc, input, &alabel) != REG_OK)
		return input;
	return alabel;
}

static int
exec_history(struct regctl *rc, void *args)
{
	const char *key = history_key(rc, rc->pos[0]);
	struct reg_history *v;
	char ts[REG_TIME_LEN];
	int n, ret;

	if ((ret = store_history_list(rc->st, rc->a, key, &v, &n)) != REG_OK)
		return regctl_fail(rc, ret, "cannot read the history of %s", key);
	if (n == 0)
		return regctl_fail(rc, REG_ENOTFOUND, "no history for %s", key);
	for (int i = 0; i < n; i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", time_format(v[i].ts, ts),
		    or_dash(v[i].actor), or_dash(v[i].command), or_dash(v[i].svtrid),
		    or_dash(v[i].cltrid), or_dash(v[i].detail));
	return REG_OK;
}

const struct cmd history_cmds[] = {
	{ "history", "NAME|ROID", "every change of an object, oldest first",
	  0, 1, 1, NULL, 0, NULL, exec_history },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL },
};
