/*
 * regctl.h: private header of the admin command.
 *
 * regctl is one program with subcommands. Each subcommand is a row of a
 * command table (one table per family file: db.c, registrar.c, domain.c,
 * history.c, reserved.c, clock.c, firewall.c) that names its words ("registrar
 * create"), its options as data (struct optdef) and two handlers:
 *
 *   check  validates and normalises the arguments; may read the
 *          configuration and files, never the database. Failure: exit 2.
 *   exec   does the work. Failure: exit 1.
 *
 * The one gatekeeper in main.c parses the options, loads the
 * configuration, runs check, opens the store, wraps exec of a CMD_WRITE
 * command in one transaction (committed only when exec succeeds, so a
 * failed command changes nothing) and prints the outcome.
 */
#ifndef REGCTL_H
#define REGCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "config.h"
#include "err.h"
#include "store.h"

#define REGCTL_DEFAULT_CONF "/etc/registry/registry.conf"
#define REGCTL_ACTOR "registry"

/* Exit statuses. */
enum regctl_exit {
	REGCTL_OK = 0,
	REGCTL_FAIL = 1,	/* the command failed; nothing changed */
	REGCTL_USAGE = 2,	/* wrong arguments */
	REGCTL_HELP = -1,	/* help was asked for and printed: exit 0 */
};

/* --- options ------------------------------------------------------------- */

enum opt_type {
	OPT_STR,	/* char *, once */
	OPT_LIST,	/* struct strlist, repeatable */
	OPT_FLAG,	/* bool */
	OPT_INT,	/* struct optint */
};

struct strlist {
	int n;
	char **v;
};

struct optint {
	bool set;
	int64_t v;
};

/* "--name" fills the field at `offset` of the command's argument struct. */
struct optdef {
	const char *name;	/* without the dashes; NULL ends a table */
	enum opt_type type;
	size_t offset;
};

/* --- the command table ----------------------------------------------------- */

struct regctl;
struct name_policy;

enum cmd_flags {
	CMD_NOSTORE = 1 << 0,	/* exec opens no database (or its own) */
	CMD_WRITE = 1 << 1,	/* exec runs in one write transaction */
	CMD_CLOCK = 1 << 2,	/* refused unless registry.adjustable_clock */
};

struct cmd {
	const char *name;	/* "registrar create"; NULL ends a table */
	const char *synopsis;	/* arguments after the name */
	const char *summary;	/* one line for the help */
	unsigned flags;		/* CMD_* */
	int npos_min, npos_max;	/* positional arguments */
	const struct optdef *opts;	/* NULL: none besides -c and --help */
	size_t argsize;		/* size of the struct the options fill */
	int (*check)(struct regctl *, void *args);
	int (*exec)(struct regctl *, void *args);
};

/* The family tables, each ending in a row with a NULL name. */
extern const struct cmd db_cmds[];
extern const struct cmd registrar_cmds[];
extern const struct cmd domain_cmds[];
extern const struct cmd history_cmds[];
extern const struct cmd reserved_cmds[];
extern const struct cmd clock_cmds[];
extern const struct cmd firewall_cmds[];

/* --- one run ------------------------------------------------------------- */

#define REGCTL_SVTRID_LEN 64

struct regctl {
	const char *conf_path;
	struct reg_config *cfg;
	struct store *st;
	struct arena *a;	/* everything the command allocates */
	const struct cmd *cmd;
	int npos;
	char **pos;		/* positional arguments */
	int nopts;		/* options given, -c and --help aside */
	struct name_policy *names;	/* created on first use */
	char svtrid[REGCTL_SVTRID_LEN];	/* one per run, in history and ledger */
	char *after_commit;	/* printed on stdout once the change commits */
	struct reg_err err;
};

/* args.c: parses argv (after the command words) into args and rc->pos;
 * REGCTL_OK, REGCTL_USAGE (message printed) or REGCTL_HELP. */
int args_parse(struct regctl *, const struct cmd *, int argc, char **argv, void *args);
/* Appends value (arena-owned or argv) to l, growing it in the arena. */
void strlist_add(struct arena *, struct strlist *l, char *value);
/* The usage lines of one command, on out. */
void cmd_usage(const struct cmd *, FILE *out);

/* common.c: helpers the family files share. */
/* The registry time: now plus the test clock offset where allowed. */
int64_t regctl_now(struct regctl *);
/* One history entry for the current command, actor "registry". */
int regctl_history(struct regctl *, const char *kind, const char *roid,
    const char *name, const char *detail);
/* Lower-case A-label of a domain name for lookups, into the arena;
 * REG_ESYNTAX with rc->err set when the name is malformed. */
int regctl_lookup_name(struct regctl *, const char *input, char **alabel);
/* Parses a whole decimal number; false if s is not one. */
bool regctl_int(const char *s, int64_t *out);
/* Appends ", "-separated text to a detail line in the arena. */
void detail_add(struct regctl *, char **detail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets rc->err and returns code, like reg_fail on the run's error. */
int regctl_fail(struct regctl *, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* cert.c: client certificate fingerprints (SHA-256 of the DER form, 64
 * lower-case hex digits). */
#define CERT_FP_LEN 64
/* Accepts "ab12..." or "AB:12:..." and writes the canonical form to
 * out (CERT_FP_LEN + 1 bytes); REG_ESYNTAX otherwise. */
int cert_fp_normalize(const char *text, char *out, struct reg_err *err);
/* The fingerprint of the first certificate in a PEM file. */
int cert_fp_file(const char *path, char *out, struct reg_err *err);
/* A fingerprint as text or, when it is not one, a PEM file name. */
int cert_fp_any(const char *text_or_path, char *out, struct reg_err *err);

#endif
