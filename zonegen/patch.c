/*
 * patch.c: the incremental signer's fast path for an NSEC zone.
 *
 * A full signing reads the whole unsigned zone, digests every RRset and
 * formats every record again, which makes a re-sign after a thousand
 * changed delegations cost nearly what a first signing does. Here the
 * signer keeps, beside OUTPUT and OUTPUT.cache:
 *
 *   OUTPUT.input  a copy of the unsigned zone it signed last
 *   OUTPUT.index  per name, in canonical order: where its entries are in
 *                 that copy and where its text is in OUTPUT, its
 *                 earliest signature expiration and its kind; the files'
 *                 identities (size, inode, mtime), the keys, the chain,
 *                 the negative TTL and the directives (native byte
 *                 order: state of this host, not an exchange format)
 *
 * The next run cuts the new zone file at its owners (zone_blocks) and
 * walks it beside the index: a block whose bytes equal the old one is the
 * same name with the same data. Only the names that changed, were added,
 * lie below a change, neighbour a change in the NSEC chain, have a
 * signature near expiry, or are the apex are read, given their NSEC,
 * signed (reusing OUTPUT.cache) and put through the gate; every other
 * name's text is copied from the previous OUTPUT, in runs, with
 * copy_file_range. The result is what a full signing at the same time
 * would publish, up to which still-fresh signatures it keeps.
 *
 * Anything this path cannot vouch for sends the run down the full path:
 * no index or one that does not match its files, other keys, NSEC3, a
 * directive that changed, a zone not in canonical order with one block
 * per owner, more than an eighth of the names changed, or any error (the
 * full path then reports it with the file and line).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

#define INDEX_MAGIC	"ZGINDEX1"
#define CHANGED_SHARE	8	/* more than 1/8 of the names changed (and   */
#define CHANGED_MIN	8	/* a few more in a small zone): sign whole */
#define NAME_BUF	((sizeof(struct dname) + DNAME_WIRE_MAX + DNAME_KEY_MAX + 7) & ~(size_t)7)
#define RRSIG_EXPIRE_AT	8	/* expiration: octets 8-11 of RRSIG RDATA */
#define TEXT_FLUSH	(1 << 20)
#define COPY_CHUNK	(16 << 20)
#define WRITEBACK_STEP	(16 << 20)

/* A name's octets in the input and the output: the blocks follow each
 * other in both, so the offsets are sums of the lengths before. */
/* Which file a path names: a file replaced by rename, or rewritten, gets
 * another identity (device, inode, size, modification time). */
struct file_id {
	uint64_t dev, ino, size, mtime;
};

struct ientry {
	uint32_t in_len, out_len;
	uint32_t cache_off;	/* its entries in OUTPUT.cache, NO_CACHE: none */
	uint32_t expire;	/* earliest RRSIG expiration, 0: none */
	uint8_t kind;		/* enum node_kind */
	uint8_t pad[3];
};

#define NO_CACHE	UINT32_MAX

struct ihead {
	char magic[8];
	struct file_id out;	/* OUTPUT as published */
	struct file_id in;	/* OUTPUT.input */
	struct file_id cache;	/* OUTPUT.cache, zero if none */
	uint64_t in_first;	/* where the first name's entries start */
	int64_t signed_at;	/* the run's clock: no copied signature is younger */
	uint8_t keys[SHA256_LEN];
	uint32_t denial, neg_ttl;
	uint32_t apex_len, dir_len;
	uint64_t n;
};
/* The file: ihead, apex wire, directives, zero padding to 8, ientry[n],
 * SHA-256 of all before it. */

struct mapped {
	const char *p;
	size_t len;
	bool owned;		/* read into memory: freed, not unmapped */
};

enum { F_CHANGED = 1, F_ADDED = 2, F_BELOW = 4, F_DO = 8 };

struct patch {
	const char *out;
	int64_t now, refresh;
	struct mapped index, oin, nin;
	int outfd;		/* the previous OUTPUT, copied from */
	const struct ihead *h;
	_Alignas(8) uint8_t apex[NAME_BUF];	/* the index's apex, a struct dname */
	const struct ientry *oe;
	uint64_t *in_off, *out_off;	/* of each old entry */
	struct zblocks nb;
	uint8_t origin[DNAME_WIRE_MAX];
	bool has_origin;
	int64_t *old;		/* per new block: its old entry, -1 if added */
	uint8_t *flag;		/* per new block: F_* */
	size_t changes;
	_Alignas(8) uint8_t buf[2][NAME_BUF];
};

static char *
path_with(const char *out, const char *suffix)
{
	char *p;

	if (asprintf(&p, "%s%s", out, suffix) < 0)
		abort();
	return p;
}

static void
id_of(const struct stat *sb, struct file_id *id)
{
	*id = (struct file_id){ .dev = (uint64_t)sb->st_dev, .ino = (uint64_t)sb->st_ino,
	    .size = (uint64_t)sb->st_size,
	    .mtime = (uint64_t)sb->st_mtim.tv_sec * 1000000000u + (uint64_t)sb->st_mtim.tv_nsec };
}

static bool
file_id_of(const char *path, struct file_id *id)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return false;
	id_of(&sb, id);
	return true;
}

