/*
 * main.c: zonegen's entry point and its table of subcommands.
 *
 *   zonegen generate   registry database -> zone file       (generate.c)
 *   zonegen sign       zone file -> signed zone file        (run.c)
 *   zonegen switch     NSEC <-> NSEC3, one step per run     (switch.c)
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *);
	const char *summary;
} commands[] = {
	{ "generate", cmd_generate, generate_help,
	    "write the zone file from the registry database" },
	{ "sign", cmd_sign, sign_help,
	    "sign a zone file with NSEC or NSEC3, reusing fresh signatures" },
	{ "switch", cmd_switch, switch_help,
	    "move a signed zone between NSEC and NSEC3, one step per run" },
};

static int
usage(FILE *out)
{
	fprintf(out, "usage: zonegen COMMAND [OPTIONS]   (zonegen COMMAND --help)\n\n");
	for (size_t i = 0; i < nitems(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	return out == stdout ? ZG_EXIT_OK : ZG_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	log_init("zonegen", false);
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		for (size_t i = 0; argc > 2 && i < nitems(commands); i++)
			if (strcmp(argv[2], commands[i].name) == 0) {
				commands[i].help(stdout);
				return ZG_EXIT_OK;
			}
		return usage(stdout);
	}
	for (size_t i = 0; i < nitems(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "zonegen: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
