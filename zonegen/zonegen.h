/*
 * zonegen.h: private header of the zone generator and DNSSEC signer.
 *
 * Two stages joined by a plain RFC 1035 zone file:
 *
 *   generate  registry database -> unsigned zone file (generate.c)
 *   sign      any zone file -> signed zone file (the rest)
 *
 * The signer's pipeline, one module per step:
 *
 *   zonefile.c  read master files into records (struct rr)
 *   zone.c      sort, group into RRsets and nodes, classify (apex,
 *               authoritative, delegation, glue), refuse bad zones
 *   keys.c      BIND-style key files, DNSKEY RRset, which key signs what
 *   nsec.c      NSEC chain          nsec3.c  NSEC3 chain and NSEC3PARAM
 *   cache.c     signatures of the previous run, by RRset digest
 *   patch.c     the incremental fast path: only the names that changed
 *               read and signed, the rest copied from the last output;
 *               patch_index.c its index and input copy (patch.h)
 *   sign.c      RRSIGs on every core, reusing fresh cached ones
 *   verify.c    the gate: every signature and the denial chain checked
 *   zonewrite.c text output and atomic publication
 *   switch.c    the NSEC <-> NSEC3 transition as a sequence of zones
 *
 * Memory: a 500,000-delegation zone holds about 1.5 million records, so
 * records, names and signatures live in regions (bump allocators freed at
 * once) and records are 32 bytes each. Names are stored once per owner in
 * wire form with their canonical sort key (RFC 4034 6.1), so that sorting
 * and comparing are memcmp.
 *
 * Everything is lower-cased on input (owner names and the names inside
 * RDATA), so the canonical form of RFC 4034 6.2 is the stored form.
 */
#ifndef ZONEGEN_H
#define ZONEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "err.h"

#define ZG_EXIT_OK	0
#define ZG_EXIT_FAIL	1	/* nothing published (or the post command failed) */
#define ZG_EXIT_USAGE	2

/* RR types and classes the code names (RFC 1035, 3596, 4034, 5155, 7344). */
enum {
	T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_PTR = 12, T_MX = 15,
	T_TXT = 16, T_AAAA = 28, T_DNAME = 39, T_DS = 43, T_RRSIG = 46,
	T_NSEC = 47, T_DNSKEY = 48, T_NSEC3 = 50, T_NSEC3PARAM = 51,
	T_CDS = 59, T_CDNSKEY = 60,
	CLASS_IN = 1,
};

#define RDATA_MAX	65535
#define TYPES_MAX	256	/* distinct types at one name we handle */
#define SIGN_THREADS_MAX 64
#define KEYS_MAX	16	/* keys of one zone at a time */

/* --- regions (region.c) -------------------------------------------------- */

/* A bump allocator: many small allocations, one free. Not thread-safe:
 * each signing thread has its own. */
struct region;

struct region *region_new(void);
void region_free(struct region *);
void *region_alloc(struct region *, size_t n);		/* 8-byte aligned */
void *region_bytes(struct region *, size_t n, size_t align);
void *region_memdup(struct region *, const void *, size_t n);	/* unaligned */
size_t region_size(const struct region *);		/* bytes held */

/* Asks for transparent huge pages over the 2 MB pages inside p[0..n). */
void hint_huge(void *p, size_t n);
/* Grows *v (of *cap elements of size bytes) to hold at least n. */
void vec_reserve(void *v, size_t *cap, size_t n, size_t size);

/* --- names (rr.c) -------------------------------------------------------- */

#define DNAME_WIRE_MAX	255
#define DNAME_KEY_MAX	(2 * DNAME_WIRE_MAX)
#define DNAME_TEXT_MAX	(4 * DNAME_WIRE_MAX + 2)

/*
 * A domain name: wire form (lower case, root label included), then its
 * canonical key: the labels from the root down, each followed by 0x00,
 * with 0x00 and 0x01 inside labels escaped as 0x01 0x01 and 0x01 0x02.
 * memcmp of two keys (shorter first on a tie) is RFC 4034 6.1 order, and
 * a name is at or below another exactly when the other's key is a prefix.
 */
struct dname {
	uint8_t wlen;		/* wire octets */
	uint8_t nlabels;	/* labels before the root */
	uint16_t klen;		/* key octets */
	uint8_t data[];		/* wire[wlen], then key[klen] */
};

