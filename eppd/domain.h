/*
 * domain.h: private to the domain files of eppd: the commands
 * (cmd_domain*.c), the secDNS and rgp extensions (ext_secdns.c,
 * ext_rgp.c), billing (billing.c) and the registry clock (lifecycle.c).
 *
 * Registry policy, stated once here:
 *
 *   - names: name_domain_check(); reserved names answer 2302 (the
 *     registry holds them), blocked names 2306 (policy forbids them);
 *     outside our zones or the IDN table: 2306 with the reason;
 *   - name servers are host objects (hostAttr is refused with 2102), at
 *     most DOMAIN_MAX_NS, each must exist (2303); contacts and the
 *     registrant must exist (2303), any registrar's contacts may be
 *     named, a registrant is required (2003); authInfo is a password of
 *     AUTHINFO_MIN to AUTHINFO_MAX characters (2306);
 *   - info shows everything to the sponsor and to a client giving the
 *     right authInfo (a wrong one: 2202), to others the public fields
 *     only (no registrant, contacts or authInfo);
 *   - periods are whole years, periods.min_years to periods.max_years
 *     (2004), and an expiry never lies more than max_years ahead (2306);
 *   - a domain with subordinate hosts cannot be deleted (2305); a delete
 *     in the add grace period refunds and frees the name at once, later
 *     ones refund the renew, auto-renew and transfer grace periods
 *     (RFC 3915) and start redemption (1001);
 *   - a transfer needs the domain's authInfo (or the registrant's, by
 *     roid), is refused (2106) while the add grace period or the transfer
 *     grace period of the last transfer runs, is charged at request and
 *     refunded what it paid when rejected or cancelled, and is approved by the
 *     registry after periods.transfer_pending; approved in the auto-renew
 *     grace period, it refunds the auto-renewal to the losing registrar;
 *   - at expiry the registry renews for a year and charges the sponsor;
 *     with serverRenewProhibited, or when the sponsor cannot pay, the
 *     domain goes into redemption instead (delete prohibitions do not
 *     stop the registry's own expiry);
 *   - secDNS: the dsData interface only (keyData interface: 2306),
 *     at most DOMAIN_MAX_DS records, digest lengths checked by type;
 *   - rgp: a restore request moves redemptionPeriod to pendingRestore
 *     (charged prices.restore); a report restores the domain; without a
 *     report within RGP_RESTORE_WAIT the domain goes back to
 *     redemptionPeriod.
 */
#ifndef EPPD_DOMAIN_H
#define EPPD_DOMAIN_H

#include "eppd.h"
#include "name.h"

#define DOMAIN_MAX_NS 13	/* name servers per domain */
#define DOMAIN_MAX_DS 8		/* DS records per domain */
#define AUTHINFO_MIN 6		/* characters of a domain password */
#define AUTHINFO_MAX 64
#define MONTHS_PER_YEAR 12
#define DAY_SECONDS 86400
#define RGP_RESTORE_WAIT (7 * DAY_SECONDS)	/* pendingRestore awaits a report */

#define KIND_DOMAIN "domain"
#define ST_INACTIVE "inactive"
#define ST_PENDING_DELETE "pendingDelete"
#define ST_PENDING_TRANSFER "pendingTransfer"

#define RGP_REDEMPTION "redemptionPeriod"
#define RGP_PENDING_RESTORE "pendingRestore"
#define RGP_PENDING_DELETE "pendingDelete"

#define GRACE_ADD "addPeriod"
#define GRACE_RENEW "renewPeriod"
#define GRACE_AUTORENEW "autoRenewPeriod"
#define GRACE_TRANSFER "transferPeriod"

/* The transforms whose status rules live here (RFC 5731 2.3); update and
 * delete use cmd_status.c with hosts and contacts. */
enum dom_op { DOM_RENEW, DOM_TRANSFER };

/* --- domain_util.c: helpers of every domain command --------------------- */

/* The name in element n through the name policy; on failure the error
 * response is set and its code returned. */
int dom_name(struct epp_cmd *c, xmlNodePtr n, struct name_parts *out);
/* Reads the domain named by c->obj's <domain:name> into d (arena c->a):
 * 2303 when there is none. */
int dom_load(struct epp_cmd *c, struct reg_domain *d);
/* The error response for a failed store call (2400 unless the code maps
 * to something more precise). */
int dom_store_fail(struct epp_cmd *c, int rc, const struct reg_err *err);

