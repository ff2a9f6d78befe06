/*
 * name.c: whole names and the zones we serve: what may be registered,
 * which hosts are ours, and the lookup form of any name.
 *
 * A name is parsed label by label (name_idn.c) into its A-label and
 * U-label forms; then the longest served zone it ends in decides whether
 * it is registrable (one label directly under the zone) and whether the
 * IDN table applies (to the labels below the zone).
 */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "util.h"

struct name_policy {
	char **zones;		/* lower-case A-labels, no final dot */
	int *zone_labels;	/* labels in each zone: "co.test" has 2 */
	int nzones;
	struct name_table *table;	/* NULL: no IDN labels */
};

/* Appends s and a separating dot (unless first) to buf of size bytes. */
static bool
append(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s), dot = *len > 0;

	if (*len + dot + n >= size)
		return false;
	if (dot)
		buf[(*len)++] = '.';
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return true;
}

/* Adds one parsed label to out. */
static int
parts_add(struct name_parts *out, size_t *alen, size_t *ulen,
    const struct name_label *l, struct reg_err *err)
{
	if (!append(out->alabel, sizeof(out->alabel), alen, l->alabel))
		return reg_fail(err, REG_ESYNTAX, "name is longer than %d octets (RFC 1035 2.3.4)",
		    NAME_TEXT_MAX);
	if (!append(out->ulabel, sizeof(out->ulabel), ulen, l->ulabel))
		return reg_fail(err, REG_ESYNTAX, "name is too long in Unicode");
	out->idn |= l->idn;
	return REG_OK;
}

/* Any name, one final dot allowed, into out; *nlabels gets its labels. */
static int
name_parse(const char *input, struct name_parts *out, int *nlabels,
    struct reg_err *err)
{
	struct name_label l;
	size_t len = strlen(input), alen = 0, ulen = 0, k;
	int rc;

	memset(out, 0, sizeof(*out));
	*nlabels = 0;
	if (len > 0 && input[len - 1] == '.')
		len--;
	if (len == 0)
		return reg_fail(err, REG_ESYNTAX, "empty name");
	if (len >= sizeof(out->ulabel))
		return reg_fail(err, REG_ESYNTAX, "name is longer than %d octets (RFC 1035 2.3.4)",
		    NAME_TEXT_MAX);
	for (size_t i = 0; i <= len; i += k + 1) {
		k = strcspn(input + i, ".");
		if (i + k > len)
			k = len - i;
		if ((rc = name_label_parse(input + i, k, &l, err)) != REG_OK ||
		    (rc = parts_add(out, &alen, &ulen, &l, err)) != REG_OK)
			return rc;
		(*nlabels)++;
	}
	return REG_OK;
}

/* The longest served zone that name is or ends in; -1 if none. */
static int
zone_find(const struct name_policy *pol, const char *name)
{
	size_t len = strlen(name), best = 0;
	int found = -1;

	for (int i = 0; i < pol->nzones; i++) {
		size_t zl = strlen(pol->zones[i]);

		if (zl <= best || zl > len || strcmp(name + len - zl, pol->zones[i]) != 0)
			continue;
		if (zl == len || name[len - zl - 1] == '.') {
			best = zl;
			found = i;
		}
	}
	return found;
}

/* The table check for the first n labels of the U-label name. */
static int
idn_check(const struct name_policy *pol, const char *ulabel, int n,
    const char *zone, struct reg_err *err)
{
	char label[NAME_ULABEL_MAX + 1];

	for (int i = 0; i < n; i++) {
		size_t k = strcspn(ulabel, ".");
		bool ascii = true;
		int rc;

		for (size_t j = 0; j < k; j++)
			ascii &= (unsigned char)ulabel[j] < 0x80;
		if (!ascii && pol->table == NULL)
			return reg_fail(err, REG_EIDN, "IDN labels are not allowed in .%s", zone);
		if (!ascii) {
			memcpy(label, ulabel, k);
			label[k] = '\0';
			if ((rc = name_table_check(pol->table, label, err)) != REG_OK)
				return rc;
		}
		ulabel += k + 1;
	}
	return REG_OK;
}

int
name_domain_check(const struct name_policy *pol, const char *input,
    struct name_parts *out, struct reg_err *err)
{
	int n, z, rc;

	if ((rc = name_parse(input, out, &n, err)) != REG_OK)
		return rc;
	if ((z = zone_find(pol, out->alabel)) < 0)
		return reg_fail(err, REG_EZONE, "%s is not in a zone of this registry", out->alabel);
	if (n == pol->zone_labels[z])
		return reg_fail(err, REG_EZONE, "%s is a zone of this registry, not a domain", out->alabel);
	if (n > pol->zone_labels[z] + 1)
		return reg_fail(err, REG_EZONE, "%s is not directly under .%s", out->alabel, pol->zones[z]);
	out->zone = pol->zones[z];
	return idn_check(pol, out->ulabel, 1, out->zone, err);
}