static inline const uint8_t *dname_wire(const struct dname *n) { return n->data; }
static inline const uint8_t *dname_key(const struct dname *n) { return n->data + n->wlen; }

/* Parses the presentation name s[0..len) (with \X and \DDD escapes) into
 * lower-case wire form; a name without the final dot is relative to
 * origin (wire, NULL: refused). Returns the wire length, or -1 with *why. */
int dname_parse(const char *s, size_t len, const uint8_t *origin, uint8_t *wire,
    const char **why);
/* Length of the wire name at w (at most max octets), or -1 if malformed. */
int wire_name_len(const uint8_t *w, size_t max);
/* The interned name of a wire name; canonical key built here. */
const struct dname *dname_new(struct region *, const uint8_t *wire, size_t wlen);
/* The same into buf (sizeof(struct dname) + DNAME_WIRE_MAX + DNAME_KEY_MAX
 * octets, aligned). */
const struct dname *dname_fill(void *buf, const uint8_t *wire, size_t wlen);
int dname_cmp(const struct dname *, const struct dname *);
bool dname_equal(const struct dname *, const struct dname *);
/* Whether name is zone or below it. */
bool dname_under(const struct dname *name, const struct dname *zone);
/* Writes the absolute presentation form with the final dot; returns its
 * length (out holds DNAME_TEXT_MAX). */
size_t dname_format(const uint8_t *wire, char *out);
/* Canonical key of a wire name into key (DNAME_KEY_MAX); its length. */
size_t dname_make_key(const uint8_t *wire, uint8_t *key);
/* The parent of a wire name: a pointer past its first label. */
const uint8_t *wire_parent(const uint8_t *wire);
int wire_labels(const uint8_t *wire);

/* --- types and RDATA (rr.c) ---------------------------------------------- */

/* The mnemonic of a type ("NS", or "TYPE65280"); buf holds 16. */
const char *rrtype_name(uint16_t type, char *buf);
/* A type mnemonic or TYPEnnn; -1 if unknown. */
int rrtype_parse(const char *s, size_t len);
/* A TTL in seconds or with BIND units ("1h30m", RFC 2308 allows 0 to
 * 2^31 - 1); -1 if it is not one. */
struct ztok;
int64_t ttl_parse(const struct ztok *);
/* Whether the RDATA layout of the type is known (else only \# form). */
bool rrtype_known(uint16_t type);

/* One token of a master file entry, as the lexer found it. */
struct ztok {
	const char *s;
	uint32_t len;
	bool quoted;
};

/* Converts the RDATA tokens of one entry to wire form (RFC 1035 5.1, the
 * RFCs of each type, RFC 3597 \# for any type). Names are relative to
 * origin. Returns the length, or -1 with *why. out holds RDATA_MAX. */
int rdata_parse(uint16_t type, const struct ztok *tok, int ntok,
    const uint8_t *origin, uint8_t *out, const char **why);
/* Whether rd[0..len) is well-formed RDATA of its type (names, fields). */
bool rdata_valid(uint16_t type, const uint8_t *rd, size_t len);
/* Presentation form of RDATA into out (RDATA_TEXT_MAX(len) octets);
 * returns its length. Unknown types use \# (RFC 3597). */
#define RDATA_TEXT_MAX(len) (4 * (size_t)(len) + 1024)
size_t rdata_format(uint16_t type, const uint8_t *rd, size_t len, char *out);

/* Type bitmap of NSEC/NSEC3 (RFC 4034 4.1.2) from sorted unique types;
 * returns its length (out holds 34 * 256). */
size_t typemap_encode(const uint16_t *types, int n, uint8_t *out);

/* Encodings. Each returns the output length, or -1 on bad input. */
size_t b64_encode(const uint8_t *in, size_t n, char *out);
int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);
size_t b32hex_encode(const uint8_t *in, size_t n, char *out);	/* lower case */
int b32hex_decode(const char *in, size_t n, uint8_t *out, size_t cap);
int hex_decode(const char *in, size_t n, uint8_t *out, size_t cap);
/* RRSIG times: YYYYMMDDHHMMSS (out holds 15) and back (-1 on error). */
void time_to_dns(int64_t t, char *out);
int64_t time_from_dns(const char *s, size_t len);

/* --- the zone (zone.c) --------------------------------------------------- */