bool dom_has_status(const struct reg_domain *d, const char *status);
/* 2304 when a status of d forbids op (client* and server* prohibitions,
 * pendingDelete, pendingTransfer; 2300 for a transfer of a domain pending
 * transfer), else 0. */
int dom_status_allows(struct epp_cmd *c, const struct reg_domain *d, enum dom_op op);
/* 2201 unless the client sponsors d. */
int dom_sponsor(struct epp_cmd *c, const struct reg_domain *d);

/* A <domain:period> (NULL: periods.default_years) as whole years within
 * periods.min_years .. max_years. */
int dom_period(struct epp_cmd *c, xmlNodePtr period, int *years);
/* 2306 when `expires` lies more than periods.max_years after now. */
int dom_max_expiry(struct epp_cmd *c, int64_t expires, xmlNodePtr value);
int64_t dom_add_years(int64_t t, int years);

/* 2103 for an element under <extension> whose namespace is not one of
 * ns_mask (1 << NS_*): the extensions this command takes. */
int dom_ext_only(struct epp_cmd *c, unsigned ns_mask);
/* The command's extension element ns:name, or NULL. */
xmlNodePtr dom_ext(struct epp_cmd *c, int ns, const char *name);
/* Whether the client announced extension ns at login. */
bool dom_client_ext(const struct epp_cmd *c, int ns);

/* Keeps "inactive" (no name servers) and "ok" true for domain id. */
int dom_sync_status(struct store *, int64_t id, int nns, struct reg_err *err);
/* Whether pw is the authInfo of d, or of its registrant when roid names
 * the registrant (RFC 5731 roid attribute). */
bool dom_authinfo_matches(struct epp_cmd *c, const struct reg_domain *d,
    xmlNodePtr authinfo);

/* The password of a <domain:authInfo> (create, chg): 2102 for <ext>,
 * 2306 for <null/> or a length out of policy. */
int dom_authinfo_parse(struct epp_cmd *c, xmlNodePtr auth, const char **pw);
/* Queues a poll message; payload is one XML element (or NULL). */
int dom_poll(struct epp_env *env, int64_t registrar_id, const char *msg,
    const char *payload);
/* A response element as standalone XML text for a poll payload: a new
 * element ns:elem that fill() completes. */
char *dom_payload(struct arena *, int ns, const char *elem,
    void (*fill)(xmlNodePtr, const void *), const void *arg);
/* Records the command's history entry for d and sets the success code. */
int dom_done(struct epp_cmd *c, const struct reg_domain *d, const char *detail, int code);
/* A history entry by the registry itself (lifecycle events). */
int dom_history_registry(struct epp_env *env, const struct reg_domain *d,
    const char *command, const char *detail);

/* --- domain_refs.c: the objects a domain refers to ---------------------- */

struct dom_hosts {
	int n;
	int64_t *id;
	char **name;
};

/* The hosts of a <domain:ns> element (NULL: none): 2102 for hostAttr,
 * 2303 for an unknown host, 2306 for a duplicate or more than
 * DOMAIN_MAX_NS. */
int dom_ns_parse(struct epp_cmd *c, xmlNodePtr ns, struct dom_hosts *out);
/* The contact whose handle is element n's text: 2303 when unknown. */
int dom_contact_id(struct epp_cmd *c, xmlNodePtr n, int64_t *id);
/* The <domain:contact> children of parent (NULL: none): 2003 without a
 * type, 2303 unknown, 2306 duplicate. */
int dom_contacts_parse(struct epp_cmd *c, xmlNodePtr parent,
    struct reg_domain_contact **out, int *n);
/* Index of (type, id) in v, or -1. */
int dom_contact_find(const struct reg_domain_contact *v, int n, const char *type,
    int64_t id);

/* --- cmd_domain_transfer.c: shared with lifecycle.c --------------------- */

/* Fills a <domain:trnData> element for domain `name` from transfer t. */
struct dom_trn {
	const char *name;
	const struct reg_transfer *t;
};
void dom_trn_fill(xmlNodePtr trn, const void *dom_trn);
/* Ends the pending transfer t of d in `state` (clientApproved,
 * serverApproved, clientRejected, clientCancelled, serverCancelled):
 * approval moves the domain and its subordinate hosts to the gaining
 * registrar, extends the expiry and starts the transfer grace period;
 * otherwise the gaining registrar gets its money back. Either way the
 * pendingTransfer status goes, the record is kept and the poll messages
 * are queued. t is updated. */
