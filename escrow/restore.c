/*
 * restore.c: `escrow verify` and `escrow restore`.
 *
 * Both check each deposit the same way, cheapest check first:
 *
 *	digest		the .sha256 file names the data file and its SHA-256
 *	signature	the .sig is a good signature by the registry's key
 *	schema		the XML (decrypted by gpg on the way) validates against
 *			the RDE schemas as it streams, and the header's counts
 *			match the objects
 *
 * A restore checks digest and signature of every deposit before it reads
 * any, then streams them in order (a full deposit, then incrementals that
 * each name the previous one as prevId) into a temporary database in one
 * transaction. Only when everything has been read, every reference
 * resolves and the transaction has committed is the file synced and
 * renamed to NEWDB; on any failure the temporary file goes and NEWDB
 * never appears.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escrow.h"
#include "log.h"
#include "util.h"

/* The files of one deposit named on the command line. */
struct deposit_files {
	char *name;		/* as given, for messages */
	char *data, *sig, *digest;
	bool encrypted;
};

/* What verify and restore share: configuration, keys, schema. */
struct checker {
	struct reg_config *cfg;		/* NULL: verify without -c */
	struct escrow_gpg gpg;
	xmlSchemaPtr schema;
	struct arena *a;
};

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* --- finding and sealing -------------------------------------------------------- */

static int
files_find(struct arena *a, const char *arg, struct deposit_files *f, struct reg_err *err)
{
	static const char *const exts[] = { EXT_RYDE, EXT_XML, EXT_SIG, EXT_SHA256, EXT_REPORT };
	char *base = arena_strdup(a, arg);

	for (size_t i = 0; i < nitems(exts); i++)
		if (str_has_suffix(base, exts[i])) {
			base[strlen(base) - strlen(exts[i])] = '\0';
			break;
		}
	f->name = base;
	f->encrypted = exists(arena_printf(a, "%s" EXT_RYDE, base));
	f->data = arena_printf(a, "%s%s", base, f->encrypted ? EXT_RYDE : EXT_XML);
	f->sig = arena_printf(a, "%s" EXT_SIG, base);
	f->digest = arena_printf(a, "%s" EXT_SHA256, base);
	if (!exists(f->data))
		return reg_fail(err, REG_ENOTFOUND, "%s: no %s or %s file", base, EXT_RYDE, EXT_XML);
	if (!exists(f->digest))
		return reg_fail(err, REG_ENOTFOUND, "%s: no %s file: refused", base, EXT_SHA256);
	if (!exists(f->sig))
		return reg_fail(err, REG_ENOTFOUND, "%s: no %s file: refused", base, EXT_SIG);
	return REG_OK;
}

static int
check_seal(struct checker *ck, const struct deposit_files *f, char fpr[ESCROW_FPR_MAX],
    struct reg_err *err)
{
	char want[ESCROW_SHA256_HEX], have[ESCROW_SHA256_HEX];
	char *data = arena_strdup(ck->a, f->data);
	int rc;

	if ((rc = files_digest_read(f->digest, basename(data), want, err)) != REG_OK ||
	    (rc = crypto_sha256_file(f->data, have, err)) != REG_OK)
		return rc;
	if (strcmp(want, have) != 0)
		return reg_fail(err, REG_EAUTH, "%s: SHA-256 %s, but %s says %s: the file was "
		    "changed or cut short", f->data, have, f->digest, want);
	return crypto_verify(&ck->gpg, f->data, f->sig, fpr, err);
}

/* Two copies of a deposit's XML, one to load and one for the schema check
 * beside it: a plain file is opened twice; an encrypted one is decrypted
 * once, by gpg, and split by a tee. */
struct source {
	int fd[2];
	struct escrow_child gpg;
	struct escrow_tee tee;
	bool teeing;
	int gpg_fd;
};

static int
source_open(struct checker *ck, const struct deposit_files *f, struct source *src,
    struct reg_err *err)
{
	int a[2], b[2], rc;

