/*
 * rr.c: RR types and their RDATA in wire and presentation form.
 *
 * Each known type is a row: its number, mnemonic and RDATA layout, one
 * letter per field, which drives the parser, the validator and the
 * formatter alike:
 *
 *   n  domain name            1 2 4  unsigned integer of 1, 2, 4 octets
 *   d  4-octet TTL-like value ("1h30m" allowed, SOA timers)
 *   t  RRSIG time (YYYYMMDDHHMMSS)   T  type mnemonic (RRSIG type covered)
 *   a  IPv4 address           A  IPv6 address
 *   s  one character-string   S  one or more character-strings
 *   r  the rest as one string without a length octet (CAA value, URI)
 *   k  a character-string written bare (the CAA tag, RFC 8659 4.1.1)
 *   x  hex to the end         b  base64 to the end
 *   h  NSEC3 salt: length octet + hex, "-" when empty
 *   H  NSEC3 next hash: length octet + base32hex
 *   m  NSEC/NSEC3 type bitmap to the end
 *
 * Any type, known or not, may also be written as RFC 3597 "\# len hex".
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zonegen.h"

struct rrtype {
	uint16_t code;
	const char *name;
	const char *layout;
};

/* The common types of a TLD zone first: the parser looks them up often. */
static const struct rrtype rrtypes[] = {
	{ T_NS, "NS", "n" },
	{ T_DS, "DS", "211x" },
	{ T_A, "A", "a" },
	{ T_AAAA, "AAAA", "A" },
	{ T_RRSIG, "RRSIG", "T114tt2nb" },
	{ T_NSEC, "NSEC", "nm" },
	{ T_NSEC3, "NSEC3", "112hHm" },
	{ T_SOA, "SOA", "nn4dddd" },
	{ T_DNSKEY, "DNSKEY", "211b" },
	{ T_NSEC3PARAM, "NSEC3PARAM", "112h" },
	{ T_TXT, "TXT", "S" },
	{ T_CDS, "CDS", "211x" },
	{ T_CDNSKEY, "CDNSKEY", "211b" },
	{ T_CNAME, "CNAME", "n" },
	{ T_MX, "MX", "2n" },
	{ T_PTR, "PTR", "n" },
	{ 13, "HINFO", "ss" },
	{ 33, "SRV", "222n" },
	{ 35, "NAPTR", "22sssn" },
	{ T_DNAME, "DNAME", "n" },
	{ 44, "SSHFP", "11x" },
	{ 52, "TLSA", "111x" },
	{ 61, "OPENPGPKEY", "b" },
	{ 63, "ZONEMD", "411x" },
	{ 99, "SPF", "S" },
	{ 256, "URI", "22r" },
	{ 257, "CAA", "1kr" },
};

#define TYPE_PREFIX	"TYPE"
#define GENERIC		"\\#"
#define STRING_MAX	255
#define BITMAP_WINDOW	32

static const struct rrtype *
type_find(uint16_t code)
{
	for (size_t i = 0; i < sizeof(rrtypes) / sizeof(rrtypes[0]); i++)
		if (rrtypes[i].code == code)
			return &rrtypes[i];
	return NULL;
}

bool
rrtype_known(uint16_t type)
{
	return type_find(type) != NULL;
}

const char *
rrtype_name(uint16_t type, char *buf)
{
	const struct rrtype *t = type_find(type);

	if (t != NULL)
		return t->name;
	snprintf(buf, 16, TYPE_PREFIX "%u", type);
	return buf;
}

int
rrtype_parse(const char *s, size_t len)
{
	char num[8];
	long v;
	char *end;

	for (size_t i = 0; i < sizeof(rrtypes) / sizeof(rrtypes[0]); i++)
		if (strlen(rrtypes[i].name) == len && strncasecmp(rrtypes[i].name, s, len) == 0)
			return rrtypes[i].code;
	if (len <= strlen(TYPE_PREFIX) || len - strlen(TYPE_PREFIX) >= sizeof(num) ||
	    strncasecmp(s, TYPE_PREFIX, strlen(TYPE_PREFIX)) != 0)
		return -1;
	memcpy(num, s + strlen(TYPE_PREFIX), len - strlen(TYPE_PREFIX));
	num[len - strlen(TYPE_PREFIX)] = '\0';
	v = strtol(num, &end, 10);
	return *end != '\0' || num[0] < '0' || num[0] > '9' || v > UINT16_MAX ? -1 : (int)v;
}

/* --- parsing ------------------------------------------------------------- */

