/*
 * cmd_contact.c: the contact commands of RFC 5733: check, info, create,
 * update and delete (transfer: cmd_contact_transfer.c).
 *
 * Policy:
 *   - Ids are clIDType (3 to 16 characters) made of ASCII letters, digits,
 *     '.', '-' and '_'; anything else is 2005 on create and avail="0" with
 *     the reason on check. Ids are case-sensitive, as the RFC has them.
 *   - postalInfo type="int" must be 7-bit ASCII (RFC 5733 2.3; 2005), the
 *     same type twice is 2306, cc must be an ISO 3166-1 alpha-2 code
 *     (2005; stored upper case), the email must look like one (2005), a
 *     phone extension is digits. authInfo is a password of
 *     AUTHINFO_MIN..AUTHINFO_MAX characters (2306); <ext> authInfo is
 *     2102.
 *   - Data collection policy: nothing is disclosed by default; the
 *     elements of a <disclose flag="1"> become public, flag="0" makes them
 *     private again. Every preference conforms to that policy, so no
 *     command gets 2308. The DISCLOSE_* bits of store.h hold the result.
 *   - info: the sponsor, or a registrar that gives the right authInfo,
 *     sees every field (authInfo itself only the sponsor, RFC 5733 3.1.2);
 *     a wrong authInfo is 2202. Anyone else sees the disclosed fields;
 *     fields the schema requires but that are private (name, city, email)
 *     read REDACTED and optional private ones are left out; the country
 *     code always shows.
 *   - update: chg of a postalInfo replaces the parts given (an <addr>
 *     replaces the whole address; an empty <org/> removes it); a form the
 *     contact lacks needs name and addr (2003). An empty <voice/> or
 *     <fax/> removes the number.
 *   - delete: 2305 while a domain uses the contact in any role.
 *   - No extension applies to contact commands (2103); a check takes at
 *     most EPP_CHECK_MAX ids (2306).
 */
#include <ctype.h>
#include <string.h>

#include "eppd.h"
#include "status.h"
#include "util.h"

#define CONTACT_ID_MIN	3	/* eppcom:clIDType */
#define CONTACT_ID_MAX	16
#define AUTHINFO_MIN	6
#define AUTHINFO_MAX	64
#define PHONE_EXT_MAX	10
#define EMAIL_MAX	254	/* RFC 5321 4.5.3.1.3, less the brackets */
#define EMAIL_LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1 */
#define REDACTED	"REDACTED FOR PRIVACY"

static const char kind[] = "contact";
static const char id_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_";

