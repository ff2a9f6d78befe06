/*
 * eppd.h: private header of the EPP server (RFC 5730-5734, 5910, 3915).
 *
 * Two processes, privilege following the data (see README "eppd"):
 *
 *   frontend: accepts, checks the source address, does TLS, reads frames,
 *             parses and validates XML, keeps session state, and runs the
 *             commands that only read (hello, login, check, info, poll req,
 *             transfer query) on a read-only database handle, one thread
 *             per session.
 *   writer:   the only process with a write handle on the master database.
 *             It receives each transform (the validated command document
 *             plus the session's identity) over a per-session SEQPACKET
 *             channel, runs it through the same gatekeeper, one SAVEPOINT
 *             per command inside a group-commit transaction, and answers
 *             only after COMMIT returned. It also runs the registry clock's
 *             housekeeping (lifecycle.c).
 *
 * A command runs as: lookup in the table (dispatch.c) -> session checks
 * (login, rate) -> row.check (parse, validate, authorise; reads only) ->
 * row.exec (writes and the response). Handlers never repeat the
 * gatekeeper's work and never write result codes as literals.
 */
#ifndef EPPD_H
#define EPPD_H

#include <stdbool.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "arena.h"
#include "config.h"
#include "err.h"
#include "store.h"

struct name_policy;
struct session;

/* --- result codes (RFC 5730 section 3) ------------------------------------ */

enum epp_result {
	EPP_OK = 1000,
	EPP_OK_PENDING = 1001,
	EPP_OK_NO_MESSAGES = 1300,
	EPP_OK_ACK_DEQUEUE = 1301,
	EPP_OK_BYE = 1500,
	EPP_UNKNOWN_COMMAND = 2000,
	EPP_SYNTAX_ERROR = 2001,
	EPP_USE_ERROR = 2002,
	EPP_MISSING_PARAM = 2003,
	EPP_PARAM_RANGE = 2004,
	EPP_PARAM_SYNTAX = 2005,
	EPP_UNIMPL_VERSION = 2100,
	EPP_UNIMPL_COMMAND = 2101,
	EPP_UNIMPL_OPTION = 2102,
	EPP_UNIMPL_EXTENSION = 2103,
	EPP_BILLING_FAILURE = 2104,
	EPP_NOT_RENEWABLE = 2105,
	EPP_NOT_TRANSFERABLE = 2106,
	EPP_AUTHENTICATION = 2200,
	EPP_AUTHORIZATION = 2201,
	EPP_INVALID_AUTHINFO = 2202,
	EPP_PENDING_TRANSFER = 2300,
	EPP_NOT_PENDING_TRANSFER = 2301,
	EPP_EXISTS = 2302,
	EPP_NOT_EXISTS = 2303,
	EPP_STATUS_PROHIBITS = 2304,
	EPP_ASSOCIATION_PROHIBITS = 2305,
	EPP_PARAM_POLICY = 2306,
	EPP_UNIMPL_SERVICE = 2307,
	EPP_DATA_POLICY = 2308,
	EPP_FAILED = 2400,
	EPP_FAILED_CLOSING = 2500,
	EPP_AUTH_CLOSING = 2501,
	EPP_LIMIT_CLOSING = 2502,
};

/* The RFC text of a code ("Object does not exist"). */
const char *epp_result_text(int code);
/* The one mapping from core REG_E* codes to EPP results. */
int epp_result_from_reg(int reg_code);

/* --- namespaces ------------------------------------------------------------ */

enum epp_nsid { NS_EPP, NS_DOMAIN, NS_HOST, NS_CONTACT, NS_SECDNS, NS_RGP, NS_COUNT };

struct epp_ns {
	const char *uri;	/* "urn:ietf:params:xml:ns:domain-1.0" */
	const char *prefix;	/* "domain" */
	bool extension;		/* announced as svcExtension, not objURI */
};

extern const struct epp_ns epp_ns[NS_COUNT];
/* NS_* of a namespace URI, or -1. */
int epp_ns_lookup(const xmlChar *uri);

