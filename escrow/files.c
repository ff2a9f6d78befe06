/*
 * files.c: the files of a deposit and how to find them again.
 *
 * A deposit is named <tld>_<YYYY-MM-DD>_<full|inc>_S<seq>_R<rev>, where
 * seq is the changelog sequence number of the snapshot (everything
 * committed up to it is in the deposit) and rev counts deposits remade
 * for the same snapshot (rde:deposit's resend). Its files:
 *
 *	NAME.ryde	the XML, compressed and encrypted (OpenPGP); or
 *	NAME.xml	the XML itself (escrow deposit --no-encrypt)
 *	NAME.sig	a detached OpenPGP signature of the .ryde or .xml file
 *	NAME.sha256	its SHA-256, in sha256sum's format
 *	NAME.report	"key: value" lines: ids, sequence, counts, digest
 *
 * The report is how the next incremental deposit finds its predecessor
 * (the newest watermark in the output folder) and how retention knows
 * which deposits exist and which full deposit an incremental builds on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escrow.h"
#include "util.h"

#define DATE_LEN 10		/* YYYY-MM-DD */
#define TYPE_FULL "full"
#define TYPE_INC "inc"
#define REPORT_LINE 256

static const char *const extensions[] = { EXT_RYDE, EXT_XML, EXT_SIG, EXT_SHA256, EXT_REPORT };

void
files_base(struct deposit_info *d, const char *tld)
{
	char t[REG_TIME_LEN];

	time_format(d->watermark, t);
	snprintf(d->base, sizeof(d->base), "%s_%.*s_%s_S%" PRId64 "_R%d", tld, DATE_LEN, t,
	    d->full ? TYPE_FULL : TYPE_INC, d->seq, d->rev);
	snprintf(d->data, sizeof(d->data), "%s%s", d->base, d->encrypted ? EXT_RYDE : EXT_XML);
	snprintf(d->id, sizeof(d->id), "%c%" PRId64, d->full ? 'F' : 'I', d->seq);
}

char *
files_path(struct arena *a, const char *dir, const char *name)
{
	return arena_printf(a, "%s/%s", dir, name);
}

/* The name without folder and without a deposit file extension. */
static void
strip_name(const char *name, char *out, size_t size)
{
	const char *slash = strrchr(name, '/');
	size_t n;

	strlcpy_reg(out, slash ? slash + 1 : name, size);
	n = strlen(out);
	for (size_t i = 0; i < nitems(extensions); i++)
		if (str_has_suffix(out, extensions[i])) {
			out[n - strlen(extensions[i])] = '\0';
			return;
		}
}

bool
files_parse_name(const char *name, char *tld, size_t tldsize, struct deposit_info *d)
{
	char base[ESCROW_NAME_MAX], date[DATE_LEN + 1], type[8], *us;
	long long seq;
	int rev, used = 0;

	strip_name(name, base, sizeof(base));
	if ((us = strchr(base, '_')) == NULL || (size_t)(us - base) >= tldsize)
		return false;
	if (sscanf(us + 1, "%10[0-9-]_%7[a-z]_S%lld_R%d%n", date, type, &seq, &rev, &used) != 4 ||
	    us[1 + used] != '\0' || strlen(date) != DATE_LEN || seq < 0 || rev < 0)
		return false;
	if (strcmp(type, TYPE_FULL) != 0 && strcmp(type, TYPE_INC) != 0)
		return false;
	memcpy(tld, base, (size_t)(us - base));
	tld[us - base] = '\0';
	strlcpy_reg(d->base, base, sizeof(d->base));
	d->full = strcmp(type, TYPE_FULL) == 0;
	d->seq = seq;
	d->rev = rev;
	return true;
}

/* Whether two base names differ in their revision only. */
static bool
same_but_rev(const char *a, const char *b)
{
	const char *ra = strrchr(a, 'R'), *rb = strrchr(b, 'R');

	return ra != NULL && rb != NULL && ra - a == rb - b &&
	    strncmp(a, b, (size_t)(ra - a)) == 0;
}

int
files_next_rev(const char *dir, const struct deposit_info *want, const char *tld)
{
	char t[ESCROW_NAME_MAX];
	struct deposit_info d;
	struct dirent *e;
	DIR *dh = opendir(dir);
	int next = 0;

	if (dh == NULL)
		return 0;
	while ((e = readdir(dh)) != NULL)
		if (files_parse_name(e->d_name, t, sizeof(t), &d) && strcmp(t, tld) == 0 &&
		    same_but_rev(d.base, want->base) && d.rev >= next)
			next = d.rev + 1;
	closedir(dh);
	return next;
}