/* ISO 3166-1 alpha-2, officially assigned codes. */
static const char iso3166[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI "
    "BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN "
    "CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP "
    "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

/* The disclose elements in schema order, and their bits. */
static const struct {
	const char *elem, *type;	/* type NULL: the element has none */
	unsigned bit;
} disclose_map[] = {
	{ "name", "int", DISCLOSE_NAME_INT }, { "name", "loc", DISCLOSE_NAME_LOC },
	{ "org", "int", DISCLOSE_ORG_INT }, { "org", "loc", DISCLOSE_ORG_LOC },
	{ "addr", "int", DISCLOSE_ADDR_INT }, { "addr", "loc", DISCLOSE_ADDR_LOC },
	{ "voice", NULL, DISCLOSE_VOICE }, { "fax", NULL, DISCLOSE_FAX },
	{ "email", NULL, DISCLOSE_EMAIL },
};

/* The two postalInfo forms and the disclose bits of their parts. */
struct postal_form {
	const char *type;
	unsigned name, org, addr;
};
static const struct postal_form form_int = {
	"int", DISCLOSE_NAME_INT, DISCLOSE_ORG_INT, DISCLOSE_ADDR_INT
};
static const struct postal_form form_loc = {
	"loc", DISCLOSE_NAME_LOC, DISCLOSE_ORG_LOC, DISCLOSE_ADDR_LOC
};

/* What check fills for exec. */
struct contact_req {
	struct reg_contact ct;		/* the contact as it will be */
	const char *pw;			/* new authInfo, or NULL */
	struct status_change st;	/* update */
};

/* --- reading values ------------------------------------------------------------ */

/* Why id is not a contact id we accept, or NULL. */
static const char *
id_invalid(const char *id)
{
	size_t len = id ? strlen(id) : 0;

	if (len < CONTACT_ID_MIN || len > CONTACT_ID_MAX)
		return "a contact id has 3 to 16 characters";
	if (strspn(id, id_chars) != len)
		return "a contact id has only ASCII letters, digits, '.', '-' and '_'";
	return NULL;
}

/* Element text into *out (NULL when empty): line breaks and tabs become
 * spaces (normalizedString), other control characters are refused, and
 * so is non-ASCII text where ascii is set. */
static int
text_field(struct epp_cmd *c, xmlNodePtr n, bool ascii, char **out)
{
	char *t = (char *)xml_text(c->a, n);

	for (unsigned char *p = (unsigned char *)t; p && *p; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
		else if (*p < 0x20 || *p == 0x7f)
			return epp_fail(c, EPP_PARAM_SYNTAX, n, "control character in %s",
			    (const char *)n->name);
		else if (ascii && *p >= 0x80)
			return epp_fail(c, EPP_PARAM_SYNTAX, n, "postalInfo type=\"int\" "
			    "must be 7-bit ASCII (RFC 5733 2.3); use type=\"loc\"");
	}
	*out = t && *t ? t : NULL;
	return EPP_OK;
}

static bool
cc_valid(char *cc)
{
	if (cc == NULL || strlen(cc) != 2)
		return false;
	cc[0] = (char)toupper((unsigned char)cc[0]);
	cc[1] = (char)toupper((unsigned char)cc[1]);
	for (const char *p = iso3166; *p; p += p[2] ? 3 : 2)
		if (p[0] == cc[0] && p[1] == cc[1])
			return true;
	return false;
}

/* A <contact:addr>: up to three streets, city, sp, pc, cc. */
static int
address_parse(struct epp_cmd *c, xmlNodePtr n, bool ascii, struct reg_address *out)
{
	struct reg_address a = { 0 };
	struct { const char *name; char **dst; } f[] = {
		{ "city", &a.city }, { "sp", &a.sp }, { "pc", &a.pc }, { "cc", &a.cc },
	};
	xmlNodePtr x;
	int i = 0, rc;

	for (x = xml_child(n, "street"); x != NULL && i < 3; x = xml_next_same(x))
		if ((rc = text_field(c, x, ascii, &a.street[i])) != EPP_OK)
			return rc;
		else if (a.street[i] != NULL)
			i++;
	for (size_t k = 0; k < nitems(f); k++)
		if ((x = xml_child(n, f[k].name)) != NULL &&
		    (rc = text_field(c, x, ascii, f[k].dst)) != EPP_OK)
			return rc;
	if (a.city == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, n, "an address needs a city");
	if (!cc_valid(a.cc))
		return epp_fail(c, EPP_PARAM_SYNTAX, xml_child(n, "cc"),
		    "'%s' is not an ISO 3166-1 alpha-2 country code", a.cc ? a.cc : "");
	*out = a;
	return EPP_OK;
}

/* One <contact:postalInfo> onto ct: the parts given replace the stored
 * ones; a form that ends up without name or address is 2003. */
static int
postal_parse(struct epp_cmd *c, xmlNodePtr pi, struct reg_contact *ct, unsigned *seen)
{
	const char *type = xml_attr(c->a, pi, "type");
	bool ascii = type != NULL && strcmp(type, form_int.type) == 0;
	struct reg_postal *p = ascii ? &ct->intl : &ct->loc;
	unsigned bit = ascii ? 1 : 2;
	xmlNodePtr n;
	int rc;

	if (*seen & bit)
		return epp_fail(c, EPP_PARAM_POLICY, pi, "postalInfo type=\"%s\" given twice",
		    ascii ? form_int.type : form_loc.type);
	*seen |= bit;
	if ((n = xml_child(pi, "name")) != NULL && (rc = text_field(c, n, ascii, &p->name)) != EPP_OK)
		return rc;
	if ((n = xml_child(pi, "org")) != NULL && (rc = text_field(c, n, ascii, &p->org)) != EPP_OK)
		return rc;
	if ((n = xml_child(pi, "addr")) != NULL &&
	    (rc = address_parse(c, n, ascii, &p->addr)) != EPP_OK)
		return rc;
	if (p->name == NULL || p->addr.city == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, pi,
		    "postalInfo type=\"%s\" needs a name and an address", ascii ? "int" : "loc");
	return EPP_OK;
}

static int
postals_parse(struct epp_cmd *c, xmlNodePtr parent, struct reg_contact *ct)
{
	unsigned seen = 0;
	int rc;

	for (xmlNodePtr n = xml_child(parent, "postalInfo"); n; n = xml_next_same(n))
		if ((rc = postal_parse(c, n, ct, &seen)) != EPP_OK)
			return rc;
	return EPP_OK;
}

/* <contact:voice x="..">+1.7035555555</contact:voice>; empty: no number. */
static int
phone_parse(struct epp_cmd *c, xmlNodePtr n, char **num, char **ext)
{
	const char *t = xml_text(c->a, n), *x = xml_attr(c->a, n, "x");

	*num = t && *t ? (char *)t : NULL;
	*ext = NULL;
	if (x == NULL || *x == '\0')
		return EPP_OK;
	if (*num == NULL)
		return epp_fail(c, EPP_PARAM_SYNTAX, n, "an extension needs a number");
	if (strlen(x) > PHONE_EXT_MAX || strspn(x, "0123456789") != strlen(x))
		return epp_fail(c, EPP_PARAM_SYNTAX, n,
		    "a phone extension is 1 to %d digits", PHONE_EXT_MAX);
	*ext = (char *)x;
	return EPP_OK;
}

/* An email address in the form local@domain.tld: no spaces, a dotted
 * domain of letters, digits, hyphens (or UTF-8), sizes of RFC 5321. */
static bool
email_valid(const char *s)
{
	const char *at = strrchr(s, '@'), *dom;
	size_t len = strlen(s);

	if (at == NULL || at == s || len > EMAIL_MAX || (size_t)(at - s) > EMAIL_LOCAL_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	dom = at + 1;
	if (*dom == '.' || *dom == '\0' || dom[strlen(dom) - 1] == '.' ||
	    strchr(dom, '.') == NULL || strstr(dom, "..") != NULL)
		return false;
	for (const unsigned char *p = (const unsigned char *)dom; *p; p++)
		if (!isalnum(*p) && *p != '-' && *p != '.' && *p < 0x80)
			return false;
	return true;
}

static int
email_parse(struct epp_cmd *c, xmlNodePtr n, char **out)
{
	const char *t = xml_text(c->a, n);

	if (t == NULL || !email_valid(t))
		return epp_fail(c, EPP_PARAM_SYNTAX, n, "not an email address");
	*out = (char *)t;
	return EPP_OK;
}

/* <contact:authInfo><contact:pw>: the new password. */
static int
authinfo_parse(struct epp_cmd *c, xmlNodePtr ai, const char **pw)
{
	xmlNodePtr p = xml_child(ai, "pw");
	size_t len;

	if (p == NULL)
		return epp_fail(c, EPP_UNIMPL_OPTION, ai,
		    "only password authInfo (<contact:pw>) is supported");
	*pw = xml_text(c->a, p);
	len = *pw ? strlen(*pw) : 0;
	if (len < AUTHINFO_MIN || len > AUTHINFO_MAX)
		return epp_fail(c, EPP_PARAM_POLICY, NULL,
		    "authInfo has %d to %d characters", AUTHINFO_MIN, AUTHINFO_MAX);
	return EPP_OK;
}

static unsigned
disclose_bit(struct epp_cmd *c, xmlNodePtr n)
{
	const char *type = xml_attr(c->a, n, "type");

	for (size_t i = 0; i < nitems(disclose_map); i++)
		if (xmlStrcmp(n->name, BAD_CAST disclose_map[i].elem) == 0 &&
		    (disclose_map[i].type == NULL ||
		    (type != NULL && strcmp(type, disclose_map[i].type) == 0)))
			return disclose_map[i].bit;
	return 0;
}

/* <contact:disclose flag="0|1"> applied to *bits (RFC 5733 2.9). */
static int
disclose_parse(struct epp_cmd *c, xmlNodePtr d, unsigned *bits)
{
	const char *flag = xml_attr(c->a, d, "flag");
	bool on = flag != NULL && (strcmp(flag, "1") == 0 || strcmp(flag, "true") == 0);
	unsigned set = 0;

	for (xmlNodePtr n = d->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			set |= disclose_bit(c, n);
	if (set == 0)
		return epp_fail(c, EPP_MISSING_PARAM, d,
		    "disclose names none of the elements of RFC 5733 2.9");
	*bits = on ? *bits | set : *bits & ~set;
	return EPP_OK;
}

/* voice, fax, email, authInfo and disclose of a create or a chg. */
static int
details_parse(struct epp_cmd *c, xmlNodePtr parent, struct contact_req *q)
{
	struct reg_contact *ct = &q->ct;
	xmlNodePtr n;
	int rc = EPP_OK;

	if ((n = xml_child(parent, "voice")) != NULL)
		rc = phone_parse(c, n, &ct->voice, &ct->voice_ext);
	if (rc == EPP_OK && (n = xml_child(parent, "fax")) != NULL)
		rc = phone_parse(c, n, &ct->fax, &ct->fax_ext);
	if (rc == EPP_OK && (n = xml_child(parent, "email")) != NULL)
		rc = email_parse(c, n, &ct->email);
	if (rc == EPP_OK && (n = xml_child(parent, "authInfo")) != NULL)
		rc = authinfo_parse(c, n, &q->pw);
	if (rc == EPP_OK && (n = xml_child(parent, "disclose")) != NULL)
		rc = disclose_parse(c, n, &ct->disclose);
	return rc;
}

/* --- shared with cmd_contact_transfer.c ------------------------------------------ */

int
contact_lookup(struct epp_cmd *c, struct reg_contact *out)
{
	xmlNodePtr node = xml_child(c->obj, "id");
	const char *id = xml_text(c->a, node);
	int rc;

	if (id == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "no contact id");
	rc = store_contact_get(c->env->st, c->a, id, out);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_EXISTS, node, "no contact %s", id);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "cannot read contact %s", id);
	return EPP_OK;
}

const char *
contact_authinfo_given(struct epp_cmd *c)
{
	xmlNodePtr ai = xml_child(c->obj, "authInfo");

	return ai != NULL ? xml_child_text(c->a, ai, "pw") : NULL;
}

/* --- check and info -------------------------------------------------------------- */

int
cmd_contact_check(struct epp_cmd *c)
{
	xmlNodePtr first = xml_child(c->obj, "id"), res;
	struct reg_contact ct;
	int rc;

	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = cmd_check_limit(c, first)) != EPP_OK)
		return rc;
	res = epp_resdata(c, NS_CONTACT, "chkData");
	for (xmlNodePtr n = first; n; n = xml_next_same(n)) {
		const char *id = xml_text(c->a, n);
		const char *why = id_invalid(id) ? "Invalid contact id" : NULL;
		xmlNodePtr cd = xml_add(res, "cd", NULL);
		xmlNodePtr idn = xml_add(cd, "id", id);

		if (why == NULL && store_contact_get(c->env->st, c->a, id, &ct) == REG_OK)
			why = "In use";
		xmlSetProp(idn, BAD_CAST "avail", BAD_CAST (why ? "0" : "1"));
		if (why != NULL)
			xml_add(cd, "reason", why);
	}
	return epp_ok(c, EPP_OK);
}

