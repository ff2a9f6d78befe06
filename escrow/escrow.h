/*
 * escrow.h: the escrow program's private header.
 *
 * A deposit (RFC 8909) of the registry's objects in the RFC 9022 XML
 * model is written as one stream from one read snapshot: the XML goes
 * straight into gpg, which compresses and encrypts it to the escrow
 * agent's key, and a copy through a schema check in a thread beside it;
 * the result is signed with the registry's key, digested
 * (SHA-256), described in a small report, sent to the offsite target,
 * checked there by digest, and old deposits are pruned. Restore checks
 * digest, signature and schema of every deposit and streams the objects
 * into a new master database.
 *
 *	deposit.c	a deposit from start to finish
 *	writer.c	the streaming XML writer (xmlTextWriter) and its helpers
 *	objects.c	the RFC 9022 objects but domains, the header, eppParams
 *	domain.c	domains in a deposit
 *	reader.c	the streaming reader (xmlTextReader) and the schema
 *			check that runs beside a reader or the writer
 *	parse.c		one parser per object: XML subtree to store structs
 *	restore.c	verify and restore
 *	crypto.c	gpg (encrypt, decrypt, sign, verify) and SHA-256
 *	files.c		deposit names, reports, finding deposits in a folder
 *	transfer.c	the offsite target, arrival check and retention
 *	proc.c		running gpg and transfer commands, a tee
 *
 * What the deposit carries beyond RFC 9022's fields, inside the free text
 * of an rgpStatus element (RFC 3915 allows any text there), so that a
 * restore brings back what EPP shows: "ends <dateTime> years <n>" for a
 * running grace period, "deleted <dateTime>" for the redemption states
 * (when the delete happened). Deposits carry no secrets: no authInfo, no
 * password hashes, no allow-lists or certificates, no balances.
 */
#ifndef ESCROW_H
#define ESCROW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>

#include "arena.h"
#include "config.h"
#include "err.h"
#include "store.h"

/* --- namespaces (RFC 8909, RFC 9022 and the EPP mappings) ----------------- */

enum escrow_ns {
	NS_RDE, NS_HEADER, NS_RDE_DOMAIN, NS_RDE_HOST, NS_RDE_CONTACT, NS_RDE_REGISTRAR,
	NS_RDE_IDN, NS_RDE_NNDN, NS_RDE_EPP, NS_DOMAIN, NS_HOST, NS_CONTACT, NS_SECDNS,
	NS_RGP, NS_EPP, NS_COUNT
};

struct escrow_nsdef {
	const char *prefix, *uri;
	bool menu;		/* listed in rdeMenu and counted in the header */
};

extern const struct escrow_nsdef escrow_ns[NS_COUNT];

/* Text markers of the rgpStatus extras (see the top of this file). */
#define RGP_TEXT_ENDS "ends"
#define RGP_TEXT_YEARS "years"
#define RGP_TEXT_DELETED "deleted"

/* --- the counts of a deposit ----------------------------------------------- */

/* What a header counts, in rdeHeader:count order. */
enum escrow_count {
	COUNT_DOMAIN, COUNT_HOST, COUNT_CONTACT, COUNT_REGISTRAR, COUNT_IDN, COUNT_NNDN,
	COUNT_EPP, COUNT_KINDS
};

extern const enum escrow_ns escrow_count_ns[COUNT_KINDS];

struct escrow_counts {
	int64_t n[COUNT_KINDS];
	int64_t deletes[COUNT_KINDS];
};

/* --- gpg and digests (crypto.c) ---------------------------------------------- */

#define ESCROW_FPR_MAX 64	/* an OpenPGP v4/v5 fingerprint in hex, with the NUL */
#define ESCROW_SHA256_HEX 65

struct escrow_gpg {
	const char *home;		/* GNUPGHOME for gpg; NULL: gpg's default */
	char recipient[ESCROW_FPR_MAX];	/* the escrow agent's key, "" if none */
	char signer[ESCROW_FPR_MAX];	/* the registry's key, "" if none */
	char compress[4];		/* --compress-level */
	char errfile[256];		/* gpg's messages of the last run */
};

/* A running child: gpg or a transfer command. */
struct escrow_child {
	pid_t pid;
	const char *what;		/* "gpg --encrypt", for messages */
	const char *errfile;		/* its stderr, or NULL */
};

