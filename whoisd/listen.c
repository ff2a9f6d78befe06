/*
 * listen.c: the listening sockets.
 *
 * Every worker gets its own socket on each address, all bound with
 * SO_REUSEPORT, so the kernel spreads new connections over the workers
 * and no accept lock is shared. TCP_DEFER_ACCEPT keeps a connection in
 * the kernel until its first bytes arrive: a worker usually finds the
 * query waiting when accept returns, and a client that connects and
 * says nothing costs the daemon nothing until it does.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "util.h"
#include "whoisd.h"

#define LISTEN_BACKLOG	4096
#define SEPARATORS	", \t"

/* "127.0.0.1:43" or "[::1]:43" of la into la->text. */
static void
addr_name(struct listen_addr *la)
{
	char host[INET6_ADDRSTRLEN], port[8];

	if (getnameinfo((struct sockaddr *)&la->ss, la->len, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy_reg(host, "?", sizeof(host));
	snprintf(la->text, sizeof(la->text), la->ss.ss_family == AF_INET6 ? "[%s]:%s" :
	    "%s:%s", host, port);
}

/* One numeric host and port into out. */
static int
resolve(const char *host, const char *port, struct listen_addr *out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *res;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	addr_name(out);
	return 0;
}

/* One entry: "host:port", "[v6]:port" or "*:port" (two addresses). */
static int
parse_entry(char *entry, struct listen_addr *out, int max, int *n)
{
	char *colon = strrchr(entry, ':'), *host = entry;
	size_t hl;

	if (colon == NULL || colon[1] == '\0')
		return -1;
	*colon = '\0';
	hl = strlen(host);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		host++;
	} else if (strchr(host, ':') != NULL) {
		return -1;	/* an IPv6 address needs its brackets */
	}
	if (strcmp(host, "*") == 0) {
		if (*n + 2 > max || resolve("0.0.0.0", colon + 1, &out[*n]) != 0 ||
		    resolve("::", colon + 1, &out[*n + 1]) != 0)
			return -1;
		*n += 2;
		return 0;
	}
	if (*n + 1 > max || resolve(host, colon + 1, &out[*n]) != 0)
		return -1;
	(*n)++;
	return 0;
}

int
listen_parse(const char *spec, struct listen_addr *out, int max, int *n,
    struct reg_err *err)
{
	char *copy = xstrdup(spec), *save = NULL, *tok, entry[ADDR_TEXT_MAX];
	int rc = REG_OK;

	*n = 0;
	for (tok = strtok_r(copy, SEPARATORS, &save); tok != NULL && rc == REG_OK;
	    tok = strtok_r(NULL, SEPARATORS, &save)) {
		if (strlcpy_reg(entry, tok, sizeof(entry)) >= sizeof(entry) ||
		    parse_entry(entry, out, max, n) != 0)
			rc = reg_fail(err, REG_ECONFIG, "whois.listen: '%s' is not "
			    "address:port, [address]:port or *:port (at most %d)", tok, max);
	}
	free(copy);
	if (rc == REG_OK && *n == 0)
		rc = reg_fail(err, REG_ECONFIG, "whois.listen names no address");
	return rc;
}

/* Socket options, then bind and listen; -1 with errno. */
static int
socket_setup(int fd, const struct listen_addr *la, int defer)
{
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		return -1;
	if (la->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)&la->ss, la->len) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0)
		return -1;
	return setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
}

int
listen_open(struct listen_addr *la, int defer, struct reg_err *err)
{
	int fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(la->ss);

	if (fd < 0 || socket_setup(fd, la, defer) < 0 ||
	    getsockname(fd, (struct sockaddr *)&la->ss, &len) < 0) {
		reg_fail(err, REG_EIO, "listen on %s: %s", la->text, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	la->len = len;
	addr_name(la);
	return fd;
}
