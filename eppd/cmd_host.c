/*
 * cmd_host.c: the host commands of RFC 5732: check, info, create, update
 * (addresses, statuses, rename) and delete.
 *
 * Policy:
 *   - A host under one of our zones (in-zone) is created only by the
 *     sponsor of its superordinate domain, which must exist (RFC 5732
 *     3.2.1; 2303, 2201), and needs at least one address for glue (2003 on
 *     create, 2306 when an update would leave none). A host outside our
 *     zones (external) carries no addresses: giving one is 2306.
 *   - Addresses are IPv4 or IPv6 as the ip attribute says (default v4),
 *     stored in canonical inet_ntop form. Text that is not an address of
 *     that family is 2005. Addresses that cannot serve as public glue
 *     (unspecified, loopback, RFC 1918 and other private ranges, link
 *     local, multicast, reserved) are 2306 with the reason. The
 *     documentation prefixes stay allowed: the RFC examples and test
 *     registries use them. At most HOST_ADDR_MAX addresses (2306); the
 *     same address twice, adding one the host has or removing one it
 *     lacks is 2306.
 *   - Rename (chg name): the new name must be free (2302) and follows the
 *     create rules for its superordinate domain and addresses (an in-zone
 *     host renamed out of our zones must drop its addresses in the same
 *     update, an external one renamed into them must gain one); domains
 *     using the host follow the new name. An external host that another
 *     registrar's domain uses cannot be renamed (2305, RFC 5732 3.2.5).
 *   - Only the sponsor updates or deletes a host (2201); a host a domain
 *     delegates to cannot be deleted (2305). "linked" shows in info while
 *     a domain uses the host; info is open to every registrar.
 *   - No extension applies to host commands (2103); a check takes at most
 *     EPP_CHECK_MAX names (2306).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "eppd.h"
#include "ipnet.h"
#include "name.h"
#include "status.h"
#include "util.h"

#define HOST_ADDR_MAX	13	/* addresses per host: as many as root servers */

static const char kind[] = "host";

/* What check fills for exec. */
struct host_req {
	struct reg_host h;		/* the host as it will be */
	struct status_change st;	/* update */
	bool renamed;
	const char *oldname;
};

/* --- addresses --------------------------------------------------------------- */

/* Ranges that cannot be public glue, with why. */
static const struct {
	const char *prefix, *why;
} unroutable[] = {
	{ "0.0.0.0/8", "in 'this network' (RFC 1122)" },
	{ "10.0.0.0/8", "private (RFC 1918)" },
	{ "100.64.0.0/10", "shared address space (RFC 6598)" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link local" },
	{ "172.16.0.0/12", "private (RFC 1918)" },
	{ "192.168.0.0/16", "private (RFC 1918)" },
	{ "224.0.0.0/4", "multicast" },
	{ "240.0.0.0/4", "reserved or broadcast" },
	{ "::/128", "the unspecified address" },
	{ "::1/128", "loopback" },
	{ "::ffff:0:0/96", "IPv4-mapped (give the IPv4 address with ip=\"v4\")" },
	{ "fc00::/7", "unique local (RFC 4193)" },
	{ "fe80::/10", "link local" },
	{ "ff00::/8", "multicast" },
};

static const char *
addr_unroutable(int af, const void *bin)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const struct sockaddr *sa = (const struct sockaddr *)&sin;
	struct ipnet net;

	if (af == AF_INET6) {
		memcpy(&sin6.sin6_addr, bin, sizeof(sin6.sin6_addr));
		sa = (const struct sockaddr *)&sin6;
	} else
		memcpy(&sin.sin_addr, bin, sizeof(sin.sin_addr));
	for (size_t i = 0; i < nitems(unroutable); i++)
		if (ipnet_parse(unroutable[i].prefix, &net, NULL) == REG_OK &&
		    net.family == af && ipnet_contains(&net, sa))
			return unroutable[i].why;
	return NULL;
}

