/*
 * generate.c: `zonegen generate`, the registry database to the TLD zone.
 *
 * One read transaction is one snapshot: the SOA, the apex NS and the
 * records of zone.apex_records, then every published delegation in
 * canonical order from store_zone_next() (NS, DS, glue), merged with the
 * apex file's records below the apex. The file is written to a temporary
 * name, read back and checked by the master file reader (every record
 * parses, one SOA with the new serial, as many delegations as written),
 * and only then renamed into place, the previous zone kept as .prev.
 *
 * The serial never goes backwards: the previous zone file's serial is
 * read, and the new one is the clock (unixtime, or YYYYMMDDnn) when that
 * is greater in serial arithmetic (RFC 1982), else the old one plus one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "zonegen.h"

#define DATE_SERIAL_DAY	100	/* YYYYMMDDnn: nn changes a day */
#define SERIAL_HALF	0x80000000u

struct gen {
	const struct reg_config *cfg;
	const char *out;
	uint32_t serial;
	bool verbose;
	struct store *st;
	struct zone extra;	/* zone.apex_records, sorted */
	size_t next_extra;	/* the first not yet written */
	const struct dname *apex;	/* in extra's region */
	char suffix[DNAME_TEXT_MAX];	/* ".test." */
	size_t delegations, ns, ds, glue;
	struct zout o;
	struct timespec t0, cpu0;	/* for -v timings */
	uint8_t cut_key[DNAME_KEY_MAX];	/* the last delegation */
	size_t cut_len;
};

/* Wall seconds since *t, which moves to now; *cpu likewise for the
 * process's CPU time. For -v. */
static double
lap(struct timespec *t, struct timespec *cpu, double *cpu_s)
{
	struct timespec now, c;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
	s = (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
	*cpu_s = (double)(c.tv_sec - cpu->tv_sec) + (double)(c.tv_nsec - cpu->tv_nsec) / 1e9;
	*t = now;
	*cpu = c;
	return s;
}

/* --- serial -------------------------------------------------------------- */

/* a > b in serial arithmetic (RFC 1982 3.2). */
static bool
serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < SERIAL_HALF;
}

/* The serial of a zone file's SOA; REG_ENOTFOUND if there is no file. */
static int
file_serial(const char *path, uint32_t *serial, struct reg_err *err)
{
	struct zread_opts o = { .soa_only = true };
	struct zone z;
	int rc;

	if (access(path, F_OK) != 0)
		return REG_ENOTFOUND;
	zone_init(&z);
	rc = zone_read(&z, path, &o, err);
	if (rc == REG_OK && (z.nrr == 0 || z.rr[z.nrr - 1].type != T_SOA))
		rc = reg_fail(err, REG_ESYNTAX, "%s: no SOA record", path);
	if (rc == REG_OK)
		*serial = (uint32_t)(z.rr[z.nrr - 1].rdata[z.rr[z.nrr - 1].rdlen - 20] << 24 |
		    z.rr[z.nrr - 1].rdata[z.rr[z.nrr - 1].rdlen - 19] << 16 |
		    z.rr[z.nrr - 1].rdata[z.rr[z.nrr - 1].rdlen - 18] << 8 |
		    z.rr[z.nrr - 1].rdata[z.rr[z.nrr - 1].rdlen - 17]);
	zone_free(&z);
	return rc;
}

static uint32_t
serial_of_clock(const char *style, int64_t now)
{
	char day[16];

	if (strcmp(style, "date") != 0)
		return (uint32_t)now;
	time_to_dns(now, day);
	day[8] = '\0';
	return (uint32_t)strtoul(day, NULL, 10) * DATE_SERIAL_DAY;
}