/* A postalInfo as the viewer may see it: `shown` holds the DISCLOSE_*
 * bits visible to them. */
static void
show_postal(xmlNodePtr r, const struct postal_form *f, const struct reg_postal *p,
    unsigned shown)
{
	xmlNodePtr pi, a;

	if (p->name == NULL)
		return;
	pi = xml_add(r, "postalInfo", NULL);
	xmlSetProp(pi, BAD_CAST "type", BAD_CAST f->type);
	xml_add(pi, "name", shown & f->name ? p->name : REDACTED);
	if (p->org != NULL && (shown & f->org))
		xml_add(pi, "org", p->org);
	a = xml_add(pi, "addr", NULL);
	if (shown & f->addr) {
		for (int i = 0; i < 3 && p->addr.street[i]; i++)
			xml_add(a, "street", p->addr.street[i]);
		xml_add(a, "city", p->addr.city);
		if (p->addr.sp != NULL)
			xml_add(a, "sp", p->addr.sp);
		if (p->addr.pc != NULL)
			xml_add(a, "pc", p->addr.pc);
	} else
		xml_add(a, "city", REDACTED);
	xml_add(a, "cc", p->addr.cc);
}

static void
show_phone(xmlNodePtr r, const char *name, const char *num, const char *ext)
{
	xmlNodePtr n;

	if (num == NULL)
		return;
	n = xml_add(r, name, num);
	if (ext != NULL)
		xmlSetProp(n, BAD_CAST "x", BAD_CAST ext);
}

