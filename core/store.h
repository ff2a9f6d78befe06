/*
 * store.h: the one data-access layer. SQL lives only in core/store*.c.
 *
 * A `struct store` is one SQLite connection. The master is opened
 * read-write by exactly one writer; readers (whoisd, rdapd, zonegen,
 * escrow) open read-only and wrap each request in store_read_begin/end.
 *
 * Writes happen between store_begin() and store_commit(); store_commit()
 * also appends the transaction's changeset of public tables to the
 * changelog in the same transaction, so a replica sees exactly what
 * committed. store_rollback() leaves no trace, changelog included.
 *
 * Reads fill caller structs with strings from the caller's arena; the
 * arena owns them. Functions return REG_OK or a REG_E* code; writers also
 * fill `err` with a reason when it helps (err may be NULL).
 */
#ifndef REG_STORE_H
#define REG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

struct store;

enum store_flags {
	STORE_RDONLY = 1 << 0,	/* open read-only; never writes */
	STORE_CREATE = 1 << 1,	/* create the file and migrate it if new */
	STORE_FAST = 1 << 2,	/* synchronous=NORMAL: bulk loads, tests */
	STORE_NOLOG = 1 << 3,	/* no changelog (replica apply, bulk seed) */
	STORE_WRITER = 1 << 4,	/* a daemon's long-lived writer: savepoint
				 * journals in memory, fewer WAL checkpoints */
};

struct store *store_open(const char *path, int flags, struct reg_err *err);
void store_close(struct store *);
/* Brings the schema to the current version; REG_ESCHEMA if the file is
 * newer than this program. store_open() refuses an unmigrated master
 * unless STORE_CREATE is given. */
int store_migrate(struct store *, struct reg_err *err);
int store_schema_version(struct store *);
/* ROIDs end in "-<suffix>" (RFC 5730 roidType); set once after open. */
void store_set_roid_suffix(struct store *, const char *suffix);

int store_begin(struct store *);		/* BEGIN IMMEDIATE */
int store_commit(struct store *, struct reg_err *err);
void store_rollback(struct store *);
bool store_in_transaction(const struct store *);
/* Inside a write transaction: one command of a group commit. A released
 * savepoint's changes commit with the transaction; a rolled-back one
 * leaves no trace, changelog included. */
int store_savepoint(struct store *);
int store_savepoint_release(struct store *);
void store_savepoint_rollback(struct store *);
int store_read_begin(struct store *);		/* one consistent snapshot */
void store_read_end(struct store *);
/* For a server answering many small queries: keeps the open snapshot if
 * store_read_recent began it less than max_age_us before now_us, else
 * ends it and begins a new one (and, for a store_reader_tune reader,
 * maps the file or not for it). Taking a snapshot costs file locks and an
 * fstat, a fifth of a WHOIS query; the price is answers up to max_age_us
 * stale. The caller ends an idle snapshot with store_read_stale or
 * store_read_end, so that the WAL can start over. */
int store_read_recent(struct store *, int64_t now_us, int64_t max_age_us);
/* Ends a store_read_recent snapshot of max_age_us or more; returns the
 * microseconds until the open one is due, or -1 when none is open. */
int64_t store_read_stale(struct store *, int64_t now_us, int64_t max_age_us);
/* SQLite's count of commits by other connections: read inside a
 * snapshot, it names that snapshot's data; two snapshots with the same
 * version see the same data. -1 on error. */
int64_t store_data_version(struct store *);
/* The data version of the snapshot store_read_recent began last. */
int64_t store_read_version(const struct store *);
/* Copies committed pages from the WAL into the database file without
 * blocking the writer or waiting for readers (a passive checkpoint): for
 * a connection of its own beside a STORE_WRITER one, which then never
 * stalls a commit on it. *frames, when not NULL, gets the WAL's length. */
int store_checkpoint(struct store *, int *frames);
/* On the writer's connection between transactions: copies what is left
 * of the WAL and makes the next transaction start it over (a RESTART
 * checkpoint), waiting at most wait_ms for readers; false when readers or
 * an error were in the way. A busy writer needs it: the WAL starts over by
 * itself only when a checkpoint has caught up between two transactions. */
bool store_wal_restart(struct store *, int wait_ms);

/* The newest changelog sequence number (0 if none). */
int64_t store_changelog_last(struct store *);

/* A new ROID "<kind><n>-<suffix>", kind 'D', 'H' or 'C'; in a transaction. */
int store_roid_new(struct store *, struct arena *, char kind, char **roid);