/* The next serial after the previous zone (ZONEFILE, else ZONEFILE.prev). */
static int
serial_next(struct gen *g, int64_t forced, struct reg_err *err)
{
	uint32_t prev = 0, cand;
	char *prevpath;
	int rc = file_serial(g->out, &prev, err);

	if (rc == REG_ENOTFOUND) {
		prevpath = path_with(g->out, ".prev");
		rc = file_serial(prevpath, &prev, err);
		free(prevpath);
	}
	if (rc != REG_OK && rc != REG_ENOTFOUND)
		return reg_fail(err, rc, "cannot read the previous serial: %s (give --serial)",
		    err != NULL ? err->reason : "");
	cand = forced > 0 ? (uint32_t)forced :
	    serial_of_clock(g->cfg->zone.serial, (int64_t)time(NULL));
	if (rc == REG_ENOTFOUND || serial_gt(cand, prev))
		g->serial = cand;
	else if (forced > 0)
		return reg_fail(err, REG_EINVAL, "serial %u is not greater than the previous %u",
		    cand, prev);
	else
		g->serial = prev + 1;
	return REG_OK;
}

/* --- text ---------------------------------------------------------------- */

/* Writes a name (with or without the final dot) relative to the origin:
 * "@" for the apex, the labels above it for names in the zone. */
static void
put_owner(struct gen *g, const char *name)
{
	const char *tld = g->cfg->registry.tld;
	size_t n = strlen(name), zl = strlen(tld);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == zl && strncmp(name, tld, zl) == 0) {
		zout_str(&g->o, "@");
		return;
	}
	if (n > zl + 1 && name[n - zl - 1] == '.' && strncmp(name + n - zl, tld, zl) == 0) {
		n -= zl + 1;
		memcpy(zout_reserve(&g->o, n), name, n);
		zout_commit(&g->o, n);
		return;
	}
	memcpy(zout_reserve(&g->o, n + 1), name, n);
	zout_reserve(&g->o, n + 1)[n] = '.';
	zout_commit(&g->o, n + 1);
}

/* "owner<TAB>TYPE<TAB>data\n" with an absolute name as data. */
static void
put_line(struct gen *g, const char *owner, const char *type, const char *data, bool dot)
{
	put_owner(g, owner);
	zout_str(&g->o, "\t");
	zout_str(&g->o, type);
	zout_str(&g->o, "\t");
	zout_str(&g->o, data);
	if (dot && data[strlen(data) - 1] != '.')
		zout_str(&g->o, ".");
	zout_str(&g->o, "\n");
}

static void
put_delegation(struct gen *g, const struct reg_delegation *d)
{
	char data[512];

	for (int i = 0; i < d->nns; i++)
		put_line(g, d->name, "NS", d->ns[i], true);
	for (int i = 0; i < d->nds; i++) {
		snprintf(data, sizeof(data), "%d %d %d %s", d->ds[i].key_tag, d->ds[i].alg,
		    d->ds[i].digest_type, d->ds[i].digest);
		put_line(g, d->name, "DS", data, false);
	}
	for (int i = 0; i < d->nglue; i++)
		for (int k = 0; k < d->glue[i].naddr; k++)
			put_line(g, d->glue[i].name, d->glue[i].addr[k].family == 6 ? "AAAA" : "A",
			    d->glue[i].addr[k].addr, false);
	g->delegations++;
	g->ns += (size_t)d->nns;
	g->ds += (size_t)d->nds;
	g->glue += (size_t)d->nglue;
}

/* --- the apex ------------------------------------------------------------ */

