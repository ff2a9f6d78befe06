/*
 * keys.c: DNSSEC keys from BIND-style key files, as dnssec-keygen and
 * ldns-keygen write them:
 *
 *   K<zone>.+<alg>+<tag>.key      the DNSKEY record
 *   K<zone>.+<alg>+<tag>.private  "Private-key-format: v1.x", the
 *                                 algorithm, the key material and (BIND)
 *                                 the timing: Publish, Activate, Inactive,
 *                                 Delete as YYYYMMDDHHMMSS
 *
 * A key is checked end to end before it may sign: the algorithm is one
 * we sign with (RFC 8624), the tag computed from the DNSKEY RDATA is the
 * one in the file name, and the public key derived from the private key
 * is the published one. Which key signs what follows the flags: per
 * algorithm, SEP keys (flags 257) sign the DNSKEY, CDS and CDNSKEY RRsets
 * and zone keys (256) the rest; an algorithm with only one kind (a
 * combined signing key) signs everything with it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

#define KEY_LINE_MAX	4096
#define KEY_SECRET_MAX	1024	/* decoded octets of one private field */
#define DNSKEY_PROTOCOL	3
#define KEY_TTL_UNSET	0xffffffffu	/* reader default: the file had none */
#define RSA_FIELDS	8

static const struct dnssec_alg algs[] = {
	{ 8, "RSASHA256", ALG_RSA, 0, NID_sha256, 0 },
	{ 10, "RSASHA512", ALG_RSA, 0, NID_sha512, 0 },
	{ 13, "ECDSAP256SHA256", ALG_ECDSA, NID_X9_62_prime256v1, NID_sha256, 32 },
	{ 14, "ECDSAP384SHA384", ALG_ECDSA, NID_secp384r1, NID_sha384, 48 },
	{ 15, "ED25519", ALG_EDDSA, EVP_PKEY_ED25519, 0, 32 },
	{ 16, "ED448", ALG_EDDSA, EVP_PKEY_ED448, 0, 57 },
};

/* The BIND names of the RSA fields, in OpenSSL's parameter order. */
static const struct {
	const char *bind, *ossl;
} rsa_fields[RSA_FIELDS] = {
	{ "Modulus", OSSL_PKEY_PARAM_RSA_N },
	{ "PublicExponent", OSSL_PKEY_PARAM_RSA_E },
	{ "PrivateExponent", OSSL_PKEY_PARAM_RSA_D },
	{ "Prime1", OSSL_PKEY_PARAM_RSA_FACTOR1 },
	{ "Prime2", OSSL_PKEY_PARAM_RSA_FACTOR2 },
	{ "Exponent1", OSSL_PKEY_PARAM_RSA_EXPONENT1 },
	{ "Exponent2", OSSL_PKEY_PARAM_RSA_EXPONENT2 },
	{ "Coefficient", OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
};

const struct dnssec_alg *
dnssec_alg_find(int num)
{
	for (size_t i = 0; i < nitems(algs); i++)
		if (algs[i].num == num)
			return &algs[i];
	return NULL;
}

uint16_t
key_tag(const uint8_t *rd, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++)
		ac += i & 1 ? rd[i] : (uint32_t)rd[i] << 8;
	ac += ac >> 16 & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

/* --- public keys from DNSKEY RDATA --------------------------------------- */

/* The public key octets of DNSKEY RDATA (after flags, protocol, alg). */
static const uint8_t *
dnskey_pub(const uint8_t *rd, size_t len, size_t *n)
{
	*n = len > 4 ? len - 4 : 0;
	return rd + 4;
}

/* RFC 3110 2: exponent length (1 octet, or 0 and 2 octets), exponent,
 * modulus. */
static bool
rsa_split(const uint8_t *p, size_t n, const uint8_t **e, size_t *elen,
    const uint8_t **mod, size_t *mlen)
{
	size_t hdr = 1;

	if (n < 3)
		return false;
	*elen = p[0];
	if (*elen == 0) {
		*elen = (size_t)p[1] << 8 | p[2];
		hdr = 3;
	}
	if (*elen == 0 || hdr + *elen >= n)
		return false;
	*e = p + hdr;
	*mod = p + hdr + *elen;
	*mlen = n - hdr - *elen;
	return true;
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, int selection)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (params != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pkey, selection, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *
ec_public(const struct dnssec_alg *a, const uint8_t *p, size_t n)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t point[1 + 2 * 66];
	EVP_PKEY *pkey = NULL;

	if (n == 2 * a->coord) {
		point[0] = POINT_CONVERSION_UNCOMPRESSED;
		memcpy(point + 1, p, n);
		OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
		    OBJ_nid2sn(a->curve_nid), 0);
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, n + 1);
		pkey = pkey_fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY);
	}
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *
rsa_public(const uint8_t *p, size_t n)
{
	const uint8_t *e, *mod;
	size_t elen, mlen;
	OSSL_PARAM_BLD *bld;
	BIGNUM *bn_e, *bn_n;
	EVP_PKEY *pkey;

	if (!rsa_split(p, n, &e, &elen, &mod, &mlen))
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	bn_e = BN_bin2bn(e, (int)elen, NULL);
	bn_n = BN_bin2bn(mod, (int)mlen, NULL);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
	pkey = pkey_fromdata("RSA", bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_e);
	BN_free(bn_n);
	return pkey;
}