	memset(src, 0, sizeof(*src));
	src->fd[0] = src->fd[1] = src->gpg_fd = -1;
	if (!f->encrypted) {
		for (int i = 0; i < 2; i++)
			if ((src->fd[i] = open(f->data, O_RDONLY | O_CLOEXEC)) < 0)
				return reg_fail(err, REG_EIO, "%s: %s", f->data, strerror(errno));
		return REG_OK;
	}
	if ((rc = crypto_decrypt_start(&ck->gpg, f->data, &src->gpg, &src->gpg_fd, err)) != REG_OK)
		return rc;
	if (pipe2(a, O_CLOEXEC) != 0)
		return reg_fail(err, REG_EIO, "pipe: %s", strerror(errno));
	if (pipe2(b, O_CLOEXEC) != 0) {
		close(a[0]);
		close(a[1]);
		return reg_fail(err, REG_EIO, "pipe: %s", strerror(errno));
	}
	src->fd[0] = a[0];
	src->fd[1] = b[0];
	if ((rc = proc_tee_start(&src->tee, src->gpg_fd, a[1], b[1], err)) != REG_OK) {
		close(a[1]);
		close(b[1]);
	}
	src->teeing = rc == REG_OK;
	return rc;
}

/* After the reader closed both copies: the tee, then gpg, whose exit
 * status says whether the decryption was whole. A reader that stopped
 * early makes gpg fail on a broken pipe, and gpg failing on its own ends
 * the XML early, so when both failed both messages are given. */
static int
source_close(struct source *src, int rc, struct reg_err *err)
{
	struct reg_err g = { 0 };
	char first[REG_ERR_REASON_MAX];

	if (src->gpg.pid <= 0)
		return rc;
	if (src->teeing)
		proc_tee_wait(&src->tee);
	close(src->gpg_fd);
	if (proc_wait(&src->gpg, &g) == REG_OK)
		return rc;
	if (rc == REG_OK)
		return reg_fail(err, g.code, "%s", g.reason);
	strlcpy_reg(first, reg_err_text(err), sizeof(first));
	return reg_fail(err, rc, "%s (%s)", first, g.reason);
}

/* Streams the deposit's XML (through gpg if it is encrypted) into ops. */
static int
stream(struct checker *ck, const struct deposit_files *f, const struct reader_ops *ops,
    struct deposit_info *info, struct reg_err *err)
{
	struct source src;
	int rc = source_open(ck, f, &src, err);

	if (rc == REG_OK)
		rc = reader_run(src.fd[0], src.fd[1], f->data, ck->schema, ck->cfg, ops, info, err);
	else
		for (int i = 0; i < 2; i++)
			if (src.fd[i] >= 0)
				close(src.fd[i]);
	return source_close(&src, rc, err);
}

static int
checker_init(struct checker *ck, const struct restore_opts *o, struct reg_err *err)
{
	struct reg_err e = { 0 };
	int rc;

	memset(ck, 0, sizeof(*ck));
	ck->a = arena_new();
	if (o->config != NULL && (ck->cfg = config_load(o->config, &e)) == NULL)
		return reg_fail(err, e.code, "%s", reg_err_text(&e));
	/* --gpg-home before the keys are imported, so that they go there */
	if ((rc = crypto_init(&ck->gpg, ck->cfg, o->gpg_home, err)) != REG_OK)
		return rc;
	ck->schema = escrow_schema_load(ck->cfg != NULL ? ck->cfg->escrow.schema_dir : NULL, err);
	return ck->schema != NULL ? REG_OK : err->code;
}

static void
checker_free(struct checker *ck)
{
	if (ck->schema != NULL)
		xmlSchemaFree(ck->schema);
	crypto_cleanup(&ck->gpg);
	config_free(ck->cfg);
	arena_free(ck->a);
}

/* --- verify ------------------------------------------------------------------------ */

static int
verify_one(struct checker *ck, const char *arg, struct reg_err *err)
{
	static const struct reader_ops none = { NULL, NULL, NULL, NULL };
	struct deposit_files f;
	struct deposit_info info = { 0 };
	char fpr[ESCROW_FPR_MAX];
	int rc;

	if ((rc = files_find(ck->a, arg, &f, err)) != REG_OK ||
	    (rc = check_seal(ck, &f, fpr, err)) != REG_OK ||
	    (rc = stream(ck, &f, &none, &info, err)) != REG_OK)
		return rc;
	printf("%s: ok: %s deposit %s%s%s of .%s, %lld domains, %lld hosts, %lld contacts, "
	    "%lld registrars, signed by %s\n", f.name, info.full ? "full" : "incremental",
	    info.id, info.full ? "" : " after ", info.full ? "" : info.prev_id, info.tld,
	    (long long)info.counts.n[COUNT_DOMAIN], (long long)info.counts.n[COUNT_HOST],
	    (long long)info.counts.n[COUNT_CONTACT], (long long)info.counts.n[COUNT_REGISTRAR],
	    fpr);
	fflush(stdout);
	return REG_OK;
}

