/*
 * cmd_domain_transfer.c: <domain:transfer> op="query|request|approve|
 * reject|cancel" (RFC 5731 3.1.3, 3.2.4).
 *
 * A request comes from another registrar with the domain's authInfo; it
 * is charged at once (transfer price times the years added), puts the
 * domain in pendingTransfer and tells the losing registrar by poll. The
 * losing registrar approves or rejects, the gaining one may cancel, and
 * the registry approves by itself after periods.transfer_pending
 * (lifecycle.c). A rejected or cancelled transfer is refunded what was
 * paid at the request (kept privately, store_transfer_paid_*), and an
 * approved one starts its grace period with that amount, even if the
 * price changed while it was pending. An
 * approval during the auto-renew grace period gives the losing registrar
 * the auto-renewal back and takes that year off before the transfer adds
 * its own. Not transferable (2106): to the sponsor itself, or while the
 * add grace period or the previous transfer's grace period runs.
 */
#include <string.h>

#include "domain.h"
#include "status.h"
#include "util.h"

#define TR_PENDING "pending"

/* --- trnData and poll messages ---------------------------------------------- */

void
dom_trn_fill(xmlNodePtr trn, const void *arg)
{
	const struct dom_trn *x = arg;
	const struct reg_transfer *t = x->t;

	xml_add(trn, "name", x->name);
	xml_add(trn, "trStatus", t->state);
	xml_add(trn, "reID", t->gaining);
	xml_add_time(trn, "reDate", t->requested);
	/* RFC 5731 3.1.3: who acts on a pending request, else who acted. */
	xml_add(trn, "acID", strcmp(t->state, "clientCancelled") == 0 ? t->gaining : t->losing);
	xml_add_time(trn, "acDate", t->acted);
	if (t->expires != 0)
		xml_add_time(trn, "exDate", t->expires);
}

/* The trnData answer; a transform also records its history entry. */
static int
trn_response(struct epp_cmd *c, const struct reg_domain *d, const struct reg_transfer *t,
    int code, bool transform)
{
	struct dom_trn x = { d->name, t };

	dom_trn_fill(epp_resdata(c, NS_DOMAIN, "trnData"), &x);
	return transform ? dom_done(c, d, t->state, code) : epp_ok(c, code);
}

/* Who hears of each outcome, and what. */
static const struct {
	const char *state;
	bool gaining, losing;
	const char *msg;
} trn_news[] = {
	{ TR_PENDING, false, true, "Transfer requested" },
	{ "clientApproved", true, false, "Transfer approved" },
	{ "clientRejected", true, false, "Transfer rejected" },
	{ "clientCancelled", false, true, "Transfer cancelled" },
	{ "serverApproved", true, true, "Transfer approved by the registry" },
	{ "serverCancelled", true, true, "Transfer cancelled by the registry" },
};

static int
trn_poll(struct epp_env *env, struct arena *a, const struct reg_domain *d,
    const struct reg_transfer *t)
{
	struct dom_trn x = { d->name, t };
	char *payload, *msg;
	int rc = REG_OK;

	for (size_t i = 0; i < nitems(trn_news); i++) {
		if (strcmp(trn_news[i].state, t->state) != 0)
			continue;
		payload = dom_payload(a, NS_DOMAIN, "trnData", dom_trn_fill, &x);
		msg = arena_printf(a, "%s: %s", trn_news[i].msg, d->name);
		if (trn_news[i].gaining)
			rc = dom_poll(env, t->gaining_id, msg, payload);
		if (rc == REG_OK && trn_news[i].losing)
			rc = dom_poll(env, t->losing_id, msg, payload);
	}
	return rc;
}

/* --- ending a transfer (shared with lifecycle.c) ---------------------------- */

/* What the gaining registrar paid at the request: kept since then, or for
 * a transfer requested before the registry kept it, today's price. */
static int
trn_paid(struct epp_env *env, const struct reg_domain *d, const struct reg_transfer *t,
    int64_t *paid, struct reg_err *err)
{
	int rc = store_transfer_paid_take(env->st, d->id, paid);

	if (rc == REG_ENOTFOUND)
		*paid = bill_price(env->cfg, BILL_TRANSFER, t->years);
	else if (rc != REG_OK)
		return reg_fail(err, rc, "cannot read what the transfer was paid");
	return REG_OK;
}

/* Moves sponsorship of d and its subordinate hosts to the gaining side,
 * which paid `paid` for it. */
