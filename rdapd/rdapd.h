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
 *   http.c     ETag, Cache-Control, CORS; error.c for every answer
 *              that is not a 200
 *
 * Every worker thread has its own read-only store (its own prepared
 * statements), its own arena, freed at once when a request ends, and
 * its own output buffer: handlers write the answer's JSON into it as
 * they read (jsonw.c), topmost object first.
 */
#ifndef RDAPD_H
#define RDAPD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

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

/* --- jsonw.c: the JSON writer ------------------------------------------------ */

#define JW_DEPTH_MAX	32

struct jw {
	char *p;			/* the text so far, not NUL-terminated */
	size_t n, cap;
	int depth;
	char open[JW_DEPTH_MAX];	/* what closes each open container */
	bool first;			/* nothing yet in the innermost one */
	bool broken;			/* too deep, or closed more than opened */
};

/* Empties w, keeping its buffer. */
void jw_reset(struct jw *);
void jw_free(struct jw *);
/* Each value goes into the innermost open container: as a member named
 * key of an object, or, with key NULL, as an element of an array. Keys
 * are string literals of the program, written without escapes. */
void jw_object(struct jw *, const char *key);
void jw_array(struct jw *, const char *key);
void jw_end(struct jw *);	/* closes the innermost container */
/* Nothing at all when s is NULL. */
void jw_string(struct jw *, const char *key, const char *s);
void jw_stringn(struct jw *, const char *key, const char *s, size_t n);
void jw_int(struct jw *, const char *key, int64_t);
void jw_bool(struct jw *, const char *key, bool);
/* A value already serialised. */
void jw_raw(struct jw *, const char *key, const char *json, size_t n);

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
	/* the answer */
	struct jw *out;			/* the answer's JSON, as it is built */
	struct jw *redacted;		/* RFC 9537 entries, comma-separated */
	struct jw *scratch;		/* an object on its way to the cache */
	struct cache *cache;		/* the worker's (cache.c) */
	int nredacted;
	bool notices_open;		/* the topmost "notices" array is */
	bool claims_redacted;		/* rdapConformance lists "redacted" anyway */
	int retry_after;		/* seconds, with 429 */
};

/* A handler answers rq: it writes the answer into rq->out and returns the
 * HTTP status (rdap_error() for anything but 200). arg is the lookup's
 * key. */
typedef int (*rdap_handler)(struct rq *, const char *arg);

/* --- router.c -------------------------------------------------------------- */

/* Decodes the request target (path and query) into rq; HTTP_OK, or the
 * error status with its error object written: 400 for junk (bad percent-encoding,
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

/* Object builders the handlers share: each writes the members of one
 * object into rq->out, whose caller opened it and closes it; REG_OK, or
 * the store's error (the caller then answers with rdap_error, which
 * starts the answer over). `where` is the JSONPath of the object in the
 * answer ("$" for the topmost), for redaction paths; a top object is a
 * lookup's own and gets its events, sponsor and port43. */
int domain_members(struct rq *, const struct reg_domain_rdap *, const char *where);
int nameserver_members(struct rq *, const struct reg_host *, bool top);
/* A contact in one role ("registrant", "technical", ...; NULL for none). */
void entity_contact_members(struct rq *, const struct reg_contact *, const char *role,
    const char *where, bool top);
/* The postal form a contact's jCard shows: "int" if it has one, else
 * "loc". */
const struct reg_postal *contact_postal(const struct reg_contact *);
/* A registrar, with its abuse contact; role "registrar" or NULL. */
void entity_registrar_members(struct rq *, const struct reg_registrar *, const char *role,
    bool top);
/* The sponsor's entity, role "registrar": an element of the open array,
 * or the whole "entities" member. */
int entity_sponsor_element(struct rq *, int64_t registrar_id);
int entity_sponsor(struct rq *, int64_t registrar_id);

/* --- json.c: shared builders --------------------------------------------- */

enum rdap_notice {
	NOTICE_TERMS = 1 << 0,		/* terms of service */
	NOTICE_STATUS = 1 << 1,		/* what the status codes mean */
	NOTICE_INACCURACY = 1 << 2,	/* where to report inaccurate data */
};

/* The topmost object's end, after its own members: rdap_notices (or
 * rdap_notice) as many as asked, then rdap_finish, which closes the
 * notices, adds rdapConformance (every extension used), lang and the
 * redacted array if any, and closes the object. */
