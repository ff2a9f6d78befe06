/*
 * sign.c: RRSIGs for every RRset the zone signs (RFC 4034 3, RFC 4035
 * 2.2), on every core.
 *
 * The signed RRsets are listed once (sign_jobs: node order, then the
 * NSEC3 chain) and each gets its signature slots in zone->sig up front,
 * one per key that signs its type, so that threads write disjoint slots
 * and need no lock. For each RRset a thread builds its canonical wire
 * form, hashes it (the digest the cache keys on) and, per key, either
 * takes the cached signature (same digest, same key, inception passed,
 * more than `refresh` left) or makes a new one. New and cached signatures
 * have the same validity rule, so an incremental run yields a zone that a
 * full run at the same time could have made.
 *
 * Validity: inception = now - sig_inception (clock skew), expiration =
 * now + sig_validity - jitter, the jitter a hash of owner and type below
 * sig_jitter, so that expirations, and so re-signing, spread out.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

#define PREFIX_MAX	(18 + DNAME_WIRE_MAX)	/* RRSIG RDATA before the signature */
#define SIG_MAX		1024			/* RSA-8192 */
#define DIGEST_MAX	64

struct worker {
	uint8_t *buf;		/* RRSIG prefix, then the RRset's wire form */
	size_t cap;
	struct ecdsa *ec[KEYS_MAX];
	EVP_MD_CTX *md;
	size_t made, reused;
	size_t hint;		/* cache entry to try first */
};

struct signer {
	struct zone *z;
	const struct keyset *ks;
	const struct cache *cache;
	const struct sign_opts *o;
	const struct sign_job *jobs;
	uint8_t *digests;
	uint32_t inception;
	int keys_k[KEYS_MAX], nkeys_k;	/* sign DNSKEY, CDS, CDNSKEY */
	int keys_z[KEYS_MAX], nkeys_z;	/* sign the rest */
	bool cache_ok[KEYS_MAX];	/* the cache's signatures of key i count */
	struct worker w[SIGN_THREADS_MAX];
	atomic_int failed;
};

static bool
is_key_type(uint16_t type)
{
	return type == T_DNSKEY || type == T_CDS || type == T_CDNSKEY;
}