/* Registry clock: the real time plus an offset that tests move forward
 * (only honoured when the configuration allows an adjustable clock). */
int64_t store_clock_offset(struct store *);
int store_clock_set_offset(struct store *, int64_t seconds);

/* --- registrars ---------------------------------------------------------- */

struct reg_address {
	char *street[3];
	char *city, *sp, *pc, *cc;
};

struct reg_registrar {
	int64_t id;
	char *handle;		/* the EPP clID */
	char *name;
	int64_t iana_id;	/* 0 when none */
	char *state;		/* "ok", "readonly" (no transforms), "terminated" */
	char *email, *voice, *fax, *url, *whois_server;
	struct reg_address addr;
	int64_t created, updated;
};

struct reg_account {
	int64_t balance;	/* minor units; may go negative down to -credit_limit */
	int64_t credit_limit;
};

int store_registrar_create(struct store *, const struct reg_registrar *,
    int64_t *id, struct reg_err *err);
int store_registrar_update(struct store *, const struct reg_registrar *,
    struct reg_err *err);
int store_registrar_get(struct store *, struct arena *, const char *handle,
    struct reg_registrar *out);
int store_registrar_get_by_id(struct store *, struct arena *, int64_t id,
    struct reg_registrar *out);
int store_registrar_list(struct store *, struct arena *,
    struct reg_registrar **out, int *n);

/* The password hash (see password.h); NULL-free, arena-owned. */
int store_registrar_password_set(struct store *, int64_t id, const char *hash);
int store_registrar_password_get(struct store *, struct arena *, int64_t id,
    char **hash);

/* Allow-list prefixes ("192.0.2.0/24", "2001:db8::/32") in canonical form
 * (see ipnet.h) and client certificate SHA-256 fingerprints (64 lower-case
 * hex digits). *_list returns a NULL-terminated array. */
int store_registrar_acl_add(struct store *, int64_t id, const char *prefix, struct reg_err *);
int store_registrar_acl_del(struct store *, int64_t id, const char *prefix);
int store_registrar_acl_list(struct store *, struct arena *, int64_t id, char ***out);
/* Every registrar's prefixes, for the accept-time check. */
int store_acl_all(struct store *, struct arena *, char ***out);
int store_registrar_cert_add(struct store *, int64_t id, const char *sha256, struct reg_err *);
int store_registrar_cert_del(struct store *, int64_t id, const char *sha256);
int store_registrar_cert_list(struct store *, struct arena *, int64_t id, char ***out);

int store_account_get(struct store *, int64_t registrar_id, struct reg_account *out);
int store_account_set_credit(struct store *, int64_t registrar_id, int64_t limit,
    struct reg_err *);
/* Adds amount (negative: a debit) and records it in the ledger.
 * REG_EFUNDS, changing nothing, when balance + credit would go below 0. */
int store_account_charge(struct store *, int64_t registrar_id, int64_t amount,
    const char *operation, const char *object, const char *svtrid,
    struct reg_err *err);

/* --- statuses ------------------------------------------------------------ */

struct reg_status {
	char *status;		/* "clientHold", "serverUpdateProhibited", ... */
	char *lang;		/* NULL or a language tag for reason */
	char *reason;		/* NULL or free text */
};

struct reg_status_list {
	int n;
	struct reg_status *v;
};

/* kind is "domain", "host" or "contact". */
int store_status_list(struct store *, struct arena *, const char *kind,
    int64_t object_id, struct reg_status_list *out);
bool store_status_has(struct store *, const char *kind, int64_t object_id,
    const char *status);
/* REG_ENOTFOUND if the object does not exist, REG_EEXISTS if it already
 * has the status. Only stores: status.c applies the rules. */
int store_status_add(struct store *, const char *kind, int64_t object_id,
    const struct reg_status *);
/* REG_ENOTFOUND if the object lacks the status. */
int store_status_remove(struct store *, const char *kind, int64_t object_id,
    const char *status);

/* --- contacts (RFC 5733) ------------------------------------------------- */

enum contact_disclose {
	DISCLOSE_NAME_INT = 1 << 0, DISCLOSE_NAME_LOC = 1 << 1,
	DISCLOSE_ORG_INT = 1 << 2, DISCLOSE_ORG_LOC = 1 << 3,
	DISCLOSE_ADDR_INT = 1 << 4, DISCLOSE_ADDR_LOC = 1 << 5,
	DISCLOSE_VOICE = 1 << 6, DISCLOSE_FAX = 1 << 7, DISCLOSE_EMAIL = 1 << 8,
};

