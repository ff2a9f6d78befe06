/*
 * billing.c: what domain transforms cost and what grace-period deletes
 * give back (RFC 3915 3.1).
 *
 * Prices come from [prices] in the configuration, in minor units per
 * year (restore: per restore). Every debit and credit goes through
 * store_account_charge(), which writes the ledger and refuses a debit
 * that balance plus credit cannot cover (REG_EFUNDS, nothing changed).
 * What a registrar paid is remembered in the grace period it starts, so
 * a refund gives back exactly that amount even if prices changed since.
 */
#include <string.h>

#include "domain.h"
#include "util.h"

static const struct {
	const char *ledger;	/* the ledger's operation */
	size_t price;		/* offset of the price in struct reg_config */
	bool per_year;
} bill_ops[] = {
	[BILL_CREATE] = { "domain:create", offsetof(struct reg_config, prices.create), true },
	[BILL_RENEW] = { "domain:renew", offsetof(struct reg_config, prices.renew), true },
	[BILL_AUTORENEW] = { "domain:autoRenew", offsetof(struct reg_config, prices.renew), true },
	[BILL_TRANSFER] = { "domain:transfer", offsetof(struct reg_config, prices.transfer), true },
	[BILL_RESTORE] = { "domain:restore", offsetof(struct reg_config, prices.restore), false },
};

/* How long each grace period runs. */
static const struct {
	const char *period;
	size_t length;		/* offset in struct reg_config */
} grace_lengths[] = {
	{ GRACE_ADD, offsetof(struct reg_config, periods.add_grace) },
	{ GRACE_RENEW, offsetof(struct reg_config, periods.renew_grace) },
	{ GRACE_AUTORENEW, offsetof(struct reg_config, periods.autorenew_grace) },
	{ GRACE_TRANSFER, offsetof(struct reg_config, periods.transfer_grace) },
};

static int64_t
cfg_int(const struct reg_config *cfg, size_t offset)
{
	return *(const int64_t *)(const void *)((const char *)cfg + offset);
}

int64_t
bill_price(const struct reg_config *cfg, enum bill_op op, int years)
{
	int64_t price = cfg_int(cfg, bill_ops[op].price);

	return bill_ops[op].per_year ? price * years : price;
}

int
bill_charge(struct epp_env *env, int64_t registrar_id, enum bill_op op, int years,
    const char *domain, const char *svtrid, int64_t *amount, struct reg_err *err)
{
	*amount = bill_price(env->cfg, op, years);
	if (*amount == 0)
		return REG_OK;
	return store_account_charge(env->st, registrar_id, -*amount, bill_ops[op].ledger,
	    domain, svtrid, err);
}

int
bill_refund(struct epp_env *env, int64_t registrar_id, int64_t amount, const char *why,
    const char *domain, const char *svtrid, struct reg_err *err)
{
	if (amount == 0)
		return REG_OK;
	return store_account_charge(env->st, registrar_id, amount, why, domain, svtrid, err);
}

static int64_t
grace_length(const struct reg_config *cfg, const char *period)
{
	for (size_t i = 0; i < nitems(grace_lengths); i++)
		if (strcmp(grace_lengths[i].period, period) == 0)
			return cfg_int(cfg, grace_lengths[i].length);
	return 0;
}

/* Periods are keyed by their end: two in the same second end a second
 * apart, so that each keeps its own refund. */
#define GRACE_ADD_TRIES 8

int
bill_grace_start(struct epp_env *env, int64_t domain_id, const char *period,
    int64_t registrar_id, int64_t amount, int years)
{
	int64_t length = grace_length(env->cfg, period);
	struct reg_grace g = {
		.period = (char *)period, .registrar_id = registrar_id,
		.ends = env->now + length, .amount = amount, .years = years,
	};
	int rc = REG_OK;

	if (length <= 0)
		return REG_OK;
	for (int i = 0; i < GRACE_ADD_TRIES; i++, g.ends++)
		if ((rc = store_grace_add(env->st, domain_id, &g)) != REG_EEXISTS &&
		    rc != REG_ECONSTRAINT)
			break;
	return rc;
}

int
bill_grace_running(struct epp_env *env, struct arena *a, int64_t domain_id,
    struct reg_grace **out, int *n)
{
	return store_grace_list(env->st, a, domain_id, env->now, out, n);
}

/* The refund ledger entry of a period: "refund addPeriod". */
static int
grace_refund(struct epp_env *env, struct arena *a, const struct reg_grace *g,
    const char *domain, const char *svtrid, struct reg_err *err)
{
	return bill_refund(env, g->registrar_id, g->amount,
	    arena_printf(a, "refund %s", g->period), domain, svtrid, err);
}

static int
grace_end(struct store *st, int64_t domain_id, const char *period)
{
	int rc = store_grace_clear(st, domain_id, period);

	return rc == REG_ENOTFOUND ? REG_OK : rc;
}

int
bill_delete_refunds(struct epp_env *env, struct arena *a, const struct reg_domain *d,
    const char *svtrid, bool *in_add, int *years_back, struct reg_err *err)
{
	struct reg_grace *g;
	int n, rc;

	*in_add = false;
	*years_back = 0;
	if ((rc = bill_grace_running(env, a, d->id, &g, &n)) != REG_OK)
		return reg_fail(err, rc, "cannot read the grace periods");
	for (int i = 0; i < n; i++) {
		if (g[i].registrar_id != d->sponsor_id)
			continue;
		if ((rc = grace_refund(env, a, &g[i], d->name, svtrid, err)) != REG_OK)
			return rc;
		if (strcmp(g[i].period, GRACE_ADD) == 0)
			*in_add = true;
		else
			*years_back += g[i].years;
	}
	return grace_end(env->st, d->id, NULL);
}

int
bill_autorenew_undo(struct epp_env *env, struct arena *a, const struct reg_domain *d,
    const char *svtrid, int *years_back, struct reg_err *err)
{
	struct reg_grace *g;
	int n, rc;

	*years_back = 0;
	if ((rc = bill_grace_running(env, a, d->id, &g, &n)) != REG_OK)
		return reg_fail(err, rc, "cannot read the grace periods");
	for (int i = 0; i < n; i++) {
		if (strcmp(g[i].period, GRACE_AUTORENEW) != 0)
			continue;
		if ((rc = grace_refund(env, a, &g[i], d->name, svtrid, err)) != REG_OK)
			return rc;
		*years_back += g[i].years;
	}
	return grace_end(env->st, d->id, GRACE_AUTORENEW);
}
