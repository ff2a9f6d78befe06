/*
 * nsec.c: the NSEC chain (RFC 4034 4, RFC 4035 2.3).
 *
 * Every name with authoritative data or a delegation gets an NSEC naming
 * the next such name in canonical order (the last names the apex) and the
 * types at its own name; glue below a cut is skipped, and at a cut only
 * NS and DS count. The TTL is min(SOA TTL, SOA MINIMUM) (RFC 9077).
 */
#include <string.h>

#include "zonegen.h"

#define NSEC_BITMAP_MAX	(34 * 256)

static struct rrset *
nsec_make(struct zone *z, const struct node *n, const struct dname *next, uint32_t ttl)
{
	uint16_t types[TYPES_MAX + 2];
	uint8_t rd[DNAME_WIRE_MAX + NSEC_BITMAP_MAX];
	int nt = node_bitmap_types(n, types);
	size_t len = next->wlen;
	struct rrset *s = region_alloc(z->rg, sizeof(*s));
	struct rr *rr = region_alloc(z->rg, sizeof(*rr));

	nt = types_insert(types, nt, T_RRSIG);
	nt = types_insert(types, nt, T_NSEC);
	memcpy(rd, dname_wire(next), next->wlen);
	len += typemap_encode(types, nt, rd + len);
	*rr = (struct rr){ .owner = n->name, .rdata = region_memdup(z->rg, rd, len),
	    .ttl = ttl, .type = T_NSEC, .rdlen = (uint16_t)len };
	*s = (struct rrset){ .rr = rr, .ttl = ttl, .type = T_NSEC, .n = 1 };
	return s;
}

int
nsec_build(struct zone *z, struct reg_err *err)
{
	uint32_t ttl = zone_negative_ttl(z);
	struct node *prev = NULL;

	(void)err;
	for (size_t i = 0; i < z->nnode; i++) {
		struct node *n = &z->node[i];

		if (n->kind == NODE_GLUE)
			continue;
		if (prev != NULL)
			prev->nsec = nsec_make(z, prev, n->name, ttl);
		prev = n;
	}
	prev->nsec = nsec_make(z, prev, z->apex, ttl);
	return REG_OK;
}

void
nsec_set(struct zone *z, struct node *n, const struct dname *next)
{
	n->nsec = nsec_make(z, n, next, zone_negative_ttl(z));
}