size_t
sign_jobs(const struct zone *z, struct sign_job **out)
{
	size_t n = 0, cap = z->nset + z->nnode + z->nn3 + 16;
	struct sign_job *j = xmalloc(cap * sizeof(*j));

	for (size_t i = 0; i < z->nnode; i++) {
		const struct node *nd = &z->node[i];

		for (uint16_t k = 0; k < nd->nset; k++)
			if (rrset_signed(nd, &nd->set[k])) {
				vec_reserve(&j, &cap, n + 1, sizeof(*j));
				j[n++] = (struct sign_job){ nd, &nd->set[k] };
			}
		if (nd->nsec != NULL) {
			vec_reserve(&j, &cap, n + 1, sizeof(*j));
			j[n++] = (struct sign_job){ nd, nd->nsec };
		}
	}
	for (size_t i = 0; i < z->nn3; i++) {
		vec_reserve(&j, &cap, n + 1, sizeof(*j));
		j[n++] = (struct sign_job){ &z->n3[i], z->n3[i].set };
	}
	*out = j;
	return n;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t
rrsig_prefix(const struct node *n, const struct rrset *s, const struct dname *apex,
    const struct dkey *k, uint32_t inception, uint32_t expiration, uint8_t *out)
{
	const uint8_t *w = dname_wire(n->name);
	int labels = n->name->nlabels;

	if (w[0] == 1 && w[1] == '*')
		labels--;	/* RFC 4034 3.1.3: the wildcard label does not count */
	out[0] = (uint8_t)(s->type >> 8);
	out[1] = (uint8_t)s->type;
	out[2] = k->alg->num;
	out[3] = (uint8_t)labels;
	put32(out + 4, s->ttl);
	put32(out + 8, expiration);
	put32(out + 12, inception);
	out[16] = (uint8_t)(k->tag >> 8);
	out[17] = (uint8_t)k->tag;
	memcpy(out + 18, dname_wire(apex), apex->wlen);
	return 18u + apex->wlen;
}

/* A stable spread in [0, jitter] per owner and type (FNV-1a). */
static uint32_t
jitter_of(const struct dname *owner, uint16_t type, int64_t jitter)
{
	uint32_t h = 2166136261u;

	for (uint8_t i = 0; i < owner->wlen; i++)
		h = (h ^ dname_wire(owner)[i]) * 16777619u;
	h = (h ^ type) * 16777619u;
	return jitter > 0 ? (uint32_t)(h % (uint32_t)(jitter + 1)) : 0;
}

/* Hashes msg with the algorithm's hash; returns the digest length. */
static size_t
digest(const struct dnssec_alg *a, const uint8_t *msg, size_t len, uint8_t *out)
{
	if (a->hash_nid == NID_sha384) {
		hash_sha384(msg, len, out);
		return SHA384_LEN;
	}
	hash_sha256(msg, len, out);
	return SHA256_LEN;
}

/* The largest signature a key makes. */
static size_t
sig_max(const struct dkey *k)
{
	switch (k->alg->kind) {
	case ALG_ECDSA:
		return 2 * k->alg->coord;
	case ALG_EDDSA:
		return 2 * k->alg->coord;
	case ALG_RSA:
		return (size_t)EVP_PKEY_get_size(k->pkey);
	}
	return SIG_MAX;
}

/* The signature of msg into out; its length, 0 on failure. */
static size_t
sign_bytes(struct signer *sg, struct worker *w, int key, const uint8_t *msg,
    size_t len, uint8_t *out, size_t slot)
{
	const struct dkey *k = &sg->ks->k[key];
	uint8_t dg[DIGEST_MAX];
	size_t dl, siglen = sig_max(k);
	const EVP_MD *md = NULL;

	if (k->alg->kind == ALG_ECDSA) {
		dl = digest(k->alg, msg, len, dg);
		if (ecdsa_sign(w->ec[key], dg, dl, out,
		    sg->z->kinv + slot * sg->z->kinv_len) != 0)
			return 0;
		return 2 * k->alg->coord;
	}
	if (k->alg->kind == ALG_RSA)
		md = EVP_get_digestbynid(k->alg->hash_nid);
	/* A reset first: OpenSSL 3.0 keeps the previous key of a context
	 * initialised again for EdDSA (the KSK's signature came out made by
	 * the ZSK). */
	EVP_MD_CTX_reset(w->md);
	if (EVP_DigestSignInit(w->md, NULL, md, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(w->md, out, &siglen, msg, len) != 1)
		return 0;
	return siglen;
}

/* A new signature of the RRset whose wire form is at w->buf + PREFIX_MAX. */
static bool
sign_new(struct signer *sg, struct worker *w, const struct sign_job *j, int key,
    size_t wirelen, size_t slot, int thread)
{
	const struct dkey *k = &sg->ks->k[key];
	struct zone *z = sg->z;
	uint32_t exp = (uint32_t)(sg->o->now + sg->o->validity -
	    jitter_of(j->node->name, j->set->type, sg->o->jitter));
	uint8_t *msg, *out;
	size_t plen, slen;

	msg = w->buf + PREFIX_MAX - (18u + z->apex->wlen);
	plen = rrsig_prefix(j->node, j->set, z->apex, k, sg->inception, exp, msg);
	out = region_alloc(z->sigrg[thread], plen + sig_max(k));
	memcpy(out, msg, plen);
	slen = sign_bytes(sg, w, key, msg, plen + wirelen, out + plen, slot);
	if (slen == 0)
		return false;
	z->sig[slot] = (struct sig){ .rdata = out, .len = (uint16_t)(plen + slen),
	    .key = (uint8_t)key };
	w->made++;
	return true;
}

/* The cached signature of key for this RRset, if it may stay. */
static bool
sign_reuse(struct signer *sg, const struct cache_entry *ce, int key, size_t slot)
{
	const struct dkey *k = &sg->ks->k[key];
	int64_t now = sg->o->now;

	if (!sg->cache_ok[key])
		return false;
	for (int i = 0; i < ce->nsig; i++) {
		const uint8_t *rd = ce->sig[i];

		if (ce->siglen[i] < 18 || rd[2] != k->alg->num ||
		    (uint16_t)(rd[16] << 8 | rd[17]) != k->tag)
			continue;
		if ((int64_t)get32(rd + 12) > now ||
		    (int64_t)get32(rd + 8) - now <= sg->o->refresh)
			return false;
		sg->z->sig[slot] = (struct sig){ .rdata = rd, .len = ce->siglen[i],
		    .key = (uint8_t)key, .cached = 1 };
		return true;
	}
	return false;
}

static void
sign_one(void *arg, size_t i, int thread)
{
	struct signer *sg = arg;
	struct worker *w = &sg->w[thread];
	const struct sign_job *j = &sg->jobs[i];
	const int *keys = is_key_type(j->set->type) ? sg->keys_k : sg->keys_z;
	int nkeys = is_key_type(j->set->type) ? sg->nkeys_k : sg->nkeys_z;
	struct cache_entry ce;
	bool have = false;
	size_t len = PREFIX_MAX;

	rrset_wire(j->set, j->set->ttl, &w->buf, &len, &w->cap);
	hash_sha256(w->buf + PREFIX_MAX, len - PREFIX_MAX, sg->digests + i * CACHE_DIGEST_LEN);
	if (sg->cache != NULL &&
	    cache_find(sg->cache, j->node->name, j->set->type, &w->hint, &ce))
		have = memcmp(ce.digest, sg->digests + i * CACHE_DIGEST_LEN,
		    CACHE_DIGEST_LEN) == 0;
	for (int k = 0; k < nkeys; k++) {
		size_t slot = j->set->sig + (size_t)k;

		if (have && sign_reuse(sg, &ce, keys[k], slot))
			w->reused++;
		else if (!sign_new(sg, w, j, keys[k], len - PREFIX_MAX, slot, thread))
			atomic_store(&sg->failed, 1);
	}
}

/* Slots: each job gets one signature per key that signs its type. */
static size_t
assign_slots(struct signer *sg, size_t njobs)
{
	size_t total = 0;

	for (size_t i = 0; i < njobs; i++) {
		struct rrset *s = sg->jobs[i].set;

		s->sig = (uint32_t)total;
		s->nsig = (uint16_t)(is_key_type(s->type) ? sg->nkeys_k : sg->nkeys_z);
		total += s->nsig;
	}
	return total;
}

static void
signer_keys(struct signer *sg)
{
	for (int i = 0; i < sg->ks->n; i++) {
		const struct dkey *k = &sg->ks->k[i];

		if (k->active && k->signs_keys)
			sg->keys_k[sg->nkeys_k++] = i;
		if (k->active && k->signs_zone)
			sg->keys_z[sg->nkeys_z++] = i;
		if (k->active && k->alg->kind == ALG_ECDSA && k->alg->coord > sg->z->kinv_len)
			sg->z->kinv_len = k->alg->coord;
		sg->cache_ok[i] = sg->cache != NULL && cache_key_known(sg->cache, k);
	}
}

static void
workers_init(struct signer *sg, int threads)
{
	for (int t = 0; t < threads; t++) {
		struct worker *w = &sg->w[t];

		w->cap = PREFIX_MAX + RDATA_MAX;
		w->buf = xmalloc(w->cap);
		w->md = EVP_MD_CTX_new();
		if (sg->z->sigrg[t] == NULL)
			sg->z->sigrg[t] = region_new();
		for (int i = 0; i < sg->ks->n; i++)
			if (sg->ks->k[i].active && sg->ks->k[i].alg->kind == ALG_ECDSA)
				w->ec[i] = ecdsa_new(sg->ks->k[i].pkey, sg->ks->k[i].alg->coord);
	}
}

static void
workers_done(struct signer *sg, int threads, struct sign_stats *st)
{
	for (int t = 0; t < threads; t++) {
		struct worker *w = &sg->w[t];

		st->made += w->made;
		st->reused += w->reused;
		free(w->buf);
		EVP_MD_CTX_free(w->md);
		for (int i = 0; i < KEYS_MAX; i++)
			ecdsa_free(w->ec[i]);
	}
}

int
zone_sign(struct zone *z, const struct keyset *ks, const struct cache *cache,
    const struct sign_opts *o, uint8_t **digests, struct sign_stats *st,
    struct reg_err *err)
{
	struct signer *sg = xcalloc(1, sizeof(*sg));
	size_t njobs;
	int threads = sign_threads(o->threads);

	*sg = (struct signer){ .z = z, .ks = ks, .cache = cache, .o = o,
	    .inception = (uint32_t)(o->now - o->inception) };
	atomic_init(&sg->failed, 0);
	signer_keys(sg);
	free(z->job);
	njobs = z->njob = sign_jobs(z, &z->job);
	sg->jobs = z->job;
	z->nsig = assign_slots(sg, njobs);
	z->sig = xcalloc(z->nsig + 1, sizeof(*z->sig));
	if (z->kinv_len > 0)
		z->kinv = xcalloc(z->nsig + 1, z->kinv_len);
	sg->digests = xmalloc((njobs + 1) * CACHE_DIGEST_LEN);
	workers_init(sg, threads);
	memset(st, 0, sizeof(*st));
	st->rrsets = njobs;
	parallel_for(threads, njobs, sign_one, sg);
	workers_done(sg, threads, st);
	*digests = sg->digests;
	if (atomic_load(&sg->failed)) {
		free(sg);
		return reg_fail(err, REG_EINVAL, "signing failed (OpenSSL refused a key)");
	}
	free(sg);
	return REG_OK;
}