static int
apex_ns_list(struct gen *g, char ***out, int *n, struct reg_err *err)
{
	char *copy = xstrdup(g->cfg->zone.apex_ns), *save = NULL, *tok;
	char **v = NULL;

	*n = 0;
	for (tok = strtok_r(copy, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		v = xrealloc(v, (size_t)(*n + 1) * sizeof(*v));
		v[(*n)++] = tok;
	}
	*out = v;
	if (*n == 0) {
		free(copy);
		free(v);
		return reg_fail(err, REG_ECONFIG, "zone.apex_ns is empty: the zone needs name servers");
	}
	return REG_OK;
}

/* name with a final dot into out (DNAME_TEXT_MAX). */
static const char *
absolute(const char *name, char *out)
{
	size_t n = strlen(name);

	snprintf(out, DNAME_TEXT_MAX, "%.*s.", (int)(n > 0 && name[n - 1] == '.' ? n - 1 : n),
	    name);
	return out;
}

static void
put_soa(struct gen *g, const char *first_ns)
{
	const struct reg_config *c = g->cfg;
	char mname[DNAME_TEXT_MAX], rname[DNAME_TEXT_MAX], hm[DNAME_TEXT_MAX + 16];
	char data[3 * DNAME_TEXT_MAX], *at;

	absolute(c->zone.soa_mname[0] ? c->zone.soa_mname : first_ns, mname);
	snprintf(hm, sizeof(hm), "hostmaster%s", g->suffix);
	absolute(c->zone.soa_rname[0] ? c->zone.soa_rname : hm, rname);
	if ((at = strchr(rname, '@')) != NULL)
		*at = '.';	/* hostmaster@nic.nu as a name */
	snprintf(data, sizeof(data), "%s %s %u %lld %lld %lld %lld", mname, rname, g->serial,
	    (long long)c->zone.soa_refresh, (long long)c->zone.soa_retry,
	    (long long)c->zone.soa_expire, (long long)c->zone.soa_minimum);
	put_line(g, g->suffix + 1, "SOA", data, false);
}

/* Writes one record of the apex file in the generator's own format. */
static void
put_extra(struct gen *g, const struct rr *rr)
{
	char *text = xmalloc(RDATA_TEXT_MAX(rr->rdlen)), name[DNAME_TEXT_MAX], buf[16];
	size_t n = rdata_format(rr->type, rr->rdata, rr->rdlen, text);

	text[n] = '\0';
	dname_format(dname_wire(rr->owner), name);
	name[strlen(name) - 1] = '\0';
	if (rr->ttl != g->cfg->zone.ttl) {
		char ttl[16];

		put_owner(g, name);
		snprintf(ttl, sizeof(ttl), "\t%u", rr->ttl);
		zout_str(&g->o, ttl);
		name[0] = '\0';
	}
	if (name[0] != '\0')
		put_owner(g, name);
	zout_str(&g->o, "\t");
	zout_str(&g->o, rrtype_name(rr->type, buf));
	zout_str(&g->o, "\t");
	zout_str(&g->o, text);
	zout_str(&g->o, "\n");
	free(text);
}

static int
key_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	return c != 0 ? c : (la > lb) - (la < lb);
}

/* Writes the apex file's records that sort before the key (all with
 * NULL); those at or below the last delegation are dropped. */
static void
put_extras_before(struct gen *g, const uint8_t *key, size_t klen)
{
	while (g->next_extra < g->extra.nrr) {
		const struct rr *rr = &g->extra.rr[g->next_extra];
		const struct dname *o = rr->owner;

		if (key != NULL && key_cmp(dname_key(o), o->klen, key, klen) >= 0)
			break;
		g->next_extra++;
		if (g->cut_len > 0 && o->klen >= g->cut_len &&
		    memcmp(dname_key(o), g->cut_key, g->cut_len) == 0) {
			char name[DNAME_TEXT_MAX];

			dname_format(dname_wire(o), name);
			log_warnx("%s:%u: %s is at or below a published delegation; not written",
			    g->extra.files[rr->file], rr->line, name);
			continue;
		}
		put_extra(g, rr);
	}
}

static int
extra_cmp(const void *a, const void *b)
{
	const struct rr *x = a, *y = b;
	int c = dname_cmp(x->owner, y->owner);

	return c != 0 ? c : (int)x->type - (int)y->type;
}

/* Reads zone.apex_records (relative to the zone, default TTL zone.ttl). */
static int
extra_load(struct gen *g, struct reg_err *err)
{
	struct zread_opts o = { .origin = g->suffix + 1, .ttl = (uint32_t)g->cfg->zone.ttl };
	const char *path = g->cfg->zone.apex_records;
	uint8_t w[DNAME_WIRE_MAX];
	const struct dname *apex;
	const char *why;
	int rc;

	zone_init(&g->extra);
	if (dname_parse(g->suffix + 1, strlen(g->suffix + 1), NULL, w, &why) < 0)
		return reg_fail(err, REG_ECONFIG, "registry.tld %s: %s", g->suffix + 1, why);
	g->apex = dname_new(g->extra.rg, w, (size_t)wire_name_len(w, DNAME_WIRE_MAX));
	if (path[0] == '\0')
		return REG_OK;
	if ((rc = zone_read(&g->extra, path, &o, err)) != REG_OK)
		return rc;
	(void)why;
	apex = g->apex;
	for (size_t i = 0; i < g->extra.nrr; i++) {
		const struct rr *rr = &g->extra.rr[i];

		if (rr->type == T_SOA || !dname_under(rr->owner, apex))
			return reg_fail(err, REG_ESYNTAX, "%s:%u: %s", path, rr->line,
			    rr->type == T_SOA ? "the SOA comes from [zone] soa_*, not the apex "
			    "file" : "record outside the zone");
	}
	qsort(g->extra.rr, g->extra.nrr, sizeof(*g->extra.rr), extra_cmp);
	return REG_OK;
}

