/*
 * name.h: the name rules: LDH and IDN syntax, the IDN table, and which
 * names this registry may register.
 *
 * Every name leaves here as a lower-case A-label without the final dot,
 * the one form the store, the zone and the escrow use; its U-label (UTF-8,
 * NFC) is only for display. Syntax follows RFC 1035 2.3.1 and 2.3.4 (LDH,
 * 63-octet labels, 253-octet names), IDNA2008 registration follows RFC
 * 5891 section 4 through libidn2, and a per-TLD table of code points (RFC
 * 5891 4.3, "registry restrictions") limits IDN labels in our zones.
 *
 * Input may be any case. U-labels are lower-cased (Unicode simple case
 * mapping) and put in NFC; no other mapping is done (RFC 5891 4.1), so
 * full-width letters or compatibility characters are refused.
 *
 * Reserved and blocked names are not checked here: they live in the
 * database (store_reserved_get). Callers check them after
 * name_domain_check() accepts a name.
 */
#ifndef REG_NAME_H
#define REG_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define NAME_LABEL_MAX	63	/* octets in a label (RFC 1035 2.3.4) */
#define NAME_TEXT_MAX	253	/* a name as text without the final dot:
				 * 255 octets on the wire (RFC 1035 2.3.4) */
#define NAME_ULABEL_MAX	255	/* bytes of one U-label in UTF-8 */
#define NAME_USIZE	1024	/* buffer for a whole name as U-labels */

/* A name in both forms. zone points into the policy that filled it. */
struct name_parts {
	char alabel[NAME_TEXT_MAX + 1];	/* "xn--rksmrgs-5wao1o.test" */
	char ulabel[NAME_USIZE];	/* "räksmörgås.test" */
	const char *zone;		/* "test": the served zone it is under */
	bool idn;			/* at least one label is an A-label */
};

struct name_policy;

/* The policy of a configuration: its zones (cfg->zones) and its IDN table
 * (cfg->registry.idn_table; "" allows no IDN labels). NULL with err set
 * (REG_ECONFIG, REG_EIO) when a zone is malformed or the table does not
 * load. */
struct name_policy *name_policy_new(const struct reg_config *cfg,
    struct reg_err *err);
/* The same from a list of zones, the TLD first; idn_table_path may be NULL
 * or "" for no IDN labels. */
struct name_policy *name_policy_new_zones(const char *const *zones, int n,
    const char *idn_table_path, struct reg_err *err);
void name_policy_free(struct name_policy *);

/*
 * A name someone wants to register (EPP domain:create, check, info ...).
 * It must be exactly one label directly under one of our zones, the
 * longest that matches ("a.co.test" is under "co.test" when that is a
 * zone); a zone itself is not registrable. Every code point of an IDN
 * label must be in the table. Fills out; REG_ESYNTAX, REG_EZONE or
 * REG_EIDN with a reason ("U+00FE not allowed in label 'þing'").
 */
int name_domain_check(const struct name_policy *, const char *input,
    struct name_parts *out, struct reg_err *err);

/*
 * A host name (EPP host:create, a nameserver of a domain): any depth of at
 * least two labels, same syntax. *in_zone tells whether it is under one of
 * our zones (a subordinate host that needs glue); then out->zone is set
 * and the IDN table applies to its labels below the zone; outside, any
 * valid A-label is accepted and out->zone is NULL. A zone itself
 * ("co.test") is refused with REG_EZONE.
 */
int name_host_check(const struct name_policy *, const char *input,
    struct name_parts *out, bool *in_zone, struct reg_err *err);

/* The registrable domain a host of our zones sits under, into domain:
 * "ns1.example.test" -> "example.test", "ns.x.co.test" -> "x.co.test".
 * host_alabel is the lower-case A-label from name_host_check().
 * REG_EZONE when it is not under a zone, REG_EINVAL when size is short. */
int name_superordinate(const struct name_policy *, const char *host_alabel,
    char *domain, size_t size);

/* A WHOIS or RDAP query name, in any zone: U-label or A-label, any case,
 * optional final dot, to the lower-case A-label. Wildcards and anything
 * that is not a valid name fail with REG_ESYNTAX; REG_EINVAL when size
 * is short. */
int name_lookup_normalize(const char *input, char *alabel, size_t size,
    struct reg_err *err);

/* An A-label name in its U-label form for display ("xn--rksmrgs-5wao1o.nu"
 * -> "räksmörgås.nu"); REG_ESYNTAX for an invalid name, REG_EINVAL when
 * size is short. */
int name_to_unicode(const char *alabel, char *out, size_t size);

/* --- building blocks (name_idn.c) ---------------------------------------- */

/* Decodes the UTF-8 sequence at str (n bytes left) into *cp; returns its
 * length, or 0 (cp untouched) if it is malformed, overlong, a surrogate or
 * beyond U+10FFFF. */
size_t name_utf8_decode(const char *str, size_t n, uint32_t *cp);

/* One label in both forms. */
struct name_label {
	char alabel[NAME_LABEL_MAX + 1];
	char ulabel[NAME_ULABEL_MAX + 1];
	bool idn;
};

/* Checks one label of len bytes (LDH, A-label or U-label, any case, no
 * dots) and fills out; REG_ESYNTAX with a reason. */
int name_label_parse(const char *in, size_t len, struct name_label *out,
    struct reg_err *err);

/*
 * An IDN table: the code points allowed in IDN labels. The file has one
 * code point or range a line, "U+00E5" or "U+0061..U+007A", and '#'
 * comments. Every code point must be one IDNA2008 allows in a label
 * (PVALID, RFC 5892); lines that break a rule fail the load with
 * "se.txt:12: U+00C5 is not PVALID in IDNA2008 (RFC 5892)".
 */
struct name_table;

struct name_table *name_table_load(const char *path, struct reg_err *err);
void name_table_free(struct name_table *);
bool name_table_allows(const struct name_table *, uint32_t cp);
/* REG_OK when every code point of the UTF-8 label is in the table, else
 * REG_EIDN naming the first that is not. */
int name_table_check(const struct name_table *, const char *ulabel,
    struct reg_err *err);

#endif
