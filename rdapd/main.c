/*
 * main.c: rdapd, the RDAP server (RFC 7480, 9082, 9083, 9537) of the
 * public hosts. It reads the replica (database.replica) read-only and
 * answers on rdap.listen in plain HTTP; HTTPS is a reverse proxy in
 * front of it (deploy/nginx-rdap.conf).
 *
 *	rdapd [-dn] [-c config]
 *
 * It stays in the foreground and logs to stderr, one line per request.
 * SIGTERM or SIGINT stops the listeners; requests in hand finish first.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rdapd.h"
#include "util.h"

#define DEFAULT_CONF "/etc/registry/registry.conf"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: rdapd [-dn] [-c config]\n"
	    "  -c config  configuration file (default " DEFAULT_CONF ")\n"
	    "  -n         check the configuration, print \"configuration OK\" and exit\n"
	    "  -d         debug: log debug lines too\n"
	    "  --help     this text\n");
}

static bool
is_http_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static char *
concat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = xmalloc(na + nb + 1);

	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

/* The daemon-wide settings the configuration implies. */
static int
setup(struct rdapd *d, const struct reg_config *cfg, struct reg_err *err)
{
	const char *base = cfg->rdap.base_url;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	if (!is_http_url(base))
		return reg_fail(err, REG_ECONFIG, "%s: rdap.base_url '%s' is not an "
		    "http(s) URL", cfg->path, base);
	d->base_url = concat(base, base[strlen(base) - 1] == '/' ? "" : "/");
	d->terms_url = cfg->rdap.terms_url[0] != '\0' ? xstrdup(cfg->rdap.terms_url) :
	    concat(d->base_url, "help");
	d->inaccuracy_url = xstrdup(cfg->rdap.inaccuracy_url[0] != '\0' ?
	    cfg->rdap.inaccuracy_url : is_http_url(cfg->registry.url) ?
	    cfg->registry.url : d->terms_url);
	if (!is_http_url(d->terms_url) || !is_http_url(d->inaccuracy_url))
		return reg_fail(err, REG_ECONFIG, "%s: rdap.terms_url and "
		    "rdap.inaccuracy_url must be http(s) URLs", cfg->path);
	if (ipnet_list_parse(cfg->rdap.proxies, &d->proxies, err) != REG_OK)
		return reg_fail(err, REG_ECONFIG, "%s: rdap.proxies: %s", cfg->path,
		    reg_err_text(err));
	snprintf(d->cache_control, sizeof(d->cache_control), "public, max-age=%lld",
	    (long long)cfg->rdap.max_age);
	d->started = (int64_t)time(NULL);
	return REG_OK;
}

static void
teardown(struct rdapd *d)
{
	free((char *)d->base_url);
	free((char *)d->terms_url);
	free((char *)d->inaccuracy_url);
	ipnet_list_free(&d->proxies);
	ratelimit_free(d->rl);
}

/* Fails start-up early, with the store's reason, if the replica cannot
 * be read; workers open their own connections later. */
static void
replica_check(const struct reg_config *cfg)
{
	struct reg_err err = { 0 };
	struct store *st = store_open(cfg->database.replica, STORE_RDONLY, &err);

	if (st == NULL)
		fatalx("%s", reg_err_text(&err));
	store_close(st);
}

/* Blocks TERM and INT in every thread; main waits for them. */
static void
signals_block(sigset_t *set)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int
run(struct rdapd *d)
{
	struct reg_err err = { 0 };
	sigset_t set;
	int sig;

	replica_check(d->cfg);
	d->rl = ratelimit_new(d->cfg->rdap.rate_limit, d->cfg->rdap.rate_burst);
	signals_block(&set);
	if (http_start(d, &err) != REG_OK) {
		log_warnx("%s", reg_err_text(&err));
		return 1;
	}
	sigwait(&set, &sig);
	log_info("signal %d: stopping", sig);
	http_stop();
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONF;
	bool check = false, debug = false;
	struct reg_err err = { 0 };
	struct reg_config *cfg;
	struct rdapd d;
	int ch, status;

	while ((ch = getopt_long(argc, argv, "c:dn", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd': debug = true; break;
		case 'n': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("rdapd", debug);
	store_tune_readers();
	if ((cfg = config_load(path, &err)) == NULL || setup(&d, cfg, &err) != REG_OK)
		fatalx("%s", reg_err_text(&err));
	if (check) {
		printf("configuration OK\n");
		status = 0;
	} else
		status = run(&d);
	teardown(&d);
	config_free(cfg);
	return status;
}