/* One <host:addr ip="v4|v6">, canonical into out. */
static int
addr_parse(struct epp_cmd *c, xmlNodePtr n, struct reg_host_addr *out)
{
	const char *text = xml_text(c->a, n), *ip = xml_attr(c->a, n, "ip");
	int af = ip != NULL && strcmp(ip, "v6") == 0 ? AF_INET6 : AF_INET;
	int v = af == AF_INET6 ? 6 : 4;
	unsigned char bin[sizeof(struct in6_addr)];
	char buf[INET6_ADDRSTRLEN];
	const char *why;

	if (text == NULL || inet_pton(af, text, bin) != 1)
		return epp_fail(c, EPP_PARAM_SYNTAX, n, "'%s' is not an IPv%d address%s",
		    text ? text : "", v, v == 4 ? " (use ip=\"v6\" for IPv6)" : "");
	if ((why = addr_unroutable(af, bin)) != NULL)
		return epp_fail(c, EPP_PARAM_POLICY, n,
		    "%s cannot be a name server address: %s", text, why);
	inet_ntop(af, bin, buf, sizeof(buf));
	out->addr = arena_strdup(c->a, buf);
	out->family = v;
	return EPP_OK;
}

static int
addr_find(const struct reg_host *h, const char *addr)
{
	for (int i = 0; i < h->naddr; i++)
		if (strcmp(h->addr[i].addr, addr) == 0)
			return i;
	return -1;
}

static int
count_addr(xmlNodePtr parent)
{
	int n = 0;

	for (xmlNodePtr a = parent ? xml_child(parent, "addr") : NULL; a; a = xml_next_same(a))
		n++;
	return n;
}

/* Adds the <host:addr> children of parent to h, whose addr array has
 * room for them. */
static int
addrs_add(struct epp_cmd *c, xmlNodePtr parent, struct reg_host *h)
{
	struct reg_host_addr v;
	int rc;

	for (xmlNodePtr n = parent ? xml_child(parent, "addr") : NULL; n; n = xml_next_same(n)) {
		if ((rc = addr_parse(c, n, &v)) != EPP_OK)
			return rc;
		if (addr_find(h, v.addr) >= 0)
			return epp_fail(c, EPP_PARAM_POLICY, n, "the host already has address %s",
			    v.addr);
		if (h->naddr >= HOST_ADDR_MAX)
			return epp_fail(c, EPP_PARAM_POLICY, n, "a host has at most %d addresses",
			    HOST_ADDR_MAX);
		h->addr[h->naddr++] = v;
	}
	return EPP_OK;
}

static int
addrs_rem(struct epp_cmd *c, xmlNodePtr parent, struct reg_host *h)
{
	struct reg_host_addr v;
	int i, rc;

	for (xmlNodePtr n = parent ? xml_child(parent, "addr") : NULL; n; n = xml_next_same(n)) {
		if ((rc = addr_parse(c, n, &v)) != EPP_OK)
			return rc;
		if ((i = addr_find(h, v.addr)) < 0)
			return epp_fail(c, EPP_PARAM_POLICY, n, "the host has no address %s",
			    v.addr);
		h->addr[i] = h->addr[--h->naddr];
	}
	return EPP_OK;
}

/* --- names ------------------------------------------------------------------- */

/* The host name in node, as the stored A-label. */
static int
name_parse(struct epp_cmd *c, xmlNodePtr node, const char **name, bool *in_zone)
{
	struct name_parts parts;
	struct reg_err err = { 0 };
	const char *text = xml_text(c->a, node);

	if (text == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "no host name");
	if (name_host_check(c->env->names, text, &parts, in_zone, &err) != REG_OK)
		return epp_fail(c, EPP_PARAM_SYNTAX, node, "%s", reg_err_text(&err));
	*name = arena_strdup(c->a, parts.alabel);
	return EPP_OK;
}

/* The superordinate domain of in-zone host `name`: it must exist, be
 * sponsored by the client and not be on its way out. Sets *domain_id. */
