/*
 * main.c: eppd, the EPP server (RFC 5730-5734).
 *
 * Reads the configuration and everything the frontend needs (schemas, TLS
 * context, name rules), binds the listeners, then forks the writer (the
 * one process with a write handle on the master database, writer.c) and
 * runs the accept loop. SIGTERM or SIGINT: stop accepting, let sessions
 * finish the command in hand, close the writer's control socket; the
 * writer finishes its batch and exits. eppd stays in the foreground (it
 * runs under systemd and logs to stderr); -d adds debug lines.
 */
#include <getopt.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "name.h"
#include "server.h"
#include "util.h"

#define DEFAULT_CONF "/etc/registry/registry.conf"
#define TLD_IN_SVTRID 16
#define STOP_POLL_US 50000

struct server srv;
volatile sig_atomic_t server_stopping;

int64_t
server_now(struct store *st)
{
	int64_t now = (int64_t)time(NULL);

	return srv.cfg->registry.adjustable_clock ? now + store_clock_offset(st) : now;
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: eppd [-dn] [-c config]\n"
	    "  -c config  configuration file (default " DEFAULT_CONF ")\n"
	    "  -n         check the configuration, print \"configuration OK\" and exit\n"
	    "  -d         debug: log debug lines too\n"
	    "  --help     this text\n");
}

static void
on_signal(int sig)
{
	server_stopping = 1;
}

/* Handlers for TERM and INT, which stay blocked except inside ppoll(). */
static void
signals_setup(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void
svtrid_prefix(void)
{
	char tld[TLD_IN_SVTRID + 1];

	strlcpy_reg(tld, srv.cfg->registry.tld, sizeof(tld));
	for (char *p = tld; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	snprintf(srv.svtrid_prefix, sizeof(srv.svtrid_prefix), "%s-%lld-%d", tld,
	    (long long)time(NULL), (int)getpid());
}

static void
load(const char *path)
{
	struct reg_err err = { 0 };
	struct reg_config *cfg;

	if ((cfg = config_load(path, &err)) == NULL)
		fatalx("%s", reg_err_text(&err));
	srv.cfg = cfg;
	if ((srv.names = name_policy_new(cfg, &err)) == NULL)
		fatalx("%s", reg_err_text(&err));
	if (xml_schema_load(cfg->epp.schema_dir, &err) != REG_OK)
		fatalx("%s", reg_err_text(&err));
	if ((srv.tls = tls_ctx_new(cfg, &err)) == NULL)
		fatalx("%s", reg_err_text(&err));
	svtrid_prefix();
}

static void
unload(void)
{
	SSL_CTX_free(srv.tls);
	xml_schema_free();
	name_policy_free((struct name_policy *)srv.names);
	config_free((struct reg_config *)srv.cfg);
	xmlCleanupParser();
}

static pid_t
writer_start(const int *fds, int nfds)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		fatal("control socketpair");
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid == 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		close(sv[0]);
		int status = writer_main(sv[1]);
		unload();
		exit(status);
	}
	close(sv[1]);
	srv.ctl_fd = sv[0];
	return pid;
}

/* Sessions finish their command in hand, then the writer its batch. */
static int
frontend_stop(pid_t writer)
{
	int status = 0;

	conntab_wake_all();
	for (int i = 0; conntab_count() > 0 && i < SHUTDOWN_GRACE * 1000000 / STOP_POLL_US; i++)
		usleep(STOP_POLL_US);
	if (conntab_count() > 0)
		log_warnx("%d sessions did not end in time", conntab_count());
	close(srv.ctl_fd);
	if (waitpid(writer, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = DEFAULT_CONF;
	bool check = false;
	int ch, fds[MAX_LISTENERS], nfds, rc;
	pid_t writer;

	while ((ch = getopt_long(argc, argv, "c:dnh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'd': srv.debug = true; break;
		case 'n': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("eppd", srv.debug);
	xmlInitParser();
	load(conf);
	if (check) {
		printf("configuration OK\n");
		unload();
		return 0;
	}
	signals_setup();
	nfds = listener_open(srv.cfg, fds, MAX_LISTENERS);
	writer = writer_start(fds, nfds);
	listener_run(fds, nfds);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	rc = server_stopping ? 0 : 1;
	log_info("stopping%s", rc ? ": the writer has gone away" : "");
	rc |= frontend_stop(writer);
	unload();
	return rc;
}
