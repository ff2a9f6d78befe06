/*
 * zonefile.c: the master file reader (RFC 1035 5, RFC 2308 4 $TTL).
 *
 * The file is read whole and cut into entries by a lexer that knows
 * parentheses (an entry may span lines), comments, quoted strings and
 * escapes. Each entry is a directive ($ORIGIN, $TTL, $INCLUDE) or a record:
 *
 *   [owner] [TTL] [class] type RDATA      (TTL and class in either order)
 *
 * A line starting with a blank repeats the previous owner; "@" is the
 * origin; names without a final dot are relative to it. A record without
 * a TTL takes $TTL, else the last TTL given, else (an SOA) its MINIMUM.
 * Every error names file:line.
 *
 * A large file is read on every core: a quick scan that knows quotes,
 * escapes, comments and parentheses cuts it at lines that start a new
 * owner, and each piece is parsed into records of its own after replaying
 * the $ORIGIN and $TTL lines before it. When a piece needs what only a
 * serial read knows (a record without TTL and no $TTL before it), or the
 * file has $INCLUDE, the file is read again serially.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "zonegen.h"

#define OWNER_BUF	((sizeof(struct dname) + DNAME_WIRE_MAX + DNAME_KEY_MAX + 7) & ~(size_t)7)
#define TOKENS_MAX	4096	/* per entry: a TXT or key split into words */
#define INCLUDE_DEPTH	8
#define SOA_MINIMUM_AT	16	/* MINIMUM: the last 4 octets of SOA RDATA */
#define PARALLEL_MIN	(4 << 20)	/* files smaller than this: one thread */
#define PIECES_PER_THREAD 2
#define PIECES_MAX	(PIECES_PER_THREAD * SIGN_THREADS_MAX)
#define DIRECTIVES_MAX	64	/* $ORIGIN and $TTL lines a piece replays */
#define HUGE_ALIGN	(2 << 20)	/* zone_file_slurp's buffer */

struct lexer {
	const char *p, *end;
	int line;
};

/* The splitter's state between lines (a parallel read). */
struct scan {
	int paren, line;
	bool quote;
};

/* RDATA seen before, for types whose RDATA repeats across a TLD zone
 * (name servers: a million NS records point at a few thousand hosts),
 * so that each distinct RDATA is stored once. */
struct intern {
	struct { const uint8_t *p; uint16_t len; } *slot;
	size_t mask, n;
};

struct reader {
	struct zone *z;
	struct intern *seen;
	const char *path;
	uint16_t file;
	struct lexer lx;
	uint8_t origin[DNAME_WIRE_MAX];
	bool has_origin;
	uint32_t ttl, last_ttl;
	bool has_ttl, has_last;
	const struct dname *owner;
	bool soa_only, done;
	int depth;
	struct ztok tok[TOKENS_MAX];
	uint8_t rdata[RDATA_MAX];
	struct reg_err *err;
	int line;		/* of the entry being read */
	bool piece;		/* a piece of a parallel read, not the whole file */
	zread_visit visit;	/* records go here, not into the zone */
	void *visit_arg;
	/* two owners, the current and the previous, each aligned for a dname */
	_Alignas(8) uint8_t owner_buf[2][OWNER_BUF];
	int flip;
	int threads;		/* for a parallel read; 0: every core */
	bool need_serial;	/* the piece needed an earlier TTL: read serially */
	char **keep;		/* zread_opts.keep */
	size_t *keep_len;
};

static int rd_file(struct reader *, const char *path);

static int rd_fail(struct reader *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* REG_ESYNTAX with "file:line: reason". */
static int
rd_fail(struct reader *r, const char *fmt, ...)
{
	char msg[REG_ERR_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reg_fail(r->err, REG_ESYNTAX, "%s:%d: %s", r->path, r->line, msg);
}

/* --- the lexer ----------------------------------------------------------- */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* What ends a word (WORD_END) and the escape (WORD_ESCAPE), by octet. */
enum { WORD_END = 1, WORD_ESCAPE = 2 };
static const uint8_t word_stop[256] = {
	[' '] = WORD_END, ['\t'] = WORD_END, ['\r'] = WORD_END, ['\n'] = WORD_END,
	[';'] = WORD_END, ['('] = WORD_END, [')'] = WORD_END, ['"'] = WORD_END,
	['\\'] = WORD_ESCAPE,
};

static bool
ends_token(char c)
{
	return word_stop[(uint8_t)c] == WORD_END;
}

size_t
zone_word_len(const char *p, size_t max)
{
	size_t n = 0;

	if (max == 0 || ends_token(*p))
		return 0;
	while (n < max) {
		uint8_t k = word_stop[(uint8_t)p[n]];

		if (k == WORD_END)
			break;
		if (k == WORD_ESCAPE && n + 1 < max && p[n + 1] != '\n')
			n++;
		n++;
	}
	return n;
}

/* Skips to the end of a comment (not past the newline). */
static void
skip_comment(struct lexer *lx)
{
	const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));

	lx->p = nl != NULL ? nl : lx->end;
}

