/*
 * listener.c: the listening sockets and the accept loop. A source address
 * is checked against the union of all registrars' allow-lists before any
 * TLS work, so strangers cost us one accept() and a log line. The union
 * is reloaded every epp.acl_refresh seconds from a read-only handle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "util.h"

#define LISTEN_BACKLOG 128
#define ACCEPT_BURST 64		/* connections taken per wakeup and listener */

static struct ipnet_list acl;
static double acl_loaded = -1;

/* "127.0.0.1:700", "[::1]:700", "localhost:700" into host and port. */
static int
split_hostport(char *spec, char **host, char **port)
{
	char *colon;

	if (spec[0] == '[') {
		*host = spec + 1;
		if ((colon = strstr(spec, "]:")) == NULL)
			return -1;
		*colon = '\0';
		*port = colon + 2;
		return 0;
	}
	if ((colon = strrchr(spec, ':')) == NULL)
		return -1;
	*colon = '\0';
	*host = spec;
	*port = colon + 1;
	return 0;
}

static int
bind_one(const struct addrinfo *ai, const char *spec)
{
	int fd, on = 1;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol)) < 0)
		fatal("listen %s: socket", spec);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0)
		fatal("listen %s", spec);
	return fd;
}

int
listener_open(const struct reg_config *cfg, int *fds, int max)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	char *copy = xstrdup(cfg->epp.listen), *spec, *save = NULL, *host, *port;
	int n = 0, rc;

	for (spec = strtok_r(copy, ", ", &save); spec; spec = strtok_r(NULL, ", ", &save)) {
		char *orig = xstrdup(spec);

		if (split_hostport(spec, &host, &port) != 0)
			fatalx("%s: epp.listen: '%s' is not host:port", cfg->path, orig);
		if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
			fatalx("%s: epp.listen: %s: %s", cfg->path, orig, gai_strerror(rc));
		for (ai = res; ai != NULL && n < max; ai = ai->ai_next)
			fds[n++] = bind_one(ai, orig);
		freeaddrinfo(res);
		log_info("listening on %s", orig);
		free(orig);
	}
	free(copy);
	if (n == 0)
		fatalx("%s: epp.listen names no address", cfg->path);
	return n;
}

/* --- the allow-list union ---------------------------------------------------- */

static void
acl_refresh(struct store *st, struct arena *a)
{
	struct ipnet_list fresh = { 0 };
	struct ipnet net;
	char **list = NULL;

	if (store_read_begin(st) != REG_OK || store_acl_all(st, a, &list) != REG_OK) {
		store_read_end(st);
		log_warnx("cannot reload the allow-lists; keeping the old ones");
		return;
	}
	for (; *list != NULL; list++)
		if (ipnet_parse(*list, &net, NULL) == REG_OK)
			ipnet_list_add(&fresh, &net);
	store_read_end(st);
	arena_reset(a);
	if (fresh.n == 0 && (acl.n > 0 || acl_loaded < 0))
		log_warnx("no registrar has an allow-list: every connection is refused");
	ipnet_list_free(&acl);
	acl = fresh;
	acl_loaded = mono_now();
}

/* Text of a peer address; IPv4-mapped IPv6 shown as IPv4. */
static void
addr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)size);
	else if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)size);
}

/* Takes one pending connection; false when there is none. */
static bool
accept_one(int lfd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	char addr[ADDR_MAX];
	int fd;

	if ((fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC)) < 0) {
		if (errno == ECONNABORTED || errno == EINTR)
			return true;
		if (errno != EAGAIN)
			log_warn("accept");
		return false;
	}
	addr_text(&peer, addr, sizeof(addr));
	if (!ipnet_list_contains(&acl, (const struct sockaddr *)&peer)) {
		log_warnx("%s: connection refused: address not in any registrar's allow-list", addr);
		close(fd);
		return true;
	}
	session_start(fd, &peer, addr);
	return true;
}

void
listener_run(const int *fds, int nfds)
{
	struct reg_err err = { 0 };
	struct store *st = store_open(srv.cfg->database.master, STORE_RDONLY, &err);
	struct arena *a = arena_new();
	struct pollfd p[MAX_LISTENERS + 1];
	double every = (double)srv.cfg->epp.acl_refresh, left;
	sigset_t none;

	if (st == NULL)
		fatalx("%s", reg_err_text(&err));
	sigemptyset(&none);
	for (int i = 0; i < nfds && i < MAX_LISTENERS; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	p[nfds] = (struct pollfd){ .fd = srv.ctl_fd, .events = POLLIN };
	while (!server_stopping) {
		if ((left = acl_loaded + every - mono_now()) <= 0) {
			acl_refresh(st, a);
			left = every;
		}
		struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
		if (ppoll(p, (nfds_t)nfds + 1, &ts, &none) < 0)
			continue;	/* EINTR: a signal; the loop checks it */
		if (p[nfds].revents) {
			log_warnx("the writer has gone away");
			break;
		}
		for (int i = 0; i < nfds; i++)
			for (int n = 0; (p[i].revents & POLLIN) && n < ACCEPT_BURST; n++)
				if (!accept_one(fds[i]))
					break;
	}
	ipnet_list_free(&acl);
	arena_free(a);
	store_close(st);
}