static bool
file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime == b->mtime;
}

/* Maps a file whole, read ahead (every page is read, and faulting them
 * in one at a time costs more than the reading); id, when not NULL, gets
 * the identity of what was mapped. For files of this program's own. */
static bool
map_path(const char *path, struct mapped *m, struct file_id *id)
{
	struct stat sb;
	void *p;
	int fd;

	*m = (struct mapped){ 0 };
	if ((fd = open(path, O_RDONLY)) < 0)
		return false;
	if (fstat(fd, &sb) != 0 || sb.st_size == 0) {
		close(fd);
		return false;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return false;
	m->p = p;
	m->len = (size_t)sb.st_size;
	if (id != NULL)
		id_of(&sb, id);
	return true;
}

static void
unmap(struct mapped *m)
{
	if (m->owned)
		free((void *)m->p);
	else if (m->p != NULL)
		munmap((void *)m->p, m->len);
	m->p = NULL;
}

/* What a signature of the zone depends on besides the data: the keys and
 * their roles at this time. */
static void
keys_digest(const struct keyset *ks, uint8_t out[SHA256_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL)
		abort();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (int i = 0; i < ks->n; i++) {
		const struct dkey *k = &ks->k[i];
		uint8_t role[7] = { k->alg->num, k->published, k->active, k->signs_keys,
		    k->signs_zone, (uint8_t)(k->dnskey_len >> 8), (uint8_t)k->dnskey_len };

		EVP_DigestUpdate(md, role, sizeof(role));
		EVP_DigestUpdate(md, k->dnskey, k->dnskey_len);
	}
	EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
}

/* The origin the directives leave (the last $ORIGIN), and whether they
 * set $TTL: without it a record's TTL may come from the one before it,
 * in another block. */
static bool
directives_read(const char *d, size_t len, uint8_t *origin, bool *has_origin)
{
	const char *end = d + len, *why;
	bool has_ttl = false;

	*has_origin = false;
	while (d < end) {
		const char *nl = memchr(d, '\n', (size_t)(end - d)), *e = nl ? nl : end;
		const char *a = d + 7, *b;

		if (e - d > 7 && strncasecmp(d, "$ORIGIN", 7) == 0) {
			while (a < e && (*a == ' ' || *a == '\t'))
				a++;
			for (b = a; b < e && *b != ' ' && *b != '\t' && *b != ';' && *b != '\r'; b++)
				;
			if (dname_parse(a, (size_t)(b - a), NULL, origin, &why) < 0)
				return false;
			*has_origin = true;
		} else if (e - d > 4 && strncasecmp(d, "$TTL", 4) == 0)
			has_ttl = true;
		d = e + (nl != NULL);
	}
	return has_ttl;
}

/* The owner that starts an entry's text (at most max octets), parsed
 * into buf; NULL if it is not a name. */
static const struct dname *
name_at(const struct patch *p, const char *text, size_t max, void *buf)
{
	uint8_t wire[DNAME_WIRE_MAX];
	const char *why;
	size_t n;
	int wlen;

	if ((n = zone_owner_len(text, max)) == 0)
		return NULL;
	if (n == 1 && text[0] == '@') {
		if (!p->has_origin)
			return NULL;
		wlen = wire_name_len(p->origin, DNAME_WIRE_MAX);
		memcpy(wire, p->origin, (size_t)wlen);
	} else if ((wlen = dname_parse(text, n, p->has_origin ? p->origin : NULL, wire,
	    &why)) < 0)
		return NULL;
	return dname_fill(buf, wire, (size_t)wlen);
}

static const struct dname *
new_name(struct patch *p, size_t j, int which)
{
	const struct zblock *b = &p->nb.b[j];

	return name_at(p, p->nin.p + b->off, b->len, p->buf[which]);
}

static const struct dname *
old_name(struct patch *p, size_t i, int which)
{
	return name_at(p, p->oin.p + p->in_off[i], p->oe[i].in_len, p->buf[which]);
}

/* --- the index ----------------------------------------------------------- */

static bool
write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

struct index_out {
	const struct ihead *h;
	const uint8_t *apex;
	const char *dirs;
	const struct ientry *e;
};

static int
index_write_fn(void *arg, FILE *f, struct reg_err *err)
{
	const struct index_out *io = arg;
	static const uint8_t zero[8];
	size_t pad = (8 - (sizeof(*io->h) + io->h->apex_len + io->h->dir_len) % 8) % 8;
	uint8_t sum[SHA256_LEN];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const struct { const void *p; size_t n; } part[] = {
		{ io->h, sizeof(*io->h) }, { io->apex, io->h->apex_len },
		{ io->dirs, io->h->dir_len }, { zero, pad },
		{ io->e, (size_t)io->h->n * sizeof(*io->e) },
	};

	if (md == NULL)
		abort();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	bool ok = fflush(f) == 0;

	/* Straight to the descriptor: stdio would cut 20 MB into 4 KB writes. */
	for (size_t i = 0; i < sizeof(part) / sizeof(part[0]) && ok; i++) {
		EVP_DigestUpdate(md, part[i].p, part[i].n);
		ok = write_full(fileno(f), part[i].p, part[i].n);
	}
	EVP_DigestFinal_ex(md, sum, NULL);
	EVP_MD_CTX_free(md);
	if (!ok || !write_full(fileno(f), sum, sizeof(sum)))
		return reg_fail(err, REG_EIO, "cannot write the index: %s", strerror(errno));
	return REG_OK;
}

/* Maps OUTPUT.index and checks its sum and layout. */
static bool
index_open(struct patch *p)
{
	char *path = path_with(p->out, ".index");
	uint8_t sum[SHA256_LEN];
	size_t body, at;
	bool ok = map_path(path, &p->index, NULL);

	free(path);
	if (!ok || p->index.len < sizeof(struct ihead) + SHA256_LEN)
		return false;
	body = p->index.len - SHA256_LEN;
	hash_sha256(p->index.p, body, sum);
	p->h = (const struct ihead *)p->index.p;
	if (memcmp(sum, p->index.p + body, SHA256_LEN) != 0 ||
	    memcmp(p->h->magic, INDEX_MAGIC, 8) != 0)
		return false;
	at = sizeof(*p->h) + p->h->apex_len + p->h->dir_len;
	at += (8 - at % 8) % 8;
	if (p->h->n == 0 || at > body || (body - at) / sizeof(struct ientry) != p->h->n ||
	    (body - at) % sizeof(struct ientry) != 0)
		return false;
	p->oe = (const struct ientry *)(p->index.p + at);
	return true;
}

/* Has the kernel start writing what is written so far, so that the
 * fsync before publication finds little left (a hint only). */
static void
writeback(int fd, off_t *started)
{
	off_t pos = lseek(fd, 0, SEEK_CUR);

	if (pos - *started >= WRITEBACK_STEP) {
		(void)sync_file_range(fd, *started, pos - *started, SYNC_FILE_RANGE_WRITE);
		*started = pos;
	}
}

/* Copies from one descriptor to another, in the kernel where it can. */
static bool
copy_range(int from, off_t off, int to, size_t n)
{
	off_t started = lseek(to, 0, SEEK_CUR);

	char buf[1 << 16];

	while (n > 0) {
		ssize_t k = copy_file_range(from, &off, to, NULL, n < COPY_CHUNK ? n : COPY_CHUNK, 0);

		if (k < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP ||
		    errno == EINVAL)) {
			size_t want = n < sizeof(buf) ? n : sizeof(buf);

			if ((k = pread(from, buf, want, off)) <= 0 || !write_full(to, buf, (size_t)k))
				return false;
			off += k;
		} else if (k <= 0)
			return false;
		n -= (size_t)k;
		writeback(to, &started);
	}
	return true;
}

