/*
 * verify.c: the verification gate. Nothing is published unless every
 * signature checks out and the denial chains are complete (see
 * zone_verify in zonegen.h for what is checked and how).
 *
 * The keys are taken from the zone's own DNSKEY RRset, as a validator
 * would; a signature must name one of them by algorithm and tag, and a
 * signature made in this run must name the DNSKEY of the key that made
 * it. The NSEC3 chain is checked against a set of hashes computed here
 * from every covered name and all its ancestors (not the walk nsec3.c
 * uses), so a missed empty non-terminal shows.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "util.h"
#include "zonegen.h"

#define PREFIX_MAX	(18 + DNAME_WIRE_MAX)
#define DIGEST_MAX	64
#define ZKEYS_MAX	32
#define DER_MAX		160

/* A key of the zone's DNSKEY RRset. */
struct zkey {
	uint8_t alg;
	uint16_t tag, flags;
	const uint8_t *rd;
	uint16_t len;
	EVP_PKEY *pub;
	int own;		/* index in the key set, -1 if not ours */
};

struct gate_thread {
	uint8_t *buf;
	size_t cap;
	EVP_MD_CTX *md;
	struct ecdsa *ec[KEYS_MAX];
	size_t bad;		/* first failing job, or SIZE_MAX */
	char why[REG_ERR_REASON_MAX];
};

struct gate {
	const struct zone *z;
	const struct keyset *ks;
	const uint8_t *digests;
	const struct verify_opts *o;
	const struct sign_job *jobs;
	struct zkey zk[ZKEYS_MAX];
	int nzk;
	uint8_t algs[ZKEYS_MAX];	/* algorithms of the DNSKEY RRset */
	int nalgs;
	struct gate_thread t[SIGN_THREADS_MAX];
};

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* --- keys ---------------------------------------------------------------- */

static void
zkey_add(struct gate *g, const struct rr *rr)
{
	struct zkey *k = &g->zk[g->nzk++];
	bool seen = false;

	*k = (struct zkey){ .alg = rr->rdata[3], .tag = key_tag(rr->rdata, rr->rdlen),
	    .flags = (uint16_t)(rr->rdata[0] << 8 | rr->rdata[1]), .rd = rr->rdata,
	    .len = rr->rdlen, .own = -1 };
	k->pub = dnskey_to_pkey(rr->rdata, rr->rdlen);
	for (int i = 0; i < g->ks->n; i++)
		if (g->ks->k[i].dnskey_len == rr->rdlen &&
		    memcmp(g->ks->k[i].dnskey, rr->rdata, rr->rdlen) == 0)
			k->own = i;
	for (int i = 0; i < g->nalgs; i++)
		seen |= g->algs[i] == k->alg;
	if (!seen && dnssec_alg_find(k->alg) != NULL)
		g->algs[g->nalgs++] = k->alg;
}

static int
gate_keys(struct gate *g, struct reg_err *err)
{
	const struct rrset *s = node_find(&g->z->node[0], T_DNSKEY);

	if (s == NULL)
		return reg_fail(err, REG_EINVAL, "gate: no DNSKEY RRset at the apex");
	if (s->n > ZKEYS_MAX)
		return reg_fail(err, REG_EINVAL, "gate: more than %d DNSKEYs", ZKEYS_MAX);
	for (uint16_t i = 0; i < s->n; i++)
		zkey_add(g, &s->rr[i]);
	return REG_OK;
}

static void
gate_keys_free(struct gate *g)
{
	for (int i = 0; i < g->nzk; i++)
		EVP_PKEY_free(g->zk[i].pub);
}

/* --- one RRset ----------------------------------------------------------- */