/* One resource record; rdata is wire form with lower-case names. */
struct rr {
	const struct dname *owner;
	const uint8_t *rdata;
	uint32_t ttl;
	uint16_t type, rdlen;
	uint32_t line;		/* source line, 0 if made here */
	uint16_t file;		/* index in zone->files */
};

/* The records of one owner and type, sorted by RDATA (RFC 4034 6.3). */
struct rrset {
	struct rr *rr;
	uint32_t ttl;
	uint16_t type, n;
	uint32_t sig;		/* first signature in zone->sig */
	uint16_t nsig;
};

enum node_kind {
	NODE_AUTH,		/* authoritative data */
	NODE_APEX,
	NODE_DELEG,		/* a delegation point: NS and maybe DS */
	NODE_GLUE,		/* below a delegation: glue, not signed */
};

/* An owner name with its RRsets (sorted by type). */
struct node {
	const struct dname *name;
	struct rrset *set;
	uint16_t nset;
	uint8_t kind;		/* enum node_kind */
	struct rrset *nsec;	/* its NSEC, when the zone has an NSEC chain */
};

/* A signature: RRSIG RDATA and the key that made it. */
struct sig {
	const uint8_t *rdata;
	uint16_t len;
	uint8_t key;		/* index in the key set */
	uint8_t cached;		/* taken from the cache, not made in this run */
};

/* A signed RRset and its node. */
struct sign_job {
	const struct node *node;
	struct rrset *set;
};

struct zone {
	struct region *rg;
	const struct dname *apex;
	const char **files;	/* source files, for messages */
	int nfiles;

	struct rr *rr;		/* as read, then sorted */
	size_t nrr, caprr;
	struct rrset *set;
	size_t nset;
	struct node *node;	/* canonical order; node[0] is the apex */
	size_t nnode;
	struct node *n3;	/* NSEC3 owners in hash order */
	size_t nn3;

	struct sign_job *job;	/* the signed RRsets in signing order */
	size_t njob;
	struct sig *sig;	/* every RRSIG, indexed from struct rrset */
	size_t nsig;
	uint8_t *kinv;		/* ECDSA only: k^-1 of each new signature */
	size_t kinv_len;	/* octets per entry in kinv, 0 if none */
	struct region *sigrg[SIGN_THREADS_MAX];	/* new RRSIG RDATA */
	struct region *readrg[SIGN_THREADS_MAX];	/* parallel reading */

	uint32_t soa_ttl, soa_minimum, serial;
	bool dropped_dnssec;	/* the input had RRSIG/NSEC records */
	uint32_t *out_len;	/* zone_write: each node's octets, when not NULL */
	uint64_t *cache_off;	/* cache_write: where each node's entries start */
};

void zone_init(struct zone *);
void zone_free(struct zone *);
/* Index of file name in zone->files (added if new). */
uint16_t zone_file_index(struct zone *, const char *path);

enum { BUILD_STRIP_DNSSEC = 1 << 0 };

/*
 * Turns the records read into nodes: finds the apex from the one SOA,
 * refuses records outside it, drops the DNSSEC records the signer makes
 * (with BUILD_STRIP_DNSSEC), sorts (skipped when the input is already in
 * canonical order, as generate writes it), groups, removes duplicates,
 * and classifies nodes. REG_ESYNTAX with "file:line: reason" for a bad
 * zone (no SOA, two SOAs, out-of-zone data, CNAME and other data, DS at
 * the apex or outside a delegation).
 */
int zone_build(struct zone *, int flags, struct reg_err *err);
/* The RRset of a type at a node, or NULL. */
struct rrset *node_find(const struct node *, uint16_t type);
/* Adds (or replaces) an RRset at a node from rdata blobs. */
struct rrset *node_put(struct zone *, struct node *, uint16_t type, uint32_t ttl,
    const uint8_t *const *rdata, const uint16_t *rdlen, int n);
/* Whether the zone signs this RRset of this node. */
bool rrset_signed(const struct node *, const struct rrset *);
/* The types of a node that belong in its NSEC/NSEC3 bitmap, without
 * RRSIG, NSEC and NSEC3 (RFC 4034 4.1.2: only NS and DS at a delegation),
 * sorted; returns how many. */