void *
dnskey_to_pkey(const uint8_t *rd, size_t len)
{
	const struct dnssec_alg *a;
	const uint8_t *p;
	size_t n;

	if (len < 4 || (a = dnssec_alg_find(rd[3])) == NULL)
		return NULL;
	p = dnskey_pub(rd, len, &n);
	switch (a->kind) {
	case ALG_ECDSA:
		return ec_public(a, p, n);
	case ALG_EDDSA:
		return EVP_PKEY_new_raw_public_key(a->curve_nid, NULL, p, n);
	case ALG_RSA:
		return rsa_public(p, n);
	}
	return NULL;
}

/* --- private keys -------------------------------------------------------- */

/* The fields of a .private file we use. */
struct private_file {
	int alg;
	uint8_t *field[RSA_FIELDS];	/* decoded; PrivateKey is field[0] */
	size_t len[RSA_FIELDS];
	int64_t publish, activate, inactive, remove;
};

static void
private_clear(struct private_file *pf)
{
	for (int i = 0; i < RSA_FIELDS; i++)
		if (pf->field[i] != NULL) {
			explicit_bzero(pf->field[i], pf->len[i]);
			free(pf->field[i]);
		}
}

static int
private_field(struct private_file *pf, int i, const char *value)
{
	uint8_t buf[KEY_SECRET_MAX];
	int n = b64_decode(value, strlen(value), buf, sizeof(buf));

	if (n <= 0 || pf->field[i] != NULL)
		return -1;
	pf->field[i] = xmalloc((size_t)n);
	memcpy(pf->field[i], buf, (size_t)n);
	pf->len[i] = (size_t)n;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static int64_t
timing(const char *value)
{
	size_t n = strcspn(value, " \t");

	return time_from_dns(value, n);
}

/* One "Key: value" line; -1 if malformed. */
static int
private_line(struct private_file *pf, const char *key, const char *value)
{
	static const struct { const char *name; size_t off; } times[] = {
		{ "Publish", offsetof(struct private_file, publish) },
		{ "Activate", offsetof(struct private_file, activate) },
		{ "Inactive", offsetof(struct private_file, inactive) },
		{ "Delete", offsetof(struct private_file, remove) },
	};

	if (strcmp(key, "Algorithm") == 0)
		return (pf->alg = atoi(value)) > 0 ? 0 : -1;
	if (strcmp(key, "PrivateKey") == 0)
		return private_field(pf, 0, value);
	for (int i = 0; i < RSA_FIELDS; i++)
		if (strcmp(key, rsa_fields[i].bind) == 0)
			return private_field(pf, i, value);
	for (size_t i = 0; i < nitems(times); i++)
		if (strcmp(key, times[i].name) == 0) {
			int64_t t = timing(value);

			*(int64_t *)((char *)pf + times[i].off) = t;
			return t < 0 ? -1 : 0;
		}
	return 0;		/* Created, SMIMEA, ... : not ours */
}

static int
private_read(const char *path, struct private_file *pf, struct reg_err *err)
{
	char line[KEY_LINE_MAX];
	FILE *f = fopen(path, "r");
	int lineno = 0;

	memset(pf, 0, sizeof(*pf));
	if (f == NULL)
		return reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':'), *v;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (colon == NULL || line[0] == ';')
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (private_line(pf, line, v) < 0) {
			fclose(f);
			explicit_bzero(line, sizeof(line));
			return reg_fail(err, REG_EINVAL, "%s:%d: bad %s", path, lineno, line);
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return REG_OK;
}

/* The uncompressed public point of private scalar d, without its 0x04. */
static bool
ec_derive(const struct dnssec_alg *a, const uint8_t *d, size_t dlen, uint8_t *out)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(a->curve_nid);
	EC_POINT *q = g != NULL ? EC_POINT_new(g) : NULL;
	BIGNUM *bn = BN_bin2bn(d, (int)dlen, NULL);
	uint8_t oct[1 + 2 * 66];
	bool ok = q != NULL && bn != NULL &&
	    EC_POINT_mul(g, q, bn, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, oct, sizeof(oct),
	    NULL) == 1 + 2 * a->coord;

	if (ok)
		memcpy(out, oct + 1, 2 * a->coord);
	BN_clear_free(bn);
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return ok;
}

