/*
 * firewall.c: nftables rules for the registry host and for a public
 * host, made from the registry's own data.
 *
 *   regctl firewall registry [--epp-port N] [--feed-port N]
 *	[--public-host ADDR]... [--ssh-from PREFIX]... [--ssh-port N]
 *   regctl firewall public [--whois-port N] [--http-port N]...
 *	[--ssh-from PREFIX]... [--ssh-port N]
 *
 * The registry host takes EPP only from the prefixes on the allow-lists
 * of registrars that are not terminated (the same union eppd checks at
 * accept time), the replication feed only from the public hosts
 * (--public-host, else replication.allow), ssh only from --ssh-from, and
 * nothing else. A public host takes WHOIS (the port of whois.listen) and
 * HTTP and HTTPS for RDAP (80 and 443) from anyone, ssh from --ssh-from.
 * Ports default to those of epp.listen, replication.listen and
 * whois.listen. Both hosts forward nothing; what they send out, and its
 * answers, pass.
 *
 * The rules are printed for `nft -f`: one table, inet registry, replaced
 * whole in one transaction (declare, delete, define), so that loading
 * them again after a registrar change leaves no old prefix behind and
 * touches no other table. Re-run and reload after every allow-list change
 * (eppd re-reads the allow-lists itself; the firewall does not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipnet.h"
#include "regctl.h"
#include "util.h"

#define FW_TABLE	"registry"
#define FW_PORTS_MAX	16
#define PORT_MAX	65535
#define SSH_PORT	22
#define HTTP_PORT	80
#define HTTPS_PORT	443
#define ICMP_RATE	"10/second"

struct fw_ports {
	int n;
	int v[FW_PORTS_MAX];
};

/* One service: who may reach which ports, by address family. */
struct fw_rule {
	const char *set;	/* set name stem ("epp": sets epp4, epp6) */
	const char *comment;
	struct fw_ports ports;
	bool anyone;		/* no source sets: open to all */
	struct strlist v4, v6;	/* canonical prefixes */
};

enum fw_service { SVC_EPP, SVC_FEED, SVC_WHOIS, SVC_HTTP, SVC_SSH, SVC_COUNT };

struct fw_args {
	struct optint epp_port, feed_port, whois_port, ssh_port;
	struct strlist public_hosts, ssh_from, http_ports;
	/* filled by check and exec */
	struct fw_rule rule[SVC_COUNT];
};

/* --- ports ------------------------------------------------------------------ */

static int
port_add(struct regctl *rc, struct fw_ports *p, int64_t port, const char *what)
{
	if (port < 1 || port > PORT_MAX)
		return regctl_fail(rc, REG_EINVAL, "%s: port %lld is not 1 to %d", what,
		    (long long)port, PORT_MAX);
	for (int i = 0; i < p->n; i++)
		if (p->v[i] == port)
			return REG_OK;
	if (p->n == FW_PORTS_MAX)
		return regctl_fail(rc, REG_EINVAL, "%s: more than %d ports", what, FW_PORTS_MAX);
	p->v[p->n++] = (int)port;
	return REG_OK;
}

/* The ports of a listen list ("host:port, [v6]:port"); a port must be a
 * number (give the option otherwise). */
static int
ports_of_listen(struct regctl *rc, const char *list, const char *key, struct fw_ports *p)
{
	char *copy = arena_strdup(rc->a, list), *tok, *save = NULL, *colon;
	int64_t port;
	int ret = REG_OK;

	for (tok = strtok_r(copy, ", ", &save); tok != NULL && ret == REG_OK;
	    tok = strtok_r(NULL, ", ", &save)) {
		if ((colon = strrchr(tok, ':')) == NULL || !regctl_int(colon + 1, &port))
			return regctl_fail(rc, REG_ECONFIG, "%s: '%s' has no numeric port: "
			    "give the port as an option", key, tok);
		ret = port_add(rc, p, port, key);
	}
	if (ret == REG_OK && p->n == 0)
		return regctl_fail(rc, REG_ECONFIG, "%s names no address", key);
	return ret;
}