int node_bitmap_types(const struct node *, uint16_t *types);
/* Inserts t into the sorted, unique list types[0..n); the new count. */
int types_insert(uint16_t *types, int n, uint16_t t);
/* Whether the node has an RRset the zone signs. */
bool node_has_signed(const struct node *);
/* Negative-answer TTL: min(SOA TTL, SOA MINIMUM) (RFC 9077). */
uint32_t zone_negative_ttl(const struct zone *);
/* Canonical wire form of an RRset (RFC 4034 6.2, 6.3) with the TTL ttl,
 * appended to buf at *len (buf grows); for digests and signatures. */
void rrset_wire(const struct rrset *, uint32_t ttl, uint8_t **buf, size_t *len,
    size_t *cap);

/* --- reading master files (zonefile.c) ----------------------------------- */

/* A record as read, for a reader that keeps none (check the zone as it
 * streams by); the record and its owner last until the next call. A
 * non-OK return stops the reading with that error. */
typedef int (*zread_visit)(void *arg, const struct rr *, struct reg_err *err);

struct zread_opts {
	const char *origin;	/* initial $ORIGIN (text), NULL: none */
	uint32_t ttl;		/* default TTL before any $TTL, 0: none */
	bool soa_only;		/* stop after the first SOA (serial look-up) */
	int threads;		/* 0: every core */
	zread_visit visit;	/* NULL: append to zone->rr */
	void *visit_arg;
	/* When not NULL: the file is read into memory (not mapped) and its
	 * text handed over here (the caller frees), the very bytes the
	 * records came from. */
	char **keep;
	size_t *keep_len;
};

/* Appends the records of a master file (RFC 1035 5: $ORIGIN, $TTL,
 * $INCLUDE, relative names, blank owners, parentheses, comments, quoted
 * strings) to zone->rr. REG_ESYNTAX with "file:line: reason", REG_EIO
 * when the file cannot be read. */
int zone_read(struct zone *, const char *path, const struct zread_opts *,
    struct reg_err *err);
/* A whole file read into memory: a copy, where a mapping would show
 * later writes to the file. NULL with err, also when the file changed
 * while it was read. */
char *zone_file_slurp(const char *path, size_t *len, struct reg_err *err);
/* The same from text in memory, serially; label names it in messages. */
int zone_read_text(struct zone *, const char *label, const char *buf, size_t len,
    struct reg_err *err);

/* A master file cut at its owners, for the incremental signer: the
 * directives before the first record, then blocks of consecutive entries
 * whose owner is written the same way (comments and blank lines go with
 * the block before them). */
struct zblock {
	size_t off;		/* in the file */
	uint32_t len;
	uint32_t line;		/* of its first entry */
	uint16_t owner_len;	/* the owner as written starts the block */
};

struct zblocks {
	char *directives;	/* the $ORIGIN and $TTL lines, newline-ended */
	size_t dlen;
	struct zblock *b;
	size_t n;
};

/* False (nothing to free) for a file the cut cannot describe: $INCLUDE,
 * a directive after the first record or over several lines, a record
 * before the first owner, an owner that is not a plain word, unbalanced
 * parentheses or quotes. */
bool zone_blocks(const char *buf, size_t len, struct zblocks *out);
void zblocks_free(struct zblocks *);
/* The length of the word at p, as the reader's lexer takes one (it calls
 * this): up to a blank, newline, ; ( ) or ", with \ escapes; 0 if none.
 * The incremental signer reads owners with it, so it cuts as the reader. */
size_t zone_word_len(const char *p, size_t max);

/* --- writing and publishing (zonewrite.c) -------------------------------- */

/* A buffered text writer with a large buffer and fast formatting. */
struct zout {
	FILE *f;
	off_t written_back;	/* writeback_start() */
	char *buf;
	size_t len, cap;
	int error;		/* errno of the first failed write */
	const uint8_t *last_owner;	/* owner text of the previous line */
	size_t owner_len;
	char owner[DNAME_TEXT_MAX];
};

/* Once WRITEBACK_STEP more bytes went to f since *started, has the
 * kernel start writing them to disk (sync_file_range), so that the fsync
 * before publication finds little left and a large file's disk writes
 * overlap its formatting. */
void writeback_start(FILE *f, off_t *started);
/* The same for a descriptor written directly, now at pos. */
void writeback_fd(int fd, off_t pos, off_t *started);

