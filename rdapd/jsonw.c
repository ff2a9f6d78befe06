/*
 * jsonw.c: a JSON writer that appends to one buffer as the answer is
 * built (RFC 8259), compact, members in the order they are written.
 *
 * Why not a tree: an RDAP domain answer is some 300 values. Built as a
 * jansson tree (an object is a hash table) and then serialised, it cost
 * a third of rdapd's own time per answer; written straight into the
 * buffer that is sent, it costs the copy. Nothing here reads JSON.
 *
 * Strings are checked as they are copied: quotes, backslashes and
 * control characters are escaped, and a byte that does not belong to a
 * well-formed UTF-8 sequence becomes U+FFFD, so the output is valid
 * whatever a row or a quoted request holds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdapd.h"
#include "util.h"

#define JW_INITIAL	16384
#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

void
jw_reset(struct jw *w)
{
	w->n = 0;
	w->depth = 0;
	w->first = true;
	w->broken = false;
}

void
jw_free(struct jw *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

static void
reserve(struct jw *w, size_t more)
{
	if (w->n + more <= w->cap)
		return;
	while (w->n + more > w->cap)
		w->cap = w->cap ? w->cap * 2 : JW_INITIAL;
	w->p = xrealloc(w->p, w->cap);
}

static void
put(struct jw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->p + w->n, s, n);
	w->n += n;
}

/* The length of the well-formed UTF-8 sequence at s (at most n bytes),
 * or 0 (RFC 3629 section 4: no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void
quoted(struct jw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	char *o;

	reserve(w, 6 * n + 2);	/* U+FFFD for one byte is 3; \u00XX is 6 */
	o = w->p + w->n;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		size_t len;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = (char)c;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else if ((len = utf8_len(s + i, n - i)) > 0) {
			memcpy(o, s + i, len);
			o += len;
			i += len - 1;
		} else {
			memcpy(o, REPLACEMENT, 3);
			o += 3;
		}
	}
	*o++ = '"';
	w->n = (size_t)(o - w->p);
}

/* The comma and the key before a value (key NULL: an array element).
 * Keys are the program's own names, never data: they go as they are. */
static void
lead(struct jw *w, const char *key)
{
	size_t n = key != NULL ? strlen(key) : 0;
	char *o;

	reserve(w, n + 4);
	o = w->p + w->n;
	if (!w->first)
		*o++ = ',';
	w->first = false;
	if (key != NULL) {
		*o++ = '"';
		memcpy(o, key, n);
		o += n;
		*o++ = '"';
		*o++ = ':';
	}
	w->n = (size_t)(o - w->p);
}

/* A container too deep, or a close with none open, is a handler's bug:
 * the answer is marked broken (http.c answers 500), the daemon goes on. */
static void
open_container(struct jw *w, const char *key, char c)
{
	if (w->depth == JW_DEPTH_MAX) {
		w->broken = true;
		return;
	}
	lead(w, key);
	w->open[w->depth++] = c == '{' ? '}' : ']';
	put(w, &c, 1);
	w->first = true;
}

void
jw_object(struct jw *w, const char *key)
{
	open_container(w, key, '{');
}

void
jw_array(struct jw *w, const char *key)
{
	open_container(w, key, '[');
}

void
jw_end(struct jw *w)
{
	if (w->depth == 0) {
		w->broken = true;
		return;
	}
	put(w, &w->open[--w->depth], 1);
	w->first = false;
}

void
jw_stringn(struct jw *w, const char *key, const char *s, size_t n)
{
	lead(w, key);
	quoted(w, s, n);
}

void
jw_string(struct jw *w, const char *key, const char *s)
{
	if (s != NULL)
		jw_stringn(w, key, s, strlen(s));
}

void
jw_int(struct jw *w, const char *key, int64_t v)
{
	char num[24];

	lead(w, key);
	put(w, num, (size_t)snprintf(num, sizeof(num), "%" PRId64, v));
}

void
jw_bool(struct jw *w, const char *key, bool v)
{
	lead(w, key);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void
jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	lead(w, key);
	put(w, json, n);
}