/* The option's port if given, else those of the listen list. */
static int
ports_from(struct regctl *rc, const struct optint *opt, const char *option,
    const char *listen, const char *key, struct fw_ports *p)
{
	if (opt->set)
		return port_add(rc, p, opt->v, option);
	return ports_of_listen(rc, listen, key, p);
}

/* --- prefixes --------------------------------------------------------------- */

/* Sorts one canonical prefix into the rule's IPv4 or IPv6 list. */
static void
rule_add_prefix(struct regctl *rc, struct fw_rule *r, const char *canonical)
{
	strlist_add(rc->a, strchr(canonical, ':') ? &r->v6 : &r->v4,
	    arena_strdup(rc->a, canonical));
}

static int
rule_add_text(struct regctl *rc, struct fw_rule *r, const char *text, const char *what)
{
	char buf[IPNET_STRLEN];
	struct reg_err err = { 0 };
	struct ipnet net;

	if (ipnet_parse(text, &net, &err) != REG_OK)
		return regctl_fail(rc, REG_ESYNTAX, "%s: bad address or prefix '%s': %s",
		    what, text, reg_err_text(&err));
	ipnet_format(&net, buf, sizeof(buf));
	rule_add_prefix(rc, r, buf);
	return REG_OK;
}

static int
rule_add_list(struct regctl *rc, struct fw_rule *r, const struct strlist *l, const char *what)
{
	int ret;

	for (int i = 0; i < l->n; i++)
		if ((ret = rule_add_text(rc, r, l->v[i], what)) != REG_OK)
			return ret;
	return REG_OK;
}

/* replication.allow, split like the feed splits it (commas or spaces). */
static int
rule_add_allow(struct regctl *rc, struct fw_rule *r, const char *allow)
{
	char *copy = arena_strdup(rc->a, allow), *tok, *save = NULL;
	int ret = REG_OK;

	for (tok = strtok_r(copy, ", ", &save); tok != NULL && ret == REG_OK;
	    tok = strtok_r(NULL, ", ", &save))
		ret = rule_add_text(rc, r, tok, "replication.allow");
	return ret;
}

/* --- check ------------------------------------------------------------------ */

static void
rule_init(struct fw_rule *r, const char *set, const char *comment, bool anyone)
{
	r->set = set;
	r->comment = comment;
	r->anyone = anyone;
}

static int
check_ssh(struct regctl *rc, struct fw_args *a)
{
	struct fw_rule *r = &a->rule[SVC_SSH];
	int ret;

	rule_init(r, "ssh", "ssh from the management prefixes", false);
	if ((ret = port_add(rc, &r->ports, a->ssh_port.set ? a->ssh_port.v : SSH_PORT,
	    "--ssh-port")) != REG_OK)
		return ret;
	if (a->ssh_from.n == 0)
		fprintf(stderr, "regctl: %s: warning: no --ssh-from: these rules close ssh "
		    "(connections already open stay up)\n", rc->cmd->name);
	return rule_add_list(rc, r, &a->ssh_from, "--ssh-from");
}

static int
check_registry(struct regctl *rc, void *args)
{
	struct fw_args *a = args;
	const struct reg_config *cfg = rc->cfg;
	struct fw_rule *epp = &a->rule[SVC_EPP], *feed = &a->rule[SVC_FEED];
	int ret;

	rule_init(epp, "epp", "EPP from the registrars' allow-lists", false);
	rule_init(feed, "feed", "replication feed from the public hosts", false);
	if ((ret = ports_from(rc, &a->epp_port, "--epp-port", cfg->epp.listen,
	    "epp.listen", &epp->ports)) != REG_OK ||
	    (ret = ports_from(rc, &a->feed_port, "--feed-port", cfg->replication.listen,
	    "replication.listen", &feed->ports)) != REG_OK)
		return ret;
	if (a->public_hosts.n > 0)
		ret = rule_add_list(rc, feed, &a->public_hosts, "--public-host");
	else
		ret = rule_add_allow(rc, feed, cfg->replication.allow);
	return ret != REG_OK ? ret : check_ssh(rc, a);
}