int
name_host_check(const struct name_policy *pol, const char *input,
    struct name_parts *out, bool *in_zone, struct reg_err *err)
{
	int n, z, rc;

	*in_zone = false;
	if ((rc = name_parse(input, out, &n, err)) != REG_OK)
		return rc;
	if (n < 2)
		return reg_fail(err, REG_ESYNTAX, "host name %s needs at least two labels", out->alabel);
	if ((z = zone_find(pol, out->alabel)) < 0)
		return REG_OK;
	if (n == pol->zone_labels[z])
		return reg_fail(err, REG_EZONE, "%s is a zone of this registry, not a host", out->alabel);
	out->zone = pol->zones[z];
	*in_zone = true;
	return idn_check(pol, out->ulabel, n - pol->zone_labels[z], out->zone, err);
}

int
name_superordinate(const struct name_policy *pol, const char *host_alabel,
    char *domain, size_t size)
{
	size_t len = strlen(host_alabel);
	const char *start;
	int z;

	if ((z = zone_find(pol, host_alabel)) < 0 || strlen(pol->zones[z]) == len)
		return REG_EZONE;
	/* Back from the dot before the zone to the start of the label. */
	start = host_alabel + len - strlen(pol->zones[z]) - 1;
	while (start > host_alabel && start[-1] != '.')
		start--;
	if (strlcpy_reg(domain, start, size) >= size)
		return REG_EINVAL;
	return REG_OK;
}

int
name_lookup_normalize(const char *input, char *alabel, size_t size,
    struct reg_err *err)
{
	struct name_parts p;
	int n, rc;

	if (strchr(input, '*') != NULL)
		return reg_fail(err, REG_ESYNTAX, "wildcards are not supported");
	if ((rc = name_parse(input, &p, &n, err)) != REG_OK)
		return rc;
	if (strlcpy_reg(alabel, p.alabel, size) >= size)
		return reg_fail(err, REG_EINVAL, "buffer too small for %s", p.alabel);
	return REG_OK;
}

int
name_to_unicode(const char *alabel, char *out, size_t size)
{
	struct name_parts p;
	int n, rc;

	if ((rc = name_parse(alabel, &p, &n, NULL)) != REG_OK)
		return rc;
	if (strlcpy_reg(out, p.ulabel, size) >= size)
		return REG_EINVAL;
	return REG_OK;
}

/* --- the policy ------------------------------------------------------------ */

static int
policy_add_zone(struct name_policy *pol, const char *zone, struct reg_err *err)
{
	struct name_parts p;
	struct reg_err why = { 0 };
	int n;

	if (name_parse(zone, &p, &n, &why) != REG_OK)
		return reg_fail(err, REG_ECONFIG, "zone '%s': %s", zone, why.reason);
	pol->zones[pol->nzones] = xstrdup(p.alabel);
	pol->zone_labels[pol->nzones] = n;
	pol->nzones++;
	return REG_OK;
}

struct name_policy *
name_policy_new_zones(const char *const *zones, int n,
    const char *idn_table_path, struct reg_err *err)
{
	struct name_policy *pol = xcalloc(1, sizeof(*pol));

	pol->zones = xcalloc((size_t)n, sizeof(*pol->zones));
	pol->zone_labels = xcalloc((size_t)n, sizeof(*pol->zone_labels));
	if (n < 1) {
		reg_fail(err, REG_ECONFIG, "no zones to serve");
		goto fail;
	}
	for (int i = 0; i < n; i++)
		if (policy_add_zone(pol, zones[i], err) != REG_OK)
			goto fail;
	if (idn_table_path != NULL && idn_table_path[0] != '\0' &&
	    (pol->table = name_table_load(idn_table_path, err)) == NULL)
		goto fail;
	return pol;
fail:
	name_policy_free(pol);
	return NULL;
}

struct name_policy *
name_policy_new(const struct reg_config *cfg, struct reg_err *err)
{
	return name_policy_new_zones((const char *const *)cfg->zones, cfg->nzones,
	    cfg->registry.idn_table, err);
}

void
name_policy_free(struct name_policy *pol)
{
	if (pol == NULL)
		return;
	for (int i = 0; i < pol->nzones; i++)
		free(pol->zones[i]);
	free(pol->zones);
	free(pol->zone_labels);
	name_table_free(pol->table);
	free(pol);
}
