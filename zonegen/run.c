/*
 * run.c: `zonegen sign`, and the signing pipeline it shares with
 * `zonegen switch`:
 *
 *   read -> build -> keys -> DNSKEY -> NSEC3PARAM -> NSEC -> NSEC3
 *   -> sign (cache) -> gate -> publish zone -> publish cache -> post command
 *
 * Nothing is written before the gate passes; the zone is published before
 * its cache, so a crash in between leaves an older cache, whose entries
 * the next run checks by digest anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

static double
since(const struct timespec *t, clockid_t clock, struct timespec *now)
{
	clock_gettime(clock, now);
	return (double)(now->tv_sec - t->tv_sec) + (double)(now->tv_nsec - t->tv_nsec) / 1e9;
}

void
timer_start(struct timer *t, bool on)
{
	t->on = on;
	clock_gettime(CLOCK_MONOTONIC, &t->wall);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t->cpu);
}

void
timer_lap(struct timer *t, const char *what)
{
	struct timespec w, c;
	double ws = since(&t->wall, CLOCK_MONOTONIC, &w);
	double cs = since(&t->cpu, CLOCK_PROCESS_CPUTIME_ID, &c);

	if (t->on)
		log_info("%s: %.3f s (CPU %.3f s)", what, ws, cs);
	t->wall = w;
	t->cpu = c;
}

struct write_arg {
	const struct zone *z;
	int threads;
};

static int
write_zone_fn(void *arg, FILE *f, struct reg_err *err)
{
	const struct write_arg *wa = arg;
	struct zout o;
	int e;

	zout_init(&o, f);
	e = zone_write(wa->z, &o, wa->threads);
	zout_free(&o);
	return e != 0 ? reg_fail(err, REG_EIO, "cannot write the signed zone: %s",
	    strerror(e)) : REG_OK;
}

char *
cache_path(const char *out)
{
	return path_with(out, ".cache");
}

/* The zone, read and built, with keys published and denial chains. */
static int
prepare(struct zone *z, struct keyset *ks, const struct sign_args *a, const char *keydir,
    unsigned denial, struct zone_text *text, struct reg_err *err)
{
	struct zread_opts ro = { .keep = text != NULL ? &text->p : NULL,
	    .keep_len = text != NULL ? &text->len : NULL };
	int rc;

	if ((rc = zone_read(z, a->in, &ro, err)) != REG_OK ||
	    (rc = zone_build(z, BUILD_STRIP_DNSSEC, err)) != REG_OK)
		return rc;
	if (z->dropped_dnssec)
		log_info("%s: dropped the RRSIG, NSEC, NSEC3 and NSEC3PARAM records of the "
		    "input; signing afresh", a->in);
	if ((rc = keys_load(ks, keydir, z->apex, a->now, err)) != REG_OK ||
	    (rc = keys_publish(z, ks, err)) != REG_OK)
		return rc;
	if (denial & DENIAL_PARAM)
		nsec3_param_add(z);
	if ((denial & DENIAL_NSEC) && (rc = nsec_build(z, err)) != REG_OK)
		return rc;
	if (denial & DENIAL_NSEC3)
		return nsec3_build(z, denial, err);
	return REG_OK;
}

static struct sign_opts
sign_opts_of(const struct reg_config *cfg, const struct sign_args *a)
{
	return (struct sign_opts){ .now = a->now, .validity = cfg->zone.sig_validity,
	    .refresh = cfg->zone.sig_refresh, .jitter = cfg->zone.sig_jitter,
	    .inception = cfg->zone.sig_inception,
	    .threads = a->threads > 0 ? a->threads : (int)cfg->zone.sign_threads };
}

static struct verify_opts
verify_opts_of(const struct reg_config *cfg, const struct sign_args *a, unsigned denial,
    int threads)
{
	return (struct verify_opts){ .now = a->now, .denial = denial,
	    .full = a->verify_full || strcmp(cfg->zone.verify, "full") == 0,
	    .threads = threads };
}

/* Signs, gates and publishes; the zone and cache files are written only
 * when everything passed. An NSEC zone leaves an index for the next
 * run's fast path (patch.c). */