struct reg_postal {
	char *name, *org;	/* name NULL: this postalInfo is absent */
	struct reg_address addr;
};

struct reg_contact {
	int64_t id;
	char *handle, *roid;
	int64_t sponsor_id, creator_id, updater_id;	/* updater 0 if never */
	char *sponsor, *creator, *updater;		/* handles, on read */
	struct reg_postal intl, loc;			/* type="int", type="loc" */
	char *voice, *voice_ext, *fax, *fax_ext, *email;
	unsigned disclose;				/* DISCLOSE_* bits set: public */
	int64_t created, updated, transferred;		/* 0 if never */
	struct reg_status_list statuses;		/* on read */
};

/* Writes the row (c->roid from store_roid_new); REG_EEXISTS for a taken
 * handle or ROID, REG_ECONSTRAINT for an unknown registrar or no postalInfo. */
int store_contact_create(struct store *, const struct reg_contact *, int64_t *id,
    struct reg_err *);
/* Rewrites every field of c->id except handle, roid, creator, created. */
int store_contact_update(struct store *, const struct reg_contact *, struct reg_err *);
int store_contact_get(struct store *, struct arena *, const char *handle,
    struct reg_contact *out);
int store_contact_get_by_id(struct store *, struct arena *, int64_t id,
    struct reg_contact *out);
/* REG_EINUSE while a domain refers to it. */
int store_contact_delete(struct store *, int64_t id, struct reg_err *);
bool store_contact_in_use(struct store *, int64_t id);

/* --- hosts (RFC 5732) ---------------------------------------------------- */

struct reg_host_addr {
	char *addr;		/* canonical text form */
	int family;		/* 4 or 6 */
};

struct reg_host {
	int64_t id;
	char *name, *roid;
	int64_t sponsor_id, creator_id, updater_id;
	char *sponsor, *creator, *updater;
	int64_t domain_id;	/* superordinate domain, 0 for external hosts */
	int naddr;
	struct reg_host_addr *addr;
	int64_t created, updated, transferred;
	struct reg_status_list statuses;
};

/* Creates the host with its addresses. */
int store_host_create(struct store *, const struct reg_host *, int64_t *id,
    struct reg_err *);
/* Rewrites name, sponsor, updater, domain_id, updated, transferred, and
 * replaces the address set. */
int store_host_update(struct store *, const struct reg_host *, struct reg_err *);
int store_host_get(struct store *, struct arena *, const char *name,
    struct reg_host *out);
int store_host_get_by_id(struct store *, struct arena *, int64_t id,
    struct reg_host *out);
int store_host_delete(struct store *, int64_t id, struct reg_err *);
bool store_host_in_use(struct store *, int64_t id);	/* delegated to */
/* Whether a domain that registrar_id does not sponsor delegates to the
 * host (RFC 5732 3.2.5: such an external host cannot be renamed). */
bool store_host_used_by_others(struct store *, int64_t id, int64_t registrar_id);
/* Hosts subordinate to a domain (their names end in the domain's). */
int store_host_list_by_domain(struct store *, struct arena *, int64_t domain_id,
    struct reg_host **out, int *n);

/* --- domains (RFC 5731, 5910, 3915) -------------------------------------- */

struct reg_domain_contact {
	char *type;		/* "admin", "tech", "billing" */
	int64_t contact_id;
	char *handle;		/* on read */
};

struct reg_ds {
	int key_tag, alg, digest_type;
	char *digest;		/* upper-case hex */
	bool has_key;		/* keyData present */
	int key_flags, key_protocol, key_alg;
	char *key_pub;		/* base64 */
};

struct reg_domain {
	int64_t id;
	char *name;		/* A-label, lower case */
	char *uname;		/* U-label (NULL unless an IDN) */
	char *roid;
	int64_t sponsor_id, creator_id, updater_id;
	char *sponsor, *creator, *updater;
	int64_t registrant_id;	/* 0 if none */
	char *registrant;
	int ncontact;
	struct reg_domain_contact *contact;
	int nns;
	int64_t *ns_id;		/* host ids */
	char **ns;		/* host names, on read */
	int nds;
	struct reg_ds *ds;
	int64_t max_sig_life;	/* 0 if unset */
	int64_t created, updated, expires, transferred, deleted;
	char *rgp;		/* NULL, "redemptionPeriod", "pendingRestore", "pendingDelete" */
	struct reg_status_list statuses;
};

/* Creates the domain with its contacts, name servers and DS data. */
int store_domain_create(struct store *, const struct reg_domain *, int64_t *id,
    struct reg_err *);