/* A writer to f, or with f NULL one that only grows in memory. */
void zout_init(struct zout *, FILE *);
void zout_free(struct zout *);
/* Writes the buffer out; the errno of the first failure, or 0. */
int zout_flush(struct zout *);
/* Room for n more octets; returns where to write them. */
char *zout_reserve(struct zout *, size_t n);
void zout_commit(struct zout *, size_t n);
void zout_str(struct zout *, const char *);
/* One record: "owner TTL IN TYPE rdata\n". */
void zout_rr(struct zout *, const uint8_t *owner, uint32_t ttl, uint16_t type,
    const uint8_t *rdata, size_t rdlen);
/* The whole zone in canonical order, each RRset followed by its RRSIGs,
 * then the NSEC3 chain; formatted on `threads` threads. 0 or an errno. */
int zone_write(const struct zone *, struct zout *, int threads);
/* One node: each RRset with its RRSIGs, the SOA first, then its NSEC. */
void zone_write_node(const struct zone *, struct zout *, const struct node *);

/* path followed by suffix ("zone.signed" ".cache"); the caller frees. */
char *path_with(const char *path, const char *suffix);

/*
 * Atomic publication: open a temporary file next to path, write through
 * the callback, fsync, keep the current file as path.prev (hard link), and
 * rename the new one over path. On any failure the temporary file is
 * removed and path is left as it was.
 */
typedef int (*publish_fn)(void *arg, FILE *f, struct reg_err *err);
int publish_file(const char *path, publish_fn fn, void *arg, struct reg_err *err);
/* The same with a check of the written temporary file before the rename;
 * a failing check publishes nothing. */
typedef int (*check_fn)(void *arg, const char *tmp, struct reg_err *err);
int publish_file_checked(const char *path, publish_fn fn, check_fn check, void *arg,
    struct reg_err *err);
/* The mode of a published file: 0666 less the umask (read by setting it
 * for a moment: call it before other threads create files). */
mode_t publish_mode(void);
/* Makes a rename in the folder of path durable. */
void fsync_dir(const char *path);
/* publish_file with flags: PUBLISH_NOSYNC for a file whose loss in a
 * crash costs nothing but time and whose damage its reader detects (the
 * incremental index); PUBLISH_NOPREV for state no one goes back to (no
 * path.prev is kept, and an old one is removed). */
enum { PUBLISH_NOSYNC = 1 << 0, PUBLISH_NOPREV = 1 << 1 };
int publish_file_flags(const char *path, publish_fn fn, void *arg, int flags,
    struct reg_err *err);
/* Runs a post command through /bin/sh with ZONEGEN_* variables set; REG_OK
 * if it exits 0. Empty command: nothing to do. */
int run_post_command(const char *cmd, const char *file, const char *zone,
    uint32_t serial, struct reg_err *err);

/* --- keys (keys.c) ------------------------------------------------------- */

enum alg_kind { ALG_RSA, ALG_ECDSA, ALG_EDDSA };

/* A DNSSEC signing algorithm (RFC 8624 "MUST/RECOMMENDED" for signing). */
struct dnssec_alg {
	uint8_t num;
	const char *name;
	enum alg_kind kind;
	int curve_nid;		/* ECDSA and EdDSA */
	int hash_nid;		/* RSA and ECDSA */
	size_t coord;		/* ECDSA: octets of one coordinate */
};

const struct dnssec_alg *dnssec_alg_find(int num);

#define KEY_FLAG_ZONE	0x0100
#define KEY_FLAG_SEP	0x0001
#define KEY_FLAG_REVOKE	0x0080

struct dkey {
	char *file;		/* the .key file, for messages */
	const struct dnssec_alg *alg;
	uint16_t tag, flags;
	uint8_t *dnskey;	/* DNSKEY RDATA */
	uint16_t dnskey_len;
	uint32_t ttl;		/* from the .key file, 0 if none */
	int64_t publish, activate, inactive, remove;	/* 0 if unset */
	void *pkey;		/* EVP_PKEY with the private key */
	bool published;		/* its DNSKEY is in the zone */
	bool active;		/* it signs */
	bool signs_keys;	/* it signs DNSKEY, CDS, CDNSKEY */
	bool signs_zone;	/* it signs everything else */
};

struct keyset {
	struct dkey *k;
	int n;
};

/* RFC 4034 Appendix B. */
uint16_t key_tag(const uint8_t *dnskey, size_t len);
/*
 * Loads every K<zone>+<alg>+<tag>.key/.private pair in dir for zone, with
 * the timing of BIND's key files (Publish, Activate, Inactive, Delete) at
 * `now`. Refuses (REG_EINVAL, naming the file) an unsupported algorithm,
 * a key tag that does not match the file name, a private key that does
 * not match its public key, and a zone with no active key. Decides which
 * keys sign what: per algorithm, KSKs (SEP flag) sign the key RRsets and
 * ZSKs the rest; a lone key type (a CSK) signs both.
 */
