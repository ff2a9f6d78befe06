/*
 * gendata.c: fills a master database with registration data of a real
 * ccTLD's shape, for benchmarks, and adds the `make run` demo objects.
 *
 *	gendata -c CONFIG -n N [--seed S] [--registrars R] [--batch B]
 *	        [--now TIME] [--nolog]
 *	gendata -c CONFIG --demo
 *
 * Bulk mode writes through the store API only (no SQL here), so what it
 * makes is what eppd would have made: registrars rar001..rarR with a
 * skewed share of the names, contacts shared across domains (about one
 * per 1.5 domains), a pool of external name servers, in-zone name servers
 * with glue, DS data, IDNs checked by the same name policy as EPP, every
 * status in use somewhere, grace periods, redemption and pending
 * transfers. It opens the database with STORE_FAST (synchronous=NORMAL)
 * and commits every B domains (default 10,000) in one transaction, each
 * with its changeset unless --nolog is given. It creates the database
 * file if it does not exist.
 *
 * The output is a function of the seed, R, N and "now" (default: today at
 * 00:00 UTC), given a fresh database.
 *
 * Demo mode adds a handful of domains for the registrars "demo" and
 * "demo2" (which regctl must have created) and skips any that exist, so
 * it can run again; it prints each demo domain with its authInfo.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "arena.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "name.h"
#include "password.h"
#include "status.h"
#include "store.h"
#include "util.h"

#include "gendata_words.h"

#define DAY			86400LL
#define YEAR			(365 * DAY)
#define HISTORY_YEARS		20	/* created dates reach this far back */
#define PER_100K		100000	/* odds below are per 100,000 */

#define DEFAULT_SEED		1
#define DEFAULT_REGISTRARS	50
#define DEFAULT_BATCH		10000
#define PROGRESS_EVERY		100000
#define REGISTRAR_SKEW		1.2	/* Zipf exponent of registrar shares */
#define PROVIDER_SKEW		1.0	/* Zipf exponent of DNS hosters */
#define HOLDER_SKEW		3.0	/* reuse favours early registrants */
#define DOMAINS_PER_PROVIDER	500
#define MIN_PROVIDERS		8
#define MAX_PROVIDERS		2000
#define NS_PER_PROVIDER		3	/* at most; every third hoster has ns3 */
#define STAFF_MIN		3	/* tech/billing contacts per registrar */
#define LABEL_MAX		64
#define NAME_TRIES		100
#define NAME_RANGE_MAX		1000000000
#define GLUE_V4_HOSTS		(1 << 17)	/* addresses in 198.18.0.0/15 */
#define MAX_STATUSES		12
#define MAX_DS			2
#define AUTHINFO_LEN		16
#define DIGEST_BYTES		32	/* SHA-256, DS digest type 2 */
#define DS_ALG			13	/* ECDSA P-256 with SHA-256 */
#define DS_DIGEST_TYPE		2
#define REGISTRAR_CREDIT	100000000	/* minor units */
#define REGISTRAR_BALANCE	50000000
#define GENDATA_PASSWORD	"gendata-pw1"	/* of every rarNNN registrar */

/* Shape of the data, per 100,000 domains (or contacts, hosts). */
enum {
	ODDS_NEW_REGISTRANT = 60000,	/* else an existing holder of the registrar */
	ODDS_OWN_ADMIN = 6000,		/* admin is a new contact, not the registrant */
	ODDS_SELF_TECH = 30000,		/* tech is the admin, not registrar staff */
	ODDS_BILLING = 20000,
	ODDS_NEW_STAFF = 50,
	ODDS_ORG = 35000,
	ODDS_LOC_POSTAL = 50000,	/* add "loc" if local spelling differs */
	ODDS_FAX = 5000,
	ODDS_NO_NS = 2000,
	ODDS_INZONE = 10000,
	ODDS_DS = 40000,
	ODDS_SECOND_DS = 15000,		/* of those with DS: a KSK rollover */
	ODDS_IDN = 2000,
	ODDS_UPDATED = 60000,
	ODDS_TRANSFERRED = 8000,
	ODDS_REDEMPTION = 300,
	ODDS_RGP_PENDING_DELETE = 100,
	ODDS_PENDING_TRANSFER = 100,
};

struct odds {
	const char *status;
	unsigned per_100k;
};

static const struct odds domain_odds[] = {
	{ "clientTransferProhibited", 25000 },
	{ "clientDeleteProhibited", 5000 },
	{ "clientUpdateProhibited", 3000 },
	{ "clientRenewProhibited", 200 },
	{ "clientHold", 500 },
	{ "serverHold", 200 },
	{ "serverTransferProhibited", 300 },
	{ "serverUpdateProhibited", 500 },
	{ "serverDeleteProhibited", 500 },
	{ "serverRenewProhibited", 100 },
};

static const struct odds contact_odds[] = {
	{ "clientDeleteProhibited", 2000 },
	{ "clientUpdateProhibited", 1000 },
	{ "clientTransferProhibited", 1000 },
	{ "serverDeleteProhibited", 100 },
	{ "serverUpdateProhibited", 100 },
	{ "serverTransferProhibited", 50 },
};

static const struct odds host_odds[] = {
	{ "clientDeleteProhibited", 1000 },
	{ "clientUpdateProhibited", 500 },
	{ "serverDeleteProhibited", 50 },
	{ "serverUpdateProhibited", 50 },
};

/* --- deterministic randomness ------------------------------------------- */

struct rng {
	uint64_t s;
};

/* splitmix64: small, fast, the same sequence everywhere. */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return n == 0 ? 0 : rng_next(r) % n;
}

static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static bool
rng_odds(struct rng *r, unsigned per_100k)
{
	return rng_below(r, PER_100K) < per_100k;
}

static int64_t
rng_span(struct rng *r, int64_t from, int64_t to)
{
	return to <= from ? from : from + (int64_t)rng_below(r, (uint64_t)(to - from));
}

#define PICK(r, table) ((table)[rng_below((r), nitems(table))])

/* A Zipf-like choice among n ranked items: item i has weight 1/(i+1)^s. */
struct skew {
	double *cum;
	size_t n;
};

