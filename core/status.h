/*
 * status.h: the EPP status values of domains, hosts and contacts
 * (RFC 5731, 5732, 5733 section 2.3), who may set each one, and the rules
 * that tie them together.
 *
 * One table in status.c says which statuses exist for which object kind
 * and whether the sponsoring registrar (client*), the registry (server*)
 * or only the server's own logic (ok, pending*, linked, inactive) sets
 * them. eppd and regctl both change statuses through status_set() and
 * status_clear(), which keep the "ok" rule in one place:
 *
 *   "ok" is present exactly when the object has no other status, apart
 *   from "linked", which may be combined with "ok" on hosts and contacts.
 *
 * Object kinds are the strings the store uses: "domain", "host",
 * "contact".
 */
#ifndef REG_STATUS_H
#define REG_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define STATUS_OK "ok"

enum status_who {
	STATUS_CLIENT = 1 << 0,	/* set and removed by the sponsoring registrar */
	STATUS_SERVER = 1 << 1,	/* set and removed by registry staff */
	STATUS_SYSTEM = 1 << 2,	/* set by the server's own logic only */
	STATUS_WITH_OK = 1 << 3,	/* may be combined with "ok" */
};

/* The flags (STATUS_*) of status `name` on objects of `kind`, or 0 when
 * that kind has no such status. Names are case-sensitive, as in the XSD. */
unsigned status_flags(const char *kind, const char *name);
bool status_client_settable(const char *kind, const char *name);
bool status_server_settable(const char *kind, const char *name);

/* The names of the statuses of `kind` that have all the bits of `who`,
 * joined by ", " into buf (for messages such as "use one of: ..."). */
const char *status_names(const char *kind, unsigned who, char *buf, size_t size);

/* True when the list holds the status `name`. */
bool status_list_has(const struct reg_status_list *l, const char *name);

/* A status already on the object that RFC 5731-5733 forbid combining
 * with `name` (pendingDelete with *DeleteProhibited, two pending*
 * statuses), or NULL. "ok" is not reported: status_set() handles it. */
const char *status_conflict(const struct reg_status_list *have, const char *name);

/* Adds s to the object and applies the ok rule. REG_EEXISTS when the
 * object already has the status, REG_ESTATUS on a forbidden combination,
 * REG_EINVAL for a status the kind does not have; nothing changes then.
 * Call inside a write transaction. */
int status_set(struct store *, const char *kind, int64_t id,
    const struct reg_status *s, struct reg_err *err);
/* Removes status `name` and applies the ok rule; REG_ENOTFOUND when the
 * object lacks it. */
int status_clear(struct store *, const char *kind, int64_t id,
    const char *name, struct reg_err *err);
/* Adds or removes "ok" so that the ok rule holds (after create, or after
 * the server's own logic changed statuses directly). */
int status_sync_ok(struct store *, const char *kind, int64_t id, struct reg_err *err);

#endif