/* An apex name server inside the zone needs its address among the apex
 * records, or the zone delegates to a name that does not resolve. */
static void
apex_ns_check(struct gen *g, const char *ns)
{
	uint8_t w[DNAME_WIRE_MAX], key[DNAME_KEY_MAX];
	char abs[DNAME_TEXT_MAX];
	const char *why;
	size_t klen;

	absolute(ns, abs);
	if (dname_parse(abs, strlen(abs), NULL, w, &why) < 0) {
		log_warnx("zone.apex_ns %s: %s", ns, why);
		return;
	}
	klen = dname_make_key(w, key);
	if (klen < g->apex->klen || memcmp(key, dname_key(g->apex), g->apex->klen) != 0)
		return;
	for (size_t i = 0; i < g->extra.nrr; i++) {
		const struct rr *rr = &g->extra.rr[i];

		if ((rr->type == T_A || rr->type == T_AAAA) && rr->owner->wlen == (size_t)
		    wire_name_len(w, DNAME_WIRE_MAX) && memcmp(dname_wire(rr->owner), w,
		    rr->owner->wlen) == 0)
			return;
	}
	log_warnx("apex name server %s is in the zone but zone.apex_records gives it no "
	    "address", abs);
}

/* SOA, apex NS, and the apex file's records at the apex. */
static int
put_apex(struct gen *g, struct reg_err *err)
{
	char **ns, line[128], when[16];
	int n, rc;

	if ((rc = apex_ns_list(g, &ns, &n, err)) != REG_OK)
		return rc;
	time_to_dns((int64_t)time(NULL), when);
	snprintf(line, sizeof(line), "; generated by zonegen at %s UTC\n$ORIGIN %s\n$TTL %lld\n",
	    when, g->suffix + 1, (long long)g->cfg->zone.ttl);
	zout_str(&g->o, line);
	put_soa(g, ns[0]);
	for (int i = 0; i < n; i++) {
		put_line(g, g->suffix + 1, "NS", ns[i], true);
		apex_ns_check(g, ns[i]);
	}
	free(ns[0]);
	free(ns);
	while (g->next_extra < g->extra.nrr &&
	    dname_equal(g->extra.rr[g->next_extra].owner, g->apex))
		put_extra(g, &g->extra.rr[g->next_extra++]);
	return REG_OK;
}

/* The canonical key of a delegation's name, for the merge. */
static size_t
name_key(const char *name, uint8_t *key)
{
	uint8_t w[DNAME_WIRE_MAX];
	const char *why;
	size_t n = strlen(name);
	char abs[DNAME_TEXT_MAX];

	snprintf(abs, sizeof(abs), "%s%s", name, n > 0 && name[n - 1] == '.' ? "" : ".");
	if (dname_parse(abs, strlen(abs), NULL, w, &why) < 0)
		return 0;
	return dname_make_key(w, key);
}

static int
put_delegations(struct gen *g, struct reg_err *err)
{
	struct store_zone_opts o = { .zone = g->cfg->registry.tld,
	    .publish_redemption = g->cfg->zone.publish_redemption };
	struct store_zone_iter *it;
	struct reg_delegation d;
	struct arena *a = arena_new();
	uint8_t key[DNAME_KEY_MAX];
	size_t klen;
	int rc;

	if ((rc = store_zone_begin(g->st, &o, &it, err)) != REG_OK) {
		arena_free(a);
		return rc;
	}
	while ((rc = store_zone_next(it, a, &d)) == REG_OK) {
		if ((klen = name_key(d.name, key)) == 0) {
			log_warnx("domain %s: not a valid DNS name; not published", d.name);
			arena_reset(a);
			continue;
		}
		put_extras_before(g, key, klen);
		memcpy(g->cut_key, key, klen);
		g->cut_len = klen;
		put_delegation(g, &d);
		arena_reset(a);
	}
	store_zone_end(it);
	arena_free(a);
	if (rc != REG_ENOTFOUND)
		return reg_fail(err, rc, "reading the delegations: %s", reg_strerror(rc));
	put_extras_before(g, NULL, 0);
	return REG_OK;
}