static int
trn_move(struct epp_env *env, struct arena *a, struct reg_domain *d,
    struct reg_transfer *t, int64_t paid, const char *svtrid, struct reg_err *err)
{
	struct reg_host *h;
	int years_back, n, rc;

	if ((rc = bill_autorenew_undo(env, a, d, svtrid, &years_back, err)) != REG_OK)
		return rc;
	if ((rc = store_grace_clear(env->st, d->id, NULL)) != REG_OK && rc != REG_ENOTFOUND)
		return reg_fail(err, rc, "cannot end the grace periods");
	d->expires = dom_add_years(dom_add_years(d->expires, -years_back), t->years);
	t->expires = d->expires;
	d->sponsor_id = t->gaining_id;
	d->transferred = env->now;
	if ((rc = store_domain_update(env->st, d, err)) != REG_OK)
		return rc;
	if ((rc = store_host_list_by_domain(env->st, a, d->id, &h, &n)) != REG_OK)
		return reg_fail(err, rc, "cannot read the subordinate hosts");
	for (int i = 0; i < n && rc == REG_OK; i++) {
		h[i].sponsor_id = t->gaining_id;
		h[i].transferred = env->now;
		rc = store_host_update(env->st, &h[i], err);
	}
	if (rc != REG_OK)
		return rc;
	return bill_grace_start(env, d->id, GRACE_TRANSFER, t->gaining_id, paid, t->years);
}

int
dom_transfer_end(struct epp_env *env, struct arena *a, struct reg_domain *d,
    struct reg_transfer *t, const char *state, const char *svtrid, struct reg_err *err)
{
	bool approved = strstr(state, "Approved") != NULL;
	int64_t paid;
	int rc;

	t->state = (char *)state;
	t->acted = env->now;
	if ((rc = trn_paid(env, d, t, &paid, err)) != REG_OK)
		return rc;
	if (approved)
		rc = trn_move(env, a, d, t, paid, svtrid, err);
	else
		rc = bill_refund(env, t->gaining_id, paid, "refund domain:transfer", d->name,
		    svtrid, err);
	if (rc != REG_OK)
		return rc;
	if (!approved)
		t->expires = 0;
	rc = store_status_remove(env->st, KIND_DOMAIN, d->id, ST_PENDING_TRANSFER);
	if ((rc != REG_OK && rc != REG_ENOTFOUND) ||
	    (rc = status_sync_ok(env->st, KIND_DOMAIN, d->id, err)) != REG_OK ||
	    (rc = store_transfer_put(env->st, t)) != REG_OK)
		return reg_fail(err, rc, "cannot record the transfer");
	return trn_poll(env, a, d, t);
}

/* --- the commands ------------------------------------------------------------- */

/* The transfer record of d: 2301 when none, or none pending if `pending`. */
static int
trn_get(struct epp_cmd *c, const struct reg_domain *d, struct reg_transfer *t, bool pending)
{
	int rc = store_transfer_get(c->env->st, c->a, KIND_DOMAIN, d->id, t);

	if (rc != REG_OK && rc != REG_ENOTFOUND)
		return dom_store_fail(c, rc, NULL);
	if (rc == REG_ENOTFOUND || (pending && strcmp(t->state, TR_PENDING) != 0))
		return epp_fail(c, EPP_NOT_PENDING_TRANSFER, NULL,
		    "domain %s has no pending transfer", d->name);
	return 0;
}

int
cmd_domain_transfer_query(struct epp_cmd *c)
{
	xmlNodePtr auth = xml_child(c->obj, "authInfo");
	int64_t me = c->client->registrar_id;
	struct reg_transfer t;
	struct reg_domain d;
	int rc;

	if ((rc = dom_ext_only(c, 0)) != 0 || (rc = dom_load(c, &d)) != 0)
		return rc;
	if (d.sponsor_id != me && auth != NULL && !dom_authinfo_matches(c, &d, auth))
		return epp_fail(c, EPP_INVALID_AUTHINFO, NULL, "wrong authInfo for %s", d.name);
	if ((rc = trn_get(c, &d, &t, false)) != 0)
		return rc;
	if (d.sponsor_id != me && t.gaining_id != me && t.losing_id != me && auth == NULL)
		return epp_fail(c, EPP_AUTHORIZATION, NULL,
		    "only the parties of a transfer may query it");
	return trn_response(c, &d, &t, EPP_OK, false);
}

