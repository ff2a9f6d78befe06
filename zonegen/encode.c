/*
 * encode.c: the text encodings of zone files: base64 (RFC 4648 4, keys
 * and signatures), base32hex (RFC 4648 7, NSEC3 hashes, lower case as
 * RFC 5155 3.3 writes them), hex, and RRSIG times (RFC 4034 3.2).
 */
#include <string.h>

#include "zonegen.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32[] = "0123456789abcdefghijklmnopqrstuv";

size_t
b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64[v >> 18];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = b64[v >> 18];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int
b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		int v;

		if (in[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_value(in[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			if (o == cap)
				return -1;
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if ((n - pad) % 4 == 1 || pad > 2 || (pad > 0 && n % 4 != 0))
		return -1;
	return (int)o;
}

size_t
b32hex_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		for (bits += 8; bits >= 5; bits -= 5)
			out[o++] = b32[acc >> (bits - 5) & 31];
	}
	if (bits > 0)
		out[o++] = b32[acc << (5 - bits) & 31];
	return o;
}

int
b32hex_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'v')
			v = (c | 0x20) - 'a' + 10;
		else
			return -1;
		acc = acc << 5 | (uint32_t)v;
		if ((bits += 5) >= 8) {
			if (o == cap)
				return -1;
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return bits >= 5 ? -1 : (int)o;
}

/* Hex digit values, 0x10 for anything else (a DS digest a delegation:
 * a table, not branches). */
static const uint8_t hexval[256] = {
	['0'] = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ['A'] = 10, 11, 12, 13, 14, 15,
	['a'] = 10, 11, 12, 13, 14, 15,
};
static const uint8_t hexok[256] = {
	['0'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['A'] = 1, 1, 1, 1, 1, 1,
	['a'] = 1, 1, 1, 1, 1, 1,
};

int
hex_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	unsigned bad = 0;

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		uint8_t hi = (uint8_t)in[i], lo = (uint8_t)in[i + 1];

		bad |= (unsigned)(hexok[hi] & hexok[lo]) ^ 1;
		out[i / 2] = (uint8_t)(hexval[hi] << 4 | hexval[lo]);
	}
	return bad ? -1 : (int)(n / 2);
}

/* The calendar date of a day number since 1970 (H. Hinnant's algorithm),
 * instead of gmtime_r and strftime: a signed zone has a million times. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void
two(char *out, unsigned v)
{
	out[0] = (char)('0' + v / 10);
	out[1] = (char)('0' + v % 10);
}

void
time_to_dns(int64_t t, char *out)
{
	int64_t y, days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	unsigned m, d, s = (unsigned)(t - days * 86400);

	civil_from_days(days, &y, &m, &d);
	two(out, (unsigned)(y / 100 % 100));
	two(out + 2, (unsigned)(y % 100));
	two(out + 4, m);
	two(out + 6, d);
	two(out + 8, s / 3600);
	two(out + 10, s / 60 % 60);
	two(out + 12, s % 60);
	out[14] = '\0';
}

/* Seconds since 1970 of a UTC calendar time, without the TZ of timegm. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int64_t
time_from_dns(const char *s, size_t len)
{
	int64_t y, mo, d, h, mi, se;

	if (len != 14)
		return len > 0 && len <= 10 ? digits(s, len) : -1;
	y = digits(s, 4);
	mo = digits(s + 4, 2);
	d = digits(s + 6, 2);
	h = digits(s + 8, 2);
	mi = digits(s + 10, 2);
	se = digits(s + 12, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || se < 0 || se > 60)
		return -1;
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	    mi * 60 + se;
}