/* Home, keys and fingerprints from [escrow]: agent_key and signing_key are
 * key files (imported into the home on first use); home, when not NULL,
 * overrides escrow.gpg_home. cfg may be NULL: gpg's defaults, no expected
 * signer. */
int crypto_init(struct escrow_gpg *, const struct reg_config *cfg, const char *home,
    struct reg_err *err);
void crypto_cleanup(struct escrow_gpg *);
/* gpg encrypting to the recipient into out_path; *fd takes the plaintext. */
int crypto_encrypt_start(struct escrow_gpg *, const char *out_path, struct escrow_child *,
    int *fd, struct reg_err *err);
/* gpg decrypting in_path; *fd gives the plaintext. */
int crypto_decrypt_start(struct escrow_gpg *, const char *in_path, struct escrow_child *,
    int *fd, struct reg_err *err);
/* A detached signature of file by the signer into sig_path. */
int crypto_sign(struct escrow_gpg *, const char *file, const char *sig_path,
    struct reg_err *err);
/* REG_OK if sig_path is a good signature of file by the expected signer
 * (any key gpg trusts when none is configured); its fingerprint in fpr. */
int crypto_verify(struct escrow_gpg *, const char *file, const char *sig_path,
    char fpr[ESCROW_FPR_MAX], struct reg_err *err);
int crypto_sha256_file(const char *path, char hex[ESCROW_SHA256_HEX], struct reg_err *err);

/* --- processes (proc.c) ------------------------------------------------------- */

/* Starts argv[0] with stdin from `in` and stdout to `out` (-1: /dev/null),
 * stderr to errfile (NULL: inherited). */
int proc_start(char *const argv[], int in, int out, const char *errfile,
    struct escrow_child *c, struct reg_err *err);
/* Waits; REG_EIO naming the child and its last message unless it exited 0. */
int proc_wait(struct escrow_child *, struct reg_err *err);
/* Copies everything from `in` to both outs in a thread (a tee), closing
 * them at the end of the input; an out that cannot take more (its reader
 * stopped) is closed and left, and the other one still gets everything. */
struct escrow_tee {
	pthread_t thread;
	int in, out[2];
};

int proc_tee_start(struct escrow_tee *, int in, int out1, int out2, struct reg_err *err);
void proc_tee_wait(struct escrow_tee *);
/* Runs argv and waits; its stdout into out (size bytes, NUL-terminated). */
int proc_capture(char *const argv[], const char *errfile, char *out, size_t size,
    struct reg_err *err);
/* Runs a shell command line and waits; its stdout into out (size bytes,
 * NUL-terminated) when out is not NULL. */
int proc_shell(const char *cmdline, char *out, size_t size, struct reg_err *err);

/* --- files: names, reports, finding deposits (files.c) ------------------------ */

#define ESCROW_NAME_MAX 128
#define EXT_XML ".xml"
#define EXT_RYDE ".ryde"
#define EXT_SIG ".sig"
#define EXT_SHA256 ".sha256"
#define EXT_REPORT ".report"

/* One deposit: <tld>_<YYYY-MM-DD>_<full|inc>_S<seq>_R<rev>. */
struct deposit_info {
	char base[ESCROW_NAME_MAX];	/* the name without extension */
	char tld[64];			/* the header's, when read */
	char id[24];			/* rde:deposit id: F<seq> or I<seq> */
	char prev_id[24];		/* "" for a full deposit */
	bool full, encrypted;
	int64_t seq, seq_ts;		/* changelog position, and its commit time */
	int64_t watermark;
	int rev;
	char data[ESCROW_NAME_MAX + 8];	/* base + .ryde or .xml */
	char sha256[ESCROW_SHA256_HEX];
	int64_t size;
	char signer[ESCROW_FPR_MAX], recipient[ESCROW_FPR_MAX];
	struct escrow_counts counts;
	double seconds;
};

/* The base name of a deposit, from its fields. */
void files_base(struct deposit_info *, const char *tld);
/* Parses a base name (or any of a deposit's file names) into tld, full,
 * seq and rev; false if it is no deposit name. */
bool files_parse_name(const char *name, char *tld, size_t tldsize, struct deposit_info *);
/* The next revision for this deposit's name in dir (0 if none exists). */
int files_next_rev(const char *dir, const struct deposit_info *, const char *tld);
int files_report_write(const char *dir, const struct deposit_info *, struct reg_err *err);
int files_report_read(const char *path, struct deposit_info *, struct reg_err *err);
/* The newest deposit of tld in dir by watermark, from its report;
 * REG_ENOTFOUND if there is none. */
