/*
 * registrar.c: regctl registrar create | list | show | update.
 *
 * create and update share one argument struct and one apply step: check
 * turns every value into its stored form (canonical prefixes, lower-case
 * fingerprints, a password hash) before the database is touched, and
 * registrar_apply() writes the secrets, lists and account in the command's
 * one transaction.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ipnet.h"
#include "password.h"
#include "regctl.h"
#include "util.h"

/* EPP clIDType (RFC 5730 epp-1.0.xsd): a token of 3 to 16 characters. */
#define HANDLE_MIN 3
#define HANDLE_MAX 16

struct registrar_args {
	char *name, *email, *url, *voice, *state, *password;
	bool random_password;
	struct optint iana_id, credit, deposit;
	struct strlist allow_add, allow_del;
	struct strlist cert_hex, cert_file, cert_any, cert_del_in;
	/* filled by check */
	struct strlist cert_add, cert_del;	/* normalised fingerprints */
	char *hash;			/* the new password's hash */
};

static const char *const states[] = { "ok", "readonly", "terminated" };

/* The scalar fields update may change: option name, argument, field. */
static const struct {
	const char *label;
	size_t arg, field;
} scalars[] = {
	{ "name", offsetof(struct registrar_args, name), offsetof(struct reg_registrar, name) },
	{ "email", offsetof(struct registrar_args, email), offsetof(struct reg_registrar, email) },
	{ "url", offsetof(struct registrar_args, url), offsetof(struct reg_registrar, url) },
	{ "voice", offsetof(struct registrar_args, voice), offsetof(struct reg_registrar, voice) },
	{ "state", offsetof(struct registrar_args, state), offsetof(struct reg_registrar, state) },
};

#define SCALAR(base, off) (*(char **)((char *)(base) + (off)))

/* --- check: arguments to stored form --------------------------------------- */

static int
check_handle(struct regctl *rc, const char *h)
{
	size_t n = strlen(h);

	if (n < HANDLE_MIN || n > HANDLE_MAX)
		return regctl_fail(rc, REG_ESYNTAX, "handle '%s' must have %d to %d characters",
		    h, HANDLE_MIN, HANDLE_MAX);
	for (const char *p = h; *p; p++)
		if (*p <= ' ' || *p > '~')
			return regctl_fail(rc, REG_ESYNTAX,
			    "handle '%s' may hold only printable ASCII without spaces", h);
	return REG_OK;
}

static int
check_prefixes(struct regctl *rc, struct strlist *l)
{
	char buf[IPNET_STRLEN];
	struct reg_err err = { 0 };
	struct ipnet net;

	for (int i = 0; i < l->n; i++) {
		if (ipnet_parse(l->v[i], &net, &err) != REG_OK)
			return regctl_fail(rc, REG_ESYNTAX, "bad prefix '%s': %s", l->v[i],
			    reg_err_text(&err));
		ipnet_format(&net, buf, sizeof(buf));
		l->v[i] = arena_strdup(rc->a, buf);
	}
	return REG_OK;
}

/* Normalises every entry of `in` with fp() and appends it to `out`. */
static int
check_certs(struct regctl *rc, const struct strlist *in, struct strlist *out,
    int (*fp)(const char *, char *, struct reg_err *))
{
	char buf[CERT_FP_LEN + 1];

	for (int i = 0; i < in->n; i++) {
		if (fp(in->v[i], buf, &rc->err) != REG_OK)
			return rc->err.code;
		strlist_add(rc->a, out, arena_strdup(rc->a, buf));
	}
	return REG_OK;
}

static int
check_password(struct regctl *rc, struct registrar_args *a)
{
	char pw[PASSWORD_MAX_LEN + 1], hash[PASSWORD_HASH_MAX];

	if (a->password != NULL && a->random_password)
		return regctl_fail(rc, REG_EINVAL, "give --password or --random-password, not both");
	if (a->random_password) {
		if (password_random(pw, sizeof(pw)) != REG_OK)
			return regctl_fail(rc, REG_EIO, "cannot make a random password");
		a->password = arena_strdup(rc->a, pw);
		rc->after_commit = arena_printf(rc->a, "password: %s\n", pw);
	}
	if (a->password == NULL)
		return REG_OK;
	if (password_check_policy(a->password, &rc->err) != REG_OK)
		return rc->err.code;
	if (password_hash(a->password, hash, sizeof(hash)) != REG_OK)
		return regctl_fail(rc, REG_EIO, "cannot hash the password");
	a->hash = arena_strdup(rc->a, hash);
	return REG_OK;
}

