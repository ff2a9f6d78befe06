/* db.c: regctl init (create or migrate the master database) and
 * regctl check-config. */
#include <stdio.h>
#include <unistd.h>

#include "regctl.h"
#include "schema.h"

struct db_args {
	bool dump;
};

/* store_open with STORE_CREATE creates the file when it is missing and
 * runs every migration it has not seen, so init is safe to repeat. */
static int
exec_init(struct regctl *rc, void *args)
{
	const char *path = rc->cfg->database.master;
	bool existed = access(path, F_OK) == 0;

	if ((rc->st = store_open(path, STORE_CREATE, &rc->err)) == NULL)
		return rc->err.code;
	printf("%s: schema version %d%s\n", path, store_schema_version(rc->st),
	    existed ? "" : " (created)");
	return REG_OK;
}

/* The gatekeeper has loaded the file by now: a bad one never gets here. */
static int
exec_check_config(struct regctl *rc, void *args)
{
	struct db_args *a = args;

	if (a->dump)
		config_dump(rc->cfg, stdout);
	else
		puts("configuration OK");
	return REG_OK;
}

static const struct optdef check_config_opts[] = {
	{ "dump", OPT_FLAG, offsetof(struct db_args, dump) },
	{ NULL, 0, 0 },
};

const struct cmd db_cmds[] = {
	{ "init", "", "create the master database or migrate it",
	  CMD_NOSTORE, 0, 0, NULL, 0, NULL, exec_init },
	{ "check-config", "[--dump]",
	  "print \"configuration OK\" or the first error",
	  CMD_NOSTORE, 0, 0, check_config_opts, sizeof(struct db_args), NULL,
	  exec_check_config },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL },
};