static EVP_PKEY *
ec_private(const struct dnssec_alg *a, const struct private_file *pf,
    const uint8_t *pub, size_t publen)
{
	uint8_t derived[2 * 66], point[1 + 2 * 66];
	OSSL_PARAM_BLD *bld;
	BIGNUM *d;
	EVP_PKEY *pkey;

	if (pf->field[0] == NULL || pf->len[0] != a->coord || publen != 2 * a->coord ||
	    !ec_derive(a, pf->field[0], pf->len[0], derived) ||
	    memcmp(derived, pub, publen) != 0)
		return NULL;
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, pub, publen);
	bld = OSSL_PARAM_BLD_new();
	d = BN_secure_new();
	BN_bin2bn(pf->field[0], (int)pf->len[0], d);
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    OBJ_nid2sn(a->curve_nid), 0);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, publen + 1);
	pkey = pkey_fromdata("EC", bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pkey;
}

static EVP_PKEY *
ed_private(const struct dnssec_alg *a, const struct private_file *pf,
    const uint8_t *pub, size_t publen)
{
	uint8_t derived[64];
	size_t n = sizeof(derived);
	EVP_PKEY *pkey;

	if (pf->field[0] == NULL || pf->len[0] != a->coord)
		return NULL;
	pkey = EVP_PKEY_new_raw_private_key(a->curve_nid, NULL, pf->field[0], pf->len[0]);
	if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, derived, &n) != 1 ||
	    n != publen || memcmp(derived, pub, n) != 0) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

static EVP_PKEY *
rsa_private(const struct private_file *pf, const uint8_t *pub, size_t publen)
{
	const uint8_t *e, *mod;
	size_t elen, mlen;
	OSSL_PARAM_BLD *bld;
	BIGNUM *bn[RSA_FIELDS] = { 0 };
	EVP_PKEY *pkey = NULL;
	int i;

	if (!rsa_split(pub, publen, &e, &elen, &mod, &mlen))
		return NULL;
	for (i = 0; i < RSA_FIELDS; i++)
		if (pf->field[i] == NULL)
			return NULL;
	if (pf->len[0] != mlen || memcmp(pf->field[0], mod, mlen) != 0 ||
	    pf->len[1] != elen || memcmp(pf->field[1], e, elen) != 0)
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	for (i = 0; i < RSA_FIELDS; i++) {
		bn[i] = BN_secure_new();
		BN_bin2bn(pf->field[i], (int)pf->len[i], bn[i]);
		OSSL_PARAM_BLD_push_BN(bld, rsa_fields[i].ossl, bn[i]);
	}
	pkey = pkey_fromdata("RSA", bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < RSA_FIELDS; i++)
		BN_clear_free(bn[i]);
	return pkey;
}

static EVP_PKEY *
private_key(const struct dnssec_alg *a, const struct private_file *pf,
    const uint8_t *dnskey, size_t len)
{
	size_t publen;
	const uint8_t *pub = dnskey_pub(dnskey, len, &publen);

	switch (a->kind) {
	case ALG_ECDSA:
		return ec_private(a, pf, pub, publen);
	case ALG_EDDSA:
		return ed_private(a, pf, pub, publen);
	case ALG_RSA:
		return rsa_private(pf, pub, publen);
	}
	return NULL;
}

/* --- key files ----------------------------------------------------------- */

/* Whether name is K<zone>[.]+AAA+TTTTT.key; fills alg and tag. */
static bool
key_file_name(const char *name, const char *zone, int *alg, int *tag)
{
	size_t zl = strlen(zone), nl = strlen(name);
	const char *p;
	char dot[2];

	if (nl < 1 + 16 || name[0] != 'K' || strcmp(name + nl - 4, ".key") != 0)
		return false;
	p = name + 1;
	if (strncasecmp(p, zone, zl) != 0)
		return false;
	p += zl;
	if (*p == '.')
		p++;
	return sscanf(p, "+%3d+%5d.ke%1[y]", alg, tag, dot) == 3 &&
	    strlen(p) == strlen("+000+00000.key");
}