static int
check_public(struct regctl *rc, void *args)
{
	struct fw_args *a = args;
	struct fw_rule *whois = &a->rule[SVC_WHOIS], *http = &a->rule[SVC_HTTP];
	int64_t port;
	int ret;

	rule_init(whois, "whois", "WHOIS from anyone", true);
	rule_init(http, "http", "RDAP over HTTP and HTTPS from anyone", true);
	if ((ret = ports_from(rc, &a->whois_port, "--whois-port", rc->cfg->whois.listen,
	    "whois.listen", &whois->ports)) != REG_OK)
		return ret;
	for (int i = 0; i < a->http_ports.n; i++) {
		if (!regctl_int(a->http_ports.v[i], &port))
			return regctl_fail(rc, REG_ESYNTAX, "--http-port: '%s' is not a number",
			    a->http_ports.v[i]);
		if ((ret = port_add(rc, &http->ports, port, "--http-port")) != REG_OK)
			return ret;
	}
	if (a->http_ports.n == 0 &&
	    ((ret = port_add(rc, &http->ports, HTTP_PORT, "http")) != REG_OK ||
	    (ret = port_add(rc, &http->ports, HTTPS_PORT, "https")) != REG_OK))
		return ret;
	return check_ssh(rc, a);
}

/* --- output ----------------------------------------------------------------- */

static void
print_ports(const struct fw_ports *p)
{
	if (p->n == 1) {
		printf("%d", p->v[0]);
		return;
	}
	printf("{ ");
	for (int i = 0; i < p->n; i++)
		printf("%s%d", i ? ", " : "", p->v[i]);
	printf(" }");
}

static void
print_set(const char *stem, int family, const struct strlist *l)
{
	printf("\tset %s%d {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n",
	    stem, family, family == 4 ? "ipv4_addr" : "ipv6_addr");
	if (l->n > 0) {
		printf("\t\telements = {");
		for (int i = 0; i < l->n; i++)
			printf("%s\n\t\t\t%s", i ? "," : "", l->v[i]);
		printf("\n\t\t}\n");
	}
	printf("\t}\n\n");
}

/* The accept rule(s) of one service. */
static void
print_rule(const struct fw_rule *r)
{
	static const struct { int family; const char *match; } fam[] = {
		{ 4, "ip" }, { 6, "ip6" },
	};

	if (r->anyone) {
		printf("\t\ttcp dport ");
		print_ports(&r->ports);
		printf(" accept comment \"%s\"\n", r->comment);
		return;
	}
	for (size_t i = 0; i < nitems(fam); i++) {
		printf("\t\ttcp dport ");
		print_ports(&r->ports);
		printf(" %s saddr @%s%d accept comment \"%s\"\n", fam[i].match, r->set,
		    fam[i].family, r->comment);
	}
}

/* What every host's input chain starts with: answers to what it sent,
 * loopback, and the ICMP that IPv4 and IPv6 need to work. */
static void
print_chain_head(void)
{
	printf("\tchain input {\n"
	    "\t\ttype filter hook input priority filter; policy drop;\n"
	    "\t\tct state established,related accept\n"
	    "\t\tct state invalid drop\n"
	    "\t\tiif \"lo\" accept\n"
	    "\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept\n"
	    "\t\ticmp type echo-request limit rate " ICMP_RATE " accept\n"
	    "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
	    "parameter-problem, nd-router-advert, nd-neighbor-solicit, "
	    "nd-neighbor-advert } accept\n"
	    "\t\ticmpv6 type echo-request limit rate " ICMP_RATE " accept\n");
}

