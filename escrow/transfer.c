/*
 * transfer.c: the offsite copy of each deposit, checked where it lands,
 * and retention.
 *
 * escrow.target is either a directory (an absolute path: a mounted
 * offsite store) or a shell command that sends the files, such as
 *
 *	rsync -a %f escrow@vault.example:/srv/escrow/
 *
 * where %f stands for the deposit's files (quoted absolute paths), %n for
 * its name without extension and %d for the name of its data file. A
 * directory target gets each file through a temporary name and a rename,
 * synced; its arrival check reads the copy back and compares its SHA-256.
 * A command target needs escrow.check_command, which must print the
 * SHA-256 of the data file as it arrived (ssh vault sha256sum /srv/escrow/%d),
 * and may have escrow.prune_command (ssh vault rm /srv/escrow/%n.*) for
 * retention.
 *
 * Retention keeps the newest escrow.retention deposits, and reaches back
 * to the full deposit the oldest kept incremental builds on, so that what
 * is kept can always be restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escrow.h"
#include "log.h"
#include "util.h"

#define COPY_CHUNK (1 << 20)

/* The deposit's files, in the order they are sent: the report last, so
 * that a target listing reports finds only deposits that are whole. */
static const char *const sent_exts[] = { EXT_SIG, EXT_SHA256, EXT_REPORT };

static bool
target_is_dir(const struct reg_config *cfg)
{
	return cfg->escrow.target[0] == '/';
}

/* --- a directory target ----------------------------------------------------- */

static int
copy_file(const char *src, const char *dst, struct reg_err *err)
{
	char tmp[PATH_MAX];
	char *buf = xmalloc(COPY_CHUNK);
	int in, out = -1, rc = REG_OK;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		rc = reg_fail(err, REG_EIO, "%s: %s", in < 0 ? src : tmp, strerror(errno));
	while (rc == REG_OK && (n = read(in, buf, COPY_CHUNK)) != 0)
		if (n < 0 || write(out, buf, (size_t)n) != n)
			rc = reg_fail(err, REG_EIO, "copying %s: %s", src, strerror(errno));
	if (out >= 0 && close(out) != 0 && rc == REG_OK)
		rc = reg_fail(err, REG_EIO, "%s: %s", tmp, strerror(errno));
	if (in >= 0)
		close(in);
	if (rc == REG_OK && rename(tmp, dst) != 0)
		rc = reg_fail(err, REG_EIO, "%s: %s", dst, strerror(errno));
	if (rc == REG_OK)
		rc = files_sync(dst, err);
	else
		unlink(tmp);
	free(buf);
	return rc;
}

static int
send_dir(const struct reg_config *cfg, const char *dir, const struct deposit_info *d,
    struct reg_err *err)
{
	const char *to = cfg->escrow.target;
	struct arena *a = arena_new();
	char hex[ESCROW_SHA256_HEX];
	int rc;

	rc = copy_file(files_path(a, dir, d->data), files_path(a, to, d->data), err);
	for (size_t i = 0; i < nitems(sent_exts) && rc == REG_OK; i++) {
		char *name = arena_printf(a, "%s%s", d->base, sent_exts[i]);

		rc = copy_file(files_path(a, dir, name), files_path(a, to, name), err);
	}
	if (rc == REG_OK && (rc = crypto_sha256_file(files_path(a, to, d->data), hex, err)) ==
	    REG_OK && strcmp(hex, d->sha256) != 0)
		rc = reg_fail(err, REG_EIO, "%s/%s arrived with SHA-256 %s, not %s", to, d->data,
		    hex, d->sha256);
	arena_free(a);
	return rc;
}

/* --- a command target -------------------------------------------------------- */

/* s in single quotes for the shell. */
static char *
quote(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, 4 * strlen(s) + 3), *o = out;

	*o++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *s;
	}
	*o++ = '\'';
	return out;
}

