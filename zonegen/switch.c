/*
 * switch.c: `zonegen switch --to nsec|nsec3`, the change of denial of
 * existence as a sequence of published zones, each complete and valid on
 * its own (RFC 5155 10.4 and 10.5):
 *
 *   to NSEC3 (10.4, the NSEC3 RRs added "all at once", NSEC3PARAM with
 *   them)
 *     1  NSEC chain + NSEC3 chain + NSEC3PARAM: servers switch to NSEC3
 *     2  NSEC3 chain + NSEC3PARAM: the NSEC chain removed
 *
 *   to NSEC (10.5)
 *     1  NSEC3 chain + NSEC3PARAM + NSEC chain: servers still answer
 *        with NSEC3
 *     2  NSEC3 chain + NSEC chain, NSEC3PARAM removed: servers answer
 *        with NSEC
 *     3  NSEC chain only, published only when step 2 has propagated
 *
 * Each run publishes the next step, and only after the previous one has
 * been out for its wait: the TTL of the denial records (the negative TTL,
 * min(SOA TTL, SOA MINIMUM)), so that what resolvers cached from the
 * previous step has expired, plus zone.switch_delay for every secondary
 * to load it. The state lives in OUTPUT.switch; `zonegen sign` keeps
 * signing at the current step until the switch is finished.
 *
 * Names with both an NSEC and an NSEC3 list NSEC and RRSIG in their NSEC3
 * bitmap (nsec3.c), which is what BIND's, Knot's and ldns's verifiers
 * expect of such a zone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

#define STEPS_MAX	3
#define STATE_LINE	256

struct step {
	unsigned denial;
	const char *what;
};

static const struct step steps_nsec3[] = {
	{ DENIAL_NSEC | DENIAL_NSEC3 | DENIAL_PARAM,
	    "NSEC3 chain and NSEC3PARAM added beside NSEC: servers answer with NSEC3" },
	{ DENIAL_NSEC3 | DENIAL_PARAM, "NSEC chain removed: NSEC3 only" },
	{ 0, NULL },
};

static const struct step steps_nsec[] = {
	{ DENIAL_NSEC3 | DENIAL_PARAM | DENIAL_NSEC,
	    "NSEC chain added beside NSEC3: servers still answer with NSEC3" },
	{ DENIAL_NSEC3 | DENIAL_NSEC, "NSEC3PARAM removed: servers answer with NSEC" },
	{ DENIAL_NSEC, "NSEC3 chain removed: NSEC only" },
	{ 0, NULL },
};

struct switch_state {
	bool to_nsec3;
	bool optout;
	int step;		/* the step published last, 1 to 3 */
	int64_t published;	/* when */
	int64_t wait;		/* seconds before the next step */
};

static const struct step *
steps_of(const struct switch_state *s)
{
	return s->to_nsec3 ? steps_nsec3 : steps_nsec;
}

static int
steps_count(const struct switch_state *s)
{
	int n = 0;

	while (steps_of(s)[n].what != NULL)
		n++;
	return n;
}

static unsigned
step_denial(const struct switch_state *s, int step)
{
	unsigned d = steps_of(s)[step - 1].denial;

	return (d & DENIAL_NSEC3) && s->optout ? d | DENIAL_OPTOUT : d;
}

static char *
state_path(const char *out)
{
	return path_with(out, ".switch");
}

/* REG_ENOTFOUND when no switch is in progress. */
static int
state_read(const char *out, struct switch_state *s, struct reg_err *err)
{
	char *path = state_path(out), line[STATE_LINE], to[16] = "";
	FILE *f = fopen(path, "r");
	int found = 0, rc;
	long long v;

	memset(s, 0, sizeof(*s));
	if (f == NULL) {
		rc = errno == ENOENT ? REG_ENOTFOUND :
		    reg_fail(err, REG_EIO, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "to %15s", to) == 1)
			found |= 1;
		else if (sscanf(line, "optout %lld", &v) == 1)
			s->optout = v != 0;
		else if (sscanf(line, "step %lld", &v) == 1 && v >= 1 && v < STEPS_MAX &&
		    (found |= 2))
			s->step = (int)v;
		else if (sscanf(line, "published %lld", &v) == 1 && (found |= 4))
			s->published = v;
		else if (sscanf(line, "wait %lld", &v) == 1)
			s->wait = v;
	}
	fclose(f);
	s->to_nsec3 = strcmp(to, "nsec3") == 0;
	rc = found == 7 && (s->to_nsec3 || strcmp(to, "nsec") == 0) &&
	    s->step < steps_count(s) ? REG_OK :
	    reg_fail(err, REG_EINVAL, "%s: not a switch state file", path);
	free(path);
	return rc;
}