static void
show_disclose(xmlNodePtr r, unsigned bits)
{
	xmlNodePtr d;

	if (bits == 0)
		return;
	d = xml_add(r, "disclose", NULL);
	xmlSetProp(d, BAD_CAST "flag", BAD_CAST "1");
	for (size_t i = 0; i < nitems(disclose_map); i++) {
		xmlNodePtr n;

		if (!(bits & disclose_map[i].bit))
			continue;
		n = xml_add(d, disclose_map[i].elem, NULL);
		if (disclose_map[i].type != NULL)
			xmlSetProp(n, BAD_CAST "type", BAD_CAST disclose_map[i].type);
	}
}

static void
show_owners(xmlNodePtr r, const struct reg_contact *ct)
{
	xml_add(r, "clID", ct->sponsor);
	xml_add(r, "crID", ct->creator);
	xml_add_time(r, "crDate", ct->created);
	if (ct->updated != 0) {
		xml_add(r, "upID", ct->updater ? ct->updater : ct->sponsor);
		xml_add_time(r, "upDate", ct->updated);
	}
	if (ct->transferred != 0)
		xml_add_time(r, "trDate", ct->transferred);
}

static void
show_contact(struct epp_cmd *c, const struct reg_contact *ct, unsigned shown, bool sponsor)
{
	xmlNodePtr r = epp_resdata(c, NS_CONTACT, "infData");
	char *pw = NULL;

	xml_add(r, "id", ct->handle);
	xml_add(r, "roid", ct->roid);
	cmd_status_show(r, kind, &ct->statuses, store_contact_in_use(c->env->st, ct->id));
	show_postal(r, &form_int, &ct->intl, shown);
	show_postal(r, &form_loc, &ct->loc, shown);
	show_phone(r, "voice", shown & DISCLOSE_VOICE ? ct->voice : NULL, ct->voice_ext);
	show_phone(r, "fax", shown & DISCLOSE_FAX ? ct->fax : NULL, ct->fax_ext);
	xml_add(r, "email", shown & DISCLOSE_EMAIL ? ct->email : REDACTED);
	show_owners(r, ct);
	if (sponsor && store_authinfo_get(c->env->st, c->a, ct->roid, &pw) == REG_OK)
		xml_add(xml_add(r, "authInfo", NULL), "pw", pw);
	show_disclose(r, ct->disclose);
}