/* The command with %f, %n, %d and %% replaced. */
static char *
expand(struct arena *a, const char *tmpl, const char *dir, const struct deposit_info *d)
{
	char *files = quote(a, files_path(a, dir, d->data)), *out = "";

	for (size_t i = 0; i < nitems(sent_exts); i++)
		files = arena_printf(a, "%s %s", files, quote(a, arena_printf(a, "%s/%s%s", dir,
		    d->base, sent_exts[i])));
	for (const char *p = tmpl; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			out = arena_printf(a, "%s%c", out, *p);
			continue;
		}
		p++;
		out = arena_printf(a, "%s%s", out, *p == 'f' ? files : *p == 'n' ? d->base :
		    *p == 'd' ? d->data : *p == '%' ? "%" : "");
	}
	return out;
}

static int
send_command(const struct reg_config *cfg, const char *dir, const struct deposit_info *d,
    struct reg_err *err)
{
	struct arena *a = arena_new();
	char out[256];
	int rc;

	if (cfg->escrow.check_command[0] == '\0')
		rc = reg_fail(err, REG_ECONFIG, "escrow.target is a command: escrow.check_command "
		    "must say how to read the SHA-256 of what arrived");
	else if ((rc = proc_shell(expand(a, cfg->escrow.target, dir, d), NULL, 0, err)) == REG_OK &&
	    (rc = proc_shell(expand(a, cfg->escrow.check_command, dir, d), out, sizeof(out),
	    err)) == REG_OK && strncmp(out, d->sha256, ESCROW_SHA256_HEX - 1) != 0)
		rc = reg_fail(err, REG_EIO, "%s arrived with SHA-256 '%.64s', not %s", d->data,
		    out, d->sha256);
	arena_free(a);
	return rc;
}

int
transfer_send(const struct reg_config *cfg, const char *dir, const struct deposit_info *d,
    struct reg_err *err)
{
	int rc = target_is_dir(cfg) ? send_dir(cfg, dir, d, err) : send_command(cfg, dir, d, err);

	if (rc == REG_OK)
		log_info("deposit %s sent to %s and checked there", d->base,
		    target_is_dir(cfg) ? cfg->escrow.target : "the transfer command");
	return rc;
}

/* --- retention ---------------------------------------------------------------- */

/* The index of the oldest deposit to keep among n, oldest first. */
static int
keep_from(const struct deposit_info *v, int n, int64_t keep)
{
	int from = n > keep ? n - (int)keep : 0;

	while (from > 0 && !v[from].full)
		from--;
	return from;
}

static void
remove_deposit(const char *dir, const struct deposit_info *d)
{
	static const char *const exts[] = { EXT_REPORT, EXT_RYDE, EXT_XML, EXT_SIG, EXT_SHA256 };
	char path[PATH_MAX];

	for (size_t i = 0; i < nitems(exts); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, d->base, exts[i]);
		unlink(path);
	}
	log_info("retention: removed %s from %s", d->base, dir);
}

/* Applies retention in dir; with a command target, prunes there what
 * goes here. */
static int
prune_dir(const struct reg_config *cfg, const char *dir, bool remote_too, struct reg_err *err)
{
	struct arena *a = arena_new();
	struct deposit_info *v;
	int n, from, rc;

	rc = files_list(dir, cfg->registry.tld, a, &v, &n, err);
	from = rc == REG_OK ? keep_from(v, n, cfg->escrow.retention) : 0;
	for (int i = 0; i < from && rc == REG_OK; i++) {
		remove_deposit(dir, &v[i]);
		if (remote_too && cfg->escrow.prune_command[0] != '\0')
			rc = proc_shell(expand(a, cfg->escrow.prune_command, dir, &v[i]), NULL, 0,
			    err);
	}
	arena_free(a);
	return rc;
}

int
transfer_prune(const struct reg_config *cfg, const char *dir, struct reg_err *err)
{
	bool dir_target = target_is_dir(cfg);
	int rc = prune_dir(cfg, dir, !dir_target && cfg->escrow.target[0] != '\0', err);

	if (rc == REG_OK && dir_target)
		rc = prune_dir(cfg, cfg->escrow.target, false, err);
	return rc;
}