/* A quoted string; lx->p is past the opening quote. */
static int
lex_quoted(struct lexer *lx, struct ztok *t)
{
	t->s = lx->p;
	t->quoted = true;
	while (lx->p < lx->end && *lx->p != '"') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		if (*lx->p == '\n')
			lx->line++;
		lx->p++;
	}
	if (lx->p == lx->end)
		return -1;
	t->len = (uint32_t)(lx->p - t->s);
	lx->p++;
	return 0;
}

static void
lex_word(struct lexer *lx, struct ztok *t)
{
	t->s = lx->p;
	t->quoted = false;
	t->len = (uint32_t)zone_word_len(lx->p, (size_t)(lx->end - lx->p));
	lx->p += t->len;
}

/*
 * The next entry's tokens. Returns the count (0 at the end of the file),
 * or -1 with *why. *blank says whether the entry's line starts with a
 * blank (no owner); *line is the line it starts on.
 */
/* Skips empty and comment-only lines; false at the end of the file.
 * *blank: whether the line found starts with a blank (no owner). */
static bool
skip_empty_lines(struct lexer *lx, bool *blank)
{
	for (;;) {
		if (lx->p == lx->end)
			return false;
		*blank = is_blank(*lx->p);
		while (lx->p < lx->end && is_blank(*lx->p))
			lx->p++;
		if (lx->p < lx->end && *lx->p == ';')
			skip_comment(lx);
		if (lx->p == lx->end)
			return false;
		if (*lx->p != '\n')
			return true;
		lx->p++;
		lx->line++;
	}
}

static int
lex_entry(struct lexer *lx, struct ztok *tok, bool *blank, int *line, const char **why)
{
	int n = 0, paren = 0, paren_line = 0;

	if (!skip_empty_lines(lx, blank))
		return 0;
	*line = lx->line;
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (is_blank(c)) {
			lx->p++;
		} else if (c == ';') {
			skip_comment(lx);
		} else if (c == '\n') {
			lx->p++;
			lx->line++;
			if (paren == 0)
				return n;
		} else if (c == '(') {
			if (paren++ == 0)
				paren_line = lx->line;
			lx->p++;
		} else if (c == ')') {
			if (paren-- == 0) {
				*why = "')' without '('";
				return -1;
			}
			lx->p++;
		} else {
			if (n == TOKENS_MAX) {
				*why = "too many fields in one entry";
				return -1;
			}
			if (c == '"') {
				lx->p++;
				if (lex_quoted(lx, &tok[n]) < 0) {
					*why = "unterminated quoted string";
					return -1;
				}
			} else
				lex_word(lx, &tok[n]);
			n++;
		}
	}
	if (paren > 0) {
		*line = paren_line;
		*why = "'(' without ')'";
		return -1;
	}
	return n;
}

/* Moves past one line for the splitter, keeping quote and parenthesis
 * state across lines; escapes and comments as the lexer has them. */
static const char *
scan_line(struct scan *s, const char *p, const char *end)
{
	for (; p < end; p++) {
		char c = *p;

		if (c == '\\') {
			if (++p == end)
				break;
			/* Escaped, a newline goes on only inside quotes (lex_word). */
			if (*p == '\n') {
				s->line++;
				if (!s->quote)
					return p + 1;
			}
		} else if (c == '"')
			s->quote = !s->quote;
		else if (c == '\n') {
			s->line++;
			return p + 1;
		} else if (s->quote)
			continue;
		else if (c == '(')
			s->paren++;
		else if (c == ')')
			s->paren--;
		else if (c == ';') {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			p = nl != NULL ? nl - 1 : end - 1;
		}
	}
	return end;
}

/* --- entries ------------------------------------------------------------- */

static bool
tok_is(const struct ztok *t, const char *s)
{
	return !t->quoted && t->len == strlen(s) && strncasecmp(t->s, s, t->len) == 0;
}

