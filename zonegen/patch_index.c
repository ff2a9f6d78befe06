/*
 * patch_index.c: the incremental run's state beside OUTPUT (see patch.c):
 * OUTPUT.index (its layout in patch.h; native byte order, state of this
 * host, not an exchange format) and OUTPUT.input, how they are written,
 * checked and read, and the index a full NSEC signing leaves.
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
#include "patch.h"
#include "util.h"

void
id_of(const struct stat *sb, struct file_id *id)
{
	*id = (struct file_id){ .dev = (uint64_t)sb->st_dev, .ino = (uint64_t)sb->st_ino,
	    .size = (uint64_t)sb->st_size,
	    .mtime = (uint64_t)sb->st_mtim.tv_sec * 1000000000u + (uint64_t)sb->st_mtim.tv_nsec };
}

bool
file_id_of(const char *path, struct file_id *id)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return false;
	id_of(&sb, id);
	return true;
}

bool
file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime == b->mtime;
}

/* Maps a file whole, read ahead (every page is read, and faulting them
 * in one at a time costs more than the reading); id, when not NULL, gets
 * the identity of what was mapped. For files of this program's own. */
bool
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

void
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
void
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
bool
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
const struct dname *
name_at(const struct patch *p, const char *text, size_t max, void *buf)
{
	uint8_t wire[DNAME_WIRE_MAX];
	const char *why;
	size_t n;
	int wlen;

	if ((n = zone_word_len(text, max)) == 0)
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

const struct dname *
new_name(struct patch *p, size_t j, int which)
{
	const struct zblock *b = &p->nb.b[j];

	return name_at(p, p->nin.p + b->off, b->len, p->buf[which]);
}

const struct dname *
old_name(struct patch *p, size_t i, int which)
{
	return name_at(p, p->oin.p + p->in_off[i], p->oe[i].in_len, p->buf[which]);
}

/* --- the index ----------------------------------------------------------- */

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
	bool ok = fflush(f) == 0;

	if (md == NULL)
		abort();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
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
bool
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

/* Copies from one descriptor to another, in the kernel where it can. */
bool
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
		writeback_fd(to, lseek(to, 0, SEEK_CUR), &started);
	}
	return true;
}

/*
 * OUTPUT.input: the very text signed, from memory (not the file by name,
 * which may have been replaced since, nor a link, which an in-place
 * rewrite would change too). Written and synced on a thread of its own
 * while the signed zone is written and synced, whose fsync leaves a core
 * idle; put in place only once the signed zone is.
 */
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
void
input_copy_start(struct input_copy *c, const char *out, const struct mapped *m,
    bool thread)
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
int
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
int
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
	/* Nothing but the files it describes makes an index any use: no
	 * previous one is kept. */
	if (rc == REG_OK)
		rc = publish_file_flags(xpath, index_write_fn,
		    &(struct index_out){ h, apex, dirs, e }, PUBLISH_NOSYNC | PUBLISH_NOPREV, err);
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

uint32_t
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