/* The one DNSKEY record of a .key file. */
static int
key_record(struct dkey *k, const struct dname *zone, struct reg_err *err)
{
	struct zone kz;
	struct zread_opts o = { .ttl = KEY_TTL_UNSET };
	int rc, found = 0;

	zone_init(&kz);
	if ((rc = zone_read(&kz, k->file, &o, err)) != REG_OK) {
		zone_free(&kz);
		return rc;
	}
	for (size_t i = 0; i < kz.nrr; i++) {
		const struct rr *rr = &kz.rr[i];

		if (rr->type != T_DNSKEY)
			continue;
		if (found++ > 0 || !dname_equal(rr->owner, zone)) {
			rc = reg_fail(err, REG_EINVAL, "%s:%u: %s", k->file, rr->line,
			    found > 1 ? "more than one DNSKEY" : "DNSKEY of another zone");
			break;
		}
		k->dnskey = xmalloc(rr->rdlen);
		memcpy(k->dnskey, rr->rdata, rr->rdlen);
		k->dnskey_len = rr->rdlen;
		k->ttl = rr->ttl == KEY_TTL_UNSET ? 0 : rr->ttl;
	}
	if (rc == REG_OK && found == 0)
		rc = reg_fail(err, REG_EINVAL, "%s: no DNSKEY record", k->file);
	zone_free(&kz);
	return rc;
}

/* Checks the DNSKEY against the file name and RFC 4034 2.1. */
static int
key_check(struct dkey *k, int alg, int tag, struct reg_err *err)
{
	const uint8_t *rd = k->dnskey;

	if (k->dnskey_len < 5)
		return reg_fail(err, REG_EINVAL, "%s: DNSKEY too short", k->file);
	k->flags = (uint16_t)(rd[0] << 8 | rd[1]);
	k->tag = key_tag(rd, k->dnskey_len);
	if (rd[2] != DNSKEY_PROTOCOL || !(k->flags & KEY_FLAG_ZONE))
		return reg_fail(err, REG_EINVAL, "%s: not a DNSSEC zone key (flags %u, protocol %u)",
		    k->file, k->flags, rd[2]);
	if (rd[3] != alg)
		return reg_fail(err, REG_EINVAL, "%s: algorithm %u in the record, %d in the name",
		    k->file, rd[3], alg);
	if ((k->alg = dnssec_alg_find(alg)) == NULL)
		return reg_fail(err, REG_EINVAL, "%s: algorithm %d is not supported for "
		    "signing (use 13 ECDSAP256SHA256, 15 ED25519 or 8 RSASHA256)", k->file, alg);
	if (k->tag != tag)
		return reg_fail(err, REG_EINVAL, "%s: key tag %u computed from the key, %d in "
		    "the file name", k->file, k->tag, tag);
	return REG_OK;
}

static int
key_private(struct dkey *k, struct reg_err *err)
{
	struct private_file pf;
	size_t base = strlen(k->file) - strlen(".key");
	char *path = xmalloc(base + sizeof(".private"));
	int rc;

	memcpy(path, k->file, base);
	memcpy(path + base, ".private", sizeof(".private"));
	if ((rc = private_read(path, &pf, err)) == REG_OK) {
		if (pf.alg != k->alg->num)
			rc = reg_fail(err, REG_EINVAL, "%s: algorithm %d, the .key file says %u",
			    path, pf.alg, k->alg->num);
		else if ((k->pkey = private_key(k->alg, &pf, k->dnskey, k->dnskey_len)) == NULL)
			rc = reg_fail(err, REG_EINVAL, "%s: the private key does not match the "
			    "public key in %s", path, k->file);
		k->publish = pf.publish;
		k->activate = pf.activate;
		k->inactive = pf.inactive;
		k->remove = pf.remove;
	}
	private_clear(&pf);
	free(path);
	return rc;
}

static int
key_load(struct dkey *k, const char *dir, const char *name, const struct dname *zone,
    struct reg_err *err)
{
	char zt[DNAME_TEXT_MAX];
	int alg = 0, tag = 0, rc;

	dname_format(dname_wire(zone), zt);
	zt[strlen(zt) - 1] = '\0';
	key_file_name(name, zt, &alg, &tag);
	if (asprintf(&k->file, "%s/%s", dir, name) < 0)
		abort();
	if ((rc = key_record(k, zone, err)) != REG_OK ||
	    (rc = key_check(k, alg, tag, err)) != REG_OK)
		return rc;
	return key_private(k, err);
}