/* Rewrites the scalar fields (sponsor, updater, registrant, updated,
 * expires, transferred, deleted, rgp, max_sig_life) of d->id; leaves name,
 * roid, creator, created and the lists alone. */
int store_domain_update(struct store *, const struct reg_domain *, struct reg_err *);
/* Replace one list of d->id with d's (ns from ns_id); REG_ENOTFOUND if
 * there is no such domain. */
int store_domain_set_contacts(struct store *, const struct reg_domain *, struct reg_err *);
int store_domain_set_ns(struct store *, const struct reg_domain *, struct reg_err *);
int store_domain_set_ds(struct store *, const struct reg_domain *, struct reg_err *);
int store_domain_get(struct store *, struct arena *, const char *name,
    struct reg_domain *out);
int store_domain_get_by_id(struct store *, struct arena *, int64_t id,
    struct reg_domain *out);
/* Deletes the domain, its lists, statuses, authInfo, grace periods and
 * transfer record. REG_EINUSE while subordinate hosts exist. */
int store_domain_delete(struct store *, int64_t id, struct reg_err *);
bool store_domain_exists(struct store *, const char *name);

/* --- authInfo (private) -------------------------------------------------- */

int store_authinfo_set(struct store *, const char *roid, const char *pw);
int store_authinfo_get(struct store *, struct arena *, const char *roid, char **pw);
/* Constant-time comparison against the stored value. */
bool store_authinfo_check(struct store *, const char *roid, const char *pw);

/* --- transfers ----------------------------------------------------------- */

struct reg_transfer {
	char *kind;		/* "domain" or "contact" */
	int64_t object_id;
	char *state;		/* "pending", "clientApproved", ... */
	int64_t gaining_id, losing_id;
	char *gaining, *losing;	/* handles, on read */
	int64_t requested, acted;
	int years;		/* 0 if none */
	int64_t expires;	/* 0 if none */
};

/* Creates or replaces the object's transfer record; REG_ENOTFOUND if
 * the object does not exist. */
int store_transfer_put(struct store *, const struct reg_transfer *);
int store_transfer_get(struct store *, struct arena *, const char *kind,
    int64_t object_id, struct reg_transfer *out);
/* Keeps what the gaining registrar paid for the pending transfer of
 * domain_id (a private row: no public host sees it). */
int store_transfer_paid_set(struct store *, int64_t domain_id, int64_t amount);
/* That amount into *amount, forgetting it; REG_ENOTFOUND when none was
 * kept (a transfer requested before the registry kept them). */
int store_transfer_paid_take(struct store *, int64_t domain_id, int64_t *amount);
/* Pending transfers whose action date is at or before `now`. */
int store_transfer_due(struct store *, struct arena *, int64_t now,
    struct reg_transfer **out, int *n);

/* --- grace periods (private) --------------------------------------------- */

struct reg_grace {
	char *period;		/* "addPeriod", "renewPeriod", ... */
	int64_t registrar_id, ends, amount;
	int years;
};

int store_grace_add(struct store *, int64_t domain_id, const struct reg_grace *);
/* Periods that end after `now`. */
int store_grace_list(struct store *, struct arena *, int64_t domain_id,
    int64_t now, struct reg_grace **out, int *n);
/* Ends `period` (NULL: every period) on the domain; REG_ENOTFOUND if none
 * was running. */
int store_grace_clear(struct store *, int64_t domain_id, const char *period);

/* --- poll queue (private) ------------------------------------------------ */

struct reg_poll {
	int64_t id, registrar_id, created;
	char *message;
	char *payload;		/* NULL or XML for resData/extension */
};

int store_poll_add(struct store *, int64_t registrar_id, int64_t now,
    const char *message, const char *payload);
/* The oldest message and the queue length; REG_ENOTFOUND if empty. */
int store_poll_peek(struct store *, struct arena *, int64_t registrar_id,
    struct reg_poll *out, int64_t *count);
/* REG_ENOTFOUND if id is not in that registrar's queue. */
int store_poll_ack(struct store *, int64_t registrar_id, int64_t id);
int64_t store_poll_count(struct store *, int64_t registrar_id);

/* --- history (private) --------------------------------------------------- */

struct reg_history {
	int64_t id, ts;
	char *actor;		/* registrar handle or "registry" */
	char *kind;		/* "domain", "host", "contact", "registrar" */
	char *roid, *name;
	char *command;		/* "domain:create", "regctl status set" */
	char *cltrid, *svtrid;
	char *detail;
};

