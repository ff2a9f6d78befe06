/* test_password.c: scrypt hashes, their encoding, the policy and random
 * passwords. */
#include "testutil.h"

#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "password.h"

#define PREFIX "$scrypt$ln=14,r=8,p=1$"
#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* Encoded hash of "secret99" made once, shared by the malformed cases. */
static char good[PASSWORD_HASH_MAX];

static int
setup(void **state)
{
	return password_hash("secret99", good, sizeof(good)) == REG_OK ? 0 : -1;
}

static void
test_round_trip(void **state)
{
	char enc[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash("Sw0rdfish", enc, sizeof(enc)), REG_OK);
	assert_memory_equal(enc, PREFIX, strlen(PREFIX));
	/* 16-byte salt and 32-byte hash in padded base64: 24 and 44. */
	assert_int_equal(strlen(enc), strlen(PREFIX) + 24 + 1 + 44);
	assert_true(password_verify("Sw0rdfish", enc));
	assert_true(password_verify("secret99", good));
}

static void
test_wrong_password(void **state)
{
	assert_false(password_verify("secret98", good));
	assert_false(password_verify("Secret99", good));
	assert_false(password_verify("secret99 ", good));
	assert_false(password_verify("secret9", good));
	assert_false(password_verify("", good));
	assert_false(password_verify(NULL, good));
}

static void
test_salted(void **state)
{
	char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash("secret99", a, sizeof(a)), REG_OK);
	assert_int_equal(password_hash("secret99", b, sizeof(b)), REG_OK);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, good);
	assert_true(password_verify("secret99", a));
	assert_true(password_verify("secret99", b));
}

static void
test_hash_buffer_too_small(void **state)
{
	char enc[PASSWORD_HASH_MAX];

	memset(enc, 'x', sizeof(enc));
	assert_int_equal(password_hash("secret99", enc, strlen(good)), REG_EINVAL);
	assert_string_equal(enc, "");
	assert_int_equal(password_hash("secret99", enc, strlen(good) + 1), REG_OK);
	assert_true(password_verify("secret99", enc));
}

/* good with the text from `at` (a substring) replaced by `with`. */
static char *
edited(const char *at, const char *with)
{
	const char *p = strstr(good, at);
	char *s;

	assert_non_null(p);
	assert_true(asprintf(&s, "%.*s%s%s", (int)(p - good), good, with,
	    p + strlen(at)) > 0);
	return s;
}

static void
expect_refused(char *enc)
{
	if (password_verify("secret99", enc))
		fail_msg("verify accepted '%s'", enc);
	free(enc);
}

static void
test_malformed(void **state)
{
	const char *salt = good + strlen(PREFIX);
	const char *hash = strchr(salt, '$') + 1;
	char *s;

	assert_false(password_verify("secret99", NULL));
	assert_false(password_verify("secret99", ""));
	assert_false(password_verify("secret99", "$scrypt$"));
	expect_refused(edited("$scrypt$", "$scrypt2$"));
	expect_refused(edited("$scrypt$", "$argon2id$"));
	expect_refused(edited("ln=14", "ln="));
	expect_refused(edited("ln=14", "ln=+14"));
	expect_refused(edited("ln=14", "ln=0"));
	expect_refused(edited("ln=14", "ln=13"));	/* wrong cost, wrong hash */
	expect_refused(edited("ln=14", "ln=99999999"));
	expect_refused(edited(",r=8", ",r=0"));
	expect_refused(edited(",r=8", ""));
	expect_refused(edited(",p=1", ",p=0"));
	expect_refused(edited(",p=1", ",p=1,x=2"));
	/* Truncated salt, truncated or missing hash, extra fields. */
	expect_refused(edited(salt, salt + 4));
	expect_refused(edited(hash, hash + 4));
	expect_refused(edited(hash, ""));
	expect_refused(edited(hash - 1, ""));
	assert_true(asprintf(&s, "%s$", good) > 0);
	expect_refused(s);
	assert_true(asprintf(&s, " %s", good) > 0);
	expect_refused(s);
	/* Not base64; unpadded; non-canonical trailing bits. */
	expect_refused(edited(hash, "!!!!"));
	s = strdup(good);
	s[strlen(s) - 1] = '\0';
	expect_refused(s);
	/* The last character before '=' carries two unused low bits: set
	 * one, so the bytes decode the same but the text is not canonical. */
	s = strdup(good);
	s[strlen(s) - 2] = B64[(strchr(B64, s[strlen(s) - 2]) - B64) ^ 1];
	expect_refused(s);
}