static int
check_numbers(struct regctl *rc, struct registrar_args *a)
{
	if (a->credit.set && a->credit.v < 0)
		return regctl_fail(rc, REG_EINVAL, "--credit must not be negative");
	if (a->iana_id.set && a->iana_id.v <= 0)
		return regctl_fail(rc, REG_EINVAL, "--iana-id must be a positive number");
	return REG_OK;
}

static int
check_state(struct regctl *rc, const char *state)
{
	if (state == NULL)
		return REG_OK;
	for (size_t i = 0; i < nitems(states); i++)
		if (strcmp(states[i], state) == 0)
			return REG_OK;
	return regctl_fail(rc, REG_EINVAL, "--state must be ok, readonly or terminated, not '%s'",
	    state);
}

/* What create and update check alike. */
static int
check_common(struct regctl *rc, struct registrar_args *a)
{
	int ret;

	if ((ret = check_handle(rc, rc->pos[0])) != REG_OK ||
	    (ret = check_state(rc, a->state)) != REG_OK ||
	    (ret = check_numbers(rc, a)) != REG_OK ||
	    (ret = check_prefixes(rc, &a->allow_add)) != REG_OK ||
	    (ret = check_prefixes(rc, &a->allow_del)) != REG_OK ||
	    (ret = check_certs(rc, &a->cert_hex, &a->cert_add, cert_fp_normalize)) != REG_OK ||
	    (ret = check_certs(rc, &a->cert_file, &a->cert_add, cert_fp_file)) != REG_OK ||
	    (ret = check_certs(rc, &a->cert_any, &a->cert_add, cert_fp_any)) != REG_OK ||
	    (ret = check_certs(rc, &a->cert_del_in, &a->cert_del, cert_fp_normalize)) != REG_OK)
		return ret;
	return check_password(rc, a);
}

static int
check_create(struct regctl *rc, void *args)
{
	struct registrar_args *a = args;

	if (a->name == NULL || a->name[0] == '\0')
		return regctl_fail(rc, REG_EINVAL, "--name is required");
	return check_common(rc, a);
}

static int
check_update(struct regctl *rc, void *args)
{
	if (rc->nopts == 0)
		return regctl_fail(rc, REG_EINVAL, "nothing to update: give at least one option");
	return check_common(rc, args);
}

/* --- exec --------------------------------------------------------------- */

static int
apply_lists(struct regctl *rc, int64_t id, struct registrar_args *a, char **detail)
{
	int ret;

	for (int i = 0; i < a->allow_add.n; i++) {
		if ((ret = store_registrar_acl_add(rc->st, id, a->allow_add.v[i], NULL)) != REG_OK)
			return regctl_fail(rc, ret, "cannot allow %s: %s", a->allow_add.v[i],
			    ret == REG_EEXISTS ? "already on the allow-list" : reg_strerror(ret));
		detail_add(rc, detail, "allow +%s", a->allow_add.v[i]);
	}
	for (int i = 0; i < a->allow_del.n; i++) {
		if ((ret = store_registrar_acl_del(rc->st, id, a->allow_del.v[i])) != REG_OK)
			return regctl_fail(rc, ret, "cannot remove %s: %s", a->allow_del.v[i],
			    ret == REG_ENOTFOUND ? "not on the allow-list" : reg_strerror(ret));
		detail_add(rc, detail, "allow -%s", a->allow_del.v[i]);
	}
	for (int i = 0; i < a->cert_add.n; i++) {
		if ((ret = store_registrar_cert_add(rc->st, id, a->cert_add.v[i], NULL)) != REG_OK)
			return regctl_fail(rc, ret, "cannot add certificate %s: %s", a->cert_add.v[i],
			    ret == REG_EEXISTS ? "already listed" : reg_strerror(ret));
		detail_add(rc, detail, "cert +%s", a->cert_add.v[i]);
	}
	for (int i = 0; i < a->cert_del.n; i++) {
		if ((ret = store_registrar_cert_del(rc->st, id, a->cert_del.v[i])) != REG_OK)
			return regctl_fail(rc, ret, "cannot remove certificate %s: %s",
			    a->cert_del.v[i], ret == REG_ENOTFOUND ? "not listed" : reg_strerror(ret));
		detail_add(rc, detail, "cert -%s", a->cert_del.v[i]);
	}
	return REG_OK;
}

static int
apply_account(struct regctl *rc, int64_t id, struct registrar_args *a, char **detail)
{
	int ret;

	if (a->credit.set) {
		if ((ret = store_account_set_credit(rc->st, id, a->credit.v, &rc->err)) != REG_OK)
			return ret;
		detail_add(rc, detail, "credit=%lld", (long long)a->credit.v);
	}
	if (a->deposit.set && a->deposit.v != 0) {
		if ((ret = store_account_charge(rc->st, id, a->deposit.v, "deposit", NULL,
		    rc->svtrid, &rc->err)) != REG_OK)
			return ret;
		detail_add(rc, detail, "deposit %lld", (long long)a->deposit.v);
	}
	return REG_OK;
}

