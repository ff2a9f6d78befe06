/*
 * server.h: eppd's frame, private to the files that carry commands to the
 * handlers: main, listener, conntab, tls, frame, session, request,
 * channel, writer, ratelimit, xml and response (xmlread, dispatch,
 * objects, result and cmd_session implement parts of eppd.h). Handlers
 * see eppd.h only.
 *
 * Path of a command through the frame:
 *
 *   listener (accept, allow-list, caps) -> session thread (TLS, greeting)
 *     -> frame_read -> request_parse (XML, trim, schema) -> dispatch_lookup
 *     -> session checks (login state, announced namespaces, rate)
 *     -> read-only row: dispatch_run on the session's read-only store
 *        CMD_WRITE row: channel_call -> writer: savepoint, dispatch_run,
 *                       group COMMIT, answer
 *     -> response_render -> frame_write, one log line
 */
#ifndef EPPD_SERVER_H
#define EPPD_SERVER_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <libxml/xmlschemas.h>
#include <openssl/ssl.h>

#include "eppd.h"
#include "ipnet.h"

#define EPP_VERSION "1.0"
#define EPP_LANG "en"
#define SVTRID_MAX 64		/* trIDStringType maxLength */
#define TRID_MIN 3		/* trIDStringType minLength */
#define REASON_MAX 512		/* a reason in <extValue> */
#define FRAME_HEADER 4		/* RFC 5734 section 4: 32-bit total length */
#define SHA256_HEX 65		/* 64 hex digits and a NUL */
#define ADDR_MAX 64		/* an address as text, for logs */
#define SHUTDOWN_GRACE 10	/* seconds sessions get to finish at stop */
#define CHAN_RESP_MAX (64 << 20)	/* the largest answer from the writer */

/* The daemon: set up by main before threads start, then read-only. */
struct server {
	const struct reg_config *cfg;
	const struct name_policy *names;
	SSL_CTX *tls;
	int ctl_fd;		/* control socket to the writer (frontend end) */
	char svtrid_prefix[48];	/* "TEST-1712345678-4242" */
	bool debug;		/* -d: debug lines in the log */
};

extern struct server srv;
/* Set by SIGTERM or SIGINT; every loop checks it. */
extern volatile sig_atomic_t server_stopping;

/* The registry clock: real time, plus the database's offset when
 * registry.adjustable_clock allows it (tests move it forward). */
int64_t server_now(struct store *);

/* --- response.c -------------------------------------------------------- */

struct epp_resp;

/* A response for c, empty until a handler sets a result. */
struct epp_resp *response_new(struct arena *);
void response_free(struct epp_resp *);
/* The result code set so far, 0 if none. */
int response_code(const struct epp_resp *);
/* The first <extValue> reason, or NULL: for the log line. */
const char *response_reason(const struct epp_resp *);
/* Adds the elements of a stored poll payload (see epp_poll_add) under
 * <resData> or <extension>; -1 if it does not parse. */
int response_payload(struct epp_cmd *c, const char *payload);
/* Marks the response of a <hello>: rendered as the greeting. */
void response_set_greeting(struct epp_resp *);
/* The whole response document as UTF-8 text without indentation
 * (malloc'ed, caller frees): result, msgQ, resData, extension, trID. */
char *response_render(struct epp_cmd *c, size_t *len);
/* The <greeting> (RFC 5730 section 2.4) at registry time now. */
char *response_greeting(const struct reg_config *, int64_t now, size_t *len);
/* True if s may be echoed as a clTRID (trIDStringType). */
bool response_trid_ok(const char *s);

/* --- xml.c: the safe parser and the schema ------------------------------ */

