/*
 * session.c: one EPP session on its own thread, from the TLS handshake to
 * the close (RFC 5730 section 2, RFC 5734).
 *
 *   accept --TLS, greeting--> SESS_LOGIN --login 1000--> SESS_ACTIVE
 *                               |    |                     |
 *          login_timeout (from  |    | 2501 after          | 1500 logout, 2500,
 *          accept), EOF, 2500   |    | max_login_failures  | 2502, idle_timeout
 *                               v    v                     v
 *                             SESS_CLOSING: the last answer is sent, then close
 *
 * Before login the whole session, handshake included, must finish its
 * login within epp.login_timeout; after it each command must arrive
 * within epp.idle_timeout of the previous answer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "util.h"

#define SESSION_STACK (1 << 20)

static uint64_t svtrid_counter;

/* What goes back to the client, and the reason for the log line. */
struct answer {
	char *out;
	size_t len;
	const char *reason;
};

static const char *
session_who(const struct session *s)
{
	return s->client.registrar_id ? s->client.clid : s->client.addr;
}

static double
session_timeout(const struct session *s)
{
	return (double)(s->state == SESS_ACTIVE ? srv.cfg->epp.idle_timeout :
	    srv.cfg->epp.login_timeout);
}

static const char *
svtrid_new(struct arena *a)
{
	unsigned long long n = __atomic_add_fetch(&svtrid_counter, 1, __ATOMIC_RELAXED);

	return arena_printf(a, "%s-%llu", srv.svtrid_prefix, n);
}

static bool
closing_code(int code)
{
	return code == EPP_OK_BYE || code == EPP_FAILED_CLOSING ||
	    code == EPP_AUTH_CLOSING || code == EPP_LIMIT_CLOSING;
}

static void
session_send(struct session *s, const char *out, size_t len)
{
	if (frame_write(s->tls, out, len, mono_now() + session_timeout(s)) != 0) {
		log_info("%s: cannot send the answer: %s", session_who(s),
		    errno == ETIMEDOUT ? "timed out" : "connection lost");
		s->state = SESS_CLOSING;
	}
}

static void
session_log(struct session *s, const struct epp_cmd *c, int code, const char *reason,
    double t0)
{
	log_info("%s %s clTRID=%s svTRID=%s result=%d %.1fms%s%s", session_who(s),
	    c->def ? c->def->name : "-",
	    response_trid_ok(c->cltrid) ? c->cltrid : "-", c->svtrid, code,
	    (mono_now() - t0) * 1e3, reason ? ": " : "", reason ? reason : "");
}

/* --- the writer ------------------------------------------------------------- */

/* One round trip to the writer: 0 with *resp and *out, or -1 when the
 * writer cannot be reached (the session then closes). */
static int
session_call(struct session *s, struct chan_req *req, const char *body, size_t len,
    struct chan_resp *resp, char **out, size_t *outlen)
{
	if (s->chan_fd < 0 && (s->chan_fd = channel_open(srv.ctl_fd)) < 0)
		return -1;
	if (channel_send(s->chan_fd, req, sizeof(*req), body, len) == 0 &&
	    channel_recv(s->chan_fd, resp, sizeof(*resp), out, outlen, CHAN_RESP_MAX) == 1)
		return 0;
	log_warnx("%s: the writer did not answer", session_who(s));
	close(s->chan_fd);
	s->chan_fd = -1;
	return -1;
}

static int
session_forward(struct session *s, struct epp_cmd *c, struct answer *ans)
{
	struct chan_req req = { .kind = CHAN_COMMAND, .client = s->client };
	struct chan_resp resp;
	size_t len;
	char *xml = xml_dump(c->doc, &len);
	int rc;

	strlcpy_reg(req.svtrid, c->svtrid, sizeof(req.svtrid));
	rc = session_call(s, &req, xml, len, &resp, &ans->out, &ans->len);
	free(xml);
	if (rc != 0)
		return epp_fail(c, EPP_FAILED_CLOSING, NULL, "the database writer is not available");
	resp.reason[sizeof(resp.reason) - 1] = '\0';
	ans->reason = resp.reason[0] ? arena_strdup(s->a, resp.reason) : NULL;
	return resp.code;
}

int
session_set_password(struct session *s, const char *hash, struct reg_err *err)
{
	struct chan_req req = { .kind = CHAN_PASSWORD, .client = s->client };
	struct chan_resp resp;
	char *out = NULL;
	size_t outlen;
	int rc = session_call(s, &req, hash, strlen(hash), &resp, &out, &outlen);

	free(out);
	if (rc != 0 || resp.code != EPP_OK)
		return reg_fail(err, REG_EDB, "the new password could not be stored");
	return REG_OK;
}

/* --- one command ------------------------------------------------------------- */

static int
session_local(struct session *s, struct epp_cmd *c)
{
	int rc;

	if (store_read_begin(s->st) != REG_OK)
		return epp_fail(c, EPP_FAILED, NULL, "the database is not available");
	c->env->now = server_now(s->st);
	rc = dispatch_run(c);
	store_read_end(s->st);
	return rc;
}

/* The gatekeeper's frontend half; ans->out is set when the writer
 * answered. */
static int
session_dispatch(struct session *s, struct epp_cmd *c, struct answer *ans)
{
	int rc;

	if ((c->def = dispatch_lookup(c->op, c->obj)) == NULL)
		return dispatch_unknown(c);
	if ((rc = dispatch_admit(c)) != 0)
		return rc;
	if (s->rate != NULL && !ratelimit_take(s->rate))
		return epp_fail(c, EPP_LIMIT_CLOSING, NULL,
		    "%s sent more than %lld commands a second", s->client.clid,
		    (long long)srv.cfg->epp.rate_limit);
	if (c->def->flags & CMD_WRITE)
		return session_forward(s, c, ans);
	return session_local(s, c);
}

