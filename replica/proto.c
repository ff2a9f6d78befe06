/* proto.c: parsing the lines of the replication protocol (replica.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replica.h"
#include "util.h"

int
proto_split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	if (*line == '\0')
		return 0;
	for (;;) {
		if (n == max)
			return -1;
		words[n++] = p;
		if ((p = strchr(p, ' ')) == NULL)
			return n;
		*p++ = '\0';
	}
}

int
proto_number(const char *word, int64_t min, int64_t max, const char *what,
    int64_t *out, struct reg_err *err)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(word, &end, 10);
	if (!isdigit((unsigned char)word[0]) || errno || *end != '\0' || n < min || n > max)
		return reg_fail(err, REG_ESYNTAX, "bad %s '%.32s'", what, word);
	*out = n;
	return REG_OK;
}

bool
proto_is_digest(const char *word)
{
	return strlen(word) == STORE_DIGEST_HEX - 1 &&
	    strspn(word, "0123456789abcdef") == STORE_DIGEST_HEX - 1;
}

/* C <seq> <ts> <len> <sha256> */
static int
record_changeset(char **w, int n, struct record *r, struct reg_err *err)
{
	int rc;

	if (n != 5)
		return reg_fail(err, REG_ESYNTAX, "changeset header has %d words, not 5", n);
	if ((rc = proto_number(w[1], 1, INT64_MAX, "sequence", &r->seq, err)) != REG_OK ||
	    (rc = proto_number(w[2], 0, INT64_MAX, "time", &r->ts, err)) != REG_OK ||
	    (rc = proto_number(w[3], 0, PROTO_CHANGESET_MAX, "changeset length", &r->len, err)) != REG_OK)
		return rc;
	if (!proto_is_digest(w[4]))
		return reg_fail(err, REG_ESYNTAX, "changeset %lld: bad digest '%.70s'",
		    (long long)r->seq, w[4]);
	strlcpy_reg(r->sha256, w[4], sizeof(r->sha256));
	return REG_OK;
}

/* H <last-seq> <last-ts> */
static int
record_heartbeat(char **w, int n, struct record *r, struct reg_err *err)
{
	int rc;

	if (n != 3)
		return reg_fail(err, REG_ESYNTAX, "heartbeat has %d words, not 3", n);
	if ((rc = proto_number(w[1], 0, INT64_MAX, "sequence", &r->seq, err)) != REG_OK)
		return rc;
	return proto_number(w[2], 0, INT64_MAX, "time", &r->ts, err);
}

/* The reason after "SEED " or "ERR " (kw) at the start of line, or NULL. */
static const char *
reason_of(const char *line, const char *kw)
{
	size_t n = strlen(kw);

	if (strncmp(line, kw, n) != 0 || (line[n] != ' ' && line[n] != '\0'))
		return NULL;
	return line[n] == ' ' ? line + n + 1 : "(no reason given)";
}

int
proto_record_parse(char *line, struct record *r, struct reg_err *err)
{
	char *w[PROTO_WORDS_MAX];
	const char *why;
	int n;

	memset(r, 0, sizeof(*r));
	if ((why = reason_of(line, "ERR")) != NULL)
		return reg_fail(err, REG_EIO, "the feed says: %s", why);
	n = proto_split(line, w, PROTO_WORDS_MAX);
	if (n > 0 && strcmp(w[0], "C") == 0) {
		r->type = 'C';
		return record_changeset(w, n, r, err);
	}
	if (n > 0 && strcmp(w[0], "H") == 0) {
		r->type = 'H';
		return record_heartbeat(w, n, r, err);
	}
	return reg_fail(err, REG_ESYNTAX, "unexpected line from the feed: '%.40s'",
	    n > 0 ? w[0] : "");
}

int
proto_answer(struct conn *c, const char *want, char *line, size_t size,
    char **words, int *nwords, struct reg_err *err)
{
	const char *why;
	int rc;

	if ((rc = conn_read_line(c, line, size, err)) != REG_OK)
		return rc;
	if ((why = reason_of(line, "SEED")) != NULL)
		return reg_fail(err, REG_ENOTFOUND, "%s", why);
	if ((why = reason_of(line, "ERR")) != NULL)
		return reg_fail(err, REG_EIO, "the feed refused: %s", why);
	*nwords = proto_split(line, words, PROTO_WORDS_MAX);
	if (*nwords > 0 && strcmp(words[0], want) == 0)
		return REG_OK;
	return reg_fail(err, REG_ESYNTAX, "unexpected answer from the feed: '%.40s'",
	    *nwords > 0 ? words[0] : "");
}
