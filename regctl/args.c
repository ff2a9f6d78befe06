/*
 * args.c: the one option parser of every subcommand.
 *
 * A command's options are rows of struct optdef; the parser fills the
 * command's argument struct from them, so handlers never walk argv.
 * "--opt value" and "--opt=value" both work; "-c CONFIG" / "--config" and
 * "-h" / "--help" are accepted everywhere; "--" ends the options.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "regctl.h"
#include "util.h"

void
cmd_usage(const struct cmd *c, FILE *out)
{
	fprintf(out, "usage: regctl [-c CONFIG] %s%s%s\n", c->name,
	    c->synopsis[0] ? " " : "", c->synopsis);
	fprintf(out, "       %s\n", c->summary);
}

static int
usage_error(const struct cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "regctl: %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_usage(c, stderr);
	return REGCTL_USAGE;
}

static const struct optdef *
opt_find(const struct optdef *d, const char *name, size_t len)
{
	for (; d != NULL && d->name != NULL; d++)
		if (strlen(d->name) == len && strncmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

void
strlist_add(struct arena *a, struct strlist *l, char *value)
{
	char **v = arena_alloc(a, sizeof(char *) * (size_t)(l->n + 2));

	if (l->n > 0)
		memcpy(v, l->v, sizeof(char *) * (size_t)l->n);
	v[l->n++] = value;
	l->v = v;
}

/* Stores one option's value into its field of args. */
static int
opt_store(struct regctl *rc, const struct cmd *c, const struct optdef *d,
    char *value, void *args)
{
	char *field = (char *)args + d->offset;
	struct optint *num = (struct optint *)field;

	switch (d->type) {
	case OPT_STR:
		if (*(char **)field != NULL)
			return usage_error(c, "--%s given twice", d->name);
		*(char **)field = value;
		break;
	case OPT_LIST:
		strlist_add(rc->a, (struct strlist *)field, value);
		break;
	case OPT_FLAG:
		*(bool *)field = true;
		break;
	case OPT_INT:
		if (num->set)
			return usage_error(c, "--%s given twice", d->name);
		if (!regctl_int(value, &num->v))
			return usage_error(c, "--%s needs a whole number, not '%s'",
			    d->name, value);
		num->set = true;
		break;
	}
	rc->nopts++;
	return REGCTL_OK;
}

static bool
is_opt(const char *arg, const char *shortname, const char *longname)
{
	return strcmp(arg, shortname) == 0 || strcmp(arg, longname) == 0;
}

/* One option at argv[*i]; consumes its value when it takes one. */
static int
option(struct regctl *rc, const struct cmd *c, int argc, char **argv, int *i,
    void *args)
{
	char *arg = argv[*i], *eq, *value = NULL;
	const struct optdef *d;

	if (is_opt(arg, "-h", "--help")) {
		cmd_usage(c, stdout);
		return REGCTL_HELP;
	}
	if (is_opt(arg, "-c", "--config") || strncmp(arg, "--config=", 9) == 0) {
		if ((eq = strchr(arg, '=')) == NULL && *i + 1 >= argc)
			return usage_error(c, "%s needs a file name", arg);
		rc->conf_path = eq ? eq + 1 : argv[++*i];
		return REGCTL_OK;
	}
	if (strncmp(arg, "--", 2) != 0)
		return usage_error(c, "unknown option %s", arg);
	eq = strchr(arg, '=');
	d = opt_find(c->opts, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
	if (d == NULL)
		return usage_error(c, "unknown option %.*s",
		    eq ? (int)(eq - arg) : (int)strlen(arg), arg);
	if (d->type == OPT_FLAG && eq != NULL)
		return usage_error(c, "--%s takes no value", d->name);
	if (d->type != OPT_FLAG) {
		if (eq == NULL && *i + 1 >= argc)
			return usage_error(c, "--%s needs a value", d->name);
		value = eq ? eq + 1 : argv[++*i];
	}
	return opt_store(rc, c, d, value, args);
}

int
args_parse(struct regctl *rc, const struct cmd *c, int argc, char **argv, void *args)
{
	bool opts_done = false;
	int rv;

	rc->pos = arena_alloc(rc->a, sizeof(char *) * (size_t)(argc + 1));
	rc->npos = 0;
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];

		if (opts_done || arg[0] != '-' || arg[1] == '\0') {
			rc->pos[rc->npos++] = arg;
		} else if (strcmp(arg, "--") == 0) {
			opts_done = true;
		} else if ((rv = option(rc, c, argc, argv, &i, args)) != REGCTL_OK) {
			return rv;
		}
	}
	if (rc->npos < c->npos_min)
		return usage_error(c, "missing arguments");
	if (rc->npos > c->npos_max)
		return usage_error(c, "unexpected argument '%s'", rc->pos[c->npos_max]);
	return REGCTL_OK;
}