/* --- a command in flight ---------------------------------------------------- */

/* Who is asking: filled by the session at login, passed to the writer. */
struct epp_client {
	int64_t registrar_id;	/* 0 before login */
	char clid[17];
	char addr[64];		/* source address, for logs */
	unsigned ext_mask;	/* 1 << NS_* of the objURIs and extURIs announced
				 * at login */
};

/* What a command runs against. */
struct epp_env {
	const struct reg_config *cfg;
	struct store *st;	/* read-only in the frontend, read-write in the writer */
	const struct name_policy *names;
	int64_t now;		/* registry clock when the command started */
	bool writer;		/* running in the writer process */
};

struct epp_resp;

struct epp_cmd {
	/* Input, all pointing into doc. */
	xmlDocPtr doc;
	xmlNodePtr command;	/* <command> (or <hello>) */
	xmlNodePtr op;		/* <create>, <info>, <login>, <poll> ... */
	xmlNodePtr obj;		/* <domain:create> etc.; NULL for login, logout, poll */
	xmlNodePtr ext;		/* <extension> or NULL */
	const char *cltrid;	/* NULL when the client sent none */
	const char *svtrid;	/* unique; made by the frontend */
	const struct epp_cmd_def *def;

	const struct epp_client *client;
	struct epp_env *env;
	struct arena *a;	/* everything the command allocates */

	struct epp_resp *resp;	/* result, resData, msgQ, extension */
	void *data;		/* handler-private: check fills, exec reads */

	/* The frame's own (handlers leave them alone). */
	int nhistory;		/* entries epp_history() recorded */
	struct session *session;	/* frontend only: for cmd_session.c */
};

enum epp_cmd_flags {
	CMD_NO_LOGIN = 1 << 0,	/* allowed before login (hello, login) */
	CMD_WRITE = 1 << 1,	/* a transform: runs in the writer */
	CMD_HISTORY = 1 << 2,	/* on success, the gatekeeper records a history
				 * entry (kind, object name) unless exec recorded
				 * one with epp_history() */
};

struct epp_cmd_def {
	const char *op;		/* element under <command>: "create", "transfer" ... */
	int ns;			/* NS_* of the object element; -1 if none */
	const char *op_attr;	/* transfer op="..." / poll op="..."; NULL if none */
	unsigned flags;
	int (*check)(struct epp_cmd *);	/* may be NULL; reads only */
	int (*exec)(struct epp_cmd *);
	const char *name;	/* "domain:create", for logs and history */
};

/* Finds the table row for a parsed command; NULL if unknown. */
const struct epp_cmd_def *dispatch_lookup(xmlNodePtr op, xmlNodePtr obj);
/* The gatekeeper: runs check then exec and fills c->resp. Returns the
 * result code. Opens no transaction: the caller (session or writer) owns
 * it. check passes with any return below 2000 (0, EPP_OK); exec returns
 * its result code (from epp_ok/epp_fail); either may also return a
 * negative REG_E* code, which is mapped with epp_result_from_reg(). */
int dispatch_run(struct epp_cmd *c);

/* --- reading a command ------------------------------------------------------ */

/* First element child of parent named `name` in parent's namespace (or in
 * namespace ns when ns >= 0); NULL if none. */
xmlNodePtr xml_child(xmlNodePtr parent, const char *name);
xmlNodePtr xml_child_ns(xmlNodePtr parent, int ns, const char *name);
/* The next element sibling of n with the same name and namespace. */
xmlNodePtr xml_next_same(xmlNodePtr n);
/* Element text, trimmed, copied into the arena; NULL if n is NULL. */
const char *xml_text(struct arena *, xmlNodePtr n);
const char *xml_child_text(struct arena *, xmlNodePtr parent, const char *name);
const char *xml_attr(struct arena *, xmlNodePtr n, const char *name);

/* --- writing the response ---------------------------------------------------- */

/* Sets the result and returns it; reason (optional) goes into <extValue>
 * with a copy of the offending element (optional), so the registrar sees
 * which value was refused and why. */
