/* config.c: the schema table and the INI reader built on libinih. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "util.h"

enum cfg_type { CFG_STR, CFG_PATH, CFG_INT, CFG_DUR, CFG_BOOL };

struct cfg_key {
	const char *section, *key;
	enum cfg_type type;
	const char *dflt;		/* NULL: no default */
	int64_t min, max;		/* for CFG_INT and CFG_DUR */
	size_t offset;
};

#define O(f) offsetof(struct reg_config, f)
#define DAY "86400"
static const struct cfg_key schema[] = {
	{ "registry", "tld", CFG_STR, NULL, 0, 0, O(registry.tld) },
	{ "registry", "zones", CFG_STR, "", 0, 0, O(registry.zones) },
	{ "registry", "roid_suffix", CFG_STR, NULL, 0, 0, O(registry.roid_suffix) },
	{ "registry", "name", CFG_STR, "Registry", 0, 0, O(registry.name) },
	{ "registry", "idn_table", CFG_PATH, "", 0, 0, O(registry.idn_table) },
	{ "registry", "currency", CFG_STR, "EUR", 0, 0, O(registry.currency) },
	{ "registry", "contact_transfer", CFG_BOOL, "no", 0, 0, O(registry.contact_transfer) },
	{ "registry", "adjustable_clock", CFG_BOOL, "no", 0, 0, O(registry.adjustable_clock) },
	{ "registry", "whois_server", CFG_STR, "", 0, 0, O(registry.whois_server) },
	{ "registry", "url", CFG_STR, "", 0, 0, O(registry.url) },

	{ "database", "master", CFG_PATH, "/var/lib/registry/master.db", 0, 0, O(database.master) },
	{ "database", "replica", CFG_PATH, "/var/lib/registry/replica.db", 0, 0, O(database.replica) },
	{ "database", "changelog_keep", CFG_DUR, "7d", 3600, 3650 * 86400LL, O(database.changelog_keep) },

	{ "periods", "min_years", CFG_INT, "1", 1, 10, O(periods.min_years) },
	{ "periods", "max_years", CFG_INT, "10", 1, 10, O(periods.max_years) },
	{ "periods", "default_years", CFG_INT, "1", 1, 10, O(periods.default_years) },
	{ "periods", "add_grace", CFG_DUR, "5d", 0, 30 * 86400LL, O(periods.add_grace) },
	{ "periods", "renew_grace", CFG_DUR, "5d", 0, 30 * 86400LL, O(periods.renew_grace) },
	{ "periods", "transfer_grace", CFG_DUR, "5d", 0, 30 * 86400LL, O(periods.transfer_grace) },
	{ "periods", "autorenew_grace", CFG_DUR, "45d", 0, 90 * 86400LL, O(periods.autorenew_grace) },
	{ "periods", "redemption", CFG_DUR, "30d", 0, 90 * 86400LL, O(periods.redemption) },
	{ "periods", "pending_delete", CFG_DUR, "5d", 0, 30 * 86400LL, O(periods.pending_delete) },
	{ "periods", "transfer_pending", CFG_DUR, "5d", 0, 30 * 86400LL, O(periods.transfer_pending) },

	{ "prices", "create", CFG_INT, "0", 0, INT32_MAX, O(prices.create) },
	{ "prices", "renew", CFG_INT, "0", 0, INT32_MAX, O(prices.renew) },
	{ "prices", "transfer", CFG_INT, "0", 0, INT32_MAX, O(prices.transfer) },
	{ "prices", "restore", CFG_INT, "0", 0, INT32_MAX, O(prices.restore) },

	{ "epp", "listen", CFG_STR, "127.0.0.1:700", 0, 0, O(epp.listen) },
	{ "epp", "cert", CFG_PATH, "", 0, 0, O(epp.cert) },
	{ "epp", "key", CFG_PATH, "", 0, 0, O(epp.key) },
	{ "epp", "ca", CFG_PATH, "", 0, 0, O(epp.ca) },
	{ "epp", "max_frame", CFG_INT, "65536", 1024, 16 << 20, O(epp.max_frame) },
	{ "epp", "login_timeout", CFG_DUR, "10s", 1, 3600, O(epp.login_timeout) },
	{ "epp", "idle_timeout", CFG_DUR, "600s", 1, 86400, O(epp.idle_timeout) },
	{ "epp", "max_login_failures", CFG_INT, "3", 1, 100, O(epp.max_login_failures) },
	{ "epp", "max_conn_per_addr", CFG_INT, "8", 1, 10000, O(epp.max_conn_per_addr) },
	{ "epp", "max_sessions_per_registrar", CFG_INT, "16", 1, 10000, O(epp.max_sessions_per_registrar) },
	{ "epp", "max_connections", CFG_INT, "1024", 1, 100000, O(epp.max_connections) },
	{ "epp", "rate_limit", CFG_INT, "1000", 1, 1000000, O(epp.rate_limit) },
	{ "epp", "schema_dir", CFG_PATH, "", 0, 0, O(epp.schema_dir) },
	{ "epp", "housekeeping", CFG_DUR, "60s", 1, 86400, O(epp.housekeeping) },
	{ "epp", "acl_refresh", CFG_DUR, "30s", 1, 3600, O(epp.acl_refresh) },

	{ "whois", "listen", CFG_STR, "127.0.0.1:43", 0, 0, O(whois.listen) },
	{ "whois", "max_connections", CFG_INT, "1024", 1, 100000, O(whois.max_connections) },
	{ "whois", "rate_limit", CFG_INT, "20", 1, 1000000, O(whois.rate_limit) },
	{ "whois", "rate_burst", CFG_INT, "60", 1, 1000000, O(whois.rate_burst) },
	{ "whois", "read_timeout", CFG_DUR, "5s", 1, 600, O(whois.read_timeout) },
	{ "whois", "disclose", CFG_BOOL, "no", 0, 0, O(whois.disclose) },
	{ "whois", "threads", CFG_INT, "0", 0, 256, O(whois.threads) },
	{ "whois", "prefix_rate_limit", CFG_INT, "100", 1, 1000000, O(whois.prefix_rate_limit) },
	{ "whois", "prefix_rate_burst", CFG_INT, "300", 1, 1000000, O(whois.prefix_rate_burst) },
	{ "whois", "log_rate", CFG_INT, "100", 0, 1000000, O(whois.log_rate) },
	{ "whois", "terms", CFG_PATH, "", 0, 0, O(whois.terms) },

	{ "rdap", "listen", CFG_STR, "127.0.0.1:8080", 0, 0, O(rdap.listen) },
	{ "rdap", "base_url", CFG_STR, "http://127.0.0.1:8080/", 0, 0, O(rdap.base_url) },
	{ "rdap", "max_results", CFG_INT, "100", 1, 10000, O(rdap.max_results) },
	{ "rdap", "rate_limit", CFG_INT, "50", 1, 1000000, O(rdap.rate_limit) },
	{ "rdap", "rate_burst", CFG_INT, "200", 1, 1000000, O(rdap.rate_burst) },
	{ "rdap", "threads", CFG_INT, "2", 1, 256, O(rdap.threads) },
	{ "rdap", "redact", CFG_BOOL, "yes", 0, 0, O(rdap.redact) },
	{ "rdap", "terms_url", CFG_STR, "", 0, 0, O(rdap.terms_url) },
	{ "rdap", "inaccuracy_url", CFG_STR, "", 0, 0, O(rdap.inaccuracy_url) },
	{ "rdap", "max_age", CFG_DUR, "300", 0, 86400, O(rdap.max_age) },
	{ "rdap", "max_connections", CFG_INT, "4096", 1, 100000, O(rdap.max_connections) },
	{ "rdap", "proxies", CFG_STR, "", 0, 0, O(rdap.proxies) },

	{ "replication", "listen", CFG_STR, "127.0.0.1:7701", 0, 0, O(replication.listen) },
	{ "replication", "feed", CFG_STR, "127.0.0.1:7701", 0, 0, O(replication.feed) },
	{ "replication", "cert", CFG_PATH, "", 0, 0, O(replication.cert) },
	{ "replication", "key", CFG_PATH, "", 0, 0, O(replication.key) },
	{ "replication", "ca", CFG_PATH, "", 0, 0, O(replication.ca) },
	{ "replication", "allow", CFG_STR, "127.0.0.1/32,::1/128", 0, 0, O(replication.allow) },
	{ "replication", "heartbeat", CFG_DUR, "1s", 1, 60, O(replication.heartbeat) },
	{ "replication", "timeout", CFG_DUR, "10s", 2, 3600, O(replication.timeout) },
	{ "replication", "status_interval", CFG_DUR, "60s", 1, 86400, O(replication.status_interval) },
	{ "replication", "snapshot_after", CFG_INT, "0", 0, INT64_MAX, O(replication.snapshot_after) },
	{ "replication", "keep_size", CFG_INT, "1073741824", 0, INT64_MAX, O(replication.keep_size) },
	{ "replication", "max_replicas", CFG_INT, "32", 1, 1024, O(replication.max_replicas) },

	{ "zone", "apex_ns", CFG_STR, "", 0, 0, O(zone.apex_ns) },
	{ "zone", "apex_records", CFG_PATH, "", 0, 0, O(zone.apex_records) },
	{ "zone", "soa_mname", CFG_STR, "", 0, 0, O(zone.soa_mname) },
	{ "zone", "soa_rname", CFG_STR, "", 0, 0, O(zone.soa_rname) },
	{ "zone", "soa_refresh", CFG_DUR, "1800", 1, 30 * 86400LL, O(zone.soa_refresh) },
	{ "zone", "soa_retry", CFG_DUR, "900", 1, 30 * 86400LL, O(zone.soa_retry) },
	{ "zone", "soa_expire", CFG_DUR, "14d", 1, 365 * 86400LL, O(zone.soa_expire) },
	{ "zone", "soa_minimum", CFG_DUR, "3600", 1, 86400, O(zone.soa_minimum) },
	{ "zone", "ttl", CFG_DUR, "3600", 1, 7 * 86400LL, O(zone.ttl) },
	{ "zone", "serial", CFG_STR, "unixtime", 0, 0, O(zone.serial) },
	{ "zone", "publish_redemption", CFG_BOOL, "no", 0, 0, O(zone.publish_redemption) },
	{ "zone", "post_command", CFG_STR, "", 0, 0, O(zone.post_command) },
	{ "zone", "keydir", CFG_PATH, "", 0, 0, O(zone.keydir) },
	{ "zone", "sig_validity", CFG_DUR, "14d", 3600, 365 * 86400LL, O(zone.sig_validity) },
	{ "zone", "sig_refresh", CFG_DUR, "5d", 600, 365 * 86400LL, O(zone.sig_refresh) },
	{ "zone", "sig_jitter", CFG_DUR, "12h", 0, 30 * 86400LL, O(zone.sig_jitter) },
	{ "zone", "sig_inception", CFG_DUR, "1h", 0, 86400, O(zone.sig_inception) },
	{ "zone", "denial", CFG_STR, "nsec", 0, 0, O(zone.denial) },
	{ "zone", "nsec3_optout", CFG_BOOL, "no", 0, 0, O(zone.nsec3_optout) },
	{ "zone", "sign_threads", CFG_INT, "0", 0, 64, O(zone.sign_threads) },
	{ "zone", "verify", CFG_STR, "fast", 0, 0, O(zone.verify) },
	{ "zone", "sign_post_command", CFG_STR, "", 0, 0, O(zone.sign_post_command) },
	{ "zone", "switch_delay", CFG_DUR, "1h", 0, 7 * 86400LL, O(zone.switch_delay) },

	{ "escrow", "target", CFG_STR, "", 0, 0, O(escrow.target) },
	{ "escrow", "agent_key", CFG_PATH, "", 0, 0, O(escrow.agent_key) },
	{ "escrow", "signing_key", CFG_PATH, "", 0, 0, O(escrow.signing_key) },
	{ "escrow", "gpg_home", CFG_PATH, "", 0, 0, O(escrow.gpg_home) },
	{ "escrow", "retention", CFG_INT, "30", 1, 100000, O(escrow.retention) },
	{ "escrow", "check_command", CFG_STR, "", 0, 0, O(escrow.check_command) },
	{ "escrow", "prune_command", CFG_STR, "", 0, 0, O(escrow.prune_command) },
	{ "escrow", "schema_dir", CFG_PATH, "", 0, 0, O(escrow.schema_dir) },
	{ "escrow", "compress_level", CFG_INT, "1", 0, 9, O(escrow.compress_level) },
};
#undef O