/* Parses a name token (or "@") relative to the current origin. */
static int
name_tok(struct reader *r, const struct ztok *t, uint8_t *wire, const char *what)
{
	const char *why;
	int n;

	if (tok_is(t, "@")) {
		if (!r->has_origin)
			return rd_fail(r, "%s is @ and there is no $ORIGIN", what);
		n = wire_name_len(r->origin, DNAME_WIRE_MAX);
		memcpy(wire, r->origin, (size_t)n);
		return n;
	}
	if ((n = dname_parse(t->s, t->len, r->has_origin ? r->origin : NULL, wire, &why)) < 0)
		return rd_fail(r, "bad %s '%.*s': %s", what, (int)t->len, t->s, why);
	return n;
}

static int
owner_set(struct reader *r, const struct ztok *t)
{
	uint8_t wire[DNAME_WIRE_MAX];
	int n = name_tok(r, t, wire, "owner name");

	if (n < 0)
		return n;
	if (r->owner != NULL && r->owner->wlen == n &&
	    memcmp(dname_wire(r->owner), wire, (size_t)n) == 0)
		return REG_OK;
	if (r->visit == NULL) {
		r->owner = dname_new(r->z->rg, wire, (size_t)n);
		return REG_OK;
	}
	/* Visiting: the owner lives until the next one, in one of two buffers
	 * (the visitor may still hold the previous). */
	r->flip ^= 1;
	r->owner = dname_fill(r->owner_buf[r->flip], wire, (size_t)n);
	return REG_OK;
}

/* $INCLUDE file [origin]: relative to the including file's folder; the
 * origin and owner come back afterwards (RFC 1035 5.1). */
static int
include(struct reader *r, const struct ztok *t, int n)
{
	struct reader *sub;
	char *copy, *path;
	int rc;

	if (r->depth == INCLUDE_DEPTH)
		return rd_fail(r, "$INCLUDE nested more than %d deep", INCLUDE_DEPTH);
	sub = xmalloc(sizeof(*sub));
	memcpy(sub, r, sizeof(*sub));
	sub->depth++;
	if (n == 3 && name_tok(r, &t[2], sub->origin, "$INCLUDE origin") < 0) {
		free(sub);
		return REG_ESYNTAX;
	}
	sub->has_origin = r->has_origin || n == 3;
	copy = xstrdup(r->path);
	if (t[1].s[0] == '/')
		path = xstrdup("");
	else if (asprintf(&path, "%s/", dirname(copy)) < 0)
		abort();
	path = xrealloc(path, strlen(path) + t[1].len + 1);
	strncat(path, t[1].s, t[1].len);
	rc = rd_file(sub, path);
	r->done = sub->done;
	free(copy);
	free(path);
	free(sub);
	return rc;
}

static int
directive(struct reader *r, const struct ztok *t, int n)
{
	int64_t ttl;

	if (tok_is(&t[0], "$ORIGIN")) {
		if (n != 2)
			return rd_fail(r, "$ORIGIN takes one name");
		if (name_tok(r, &t[1], r->origin, "$ORIGIN") < 0)
			return REG_ESYNTAX;
		r->has_origin = true;
		return REG_OK;
	}
	if (tok_is(&t[0], "$TTL")) {
		if (n != 2 || (ttl = ttl_parse(&t[1])) < 0)
			return rd_fail(r, "$TTL takes one TTL");
		r->ttl = (uint32_t)ttl;
		r->has_ttl = true;
		return REG_OK;
	}
	if (tok_is(&t[0], "$INCLUDE")) {
		if (n != 2 && n != 3)
			return rd_fail(r, "$INCLUDE takes a file and an optional origin");
		return include(r, t, n);
	}
	return rd_fail(r, "unknown directive %.*s", (int)t[0].len, t[0].s);
}

/* Whether a token may be a class: IN, CH, HS, CS, CLASSnn. */
static bool
is_class_start(char c)
{
	c |= 0x20;
	return c == 'i' || c == 'c' || c == 'h';
}

/* Reads [TTL] [class] in either order; returns the index of the type
 * token, or -1. *ttl is -1 when none was given. */
