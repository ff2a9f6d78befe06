/*
 * redact.c: RFC 9537 redaction of contact data.
 *
 * Data collection policy (as eppd's): a contact discloses nothing by
 * default, and each field becomes public through its DISCLOSE_* bit. A
 * field the contact does not disclose is taken out before the jCard is
 * built, and the answer's "redacted" array says so with the method and
 * path RFC 9537 section 3 gives it:
 *
 *   name         emptyValue  fn stays (RFC 6350 requires it), value ""
 *   organisation removal     the org property goes
 *   street, city, postal code
 *                emptyValue  the adr parts become ""; the region and the
 *                            country code stay, as in the ICANN profile
 *   phone, fax, email
 *                removal     the tel (with its extension) or email goes
 *
 * Names are the registered "redacted name" values of the IANA RDAP JSON
 * Values registry where one exists ("Registrant Name", "Tech Email"),
 * else a description in the same style ("Admin City"). The switch
 * rdap.redact = no turns this off (tests, operators with a legal basis).
 */
#include <string.h>

#include "rdapd.h"
#include "util.h"

enum method { REMOVAL, EMPTY_VALUE };

static const char *const method_names[] = {
	[REMOVAL] = "removal", [EMPTY_VALUE] = "emptyValue",
};

/* The redacted names registered with IANA (type "redacted name"). */
static const char *const registered[] = {
	"Registry Domain ID", "Registry Registrant ID", "Registrant Name",
	"Registrant Organization", "Registrant Street", "Registrant City",
	"Registrant Postal Code", "Registrant Phone", "Registrant Phone Ext",
	"Registrant Fax", "Registrant Fax Ext", "Registrant Email",
	"Registry Tech ID", "Tech Name", "Tech Phone", "Tech Phone Ext",
	"Tech Email",
};

/* The field names' first word for each RDAP role. */
static const struct {
	const char *role, *word;
} role_words[] = {
	{ "registrant", "Registrant" },
	{ "technical", "Tech" },
	{ "administrative", "Admin" },
	{ "billing", "Billing" },
};

/* One field: its name, method and JSONPath below the entity, how it is
 * taken out of the contact, and the disclose bit that shows it; for the
 * postal parts that is the bit of the form the jCard shows (the _LOC
 * bits are the _INT bits shifted by one). */
struct field {
	const char *name;
	unsigned bit;
	bool postal;
	enum method method;
	const char *path;
	void (*clear)(struct reg_contact *);
	bool (*present)(const struct reg_contact *, const struct reg_postal *);
};

static bool
has_name(const struct reg_contact *c, const struct reg_postal *p)
{
	return p->name != NULL && p->name[0] != '\0';
}

static bool
has_org(const struct reg_contact *c, const struct reg_postal *p)
{
	return p->org != NULL;
}

static bool
has_street(const struct reg_contact *c, const struct reg_postal *p)
{
	return p->addr.street[0] != NULL;
}

static bool
has_city(const struct reg_contact *c, const struct reg_postal *p)
{
	return p->addr.city != NULL;
}

static bool
has_pc(const struct reg_contact *c, const struct reg_postal *p)
{
	return p->addr.pc != NULL;
}

static bool
has_voice(const struct reg_contact *c, const struct reg_postal *p)
{
	return c->voice != NULL;
}

static bool
has_fax(const struct reg_contact *c, const struct reg_postal *p)
{
	return c->fax != NULL;
}

static bool
has_email(const struct reg_contact *c, const struct reg_postal *p)
{
	return c->email != NULL;
}

/* Both postal forms are cleared, whichever the jCard shows. */
static void
clear_name(struct reg_contact *c)
{
	if (c->intl.name != NULL)
		c->intl.name = "";
	if (c->loc.name != NULL)
		c->loc.name = "";
}

static void
clear_org(struct reg_contact *c)
{
	c->intl.org = c->loc.org = NULL;
}

static void
clear_street(struct reg_contact *c)
{
	for (int i = 0; i < 3; i++)
		c->intl.addr.street[i] = c->loc.addr.street[i] = NULL;
}

static void
clear_city(struct reg_contact *c)
{
	c->intl.addr.city = c->loc.addr.city = NULL;
}