#define LABEL_MAX 63
#define SYNTAX_ERROR "syntax error (expected [section] or key = value)"

struct load_state {
	struct reg_config *cfg;
	FILE *file;
	char *dir;			/* absolute folder of the file, for relative paths */
	int line;			/* the line being read */
	int lines[nitems(schema)];	/* where each key was set, 0 if not */
	int problem_line;		/* the line of problem */
	char problem[REG_ERR_REASON_MAX];
};

static void note_problem(struct load_state *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void *
field(struct reg_config *cfg, const struct cfg_key *k)
{
	return (char *)cfg + k->offset;
}

static const struct cfg_key *
schema_find(const char *section, const char *key)
{
	for (size_t i = 0; i < nitems(schema); i++)
		if (strcmp(schema[i].section, section) == 0 &&
		    strcmp(schema[i].key, key) == 0)
			return &schema[i];
	return NULL;
}

static bool
section_known(const char *section)
{
	for (size_t i = 0; i < nitems(schema); i++)
		if (strcmp(schema[i].section, section) == 0)
			return true;
	return false;
}

/* Records the first problem found while reading, with its line. */
static void
note_problem(struct load_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->problem[0] != '\0')
		return;
	st->problem_line = st->line;
	va_start(ap, fmt);
	vsnprintf(st->problem, sizeof(st->problem), fmt, ap);
	va_end(ap);
}

