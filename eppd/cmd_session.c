/*
 * cmd_session.c: the session commands of RFC 5730 section 2.9: hello
 * (answered with the greeting), login, logout, and the poll queue (req
 * reads in the frontend, ack deletes in the writer).
 *
 * Login checks, in this order: version, language and the object and
 * extension URIs against the greeting (2100, 2102, 2307, 2103); then the
 * credentials: client id and password, registrar state, the TLS client
 * certificate's SHA-256 among the registrar's, the source address within
 * its allow-list. Each credential failure counts; the last one allowed by
 * epp.max_login_failures answers 2501 and the session closes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "password.h"
#include "server.h"
#include "util.h"

#define REGISTRAR_TERMINATED "terminated"
#define DUMMY_PASSWORD "not-a-password-1"

struct login_req {
	const char *clid, *pw, *newpw;
	unsigned mask;		/* 1 << NS_* announced */
};

int
cmd_hello(struct epp_cmd *c)
{
	response_set_greeting(c->resp);
	return epp_ok(c, EPP_OK);
}

/* --- login ---------------------------------------------------------------- */

static int
login_services(struct epp_cmd *c, xmlNodePtr svcs, unsigned *mask)
{
	xmlNodePtr n;
	const char *uri;
	int ns;

	for (n = xml_child(svcs, "objURI"); n != NULL; n = xml_next_same(n)) {
		uri = xml_text(c->a, n);
		if ((ns = epp_ns_lookup((const xmlChar *)uri)) <= NS_EPP || epp_ns[ns].extension)
			return epp_fail(c, EPP_UNIMPL_SERVICE, n, "object service %s is not offered", uri);
		*mask |= 1u << ns;
	}
	for (n = xml_child(xml_child(svcs, "svcExtension"), "extURI"); n != NULL;
	    n = xml_next_same(n)) {
		uri = xml_text(c->a, n);
		if ((ns = epp_ns_lookup((const xmlChar *)uri)) < 0 || !epp_ns[ns].extension)
			return epp_fail(c, EPP_UNIMPL_EXTENSION, n, "extension %s is not offered", uri);
		*mask |= 1u << ns;
	}
	return 0;
}