/* A field parser: reads tokens from *t, writes at out + *o. */
struct rdparse {
	const struct ztok *tok;
	int ntok, t;
	const uint8_t *origin;
	uint8_t *out;
	size_t o;
	const char *why;
};

static bool
fail(struct rdparse *p, const char *why)
{
	p->why = why;
	return false;
}

static bool
room(struct rdparse *p, size_t n)
{
	return p->o + n <= RDATA_MAX || fail(p, "RDATA longer than 65535 octets");
}

static const struct ztok *
next_tok(struct rdparse *p)
{
	if (p->t == p->ntok) {
		p->why = "missing RDATA field";
		return NULL;
	}
	return &p->tok[p->t++];
}

/* A decimal number up to max, or with units a TTL ("1h30m"). */
static bool
parse_number(const struct ztok *k, uint64_t max, bool units, uint64_t *v)
{
	uint64_t n = 0, total = 0;
	bool digit = false;

	for (uint32_t i = 0; i < k->len; i++) {
		char c = k->s[i];
		uint64_t mult;

		if (c >= '0' && c <= '9') {
			n = n * 10 + (uint64_t)(c - '0');
			digit = true;
			if (n > UINT32_MAX)
				return false;
			continue;
		}
		switch (c | 0x20) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 604800; break;
		default: return false;
		}
		if (!units || !digit)
			return false;
		total += n * mult;
		n = 0;
		digit = false;
	}
	total += n;
	if (k->len == 0 || total > max)
		return false;
	*v = total;
	return true;
}

