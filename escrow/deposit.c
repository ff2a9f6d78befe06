/*
 * deposit.c: one deposit from start to finish.
 *
 *	snapshot	one read transaction on the master: the changelog's
 *			last sequence number names it; an incremental marks
 *			what changed since the previous deposit's number
 *	stream		the XML goes through gpg (or to a file) as it is
 *			written, one object in memory at a time, and a copy
 *			through the schema check beside it
 *	seal		rename into place, sign, digest, report
 *	send		the offsite target, checked on arrival, and retention
 *
 * The header's counts come from the same snapshot before the objects are
 * written, and the deposit is refused if the objects written do not add
 * up to them. A failure at any step leaves no deposit file behind.
 */
#include <errno.h>
#include <fcntl.h>
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

#define TMP_SUFFIX ".tmp"

struct deposit {
	const struct deposit_opts *o;
	struct reg_config *cfg;
	struct store *st;
	struct arena *a;
	struct escrow_gpg gpg;
	struct deposit_info info;
	struct escrow_counts expect;
	xmlSchemaPtr schema;		/* NULL: no schema check */
	char *tmp;			/* the data file being written */
	struct timespec started;
};

static double
elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* --- the snapshot ----------------------------------------------------------- */

/* The previous deposit an incremental follows, and a check that it was
 * made from this database's history. */
static int
previous(struct deposit *dp, struct reg_err *err)
{
	struct deposit_info prev;
	struct reg_err e = { 0 };
	int64_t ts;
	int rc;

	if ((rc = files_latest(dp->o->outdir, dp->cfg->registry.tld, &prev, &e)) != REG_OK)
		return reg_fail(err, rc, "%s; make a full deposit first", reg_err_text(&e));
	ts = store_changelog_ts(dp->st, prev.seq);
	if (ts != 0 && prev.seq_ts != 0 && ts != prev.seq_ts)
		return reg_fail(err, REG_EINVAL, "deposit %s was made from another database "
		    "(changeset %lld differs); make a full deposit", prev.base, (long long)prev.seq);
	strlcpy_reg(dp->info.prev_id, prev.id, sizeof(dp->info.prev_id));
	if ((rc = store_escrow_mark(dp->st, prev.seq, &e)) != REG_OK)
		return reg_fail(err, rc, "%s; make a full deposit", reg_err_text(&e));
	log_info("incremental since %s (sequence %lld)", prev.base, (long long)prev.seq);
	return REG_OK;
}

/* What the header will say, from the same snapshot. */
static void
expect_counts(struct deposit *dp, const char *idn_id)
{
	static const struct {
		enum escrow_count count;
		enum escrow_kind kind;
	} map[] = {
		{ COUNT_DOMAIN, ESCROW_DOMAIN }, { COUNT_HOST, ESCROW_HOST },
		{ COUNT_CONTACT, ESCROW_CONTACT }, { COUNT_REGISTRAR, ESCROW_REGISTRAR },
		{ COUNT_NNDN, ESCROW_NNDN },
	};
	bool marked = !dp->info.full;

	for (size_t i = 0; i < nitems(map); i++)
		dp->expect.n[map[i].count] = store_escrow_count(dp->st, map[i].kind, marked);
	dp->expect.n[COUNT_IDN] = idn_id != NULL ? 1 : 0;
	dp->expect.n[COUNT_EPP] = 1;
}

static int
snapshot(struct deposit *dp, struct reg_err *err)
{
	struct reg_err e = { 0 };
	int64_t offset;

	if ((dp->st = store_open(dp->cfg->database.master, STORE_RDONLY, &e)) == NULL)
		return reg_fail(err, e.code, "%s", reg_err_text(&e));
	if (store_read_begin(dp->st) != REG_OK)
		return reg_fail(err, REG_EDB, "%s: cannot start a read transaction",
		    dp->cfg->database.master);
	offset = dp->cfg->registry.adjustable_clock ? store_clock_offset(dp->st) : 0;
	dp->info.watermark = (int64_t)time(NULL) + offset;
	dp->info.seq = store_changelog_last(dp->st);
	dp->info.seq_ts = store_changelog_ts(dp->st, dp->info.seq);
	if (!dp->info.full)
		return previous(dp, err);
	return REG_OK;
}

/* --- the stream --------------------------------------------------------------- */

static void
root_start(struct deposit *dp, struct xw *x)
{
	char resend[16];

	xw_start(x, NS_RDE, "deposit");
	xw_attr(x, "type", dp->info.full ? "FULL" : "DIFF");
	xw_attr(x, "id", dp->info.id);
	if (!dp->info.full)
		xw_attr(x, "prevId", dp->info.prev_id);
	if (dp->info.rev > 0) {
		snprintf(resend, sizeof(resend), "%d", dp->info.rev);
		xw_attr(x, "resend", resend);
	}
	for (int i = 0; i < NS_COUNT; i++) {
		char *name = arena_printf(dp->a, "xmlns:%s", escrow_ns[i].prefix);

		xw_attr(x, name, escrow_ns[i].uri);
	}
	xw_newline(x);
	xw_time(x, NS_RDE, "watermark", dp->info.watermark);
	xw_newline(x);
}