/* The whole hash is compared: a change in its last byte is refused. */
static void
test_compares_whole_hash(void **state)
{
	const char *hash = strrchr(good, '$') + 1;
	unsigned char raw[48], text[64];
	char *s;

	assert_int_equal(strlen(hash), 44);
	assert_int_equal(EVP_DecodeBlock(raw, (const unsigned char *)hash, 44), 33);
	raw[31] ^= 1;
	EVP_EncodeBlock(text, raw, 32);
	s = edited(hash, (const char *)text);
	expect_refused(s);
}

/* Costs past the cap are refused before any work: p=999 alone would
 * keep OpenSSL busy for about a minute. */
static void
test_work_cap(void **state)
{
	time_t start = time(NULL);

	expect_refused(edited("ln=14,r=8", "ln=30,r=8"));
	expect_refused(edited("ln=14,r=8,p=1", "ln=14,r=8,p=999"));
	expect_refused(edited("r=8", "r=9999999"));
	assert_true(time(NULL) - start <= 2);
}

/* An encoding made here with EVP_KDF "SCRYPT", not through password.c,
 * at other parameters and lengths: verify must read them from the
 * string (so the cost can be raised later) and agree with OpenSSL. */
static void
test_reads_parameters(void **state)
{
	unsigned char salt[20], key[48];
	unsigned char salt64[32], key64[72];
	uint64_t n = 1024;
	uint32_t r = 4, p = 2;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, "Other123", 8),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof(salt)),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
		OSSL_PARAM_construct_end(),
	};
	char *enc;

	for (size_t i = 0; i < sizeof(salt); i++)
		salt[i] = (unsigned char)i;
	assert_int_equal(EVP_KDF_derive(ctx, key, sizeof(key), params), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	EVP_EncodeBlock(salt64, salt, sizeof(salt));
	EVP_EncodeBlock(key64, key, sizeof(key));
	assert_true(asprintf(&enc, "$scrypt$ln=10,r=4,p=2$%s$%s", salt64, key64) > 0);
	assert_true(password_verify("Other123", enc));
	assert_false(password_verify("Other124", enc));
	free(enc);
}

static void
expect_policy(const char *pw, int code, const char *reason)
{
	struct reg_err err = { 0 };
	int rc = password_check_policy(pw, &err);

	if (rc != code)
		fail_msg("policy on '%s': got %d (%s), want %d", pw, rc,
		    reg_err_text(&err), code);
	if (reason != NULL && strstr(err.reason, reason) == NULL)
		fail_msg("policy on '%s': reason '%s' lacks '%s'", pw, err.reason, reason);
	if (code != REG_OK && pw[0] != '\0' && strstr(err.reason, pw) != NULL)
		fail_msg("reason '%s' quotes the password", err.reason);
}

static void
test_policy(void **state)
{
	expect_policy("abc123", REG_OK, NULL);
	expect_policy("Abcdefghijklmn12", REG_OK, NULL);
	expect_policy("a1!@#$%^&*()_+~", REG_OK, NULL);
	expect_policy("abc12", REG_ESYNTAX, "6 to 16");
	expect_policy("Abcdefghijklmn123", REG_ESYNTAX, "not 17");
	expect_policy("", REG_ESYNTAX, "6 to 16");
	expect_policy("abc 1234", REG_ESYNTAX, "without spaces");
	expect_policy("abc\t1234", REG_ESYNTAX, "printable ASCII");
	expect_policy("p\xc3\xa4ssw0rd", REG_ESYNTAX, "printable ASCII");
	expect_policy("abcdefgh", REG_EPOLICY, "one letter and one digit");
	expect_policy("12345678", REG_EPOLICY, "one letter and one digit");
	expect_policy("!@#$%^&*", REG_EPOLICY, "one letter and one digit");
}

static void
test_random(void **state)
{
	enum { N = 200 };
	char pw[N][PASSWORD_MAX_LEN + 1];
	char small[PASSWORD_MAX_LEN];

	for (int i = 0; i < N; i++) {
		assert_int_equal(password_random(pw[i], sizeof(pw[i])), REG_OK);
		assert_int_equal(strlen(pw[i]), PASSWORD_MAX_LEN);
		assert_int_equal(password_check_policy(pw[i], NULL), REG_OK);
		assert_null(strpbrk(pw[i], "IOl01"));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(pw[i], pw[j]);
	}
	assert_int_equal(password_random(small, sizeof(small)), REG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_salted),
		cmocka_unit_test(test_hash_buffer_too_small),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_compares_whole_hash),
		cmocka_unit_test(test_work_cap),
		cmocka_unit_test(test_reads_parameters),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
