/*
 * main.c: regctl's entry point, command lookup, help, and the one
 * gatekeeper that runs every subcommand (see regctl.h for the contract):
 *
 *   parse options -> load config -> check -> open store -> [begin]
 *   -> exec -> [commit | rollback] -> print
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "name.h"
#include "regctl.h"
#include "util.h"

static const struct cmd *const families[] = {
	db_cmds, registrar_cmds, domain_cmds, history_cmds, reserved_cmds, clock_cmds,
	firewall_cmds,
};

/* How many leading words of argv match the words of `name`, in order;
 * *full says whether every word of the name matched. */
static int
name_match(const char *name, int argc, char **argv, bool *full)
{
	int n = 0;
	size_t len;

	*full = false;
	while (n < argc) {
		len = strcspn(name, " ");
		if (strlen(argv[n]) != len || strncmp(argv[n], name, len) != 0)
			break;
		n++;
		name += len;
		if (*name == '\0') {
			*full = true;
			break;
		}
		name++;
	}
	return n;
}

static const struct cmd *
cmd_lookup(int argc, char **argv, int *nwords)
{
	bool full;

	for (size_t f = 0; f < nitems(families); f++)
		for (const struct cmd *c = families[f]; c->name; c++) {
			*nwords = name_match(c->name, argc, argv, &full);
			if (full)
				return c;
		}
	return NULL;
}

/* Prints the usage of every command whose name starts with the given
 * words (all of them when there are none) on out, unless out is NULL;
 * returns how many matched. */
static int
help_words(int nwords, char **words, FILE *out)
{
	bool full;
	int found = 0;

	for (size_t f = 0; f < nitems(families); f++)
		for (const struct cmd *c = families[f]; c->name; c++)
			if (name_match(c->name, nwords, words, &full) == nwords) {
				if (out != NULL)
					cmd_usage(c, out);
				found++;
			}
	return found;
}

static int
help_all(FILE *out)
{
	fputs("usage: regctl [-c CONFIG] COMMAND [ARGUMENTS]\n\ncommands:\n", out);
	for (size_t f = 0; f < nitems(families); f++)
		for (const struct cmd *c = families[f]; c->name; c++)
			fprintf(out, "  %-21s %s\n", c->name, c->summary);
	fprintf(out, "\n`regctl help COMMAND` shows the arguments of a command. Every\n"
	    "command takes -c CONFIG (default: $REGISTRY_CONF, else\n%s) and --help.\n"
	    "Exit status: 0 done, 1 failed (nothing changed), 2 wrong arguments.\n",
	    REGCTL_DEFAULT_CONF);
	return out == stdout ? REGCTL_OK : REGCTL_USAGE;
}

/* The leading words of argv (up to the first option). */
static int
leading_words(int argc, char **argv)
{
	int n = 0;

	while (n < argc && argv[n][0] != '-')
		n++;
	return n;
}

static bool
is_help(const char *arg)
{
	return strcmp(arg, "help") == 0 || strcmp(arg, "-h") == 0 ||
	    strcmp(arg, "--help") == 0;
}

/* argv names no command. `regctl help registrar`, `regctl registrar
 * help` and `regctl registrar --help` print the usage of the commands the
 * other words start (0); anything else is an unknown command (2). */
static int
no_command(int argc, char **argv)
{
	int n = leading_words(argc, argv), kept = 0;
	bool asked = n < argc && is_help(argv[n]);
	char **words = argv;

	for (int i = 0; i < n; i++)
		if (is_help(argv[i]))
			asked = true;
		else
			words[kept++] = argv[i];
	if (asked && kept == 0)
		return help_all(stdout);
	if (asked && help_words(kept, words, stdout) > 0)
		return REGCTL_OK;
	if (kept > 0 && help_words(1, words, NULL) > 0) {
		fprintf(stderr, "regctl: %s: missing or unknown subcommand\n", words[0]);
		help_words(1, words, stderr);
		return REGCTL_USAGE;
	}
	fprintf(stderr, "regctl: unknown command '%s'\n", kept ? words[0] : argv[0]);
	help_all(stderr);
	return REGCTL_USAGE;
}

/* Reports a failed command: exit status 1. */
static int
failed(struct regctl *rc)
{
	fprintf(stderr, "regctl: %s: %s\n", rc->cmd->name, reg_err_text(&rc->err));
	return REGCTL_FAIL;
}