static bool
bad(struct gate_thread *t, size_t job, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
bad(struct gate_thread *t, size_t job, const char *fmt, ...)
{
	va_list ap;

	if (job < t->bad) {
		t->bad = job;
		va_start(ap, fmt);
		vsnprintf(t->why, sizeof(t->why), fmt, ap);
		va_end(ap);
	}
	return false;
}

static const struct zkey *
zkey_find(const struct gate *g, uint8_t alg, uint16_t tag, int own)
{
	for (int i = 0; i < g->nzk; i++)
		if (g->zk[i].alg == alg && g->zk[i].tag == tag &&
		    (own < 0 || g->zk[i].own == own))
			return &g->zk[i];
	return NULL;
}

/* The fields of an RRSIG against its RRset (RFC 4035 5.3.1). */
static const char *
rrsig_fields(const struct gate *g, const struct sign_job *j, const uint8_t *rd, size_t len)
{
	const struct dname *apex = g->z->apex;
	int labels = j->node->name->nlabels;
	const uint8_t *w = dname_wire(j->node->name);

	if (w[0] == 1 && w[1] == '*')
		labels--;
	if (len < 18u + apex->wlen)
		return "RRSIG too short";
	if ((uint16_t)(rd[0] << 8 | rd[1]) != j->set->type)
		return "RRSIG covers another type";
	if (rd[3] != labels)
		return "RRSIG labels field is wrong";
	if (get32(rd + 4) != j->set->ttl)
		return "RRSIG original TTL differs from the RRset's";
	if ((int64_t)get32(rd + 12) > g->o->now)
		return "RRSIG inception is in the future";
	if ((int64_t)get32(rd + 8) <= g->o->now)
		return "RRSIG has expired";
	if (memcmp(rd + 18, dname_wire(apex), apex->wlen) != 0)
		return "RRSIG signer is not the zone apex";
	return NULL;
}

/* r || s to DER for OpenSSL's verifier. */
static size_t
ecdsa_der(const uint8_t *sig, size_t len, uint8_t *der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	uint8_t *p = der;
	int n = 0;

	if (es != NULL && ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)len / 2, NULL),
	    BN_bin2bn(sig + len / 2, (int)len / 2, NULL)) == 1)
		n = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	return n > 0 ? (size_t)n : 0;
}

static bool
verify_public(struct gate_thread *t, const struct zkey *k, const uint8_t *msg,
    size_t mlen, const uint8_t *sig, size_t slen)
{
	const struct dnssec_alg *a = dnssec_alg_find(k->alg);
	const EVP_MD *md = a->kind == ALG_EDDSA ? NULL : EVP_get_digestbynid(a->hash_nid);
	uint8_t der[DER_MAX];

	if (k->pub == NULL)
		return false;
	if (a->kind == ALG_ECDSA) {
		if (slen != 2 * a->coord || (slen = ecdsa_der(sig, slen, der)) == 0)
			return false;
		sig = der;
	}
	EVP_MD_CTX_reset(t->md);	/* see sign_bytes() in sign.c */
	return EVP_DigestVerifyInit(t->md, NULL, md, NULL, k->pub) == 1 &&
	    EVP_DigestVerify(t->md, sig, slen, msg, mlen) == 1;
}

/* The cryptographic check of one signature (see zone_verify). */
static bool
sig_crypto(struct gate *g, struct gate_thread *t, const struct zkey *k, size_t slot,
    const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
	const struct sig *s = &g->z->sig[slot];
	const struct dnssec_alg *a = dnssec_alg_find(k->alg);
	uint8_t dg[DIGEST_MAX];
	size_t dl = SHA256_LEN;

	if (g->o->full || (s->cached && g->o->cached_public))
		return verify_public(t, k, msg, mlen, sig, slen);
	if (s->cached)
		return true;	/* check_job compared the RRset's digest */
	if (a->kind != ALG_ECDSA)
		return verify_public(t, k, msg, mlen, sig, slen);
	if (slen != 2 * a->coord || t->ec[s->key] == NULL)
		return false;
	if (a->hash_nid == NID_sha384) {
		hash_sha384(msg, mlen, dg);
		dl = SHA384_LEN;
	} else
		hash_sha256(msg, mlen, dg);
	return ecdsa_check(t->ec[s->key], dg, dl, sig, g->z->kinv + slot * g->z->kinv_len);
}

/* Checks one signature; the key that made it, or NULL (bad recorded). */
static const struct zkey *
sig_check(struct gate *g, struct gate_thread *t, size_t i, size_t slot, size_t wirelen)
{
	const struct sign_job *j = &g->jobs[i];
	const struct sig *s = &g->z->sig[slot];
	const char *why = rrsig_fields(g, j, s->rdata, s->len);
	size_t plen = 18u + g->z->apex->wlen;
	uint16_t tag;
	const struct zkey *k;
	uint8_t *msg;

	if (why != NULL)
		return bad(t, i, "%s", why), NULL;
	tag = (uint16_t)(s->rdata[16] << 8 | s->rdata[17]);
	if ((k = zkey_find(g, s->rdata[2], tag, s->cached ? -1 : s->key)) == NULL)
		return bad(t, i, "RRSIG by key %u, which is not in the DNSKEY RRset", tag), NULL;
	msg = t->buf + PREFIX_MAX - plen;
	memcpy(msg, s->rdata, plen);
	if (!sig_crypto(g, t, k, slot, msg, plen + wirelen, s->rdata + plen, s->len - plen))
		return bad(t, i, "signature by key %u does not verify", tag), NULL;
	return k;
}