int
escrow_verify(const struct restore_opts *o, struct reg_err *err)
{
	struct checker ck;
	struct reg_err e;
	int rc, code = REG_OK, failed = 0;

	if ((rc = checker_init(&ck, o, err)) != REG_OK) {
		checker_free(&ck);
		return rc;
	}
	for (int i = 0; i < o->ndeposits; i++) {
		memset(&e, 0, sizeof(e));
		if ((rc = verify_one(&ck, o->deposits[i], &e)) != REG_OK) {
			log_warnx("%s", reg_err_text(&e));
			code = rc;
			failed++;
		}
	}
	checker_free(&ck);
	if (failed > 0)
		return reg_fail(err, code, "%d of %d deposit%s did not check out", failed,
		    o->ndeposits, o->ndeposits > 1 ? "s" : "");
	return REG_OK;
}

/* --- restore ------------------------------------------------------------------------ */

/* Registrar ids by handle, sorted: every object names two or three of
 * the few registrars there are. */
struct registrar_ids {
	struct registrar_id {
		char *handle;
		int64_t id;
	} *v;
	int n, cap;
};

struct restore {
	struct checker ck;
	struct registrar_ids rids;
	struct store *st;
	char *tmp;			/* the database being built */
	const char *deposit;		/* the one being read */
	int index;
	char prev_id[sizeof(((struct deposit_info *)0)->id)];
	bool update;			/* reading an incremental */
};

static const char *const kind_names[ESCROW_NKINDS] = {
	[ESCROW_REGISTRAR] = "registrar", [ESCROW_CONTACT] = "contact",
	[ESCROW_HOST] = "host", [ESCROW_DOMAIN] = "domain", [ESCROW_NNDN] = "reserved name",
};

/* A full deposit first, then incrementals that each follow the last. */
static int
on_begin(void *arg, const struct deposit_info *info, struct reg_err *err)
{
	struct restore *rs = arg;

	if (rs->index == 0 && !info->full)
		return reg_fail(err, REG_EINVAL, "%s: incremental deposit %s cannot come first: "
		    "give the full deposit it builds on", rs->deposit, info->id);
	if (rs->index > 0 && info->full)
		return reg_fail(err, REG_EINVAL, "%s: full deposit %s: only the first deposit "
		    "may be a full one", rs->deposit, info->id);
	if (rs->index > 0 && strcmp(info->prev_id, rs->prev_id) != 0)
		return reg_fail(err, REG_EINVAL, "%s: deposit %s follows %s, not %s", rs->deposit,
		    info->id, info->prev_id, rs->prev_id);
	strlcpy_reg(rs->prev_id, info->id, sizeof(rs->prev_id));
	rs->update = !info->full;
	/* The first incremental ends the bulk load of the full deposit. */
	if (rs->index == 1)
		return store_escrow_restore_incremental(rs->st, err);
	return REG_OK;
}

static const char *
object_key(const struct escrow_object *o)
{
	switch (o->kind) {
	case ESCROW_REGISTRAR:
		return o->u.registrar.handle;
	case ESCROW_CONTACT:
		return o->u.contact.c.handle;
	case ESCROW_HOST:
		return o->u.host.name;
	case ESCROW_DOMAIN:
		return o->u.domain.d.name;
	default:
		return o->u.nndn.name;
	}
}

static int
rid_order(const void *x, const void *y)
{
	return strcmp(((const struct registrar_id *)x)->handle,
	    ((const struct registrar_id *)y)->handle);
}