static int
open_store(struct regctl *rc)
{
	const struct cmd *c = rc->cmd;

	if ((c->flags & CMD_CLOCK) && !rc->cfg->registry.adjustable_clock)
		return regctl_fail(rc, REG_EPOLICY, "the registry clock is fixed: "
		    "%s does not set registry.adjustable_clock = yes (test registries only)",
		    rc->cfg->path);
	if (c->flags & CMD_NOSTORE)
		return REG_OK;
	rc->st = store_open(rc->cfg->database.master,
	    c->flags & CMD_WRITE ? 0 : STORE_RDONLY, &rc->err);
	if (rc->st == NULL)
		return rc->err.code;
	store_set_roid_suffix(rc->st, rc->cfg->registry.roid_suffix);
	return REG_OK;
}

/* Runs exec in one read snapshot, or in one write transaction that
 * commits only when exec succeeds. */
static int
exec_in_transaction(struct regctl *rc, void *args)
{
	int ret;

	if (rc->st == NULL)
		return rc->cmd->exec(rc, args);
	if (!(rc->cmd->flags & CMD_WRITE)) {
		if ((ret = store_read_begin(rc->st)) != REG_OK)
			return regctl_fail(rc, ret, "cannot read the database");
		ret = rc->cmd->exec(rc, args);
		store_read_end(rc->st);
		return ret;
	}
	if ((ret = store_begin(rc->st)) != REG_OK)
		return regctl_fail(rc, ret, "cannot start a transaction (database busy?)");
	if ((ret = rc->cmd->exec(rc, args)) != REG_OK) {
		store_rollback(rc->st);
		return ret;
	}
	return store_commit(rc->st, &rc->err);
}

/* The gatekeeper: every subcommand runs through here. */
static int
run(struct regctl *rc, int argc, char **argv)
{
	void *args = arena_alloc(rc->a, rc->cmd->argsize ? rc->cmd->argsize : 1);
	int ret;

	if (argc == 1 && strcmp(argv[0], "help") == 0) {
		cmd_usage(rc->cmd, stdout);
		return REGCTL_OK;
	}
	if ((ret = args_parse(rc, rc->cmd, argc, argv, args)) != REGCTL_OK)
		return ret == REGCTL_HELP ? REGCTL_OK : ret;
	if ((rc->cfg = config_load(rc->conf_path, &rc->err)) == NULL)
		return failed(rc);
	if (rc->cmd->check != NULL && rc->cmd->check(rc, args) != REG_OK) {
		fprintf(stderr, "regctl: %s: %s\n", rc->cmd->name, reg_err_text(&rc->err));
		return REGCTL_USAGE;
	}
	if (open_store(rc) != REG_OK || exec_in_transaction(rc, args) != REG_OK)
		return failed(rc);
	if (rc->after_commit != NULL)
		fputs(rc->after_commit, stdout);
	return REGCTL_OK;
}

/* -c CONFIG, --config CONFIG or --config=CONFIG before the command
 * words; returns how many arguments they take. */
static int
global_options(int argc, char **argv, const char **conf)
{
	int i = 0;

	while (i < argc) {
		if (strncmp(argv[i], "--config=", 9) == 0) {
			*conf = argv[i++] + 9;
		} else if (i + 1 < argc && (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0)) {
			*conf = argv[i + 1];
			i += 2;
		} else {
			break;
		}
	}
	return i;
}

static const char *
default_config(void)
{
	const char *env = getenv("REGISTRY_CONF");

	return env != NULL && *env != '\0' ? env : REGCTL_DEFAULT_CONF;
}

int
main(int argc, char **argv)
{
	struct regctl rc = { .conf_path = default_config() };
	int nwords, skip, status;

	log_init("regctl", false);
	skip = 1 + global_options(argc - 1, argv + 1, &rc.conf_path);
	argc -= skip;
	argv += skip;
	if (argc == 0)
		return help_all(stderr);
	if ((rc.cmd = cmd_lookup(argc, argv, &nwords)) == NULL)
		return no_command(argc, argv);
	rc.a = arena_new();
	snprintf(rc.svtrid, sizeof(rc.svtrid), "regctl-%lld-%d",
	    (long long)time(NULL), (int)getpid());
	status = run(&rc, argc - nwords, argv + nwords);
	store_close(rc.st);
	name_policy_free(rc.names);
	config_free(rc.cfg);
	arena_free(rc.a);
	return status;
}
