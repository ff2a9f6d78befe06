/*
 * zone.c: from records to a zone: sorting into canonical order (RFC 4034
 * 6.1, 6.3), RRsets, nodes, and what each node is.
 *
 * A node below a delegation point is glue (occluded): published, never
 * signed, never in a denial chain. At a delegation point only DS (and
 * the NSEC) is the parent's data. The checks here are the ones that make
 * a zone unsignable or meaningless: one SOA, apex NS, nothing outside
 * the apex, CNAME alone, DS only at delegations.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "zonegen.h"

void
zone_init(struct zone *z)
{
	memset(z, 0, sizeof(*z));
	z->rg = region_new();
}

void
zone_free(struct zone *z)
{
	free(z->rr);
	free(z->set);
	free(z->node);
	free(z->n3);
	free(z->job);
	free(z->sig);
	if (z->kinv != NULL) {
		explicit_bzero(z->kinv, z->nsig * z->kinv_len);
		free(z->kinv);
	}
	for (int i = 0; i < SIGN_THREADS_MAX; i++) {
		region_free(z->sigrg[i]);
		region_free(z->readrg[i]);
	}
	for (int i = 0; i < z->nfiles; i++)
		free((char *)z->files[i]);
	free(z->files);
	region_free(z->rg);
	memset(z, 0, sizeof(*z));
}

uint16_t
zone_file_index(struct zone *z, const char *path)
{
	for (int i = 0; i < z->nfiles; i++)
		if (strcmp(z->files[i], path) == 0)
			return (uint16_t)i;
	z->files = xrealloc(z->files, (size_t)(z->nfiles + 1) * sizeof(*z->files));
	z->files[z->nfiles] = xstrdup(path);
	return (uint16_t)z->nfiles++;
}

static int
rr_fail(const struct zone *z, struct reg_err *err, const struct rr *rr, const char *what)
{
	char name[DNAME_TEXT_MAX];

	dname_format(dname_wire(rr->owner), name);
	if (rr->line == 0)
		return reg_fail(err, REG_ESYNTAX, "%s: %s", name, what);
	return reg_fail(err, REG_ESYNTAX, "%s:%u: %s: %s", z->files[rr->file], rr->line,
	    name, what);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The one SOA sets the apex and the zone's SOA fields. */
static int
find_soa(struct zone *z, struct reg_err *err)
{
	const struct rr *soa = NULL;
	char msg[REG_ERR_REASON_MAX];

	for (size_t i = 0; i < z->nrr; i++) {
		if (z->rr[i].type != T_SOA)
			continue;
		if (soa != NULL) {
			snprintf(msg, sizeof(msg), "a second SOA record (the first is on line %u)",
			    soa->line);
			return rr_fail(z, err, &z->rr[i], msg);
		}
		soa = &z->rr[i];
	}
	if (soa == NULL)
		return reg_fail(err, REG_ESYNTAX, "%s: no SOA record",
		    z->nfiles > 0 ? z->files[0] : "zone");
	z->apex = soa->owner;
	z->soa_ttl = soa->ttl;
	z->serial = get32(soa->rdata + soa->rdlen - 20);
	z->soa_minimum = get32(soa->rdata + soa->rdlen - 4);
	return REG_OK;
}

static bool
is_dnssec_made(uint16_t type)
{
	return type == T_RRSIG || type == T_NSEC || type == T_NSEC3 || type == T_NSEC3PARAM;
}

/* Refuses out-of-zone records; drops the signer's own types if asked. */
static int
filter(struct zone *z, int flags, struct reg_err *err)
{
	char msg[REG_ERR_REASON_MAX], apex[DNAME_TEXT_MAX];
	size_t o = 0;

	dname_format(dname_wire(z->apex), apex);
	for (size_t i = 0; i < z->nrr; i++) {
		const struct rr *rr = &z->rr[i];

		if (!dname_under(rr->owner, z->apex)) {
			snprintf(msg, sizeof(msg), "outside the zone %.200s", apex);
			return rr_fail(z, err, rr, msg);
		}
		if ((flags & BUILD_STRIP_DNSSEC) && is_dnssec_made(rr->type)) {
			z->dropped_dnssec = true;
			continue;
		}
		z->rr[o++] = *rr;
	}
	z->nrr = o;
	return REG_OK;
}

/* Type order within a name: the SOA first, as zone files put it, so that
 * a file written in canonical order needs no sort. */
static int
type_rank(uint16_t type)
{
	return type == T_SOA ? 0 : type;
}

static int
rr_cmp_owner_type(const struct rr *a, const struct rr *b)
{
	int c = dname_cmp(a->owner, b->owner);

	return c != 0 ? c : type_rank(a->type) - type_rank(b->type);
}

/* RDATA order within an RRset (RFC 4034 6.3): octet strings, shorter
 * first when one is a prefix of the other. */