static int
state_write_fn(void *arg, FILE *f, struct reg_err *err)
{
	const struct switch_state *s = arg;

	fprintf(f, "# zonegen switch state: the step published last and when\n"
	    "to %s\noptout %d\nstep %d\npublished %lld\nwait %lld\n",
	    s->to_nsec3 ? "nsec3" : "nsec", s->optout, s->step,
	    (long long)s->published, (long long)s->wait);
	return ferror(f) ? reg_fail(err, REG_EIO, "cannot write the switch state") : REG_OK;
}

static int
state_write(const char *out, const struct switch_state *s, struct reg_err *err)
{
	char *path = state_path(out);
	int rc = publish_file_flags(path, state_write_fn, (void *)s, PUBLISH_NOPREV, err);

	free(path);
	return rc;
}

static void
state_remove(const char *out)
{
	char *path = state_path(out), *prev = path_with(path, ".prev");

	unlink(path);
	unlink(prev);
	free(prev);
	free(path);
}

unsigned
switch_current(const char *out, const char **step_name)
{
	struct switch_state s;

	if (state_read(out, &s, NULL) != REG_OK)
		return 0;
	*step_name = steps_of(&s)[s.step - 1].what;
	return step_denial(&s, s.step);
}

static void
state_print(const char *out, const struct switch_state *s, int64_t now)
{
	char when[16];

	time_to_dns(s->published + s->wait, when);
	printf("%s: switch to %s%s, step %d of %d published: %s\n", out,
	    s->to_nsec3 ? "NSEC3" : "NSEC", s->optout ? " opt-out" : "", s->step, steps_count(s),
	    steps_of(s)[s->step - 1].what);
	printf("next step (%s) %s %s UTC\n", steps_of(s)[s->step].what,
	    now >= s->published + s->wait ? "may be published since" : "may be published at",
	    when);
}

/* The state to publish next: a new switch or the next step of this one. */
static int
switch_next(const struct sign_args *a, struct switch_state *s, struct reg_err *err)
{
	bool to_nsec3 = strcmp(a->to, "nsec3") == 0;
	unsigned last;
	int rc = state_read(a->out, s, err);
	char when[16];

	if (rc == REG_OK) {
		if (s->to_nsec3 != to_nsec3)
			return reg_fail(err, REG_EINVAL, "a switch to %s is in progress (step %d)",
			    s->to_nsec3 ? "nsec3" : "nsec", s->step);
		if (a->now < s->published + s->wait) {
			time_to_dns(s->published + s->wait, when);
			return reg_fail(err, REG_EINVAL, "step %d may be published from %s UTC "
			    "(in %lld s); step %d stays", s->step + 1, when,
			    (long long)(s->published + s->wait - a->now), s->step);
		}
		s->step++;
		return REG_OK;
	}
	if (rc != REG_ENOTFOUND)
		return rc;
	last = sign_last_denial(a->out);
	if (last == 0)
		return reg_fail(err, REG_EINVAL, "%s: no signed zone to switch from (sign it "
		    "first)", a->out);
	if ((last & DENIAL_CHAINS) == (to_nsec3 ? DENIAL_NSEC3 : DENIAL_NSEC))
		return reg_fail(err, REG_EINVAL, "%s is already signed with %s", a->out,
		    to_nsec3 ? "NSEC3" : "NSEC");
	*s = (struct switch_state){ .to_nsec3 = to_nsec3, .step = 1,
	    .optout = to_nsec3 ? (a->denial & DENIAL_OPTOUT) != 0 : (last & DENIAL_OPTOUT) != 0 };
	return REG_OK;
}

