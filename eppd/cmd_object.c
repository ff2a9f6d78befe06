/*
 * cmd_object.c: what the host and contact commands share: statuses, the
 * refusal of extensions that do not apply, and the size of a <check>.
 *
 * The status table and the "ok" rule live in core/status.c; this file
 * reads the <add>/<rem> status lists of an update, decides whether the
 * object's statuses allow the update or delete (RFC 5731-5733 section
 * 2.3), applies the change and writes the statuses of an <info> answer.
 * Statuses a client may not set, duplicates and removals of a status the
 * object lacks are refused with 2306 and the status in <extValue>; a
 * status that forbids the operation answers 2304.
 */
#include <string.h>

#include "eppd.h"
#include "status.h"
#include "util.h"

#define STATUS_NAMES_BUF 256

/* Statuses that stop any update or delete: the server's own locks and the
 * pending actions (RFC 5730 section 2.9: a pending object waits). */
static const char *const update_blockers[] = {
	"serverUpdateProhibited", "pendingDelete", "pendingTransfer", "pendingUpdate",
	"pendingCreate",
};
static const char *const delete_blockers[] = {
	"clientDeleteProhibited", "serverDeleteProhibited", "pendingDelete",
	"pendingTransfer", "pendingUpdate", "pendingCreate",
};
static const char client_update_lock[] = "clientUpdateProhibited";

static int
count_children(xmlNodePtr parent)
{
	int n = 0;

	for (xmlNodePtr s = parent ? xml_child(parent, "status") : NULL; s; s = xml_next_same(s))
		n++;
	return n;
}

/* A status a registrar may add or remove on this kind of object. */
static int
check_settable(struct epp_cmd *c, const char *kind, xmlNodePtr n, const char *s)
{
	char names[STATUS_NAMES_BUF];

	if (s != NULL && status_client_settable(kind, s))
		return EPP_OK;
	return epp_fail(c, EPP_PARAM_POLICY, n,
	    "status %s is not one a registrar can set on a %s; use one of: %s",
	    s ? s : "(none)", kind, status_names(kind, STATUS_CLIENT, names, sizeof(names)));
}

static int
parse_add(struct epp_cmd *c, const char *kind, xmlNodePtr add,
    const struct reg_status_list *have, struct status_change *out)
{
	const char *clash;
	int rc;

	for (xmlNodePtr n = add ? xml_child(add, "status") : NULL; n; n = xml_next_same(n)) {
		struct reg_status *s = &out->add[out->nadd];
		struct reg_status_list sofar = { out->nadd, out->add };

		s->status = (char *)xml_attr(c->a, n, "s");
		if ((rc = check_settable(c, kind, n, s->status)) != EPP_OK)
			return rc;
		if (status_list_has(have, s->status) || status_list_has(&sofar, s->status))
			return epp_fail(c, EPP_PARAM_POLICY, n, "the %s already has status %s",
			    kind, s->status);
		if ((clash = status_conflict(have, s->status)) != NULL)
			return epp_fail(c, EPP_STATUS_PROHIBITS, n,
			    "status %s cannot be combined with %s", s->status, clash);
		s->lang = (char *)xml_attr(c->a, n, "lang");
		s->reason = (char *)xml_text(c->a, n);
		if (s->reason != NULL && *s->reason == '\0')
			s->reason = NULL;
		out->nadd++;
	}
	return EPP_OK;
}

static int
parse_rem(struct epp_cmd *c, const char *kind, xmlNodePtr rem,
    const struct reg_status_list *have, struct status_change *out)
{
	int rc;

	for (xmlNodePtr n = rem ? xml_child(rem, "status") : NULL; n; n = xml_next_same(n)) {
		const char *s = xml_attr(c->a, n, "s");

		if ((rc = check_settable(c, kind, n, s)) != EPP_OK)
			return rc;
		if (!status_list_has(have, s))
			return epp_fail(c, EPP_PARAM_POLICY, n, "the %s does not have status %s",
			    kind, s);
		for (int i = 0; i < out->nrem; i++)
			if (strcmp(out->rem[i], s) == 0)
				return epp_fail(c, EPP_PARAM_POLICY, n,
				    "status %s is removed twice", s);
		out->rem[out->nrem++] = s;
	}
	return EPP_OK;
}