/* The objects, in the order a reader can apply them: what a domain names
 * comes before it. */
static int
contents(struct deposit_ctx *dc)
{
	static int (*const kinds[])(struct deposit_ctx *) = {
		objects_registrars, objects_contacts, objects_hosts, objects_domains,
		objects_nndns,
	};
	int rc = REG_OK;

	objects_header(dc, &dc->expect);
	for (size_t i = 0; i < nitems(kinds) && rc == REG_OK && !dc->xw->failed; i++)
		rc = kinds[i](dc);
	objects_idn(dc);
	objects_epp_params(dc);
	return rc;
}

/* Writes the whole document on fd (and check_fd); dc->counts gets what
 * was written. */
static int
stream(struct deposit *dp, int fd, int check_fd, struct deposit_ctx *dc, struct reg_err *err)
{
	struct xw x;
	int rc;

	if ((rc = xw_open(&x, fd, check_fd, err)) != REG_OK)
		return rc;
	dc->xw = &x;
	root_start(dp, &x);
	objects_menu(dc);
	if (!dp->info.full)
		rc = objects_deletes(dc);
	if (rc == REG_OK) {
		xw_start(&x, NS_RDE, "contents");
		xw_newline(&x);
		rc = contents(dc);
		xw_end(&x);
	}
	xw_end(&x);
	if (rc != REG_OK) {
		xw_close(&x, NULL);
		return reg_fail(err, rc, "cannot read the registry's objects: %s",
		    reg_strerror(rc));
	}
	return xw_close(&x, err);
}

/* Streams into fd, and through the schema check unless it is off: the
 * check reads a copy in a thread of its own as the XML is written. */
static int
stream_checked(struct deposit *dp, int fd, struct deposit_ctx *dc, struct reg_err *err)
{
	atomic_int first = CHECK_NONE;
	struct escrow_check chk;
	int p[2], rc;

	if (dp->schema == NULL)
		return stream(dp, fd, -1, dc, err);
	if (pipe2(p, O_CLOEXEC) != 0)
		return reg_fail(err, REG_EIO, "pipe: %s", strerror(errno));
	if (check_start(&chk, p[0], dp->info.data, dp->schema, &first) != REG_OK) {
		close(p[1]);
		return reg_fail(err, REG_ENOMEM, "cannot start the schema check");
	}
	if ((rc = stream(dp, fd, p[1], dc, err)) != REG_OK)
		check_failed_first(&first, CHECK_OTHER);
	close(p[1]);
	if (check_wait(&chk, err) != REG_OK)
		return reg_fail(err, REG_ESYNTAX, "the deposit does not validate: %s", err->reason);
	return rc;
}