static int
superordinate(struct epp_cmd *c, xmlNodePtr node, const char *name, int64_t *domain_id)
{
	char dname[NAME_TEXT_MAX + 1];
	struct reg_domain d;
	int rc;

	if (name_superordinate(c->env->names, name, dname, sizeof(dname)) != REG_OK)
		return epp_fail(c, EPP_PARAM_POLICY, node, "%s has no superordinate domain",
		    name);
	rc = store_domain_get(c->env->st, c->a, dname, &d);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_EXISTS, node,
		    "superordinate domain %s is not registered", dname);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "cannot read domain %s", dname);
	if (d.sponsor_id != c->client->registrar_id)
		return epp_fail(c, EPP_AUTHORIZATION, node,
		    "superordinate domain %s is sponsored by another registrar", dname);
	if (d.rgp != NULL || store_status_has(c->env->st, "domain", d.id, "pendingDelete"))
		return epp_fail(c, EPP_STATUS_PROHIBITS, node,
		    "superordinate domain %s is pending deletion", dname);
	*domain_id = d.id;
	return EPP_OK;
}

/* The address rule: in-zone hosts need one, external hosts have none. */
static int
addrs_fit(struct epp_cmd *c, const struct reg_host *h, int missing, xmlNodePtr value)
{
	if (h->domain_id != 0 && h->naddr == 0)
		return epp_fail(c, missing, value,
		    "%s is in a zone of this registry and needs at least one address", h->name);
	if (h->domain_id == 0 && h->naddr > 0)
		return epp_fail(c, EPP_PARAM_POLICY, value,
		    "%s is outside the zones of this registry and carries no addresses",
		    h->name);
	return EPP_OK;
}

static bool
host_exists(struct epp_cmd *c, const char *name)
{
	struct reg_host h;

	return store_host_get(c->env->st, c->a, name, &h) == REG_OK;
}

/* Loads the host named by <host:name> of c->obj: 2303 if none. */
static int
host_lookup(struct epp_cmd *c, struct reg_host *out)
{
	xmlNodePtr node = xml_child(c->obj, "name");
	const char *name;
	bool in_zone;
	int rc;

	if ((rc = name_parse(c, node, &name, &in_zone)) != EPP_OK)
		return rc;
	rc = store_host_get(c->env->st, c->a, name, out);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_EXISTS, node, "no host %s", name);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "cannot read host %s", name);
	return EPP_OK;
}

/* --- check and info --------------------------------------------------------- */

/* Why name cannot be created by this client, or NULL; at most 32
 * characters (eppcom:reasonType). */
static const char *
check_reason(struct epp_cmd *c, const char *text)
{
	struct name_parts parts;
	char dname[NAME_TEXT_MAX + 1];
	struct reg_domain d;
	bool in_zone;

	if (name_host_check(c->env->names, text, &parts, &in_zone, NULL) != REG_OK)
		return "Invalid host name";
	if (host_exists(c, parts.alabel))
		return "In use";
	if (!in_zone)
		return NULL;
	if (name_superordinate(c->env->names, parts.alabel, dname, sizeof(dname)) != REG_OK)
		return "No superordinate domain";
	if (store_domain_get(c->env->st, c->a, dname, &d) != REG_OK)
		return "Superordinate domain not found";
	if (d.sponsor_id != c->client->registrar_id)
		return "Superordinate domain not yours";
	return NULL;
}

int
cmd_host_check(struct epp_cmd *c)
{
	xmlNodePtr first = xml_child(c->obj, "name"), res;
	int rc;

	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = cmd_check_limit(c, first)) != EPP_OK)
		return rc;
	res = epp_resdata(c, NS_HOST, "chkData");
	for (xmlNodePtr n = first; n; n = xml_next_same(n)) {
		const char *text = xml_text(c->a, n);
		const char *why = check_reason(c, text);
		xmlNodePtr cd = xml_add(res, "cd", NULL);
		xmlNodePtr name = xml_add(cd, "name", text);

		xmlSetProp(name, BAD_CAST "avail", BAD_CAST (why ? "0" : "1"));
		if (why != NULL)
			xml_add(cd, "reason", why);
	}
	return epp_ok(c, EPP_OK);
}