static const char switch_usage[] =
    "usage: zonegen switch -c CONFIG [-k KEYDIR] -i ZONEFILE -o SIGNEDFILE\n"
    "                      --to nsec | --to nsec3 [--opt-out]\n"
    "                      [--now YYYYMMDDHHMMSS] [--threads N] [-v]\n"
    "       zonegen switch -c CONFIG -o SIGNEDFILE --status\n"
    "\n"
    "Moves a signed zone between NSEC and NSEC3 in published steps (RFC 5155\n"
    "10.4: two to NSEC3, 10.5: three to NSEC), each a valid signed zone: run\n"
    "it once per step.\n"
    "A step is refused until the previous one has been out for the negative\n"
    "TTL plus zone.switch_delay; meanwhile `zonegen sign` re-signs at the\n"
    "current step. The state is kept in SIGNEDFILE.switch.\n";

void
switch_help(FILE *out)
{
	fputs(switch_usage, out);
}

static int
switch_status(const struct sign_args *a)
{
	struct switch_state s;
	struct reg_err err = { 0 };
	unsigned last;
	int rc = state_read(a->out, &s, &err);

	if (rc == REG_OK) {
		state_print(a->out, &s, a->now);
		return ZG_EXIT_OK;
	}
	if (rc != REG_ENOTFOUND) {
		log_warnx("%s", reg_err_text(&err));
		return ZG_EXIT_FAIL;
	}
	last = sign_last_denial(a->out);
	printf("%s: no switch in progress; signed with %s\n", a->out,
	    last == 0 ? "nothing known" : last & DENIAL_NSEC3 ?
	    (last & DENIAL_OPTOUT ? "NSEC3 opt-out" : "NSEC3") : "NSEC");
	return ZG_EXIT_OK;
}

/* Publishes the next step and records it. */
static int
switch_step(const struct reg_config *cfg, const struct sign_args *a, struct reg_err *err)
{
	struct switch_state s;
	struct sign_result res;
	int rc;

	if ((rc = switch_next(a, &s, err)) != REG_OK)
		return rc;
	if ((rc = sign_run(cfg, a, step_denial(&s, s.step), &res, err)) != REG_OK)
		return rc;
	printf("%s: step %d of %d published: %s\n", a->out, s.step, steps_count(&s),
	    steps_of(&s)[s.step - 1].what);
	if (s.step == steps_count(&s)) {
		state_remove(a->out);
		printf("%s: switch to %s complete\n", a->out, s.to_nsec3 ? "NSEC3" : "NSEC");
		return REG_OK;
	}
	s.published = a->now;
	s.wait = (int64_t)res.negative_ttl + cfg->zone.switch_delay;
	state_print(a->out, &s, a->now);
	return state_write(a->out, &s, err);
}

int
cmd_switch(int argc, char **argv)
{
	struct sign_args a;
	struct reg_config *cfg;
	struct reg_err err = { 0 };
	int rc = sign_args_parse(argc, argv, &a, true), lock;

	if (rc != 0 || (!a.status && strcmp(a.to, "nsec") != 0 && strcmp(a.to, "nsec3") != 0)) {
		switch_help(rc > 0 ? stdout : stderr);
		return rc > 0 ? ZG_EXIT_OK : ZG_EXIT_USAGE;
	}
	if (a.status)
		return switch_status(&a);
	if ((cfg = config_load(a.config, &err)) == NULL) {
		log_warnx("%s", reg_err_text(&err));
		return ZG_EXIT_FAIL;
	}
	/* One step at a time, and no `sign` between reading the state and
	 * recording the step. */
	if ((lock = output_lock(a.out, &err)) < 0)
		rc = REG_EIO;
	else
		rc = switch_step(cfg, &a, &err);
	if (lock >= 0)
		close(lock);
	if (rc != REG_OK)
		log_warnx("%s: switch: %s", a.out, reg_err_text(&err));
	config_free(cfg);
	return rc == REG_OK ? ZG_EXIT_OK : ZG_EXIT_FAIL;
}
