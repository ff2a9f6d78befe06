/*
 * dname.c: domain names in wire form and their canonical order.
 *
 * RFC 4034 6.1 orders names by their labels from the root down, each label
 * compared as a lower-case octet string where a missing octet sorts first.
 * dname_make_key() turns a name into a key whose plain memcmp order is
 * exactly that (see struct dname), so that sorting a million names needs
 * no label walking in the comparison.
 */
#include <string.h>

#include "zonegen.h"

#define LABEL_MAX	63
#define LABELS_MAX	128
#define KEY_ESC		0x01	/* escapes 0x00 and 0x01 inside a label */

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* One escaped character at s (after the backslash): \DDD or \X. Returns
 * the characters used, 0 if malformed. */
static size_t
unescape(const char *s, size_t left, uint8_t *out)
{
	unsigned v;

	if (left == 0)
		return 0;
	if (s[0] >= '0' && s[0] <= '9') {
		if (left < 3 || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
			return 0;
		v = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 +
		    (unsigned)(s[2] - '0');
		if (v > 255)
			return 0;
		*out = (uint8_t)v;
		return 3;
	}
	*out = (uint8_t)s[0];
	return 1;
}

/* Appends the origin to a relative name; -1 if too long. */
static int
add_origin(uint8_t *wire, size_t at, const uint8_t *origin, const char **why)
{
	int olen;

	if (origin == NULL) {
		*why = "relative name and no $ORIGIN";
		return -1;
	}
	olen = wire_name_len(origin, DNAME_WIRE_MAX);
	if (olen < 0 || at + (size_t)olen > DNAME_WIRE_MAX) {
		*why = "name longer than 255 octets";
		return -1;
	}
	memcpy(wire + at, origin, (size_t)olen);
	return (int)at + olen;
}

int
dname_parse(const char *s, size_t len, const uint8_t *origin, uint8_t *wire,
    const char **why)
{
	size_t i = 0, at = 1, lab = 0, n, llen = 0;
	uint8_t c;

	if (len == 1 && s[0] == '.') {
		wire[0] = 0;
		return 1;
	}
	while (i < len) {
		if (s[i] == '.') {
			if (llen == 0) {
				*why = "empty label";
				return -1;
			}
			wire[lab] = (uint8_t)llen;
			lab = at++;
			llen = 0;
			if (++i == len) {
				wire[lab] = 0;
				return (int)lab + 1;
			}
			continue;
		}
		if (s[i] == '\\') {
			if ((n = unescape(s + i + 1, len - i - 1, &c)) == 0) {
				*why = "bad escape in name";
				return -1;
			}
			i += n + 1;
		} else
			c = (uint8_t)s[i++];
		if (llen == LABEL_MAX || at >= DNAME_WIRE_MAX - 1) {
			*why = llen == LABEL_MAX ? "label longer than 63 octets" :
			    "name longer than 255 octets";
			return -1;
		}
		wire[at++] = lower(c);
		llen++;
	}
	if (llen == 0) {
		*why = "empty name";
		return -1;
	}
	wire[lab] = (uint8_t)llen;
	return add_origin(wire, at, origin, why);
}

int
wire_name_len(const uint8_t *w, size_t max)
{
	size_t at = 0;

	while (at < max) {
		if (w[at] == 0)
			return (int)at + 1;
		if (w[at] > LABEL_MAX)
			return -1;
		at += (size_t)w[at] + 1;
	}
	return -1;
}

int
wire_labels(const uint8_t *wire)
{
	int n = 0;

	for (; *wire != 0; wire += *wire + 1)
		n++;
	return n;
}

const uint8_t *
wire_parent(const uint8_t *wire)
{
	return *wire == 0 ? wire : wire + *wire + 1;
}

size_t
dname_make_key(const uint8_t *wire, uint8_t *key)
{
	const uint8_t *lab[LABELS_MAX];
	int n = 0;
	size_t k = 0;

	for (const uint8_t *p = wire; *p != 0 && n < LABELS_MAX; p += *p + 1)
		lab[n++] = p;
	while (n-- > 0) {
		for (uint8_t i = 1; i <= lab[n][0]; i++) {
			uint8_t c = lab[n][i];

			if (c <= KEY_ESC) {
				key[k++] = KEY_ESC;
				key[k++] = (uint8_t)(c + 1);
			} else
				key[k++] = c;
		}
		key[k++] = 0;
	}
	return k;
}

static const struct dname *
dname_put(struct dname *d, const uint8_t *wire, size_t wlen, const uint8_t *key, size_t klen)
{
	d->wlen = (uint8_t)wlen;
	d->klen = (uint16_t)klen;
	d->nlabels = (uint8_t)wire_labels(wire);
	memcpy(d->data, wire, wlen);
	memcpy(d->data + wlen, key, klen);
	return d;
}

const struct dname *
dname_new(struct region *rg, const uint8_t *wire, size_t wlen)
{
	uint8_t key[DNAME_KEY_MAX];
	size_t klen = dname_make_key(wire, key);

	return dname_put(region_bytes(rg, sizeof(struct dname) + wlen + klen,
	    _Alignof(struct dname)), wire, wlen, key, klen);
}

const struct dname *
dname_fill(void *buf, const uint8_t *wire, size_t wlen)
{
	uint8_t key[DNAME_KEY_MAX];
	size_t klen = dname_make_key(wire, key);

	return dname_put(buf, wire, wlen, key, klen);
}

int
dname_cmp(const struct dname *a, const struct dname *b)
{
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c;

	if (a == b)
		return 0;
	if ((c = memcmp(dname_key(a), dname_key(b), n)) != 0)
		return c;
	return (a->klen > b->klen) - (a->klen < b->klen);
}

bool
dname_equal(const struct dname *a, const struct dname *b)
{
	return a == b || (a->wlen == b->wlen &&
	    memcmp(dname_wire(a), dname_wire(b), a->wlen) == 0);
}

bool
dname_under(const struct dname *name, const struct dname *zone)
{
	return name->klen >= zone->klen &&
	    memcmp(dname_key(name), dname_key(zone), zone->klen) == 0;
}

/* Whether c must be escaped in a label's presentation form. */
static bool
special(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' ||
	    c == ')' || c == '@' || c == '$';
}

size_t
dname_format(const uint8_t *wire, char *out)
{
	static const char digits[] = "0123456789";
	size_t o = 0;

	if (*wire == 0) {
		out[o++] = '.';
		out[o] = '\0';
		return o;
	}
	for (; *wire != 0; wire += *wire + 1) {
		for (uint8_t i = 1; i <= *wire; i++) {
			uint8_t c = wire[i];

			if (c > ' ' && c < 0x7f && !special(c))
				out[o++] = (char)c;
			else if (special(c)) {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else {
				out[o++] = '\\';
				out[o++] = digits[c / 100];
				out[o++] = digits[c / 10 % 10];
				out[o++] = digits[c % 10];
			}
		}
		out[o++] = '.';
	}
	out[o] = '\0';
	return o;
}