int files_latest(const char *dir, const char *tld, struct deposit_info *, struct reg_err *err);
/* Every deposit of tld in dir, oldest first (by watermark, then rev). */
int files_list(const char *dir, const char *tld, struct arena *, struct deposit_info **out,
    int *n, struct reg_err *err);
/* "dir/name" in the arena. */
char *files_path(struct arena *, const char *dir, const char *name);
/* Writes the sha256sum-style digest file of a deposit. */
int files_digest_write(const char *dir, const struct deposit_info *, struct reg_err *err);
/* Reads the hex digest a .sha256 file gives for data_name. */
int files_digest_read(const char *path, const char *data_name, char hex[ESCROW_SHA256_HEX],
    struct reg_err *err);
/* Writes a file and its contents to disk, and the folder's entry. */
int files_sync(const char *path, struct reg_err *err);

/* --- the writer (writer.c) ------------------------------------------------------ */

/* A streaming XML writer on a file descriptor, and on a second one for a
 * schema check of what is written (or -1); failed sticks once any write
 * fails. Elements are written with their prefixes; the namespaces are
 * declared once on the root. */
struct xw {
	xmlTextWriterPtr w;
	bool failed;
	int fd, check_fd;
	char buf[64];		/* numbers and dates */
	char *leaf;		/* a leaf element being put together */
	size_t leaf_len, leaf_cap;
};

int xw_open(struct xw *, int fd, int check_fd, struct reg_err *err);
/* Ends the document and flushes; REG_EIO if any write failed. */
int xw_close(struct xw *, struct reg_err *err);
void xw_start(struct xw *, enum escrow_ns, const char *name);
void xw_end(struct xw *);
void xw_attr(struct xw *, const char *name, const char *value);
/* Text in the element started last; nothing when text is NULL. */
void xw_string(struct xw *, const char *text);
/* <prefix:name>text</prefix:name>; nothing when text is NULL. */
void xw_text(struct xw *, enum escrow_ns, const char *name, const char *text);
void xw_time(struct xw *, enum escrow_ns, const char *name, int64_t t);	/* 0: nothing */
void xw_int(struct xw *, enum escrow_ns, const char *name, int64_t n);
/* A newline between objects (never inside a simple-typed value). */
void xw_newline(struct xw *);

/* --- objects (objects.c) ------------------------------------------------------------ */

struct deposit_ctx {
	const struct reg_config *cfg;
	struct store *st;
	struct xw *xw;
	struct arena *a;
	bool incremental;
	int64_t now;
	const char *idn_id;		/* rdeIDN table id, NULL without IDN */
	struct escrow_counts expect;	/* what the header says */
	struct escrow_counts counts;	/* what was written */
};

typedef int (*object_fn)(struct deposit_ctx *, struct escrow_cursor *);

/* Runs a cursor of kind to its end, writing each object with `one`. */
int objects_walk(struct deposit_ctx *, enum escrow_kind, object_fn one);
/* Ends an object: its element, a line break, its count, the arena. */
void objects_done(struct deposit_ctx *, enum escrow_count);
/* Shared pieces of the object writers. */
void objects_statuses(struct xw *, enum escrow_ns, const struct reg_status_list *);
void objects_owners(struct xw *, enum escrow_ns, const char *sponsor, const char *creator,
    int64_t created, const char *updater, int64_t updated, int64_t expires);
void objects_transfer(struct xw *, enum escrow_ns, const struct reg_transfer *);
/* The DISCLOSE_* bit of a contact:disclose child ("name", "int"), or 0. */
unsigned objects_disclose_bit(const char *name, const char *type);

void objects_menu(struct deposit_ctx *);
void objects_header(struct deposit_ctx *, const struct escrow_counts *expect);
/* Each walks one kind with a store cursor; REG_* on a store failure. */
int objects_registrars(struct deposit_ctx *);
int objects_contacts(struct deposit_ctx *);
int objects_hosts(struct deposit_ctx *);
int objects_domains(struct deposit_ctx *);
int objects_nndns(struct deposit_ctx *);
void objects_idn(struct deposit_ctx *);
void objects_epp_params(struct deposit_ctx *);
/* The rde:deletes section of an incremental deposit. */
int objects_deletes(struct deposit_ctx *);
/* The IDN table id of the configuration ("test" for .../test.txt), or NULL. */
const char *objects_idn_id(struct arena *, const struct reg_config *);

