/*
 * domain.c: registry-side statuses of domains.
 *
 *   regctl domain status set NAME STATUS [--reason TEXT]
 *   regctl domain status clear NAME STATUS
 *   regctl domain lock NAME / unlock NAME
 *
 * Only server* statuses (core/status.c) may be set here; client* ones
 * belong to the sponsoring registrar. The registry lock is the three
 * server*Prohibited statuses that stop update, delete and transfer.
 * status_set() and status_clear() keep "ok" right (RFC 5731 2.3).
 */
#include <stdio.h>
#include <string.h>

#include "regctl.h"
#include "status.h"
#include "util.h"

#define KIND "domain"
#define LOCK_REASON "registry lock"

struct domain_args {
	char *reason;
	char *name;		/* filled by check: the A-label */
};

static const char *const lock_statuses[] = {
	"serverUpdateProhibited", "serverDeleteProhibited", "serverTransferProhibited",
};

static int
check_name(struct regctl *rc, void *args)
{
	struct domain_args *a = args;

	return regctl_lookup_name(rc, rc->pos[0], &a->name);
}

static int
check_status(struct regctl *rc, void *args)
{
	const char *status = rc->pos[1];
	char names[512];

	if (status_server_settable(KIND, status))
		return check_name(rc, args);
	status_names(KIND, STATUS_SERVER, names, sizeof(names));
	if (status_flags(KIND, status) == 0)
		return regctl_fail(rc, REG_EINVAL, "'%s' is not a domain status; "
		    "the registry sets: %s", status, names);
	return regctl_fail(rc, REG_EINVAL, "%s is not a registry status (%s); "
	    "the registry sets: %s", status,
	    status_client_settable(KIND, status) ? "the registrar sets it over EPP" :
	    "the server manages it", names);
}

static int
domain_find(struct regctl *rc, const char *name, struct reg_domain *d)
{
	int ret = store_domain_get(rc->st, rc->a, name, d);

	if (ret == REG_ENOTFOUND)
		return regctl_fail(rc, ret, "no domain %s", name);
	return ret == REG_OK ? REG_OK : regctl_fail(rc, ret, "cannot read domain %s", name);
}

static int
exec_status_set(struct regctl *rc, void *args)
{
	struct domain_args *a = args;
	struct reg_status s = { .status = rc->pos[1], .reason = a->reason };
	struct reg_domain d;
	int ret;

	if ((ret = domain_find(rc, a->name, &d)) != REG_OK ||
	    (ret = status_set(rc->st, KIND, d.id, &s, &rc->err)) != REG_OK)
		return ret;
	return regctl_history(rc, KIND, d.roid, d.name, a->reason ?
	    arena_printf(rc->a, "+%s (%s)", s.status, a->reason) :
	    arena_printf(rc->a, "+%s", s.status));
}

static int
exec_status_clear(struct regctl *rc, void *args)
{
	struct domain_args *a = args;
	struct reg_domain d;
	int ret;

	if ((ret = domain_find(rc, a->name, &d)) != REG_OK ||
	    (ret = status_clear(rc->st, KIND, d.id, rc->pos[1], &rc->err)) != REG_OK)
		return ret;
	return regctl_history(rc, KIND, d.roid, d.name, arena_printf(rc->a, "-%s", rc->pos[1]));
}

/* Sets (lock) or clears (unlock) whichever lock statuses need it; an
 * error when none does. */
static int
lock_change(struct regctl *rc, struct domain_args *a, bool lock)
{
	struct reg_status s = { .reason = a->reason ? a->reason : LOCK_REASON };
	struct reg_domain d;
	char *detail = NULL;
	int ret;

	if ((ret = domain_find(rc, a->name, &d)) != REG_OK)
		return ret;
	for (size_t i = 0; i < nitems(lock_statuses); i++) {
		s.status = (char *)lock_statuses[i];
		if (store_status_has(rc->st, KIND, d.id, s.status) == lock)
			continue;
		ret = lock ? status_set(rc->st, KIND, d.id, &s, &rc->err) :
		    status_clear(rc->st, KIND, d.id, s.status, &rc->err);
		if (ret != REG_OK)
			return ret;
		detail_add(rc, &detail, "%c%s", lock ? '+' : '-', s.status);
	}
	if (detail == NULL)
		return regctl_fail(rc, lock ? REG_EEXISTS : REG_ENOTFOUND, "domain %s is %s",
		    d.name, lock ? "already locked" : "not locked");
	return regctl_history(rc, KIND, d.roid, d.name, detail);
}

static int
exec_lock(struct regctl *rc, void *args)
{
	return lock_change(rc, args, true);
}

static int
exec_unlock(struct regctl *rc, void *args)
{
	return lock_change(rc, args, false);
}

static const struct optdef reason_opts[] = {
	{ "reason", OPT_STR, offsetof(struct domain_args, reason) },
	{ NULL, 0, 0 },
};

const struct cmd domain_cmds[] = {
	{ "domain status set", "NAME STATUS [--reason TEXT]",
	  "add serverHold or a server*Prohibited status",
	  CMD_WRITE, 2, 2, reason_opts, sizeof(struct domain_args),
	  check_status, exec_status_set },
	{ "domain status clear", "NAME STATUS", "remove a registry status",
	  CMD_WRITE, 2, 2, NULL, sizeof(struct domain_args), check_status, exec_status_clear },
	{ "domain lock", "NAME [--reason TEXT]",
	  "server{Update,Delete,Transfer}Prohibited together",
	  CMD_WRITE, 1, 1, reason_opts, sizeof(struct domain_args), check_name, exec_lock },
	{ "domain unlock", "NAME", "remove the registry lock",
	  CMD_WRITE, 1, 1, NULL, sizeof(struct domain_args), check_name, exec_unlock },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL },
};
