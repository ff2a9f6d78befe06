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
 *                 identities, the keys, the chain, the negative TTL and
 *                 the directives (patch_index.c writes and checks it;
 *                 its layout is in patch.h)
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "patch.h"
#include "util.h"

#define CHANGED_SHARE	8	/* more than 1/8 of the names changed (and   */
#define CHANGED_MIN	8	/* a few more in a small zone): sign whole */
#define TEXT_FLUSH	(1 << 20)

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