static int
ttl_class(struct reader *r, const struct ztok *t, int n, int i, int64_t *ttl)
{
	bool have_class = false;

	*ttl = -1;
	for (; i < n; i++) {
		if (t[i].quoted)
			break;
		if (*ttl < 0 && t[i].s[0] >= '0' && t[i].s[0] <= '9') {
			if ((*ttl = ttl_parse(&t[i])) < 0)
				return rd_fail(r, "bad TTL '%.*s'", (int)t[i].len, t[i].s), -1;
		} else if (!is_class_start(t[i].s[0])) {
			break;		/* the type: most entries go here at once */
		} else if (!have_class && tok_is(&t[i], "IN")) {
			have_class = true;
		} else if (!have_class && (tok_is(&t[i], "CH") || tok_is(&t[i], "HS") ||
		    tok_is(&t[i], "CS") || (t[i].len > 5 && !strncasecmp(t[i].s, "CLASS", 5)))) {
			return rd_fail(r, "class %.*s: only IN is supported", (int)t[i].len,
			    t[i].s), -1;
		} else
			break;
	}
	if (i == n)
		return rd_fail(r, "missing type"), -1;
	return i;
}

/* The TTL of a record that gave none. */
static int
default_ttl(struct reader *r, uint16_t type, const uint8_t *rd, int len, uint32_t *ttl)
{
	if (r->has_ttl)
		*ttl = r->ttl;
	else if (r->has_last)
		*ttl = r->last_ttl;
	else if (r->piece) {
		r->need_serial = true;	/* the last TTL is another piece's */
		return REG_EINVAL;
	} else if (type == T_SOA && len >= SOA_MINIMUM_AT + 4)
		*ttl = (uint32_t)rd[len - 4] << 24 | (uint32_t)rd[len - 3] << 16 |
		    (uint32_t)rd[len - 2] << 8 | rd[len - 1];
	else
		return rd_fail(r, "no TTL given and no $TTL before");
	return REG_OK;
}

static uint32_t
bytes_hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void
intern_grow(struct intern *t)
{
	struct intern old = *t;
	size_t size = old.slot == NULL ? 4096 : 2 * (old.mask + 1);

	t->slot = xcalloc(size, sizeof(*t->slot));
	t->mask = size - 1;
	for (size_t i = 0; old.slot != NULL && i <= old.mask; i++) {
		size_t k = bytes_hash(old.slot[i].p, old.slot[i].len) & t->mask;

		if (old.slot[i].p == NULL)
			continue;
		while (t->slot[k].p != NULL)
			k = (k + 1) & t->mask;
		t->slot[k] = old.slot[i];
	}
	free(old.slot);
}

/* The stored copy of rd[0..len): shared for NS, else new. */
static const uint8_t *
rdata_store(struct reader *r, uint16_t type, const uint8_t *rd, size_t len)
{
	struct intern *t = r->seen;
	size_t k;

	if (type != T_NS)
		return region_memdup(r->z->rg, rd, len);
	if (2 * (t->n + 1) > t->mask + 1)
		intern_grow(t);
	for (k = bytes_hash(rd, len) & t->mask; t->slot[k].p != NULL; k = (k + 1) & t->mask)
		if (t->slot[k].len == len && memcmp(t->slot[k].p, rd, len) == 0)
			return t->slot[k].p;
	t->slot[k].p = region_memdup(r->z->rg, rd, len);
	t->slot[k].len = (uint16_t)len;
	t->n++;
	return t->slot[k].p;
}

static int
add_rr(struct reader *r, uint16_t type, uint32_t ttl, int len)
{
	struct zone *z = r->z;
	struct rr *rr;

	struct rr one;

	if (r->visit != NULL) {
		one = (struct rr){ .owner = r->owner, .rdata = r->rdata, .rdlen = (uint16_t)len,
		    .type = type, .ttl = ttl, .line = (uint32_t)r->line, .file = r->file };
		return r->visit(r->visit_arg, &one, r->err);
	}
	vec_reserve(&z->rr, &z->caprr, z->nrr + 1, sizeof(*z->rr));
	rr = &z->rr[z->nrr++];
	rr->owner = r->owner;
	rr->rdata = rdata_store(r, type, r->rdata, (size_t)len);
	rr->rdlen = (uint16_t)len;
	rr->type = type;
	rr->ttl = ttl;
	rr->line = (uint32_t)r->line;
	rr->file = r->file;
	return REG_OK;
}

static int
record(struct reader *r, const struct ztok *t, int n, bool blank)
{
	int i = 0, type, len, rc;
	int64_t ttl;
	uint32_t use_ttl = 0;
	const char *why;