static bool
alg_has_sep(const struct gate *g, uint8_t alg)
{
	for (int i = 0; i < g->nzk; i++)
		if (g->zk[i].alg == alg && (g->zk[i].flags & KEY_FLAG_SEP))
			return true;
	return false;
}

/* Every algorithm of the DNSKEY RRset signs every RRset (RFC 4035 2.2),
 * and a SEP key of it, if it has one, the DNSKEY RRset. */
static void
check_job(void *arg, size_t i, int thread)
{
	struct gate *g = arg;
	struct gate_thread *t = &g->t[thread];
	const struct sign_job *j = &g->jobs[i];
	bool alg_ok[ZKEYS_MAX] = { false }, sep_ok[ZKEYS_MAX] = { false };
	size_t len = PREFIX_MAX;
	uint8_t dg[SHA256_LEN];

	rrset_wire(j->set, j->set->ttl, &t->buf, &len, &t->cap);
	hash_sha256(t->buf + PREFIX_MAX, len - PREFIX_MAX, dg);
	if (memcmp(dg, g->digests + i * CACHE_DIGEST_LEN, sizeof(dg)) != 0) {
		bad(t, i, "the RRset changed after signing");
		return;
	}
	for (uint16_t s = 0; s < j->set->nsig; s++) {
		const struct zkey *k = sig_check(g, t, i, j->set->sig + s, len - PREFIX_MAX);

		for (int a = 0; k != NULL && a < g->nalgs; a++)
			if (g->algs[a] == k->alg) {
				alg_ok[a] = true;
				sep_ok[a] |= (bool)(k->flags & KEY_FLAG_SEP);
			}
	}
	for (int a = 0; a < g->nalgs; a++) {
		if (!alg_ok[a])
			bad(t, i, "no valid signature of algorithm %u (RFC 4035 2.2)", g->algs[a]);
		else if (j->set->type == T_DNSKEY && !sep_ok[a] && alg_has_sep(g, g->algs[a]))
			bad(t, i, "DNSKEY RRset not signed by a SEP key of algorithm %u",
			    g->algs[a]);
	}
}

/* --- denial chains ------------------------------------------------------- */

static int
chain_fail(struct reg_err *err, const struct dname *name, const char *what)
{
	char text[DNAME_TEXT_MAX];

	dname_format(dname_wire(name), text);
	return reg_fail(err, REG_EINVAL, "gate: %s: %s", text, what);
}

/* The bitmap a node's NSEC or NSEC3 must carry. */
static size_t
expected_bitmap(const struct node *n, bool nsec, bool rrsig, uint8_t *out)
{
	uint16_t types[TYPES_MAX + 2];
	int nt = node_bitmap_types(n, types);

	if (rrsig)
		nt = types_insert(types, nt, T_RRSIG);
	if (nsec)
		nt = types_insert(types, nt, T_NSEC);
	return typemap_encode(types, nt, out);
}

static int
check_nsec_node(const struct zone *z, const struct node *n, const struct dname *next,
    struct reg_err *err)
{
	uint8_t map[34 * 256];
	const struct rr *rr;
	size_t mlen;

	if (n->nsec == NULL || n->nsec->n != 1)
		return chain_fail(err, n->name, "no NSEC (the NSEC chain is broken)");
	rr = &n->nsec->rr[0];
	if (rr->rdlen < next->wlen || memcmp(rr->rdata, dname_wire(next), next->wlen) != 0)
		return chain_fail(err, n->name, "NSEC does not name the next name");
	mlen = expected_bitmap(n, true, true, map);
	if (rr->rdlen != next->wlen + mlen || memcmp(rr->rdata + next->wlen, map, mlen) != 0)
		return chain_fail(err, n->name, "NSEC type bitmap does not match the name's types");
	if (n->nsec->ttl != zone_negative_ttl(z))
		return chain_fail(err, n->name, "NSEC TTL is not the negative TTL (RFC 9077)");
	return REG_OK;
}

/* With next (a part of a zone, patch.c): each name's NSEC against the
 * next name the caller found in the whole zone. */
