/*
 * password.h: registrar passwords: policy, random issue, salted hashing.
 *
 * Hashes are scrypt (RFC 7914) through OpenSSL 3, stored as one string:
 *
 *	$scrypt$ln=14,r=8,p=1$<base64 salt>$<base64 hash>
 *
 * with N = 2^ln, a 16-byte salt from RAND_bytes and a 32-byte hash, both in
 * padded standard base64 (RFC 4648 section 4). Verification reads the cost
 * from the string, so the cost can be raised later and old hashes still
 * verify (rehash them at the next successful login).
 *
 * Cost: ln=14, r=8, p=1 needs 16 MiB and took 35 to 70 ms per hash or
 * verify on the 2-core build machine (about 100 ms while other builds ran;
 * ln=13: 29 ms, ln=15: 200 to 270 ms and 32 MiB), inside the 30-100 ms we
 * aim for: slow for an offline guesser, cheap at a login rate of a few per
 * second. The unit tests run at full cost; no fast mode is needed.
 */
#ifndef REG_PASSWORD_H
#define REG_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Room for an encoded hash at any cost we accept, with its NUL. */
#define PASSWORD_HASH_MAX	160

/* EPP pwType (RFC 5730, epp-1.0.xsd): 6 to 16 characters. */
#define PASSWORD_MIN_LEN	6
#define PASSWORD_MAX_LEN	16

/* Hashes pw with a fresh random salt into out (size bytes, at least
 * PASSWORD_HASH_MAX is always enough). REG_OK, REG_EINVAL if out is too
 * small, REG_EIO if the random source or the KDF fails. */
int password_hash(const char *pw, char *out, size_t size);

/* True if pw matches encoded, compared in constant time. False for a wrong
 * password and for any encoding that is malformed or asks for more work
 * than we allow (so a corrupt row cannot stall a login). */
bool password_verify(const char *pw, const char *encoded);

/* REG_OK if pw may be set as a registrar password, else the reason in err:
 * REG_ESYNTAX when it is not a pwType of printable ASCII without spaces
 * (6 to 16 characters), REG_EPOLICY when it lacks a letter or a digit.
 * Spaces are refused because pwType is an xs:token, whose whitespace a
 * client's XML stack may collapse; non-ASCII because lengths and
 * normalisation would then depend on the client's encoding. */
int password_check_policy(const char *pw, struct reg_err *err);

/* A fresh random password of PASSWORD_MAX_LEN letters and digits that
 * passes password_check_policy (about 93 bits). out needs
 * PASSWORD_MAX_LEN + 1 bytes: REG_EINVAL if smaller, REG_EIO if the random
 * source fails. */
int password_random(char *out, size_t size);

#endif