/* Parses value into k's field; a short problem text on failure. */
static int
set_value(struct load_state *st, const struct cfg_key *k, const char *value)
{
	void *f = field(st->cfg, k);
	int64_t n = 0;
	char *end;

	switch (k->type) {
	case CFG_STR:
		free(*(char **)f);
		*(char **)f = xstrdup(value);
		return 0;
	case CFG_PATH:
		free(*(char **)f);
		if (value[0] == '\0' || value[0] == '/' || st->dir == NULL)
			*(char **)f = xstrdup(value);
		else if (asprintf((char **)f, "%s/%s", st->dir, value) < 0)
			abort();
		return 0;
	case CFG_BOOL:
		if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1"))
			*(bool *)f = true;
		else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcmp(value, "0"))
			*(bool *)f = false;
		else {
			note_problem(st, "%s.%s must be yes or no, not '%s'",
			    k->section, k->key, value);
			return -1;
		}
		return 0;
	case CFG_INT:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || end == value || *end != '\0') {
			note_problem(st, "%s.%s must be a whole number, not '%s'",
			    k->section, k->key, value);
			return -1;
		}
		break;
	case CFG_DUR:
		if ((n = duration_parse(value)) < 0) {
			note_problem(st, "%s.%s must be a duration like 30d, 12h, 5m or 90s, not '%s'",
			    k->section, k->key, value);
			return -1;
		}
		break;
	}
	if (n < k->min || n > k->max) {
		note_problem(st, "%s.%s = %s is out of range (%" PRId64 " to %" PRId64 "%s)",
		    k->section, k->key, value, k->min, k->max,
		    k->type == CFG_DUR ? " seconds" : "");
		return -1;
	}
	*(int64_t *)f = n;
	return 0;
}