/* Everything a request must pass before it changes anything. */
static int
request_check(struct epp_cmd *c, const struct reg_domain *d, int *years)
{
	const struct reg_config *cfg = c->env->cfg;
	xmlNodePtr auth = xml_child(c->obj, "authInfo");
	xmlNodePtr period = xml_child(c->obj, "period");
	int64_t now = c->env->now;
	int rc;

	if (d->sponsor_id == c->client->registrar_id)
		return epp_fail(c, EPP_NOT_TRANSFERABLE, NULL, "you already sponsor %s", d->name);
	if (auth == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "a transfer request needs authInfo");
	if (!dom_authinfo_matches(c, d, auth))
		return epp_fail(c, EPP_INVALID_AUTHINFO, NULL, "wrong authInfo for %s", d->name);
	if ((rc = dom_status_allows(c, d, DOM_TRANSFER)) != 0)
		return rc;
	if (now < d->created + cfg->periods.add_grace ||
	    (d->transferred != 0 && now < d->transferred + cfg->periods.transfer_grace))
		return epp_fail(c, EPP_NOT_TRANSFERABLE, NULL,
		    "%s was registered or transferred too recently", d->name);
	if ((rc = dom_period(c, period, years)) != 0)
		return rc;
	return dom_max_expiry(c, dom_add_years(d->expires, *years), period);
}

static int
request_write(struct epp_cmd *c, struct reg_domain *d, struct reg_transfer *t)
{
	struct reg_status pt = { .status = ST_PENDING_TRANSFER };
	struct reg_err err = { 0 };
	int64_t paid;
	int rc;

	rc = bill_charge(c->env, t->gaining_id, BILL_TRANSFER, t->years, d->name, c->svtrid,
	    &paid, &err);
	if (rc == REG_OK && ((rc = store_transfer_put(c->env->st, t)) != REG_OK ||
	    (rc = store_transfer_paid_set(c->env->st, d->id, paid)) != REG_OK))
		reg_fail(&err, rc, "cannot record the transfer");
	if (rc == REG_OK)
		rc = status_set(c->env->st, KIND_DOMAIN, d->id, &pt, &err);
	if (rc == REG_OK)
		rc = trn_poll(c->env, c->a, d, t);
	return rc == REG_OK ? 0 : dom_store_fail(c, rc, &err);
}

int
cmd_domain_transfer_request(struct epp_cmd *c)
{
	struct reg_transfer t = { .kind = KIND_DOMAIN, .state = TR_PENDING };
	struct reg_domain d;
	int rc;

	if ((rc = dom_ext_only(c, 0)) != 0 || (rc = dom_load(c, &d)) != 0 ||
	    (rc = request_check(c, &d, &t.years)) != 0)
		return rc;
	t.object_id = d.id;
	t.gaining_id = c->client->registrar_id;
	t.gaining = (char *)c->client->clid;
	t.losing_id = d.sponsor_id;
	t.losing = d.sponsor;
	t.requested = c->env->now;
	t.acted = c->env->now + c->env->cfg->periods.transfer_pending;
	t.expires = dom_add_years(d.expires, t.years);
	if ((rc = request_write(c, &d, &t)) != 0)
		return rc;
	return trn_response(c, &d, &t, EPP_OK_PENDING, true);
}

/* approve, reject (the sponsor) and cancel (the gaining registrar). */
static int
transfer_answer(struct epp_cmd *c, const char *state, bool by_gaining)
{
	struct reg_err err = { 0 };
	struct reg_transfer t;
	struct reg_domain d;
	int rc;

	if ((rc = dom_ext_only(c, 0)) != 0 || (rc = dom_load(c, &d)) != 0 ||
	    (rc = trn_get(c, &d, &t, true)) != 0)
		return rc;
	if ((by_gaining ? t.gaining_id : d.sponsor_id) != c->client->registrar_id)
		return epp_fail(c, EPP_AUTHORIZATION, NULL, "only the %s registrar may %s",
		    by_gaining ? "gaining" : "sponsoring", by_gaining ? "cancel" : "answer");
	rc = dom_transfer_end(c->env, c->a, &d, &t, state, c->svtrid, &err);
	if (rc != REG_OK)
		return dom_store_fail(c, rc, &err);
	return trn_response(c, &d, &t, EPP_OK, true);
}

int
cmd_domain_transfer_approve(struct epp_cmd *c)
{
	return transfer_answer(c, "clientApproved", false);
}

int
cmd_domain_transfer_reject(struct epp_cmd *c)
{
	return transfer_answer(c, "clientRejected", false);
}

int
cmd_domain_transfer_cancel(struct epp_cmd *c)
{
	return transfer_answer(c, "clientCancelled", true);
}
