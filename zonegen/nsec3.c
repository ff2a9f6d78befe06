/*
 * nsec3.c: the NSEC3 chain (RFC 5155 7.1) with the parameters of RFC 9276
 * 3.1: SHA-1, no additional iterations, no salt.
 *
 * Hashed are the apex, every name with authoritative data, every
 * delegation (with opt-out only those with DS: RFC 5155 6) and the empty
 * non-terminals above them. Walking the included names in canonical
 * order, the empty non-terminals above name X that still need an NSEC3
 * are exactly its ancestors below the deepest common ancestor of X and
 * the name included just before it: every name between an ancestor and
 * X in canonical order lies below that ancestor.
 */
#include <stdlib.h>
#include <string.h>


#include "util.h"
#include "zonegen.h"

#define NSEC3_LABEL	32	/* base32hex of a SHA-1 hash */
#define NSEC3_BITMAP_MAX (34 * 256)

struct hashed {
	uint8_t hash[NSEC3_HASH_LEN];
	const struct node *node;	/* NULL: an empty non-terminal */
};

struct chain {
	struct hashed *h;
	size_t n, cap;
};

void
nsec3_hash(const uint8_t *wire, size_t wlen, uint8_t out[NSEC3_HASH_LEN])
{
	hash_sha1(wire, wlen, out);
}

bool
nsec3_covers(const struct node *n, unsigned denial)
{
	if (n->kind == NODE_GLUE)
		return false;
	if ((denial & DENIAL_OPTOUT) && n->kind == NODE_DELEG)
		return node_find(n, T_DS) != NULL;
	return true;
}

static void
chain_add(struct chain *c, const uint8_t *wire, const struct node *n)
{
	vec_reserve(&c->h, &c->cap, c->n + 1, sizeof(*c->h));
	nsec3_hash(wire, (size_t)wire_name_len(wire, DNAME_WIRE_MAX), c->h[c->n].hash);
	c->h[c->n++].node = n;
}

/* Length of the longest common key prefix of a and b that ends on a
 * label boundary: the key of their deepest common ancestor. */
static size_t
common_ancestor(const struct dname *a, const struct dname *b)
{
	const uint8_t *ka = dname_key(a), *kb = dname_key(b);
	size_t n = a->klen < b->klen ? a->klen : b->klen, end = 0;

	for (size_t i = 0; i < n && ka[i] == kb[i]; i++)
		if (ka[i] == 0)
			end = i + 1;
	return end;
}

/* Adds the empty non-terminals between x and the common ancestor of x
 * and prev (exclusive of both), highest first. */
static void
add_empty_nonterminals(struct chain *c, const struct dname *prev, const struct dname *x)
{
	size_t top = common_ancestor(prev, x);
	const uint8_t *key = dname_key(x), *wire = dname_wire(x);
	int above = 0;		/* labels of x's ancestors below top */

	for (size_t i = top; i + 1 < x->klen; i++)
		if (key[i] == 0)
			above++;
	/* The ancestor with `x->nlabels - k` labels: skip k labels. */
	for (int k = above; k >= 1; k--) {
		const uint8_t *w = wire;

		for (int s = 0; s < k; s++)
			w = wire_parent(w);
		chain_add(c, w, NULL);
	}
}

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, NSEC3_HASH_LEN);
}

static void
chain_collect(const struct zone *z, unsigned denial, struct chain *c)
{
	const struct dname *prev = NULL;

	for (size_t i = 0; i < z->nnode; i++) {
		const struct node *n = &z->node[i];

		if (!nsec3_covers(n, denial))
			continue;
		if (prev != NULL)
			add_empty_nonterminals(c, prev, n->name);
		chain_add(c, dname_wire(n->name), n);
		prev = n->name;
	}
}

