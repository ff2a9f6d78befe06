/*
 * lifecycle.c: the registry clock's housekeeping, run by the writer.
 *
 * lifecycle_run() acts on everything due at env->now, in this order:
 *
 *   transfer pending for periods.transfer_pending  -> serverApproved
 *   domain expired                                 -> auto-renewed a year,
 *        charged, autoRenewPeriod; when serverRenewProhibited is set or
 *        the sponsor cannot pay: redemptionPeriod (RFC 3915 2, step 3)
 *   pendingRestore without report for RGP_RESTORE_WAIT -> redemptionPeriod
 *   redemptionPeriod for periods.redemption        -> pendingDelete
 *   pendingDelete for periods.pending_delete       -> purged: name free
 *
 * Every event runs in its own savepoint inside the caller's transaction:
 * an event that fails is rolled back alone and logged, and the others go
 * on. Each queues a poll message for the sponsor (transfers: both sides)
 * and writes a history entry by "registry". Grace periods need no event:
 * a period is running while its end lies after now (store_grace_list).
 * At most LIFECYCLE_BATCH events of each kind per run; the rest wait for
 * the next run.
 */
#include <string.h>

#include "domain.h"
#include "log.h"
#include "status.h"
#include "store_due.h"
#include "util.h"

#define LIFECYCLE_BATCH 500
#define KIND_CONTACT "contact"

/* One event on one domain; REG_OK or a REG_E* with err set. */
typedef int (*domain_event)(struct epp_env *, struct arena *, struct reg_domain *,
    struct reg_err *);

/* Runs ev on domain id in a savepoint; 1 if it happened, 0 if not. */
static int
run_event(struct epp_env *env, struct arena *a, int64_t id, const char *what,
    domain_event ev)
{
	struct reg_err err = { 0 };
	struct reg_domain d;
	int rc;

	if ((rc = store_savepoint(env->st)) != REG_OK)
		return rc;
	if ((rc = store_domain_get_by_id(env->st, a, id, &d)) == REG_OK)
		rc = ev(env, a, &d, &err);
	if (rc != REG_OK) {
		store_savepoint_rollback(env->st);
		log_warnx("lifecycle: %s of domain %lld failed: %s", what, (long long)id,
		    err.reason[0] ? err.reason : reg_strerror(rc));
		return 0;
	}
	return store_savepoint_release(env->st) == REG_OK ? 1 : 0;
}

static int
notify(struct epp_env *env, struct arena *a, const struct reg_domain *d,
    const char *command, const char *msg)
{
	int rc = dom_poll(env, d->sponsor_id, arena_printf(a, "%s: %s", msg, d->name), NULL);

	return rc == REG_OK ? dom_history_registry(env, d, command, msg) : rc;
}

/* --- expiry ----------------------------------------------------------------- */

static void
ren_fill(xmlNodePtr ren, const void *arg)
{
	const struct reg_domain *d = arg;

	xml_add(ren, "name", d->name);
	xml_add_time(ren, "exDate", d->expires);
}

/* Expired and not renewed: redemption, after cancelling a pending
 * transfer (the gaining registrar gets its money back). */
static int
expire(struct epp_env *env, struct arena *a, struct reg_domain *d, const char *why,
    struct reg_err *err)
{
	struct reg_transfer t;
	int rc;

	if (dom_has_status(d, ST_PENDING_TRANSFER) &&
	    store_transfer_get(env->st, a, KIND_DOMAIN, d->id, &t) == REG_OK &&
	    (rc = dom_transfer_end(env, a, d, &t, "serverCancelled", NULL, err)) != REG_OK)
		return rc;
	if ((rc = dom_redemption_start(env, d, err)) != REG_OK)
		return rc;
	return notify(env, a, d, "lifecycle expire",
	    arena_printf(a, "Expired, not renewed (%s); redemption period started", why));
}

static int
auto_renew(struct epp_env *env, struct arena *a, struct reg_domain *d, struct reg_err *err)
{
	int64_t paid;
	char *payload;
	int rc;

	if (dom_has_status(d, "serverRenewProhibited"))
		return expire(env, a, d, "serverRenewProhibited", err);
	rc = bill_charge(env, d->sponsor_id, BILL_AUTORENEW, 1, d->name, NULL, &paid, err);
	if (rc == REG_EFUNDS)
		return expire(env, a, d, "insufficient funds", err);
	if (rc != REG_OK)
		return rc;
	d->expires = dom_add_years(d->expires, 1);
	if ((rc = store_domain_update(env->st, d, err)) != REG_OK ||
	    (rc = bill_grace_start(env, d->id, GRACE_AUTORENEW, d->sponsor_id, paid, 1)) != REG_OK)
		return rc;
	payload = dom_payload(a, NS_DOMAIN, "renData", ren_fill, d);
	rc = dom_poll(env, d->sponsor_id, arena_printf(a, "Auto-renewed: %s", d->name), payload);
	return rc == REG_OK ? dom_history_registry(env, d, "lifecycle autoRenew", NULL) : rc;
}

/* --- redemption ------------------------------------------------------------------- */

static int
restore_lapsed(struct epp_env *env, struct arena *a, struct reg_domain *d, struct reg_err *err)
{
	int rc;

	d->rgp = RGP_REDEMPTION;
	d->updated = env->now;
	if ((rc = store_domain_update(env->st, d, err)) != REG_OK)
		return rc;
	return notify(env, a, d, "lifecycle restoreLapsed",
	    "No restore report received; back in redemption period");
}

static int
redemption_over(struct epp_env *env, struct arena *a, struct reg_domain *d, struct reg_err *err)
{
	int rc;

	d->rgp = RGP_PENDING_DELETE;
	d->updated = env->now;
	if ((rc = store_domain_update(env->st, d, err)) != REG_OK)
		return rc;
	return notify(env, a, d, "lifecycle pendingDelete",
	    "Redemption period over; pending delete");
}