static int
sign_publish(const struct sign_args *a, const struct sign_opts *so,
    const struct verify_opts *vo, struct zone *z, struct keyset *ks,
    const struct zone_text *text, struct sign_result *res, struct reg_err *err)
{
	unsigned denial = vo->denial;
	struct timer t;
	struct cache *cache = NULL;
	char *cpath = cache_path(a->out);
	uint8_t *digests = NULL;
	bool index = denial == DENIAL_NSEC;
	int rc;

	timer_start(&t, a->verbose);
	if (!a->full)
		cache_open(cpath, z->apex, &cache, err);
	if ((rc = zone_sign(z, ks, cache, so, &digests, &res->st, err)) == REG_OK) {
		timer_lap(&t, "signed");
		rc = zone_verify(z, ks, digests, vo, err);
		timer_lap(&t, "verified");
	}
	if (index) {
		z->out_len = xcalloc(z->nnode + z->nn3 + 1, sizeof(*z->out_len));
		z->cache_off = xmalloc((z->nnode + 1) * sizeof(*z->cache_off));
		memset(z->cache_off, 0xff, (z->nnode + 1) * sizeof(*z->cache_off));
	}
	if (rc == REG_OK &&
	    (rc = publish_file(a->out, write_zone_fn, &(struct write_arg){ z, so->threads },
	    err)) == REG_OK) {
		res->published = true;
		timer_lap(&t, "written");
		rc = cache_write(cpath, z, ks, denial, digests, err);
		timer_lap(&t, "cache written");
	}
	if (rc == REG_OK && index) {
		patch_index_full(z, ks, text, a->out, a->now);
		timer_lap(&t, "index written");
	} else if (res->published)
		patch_forget(a->out);
	free(z->out_len);
	free(z->cache_off);
	z->out_len = NULL;
	z->cache_off = NULL;
	cache_close(cache);
	free(digests);
	free(cpath);
	return rc;
}

/* The whole zone: read, prepare, sign, gate, publish. */
static int
sign_whole(const struct sign_args *a, const char *keydir, const struct sign_opts *so,
    const struct verify_opts *vo, struct sign_result *res, struct reg_err *err)
{
	unsigned denial = vo->denial;
	struct zone z;
	struct keyset ks = { 0 };
	struct zone_text text = { 0 };
	struct timer t;
	int rc;

	zone_init(&z);
	timer_start(&t, a->verbose);
	/* An NSEC zone's index describes the very bytes signed. */
	rc = prepare(&z, &ks, a, keydir, denial, denial == DENIAL_NSEC ? &text : NULL, err);
	timer_lap(&t, "read and prepared");
	if (rc == REG_OK)
		rc = sign_publish(a, so, vo, &z, &ks, &text, res, err);
	if (rc == REG_OK) {
		res->serial = z.serial;
		res->negative_ttl = zone_negative_ttl(&z);
		dname_format(dname_wire(z.apex), res->zone);
	}
	free(text.p);
	keys_free(&ks);
	zone_free(&z);
	return rc;
}