static int
check_nsec(const struct zone *z, unsigned denial, const struct dname *const *next,
    struct reg_err *err)
{
	const struct node *prev = NULL;
	int rc;

	for (size_t i = 0; i < z->nnode; i++) {
		const struct node *n = &z->node[i];

		if (!(denial & DENIAL_NSEC) || n->kind == NODE_GLUE) {
			if (n->nsec != NULL)
				return chain_fail(err, n->name, "NSEC where none belongs");
			continue;
		}
		if (next != NULL) {
			if ((rc = check_nsec_node(z, n, next[i], err)) != REG_OK)
				return rc;
			continue;
		}
		if (prev != NULL && (rc = check_nsec_node(z, prev, n->name, err)) != REG_OK)
			return rc;
		prev = n;
	}
	return prev == NULL ? REG_OK : check_nsec_node(z, prev, z->apex, err);
}

/* The hashes NSEC3 must cover: every covered name and every ancestor of
 * one below the apex (an empty non-terminal or a covered name itself). */
struct expect {
	uint8_t hash[NSEC3_HASH_LEN];
	const struct node *node;	/* NULL for an empty non-terminal */
};

static int
expect_cmp(const void *a, const void *b)
{
	const struct expect *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, NSEC3_HASH_LEN);

	/* A name and an ancestor entry of it: keep the node's. */
	return c != 0 ? c : (x->node == NULL) - (y->node == NULL);
}

static size_t
expect_build(const struct zone *z, unsigned denial, struct expect **out)
{
	size_t n = 0, cap = 0, u = 0;
	struct expect *e = NULL;

	for (size_t i = 0; i < z->nnode; i++) {
		const struct node *nd = &z->node[i];
		const uint8_t *w = dname_wire(nd->name);

		if (!nsec3_covers(nd, denial))
			continue;
		for (int up = 0; up <= nd->name->nlabels - z->apex->nlabels; up++) {
			vec_reserve(&e, &cap, n + 1, sizeof(*e));
			nsec3_hash(w, (size_t)wire_name_len(w, DNAME_WIRE_MAX), e[n].hash);
			e[n++].node = up == 0 ? nd : NULL;
			w = wire_parent(w);
		}
	}
	qsort(e, n, sizeof(*e), expect_cmp);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || memcmp(e[u - 1].hash, e[i].hash, NSEC3_HASH_LEN) != 0)
			e[u++] = e[i];
	*out = e;
	return u;
}

static int
check_nsec3_rr(const struct zone *z, const struct node *n3, const struct expect *e,
    const uint8_t *next, unsigned denial, struct reg_err *err)
{
	const struct rr *rr = &n3->set[0].rr[0];
	uint8_t hash[NSEC3_HASH_LEN], map[34 * 256];
	size_t mlen = 0;
	bool rrsig;

	if (b32hex_decode((const char *)dname_wire(n3->name) + 1, dname_wire(n3->name)[0],
	    hash, sizeof(hash)) != NSEC3_HASH_LEN || memcmp(hash, e->hash, sizeof(hash)) != 0)
		return chain_fail(err, n3->name, "NSEC3 owner is not the hash of a name in the zone");
	if (rr->rdlen < 6 + NSEC3_HASH_LEN || rr->rdata[0] != NSEC3_HASH_SHA1 ||
	    rr->rdata[1] != (denial & DENIAL_OPTOUT ? NSEC3_FLAG_OPTOUT : 0) ||
	    rr->rdata[2] != 0 || rr->rdata[3] != 0 || rr->rdata[4] != 0 ||
	    rr->rdata[5] != NSEC3_HASH_LEN)
		return chain_fail(err, n3->name, "NSEC3 parameters are not those of the chain");
	if (memcmp(rr->rdata + 6, next, NSEC3_HASH_LEN) != 0)
		return chain_fail(err, n3->name, "NSEC3 does not name the next hash");
	if (e->node != NULL) {
		rrsig = node_has_signed(e->node) || e->node->nsec != NULL;
		mlen = expected_bitmap(e->node, e->node->nsec != NULL, rrsig, map);
	}
	if (rr->rdlen != 6 + NSEC3_HASH_LEN + mlen ||
	    memcmp(rr->rdata + 6 + NSEC3_HASH_LEN, map, mlen) != 0)
		return chain_fail(err, n3->name, "NSEC3 type bitmap does not match the name's types");
	if (n3->set[0].ttl != zone_negative_ttl(z))
		return chain_fail(err, n3->name, "NSEC3 TTL is not the negative TTL (RFC 9077)");
	return REG_OK;
}