/* libinih calls this for every key; returning 0 makes the line an error
 * (ini_parse_stream returns the first such line). */
static int
on_key(void *user, const char *section, const char *key, const char *value)
{
	struct load_state *st = user;
	const struct cfg_key *k = schema_find(section, key);
	int *set;

	if (k == NULL) {
		if (section[0] == '\0')
			note_problem(st, "'%s' is outside any [section]", key);
		else if (section_known(section))
			note_problem(st, "unknown key '%s' in [%s]", key, section);
		else
			note_problem(st, "unknown section [%s]", section);
		return 0;
	}
	set = &st->lines[k - schema];
	if (*set != 0) {
		note_problem(st, "%s.%s is set twice (first on line %d)",
		    section, key, *set);
		return 0;
	}
	*set = st->line;
	return set_value(st, k, value) == 0;
}

/*
 * libinih's line reader. It counts lines, so that a problem found in a key
 * can be matched with the line libinih reports, and checks made after
 * reading can name the line of their key. It drops leading blanks, so that
 * an indented line is an ordinary line, not a continuation of the value
 * above (libinih's Python-style multi-line values, which no key needs).
 * A line too long for libinih's buffer becomes a problem, and reaches
 * libinih as "[", which it refuses on that line.
 */
static char *
read_line(char *buf, int size, void *user)
{
	struct load_state *st = user;
	size_t n;
	int c;

	if (fgets(buf, size, st->file) == NULL)
		return NULL;
	st->line++;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && (c = getc(st->file)) != EOF && c != '\n') {
		while ((c = getc(st->file)) != EOF && c != '\n')
			;
		note_problem(st, "line is longer than %d characters", size - 1);
		return strcpy(buf, "[");
	}
	n = strspn(buf, " \t");
	memmove(buf, buf + n, strlen(buf + n) + 1);
	return buf;
}

