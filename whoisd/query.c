/*
 * query.c: the WHOIS query line (RFC 3912 section 2: text ended by CR LF).
 *
 * A line is checked byte by byte first: no NUL, no control character
 * (C0, DEL, C1), nothing that is not well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF). Then it is split
 * into words at blanks: one word is a domain name; two words are a
 * keyword of the table below (any case) and its argument.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "name.h"
#include "util.h"
#include "whoisd.h"

#define MAX_WORDS 2
#define BLANKS " \t"

static const struct keyword {
	const char *word;
	enum query_kind kind;
	bool arg;		/* takes an argument */
	const char *usage;
} keywords[] = {
	{ "domain", QUERY_DOMAIN, true, "domain NAME" },
	{ "nameserver", QUERY_NAMESERVER, true, "nameserver NAME" },
	{ "registrar", QUERY_REGISTRAR, true, "registrar HANDLE" },
	{ "help", QUERY_HELP, false, "help" },
};

long
query_bad_byte(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return (long)i;
	}
	return -1;
}

/* REG_OK when line is UTF-8 text without control characters. */
static int
check_text(const char *line, struct reg_err *err)
{
	size_t n = strlen(line), k;
	uint32_t cp;

	for (size_t i = 0; i < n; i += k) {
		if ((k = name_utf8_decode(line + i, n - i, &cp)) == 0)
			return reg_fail(err, REG_ESYNTAX, "the query is not valid UTF-8");
		if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
			return reg_fail(err, REG_ESYNTAX,
			    "the query contains a control character");
	}
	return REG_OK;
}

static const struct keyword *
keyword_find(const char *word)
{
	for (size_t i = 0; i < nitems(keywords); i++)
		if (strcasecmp(keywords[i].word, word) == 0)
			return &keywords[i];
	return NULL;
}

/* Splits line at blanks into at most MAX_WORDS words; *n is one more
 * than MAX_WORDS when there are more. */
static void
split(char *line, char **words, int *n)
{
	char *save = NULL;

	*n = 0;
	for (char *w = strtok_r(line, BLANKS, &save); w != NULL;
	    w = strtok_r(NULL, BLANKS, &save)) {
		if (*n == MAX_WORDS) {
			(*n)++;
			return;
		}
		words[(*n)++] = w;
	}
}

int
query_parse(char *line, struct query *q, struct reg_err *err)
{
	const struct keyword *k;
	char *words[MAX_WORDS];
	int n, rc;

	if ((rc = check_text(line, err)) != REG_OK)
		return rc;
	split(line, words, &n);
	if (n == 0)
		return reg_fail(err, REG_ESYNTAX, "empty query; try 'help'");
	if (n > MAX_WORDS)
		return reg_fail(err, REG_ESYNTAX, "too many words; try 'help'");
	k = keyword_find(words[0]);
	if (n == 1 && (k == NULL || !k->arg)) {
		q->kind = k != NULL ? k->kind : QUERY_DOMAIN;
		q->arg = k != NULL ? "" : words[0];
		return REG_OK;
	}
	if (k == NULL)
		return reg_fail(err, REG_ESYNTAX, "unknown keyword; try 'help'");
	if ((n == 2) != k->arg)
		return reg_fail(err, REG_ESYNTAX, "usage: %s", k->usage);
	q->kind = k->kind;
	q->arg = words[1];
	return REG_OK;
}
