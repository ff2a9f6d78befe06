/*
 * cmd_domain_renew.c: <domain:renew> (RFC 5731 3.2.3).
 *
 * curExpDate must be the date of the current expiry (2306 otherwise: it
 * keeps a repeated command from renewing twice), the new expiry may lie
 * at most periods.max_years ahead (2306), and the renewal is charged and
 * refundable within the renew grace period.
 */
#include <string.h>

#include "domain.h"
#include "util.h"

#define DATE_LEN 10		/* "YYYY-MM-DD" */

struct dom_renew {
	struct reg_domain d;
	int years;
	int64_t expires;	/* the new expiry */
};

static int
renew_cur_exp(struct epp_cmd *c, const struct reg_domain *d)
{
	xmlNodePtr n = xml_child(c->obj, "curExpDate");
	const char *given = xml_text(c->a, n);
	char buf[REG_TIME_LEN];

	if (given == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "curExpDate missing");
	time_format(d->expires, buf);
	if (strlen(given) != DATE_LEN || strncmp(given, buf, DATE_LEN) != 0)
		return epp_fail(c, EPP_PARAM_POLICY, n, "the current expiry date is %.*s",
		    DATE_LEN, buf);
	return 0;
}

int
cmd_domain_renew_check(struct epp_cmd *c)
{
	struct dom_renew *r = arena_alloc(c->a, sizeof(*r));
	xmlNodePtr period = xml_child(c->obj, "period");
	int rc;

	c->data = r;
	if ((rc = dom_ext_only(c, 0)) != 0 || (rc = dom_load(c, &r->d)) != 0 ||
	    (rc = dom_sponsor(c, &r->d)) != 0 ||
	    (rc = dom_status_allows(c, &r->d, DOM_RENEW)) != 0 ||
	    (rc = renew_cur_exp(c, &r->d)) != 0 ||
	    (rc = dom_period(c, period, &r->years)) != 0)
		return rc;
	r->expires = dom_add_years(r->d.expires, r->years);
	if ((rc = dom_max_expiry(c, r->expires, period)) != 0)
		return rc;
	return EPP_OK;
}

int
cmd_domain_renew(struct epp_cmd *c)
{
	struct dom_renew *r = c->data;
	struct reg_domain *d = &r->d;
	int64_t me = c->client->registrar_id, paid;
	struct reg_err err = { 0 };
	xmlNodePtr ren;
	int rc;

	if ((rc = bill_charge(c->env, me, BILL_RENEW, r->years, d->name, c->svtrid, &paid,
	    &err)) != REG_OK)
		return dom_store_fail(c, rc, &err);
	d->expires = r->expires;
	d->updater_id = me;
	d->updated = c->env->now;
	if ((rc = store_domain_update(c->env->st, d, &err)) != REG_OK ||
	    (rc = bill_grace_start(c->env, d->id, GRACE_RENEW, me, paid, r->years)) != REG_OK)
		return dom_store_fail(c, rc, &err);
	ren = epp_resdata(c, NS_DOMAIN, "renData");
	xml_add(ren, "name", d->name);
	xml_add_time(ren, "exDate", d->expires);
	return dom_done(c, d, arena_printf(c->a, "%d years", r->years), EPP_OK);
}