/* Publication and activity at `now` (BIND's key timing semantics). */
static void
key_timing(struct dkey *k, int64_t now)
{
	k->published = (k->publish == 0 || k->publish <= now) &&
	    (k->remove == 0 || now < k->remove);
	k->active = k->published && (k->activate == 0 || k->activate <= now) &&
	    (k->inactive == 0 || now < k->inactive);
}

/* Per algorithm: SEP keys sign key RRsets, the others the zone; a lone
 * kind signs both. Every published algorithm needs an active key. */
static int
key_roles(struct keyset *ks, const char *dir, struct reg_err *err)
{
	int nactive = 0;

	for (int i = 0; i < ks->n; i++) {
		struct dkey *k = &ks->k[i];
		bool sep = k->flags & KEY_FLAG_SEP, other = false, any = false;

		for (int j = 0; j < ks->n; j++)
			if (ks->k[j].active && ks->k[j].alg == k->alg) {
				any = true;
				other |= (bool)(ks->k[j].flags & KEY_FLAG_SEP) != sep;
			}
		if (k->published && !any)
			return reg_fail(err, REG_EINVAL, "%s: algorithm %u is published but no key "
			    "of it is active (RFC 4035 2.2)", k->file, k->alg->num);
		if (!k->active)
			continue;
		nactive++;
		k->signs_keys = sep || !other;
		k->signs_zone = (!sep || !other) && !(k->flags & KEY_FLAG_REVOKE);
	}
	if (nactive == 0)
		return reg_fail(err, REG_EINVAL, "%s: no active key for the zone", dir);
	return REG_OK;
}

int
keys_load(struct keyset *ks, const char *dir, const struct dname *zone, int64_t now,
    struct reg_err *err)
{
	char zt[DNAME_TEXT_MAX];
	struct dirent *e;
	DIR *d;
	int alg, tag, rc = REG_OK;

	memset(ks, 0, sizeof(*ks));
	dname_format(dname_wire(zone), zt);
	zt[strlen(zt) - 1] = '\0';
	if ((d = opendir(dir)) == NULL)
		return reg_fail(err, REG_EIO, "key folder %s: %s", dir, strerror(errno));
	while (rc == REG_OK && (e = readdir(d)) != NULL) {
		if (!key_file_name(e->d_name, zt, &alg, &tag))
			continue;
		ks->k = xrealloc(ks->k, (size_t)(ks->n + 1) * sizeof(*ks->k));
		memset(&ks->k[ks->n], 0, sizeof(ks->k[0]));
		rc = key_load(&ks->k[ks->n++], dir, e->d_name, zone, err);
		if (rc == REG_OK)
			key_timing(&ks->k[ks->n - 1], now);
	}
	closedir(d);
	if (rc == REG_OK)
		rc = key_roles(ks, dir, err);
	return rc;
}

void
keys_free(struct keyset *ks)
{
	for (int i = 0; i < ks->n; i++) {
		free(ks->k[i].file);
		free(ks->k[i].dnskey);
		EVP_PKEY_free(ks->k[i].pkey);
	}
	free(ks->k);
	memset(ks, 0, sizeof(*ks));
}

int
keys_publish(struct zone *z, const struct keyset *ks, struct reg_err *err)
{
	struct node *apex = &z->node[0];
	const struct rrset *old = node_find(apex, T_DNSKEY);
	int n = old != NULL ? old->n : 0, cap = n + ks->n;
	const uint8_t **rd = xcalloc((size_t)cap + 1, sizeof(*rd));
	uint16_t *len = xcalloc((size_t)cap + 1, sizeof(*len));
	uint32_t ttl = old != NULL ? old->ttl : 0;

	for (int i = 0; i < n; i++) {
		rd[i] = old->rr[i].rdata;
		len[i] = old->rr[i].rdlen;
	}
	for (int i = 0; i < ks->n; i++) {
		if (!ks->k[i].published)
			continue;
		rd[n] = ks->k[i].dnskey;
		len[n++] = ks->k[i].dnskey_len;
		if (ttl == 0)
			ttl = ks->k[i].ttl;
	}
	if (ttl == 0)
		ttl = z->soa_ttl;
	node_put(z, apex, T_DNSKEY, ttl, rd, len, n);
	free(rd);
	free(len);
	(void)err;
	return REG_OK;
}
