/*
 * cache.c: the signer's incremental state, OUTPUT.cache.
 *
 * Layout (integers big-endian):
 *
 *   "ZGCACHE1"
 *   apex: length octet, wire name
 *   denial flags (4), key count (1), per key: algorithm (1), tag (2),
 *     SHA-256 of its DNSKEY RDATA (32)
 *   entry count (8), then per signed RRset:
 *     owner (length octet, wire), type (2), SHA-256 of the RRset (32),
 *     signature count (1), per signature: length (2), RRSIG RDATA
 *   SHA-256 of everything above (32)
 *
 * The file is mapped and indexed by (owner, type) in an open-addressing
 * table whose slots hold the entry's hash beside its number, so that a
 * probe touches the mapping only for the entry it finds. Since the file is
 * in signing order, a caller walking the zone in that order is offered the
 * entry after the one it found last before any hashing: for a zone that
 * changed a little, the mapping is read nearly in sequence. Reused
 * signatures point into the mapping, so an unchanged zone copies nothing.
 * A file that is short, for another zone or fails its checksum is ignored
 * with a warning, and the signer signs afresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

#define CACHE_MAGIC	"ZGCACHE1"
#define MAGIC_LEN	8
#define WRITE_BUF	(1 << 20)

struct cache_key {
	uint8_t alg;
	uint16_t tag;
	uint8_t digest[CACHE_DIGEST_LEN];
};

struct slot {
	uint32_t hash;
	uint32_t idx;		/* entry number + 1; 0: empty */
};

struct cache {
	const uint8_t *map;
	size_t size;
	unsigned denial;
	int nkeys;
	struct cache_key keys[KEYS_MAX];
	struct slot *slot;	/* open addressing */
	size_t mask;
	uint32_t *off;		/* offset of each entry, in file order */
	size_t n;
};

/* --- reading ------------------------------------------------------------- */