static void
rids_forget(struct registrar_ids *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->v[i].handle);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* The id of registrar `handle` (NULL: 0 when optional), or an error. */
static int
rid(struct restore *rs, const char *handle, bool optional, int64_t *id, struct reg_err *err)
{
	struct registrar_ids *r = &rs->rids;
	struct registrar_id key = { (char *)handle, 0 }, *hit;

	if (handle == NULL) {
		*id = 0;
		return optional ? REG_OK : reg_fail(err, REG_EINVAL, "no sponsoring registrar");
	}
	hit = r->n > 0 ? bsearch(&key, r->v, (size_t)r->n, sizeof(*r->v), rid_order) : NULL;
	if (hit != NULL) {
		*id = hit->id;
		return REG_OK;
	}
	if ((*id = store_escrow_registrar_id(rs->st, handle)) <= 0)
		return reg_fail(err, REG_ENOTFOUND, "registrar %s is not in the deposit", handle);
	if (r->n == r->cap)
		r->v = xrealloc(r->v, sizeof(*r->v) * (size_t)(r->cap = 2 * r->cap + 16));
	r->v[r->n].handle = xstrdup(handle);
	r->v[r->n++].id = *id;
	qsort(r->v, (size_t)r->n, sizeof(*r->v), rid_order);
	return REG_OK;
}

/* Sponsor, creator and updater handles to ids. */
#define OWNERS(rs, o, err) (rid((rs), (o)->sponsor, false, &(o)->sponsor_id, (err)) || \
	rid((rs), (o)->creator, true, &(o)->creator_id, (err)) || \
	rid((rs), (o)->updater, true, &(o)->updater_id, (err)))

static int
transfer_rids(struct restore *rs, struct reg_transfer *t, struct reg_err *err)
{
	if (t->state == NULL)
		return REG_OK;
	if (rid(rs, t->gaining, false, &t->gaining_id, err) != REG_OK)
		return err->code;
	return rid(rs, t->losing, false, &t->losing_id, err);
}

static int
put(struct restore *rs, struct escrow_object *o, struct reg_err *err)
{
	struct reg_contact *c = &o->u.contact.c;
	struct reg_domain *d = &o->u.domain.d;
	struct reg_host *h = &o->u.host;

	switch (o->kind) {
	case ESCROW_REGISTRAR:
		return store_escrow_put_registrar(rs->st, &o->u.registrar, rs->update, err);
	case ESCROW_CONTACT:
		if (OWNERS(rs, c, err) || transfer_rids(rs, &o->u.contact.tr, err))
			return err->code;
		return store_escrow_put_contact(rs->st, &o->u.contact, rs->update, err);
	case ESCROW_HOST:
		if (OWNERS(rs, h, err))
			return err->code;
		return store_escrow_put_host(rs->st, h, rs->update, err);
	case ESCROW_DOMAIN:
		if (OWNERS(rs, d, err) || transfer_rids(rs, &o->u.domain.tr, err))
			return err->code;
		return store_escrow_put_domain(rs->st, &o->u.domain, rs->update, err);
	default:
		return store_escrow_put_nndn(rs->st, &o->u.nndn, rs->update, err);
	}
}

static int
on_object(void *arg, struct escrow_object *o, struct reg_err *err)
{
	struct restore *rs = arg;
	struct reg_err e = { 0 };
	int rc = put(rs, o, &e);

	if (rc == REG_OK)
		return REG_OK;
	return reg_fail(err, rc, "%s: %s %s: %s", rs->deposit, kind_names[o->kind],
	    object_key(o), reg_err_text(&e));
}

/* Deleting what is not there is no error: the deposit's author may have
 * created and deleted it between two deposits. */
static int
on_delete(void *arg, enum escrow_kind kind, const char *key, struct reg_err *err)
{
	struct restore *rs = arg;
	struct reg_err e = { 0 };
	int rc = store_escrow_delete(rs->st, kind, key, &e);

	if (kind == ESCROW_REGISTRAR)
		rids_forget(&rs->rids);
	if (rc == REG_ENOTFOUND) {
		log_debug("%s: delete of %s %s: not there", rs->deposit, kind_names[kind], key);
		return REG_OK;
	}
	if (rc == REG_OK)
		return REG_OK;
	return reg_fail(err, rc, "%s: delete of %s %s: %s", rs->deposit, kind_names[kind], key,
	    reg_err_text(&e));
}

/* Reads every deposit into the open transaction. */
static int
load_all(struct restore *rs, const struct restore_opts *o, struct deposit_files *f,
    struct reg_err *err)
{
	const struct reader_ops ops = { on_begin, on_delete, on_object, rs };
	const char *tld = rs->ck.cfg->registry.tld;
	struct deposit_info info;
	struct timespec t0, t1;
	int rc = REG_OK;