int store_history_add(struct store *, const struct reg_history *);
/* Every entry for a name or ROID, oldest first. */
int store_history_list(struct store *, struct arena *, const char *name_or_roid,
    struct reg_history **out, int *n);

/* --- reserved and blocked names ------------------------------------------ */

struct reg_reserved {
	char *name;		/* A-label */
	char *kind;		/* "reserved" or "blocked" */
	char *reason;
};

int store_reserved_add(struct store *, const struct reg_reserved *, struct reg_err *);
int store_reserved_del(struct store *, const char *name);
int store_reserved_get(struct store *, struct arena *, const char *name,
    struct reg_reserved *out);
int store_reserved_list(struct store *, struct arena *, struct reg_reserved **out,
    int *n);

/* --- replication (store_changelog.c) ------------------------------------- */

/*
 * The feed reads the changelog of the master (read-only); `replica trim`
 * shortens it; a replica is a copy of the master's public tables that
 * knows the last changeset it applied. Its position (seq, the changeset's
 * master time and SHA-256, when it was applied) lives in its meta table
 * and changes only in the transaction that applies that changeset.
 */

#define STORE_DIGEST_HEX 65	/* SHA-256 as lower-case hex, with the NUL */

struct reg_change {
	int64_t seq, ts;	/* changelog sequence, master commit time */
	const void *blob;	/* the SQLite changeset, arena-owned */
	int len;
	char sha256[STORE_DIGEST_HEX];
	bool damaged;		/* it no longer matches its commit-time digest */
};

struct reg_replica_state {
	int64_t seq;		/* last applied changeset (0: none yet) */
	int64_t ts;		/* its commit time on the master */
	int64_t applied;	/* when this replica applied it */
	char sha256[STORE_DIGEST_HEX];	/* its digest ("" when seq is 0) */
};

/* SHA-256 of buf as hex. */
void store_digest(const void *buf, size_t len, char hex[STORE_DIGEST_HEX]);

/* The oldest sequence still logged (0 if the log is empty). */
int64_t store_changelog_first(struct store *);
/* The commit time of changeset seq (0 if it is not logged). */
int64_t store_changelog_ts(struct store *, int64_t seq);
/* Up to max changesets from seq `from` on, in order, with their digests
 * and whether each still matches the digest taken at its commit; *n is 0
 * when there is none. */
int store_changelog_read(struct store *, struct arena *, int64_t from, int max,
    struct reg_change **out, int *n);
/* In a write transaction: deletes the changesets committed before
 * `before` and then the oldest while the log holds more than max_bytes
 * (0: no cap), but never the newest, so that sequence numbers never
 * restart. *deleted counts them. */
int store_changelog_trim(struct store *, int64_t before, int64_t max_bytes,
    int64_t *deleted, struct reg_err *err);

/* Writes a consistent copy of the database (SQLite online backup, one
 * step) to the new file `path`, empties every table that is not public
 * (secure_delete, then VACUUM, so no deleted secret lingers in a free
 * page), and records in it the replica state of the copy: the newest
 * changeset it contains. The file is a complete database (no WAL). */
int store_snapshot_create(struct store *, const char *path,
    struct reg_replica_state *out, struct reg_err *err);
/* Checks the snapshot at `image` (schema version, a replica state, no
 * private rows) and copies it over the database at `replica` (created if
 * absent) in one backup step, so a reader of the replica sees the old or
 * the new copy, never a mix. REG_ESCHEMA, REG_EINVAL or REG_EDB, with the
 * replica unchanged, on failure. */
int store_snapshot_install(const char *image, const char *replica,
    struct reg_replica_state *out, struct reg_err *err);

/* The replica's position; REG_ENOTFOUND if the database is no replica
 * (never seeded). */
int store_replica_state(struct store *, struct reg_replica_state *out);
/* Readies a replica connection (opened with STORE_NOLOG) to apply:
 * foreign keys off, since changesets already carry the rows that ON
 * DELETE CASCADE removed on the master. */
int store_replica_prepare(struct store *);
/* Applies c in one transaction that also records it as the position;
 * outside a transaction. Refused with nothing changed: a sequence gap
 * (REG_EINVAL), a malformed changeset or one naming a table that is not
 * public (REG_ESYNTAX), a conflict (REG_ECONSTRAINT: the replica is not
 * the state the changeset was made from). */
int store_replica_apply(struct store *, const struct reg_change *c, int64_t now,
    struct reg_err *err);

/* --- public lookups (store_lookup.c) ------------------------------------- */

