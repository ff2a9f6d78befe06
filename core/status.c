/*
 * status.c: the status table of RFC 5731, 5732 and 5733 (section 2.3 of
 * each) and the helpers that change an object's statuses while keeping
 * the combination rules of those sections.
 */
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "util.h"

enum { K_DOMAIN = 1 << 0, K_HOST = 1 << 1, K_CONTACT = 1 << 2 };
#define K_ALL (K_DOMAIN | K_HOST | K_CONTACT)

/* The operation a pending* status is waiting for or a *Prohibited status
 * forbids; RFC 5731-5733 forbid pendingX together with *XProhibited. */
enum status_action { ACT_NONE, ACT_CREATE, ACT_DELETE, ACT_RENEW, ACT_TRANSFER, ACT_UPDATE };

struct status_def {
	const char *name;
	unsigned kinds;		/* K_* the status exists for */
	unsigned who;		/* STATUS_* */
	enum status_action act;
	bool pending;		/* a pending* status: at most one at a time */
};

static const struct status_def statuses[] = {
	{ "clientDeleteProhibited", K_ALL, STATUS_CLIENT, ACT_DELETE, false },
	{ "clientHold", K_DOMAIN, STATUS_CLIENT, ACT_NONE, false },
	{ "clientRenewProhibited", K_DOMAIN, STATUS_CLIENT, ACT_RENEW, false },
	{ "clientTransferProhibited", K_DOMAIN | K_CONTACT, STATUS_CLIENT, ACT_TRANSFER, false },
	{ "clientUpdateProhibited", K_ALL, STATUS_CLIENT, ACT_UPDATE, false },
	{ "inactive", K_DOMAIN, STATUS_SYSTEM, ACT_NONE, false },
	{ "linked", K_HOST | K_CONTACT, STATUS_SYSTEM | STATUS_WITH_OK, ACT_NONE, false },
	{ STATUS_OK, K_ALL, STATUS_SYSTEM | STATUS_WITH_OK, ACT_NONE, false },
	{ "pendingCreate", K_ALL, STATUS_SYSTEM, ACT_CREATE, true },
	{ "pendingDelete", K_ALL, STATUS_SYSTEM, ACT_DELETE, true },
	{ "pendingRenew", K_DOMAIN, STATUS_SYSTEM, ACT_RENEW, true },
	{ "pendingTransfer", K_ALL, STATUS_SYSTEM, ACT_TRANSFER, true },
	{ "pendingUpdate", K_ALL, STATUS_SYSTEM, ACT_UPDATE, true },
	{ "serverDeleteProhibited", K_ALL, STATUS_SERVER, ACT_DELETE, false },
	{ "serverHold", K_DOMAIN, STATUS_SERVER, ACT_NONE, false },
	{ "serverRenewProhibited", K_DOMAIN, STATUS_SERVER, ACT_RENEW, false },
	{ "serverTransferProhibited", K_DOMAIN | K_CONTACT, STATUS_SERVER, ACT_TRANSFER, false },
	{ "serverUpdateProhibited", K_ALL, STATUS_SERVER, ACT_UPDATE, false },
};

static unsigned
kind_bit(const char *kind)
{
	static const struct { const char *name; unsigned bit; } kinds[] = {
		{ "domain", K_DOMAIN }, { "host", K_HOST }, { "contact", K_CONTACT },
	};

	for (size_t i = 0; i < nitems(kinds); i++)
		if (strcmp(kinds[i].name, kind) == 0)
			return kinds[i].bit;
	return 0;
}

static const struct status_def *
status_find(const char *name)
{
	for (size_t i = 0; i < nitems(statuses); i++)
		if (strcmp(statuses[i].name, name) == 0)
			return &statuses[i];
	return NULL;
}

unsigned
status_flags(const char *kind, const char *name)
{
	const struct status_def *d = status_find(name);

	return d != NULL && (d->kinds & kind_bit(kind)) ? d->who : 0;
}

bool
status_client_settable(const char *kind, const char *name)
{
	return status_flags(kind, name) & STATUS_CLIENT;
}

bool
status_server_settable(const char *kind, const char *name)
{
	return status_flags(kind, name) & STATUS_SERVER;
}

