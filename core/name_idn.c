/*
 * name_idn.c: one label (LDH, A-label, U-label) and the IDN table.
 *
 * libidn2 does the IDNA2008 work: idn2_register_u8() applies the
 * registration rules of RFC 5891 section 4 (code point classes of RFC
 * 5892, hyphens, leading marks, CONTEXTJ/O rules, Bidi) and, given an
 * A-label, decodes it and checks that it encodes back to itself (4.2.1).
 * Lower-casing uses the C.UTF-8 locale's towlower_l(), the Unicode simple
 * case mapping, without touching the program's own locale.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <idn2.h>

#include "name.h"
#include "util.h"

#define ACE_PREFIX	"xn--"		/* RFC 5890 2.3.2.1 */
#define ACE_PREFIX_LEN	4
#define UNICODE_MAX	0x10ffff
#define UTF8_MAX	4		/* bytes of one code point */
#define QUOTE_SIZE	80		/* a label quoted in a reason */

struct cp_range {
	uint32_t lo, hi;
};

struct name_table {
	struct cp_range *r;	/* sorted, disjoint, not adjacent */
	size_t n, cap;
};

/* --- UTF-8 ----------------------------------------------------------------- */

size_t
name_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c = s[0];
	size_t len;

	if (c < 0x80)
		len = 1;
	else if ((c & 0xe0) == 0xc0)
		len = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		len = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		len = 4, c &= 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < least[len] || c > UNICODE_MAX || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Writes cp as UTF-8 (at most UTF8_MAX bytes); returns the length. */
static size_t
utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A label fit for an error message: controls and broken bytes become '?',
 * long labels are cut at a character boundary and end in "...". */
