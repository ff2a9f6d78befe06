/*
 * conn.c: buffered reads and writes on a TLS link. The socket is blocking
 * with read and write time limits (net_timeouts), so every call returns
 * within replication.timeout; a failure marks the link dead.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "replica.h"
#include "util.h"

struct conn *
conn_new(int fd, const char *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	strlcpy_reg(c->peer, peer, sizeof(c->peer));
	return c;
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		if (c->live)
			SSL_shutdown(c->ssl);	/* close_notify, not waiting for the answer */
		SSL_free(c->ssl);
	}
	ERR_clear_error();
	close(c->fd);
	free(c);
}

/* Reads what the link has into the free end of rbuf. */
static int
fill(struct conn *c, struct reg_err *err)
{
	int n;

	if (!c->live)
		return reg_fail(err, REG_EIO, "the link is down");
	if (c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	ERR_clear_error();
	errno = 0;
	if ((n = SSL_read(c->ssl, c->rbuf + c->rlen, (int)(CONN_BUF - c->rlen))) <= 0)
		return conn_io_fail(c, n, "read", err);
	c->rlen += (size_t)n;
	return REG_OK;
}

int
conn_read_line(struct conn *c, char *line, size_t size, struct reg_err *err)
{
	unsigned char *nl;
	size_t n;
	int rc;

	for (;;) {
		n = c->rlen - c->rpos;
		if ((nl = memchr(c->rbuf + c->rpos, '\n', n)) != NULL)
			break;
		if (n >= size - 1)
			return reg_fail(err, REG_EINVAL, "line longer than %zu bytes", size - 1);
		if ((rc = fill(c, err)) != REG_OK)
			return rc;
	}
	n = (size_t)(nl - (c->rbuf + c->rpos));
	if (n >= size)
		return reg_fail(err, REG_EINVAL, "line longer than %zu bytes", size - 1);
	memcpy(line, c->rbuf + c->rpos, n);
	line[n] = '\0';
	c->rpos += n + 1;
	return REG_OK;
}

int
conn_read_full(struct conn *c, void *buf, size_t n, size_t *got, struct reg_err *err)
{
	size_t have;
	int rc;

	*got = 0;
	while (*got < n) {
		if (c->rpos == c->rlen && (rc = fill(c, err)) != REG_OK)
			return rc;
		have = c->rlen - c->rpos;
		if (have > n - *got)
			have = n - *got;
		memcpy((char *)buf + *got, c->rbuf + c->rpos, have);
		c->rpos += have;
		*got += have;
	}
	return REG_OK;
}

static int
write_all(struct conn *c, const void *buf, size_t n, struct reg_err *err)
{
	int w;

	while (n > 0) {
		if (!c->live)
			return reg_fail(err, REG_EIO, "the link is down");
		ERR_clear_error();
		errno = 0;
		if ((w = SSL_write(c->ssl, buf, (int)(n > INT32_MAX ? INT32_MAX : n))) <= 0)
			return conn_io_fail(c, w, "write", err);
		buf = (const char *)buf + w;
		n -= (size_t)w;
	}
	return REG_OK;
}

int
conn_flush(struct conn *c, struct reg_err *err)
{
	int rc = write_all(c, c->wbuf, c->wlen, err);

	c->wlen = 0;
	return rc;
}

int
conn_write(struct conn *c, const void *buf, size_t n, struct reg_err *err)
{
	int rc;

	if (c->wlen + n > CONN_BUF && (rc = conn_flush(c, err)) != REG_OK)
		return rc;
	if (n >= CONN_BUF)
		return write_all(c, buf, n, err);
	memcpy(c->wbuf + c->wlen, buf, n);
	c->wlen += n;
	return REG_OK;
}

int
conn_printf(struct conn *c, struct reg_err *err, const char *fmt, ...)
{
	char line[PROTO_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return reg_fail(err, REG_EINVAL, "protocol line too long");
	return conn_write(c, line, (size_t)n, err);
}

bool
conn_peer_left(struct conn *c, int ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	if (c->rpos < c->rlen || SSL_pending(c->ssl) > 0)
		return true;
	return poll(&p, 1, ms) > 0;
}