	if (blank && r->owner == NULL)
		return rd_fail(r, "no owner name for the first record");
	if (!blank && (rc = owner_set(r, &t[i++])) != REG_OK)
		return rc;
	if ((i = ttl_class(r, t, n, i, &ttl)) < 0)
		return REG_ESYNTAX;
	if ((type = rrtype_parse(t[i].s, t[i].len)) < 0 || t[i].quoted)
		return rd_fail(r, "unknown type '%.*s'", (int)t[i].len, t[i].s);
	len = rdata_parse((uint16_t)type, t + i + 1, n - i - 1,
	    r->has_origin ? r->origin : NULL, r->rdata, &why);
	if (len < 0) {
		char buf[16];

		return rd_fail(r, "bad %s record: %s", rrtype_name((uint16_t)type, buf), why);
	}
	if (ttl >= 0) {
		use_ttl = (uint32_t)ttl;
		r->last_ttl = use_ttl;
		r->has_last = true;
	} else if ((rc = default_ttl(r, (uint16_t)type, r->rdata, len, &use_ttl)) != REG_OK)
		return rc;
	if ((rc = add_rr(r, (uint16_t)type, use_ttl, len)) != REG_OK)
		return rc;
	if (type == T_SOA && r->soa_only)
		r->done = true;
	return REG_OK;
}

static int
rd_entries(struct reader *r)
{
	const char *why;
	bool blank;
	int n, rc;

	while (!r->done) {
		n = lex_entry(&r->lx, r->tok, &blank, &r->line, &why);
		if (n < 0)
			return rd_fail(r, "%s", why);
		if (n == 0)
			return REG_OK;
		if (!blank && !r->tok[0].quoted && r->tok[0].s[0] == '$')
			rc = directive(r, r->tok, n);
		else
			rc = record(r, r->tok, n, blank);
		if (rc != REG_OK)
			return rc;
	}
	return REG_OK;
}

/* Maps a whole file, read ahead; *len 0 for an empty one (NULL map). */
static char *
map_file(const char *path, size_t *len, struct reg_err *err)
{
	struct stat sb;
	char *p;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &sb) < 0) {
		reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*len = (size_t)sb.st_size;
	if (*len == 0) {
		close(fd);
		return (char *)"";
	}
	p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	madvise(p, *len, MADV_SEQUENTIAL);
	return p;
}

/* --- reading a file on every core ---------------------------------------- */

struct piece {
	const char *from, *to;
	int line;
	int ndirective;		/* of the file's directives, those before it */
	struct zone z;		/* its records (its regions move to the zone) */
	struct reg_err err;
	int rc;
	bool need_serial;
};

struct split {
	struct reader *r;	/* the file's reader, for its settings */
	struct piece piece[PIECES_MAX];
	int npiece;
	const char *directive[DIRECTIVES_MAX];	/* $ORIGIN / $TTL lines */
	int directive_line[DIRECTIVES_MAX];
	int ndirective;
};

/* Scans line by line, noting $ORIGIN and $TTL lines and cutting pieces of
 * about size/n at lines that start with an owner outside parentheses.
 * False when the file cannot be cut (an $INCLUDE, too many directives). */
static bool
split_plan(struct split *sp, const char *buf, size_t len, int n)
{
	struct scan s = { .line = 1 };
	const char *p = buf, *end = buf + len;

	sp->npiece = 0;
	sp->piece[sp->npiece++] = (struct piece){ .from = buf, .line = 1 };
	while (p < end) {
		const char *ls = p;
		bool first = !s.quote && s.paren == 0;

		if (first && *ls == '$') {
			if (len - (size_t)(ls - buf) > 8 && strncasecmp(ls, "$INCLUDE", 8) == 0)
				return false;
			if (sp->ndirective == DIRECTIVES_MAX)
				return false;
			sp->directive_line[sp->ndirective] = s.line;
			sp->directive[sp->ndirective++] = ls;
		} else if (first && sp->npiece < n && !is_blank(*ls) && *ls != ';' && *ls != '\n' &&
		    (size_t)(ls - buf) >= len / (size_t)n * (size_t)sp->npiece) {
			sp->piece[sp->npiece - 1].to = ls;
			sp->piece[sp->npiece++] = (struct piece){ .from = ls, .line = s.line,
			    .ndirective = sp->ndirective };
		}
		p = scan_line(&s, p, end);
	}
	sp->piece[sp->npiece - 1].to = end;
	return s.paren == 0 && !s.quote;
}

