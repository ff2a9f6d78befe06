/*
 * ext_secdns.c: the DNS security extension, secDNS-1.1 (RFC 5910), with
 * the DS data interface only.
 *
 * A <secDNS:keyData> interface command is refused with 2306 (RFC 5910 4:
 * "an unsupported interface"); keyData inside dsData is kept and shown.
 * The urgent attribute is not supported (2102, RFC 5910 5.2.5).
 * maxSigLife is stored and shown. DS records are checked against the
 * algorithms a validator may trust (RFC 8624 3.1) and the digest length
 * of their type (RFC 4509, 6605), at most DOMAIN_MAX_DS per domain.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util.h"

#define U8_MAX 255
#define U16_MAX 65535
#define DNSKEY_PROTOCOL 3	/* RFC 4034 2.1.2 */

/* DNSKEY algorithms accepted for DS records (RFC 8624 3.1: MUST or
 * RECOMMENDED for validation). */
static const int ds_algorithms[] = { 5, 7, 8, 10, 13, 14, 15, 16 };

/* Digest types and their digest length in hex digits. */
static const struct {
	int type, hexlen;
} ds_digests[] = {
	{ 1, 40 },	/* SHA-1 (RFC 4034) */
	{ 2, 64 },	/* SHA-256 (RFC 4509) */
	{ 4, 96 },	/* SHA-384 (RFC 6605) */
};

/* --- parsing ------------------------------------------------------------------ */

static int
parse_uint(struct epp_cmd *c, xmlNodePtr parent, const char *name, long max, int *out)
{
	xmlNodePtr n = xml_child(parent, name);
	const char *text = xml_text(c->a, n);
	char *end;
	long v;

	if (text == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, parent, "%s missing", name);
	v = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || v < 0 || v > max)
		return epp_fail(c, EPP_PARAM_RANGE, n, "%s must be 0 to %ld", name, max);
	*out = (int)v;
	return 0;
}

static int
parse_key(struct epp_cmd *c, xmlNodePtr k, struct reg_ds *ds)
{
	int rc;

	if ((rc = parse_uint(c, k, "flags", U16_MAX, &ds->key_flags)) != 0 ||
	    (rc = parse_uint(c, k, "protocol", U8_MAX, &ds->key_protocol)) != 0 ||
	    (rc = parse_uint(c, k, "alg", U8_MAX, &ds->key_alg)) != 0)
		return rc;
	if (ds->key_protocol != DNSKEY_PROTOCOL)
		return epp_fail(c, EPP_PARAM_POLICY, k, "keyData protocol must be %d",
		    DNSKEY_PROTOCOL);
	ds->key_pub = (char *)xml_child_text(c->a, k, "pubKey");
	if (ds->key_pub == NULL || *ds->key_pub == '\0')
		return epp_fail(c, EPP_MISSING_PARAM, k, "pubKey missing");
	ds->has_key = true;
	return 0;
}

static int
digest_len(int type)
{
	for (size_t i = 0; i < nitems(ds_digests); i++)
		if (ds_digests[i].type == type)
			return ds_digests[i].hexlen;
	return -1;
}

static bool
alg_known(int alg)
{
	for (size_t i = 0; i < nitems(ds_algorithms); i++)
		if (ds_algorithms[i] == alg)
			return true;
	return false;
}

/* The digest in upper case without the whitespace hexBinary may carry. */
static char *
digest_text(struct epp_cmd *c, xmlNodePtr n)
{
	const char *in = xml_text(c->a, n);
	char *out, *p;

	if (in == NULL)
		return NULL;
	p = out = arena_alloc(c->a, strlen(in) + 1);
	for (; *in; in++)
		if (!isspace((unsigned char)*in))
			*p++ = (char)toupper((unsigned char)*in);
	return out;
}