/*
 * OUTPUT.input: the bytes just signed, from their mapping (not the file by
 * name, which may have been replaced since, nor a link, which an in-place
 * rewrite would change too). Written on a thread of its own while the
 * signed zone is written and synced, whose fsync leaves a core idle; not
 * synced itself: a copy damaged by a crash differs from every new block,
 * which are then all done again.
 */
struct input_copy {
	pthread_t thread;
	const struct mapped *m;
	char *tmp;
	mode_t mode;
	int error;		/* errno of a failure, 0 */
	bool started;
};

static void *
input_copy_run(void *arg)
{
	struct input_copy *c = arg;
	/* 0600, then the mode: another thread may have the umask at 0 for a
	 * moment (publish_file), and the copy must never be writable by all. */
	int fd = open(c->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	c->error = 0;
	if (fd < 0 || fchmod(fd, c->mode) != 0 || !write_full(fd, c->m->p, c->m->len) ||
	    fsync(fd) != 0)
		c->error = errno != 0 ? errno : EIO;
	if (fd >= 0 && close(fd) != 0 && c->error == 0)
		c->error = errno;
	return NULL;
}

/* Starts the copy, on a thread when `thread`. */
static void
input_copy_start(struct input_copy *c, const char *out, const struct mapped *m, bool thread)
{
	c->m = m;
	c->tmp = path_with(out, ".input.tmp");
	c->mode = publish_mode();
	unlink(c->tmp);
	if (!(c->started = thread && pthread_create(&c->thread, NULL, input_copy_run, c) == 0))
		input_copy_run(c);
}

/* Waits for the copy; with keep, puts it in place as OUTPUT.input. 0 or
 * an errno. */
static int
input_copy_finish(struct input_copy *c, const char *out, bool keep)
{
	char *ipath = path_with(out, ".input");
	int e;

	if (c->started)
		pthread_join(c->thread, NULL);
	c->started = false;
	e = c->error;
	if (e == 0 && keep && rename(c->tmp, ipath) != 0)
		e = errno;
	if (e != 0 || !keep)
		unlink(c->tmp);
	free(ipath);
	free(c->tmp);
	c->tmp = NULL;
	return e;
}

/* Publishes OUTPUT.index (unsynced: it is checksummed, and its loss
 * costs one full run) for OUTPUT and OUTPUT.input, both in place. */
static int
index_publish(const char *out, struct ihead *h, const uint8_t *apex, const char *dirs,
    const struct ientry *e, struct reg_err *err)
{
	char *ipath = path_with(out, ".input"), *xpath = path_with(out, ".index");
	char *cpath = cache_path(out);
	int rc = REG_OK;

	memcpy(h->magic, INDEX_MAGIC, 8);
	if (!file_id_of(out, &h->out) || !file_id_of(ipath, &h->in))
		rc = reg_fail(err, REG_EIO, "%s: %s", out, strerror(errno));
	if (!file_id_of(cpath, &h->cache))
		memset(&h->cache, 0, sizeof(h->cache));
	free(cpath);
	if (rc == REG_OK)
		rc = publish_file_unsynced(xpath, index_write_fn,
		    &(struct index_out){ h, apex, dirs, e }, err);
	/* Nothing but the files it describes makes an index any use. */
	free(xpath);
	xpath = path_with(out, ".index.prev");
	unlink(xpath);
	free(ipath);
	free(xpath);
	return rc;
}

void
patch_forget(const char *out)
{
	char *xpath = path_with(out, ".index"), *ipath = path_with(out, ".input");

	unlink(xpath);
	unlink(ipath);
	free(xpath);
	free(ipath);
}

static uint32_t
node_expire(const struct zone *z, const struct node *n)
{
	uint32_t min = 0;

	for (uint16_t i = 0; i <= n->nset; i++) {
		const struct rrset *s = i < n->nset ? &n->set[i] : n->nsec;

		for (uint16_t k = 0; s != NULL && k < s->nsig; k++) {
			const uint8_t *rd = z->sig[s->sig + k].rdata;
			uint32_t e = (uint32_t)rd[RRSIG_EXPIRE_AT] << 24 |
			    (uint32_t)rd[RRSIG_EXPIRE_AT + 1] << 16 |
			    (uint32_t)rd[RRSIG_EXPIRE_AT + 2] << 8 | rd[RRSIG_EXPIRE_AT + 3];

			if (min == 0 || e < min)
				min = e;
		}
	}
	return min;
}

/* Whether block k holds exactly name k's records: its owner is that name,
 * and every record of the name was read from its lines. */
static bool
block_is_node(struct patch *p, size_t k, const struct node *nd)
{
	const struct dname *d = new_name(p, k, 0);
	uint32_t from = p->nb.b[k].line;
	uint32_t to = k + 1 < p->nb.n ? p->nb.b[k + 1].line : UINT32_MAX;

	if (d == NULL || !dname_equal(d, nd->name))
		return false;
	for (uint16_t i = 0; i < nd->nset; i++)
		for (uint16_t r = 0; r < nd->set[i].n; r++) {
			const struct rr *rr = &nd->set[i].rr[r];

			/* Line 0: made here (the DNSKEY RRset at the apex). */
			if (rr->line != 0 && (rr->file != 0 || rr->line < from || rr->line >= to))
				return false;
		}
	return true;
}

void
patch_index_full(const struct zone *z, const struct keyset *ks,
    const struct zone_text *text, const char *out, int64_t now)
{
	struct patch p = { .out = out, .nin = { text->p, text->len, false } };
	struct ihead h = { .denial = DENIAL_NSEC, .neg_ttl = zone_negative_ttl(z) };
	struct ientry *e = NULL;
	struct reg_err err = { 0 };
	struct input_copy copy;
	int rc;
	bool ok;

	patch_forget(out);
	if (text->p == NULL)
		return;
	/* The copy goes on beside the checks; dropped if they fail. */
	input_copy_start(&copy, out, &p.nin, true);
	ok = z->out_len != NULL && zone_blocks(p.nin.p, p.nin.len, &p.nb);
	ok = ok && directives_read(p.nb.directives, p.nb.dlen, p.origin, &p.has_origin) &&
	    p.nb.n == z->nnode && z->nn3 == 0 && z->nfiles == 1;
	if (ok) {
		e = xcalloc(z->nnode, sizeof(*e));
		for (size_t k = 0; k < z->nnode && ok; k++) {
			ok = block_is_node(&p, k, &z->node[k]);
			e[k] = (struct ientry){ .in_len = p.nb.b[k].len, .out_len = z->out_len[k],
			    .cache_off = z->cache_off != NULL && z->cache_off[k] < NO_CACHE ?
			    (uint32_t)z->cache_off[k] : NO_CACHE,
			    .expire = node_expire(z, &z->node[k]), .kind = z->node[k].kind };
		}
	}
	if (ok) {
		keys_digest(ks, h.keys);
		h.apex_len = z->apex->wlen;
		h.dir_len = (uint32_t)p.nb.dlen;
		h.n = z->nnode;
		h.in_first = p.nb.b[0].off;
		h.signed_at = now;
		if ((rc = input_copy_finish(&copy, out, true)) != 0)
			rc = reg_fail(&err, REG_EIO, "cannot keep a copy of the zone: %s",
			    strerror(rc));
		if (rc == REG_OK)
			rc = index_publish(out, &h, dname_wire(z->apex), p.nb.directives, e, &err);
		if (rc != REG_OK) {
			log_warnx("%s: %s (the next run signs the whole zone)", out,
			    reg_err_text(&err));
			patch_forget(out);
		}
	} else {
		input_copy_finish(&copy, out, false);
		log_debug("%s: no index for an incremental run: the input is not one block "
		    "per owner in canonical order with $TTL", out);
	}
	free(e);
	zblocks_free(&p.nb);
}

/* --- what changed ---------------------------------------------------------- */

static bool
trusted(const struct patch *p, size_t j)
{
	return p->old[j] >= 0 && !(p->flag[j] & (F_CHANGED | F_ADDED | F_BELOW));
}

/* The new blocks just after position `from` that lie below name get
 * their kind anew (a cut above them may have come or gone). */
static bool
mark_below(struct patch *p, size_t from, const struct dname *name)
{
	uint8_t keep[NAME_BUF] __attribute__((aligned(8)));
	const struct dname *x = (const struct dname *)keep, *d;

	memcpy(keep, name, sizeof(keep));
	for (size_t k = from; k < p->nb.n; k++) {
		if ((d = new_name(p, k, 1)) == NULL)
			return false;
		if (!dname_under(d, x) || dname_equal(d, x))
			break;
		p->flag[k] |= F_BELOW | F_DO;
	}
	return true;
}

/* The names before position pos back to one whose NSEC is known good:
 * one of them names what now follows (the chain changed there). */
static void
mark_before(struct patch *p, size_t pos)
{
	for (size_t k = pos; k-- > 0;) {
		p->flag[k] |= F_DO;
		if (trusted(p, k) && p->oe[p->old[k]].kind != NODE_GLUE)
			break;
	}
}

/* Below the apex is the whole zone, and nothing there changes kind
 * with it: the apex's NS records are no cut. */
static bool
mark_change(struct patch *p, size_t pos, const struct dname *name)
{
	p->changes++;
	mark_before(p, pos);
	return dname_equal(name, (const struct dname *)p->apex) || mark_below(p, pos, name);
}

/* The new blocks against the old entries, both in canonical order. */
static bool
diff(struct patch *p)
{
	size_t i = 0, j = 0, n = p->h->n, m = p->nb.n;
	const struct dname *a, *b;

	while (i < n || j < m) {
		if (i < n && j < m && p->oe[i].in_len == p->nb.b[j].len &&
		    memcmp(p->oin.p + p->in_off[i], p->nin.p + p->nb.b[j].off,
		    p->nb.b[j].len) == 0) {
			p->old[j++] = (int64_t)i++;
			continue;
		}
		a = i < n ? old_name(p, i, 0) : NULL;
		b = j < m ? new_name(p, j, 1) : NULL;
		if ((i < n && a == NULL) || (j < m && b == NULL))
			return false;
		if (b == NULL || (a != NULL && dname_cmp(a, b) < 0)) {
			if (!mark_change(p, j, a))	/* removed */
				return false;
			i++;
		} else if (a == NULL || dname_cmp(a, b) > 0) {
			p->old[j] = -1;
			p->flag[j] |= F_ADDED | F_DO;
			if (!mark_change(p, j + 1, b))
				return false;
			j++;
		} else {
			p->old[j] = (int64_t)i++;
			p->flag[j] |= F_CHANGED | F_DO;
			if (!mark_change(p, j + 1, b))
				return false;
			j++;
		}
		if (p->changes > n / CHANGED_SHARE + CHANGED_MIN)
			return false;
	}
	return true;
}

/* Canonical order around every block that is not the old one, which
 * makes the whole sequence ordered (the old one was). */
static bool
ordered(struct patch *p)
{
	for (size_t j = 0; j < p->nb.n; j++) {
		const struct dname *a, *b;

		if (p->flag[j] == 0 || (p->flag[j] & (F_CHANGED | F_ADDED)) == 0)
			continue;
		if (j > 0 && ((a = new_name(p, j - 1, 0)) == NULL ||
		    (b = new_name(p, j, 1)) == NULL || dname_cmp(a, b) >= 0))
			return false;
		if (j + 1 < p->nb.n && ((a = new_name(p, j, 0)) == NULL ||
		    (b = new_name(p, j + 1, 1)) == NULL || dname_cmp(a, b) >= 0))
			return false;
	}
	return true;
}

/* The new block of a name, -1 if none, -2 if a name on the way does
 * not read. */
static int64_t
find_block(struct patch *p, const struct dname *want)
{
	size_t lo = 0, hi = p->nb.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dname *d = new_name(p, mid, 1);
		int c;

		if (d == NULL)
			return -2;
		if ((c = dname_cmp(d, want)) == 0)
			return (int64_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Signatures near expiry, and the names above every name to do (their
 * cuts decide its kind in the part read). */
static bool
mark_more(struct patch *p)
{
	uint8_t keep[NAME_BUF] __attribute__((aligned(8)));
	const uint8_t *w;
	size_t m = p->nb.n;

	for (size_t j = 0; j < m; j++)
		if (p->old[j] >= 0 && p->oe[p->old[j]].expire != 0 &&
		    (int64_t)p->oe[p->old[j]].expire - p->now <= p->refresh)
			p->flag[j] |= F_DO;
	p->flag[0] |= F_DO;
	for (size_t j = 1; j < m; j++) {
		const struct dname *d;

		if (!(p->flag[j] & F_DO))
			continue;
		if ((d = new_name(p, j, 0)) == NULL)
			return false;
		memcpy(keep, d, sizeof(keep));
		for (w = wire_parent(dname_wire((const struct dname *)keep)); *w != 0;
		    w = wire_parent(w)) {
			int wl = wire_name_len(w, DNAME_WIRE_MAX);
			int64_t k;

			if (wl <= (int)p->h->apex_len)	/* at or above the apex */
				break;
			if ((k = find_block(p, dname_fill(p->buf[0], w, (size_t)wl))) == -2)
				return false;
			if (k > 0)
				p->flag[k] |= F_DO;
		}
	}
	return true;
}

/* --- the part of the zone done again ------------------------------------ */

struct part {
	struct zone z;
	size_t *block;		/* per node of z: its new block */
	const struct dname **next;	/* per node: what its NSEC names */
	uint8_t *kind;		/* per new block: its kind in the new zone */
	struct cache *cache;	/* kept signatures point into it: open until written */
};

static void
part_free(struct part *pt)
{
	zone_free(&pt->z);
	cache_close(pt->cache);
	free(pt->block);
	free(pt->next);
	free(pt->kind);
}

/* Reads the blocks to do, after the directives, as one zone. */
static bool
part_read(struct patch *p, struct part *pt, const char *label, struct reg_err *err)
{
	size_t len = p->nb.dlen + 1, at, nd = 0, t = 0;
	char *text;
	bool ok;

	for (size_t j = 0; j < p->nb.n; j++)
		if (p->flag[j] & F_DO) {
			len += p->nb.b[j].len + 1;
			nd++;
		}
	text = xmalloc(len);
	memcpy(text, p->nb.directives, at = p->nb.dlen);
	for (size_t j = 0; j < p->nb.n; j++)
		if (p->flag[j] & F_DO) {
			memcpy(text + at, p->nin.p + p->nb.b[j].off, p->nb.b[j].len);
			at += p->nb.b[j].len;
			if (text[at - 1] != '\n')
				text[at++] = '\n';
		}
	zone_init(&pt->z);
	ok = zone_read_text(&pt->z, label, text, at, err) == REG_OK &&
	    zone_build(&pt->z, BUILD_STRIP_DNSSEC, err) == REG_OK && pt->z.nnode == nd;
	free(text);
	if (!ok)
		return false;
	pt->block = xmalloc(nd * sizeof(*pt->block));
	pt->kind = xmalloc(p->nb.n);
	for (size_t j = 0; j < p->nb.n; j++) {
		const struct dname *d;

		if (!(p->flag[j] & F_DO)) {
			pt->kind[j] = p->oe[p->old[j]].kind;
			continue;
		}
		if ((d = new_name(p, j, 0)) == NULL || !dname_equal(d, pt->z.node[t].name))
			return false;
		pt->kind[j] = pt->z.node[t].kind;
		pt->block[t++] = j;
	}
	return true;
}

/* Gives the names done again their NSEC, and checks that every name not
 * done again still names what follows it. */
static bool
part_chain(struct patch *p, struct part *pt)
{
	size_t m = p->nb.n, n = p->h->n, t = pt->z.nnode;
	int64_t *onext = xmalloc(n * sizeof(*onext)), *nnext = xmalloc(m * sizeof(*nnext));
	int64_t next = -1;
	bool ok = true;

	for (size_t i = n; i-- > 0;) {
		onext[i] = next;
		if (p->oe[i].kind != NODE_GLUE)
			next = (int64_t)i;
	}
	next = -1;
	for (size_t j = m; j-- > 0;) {
		nnext[j] = next;
		if (pt->kind[j] != NODE_GLUE)
			next = (int64_t)j;
	}
	for (size_t j = 0; j < m && ok; j++) {
		int64_t k = nnext[j];

		if ((p->flag[j] & F_DO) || pt->kind[j] == NODE_GLUE)
			continue;
		ok = k < 0 ? onext[p->old[j]] < 0 :
		    p->old[k] >= 0 && p->old[k] == onext[p->old[j]];
	}
	if (!ok)
		log_warnx("%s: the NSEC chain of the index does not follow the zone; "
		    "signing the whole zone", p->out);
	pt->next = xcalloc(t, sizeof(*pt->next));
	for (size_t i = 0; i < t && ok; i++) {
		int64_t k = nnext[pt->block[i]];
		const struct dname *d;

		if (pt->z.node[i].kind == NODE_GLUE)
			continue;
		if (k < 0)
			pt->next[i] = pt->z.apex;
		else if ((d = new_name(p, (size_t)k, 1)) != NULL)
			pt->next[i] = dname_new(pt->z.rg, dname_wire(d), d->wlen);
		else
			ok = false;
		if (ok)
			nsec_set(&pt->z, &pt->z.node[i], pt->next[i]);
	}
	free(onext);
	free(nnext);
	return ok;
}

/* --- the new output ------------------------------------------------------- */

struct out_arg {
	struct patch *p;
	struct part *pt;
	int oldfd;
	struct ientry *ne;	/* the new index */
};

static bool
flush_text(int fd, struct zout *o)
{
	bool ok = o->len == 0 || write_full(fd, o->buf, o->len);

	o->len = 0;
	return ok;
}

/* Copied runs of the old text and new text for the names done again, in
 * the new order. */
static int
patch_write_fn(void *arg, FILE *f, struct reg_err *err)
{
	struct out_arg *oa = arg;
	struct patch *p = oa->p;
	struct zout text;
	uint64_t from = 0, len = 0;
	size_t t = 0;
	int fd = fileno(f);
	bool ok = fflush(f) == 0;

	zout_init(&text, NULL);
	for (size_t j = 0; j < p->nb.n && ok; j++) {
		struct ientry *e = &oa->ne[j];

		if (!(p->flag[j] & F_DO)) {
			*e = p->oe[p->old[j]];
			ok = flush_text(fd, &text);
			if (len > 0 && from + len != p->out_off[p->old[j]]) {
				ok = ok && copy_range(oa->oldfd, (off_t)from, fd, len);
				len = 0;
			}
			if (len == 0)
				from = p->out_off[p->old[j]];
			len += e->out_len;
		} else {
			const struct node *nd = &oa->pt->z.node[t++];
			size_t before = text.len;

			if (len > 0)
				ok = copy_range(oa->oldfd, (off_t)from, fd, len);
			len = 0;
			zone_write_node(&oa->pt->z, &text, nd);
			*e = (struct ientry){ .out_len = (uint32_t)(text.len - before),
			    .expire = node_expire(&oa->pt->z, nd), .kind = nd->kind,
			    .cache_off = p->old[j] >= 0 ? p->oe[p->old[j]].cache_off : NO_CACHE };
			if (text.len >= TEXT_FLUSH)
				ok = ok && flush_text(fd, &text);
		}
		e->in_len = p->nb.b[j].len;
	}
	ok = ok && flush_text(fd, &text) && (len == 0 || copy_range(oa->oldfd, (off_t)from, fd, len));
	zout_free(&text);
	return ok ? REG_OK : reg_fail(err, REG_EIO, "cannot write the signed zone: %s",
	    strerror(errno));
}

/* --- the run -------------------------------------------------------------- */

/* Where each old name's octets are; false if the lengths do not add up
 * to the files. */
static bool
offsets(struct patch *p)
{
	uint64_t in = p->h->in_first, out = 0;
	size_t n = p->h->n;

	p->in_off = xmalloc(n * sizeof(*p->in_off));
	p->out_off = xmalloc(n * sizeof(*p->out_off));
	for (size_t i = 0; i < n; i++) {
		p->in_off[i] = in;
		p->out_off[i] = out;
		in += p->oe[i].in_len;
		out += p->oe[i].out_len;
	}
	return in == p->h->in.size && out == p->h->out.size;
}

/* Maps the index and the files it describes, if they are the ones it
 * was written with: each opened once, its identity taken from the open
 * file, and read (or copied) from that. */
static bool
patch_open(struct patch *p, const char *in)
{
	char *ipath = path_with(p->out, ".input");
	struct reg_err why = { 0 };
	struct file_id id;
	struct stat sb;
	/* A clock behind the last run's would copy signatures not yet valid. */
	bool ok = index_open(p) && p->h->denial == DENIAL_NSEC && p->now >= p->h->signed_at &&
	    offsets(p) && (p->outfd = open(p->out, O_RDONLY)) >= 0 && fstat(p->outfd, &sb) == 0;

	if (ok) {
		id_of(&sb, &id);
		ok = file_id_equal(&id, &p->h->out) && map_path(ipath, &p->oin, &id) &&
		    file_id_equal(&id, &p->h->in);
		/* Read, not mapped: what is cut, compared, signed and kept as the
		 * next OUTPUT.input must be one and the same text. */
		if (ok && (p->nin.p = zone_file_slurp(in, &p->nin.len, &why)) != NULL)
			p->nin.owned = true;
		ok = ok && p->nin.p != NULL && zone_blocks(p->nin.p, p->nin.len, &p->nb);
	}
	free(ipath);
	if (ok)
		dname_fill(p->apex, (const uint8_t *)p->index.p + sizeof(*p->h), p->h->apex_len);
	return ok && p->nb.dlen == p->h->dir_len &&
	    memcmp(p->nb.directives, p->index.p + sizeof(*p->h) + p->h->apex_len,
	    p->nb.dlen) == 0 &&
	    directives_read(p->nb.directives, p->nb.dlen, p->origin, &p->has_origin);
}

static void
patch_close(struct patch *p)
{
	if (p->outfd >= 0)
		close(p->outfd);
	unmap(&p->index);
	unmap(&p->oin);
	unmap(&p->nin);
	zblocks_free(&p->nb);
	free(p->old);
	free(p->flag);
	free(p->in_off);
	free(p->out_off);
}

/* The cached signatures of the names done again, if OUTPUT.cache is the
 * one the index points into. */
static void
part_cache(const struct patch *p, struct part *pt, const char *cpath)
{
	struct file_id id;
	uint64_t *offs;
	size_t t = pt->z.nnode;

	if (!file_id_of(cpath, &id) || !file_id_equal(&id, &p->h->cache))
		return;
	offs = xmalloc(t * sizeof(*offs));
	for (size_t i = 0; i < t; i++) {
		int64_t o = p->old[pt->block[i]];

		offs[i] = o >= 0 && p->oe[o].cache_off != NO_CACHE ? p->oe[o].cache_off : UINT64_MAX;
	}
	cache_open_names(cpath, pt->z.apex, offs, t, &pt->cache);
	free(offs);
}

/* Keys, apex and negative TTL as the index has them; then sign, gate,
 * publish. */
static int
part_sign(struct patch *p, struct part *pt, struct keyset *ks, const char *keydir,
    const struct sign_opts *so, const struct verify_opts *vo, struct sign_result *res,
    struct reg_err *err)
{
	const uint8_t *apex = (const uint8_t *)p->index.p + sizeof(*p->h);
	uint8_t keys[SHA256_LEN];
	struct verify_opts pvo = *vo;
	uint8_t *digests = NULL;
	char *cpath = cache_path(p->out);
	int rc;

	if (pt->z.apex->wlen != p->h->apex_len ||
	    memcmp(dname_wire(pt->z.apex), apex, p->h->apex_len) != 0 ||
	    zone_negative_ttl(&pt->z) != p->h->neg_ttl)
		rc = reg_fail(err, REG_EINVAL, "apex or negative TTL changed");
	else if ((rc = keys_load(ks, keydir, pt->z.apex, so->now, err)) == REG_OK) {
		keys_digest(ks, keys);
		if (memcmp(keys, p->h->keys, sizeof(keys)) != 0)
			rc = reg_fail(err, REG_EINVAL, "the keys changed");
	}
	if (rc == REG_OK && (rc = keys_publish(&pt->z, ks, err)) == REG_OK &&
	    !part_chain(p, pt))
		rc = reg_fail(err, REG_EINVAL, "the NSEC chain needs a full signing");
	if (rc == REG_OK) {
		part_cache(p, pt, cpath);
		rc = zone_sign(&pt->z, ks, pt->cache, so, &digests, &res->st, err);
	}
	/* The signatures taken from the cache are checked with the public
	 * keys: cheaper than the whole cache file's checksum, which a run that
	 * takes a few of them skips (cache_open_names). */
	pvo.nsec_next = pt->next;
	pvo.cached_public = true;
	if (rc == REG_OK)
		rc = zone_verify(&pt->z, ks, digests, &pvo, err);
	free(digests);
	free(cpath);
	return rc;
}

bool
patch_sign(const struct sign_args *a, const char *keydir, const struct sign_opts *so,
    const struct verify_opts *vo, struct sign_result *res, struct reg_err *err)
{
	struct patch p = { .out = a->out, .now = so->now, .outfd = -1 };
	struct part pt = { 0 };
	struct keyset ks = { 0 };
	struct ientry *ne = NULL;
	struct reg_err why = { 0 };
	struct timer tm;
	const char *step = "no index, or one for other files or a later clock";
	struct input_copy copy;
	int kept = EIO;
	bool ok;

	p.refresh = so->refresh;
	timer_start(&tm, a->verbose);
	if ((ok = patch_open(&p, a->in))) {
		timer_lap(&tm, "index and files mapped");
		p.old = xmalloc(p.nb.n * sizeof(*p.old));
		p.flag = xcalloc(p.nb.n, 1);
		step = "more than an eighth of the names changed, or the zone is not in order";
		ok = diff(&p) && ordered(&p) && mark_more(&p);
		timer_lap(&tm, "compared with the index");
	}
	if (ok) {
		step = "the changed names do not read as one name per block";
		ok = part_read(&p, &pt, a->in, &why);
		timer_lap(&tm, "changed names read");
	}
	if (ok) {
		ok = part_sign(&p, &pt, &ks, keydir, so, vo, res, &why) == REG_OK;
		step = reg_err_text(&why);
	}
	if (ok) {
		ne = xmalloc(p.nb.n * sizeof(*ne));
		timer_lap(&tm, "signed and verified");
		input_copy_start(&copy, a->out, &p.nin, true);
		ok = publish_file(a->out, patch_write_fn,
		    &(struct out_arg){ &p, &pt, p.outfd, ne }, err) == REG_OK;
		step = reg_err_text(err);
		kept = input_copy_finish(&copy, a->out, ok);
		timer_lap(&tm, "written");
	}
	if (ok) {
		struct ihead h = *p.h;

		h.n = p.nb.n;
		h.in_first = p.nb.b[0].off;
		h.signed_at = so->now > p.h->signed_at ? so->now : p.h->signed_at;
		res->published = true;
		res->serial = pt.z.serial;
		res->negative_ttl = zone_negative_ttl(&pt.z);
		dname_format(dname_wire(pt.z.apex), res->zone);
		log_info("%s: incremental: %zu of %zu names done again, %zu changes",
		    a->out, pt.z.nnode, p.nb.n, p.changes);
		if (kept != 0)
			reg_fail(&why, REG_EIO, "cannot keep a copy of %s: %s", a->in, strerror(kept));
		if (kept != 0 || index_publish(a->out, &h, (const uint8_t *)p.index.p + sizeof(h),
		    p.nb.directives, ne, &why) != REG_OK) {
			log_warnx("%s: %s (the next run signs the whole zone)", a->out,
			    reg_err_text(&why));
			patch_forget(a->out);
		}
		timer_lap(&tm, "index written");
	} else if (p.index.p != NULL)
		log_info("%s: signing the whole zone: %s", a->out, step);
	free(ne);
	part_free(&pt);
	keys_free(&ks);
	patch_close(&p);
	return ok;
}