static void
piece_read(void *arg, size_t i, int thread)
{
	struct split *sp = arg;
	struct piece *pc = &sp->piece[i];
	struct reader *r = xmalloc(sizeof(*r));
	struct intern seen = { 0 };
	const char *why;
	bool blank;

	(void)thread;
	memcpy(r, sp->r, sizeof(*r));
	zone_init(&pc->z);
	r->z = &pc->z;
	r->seen = &seen;
	r->err = &pc->err;
	r->piece = i > 0;
	pc->rc = REG_OK;
	for (int d = 0; d < pc->ndirective && pc->rc == REG_OK; d++) {
		const char *e = memchr(sp->directive[d], '\n', (size_t)(pc->to - sp->directive[d]));

		r->lx = (struct lexer){ .p = sp->directive[d], .end = e ? e : pc->to,
		    .line = sp->directive_line[d] };
		if (lex_entry(&r->lx, r->tok, &blank, &r->line, &why) > 0)
			pc->rc = directive(r, r->tok, 2);
	}
	r->lx = (struct lexer){ .p = pc->from, .end = pc->to, .line = pc->line };
	vec_reserve(&pc->z.rr, &pc->z.caprr, (size_t)(pc->to - pc->from) / 40 + 16,
	    sizeof(*pc->z.rr));
	if (pc->rc == REG_OK)
		pc->rc = rd_entries(r);
	pc->need_serial = r->need_serial;
	free(seen.slot);
	free(r);
}

/* Appends the pieces' records in order; the first piece's error wins. */
static int
split_merge(struct split *sp, struct zone *z, struct reg_err *err, bool *serial)
{
	size_t total = z->nrr;
	int rc = REG_OK, nrg = 0;

	for (int i = 0; i < sp->npiece && rc == REG_OK; i++) {
		if (sp->piece[i].need_serial)
			*serial = true;
		else if ((rc = sp->piece[i].rc) != REG_OK && err != NULL)
			*err = sp->piece[i].err;
		total += sp->piece[i].z.nrr;
	}
	if (rc == REG_OK && !*serial)
		vec_reserve(&z->rr, &z->caprr, total, sizeof(*z->rr));
	for (int i = 0; i < sp->npiece; i++) {
		struct piece *pc = &sp->piece[i];

		if (rc == REG_OK && !*serial) {
			memcpy(z->rr + z->nrr, pc->z.rr, pc->z.nrr * sizeof(*z->rr));
			z->nrr += pc->z.nrr;
			while (z->readrg[nrg] != NULL)
				nrg++;
			z->readrg[nrg] = pc->z.rg;	/* the records point into it */
			pc->z.rg = region_new();
		}
		zone_free(&pc->z);
	}
	return rc;
}

/* Reads buf on `threads` threads; *serial set when it must be read again
 * on one. */
static int
rd_parallel(struct reader *r, const char *buf, size_t len, int threads, bool *serial)
{
	struct split *sp = xcalloc(1, sizeof(*sp));
	int rc = REG_OK;

	sp->r = r;
	*serial = !split_plan(sp, buf, len, threads * PIECES_PER_THREAD) || sp->npiece < 2;
	if (!*serial) {
		parallel_for(threads, (size_t)sp->npiece, piece_read, sp);
		rc = split_merge(sp, r->z, r->err, serial);
	}
	free(sp);
	return rc;
}