static inline bool
xml_is_space(xmlChar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Loads dir/epp.xsd once for the process; dir NULL or "" searches the
 * installed and the source tree's data/xsd. */
int xml_schema_load(const char *dir, struct reg_err *err);
void xml_schema_free(void);
/* A validation context of the loaded schema for one thread. */
xmlSchemaValidCtxtPtr xml_valid_new(void);
/* Parses an incoming document: no network, no DTD, no entities, default
 * depth limit, and a DOCTYPE refused. NULL with the reason in why. */
xmlDocPtr xml_parse(const char *buf, size_t len, char *why, size_t whysz);
/* Trims leading and trailing whitespace of the text of leaf elements
 * (authInfo passwords excepted: their spaces are part of the secret). */
void xml_trim_leaves(xmlNodePtr root);
/* 0 if doc is valid, else -1 with the validator's first complaint and
 * (when known) the element it was about in *bad. */
int xml_validate(xmlSchemaValidCtxtPtr, xmlDocPtr doc, char *why, size_t whysz,
    xmlNodePtr *bad);
/* Serialised doc (malloc'ed) without indentation. */
char *xml_dump(xmlDocPtr doc, size_t *len);

/* --- request.c: a frame becomes a command ------------------------------- */

/* Fills c from a frame: parses, trims, validates (when vctxt is not NULL)
 * and finds command, op, obj, ext and clTRID. On failure sets the error
 * response (2001, 2103, 2307 ...) and returns its code; else 0. */
int request_parse(struct epp_cmd *c, xmlSchemaValidCtxtPtr vctxt,
    const char *buf, size_t len);
/* Frees the document of c and resets c's per-command fields. */
void request_clear(struct epp_cmd *c);

/* --- dispatch.c (beyond eppd.h) ------------------------------------------ */

/* The error for a command without a table row (2000, 2001, 2101). */
int dispatch_unknown(struct epp_cmd *c);
/* The session-independent checks of the gatekeeper: login state and the
 * namespaces announced at login. 0 or the error code (response set). */
int dispatch_admit(struct epp_cmd *c);

/* --- tls.c ---------------------------------------------------------------- */

struct tls;

/* The server context: TLS 1.2 and 1.3 only, our certificate and key, a
 * client certificate required and verified against epp.ca. */
SSL_CTX *tls_ctx_new(const struct reg_config *, struct reg_err *err);
/* Handshake on connected socket fd (made non-blocking), finished by
 * deadline (monotonic seconds). NULL on failure, reason in why. */
struct tls *tls_accept(SSL_CTX *, int fd, double deadline, char *why, size_t whysz);
/* Reads exactly n bytes: 1 done, 0 clean EOF before any byte, -1 error or
 * deadline (errno ETIMEDOUT). */
int tls_read_full(struct tls *, void *buf, size_t n, double deadline);
/* Writes all of buf: 0 or -1. */
int tls_write_all(struct tls *, const void *buf, size_t n, double deadline);
/* SHA-256 of the peer certificate's DER, lower-case hex. */
void tls_peer_sha256(struct tls *, char out[SHA256_HEX]);
/* Sends close_notify (best effort) and frees; the fd stays open. */
void tls_free(struct tls *);
/* Monotonic clock in seconds, for deadlines. */
double mono_now(void);

/* --- frame.c (RFC 5734 section 4) ----------------------------------------- */

enum frame_rc {
	FRAME_OK,
	FRAME_EOF,		/* peer closed between frames */
	FRAME_IO,		/* read error, timeout, or EOF inside a frame */
	FRAME_TOO_BIG,		/* header announces more than max */
	FRAME_BAD,		/* header announces less than a header */
};

/* Reads one frame's payload into *buf (malloc'ed, NUL-terminated) of *len
 * bytes; *announced gets the header's total length. */
enum frame_rc frame_read(struct tls *, size_t max, double deadline,
    char **buf, size_t *len, uint32_t *announced);
int frame_write(struct tls *, const char *buf, size_t len, double deadline);

/* --- ratelimit.c --------------------------------------------------------- */

struct ratelimit;

/* The shared token bucket of a registrar (rate tokens a second, burst of
 * one second's worth); lives as long as the process. */
struct ratelimit *ratelimit_get(int64_t registrar_id, int64_t rate);
/* Takes a token; false when the bucket is empty. */
bool ratelimit_take(struct ratelimit *);

/* --- conntab.c: who is connected ------------------------------------------ */

struct session;

/* Admits a new connection from addr unless the total or the per-address
 * cap (counted before login) is reached; the reason in why. */
bool conntab_admit(struct session *, char *why, size_t whysz);
/* Moves a session from its address's count to its registrar's, unless
 * the registrar already has max_sessions_per_registrar sessions. */
bool conntab_login(struct session *, int64_t registrar_id);
/* Undoes conntab_login (a login that failed after it). */
void conntab_logout(struct session *);
void conntab_remove(struct session *);
/* Shuts the read side of every session's socket, so that idle sessions
 * end and busy ones end after their current command. */
void conntab_wake_all(void);
int conntab_count(void);

/* --- session.c ------------------------------------------------------------- */

/* A session's state (the diagram at the top of session.c). */
enum session_state { SESS_LOGIN, SESS_ACTIVE, SESS_CLOSING };

struct session {
	struct session *next;		/* conntab list */
	int fd;
	struct sockaddr_storage peer;
	struct epp_client client;	/* registrar_id 0 until login */
	enum session_state state;
	int login_failures;
	char cert_sha256[SHA256_HEX];
	struct tls *tls;
	struct store *st;		/* read-only handle, this thread's */
	int chan_fd;			/* to the writer; -1 until first write */
	struct ratelimit *rate;
	xmlSchemaValidCtxtPtr vctxt;
	struct arena *a;
	double deadline;		/* of the frame being awaited */
};

/* Runs a connection to its end on its own thread; takes fd. addr is the
 * peer's address as text (for logs and the per-address cap). */
int session_start(int fd, const struct sockaddr_storage *peer, const char *addr);
/* Sends a new password hash to the writer (login with newPW). */
int session_set_password(struct session *, const char *hash, struct reg_err *);

/* --- listener.c -------------------------------------------------------------- */

#define MAX_LISTENERS 16

/* Binds every address of epp.listen; exits on failure (start-up). */
int listener_open(const struct reg_config *, int *fds, int max);
/* Accepts until server_stopping or the writer is gone. */
void listener_run(const int *fds, int nfds);

/* --- channel.c: frontend <-> writer ------------------------------------------ */

enum chan_kind {
	CHAN_COMMAND = 1,	/* a command document to run */
	CHAN_PASSWORD = 2,	/* a new password hash for the registrar */
};

/* The fixed part of a request; the command document or hash follows. */
struct chan_req {
	uint32_t kind;		/* enum chan_kind */
	struct epp_client client;
	char svtrid[SVTRID_MAX + 1];
};

/* The fixed part of an answer; the rendered response follows. */
struct chan_resp {
	int32_t code;
	char reason[REASON_MAX];	/* for the frontend's log line */
};

/* A new per-session channel: one end goes to the writer over ctl_fd
 * (SCM_RIGHTS), the other is returned; -1 on failure. */
int channel_open(int ctl_fd);
/* Receives a channel fd from the control socket: the fd, 0 at EOF, -1 on
 * error. */
int channel_accept(int ctl_fd);
/* Sends hdr and body as one message (split into packets as needed). */
int channel_send(int fd, const void *hdr, size_t hdrlen, const char *body, size_t len);
/* Receives one message: fills hdr (exactly hdrlen bytes) and *body
 * (malloc'ed, NUL-terminated). 1 done, 0 EOF, -1 error. */
int channel_recv(int fd, void *hdr, size_t hdrlen, char **body, size_t *len,
    size_t max);

/* --- writer.c ------------------------------------------------------------------ */

/* The writer process's main: opens the master read-write and serves
 * channels from ctl_fd until it closes or SIGTERM. Returns the exit
 * status. */
int writer_main(int ctl_fd);

#endif
