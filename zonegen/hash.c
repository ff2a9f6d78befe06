/*
 * hash.c: SHA-1 (NSEC3), SHA-256 and SHA-384 (digests, signatures) of a
 * buffer.
 *
 * OpenSSL 3's one-shot SHA256() looks the algorithm up by name on every
 * call, under a read lock of the provider store: for the 100-octet RRsets
 * of a zone that costs more than the hashing and serialises the signing
 * threads. The low-level functions used here, deprecated in 3.0 but
 * present, hash without either.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/sha.h>

#include "zonegen.h"

void
hash_sha1(const void *in, size_t n, uint8_t *out)
{
	SHA_CTX c;

	SHA1_Init(&c);
	SHA1_Update(&c, in, n);
	SHA1_Final(out, &c);
}

void
hash_sha256(const void *in, size_t n, uint8_t *out)
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, in, n);
	SHA256_Final(out, &c);
}

void
hash_sha384(const void *in, size_t n, uint8_t *out)
{
	SHA512_CTX c;

	SHA384_Init(&c);
	SHA384_Update(&c, in, n);
	SHA384_Final(out, &c);
}