char *
zone_file_slurp(const char *path, size_t *len, struct reg_err *err)
{
	struct stat sb, after;
	size_t got = 0;
	ssize_t k = 0;
	char *buf = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &sb) != 0) {
		reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* Huge pages where the kernel gives them: faulting in a zone's worth
	 * of 4 KB pages costs more than copying it. */
	if (posix_memalign((void **)&buf, HUGE_ALIGN, (size_t)sb.st_size + 1) != 0)
		abort();
	hint_huge(buf, (size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size &&
	    ((k = read(fd, buf + got, (size_t)sb.st_size - got)) > 0 || (k < 0 && errno == EINTR)))
		got += k > 0 ? (size_t)k : 0;
	if (k < 0 || got != (size_t)sb.st_size || fstat(fd, &after) != 0 ||
	    after.st_size != sb.st_size || after.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != sb.st_mtim.tv_nsec) {
		reg_fail(err, REG_EIO, "%s: %s", path, k < 0 ? strerror(errno) :
		    "changed while it was read");
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = got;
	return buf;
}

static int
rd_file(struct reader *r, const char *path)
{
	size_t len;
	bool keep = r->keep != NULL && r->depth == 0;
	char *buf = keep ? zone_file_slurp(path, &len, r->err) : map_file(path, &len, r->err);
	int threads = sign_threads(r->threads), rc = REG_OK;
	bool serial = true;

	if (buf == NULL)
		return REG_EIO;
	r->path = path;
	r->file = zone_file_index(r->z, path);
	r->path = r->z->files[r->file];
	if (len >= PARALLEL_MIN && threads > 1 && !r->soa_only && r->depth == 0 && !r->visit &&
	    (r->z->nrr == 0 || r->z->readrg[0] == NULL))
		rc = rd_parallel(r, buf, len, threads, &serial);
	if (serial) {
		/* A first guess of the records, so the array is not copied while
		 * it grows: generated zones have about 40 octets a record. */
		vec_reserve(&r->z->rr, &r->z->caprr, r->z->nrr + len / 48, sizeof(*r->z->rr));
		r->lx = (struct lexer){ .p = buf, .end = buf + len, .line = 1 };
		rc = rd_entries(r);
	}
	if (keep) {
		*r->keep = buf;
		*r->keep_len = len;
	} else if (len > 0)
		munmap(buf, len);
	return rc;
}

int
zone_read(struct zone *z, const char *path, const struct zread_opts *o,
    struct reg_err *err)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	struct intern seen = { 0 };
	const char *why;
	int rc;

	r->z = z;
	r->seen = &seen;
	r->err = err;
	r->soa_only = o != NULL && o->soa_only;
	r->threads = o != NULL ? o->threads : 0;
	r->visit = o != NULL ? o->visit : NULL;
	r->visit_arg = o != NULL ? o->visit_arg : NULL;
	r->keep = o != NULL ? o->keep : NULL;
	r->keep_len = o != NULL ? o->keep_len : NULL;
	if (o != NULL && o->ttl > 0) {
		r->ttl = o->ttl;
		r->has_ttl = true;
	}
	if (o != NULL && o->origin != NULL) {
		if (dname_parse(o->origin, strlen(o->origin), NULL, r->origin, &why) < 0) {
			free(r);
			return reg_fail(err, REG_EINVAL, "origin %s: %s", o->origin, why);
		}
		r->has_origin = true;
	}
	rc = rd_file(r, path);
	free(seen.slot);
	free(r);
	return rc;
}

int
zone_read_text(struct zone *z, const char *label, const char *buf, size_t len,
    struct reg_err *err)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	struct intern seen = { 0 };
	int rc;

	r->z = z;
	r->seen = &seen;
	r->err = err;
	r->file = zone_file_index(z, label);
	r->path = z->files[r->file];
	r->lx = (struct lexer){ .p = buf, .end = buf + len, .line = 1 };
	rc = rd_entries(r);
	free(seen.slot);
	free(r);
	return rc;
}

/* --- blocks of owners (the incremental signer) --------------------------- */

/* The octets that change the scanner's state between lines. */
static const bool scan_special[256] = {
	['"'] = true, ['('] = true, [')'] = true, [';'] = true, ['\\'] = true,
};

/* Past a line that holds none of them, or NULL: most lines of a zone
 * file, found without the scanner's work on every octet. */
static const char *
plain_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl != NULL ? nl : end;

	for (const char *c = p; c < e; c++)
		if (scan_special[(unsigned char)*c])
			return NULL;
	return nl != NULL ? nl + 1 : end;
}

/* Whether the line at p holds nothing but blanks and a comment. */
static bool
empty_line(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p == end || *p == '\n' || *p == ';';
}


static bool
block_start(struct zblocks *out, size_t *cap, const char *buf, const char *ls,
    const char *end, int line)
{
	size_t len = zone_word_len(ls, (size_t)(end - ls));
	const char *e = ls + len;
	const struct zblock *last = out->n > 0 ? &out->b[out->n - 1] : NULL;

	/* An owner the lexer reads as a plain word, and nothing glued to it. */
	if (len == 0 || len > DNAME_TEXT_MAX || (e < end && !is_blank(*e)))
		return false;
	if (last != NULL && last->owner_len == (size_t)(e - ls) &&
	    memcmp(buf + last->off, ls, (size_t)(e - ls)) == 0)
		return true;	/* the same owner goes on */
	vec_reserve(&out->b, cap, out->n + 1, sizeof(*out->b));
	out->b[out->n++] = (struct zblock){ .off = (size_t)(ls - buf),
	    .owner_len = (uint16_t)(e - ls), .line = (uint32_t)line };
	return true;
}

/* One part of the cut, from..to (from starts a line); the head part is
 * the file's first, where directives and the first owner are. */
struct cut {
	const char *buf, *from, *to;
	bool head, ok;
	struct zblocks out;
	size_t cap, dcap;
	struct scan s;
};