static int
rdata_cmp(const struct rr *a, const struct rr *b)
{
	size_t n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	int c = memcmp(a->rdata, b->rdata, n);

	return c != 0 ? c : (int)a->rdlen - (int)b->rdlen;
}

static int
rr_qsort_cmp(const void *a, const void *b)
{
	int c = rr_cmp_owner_type(a, b);

	return c != 0 ? c : rdata_cmp(a, b);
}

/* Sorts unless the records already come in (owner, type) order, as the
 * generator writes them: a pass instead of a sort of 1.5 million. */
static void
sort_records(struct zone *z)
{
	for (size_t i = 1; i < z->nrr; i++)
		if (rr_cmp_owner_type(&z->rr[i - 1], &z->rr[i]) > 0) {
			qsort(z->rr, z->nrr, sizeof(*z->rr), rr_qsort_cmp);
			return;
		}
}

/* Sorts one RRset's records by RDATA and drops duplicates; returns the
 * new count. Sets are small: insertion sort. */
static size_t
rrset_sort(struct rr *rr, size_t n)
{
	size_t u = 0;

	for (size_t i = 1; i < n; i++) {
		struct rr t = rr[i];
		size_t j = i;

		for (; j > 0 && rdata_cmp(&rr[j - 1], &t) > 0; j--)
			rr[j] = rr[j - 1];
		rr[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		if (u == 0 || rdata_cmp(&rr[u - 1], &rr[i]) != 0)
			rr[u++] = rr[i];
	return u;
}

/* One RRset from the run rr[0..n); TTLs that differ become the lowest
 * (RFC 2181 5.2), with a warning. */
static void
rrset_make(const struct zone *z, struct rrset *s, struct rr *rr, size_t n)
{
	uint32_t ttl = rr[0].ttl;
	bool differ = false;

	n = rrset_sort(rr, n);
	for (size_t i = 1; i < n; i++)
		if (rr[i].ttl != ttl) {
			differ = true;
			if (rr[i].ttl < ttl)
				ttl = rr[i].ttl;
		}
	if (differ) {
		char name[DNAME_TEXT_MAX], buf[16];

		dname_format(dname_wire(rr[0].owner), name);
		log_warnx("%s:%u: %s %s: records with different TTLs, using %u",
		    z->files[rr[0].file], rr[0].line, name, rrtype_name(rr[0].type, buf), ttl);
	}
	for (size_t i = 0; i < n; i++)
		rr[i].ttl = ttl;
	*s = (struct rrset){ .rr = rr, .ttl = ttl, .type = rr[0].type, .n = (uint16_t)n };
}

static void
group(struct zone *z)
{
	size_t i, j, ns = 0, nn = 0;

	z->set = xmalloc((z->nrr + 1) * sizeof(*z->set));
	for (i = 0; i < z->nrr; i = j) {
		for (j = i + 1; j < z->nrr && rr_cmp_owner_type(&z->rr[i], &z->rr[j]) == 0; j++)
			;
		rrset_make(z, &z->set[ns++], &z->rr[i], j - i);
	}
	z->nset = ns;
	z->node = xmalloc((ns + 1) * sizeof(*z->node));
	for (i = 0; i < ns; i = j) {
		/* Owners are interned per run of the input: compare names. */
		for (j = i + 1; j < ns && dname_equal(z->set[j].rr->owner, z->set[i].rr->owner); j++)
			;
		z->node[nn++] = (struct node){ .name = z->set[i].rr->owner,
		    .set = &z->set[i], .nset = (uint16_t)(j - i) };
	}
	z->nnode = nn;
}

static void
classify(struct zone *z)
{
	const struct dname *cut = NULL;

	for (size_t i = 0; i < z->nnode; i++) {
		struct node *n = &z->node[i];

		if (cut != NULL && dname_under(n->name, cut))
			n->kind = NODE_GLUE;
		else if (i == 0)
			n->kind = NODE_APEX;
		else if (node_find(n, T_NS) != NULL) {
			n->kind = NODE_DELEG;
			cut = n->name;
		} else
			n->kind = NODE_AUTH;
	}
}

static int
check_node(const struct zone *z, const struct node *n, struct reg_err *err)
{
	const struct rrset *s;

	if ((s = node_find(n, T_CNAME)) != NULL && n->kind != NODE_GLUE &&
	    (n->nset > 1 || n->kind == NODE_APEX))
		return rr_fail(z, err, s->rr, "CNAME and other data (RFC 1034 3.6.2)");
	if ((s = node_find(n, T_DS)) != NULL) {
		if (n->kind == NODE_APEX)
			return rr_fail(z, err, s->rr, "DS at the zone apex belongs in the parent");
		if (n->kind == NODE_AUTH)
			return rr_fail(z, err, s->rr, "DS at a name that is not a delegation (no NS)");
	}
	return REG_OK;
}

int
zone_build(struct zone *z, int flags, struct reg_err *err)
{
	int rc;

	if ((rc = find_soa(z, err)) != REG_OK || (rc = filter(z, flags, err)) != REG_OK)
		return rc;
	sort_records(z);
	group(z);
	classify(z);
	if (node_find(&z->node[0], T_NS) == NULL)
		return rr_fail(z, err, z->node[0].set[0].rr, "no NS records at the zone apex");
	for (size_t i = 0; i < z->nnode; i++)
		if ((rc = check_node(z, &z->node[i], err)) != REG_OK)
			return rc;
	return REG_OK;
}

struct rrset *
node_find(const struct node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->nset; i++)
		if (n->set[i].type == type)
			return &n->set[i];
	return NULL;
}

struct rrset *
node_put(struct zone *z, struct node *n, uint16_t type, uint32_t ttl,
    const uint8_t *const *rdata, const uint16_t *rdlen, int count)
{
	struct rrset *sets, *s;
	struct rr *rr = region_alloc(z->rg, (size_t)count * sizeof(*rr));
	uint16_t at = 0, i;

	for (int k = 0; k < count; k++)
		rr[k] = (struct rr){ .owner = n->name, .rdata = rdata[k], .ttl = ttl,
		    .type = type, .rdlen = rdlen[k] };
	if ((s = node_find(n, type)) == NULL) {
		sets = region_alloc(z->rg, (n->nset + 1u) * sizeof(*sets));
		for (i = 0; i < n->nset && n->set[i].type < type; i++)
			sets[at++] = n->set[i];
		s = &sets[at++];
		for (; i < n->nset; i++)
			sets[at++] = n->set[i];
		n->set = sets;
		n->nset++;
	}
	*s = (struct rrset){ .rr = rr, .ttl = ttl, .type = type,
	    .n = (uint16_t)rrset_sort(rr, (size_t)count) };
	return s;
}

bool
rrset_signed(const struct node *n, const struct rrset *s)
{
	switch (n->kind) {
	case NODE_APEX:
	case NODE_AUTH:
		return true;
	case NODE_DELEG:
		return s->type == T_DS || s->type == T_NSEC;
	}
	return false;
}

int
node_bitmap_types(const struct node *n, uint16_t *types)
{
	int k = 0;

	for (uint16_t i = 0; i < n->nset; i++) {
		uint16_t t = n->set[i].type;

		if (t == T_RRSIG || t == T_NSEC || t == T_NSEC3)
			continue;
		if (n->kind == NODE_DELEG && t != T_NS && t != T_DS)
			continue;	/* glue at the cut: not the parent's data */
		k = types_insert(types, k, t);
	}
	return k;
}

/* Inserts t into the sorted list types[0..n); returns the new count. */
int
types_insert(uint16_t *types, int n, uint16_t t)
{
	int i = n;

	for (int j = 0; j < n; j++)
		if (types[j] == t)
			return n;
	while (i > 0 && types[i - 1] > t) {
		types[i] = types[i - 1];
		i--;
	}
	types[i] = t;
	return n + 1;
}

bool
node_has_signed(const struct node *n)
{
	if (n->kind == NODE_DELEG)
		return node_find(n, T_DS) != NULL;
	return n->kind != NODE_GLUE && n->nset > 0;
}

uint32_t
zone_negative_ttl(const struct zone *z)
{
	return z->soa_ttl < z->soa_minimum ? z->soa_ttl : z->soa_minimum;
}

static uint8_t *
wire_room(uint8_t **buf, size_t *len, size_t *cap, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	return *buf + *len;
}

void
rrset_wire(const struct rrset *s, uint32_t ttl, uint8_t **buf, size_t *len, size_t *cap)
{
	for (uint16_t i = 0; i < s->n; i++) {
		const struct rr *rr = &s->rr[i];
		size_t wl = rr->owner->wlen;
		uint8_t *p = wire_room(buf, len, cap, wl + 10u + rr->rdlen);

		memcpy(p, dname_wire(rr->owner), wl);
		p += wl;
		p[0] = (uint8_t)(s->type >> 8);
		p[1] = (uint8_t)s->type;
		p[2] = 0;
		p[3] = CLASS_IN;
		p[4] = (uint8_t)(ttl >> 24);
		p[5] = (uint8_t)(ttl >> 16);
		p[6] = (uint8_t)(ttl >> 8);
		p[7] = (uint8_t)ttl;
		p[8] = (uint8_t)(rr->rdlen >> 8);
		p[9] = (uint8_t)rr->rdlen;
		memcpy(p + 10, rr->rdata, rr->rdlen);
		*len += wl + 10u + rr->rdlen;
	}
}