static int
set_defaults(struct load_state *st)
{
	for (size_t i = 0; i < nitems(schema); i++)
		if (schema[i].dflt != NULL && set_value(st, &schema[i], schema[i].dflt) != 0)
			return -1;
	return 0;
}

static bool
is_ldh_label(const char *s, size_t n)
{
	if (n == 0 || n > LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* The line where section.key was set, 0 if it was not. */
static int
key_line(const struct load_state *st, const char *section, const char *key)
{
	const struct cfg_key *k = schema_find(section, key);

	return k != NULL ? st->lines[k - schema] : 0;
}

static int fail_at(const struct load_state *, int, struct reg_err *,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/* Fails with "file:line: reason", or "file: reason" for line 0. */
static int
fail_at(const struct load_state *st, int line, struct reg_err *err,
    const char *fmt, ...)
{
	char reason[REG_ERR_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line > 0)
		return reg_fail(err, REG_ECONFIG, "%s:%d: %s", st->cfg->path, line, reason);
	return reg_fail(err, REG_ECONFIG, "%s: %s", st->cfg->path, reason);
}

static int
check_registry(struct load_state *st, struct reg_err *err)
{
	struct reg_config *cfg = st->cfg;
	int line = key_line(st, "registry", "roid_suffix");
	const char *p;

	if (cfg->registry.tld == NULL)
		return fail_at(st, 0, err, "[registry] tld is required");
	str_lower(cfg->registry.tld);
	if (!is_ldh_label(cfg->registry.tld, strlen(cfg->registry.tld)))
		return fail_at(st, key_line(st, "registry", "tld"), err,
		    "registry.tld '%s' is not a single LDH label", cfg->registry.tld);
	if (cfg->registry.roid_suffix == NULL) {
		cfg->registry.roid_suffix = xstrdup(cfg->registry.tld);
		for (char *c = cfg->registry.roid_suffix; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		line = key_line(st, "registry", "tld");
	}
	p = cfg->registry.roid_suffix;
	if (strlen(p) < 1 || strlen(p) > 8 || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(p))
		return fail_at(st, line, err,
		    "registry.roid_suffix '%s' must be 1 to 8 letters, digits or _", p);
	return REG_OK;
}

/* One registry.zones entry: a single label under the TLD ("co.nu"). */
static int
add_zone(struct load_state *st, char *zone, struct reg_err *err)
{
	struct reg_config *cfg = st->cfg;
	int line = key_line(st, "registry", "zones");
	size_t n = strlen(str_lower(zone));
	const char *dot;

	if (n > 0 && zone[n - 1] == '.')
		zone[--n] = '\0';
	dot = strchr(zone, '.');
	if (dot == NULL || strcmp(dot + 1, cfg->registry.tld) != 0 ||
	    !is_ldh_label(zone, (size_t)(dot - zone)))
		return fail_at(st, line, err, "registry.zones: '%s' is not a label under .%s",
		    zone, cfg->registry.tld);
	if (cfg->nzones == REG_MAX_ZONES)
		return fail_at(st, line, err, "registry.zones: more than %d zones",
		    REG_MAX_ZONES - 1);
	cfg->zones[cfg->nzones++] = xstrdup(zone);
	return REG_OK;
}

/* cfg->zones: the TLD, then registry.zones. */
static int
check_zones(struct load_state *st, struct reg_err *err)
{
	char *copy, *tok, *save = NULL;
	int rc = REG_OK;

	st->cfg->zones[st->cfg->nzones++] = xstrdup(st->cfg->registry.tld);
	copy = xstrdup(st->cfg->registry.zones);
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL && rc == REG_OK;
	    tok = strtok_r(NULL, " ,\t", &save))
		rc = add_zone(st, tok, err);
	free(copy);
	return rc;
}

/* The first of the year keys the file sets, for the ordering error. */
static int
years_line(const struct load_state *st)
{
	static const char *const keys[] = { "min_years", "default_years", "max_years" };
	int line = 0;

	for (size_t i = 0; i < nitems(keys) && line == 0; i++)
		line = key_line(st, "periods", keys[i]);
	return line;
}

/* Checks that need more than one key, after the file is read. */
static int
validate(struct load_state *st, struct reg_err *err)
{
	struct reg_config *cfg = st->cfg;
	int rc;

	if ((rc = check_registry(st, err)) != REG_OK)
		return rc;
	if (cfg->periods.min_years > cfg->periods.default_years ||
	    cfg->periods.default_years > cfg->periods.max_years)
		return fail_at(st, years_line(st), err,
		    "periods need min_years <= default_years <= max_years");
	if (strcmp(cfg->zone.serial, "unixtime") != 0 && strcmp(cfg->zone.serial, "date") != 0)
		return fail_at(st, key_line(st, "zone", "serial"), err,
		    "zone.serial must be unixtime or date");
	if (strcmp(cfg->zone.denial, "nsec") != 0 && strcmp(cfg->zone.denial, "nsec3") != 0)
		return fail_at(st, key_line(st, "zone", "denial"), err,
		    "zone.denial must be nsec or nsec3");
	if (strcmp(cfg->zone.verify, "fast") != 0 && strcmp(cfg->zone.verify, "full") != 0)
		return fail_at(st, key_line(st, "zone", "verify"), err,
		    "zone.verify must be fast or full");
	return check_zones(st, err);
}

/* The folder of path, made absolute so that resolved paths survive a
 * daemon's chdir. */
static char *
folder_of(const char *path)
{
	char *copy = xstrdup(path), *dir = dirname(copy), *abs;

	abs = realpath(dir, NULL);
	dir = abs != NULL ? abs : xstrdup(dir);
	free(copy);
	return dir;
}

/* Reads the file through libinih; REG_OK or err naming file:line. */
static int
read_file(struct load_state *st, const char *path, struct reg_err *err)
{
	int line, rerr;

	if ((st->file = fopen(path, "r")) == NULL)
		return fail_at(st, 0, err, "cannot open: %s", strerror(errno));
	line = ini_parse_stream(read_line, st, on_key, st);
	rerr = ferror(st->file) ? errno : 0;
	fclose(st->file);
	if (rerr != 0)
		return fail_at(st, 0, err, "cannot read: %s", strerror(rerr));
	if (line < 0)
		return fail_at(st, 0, err, "cannot parse (libinih error %d)", line);
	if (line > 0)
		return fail_at(st, line, err, "%s",
		    line == st->problem_line ? st->problem : SYNTAX_ERROR);
	return REG_OK;
}

struct reg_config *
config_load(const char *path, struct reg_err *err)
{
	struct load_state st = { 0 };
	int rc;

	st.cfg = xcalloc(1, sizeof(*st.cfg));
	st.cfg->path = xstrdup(path);
	if (set_defaults(&st) != 0)
		abort();	/* a default outside its own range is our bug */
	st.dir = folder_of(path);
	rc = read_file(&st, path, err);
	free(st.dir);
	if (rc == REG_OK && (rc = validate(&st, err)) == REG_OK)
		return st.cfg;
	config_free(st.cfg);
	return NULL;
}

void
config_free(struct reg_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < nitems(schema); i++)
		if (schema[i].type == CFG_STR || schema[i].type == CFG_PATH)
			free(*(char **)field(cfg, &schema[i]));
	for (int i = 0; i < cfg->nzones; i++)
		free(cfg->zones[i]);
	free(cfg->path);
	free(cfg);
}

void
config_dump(const struct reg_config *cfg, FILE *out)
{
	const char *section = "";

	for (size_t i = 0; i < nitems(schema); i++) {
		const struct cfg_key *k = &schema[i];
		const void *f = (const char *)cfg + k->offset;

		if (strcmp(section, k->section) != 0) {
			fprintf(out, "%s[%s]\n", i ? "\n" : "", k->section);
			section = k->section;
		}
		switch (k->type) {
		case CFG_STR: case CFG_PATH:
			fprintf(out, "%s = %s\n", k->key, *(char *const *)f ? *(char *const *)f : "");
			break;
		case CFG_BOOL:
			fprintf(out, "%s = %s\n", k->key, *(const bool *)f ? "yes" : "no");
			break;
		case CFG_INT: case CFG_DUR:
			fprintf(out, "%s = %" PRId64 "\n", k->key, *(const int64_t *)f);
			break;
		}
	}
}