static void
skew_init(struct skew *k, size_t n, double s)
{
	double sum = 0;

	k->cum = xcalloc(n, sizeof(*k->cum));
	k->n = n;
	for (size_t i = 0; i < n; i++)
		k->cum[i] = (sum += 1.0 / pow((double)(i + 1), s));
	for (size_t i = 0; i < n; i++)
		k->cum[i] /= sum;
}

static size_t
skew_pick(const struct skew *k, struct rng *r)
{
	double u = rng_unit(r);
	size_t lo = 0, hi = k->n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (k->cum[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* --- state --------------------------------------------------------------- */

struct pool {
	int64_t *v;
	size_t n, cap;
};

static void
pool_add(struct pool *p, int64_t id)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = id;
}

struct rar {
	int64_t id;
	char *handle;
	struct pool holders;	/* registrants, most popular first */
	struct pool staff;	/* the registrar's tech and billing contacts */
};

struct counts {
	int64_t domains, contacts, ext_hosts, inzone_hosts, inzone, nons;
	int64_t ds_domains, ds_records, idn, rgp, transfers, grace;
};

struct status_count {
	const char *kind, *status;
	int64_t n;
};

struct gen {
	struct reg_config *cfg;
	struct store *st;
	struct name_policy *policy;
	struct arena *a;		/* reset after every commit */
	struct rng rng;
	int64_t now;
	bool demo;
	struct rar *rar;
	size_t nrar;
	struct skew rar_share;
	int64_t (*provider)[NS_PER_PROVIDER];	/* host ids, 0 past the last */
	size_t nprovider;
	struct skew provider_share;
	int64_t contact_seq, glue_seq;
	struct counts n;
	struct status_count status[64];
	size_t nstatus;
	struct reg_err err;
};

/* One domain as it is about to be written. */
struct plan {
	struct rar *rar;
	struct reg_domain d;
	struct reg_domain_contact c[3];
	int64_t ns[NS_PER_PROVIDER];
	struct reg_ds ds[MAX_DS];
	const char *status[MAX_STATUSES];
	int nstatus;
	bool inzone;
	struct rar *gaining;	/* a pending transfer to this registrar */
};

static void
count_status(struct gen *g, const char *kind, const char *status)
{
	for (size_t i = 0; i < g->nstatus; i++)
		if (strcmp(g->status[i].kind, kind) == 0 &&
		    strcmp(g->status[i].status, status) == 0) {
			g->status[i].n++;
			return;
		}
	if (g->nstatus < nitems(g->status))
		g->status[g->nstatus++] = (struct status_count){ kind, status, 1 };
}

/* --- small text helpers -------------------------------------------------- */

/* Lower-case letters and digits of s, the rest dropped: "de Vries" -> "devries". */
static char *
slug(struct arena *a, const char *s)
{
	char *out = arena_strdup(a, s), *o = out;

	for (; *s; s++)
		if (isalnum((unsigned char)*s))
			*o++ = (char)tolower((unsigned char)*s);
	*o = '\0';
	return out;
}

static char *
capitalised(struct arena *a, const char *s)
{
	char *out = arena_strdup(a, s);

	out[0] = (char)toupper((unsigned char)out[0]);
	return out;
}

/* fmt with every '#' replaced by a random digit. */
static char *
digits(struct gen *g, const char *fmt)
{
	char *out = arena_strdup(g->a, fmt);

	for (char *p = out; *p; p++)
		if (*p == '#')
			*p = (char)('0' + rng_below(&g->rng, 10));
	return out;
}

static char *
random_token(struct gen *g, size_t len)
{
	static const char set[] =
	    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	char *out = arena_alloc(g->a, len + 1);

	for (size_t i = 0; i < len; i++)
		out[i] = set[rng_below(&g->rng, sizeof(set) - 1)];
	return out;
}

/* An authInfo password: from the seed in bulk mode, truly random for the
 * demo (whose registry answers on a socket). */
static char *
authinfo_new(struct gen *g)
{
	char *pw;

	if (!g->demo)
		return random_token(g, AUTHINFO_LEN);
	pw = arena_alloc(g->a, PASSWORD_MAX_LEN + 1);
	if (password_random(pw, PASSWORD_MAX_LEN + 1) != REG_OK)
		fatalx("no random source for authInfo");
	return pw;
}

/* --- statuses ------------------------------------------------------------ */

/* Appends the statuses that `table` draws for one object. */
static int
draw_statuses(struct gen *g, const struct odds *table, size_t n, const char **out,
    int have)
{
	for (size_t i = 0; i < n && have < MAX_STATUSES; i++)
		if (rng_odds(&g->rng, table[i].per_100k))
			out[have++] = table[i].status;
	return have;
}

/* Sets each status through the rules of status.c (skipping a combination
 * they forbid), then the "ok" rule. */
static int
statuses_write(struct gen *g, const char *kind, int64_t id, const char *const *list,
    int n)
{
	int rc, set = 0;

	for (int i = 0; i < n; i++) {
		struct reg_status s = { .status = (char *)list[i] };

		rc = status_set(g->st, kind, id, &s, &g->err);
		if (rc == REG_ESTATUS || rc == REG_EEXISTS)
			continue;
		if (rc != REG_OK)
			return rc;
		count_status(g, kind, list[i]);
		set++;
	}
	if (set == 0)
		count_status(g, kind, STATUS_OK);
	return status_sync_ok(g->st, kind, id, &g->err);
}

/* --- contacts ------------------------------------------------------------ */

static void
contact_address(struct gen *g, struct reg_postal *p, const struct place *pl, bool local)
{
	const char *const *streets = pl->streets;
	size_t n = 0;

	while (streets[n] != NULL)
		n++;
	p->addr.street[0] = arena_printf(g->a, "%s %u", streets[rng_below(&g->rng, n)],
	    (unsigned)rng_span(&g->rng, 1, 120));
	p->addr.city = (char *)(local ? pl->city : pl->city_ascii);
	p->addr.sp = (char *)pl->sp;
	p->addr.pc = digits(g, pl->pc_fmt);
	p->addr.cc = (char *)pl->cc;
}

/* A person or organisation with an ASCII "int" postalInfo and, where the
 * local spelling differs, a "loc" one as well. */
static void
contact_fill(struct gen *g, struct reg_contact *c, struct rar *r, int64_t created,
    bool org)
{
	const struct person_name *fn = &PICK(&g->rng, first_names);
	const struct person_name *ln = &PICK(&g->rng, last_names);
	const struct place *pl = &PICK(&g->rng, places);

	memset(c, 0, sizeof(*c));
	c->handle = arena_printf(g->a, "c%07" PRId64, ++g->contact_seq);
	c->sponsor_id = c->creator_id = r->id;
	c->intl.name = arena_printf(g->a, "%s %s", fn->ascii, ln->ascii);
	if (org)
		c->intl.org = arena_printf(g->a, "%s %s", capitalised(g->a,
		    PICK(&g->rng, words_en)), PICK(&g->rng, org_kinds));
	contact_address(g, &c->intl, pl, false);
	if ((strcmp(fn->loc, fn->ascii) || strcmp(ln->loc, ln->ascii) ||
	    strcmp(pl->city, pl->city_ascii)) && rng_odds(&g->rng, ODDS_LOC_POSTAL)) {
		c->loc = c->intl;
		c->loc.name = arena_printf(g->a, "%s %s", fn->loc, ln->loc);
		c->loc.addr.city = (char *)pl->city;
	}
	c->voice = digits(g, arena_printf(g->a, "%s#######", pl->phone));
	if (rng_odds(&g->rng, ODDS_FAX))
		c->fax = digits(g, arena_printf(g->a, "%s#######", pl->phone));
	c->email = arena_printf(g->a, "%s.%s%u@%s", slug(g->a, fn->ascii),
	    slug(g->a, ln->ascii), (unsigned)rng_below(&g->rng, 100), PICK(&g->rng, mail_domains));
	c->disclose = org ? DISCLOSE_ORG_INT | DISCLOSE_ADDR_INT | DISCLOSE_VOICE |
	    DISCLOSE_EMAIL : 0;
	c->created = created;
}

/* Writes c with its ROID, authInfo and statuses; *id receives its id. */
static int
contact_write(struct gen *g, struct reg_contact *c, int64_t *id)
{
	const char *status[MAX_STATUSES];
	int rc, n;

	if ((rc = store_roid_new(g->st, g->a, 'C', &c->roid)) != REG_OK ||
	    (rc = store_contact_create(g->st, c, id, &g->err)) != REG_OK ||
	    (rc = store_authinfo_set(g->st, c->roid, authinfo_new(g))) != REG_OK)
		return rc;
	n = draw_statuses(g, contact_odds, nitems(contact_odds), status, 0);
	g->n.contacts++;
	return statuses_write(g, "contact", *id, status, n);
}

static int
contact_new(struct gen *g, struct rar *r, int64_t created, bool org, int64_t *id)
{
	struct reg_contact c;

	contact_fill(g, &c, r, created, org);
	return contact_write(g, &c, id);
}

/* An existing holder, the earliest ones far more often: a few registrants
 * end up with thousands of names, as domain investors do. */
static int64_t
holder_pick(struct gen *g, const struct pool *p)
{
	double u = rng_unit(&g->rng);

	return p->v[(size_t)((double)p->n * pow(u, HOLDER_SKEW))];
}

static int
staff_pick(struct gen *g, struct rar *r, int64_t *id)
{
	int rc;

	if (r->staff.n < STAFF_MIN || rng_odds(&g->rng, ODDS_NEW_STAFF)) {
		int64_t created = g->now - (int64_t)rng_below(&g->rng, HISTORY_YEARS * YEAR);

		if ((rc = contact_new(g, r, created, true, id)) == REG_OK)
			pool_add(&r->staff, *id);
		return rc;
	}
	*id = r->staff.v[rng_below(&g->rng, r->staff.n)];
	return REG_OK;
}

static int
registrant_pick(struct gen *g, struct plan *p, int64_t *id)
{
	struct rar *r = p->rar;
	int rc;

	if (r->holders.n > 0 && !rng_odds(&g->rng, ODDS_NEW_REGISTRANT)) {
		*id = holder_pick(g, &r->holders);
		return REG_OK;
	}
	rc = contact_new(g, r, p->d.created, rng_odds(&g->rng, ODDS_ORG), id);
	if (rc == REG_OK)
		pool_add(&r->holders, *id);
	return rc;
}

/* Registrant, admin and tech for every domain, billing for some. */
static int
plan_contacts(struct gen *g, struct plan *p)
{
	int64_t registrant, admin, tech, billing = 0;
	int rc;

	if ((rc = registrant_pick(g, p, &registrant)) != REG_OK)
		return rc;
	admin = registrant;
	if (rng_odds(&g->rng, ODDS_OWN_ADMIN) &&
	    (rc = contact_new(g, p->rar, p->d.created, false, &admin)) != REG_OK)
		return rc;
	tech = admin;
	if (!rng_odds(&g->rng, ODDS_SELF_TECH) && (rc = staff_pick(g, p->rar, &tech)) != REG_OK)
		return rc;
	if (rng_odds(&g->rng, ODDS_BILLING) && (rc = staff_pick(g, p->rar, &billing)) != REG_OK)
		return rc;
	p->d.registrant_id = registrant;
	p->c[0] = (struct reg_domain_contact){ .type = "admin", .contact_id = admin };
	p->c[1] = (struct reg_domain_contact){ .type = "tech", .contact_id = tech };
	p->c[2] = (struct reg_domain_contact){ .type = "billing", .contact_id = billing };
	p->d.contact = p->c;
	p->d.ncontact = billing ? 3 : 2;
	return REG_OK;
}

/* --- registrars and name server hosts ------------------------------------ */

static int
registrar_make(struct gen *g, struct rar *r, int i, const char *pwhash)
{
	struct reg_registrar reg = { 0 };
	int rc;

	r->handle = xstrdup(arena_printf(g->a, "rar%03d", i + 1));
	if (store_registrar_get(g->st, g->a, r->handle, &reg) == REG_OK) {
		r->id = reg.id;
		return REG_OK;
	}
	reg.handle = r->handle;
	reg.name = arena_printf(g->a, "%s %s Registrar AB", capitalised(g->a,
	    PICK(&g->rng, words_en)), capitalised(g->a, PICK(&g->rng, words_sv)));
	reg.email = arena_printf(g->a, "registry@%s.example", r->handle);
	reg.url = arena_printf(g->a, "https://www.%s.example/", r->handle);
	reg.voice = digits(g, "+46.8#######");
	reg.addr.city = "Stockholm";
	reg.addr.cc = "SE";
	reg.created = g->now - HISTORY_YEARS * YEAR;
	if ((rc = store_registrar_create(g->st, &reg, &r->id, &g->err)) != REG_OK ||
	    (rc = store_registrar_password_set(g->st, r->id, pwhash)) != REG_OK ||
	    (rc = store_registrar_acl_add(g->st, r->id, "127.0.0.1/32", &g->err)) != REG_OK ||
	    (rc = store_registrar_acl_add(g->st, r->id, "::1/128", &g->err)) != REG_OK ||
	    (rc = store_account_set_credit(g->st, r->id, REGISTRAR_CREDIT, &g->err)) != REG_OK)
		return rc;
	return store_account_charge(g->st, r->id, REGISTRAR_BALANCE, "deposit", NULL,
	    NULL, &g->err);
}

/* rar001..rarNNN (created unless they exist), rar001 the largest. */
static int
registrars_setup(struct gen *g, size_t n)
{
	char hash[PASSWORD_HASH_MAX];
	int rc;

	if (password_hash(GENDATA_PASSWORD, hash, sizeof(hash)) != REG_OK)
		return reg_fail(&g->err, REG_EIO, "cannot hash the registrar password");
	g->rar = xcalloc(n, sizeof(*g->rar));
	g->nrar = n;
	for (size_t i = 0; i < n; i++)
		if ((rc = registrar_make(g, &g->rar[i], (int)i, hash)) != REG_OK)
			return rc;
	skew_init(&g->rar_share, n, REGISTRAR_SKEW);
	return REG_OK;
}

/* Writes h with its ROID and statuses; *id receives its id. */
static int
host_write(struct gen *g, struct reg_host *h, int64_t *id)
{
	const char *status[MAX_STATUSES];
	int rc, n;

	if ((rc = store_roid_new(g->st, g->a, 'H', &h->roid)) != REG_OK ||
	    (rc = store_host_create(g->st, h, id, &g->err)) != REG_OK)
		return rc;
	n = draw_statuses(g, host_odds, nitems(host_odds), status, 0);
	return statuses_write(g, "host", *id, status, n);
}

static int
provider_make(struct gen *g, size_t p)
{
	size_t nhost = p % 3 == 2 ? NS_PER_PROVIDER : 2;
	struct reg_host h = { 0 }, have;
	int rc;

	h.sponsor_id = h.creator_id = g->rar[skew_pick(&g->rar_share, &g->rng)].id;
	h.created = g->now - (int64_t)rng_below(&g->rng, HISTORY_YEARS * YEAR);
	for (size_t k = 0; k < nhost; k++) {
		h.name = arena_printf(g->a, "ns%zu.hosting%04zu.example.net", k + 1, p + 1);
		if (store_host_get(g->st, g->a, h.name, &have) == REG_OK) {
			g->provider[p][k] = have.id;
			continue;
		}
		if ((rc = host_write(g, &h, &g->provider[p][k])) != REG_OK)
			return rc;
		g->n.ext_hosts++;
	}
	return REG_OK;
}

/* A pool of DNS hosters outside the TLD, a few large and many small. */
static int
providers_setup(struct gen *g, int64_t ndomains)
{
	int64_t n = ndomains / DOMAINS_PER_PROVIDER;
	int rc;

	n = n < MIN_PROVIDERS ? MIN_PROVIDERS : n > MAX_PROVIDERS ? MAX_PROVIDERS : n;
	g->nprovider = (size_t)n;
	g->provider = xcalloc(g->nprovider, sizeof(*g->provider));
	for (size_t p = 0; p < g->nprovider; p++)
		if ((rc = provider_make(g, p)) != REG_OK)
			return rc;
	skew_init(&g->provider_share, g->nprovider, PROVIDER_SKEW);
	return REG_OK;
}

/* The next glue pair in canonical text (RFC 5952): IPv4 from the
 * benchmarking range 198.18.0.0/15 (RFC 2544), never .0 or .255, and
 * IPv6 from the documentation prefix 2001:db8::/32 (RFC 3849). */
static void
glue_next(struct gen *g, struct reg_host_addr addr[2])
{
	unsigned char v4[4] = { 198, 18, 0, 0 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char text[INET6_ADDRSTRLEN];
	uint32_t n;

	do
		n = (uint32_t)(g->glue_seq++ % GLUE_V4_HOSTS);
	while ((n & 0xff) == 0 || (n & 0xff) == 0xff);
	v4[1] += (unsigned char)(n >> 16);
	v4[2] = (unsigned char)(n >> 8);
	v4[3] = (unsigned char)n;
	inet_ntop(AF_INET, v4, text, sizeof(text));
	addr[0] = (struct reg_host_addr){ arena_strdup(g->a, text), 4 };
	v6[4] = (unsigned char)(g->glue_seq >> 24);
	v6[5] = (unsigned char)(g->glue_seq >> 16);
	v6[6] = (unsigned char)(g->glue_seq >> 8);
	v6[7] = (unsigned char)g->glue_seq;
	v6[15] = 1;
	inet_ntop(AF_INET6, v6, text, sizeof(text));
	addr[1] = (struct reg_host_addr){ arena_strdup(g->a, text), 6 };
}

/* ns1 and ns2 under the domain, each with IPv4 and IPv6 glue. */
static int
inzone_hosts_write(struct gen *g, struct plan *p)
{
	struct reg_host_addr addr[2];
	struct reg_host h = { 0 };
	int rc;

	h.sponsor_id = h.creator_id = p->d.sponsor_id;
	h.domain_id = p->d.id;
	h.created = p->d.created;
	h.addr = addr;
	h.naddr = 2;
	for (int k = 0; k < 2; k++) {
		h.name = arena_printf(g->a, "ns%d.%s", k + 1, p->d.name);
		glue_next(g, addr);
		if ((rc = host_write(g, &h, &p->ns[k])) != REG_OK)
			return rc;
		g->n.inzone_hosts++;
	}
	p->d.ns_id = p->ns;
	p->d.nns = 2;
	return store_domain_set_ns(g->st, &p->d, &g->err);
}

/* --- domain names -------------------------------------------------------- */

/* One ASCII label of a shape common in a ccTLD zone. */
static void
label_ascii(struct gen *g, char *buf, size_t size)
{
	struct rng *r = &g->rng;
	const struct person_name *fn, *ln;

	switch (rng_below(r, 10)) {
	case 0: case 1:
		snprintf(buf, size, "%s%s", PICK(r, words_en), PICK(r, words_en));
		break;
	case 2:
		snprintf(buf, size, "%s%s", PICK(r, words_sv), PICK(r, words_sv));
		break;
	case 3:
		snprintf(buf, size, "%s-%s", PICK(r, words_sv), PICK(r, words_en));
		break;
	case 4:
		fn = &PICK(r, first_names);
		ln = &PICK(r, last_names);
		snprintf(buf, size, "%s%s", slug(g->a, fn->ascii), slug(g->a, ln->ascii));
		break;
	case 5:
		snprintf(buf, size, "%s%u", PICK(r, words_sv), (unsigned)rng_span(r, 1, 1000));
		break;
	case 6: case 7:
		snprintf(buf, size, "%s%s", PICK(r, words_sv), PICK(r, words_biz));
		break;
	case 8:
		snprintf(buf, size, "%s%s%s", PICK(r, words_en), PICK(r, words_sv),
		    PICK(r, words_en));
		break;
	default:
		snprintf(buf, size, "%s", random_token(g, (size_t)rng_span(r, 2, 5)));
		str_lower(buf);
		break;
	}
}

static void
label_idn(struct gen *g, char *buf, size_t size)
{
	struct rng *r = &g->rng;

	switch (rng_below(r, 4)) {
	case 0:
		snprintf(buf, size, "%s%s", PICK(r, words_idn), PICK(r, words_sv));
		break;
	case 1:
		snprintf(buf, size, "%s%s", PICK(r, words_sv), PICK(r, words_idn));
		break;
	case 2:
		snprintf(buf, size, "%s-%s", PICK(r, words_idn), PICK(r, words_en));
		break;
	default:
		snprintf(buf, size, "%s", PICK(r, words_idn));
		break;
	}
}

/* Runs label.tld through the registry's name rules into p->d. */
static int
name_set(struct gen *g, struct plan *p, const char *label)
{
	struct name_parts parts;
	char *input = arena_printf(g->a, "%s.%s", label, g->cfg->registry.tld);
	int rc;

	if ((rc = name_domain_check(g->policy, input, &parts, &g->err)) != REG_OK)
		return rc;
	p->d.name = arena_strdup(g->a, parts.alabel);
	p->d.uname = parts.idn ? arena_strdup(g->a, parts.ulabel) : NULL;
	return REG_OK;
}

/* Not registered and not reserved or blocked by policy. */
static bool
name_free(struct gen *g, const char *alabel)
{
	struct reg_reserved r;

	return !store_domain_exists(g->st, alabel) &&
	    store_reserved_get(g->st, g->a, alabel, &r) == REG_ENOTFOUND;
}

/* A name not yet registered: on a clash a number goes on the end, from a
 * range ten times wider every ten tries. */
static int
plan_name(struct gen *g, struct plan *p)
{
	char base[LABEL_MAX], label[LABEL_MAX + 8];
	bool idn = rng_odds(&g->rng, ODDS_IDN);
	int64_t range = 10;
	int rc;

	if (idn)
		label_idn(g, base, sizeof(base));
	else
		label_ascii(g, base, sizeof(base));
	snprintf(label, sizeof(label), "%s", base);
	for (int i = 0; i < NAME_TRIES; i++) {
		if ((rc = name_set(g, p, label)) != REG_OK)
			return rc;
		if (name_free(g, p->d.name)) {
			g->n.idn += idn;
			return REG_OK;
		}
		if (i % 10 == 9 && range < NAME_RANGE_MAX)
			range *= 10;
		snprintf(label, sizeof(label), "%s%u", base,
		    (unsigned)rng_span(&g->rng, 1, range));
	}
	return reg_fail(&g->err, REG_EEXISTS, "no free name like %s", base);
}

/* --- one domain ---------------------------------------------------------- */

static struct rar *
other_registrar(struct gen *g, const struct rar *not)
{
	struct rar *r;

	if (g->nrar < 2)
		return NULL;
	while ((r = &g->rar[skew_pick(&g->rar_share, &g->rng)]) == not)
		;
	return r;
}

/* The first anniversary of created after now: expiry within a year. */
static int64_t
expiry_after(int64_t created, int64_t now)
{
	int years = (int)((now - created) / YEAR) + 1;
	int64_t t;

	while (years > 1 && time_add_months(created, 12 * (years - 1)) > now)
		years--;
	while ((t = time_add_months(created, 12 * years)) <= now)
		years++;
	return t;
}

/* Created over 20 years with more recent names; expiry in the next year;
 * some updated since, some transferred from another registrar. */
static void
plan_dates(struct gen *g, struct plan *p)
{
	struct reg_domain *d = &p->d;
	double u = rng_unit(&g->rng);
	struct rar *from;

	d->created = g->now - 1 - (int64_t)(u * u * (double)(HISTORY_YEARS * YEAR));
	d->expires = expiry_after(d->created, g->now);
	d->sponsor_id = d->creator_id = p->rar->id;
	if (rng_odds(&g->rng, ODDS_TRANSFERRED) && (from = other_registrar(g, p->rar))) {
		d->creator_id = from->id;
		d->transferred = rng_span(&g->rng, d->created, g->now);
	}
	if (rng_odds(&g->rng, ODDS_UPDATED)) {
		d->updated = rng_span(&g->rng, d->created, g->now);
		d->updater_id = d->sponsor_id;
		if (d->updated < d->transferred)
			d->updated = d->transferred;
	}
}

static void
plan_ds(struct gen *g, struct plan *p, int n)
{
	unsigned char digest[DIGEST_BYTES];

	for (int i = 0; i < n; i++) {
		struct reg_ds *ds = &p->ds[i];
		char *hex = arena_alloc(g->a, 2 * DIGEST_BYTES + 1);

		for (size_t k = 0; k < sizeof(digest); k++)
			digest[k] = (unsigned char)rng_next(&g->rng);
		hex_encode(digest, sizeof(digest), hex);
		for (char *c = hex; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		*ds = (struct reg_ds){ .key_tag = (int)rng_below(&g->rng, 65536),
		    .alg = DS_ALG, .digest_type = DS_DIGEST_TYPE, .digest = hex };
	}
	p->d.ds = p->ds;
	p->d.nds = n;
	g->n.ds_domains += n > 0;
	g->n.ds_records += n;
}

/* None (inactive), in-zone hosts, or a hoster's set; DS for some. */
static void
plan_delegation(struct gen *g, struct plan *p)
{
	uint64_t u = rng_below(&g->rng, PER_100K);
	const int64_t *hoster;

	if (u < ODDS_NO_NS) {
		p->status[p->nstatus++] = "inactive";
		g->n.nons++;
		return;
	}
	if (u < ODDS_NO_NS + ODDS_INZONE) {
		p->inzone = true;
		g->n.inzone++;
	} else {
		hoster = g->provider[skew_pick(&g->provider_share, &g->rng)];
		for (int k = 0; k < NS_PER_PROVIDER && hoster[k] != 0; k++)
			p->ns[p->d.nns++] = hoster[k];
		p->d.ns_id = p->ns;
	}
	if (rng_odds(&g->rng, ODDS_DS))
		plan_ds(g, p, rng_odds(&g->rng, ODDS_SECOND_DS) ? MAX_DS : 1);
}

/* Redemption, pending delete or a pending transfer for a few; registrar
 * and registry statuses for the rest. */
static void
plan_lifecycle(struct gen *g, struct plan *p)
{
	const struct reg_config *cfg = g->cfg;
	uint64_t u = rng_below(&g->rng, PER_100K);
	struct reg_domain *d = &p->d;

	if (u < ODDS_REDEMPTION + ODDS_RGP_PENDING_DELETE) {
		int64_t ago = (int64_t)rng_below(&g->rng, (uint64_t)cfg->periods.redemption);

		d->rgp = "redemptionPeriod";
		if (u >= ODDS_REDEMPTION) {
			d->rgp = "pendingDelete";
			ago = cfg->periods.redemption +
			    (int64_t)rng_below(&g->rng, (uint64_t)cfg->periods.pending_delete);
		}
		d->deleted = g->now - ago;
		d->expires = time_add_months(d->expires, -12);
		p->status[p->nstatus++] = "pendingDelete";
		g->n.rgp++;
	} else if (u < ODDS_REDEMPTION + ODDS_RGP_PENDING_DELETE + ODDS_PENDING_TRANSFER &&
	    (p->gaining = other_registrar(g, p->rar)) != NULL) {
		p->status[p->nstatus++] = "pendingTransfer";
	} else {
		p->nstatus = draw_statuses(g, domain_odds, nitems(domain_odds), p->status,
		    p->nstatus);
	}
}

static int
plan_domain(struct gen *g, struct plan *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->rar = &g->rar[skew_pick(&g->rar_share, &g->rng)];
	if ((rc = plan_name(g, p)) != REG_OK)
		return rc;
	plan_dates(g, p);
	if ((rc = plan_contacts(g, p)) != REG_OK)
		return rc;
	plan_delegation(g, p);
	plan_lifecycle(g, p);
	return REG_OK;
}

/* The losing registrar hears of it through its poll queue. */
static int
transfer_write(struct gen *g, struct plan *p)
{
	const struct reg_config *cfg = g->cfg;
	struct reg_transfer t = { .kind = "domain", .object_id = p->d.id,
	    .state = "pending", .gaining_id = p->gaining->id, .losing_id = p->rar->id,
	    .years = 1 };
	int rc;

	t.requested = g->now - (int64_t)rng_below(&g->rng,
	    (uint64_t)cfg->periods.transfer_pending);
	t.acted = t.requested + cfg->periods.transfer_pending;
	t.expires = time_add_months(p->d.expires, 12);
	if ((rc = store_transfer_put(g->st, &t)) != REG_OK)
		return rc;
	g->n.transfers++;
	return store_poll_add(g->st, p->rar->id, t.requested, "Transfer requested.", NULL);
}

/* addPeriod for names created in the last days, autoRenewPeriod for those
 * whose anniversary passed within the auto-renew grace. */
static int
grace_write(struct gen *g, struct plan *p)
{
	const struct reg_config *cfg = g->cfg;
	int64_t renewed = time_add_months(p->d.expires, -12);
	struct reg_grace gr = { .registrar_id = p->d.sponsor_id, .years = 1 };

	if (p->d.rgp != NULL)
		return REG_OK;
	if (g->now - p->d.created < cfg->periods.add_grace) {
		gr.period = "addPeriod";
		gr.ends = p->d.created + cfg->periods.add_grace;
		gr.amount = cfg->prices.create;
	} else if (renewed > p->d.created && g->now - renewed < cfg->periods.autorenew_grace) {
		gr.period = "autoRenewPeriod";
		gr.ends = renewed + cfg->periods.autorenew_grace;
		gr.amount = cfg->prices.renew;
	} else
		return REG_OK;
	g->n.grace++;
	return store_grace_add(g->st, p->d.id, &gr);
}

static int
domain_write(struct gen *g, struct plan *p)
{
	int rc;

	if ((rc = store_roid_new(g->st, g->a, 'D', &p->d.roid)) != REG_OK ||
	    (rc = store_domain_create(g->st, &p->d, &p->d.id, &g->err)) != REG_OK ||
	    (rc = store_authinfo_set(g->st, p->d.roid, authinfo_new(g))) != REG_OK)
		return rc;
	if (p->inzone && (rc = inzone_hosts_write(g, p)) != REG_OK)
		return rc;
	if (p->gaining != NULL && (rc = transfer_write(g, p)) != REG_OK)
		return rc;
	if ((rc = grace_write(g, p)) != REG_OK)
		return rc;
	g->n.domains++;
	return statuses_write(g, "domain", p->d.id, p->status, p->nstatus);
}

/* --- bulk mode ----------------------------------------------------------- */

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
batch_commit(struct gen *g)
{
	int rc = store_commit(g->st, &g->err);

	arena_reset(g->a);
	return rc;
}

static int
generate(struct gen *g, int64_t n, int64_t batch, const struct timespec *t0)
{
	struct plan p;
	int rc = REG_OK;

	for (int64_t i = 0; i < n; i++) {
		if (i % batch == 0 && (i == 0 || (rc = batch_commit(g)) == REG_OK))
			rc = store_begin(g->st);
		if (rc != REG_OK ||
		    (rc = plan_domain(g, &p)) != REG_OK ||
		    (rc = domain_write(g, &p)) != REG_OK)
			return rc;
		if ((i + 1) % PROGRESS_EVERY == 0) {
			double s = seconds_since(t0);
			printf("gendata: %" PRId64 " domains, %.1f s, %.0f/s\n", i + 1, s,
			    (double)(i + 1) / s);
			fflush(stdout);
		}
	}
	return n > 0 ? batch_commit(g) : REG_OK;
}

static int
status_count_cmp(const void *a, const void *b)
{
	const struct status_count *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	return c ? c : strcmp(x->status, y->status);
}

static void
summary(struct gen *g, double secs)
{
	const struct counts *n = &g->n;

	printf("gendata: %" PRId64 " domains in %.1f s (%.0f/s), %zu registrars\n",
	    n->domains, secs, secs > 0 ? (double)n->domains / secs : 0.0, g->nrar);
	printf("  contacts %" PRId64 " (%.2f domains each)\n", n->contacts,
	    n->contacts ? (double)n->domains / (double)n->contacts : 0.0);
	printf("  hosts %" PRId64 " external, %" PRId64 " in-zone with glue on %" PRId64
	    " domains\n", n->ext_hosts, n->inzone_hosts, n->inzone);
	printf("  DS on %" PRId64 " domains (%" PRId64 " records), IDN %" PRId64
	    ", no name servers %" PRId64 "\n", n->ds_domains, n->ds_records, n->idn, n->nons);
	printf("  redemption/pendingDelete %" PRId64 ", pending transfers %" PRId64
	    ", grace periods %" PRId64 "\n", n->rgp, n->transfers, n->grace);
	qsort(g->status, g->nstatus, sizeof(g->status[0]), status_count_cmp);
	for (size_t i = 0; i < g->nstatus; i++)
		printf("  %s %s %" PRId64 "\n", g->status[i].kind, g->status[i].status,
		    g->status[i].n);
}

static int
bulk(struct gen *g, int64_t n, size_t nrar, int64_t batch)
{
	struct timespec t0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = store_begin(g->st)) != REG_OK)
		return rc;
	if ((rc = registrars_setup(g, nrar)) != REG_OK ||
	    (rc = providers_setup(g, n)) != REG_OK ||
	    (rc = batch_commit(g)) != REG_OK)
		return rc;
	if ((rc = generate(g, n, batch, &t0)) != REG_OK)
		return rc;
	summary(g, seconds_since(&t0));
	return REG_OK;
}

/* --- demo mode ----------------------------------------------------------- */

enum demo_ns { DEMO_NS_NONE, DEMO_NS_EXTERNAL, DEMO_NS_INZONE };

struct demo_domain {
	const char *label, *sponsor, *registrant, *tech;
	enum demo_ns ns;
	int nds;
	const char *status;
};

/* Contacts: handle and sponsor; the person is drawn from the tables. */
static const char *const demo_contacts[][2] = {
	{ "demo-c1", "demo" }, { "demo-c2", "demo" }, { "demo2-c1", "demo2" },
};

static const char *const demo_hosts[] = {
	"ns1.dns.example.net", "ns2.dns.example.net",
};

static const struct demo_domain demo_domains[] = {
	{ "example", "demo", "demo-c1", "demo-c2", DEMO_NS_INZONE, 0, NULL },
	{ "räksmörgås", "demo", "demo-c1", "demo-c2", DEMO_NS_EXTERNAL, 0, NULL },
	{ "secure", "demo", "demo-c1", "demo-c2", DEMO_NS_EXTERNAL, 2, "clientTransferProhibited" },
	{ "held", "demo2", "demo2-c1", "demo2-c1", DEMO_NS_EXTERNAL, 0, "serverHold" },
	{ "shop", "demo2", "demo2-c1", "demo2-c1", DEMO_NS_EXTERNAL, 1, NULL },
	{ "parked", "demo2", "demo2-c1", "demo2-c1", DEMO_NS_NONE, 0, "inactive" },
};

static struct rar *
demo_registrar(struct gen *g, const char *handle)
{
	for (size_t i = 0; i < g->nrar; i++)
		if (strcmp(g->rar[i].handle, handle) == 0)
			return &g->rar[i];
	return NULL;
}

static int
demo_registrars(struct gen *g)
{
	static const char *const handles[] = { "demo", "demo2" };
	struct reg_registrar r;

	g->rar = xcalloc(nitems(handles), sizeof(*g->rar));
	for (size_t i = 0; i < nitems(handles); i++) {
		if (store_registrar_get(g->st, g->a, handles[i], &r) != REG_OK)
			return reg_fail(&g->err, REG_ENOTFOUND,
			    "registrar %s does not exist: create it with regctl first", handles[i]);
		g->rar[i].id = r.id;
		g->rar[i].handle = xstrdup(handles[i]);
		g->nrar++;
	}
	skew_init(&g->rar_share, g->nrar, REGISTRAR_SKEW);
	return REG_OK;
}

static int
demo_objects(struct gen *g)
{
	struct reg_contact c;
	struct reg_host h = { 0 }, have;
	int64_t id;
	int rc;

	for (size_t i = 0; i < nitems(demo_contacts); i++) {
		if (store_contact_get(g->st, g->a, demo_contacts[i][0], &c) == REG_OK)
			continue;
		contact_fill(g, &c, demo_registrar(g, demo_contacts[i][1]),
		    g->now - 2 * YEAR, i > 0);
		c.handle = (char *)demo_contacts[i][0];
		if ((rc = contact_write(g, &c, &id)) != REG_OK)
			return rc;
	}
	h.sponsor_id = h.creator_id = g->rar[0].id;
	h.created = g->now - 3 * YEAR;
	for (size_t i = 0; i < nitems(demo_hosts); i++) {
		h.name = (char *)demo_hosts[i];
		if (store_host_get(g->st, g->a, h.name, &have) != REG_OK &&
		    (rc = host_write(g, &h, &id)) != REG_OK)
			return rc;
	}
	return REG_OK;
}

static int
contact_id(struct gen *g, const char *handle, int64_t *id)
{
	struct reg_contact c;
	int rc = store_contact_get(g->st, g->a, handle, &c);

	*id = c.id;
	return rc == REG_ENOTFOUND ? reg_fail(&g->err, rc, "no contact %s", handle) : rc;
}

static int
demo_plan(struct gen *g, const struct demo_domain *dd, struct plan *p)
{
	struct reg_host h;
	int rc;

	memset(p, 0, sizeof(*p));
	p->rar = demo_registrar(g, dd->sponsor);
	if ((rc = name_set(g, p, dd->label)) != REG_OK)
		return rc;
	plan_dates(g, p);
	p->c[0].type = "admin";
	p->c[1].type = "tech";
	if ((rc = contact_id(g, dd->registrant, &p->d.registrant_id)) != REG_OK ||
	    (rc = contact_id(g, dd->registrant, &p->c[0].contact_id)) != REG_OK ||
	    (rc = contact_id(g, dd->tech, &p->c[1].contact_id)) != REG_OK)
		return rc;
	p->d.contact = p->c;
	p->d.ncontact = 2;
	p->inzone = dd->ns == DEMO_NS_INZONE;
	for (size_t k = 0; dd->ns == DEMO_NS_EXTERNAL && k < nitems(demo_hosts); k++) {
		if ((rc = store_host_get(g->st, g->a, demo_hosts[k], &h)) != REG_OK)
			return rc;
		p->ns[p->d.nns++] = h.id;
	}
	p->d.ns_id = p->ns;
	plan_ds(g, p, dd->nds);
	if (dd->status != NULL)
		p->status[p->nstatus++] = dd->status;
	return REG_OK;
}

/* "name sponsor authInfo PW [U-label] [(new)]", one line a domain. */
static void
demo_print(struct gen *g, const struct demo_domain *dd, bool made)
{
	struct reg_domain d;
	char *pw = NULL;
	struct plan p = { 0 };

	if (name_set(g, &p, dd->label) != REG_OK ||
	    store_domain_get(g->st, g->a, p.d.name, &d) != REG_OK)
		return;
	store_authinfo_get(g->st, g->a, d.roid, &pw);
	printf("%-26s %-6s authInfo %s%s%s%s\n", d.name, dd->sponsor, pw ? pw : "-",
	    d.uname ? "  " : "", d.uname ? d.uname : "", made ? "  (new)" : "");
}

static int
demo(struct gen *g)
{
	bool made[nitems(demo_domains)] = { 0 };
	struct plan p;
	int rc;

	if ((rc = demo_registrars(g)) != REG_OK || (rc = store_begin(g->st)) != REG_OK)
		return rc;
	if ((rc = demo_objects(g)) != REG_OK)
		return rc;
	for (size_t i = 0; i < nitems(demo_domains); i++) {
		if ((rc = demo_plan(g, &demo_domains[i], &p)) != REG_OK)
			return rc;
		if (store_domain_exists(g->st, p.d.name))
			continue;
		if ((rc = domain_write(g, &p)) != REG_OK)
			return rc;
		made[i] = true;
	}
	if ((rc = store_commit(g->st, &g->err)) != REG_OK)
		return rc;
	for (size_t i = 0; i < nitems(demo_domains); i++)
		demo_print(g, &demo_domains[i], made[i]);
	return REG_OK;
}

/* --- main ---------------------------------------------------------------- */

struct options {
	const char *config;
	int64_t n, seed, nrar, batch, now;
	bool demo, nolog, verbose;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: gendata -c config -n domains [--seed n] [--registrars n]\n"
	    "               [--batch n] [--now time] [--nolog] [-v]\n"
	    "       gendata -c config --demo\n");
	exit(2);
}

static int64_t
number(const char *s, int64_t min)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || n < min)
		usage();
	return n;
}