static void
cut_part(struct cut *c)
{
	const char *p = c->from, *end = c->to;

	c->s = (struct scan){ .line = 1 };
	c->cap = (size_t)(end - p) / 64 + 16;
	c->out.b = xmalloc(c->cap * sizeof(*c->out.b));
	c->ok = true;
	while (p < end && c->ok) {
		const char *ls = p;
		bool first = !c->s.quote && c->s.paren == 0;
		int line = c->s.line;

		p = first ? plain_line(ls, end) : NULL;
		if (p == NULL)
			p = scan_line(&c->s, ls, end);
		else
			c->s.line++;
		if (!first)
			continue;	/* inside an entry that began on an earlier line */
		if (*ls == '$') {
			size_t n = (size_t)(p - ls);

			/* Before the first record, on one line, no $INCLUDE. */
			c->ok = c->head && c->out.n == 0 && c->s.paren == 0 && !c->s.quote &&
			    !(n >= 8 && strncasecmp(ls, "$INCLUDE", 8) == 0);
			vec_reserve(&c->out.directives, &c->dcap, c->out.dlen + n + 1, 1);
			memcpy(c->out.directives + c->out.dlen, ls, n);
			c->out.dlen += n;
		} else if (!is_blank(*ls) && *ls != ';' && *ls != '\n')
			c->ok = block_start(&c->out, &c->cap, c->buf, ls, end, line);
		else if (c->head && c->out.n == 0)
			c->ok = empty_line(ls, end);	/* no record without an owner */
	}
	c->ok = c->ok && c->s.paren == 0 && !c->s.quote;
}

static void
cut_run(void *arg, size_t i, int thread)
{
	(void)thread;
	cut_part(&((struct cut *)arg)[i]);
}

/* The second part's blocks after the first's: its lines counted on, and
 * its first block dropped when it goes on with the first part's last
 * owner (the cut fell inside that owner's lines). */
static bool
cut_join(struct cut *c)
{
	struct zblocks *o = &c[0].out, *t = &c[1].out;
	size_t skip = 0;

	if (o->n == 0)
		return false;
	if (t->n > 0 && t->b[0].owner_len == o->b[o->n - 1].owner_len &&
	    memcmp(c->buf + t->b[0].off, c->buf + o->b[o->n - 1].off, t->b[0].owner_len) == 0)
		skip = 1;
	vec_reserve(&o->b, &c[0].cap, o->n + t->n, sizeof(*o->b));
	for (size_t k = skip; k < t->n; k++) {
		o->b[o->n] = t->b[k];
		o->b[o->n++].line += (uint32_t)c[0].s.line - 1;
	}
	return true;
}

#define CUT_PARALLEL_MIN (4 << 20)	/* smaller files: one thread */

bool
zone_blocks(const char *buf, size_t len, struct zblocks *out)
{
	struct cut c[2] = { { .buf = buf, .from = buf, .to = buf + len, .head = true } };
	const char *mid = len >= CUT_PARALLEL_MIN ? memchr(buf + len / 2, '\n', len / 2) : NULL;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (mid != NULL && mid + 1 < buf + len) {
		/* Two halves at once; a half that began inside an entry (quotes
		 * or parentheses over the middle line) is cut again whole. */
		c[0].to = c[1].from = mid + 1;
		c[1].buf = buf;
		c[1].to = buf + len;
		parallel_for(2, 2, cut_run, c);
		ok = c[0].ok && c[1].ok && cut_join(c);
		zblocks_free(&c[1].out);
		if (!ok) {
			zblocks_free(&c[0].out);
			c[0] = (struct cut){ .buf = buf, .from = buf, .to = buf + len, .head = true };
		} else
			c[0].to = buf + len;
	}
	if (c[0].out.b == NULL)
		cut_part(&c[0]);
	*out = c[0].out;
	/* Each block runs to the next one, the last to the end of the file. */
	for (size_t k = 0; k < out->n && c[0].ok; k++) {
		size_t next = k + 1 < out->n ? out->b[k + 1].off : len;

		if (next - out->b[k].off > UINT32_MAX)
			c[0].ok = false;
		out->b[k].len = (uint32_t)(next - out->b[k].off);
	}
	if (!c[0].ok || out->n == 0) {
		zblocks_free(out);
		return false;
	}
	return true;
}

void
zblocks_free(struct zblocks *b)
{
	free(b->directives);
	free(b->b);
	memset(b, 0, sizeof(*b));
}