int keys_load(struct keyset *, const char *dir, const struct dname *zone,
    int64_t now, struct reg_err *err);
void keys_free(struct keyset *);
/* Puts the DNSKEY RRset at the apex: the published keys, merged with any
 * DNSKEY records the input zone had. */
int keys_publish(struct zone *, const struct keyset *, struct reg_err *err);
/* A public key (EVP_PKEY) from DNSKEY RDATA, for verification; NULL if it
 * cannot be read. The caller frees it with EVP_PKEY_free. */
void *dnskey_to_pkey(const uint8_t *rd, size_t len);

/* --- hashes (hash.c) ----------------------------------------------------- */

#define SHA1_LEN	20
#define SHA256_LEN	32
#define SHA384_LEN	48

void hash_sha1(const void *in, size_t n, uint8_t *out);
void hash_sha256(const void *in, size_t n, uint8_t *out);
void hash_sha384(const void *in, size_t n, uint8_t *out);

/* --- ECDSA with the nonce kept (ecdsa.c) -------------------------------- */

/* One thread's signing context for an ECDSA key (EVP_PKEY). */
struct ecdsa;

struct ecdsa *ecdsa_new(void *pkey, size_t coord);
void ecdsa_free(struct ecdsa *);
/* Signs a digest: r || s into sig (2 * coord octets) and k^-1 into kinv
 * (coord octets). 0 or -1. */
int ecdsa_sign(struct ecdsa *, const uint8_t *dgst, size_t dlen, uint8_t *sig,
    uint8_t *kinv);
/* Whether sig is the signature of dgst made with k^-1 = kinv (see
 * ecdsa.c for why this is the verification equation). */
bool ecdsa_check(struct ecdsa *, const uint8_t *dgst, size_t dlen, const uint8_t *sig,
    const uint8_t *kinv);

/* --- denial of existence (nsec.c, nsec3.c) ------------------------------- */

/* Denial chains a signed zone carries: a plain zone has one; the steps of
 * a switch have both, with or without the NSEC3PARAM (switch.c). */
enum {
	DENIAL_NSEC = 1 << 0,
	DENIAL_NSEC3 = 1 << 1,
	DENIAL_PARAM = 1 << 2,	/* NSEC3PARAM at the apex */
	DENIAL_OPTOUT = 1 << 3,	/* NSEC3 opt-out (RFC 5155 6) */
};

#define DENIAL_CHAINS	(DENIAL_NSEC | DENIAL_NSEC3)

#define NSEC3_HASH_SHA1	1
#define NSEC3_HASH_LEN	20
#define NSEC3_FLAG_OPTOUT 0x01

/* Builds the NSEC chain over apex, authoritative and delegation nodes. */
int nsec_build(struct zone *, struct reg_err *err);
/* Gives one node its NSEC naming next (a part of a zone, patch.c). */
void nsec_set(struct zone *, struct node *, const struct dname *next);
/* Puts NSEC3PARAM 1 0 0 - at the apex (before the chains are built, so
 * that the apex bitmaps list it). */
void nsec3_param_add(struct zone *);
/* Builds the NSEC3 chain (RFC 9276: SHA-1, no extra iterations, empty
 * salt). With DENIAL_OPTOUT, delegations without DS get no NSEC3 of their
 * own. Run after nsec_build when the zone has both chains. REG_EINVAL on
 * a hash collision. */
int nsec3_build(struct zone *, unsigned denial, struct reg_err *err);
/* SHA-1 NSEC3 hash of a wire name (RFC 5155 5), no salt, 0 iterations. */
void nsec3_hash(const uint8_t *wire, size_t wlen, uint8_t out[NSEC3_HASH_LEN]);
/* Whether a node gets an NSEC3 of its own under these flags. */
bool nsec3_covers(const struct node *, unsigned denial);

/* --- the signature cache (cache.c) --------------------------------------- */

