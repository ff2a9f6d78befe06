/*
 * domain.c: domains in a deposit (RFC 9022 5.1): name, ROID, the U-label
 * of an IDN with its table, statuses, RGP state and grace periods,
 * registrant and contacts, name servers, dates, DNSSEC (RFC 5910) and
 * the transfer record.
 *
 * The RGP states and grace periods carry, in the rgpStatus text, what
 * RFC 9022 has no element for and a restore needs to serve EPP as before
 * (escrow.h): "ends <dateTime> years <n>" for a grace period,
 * "deleted <dateTime>" for a domain in redemption.
 */
#include <stdio.h>
#include <string.h>

#include "escrow.h"
#include "util.h"

static void
rgp_status(struct xw *x, const char *s, const char *text)
{
	xw_start(x, NS_RDE_DOMAIN, "rgpStatus");
	xw_attr(x, "s", s);
	xw_string(x, text);
	xw_end(x);
}

static void
rgp_write(struct deposit_ctx *dc, const struct escrow_domain *o)
{
	char t[REG_TIME_LEN];
	const char *text;

	if (o->d.rgp != NULL) {
		text = o->d.deleted == 0 ? NULL : arena_printf(dc->a, RGP_TEXT_DELETED " %s",
		    time_format(o->d.deleted, t));
		rgp_status(dc->xw, o->d.rgp, text);
	}
	for (int i = 0; i < o->ngrace; i++) {
		const struct reg_grace *g = &o->grace[i];

		rgp_status(dc->xw, g->period, arena_printf(dc->a, RGP_TEXT_ENDS " %s "
		    RGP_TEXT_YEARS " %d", time_format(g->ends, t), g->years));
	}
}

static void
contacts_write(struct xw *x, const struct reg_domain *d)
{
	xw_text(x, NS_RDE_DOMAIN, "registrant", d->registrant);
	for (int i = 0; i < d->ncontact; i++) {
		xw_start(x, NS_RDE_DOMAIN, "contact");
		xw_attr(x, "type", d->contact[i].type);
		xw_string(x, d->contact[i].handle);
		xw_end(x);
	}
}

static void
ns_write(struct xw *x, const struct reg_domain *d)
{
	if (d->nns == 0)
		return;
	xw_start(x, NS_RDE_DOMAIN, "ns");
	for (int i = 0; i < d->nns; i++)
		xw_text(x, NS_DOMAIN, "hostObj", d->ns[i]);
	xw_end(x);
}

static void
ds_write(struct xw *x, const struct reg_ds *ds)
{
	xw_start(x, NS_SECDNS, "dsData");
	xw_int(x, NS_SECDNS, "keyTag", ds->key_tag);
	xw_int(x, NS_SECDNS, "alg", ds->alg);
	xw_int(x, NS_SECDNS, "digestType", ds->digest_type);
	xw_text(x, NS_SECDNS, "digest", ds->digest);
	if (ds->has_key) {
		xw_start(x, NS_SECDNS, "keyData");
		xw_int(x, NS_SECDNS, "flags", ds->key_flags);
		xw_int(x, NS_SECDNS, "protocol", ds->key_protocol);
		xw_int(x, NS_SECDNS, "alg", ds->key_alg);
		xw_text(x, NS_SECDNS, "pubKey", ds->key_pub);
		xw_end(x);
	}
	xw_end(x);
}

/* secDNS:dsOrKeyType needs at least one dsData: without DS data there is
 * nothing to write (eppd shows no maxSigLife then either). */
static void
secdns_write(struct xw *x, const struct reg_domain *d)
{
	if (d->nds == 0)
		return;
	xw_start(x, NS_RDE_DOMAIN, "secDNS");
	if (d->max_sig_life != 0)
		xw_int(x, NS_SECDNS, "maxSigLife", d->max_sig_life);
	for (int i = 0; i < d->nds; i++)
		ds_write(x, &d->ds[i]);
	xw_end(x);
}

static void
domain_write(struct deposit_ctx *dc, const struct escrow_domain *o)
{
	const struct reg_domain *d = &o->d;
	struct xw *x = dc->xw;
	const enum escrow_ns ns = NS_RDE_DOMAIN;

	xw_start(x, ns, "domain");
	xw_text(x, ns, "name", d->name);
	xw_text(x, ns, "roid", d->roid);
	if (d->uname != NULL) {
		xw_text(x, ns, "uName", d->uname);
		xw_text(x, ns, "idnTableId", dc->idn_id);
	}
	objects_statuses(x, ns, &d->statuses);
	rgp_write(dc, o);
	contacts_write(x, d);
	ns_write(x, d);
	objects_owners(x, ns, d->sponsor, d->creator, d->created, d->updater, d->updated,
	    d->expires);
	secdns_write(x, d);
	xw_time(x, ns, "trDate", d->transferred);
	objects_transfer(x, ns, &o->tr);
	objects_done(dc, COUNT_DOMAIN);
}

static int
domain_next(struct deposit_ctx *dc, struct escrow_cursor *c)
{
	struct escrow_domain o;
	int rc = store_escrow_next_domain(c, dc->a, &o);

	if (rc == REG_OK)
		domain_write(dc, &o);
	return rc;
}

int
objects_domains(struct deposit_ctx *dc)
{
	return objects_walk(dc, ESCROW_DOMAIN, domain_next);
}