int dom_transfer_end(struct epp_env *env, struct arena *a, struct reg_domain *d,
    struct reg_transfer *t, const char *state, const char *svtrid,
    struct reg_err *err);

/* --- cmd_domain_delete.c: shared with lifecycle.c ----------------------- */

/* Starts the redemption grace period: rgp redemptionPeriod, status
 * pendingDelete, deleted = now. */
int dom_redemption_start(struct epp_env *env, struct reg_domain *d,
    struct reg_err *err);

/* --- billing.c ------------------------------------------------------------ */

enum bill_op { BILL_CREATE, BILL_RENEW, BILL_AUTORENEW, BILL_TRANSFER, BILL_RESTORE };

/* The price table ([prices], minor units per year; restore once). */
int64_t bill_price(const struct reg_config *, enum bill_op, int years);
/* Debits registrar_id the price of op for `domain` into *amount;
 * REG_EFUNDS (nothing changes) when balance plus credit cannot pay. */
int bill_charge(struct epp_env *env, int64_t registrar_id, enum bill_op op, int years,
    const char *domain, const char *svtrid, int64_t *amount, struct reg_err *err);
/* Credits amount back, with `why` in the ledger. Zero amounts are skipped. */
int bill_refund(struct epp_env *env, int64_t registrar_id, int64_t amount,
    const char *why, const char *domain, const char *svtrid, struct reg_err *err);
/* Starts grace period `period` (GRACE_*) on d for what registrar_id paid. */
int bill_grace_start(struct epp_env *env, int64_t domain_id, const char *period,
    int64_t registrar_id, int64_t amount, int years);
/* RFC 3915 refunds for a delete of d by its sponsor: every running grace
 * period the sponsor paid for is credited and ended. *in_add tells whether
 * the add grace period ran (the domain then goes at once); *years_back is
 * the number of renewed years refunded, to take off the expiry. */
int bill_delete_refunds(struct epp_env *env, struct arena *a, const struct reg_domain *d,
    const char *svtrid, bool *in_add, int *years_back, struct reg_err *err);
/* A transfer approved in the auto-renew grace period: the losing
 * registrar gets the auto-renewal back; *years_back as above. */
int bill_autorenew_undo(struct epp_env *env, struct arena *a, const struct reg_domain *d,
    const char *svtrid, int *years_back, struct reg_err *err);
/* The grace periods running on d (for rgpStatus); n may be 0. */
int bill_grace_running(struct epp_env *env, struct arena *a, int64_t domain_id,
    struct reg_grace **out, int *n);

/* --- ext_secdns.c (RFC 5910) ---------------------------------------------- */

/* What a <secDNS:create> or <secDNS:update> asks for. */
struct secdns_change {
	bool present;		/* the extension was given */
	bool rem_all;
	int nrem, nadd;
	struct reg_ds *rem, *add;
	bool set_msl;		/* maxSigLife given */
	int64_t max_sig_life;
};

/* Parses <secDNS:create> (absent: ch->present false). */
int secdns_parse_create(struct epp_cmd *c, struct secdns_change *ch);
/* Parses <secDNS:update>. */
int secdns_parse_update(struct epp_cmd *c, struct secdns_change *ch);
/* Applies ch to d->ds and d->max_sig_life (rem, then add; RFC 5910
 * 5.2.5) and checks the result (2306): removed records must be there,
 * added ones must be new, at most DOMAIN_MAX_DS. */
int secdns_apply(struct epp_cmd *c, const struct secdns_change *ch, struct reg_domain *d);
/* <secDNS:infData> in an info response, when d has DS data. */
void secdns_info(struct epp_cmd *c, const struct reg_domain *d);

/* --- ext_rgp.c (RFC 3915) ------------------------------------------------- */

struct rgp_restore {
	bool report;		/* op="report" */
	xmlNodePtr node;	/* <rgp:restore> */
};

/* The restore of a <domain:update>: NULL when there is no <rgp:update>. */
int rgp_parse(struct epp_cmd *c, struct rgp_restore **out);
/* check/exec of a restore (d loaded and sponsored by the client). */
int rgp_restore_check(struct epp_cmd *c, const struct reg_domain *d,
    const struct rgp_restore *r);
int rgp_restore_exec(struct epp_cmd *c, struct reg_domain *d, const struct rgp_restore *r);
/* <rgp:infData> in an info response when d is in a grace or RGP period. */
void rgp_info(struct epp_cmd *c, const struct reg_domain *d);

#endif