/* A bounds-checked cursor over the mapping. */
struct cur {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *
take(struct cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	return p;
}

static uint64_t
take_uint(struct cur *c, int n)
{
	const uint8_t *p = take(c, (size_t)n);
	uint64_t v = 0;

	for (int i = 0; p != NULL && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t
entry_hash(const uint8_t *owner, size_t wlen, uint16_t type)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < wlen; i++)
		h = (h ^ owner[i]) * 16777619u;
	return ((h ^ type) * 16777619u) ^ (uint32_t)wlen;
}

/* Skips one entry, checking its structure; its start or NULL. */
static const uint8_t *
entry_skip(struct cur *c)
{
	const uint8_t *start = c->p;
	int nsig;

	take(c, take_uint(c, 1));
	take(c, 2 + CACHE_DIGEST_LEN);
	nsig = (int)take_uint(c, 1);
	if (nsig > CACHE_MAX_SIGS)
		c->bad = true;
	for (int i = 0; i < nsig && !c->bad; i++)
		take(c, take_uint(c, 2));
	return c->bad ? NULL : start;
}

static void
index_put(struct cache *ca, const uint8_t *e, uint32_t idx)
{
	uint16_t type = (uint16_t)(e[1 + e[0]] << 8 | e[2 + e[0]]);
	uint32_t h = entry_hash(e + 1, e[0], type);
	size_t i = h & ca->mask;

	while (ca->slot[i].idx != 0)
		i = (i + 1) & ca->mask;
	ca->slot[i] = (struct slot){ h, idx + 1 };
}

static bool
read_entries(struct cache *ca, struct cur *c)
{
	uint64_t n = take_uint(c, 8), size = 1024;

	if (c->bad || n > ca->size || ca->size > UINT32_MAX)
		return false;
	while (size < 2 * n)
		size *= 2;
	ca->slot = xcalloc(size, sizeof(*ca->slot));
	ca->mask = size - 1;
	ca->off = xmalloc((n + 1) * sizeof(*ca->off));
	for (ca->n = 0; ca->n < n; ca->n++) {
		const uint8_t *e = entry_skip(c);

		if (e == NULL)
			return false;
		ca->off[ca->n] = (uint32_t)(e - ca->map);
		index_put(ca, e, (uint32_t)ca->n);
	}
	return c->p == c->end;
}

static bool
read_header(struct cache *ca, struct cur *c, const struct dname *apex)
{
	const uint8_t *magic = take(c, MAGIC_LEN);
	uint64_t wlen;
	const uint8_t *w;

	if (magic == NULL || memcmp(magic, CACHE_MAGIC, MAGIC_LEN) != 0)
		return false;
	wlen = take_uint(c, 1);
	w = take(c, wlen);
	if (w == NULL || wlen != apex->wlen || memcmp(w, dname_wire(apex), wlen) != 0)
		return false;
	ca->denial = (unsigned)take_uint(c, 4);
	ca->nkeys = (int)take_uint(c, 1);
	if (ca->nkeys > KEYS_MAX)
		return false;
	for (int i = 0; i < ca->nkeys; i++) {
		const uint8_t *d;

		ca->keys[i].alg = (uint8_t)take_uint(c, 1);
		ca->keys[i].tag = (uint16_t)take_uint(c, 2);
		if ((d = take(c, CACHE_DIGEST_LEN)) != NULL)
			memcpy(ca->keys[i].digest, d, CACHE_DIGEST_LEN);
	}
	return !c->bad;
}

static bool
checksum_ok(const uint8_t *map, size_t size)
{
	uint8_t sum[SHA256_LEN];

	if (size < MAGIC_LEN + SHA256_LEN)
		return false;
	hash_sha256(map, size - SHA256_LEN, sum);
	return memcmp(sum, map + size - SHA256_LEN, sizeof(sum)) == 0;
}

static int
map_file(const char *path, struct cache *ca)
{
	struct stat sb;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno == ENOENT ? REG_ENOTFOUND : REG_EIO;
	if (fstat(fd, &sb) != 0 || sb.st_size == 0) {
		close(fd);
		return REG_EIO;
	}
	ca->size = (size_t)sb.st_size;
	ca->map = mmap(NULL, ca->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (ca->map == MAP_FAILED) {
		ca->map = NULL;
		return REG_EIO;
	}
	return REG_OK;
}

/* The entries of the names starting at offsets offs[0..n) (UINT64_MAX:
 * none), each name's entries one after another. */
static bool
read_some(struct cache *ca, const uint64_t *offs, size_t n)
{
	size_t cap = 2 * n + 16, size = 1024;

	ca->off = xmalloc(cap * sizeof(*ca->off));
	for (size_t i = 0; i < n; i++) {
		const uint8_t *end = ca->map + ca->size - SHA256_LEN, *first = NULL, *e;
		struct cur c = { ca->map + offs[i], end, false };

		if (offs[i] == UINT64_MAX)
			continue;
		if (offs[i] >= (uint64_t)(end - ca->map))
			return false;
		while (c.p < end && (first == NULL || (c.p[0] == first[0] &&
		    (size_t)(end - c.p) > first[0] && memcmp(c.p + 1, first + 1, first[0]) == 0))) {
			if ((e = entry_skip(&c)) == NULL)
				return false;
			first = first != NULL ? first : e;
			vec_reserve(&ca->off, &cap, ca->n + 1, sizeof(*ca->off));
			ca->off[ca->n++] = (uint32_t)(e - ca->map);
		}
	}
	while (size < 2 * ca->n)
		size *= 2;
	ca->slot = xcalloc(size, sizeof(*ca->slot));
	ca->mask = size - 1;
	for (size_t i = 0; i < ca->n; i++)
		index_put(ca, ca->map + ca->off[i], (uint32_t)i);
	return true;
}

static int
cache_load(const char *path, const struct dname *apex, const uint64_t *offs, size_t n,
    struct cache **out)
{
	struct cache *ca = xcalloc(1, sizeof(*ca));
	struct cur c;
	int rc;

	*out = NULL;
	if ((rc = map_file(path, ca)) != REG_OK) {
		if (rc != REG_ENOTFOUND)
			log_warnx("%s: cannot read the signature cache; signing afresh", path);
		cache_close(ca);
		return REG_OK;
	}
	c = (struct cur){ ca->map, ca->map + ca->size - SHA256_LEN, false };
	if ((offs == NULL && !checksum_ok(ca->map, ca->size)) || ca->size < MAGIC_LEN + SHA256_LEN ||
	    !read_header(ca, &c, apex) || ca->size > UINT32_MAX ||
	    !(offs != NULL ? read_some(ca, offs, n) : read_entries(ca, &c))) {
		log_warnx("%s: damaged or for another zone; signing afresh", path);
		cache_close(ca);
		return REG_OK;
	}
	*out = ca;
	return REG_OK;
}

int
cache_open(const char *path, const struct dname *apex, struct cache **out,
    struct reg_err *err)
{
	(void)err;
	return cache_load(path, apex, NULL, 0, out);
}

int
cache_open_names(const char *path, const struct dname *apex, const uint64_t *offs,
    size_t n, struct cache **out)
{
	return cache_load(path, apex, offs, n, out);
}

void
cache_close(struct cache *ca)
{
	if (ca == NULL)
		return;
	if (ca->map != NULL)
		munmap((void *)ca->map, ca->size);
	free(ca->slot);
	free(ca->off);
	free(ca);
}

unsigned
cache_denial(const struct cache *ca)
{
	return ca != NULL ? ca->denial : 0;
}

bool
cache_key_known(const struct cache *ca, const struct dkey *k)
{
	uint8_t d[SHA256_LEN];

	hash_sha256(k->dnskey, k->dnskey_len, d);
	for (int i = 0; i < ca->nkeys; i++)
		if (ca->keys[i].alg == k->alg->num && ca->keys[i].tag == k->tag &&
		    memcmp(ca->keys[i].digest, d, sizeof(d)) == 0)
			return true;
	return false;
}

/* Whether entry e is (owner, type); fills out if so. */
static bool
entry_match(const uint8_t *e, const struct dname *owner, uint16_t type,
    struct cache_entry *out)
{
	const uint8_t *p;

	if (e[0] != owner->wlen || memcmp(e + 1, dname_wire(owner), e[0]) != 0 ||
	    (uint16_t)(e[1 + e[0]] << 8 | e[2 + e[0]]) != type)
		return false;
	p = e + 3 + e[0];
	out->digest = p;
	p += CACHE_DIGEST_LEN;
	out->nsig = *p++;
	for (int k = 0; k < out->nsig; k++) {
		out->siglen[k] = (uint16_t)(p[0] << 8 | p[1]);
		out->sig[k] = p + 2;
		p += 2 + out->siglen[k];
	}
	return true;
}

bool
cache_find(const struct cache *ca, const struct dname *owner, uint16_t type,
    size_t *hint, struct cache_entry *out)
{
	uint32_t h;
	size_t i;

	if (*hint < ca->n && entry_match(ca->map + ca->off[*hint], owner, type, out)) {
		(*hint)++;
		return true;
	}
	h = entry_hash(dname_wire(owner), owner->wlen, type);
	for (i = h & ca->mask; ca->slot[i].idx != 0; i = (i + 1) & ca->mask) {
		uint32_t idx = ca->slot[i].idx - 1;

		if (ca->slot[i].hash == h &&
		    entry_match(ca->map + ca->off[idx], owner, type, out)) {
			*hint = (size_t)idx + 1;
			return true;
		}
	}
	return false;
}

/* --- writing ------------------------------------------------------------- */

struct cache_out {
	uint64_t at;		/* octets handed to out_bytes so far */
	FILE *f;
	off_t written_back;
	EVP_MD_CTX *md;
	uint8_t *buf;
	size_t len;
	bool error;
	const struct zone *z;
	const struct keyset *ks;
	const uint8_t *digests;
	unsigned denial;
};

static void
out_flush(struct cache_out *o)
{
	EVP_DigestUpdate(o->md, o->buf, o->len);
	if (o->len > 0 && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->error = true;
	else
		writeback_start(o->f, &o->written_back);
	o->len = 0;
}

static void
out_bytes(struct cache_out *o, const void *p, size_t n)
{
	if (o->len + n > WRITE_BUF)
		out_flush(o);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->at += n;
}

static void
out_uint(struct cache_out *o, uint64_t v, int n)
{
	uint8_t b[8];

	for (int i = n - 1; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	out_bytes(o, b, (size_t)n);
}

static void
out_header(struct cache_out *o, size_t nentries)
{
	const struct keyset *ks = o->ks;
	uint8_t d[SHA256_LEN];
	int n = 0;

	for (int i = 0; i < ks->n; i++)
		n += ks->k[i].active;
	out_bytes(o, CACHE_MAGIC, MAGIC_LEN);
	out_uint(o, o->z->apex->wlen, 1);
	out_bytes(o, dname_wire(o->z->apex), o->z->apex->wlen);
	out_uint(o, o->denial, 4);
	out_uint(o, (uint64_t)n, 1);
	for (int i = 0; i < ks->n; i++)
		if (ks->k[i].active) {
			out_uint(o, ks->k[i].alg->num, 1);
			out_uint(o, ks->k[i].tag, 2);
			hash_sha256(ks->k[i].dnskey, ks->k[i].dnskey_len, d);
			out_bytes(o, d, sizeof(d));
		}
	out_uint(o, nentries, 8);
}

static void
out_entry(struct cache_out *o, const struct sign_job *j, const uint8_t *digest)
{
	const struct rrset *s = j->set;
	int nsig = s->nsig < CACHE_MAX_SIGS ? s->nsig : CACHE_MAX_SIGS;

	out_uint(o, j->node->name->wlen, 1);
	out_bytes(o, dname_wire(j->node->name), j->node->name->wlen);
	out_uint(o, s->type, 2);
	out_bytes(o, digest, CACHE_DIGEST_LEN);
	out_uint(o, (uint64_t)nsig, 1);
	for (int k = 0; k < nsig; k++) {
		const struct sig *g = &o->z->sig[s->sig + k];

		out_uint(o, g->len, 2);
		out_bytes(o, g->rdata, g->len);
	}
}

static int
cache_write_fn(void *arg, FILE *f, struct reg_err *err)
{
	struct cache_out *o = arg;
	const struct sign_job *jobs = o->z->job;
	size_t n = o->z->njob;
	uint8_t sum[SHA256_LEN];

	o->f = f;
	out_header(o, n);
	for (size_t i = 0; i < n; i++) {
		const struct node *nd = jobs[i].node;

		if (o->z->cache_off != NULL && (i == 0 || jobs[i - 1].node != nd) &&
		    nd >= o->z->node && nd < o->z->node + o->z->nnode)
			o->z->cache_off[nd - o->z->node] = o->at;
		out_entry(o, &jobs[i], o->digests + i * CACHE_DIGEST_LEN);
	}
	out_flush(o);
	EVP_DigestFinal_ex(o->md, sum, NULL);
	if (fwrite(sum, 1, sizeof(sum), f) != sizeof(sum))
		o->error = true;
	return o->error ? reg_fail(err, REG_EIO, "cannot write the signature cache: %s",
	    strerror(errno)) : REG_OK;
}

int
cache_write(const char *path, const struct zone *z, const struct keyset *ks,
    unsigned denial, const uint8_t *digests, struct reg_err *err)
{
	struct cache_out o = { .z = z, .ks = ks, .digests = digests, .denial = denial };
	int rc;

	o.md = EVP_MD_CTX_new();
	o.buf = xmalloc(WRITE_BUF);
	EVP_DigestInit_ex(o.md, EVP_sha256(), NULL);
	rc = publish_file(path, cache_write_fn, &o, err);
	EVP_MD_CTX_free(o.md);
	free(o.buf);
	return rc;
}

unsigned
sign_last_denial(const char *out)
{
	char *path = cache_path(out);
	uint8_t head[MAGIC_LEN + 1 + DNAME_WIRE_MAX + 4];
	FILE *f = fopen(path, "r");
	size_t n = 0;
	unsigned d = 0;

	free(path);
	if (f == NULL)
		return 0;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	/* The header only: cache_open checks the whole file when it signs. */
	if (n >= MAGIC_LEN + 1 && memcmp(head, CACHE_MAGIC, MAGIC_LEN) == 0 &&
	    n >= MAGIC_LEN + 1u + head[MAGIC_LEN] + 4) {
		const uint8_t *p = head + MAGIC_LEN + 1 + head[MAGIC_LEN];

		d = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
	}
	return d;
}