static int
purge(struct epp_env *env, struct arena *a, struct reg_domain *d, struct reg_err *err)
{
	int rc;

	if ((rc = notify(env, a, d, "lifecycle purge", "Purged")) != REG_OK)
		return rc;
	return store_domain_delete(env->st, d->id, err);
}

/* --- transfers ---------------------------------------------------------------------- */

static int
domain_transfer_due(struct epp_env *env, struct arena *a, struct reg_domain *d,
    struct reg_err *err)
{
	struct reg_transfer t;
	int rc;

	if ((rc = store_transfer_get(env->st, a, KIND_DOMAIN, d->id, &t)) != REG_OK)
		return reg_fail(err, rc, "no transfer record");
	if ((rc = dom_transfer_end(env, a, d, &t, "serverApproved", NULL, err)) != REG_OK)
		return rc;
	return dom_history_registry(env, d, "lifecycle transfer", t.state);
}

static void
contact_trn_fill(xmlNodePtr trn, const void *arg)
{
	const struct dom_trn *x = arg;

	xml_add(trn, "id", x->name);
	xml_add(trn, "trStatus", x->t->state);
	xml_add(trn, "reID", x->t->gaining);
	xml_add_time(trn, "reDate", x->t->requested);
	xml_add(trn, "acID", x->t->losing);
	xml_add_time(trn, "acDate", x->t->acted);
}

/* A contact transfer nobody answered (cmd_contact_transfer.c policy):
 * the contact moves with a fresh authInfo; both sides are told. */
static int
contact_transfer_due(struct epp_env *env, struct arena *a, struct reg_transfer *t,
    struct reg_err *err)
{
	struct reg_contact ct;
	struct dom_trn shown;
	char *payload;
	int rc;

	if ((rc = store_contact_get_by_id(env->st, a, t->object_id, &ct)) != REG_OK)
		return reg_fail(err, rc, "contact %lld is gone", (long long)t->object_id);
	t->acted = env->now;
	t->state = "serverApproved";
	if ((rc = contact_transfer_move(env, &ct, t->gaining_id, err)) != REG_OK ||
	    (rc = store_transfer_put(env->st, t)) != REG_OK ||
	    (rc = status_clear(env->st, KIND_CONTACT, ct.id, ST_PENDING_TRANSFER, err)) != REG_OK)
		return rc;
	shown.name = ct.handle;
	shown.t = t;
	payload = dom_payload(a, NS_CONTACT, "trnData", contact_trn_fill, &shown);
	for (int i = 0; i < 2 && rc == REG_OK; i++)
		rc = dom_poll(env, i ? t->losing_id : t->gaining_id,
		    arena_printf(a, "Transfer approved by the registry: %s", ct.handle), payload);
	return rc;
}

static int
transfers_due(struct epp_env *env, struct arena *a)
{
	struct reg_err err = { 0 };
	struct reg_transfer *t;
	int n, done = 0, rc;

	if ((rc = store_transfer_due(env->st, a, env->now, &t, &n)) != REG_OK)
		return rc;
	for (int i = 0; i < n && i < LIFECYCLE_BATCH; i++) {
		if (strcmp(t[i].kind, KIND_DOMAIN) == 0) {
			done += run_event(env, a, t[i].object_id, "transfer", domain_transfer_due);
			continue;
		}
		if ((rc = store_savepoint(env->st)) != REG_OK)
			return rc;
		if ((rc = contact_transfer_due(env, a, &t[i], &err)) != REG_OK) {
			store_savepoint_rollback(env->st);
			log_warnx("lifecycle: transfer of contact %lld failed: %s",
			    (long long)t[i].object_id, reg_err_text(&err));
			continue;
		}
		done += store_savepoint_release(env->st) == REG_OK;
	}
	return done;
}

/* --- the run ---------------------------------------------------------------------- */

/* What to look for: domains in `rgp` whose state began `age` ago (NULL:
 * expired domains), and what to do with each. */
struct due {
	const char *what;
	const char *rgp;
	int64_t age;
	domain_event ev;
};

static int
domains_due(struct epp_env *env, struct arena *a, const struct due *due)
{
	int64_t *ids;
	int n, done = 0, rc;

	if (due->rgp == NULL)
		rc = store_domain_expired(env->st, a, env->now, LIFECYCLE_BATCH, &ids, &n);
	else
		rc = store_domain_rgp_due(env->st, a, due->rgp, env->now - due->age,
		    LIFECYCLE_BATCH, &ids, &n);
	if (rc != REG_OK)
		return rc;
	for (int i = 0; i < n; i++)
		done += run_event(env, a, ids[i], due->what, due->ev);
	return done;
}

int
lifecycle_run(struct epp_env *env)
{
	const struct reg_config *cfg = env->cfg;
	const struct due dues[] = {
		{ "auto-renew", NULL, 0, auto_renew },
		{ "restore lapse", RGP_PENDING_RESTORE, RGP_RESTORE_WAIT, restore_lapsed },
		{ "redemption end", RGP_REDEMPTION, cfg->periods.redemption, redemption_over },
		{ "purge", RGP_PENDING_DELETE, cfg->periods.pending_delete, purge },
	};
	struct arena *a = arena_new();
	int total, rc = REG_OK;

	total = transfers_due(env, a);
	for (size_t i = 0; i < nitems(dues) && total >= 0; i++) {
		arena_reset(a);
		if ((rc = domains_due(env, a, &dues[i])) < 0)
			total = rc;
		else
			total += rc;
	}
	arena_free(a);
	return total;
}