/* Today at 00:00 UTC, so that runs on one day give the same data. */
static int64_t
today(void)
{
	int64_t t = (int64_t)time(NULL);

	return t - t % DAY;
}

static void
options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "registrars", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "now", required_argument, NULL, 't' },
		{ "nolog", no_argument, NULL, 'L' },
		{ "demo", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct options){ .n = -1, .seed = DEFAULT_SEED, .nrar = DEFAULT_REGISTRARS,
	    .batch = DEFAULT_BATCH, .now = today() };
	while ((ch = getopt_long(argc, argv, "c:n:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'n': o->n = number(optarg, 0); break;
		case 's': o->seed = number(optarg, 0); break;
		case 'r': o->nrar = number(optarg, 1); break;
		case 'b': o->batch = number(optarg, 1); break;
		case 't':
			if ((o->now = time_parse(optarg)) < 0)
				o->now = number(optarg, 0);
			break;
		case 'L': o->nolog = true; break;
		case 'D': o->demo = true; break;
		case 'v': o->verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc || o->config == NULL || o->demo == (o->n >= 0))
		usage();
}

static void
gen_open(struct gen *g, const struct options *o)
{
	int flags = o->demo ? 0 : STORE_CREATE | STORE_FAST | (o->nolog ? STORE_NOLOG : 0);

	if ((g->cfg = config_load(o->config, &g->err)) == NULL)
		fatalx("%s", reg_err_text(&g->err));
	if ((g->policy = name_policy_new(g->cfg, &g->err)) == NULL)
		fatalx("%s", reg_err_text(&g->err));
	if ((g->st = store_open(g->cfg->database.master, flags, &g->err)) == NULL)
		fatalx("%s", reg_err_text(&g->err));
	store_set_roid_suffix(g->st, g->cfg->registry.roid_suffix);
	g->a = arena_new();
	g->rng.s = (uint64_t)o->seed;
	g->now = o->now;
	g->demo = o->demo;
}

static void
gen_close(struct gen *g)
{
	for (size_t i = 0; i < g->nrar; i++) {
		free(g->rar[i].handle);
		free(g->rar[i].holders.v);
		free(g->rar[i].staff.v);
	}
	free(g->rar);
	free(g->rar_share.cum);
	free(g->provider);
	free(g->provider_share.cum);
	store_close(g->st);
	arena_free(g->a);
	name_policy_free(g->policy);
	config_free(g->cfg);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct gen g = { 0 };
	int rc;

	options_parse(argc, argv, &o);
	log_init("gendata", o.verbose);
	gen_open(&g, &o);
	rc = o.demo ? demo(&g) : bulk(&g, o.n, (size_t)o.nrar, o.batch);
	if (rc != REG_OK) {
		store_rollback(g.st);
		fprintf(stderr, "gendata: %s\n",
		    g.err.code == rc ? reg_err_text(&g.err) : reg_strerror(rc));
	}
	gen_close(&g);
	return rc == REG_OK ? 0 : 1;
}