int
cmd_contact_info(struct epp_cmd *c)
{
	struct reg_contact ct;
	const char *pw;
	bool sponsor, full;
	int rc;

	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = contact_lookup(c, &ct)) != EPP_OK)
		return rc;
	sponsor = full = ct.sponsor_id == c->client->registrar_id;
	if (!sponsor && (pw = contact_authinfo_given(c)) != NULL) {
		if (!store_authinfo_check(c->env->st, ct.roid, pw))
			return epp_fail(c, EPP_INVALID_AUTHINFO, NULL,
			    "authInfo does not match");
		full = true;
	}
	show_contact(c, &ct, full ? ~0u : ct.disclose, sponsor);
	return epp_ok(c, EPP_OK);
}

/* --- create -------------------------------------------------------------------- */

int
cmd_contact_create_check(struct epp_cmd *c)
{
	struct contact_req *q = arena_alloc(c->a, sizeof(*q));
	xmlNodePtr node = xml_child(c->obj, "id");
	const char *why;
	struct reg_contact old;
	int rc;

	c->data = q;
	if ((rc = cmd_no_extension(c)) != EPP_OK)
		return rc;
	q->ct.handle = (char *)xml_text(c->a, node);
	if ((why = id_invalid(q->ct.handle)) != NULL)
		return epp_fail(c, EPP_PARAM_SYNTAX, node, "%s", why);
	if (store_contact_get(c->env->st, c->a, q->ct.handle, &old) == REG_OK)
		return epp_fail(c, EPP_EXISTS, node, "contact %s exists", q->ct.handle);
	if ((rc = postals_parse(c, c->obj, &q->ct)) != EPP_OK ||
	    (rc = details_parse(c, c->obj, q)) != EPP_OK)
		return rc;
	if (q->ct.intl.name == NULL && q->ct.loc.name == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "a contact needs a postalInfo");
	if (q->ct.email == NULL || q->pw == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "a contact needs email and authInfo");
	return EPP_OK;
}

