/*
 * main.c: the escrow command: data escrow deposits (RFC 8909, with the
 * RFC 9022 objects) and disaster restore.
 *
 *	escrow deposit -c CONFIG -o DIR [--full | --incremental] [--no-encrypt]
 *	escrow restore -c CONFIG -d NEWDB DEPOSIT...
 *	escrow verify [-c CONFIG] DEPOSIT...
 *
 * One table maps each subcommand to its option parser and runner; every
 * subcommand has --help. The exit status is 0 only when the whole job
 * succeeded, 1 when it failed, 2 for a usage error.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "escrow.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define EXIT_USAGE 2

struct command {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(const struct command *, int argc, char **argv);
};

static int
usage(const struct command *c, bool asked)
{
	fprintf(asked ? stdout : stderr, "usage: escrow %s %s\n", c->name, c->usage);
	if (asked)
		printf("\n%s", c->help);
	return asked ? EXIT_SUCCESS : EXIT_USAGE;
}

static int
finish(const char *what, int rc, const struct reg_err *err)
{
	if (rc == REG_OK)
		return EXIT_SUCCESS;
	log_warnx("%s failed: %s", what, reg_err_text(err));
	return EXIT_FAILURE;
}

/* --- deposit ------------------------------------------------------------------ */

enum { OPT_HELP = 256, OPT_FULL, OPT_INCR, OPT_NO_ENCRYPT, OPT_NO_SEND, OPT_NO_CHECK,
    OPT_GPG_HOME };

static int
run_deposit(const struct command *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "incremental", no_argument, NULL, OPT_INCR },
		{ "no-encrypt", no_argument, NULL, OPT_NO_ENCRYPT },
		{ "no-send", no_argument, NULL, OPT_NO_SEND },
		{ "no-check", no_argument, NULL, OPT_NO_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	struct deposit_opts o = { .encrypt = true, .send = true, .check = true };
	struct reg_err err = { 0 };
	bool verbose = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:o:v", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o.config = optarg; break;
		case 'o': o.outdir = optarg; break;
		case 'v': verbose = true; break;
		case OPT_FULL: o.incremental = false; break;
		case OPT_INCR: o.incremental = true; break;
		case OPT_NO_ENCRYPT: o.encrypt = false; break;
		case OPT_NO_SEND: o.send = false; break;
		case OPT_NO_CHECK: o.check = false; break;
		case OPT_HELP: return usage(c, true);
		default: return usage(c, false);
		}
	if (optind != argc || o.config == NULL || o.outdir == NULL)
		return usage(c, false);
	log_init("escrow", verbose);
	return finish("deposit", escrow_deposit(&o, &err), &err);
}

/* --- verify and restore ----------------------------------------------------------- */

static int
parse_restore(const struct command *c, int argc, char **argv, struct restore_opts *o,
    bool *verbose)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "gpg-home", required_argument, NULL, OPT_GPG_HOME },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:d:v", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'd': o->newdb = optarg; break;
		case 'v': *verbose = true; break;
		case OPT_GPG_HOME: o->gpg_home = optarg; break;
		case OPT_HELP: return usage(c, true);
		default: return usage(c, false);
		}
	o->deposits = argv + optind;
	o->ndeposits = argc - optind;
	return o->ndeposits > 0 ? -1 : usage(c, false);
}

static int
run_verify(const struct command *c, int argc, char **argv)
{
	struct restore_opts o = { 0 };
	struct reg_err err = { 0 };
	bool verbose = false;
	int rc;

	if ((rc = parse_restore(c, argc, argv, &o, &verbose)) >= 0)
		return rc;
	if (o.newdb != NULL)
		return usage(c, false);
	log_init("escrow", verbose);
	return finish("verify", escrow_verify(&o, &err), &err);
}

static int
run_restore(const struct command *c, int argc, char **argv)
{
	struct restore_opts o = { 0 };
	struct reg_err err = { 0 };
	bool verbose = false;
	int rc;

	if ((rc = parse_restore(c, argc, argv, &o, &verbose)) >= 0)
		return rc;
	if (o.config == NULL || o.newdb == NULL)
		return usage(c, false);
	log_init("escrow", verbose);
	if ((rc = escrow_restore(&o, &err)) == REG_OK)
		log_info("restored %s from %d deposit%s; registrars need new credentials "
		    "(regctl registrar update)", o.newdb, o.ndeposits, o.ndeposits > 1 ? "s" : "");
	return finish("restore", rc, &err);
}

/* --- the table ------------------------------------------------------------------------- */

static const struct command commands[] = {
	{ "deposit", "-c CONFIG -o DIR [--full | --incremental] [--no-encrypt] [--no-send]\n"
	  "       [--no-check] [-v]",
	  "Writes a deposit of the registry in [database] master (one read snapshot)\n"
	  "into DIR: NAME.ryde (encrypted to escrow.agent_key; NAME.xml with\n"
	  "--no-encrypt), NAME.sig (signed with escrow.signing_key), NAME.sha256 and\n"
	  "NAME.report, where NAME is <tld>_<date>_<full|inc>_S<sequence>_R<revision>.\n"
	  "--incremental holds what changed since the newest deposit in DIR. The XML\n"
	  "is validated against the RDE schemas as it is written (--no-check: not).\n"
	  "Then sends the files to escrow.target, checks them there and keeps the\n"
	  "newest escrow.retention deposits (--no-send: neither).\n",
	  run_deposit },
	{ "restore", "-c CONFIG -d NEWDB [--gpg-home DIR] [-v] DEPOSIT...",
	  "Builds a new master database NEWDB from a full deposit and the incremental\n"
	  "deposits after it, in order. Every deposit's digest and signature are\n"
	  "checked first and its XML against the RDE schemas as it is read; any\n"
	  "failure leaves no NEWDB. DEPOSIT is any of a deposit's files or its name.\n"
	  "Deposits carry no secrets: give registrars new passwords, certificates\n"
	  "and allow-lists with regctl registrar update afterwards.\n",
	  run_restore },
	{ "verify", "[-c CONFIG] [--gpg-home DIR] [-v] DEPOSIT...",
	  "Checks each deposit as restore would (digest, signature by escrow.signing_key,\n"
	  "schema, header counts) without writing anything, and prints a line for\n"
	  "each. Without -c, any signature gpg accepts from its keyring counts.\n",
	  run_verify },
};

static int
main_usage(FILE *f)
{
	fprintf(f, "usage:\n");
	for (size_t i = 0; i < nitems(commands); i++)
		fprintf(f, "  escrow %s %s\n", commands[i].name, commands[i].usage);
	return f == stdout ? EXIT_SUCCESS : EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	int rc;

	LIBXML_TEST_VERSION
	signal(SIGPIPE, SIG_IGN);	/* a gpg that died shows as a failed write */
	/* One connection at a time: SQLite's memory statistics, which take a
	 * global mutex on every allocation, serve nothing here. */
	store_tune_readers();
	if (argc < 2)
		return main_usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
		return main_usage(stdout);
	for (size_t i = 0; i < nitems(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			rc = commands[i].run(&commands[i], argc - 1, argv + 1);
			xmlCleanupParser();
			return rc;
		}
	fprintf(stderr, "escrow: unknown command '%s'\n", argv[1]);
	return main_usage(stderr);
}
