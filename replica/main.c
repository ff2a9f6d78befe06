/*
 * main.c: the replica program's entry point: the command table, options,
 * help, the configuration, signals. See replica.h for the protocol.
 *
 *	replica feed   -c CONF	registry host: serve the changelog
 *	replica follow -c CONF	public host: keep database.replica current
 *	replica status -c CONF	applied sequence, the master's, the lag
 *	replica seed   -c CONF	fetch a fresh snapshot once
 *	replica trim   -c CONF	shorten the master's changelog
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "replica.h"
#include "util.h"

volatile sig_atomic_t replica_quit;

enum opt_bits {
	OPT_ONCE = 1 << 0,
	OPT_AGE = 1 << 1,
	OPT_SIZE = 1 << 2,
};

struct command {
	const char *name;
	const char *synopsis;	/* options beyond -c, -v and --help */
	const char *summary;
	unsigned opts;		/* OPT_* it accepts */
	int (*run)(struct replica *);
};

static const struct command commands[] = {
	{ "feed", "", "serve the changelog to replicas (registry host)", 0, feed_main },
	{ "follow", "[--once]", "keep database.replica current (public host); "
	    "--once: stop when caught up", OPT_ONCE, follow_main },
	{ "status", "", "applied sequence, the master's newest and the lag; "
	    "exit 1 if the feed cannot be asked", 0, status_main },
	{ "seed", "", "replace database.replica with a fresh snapshot", 0, seed_main },
	{ "trim", "[--age DURATION] [--size BYTES]", "drop changesets older than "
	    "DURATION (database.changelog_keep) and the oldest beyond BYTES "
	    "(replication.keep_size, 0: no cap); never the newest", OPT_AGE | OPT_SIZE, trim_main },
};

static void
on_signal(int sig)
{
	(void)sig;
	replica_quit = 1;
}

/* Without SA_RESTART, so that a blocking read returns on a signal. */
void
signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: replica COMMAND [-c CONFIG] [-v] [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < nitems(commands); i++)
		fprintf(out, "  %-7s %s\n          %s\n", commands[i].name,
		    commands[i].synopsis, commands[i].summary);
	fprintf(out, "\nCONFIG defaults to $REGISTRY_CONF, else %s.\n"
	    "Exit status: 0 done, 1 failed, 2 wrong arguments.\n", REPLICA_DEFAULT_CONF);
}

static void
command_usage(const struct command *c, FILE *out)
{
	fprintf(out, "usage: replica %s [-c CONFIG] [-v] %s\n  %s\n", c->name,
	    c->synopsis, c->summary);
}

static const struct command *
command_find(const char *name)
{
	for (size_t i = 0; i < nitems(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
option_number(const struct command *c, const char *opt, const char *arg, bool dur,
    int64_t *out)
{
	char *end;

	*out = dur ? duration_parse(arg) : strtoll(arg, &end, 10);
	if (*out < 0 || (!dur && (end == arg || *end != '\0'))) {
		fprintf(stderr, "replica %s: --%s needs %s, not '%s'\n", c->name, opt,
		    dur ? "a duration (30d, 12h, 90s)" : "a number of bytes", arg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Parses the options after the command word; -1 means help was printed. */
static int
options(const struct command *c, int argc, char **argv, struct replica *r)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "once", no_argument, NULL, 'o' },
		{ "age", required_argument, NULL, 'a' },
		{ "size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc = EXIT_OK;

	optind = 1;
	while (rc == EXIT_OK && (ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': r->conf_path = optarg; break;
		case 'v': r->verbose = true; break;
		case 'h': command_usage(c, stdout); return -1;
		case 'o': r->once = true; rc = c->opts & OPT_ONCE ? EXIT_OK : EXIT_USAGE; break;
		case 'a':
			rc = c->opts & OPT_AGE ? option_number(c, "age", optarg, true, &r->age) : EXIT_USAGE;
			break;
		case 's':
			rc = c->opts & OPT_SIZE ? option_number(c, "size", optarg, false, &r->size) : EXIT_USAGE;
			break;
		default: rc = EXIT_USAGE;
		}
	}
	if (rc == EXIT_OK && optind < argc) {
		fprintf(stderr, "replica %s: unexpected argument '%s'\n", c->name, argv[optind]);
		rc = EXIT_USAGE;
	}
	if (rc != EXIT_OK)
		command_usage(c, stderr);
	return rc;
}

static int
run(const struct command *c, int argc, char **argv)
{
	struct replica r = { .age = -1, .size = -1 };
	int rc;

	if ((rc = options(c, argc, argv, &r)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (r.conf_path == NULL && (r.conf_path = getenv("REGISTRY_CONF")) == NULL)
		r.conf_path = REPLICA_DEFAULT_CONF;
	log_init("replica", r.verbose);
	if ((r.cfg = config_load(r.conf_path, &r.err)) == NULL) {
		fprintf(stderr, "replica %s: %s\n", c->name, reg_err_text(&r.err));
		return EXIT_FAIL;
	}
	rc = c->run(&r);
	SSL_CTX_free(r.tls);
	config_free(r.cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if ((c = command_find(argv[1])) == NULL) {
		fprintf(stderr, "replica: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return run(c, argc - 1, argv + 1);
}