static int
parse_ds(struct epp_cmd *c, xmlNodePtr n, struct reg_ds *ds)
{
	xmlNodePtr key = xml_child(n, "keyData");
	int rc, want;

	memset(ds, 0, sizeof(*ds));
	if ((rc = parse_uint(c, n, "keyTag", U16_MAX, &ds->key_tag)) != 0 ||
	    (rc = parse_uint(c, n, "alg", U8_MAX, &ds->alg)) != 0 ||
	    (rc = parse_uint(c, n, "digestType", U8_MAX, &ds->digest_type)) != 0 ||
	    (key != NULL && (rc = parse_key(c, key, ds)) != 0))
		return rc;
	if (!alg_known(ds->alg))
		return epp_fail(c, EPP_PARAM_POLICY, n, "DNSSEC algorithm %d is not accepted",
		    ds->alg);
	if ((want = digest_len(ds->digest_type)) < 0)
		return epp_fail(c, EPP_PARAM_POLICY, n, "digest type %d is not accepted",
		    ds->digest_type);
	ds->digest = digest_text(c, xml_child(n, "digest"));
	if (ds->digest == NULL || (int)strlen(ds->digest) != want ||
	    strspn(ds->digest, "0123456789ABCDEF") != (size_t)want)
		return epp_fail(c, EPP_PARAM_POLICY, n,
		    "a digest of type %d has %d hex digits", ds->digest_type, want);
	return 0;
}

/* Every <secDNS:dsData> child of parent into a new array. */
static int
parse_ds_list(struct epp_cmd *c, xmlNodePtr parent, struct reg_ds **out, int *n)
{
	xmlNodePtr first = xml_child(parent, "dsData"), e;
	int count = 0, rc;

	if (xml_child(parent, "keyData") != NULL)
		return epp_fail(c, EPP_PARAM_POLICY, xml_child(parent, "keyData"),
		    "the keyData interface is not supported: use dsData");
	for (e = first; e != NULL; e = xml_next_same(e))
		if (++count > DOMAIN_MAX_DS)
			return epp_fail(c, EPP_PARAM_POLICY, e, "at most %d DS records",
			    DOMAIN_MAX_DS);
	*out = arena_alloc(c->a, sizeof(**out) * (size_t)(count + 1));
	*n = 0;
	for (e = first; e != NULL; e = xml_next_same(e))
		if ((rc = parse_ds(c, e, &(*out)[(*n)++])) != 0)
			return rc;
	return 0;
}

static int
parse_msl(struct epp_cmd *c, xmlNodePtr parent, struct secdns_change *ch)
{
	xmlNodePtr n = xml_child(parent, "maxSigLife");
	const char *text = xml_text(c->a, n);
	char *end;
	long long v;

	if (n == NULL)
		return 0;
	v = strtoll(text, &end, 10);
	if (*text == '\0' || *end != '\0' || v < 1 || v > INT32_MAX)
		return epp_fail(c, EPP_PARAM_RANGE, n, "maxSigLife must be 1 to %d", INT32_MAX);
	ch->set_msl = true;
	ch->max_sig_life = v;
	return 0;
}

int
secdns_parse_create(struct epp_cmd *c, struct secdns_change *ch)
{
	xmlNodePtr el = dom_ext(c, NS_SECDNS, "create");
	int rc;

	memset(ch, 0, sizeof(*ch));
	if (el == NULL)
		return 0;
	ch->present = true;
	if ((rc = parse_msl(c, el, ch)) != 0)
		return rc;
	return parse_ds_list(c, el, &ch->add, &ch->nadd);
}