const char *
status_names(const char *kind, unsigned who, char *buf, size_t size)
{
	size_t len = 0;

	if (size > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < nitems(statuses) && len < size; i++) {
		if ((status_flags(kind, statuses[i].name) & who) != who)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len ? ", " : "", statuses[i].name);
	}
	return buf;
}

static bool
defs_conflict(const struct status_def *a, const struct status_def *b)
{
	if (a->pending && b->pending)
		return true;
	if (a->pending == b->pending || a->act == ACT_NONE)
		return false;
	return a->act == b->act;
}

const char *
status_conflict(const struct reg_status_list *have, const char *name)
{
	const struct status_def *want = status_find(name), *d;

	if (want == NULL)
		return NULL;
	for (int i = 0; i < have->n; i++) {
		d = status_find(have->v[i].status);
		if (d != NULL && d != want && defs_conflict(d, want))
			return d->name;
	}
	return NULL;
}

bool
status_list_has(const struct reg_status_list *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].status, name) == 0)
			return true;
	return false;
}

/* The checks of status_set() that need the current list. */
static int
set_allowed(const struct reg_status_list *have, const char *kind, const char *name,
    struct reg_err *err)
{
	const char *clash;

	if (status_list_has(have, name))
		return reg_fail(err, REG_EEXISTS, "%s already has status %s", kind, name);
	if ((clash = status_conflict(have, name)) != NULL)
		return reg_fail(err, REG_ESTATUS, "status %s cannot be combined with %s",
		    name, clash);
	return REG_OK;
}

int
status_set(struct store *st, const char *kind, int64_t id,
    const struct reg_status *s, struct reg_err *err)
{
	struct arena *a;
	struct reg_status_list have;
	int rc;

	if (status_flags(kind, s->status) == 0 || strcmp(s->status, STATUS_OK) == 0)
		return reg_fail(err, REG_EINVAL, "%s is not a status that can be set on a %s",
		    s->status, kind);
	a = arena_new();
	rc = store_status_list(st, a, kind, id, &have);
	if (rc == REG_OK)
		rc = set_allowed(&have, kind, s->status, err);
	arena_free(a);
	if (rc == REG_OK && (rc = store_status_add(st, kind, id, s)) != REG_OK)
		return reg_fail(err, rc, "cannot add status %s", s->status);
	if (rc != REG_OK)
		return rc;
	return status_sync_ok(st, kind, id, err);
}

int
status_clear(struct store *st, const char *kind, int64_t id, const char *name,
    struct reg_err *err)
{
	int rc;

	if (strcmp(name, STATUS_OK) == 0)
		return reg_fail(err, REG_EINVAL, "status ok is managed by the server");
	if (!store_status_has(st, kind, id, name))
		return reg_fail(err, REG_ENOTFOUND, "%s does not have status %s", kind, name);
	if ((rc = store_status_remove(st, kind, id, name)) != REG_OK)
		return reg_fail(err, rc, "cannot remove status %s", name);
	return status_sync_ok(st, kind, id, err);
}

/* How many statuses of the list forbid "ok" alongside them. */
static int
count_without_ok(const char *kind, const struct reg_status_list *l)
{
	int n = 0;

	for (int i = 0; i < l->n; i++)
		if (!(status_flags(kind, l->v[i].status) & STATUS_WITH_OK))
			n++;
	return n;
}

int
status_sync_ok(struct store *st, const char *kind, int64_t id, struct reg_err *err)
{
	struct reg_status ok = { .status = STATUS_OK };
	struct reg_status_list have;
	struct arena *a = arena_new();
	bool has_ok, want_ok;
	int rc;

	if ((rc = store_status_list(st, a, kind, id, &have)) != REG_OK) {
		arena_free(a);
		return reg_fail(err, rc, "cannot read the statuses of the %s", kind);
	}
	has_ok = status_list_has(&have, STATUS_OK);
	want_ok = count_without_ok(kind, &have) == 0;
	arena_free(a);
	if (has_ok && !want_ok)
		rc = store_status_remove(st, kind, id, STATUS_OK);
	else if (!has_ok && want_ok)
		rc = store_status_add(st, kind, id, &ok);
	return rc == REG_OK ? REG_OK : reg_fail(err, rc, "cannot update status ok");
}
