/*
 * tls.c: the TLS side of a link. Both ends present a certificate from
 * replication.cert and accept only a peer whose certificate chains to
 * replication.ca; TLS 1.2 is the oldest version spoken. The agent also
 * checks that the feed's certificate names the host or address it dialled.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "replica.h"
#include "util.h"

static int tls_fail(SSL *, struct reg_err *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails with "<what>: <reason>", the reason being the newest OpenSSL
 * error or, after a handshake, why the peer's certificate was refused. */
static int
tls_fail(SSL *ssl, struct reg_err *err, const char *fmt, ...)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	char what[REG_ERR_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	if (v != X509_V_OK)
		return reg_fail(err, REG_EAUTH, "%s: certificate not accepted: %s", what,
		    X509_verify_cert_error_string(v));
	if (why == NULL)
		why = errno ? strerror(errno) : "connection closed";
	return reg_fail(err, REG_EAUTH, "%s: %s", what, why);
}

static int
load_files(SSL_CTX *ctx, const struct reg_config *cfg, bool server, struct reg_err *err)
{
	const char *cert = cfg->replication.cert, *key = cfg->replication.key;
	const char *ca = cfg->replication.ca;
	STACK_OF(X509_NAME) *names;

	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return tls_fail(NULL, err, "replication.cert %s", cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return tls_fail(NULL, err, "replication.key %s", key);
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		return tls_fail(NULL, err, "replication.ca %s", ca);
	if (server) {
		if ((names = SSL_load_client_CA_file(ca)) == NULL)
			return tls_fail(NULL, err, "replication.ca %s", ca);
		SSL_CTX_set_client_CA_list(ctx, names);
	}
	return REG_OK;
}

SSL_CTX *
tls_context(const struct reg_config *cfg, bool server, struct reg_err *err)
{
	SSL_CTX *ctx;

	if (!*cfg->replication.cert || !*cfg->replication.key || !*cfg->replication.ca) {
		reg_fail(err, REG_ECONFIG, "%s: [replication] needs cert, key and ca: "
		    "feed and replica both authenticate with certificates", cfg->path);
		return NULL;
	}
	if ((ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method())) == NULL) {
		tls_fail(NULL, err, "TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	SSL_CTX_set_num_tickets(ctx, 0);	/* one long link: nothing to resume */
	if (load_files(ctx, cfg, server, err) != REG_OK) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int
conn_ssl(struct conn *c, SSL_CTX *ctx, struct reg_err *err)
{
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return tls_fail(NULL, err, "TLS session");
	return REG_OK;
}

int
conn_accept(struct conn *c, SSL_CTX *ctx, struct reg_err *err)
{
	int rc;

	if ((rc = conn_ssl(c, ctx, err)) != REG_OK)
		return rc;
	ERR_clear_error();
	errno = 0;
	if (SSL_accept(c->ssl) != 1)
		return tls_fail(c->ssl, err, "TLS handshake failed");
	c->live = true;
	return REG_OK;
}

/* The feed's certificate must name `host`: an address or a DNS name. */
static int
expect_name(SSL *ssl, const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	return SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
}

int
conn_connect(struct conn *c, SSL_CTX *ctx, const char *host, struct reg_err *err)
{
	int rc;

	if ((rc = conn_ssl(c, ctx, err)) != REG_OK)
		return rc;
	if (expect_name(c->ssl, host) != 1)
		return tls_fail(NULL, err, "%s: cannot set the expected name", c->peer);
	ERR_clear_error();
	errno = 0;
	if (SSL_connect(c->ssl) != 1)
		return tls_fail(c->ssl, err, "%s: TLS handshake failed", c->peer);
	c->live = true;
	return REG_OK;
}

void
conn_peer_cn(struct conn *c, char *buf, size_t size)
{
	X509 *cert = c->ssl != NULL ? SSL_get1_peer_certificate(c->ssl) : NULL;

	strlcpy_reg(buf, "?", size);
	if (cert == NULL)
		return;
	X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, (int)size);
	X509_free(cert);
}

/* Why an SSL_read or SSL_write returned n <= 0, as a reason in err. */
int
conn_io_fail(struct conn *c, int n, const char *what, struct reg_err *err)
{
	int e = SSL_get_error(c->ssl, n), saved = errno;

	c->live = false;
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && saved == 0)) {
		ERR_clear_error();
		return reg_fail(err, REG_EIO, "the link was closed");
	}
	if (saved == EAGAIN || saved == EWOULDBLOCK) {
		ERR_clear_error();
		return reg_fail(err, REG_EIO, "%s timed out", what);
	}
	if (e == SSL_ERROR_SSL)
		return tls_fail(c->ssl, err, "%s", what);
	ERR_clear_error();
	return reg_fail(err, REG_EIO, "%s failed: %s", what, strerror(saved));
}