/* Password, allow-list, certificates and account of registrar id. */
static int
registrar_apply(struct regctl *rc, int64_t id, struct registrar_args *a, char **detail)
{
	int ret;

	if (a->hash != NULL) {
		if ((ret = store_registrar_password_set(rc->st, id, a->hash)) != REG_OK)
			return regctl_fail(rc, ret, "cannot store the password");
		detail_add(rc, detail, "password set");
	}
	if ((ret = apply_lists(rc, id, a, detail)) != REG_OK)
		return ret;
	return apply_account(rc, id, a, detail);
}

static int
exec_create(struct regctl *rc, void *args)
{
	struct registrar_args *a = args;
	struct reg_registrar r = {
		.handle = rc->pos[0], .name = a->name, .email = a->email, .url = a->url,
		.voice = a->voice, .state = a->state, .iana_id = a->iana_id.v,
		.created = regctl_now(rc),
	};
	char *detail = NULL;
	int64_t id;
	int ret;

	ret = store_registrar_create(rc->st, &r, &id, &rc->err);
	if (ret == REG_EEXISTS)
		return regctl_fail(rc, ret, "registrar %s already exists", r.handle);
	if (ret != REG_OK)
		return ret;
	detail_add(rc, &detail, "created, name=%s", r.name);
	if ((ret = registrar_apply(rc, id, a, &detail)) != REG_OK)
		return ret;
	return regctl_history(rc, "registrar", NULL, r.handle, detail);
}

static int
registrar_find(struct regctl *rc, const char *handle, struct reg_registrar *r)
{
	int ret = store_registrar_get(rc->st, rc->a, handle, r);

	if (ret == REG_ENOTFOUND)
		return regctl_fail(rc, ret, "no registrar %s", handle);
	return ret == REG_OK ? REG_OK : regctl_fail(rc, ret, "cannot read registrar %s", handle);
}

static int
exec_update(struct regctl *rc, void *args)
{
	struct registrar_args *a = args;
	struct reg_registrar r;
	char *detail = NULL, *value;
	int ret;

	if ((ret = registrar_find(rc, rc->pos[0], &r)) != REG_OK)
		return ret;
	for (size_t i = 0; i < nitems(scalars); i++) {
		if ((value = SCALAR(a, scalars[i].arg)) == NULL)
			continue;
		SCALAR(&r, scalars[i].field) = value;
		detail_add(rc, &detail, "%s=%s", scalars[i].label, value);
	}
	if (a->iana_id.set) {
		r.iana_id = a->iana_id.v;
		detail_add(rc, &detail, "iana-id=%lld", (long long)r.iana_id);
	}
	r.updated = regctl_now(rc);
	if ((ret = store_registrar_update(rc->st, &r, &rc->err)) != REG_OK ||
	    (ret = registrar_apply(rc, r.id, a, &detail)) != REG_OK)
		return ret;
	return regctl_history(rc, "registrar", NULL, r.handle, detail);
}

static int
exec_list(struct regctl *rc, void *args)
{
	struct reg_registrar *v;
	struct reg_account acct;
	char **acl;
	int n, nacl, ret;

	if ((ret = store_registrar_list(rc->st, rc->a, &v, &n)) != REG_OK)
		return regctl_fail(rc, ret, "cannot list registrars");
	printf("%-16s %-30s %-10s %12s %12s %8s\n", "HANDLE", "NAME", "STATE",
	    "BALANCE", "CREDIT", "PREFIXES");
	for (int i = 0; i < n; i++) {
		if (store_account_get(rc->st, v[i].id, &acct) != REG_OK ||
		    store_registrar_acl_list(rc->st, rc->a, v[i].id, &acl) != REG_OK)
			return regctl_fail(rc, REG_EDB, "cannot read registrar %s", v[i].handle);
		for (nacl = 0; acl[nacl] != NULL; nacl++)
			;
		printf("%-16s %-30s %-10s %12lld %12lld %8d\n", v[i].handle, v[i].name,
		    v[i].state, (long long)acct.balance, (long long)acct.credit_limit, nacl);
	}
	return REG_OK;
}

static void
show_field(const char *label, const char *value)
{
	printf("%-13s %s\n", label, value != NULL && value[0] != '\0' ? value : "-");
}

static void
show_time(const char *label, int64_t t)
{
	char buf[REG_TIME_LEN];

	show_field(label, t ? time_format(t, buf) : NULL);
}

