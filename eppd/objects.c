/*
 * objects.c: what every object family's handlers share: the history
 * entry of a transform, poll messages for registrars, and the sponsor
 * check. Each returns EPP_OK or sets the error response.
 */
#include "eppd.h"

#define ACTOR_REGISTRY "registry"

int
epp_history(struct epp_cmd *c, const char *kind, const char *roid,
    const char *name, const char *detail)
{
	struct reg_history h = {
		.ts = c->env->now,
		.actor = (char *)(c->client->registrar_id ? c->client->clid : ACTOR_REGISTRY),
		.kind = (char *)kind,
		.roid = (char *)roid,
		.name = (char *)name,
		.command = (char *)(c->def ? c->def->name : "command"),
		.cltrid = (char *)c->cltrid,
		.svtrid = (char *)c->svtrid,
		.detail = (char *)detail,
	};
	int rc = store_history_add(c->env->st, &h);

	if (rc != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "cannot record history: %s", reg_strerror(rc));
	c->nhistory++;
	return EPP_OK;
}

int
epp_poll_add(struct epp_cmd *c, int64_t registrar_id, const char *msg,
    const char *payload)
{
	int rc = store_poll_add(c->env->st, registrar_id, c->env->now, msg, payload);

	if (rc != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "cannot queue a poll message: %s",
		    reg_strerror(rc));
	return EPP_OK;
}

int
epp_require_sponsor(struct epp_cmd *c, int64_t sponsor_id, xmlNodePtr value)
{
	if (sponsor_id == c->client->registrar_id)
		return EPP_OK;
	return epp_fail(c, EPP_AUTHORIZATION, value,
	    "the object is sponsored by another registrar");
}