	for (rs->index = 0; rs->index < o->ndeposits && rc == REG_OK; rs->index++) {
		memset(&info, 0, sizeof(info));
		rs->deposit = f[rs->index].name;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((rc = stream(&rs->ck, &f[rs->index], &ops, &info, err)) != REG_OK)
			break;
		if (strcmp(info.tld, tld) != 0)
			return reg_fail(err, REG_EINVAL, "%s: a deposit of .%s, but the "
			    "configuration is for .%s", rs->deposit, info.tld, tld);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("%s: %s %s read: %lld domains, %lld hosts, %lld contacts, %lld "
		    "registrars, %.1f s", rs->deposit, info.full ? "full" : "incremental", info.id,
		    (long long)info.counts.n[COUNT_DOMAIN], (long long)info.counts.n[COUNT_HOST],
		    (long long)info.counts.n[COUNT_CONTACT],
		    (long long)info.counts.n[COUNT_REGISTRAR],
		    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	return rc;
}

/* The temporary database and what SQLite keeps beside it. */
static void
tmp_remove(const char *tmp)
{
	static const char *const sides[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX];

	for (size_t i = 0; i < nitems(sides); i++) {
		snprintf(path, sizeof(path), "%s%s", tmp, sides[i]);
		unlink(path);
	}
}

/* Builds the database at rs->tmp from the deposits. */
static int
build(struct restore *rs, const struct restore_opts *o, struct deposit_files *f,
    struct reg_err *err)
{
	struct reg_err e = { 0 };
	int rc;

	rs->st = store_open(rs->tmp, STORE_CREATE | STORE_FAST | STORE_NOLOG, &e);
	if (rs->st == NULL)
		return reg_fail(err, e.code, "%s", reg_err_text(&e));
	store_set_roid_suffix(rs->st, rs->ck.cfg->registry.roid_suffix);
	if ((rc = store_escrow_restore_begin(rs->st, err)) != REG_OK ||
	    (rc = load_all(rs, o, f, err)) != REG_OK)
		return rc;
	if ((rc = store_escrow_restore_end(rs->st, &e)) != REG_OK)
		return reg_fail(err, rc, "the deposits do not make a whole registry: %s",
		    reg_err_text(&e));
	store_close(rs->st);
	rs->st = NULL;
	return files_sync(rs->tmp, err);
}

/* Finds every deposit's files and checks digest and signature of all of
 * them before anything is read. */
static int
seal_all(struct restore *rs, const struct restore_opts *o, struct deposit_files **out,
    struct reg_err *err)
{
	struct deposit_files *f = arena_alloc(rs->ck.a, sizeof(*f) * (size_t)o->ndeposits);
	char fpr[ESCROW_FPR_MAX];
	int rc = REG_OK;

	for (int i = 0; i < o->ndeposits && rc == REG_OK; i++)
		if ((rc = files_find(rs->ck.a, o->deposits[i], &f[i], err)) == REG_OK)
			rc = check_seal(&rs->ck, &f[i], fpr, err);
	*out = f;
	return rc;
}

int
escrow_restore(const struct restore_opts *o, struct reg_err *err)
{
	struct restore rs = { 0 };
	struct deposit_files *f;
	int rc;

	if (exists(o->newdb))
		return reg_fail(err, REG_EEXISTS, "%s exists: restore only makes a new database",
		    o->newdb);
	if ((rc = checker_init(&rs.ck, o, err)) == REG_OK &&
	    (rc = seal_all(&rs, o, &f, err)) == REG_OK) {
		rs.tmp = arena_printf(rs.ck.a, "%s.tmp-%ld", o->newdb, (long)getpid());
		tmp_remove(rs.tmp);
		if ((rc = build(&rs, o, f, err)) == REG_OK && exists(o->newdb))
			rc = reg_fail(err, REG_EEXISTS, "%s appeared meanwhile", o->newdb);
		if (rc == REG_OK && rename(rs.tmp, o->newdb) != 0)
			rc = reg_fail(err, REG_EIO, "%s: %s", o->newdb, strerror(errno));
		if (rc == REG_OK)
			rc = files_sync(o->newdb, err);
		if (rs.st != NULL)
			store_close(rs.st);
		if (rc != REG_OK)
			tmp_remove(rs.tmp);
	}
	rids_forget(&rs.rids);
	checker_free(&rs.ck);
	return rc;
}