static int
gen_write_fn(void *arg, FILE *f, struct reg_err *err)
{
	struct gen *g = arg;
	double wall, cpu;
	int rc, e;

	zout_init(&g->o, f);
	if ((rc = store_read_begin(g->st)) != REG_OK) {
		zout_free(&g->o);
		return reg_fail(err, rc, "cannot start a read transaction");
	}
	if ((rc = put_apex(g, err)) == REG_OK)
		rc = put_delegations(g, err);
	store_read_end(g->st);
	wall = lap(&g->t0, &g->cpu0, &cpu);
	log_debug("snapshot written: %.3f s (CPU %.3f s)", wall, cpu);
	if ((e = zout_flush(&g->o)) != 0 && rc == REG_OK)
		rc = reg_fail(err, REG_EIO, "cannot write the zone: %s", strerror(e));
	zout_free(&g->o);
	return rc;
}

/* The read-back check, record by record as the file streams by. */
struct check {
	struct gen *g;
	const char *path;
	uint8_t last[DNAME_KEY_MAX];	/* the owner before */
	size_t last_len;
	bool any, last_ns;		/* an owner seen; it has NS counted */
	size_t soa, delegations;
	uint32_t serial;
};

static int
check_fail(struct check *c, const struct rr *rr, struct reg_err *err, const char *what)
{
	char name[DNAME_TEXT_MAX];

	dname_format(dname_wire(rr->owner), name);
	return reg_fail(err, REG_EINVAL, "read back %s:%u: %s: %s", c->path, rr->line, name,
	    what);
}

static int
check_rr(void *arg, const struct rr *rr, struct reg_err *err)
{
	struct check *c = arg;
	const struct dname *o = rr->owner;
	bool apex = dname_equal(o, c->g->apex);

	if (!dname_under(o, c->g->apex))
		return check_fail(c, rr, err, "outside the zone");
	if (!c->any || o->klen != c->last_len || memcmp(dname_key(o), c->last, o->klen) != 0) {
		if (c->any && key_cmp(c->last, c->last_len, dname_key(o), o->klen) > 0)
			return check_fail(c, rr, err, "not in canonical order");
		memcpy(c->last, dname_key(o), o->klen);
		c->last_len = o->klen;
		c->any = true;
		c->last_ns = false;
	}
	if (rr->type == T_SOA) {
		if (!apex || c->soa++ > 0)
			return check_fail(c, rr, err, "a second SOA, or one off the apex");
		c->serial = (uint32_t)rr->rdata[rr->rdlen - 20] << 24 |
		    (uint32_t)rr->rdata[rr->rdlen - 19] << 16 |
		    (uint32_t)rr->rdata[rr->rdlen - 18] << 8 | rr->rdata[rr->rdlen - 17];
	}
	if (rr->type == T_NS && !apex && !c->last_ns) {
		c->delegations++;
		c->last_ns = true;
	}
	return REG_OK;
}

/* Reads the written file back with the signer's reader, keeping nothing:
 * every record parses, owners in canonical order inside the zone, one SOA
 * with our serial, every delegation written. */
static int
gen_check_fn(void *arg, const char *tmp, struct reg_err *err)
{
	struct gen *g = arg;
	struct check c = { .g = g, .path = tmp };
	struct zread_opts o = { .visit = check_rr, .visit_arg = &c, .threads = 1 };
	struct zone z;
	double wall, cpu;
	int rc;

	zone_init(&z);
	rc = zone_read(&z, tmp, &o, err);
	zone_free(&z);
	if (rc == REG_OK && (c.soa != 1 || c.serial != g->serial))
		rc = reg_fail(err, REG_EINVAL, "read back: no SOA with serial %u", g->serial);
	if (rc == REG_OK && c.delegations < g->delegations)
		rc = reg_fail(err, REG_EINVAL, "read back: %zu delegations, %zu written",
		    c.delegations, g->delegations);
	wall = lap(&g->t0, &g->cpu0, &cpu);
	log_debug("read back and checked: %.3f s (CPU %.3f s)", wall, cpu);
	return rc;
}

