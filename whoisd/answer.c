/*
 * answer.c: one query against the replica, in one read transaction, so
 * an answer never mixes two states of the data.
 *
 * One handler per query kind (handlers[] below). Each appends its answer
 * after the terms of use and returns what it found, for the log. A
 * domain name goes through the registry's own name rules
 * (name_domain_check): a name outside our zones gets a one-line pointer
 * elsewhere; a registered name its record; an unregistered one says
 * whether it is reserved, blocked, not registrable (and why) or free.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "whoisd.h"

#define FOOTER_EVERY	1000000	/* us between reads of the replica's state */

typedef enum outcome (*answer_fn)(struct answer_ctx *, const char *arg);

static enum outcome answer_domain(struct answer_ctx *, const char *);
static enum outcome answer_nameserver(struct answer_ctx *, const char *);
static enum outcome answer_registrar(struct answer_ctx *, const char *);
static enum outcome answer_help(struct answer_ctx *, const char *);

static const answer_fn handlers[] = {
	[QUERY_DOMAIN] = answer_domain,
	[QUERY_NAMESERVER] = answer_nameserver,
	[QUERY_REGISTRAR] = answer_registrar,
	[QUERY_HELP] = answer_help,
};

static enum outcome
answer_failed(struct answer_ctx *ax)
{
	format_comment(ax->out, "Error: the registry database is not available; "
	    "try again later.");
	return OUT_ERROR;
}

/* The commit time on the master of the newest change the replica has,
 * read at most once a second (it is the footer's, not the answer's);
 * 0 when it cannot tell (a database that is not a replica). */
static int64_t
replica_updated(struct answer_ctx *ax, int64_t now)
{
	struct reg_replica_state rs;

	if (ax->updated_read == 0 || now - ax->updated_read >= FOOTER_EVERY) {
		ax->updated_db = store_replica_state(ax->st, &rs) == REG_OK ? rs.ts : 0;
		ax->updated_read = now;
	}
	return ax->updated_db;
}

enum outcome
answer_query(struct answer_ctx *ax, const struct query *q)
{
	int64_t now = mono_usec();
	enum outcome oc;

	obuf_add(ax->out, ax->wd->terms.p, ax->wd->terms.len);
	if (store_read_recent(ax->st, now, SNAPSHOT_US) != REG_OK)
		return answer_failed(ax);
	oc = handlers[q->kind](ax, q->arg);
	if (oc != OUT_ERROR)
		format_footer(ax->out, replica_updated(ax, now));
	else
		store_read_end(ax->st);
	arena_reset(ax->a);
	return oc;
}

/* --- domains ----------------------------------------------------------- */

/* "räksmörgås.test (xn--rksmrgs-5wao1o.test)" or "example.test". */
static const char *
display_name(struct answer_ctx *ax, const struct name_parts *np)
{
	if (!np->idn)
		return np->alabel;
	return arena_printf(ax->a, "%s (%s)", np->ulabel, np->alabel);
}

static bool
in_our_zones(const struct reg_config *cfg, const char *alabel)
{
	const char *tld = cfg->registry.tld;
	size_t n = strlen(alabel), k = strlen(tld);

	return n >= k && strcmp(alabel + n - k, tld) == 0 && (n == k || alabel[n - k - 1] == '.');
}

/* An unregistered name in our zones: reserved, blocked or free. */
static enum outcome
answer_unregistered(struct answer_ctx *ax, const struct name_parts *np)
{
	struct reg_reserved r;
	int rc = store_reserved_get(ax->st, ax->a, np->alabel, &r);

	if (rc == REG_ENOTFOUND) {
		format_comment(ax->out, "No match for \"%s\": the name is not registered "
		    "and is available.", display_name(ax, np));
		return OUT_NOMATCH;
	}
	if (rc != REG_OK)
		return answer_failed(ax);
	format_comment(ax->out, "No match for \"%s\": the name is %s by registry policy "
	    "and cannot be registered%s%s.", display_name(ax, np), r.kind,
	    r.reason != NULL && r.reason[0] != '\0' ? ": " : "", r.reason ? r.reason : "");
	return OUT_RESERVED;
}

static enum outcome
answer_domain(struct answer_ctx *ax, const char *arg)
{
	struct name_parts np;
	struct reg_domain_view v;
	struct reg_err err = { 0 };
	int rc = name_domain_check(ax->wd->policy, arg, &np, &err);
	int found;

	if (rc != REG_OK && rc != REG_EZONE && rc != REG_EIDN) {
		format_comment(ax->out, "Error: not a valid domain name: %s", reg_err_text(&err));
		return OUT_INVALID;
	}
	if (rc == REG_EZONE && !in_our_zones(ax->wd->cfg, np.alabel)) {
		format_comment(ax->out, "No match for \"%s\": this server answers for .%s only.",
		    display_name(ax, &np), ax->wd->cfg->registry.tld);
		return OUT_FOREIGN;
	}
	if ((found = store_domain_view(ax->st, ax->a, np.alabel, &v)) == REG_OK) {
		format_domain(ax->out, &v, ax->wd->cfg->whois.disclose);
		return OUT_FOUND;
	}
	if (found != REG_ENOTFOUND)
		return answer_failed(ax);
	if (rc != REG_OK) {
		format_comment(ax->out, "No match for \"%s\": the name cannot be registered: %s.",
		    display_name(ax, &np), reg_err_text(&err));
		return OUT_NOMATCH;
	}
	return answer_unregistered(ax, &np);
}

/* --- name servers, registrars, help ------------------------------------ */

static enum outcome
answer_nameserver(struct answer_ctx *ax, const char *arg)
{
	char alabel[NAME_TEXT_MAX + 1], uname[NAME_USIZE];
	struct reg_err err = { 0 };
	struct reg_host h;
	struct reg_registrar r;
	int rc;

	if (name_lookup_normalize(arg, alabel, sizeof(alabel), &err) != REG_OK) {
		format_comment(ax->out, "Error: not a valid host name: %s", reg_err_text(&err));
		return OUT_INVALID;
	}
	if ((rc = store_host_get(ax->st, ax->a, alabel, &h)) == REG_ENOTFOUND) {
		format_comment(ax->out, "No match for nameserver \"%s\".", alabel);
		return OUT_NOMATCH;
	}
	if (rc != REG_OK || store_registrar_get_by_id(ax->st, ax->a, h.sponsor_id, &r) != REG_OK)
		return answer_failed(ax);
	if (strstr(alabel, "xn--") == NULL || name_to_unicode(alabel, uname, sizeof(uname)) != REG_OK)
		uname[0] = '\0';
	format_host(ax->out, &h, uname[0] != '\0' ? uname : NULL, &r);
	return OUT_FOUND;
}

static enum outcome
answer_registrar(struct answer_ctx *ax, const char *arg)
{
	struct reg_registrar r;
	int rc = store_registrar_get(ax->st, ax->a, arg, &r);

	if (rc == REG_ENOTFOUND) {
		format_comment(ax->out, "No match for registrar \"%s\".", arg);
		return OUT_NOMATCH;
	}
	if (rc != REG_OK)
		return answer_failed(ax);
	format_registrar(ax->out, &r);
	return OUT_FOUND;
}

static enum outcome
answer_help(struct answer_ctx *ax, const char *arg)
{
	format_help(ax->out, ax->wd->cfg);
	return OUT_FOUND;
}