int64_t
ttl_parse(const struct ztok *t)
{
	uint64_t v;

	return parse_number(t, INT32_MAX, true, &v) ? (int64_t)v : -1;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
parse_int(struct rdparse *p, int size, bool units)
{
	const struct ztok *k = next_tok(p);
	uint64_t max = size == 1 ? UINT8_MAX : size == 2 ? UINT16_MAX : UINT32_MAX;
	uint64_t v;

	if (k == NULL || !room(p, (size_t)size))
		return false;
	if (!parse_number(k, max, units, &v))
		return fail(p, "bad number");
	if (size == 1)
		p->out[p->o] = (uint8_t)v;
	else if (size == 2)
		put16(p->out + p->o, (uint16_t)v);
	else
		put32(p->out + p->o, (uint32_t)v);
	p->o += (size_t)size;
	return true;
}

static bool
parse_name(struct rdparse *p)
{
	const struct ztok *k = next_tok(p);
	int n;

	if (k == NULL || !room(p, DNAME_WIRE_MAX))
		return false;
	if (k->len == 1 && k->s[0] == '@') {
		if (p->origin == NULL)
			return fail(p, "@ and no $ORIGIN");
		n = wire_name_len(p->origin, DNAME_WIRE_MAX);
		memcpy(p->out + p->o, p->origin, (size_t)n);
	} else if ((n = dname_parse(k->s, k->len, p->origin, p->out + p->o, &p->why)) < 0)
		return false;
	p->o += (size_t)n;
	return true;
}

static bool
parse_addr(struct rdparse *p, int family)
{
	const struct ztok *k = next_tok(p);
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n = family == AF_INET ? 4 : 16;

	if (k == NULL || !room(p, n))
		return false;
	if (k->len >= sizeof(buf))
		return fail(p, "bad address");
	memcpy(buf, k->s, k->len);
	buf[k->len] = '\0';
	if (inet_pton(family, buf, p->out + p->o) != 1)
		return fail(p, family == AF_INET ? "bad IPv4 address" : "bad IPv6 address");
	p->o += n;
	return true;
}

/* One character-string (RFC 1035 5.1): quoted or not, \X and \DDD. */
static bool
parse_string(struct rdparse *p)
{
	const struct ztok *k = next_tok(p);
	size_t len = 0;

	if (k == NULL || !room(p, 1 + STRING_MAX))
		return false;
	for (uint32_t i = 0; i < k->len; len++) {
		uint8_t c = (uint8_t)k->s[i++];

		if (len == STRING_MAX)
			return fail(p, "character-string longer than 255 octets");
		if (c == '\\' && i < k->len) {
			char d[4] = { 0 };
			unsigned v;

			if (k->s[i] >= '0' && k->s[i] <= '9' && i + 3 <= k->len) {
				memcpy(d, k->s + i, 3);
				if (sscanf(d, "%3u", &v) != 1 || v > 255)
					return fail(p, "bad escape in string");
				c = (uint8_t)v;
				i += 3;
			} else
				c = (uint8_t)k->s[i++];
		}
		p->out[p->o + 1 + len] = c;
	}
	p->out[p->o] = (uint8_t)len;
	p->o += 1 + len;
	return true;
}

/* A string as the rest of the RDATA, no length octet (RFC 8659 4.1.1). */
static bool
parse_rest_string(struct rdparse *p)
{
	size_t at = p->o;

	if (!parse_string(p))
		return false;
	memmove(p->out + at, p->out + at + 1, p->out[at]);
	p->o--;
	return p->t == p->ntok || fail(p, "extra RDATA fields");
}

/* The remaining tokens joined, for hex and base64 (which may be split by
 * blanks in presentation form). */
static bool
rest_joined(struct rdparse *p, char **text, size_t *len)
{
	size_t n = 0;
	char *s;

	if (p->t == p->ntok)
		return fail(p, "missing RDATA field");
	for (int i = p->t; i < p->ntok; i++)
		n += p->tok[i].len;
	s = malloc(n + 1);
	if (s == NULL)
		return fail(p, "out of memory");
	n = 0;
	for (; p->t < p->ntok; p->t++) {
		memcpy(s + n, p->tok[p->t].s, p->tok[p->t].len);
		n += p->tok[p->t].len;
	}
	*text = s;
	*len = n;
	return true;
}

static bool
parse_encoded(struct rdparse *p, bool base64)
{
	char *s;
	size_t n;
	int m;

	if (!rest_joined(p, &s, &n))
		return false;
	m = base64 ? b64_decode(s, n, p->out + p->o, RDATA_MAX - p->o) :
	    hex_decode(s, n, p->out + p->o, RDATA_MAX - p->o);
	free(s);
	if (m < 0)
		return fail(p, base64 ? "bad base64" : "bad hex");
	p->o += (size_t)m;
	return true;
}

static bool
parse_salt(struct rdparse *p)
{
	const struct ztok *k = next_tok(p);
	int m = 0;

	if (k == NULL || !room(p, 1 + STRING_MAX))
		return false;
	if (!(k->len == 1 && k->s[0] == '-') &&
	    (m = hex_decode(k->s, k->len, p->out + p->o + 1, STRING_MAX)) <= 0)
		return fail(p, "bad salt");
	p->out[p->o] = (uint8_t)m;
	p->o += 1 + (size_t)m;
	return true;
}

static bool
parse_hash(struct rdparse *p)
{
	const struct ztok *k = next_tok(p);
	int m;

	if (k == NULL || !room(p, 1 + STRING_MAX))
		return false;
	if ((m = b32hex_decode(k->s, k->len, p->out + p->o + 1, STRING_MAX)) <= 0)
		return fail(p, "bad next hashed owner name");
	p->out[p->o] = (uint8_t)m;
	p->o += 1 + (size_t)m;
	return true;
}

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static bool
parse_bitmap(struct rdparse *p)
{
	uint16_t list[TYPES_MAX];
	int n = 0, u = 0, t;

	for (; p->t < p->ntok; p->t++) {
		if ((t = rrtype_parse(p->tok[p->t].s, p->tok[p->t].len)) < 0)
			return fail(p, "unknown type in bitmap");
		if (n == TYPES_MAX)
			return fail(p, "too many types in bitmap");
		list[n++] = (uint16_t)t;
	}
	qsort(list, (size_t)n, sizeof(list[0]), cmp_u16);
	for (int i = 0; i < n; i++)
		if (u == 0 || list[u - 1] != list[i])
			list[u++] = list[i];
	if (!room(p, (size_t)BITMAP_WINDOW * 256))
		return false;
	p->o += typemap_encode(list, u, p->out + p->o);
	return true;
}

static bool
parse_type(struct rdparse *p)
{
	const struct ztok *k = next_tok(p);
	int t;

	if (k == NULL || !room(p, 2))
		return false;
	if ((t = rrtype_parse(k->s, k->len)) < 0)
		return fail(p, "unknown type");
	put16(p->out + p->o, (uint16_t)t);
	p->o += 2;
	return true;
}

static bool
parse_time(struct rdparse *p)
{
	const struct ztok *k = next_tok(p);
	int64_t t;

	if (k == NULL || !room(p, 4))
		return false;
	if ((t = time_from_dns(k->s, k->len)) < 0)
		return fail(p, "bad time");
	put32(p->out + p->o, (uint32_t)t);
	p->o += 4;
	return true;
}

static bool
parse_field(struct rdparse *p, char f)
{
	switch (f) {
	case 'n': return parse_name(p);
	case '1': return parse_int(p, 1, false);
	case '2': return parse_int(p, 2, false);
	case '4': return parse_int(p, 4, false);
	case 'd': return parse_int(p, 4, true);
	case 't': return parse_time(p);
	case 'T': return parse_type(p);
	case 'a': return parse_addr(p, AF_INET);
	case 'A': return parse_addr(p, AF_INET6);
	case 's': case 'k': return parse_string(p);
	case 'r': return parse_rest_string(p);
	case 'S':
		do {
			if (!parse_string(p))
				return false;
		} while (p->t < p->ntok);
		return true;
	case 'x': return parse_encoded(p, false);
	case 'b': return parse_encoded(p, true);
	case 'h': return parse_salt(p);
	case 'H': return parse_hash(p);
	case 'm': return parse_bitmap(p);
	}
	abort();	/* a bad layout letter is our bug */
}

/* RFC 3597: \# <length> <hex>. */
static int
parse_generic(uint16_t type, const struct ztok *tok, int ntok, uint8_t *out,
    const char **why)
{
	struct rdparse p = { .tok = tok + 2, .ntok = ntok - 2, .out = out };
	uint64_t len;

	if (ntok < 2 || !parse_number(&tok[1], RDATA_MAX, false, &len)) {
		*why = "bad \\# length";
		return -1;
	}
	if (len > 0 && !parse_encoded(&p, false)) {
		*why = p.why;
		return -1;
	}
	if (p.o != len || p.t != p.ntok) {
		*why = "\\# length does not match the data";
		return -1;
	}
	if (rrtype_known(type) && !rdata_valid(type, out, p.o)) {
		*why = "\\# data is not valid for its type";
		return -1;
	}
	return (int)p.o;
}

int
rdata_parse(uint16_t type, const struct ztok *tok, int ntok, const uint8_t *origin,
    uint8_t *out, const char **why)
{
	const struct rrtype *t = type_find(type);
	struct rdparse p = { .tok = tok, .ntok = ntok, .origin = origin, .out = out };

	if (ntok > 0 && !tok[0].quoted && tok[0].len == 2 && memcmp(tok[0].s, GENERIC, 2) == 0)
		return parse_generic(type, tok, ntok, out, why);
	if (t == NULL) {
		*why = "unknown type needs the \\# form (RFC 3597)";
		return -1;
	}
	for (const char *f = t->layout; *f; f++)
		if (!parse_field(&p, *f)) {
			*why = p.why;
			return -1;
		}
	if (p.t != p.ntok) {
		*why = "extra RDATA fields";
		return -1;
	}
	return (int)p.o;
}

/* --- validation ---------------------------------------------------------- */

/* Length of the field f at rd[0..len), or -1 if it does not fit. */
static int
field_len(char f, const uint8_t *rd, size_t len)
{
	size_t n = 0;

	switch (f) {
	case 'n': return wire_name_len(rd, len < DNAME_WIRE_MAX ? len : DNAME_WIRE_MAX);
	case '1': return len >= 1 ? 1 : -1;
	case '2': case 'T': return len >= 2 ? 2 : -1;
	case '4': case 'd': case 't': case 'a': return len >= 4 ? 4 : -1;
	case 'A': return len >= 16 ? 16 : -1;
	case 's': case 'k': case 'h': case 'H':
		return len >= 1 && len >= 1u + rd[0] ? 1 + rd[0] : -1;
	case 'x': case 'b': case 'r': return (int)len;
	case 'S':
		while (n < len) {
			if (n + 1 + rd[n] > len)
				return -1;
			n += 1u + rd[n];
		}
		return len > 0 ? (int)n : -1;
	case 'm':
		while (n < len) {
			if (n + 2 > len || rd[n + 1] == 0 || rd[n + 1] > BITMAP_WINDOW ||
			    n + 2 + rd[n + 1] > len)
				return -1;
			n += 2u + rd[n + 1];
		}
		return (int)n;
	}
	return -1;
}

bool
rdata_valid(uint16_t type, const uint8_t *rd, size_t len)
{
	const struct rrtype *t = type_find(type);
	size_t o = 0;

	if (t == NULL)
		return true;
	for (const char *f = t->layout; *f; f++) {
		int n = field_len(*f, rd + o, len - o);

		if (n < 0)
			return false;
		o += (size_t)n;
	}
	return o == len;
}

/* --- formatting ---------------------------------------------------------- */

static size_t
fmt_uint(char *out, uint32_t v)
{
	char tmp[10];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[o++] = tmp[--n];
	return o;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t
fmt_string(char *out, const uint8_t *s, size_t n)
{
	static const char digits[] = "0123456789";
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= ' ' && c < 0x7f)
			out[o++] = (char)c;
		else {
			out[o++] = '\\';
			out[o++] = digits[c / 100];
			out[o++] = digits[c / 10 % 10];
			out[o++] = digits[c % 10];
		}
	}
	out[o++] = '"';
	return o;
}