int
cmd_contact_create(struct epp_cmd *c)
{
	struct contact_req *q = c->data;
	struct reg_contact *ct = &q->ct;
	struct reg_err err = { 0 };
	xmlNodePtr r;
	int rc;

	ct->sponsor_id = ct->creator_id = c->client->registrar_id;
	ct->created = c->env->now;
	if ((rc = store_roid_new(c->env->st, c->a, 'C', &ct->roid)) == REG_OK &&
	    (rc = store_contact_create(c->env->st, ct, &ct->id, &err)) == REG_OK &&
	    (rc = store_authinfo_set(c->env->st, ct->roid, q->pw)) == REG_OK)
		rc = status_sync_ok(c->env->st, kind, ct->id, &err);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	if ((rc = epp_history(c, kind, ct->roid, ct->handle, NULL)) != EPP_OK)
		return rc;
	r = epp_resdata(c, NS_CONTACT, "creData");
	xml_add(r, "id", ct->handle);
	xml_add_time(r, "crDate", ct->created);
	return epp_ok(c, EPP_OK);
}

/* --- update -------------------------------------------------------------------- */

static int
chg_parse(struct epp_cmd *c, struct contact_req *q, xmlNodePtr chg)
{
	xmlNodePtr n;
	int rc;

	for (n = chg->children; n != NULL && n->type != XML_ELEMENT_NODE; n = n->next)
		;
	if (n == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, chg, "chg changes nothing");
	if ((rc = postals_parse(c, chg, &q->ct)) != EPP_OK)
		return rc;
	return details_parse(c, chg, q);
}

int
cmd_contact_update_check(struct epp_cmd *c)
{
	struct contact_req *q = arena_alloc(c->a, sizeof(*q));
	xmlNodePtr add = xml_child(c->obj, "add"), rem = xml_child(c->obj, "rem");
	xmlNodePtr chg = xml_child(c->obj, "chg");
	int rc;

	c->data = q;
	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = contact_lookup(c, &q->ct)) != EPP_OK ||
	    (rc = epp_require_sponsor(c, q->ct.sponsor_id, xml_child(c->obj, "id"))) != EPP_OK)
		return rc;
	if (add == NULL && rem == NULL && chg == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "an update needs add, rem or chg");
	if ((rc = cmd_status_parse(c, kind, add, rem, &q->ct.statuses, &q->st)) != EPP_OK ||
	    (rc = cmd_status_may_update(c, &q->ct.statuses, &q->st, chg == NULL)) != EPP_OK)
		return rc;
	return chg != NULL ? chg_parse(c, q, chg) : EPP_OK;
}

int
cmd_contact_update(struct epp_cmd *c)
{
	struct contact_req *q = c->data;
	struct reg_contact *ct = &q->ct;
	struct reg_err err = { 0 };
	int rc;

	ct->updater_id = c->client->registrar_id;
	ct->updated = c->env->now;
	if ((rc = store_contact_update(c->env->st, ct, &err)) == REG_OK && q->pw != NULL)
		rc = store_authinfo_set(c->env->st, ct->roid, q->pw);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	if ((rc = cmd_status_apply(c, kind, ct->id, &q->st)) != EPP_OK ||
	    (rc = epp_history(c, kind, ct->roid, ct->handle, NULL)) != EPP_OK)
		return rc;
	return epp_ok(c, EPP_OK);
}

/* --- delete -------------------------------------------------------------------- */

int
cmd_contact_delete_check(struct epp_cmd *c)
{
	struct contact_req *q = arena_alloc(c->a, sizeof(*q));
	xmlNodePtr node = xml_child(c->obj, "id");
	int rc;

	c->data = q;
	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = contact_lookup(c, &q->ct)) != EPP_OK ||
	    (rc = epp_require_sponsor(c, q->ct.sponsor_id, node)) != EPP_OK ||
	    (rc = cmd_status_may_delete(c, &q->ct.statuses)) != EPP_OK)
		return rc;
	if (store_contact_in_use(c->env->st, q->ct.id))
		return epp_fail(c, EPP_ASSOCIATION_PROHIBITS, node,
		    "contact %s is linked to a domain", q->ct.handle);
	return EPP_OK;
}

int
cmd_contact_delete(struct epp_cmd *c)
{
	struct contact_req *q = c->data;
	struct reg_err err = { 0 };
	int rc;

	if ((rc = store_contact_delete(c->env->st, q->ct.id, &err)) != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	if ((rc = epp_history(c, kind, q->ct.roid, q->ct.handle, NULL)) != EPP_OK)
		return rc;
	return epp_ok(c, EPP_OK);
}
