/*
 * rdapd.h: the RDAP server's private header (RFC 7480, 9082, 9083, 9537).
 *
 * A request travels:
 *
 *   http.c     libmicrohttpd callbacks: the raw request target, the
 *              client's rate limit (ratelimit.c), the worker's snapshot
 *              of the replica (worker.c)
 *   router.c   percent-decoding, the path table, the query parameters
 *   domain.c, nameserver.c, entity.c, help.c, search.c
 *              one handler per object class; each reads the replica
 *              through its worker's store and builds the answer with
 *              json.c (links, notices, events, status, jCard) and
 *              redact.c (RFC 9537)
 *   http.c     serialise, ETag, Cache-Control, CORS; error.c for every
 *              answer that is not a 200
 *
 * Every worker thread has its own read-only store (its own prepared
 * statements) and its own arena; jansson allocates from that arena too,
 * so a request is freed at once when it ends.
 */
#ifndef RDAPD_H
#define RDAPD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "arena.h"
#include "config.h"
#include "ipnet.h"
#include "store.h"

#define RDAP_MEDIA_TYPE	"application/rdap+json"
#define RDAP_URI_MAX	2048	/* longer request targets: 414 */
#define RDAP_SEGMENTS	4	/* path segments a known query can have */
#define RDAP_PARAMS	16	/* query parameters; more: 400 */
#define RDAP_SCAN_MAX	10000	/* index entries one search may read */
#define RDAP_PREFIX_MIN	2	/* characters a search needs before its '*' */
#define RDAP_LANG	"en"

/* HTTP status codes the server answers with. */
enum {
	HTTP_OK = 200, HTTP_NOT_MODIFIED = 304, HTTP_BAD_REQUEST = 400,
	HTTP_NOT_FOUND = 404, HTTP_METHOD = 405, HTTP_URI_TOO_LONG = 414,
	HTTP_UNPROCESSABLE = 422, HTTP_TOO_MANY = 429, HTTP_INTERNAL = 500,
	HTTP_NOT_IMPLEMENTED = 501, HTTP_UNAVAILABLE = 503,
};

/* The daemon: set up by main.c, read-only once requests flow. */
struct rdapd {
	const struct reg_config *cfg;
	const char *base_url;		/* ends in '/' */
	const char *terms_url;		/* terms of service page */
	const char *inaccuracy_url;	/* where to report bad data */
	char cache_control[48];		/* for 200 and 404 answers */
	struct ipnet_list proxies;	/* rdap.proxies: X-Real-IP believed */
	struct ratelimit *rl;
	int64_t started;		/* fallback for the database's age */
};

struct rq_param {
	const char *key, *val;		/* percent-decoded */
};

/* One request, from the parsed target to the answer. */
struct rq {
	const struct rdapd *d;
	struct store *st;
	struct arena *a;
	const char *self;		/* base_url + the request path */
	char *seg[RDAP_SEGMENTS];	/* decoded path segments */
	int nseg;
	struct rq_param param[RDAP_PARAMS];
	int nparam;
	int64_t updated;		/* "last update of RDAP database" */
	json_t *redacted;		/* RFC 9537 entries; NULL while none */
	/* the answer */
	json_t *body;
	int retry_after;		/* seconds, with 429 */
};

/* A handler answers rq: it sets rq->body and returns the HTTP status
 * (rdap_error() for anything but 200). arg is the lookup's key. */
typedef int (*rdap_handler)(struct rq *, const char *arg);

/* --- router.c -------------------------------------------------------------- */

/* Decodes the request target (path and query) into rq; HTTP_OK, or the
 * error status with rq->body set: 400 for junk (bad percent-encoding,
 * NUL, control characters, invalid UTF-8, empty or too many segments),
 * 414 when it is longer than RDAP_URI_MAX. */
int router_parse(struct rq *, const char *target);
/* Runs the handler the path names; 400 for an unknown path, 501 for
 * RDAP queries this server does not answer (ip, autnum). */
int router_dispatch(struct rq *);
/* The value of query parameter key, or NULL. */
const char *rq_param(const struct rq *, const char *key);

/* --- the handlers -------------------------------------------------------- */

int domain_lookup(struct rq *, const char *name);
int nameserver_lookup(struct rq *, const char *name);
int entity_lookup(struct rq *, const char *handle);
int help_answer(struct rq *, const char *unused);
/* objects: "domains", "nameservers" or "entities"; picks the search by
 * the query parameter. */
int search_answer(struct rq *, const char *objects);

/* Object builders the handlers share: REG_OK with *out set, or the
 * store's error. `where` is the JSONPath of the object in the answer
 * ("$" for the topmost), for redaction paths; a name server with top set
 * is a lookup's own object and gets its events, sponsor and port43. */
int domain_object(struct rq *, const struct reg_domain_rdap *, const char *where,
    json_t **out);
int nameserver_object(struct rq *, const struct reg_host *, bool top, json_t **out);
/* A contact in one role ("registrant", "technical", ...; NULL for none). */
json_t *entity_contact(struct rq *, const struct reg_contact *, const char *role,
    const char *where);
/* The postal form a contact's jCard shows: "int" if it has one, else
 * "loc". */
const struct reg_postal *contact_postal(const struct reg_contact *);
/* A registrar, with its abuse contact; role "registrar" or NULL. */
json_t *entity_registrar(struct rq *, const struct reg_registrar *, const char *role);
/* The sponsor's entity as an "entities" array with role "registrar". */
int entity_sponsor(struct rq *, int64_t registrar_id, json_t **out);

/* --- json.c: shared builders --------------------------------------------- */

/* Makes jansson allocate from the calling thread's current arena
 * (json_use_arena); freeing is the arena's reset. Call once, first. */
