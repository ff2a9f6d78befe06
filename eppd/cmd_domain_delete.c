/*
 * cmd_domain_delete.c: <domain:delete> (RFC 5731 3.2.2) with the
 * redemption grace period of RFC 3915.
 *
 * Within the add grace period the sponsor gets its money back and the
 * name is free at once (1000). Otherwise the refunds of the running
 * renew, auto-renew and transfer grace periods are given, the refunded
 * years come off the expiry, and the domain enters redemptionPeriod with
 * status pendingDelete (1001); lifecycle.c takes it from there. A domain
 * with subordinate hosts cannot be deleted (2305): delete them first.
 */
#include "domain.h"
#include "status.h"

int
cmd_domain_delete_check(struct epp_cmd *c)
{
	struct reg_domain *d = arena_alloc(c->a, sizeof(*d));
	struct reg_host *h;
	int n, rc;

	c->data = d;
	if ((rc = dom_ext_only(c, 0)) != 0 || (rc = dom_load(c, d)) != 0 ||
	    (rc = dom_sponsor(c, d)) != 0 ||
	    (rc = cmd_status_may_delete(c, &d->statuses)) != EPP_OK)
		return rc;
	if ((rc = store_host_list_by_domain(c->env->st, c->a, d->id, &h, &n)) != REG_OK)
		return dom_store_fail(c, rc, NULL);
	if (n > 0)
		return epp_fail(c, EPP_ASSOCIATION_PROHIBITS, NULL,
		    "domain %s has %d subordinate host%s (%s%s): delete them first",
		    d->name, n, n > 1 ? "s" : "", h[0].name, n > 1 ? ", ..." : "");
	return EPP_OK;
}

int
dom_redemption_start(struct epp_env *env, struct reg_domain *d, struct reg_err *err)
{
	struct reg_status pd = { .status = ST_PENDING_DELETE };
	int rc;

	d->rgp = RGP_REDEMPTION;
	d->deleted = d->updated = env->now;
	if ((rc = store_domain_update(env->st, d, err)) != REG_OK)
		return rc;
	/* The registry's own expiry is not stopped by delete prohibitions:
	 * add the status directly, then restore the ok rule. */
	if ((rc = store_status_add(env->st, KIND_DOMAIN, d->id, &pd)) != REG_OK &&
	    rc != REG_EEXISTS)
		return reg_fail(err, rc, "cannot set status pendingDelete");
	return status_sync_ok(env->st, KIND_DOMAIN, d->id, err);
}

int
cmd_domain_delete(struct epp_cmd *c)
{
	struct reg_domain *d = c->data;
	struct reg_err err = { 0 };
	int years_back, rc;
	bool in_add;

	rc = bill_delete_refunds(c->env, c->a, d, c->svtrid, &in_add, &years_back, &err);
	if (rc != REG_OK)
		return dom_store_fail(c, rc, &err);
	if (in_add) {
		if ((rc = store_domain_delete(c->env->st, d->id, &err)) != REG_OK)
			return dom_store_fail(c, rc, &err);
		return dom_done(c, d, "deleted in the add grace period", EPP_OK);
	}
	d->expires = dom_add_years(d->expires, -years_back);
	d->updater_id = c->client->registrar_id;
	if ((rc = dom_redemption_start(c->env, d, &err)) != REG_OK)
		return dom_store_fail(c, rc, &err);
	return dom_done(c, d, RGP_REDEMPTION, EPP_OK_PENDING);
}
