/* net.c: "host:port" addresses, listening and connected TCP sockets. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "replica.h"
#include "util.h"

#define NET_BACKLOG	16
#define NET_ADDR_MAX	256

/* Splits "host:port" or "[v6]:port" into its parts. */
static int
split(const char *addr, char *host, size_t hsize, const char **port,
    struct reg_err *err)
{
	const char *colon, *start = addr, *end;

	if (addr[0] == '[') {
		start = addr + 1;
		if ((end = strchr(start, ']')) == NULL || end[1] != ':')
			return reg_fail(err, REG_ECONFIG, "'%s' is not [address]:port", addr);
		colon = end + 1;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL)
			return reg_fail(err, REG_ECONFIG, "'%s' is not host:port", addr);
		end = colon;
	}
	if (end == start || (size_t)(end - start) >= hsize || colon[1] == '\0')
		return reg_fail(err, REG_ECONFIG, "'%s' is not host:port", addr);
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	*port = colon + 1;
	return REG_OK;
}

int
net_host(const char *addr, char *buf, size_t size, struct reg_err *err)
{
	const char *port;

	return split(addr, buf, size, &port, err);
}

static int
resolve(const char *addr, bool passive, struct addrinfo **res, struct reg_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	char host[NET_ADDR_MAX];
	const char *port;
	int rc;

	if ((rc = split(addr, host, sizeof(host), &port, err)) != REG_OK)
		return rc;
	hints.ai_flags = passive ? AI_PASSIVE | AI_NUMERICHOST : 0;
	if ((rc = getaddrinfo(host, port, &hints, res)) != 0)
		return reg_fail(err, REG_ECONFIG, "%s: %s", addr, gai_strerror(rc));
	return REG_OK;
}

static int
listen_one(const char *addr, int *fd, struct reg_err *err)
{
	struct addrinfo *res;
	int one = 1, rc;

	if ((rc = resolve(addr, true, &res, err)) != REG_OK)
		return rc;
	*fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (*fd < 0 ||
	    setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(*fd, res->ai_addr, res->ai_addrlen) != 0 || listen(*fd, NET_BACKLOG) != 0) {
		rc = reg_fail(err, REG_EIO, "listen on %s: %s", addr, strerror(errno));
		if (*fd >= 0)
			close(*fd);
	}
	freeaddrinfo(res);
	return rc;
}

int
net_listen(const char *list, int fds[NET_LISTEN_MAX], int *n, struct reg_err *err)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	int rc = REG_OK;

	*n = 0;
	for (tok = strtok_r(copy, ", ", &save); tok != NULL && rc == REG_OK;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (*n == NET_LISTEN_MAX)
			rc = reg_fail(err, REG_ECONFIG, "more than %d listen addresses", NET_LISTEN_MAX);
		else if ((rc = listen_one(tok, &fds[*n], err)) == REG_OK)
			(*n)++;
	}
	free(copy);
	if (rc == REG_OK && *n == 0)
		rc = reg_fail(err, REG_ECONFIG, "replication.listen is empty");
	for (int i = 0; rc != REG_OK && i < *n; i++)
		close(fds[i]);
	return rc;
}

void
net_timeouts(int fd, int64_t seconds)
{
	struct timeval tv = { .tv_sec = (time_t)seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
net_connect(const char *addr, int64_t timeout, int *fd, struct reg_err *err)
{
	struct addrinfo *res, *ai;
	int rc, saved = 0;

	if ((rc = resolve(addr, false, &res, err)) != REG_OK)
		return rc;
	*fd = -1;
	for (ai = res; ai != NULL && *fd < 0; ai = ai->ai_next) {
		if ((*fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0)) < 0)
			continue;
		/* Linux applies the send time limit to connect() too. */
		net_timeouts(*fd, timeout);
		if (connect(*fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			saved = errno;
			close(*fd);
			*fd = -1;
		}
	}
	freeaddrinfo(res);
	if (*fd < 0)
		return reg_fail(err, REG_EIO, "connect to %s: %s", addr,
		    strerror(saved ? saved : errno));
	return REG_OK;
}

void
net_peer_name(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%d", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%d", host, port);
	} else {
		snprintf(buf, size, "?");
	}
}