/* --- deposit (deposit.c) ------------------------------------------------------------- */

struct deposit_opts {
	const char *config, *outdir;
	bool incremental, encrypt, send;
	bool check;		/* validate the XML as it is written */
};

int escrow_deposit(const struct deposit_opts *, struct reg_err *err);

/* --- reading deposits (reader.c, parse.c) ---------------------------------------------- */

/* One object of a deposit, parsed; strings in the reader's arena. */
struct escrow_object {
	enum escrow_kind kind;
	union {
		struct reg_registrar registrar;
		struct escrow_contact contact;
		struct reg_host host;
		struct escrow_domain domain;
		struct reg_reserved nndn;
	} u;
};

/* What a reader tells its user: the deposit's root, each delete and each
 * object (after the schema has seen it whole), and the end. */
struct reader_ops {
	int (*begin)(void *arg, const struct deposit_info *, struct reg_err *err);
	int (*del)(void *arg, enum escrow_kind, const char *key, struct reg_err *err);
	int (*object)(void *arg, struct escrow_object *, struct reg_err *err);
	void *arg;
};

/* Streams a deposit's XML from fd into ops and through the schema: in
 * the same reader, or (check_fd >= 0) in a thread reading a second copy
 * from check_fd; checks the header's counts against the objects. `info`
 * receives id, prev_id, full, tld, watermark and counts; `name` labels
 * errors. REG_OK only when both sides succeeded. Closes both descriptors. */
int reader_run(int fd, int check_fd, const char *name, xmlSchemaPtr,
    const struct reg_config *cfg, const struct reader_ops *, struct deposit_info *info,
    struct reg_err *err);

/* A schema check of an XML stream in a thread of its own (reader.c), for
 * a copy of what is being read or written. `first` arbitrates between the
 * check and its partner: whichever fails first sets it and stops the
 * other, and its error is the one reported. */
enum { CHECK_NONE, CHECK_OTHER, CHECK_SCHEMA };

struct escrow_check {
	pthread_t thread;
	int fd;
	const char *name;
	xmlSchemaPtr schema;
	atomic_int *first;
	struct reg_err err;
};

/* Starts validating what comes from fd (which the check closes when it is
 * done); REG_ENOMEM (fd closed) if no thread can be started. */
int check_start(struct escrow_check *, int fd, const char *name, xmlSchemaPtr,
    atomic_int *first);
/* Waits for the check; its error if it was the first to fail. */
int check_wait(struct escrow_check *, struct reg_err *err);
/* Records that `side` (CHECK_OTHER or CHECK_SCHEMA) failed, unless the
 * other side did first. */
void check_failed_first(atomic_int *first, int side);

/* Fills o from an object element (a child of rde:contents); o->kind is
 * ESCROW_NKINDS for what a restore keeps nothing of (idnTableRef,
 * eppParams). REG_EINVAL for what this registry cannot hold (hostAttr,
 * keyData-only DNSSEC, mirrored names). cfg (may be NULL) prices the
 * grace periods. */
int parse_object(struct arena *, xmlNodePtr, const struct reg_config *cfg,
    struct escrow_object *o, struct reg_err *err);
/* The counter an object element counts in, or -1 (header, unknown). */
int parse_count_kind(xmlNodePtr);

/* --- verify and restore (restore.c) ---------------------------------------------------- */

struct restore_opts {
	const char *config, *newdb, *gpg_home;
	char **deposits;
	int ndeposits;
};

int escrow_verify(const struct restore_opts *, struct reg_err *err);
int escrow_restore(const struct restore_opts *, struct reg_err *err);
/* The RDE schemas (data/xsd/rde.xsd, found like eppd's epp.xsd). */
xmlSchemaPtr escrow_schema_load(const char *dir, struct reg_err *err);

/* --- offsite (transfer.c) ----------------------------------------------------------------- */

/* Sends the deposit's files to escrow.target and checks them there. */
int transfer_send(const struct reg_config *, const char *dir, const struct deposit_info *,
    struct reg_err *err);
/* Keeps the newest escrow.retention deposits (and the full deposit the
 * oldest kept incremental builds on) in dir and at the target. */
int transfer_prune(const struct reg_config *, const char *dir, struct reg_err *err);

#endif