/*
 * The incremental state kept next to the signed output (OUTPUT.cache):
 * for every signed RRset its owner, type, the SHA-256 of its canonical
 * wire form and its RRSIGs, plus the denial flags of the zone it came
 * from. The file ends in a SHA-256 of its contents; one that does not
 * check out is ignored (a full signing follows). The signer trusts an
 * entry without verifying its signatures again: the gate verified them
 * when they were made, and the digest proves they cover the same data.
 */
struct cache;

struct cache_entry {
	const uint8_t *digest;	/* SHA-256, 32 octets */
	int nsig;
	const uint8_t *sig[8];	/* RRSIG RDATA */
	uint16_t siglen[8];
};

#define CACHE_DIGEST_LEN 32
#define CACHE_MAX_SIGS 8

/* Opens path; *out NULL (and REG_OK) when there is none or it is not for
 * this zone or damaged (logged). */
int cache_open(const char *path, const struct dname *apex, struct cache **out,
    struct reg_err *err);
/* The same with only the entries of the names whose entries start at
 * offs[0..n) (UINT64_MAX: none), as cache_write recorded them, for a run
 * that signs a few names (patch.c). It neither indexes the other entries
 * nor reads the whole file for its checksum: the caller checks the
 * signatures it takes with the public keys (verify_opts.full). */
int cache_open_names(const char *path, const struct dname *apex, const uint64_t *offs,
    size_t n, struct cache **out);
void cache_close(struct cache *);
unsigned cache_denial(const struct cache *);
/* The entry of (owner, type), trying entry *hint first and leaving
 * *hint after the entry found (callers walking in signing order keep one
 * hint each, starting at 0). */
bool cache_find(const struct cache *, const struct dname *owner, uint16_t type,
    size_t *hint, struct cache_entry *out);
/* Whether the cache's signatures with this key's algorithm and tag were
 * made by this very key (same DNSKEY RDATA). */
struct dkey;
bool cache_key_known(const struct cache *, const struct dkey *);
/* Writes the signatures of a signed zone (atomically, via publish_file):
 * digests[i] is the SHA-256 of zone->job[i]'s RRset. With zone->cache_off
 * set, notes where each node's entries start (UINT64_MAX stays for a
 * node without). */
struct keyset;
int cache_write(const char *path, const struct zone *, const struct keyset *,
    unsigned denial, const uint8_t *digests, struct reg_err *err);

/* --- signing (sign.c) ---------------------------------------------------- */

struct sign_opts {
	int64_t now;
	int64_t validity, refresh, jitter, inception;	/* seconds */
	int threads;
};

struct sign_stats {
	size_t rrsets;		/* signed RRsets */
	size_t made;		/* new signatures */
	size_t reused;		/* taken from the cache */
};

/* Signs every RRset the zone signs with the keys that should sign it,
 * reusing a cached signature when the RRset is unchanged, its key still
 * signs and it stays valid for more than `refresh`. Fills zone->job,
 * zone->sig and *digests (SHA-256 of each signed RRset, in zone->job
 * order, for the cache; the caller frees). */
int zone_sign(struct zone *, const struct keyset *, const struct cache *,
    const struct sign_opts *, uint8_t **digests, struct sign_stats *,
    struct reg_err *err);
/* Lists the RRsets the zone signs, in signing order (zone_sign keeps the
 * list in zone->job for the gate and the cache). */
size_t sign_jobs(const struct zone *, struct sign_job **out);
/* Builds the RRSIG RDATA without its signature for an RRset. */
size_t rrsig_prefix(const struct node *, const struct rrset *, const struct dname *apex,
    const struct dkey *, uint32_t inception, uint32_t expiration, uint8_t *out);
/* Runs fn(arg, i) for i in [0, n) on `threads` threads in chunks. */
void parallel_for(int threads, size_t n, void (*fn)(void *arg, size_t i, int thread),
    void *arg);
int sign_threads(int configured);

/* --- the verification gate (verify.c) ------------------------------------ */

struct verify_opts {
	int64_t now;
	unsigned denial;
	bool full;		/* public-key verification of every signature */
	bool cached_public;	/* the same for those taken from the cache */
	int threads;
	/* A part of a zone (patch.c): the name each node's NSEC must name,
	 * by node; NULL: the zone is whole and its own chain is checked. */
	const struct dname *const *nsec_next;
};