int
cmd_login_check(struct epp_cmd *c)
{
	struct login_req *l = arena_alloc(c->a, sizeof(*l));
	xmlNodePtr opts = xml_child(c->op, "options");
	const char *version = xml_child_text(c->a, opts, "version");
	const char *lang = xml_child_text(c->a, opts, "lang");
	struct reg_err err = { 0 };
	int rc;

	if (c->client->registrar_id != 0)
		return epp_fail(c, EPP_USE_ERROR, NULL, "already logged in as %s", c->client->clid);
	if (version == NULL || strcmp(version, EPP_VERSION) != 0)
		return epp_fail(c, EPP_UNIMPL_VERSION, xml_child(opts, "version"),
		    "this server speaks EPP " EPP_VERSION);
	if (lang == NULL || strcmp(lang, EPP_LANG) != 0)
		return epp_fail(c, EPP_UNIMPL_OPTION, xml_child(opts, "lang"),
		    "this server answers in language '" EPP_LANG "' only");
	if ((rc = login_services(c, xml_child(c->op, "svcs"), &l->mask)) != 0)
		return rc;
	l->clid = xml_child_text(c->a, c->op, "clID");
	l->pw = xml_child_text(c->a, c->op, "pw");
	l->newpw = xml_child_text(c->a, c->op, "newPW");
	/* The password itself is never echoed in <extValue>. */
	if (l->newpw != NULL && (rc = password_check_policy(l->newpw, &err)) != REG_OK)
		return epp_fail(c, epp_result_from_reg(rc), NULL, "newPW: %s", reg_err_text(&err));
	c->data = l;
	return 0;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[PASSWORD_HASH_MAX];

static void
dummy_init(void)
{
	if (password_hash(DUMMY_PASSWORD, dummy_hash, sizeof(dummy_hash)) != REG_OK)
		dummy_hash[0] = '\0';
}

/* A credential failure: 2200, or 2501 once the limit is reached. */
static int
login_failed(struct epp_cmd *c, const char *reason)
{
	struct session *s = c->session;
	bool last = ++s->login_failures >= srv.cfg->epp.max_login_failures;

	return epp_fail(c, last ? EPP_AUTH_CLOSING : EPP_AUTHENTICATION, NULL, "%s%s",
	    reason, last ? "; too many failed logins" : "");
}

static bool
cert_registered(struct epp_cmd *c, int64_t id, const char *sha256)
{
	char **list = NULL;

	if (store_registrar_cert_list(c->env->st, c->a, id, &list) != REG_OK)
		return false;
	for (; *list != NULL; list++)
		if (strcmp(*list, sha256) == 0)
			return true;
	return false;
}

static bool
addr_allowed(struct epp_cmd *c, int64_t id, const struct sockaddr_storage *peer)
{
	char **list = NULL;
	struct ipnet net;

	if (store_registrar_acl_list(c->env->st, c->a, id, &list) != REG_OK)
		return false;
	for (; *list != NULL; list++)
		if (ipnet_parse(*list, &net, NULL) == REG_OK &&
		    ipnet_contains(&net, (const struct sockaddr *)peer))
			return true;
	return false;
}

static int
login_verify(struct epp_cmd *c, const struct login_req *l, struct reg_registrar *r)
{
	static const char wrong[] = "unknown client identifier or wrong password";
	struct session *s = c->session;
	char *hash = NULL, why[REASON_MAX];
	int rc = store_registrar_get(c->env->st, c->a, l->clid, r);

	if (rc == REG_ENOTFOUND) {
		pthread_once(&dummy_once, dummy_init);
		password_verify(l->pw, dummy_hash);	/* the same time as a known id */
		return login_failed(c, wrong);
	}
	if (rc != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "%s", reg_strerror(rc));
	if (store_registrar_password_get(c->env->st, c->a, r->id, &hash) != REG_OK ||
	    !password_verify(l->pw, hash))
		return login_failed(c, wrong);
	if (strcmp(r->state, REGISTRAR_TERMINATED) == 0)
		snprintf(why, sizeof(why), "registrar %s is terminated", r->handle);
	else if (!cert_registered(c, r->id, s->cert_sha256))
		snprintf(why, sizeof(why), "client certificate SHA-256 %s is not registered for %s",
		    s->cert_sha256, r->handle);
	else if (!addr_allowed(c, r->id, &s->peer))
		snprintf(why, sizeof(why), "source address %s is not allowed for %s",
		    s->client.addr, r->handle);
	else
		return 0;
	return login_failed(c, why);
}

static int
login_newpw(struct epp_cmd *c, const char *newpw)
{
	char hash[PASSWORD_HASH_MAX];
	struct reg_err err = { 0 };

	if (password_hash(newpw, hash, sizeof(hash)) != REG_OK ||
	    session_set_password(c->session, hash, &err) != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "the new password could not be set");
	return 0;
}

int
cmd_login(struct epp_cmd *c)
{
	struct login_req *l = c->data;
	struct session *s = c->session;
	struct reg_registrar r;
	int rc;

	if (s == NULL)
		return epp_fail(c, EPP_FAILED, NULL, "login belongs to a session");
	if ((rc = login_verify(c, l, &r)) != 0)
		return rc;
	if (!conntab_login(s, r.id))
		return epp_fail(c, EPP_LIMIT_CLOSING, NULL, "%s already has %lld sessions",
		    r.handle, (long long)srv.cfg->epp.max_sessions_per_registrar);
	strlcpy_reg(s->client.clid, r.handle, sizeof(s->client.clid));
	if (l->newpw != NULL && (rc = login_newpw(c, l->newpw)) != 0) {
		conntab_logout(s);
		s->client.clid[0] = '\0';
		return rc;
	}
	s->client.ext_mask = l->mask;
	s->rate = ratelimit_get(r.id, srv.cfg->epp.rate_limit);
	s->login_failures = 0;
	s->state = SESS_ACTIVE;
	return epp_ok(c, EPP_OK);
}

int
cmd_logout(struct epp_cmd *c)
{
	return epp_ok(c, EPP_OK_BYE);
}

/* --- poll (RFC 5730 section 2.9.2.3) ------------------------------------------ */

int
cmd_poll_req(struct epp_cmd *c)
{
	struct reg_poll m;
	int64_t count = 0;
	int rc = store_poll_peek(c->env->st, c->a, c->client->registrar_id, &m, &count);

	if (rc == REG_ENOTFOUND)
		return epp_ok(c, EPP_OK_NO_MESSAGES);
	if (rc != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "%s", reg_strerror(rc));
	epp_msgq(c, count, m.id, m.created, m.message);
	if (m.payload != NULL && m.payload[0] != '\0')
		response_payload(c, m.payload);
	return epp_ok(c, EPP_OK_ACK_DEQUEUE);
}

int
cmd_poll_ack(struct epp_cmd *c)
{
	const char *text = xml_attr(c->a, c->op, "msgID");
	int64_t id;
	char *end;
	int rc;

	if (text == NULL)
		return epp_fail(c, EPP_MISSING_PARAM, NULL, "poll op=\"ack\" needs a msgID");
	errno = 0;
	id = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || id <= 0)
		return epp_fail(c, EPP_NOT_EXISTS, NULL, "msgID %s: no such message", text);
	rc = store_poll_ack(c->env->st, c->client->registrar_id, id);
	if (rc == REG_ENOTFOUND)
		return epp_fail(c, EPP_NOT_EXISTS, NULL, "msgID %s: no such message in the queue of %s",
		    text, c->client->clid);
	if (rc != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "%s", reg_strerror(rc));
	epp_msgq(c, store_poll_count(c->env->st, c->client->registrar_id), id, 0, NULL);
	return epp_ok(c, EPP_OK);
}