/* The NSEC3 RDATA of one entry, the next hash given. */
static size_t
nsec3_rdata(const struct hashed *h, const uint8_t *next, unsigned denial, uint8_t *rd)
{
	uint16_t types[TYPES_MAX + 1];
	int nt = 0;
	size_t len = 0;

	if (h->node != NULL) {
		nt = node_bitmap_types(h->node, types);
		/* Beside an NSEC chain the name also has an NSEC and its
		 * RRSIG: they are types at the original owner (RFC 5155 3.2.1),
		 * as BIND, Knot and ldns expect during a switch. */
		if (node_has_signed(h->node) || h->node->nsec != NULL)
			nt = types_insert(types, nt, T_RRSIG);
		if (h->node->nsec != NULL)
			nt = types_insert(types, nt, T_NSEC);
	}
	rd[len++] = NSEC3_HASH_SHA1;
	rd[len++] = denial & DENIAL_OPTOUT ? NSEC3_FLAG_OPTOUT : 0;
	rd[len++] = 0;		/* iterations */
	rd[len++] = 0;
	rd[len++] = 0;		/* salt length */
	rd[len++] = NSEC3_HASH_LEN;
	memcpy(rd + len, next, NSEC3_HASH_LEN);
	len += NSEC3_HASH_LEN;
	return len + typemap_encode(types, nt, rd + len);
}

static void
n3_node(struct zone *z, struct node *out, const struct hashed *h, const uint8_t *next,
    unsigned denial, uint32_t ttl)
{
	uint8_t wire[DNAME_WIRE_MAX], rd[6 + NSEC3_HASH_LEN + NSEC3_BITMAP_MAX];
	size_t len = nsec3_rdata(h, next, denial, rd);
	struct rrset *s = region_alloc(z->rg, sizeof(*s));
	struct rr *rr = region_alloc(z->rg, sizeof(*rr));

	wire[0] = NSEC3_LABEL;
	b32hex_encode(h->hash, NSEC3_HASH_LEN, (char *)wire + 1);
	memcpy(wire + 1 + NSEC3_LABEL, dname_wire(z->apex), z->apex->wlen);
	*out = (struct node){ .name = dname_new(z->rg, wire, 1 + NSEC3_LABEL + z->apex->wlen),
	    .set = s, .nset = 1, .kind = NODE_AUTH };
	*rr = (struct rr){ .owner = out->name, .rdata = region_memdup(z->rg, rd, len),
	    .ttl = ttl, .type = T_NSEC3, .rdlen = (uint16_t)len };
	*s = (struct rrset){ .rr = rr, .ttl = ttl, .type = T_NSEC3, .n = 1 };
}

void
nsec3_param_add(struct zone *z)
{
	static const uint8_t param[] = { NSEC3_HASH_SHA1, 0, 0, 0, 0 };
	const uint8_t *rd[1] = { param };
	uint16_t len[1] = { sizeof(param) };

	node_put(z, &z->node[0], T_NSEC3PARAM, zone_negative_ttl(z), rd, len, 1);
}

int
nsec3_build(struct zone *z, unsigned denial, struct reg_err *err)
{
	struct chain c = { 0 };
	uint32_t ttl = zone_negative_ttl(z);

	chain_collect(z, denial, &c);
	qsort(c.h, c.n, sizeof(*c.h), hash_cmp);
	for (size_t i = 1; i < c.n; i++)
		if (memcmp(c.h[i - 1].hash, c.h[i].hash, NSEC3_HASH_LEN) == 0) {
			free(c.h);
			return reg_fail(err, REG_EINVAL, "NSEC3 hash collision (RFC 5155 7.1); "
			    "sign with NSEC");
		}
	z->n3 = xmalloc((c.n + 1) * sizeof(*z->n3));
	z->nn3 = c.n;
	for (size_t i = 0; i < c.n; i++)
		n3_node(z, &z->n3[i], &c.h[i], c.h[(i + 1) % c.n].hash, denial, ttl);
	free(c.h);
	return REG_OK;
}
