/*
 * seed.c: fetching a snapshot from the feed and installing it as the
 * replica. The image goes to "<replica>.seed" first; only a complete image
 * whose SHA-256 matches, and that store_snapshot_install accepts (schema
 * version, no private rows, integrity), replaces the replica's content,
 * in one backup step that readers see whole or not at all.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "replica.h"
#include "schema.h"
#include "util.h"

/* How long the agent waits for the IMAGE line and each read of the image:
 * the feed backs up and vacuums the whole master before it answers, which
 * takes minutes for millions of domains. */
#define SEED_WAIT	900

/* IMAGE <seq> <ts> <size> <sha256> */
struct image {
	int64_t seq, ts, size;
	char sha256[STORE_DIGEST_HEX];
};

static int
image_header(struct conn *c, struct image *im, struct reg_err *err)
{
	char line[PROTO_LINE_MAX], *w[PROTO_WORDS_MAX];
	int n, rc;

	if ((rc = proto_answer(c, "IMAGE", line, sizeof(line), w, &n, err)) != REG_OK)
		return rc;
	if (n != 5)
		return reg_fail(err, REG_ESYNTAX, "IMAGE has %d words, not 5", n);
	if ((rc = proto_number(w[1], 0, INT64_MAX, "sequence", &im->seq, err)) != REG_OK ||
	    (rc = proto_number(w[2], 0, INT64_MAX, "time", &im->ts, err)) != REG_OK ||
	    (rc = proto_number(w[3], 1, PROTO_IMAGE_MAX, "snapshot size", &im->size, err)) != REG_OK)
		return rc;
	if (!proto_is_digest(w[4]))
		return reg_fail(err, REG_ESYNTAX, "bad snapshot digest '%.70s'", w[4]);
	strlcpy_reg(im->sha256, w[4], sizeof(im->sha256));
	return REG_OK;
}

/* Copies the image's bytes from the link to fd, hashing them. */
static int
image_receive(struct conn *c, int fd, const struct image *im, char hex[STORE_DIGEST_HEX],
    struct reg_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[CONN_BUF], out[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int64_t done = 0;
	size_t want, got;
	int rc = REG_OK;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (rc == REG_OK && done < im->size) {
		want = im->size - done < (int64_t)sizeof(buf) ? (size_t)(im->size - done) : sizeof(buf);
		rc = conn_read_full(c, buf, want, &got, err);
		EVP_DigestUpdate(md, buf, got);
		done += (int64_t)got;
		if (got > 0 && write(fd, buf, got) != (ssize_t)got)
			rc = reg_fail(err, REG_EIO, "cannot write the snapshot file");
	}
	EVP_DigestFinal_ex(md, out, &mdlen);
	EVP_MD_CTX_free(md);
	hex_encode(out, mdlen, hex);
	if (done < im->size) {
		char why[REG_ERR_REASON_MAX];

		strlcpy_reg(why, reg_err_text(err), sizeof(why));
		return reg_fail(err, REG_EIO, "snapshot truncated: %lld of %lld bytes "
		    "arrived (%s)", (long long)done, (long long)im->size, why);
	}
	return rc;
}

/* The image into path; REG_OK only if all of it came and its digest holds. */
static int
image_fetch(struct conn *c, const char *path, struct image *im, struct reg_err *err)
{
	char hex[STORE_DIGEST_HEX];
	int fd, rc;

	net_timeouts(c->fd, SEED_WAIT);
	if ((rc = conn_printf(c, err, "SNAPSHOT %d\n", schema_version())) != REG_OK ||
	    (rc = conn_flush(c, err)) != REG_OK ||
	    (rc = image_header(c, im, err)) != REG_OK)
		return rc;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return reg_fail(err, REG_EIO, "cannot create %s", path);
	rc = image_receive(c, fd, im, hex, err);
	if (close(fd) != 0 && rc == REG_OK)
		rc = reg_fail(err, REG_EIO, "cannot write %s", path);
	if (rc == REG_OK && strcmp(hex, im->sha256) != 0)
		rc = reg_fail(err, REG_EINVAL, "snapshot digest mismatch: the feed sent %.12s..., "
		    "the bytes hash to %.12s...: refused", im->sha256, hex);
	return rc;
}

int
seed_fetch(struct replica *r, struct reg_replica_state *pos, struct reg_err *err)
{
	const char *replica = r->cfg->database.replica;
	struct image im;
	struct conn *c;
	char *tmp;
	int rc;

	if ((c = link_open(r, err)) == NULL)
		return err->code;
	if (asprintf(&tmp, "%s.seed", replica) < 0)
		abort();
	if ((rc = image_fetch(c, tmp, &im, err)) == REG_OK)
		rc = store_snapshot_install(tmp, replica, pos, err);
	unlink(tmp);
	free(tmp);
	conn_free(c);
	if (rc == REG_OK)
		log_info("follow: %s seeded from a snapshot at changeset %lld (%lld bytes)",
		    replica, (long long)pos->seq, (long long)im.size);
	return rc;
}

int
seed_main(struct replica *r)
{
	struct reg_replica_state pos;

	signals_init();
	if (seed_fetch(r, &pos, &r->err) != REG_OK) {
		fprintf(stderr, "replica seed: %s\n", reg_err_text(&r->err));
		return EXIT_FAIL;
	}
	printf("seeded %s at changeset %lld\n", r->cfg->database.replica, (long long)pos.seq);
	return EXIT_OK;
}