/* The name servers of domain_id by name, each with its addresses when it
 * is in one of our zones (the glue a lookup shows); external hosts come
 * with none. Only id, name, naddr and addr are filled. */
int store_domain_ns_hosts(struct store *, struct arena *, int64_t domain_id,
    struct reg_host **out, int *n);
/* A domain as the lookup services show it, read in five statements: d
 * with its scalar fields, statuses and DS data (not its contact and name
 * server lists); the sponsor's id, handle, name, IANA id, e-mail, voice,
 * url and WHOIS server; the name servers as store_domain_ns_hosts() gives
 * them; the registrant, then the admin and then the tech contacts (type
 * "registrant", "admin", "tech"; by contact id within a type), each with
 * its handle, both postalInfo forms, voice, fax, e-mail and disclose
 * flags. REG_ENOTFOUND if name is not registered. */
struct reg_view_contact {
	char *type;
	struct reg_contact c;
};

struct reg_domain_view {
	struct reg_domain d;
	struct reg_registrar sponsor;
	struct reg_host *ns;
	int nns;
	struct reg_view_contact *contacts;
	int ncontacts;
};

int store_domain_view(struct store *, struct arena *, const char *name,
    struct reg_domain_view *out);

/* For a long-lived read-only connection that answers many lookups with
 * store_read_recent: keeps up to cache_kib of pages, builds temporary
 * tables in memory, and maps up to mmap_bytes of the file (a page read
 * without a system call) while the data is quiet: SQLite drops the
 * whole mapping whenever another connection has changed the database,
 * and faulting every page in again costs several times what reading it
 * does, so under a stream of changesets pages are read (pread) instead,
 * until STORE_QUIET_US pass without a change. */
int store_reader_tune(struct store *, int64_t mmap_bytes, int64_t cache_kib);
#define STORE_QUIET_US	(10 * 1000000LL)
/* Whether the reader's file is mapped now. */
bool store_reader_mapped(const struct store *);

/* --- RDAP searches (store_search.c) -------------------------------------- */

/*
 * A search pattern of RFC 9082 4.1 as rdapd accepts it: an exact value,
 * or a prefix followed by '*'. A label pattern ("exa*.test") lets the '*'
 * stand for the rest of one DNS label and then needs the suffix (".test",
 * "" for none) to follow. Names are lower-case A-labels (or U-labels for
 * unicode searches); handles compare exactly; entity names ignore ASCII
 * case. Each search walks one index range and reads at most `scan`
 * entries of it.
 */
struct store_pattern {
	const char *prefix;	/* before the '*', or the exact value */
	const char *suffix;	/* after the '*' label: ".test", or "" */
	bool wildcard;		/* false: prefix is the whole value */
};

/* Up to max ids in index order; more: there were further matches; cut:
 * the scan limit ended the search, so there may be further matches. */
struct store_hits {
	int64_t *id;
	int n, max;
	bool more, cut;
};

/* Domains by name, on the A-label or (unicode) on the U-label column. */
int store_search_domains(struct store *, struct arena *, const struct store_pattern *,
    bool unicode, int max, int scan, struct store_hits *out);
/* Domains delegated to the hosts whose names match, or that have addr
 * (canonical text form) among their addresses. */
int store_search_domains_by_ns(struct store *, struct arena *,
    const struct store_pattern *, int max, int scan, struct store_hits *out);
int store_search_domains_by_ip(struct store *, struct arena *, const char *addr,
    int max, int scan, struct store_hits *out);
int store_search_hosts(struct store *, struct arena *, const struct store_pattern *,
    int max, int scan, struct store_hits *out);
int store_search_hosts_by_ip(struct store *, struct arena *, const char *addr,
    int max, struct store_hits *out);
/* Contacts whose int or loc name matches; disclosed_only skips names
 * their contact does not disclose (DISCLOSE_NAME_INT, _LOC). */
int store_search_contacts_fn(struct store *, struct arena *,
    const struct store_pattern *, bool disclosed_only, int max, int scan,
    struct store_hits *out);
int store_search_contacts_handle(struct store *, struct arena *,
    const struct store_pattern *, int max, int scan, struct store_hits *out);
/* Registrars by name, or by handle when by_handle. */
int store_search_registrars(struct store *, struct arena *, const struct store_pattern *,
    bool by_handle, int max, int scan, struct store_hits *out);
/* The registrar with that IANA id; REG_ENOTFOUND if none. */
int store_registrar_get_by_iana(struct store *, struct arena *, int64_t iana_id,
    struct reg_registrar *out);
/* The name servers of domain_id in two statements, by name: id, name,
 * roid, domain_id, addresses and statuses are filled. */
