/*
 * cmd_contact_transfer.c: contact transfer (RFC 5733 3.1.3 and 3.2.4).
 *
 * Policy:
 *   - registry.contact_transfer = no (the default): request, approve,
 *     reject and cancel answer 2307 "Unimplemented object service" with
 *     the reason: the registry does not offer the service at all, for any
 *     contact, which is what 2307 says; 2306 would suggest that another
 *     value could pass. A query still answers for transfers recorded
 *     while the service was on.
 *   - A request needs the contact's authInfo (2003 without, 2202 when
 *     wrong), comes from another registrar than the sponsor (2106), and
 *     is refused while a transfer is pending (2300) or a status forbids
 *     it (2304). It answers 1001, puts pendingTransfer on the contact and
 *     queues a poll message for the sponsor, who approves or rejects
 *     within periods.transfer_pending; after that the registry approves
 *     it (lifecycle.c). The requester may cancel.
 *   - On approval the contact gets a fresh random authInfo, so that the
 *     losing registrar, who knew the old one, cannot pull it back; the new
 *     sponsor reads it with info or sets its own.
 *   - A query is answered to the sponsor, to both parties of the last
 *     transfer and to anyone with the authInfo (2201 otherwise); 2301
 *     when the contact has never been transferred.
 *   - Each step queues a poll message with the trnData for the other
 *     party.
 */
#include <string.h>

#include "eppd.h"
#include "password.h"
#include "status.h"
#include "util.h"

static const char kind[] = "contact";
static const char pending_status[] = "pendingTransfer";
static const char st_pending[] = "pending";

/* Statuses that forbid a transfer request (RFC 5733 2.2). */
static const char *const request_blockers[] = {
	"clientTransferProhibited", "serverTransferProhibited", "pendingDelete",
	"pendingCreate", "pendingUpdate",
};

static int
service_offered(struct epp_cmd *c)
{
	if (c->env->cfg->registry.contact_transfer)
		return EPP_OK;
	return epp_fail(c, EPP_UNIMPL_SERVICE, NULL,
	    "this registry does not offer contact transfer");
}

static bool
has_status(struct epp_cmd *c, const struct reg_contact *ct, const char *name)
{
	return store_status_has(c->env->st, kind, ct->id, name);
}

/* The client who acts on the transfer in its current state. */
static const char *
acting_client(const struct reg_transfer *t)
{
	return strcmp(t->state, "clientCancelled") == 0 ? t->gaining : t->losing;
}

/* <contact:trnData> in the response; returns it for the poll payload. */
static xmlNodePtr
trn_answer(struct epp_cmd *c, const struct reg_contact *ct, const struct reg_transfer *t)
{
	xmlNodePtr r = epp_resdata(c, NS_CONTACT, "trnData");

	xml_add(r, "id", ct->handle);
	xml_add(r, "trStatus", t->state);
	xml_add(r, "reID", t->gaining);
	xml_add_time(r, "reDate", t->requested);
	xml_add(r, "acID", acting_client(t));
	xml_add_time(r, "acDate", t->acted);
	return r;
}

/* Queues msg with trn (a response element) as payload for registrar id. */
static int
trn_notify(struct epp_cmd *c, int64_t registrar_id, const char *msg, xmlNodePtr trn)
{
	xmlBufferPtr b = xmlBufferCreate();
	char *payload;

	xmlNodeDump(b, trn->doc, trn, 0, 0);
	payload = arena_strdup(c->a, (const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	return epp_poll_add(c, registrar_id, msg, payload);
}

/* The contact and its pending transfer: 2301 when none is pending. */
static int
pending_load(struct epp_cmd *c, struct reg_contact *ct, struct reg_transfer *t)
{
	int rc;

	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = service_offered(c)) != EPP_OK ||
	    (rc = contact_lookup(c, ct)) != EPP_OK)
		return rc;
	rc = store_transfer_get(c->env->st, c->a, kind, ct->id, t);
	if (rc != REG_OK && rc != REG_ENOTFOUND)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "cannot read the transfer");
	if (rc == REG_ENOTFOUND || strcmp(t->state, st_pending) != 0)
		return epp_fail(c, EPP_NOT_PENDING_TRANSFER, xml_child(c->obj, "id"),
		    "no transfer of contact %s is pending", ct->handle);
	return EPP_OK;
}