static void
session_command(struct session *s, const char *buf, size_t len)
{
	struct epp_env env = { srv.cfg, s->st, srv.names, 0, false };
	struct epp_cmd c = { .client = &s->client, .env = &env, .a = s->a, .session = s };
	double t0 = mono_now();
	struct answer ans = { NULL, 0, NULL };
	int code;

	c.resp = response_new(s->a);
	c.svtrid = svtrid_new(s->a);
	if ((code = request_parse(&c, s->vctxt, buf, len)) == 0)
		code = session_dispatch(s, &c, &ans);
	if (ans.out == NULL) {
		ans.reason = arena_strdup(s->a, response_reason(c.resp));
		ans.out = response_render(&c, &ans.len);
	}
	if (code == 0)
		code = response_code(c.resp);
	session_send(s, ans.out, ans.len);
	session_log(s, &c, code, ans.reason, t0);
	if (closing_code(code))
		s->state = SESS_CLOSING;
	free(ans.out);
	request_clear(&c);
	response_free(c.resp);
	arena_reset(s->a);
}

/* An error answer outside any command (a bad frame), then close. */
static void
session_refuse(struct session *s, int code, const char *fmt, ...)
{
	struct epp_env env = { srv.cfg, s->st, srv.names, 0, false };
	struct epp_cmd c = { .client = &s->client, .env = &env, .a = s->a };
	char reason[REASON_MAX];
	size_t len;
	char *out;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	c.resp = response_new(s->a);
	c.svtrid = svtrid_new(s->a);
	epp_fail(&c, code, NULL, "%s", reason);
	out = response_render(&c, &len);
	session_send(s, out, len);
	log_info("%s: %s; closing", session_who(s), reason);
	free(out);
	response_free(c.resp);
	s->state = SESS_CLOSING;
}

/* --- the connection ------------------------------------------------------------ */

static void
session_next(struct session *s, double deadline)
{
	char *buf = NULL;
	size_t len;
	uint32_t announced = 0;

	switch (frame_read(s->tls, (size_t)srv.cfg->epp.max_frame, deadline, &buf, &len,
	    &announced)) {
	case FRAME_OK:
		session_command(s, buf, len);
		break;
	case FRAME_EOF:
		log_debug("%s: closed by the client", session_who(s));
		s->state = SESS_CLOSING;
		break;
	case FRAME_IO:
		log_info("%s: %s; closing", session_who(s), errno != ETIMEDOUT ?
		    "connection lost" : s->state == SESS_ACTIVE ? "idle timeout" :
		    "no login within the login timeout");
		s->state = SESS_CLOSING;
		break;
	case FRAME_TOO_BIG:
		session_refuse(s, EPP_FAILED_CLOSING, "frame of %lu bytes exceeds the limit of %lld",
		    (unsigned long)announced, (long long)srv.cfg->epp.max_frame);
		break;
	case FRAME_BAD:
		session_refuse(s, EPP_FAILED_CLOSING,
		    "malformed frame: length %lu does not exceed the 4-byte header",
		    (unsigned long)announced);
		break;
	}
	free(buf);
}

static void
session_run(struct session *s)
{
	double login_deadline = mono_now() + (double)srv.cfg->epp.login_timeout;
	struct reg_err err = { 0 };
	char why[256], *greeting;
	size_t len;

	if ((s->tls = tls_accept(srv.tls, s->fd, login_deadline, why, sizeof(why))) == NULL) {
		log_warnx("%s: TLS handshake failed: %s", s->client.addr, why);
		return;
	}
	tls_peer_sha256(s->tls, s->cert_sha256);
	if ((s->st = store_open(srv.cfg->database.master, STORE_RDONLY, &err)) == NULL) {
		log_warnx("%s: %s", s->client.addr, reg_err_text(&err));
		return;
	}
	greeting = response_greeting(srv.cfg, server_now(s->st), &len);
	session_send(s, greeting, len);
	free(greeting);
	while (s->state != SESS_CLOSING && !server_stopping)
		session_next(s, s->state == SESS_ACTIVE ? mono_now() + session_timeout(s) :
		    login_deadline);
}

static void
session_free(struct session *s)
{
	conntab_remove(s);
	if (s->chan_fd >= 0)
		close(s->chan_fd);
	store_close(s->st);
	tls_free(s->tls);
	close(s->fd);
	xmlSchemaFreeValidCtxt(s->vctxt);
	arena_free(s->a);
	free(s);
}

static void *
session_main(void *arg)
{
	struct session *s = arg;

	s->a = arena_new();
	s->vctxt = xml_valid_new();
	session_run(s);
	log_debug("%s: session ends", session_who(s));
	session_free(s);
	return NULL;
}

int
session_start(int fd, const struct sockaddr_storage *peer, const char *addr)
{
	struct session *s = xcalloc(1, sizeof(*s));
	pthread_attr_t attr;
	pthread_t tid;
	char why[128];
	int rc;

	s->fd = fd;
	s->peer = *peer;
	s->chan_fd = -1;
	s->state = SESS_LOGIN;
	strlcpy_reg(s->client.addr, addr, sizeof(s->client.addr));
	if (!conntab_admit(s, why, sizeof(why))) {
		log_warnx("%s: connection refused: %s", addr, why);
		close(fd);
		free(s);
		return -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, SESSION_STACK);
	if ((rc = pthread_create(&tid, &attr, session_main, s)) != 0) {
		errno = rc;
		log_warn("%s: cannot start a session thread", addr);
		conntab_remove(s);
		close(fd);
		free(s);
	}
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}