static size_t
fmt_hex(char *out, const uint8_t *in, size_t n, bool upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	return 2 * n;
}

static size_t
fmt_bitmap(char *out, const uint8_t *rd, size_t len)
{
	char buf[16];
	size_t o = 0;

	for (size_t n = 0; n + 2 <= len; n += 2u + rd[n + 1])
		for (int i = 0; i < rd[n + 1] * 8; i++)
			if (rd[n + 2 + i / 8] & (0x80 >> (i % 8))) {
				const char *name = rrtype_name((uint16_t)(rd[n] * 256 + i), buf);
				size_t l = strlen(name);

				if (o > 0)
					out[o++] = ' ';
				memcpy(out + o, name, l);
				o += l;
			}
	return o;
}

/* Writes field f of rd (n octets long); returns the text length. */
static size_t
fmt_field(char f, const uint8_t *rd, size_t n, char *out)
{
	char buf[16];
	const char *s;

	switch (f) {
	case 'n': return dname_format(rd, out);
	case '1': return fmt_uint(out, rd[0]);
	case '2': return fmt_uint(out, (uint32_t)(rd[0] << 8 | rd[1]));
	case '4': case 'd': return fmt_uint(out, get32(rd));
	case 't': time_to_dns(get32(rd), out); return 14;
	case 'T':
		s = rrtype_name((uint16_t)(rd[0] << 8 | rd[1]), buf);
		memcpy(out, s, strlen(s));
		return strlen(s);
	case 'a': inet_ntop(AF_INET, rd, out, INET_ADDRSTRLEN); return strlen(out);
	case 'A': inet_ntop(AF_INET6, rd, out, INET6_ADDRSTRLEN); return strlen(out);
	case 's': return fmt_string(out, rd + 1, rd[0]);
	case 'r': return fmt_string(out, rd, n);
	case 'k':
		memcpy(out, rd + 1, rd[0]);	/* a tag is letters and digits */
		return rd[0];
	case 'S': {
		size_t o = 0;

		for (size_t i = 0; i < n; i += 1u + rd[i]) {
			if (o > 0)
				out[o++] = ' ';
			o += fmt_string(out + o, rd + i + 1, rd[i]);
		}
		return o;
	}
	case 'x': return n == 0 ? 0 : fmt_hex(out, rd, n, true);
	case 'b': return b64_encode(rd, n, out);
	case 'h':
		if (rd[0] == 0) {
			out[0] = '-';
			return 1;
		}
		return fmt_hex(out, rd + 1, rd[0], false);
	case 'H': return b32hex_encode(rd + 1, rd[0], out);
	case 'm': return fmt_bitmap(out, rd, n);
	}
	abort();
}