/* Records the end of a pending transfer in `state` and drops the status. */
static int
trn_close(struct epp_cmd *c, const struct reg_contact *ct, struct reg_transfer *t,
    const char *state)
{
	struct reg_err err = { 0 };
	int rc;

	t->state = (char *)state;
	t->acted = c->env->now;
	if ((rc = store_transfer_put(c->env->st, t)) == REG_OK)
		rc = status_clear(c->env->st, kind, ct->id, pending_status, &err);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	return epp_history(c, kind, ct->roid, ct->handle, state);
}

/* Common end of approve, reject and cancel: answer and notify. */
static int
trn_done(struct epp_cmd *c, const struct reg_contact *ct, const struct reg_transfer *t,
    int64_t notify, const char *msg)
{
	xmlNodePtr trn = trn_answer(c, ct, t);
	int rc;

	if ((rc = trn_notify(c, notify, msg, trn)) != EPP_OK)
		return rc;
	return epp_ok(c, EPP_OK);
}

/* --- query -------------------------------------------------------------------- */

static int
query_allowed(struct epp_cmd *c, const struct reg_contact *ct, const struct reg_transfer *t)
{
	int64_t me = c->client->registrar_id;
	const char *pw;

	if (me == ct->sponsor_id || me == t->gaining_id || me == t->losing_id)
		return EPP_OK;
	if ((pw = contact_authinfo_given(c)) == NULL)
		return epp_fail(c, EPP_AUTHORIZATION, NULL,
		    "only the parties of the transfer or a holder of the authInfo may query it");
	if (!store_authinfo_check(c->env->st, ct->roid, pw))
		return epp_fail(c, EPP_INVALID_AUTHINFO, NULL,
		    "authInfo does not match");
	return EPP_OK;
}

int
cmd_contact_transfer_query(struct epp_cmd *c)
{
	struct reg_contact ct;
	struct reg_transfer t;
	int rc;

	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = contact_lookup(c, &ct)) != EPP_OK)
		return rc;
	rc = store_transfer_get(c->env->st, c->a, kind, ct.id, &t);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_PENDING_TRANSFER, xml_child(c->obj, "id"),
		    "contact %s has no transfer", ct.handle);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "cannot read the transfer");
	if ((rc = query_allowed(c, &ct, &t)) != EPP_OK)
		return rc;
	trn_answer(c, &ct, &t);
	return epp_ok(c, EPP_OK);
}

/* --- request ------------------------------------------------------------------- */

static int
request_allowed(struct epp_cmd *c, const struct reg_contact *ct)
{
	const char *pw = contact_authinfo_given(c);

	if (ct->sponsor_id == c->client->registrar_id)
		return epp_fail(c, EPP_NOT_TRANSFERABLE, xml_child(c->obj, "id"),
		    "contact %s is already yours", ct->handle);
	if (has_status(c, ct, pending_status))
		return epp_fail(c, EPP_PENDING_TRANSFER, NULL, "a transfer is already pending");
	for (size_t i = 0; i < nitems(request_blockers); i++)
		if (has_status(c, ct, request_blockers[i]))
			return epp_fail(c, EPP_STATUS_PROHIBITS, NULL,
			    "the contact has status %s", request_blockers[i]);
	if (pw == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "a transfer request needs the authInfo");
	if (!store_authinfo_check(c->env->st, ct->roid, pw))
		return epp_fail(c, EPP_INVALID_AUTHINFO, NULL,
		    "authInfo does not match");
	return EPP_OK;
}

