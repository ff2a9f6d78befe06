/*
 * ext_rgp.c: the registry grace period extension, rgp-1.0 (RFC 3915):
 * rgpStatus in domain info, and the restore of a domain in redemption.
 *
 * A restore request (op="request") of a domain in redemptionPeriod is
 * charged prices.restore and moves it to pendingRestore (RFC 3915 2,
 * step 5); the restore report (op="report") then restores it: the RGP
 * state and the pendingDelete status go, its other statuses stay. A
 * report sent straight from redemptionPeriod is a request with its
 * report (charged, restored at once). Without a report within
 * RGP_RESTORE_WAIT, lifecycle.c puts the domain back in redemption.
 */
#include <string.h>

#include "domain.h"
#include "status.h"
#include "util.h"

#define REPORT_STATEMENTS 2	/* RFC 3915 4.2.5: two client statements */

int
rgp_parse(struct epp_cmd *c, struct rgp_restore **out)
{
	xmlNodePtr el = dom_ext(c, NS_RGP, "update"), restore;
	struct rgp_restore *r;
	const char *op;

	*out = NULL;
	if (el == NULL)
		return 0;
	if ((restore = xml_child(el, "restore")) == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, el, "rgp:restore missing");
	op = xml_attr(c->a, restore, "op");
	r = arena_alloc(c->a, sizeof(*r));
	r->node = restore;
	r->report = op != NULL && strcmp(op, "report") == 0;
	if (r->report != (xml_child(restore, "report") != NULL))
		return epp_fail(c, r->report ? EPP_MISSING_PARAM : EPP_PARAM_POLICY, restore,
		    r->report ? "op=\"report\" needs an rgp:report" :
		    "op=\"request\" must not carry an rgp:report");
	*out = r;
	return 0;
}

/* The report's contents (RFC 3915 4.2.5): both times, two statements. */
static int
report_check(struct epp_cmd *c, xmlNodePtr report)
{
	static const char *const times[] = { "delTime", "resTime" };
	xmlNodePtr n;
	int statements = 0;

	for (size_t i = 0; i < nitems(times); i++)
		if (time_parse(xml_child_text(c->a, report, times[i])) < 0)
			return epp_fail(c, EPP_PARAM_SYNTAX, xml_child(report, times[i]),
			    "%s is not a date and time", times[i]);
	for (n = xml_child(report, "statement"); n != NULL; n = xml_next_same(n))
		statements++;
	if (statements != REPORT_STATEMENTS)
		return epp_fail(c, EPP_MISSING_PARAM, report,
		    "a restore report needs %d statements", REPORT_STATEMENTS);
	return 0;
}

static bool
rgp_is(const struct reg_domain *d, const char *state)
{
	return d->rgp != NULL && strcmp(d->rgp, state) == 0;
}

int
rgp_restore_check(struct epp_cmd *c, const struct reg_domain *d, const struct rgp_restore *r)
{
	if (rgp_is(d, RGP_REDEMPTION) || (r->report && rgp_is(d, RGP_PENDING_RESTORE)))
		return r->report ? report_check(c, xml_child(r->node, "report")) : 0;
	if (d->rgp == NULL)
		return epp_fail(c, EPP_STATUS_PROHIBITS, NULL,
		    "domain %s is not in redemptionPeriod", d->name);
	return epp_fail(c, EPP_STATUS_PROHIBITS, NULL, "domain %s is in %s", d->name, d->rgp);
}

/* The domain back to what it was before the delete. */
static int
restore_finish(struct epp_env *env, struct reg_domain *d, struct reg_err *err)
{
	int rc;

	d->rgp = NULL;
	d->deleted = 0;
	if ((rc = store_domain_update(env->st, d, err)) != REG_OK)
		return rc;
	rc = store_status_remove(env->st, KIND_DOMAIN, d->id, ST_PENDING_DELETE);
	if (rc != REG_OK && rc != REG_ENOTFOUND)
		return reg_fail(err, rc, "cannot remove status pendingDelete");
	return dom_sync_status(env->st, d->id, d->nns, err);
}

/* The history keeps the report's reason and statements. */
static const char *
report_detail(struct epp_cmd *c, const struct rgp_restore *r)
{
	xmlNodePtr rep = xml_child(r->node, "report");
	xmlNodePtr st = xml_child(rep, "statement");

	return arena_printf(c->a, "restore report: %s | %s | %s",
	    xml_child_text(c->a, rep, "resReason"), xml_text(c->a, st),
	    xml_text(c->a, xml_next_same(st)));
}

int
rgp_restore_exec(struct epp_cmd *c, struct reg_domain *d, const struct rgp_restore *r)
{
	struct reg_err err = { 0 };
	int64_t paid;
	int rc = REG_OK;
	xmlNodePtr up;

	if (rgp_is(d, RGP_REDEMPTION))
		rc = bill_charge(c->env, d->sponsor_id, BILL_RESTORE, 1, d->name, c->svtrid,
		    &paid, &err);
	if (rc != REG_OK)
		return dom_store_fail(c, rc, &err);
	d->updater_id = c->client->registrar_id;
	d->updated = c->env->now;
	if (r->report)
		rc = restore_finish(c->env, d, &err);
	else {
		d->rgp = RGP_PENDING_RESTORE;
		rc = store_domain_update(c->env->st, d, &err);
	}
	if (rc != REG_OK)
		return dom_store_fail(c, rc, &err);
	if (r->report)
		return dom_done(c, d, report_detail(c, r), EPP_OK);
	up = epp_extdata(c, NS_RGP, "upData");
	xmlSetProp(xml_add(up, "rgpStatus", NULL), BAD_CAST "s", BAD_CAST RGP_PENDING_RESTORE);
	return dom_done(c, d, "restore request", EPP_OK);
}

/* --- info ------------------------------------------------------------------------ */

static void
rgp_status(xmlNodePtr *inf, struct epp_cmd *c, const char *s)
{
	if (*inf == NULL)
		*inf = epp_extdata(c, NS_RGP, "infData");
	xmlSetProp(xml_add(*inf, "rgpStatus", NULL), BAD_CAST "s", BAD_CAST s);
}

void
rgp_info(struct epp_cmd *c, const struct reg_domain *d)
{
	xmlNodePtr inf = NULL;
	struct reg_grace *g;
	int n;

	if (!dom_client_ext(c, NS_RGP))
		return;
	if (d->rgp != NULL)
		rgp_status(&inf, c, d->rgp);
	if (bill_grace_running(c->env, c->a, d->id, &g, &n) != REG_OK)
		return;
	for (int i = 0, j; i < n; i++) {
		for (j = 0; j < i && strcmp(g[j].period, g[i].period) != 0; j++)
			;
		if (j == i)
			rgp_status(&inf, c, g[i].period);
	}
}