/* Opens the data file (through gpg when encrypting) and streams into it. */
static int
write_data(struct deposit *dp, struct deposit_ctx *dc, struct reg_err *err)
{
	struct escrow_child gpg = { 0 };
	int fd, rc;

	if (dp->info.encrypted)
		rc = crypto_encrypt_start(&dp->gpg, dp->tmp, &gpg, &fd, err);
	else if ((fd = open(dp->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		rc = reg_fail(err, REG_EIO, "%s: %s", dp->tmp, strerror(errno));
	else
		rc = REG_OK;
	if (rc != REG_OK)
		return rc;
	rc = stream_checked(dp, fd, dc, err);
	if (close(fd) != 0 && rc == REG_OK)
		rc = reg_fail(err, REG_EIO, "%s: %s", dp->tmp, strerror(errno));
	if (gpg.pid > 0) {
		if (rc != REG_OK)
			kill(gpg.pid, SIGTERM);
		if (proc_wait(&gpg, rc == REG_OK ? err : NULL) != REG_OK && rc == REG_OK)
			rc = REG_EIO;
	}
	return rc;
}

/* The counts written must be the header's. */
static int
counts_check(const struct deposit *dp, const struct deposit_ctx *dc, struct reg_err *err)
{
	for (int k = 0; k < COUNT_KINDS; k++)
		if (dc->counts.n[k] != dp->expect.n[k])
			return reg_fail(err, REG_EINVAL, "wrote %lld objects of %s, the header "
			    "says %lld", (long long)dc->counts.n[k],
			    escrow_ns[escrow_count_ns[k]].uri, (long long)dp->expect.n[k]);
	return REG_OK;
}

static int
produce(struct deposit *dp, struct reg_err *err)
{
	struct deposit_ctx dc = {
		.cfg = dp->cfg, .st = dp->st, .a = arena_new(), .incremental = !dp->info.full,
		.now = dp->info.watermark,
	};
	int rc;

	dc.idn_id = objects_idn_id(dp->a, dp->cfg);
	expect_counts(dp, dc.idn_id);
	dc.expect = dp->expect;
	rc = write_data(dp, &dc, err);
	if (rc == REG_OK)
		rc = counts_check(dp, &dc, err);
	dp->info.counts = dc.counts;
	arena_free(dc.a);
	return rc;
}

/* --- sealing ---------------------------------------------------------------------- */

static int
seal(struct deposit *dp, struct reg_err *err)
{
	const char *dir = dp->o->outdir;
	char *data = files_path(dp->a, dir, dp->info.data);
	char *sig = arena_printf(dp->a, "%s/%s" EXT_SIG, dir, dp->info.base);
	char *sigtmp = arena_printf(dp->a, "%s" TMP_SUFFIX, sig);
	struct stat sb;
	int rc;

	if (rename(dp->tmp, data) != 0)
		return reg_fail(err, REG_EIO, "%s: %s", data, strerror(errno));
	dp->tmp = NULL;
	if ((rc = files_sync(data, err)) != REG_OK ||
	    (rc = crypto_sha256_file(data, dp->info.sha256, err)) != REG_OK ||
	    (rc = crypto_sign(&dp->gpg, data, sigtmp, err)) != REG_OK)
		goto fail;
	if (rename(sigtmp, sig) != 0 || stat(data, &sb) != 0) {
		rc = reg_fail(err, REG_EIO, "%s: %s", sig, strerror(errno));
		goto fail;
	}
	dp->info.size = sb.st_size;
	strlcpy_reg(dp->info.signer, dp->gpg.signer, sizeof(dp->info.signer));
	if (dp->info.encrypted)
		strlcpy_reg(dp->info.recipient, dp->gpg.recipient, sizeof(dp->info.recipient));
	dp->info.seconds = elapsed(&dp->started);
	if ((rc = files_sync(sig, err)) == REG_OK &&
	    (rc = files_digest_write(dir, &dp->info, err)) == REG_OK &&
	    (rc = files_report_write(dir, &dp->info, err)) == REG_OK)
		return REG_OK;
fail:
	unlink(sigtmp);
	unlink(sig);
	unlink(data);
	return rc;
}

/* --- the whole ---------------------------------------------------------------------- */

static int
prepare(struct deposit *dp, struct reg_err *err)
{
	struct reg_err e = { 0 };
	int rc;

	if ((dp->cfg = config_load(dp->o->config, &e)) == NULL)
		return reg_fail(err, e.code, "%s", reg_err_text(&e));
	if (mkdir(dp->o->outdir, 0700) != 0 && errno != EEXIST)
		return reg_fail(err, REG_EIO, "%s: %s", dp->o->outdir, strerror(errno));
	if ((rc = crypto_init(&dp->gpg, dp->cfg, NULL, err)) != REG_OK)
		return rc;
	if (dp->info.encrypted && dp->gpg.recipient[0] == '\0')
		return reg_fail(err, REG_ECONFIG, "escrow.agent_key is not set (or give "
		    "--no-encrypt)");
	if (dp->gpg.signer[0] == '\0')
		return reg_fail(err, REG_ECONFIG, "escrow.signing_key is not set: deposits "
		    "are always signed");
	if (dp->o->check && (dp->schema = escrow_schema_load(dp->cfg->escrow.schema_dir,
	    err)) == NULL)
		return err->code;
	return snapshot(dp, err);
}

static void
name(struct deposit *dp)
{
	const char *tld = dp->cfg->registry.tld;

	files_base(&dp->info, tld);
	dp->info.rev = files_next_rev(dp->o->outdir, &dp->info, tld);
	files_base(&dp->info, tld);
	dp->tmp = arena_printf(dp->a, "%s/%s" TMP_SUFFIX, dp->o->outdir, dp->info.data);
}

static int
deliver(struct deposit *dp, struct reg_err *err)
{
	int rc;

	if (!dp->o->send)
		return REG_OK;
	if (dp->cfg->escrow.target[0] != '\0' &&
	    (rc = transfer_send(dp->cfg, dp->o->outdir, &dp->info, err)) != REG_OK)
		return rc;
	return transfer_prune(dp->cfg, dp->o->outdir, err);
}

int
escrow_deposit(const struct deposit_opts *o, struct reg_err *err)
{
	struct deposit dp = { .o = o, .a = arena_new() };
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &dp.started);
	dp.info.full = !o->incremental;
	dp.info.encrypted = o->encrypt;
	if ((rc = prepare(&dp, err)) == REG_OK) {
		name(&dp);
		rc = produce(&dp, err);
	}
	if (dp.st != NULL) {
		store_read_end(dp.st);
		store_close(dp.st);
	}
	if (rc == REG_OK)
		rc = seal(&dp, err);
	if (rc == REG_OK) {
		log_info("deposit %s: %lld domains, %lld bytes, %.1f s", dp.info.base,
		    (long long)dp.info.counts.n[COUNT_DOMAIN], (long long)dp.info.size,
		    dp.info.seconds);
		rc = deliver(&dp, err);
	}
	if (dp.tmp != NULL)
		unlink(dp.tmp);
	crypto_cleanup(&dp.gpg);
	if (dp.schema != NULL)
		xmlSchemaFree(dp.schema);
	config_free(dp.cfg);
	arena_free(dp.a);
	return rc;
}