int
output_lock(const char *out, struct reg_err *err)
{
	char *path = path_with(out, ".lock");
	int fd;

	/* Read-only: flock needs no more, and a lock file left by another
	 * user must not stop the run. */
	if ((fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		log_info("%s: another zonegen is signing; waiting", out);
		if (flock(fd, LOCK_EX) != 0) {
			reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	free(path);
	return fd;
}

int
sign_run(const struct reg_config *cfg, const struct sign_args *a, unsigned denial,
    struct sign_result *res, struct reg_err *err)
{
	const char *keydir = a->keydir != NULL ? a->keydir : cfg->zone.keydir;
	struct sign_opts so = sign_opts_of(cfg, a);
	struct verify_opts vo = verify_opts_of(cfg, a, denial, so.threads);
	struct timer t;
	int rc = REG_OK;

	memset(res, 0, sizeof(*res));
	if (keydir == NULL || keydir[0] == '\0')
		return reg_fail(err, REG_ECONFIG, "no key folder: give -k or set zone.keydir");
	timer_start(&t, a->verbose);
	/* `sign` only: a switch's steps are whole zones. */
	if (a->to == NULL && !a->full && denial == DENIAL_NSEC &&
	    patch_sign(a, keydir, &so, &vo, res, err))
		timer_lap(&t, "incremental run");
	else
		rc = sign_whole(a, keydir, &so, &vo, res, err);
	if (rc == REG_OK) {
		log_info("%s: zone %s serial %u signed (%s%s%s): %zu RRsets, %zu new and %zu "
		    "kept signatures", a->out, res->zone, res->serial,
		    denial & DENIAL_NSEC ? "NSEC" : "", (denial & DENIAL_NSEC) &&
		    (denial & DENIAL_NSEC3) ? "+" : "", denial & DENIAL_NSEC3 ?
		    (denial & DENIAL_OPTOUT ? "NSEC3 opt-out" : "NSEC3") : "",
		    res->st.rrsets, res->st.made, res->st.reused);
		rc = run_post_command(cfg->zone.sign_post_command, a->out, res->zone,
		    res->serial, err);
	}
	return rc;
}

/* --- options ------------------------------------------------------------- */

enum { OPT_NSEC = 256, OPT_NSEC3, OPT_OPTOUT, OPT_FULL, OPT_VERIFY_FULL, OPT_NOW,
	OPT_THREADS, OPT_TO, OPT_STATUS };

static const struct option sign_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "keydir", required_argument, NULL, 'k' },
	{ "input", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "nsec", no_argument, NULL, OPT_NSEC },
	{ "nsec3", no_argument, NULL, OPT_NSEC3 },
	{ "opt-out", no_argument, NULL, OPT_OPTOUT },
	{ "full", no_argument, NULL, OPT_FULL },
	{ "verify-full", no_argument, NULL, OPT_VERIFY_FULL },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "to", required_argument, NULL, OPT_TO },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int64_t
parse_now(const char *s)
{
	return time_from_dns(s, strlen(s));
}

/* One option of the signing commands; -1 for an unknown one. */
static int
sign_option(int ch, struct sign_args *a)
{
	switch (ch) {
	case 'c': a->config = optarg; break;
	case 'k': a->keydir = optarg; break;
	case 'i': a->in = optarg; break;
	case 'o': a->out = optarg; break;
	case 'v': a->verbose = true; break;
	case OPT_NSEC: a->denial = DENIAL_NSEC | (a->denial & DENIAL_OPTOUT); break;
	case OPT_NSEC3: a->denial |= DENIAL_NSEC3; a->denial &= ~(unsigned)DENIAL_NSEC; break;
	case OPT_OPTOUT: a->denial |= DENIAL_OPTOUT; break;
	case OPT_FULL: a->full = true; break;
	case OPT_VERIFY_FULL: a->verify_full = true; break;
	case OPT_NOW:
		if ((a->now = parse_now(optarg)) <= 0)
			return -1;
		break;
	case OPT_THREADS:
		if ((a->threads = atoi(optarg)) < 1 || a->threads > SIGN_THREADS_MAX)
			return -1;
		break;
	case OPT_TO: a->to = optarg; break;
	case OPT_STATUS: a->status = true; break;
	default: return -1;
	}
	return 0;
}

int
sign_args_parse(int argc, char **argv, struct sign_args *a, bool is_switch)
{
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:k:i:o:vh", sign_longopts, NULL)) != -1) {
		if (ch == 'h')
			return 1;
		if ((!is_switch && (ch == OPT_TO || ch == OPT_STATUS)) || sign_option(ch, a) < 0)
			return -1;
	}
	if (optind != argc || a->config == NULL || a->out == NULL ||
	    (a->in == NULL && !a->status) || (is_switch && a->to == NULL && !a->status))
		return -1;
	if (a->now == 0)
		a->now = (int64_t)time(NULL);
	log_init("zonegen", a->verbose);
	return 0;
}