static bool
is_true(const char *s)
{
	return s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

int
secdns_parse_update(struct epp_cmd *c, struct secdns_change *ch)
{
	xmlNodePtr el = dom_ext(c, NS_SECDNS, "update"), rem, add, chg;
	int rc;

	memset(ch, 0, sizeof(*ch));
	if (el == NULL)
		return 0;
	ch->present = true;
	if (is_true(xml_attr(c->a, el, "urgent")))
		return epp_fail(c, EPP_UNIMPL_OPTION, NULL, "urgent updates are not supported");
	rem = xml_child(el, "rem");
	add = xml_child(el, "add");
	chg = xml_child(el, "chg");
	if (rem != NULL && xml_child(rem, "all") != NULL)
		ch->rem_all = is_true(xml_child_text(c->a, rem, "all"));
	else if (rem != NULL && (rc = parse_ds_list(c, rem, &ch->rem, &ch->nrem)) != 0)
		return rc;
	if (add != NULL && ((rc = parse_msl(c, add, ch)) != 0 ||
	    (rc = parse_ds_list(c, add, &ch->add, &ch->nadd)) != 0))
		return rc;
	return chg != NULL ? parse_msl(c, chg, ch) : 0;
}

/* --- applying ------------------------------------------------------------------ */

static bool
ds_same(const struct reg_ds *a, const struct reg_ds *b)
{
	return a->key_tag == b->key_tag && a->alg == b->alg &&
	    a->digest_type == b->digest_type && strcmp(a->digest, b->digest) == 0;
}

static int
ds_find(const struct reg_ds *v, int n, const struct reg_ds *ds)
{
	for (int i = 0; i < n; i++)
		if (ds_same(&v[i], ds))
			return i;
	return -1;
}

int
secdns_apply(struct epp_cmd *c, const struct secdns_change *ch, struct reg_domain *d)
{
	struct reg_ds *v = arena_alloc(c->a, sizeof(*v) * (size_t)(d->nds + ch->nadd + 1));
	int n = 0;

	for (int i = 0; i < ch->nrem; i++)
		if (ds_find(d->ds, d->nds, &ch->rem[i]) < 0)
			return epp_fail(c, EPP_PARAM_POLICY, NULL,
			    "DS record %d %d %d is not on the domain", ch->rem[i].key_tag,
			    ch->rem[i].alg, ch->rem[i].digest_type);
	for (int i = 0; i < d->nds && !ch->rem_all; i++)
		if (ds_find(ch->rem, ch->nrem, &d->ds[i]) < 0)
			v[n++] = d->ds[i];
	for (int i = 0; i < ch->nadd; i++) {
		if (ds_find(v, n, &ch->add[i]) >= 0)
			return epp_fail(c, EPP_PARAM_POLICY, NULL,
			    "DS record %d %d %d is already on the domain", ch->add[i].key_tag,
			    ch->add[i].alg, ch->add[i].digest_type);
		v[n++] = ch->add[i];
	}
	if (n > DOMAIN_MAX_DS)
		return epp_fail(c, EPP_PARAM_POLICY, NULL, "at most %d DS records", DOMAIN_MAX_DS);
	d->ds = v;
	d->nds = n;
	if (ch->set_msl)
		d->max_sig_life = ch->max_sig_life;
	return 0;
}

/* --- info ----------------------------------------------------------------------- */

static void
info_ds(xmlNodePtr inf, const struct reg_ds *ds)
{
	xmlNodePtr e = xml_add(inf, "dsData", NULL), k;

	xml_addf(e, "keyTag", "%d", ds->key_tag);
	xml_addf(e, "alg", "%d", ds->alg);
	xml_addf(e, "digestType", "%d", ds->digest_type);
	xml_add(e, "digest", ds->digest);
	if (!ds->has_key)
		return;
	k = xml_add(e, "keyData", NULL);
	xml_addf(k, "flags", "%d", ds->key_flags);
	xml_addf(k, "protocol", "%d", ds->key_protocol);
	xml_addf(k, "alg", "%d", ds->key_alg);
	xml_add(k, "pubKey", ds->key_pub);
}

void
secdns_info(struct epp_cmd *c, const struct reg_domain *d)
{
	xmlNodePtr inf;

	if (d->nds == 0 || !dom_client_ext(c, NS_SECDNS))
		return;
	inf = epp_extdata(c, NS_SECDNS, "infData");
	if (d->max_sig_life != 0)
		xml_addf(inf, "maxSigLife", "%lld", (long long)d->max_sig_life);
	for (int i = 0; i < d->nds; i++)
		info_ds(inf, &d->ds[i]);
}
