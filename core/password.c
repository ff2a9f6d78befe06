/* password.c: scrypt password hashes, the password policy and random
 * passwords, on OpenSSL 3. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "password.h"

/* The cost of new hashes; see password.h for the measurement. */
#define KDF_LN		14
#define KDF_R		8
#define KDF_P		1
#define KDF_SALT_LEN	16
#define KDF_HASH_LEN	32

/* What verify accepts from a stored string. The work cap (bytes run
 * through scrypt's mixing, 128 * r * p * N) is 16 times today's cost, so
 * a corrupt or hostile row cannot make one login take more than about a
 * second; the memory cap follows (scrypt needs 128 * r * (N + p + 2)). */
#define KDF_SALT_MIN	16
#define KDF_HASH_MIN	32
#define KDF_BUF_MAX	64
#define KDF_MAX_LN	30
#define KDF_MAX_WORK	((uint64_t)256 << 20)
#define KDF_MAX_MEM	(2 * KDF_MAX_WORK)
#define KDF_NUM_DIGITS	7

#define B64_LEN(n)	(4 * (((n) + 2) / 3))	/* without the NUL */

/* Letters and digits without the look-alikes I, O, l, 0 and 1, since
 * these passwords are read off a screen and typed into a client. */
static const char pw_alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

struct kdf {
	unsigned ln, r, p;
	unsigned char salt[KDF_BUF_MAX], hash[KDF_BUF_MAX];
	size_t saltlen, hashlen;
};