static const char sign_usage[] =
    "usage: zonegen sign -c CONFIG [-k KEYDIR] -i ZONEFILE -o SIGNEDFILE\n"
    "                    [--nsec | --nsec3 [--opt-out]] [--full] [--verify-full]\n"
    "                    [--threads N] [--now YYYYMMDDHHMMSS] [-v]\n"
    "\n"
    "Signs any zone file in master format (the zone is the owner of its SOA)\n"
    "with the keys K<zone>+<alg>+<tag>.key/.private in KEYDIR (default\n"
    "zone.keydir) and writes SIGNEDFILE atomically, the previous one kept as\n"
    "SIGNEDFILE.prev, after checking every signature and the denial chain.\n"
    "SIGNEDFILE.cache keeps the signatures for the next run, which signs only\n"
    "what changed or nears expiry (--full: sign everything afresh). An NSEC\n"
    "zone also gets SIGNEDFILE.index and SIGNEDFILE.input (a copy of\n"
    "ZONEFILE): the next run then reads and signs only the names that\n"
    "changed and copies the rest of SIGNEDFILE. SIGNEDFILE.lock keeps a\n"
    "second signer of SIGNEDFILE waiting.\n"
    "Denial of existence: zone.denial and zone.nsec3_optout unless given; a\n"
    "zone signed with NSEC changes to NSEC3 (or back) only through\n"
    "`zonegen switch`. Exit status: 0 written and verified, 1 failed\n"
    "(nothing published), 2 wrong arguments.\n";

void
sign_help(FILE *out)
{
	fputs(sign_usage, out);
}

/* The denial flags for `sign`: a switch in progress decides, else the
 * options or configuration, which must keep the chain type of the zone
 * signed last. */
static int
sign_denial(const struct reg_config *cfg, const struct sign_args *a, unsigned *denial,
    struct reg_err *err)
{
	const char *step;
	unsigned want = a->denial, sw = switch_current(a->out, &step), last;

	if (sw != 0) {
		if ((want & DENIAL_CHAINS) && !(want & sw & DENIAL_CHAINS))
			return reg_fail(err, REG_EINVAL, "%s: a switch is in progress (%s); "
			    "continue it with zonegen switch", a->out, step);
		log_info("%s: switch in progress, signing as its step: %s", a->out, step);
		*denial = sw;
		return REG_OK;
	}
	if (!(want & DENIAL_CHAINS))
		want |= strcmp(cfg->zone.denial, "nsec3") == 0 ? DENIAL_NSEC3 : DENIAL_NSEC;
	if ((want & DENIAL_NSEC3) && cfg->zone.nsec3_optout)
		want |= DENIAL_OPTOUT;
	if (want & DENIAL_NSEC)
		want &= ~(unsigned)DENIAL_OPTOUT;
	else
		want |= DENIAL_PARAM;
	last = sign_last_denial(a->out);
	if (last != 0 && (last & DENIAL_CHAINS) != (want & DENIAL_CHAINS))
		return reg_fail(err, REG_EINVAL, "%s was signed with %s: change that with "
		    "'zonegen switch --to %s' (or remove %s.cache to start over)", a->out,
		    last & DENIAL_NSEC3 ? "NSEC3" : "NSEC", want & DENIAL_NSEC3 ? "nsec3" : "nsec",
		    a->out);
	*denial = want;
	return REG_OK;
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_args a;
	struct sign_result res = { 0 };
	struct reg_config *cfg;
	struct reg_err err = { 0 };
	unsigned denial = 0;
	int rc = sign_args_parse(argc, argv, &a, false), lock = -1;

	if (rc != 0) {
		sign_help(rc > 0 ? stdout : stderr);
		return rc > 0 ? ZG_EXIT_OK : ZG_EXIT_USAGE;
	}
	if ((cfg = config_load(a.config, &err)) == NULL) {
		log_warnx("%s", reg_err_text(&err));
		return ZG_EXIT_FAIL;
	}
	/* The lock covers the choice of chain too: a switch may be moving it. */
	if ((lock = output_lock(a.out, &err)) < 0)
		rc = REG_EIO;
	else if ((rc = sign_denial(cfg, &a, &denial, &err)) == REG_OK)
		rc = sign_run(cfg, &a, denial, &res, &err);
	if (lock >= 0)
		close(lock);
	if (rc != REG_OK)
		log_warnx("%s: %s: %s", a.out, res.published ? "published, but" :
		    "not published", reg_err_text(&err));
	config_free(cfg);
	return rc == REG_OK ? ZG_EXIT_OK : ZG_EXIT_FAIL;
}
