/*
 * crypto.c: OpenPGP through the gpg command (gnupg), and SHA-256 digests
 * through OpenSSL.
 *
 * Keys come from [escrow]: agent_key is the escrow agent's public key and
 * signing_key the registry's key, each a key file that is imported into
 * gpg_home on first use and then named by its fingerprint, never by a user
 * id that another key could share. Encryption trusts the agent's key
 * because the configuration names it (--trust-model always); a signature
 * counts only when gpg reports it valid (VALIDSIG) and made by the
 * configured key.
 *
 * gpg compresses before it encrypts, as RFC 8909's deposits suggest, at
 * escrow.compress_level (zlib's level 1 by default: a deposit's XML
 * shrinks eleven times at level 6 and eight times at level 1, for half
 * the CPU, and gpg shares a core with the schema check); the XML streams
 * into gpg through a pipe, so the plain deposit never touches the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "escrow.h"
#include "util.h"

#define GPG "gpg"
#define GPG_ARGS_MAX 24
#define DEFAULT_COMPRESS 1
#define CAPTURE_MAX 8192	/* gpg's status or colon output that we read */
#define READ_CHUNK (1 << 20)
#define STATUS_VALIDSIG "[GNUPG:] VALIDSIG "

/* A gpg command line: the common options, then the operation's. */
struct gpg_argv {
	char *v[GPG_ARGS_MAX + 1];
	int n;
};

static void
arg(struct gpg_argv *a, const char *s)
{
	if (a->n < GPG_ARGS_MAX)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void
gpg_base(const struct escrow_gpg *g, struct gpg_argv *a)
{
	a->n = 0;
	arg(a, GPG);
	arg(a, "--batch");
	arg(a, "--no-tty");
	arg(a, "--quiet");
	arg(a, "--yes");
	if (g->home != NULL) {
		arg(a, "--homedir");
		arg(a, g->home);
	}
}

/* The first fingerprint (the primary key's) in gpg's colon listing. */
static int
first_fpr(const char *listing, char fpr[ESCROW_FPR_MAX])
{
	const char *p = strstr(listing, "\nfpr:");

	if (p == NULL && strncmp(listing, "fpr:", 4) == 0)
		p = listing - 1;
	if (p == NULL)
		return REG_ENOTFOUND;
	p += strlen("\nfpr:::::::::");
	strlcpy_reg(fpr, p, ESCROW_FPR_MAX);
	fpr[strcspn(fpr, ":\n")] = '\0';
	return fpr[0] != '\0' ? REG_OK : REG_ENOTFOUND;
}

/* Imports a key file into the home and reads its fingerprint. */
static int
key_load(struct escrow_gpg *g, const char *file, char fpr[ESCROW_FPR_MAX],
    struct reg_err *err)
{
	struct gpg_argv a;
	struct reg_err e = { 0 };
	char *out;
	int rc;

	if (access(file, R_OK) != 0)
		return reg_fail(err, REG_ECONFIG, "key file %s: %s", file, strerror(errno));
	gpg_base(g, &a);
	arg(&a, "--import");
	arg(&a, file);
	if ((rc = proc_capture(a.v, g->errfile, NULL, 0, &e)) != REG_OK)
		return reg_fail(err, rc, "cannot import %s: %s", file, reg_err_text(&e));
	gpg_base(g, &a);
	arg(&a, "--with-colons");
	arg(&a, "--import-options");
	arg(&a, "show-only");
	arg(&a, "--import");
	arg(&a, file);
	out = xmalloc(CAPTURE_MAX);
	rc = proc_capture(a.v, g->errfile, out, CAPTURE_MAX, err);
	if (rc == REG_OK && first_fpr(out, fpr) != REG_OK)
		rc = reg_fail(err, REG_ECONFIG, "%s holds no OpenPGP key", file);
	free(out);
	return rc;
}

int
crypto_init(struct escrow_gpg *g, const struct reg_config *cfg, const char *home,
    struct reg_err *err)
{
	int fd, rc = REG_OK;

	memset(g, 0, sizeof(*g));
	strlcpy_reg(g->errfile, "/tmp/escrow-gpg.XXXXXX", sizeof(g->errfile));
	if ((fd = mkstemp(g->errfile)) < 0)
		return reg_fail(err, REG_EIO, "cannot make a temporary file: %s", strerror(errno));
	close(fd);
	snprintf(g->compress, sizeof(g->compress), "%d", cfg != NULL ?
	    (int)cfg->escrow.compress_level : DEFAULT_COMPRESS);
	if (home != NULL)
		g->home = home;
	else if (cfg != NULL && cfg->escrow.gpg_home[0] != '\0')
		g->home = cfg->escrow.gpg_home;
	if (cfg == NULL)
		return REG_OK;
	if (cfg->escrow.agent_key[0] != '\0')
		rc = key_load(g, cfg->escrow.agent_key, g->recipient, err);
	if (rc == REG_OK && cfg->escrow.signing_key[0] != '\0')
		rc = key_load(g, cfg->escrow.signing_key, g->signer, err);
	return rc;
}

void
crypto_cleanup(struct escrow_gpg *g)
{
	if (g->errfile[0] != '\0')
		unlink(g->errfile);
	g->errfile[0] = '\0';
}

/* Starts gpg with one end of a new pipe as its stdin (to_gpg) or stdout;
 * the other end goes to *fd. */
static int
gpg_piped(struct escrow_gpg *g, struct gpg_argv *a, bool to_gpg, struct escrow_child *c,
    int *fd, struct reg_err *err)
{
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC) < 0)
		return reg_fail(err, REG_EIO, "pipe: %s", strerror(errno));
	rc = proc_start(a->v, to_gpg ? p[0] : -1, to_gpg ? -1 : p[1], g->errfile, c, err);
	close(to_gpg ? p[0] : p[1]);
	*fd = to_gpg ? p[1] : p[0];
	if (rc != REG_OK)
		close(*fd);
	return rc;
}