/* --- writing whole files -------------------------------------------------- */

int
files_sync(const char *path, struct reg_err *err)
{
	char *copy = xstrdup(path);
	int fd, rc = REG_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0)
		rc = reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc == REG_OK && (fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

/* Writes text to dir/name through a temporary file and a rename. */
static int
file_put(const char *dir, const char *name, const char *text, struct reg_err *err)
{
	struct arena *a = arena_new();
	char *path = files_path(a, dir, name), *tmp = arena_printf(a, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int rc = REG_OK;

	if (f == NULL)
		rc = reg_fail(err, REG_EIO, "%s: %s", tmp, strerror(errno));
	else if (fputs(text, f) == EOF || fclose(f) != 0)
		rc = reg_fail(err, REG_EIO, "%s: %s", tmp, strerror(errno));
	if (rc == REG_OK && rename(tmp, path) != 0)
		rc = reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	if (rc == REG_OK)
		rc = files_sync(path, err);
	else
		unlink(tmp);
	arena_free(a);
	return rc;
}

int
files_digest_write(const char *dir, const struct deposit_info *d, struct reg_err *err)
{
	char text[sizeof(d->sha256) + sizeof(d->data) + 4];
	char name[sizeof(d->base) + sizeof(EXT_SHA256)];

	snprintf(text, sizeof(text), "%s  %s\n", d->sha256, d->data);
	snprintf(name, sizeof(name), "%s%s", d->base, EXT_SHA256);
	return file_put(dir, name, text, err);
}

int
files_digest_read(const char *path, const char *data_name, char hex[ESCROW_SHA256_HEX],
    struct reg_err *err)
{
	char line[ESCROW_SHA256_HEX + ESCROW_NAME_MAX + 16], *name;
	FILE *f = fopen(path, "r");
	bool ok;

	if (f == NULL)
		return reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	name = strstr(line, "  ");
	if (!ok || name == NULL || name - line != ESCROW_SHA256_HEX - 1 ||
	    strcmp(name + 2, data_name) != 0)
		return reg_fail(err, REG_EINVAL, "%s: not a SHA-256 line for %s", path, data_name);
	memcpy(hex, line, ESCROW_SHA256_HEX - 1);
	hex[ESCROW_SHA256_HEX - 1] = '\0';
	return REG_OK;
}

/* --- reports -------------------------------------------------------------- */

/* The report's keys, with the field each fills (strings, then numbers). */
#define S(f) offsetof(struct deposit_info, f), sizeof(((struct deposit_info *)0)->f)
static const struct {
	const char *key;
	size_t off, size;
} report_strings[] = {
	{ "deposit", S(base) }, { "id", S(id) }, { "prev_id", S(prev_id) },
	{ "file", S(data) }, { "sha256", S(sha256) }, { "signer", S(signer) },
	{ "recipient", S(recipient) },
};
#undef S
#define N(f) offsetof(struct deposit_info, f)
static const struct {
	const char *key;
	size_t off;
} report_numbers[] = {
	{ "sequence", N(seq) }, { "sequence_ts", N(seq_ts) }, { "size", N(size) },
};
#undef N

static const char *const count_names[COUNT_KINDS] = {
	[COUNT_DOMAIN] = "domain", [COUNT_HOST] = "host", [COUNT_CONTACT] = "contact",
	[COUNT_REGISTRAR] = "registrar", [COUNT_IDN] = "idn", [COUNT_NNDN] = "nndn",
	[COUNT_EPP] = "eppParams",
};

static char *
report_text(struct arena *a, const struct deposit_info *d)
{
	char t[REG_TIME_LEN];
	char *s = arena_printf(a, "type: %s\nwatermark: %s\nencrypted: %s\nrevision: %d\n",
	    d->full ? "FULL" : "DIFF", time_format(d->watermark, t), d->encrypted ? "yes" : "no",
	    d->rev);

	for (size_t i = 0; i < nitems(report_strings); i++)
		s = arena_printf(a, "%s%s: %s\n", s, report_strings[i].key,
		    (const char *)d + report_strings[i].off);
	for (size_t i = 0; i < nitems(report_numbers); i++)
		s = arena_printf(a, "%s%s: %" PRId64 "\n", s, report_numbers[i].key,
		    *(const int64_t *)(const void *)((const char *)d + report_numbers[i].off));
	for (int k = 0; k < COUNT_KINDS; k++)
		s = arena_printf(a, "%scount %s: %" PRId64 "\n", s, count_names[k], d->counts.n[k]);
	for (int k = 0; k < COUNT_KINDS; k++)
		if (d->counts.deletes[k] > 0)
			s = arena_printf(a, "%sdeleted %s: %" PRId64 "\n", s, count_names[k],
			    d->counts.deletes[k]);
	return arena_printf(a, "%sseconds: %.1f\n", s, d->seconds);
}

int
files_report_write(const char *dir, const struct deposit_info *d, struct reg_err *err)
{
	struct arena *a = arena_new();
	int rc = file_put(dir, arena_printf(a, "%s%s", d->base, EXT_REPORT), report_text(a, d),
	    err);

	arena_free(a);
	return rc;
}

/* One "key: value" line into d. */
static void
report_line(struct deposit_info *d, const char *key, const char *value)
{
	if (strcmp(key, "type") == 0)
		d->full = strcmp(value, "FULL") == 0;
	else if (strcmp(key, "watermark") == 0)
		d->watermark = time_parse(value);
	else if (strcmp(key, "encrypted") == 0)
		d->encrypted = strcmp(value, "yes") == 0;
	else if (strcmp(key, "revision") == 0)
		d->rev = atoi(value);
	for (size_t i = 0; i < nitems(report_strings); i++)
		if (strcmp(key, report_strings[i].key) == 0)
			strlcpy_reg((char *)d + report_strings[i].off, value, report_strings[i].size);
	for (size_t i = 0; i < nitems(report_numbers); i++)
		if (strcmp(key, report_numbers[i].key) == 0)
			*(int64_t *)(void *)((char *)d + report_numbers[i].off) = strtoll(value, NULL, 10);
	for (int k = 0; k < COUNT_KINDS; k++)
		if (strncmp(key, "count ", 6) == 0 && strcmp(key + 6, count_names[k]) == 0)
			d->counts.n[k] = strtoll(value, NULL, 10);
}

int
files_report_read(const char *path, struct deposit_info *d, struct reg_err *err)
{
	char line[REPORT_LINE], *colon;
	FILE *f = fopen(path, "r");

	memset(d, 0, sizeof(*d));
	if (f == NULL)
		return reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((colon = strstr(line, ": ")) == NULL)
			continue;
		*colon = '\0';
		report_line(d, line, colon + 2);
	}
	fclose(f);
	if (d->base[0] == '\0' || d->watermark <= 0)
		return reg_fail(err, REG_EINVAL, "%s: not a deposit report", path);
	return REG_OK;
}

/* --- finding deposits ------------------------------------------------------ */

static int
by_age(const void *x, const void *y)
{
	const struct deposit_info *a = x, *b = y;

	if (a->watermark != b->watermark)
		return a->watermark < b->watermark ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->rev - b->rev;
}

int
files_list(const char *dir, const char *tld, struct arena *a, struct deposit_info **out,
    int *n, struct reg_err *err)
{
	char t[ESCROW_NAME_MAX];
	struct deposit_info probe, *v = NULL;
	struct dirent *e;
	DIR *dh = opendir(dir);
	int cap = 0;

	*n = 0;
	if (dh == NULL)
		return reg_fail(err, REG_EIO, "%s: %s", dir, strerror(errno));
	while ((e = readdir(dh)) != NULL) {
		if (!str_has_suffix(e->d_name, EXT_REPORT) ||
		    !files_parse_name(e->d_name, t, sizeof(t), &probe) || strcmp(t, tld) != 0)
			continue;
		if (*n == cap) {
			struct deposit_info *w = arena_alloc(a, sizeof(*w) * (size_t)(cap = 2 * cap + 8));

			if (*n > 0)
				memcpy(w, v, sizeof(*w) * (size_t)*n);
			v = w;
		}
		if (files_report_read(files_path(a, dir, e->d_name), &v[*n], NULL) == REG_OK)
			(*n)++;
	}
	closedir(dh);
	if (*n > 0)
		qsort(v, (size_t)*n, sizeof(*v), by_age);
	*out = v;
	return REG_OK;
}

int
files_latest(const char *dir, const char *tld, struct deposit_info *d, struct reg_err *err)
{
	struct arena *a = arena_new();
	struct deposit_info *v;
	int n, rc = files_list(dir, tld, a, &v, &n, err);

	if (rc == REG_OK && n == 0)
		rc = reg_fail(err, REG_ENOTFOUND, "no %s deposit in %s", tld, dir);
	if (rc == REG_OK)
		*d = v[n - 1];
	arena_free(a);
	return rc;
}