void rdap_notices(struct rq *, unsigned notices);
/* One notice, with a link of relation rel to href unless href is NULL
 * (of type text/html, or application/rdap+json for one of our own URLs). */
void rdap_notice(struct rq *, const char *title, const char *type, const char *text,
    const char *rel, const char *href);
void rdap_finish(struct rq *);
/* The URL of an object: base_url + kind + '/' + key (percent-encoded). */
char *rdap_url(struct rq *, const char *kind, const char *key);
/* An element {"value", "rel", "href", "type"} of the open links array;
 * value is the object's own URL. */
void rdap_link(struct rq *, const char *value, const char *rel, const char *href,
    const char *type);
/* Opens the "links" member with the self link of kind/key in it; the
 * caller may add links and closes it. Returns the self URL. */
const char *rdap_links_begin(struct rq *, const char *kind, const char *key);
/* Opens "events"; rdap_event adds {"eventAction", "eventDate"} unless t
 * is 0; rdap_events_end adds "last update of RDAP database" to a top
 * object's and closes it. */
void rdap_events_begin(struct rq *);
void rdap_event(struct rq *, const char *action, int64_t t);
void rdap_events_end(struct rq *, bool top);
/* "status": RFC 8056, EPP statuses (and the RGP state, may be NULL). */
void rdap_status(struct rq *, const struct reg_status_list *, const char *rgp);
/* "port43": registry.whois_server, if there is one. */
void rdap_port43(struct rq *);

/* jCard (RFC 7095): jcard_begin opens "vcardArray" as ["vcard",
 * [["version", {}, "text", "4.0"], ...; jcard_end closes it. */
void jcard_begin(struct rq *);
void jcard_end(struct rq *);
/* [prop, {}, "text", s], unless s is NULL. */
void jcard_text(struct rq *, const char *prop, const char *s);
/* ["adr", {"cc": cc}, "text", ["", "", street, city, sp, pc, ""]]. */
void jcard_adr(struct rq *, const struct reg_address *);
/* ["tel", {"type": kind}, "uri", "tel:number;ext=ext"], unless number is
 * NULL. */
void jcard_tel(struct rq *, const char *kind, const char *number, const char *ext);

/* --- redact.c: RFC 9537 -------------------------------------------------- */

/* Whether the configuration asks for redaction. */
bool redact_enabled(const struct rq *);
/* A copy of c without what it does not disclose, each removal written
 * to rq->redacted with paths below `where` (the entity's JSONPath); role
 * names the fields ("Registrant Name", "Tech Email", "Contact City"). */
struct reg_contact *redact_contact(struct rq *, const struct reg_contact *c,
    const char *role, const char *where);

/* --- error.c --------------------------------------------------------------- */

/* Starts the answer over as an RFC 9083 error object for status, with a
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

/* --- cache.c: objects many answers embed ------------------------------- */

enum cache_kind { CACHE_REGISTRAR, CACHE_NAMESERVER };

struct cache;
struct cache *cache_new(void);
void cache_free(struct cache *);
/* Empties the cache unless version is the data version its texts were
 * written at (store_read_version of the worker's snapshot). */
void cache_check(struct cache *, int64_t version);
/* Writes the members of one object (arg) into rq->out; REG_OK or the
 * store's error. */
typedef int (*cache_writer)(struct rq *, const void *arg);
/* Writes object (kind, id) as an element of the open array: the cached
 * text, or what write(rq, arg) writes, which is then kept. */
int cache_element(struct rq *, enum cache_kind, int64_t id, cache_writer write,
    const void *arg);

/* --- worker.c ------------------------------------------------------------ */

#define SNAPSHOT_US	10000	/* how long a worker answers from one snapshot */

/* A pool thread's replica connection, arena and output buffer. */
struct worker {
	pthread_mutex_t lock;	/* the store: its thread, or the janitor */
	struct store *st;
	struct arena *a;
	int64_t updated;	/* the database's age, as last read */
	int64_t updated_at;	/* when, in mono_usec() */
	struct jw out, redacted, scratch;	/* kept between requests: their buffers */
	struct cache *cache;
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

/* --- http.c ---------------------------------------------------------------- */

/* Starts the HTTP daemons on every address of rdap.listen; REG_OK or
 * REG_EIO/REG_ECONFIG with err set. */
int http_start(const struct rdapd *, struct reg_err *err);
/* Stops them; every worker's store is closed when its thread ends. */
void http_stop(void);

#endif