static void
b64_encode(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* Strict base64 of len characters into out: canonical padded form only
 * (we re-encode and compare), between min and max bytes decoded. */
static bool
b64_decode(const char *in, size_t len, unsigned char *out, size_t min,
    size_t max, size_t *outlen)
{
	unsigned char raw[3 * B64_LEN(KDF_BUF_MAX) / 4];
	char check[B64_LEN(KDF_BUF_MAX) + 1];
	int n;

	if (len == 0 || len % 4 != 0 || len > B64_LEN(max))
		return false;
	if ((n = EVP_DecodeBlock(raw, (const unsigned char *)in, (int)len)) < 0)
		return false;
	n -= (in[len - 1] == '=') + (in[len - 2] == '=');
	if (n < (int)min || n > (int)max)
		return false;
	b64_encode(raw, (size_t)n, check);
	if (strlen(check) != len || memcmp(check, in, len) != 0)
		return false;
	memcpy(out, raw, (size_t)n);
	*outlen = (size_t)n;
	return true;
}

/* Expects name then 1 to KDF_NUM_DIGITS decimal digits at s; returns the
 * position after them, or NULL. */
static const char *
parse_param(const char *s, const char *name, unsigned *out)
{
	size_t n = strlen(name);
	unsigned v = 0;
	int digits = 0;

	if (strncmp(s, name, n) != 0)
		return NULL;
	for (s += n; isdigit((unsigned char)*s); s++) {
		if (++digits > KDF_NUM_DIGITS)
			return NULL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (digits == 0)
		return NULL;
	*out = v;
	return s;
}

static bool
kdf_cost_ok(const struct kdf *k)
{
	if (k->ln < 1 || k->ln > KDF_MAX_LN || k->r < 1 || k->p < 1)
		return false;
	return (uint64_t)128 * k->r * k->p <= KDF_MAX_WORK >> k->ln;
}

/* "$scrypt$ln=14,r=8,p=1$salt$hash" into k; false if malformed. */
static bool
kdf_parse(const char *s, struct kdf *k)
{
	const char *salt, *hash;

	if ((s = parse_param(s, "$scrypt$ln=", &k->ln)) == NULL ||
	    (s = parse_param(s, ",r=", &k->r)) == NULL ||
	    (s = parse_param(s, ",p=", &k->p)) == NULL ||
	    *s != '$' || !kdf_cost_ok(k))
		return false;
	salt = s + 1;
	if ((hash = strchr(salt, '$')) == NULL)
		return false;
	hash++;
	return b64_decode(salt, (size_t)(hash - 1 - salt), k->salt,
	    KDF_SALT_MIN, KDF_BUF_MAX, &k->saltlen) &&
	    b64_decode(hash, strlen(hash), k->hash,
	    KDF_HASH_MIN, KDF_BUF_MAX, &k->hashlen);
}

/* scrypt of pw with k's cost and salt into out (k->hashlen bytes). */
static bool
kdf_derive(const char *pw, const struct kdf *k, unsigned char *out)
{
	return EVP_PBE_scrypt(pw, strlen(pw), k->salt, k->saltlen,
	    (uint64_t)1 << k->ln, k->r, k->p, KDF_MAX_MEM, out, k->hashlen) == 1;
}

static int
kdf_format(const struct kdf *k, char *out, size_t size)
{
	char salt[B64_LEN(KDF_BUF_MAX) + 1], hash[B64_LEN(KDF_BUF_MAX) + 1];
	int n;

	b64_encode(k->salt, k->saltlen, salt);
	b64_encode(k->hash, k->hashlen, hash);
	n = snprintf(out, size, "$scrypt$ln=%u,r=%u,p=%u$%s$%s",
	    k->ln, k->r, k->p, salt, hash);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			out[0] = '\0';
		return REG_EINVAL;
	}
	return REG_OK;
}

int
password_hash(const char *pw, char *out, size_t size)
{
	struct kdf k = { .ln = KDF_LN, .r = KDF_R, .p = KDF_P,
	    .saltlen = KDF_SALT_LEN, .hashlen = KDF_HASH_LEN };
	int rc = REG_EIO;

	if (RAND_bytes(k.salt, KDF_SALT_LEN) == 1 && kdf_derive(pw, &k, k.hash))
		rc = kdf_format(&k, out, size);
	OPENSSL_cleanse(k.hash, sizeof(k.hash));
	return rc;
}

bool
password_verify(const char *pw, const char *encoded)
{
	unsigned char got[KDF_BUF_MAX];
	struct kdf k;
	bool ok;

	if (pw == NULL || encoded == NULL || !kdf_parse(encoded, &k))
		return false;
	ok = kdf_derive(pw, &k, got) && CRYPTO_memcmp(got, k.hash, k.hashlen) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

int
password_check_policy(const char *pw, struct reg_err *err)
{
	size_t n = strlen(pw);
	bool letter = false, digit = false;

	/* The reasons never quote the password: they end up in logs. */
	if (n < PASSWORD_MIN_LEN || n > PASSWORD_MAX_LEN)
		return reg_fail(err, REG_ESYNTAX,
		    "password must be %d to %d characters long, not %zu",
		    PASSWORD_MIN_LEN, PASSWORD_MAX_LEN, n);
	for (const char *c = pw; *c; c++) {
		if (*c <= ' ' || *c > '~')
			return reg_fail(err, REG_ESYNTAX, "password may only hold "
			    "printable ASCII characters, without spaces");
		letter |= isalpha((unsigned char)*c) != 0;
		digit |= isdigit((unsigned char)*c) != 0;
	}
	if (!letter || !digit)
		return reg_fail(err, REG_EPOLICY,
		    "password needs at least one letter and one digit");
	return REG_OK;
}

/* n characters drawn evenly from pw_alphabet (rejection sampling, so no
 * modulo bias), then a NUL. */
static int
random_chars(char *out, size_t n)
{
	const unsigned m = sizeof(pw_alphabet) - 1, limit = 256 - 256 % m;
	unsigned char buf[2 * PASSWORD_MAX_LEN];
	size_t i = 0, j = sizeof(buf);
	int rc = REG_OK;

	while (i < n) {
		if (j == sizeof(buf) && RAND_bytes(buf, sizeof(buf)) != 1) {
			rc = REG_EIO;
			break;
		}
		j %= sizeof(buf);
		if (buf[j] < limit)
			out[i++] = pw_alphabet[buf[j] % m];
		j++;
	}
	out[i] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int
password_random(char *out, size_t size)
{
	int rc;

	if (size < PASSWORD_MAX_LEN + 1)
		return REG_EINVAL;
	do {
		if ((rc = random_chars(out, PASSWORD_MAX_LEN)) != REG_OK)
			return rc;
	} while (password_check_policy(out, NULL) != REG_OK);
	return REG_OK;
}