static void
clear_pc(struct reg_contact *c)
{
	c->intl.addr.pc = c->loc.addr.pc = NULL;
}

static void
clear_voice(struct reg_contact *c)
{
	c->voice = c->voice_ext = NULL;
}

static void
clear_fax(struct reg_contact *c)
{
	c->fax = c->fax_ext = NULL;
}

static void
clear_email(struct reg_contact *c)
{
	c->email = NULL;
}

#define VCARD ".vcardArray[1]"
static const struct field fields[] = {
	{ "Name", DISCLOSE_NAME_INT, true, EMPTY_VALUE,
	    VCARD "[?(@[0]=='fn')][3]", clear_name, has_name },
	{ "Organization", DISCLOSE_ORG_INT, true, REMOVAL,
	    VCARD "[?(@[0]=='org')]", clear_org, has_org },
	{ "Street", DISCLOSE_ADDR_INT, true, EMPTY_VALUE,
	    VCARD "[?(@[0]=='adr')][3][2]", clear_street, has_street },
	{ "City", DISCLOSE_ADDR_INT, true, EMPTY_VALUE,
	    VCARD "[?(@[0]=='adr')][3][3]", clear_city, has_city },
	{ "Postal Code", DISCLOSE_ADDR_INT, true, EMPTY_VALUE,
	    VCARD "[?(@[0]=='adr')][3][5]", clear_pc, has_pc },
	{ "Phone", DISCLOSE_VOICE, false, REMOVAL,
	    VCARD "[?(@[1].type=='voice')]", clear_voice, has_voice },
	{ "Fax", DISCLOSE_FAX, false, REMOVAL,
	    VCARD "[?(@[1].type=='fax')]", clear_fax, has_fax },
	{ "Email", DISCLOSE_EMAIL, false, REMOVAL,
	    VCARD "[?(@[0]=='email')]", clear_email, has_email },
};
#undef VCARD

bool
redact_enabled(const struct rq *rq)
{
	return rq->d->cfg->rdap.redact;
}

static bool
is_registered(const char *name)
{
	for (size_t i = 0; i < nitems(registered); i++)
		if (strcmp(registered[i], name) == 0)
			return true;
	return false;
}

static const char *
role_word(const char *role)
{
	for (size_t i = 0; role != NULL && i < nitems(role_words); i++)
		if (strcmp(role_words[i].role, role) == 0)
			return role_words[i].word;
	return "Contact";
}

/* a, b and c as one arena string (a few dozen of these per answer:
 * cheaper than arena_printf). */
static char *
join(struct arena *ar, const char *a, const char *b, const char *c)
{
	size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
	char *s = arena_alloc(ar, na + nb + nc + 1);

	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	memcpy(s + na + nb, c, nc + 1);
	return s;
}

/* Writes one RFC 9537 4.2 entry to rq->redacted. */
static void
record(struct rq *rq, const char *name, enum method m, const char *path)
{
	struct jw *w = rq->redacted;

	jw_object(w, NULL);
	jw_object(w, "name");
	jw_string(w, is_registered(name) ? "type" : "description", name);
	jw_end(w);
	jw_string(w, m == REMOVAL ? "prePath" : "postPath", path);
	jw_string(w, "method", method_names[m]);
	jw_object(w, "reason");
	jw_string(w, "description", "The contact has not agreed to publish this data.");
	jw_end(w);
	jw_end(w);
	rq->nredacted++;
}

struct reg_contact *
redact_contact(struct rq *rq, const struct reg_contact *c, const char *role,
    const char *where)
{
	struct reg_contact *out = arena_alloc(rq->a, sizeof(*out));
	const char *word = role_word(role);
	const struct reg_postal *shown = contact_postal(c);
	bool loc = shown == &c->loc;

	*out = *c;
	if (!redact_enabled(rq))
		return out;
	for (size_t i = 0; i < nitems(fields); i++) {
		const struct field *f = &fields[i];
		unsigned bit = f->postal && loc ? f->bit << 1 : f->bit;

		if ((c->disclose & bit) != 0 || !f->present(c, shown))
			continue;
		f->clear(out);
		record(rq, join(rq->a, word, " ", f->name), f->method,
		    join(rq->a, where, "", f->path));
	}
	return out;
}
