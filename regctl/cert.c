/*
 * cert.c: client certificate fingerprints for the registrar allow-list.
 *
 * eppd accepts a registrar's TLS client certificate when the SHA-256 of
 * its DER encoding is on the registrar's list, stored as 64 lower-case
 * hex digits. Operators paste fingerprints in either that form or the
 * "AB:CD:..." form `openssl x509 -fingerprint -sha256` prints.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "regctl.h"
#include "util.h"

#define CERT_FP_BYTES (CERT_FP_LEN / 2)
#define CERT_FP_COLON_LEN (CERT_FP_BYTES * 3 - 1)	/* "AB:" per byte */

int
cert_fp_normalize(const char *text, char *out, struct reg_err *err)
{
	size_t len = strlen(text), n = 0;
	bool colons = len == CERT_FP_COLON_LEN;

	if (len != CERT_FP_LEN && !colons)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (colons && i % 3 == 2) {
			if (text[i] != ':')
				goto bad;
			continue;
		}
		if (!isxdigit((unsigned char)text[i]))
			goto bad;
		out[n++] = (char)tolower((unsigned char)text[i]);
	}
	out[n] = '\0';
	return REG_OK;
bad:
	return reg_fail(err, REG_ESYNTAX,
	    "'%s' is not a SHA-256 fingerprint (64 hex digits, colons allowed between pairs)",
	    text);
}

int
cert_fp_file(const char *path, char *out, struct reg_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	X509 *x;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		return reg_fail(err, REG_ESYNTAX, "%s: no PEM certificate in the file", path);
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != CERT_FP_BYTES) {
		X509_free(x);
		return reg_fail(err, REG_EINVAL, "%s: cannot compute the SHA-256 digest", path);
	}
	X509_free(x);
	hex_encode(md, mdlen, out);
	return REG_OK;
}

int
cert_fp_any(const char *text, char *out, struct reg_err *err)
{
	FILE *f;

	if (cert_fp_normalize(text, out, NULL) == REG_OK)
		return REG_OK;
	if ((f = fopen(text, "r")) == NULL)
		return reg_fail(err, REG_ESYNTAX,
		    "'%s' is neither a SHA-256 fingerprint nor a readable PEM file", text);
	fclose(f);
	return cert_fp_file(text, out, err);
}