void json_setup(void);
void json_use_arena(struct arena *);

/* Serialises v (compact, UTF-8) into *buf, growing it (and *cap) with
 * realloc as needed; returns the length, not counting the final NUL. */
size_t json_write(json_t *v, char **buf, size_t *cap);

enum rdap_notice {
	NOTICE_TERMS = 1 << 0,		/* terms of service */
	NOTICE_STATUS = 1 << 1,		/* what the status codes mean */
	NOTICE_INACCURACY = 1 << 2,	/* where to report inaccurate data */
};

/* Completes a topmost object: rdapConformance (every extension used),
 * the notices asked for, lang, and the redacted array if any. */
void rdap_top(struct rq *, json_t *obj, unsigned notices);
/* The rdapConformance array: rdap_level_0, "redacted" if asked, and the
 * ICANN profile and implementation guide. */
json_t *rdap_conformance(bool redacted);
/* Adds one notice to the notices array of obj (creating it); with a
 * link of relation rel to href unless href is NULL (of type text/html,
 * or application/rdap+json for one of our own URLs). */
void rdap_notice(struct rq *, json_t *obj, const char *title, const char *type,
    const char *text, const char *rel, const char *href);
/* The URL of an object: base_url + kind + '/' + key (percent-encoded). */
char *rdap_url(struct rq *, const char *kind, const char *key);
/* {"value", "rel", "href", "type"}; value is the object's own URL. */
json_t *rdap_link(const char *value, const char *rel, const char *href,
    const char *type);
/* A links array with the self link of kind/key. */
json_t *rdap_self_links(struct rq *, const char *kind, const char *key);
/* Appends {"eventAction", "eventDate"} unless t is 0. */
void rdap_event(json_t *events, const char *action, int64_t t);
/* RFC 8056: EPP statuses (and the RGP state, may be NULL) as RDAP ones. */
json_t *rdap_status(const struct reg_status_list *, const char *rgp);
/* Sets "port43" to registry.whois_server, if there is one. */
void rdap_port43(struct rq *, json_t *obj);
/* Sets key to a string value unless s is NULL. */
void json_set_str(json_t *obj, const char *key, const char *s);

/* jCard (RFC 7095): ["vcard", [["version", {}, "text", "4.0"], ...]]. */
json_t *jcard_new(void);
/* Appends [prop, params (NULL: {}), type, value]; steals params, value. */
void jcard_add(json_t *card, const char *prop, json_t *params, const char *type,
    json_t *value);
void jcard_text(json_t *card, const char *prop, const char *s);
/* ["adr", {"cc": cc}, "text", ["", "", street, city, sp, pc, ""]]. */
void jcard_adr(json_t *card, const struct reg_address *);
/* ["tel", {"type": kind}, "uri", "tel:number;ext=ext"]. */
void jcard_tel(json_t *card, const char *kind, const char *number, const char *ext);

/* --- redact.c: RFC 9537 -------------------------------------------------- */

/* Whether the configuration asks for redaction. */
bool redact_enabled(const struct rq *);
/* A copy of c without what it does not disclose, each removal recorded
 * in rq->redacted with paths below `where` (the entity's JSONPath); role
 * names the fields ("Registrant Name", "Tech Email", "Contact City"). */
struct reg_contact *redact_contact(struct rq *, const struct reg_contact *c,
    const char *role, const char *where);

/* --- error.c --------------------------------------------------------------- */

/* Sets rq->body to an RFC 9083 error object for status, with a
 * description from fmt, and returns status. */
int rdap_error(struct rq *, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The status and error object for a store or name code (REG_E*). */
int rdap_error_code(struct rq *, int code, const char *what);
/* The reason phrase of an HTTP status. */
const char *http_reason(int status);

/* --- ratelimit.c --------------------------------------------------------- */

struct sockaddr;
struct ratelimit;

/* Token buckets of `rate` requests a second and `burst` at most, one per
 * client /24 (IPv4) or /56 (IPv6). */
struct ratelimit *ratelimit_new(int64_t rate, int64_t burst);
void ratelimit_free(struct ratelimit *);
/* Takes one token from the client's bucket: 0 if it had one, else the
 * seconds until it will (for Retry-After). */
int ratelimit_take(struct ratelimit *, const struct sockaddr *client, double now);

/* --- worker.c ------------------------------------------------------------ */

#define SNAPSHOT_US	10000	/* how long a worker answers from one snapshot */

/* A pool thread's replica connection, arena and output buffer. */
struct worker {
	pthread_mutex_t lock;	/* the store: its thread, or the janitor */
	struct store *st;
	struct arena *a;
	int64_t updated;	/* the database's age, as last read */
	int64_t updated_at;	/* when, in mono_usec() */
	char *out;		/* the serialised answer, kept between requests */
	size_t outcap;
	struct worker *next;
};

/* The calling pool thread's worker, opened at its first request; NULL
 * (logged) when the replica cannot be opened. */
struct worker *worker_get(const struct rdapd *);
/* Takes the worker's store for a request: the open snapshot if it is
 * younger than SNAPSHOT_US, else a new one. worker_read_end gives the
 * store back (the snapshot stays open for the next request). */
int worker_read_begin(struct worker *, int64_t now_usec);
void worker_read_end(struct worker *);
/* The janitor that ends idle snapshots. */
void workers_start(void);
void workers_stop(void);
/* Monotonic microseconds. */
int64_t mono_usec(void);

/* --- http.c ---------------------------------------------------------------- */

/* Starts the HTTP daemons on every address of rdap.listen; REG_OK or
 * REG_EIO/REG_ECONFIG with err set. */
int http_start(const struct rdapd *, struct reg_err *err);
/* Stops them; every worker's store is closed when its thread ends. */
void http_stop(void);

#endif
