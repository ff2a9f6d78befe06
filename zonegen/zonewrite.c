/*
 * zonewrite.c: zone files out: a buffered formatter for records, the
 * signed zone in canonical order, atomic publication with the previous
 * file kept, and the post command.
 *
 * Every record is written on one line with its absolute owner name, TTL
 * and class, which every zone file reader accepts and grep can search.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "zonegen.h"

#define ZOUT_BUF	(1 << 20)
#define WRITEBACK_STEP	(16 << 20)
#define LINE_FIXED	64	/* TTL, class, type and blanks of one line */

void
writeback_fd(int fd, off_t pos, off_t *started)
{
	if (pos - *started < WRITEBACK_STEP)
		return;
	/* Only a hint: the fsync that follows the last write is what counts. */
	(void)sync_file_range(fd, *started, pos - *started, SYNC_FILE_RANGE_WRITE);
	*started = pos;
}

void
writeback_start(FILE *f, off_t *started)
{
	off_t pos = ftello(f);

	if (pos < 0 || pos - *started < WRITEBACK_STEP || fflush(f) != 0)
		return;
	writeback_fd(fileno(f), pos, started);
}

void
zout_init(struct zout *o, FILE *f)
{
	o->f = f;
	o->written_back = 0;
	o->cap = ZOUT_BUF;
	o->buf = xmalloc(o->cap);
	o->len = 0;
	o->error = 0;
	o->last_owner = NULL;
	o->owner_len = 0;
}

int
zout_flush(struct zout *o)
{
	if (o->len > 0 && o->error == 0 && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->error = errno ? errno : EIO;
	if (o->error == 0 && o->f != NULL)
		writeback_start(o->f, &o->written_back);
	o->len = 0;
	return o->error;
}

void
zout_free(struct zout *o)
{
	free(o->buf);
	o->buf = NULL;
}

char *
zout_reserve(struct zout *o, size_t n)
{
	if (o->len + n > o->cap) {
		if (o->f != NULL)
			zout_flush(o);
		if (o->len + n > o->cap) {
			o->cap = 2 * (o->len + n);
			o->buf = xrealloc(o->buf, o->cap);
		}
	}
	return o->buf + o->len;
}

void
zout_commit(struct zout *o, size_t n)
{
	o->len += n;
}

void
zout_str(struct zout *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(zout_reserve(o, n), s, n);
	zout_commit(o, n);
}

static size_t
put_uint(char *out, uint32_t v)
{
	char tmp[10];
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[k++] = tmp[--n];
	return k;
}

void
zout_rr(struct zout *o, const uint8_t *owner, uint32_t ttl, uint16_t type,
    const uint8_t *rdata, size_t rdlen)
{
	char *p = zout_reserve(o, DNAME_TEXT_MAX + LINE_FIXED + RDATA_TEXT_MAX(rdlen));
	char buf[16];
	const char *tn = rrtype_name(type, buf);
	size_t n = 0, tl = strlen(tn);

	/* Signatures and NSEC follow their RRset: the owner text repeats. */
	if (owner != o->last_owner) {
		o->owner_len = dname_format(owner, o->owner);
		o->last_owner = owner;
	}
	memcpy(p, o->owner, o->owner_len);
	n = o->owner_len;
	p[n++] = '\t';
	n += put_uint(p + n, ttl);
	memcpy(p + n, "\tIN\t", 4);
	n += 4;
	memcpy(p + n, tn, tl);
	n += tl;
	p[n++] = '\t';
	n += rdata_format(type, rdata, rdlen, p + n);
	p[n++] = '\n';
	zout_commit(o, n);
}

static void
write_rrset(const struct zone *z, struct zout *o, const struct rrset *s)
{
	const uint8_t *owner = dname_wire(s->rr[0].owner);

	for (uint16_t i = 0; i < s->n; i++)
		zout_rr(o, owner, s->ttl, s->type, s->rr[i].rdata, s->rr[i].rdlen);
	for (uint16_t i = 0; i < s->nsig; i++) {
		const struct sig *g = &z->sig[s->sig + i];

		zout_rr(o, owner, s->ttl, T_RRSIG, g->rdata, g->len);
	}
}

/* The SOA first: some readers want it on top. */
void
zone_write_node(const struct zone *z, struct zout *o, const struct node *n)
{
	const struct rrset *soa = node_find(n, T_SOA);

	if (soa != NULL)
		write_rrset(z, o, soa);
	for (uint16_t i = 0; i < n->nset; i++)
		if (&n->set[i] != soa)
			write_rrset(z, o, &n->set[i]);
	if (n->nsec != NULL)
		write_rrset(z, o, n->nsec);
}

/* The zone is formatted in blocks of nodes, a round of `threads` blocks
 * at a time in parallel into memory, each round written out in order: the
 * text of a signed TLD zone is a few hundred megabytes, and formatting
 * (base64, names, times) would otherwise be the longest serial step. */
#define WRITE_BLOCK	2048	/* nodes */

struct writer {
	const struct zone *z;
	size_t first;		/* node of block 0 of this round */
	struct zout out[SIGN_THREADS_MAX];
};

static const struct node *
node_at(const struct zone *z, size_t i)
{
	return i < z->nnode ? &z->node[i] : &z->n3[i - z->nnode];
}

static void
write_block(void *arg, size_t b, int thread)
{
	struct writer *w = arg;
	size_t from = w->first + b * WRITE_BLOCK, to = from + WRITE_BLOCK;

	(void)thread;
	if (to > w->z->nnode + w->z->nn3)
		to = w->z->nnode + w->z->nn3;
	for (size_t i = from; i < to; i++) {
		size_t before = w->out[b].len;

		zone_write_node(w->z, &w->out[b], node_at(w->z, i));
		if (w->z->out_len != NULL)
			w->z->out_len[i] = (uint32_t)(w->out[b].len - before);
	}
}

int
zone_write(const struct zone *z, struct zout *o, int threads)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	size_t total = z->nnode + z->nn3, blocks;

	threads = sign_threads(threads);
	w->z = z;
	for (int t = 0; t < threads; t++)
		zout_init(&w->out[t], NULL);
	for (w->first = 0; w->first < total; w->first += (size_t)threads * WRITE_BLOCK) {
		blocks = (total - w->first + WRITE_BLOCK - 1) / WRITE_BLOCK;
		if (blocks > (size_t)threads)
			blocks = (size_t)threads;
		parallel_for(threads, blocks, write_block, w);
		for (size_t b = 0; b < blocks; b++) {
			memcpy(zout_reserve(o, w->out[b].len), w->out[b].buf, w->out[b].len);
			zout_commit(o, w->out[b].len);
			w->out[b].len = 0;
		}
	}
	for (int t = 0; t < threads; t++)
		zout_free(&w->out[t]);
	free(w);
	return zout_flush(o);
}