static void
show_list(const char *label, char **v)
{
	for (; v != NULL && *v != NULL; v++)
		show_field(label, *v);
}

static int
exec_show(struct regctl *rc, void *args)
{
	struct reg_registrar r;
	struct reg_account acct;
	char **acl, **certs, *hash = NULL;
	bool has_pw;
	int ret;

	if ((ret = registrar_find(rc, rc->pos[0], &r)) != REG_OK)
		return ret;
	if (store_account_get(rc->st, r.id, &acct) != REG_OK ||
	    store_registrar_acl_list(rc->st, rc->a, r.id, &acl) != REG_OK ||
	    store_registrar_cert_list(rc->st, rc->a, r.id, &certs) != REG_OK)
		return regctl_fail(rc, REG_EDB, "cannot read registrar %s", r.handle);
	has_pw = store_registrar_password_get(rc->st, rc->a, r.id, &hash) == REG_OK &&
	    hash != NULL;
	show_field("handle:", r.handle);
	show_field("name:", r.name);
	show_field("state:", r.state);
	show_field("iana-id:", r.iana_id ? arena_printf(rc->a, "%lld", (long long)r.iana_id) : NULL);
	show_field("email:", r.email);
	show_field("voice:", r.voice);
	show_field("url:", r.url);
	show_time("created:", r.created);
	show_time("updated:", r.updated);
	show_field("password:", has_pw ? "set" : "not set");
	printf("%-13s %lld\n%-13s %lld\n", "balance:", (long long)acct.balance,
	    "credit:", (long long)acct.credit_limit);
	show_list("allow:", acl);
	show_list("cert-sha256:", certs);
	return REG_OK;
}

/* --- the table ------------------------------------------------------------ */

#define A(f) offsetof(struct registrar_args, f)
static const struct optdef create_opts[] = {
	{ "name", OPT_STR, A(name) }, { "email", OPT_STR, A(email) },
	{ "url", OPT_STR, A(url) }, { "voice", OPT_STR, A(voice) },
	{ "password", OPT_STR, A(password) }, { "random-password", OPT_FLAG, A(random_password) },
	{ "allow", OPT_LIST, A(allow_add) }, { "cert-sha256", OPT_LIST, A(cert_hex) },
	{ "cert", OPT_LIST, A(cert_file) }, { "credit", OPT_INT, A(credit) },
	{ "balance", OPT_INT, A(deposit) }, { "iana-id", OPT_INT, A(iana_id) },
	{ NULL, 0, 0 },
};

static const struct optdef update_opts[] = {
	{ "name", OPT_STR, A(name) }, { "email", OPT_STR, A(email) },
	{ "url", OPT_STR, A(url) }, { "voice", OPT_STR, A(voice) },
	{ "state", OPT_STR, A(state) }, { "iana-id", OPT_INT, A(iana_id) },
	{ "password", OPT_STR, A(password) }, { "random-password", OPT_FLAG, A(random_password) },
	{ "allow-add", OPT_LIST, A(allow_add) }, { "allow-del", OPT_LIST, A(allow_del) },
	{ "cert-add", OPT_LIST, A(cert_any) }, { "cert-del", OPT_LIST, A(cert_del_in) },
	{ "credit", OPT_INT, A(credit) }, { "deposit", OPT_INT, A(deposit) },
	{ NULL, 0, 0 },
};
#undef A

const struct cmd registrar_cmds[] = {
	{ "registrar create",
	  "HANDLE --name NAME [--email E] [--password PW | --random-password] "
	  "[--allow PREFIX]... [--cert-sha256 HEX | --cert FILE.pem]... [--credit N] "
	  "[--balance N] [--iana-id N] [--url U] [--voice V]",
	  "add a registrar; prints a --random-password once",
	  CMD_WRITE, 1, 1, create_opts, sizeof(struct registrar_args),
	  check_create, exec_create },
	{ "registrar list", "", "registrars with state, balance, credit and prefix count", 0, 0, 0, NULL, 0, NULL, exec_list },
	{ "registrar show", "HANDLE", "a registrar: fields, allow-list, certificates, account", 0, 1, 1, NULL, 0, NULL, exec_show },
	{ "registrar update",
	  "HANDLE [--name N] [--email E] [--url U] [--voice V] [--iana-id N] "
	  "[--state ok|readonly|terminated] [--password PW | --random-password] "
	  "[--allow-add P] [--allow-del P] [--cert-add HEX|FILE] [--cert-del HEX] "
	  "[--credit N] [--deposit N]",
	  "change a registrar; --deposit adds to its balance",
	  CMD_WRITE, 1, 1, update_opts, sizeof(struct registrar_args),
	  check_update, exec_update },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL },
};