int
cmd_host_info(struct epp_cmd *c)
{
	struct reg_host h;
	xmlNodePtr r;
	int rc;

	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = host_lookup(c, &h)) != EPP_OK)
		return rc;
	r = epp_resdata(c, NS_HOST, "infData");
	xml_add(r, "name", h.name);
	xml_add(r, "roid", h.roid);
	cmd_status_show(r, kind, &h.statuses, store_host_in_use(c->env->st, h.id));
	for (int i = 0; i < h.naddr; i++)
		xmlSetProp(xml_add(r, "addr", h.addr[i].addr), BAD_CAST "ip",
		    BAD_CAST (h.addr[i].family == 6 ? "v6" : "v4"));
	xml_add(r, "clID", h.sponsor);
	xml_add(r, "crID", h.creator);
	xml_add_time(r, "crDate", h.created);
	if (h.updated != 0) {
		xml_add(r, "upID", h.updater ? h.updater : h.sponsor);
		xml_add_time(r, "upDate", h.updated);
	}
	if (h.transferred != 0)
		xml_add_time(r, "trDate", h.transferred);
	return epp_ok(c, EPP_OK);
}

/* --- create ------------------------------------------------------------------ */

int
cmd_host_create_check(struct epp_cmd *c)
{
	struct host_req *q = arena_alloc(c->a, sizeof(*q));
	xmlNodePtr node = xml_child(c->obj, "name");
	bool in_zone;
	int rc;

	c->data = q;
	if ((rc = cmd_no_extension(c)) != EPP_OK ||
	    (rc = name_parse(c, node, (const char **)&q->h.name, &in_zone)) != EPP_OK)
		return rc;
	if (host_exists(c, q->h.name))
		return epp_fail(c, EPP_EXISTS, node, "host %s exists", q->h.name);
	if (in_zone && (rc = superordinate(c, node, q->h.name, &q->h.domain_id)) != EPP_OK)
		return rc;
	q->h.addr = arena_alloc(c->a, sizeof(*q->h.addr) * (size_t)(count_addr(c->obj) + 1));
	if ((rc = addrs_add(c, c->obj, &q->h)) != EPP_OK)
		return rc;
	return addrs_fit(c, &q->h, EPP_MISSING_PARAM, node);
}

int
cmd_host_create(struct epp_cmd *c)
{
	struct host_req *q = c->data;
	struct reg_err err = { 0 };
	struct reg_host *h = &q->h;
	xmlNodePtr r;
	int64_t id;
	int rc;

	h->sponsor_id = h->creator_id = c->client->registrar_id;
	h->created = c->env->now;
	if ((rc = store_roid_new(c->env->st, c->a, 'H', &h->roid)) == REG_OK &&
	    (rc = store_host_create(c->env->st, h, &id, &err)) == REG_OK)
		rc = status_sync_ok(c->env->st, kind, id, &err);
	if (rc != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	if ((rc = epp_history(c, kind, h->roid, h->name, NULL)) != EPP_OK)
		return rc;
	r = epp_resdata(c, NS_HOST, "creData");
	xml_add(r, "name", h->name);
	xml_add_time(r, "crDate", h->created);
	return epp_ok(c, EPP_OK);
}

/* --- update ------------------------------------------------------------------ */

/* chg name: the new name, its superordinate domain, and the external-host
 * rule of RFC 5732 3.2.5. */
static int
rename_check(struct epp_cmd *c, struct host_req *q, xmlNodePtr chg)
{
	xmlNodePtr node = xml_child(chg, "name");
	const char *name;
	bool in_zone;
	int rc;

	if ((rc = name_parse(c, node, &name, &in_zone)) != EPP_OK)
		return rc;
	if (strcmp(name, q->h.name) == 0)
		return epp_fail(c, EPP_PARAM_POLICY, node, "the host is already named %s", name);
	if (host_exists(c, name))
		return epp_fail(c, EPP_EXISTS, node, "host %s exists", name);
	if (q->h.domain_id == 0 &&
	    store_host_used_by_others(c->env->st, q->h.id, c->client->registrar_id))
		return epp_fail(c, EPP_ASSOCIATION_PROHIBITS, node,
		    "external host %s is a name server of another registrar's domain; create "
		    "a new host and update your domains instead", q->h.name);
	q->h.domain_id = 0;
	if (in_zone && (rc = superordinate(c, node, name, &q->h.domain_id)) != EPP_OK)
		return rc;
	q->oldname = q->h.name;
	q->h.name = (char *)name;
	q->renamed = true;
	return EPP_OK;
}

/* Adds and removes addresses on q->h, with room for every added one. */
static int
update_addrs(struct epp_cmd *c, struct host_req *q, xmlNodePtr add, xmlNodePtr rem)
{
	struct reg_host_addr *v = q->h.addr;
	int rc;

	q->h.addr = arena_alloc(c->a, sizeof(*v) * (size_t)(q->h.naddr + count_addr(add) + 1));
	memcpy(q->h.addr, v, sizeof(*v) * (size_t)q->h.naddr);
	if ((rc = addrs_rem(c, rem, &q->h)) != EPP_OK)
		return rc;
	return addrs_add(c, add, &q->h);
}

int
cmd_host_update_check(struct epp_cmd *c)
{
	struct host_req *q = arena_alloc(c->a, sizeof(*q));
	xmlNodePtr add = xml_child(c->obj, "add"), rem = xml_child(c->obj, "rem");
	xmlNodePtr chg = xml_child(c->obj, "chg");
	bool only_statuses;
	int rc;

	c->data = q;
	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = host_lookup(c, &q->h)) != EPP_OK ||
	    (rc = epp_require_sponsor(c, q->h.sponsor_id, xml_child(c->obj, "name"))) != EPP_OK ||
	    (rc = cmd_status_parse(c, kind, add, rem, &q->h.statuses, &q->st)) != EPP_OK)
		return rc;
	only_statuses = chg == NULL && count_addr(add) + count_addr(rem) == 0;
	if ((rc = cmd_status_may_update(c, &q->h.statuses, &q->st, only_statuses)) != EPP_OK)
		return rc;
	if (chg != NULL && (rc = rename_check(c, q, chg)) != EPP_OK)
		return rc;
	if ((rc = update_addrs(c, q, add, rem)) != EPP_OK)
		return rc;
	return addrs_fit(c, &q->h, EPP_PARAM_POLICY, chg ? xml_child(chg, "name") : NULL);
}