/* --- publication --------------------------------------------------------- */

char *
path_with(const char *path, const char *suffix)
{
	char *p;

	if (asprintf(&p, "%s%s", path, suffix) < 0)
		abort();
	return p;
}

void
fsync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* path.prev becomes a second name of the current path, atomically. */
static int
keep_previous(const char *path, struct reg_err *err)
{
	char *prev, *tmp;
	int rc = REG_OK;

	if (access(path, F_OK) != 0)
		return REG_OK;
	prev = path_with(path, ".prev");
	tmp = path_with(path, ".prev.tmp");
	unlink(tmp);
	if (link(path, tmp) != 0 || rename(tmp, prev) != 0) {
		rc = reg_fail(err, REG_EIO, "%s: cannot keep the previous file: %s", prev,
		    strerror(errno));
		unlink(tmp);
	}
	free(prev);
	free(tmp);
	return rc;
}

mode_t
publish_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

/* Writes through fn into f; closes f; errno-based reason on failure. */
static int
write_all(const char *tmp, FILE *f, publish_fn fn, void *arg, bool sync,
    struct reg_err *err)
{
	int rc = fn(arg, f, err);

	if (rc == REG_OK && (fflush(f) != 0 || (sync && fsync(fileno(f)) != 0)))
		rc = reg_fail(err, REG_EIO, "%s: %s", tmp, strerror(errno));
	if (fclose(f) != 0 && rc == REG_OK)
		rc = reg_fail(err, REG_EIO, "%s: %s", tmp, strerror(errno));
	return rc;
}

static int publish(const char *path, publish_fn fn, check_fn check, void *arg, int flags,
    struct reg_err *err);

int
publish_file(const char *path, publish_fn fn, void *arg, struct reg_err *err)
{
	return publish(path, fn, NULL, arg, 0, err);
}

int
publish_file_checked(const char *path, publish_fn fn, check_fn check, void *arg,
    struct reg_err *err)
{
	return publish(path, fn, check, arg, 0, err);
}

int
publish_file_flags(const char *path, publish_fn fn, void *arg, int flags,
    struct reg_err *err)
{
	return publish(path, fn, NULL, arg, flags, err);
}

static int
publish(const char *path, publish_fn fn, check_fn check, void *arg, int flags,
    struct reg_err *err)
{
	bool sync = !(flags & PUBLISH_NOSYNC);
	char *tmp;
	FILE *f;
	int fd, rc;

	tmp = path_with(path, ".tmp.XXXXXX");
	if ((fd = mkstemp(tmp)) < 0) {
		rc = reg_fail(err, REG_EIO, "%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	fchmod(fd, publish_mode());
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		rc = reg_fail(err, REG_EIO, "%s: %s", tmp, strerror(errno));
	} else
		rc = write_all(tmp, f, fn, arg, sync, err);
	if (rc == REG_OK && check != NULL)
		rc = check(arg, tmp, err);
	if (rc == REG_OK && !(flags & PUBLISH_NOPREV))
		rc = keep_previous(path, err);
	if (rc == REG_OK && rename(tmp, path) != 0)
		rc = reg_fail(err, REG_EIO, "%s: cannot rename into place: %s", path,
		    strerror(errno));
	if (rc != REG_OK)
		unlink(tmp);
	else if (flags & PUBLISH_NOPREV) {
		free(tmp);
		tmp = path_with(path, ".prev");
		unlink(tmp);
	}
	if (rc == REG_OK && sync)
		fsync_dir(path);
	free(tmp);
	return rc;
}

int
run_post_command(const char *cmd, const char *file, const char *zone, uint32_t serial,
    struct reg_err *err)
{
	char num[16];
	int st;

	if (cmd == NULL || cmd[0] == '\0')
		return REG_OK;
	snprintf(num, sizeof(num), "%u", serial);
	setenv("ZONEGEN_FILE", file, 1);
	setenv("ZONEGEN_ZONE", zone, 1);
	setenv("ZONEGEN_SERIAL", num, 1);
	fflush(NULL);
	st = system(cmd);
	if (st == -1)
		return reg_fail(err, REG_EIO, "post command: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return reg_fail(err, REG_EIO, "post command '%s' failed (%s %d)", cmd,
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return REG_OK;
}
