/*
 * tls.c: the TLS layer of RFC 5734 through OpenSSL: TLS 1.2 and 1.3 only
 * (RFC 9325), a client certificate required and verified against our
 * registrar CA, and non-blocking I/O with deadlines so that a slow or
 * silent client can hold a thread only as long as its timeout allows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "server.h"
#include "util.h"

/* TLS 1.2 suites with forward secrecy and AEAD (RFC 9325 4.2). */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL"
#define MS_PER_S 1000

struct tls {
	SSL *ssl;
	int fd;
};

double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* OpenSSL's newest error as text. */
static const char *
ssl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, size, "%s", errno ? strerror(errno) : "connection closed");
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

static int
ctx_fail(SSL_CTX *ctx, struct reg_err *err, const char *what, const char *path)
{
	char buf[256];

	reg_fail(err, REG_ECONFIG, "%s %s: %s", what, path, ssl_reason(buf, sizeof(buf)));
	SSL_CTX_free(ctx);
	return REG_ECONFIG;
}

static int
ctx_files(SSL_CTX *ctx, const struct reg_config *cfg, struct reg_err *err)
{
	STACK_OF(X509_NAME) *names;

	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->epp.cert) != 1)
		return ctx_fail(ctx, err, "epp.cert", cfg->epp.cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->epp.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return ctx_fail(ctx, err, "epp.key", cfg->epp.key);
	if (SSL_CTX_load_verify_locations(ctx, cfg->epp.ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(cfg->epp.ca)) == NULL)
		return ctx_fail(ctx, err, "epp.ca", cfg->epp.ca);
	SSL_CTX_set_client_CA_list(ctx, names);
	return REG_OK;
}

SSL_CTX *
tls_ctx_new(const struct reg_config *cfg, struct reg_err *err)
{
	SSL_CTX *ctx;

	if (!cfg->epp.cert[0] || !cfg->epp.key[0] || !cfg->epp.ca[0]) {
		reg_fail(err, REG_ECONFIG, "%s: epp.cert, epp.key and epp.ca are required",
		    cfg->path);
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		reg_fail(err, REG_ENOMEM, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	/* A frame's record in one read(), not its 5-byte header first. */
	SSL_CTX_set_read_ahead(ctx, 1);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		ctx_fail(ctx, err, "cipher list", TLS12_CIPHERS);
		return NULL;
	}
	if (ctx_files(ctx, cfg, err) != REG_OK)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return ctx;
}

/* Waits for events on fd until deadline: 0, or -1 with errno. */
static int
wait_fd(int fd, short events, double deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	double left;
	int rc;

	for (;;) {
		if ((left = deadline - mono_now()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&p, 1, (int)(left * MS_PER_S) + 1);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* After an SSL call returned rc: 1 retry (waited), 0 EOF, -1 error. */
static int
ssl_retry(struct tls *t, int rc, double deadline)
{
	switch (SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(t->fd, POLLIN, deadline) == 0 ? 1 : -1;
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(t->fd, POLLOUT, deadline) == 0 ? 1 : -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0 && errno == 0)
			return 0;
		return -1;
	default:
		return -1;
	}
}

struct tls *
tls_accept(SSL_CTX *ctx, int fd, double deadline, char *why, size_t whysz)
{
	struct tls *t = xcalloc(1, sizeof(*t));
	int rc;

	t->fd = fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    (t->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(t->ssl, fd) != 1)
		goto fail;
	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((rc = SSL_accept(t->ssl)) == 1)
			return t;
		if (ssl_retry(t, rc, deadline) != 1)
			goto fail;
	}
fail:
	if (errno == ETIMEDOUT)
		snprintf(why, whysz, "handshake timed out");
	else
		ssl_reason(why, whysz);
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	free(t);
	return NULL;
}

int
tls_read_full(struct tls *t, void *buf, size_t n, double deadline)
{
	size_t got = 0;
	int rc, r;

	while (got < n) {
		ERR_clear_error();
		errno = 0;
		if ((rc = SSL_read(t->ssl, (char *)buf + got, (int)(n - got))) > 0) {
			got += (size_t)rc;
			continue;
		}
		if ((r = ssl_retry(t, rc, deadline)) == 0)
			return got == 0 ? 0 : -1;
		if (r < 0)
			return -1;
	}
	return 1;
}

int
tls_write_all(struct tls *t, const void *buf, size_t n, double deadline)
{
	size_t done = 0;
	int rc;

	while (done < n) {
		ERR_clear_error();
		errno = 0;
		if ((rc = SSL_write(t->ssl, (const char *)buf + done, (int)(n - done))) > 0)
			done += (size_t)rc;
		else if (ssl_retry(t, rc, deadline) != 1)
			return -1;
	}
	return 0;
}

void
tls_peer_sha256(struct tls *t, char out[SHA256_HEX])
{
	X509 *x = SSL_get0_peer_certificate(t->ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	if (x != NULL && X509_digest(x, EVP_sha256(), md, &n) == 1 && n * 2 < SHA256_HEX)
		hex_encode(md, n, out);
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	ERR_clear_error();
	SSL_shutdown(t->ssl);	/* close_notify; no waiting for the peer's */
	ERR_clear_error();
	SSL_free(t->ssl);
	free(t);
}
