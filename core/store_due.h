/*
 * store_due.h: the domains the registry clock has to act on (eppd's
 * lifecycle.c): registrations that ran out, and redemption grace periods
 * (RFC 3915) whose current state is over. Each returns at most `limit`
 * domain ids, oldest first, in an arena array.
 */
#ifndef REG_STORE_DUE_H
#define REG_STORE_DUE_H

#include <stdint.h>

#include "store.h"

/* Domains outside the redemption process whose expiry is at or before
 * now. */
int store_domain_expired(struct store *, struct arena *, int64_t now, int limit,
    int64_t **ids, int *n);
/* Domains in RGP state `rgp` whose state began at or before `before`:
 * for "redemptionPeriod" the delete (column deleted), for
 * "pendingRestore" and "pendingDelete" the last change (column updated). */
int store_domain_rgp_due(struct store *, struct arena *, const char *rgp,
    int64_t before, int limit, int64_t **ids, int *n);

#endif