int store_domain_nameservers(struct store *, struct arena *, int64_t domain_id,
    struct reg_host **out, int *n);

/* A domain as RDAP shows it, in five statements however many contacts and
 * servers it has: d with its scalar fields (the sponsor's handle too),
 * statuses and DS data, not its lists; its contacts in their roles
 * (type "registrant" first, then "admin", "billing", "tech", each type
 * by handle), each with
 * id, handle, ROID, dates, both postalInfo forms, phones, e-mail,
 * disclose flags and statuses (a contact in two roles comes twice); its
 * name servers as store_domain_nameservers() gives them. By name, or by
 * id when name is NULL; REG_ENOTFOUND if there is no such domain. */
struct reg_domain_rdap {
	struct reg_domain d;
	struct reg_view_contact *contacts;
	int ncontacts;
	struct reg_host *ns;
	int nns;
};

int store_domain_rdap(struct store *, struct arena *, const char *name, int64_t id,
    struct reg_domain_rdap *out);
/* For processes that only read, before any store is opened: turns off
 * SQLite's memory statistics, whose global mutex every allocation of
 * every connection would otherwise take; and keeps freed memory in the
 * process, because SQLite frees a reader's whole page cache whenever
 * another connection has changed the database, and giving those pages
 * back to the system only to fault them in again at once doubled
 * rdapd's cost per request under 10 commits a second. Process-wide
 * (mallopt): each malloc arena stays at its peak, and glibc's threshold
 * for mmap'd blocks stays fixed. */
void store_tune_readers(void);
/* The work the connection's cached statements have done since they were
 * prepared (SQLITE_STMTSTATUS_FULLSCAN_STEP and _VM_STEP summed): tests
 * use it to prove that a read walks an index, never a whole table. */
void store_stmt_work(struct store *, int64_t *fullscan, int64_t *vmsteps);

/* --- zone publication (store_zone.c) ------------------------------------- */

/* An in-zone host with its addresses, as glue. */
struct reg_zone_host {
	int64_t id;
	char *name;
	int naddr;
	struct reg_host_addr *addr;	/* IPv4 first */
};

/* A published delegation: a domain with its name servers, DS data and the
 * glue of its in-zone hosts that published delegations use. */
struct reg_delegation {
	int64_t id;
	char *name;			/* A-label, no final dot */
	int nns;
	char **ns;			/* name server names, sorted */
	int nds;
	struct reg_ds *ds;		/* key_tag, alg, digest_type, digest */
	int nglue;
	struct reg_zone_host *glue;	/* canonical order */
};

struct store_zone_opts {
	const char *zone;		/* "test": only names below it */
	bool publish_redemption;	/* also domains in redemption or pendingDelete */
};

struct store_zone_iter;

/* Inside one store_read_begin/end: a cursor over the published delegations
 * in DNS canonical order (RFC 4034 6.1). Unpublished: no name servers,
 * clientHold, serverHold, and unless opts say so a redemption grace period
 * or pendingDelete. Memory does not grow with the number of domains beyond
 * a bit per row. */
int store_zone_begin(struct store *, const struct store_zone_opts *,
    struct store_zone_iter **out, struct reg_err *err);
/* REG_OK with the next delegation (strings in the arena, which the caller
 * may reset between calls), REG_ENOTFOUND after the last. */
int store_zone_next(struct store_zone_iter *, struct arena *, struct reg_delegation *out);
void store_zone_end(struct store_zone_iter *);

/* --- escrow deposits and restore (store_escrow.c) ------------------------ */

/*
 * A deposit reads one snapshot (inside store_read_begin/end) through a
 * cursor per object kind that holds one object at a time, so memory does
 * not grow with the registry. An incremental deposit first marks what the
 * changelog says changed after the previous deposit's sequence number;
 * its cursors then return only the marked objects that still exist, and
 * store_escrow_gone() names the ones that were deleted.
 *
 * Restore (store_restore.c) builds a new database: a bulk load for the
 * full deposit, then one transaction for the differential ones; the put
 * functions keep ROIDs, handles and dates and find the registrars,
 * contacts and hosts an object names by handle or name;
 * store_escrow_restore_end() derives what a deposit does not carry
 * (superordinate domains, the next ROID) and names the first dangling
 * reference, if any.
 */

enum escrow_kind {
	ESCROW_REGISTRAR, ESCROW_CONTACT, ESCROW_HOST, ESCROW_DOMAIN,
	ESCROW_NNDN,		/* reserved and blocked names */
	ESCROW_NKINDS
};