/*
 * Checks a signed zone before it is published: every RRset that must be
 * signed carries a valid signature of every algorithm in the DNSKEY RRset
 * (RFC 4035 2.2), the key RRsets one by a SEP key, each signature's fields
 * (type, labels, TTL, signer, validity) and its cryptography against the
 * data as it will be written, and the denial chains: NSEC (RFC 4034 4)
 * and NSEC3 (RFC 5155 7) complete, ordered, closed, with the right
 * bitmaps. REG_EINVAL with the first problem found.
 *
 * The cryptographic check: for a new ECDSA signature, s = k^-1 (e + r d)
 * (mod n) with the digest e recomputed here and k^-1 kept from signing;
 * since the private key d matches the published key Q = dG (keys.c) and
 * r = x(kG), this is the verification equation, at about the cost of a
 * signing instead of 2.7 of them. A cached signature: the RRset's digest
 * equals the one it was made over. Other algorithms, and everything with
 * `full`: OpenSSL verification with the public key from the zone's
 * DNSKEY RRset.
 */
int zone_verify(const struct zone *, const struct keyset *, const uint8_t *digests,
    const struct verify_opts *, struct reg_err *err);

/* --- commands (generate.c, main.c, switch.c) ----------------------------- */

/* Options every signing command shares. */
struct sign_args {
	const char *config, *keydir, *in, *out;
	unsigned denial;	/* DENIAL_* asked for; 0: from config or state */
	bool full;		/* ignore the cache */
	bool verify_full;
	int64_t now;		/* the clock, or --now */
	int threads;		/* 0: from config */
	bool verbose;
	const char *to;		/* switch: "nsec" or "nsec3" */
	bool status;		/* switch: print the state only */
};

struct sign_result {
	char zone[DNAME_TEXT_MAX];	/* its name, with the final dot */
	uint32_t serial;
	uint32_t negative_ttl;
	bool published;		/* the zone file was written */
	struct sign_stats st;
};

int cmd_generate(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_switch(int argc, char **argv);
void generate_help(FILE *);
void sign_help(FILE *);
void switch_help(FILE *);

/* Parses the options of sign (and switch: --to, --status); 0, 1 for
 * --help, -1 for bad arguments. Sets now to the clock unless --now. */
int sign_args_parse(int argc, char **argv, struct sign_args *, bool is_switch);
/* Signs args->in into args->out with exactly the given denial flags:
 * read, build, keys, chains, sign, gate, publish zone and cache, post
 * command. */
int sign_run(const struct reg_config *, const struct sign_args *, unsigned denial,
    struct sign_result *, struct reg_err *err);
/* --- incremental runs (patch.c) ---------------------------------------- */

/* The text of a zone file as read (zread_opts.keep). */
struct zone_text {
	char *p;
	size_t len;
};

/* After a full NSEC signing published z into out from text: writes
 * OUTPUT.input and OUTPUT.index for the next run's fast path, or removes
 * them when the input does not allow one (logged, not an error). z was
 * written with out_len set. */
void patch_index_full(const struct zone *z, const struct keyset *ks,
    const struct zone_text *text, const char *out, int64_t now);
/* Removes OUTPUT.index and OUTPUT.input. */
void patch_forget(const char *out);
/* The fast path: signs only what changed since the indexed run and
 * publishes; false when it does not apply or fails before publishing
 * (the reason logged), and the caller signs the whole zone. */
bool patch_sign(const struct sign_args *, const char *keydir, const struct sign_opts *,
    const struct verify_opts *, struct sign_result *, struct reg_err *err);

/* Takes OUTPUT.lock (flock, waiting for another holder): one signer of
 * an output at a time, from the choice of chain (sign) or the reading of
 * the switch state (switch) to the post command. A post command must not
 * sign the same output. The descriptor, or -1 with err. */
int output_lock(const char *out, struct reg_err *err);
/* OUTPUT.cache for OUTPUT (caller frees). */
char *cache_path(const char *out);
/* The denial flags of the zone signed last into out (from its cache),
 * 0 if unknown. */
unsigned sign_last_denial(const char *out);
/* The denial flags the step of an in-progress switch wants for out, 0 if
 * no switch is in progress; *step_name describes the step. */
unsigned switch_current(const char *out, const char **step_name);

/* -v timings: wall and process CPU seconds per phase (run.c). */
struct timer {
	struct timespec wall, cpu;
	bool on;
};

void timer_start(struct timer *, bool on);
void timer_lap(struct timer *, const char *what);

/* Time: --now for tests ("20250101000000" or seconds), else the clock. */
int64_t parse_now(const char *s);

#endif