static const char *
quote(const char *in, size_t len, char buf[QUOTE_SIZE])
{
	size_t i = 0, o = 0, k;
	uint32_t cp;

	while (i < len && o + UTF8_MAX + sizeof("...") < QUOTE_SIZE) {
		if ((k = name_utf8_decode(in + i, len - i, &cp)) == 0 ||
		    cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			buf[o++] = '?';
			i += k ? k : 1;
			continue;
		}
		memcpy(buf + o, in + i, k);
		o += k;
		i += k;
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* --- one label ------------------------------------------------------------- */

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void
utf8_locale_init(void)
{
	/* Without it only ASCII is lower-cased and upper-case U-labels are
	 * refused as DISALLOWED: strict, never wrong. */
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Lower-cases the UTF-8 label in into out (size bytes). */
static int
fold(const char *in, size_t len, char *out, size_t size, struct reg_err *err)
{
	size_t o = 0, k;
	uint32_t cp;

	pthread_once(&utf8_once, utf8_locale_init);
	for (size_t i = 0; i < len; i += k) {
		if ((k = name_utf8_decode(in + i, len - i, &cp)) == 0)
			return reg_fail(err, REG_ESYNTAX, "label is not valid UTF-8");
		if (utf8_locale != (locale_t)0)
			cp = (uint32_t)towlower_l((wint_t)cp, utf8_locale);
		if (o + UTF8_MAX >= size)
			return reg_fail(err, REG_ESYNTAX, "label is too long");
		o += utf8_encode(cp, out + o);
	}
	out[o] = '\0';
	return REG_OK;
}

/* out->alabel starts with "xn--": it must be a valid A-label (RFC 5891
 * 4.2.1: decode, apply 4.2.2-4.2.4, encode back to the same string). */
static int
alabel_check(struct name_label *out, struct reg_err *err)
{
	uint8_t *back = NULL;
	char *u = NULL;
	int rc;

	rc = idn2_register_u8(NULL, (const uint8_t *)out->alabel, &back, 0);
	idn2_free(back);
	if (rc != IDN2_OK)
		return reg_fail(err, REG_ESYNTAX, "label '%s' is not a valid A-label: %s (RFC 5891 4.2)",
		    out->alabel, idn2_strerror(rc));
	rc = idn2_to_unicode_8z8z(out->alabel, &u, 0);
	if (rc == IDN2_OK && strlcpy_reg(out->ulabel, u, sizeof(out->ulabel)) >= sizeof(out->ulabel))
		rc = IDN2_TOO_BIG_LABEL;
	idn2_free(u);
	if (rc != IDN2_OK)
		return reg_fail(err, REG_ESYNTAX, "label '%s' does not decode: %s",
		    out->alabel, idn2_strerror(rc));
	out->idn = true;
	return REG_OK;
}

static bool
is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* An all-ASCII label: LDH (RFC 1035 2.3.1), or an A-label when it has
 * "--" in positions 3 and 4, which IDNA2008 reserves (RFC 5891 4.2.3.1). */
static int
ascii_label(const char *in, size_t len, struct name_label *out, struct reg_err *err)
{
	char q[QUOTE_SIZE];
	char *a = out->alabel;

	if (len > NAME_LABEL_MAX)
		return reg_fail(err, REG_ESYNTAX, "label '%s' is longer than %d octets (RFC 1035 2.3.4)",
		    quote(in, len, q), NAME_LABEL_MAX);
	for (size_t i = 0; i < len; i++) {
		a[i] = (char)tolower((unsigned char)in[i]);
		if (is_ldh(a[i]))
			continue;
		if (isprint((unsigned char)a[i]))
			return reg_fail(err, REG_ESYNTAX, "label '%s': '%c' is not a letter, digit or hyphen (RFC 1035 2.3.1)",
			    quote(in, len, q), a[i]);
		return reg_fail(err, REG_ESYNTAX, "label '%s' has a control character",
		    quote(in, len, q));
	}
	a[len] = '\0';
	if (a[0] == '-' || a[len - 1] == '-')
		return reg_fail(err, REG_ESYNTAX, "label '%s' begins or ends with a hyphen (RFC 1035 2.3.1)", a);
	if (len >= ACE_PREFIX_LEN && a[2] == '-' && a[3] == '-') {
		if (strncmp(a, ACE_PREFIX, ACE_PREFIX_LEN) == 0)
			return alabel_check(out, err);
		return reg_fail(err, REG_ESYNTAX, "label '%s' has '--' in positions 3 and 4 but is not an A-label (RFC 5891 4.2.3.1)", a);
	}
	memcpy(out->ulabel, a, len + 1);
	out->idn = false;
	return REG_OK;
}

/* A label with non-ASCII bytes: a U-label, lower-cased, put in NFC and
 * checked by the registration rules (RFC 5891 4.1-4.4). */
static int
unicode_label(const char *in, size_t len, struct name_label *out, struct reg_err *err)
{
	char folded[NAME_ULABEL_MAX + 1], q[QUOTE_SIZE];
	uint8_t *ace = NULL;
	int rc;

	if ((rc = fold(in, len, folded, sizeof(folded), err)) != REG_OK)
		return rc;
	rc = idn2_register_u8((const uint8_t *)folded, NULL, &ace, IDN2_NFC_INPUT);
	/* A string that folds to ASCII ("K", KELVIN SIGN) is no U-label. */
	if (rc == IDN2_OK && strncmp((char *)ace, ACE_PREFIX, ACE_PREFIX_LEN) != 0)
		rc = IDN2_DISALLOWED;
	if (rc == IDN2_OK && strlcpy_reg(out->alabel, (char *)ace, sizeof(out->alabel)) >= sizeof(out->alabel))
		rc = IDN2_TOO_BIG_LABEL;
	idn2_free(ace);
	if (rc != IDN2_OK)
		return reg_fail(err, REG_ESYNTAX, "label '%s' is not a valid U-label: %s (RFC 5891 4.2)",
		    quote(in, len, q), idn2_strerror(rc));
	return alabel_check(out, err);
}

int
name_label_parse(const char *in, size_t len, struct name_label *out,
    struct reg_err *err)
{
	if (len == 0)
		return reg_fail(err, REG_ESYNTAX, "empty label");
	if (len > NAME_ULABEL_MAX)
		return reg_fail(err, REG_ESYNTAX, "label is longer than %d octets (RFC 1035 2.3.4)",
		    NAME_LABEL_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			return unicode_label(in, len, out, err);
	return ascii_label(in, len, out, err);
}

/* --- the IDN table --------------------------------------------------------- */

/* Whether IDNA2008 lets cp into a label (RFC 5892): lower-case LDH in
 * ASCII; otherwise libidn2 must accept it alone or after a base letter,
 * since a combining mark may not lead a label (RFC 5891 4.2.3.2). The
 * base is U+014B (ŋ), which composes with no mark, so the pair stays in
 * NFC. CONTEXTJ and CONTEXTO code points fail both: their rules need
 * more context. */
static bool
cp_pvalid(uint32_t cp)
{
	static const char base[] = "\xc5\x8b";
	char label[sizeof(base) + UTF8_MAX];
	size_t blen = sizeof(base) - 1;
	uint8_t *out = NULL;
	int rc;

	if (cp < 0x80)
		return is_ldh((char)cp);
	memcpy(label, base, blen);
	label[blen + utf8_encode(cp, label + blen)] = '\0';
	rc = idn2_register_u8((const uint8_t *)label + blen, NULL, &out, 0);
	idn2_free(out);
	if (rc == IDN2_OK)
		return true;
	out = NULL;
	rc = idn2_register_u8((const uint8_t *)label, NULL, &out, 0);
	idn2_free(out);
	return rc == IDN2_OK;
}

/* Parses "U+" and 4 to 6 hex digits at *s; advances *s. */
static bool
parse_cp(const char **s, uint32_t *cp)
{
	const char *p = *s;
	int n = 0;

	if (p[0] != 'U' || p[1] != '+')
		return false;
	p += 2;
	for (*cp = 0; isxdigit((unsigned char)p[n]) && n < 7; n++)
		*cp = *cp * 16 + (uint32_t)(isdigit((unsigned char)p[n]) ?
		    p[n] - '0' : tolower((unsigned char)p[n]) - 'a' + 10);
	if (n < 4 || n > 6)
		return false;
	*s = p + n;
	return true;
}

static void
table_add(struct name_table *t, uint32_t lo, uint32_t hi)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->r = xrealloc(t->r, t->cap * sizeof(*t->r));
	}
	t->r[t->n].lo = lo;
	t->r[t->n].hi = hi;
	t->n++;
}

/* One line without its comment: blank, "U+XXXX" or "U+XXXX..U+YYYY". */
static int
table_line(struct name_table *t, const char *s, const char *where,
    struct reg_err *err)
{
	uint32_t lo, hi;

	s += strspn(s, " \t\r\n");
	if (*s == '\0')
		return REG_OK;
	if (!parse_cp(&s, &lo))
		return reg_fail(err, REG_ECONFIG, "%s: expected U+XXXX or U+XXXX..U+YYYY, not '%.*s'",
		    where, (int)strcspn(s, " \t\r\n"), s);
	hi = lo;
	if (strncmp(s, "..", 2) == 0 && (s += 2, !parse_cp(&s, &hi)))
		return reg_fail(err, REG_ECONFIG, "%s: expected U+XXXX after '..'", where);
	if (s[strspn(s, " \t\r\n")] != '\0')
		return reg_fail(err, REG_ECONFIG, "%s: unexpected text after the code point (comments start with '#')", where);
	if (hi > UNICODE_MAX)
		return reg_fail(err, REG_ECONFIG, "%s: U+%04X is beyond U+10FFFF", where, hi);
	if (lo > hi)
		return reg_fail(err, REG_ECONFIG, "%s: range U+%04X..U+%04X runs backwards", where, lo, hi);
	for (uint32_t cp = lo; cp <= hi; cp++)
		if (!cp_pvalid(cp))
			return reg_fail(err, REG_ECONFIG, "%s: U+%04X is not PVALID in IDNA2008 (RFC 5892)", where, cp);
	table_add(t, lo, hi);
	return REG_OK;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct cp_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts the ranges and merges those that overlap or touch. */
static void
table_merge(struct name_table *t)
{
	size_t n = 0;

	qsort(t->r, t->n, sizeof(*t->r), range_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (n > 0 && t->r[i].lo <= t->r[n - 1].hi + 1) {
			if (t->r[i].hi > t->r[n - 1].hi)
				t->r[n - 1].hi = t->r[i].hi;
		} else {
			t->r[n++] = t->r[i];
		}
	}
	t->n = n;
}

static int
table_read(struct name_table *t, FILE *f, const char *path, struct reg_err *err)
{
	char *line = NULL, where[REG_ERR_REASON_MAX / 2];
	size_t cap = 0;
	int lineno = 0, rc = REG_OK;

	while (rc == REG_OK && getline(&line, &cap, f) != -1) {
		snprintf(where, sizeof(where), "%s:%d", path, ++lineno);
		line[strcspn(line, "#")] = '\0';
		rc = table_line(t, line, where, err);
	}
	if (rc == REG_OK && ferror(f))
		rc = reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	if (rc == REG_OK && t->n == 0)
		rc = reg_fail(err, REG_ECONFIG, "%s: no code points", path);
	free(line);
	return rc;
}

struct name_table *
name_table_load(const char *path, struct reg_err *err)
{
	struct name_table *t;
	FILE *f;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	rc = table_read(t, f, path, err);
	fclose(f);
	if (rc != REG_OK) {
		name_table_free(t);
		return NULL;
	}
	table_merge(t);
	return t;
}

void
name_table_free(struct name_table *t)
{
	if (t == NULL)
		return;
	free(t->r);
	free(t);
}

bool
name_table_allows(const struct name_table *t, uint32_t cp)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < t->r[mid].lo)
			hi = mid;
		else if (cp > t->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int
name_table_check(const struct name_table *t, const char *ulabel,
    struct reg_err *err)
{
	char q[QUOTE_SIZE];
	size_t len = strlen(ulabel), k;
	uint32_t cp;

	for (size_t i = 0; i < len; i += k) {
		if ((k = name_utf8_decode(ulabel + i, len - i, &cp)) == 0)
			return reg_fail(err, REG_ESYNTAX, "label is not valid UTF-8");
		if (!name_table_allows(t, cp))
			return reg_fail(err, REG_EIDN, "U+%04X not allowed in label '%s'",
			    cp, quote(ulabel, len, q));
	}
	return REG_OK;
}