int
cmd_host_update(struct epp_cmd *c)
{
	struct host_req *q = c->data;
	struct reg_err err = { 0 };
	const char *detail = NULL;
	int rc;

	q->h.updater_id = c->client->registrar_id;
	q->h.updated = c->env->now;
	if ((rc = store_host_update(c->env->st, &q->h, &err)) != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	if ((rc = cmd_status_apply(c, kind, q->h.id, &q->st)) != EPP_OK)
		return rc;
	if (q->renamed)
		detail = arena_printf(c->a, "renamed from %s", q->oldname);
	if ((rc = epp_history(c, kind, q->h.roid, q->h.name, detail)) != EPP_OK)
		return rc;
	return epp_ok(c, EPP_OK);
}

/* --- delete ------------------------------------------------------------------ */

int
cmd_host_delete_check(struct epp_cmd *c)
{
	struct host_req *q = arena_alloc(c->a, sizeof(*q));
	xmlNodePtr node = xml_child(c->obj, "name");
	int rc;

	c->data = q;
	if ((rc = cmd_no_extension(c)) != EPP_OK || (rc = host_lookup(c, &q->h)) != EPP_OK ||
	    (rc = epp_require_sponsor(c, q->h.sponsor_id, node)) != EPP_OK ||
	    (rc = cmd_status_may_delete(c, &q->h.statuses)) != EPP_OK)
		return rc;
	if (store_host_in_use(c->env->st, q->h.id))
		return epp_fail(c, EPP_ASSOCIATION_PROHIBITS, node,
		    "host %s is a name server of a domain", q->h.name);
	return EPP_OK;
}

int
cmd_host_delete(struct epp_cmd *c)
{
	struct host_req *q = c->data;
	struct reg_err err = { 0 };
	int rc;

	if ((rc = store_host_delete(c->env->st, q->h.id, &err)) != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "%s", reg_err_text(&err));
	if ((rc = epp_history(c, kind, q->h.roid, q->h.name, NULL)) != EPP_OK)
		return rc;
	return epp_ok(c, EPP_OK);
}