static int
gen_run(struct gen *g, int64_t forced, struct reg_err *err)
{
	int rc;

	snprintf(g->suffix, sizeof(g->suffix), ".%s.", g->cfg->registry.tld);
	if ((rc = extra_load(g, err)) != REG_OK || (rc = serial_next(g, forced, err)) != REG_OK)
		return rc;
	if ((g->st = store_open(g->cfg->database.master, STORE_RDONLY, err)) == NULL)
		return REG_EDB;
	clock_gettime(CLOCK_MONOTONIC, &g->t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &g->cpu0);
	rc = publish_file_checked(g->out, gen_write_fn, gen_check_fn, g, err);
	store_close(g->st);
	if (rc != REG_OK)
		return rc;
	log_info("%s: zone %s serial %u: %zu delegations, %zu NS, %zu DS, %zu glue hosts",
	    g->out, g->suffix + 1, g->serial, g->delegations, g->ns, g->ds, g->glue);
	return REG_OK;
}

static const char generate_usage[] =
    "usage: zonegen generate -c CONFIG -o ZONEFILE [--serial N] [-v]\n"
    "\n"
    "Writes the TLD zone from one snapshot of the registry database\n"
    "(database.master): SOA and apex NS from [zone], zone.apex_records, and\n"
    "every published delegation with its NS, DS and glue, in canonical order.\n"
    "Not published: clientHold, serverHold, no name servers, and unless\n"
    "zone.publish_redemption, redemption and pendingDelete. The file is\n"
    "checked and renamed into place (the previous one kept as ZONEFILE.prev),\n"
    "then zone.post_command runs with ZONEGEN_FILE, ZONEGEN_ZONE and\n"
    "ZONEGEN_SERIAL set. The serial is greater than the previous zone's.\n"
    "Exit status: 0 written and checked, 1 failed, 2 wrong arguments.\n";

void
generate_help(FILE *out)
{
	fputs(generate_usage, out);
}

/* 0, 1 for --help, -1 for bad arguments. */
static int
gen_args(int argc, char **argv, const char **conf, const char **out, int64_t *serial,
    bool *verbose)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "serial", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:vh", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': *conf = optarg; break;
		case 'o': *out = optarg; break;
		case 'v': *verbose = true; break;
		case 'h': return 1;
		case 's':
			*serial = strtoll(optarg, &end, 10);
			if (*end != '\0' || *serial < 1 || *serial > UINT32_MAX)
				return -1;
			break;
		default: return -1;
		}
	return optind == argc && *conf != NULL && *out != NULL ? 0 : -1;
}

int
cmd_generate(int argc, char **argv)
{
	struct gen g = { 0 };
	struct reg_err err = { 0 };
	struct reg_config *cfg;
	const char *conf = NULL;
	int64_t serial = 0;
	int rc = gen_args(argc, argv, &conf, &g.out, &serial, &g.verbose);

	if (rc != 0) {
		generate_help(rc > 0 ? stdout : stderr);
		return rc > 0 ? ZG_EXIT_OK : ZG_EXIT_USAGE;
	}
	log_init("zonegen", g.verbose);
	if ((cfg = config_load(conf, &err)) == NULL) {
		log_warnx("%s", reg_err_text(&err));
		return ZG_EXIT_FAIL;
	}
	g.cfg = cfg;
	rc = gen_run(&g, serial, &err);
	if (rc != REG_OK)
		log_warnx("%s: not published: %s", g.out, reg_err_text(&err));
	else if ((rc = run_post_command(cfg->zone.post_command, g.out, cfg->registry.tld,
	    g.serial, &err)) != REG_OK)
		log_warnx("%s: published, but %s", g.out, reg_err_text(&err));
	zone_free(&g.extra);
	config_free(cfg);
	return rc == REG_OK ? ZG_EXIT_OK : ZG_EXIT_FAIL;
}
