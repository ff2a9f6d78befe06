/*
 * reserved.c: the names policy keeps from registration.
 *
 *   regctl reserved add NAME reserved|blocked [--reason TEXT]
 *   regctl reserved del NAME
 *   regctl reserved list
 *   regctl reserved import FILE	lines "name kind [reason]", '#' comments
 *
 * Names pass name_domain_check(), so only names that could be registered
 * in our zones are listed, and they are stored as lower-case A-labels.
 * An import is one transaction: a bad line names file:line and nothing
 * of the file is kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "regctl.h"
#include "util.h"

#define KIND "reserved"
#define FIELD_SEP " \t"

struct reserved_args {
	char *reason;
	struct reg_reserved r;	/* filled by check */
};

static const char *const kinds[] = { "reserved", "blocked" };

/* A registrable name of our zones to its A-label, in the arena. */
static int
reserved_name(struct regctl *rc, const char *input, char **alabel)
{
	struct name_parts parts;
	struct reg_err err = { 0 };
	int ret;

	if (rc->names == NULL && (rc->names = name_policy_new(rc->cfg, &rc->err)) == NULL)
		return rc->err.code;
	if ((ret = name_domain_check(rc->names, input, &parts, &err)) != REG_OK)
		return regctl_fail(rc, ret, "%s: %s", input, reg_err_text(&err));
	*alabel = arena_strdup(rc->a, parts.alabel);
	return REG_OK;
}

static int
reserved_kind(struct regctl *rc, const char *kind)
{
	for (size_t i = 0; i < nitems(kinds); i++)
		if (strcmp(kinds[i], kind) == 0)
			return REG_OK;
	return regctl_fail(rc, REG_EINVAL, "kind must be reserved or blocked, not '%s'", kind);
}

/* Adds one entry and its history line. */
static int
reserved_put(struct regctl *rc, const struct reg_reserved *r)
{
	int ret = store_reserved_add(rc->st, r, &rc->err);

	if (ret == REG_EEXISTS)
		return regctl_fail(rc, ret, "%s is already on the list", r->name);
	if (ret != REG_OK)
		return ret;
	return regctl_history(rc, KIND, NULL, r->name, r->reason[0] ?
	    arena_printf(rc->a, "%s: %s", r->kind, r->reason) : r->kind);
}

static int
check_add(struct regctl *rc, void *args)
{
	struct reserved_args *a = args;
	int ret;

	if ((ret = reserved_name(rc, rc->pos[0], &a->r.name)) != REG_OK ||
	    (ret = reserved_kind(rc, rc->pos[1])) != REG_OK)
		return ret;
	a->r.kind = rc->pos[1];
	a->r.reason = a->reason ? a->reason : "";
	return REG_OK;
}

static int
exec_add(struct regctl *rc, void *args)
{
	struct reserved_args *a = args;

	return reserved_put(rc, &a->r);
}

static int
check_del(struct regctl *rc, void *args)
{
	struct reserved_args *a = args;

	return regctl_lookup_name(rc, rc->pos[0], &a->r.name);
}

static int
exec_del(struct regctl *rc, void *args)
{
	struct reserved_args *a = args;
	struct reg_reserved have;
	int ret;

	if (store_reserved_get(rc->st, rc->a, a->r.name, &have) != REG_OK)
		return regctl_fail(rc, REG_ENOTFOUND, "%s is not on the list", a->r.name);
	if ((ret = store_reserved_del(rc->st, a->r.name)) != REG_OK)
		return regctl_fail(rc, ret, "cannot remove %s", a->r.name);
	return regctl_history(rc, KIND, NULL, a->r.name,
	    arena_printf(rc->a, "removed (was %s)", have.kind));
}

static int
exec_list(struct regctl *rc, void *args)
{
	struct reg_reserved *v;
	int n, ret;

	if ((ret = store_reserved_list(rc->st, rc->a, &v, &n)) != REG_OK)
		return regctl_fail(rc, ret, "cannot list reserved names");
	for (int i = 0; i < n; i++)
		printf("%s\t%s\t%s\n", v[i].name, v[i].kind, v[i].reason ? v[i].reason : "");
	return REG_OK;
}

/* One import line, already stripped of its newline; blank lines and
 * comments are skipped (*added stays false). */
static int
import_line(struct regctl *rc, char *line, bool *added)
{
	struct reg_reserved r;
	char *name, *kind, *save = NULL;
	int ret;

	*added = false;
	line += strspn(line, FIELD_SEP);
	if (*line == '\0' || *line == '#')
		return REG_OK;
	name = strtok_r(line, FIELD_SEP, &save);
	if ((kind = strtok_r(NULL, FIELD_SEP, &save)) == NULL)
		return regctl_fail(rc, REG_ESYNTAX, "expected \"name kind [reason]\"");
	r.reason = save != NULL ? save + strspn(save, FIELD_SEP) : "";
	r.kind = kind;
	if ((ret = reserved_name(rc, name, &r.name)) != REG_OK ||
	    (ret = reserved_kind(rc, kind)) != REG_OK ||
	    (ret = reserved_put(rc, &r)) != REG_OK)
		return ret;
	*added = true;
	return REG_OK;
}

static int
exec_import(struct regctl *rc, void *args)
{
	const char *path = rc->pos[0];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, count = 0, ret = REG_OK;
	bool added;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return regctl_fail(rc, REG_EIO, "%s: %s", path, strerror(errno));
	while (ret == REG_OK && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if ((ret = import_line(rc, line, &added)) == REG_OK)
			count += added;
	}
	if (ret == REG_OK && ferror(f))
		ret = regctl_fail(rc, REG_EIO, "%s: %s", path, strerror(errno));
	else if (ret != REG_OK)
		regctl_fail(rc, ret, "%s:%d: %s", path, lineno, arena_strdup(rc->a, rc->err.reason));
	free(line);
	fclose(f);
	if (ret == REG_OK)
		rc->after_commit = arena_printf(rc->a, "%s: %d names imported\n", path, count);
	return ret;
}

static const struct optdef add_opts[] = {
	{ "reason", OPT_STR, offsetof(struct reserved_args, reason) },
	{ NULL, 0, 0 },
};

const struct cmd reserved_cmds[] = {
	{ "reserved add", "NAME reserved|blocked [--reason TEXT]",
	  "keep a name from registration", CMD_WRITE, 2, 2, add_opts,
	  sizeof(struct reserved_args), check_add, exec_add },
	{ "reserved del", "NAME", "release a reserved or blocked name",
	  CMD_WRITE, 1, 1, NULL, sizeof(struct reserved_args), check_del, exec_del },
	{ "reserved list", "", "reserved and blocked names with kind and reason",
	  0, 0, 0, NULL, 0, NULL, exec_list },
	{ "reserved import", "FILE",
	  "add \"name kind [reason]\" lines of a file, all or none",
	  CMD_WRITE, 1, 1, NULL, 0, NULL, exec_import },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL },
};