/* A contact with its transfer record (tr.state NULL: none). */
struct escrow_contact {
	struct reg_contact c;
	struct reg_transfer tr;
};

/* A domain with its transfer record and the grace periods running. On
 * put, each period's registrar is the domain's sponsor. */
struct escrow_domain {
	struct reg_domain d;
	struct reg_transfer tr;
	int ngrace;
	struct reg_grace *grace;
};

struct escrow_cursor;

/* In a read transaction: marks the objects that changesets after `since`
 * touched. REG_ENOTFOUND when the changelog no longer reaches back to
 * since + 1 (then only a full deposit can follow). */
int store_escrow_mark(struct store *, int64_t since, struct reg_err *err);
/* The number of objects of kind a cursor would return. */
int64_t store_escrow_count(struct store *, enum escrow_kind, bool marked_only);
/* A cursor over every object of kind in id order (NNDN: by name), or only
 * the marked ones that exist; `now` decides which grace periods run. */
int store_escrow_open(struct store *, enum escrow_kind, bool marked_only, int64_t now,
    struct escrow_cursor **out, struct reg_err *err);
/* The next object, its strings in `a` (which the caller may reset between
 * calls); REG_ENOTFOUND after the last. Each takes a cursor of its kind. */
int store_escrow_next_registrar(struct escrow_cursor *, struct arena *, struct reg_registrar *);
int store_escrow_next_contact(struct escrow_cursor *, struct arena *, struct escrow_contact *);
int store_escrow_next_host(struct escrow_cursor *, struct arena *, struct reg_host *);
int store_escrow_next_domain(struct escrow_cursor *, struct arena *, struct escrow_domain *);
int store_escrow_next_nndn(struct escrow_cursor *, struct arena *, struct reg_reserved *);
void store_escrow_close(struct escrow_cursor *);
/* Marked objects of kind that no longer exist: fn gets the key a deposit
 * deletes them by (domain name, host ROID, contact or registrar handle,
 * reserved name); a non-zero return from fn stops and is returned. */
int store_escrow_gone(struct store *, enum escrow_kind,
    int (*fn)(void *arg, const char *key), void *arg);

/* Readies a new, empty database (opened with STORE_CREATE | STORE_NOLOG)
 * for the bulk load of a full deposit: no journal, foreign keys off, CHECK
 * constraints and secondary indexes left to the end; begins the write
 * transaction. On any failure, throw the file away. */
int store_escrow_restore_begin(struct store *, struct reg_err *err);
/* Ends the bulk load (commits, builds the indexes) and begins the
 * transaction of the differential deposits, with foreign keys checked at
 * its commit so that deletes and rewrites may come in any order. */
int store_escrow_restore_incremental(struct store *, struct reg_err *err);
/* The id of a registrar by handle, -1 if there is none. */
int64_t store_escrow_registrar_id(struct store *, const char *handle);
/* Writes an object with its lists, statuses and transfer record. With
 * `update` (a differential deposit) an object with the same ROID (handle
 * for registrars, name for NNDN) is rewritten, lists and all; without, a
 * duplicate is REG_EEXISTS. Registrars go by id (sponsor_id, creator_id,
 * updater_id, a transfer's gaining_id and losing_id; 0: none); contacts
 * and hosts by handle and name, and one a domain names must be there
 * already: REG_ENOTFOUND. */
int store_escrow_put_registrar(struct store *, const struct reg_registrar *, bool update,
    struct reg_err *err);
int store_escrow_put_contact(struct store *, const struct escrow_contact *, bool update,
    struct reg_err *err);
int store_escrow_put_host(struct store *, const struct reg_host *, bool update,
    struct reg_err *err);
int store_escrow_put_domain(struct store *, const struct escrow_domain *, bool update,
    struct reg_err *err);
int store_escrow_put_nndn(struct store *, const struct reg_reserved *, bool update,
    struct reg_err *err);
/* Deletes by the key store_escrow_gone() gives (a host also by name);
 * REG_ENOTFOUND if there is no such object. */
int store_escrow_delete(struct store *, enum escrow_kind, const char *key,
    struct reg_err *err);
/* Superordinate domains of hosts and the next ROID above every restored
 * one; checks that every reference resolves (REG_ENOTFOUND or
 * REG_ECONSTRAINT naming the first that does not); commits; builds the
 * indexes if the bulk load is still on; checks every CHECK constraint
 * and the file (REG_ECONSTRAINT). The caller syncs the file. */
int store_escrow_restore_end(struct store *, struct reg_err *err);

#endif