int epp_fail(struct epp_cmd *c, int code, xmlNodePtr value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets a success code (1000, 1001, 1300, 1301, 1500). */
int epp_ok(struct epp_cmd *c, int code);
/* <resData><prefix:elem xmlns:prefix="..."/></resData>: returns the inner
 * element for the handler to fill. One per response. */
xmlNodePtr epp_resdata(struct epp_cmd *c, int ns, const char *elem);
/* <extension><prefix:elem .../></extension>: a response extension. */
xmlNodePtr epp_extdata(struct epp_cmd *c, int ns, const char *elem);
/* <msgQ count="n" id="id"><qDate/><msg/></msgQ> for poll responses. */
void epp_msgq(struct epp_cmd *c, int64_t count, int64_t id, int64_t qdate, const char *msg);
/* Adds <prefix:name>text</prefix:name> in parent's namespace (text may be
 * NULL for an empty element); returns the new element. */
xmlNodePtr xml_add(xmlNodePtr parent, const char *name, const char *text);
xmlNodePtr xml_addf(xmlNodePtr parent, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* xml_add with an RFC 3339 time. */
xmlNodePtr xml_add_time(xmlNodePtr parent, const char *name, int64_t t);

/* --- handlers (one file per object family) ---------------------------------- */

/* cmd_session.c */
int cmd_hello(struct epp_cmd *);
int cmd_login_check(struct epp_cmd *);
int cmd_login(struct epp_cmd *);
int cmd_logout(struct epp_cmd *);
int cmd_poll_req(struct epp_cmd *);
int cmd_poll_ack(struct epp_cmd *);

/* cmd_domain.c, cmd_domain_transfer.c (secDNS and rgp in ext_secdns.c, ext_rgp.c) */
int cmd_domain_check(struct epp_cmd *);
int cmd_domain_info(struct epp_cmd *);
int cmd_domain_create_check(struct epp_cmd *);
int cmd_domain_create(struct epp_cmd *);
int cmd_domain_update_check(struct epp_cmd *);
int cmd_domain_update(struct epp_cmd *);
int cmd_domain_delete_check(struct epp_cmd *);
int cmd_domain_delete(struct epp_cmd *);
int cmd_domain_renew_check(struct epp_cmd *);
int cmd_domain_renew(struct epp_cmd *);
int cmd_domain_transfer_query(struct epp_cmd *);
int cmd_domain_transfer_request(struct epp_cmd *);
int cmd_domain_transfer_approve(struct epp_cmd *);
int cmd_domain_transfer_reject(struct epp_cmd *);
int cmd_domain_transfer_cancel(struct epp_cmd *);

/* cmd_host.c */
int cmd_host_check(struct epp_cmd *);
int cmd_host_info(struct epp_cmd *);
int cmd_host_create_check(struct epp_cmd *);
int cmd_host_create(struct epp_cmd *);
int cmd_host_update_check(struct epp_cmd *);
int cmd_host_update(struct epp_cmd *);
int cmd_host_delete_check(struct epp_cmd *);
int cmd_host_delete(struct epp_cmd *);

/* cmd_contact.c */
int cmd_contact_check(struct epp_cmd *);
int cmd_contact_info(struct epp_cmd *);
int cmd_contact_create_check(struct epp_cmd *);
int cmd_contact_create(struct epp_cmd *);
int cmd_contact_update_check(struct epp_cmd *);
int cmd_contact_update(struct epp_cmd *);
int cmd_contact_delete_check(struct epp_cmd *);
int cmd_contact_delete(struct epp_cmd *);
int cmd_contact_transfer_query(struct epp_cmd *);
int cmd_contact_transfer_request(struct epp_cmd *);
int cmd_contact_transfer_approve(struct epp_cmd *);
int cmd_contact_transfer_reject(struct epp_cmd *);
int cmd_contact_transfer_cancel(struct epp_cmd *);
/* Moves ct to the registrar gaining_id with a fresh authInfo, stamped
 * env->now; store error codes, the reason in err (the lifecycle uses it
 * for transfers nobody answered). */
int contact_transfer_move(struct epp_env *env, struct reg_contact *ct,
    int64_t gaining_id, struct reg_err *err);

/* --- shared by the host and contact commands (cmd_object.c) ---------------- */

#define EPP_CHECK_MAX 100	/* names or ids in one <check> */

/* 2103 when the command carries an extension: none applies to hosts and
 * contacts. */
int cmd_no_extension(struct epp_cmd *c);
/* 2306 when first and its like-named siblings are more than EPP_CHECK_MAX. */
int cmd_check_limit(struct epp_cmd *c, xmlNodePtr first);

/* The statuses an <update> adds and removes, parsed and checked against
 * the object's current ones by cmd_status_parse(). */
struct status_change {
	int nadd, nrem;
	struct reg_status *add;
	const char **rem;
};

/* Reads the <status s=".."> children of add and rem (either may be NULL)
 * of an update of an object of `kind` that has `have`. Only statuses the
 * client may set (status.h) pass; adding one the object has, removing one
 * it lacks, or adding one that clashes with another: an EPP error (2306,
 * 2304) naming the status. EPP_OK otherwise. */
int cmd_status_parse(struct epp_cmd *c, const char *kind, xmlNodePtr add,
    xmlNodePtr rem, const struct reg_status_list *have, struct status_change *out);
/* 2304 when a status of `have` forbids this update (server*Update*,
 * pending*, or clientUpdateProhibited unless the update only changes
 * statuses and removes it, RFC 5731-5733 section 2.3); EPP_OK otherwise. */
int cmd_status_may_update(struct epp_cmd *c, const struct reg_status_list *have,
    const struct status_change *ch, bool only_statuses);
/* 2304 when a status of `have` forbids deleting the object. */
int cmd_status_may_delete(struct epp_cmd *c, const struct reg_status_list *have);
/* Applies ch to object id (removals first) through status.h; the result
 * code of the first failure. */
int cmd_status_apply(struct epp_cmd *c, const char *kind, int64_t id,
    const struct status_change *ch);
/* Adds <prefix:status s=".."/> elements to parent in its namespace: the
 * stored statuses, "linked" when the object is in use, and "ok" exactly
 * when nothing else but "linked" is there. */
void cmd_status_show(xmlNodePtr parent, const char *kind,
    const struct reg_status_list *have, bool linked);

/* --- contacts (cmd_contact.c), shared with cmd_contact_transfer.c ----------- */

/* Loads the contact named by the <contact:id> child of c->obj: 2303 when
 * there is none. */
int contact_lookup(struct epp_cmd *c, struct reg_contact *out);
/* The <contact:authInfo><contact:pw> text of c->obj, or NULL. */
const char *contact_authinfo_given(struct epp_cmd *c);

/* --- shared helpers for handlers (objects.c) --------------------------------- */

/* Each returns EPP_OK, or sets the error response and returns its code. */

/* Records a history entry for the object the command changed (actor,
 * command name, clTRID, svTRID and time come from c). */
int epp_history(struct epp_cmd *c, const char *kind, const char *roid,
    const char *name, const char *detail);
/* Queues a poll message for a registrar. payload is NULL or the XML text
 * of one or more elements, each declaring its namespace; poll req puts
 * those of extension namespaces (secDNS, rgp) under <extension> and the
 * others under <resData>. */
int epp_poll_add(struct epp_cmd *c, int64_t registrar_id, const char *msg,
    const char *payload);
/* 2201 unless the client sponsors the object. */
int epp_require_sponsor(struct epp_cmd *c, int64_t sponsor_id, xmlNodePtr value);

/* --- registry clock housekeeping (lifecycle.c, runs in the writer) ----------- */

/* Applies every lifecycle event due at env->now: auto-renew of expired
 * domains, redemption -> pendingDelete -> purge, transfer auto-approval,
 * grace period ends; each in the caller's transaction, each with its
 * poll message. Returns the number of events or a negative REG_E*. */
int lifecycle_run(struct epp_env *env);

#endif