int
cmd_status_parse(struct epp_cmd *c, const char *kind, xmlNodePtr add, xmlNodePtr rem,
    const struct reg_status_list *have, struct status_change *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->add = arena_alloc(c->a, sizeof(*out->add) * (size_t)(count_children(add) + 1));
	out->rem = arena_alloc(c->a, sizeof(*out->rem) * (size_t)(count_children(rem) + 1));
	if ((rc = parse_rem(c, kind, rem, have, out)) != EPP_OK)
		return rc;
	return parse_add(c, kind, add, have, out);
}

/* The first of names[] that the list holds, or NULL. */
static const char *
first_of(const struct reg_status_list *have, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (status_list_has(have, names[i]))
			return names[i];
	return NULL;
}

static bool
removes(const struct status_change *ch, const char *name)
{
	for (int i = 0; ch != NULL && i < ch->nrem; i++)
		if (strcmp(ch->rem[i], name) == 0)
			return true;
	return false;
}

int
cmd_status_may_update(struct epp_cmd *c, const struct reg_status_list *have,
    const struct status_change *ch, bool only_statuses)
{
	const char *s = first_of(have, update_blockers, nitems(update_blockers));

	if (s != NULL)
		return epp_fail(c, EPP_STATUS_PROHIBITS, NULL, "the object has status %s", s);
	if (!status_list_has(have, client_update_lock))
		return EPP_OK;
	/* RFC 5731-5733 2.3: no update "other than to remove this status". */
	if (removes(ch, client_update_lock) && only_statuses)
		return EPP_OK;
	return epp_fail(c, EPP_STATUS_PROHIBITS, NULL,
	    "the object has status %s; remove it first, in an update that changes "
	    "only statuses", client_update_lock);
}

int
cmd_status_may_delete(struct epp_cmd *c, const struct reg_status_list *have)
{
	const char *s = first_of(have, delete_blockers, nitems(delete_blockers));

	if (s == NULL)
		return EPP_OK;
	return epp_fail(c, EPP_STATUS_PROHIBITS, NULL, "the object has status %s", s);
}

int
cmd_status_apply(struct epp_cmd *c, const char *kind, int64_t id,
    const struct status_change *ch)
{
	struct reg_err err = { 0 };
	int rc = REG_OK;

	for (int i = 0; i < ch->nrem && rc == REG_OK; i++)
		rc = status_clear(c->env->st, kind, id, ch->rem[i], &err);
	for (int i = 0; i < ch->nadd && rc == REG_OK; i++)
		rc = status_set(c->env->st, kind, id, &ch->add[i], &err);
	if (rc == REG_OK)
		return EPP_OK;
	return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
}

static void
show_one(xmlNodePtr parent, const char *name, const char *lang, const char *reason)
{
	xmlNodePtr n = xml_add(parent, "status", reason);

	xmlSetProp(n, BAD_CAST "s", BAD_CAST name);
	if (lang != NULL)
		xmlSetProp(n, BAD_CAST "lang", BAD_CAST lang);
}

void
cmd_status_show(xmlNodePtr parent, const char *kind, const struct reg_status_list *have,
    bool linked)
{
	static const char linked_name[] = "linked";
	bool ok = true;

	for (int i = 0; i < have->n; i++) {
		const struct reg_status *s = &have->v[i];

		if (strcmp(s->status, STATUS_OK) == 0 || strcmp(s->status, linked_name) == 0)
			continue;
		if (!(status_flags(kind, s->status) & STATUS_WITH_OK))
			ok = false;
		show_one(parent, s->status, s->lang, s->reason);
	}
	if (linked)
		show_one(parent, linked_name, NULL, NULL);
	if (ok)
		show_one(parent, STATUS_OK, NULL, NULL);
}

/* --- extensions and checks ----------------------------------------------------- */

int
cmd_no_extension(struct epp_cmd *c)
{
	for (xmlNodePtr e = c->ext ? c->ext->children : NULL; e != NULL; e = e->next)
		if (e->type == XML_ELEMENT_NODE)
			return epp_fail(c, EPP_UNIMPL_EXTENSION, NULL,
			    "extension %s does not apply to %s",
			    e->ns ? (const char *)e->ns->href : "(none)", c->def->name);
	return EPP_OK;
}

int
cmd_check_limit(struct epp_cmd *c, xmlNodePtr first)
{
	int n = 0;

	for (xmlNodePtr x = first; x != NULL; x = xml_next_same(x))
		if (++n > EPP_CHECK_MAX)
			return epp_fail(c, EPP_PARAM_POLICY, x, "at most %d per check",
			    EPP_CHECK_MAX);
	return EPP_OK;
}