int
crypto_encrypt_start(struct escrow_gpg *g, const char *out_path, struct escrow_child *c,
    int *fd, struct reg_err *err)
{
	struct gpg_argv a;

	if (g->recipient[0] == '\0')
		return reg_fail(err, REG_ECONFIG, "escrow.agent_key is not set: nothing to "
		    "encrypt to (or use --no-encrypt)");
	gpg_base(g, &a);
	arg(&a, "--compress-level");
	arg(&a, g->compress);
	arg(&a, "--trust-model");
	arg(&a, "always");
	arg(&a, "--recipient");
	arg(&a, g->recipient);
	arg(&a, "--output");
	arg(&a, out_path);
	arg(&a, "--encrypt");
	c->what = "gpg --encrypt";
	return gpg_piped(g, &a, true, c, fd, err);
}

int
crypto_decrypt_start(struct escrow_gpg *g, const char *in_path, struct escrow_child *c,
    int *fd, struct reg_err *err)
{
	struct gpg_argv a;

	gpg_base(g, &a);
	arg(&a, "--output");
	arg(&a, "-");
	arg(&a, "--decrypt");
	arg(&a, in_path);
	return gpg_piped(g, &a, false, c, fd, err);
}

int
crypto_sign(struct escrow_gpg *g, const char *file, const char *sig_path, struct reg_err *err)
{
	struct gpg_argv a;

	if (g->signer[0] == '\0')
		return reg_fail(err, REG_ECONFIG, "escrow.signing_key is not set: cannot sign");
	gpg_base(g, &a);
	arg(&a, "--local-user");
	arg(&a, g->signer);
	arg(&a, "--output");
	arg(&a, sig_path);
	arg(&a, "--detach-sign");
	arg(&a, file);
	return proc_capture(a.v, g->errfile, NULL, 0, err);
}

/* Whether a VALIDSIG line names fpr, as the signing key or its primary. */
static bool
validsig_by(const char *status, const char *fpr, char found[ESCROW_FPR_MAX])
{
	const char *p = strstr(status, STATUS_VALIDSIG), *end, *primary;

	if (p == NULL)
		return false;
	p += strlen(STATUS_VALIDSIG);
	end = p + strcspn(p, "\n");
	strlcpy_reg(found, p, ESCROW_FPR_MAX);
	found[strcspn(found, " \n")] = '\0';
	if (fpr[0] == '\0' || strcmp(found, fpr) == 0)
		return true;
	primary = end;
	while (primary > p && primary[-1] != ' ')
		primary--;
	return (size_t)(end - primary) == strlen(fpr) && strncmp(primary, fpr, strlen(fpr)) == 0;
}

int
crypto_verify(struct escrow_gpg *g, const char *file, const char *sig_path,
    char fpr[ESCROW_FPR_MAX], struct reg_err *err)
{
	struct gpg_argv a;
	struct reg_err e = { 0 };
	char *status = xmalloc(CAPTURE_MAX);
	int rc;

	gpg_base(g, &a);
	arg(&a, "--status-fd");
	arg(&a, "1");
	arg(&a, "--verify");
	arg(&a, sig_path);
	arg(&a, file);
	fpr[0] = '\0';
	rc = proc_capture(a.v, g->errfile, status, CAPTURE_MAX, &e);
	if (rc != REG_OK)
		rc = reg_fail(err, REG_EAUTH, "%s: no good signature: %s", sig_path,
		    reg_err_text(&e));
	else if (!validsig_by(status, g->signer, fpr))
		rc = reg_fail(err, REG_EAUTH, "%s: signed by %s, not by the registry's key %s",
		    sig_path, fpr[0] ? fpr : "an unknown key", g->signer);
	free(status);
	return rc;
}

int
crypto_sha256_file(const char *path, char hex[ESCROW_SHA256_HEX], struct reg_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = xmalloc(READ_CHUNK);
	ssize_t n;
	int fd, rc = REG_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	else if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		rc = reg_fail(err, REG_ENOMEM, "cannot start SHA-256");
	while (rc == REG_OK && (n = read(fd, buf, READ_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
		else
			EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	if (rc == REG_OK && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1)
		hex_encode(md, mdlen, hex);
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}