static void
print_ruleset(struct regctl *rc, const struct fw_args *a, const char *what)
{
	printf("# %s host: generated by regctl %s from %s%s.\n"
	    "# Load with nft -f: the table inet %s is replaced whole; other tables stay.\n"
	    "table inet %s\ndelete table inet %s\n\ntable inet %s {\n",
	    what, rc->cmd->name, rc->cfg->path, rc->st != NULL ?
	    arena_printf(rc->a, " and %s", rc->cfg->database.master) : "",
	    FW_TABLE, FW_TABLE, FW_TABLE, FW_TABLE);
	for (int s = 0; s < SVC_COUNT; s++)
		if (a->rule[s].set != NULL && !a->rule[s].anyone) {
			print_set(a->rule[s].set, 4, &a->rule[s].v4);
			print_set(a->rule[s].set, 6, &a->rule[s].v6);
		}
	print_chain_head();
	for (int s = 0; s < SVC_COUNT; s++)
		if (a->rule[s].set != NULL)
			print_rule(&a->rule[s]);
	printf("\t}\n\n\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n");
}

/* --- exec ------------------------------------------------------------------- */

static int
exec_registry(struct regctl *rc, void *args)
{
	struct fw_args *a = args;
	char **acl;
	int ret;

	if ((ret = store_acl_all(rc->st, rc->a, &acl)) != REG_OK)
		return regctl_fail(rc, ret, "cannot read the registrars' allow-lists");
	for (; *acl != NULL; acl++)
		rule_add_prefix(rc, &a->rule[SVC_EPP], *acl);
	if (a->rule[SVC_EPP].v4.n + a->rule[SVC_EPP].v6.n == 0)
		fprintf(stderr, "regctl: %s: warning: no registrar has an allow-list: "
		    "these rules close EPP\n", rc->cmd->name);
	if (a->rule[SVC_FEED].v4.n + a->rule[SVC_FEED].v6.n == 0)
		fprintf(stderr, "regctl: %s: warning: no public host: "
		    "these rules close the replication feed\n", rc->cmd->name);
	print_ruleset(rc, a, "registry");
	return REG_OK;
}

static int
exec_public(struct regctl *rc, void *args)
{
	print_ruleset(rc, args, "public");
	return REG_OK;
}

#define A(f) offsetof(struct fw_args, f)
static const struct optdef registry_opts[] = {
	{ "epp-port", OPT_INT, A(epp_port) }, { "feed-port", OPT_INT, A(feed_port) },
	{ "public-host", OPT_LIST, A(public_hosts) }, { "ssh-from", OPT_LIST, A(ssh_from) },
	{ "ssh-port", OPT_INT, A(ssh_port) },
	{ NULL, 0, 0 },
};

static const struct optdef public_opts[] = {
	{ "whois-port", OPT_INT, A(whois_port) }, { "http-port", OPT_LIST, A(http_ports) },
	{ "ssh-from", OPT_LIST, A(ssh_from) }, { "ssh-port", OPT_INT, A(ssh_port) },
	{ NULL, 0, 0 },
};
#undef A

const struct cmd firewall_cmds[] = {
	{ "firewall registry",
	  "[--epp-port N] [--feed-port N] [--public-host ADDR]... "
	  "[--ssh-from PREFIX]... [--ssh-port N]",
	  "nftables rules of the registry host: EPP from the allow-lists, the feed "
	  "from the public hosts",
	  0, 0, 0, registry_opts, sizeof(struct fw_args), check_registry, exec_registry },
	{ "firewall public",
	  "[--whois-port N] [--http-port N]... [--ssh-from PREFIX]... [--ssh-port N]",
	  "nftables rules of a public host: WHOIS, HTTP and HTTPS from anyone",
	  CMD_NOSTORE, 0, 0, public_opts, sizeof(struct fw_args), check_public, exec_public },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL },
};