int
cmd_contact_transfer_request(struct epp_cmd *c)
{
	struct reg_status pending = { .status = (char *)pending_status };
	struct reg_err err = { 0 };
	struct reg_contact ct;
	struct reg_transfer t;
	xmlNodePtr trn;
	int rc;

	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = service_offered(c)) != EPP_OK ||
	    (rc = contact_lookup(c, &ct)) != EPP_OK || (rc = request_allowed(c, &ct)) != EPP_OK)
		return rc;
	t = (struct reg_transfer){ .kind = (char *)kind, .object_id = ct.id,
	    .state = (char *)st_pending, .gaining_id = c->client->registrar_id,
	    .losing_id = ct.sponsor_id, .gaining = (char *)c->client->clid,
	    .losing = ct.sponsor, .requested = c->env->now,
	    .acted = c->env->now + c->env->cfg->periods.transfer_pending };
	if ((rc = store_transfer_put(c->env->st, &t)) == REG_OK)
		rc = status_set(c->env->st, kind, ct.id, &pending, &err);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	if ((rc = epp_history(c, kind, ct.roid, ct.handle, "requested")) != EPP_OK)
		return rc;
	trn = trn_answer(c, &ct, &t);
	if ((rc = trn_notify(c, ct.sponsor_id, "Transfer requested.", trn)) != EPP_OK)
		return rc;
	return epp_ok(c, EPP_OK_PENDING);
}

/* --- approve, reject, cancel --------------------------------------------------- */

int
contact_transfer_move(struct epp_env *env, struct reg_contact *ct, int64_t gaining_id,
    struct reg_err *err)
{
	char pw[PASSWORD_MAX_LEN + 1];
	int rc;

	ct->sponsor_id = gaining_id;
	ct->transferred = env->now;
	if ((rc = password_random(pw, sizeof(pw))) == REG_OK &&
	    (rc = store_contact_update(env->st, ct, err)) == REG_OK)
		rc = store_authinfo_set(env->st, ct->roid, pw);
	return rc;
}

/* The contact moves to the gaining registrar with a fresh authInfo. */
static int
move_contact(struct epp_cmd *c, struct reg_contact *ct, const struct reg_transfer *t)
{
	struct reg_err err = { 0 };
	int rc;

	if ((rc = contact_transfer_move(c->env, ct, t->gaining_id, &err)) != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	return EPP_OK;
}

int
cmd_contact_transfer_approve(struct epp_cmd *c)
{
	struct reg_contact ct;
	struct reg_transfer t;
	int rc;

	if ((rc = pending_load(c, &ct, &t)) != EPP_OK ||
	    (rc = epp_require_sponsor(c, ct.sponsor_id, xml_child(c->obj, "id"))) != EPP_OK ||
	    (rc = move_contact(c, &ct, &t)) != EPP_OK ||
	    (rc = trn_close(c, &ct, &t, "clientApproved")) != EPP_OK)
		return rc;
	return trn_done(c, &ct, &t, t.gaining_id, "Transfer approved.");
}

int
cmd_contact_transfer_reject(struct epp_cmd *c)
{
	struct reg_contact ct;
	struct reg_transfer t;
	int rc;

	if ((rc = pending_load(c, &ct, &t)) != EPP_OK ||
	    (rc = epp_require_sponsor(c, ct.sponsor_id, xml_child(c->obj, "id"))) != EPP_OK ||
	    (rc = trn_close(c, &ct, &t, "clientRejected")) != EPP_OK)
		return rc;
	return trn_done(c, &ct, &t, t.gaining_id, "Transfer rejected.");
}

int
cmd_contact_transfer_cancel(struct epp_cmd *c)
{
	struct reg_contact ct;
	struct reg_transfer t;
	int rc;

	if ((rc = pending_load(c, &ct, &t)) != EPP_OK)
		return rc;
	if (t.gaining_id != c->client->registrar_id)
		return epp_fail(c, EPP_AUTHORIZATION, xml_child(c->obj, "id"),
		    "only the registrar that requested the transfer can cancel it");
	if ((rc = trn_close(c, &ct, &t, "clientCancelled")) != EPP_OK)
		return rc;
	return trn_done(c, &ct, &t, t.losing_id, "Transfer cancelled.");
}
