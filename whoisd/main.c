/*
 * main.c: whoisd, the port-43 WHOIS server (RFC 3912) of a public host.
 *
 *	whoisd [-c CONFIG] [-n] [-v]
 *
 * Reads the configuration ([whois], database.replica and the zones),
 * formats the terms of use once, loads the name policy, binds the
 * listeners, opens the replica read-only in every worker, starts the
 * workers and then keeps the main thread for signals and a tick a
 * second: the query-log summary, and a check whether the replica file
 * was replaced (a new inode: every worker reopens it). SIGHUP makes the
 * workers reopen it too; SIGTERM and SIGINT stop the daemon.
 *
 * Replacing the replica: `replica seed` copies a snapshot over it in
 * place, which readers follow by themselves. A file put there by rename
 * must not find the old file's -wal beside it (SQLite would take that
 * WAL for the new file's): remove the -wal and -shm first.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "whoisd.h"

#define DEFAULT_CONFIG	"/etc/registry/registry.conf"
#define TERMS_MAX	(16 * 1024)	/* bytes of a terms-of-use file */
#define FD_SLACK	64		/* descriptors beside the connections */
#define PREFIX_V4	24		/* per-prefix rate limit: /24 and /56 */
#define PREFIX_V6	56

struct options {
	const char *config;
	bool check, verbose;
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: whoisd [-c CONFIG] [-n] [-v]\n"
	    "  -c, --config CONFIG  configuration file (default: $REGISTRY_CONF,\n"
	    "                       else %s)\n"
	    "  -n, --check          check the configuration, print \"configuration OK\"\n"
	    "  -v, --verbose        debug lines in the log\n"
	    "  -h, --help           this text\n"
	    "Answers WHOIS queries ([whois] listen) from the replica\n"
	    "(database.replica), read-only.\n", DEFAULT_CONFIG);
	exit(status);
}

static void
options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->config = getenv("REGISTRY_CONF") ? getenv("REGISTRY_CONF") : DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "c:nvh", longs, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'n': o->check = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
}

/* --- the terms of use --------------------------------------------------- */

static char *
terms_default(const struct reg_config *cfg)
{
	char *s;

	if (asprintf(&s,
	    "This is the WHOIS service of %s for names under .%s.\n"
	    "It answers lookups of single names, name servers and registrars,\n"
	    "for information about them only. You may not use it to collect\n"
	    "data in bulk, to send unsolicited messages or against any law.\n"
	    "Personal data is shown only where its holder has agreed to it.\n"
	    "Queries are rate-limited per address and per network.",
	    cfg->registry.name, cfg->registry.tld) < 0)
		abort();
	return s;
}

/* whois.terms, or the built-in text when it is unset. */
static int
terms_load(const struct reg_config *cfg, char **out, struct reg_err *err)
{
	const char *path = cfg->whois.terms;
	FILE *f;
	size_t n;

	if (path[0] == '\0') {
		*out = terms_default(cfg);
		return REG_OK;
	}
	if ((f = fopen(path, "r")) == NULL)
		return reg_fail(err, REG_EIO, "whois.terms: %s: %s", path, strerror(errno));
	*out = xmalloc(TERMS_MAX + 1);
	n = fread(*out, 1, TERMS_MAX + 1, f);
	fclose(f);
	if (n > TERMS_MAX) {
		free(*out);
		return reg_fail(err, REG_EINVAL, "whois.terms: %s is longer than %d bytes",
		    path, TERMS_MAX);
	}
	(*out)[n] = '\0';
	return REG_OK;
}

/* Everything -n checks: the configuration and what it names. */
static int
setup(struct whoisd *wd, struct reg_err *err)
{
	char *terms = NULL;
	int rc;

	if ((rc = listen_parse(wd->cfg->whois.listen, wd->addrs, MAX_LISTEN, &wd->naddrs,
	    err)) != REG_OK)
		return rc;
	if ((wd->policy = name_policy_new(wd->cfg, err)) == NULL)
		return err->code;
	if ((rc = terms_load(wd->cfg, &terms, err)) != REG_OK)
		return rc;
	format_terms(&wd->terms, terms);
	free(terms);
	return REG_OK;
}

/* --- running ------------------------------------------------------------ */

/* Room for max_connections descriptors, if the hard limit allows. */
static void
raise_fd_limit(const struct reg_config *cfg)
{
	rlim_t want = (rlim_t)cfg->whois.max_connections + FD_SLACK;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_warnx("open files limit %llu is below whois.max_connections + %d",
		    (unsigned long long)rl.rlim_cur, FD_SLACK);
}

/* Bumps the store generation when the replica file is a new inode. */
static void
replica_check(struct whoisd *wd, struct stat *seen)
{
	struct stat now;

	if (stat(wd->cfg->database.replica, &now) != 0)
		return;
	if (now.st_ino != seen->st_ino || now.st_dev != seen->st_dev) {
		log_info("replica %s was replaced: reopening", wd->cfg->database.replica);
		atomic_fetch_add(&wd->store_gen, 1);
	}
	*seen = now;
}

/* The main thread: signals, and a tick a second, until told to stop. */
static void
main_loop(struct whoisd *wd, const sigset_t *signals)
{
	struct timespec tick = { .tv_sec = 1 };
	struct stat seen = { 0 };
	int sig;

	stat(wd->cfg->database.replica, &seen);
	for (;;) {
		sig = sigtimedwait(signals, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reopening the replica");
			atomic_fetch_add(&wd->store_gen, 1);
		}
		if (sig < 0 && errno == EAGAIN) {
			qlog_tick(wd->qlog);
			replica_check(wd, &seen);
		}
	}
	log_info("stopping");
}

static void
run(struct whoisd *wd)
{
	struct reg_err err = { 0 };
	struct qstats *const *stats;
	sigset_t signals;

	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);	/* workers inherit it */
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(wd->cfg);
	wd->per_addr = ratelimit_new(wd->cfg->whois.rate_limit, wd->cfg->whois.rate_burst,
	    32, 128);
	wd->per_prefix = ratelimit_new(wd->cfg->whois.prefix_rate_limit,
	    wd->cfg->whois.prefix_rate_burst, PREFIX_V4, PREFIX_V6);
	if (server_init(wd, &err) != REG_OK)
		fatalx("%s", reg_err_text(&err));
	stats = server_stats(wd);
	wd->qlog = qlog_new(wd->cfg->whois.log_rate, stats, wd->nworkers);
	server_start(wd);
	log_info("ready: answering from %s", wd->cfg->database.replica);
	main_loop(wd, &signals);
	server_stop(wd);
	qlog_totals(wd->qlog);
	server_free(wd);
	qlog_free(wd->qlog);
	free((void *)stats);
	ratelimit_free(wd->per_addr);
	ratelimit_free(wd->per_prefix);
}

int
main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct whoisd wd = { .stop_fd = -1 };
	struct reg_config *cfg;
	struct reg_err err = { 0 };

	options_parse(argc, argv, &opt);
	log_init("whoisd", opt.verbose);
	store_tune_readers();
	if ((cfg = config_load(opt.config, &err)) == NULL) {
		fprintf(stderr, "whoisd: %s\n", reg_err_text(&err));
		return 1;
	}
	wd.cfg = cfg;
	if (setup(&wd, &err) != REG_OK) {
		fprintf(stderr, "whoisd: %s: %s\n", cfg->path, reg_err_text(&err));
		return 1;
	}
	if (opt.check)
		printf("configuration OK\n");
	else
		run(&wd);
	obuf_free(&wd.terms);
	name_policy_free(wd.policy);
	config_free(cfg);
	return 0;
}