static size_t
format_generic(const uint8_t *rd, size_t len, char *out)
{
	size_t o = 0;

	memcpy(out, GENERIC " ", 3);
	o = 3 + fmt_uint(out + 3, (uint32_t)len);
	if (len > 0) {
		out[o++] = ' ';
		o += fmt_hex(out + o, rd, len, true);
	}
	return o;
}

size_t
rdata_format(uint16_t type, const uint8_t *rd, size_t len, char *out)
{
	const struct rrtype *t = type_find(type);
	size_t o = 0, at = 0;

	if (t == NULL || !rdata_valid(type, rd, len))
		return format_generic(rd, len, out);
	for (const char *f = t->layout; *f; f++) {
		size_t n = (size_t)field_len(*f, rd + at, len - at);
		size_t sep = o > 0, w = fmt_field(*f, rd + at, n, out + o + sep);

		/* An empty bitmap or digest leaves no field and no blank. */
		if (w > 0) {
			if (sep)
				out[o] = ' ';
			o += sep + w;
		}
		at += n;
	}
	return o;
}

/* --- type bitmaps -------------------------------------------------------- */

size_t
typemap_encode(const uint16_t *types, int n, uint8_t *out)
{
	size_t o = 0;
	int i = 0;

	while (i < n) {
		int win = types[i] >> 8, max = 0;
		uint8_t *bits = out + o + 2;

		memset(bits, 0, BITMAP_WINDOW);
		for (; i < n && types[i] >> 8 == win; i++) {
			int b = types[i] & 0xff;

			bits[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			if (b / 8 + 1 > max)
				max = b / 8 + 1;
		}
		out[o] = (uint8_t)win;
		out[o + 1] = (uint8_t)max;
		o += 2 + (size_t)max;
	}
	return o;
}