static int
check_param(const struct zone *z, unsigned denial, struct reg_err *err)
{
	const struct rrset *p = node_find(&z->node[0], T_NSEC3PARAM);
	static const uint8_t want[] = { NSEC3_HASH_SHA1, 0, 0, 0, 0 };

	if (!(denial & DENIAL_PARAM))
		return p == NULL ? REG_OK : chain_fail(err, z->apex, "NSEC3PARAM where none belongs");
	if (p == NULL || p->n != 1 || p->rr[0].rdlen != sizeof(want) ||
	    memcmp(p->rr[0].rdata, want, sizeof(want)) != 0)
		return chain_fail(err, z->apex, "NSEC3PARAM missing or not 1 0 0 -");
	return REG_OK;
}

static int
check_nsec3(const struct zone *z, unsigned denial, struct reg_err *err)
{
	struct expect *e;
	size_t n;
	int rc = REG_OK;

	if ((rc = check_param(z, denial, err)) != REG_OK)
		return rc;
	if (!(denial & DENIAL_NSEC3))
		return z->nn3 == 0 ? REG_OK : chain_fail(err, z->apex, "NSEC3 where none belongs");
	n = expect_build(z, denial, &e);
	if (n != z->nn3)
		rc = reg_fail(err, REG_EINVAL, "gate: the NSEC3 chain has %zu records, the zone "
		    "needs %zu", z->nn3, n);
	for (size_t i = 0; rc == REG_OK && i < n; i++)
		rc = check_nsec3_rr(z, &z->n3[i], &e[i], e[(i + 1) % n].hash, denial, err);
	free(e);
	return rc;
}

/* --- the gate ------------------------------------------------------------ */

static void
threads_init(struct gate *g, int threads)
{
	for (int i = 0; i < threads; i++) {
		struct gate_thread *t = &g->t[i];

		t->cap = PREFIX_MAX + RDATA_MAX;
		t->buf = xmalloc(t->cap);
		t->md = EVP_MD_CTX_new();
		t->bad = SIZE_MAX;
		for (int k = 0; k < g->ks->n && !g->o->full; k++)
			if (g->ks->k[k].active && g->ks->k[k].alg->kind == ALG_ECDSA)
				t->ec[k] = ecdsa_new(g->ks->k[k].pkey, g->ks->k[k].alg->coord);
	}
}

/* Frees the threads' state; the first failure (lowest job) into err. */
static int
threads_done(struct gate *g, int threads, struct reg_err *err)
{
	struct gate_thread *worst = NULL;
	int rc = REG_OK;

	for (int i = 0; i < threads; i++) {
		struct gate_thread *t = &g->t[i];

		if (t->bad != SIZE_MAX && (worst == NULL || t->bad < worst->bad))
			worst = t;
	}
	if (worst != NULL) {
		const struct sign_job *j = &g->jobs[worst->bad];
		char name[DNAME_TEXT_MAX], buf[16];

		dname_format(dname_wire(j->node->name), name);
		rc = reg_fail(err, REG_EINVAL, "gate: %s %s: %s", name,
		    rrtype_name(j->set->type, buf), worst->why);
	}
	for (int i = 0; i < threads; i++) {
		free(g->t[i].buf);
		EVP_MD_CTX_free(g->t[i].md);
		for (int k = 0; k < KEYS_MAX; k++)
			ecdsa_free(g->t[i].ec[k]);
	}
	return rc;
}

int
zone_verify(const struct zone *z, const struct keyset *ks, const uint8_t *digests,
    const struct verify_opts *o, struct reg_err *err)
{
	struct gate *g = xcalloc(1, sizeof(*g));
	int threads = sign_threads(o->threads), rc;

	*g = (struct gate){ .z = z, .ks = ks, .digests = digests, .o = o };
	if ((rc = gate_keys(g, err)) == REG_OK) {
		g->jobs = z->job;
		threads_init(g, threads);
		parallel_for(threads, z->njob, check_job, g);
		rc = threads_done(g, threads, err);
	}
	if (rc == REG_OK)
		rc = check_nsec(z, o->denial, o->nsec_next, err);
	if (rc == REG_OK)
		rc = check_nsec3(z, o->denial, err);
	gate_keys_free(g);
	free(g);
	return rc;
}
