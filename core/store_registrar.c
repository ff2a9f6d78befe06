/* store_registrar.c: registrars, their secrets, allow-lists, certificates
 * and accounts. */
#include <string.h>

#include "store_impl.h"
#include "util.h"

#define REGISTRAR_COLS \
	"id, handle, name, iana_id, state, email, voice, fax, url, whois_server, " \
	"street1, street2, street3, city, sp, pc, cc, created, updated"

static void
registrar_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_registrar *r = row;

	r->id = col_int(s, 0);
	r->handle = col_text(a, s, 1);
	r->name = col_text(a, s, 2);
	r->iana_id = col_int(s, 3);
	r->state = col_text(a, s, 4);
	r->email = col_text(a, s, 5);
	r->voice = col_text(a, s, 6);
	r->fax = col_text(a, s, 7);
	r->url = col_text(a, s, 8);
	r->whois_server = col_text(a, s, 9);
	for (int i = 0; i < 3; i++)
		r->addr.street[i] = col_text(a, s, 10 + i);
	r->addr.city = col_text(a, s, 13);
	r->addr.sp = col_text(a, s, 14);
	r->addr.pc = col_text(a, s, 15);
	r->addr.cc = col_text(a, s, 16);
	r->created = col_int(s, 17);
	r->updated = col_int(s, 18);
}

int
store_registrar_create(struct store *st, const struct reg_registrar *r,
    int64_t *id, struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO registrar(handle, name, iana_id, state, email, voice, fax, url, "
	    "whois_server, street1, street2, street3, city, sp, pc, cc, created) "
	    "VALUES (?, ?, ?, coalesce(?, 'ok'), coalesce(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char account[] =
	    "INSERT INTO registrar_account(registrar_id) VALUES (?)";
	int rc;

	rc = stmt_exec(st, err, sql, "ttzttttttttttttti", r->handle, r->name,
	    r->iana_id, r->state, r->email, r->voice, r->fax, r->url, r->whois_server,
	    r->addr.street[0], r->addr.street[1], r->addr.street[2], r->addr.city,
	    r->addr.sp, r->addr.pc, r->addr.cc, r->created);
	if (rc != REG_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return stmt_exec(st, err, account, "i", *id);
}

int
store_registrar_update(struct store *st, const struct reg_registrar *r,
    struct reg_err *err)
{
	static const char sql[] =
	    "UPDATE registrar SET name = ?, iana_id = ?, state = ?, email = ?, voice = ?, "
	    "fax = ?, url = ?, whois_server = ?, street1 = ?, street2 = ?, street3 = ?, "
	    "city = ?, sp = ?, pc = ?, cc = ?, updated = ? WHERE id = ?";
	int rc;

	rc = stmt_exec(st, err, sql, "tztttttttttttttii", r->name, r->iana_id, r->state,
	    r->email, r->voice, r->fax, r->url, r->whois_server, r->addr.street[0],
	    r->addr.street[1], r->addr.street[2], r->addr.city, r->addr.sp, r->addr.pc,
	    r->addr.cc, r->updated, r->id);
	if (rc == REG_OK && sqlite3_changes(st->db) == 0)
		return reg_fail(err, REG_ENOTFOUND, "no registrar with id %lld", (long long)r->id);
	return rc;
}

int
store_registrar_get(struct store *st, struct arena *a, const char *handle,
    struct reg_registrar *out)
{
	static const char sql[] = "SELECT " REGISTRAR_COLS " FROM registrar WHERE handle = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, sql, "t", handle)) == NULL)
		return rc;
	registrar_read(a, s, out);
	sqlite3_reset(s);
	return REG_OK;
}

int
store_registrar_get_by_id(struct store *st, struct arena *a, int64_t id,
    struct reg_registrar *out)
{
	static const char sql[] = "SELECT " REGISTRAR_COLS " FROM registrar WHERE id = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, sql, "i", id)) == NULL)
		return rc;
	registrar_read(a, s, out);
	sqlite3_reset(s);
	return REG_OK;
}

int
store_registrar_list(struct store *st, struct arena *a, struct reg_registrar **out, int *n)
{
	static const char sql[] = "SELECT " REGISTRAR_COLS " FROM registrar ORDER BY handle";
	int rc;

	*out = stmt_rows(st, a, registrar_read, sizeof(**out), n, &rc, sql, "");
	return rc;
}

int
store_registrar_password_set(struct store *st, int64_t id, const char *hash)
{
	static const char sql[] =
	    "INSERT INTO registrar_secret(registrar_id, pw_hash, pw_changed) "
	    "VALUES (?, ?, strftime('%s', 'now')) ON CONFLICT(registrar_id) DO UPDATE "
	    "SET pw_hash = excluded.pw_hash, pw_changed = excluded.pw_changed";

	return stmt_exec(st, NULL, sql, "it", id, hash);
}

int
store_registrar_password_get(struct store *st, struct arena *a, int64_t id, char **hash)
{
	static const char sql[] = "SELECT pw_hash FROM registrar_secret WHERE registrar_id = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, sql, "i", id)) == NULL)
		return rc;
	*hash = col_text(a, s, 0);
	sqlite3_reset(s);
	return REG_OK;
}

static void
text_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	*(char **)row = col_text(a, s, 0);
}

/* Collects column 0 of every row into a NULL-terminated arena array; sql
 * takes the registrar id as its parameter unless id is 0. */
static int
text_list(struct store *st, struct arena *a, const char *sql, int64_t id, char ***out)
{
	int rc, n;

	*out = stmt_rows(st, a, text_read, sizeof(char *), &n, &rc, sql, id ? "i" : "", id);
	return rc;
}

int
store_registrar_acl_add(struct store *st, int64_t id, const char *prefix, struct reg_err *err)
{
	return stmt_exec(st, err, "INSERT INTO registrar_acl(registrar_id, prefix) VALUES (?, ?)",
	    "it", id, prefix);
}

int
store_registrar_acl_del(struct store *st, int64_t id, const char *prefix)
{
	int rc = stmt_exec(st, NULL, "DELETE FROM registrar_acl WHERE registrar_id = ? AND prefix = ?",
	    "it", id, prefix);

	return rc == REG_OK && sqlite3_changes(st->db) == 0 ? REG_ENOTFOUND : rc;
}

int
store_registrar_acl_list(struct store *st, struct arena *a, int64_t id, char ***out)
{
	return text_list(st, a,
	    "SELECT prefix FROM registrar_acl WHERE registrar_id = ? ORDER BY prefix", id, out);
}

int
store_acl_all(struct store *st, struct arena *a, char ***out)
{
	return text_list(st, a,
	    "SELECT DISTINCT prefix FROM registrar_acl JOIN registrar ON registrar.id = registrar_id "
	    "WHERE registrar.state != 'terminated' ORDER BY prefix", 0, out);
}

int
store_registrar_cert_add(struct store *st, int64_t id, const char *sha256, struct reg_err *err)
{
	return stmt_exec(st, err, "INSERT INTO registrar_cert(registrar_id, sha256) VALUES (?, ?)",
	    "it", id, sha256);
}

int
store_registrar_cert_del(struct store *st, int64_t id, const char *sha256)
{
	int rc = stmt_exec(st, NULL, "DELETE FROM registrar_cert WHERE registrar_id = ? AND sha256 = ?",
	    "it", id, sha256);

	return rc == REG_OK && sqlite3_changes(st->db) == 0 ? REG_ENOTFOUND : rc;
}

int
store_registrar_cert_list(struct store *st, struct arena *a, int64_t id, char ***out)
{
	return text_list(st, a,
	    "SELECT sha256 FROM registrar_cert WHERE registrar_id = ? ORDER BY sha256", id, out);
}

int
store_account_get(struct store *st, int64_t registrar_id, struct reg_account *out)
{
	static const char sql[] =
	    "SELECT balance, credit_limit FROM registrar_account WHERE registrar_id = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, sql, "i", registrar_id)) == NULL)
		return rc;
	out->balance = col_int(s, 0);
	out->credit_limit = col_int(s, 1);
	sqlite3_reset(s);
	return REG_OK;
}

int
store_account_set_credit(struct store *st, int64_t registrar_id, int64_t limit,
    struct reg_err *err)
{
	int rc;

	if (limit < 0)
		return reg_fail(err, REG_EINVAL, "credit limit %lld is negative", (long long)limit);
	rc = stmt_exec(st, err,
	    "UPDATE registrar_account SET credit_limit = ? WHERE registrar_id = ?",
	    "ii", limit, registrar_id);
	if (rc == REG_ECONSTRAINT)
		return reg_fail(err, REG_EFUNDS, "credit limit %lld does not cover the balance",
		    (long long)limit);
	return rc == REG_OK && sqlite3_changes(st->db) == 0 ? REG_ENOTFOUND : rc;
}

int
store_account_charge(struct store *st, int64_t registrar_id, int64_t amount,
    const char *operation, const char *object, const char *svtrid, struct reg_err *err)
{
	static const char update[] =
	    "UPDATE registrar_account SET balance = balance + ?1 "
	    "WHERE registrar_id = ?2 AND balance + ?1 + credit_limit >= 0";
	static const char ledger[] =
	    "INSERT INTO ledger(registrar_id, ts, amount, operation, object, svtrid) "
	    "VALUES (?, strftime('%s', 'now'), ?, ?, ?, ?)";
	int rc;

	if ((rc = stmt_exec(st, err, update, "ii", amount, registrar_id)) != REG_OK)
		return rc;
	if (sqlite3_changes(st->db) == 0) {
		if (stmt_int(st, 0, "SELECT count(*) FROM registrar_account WHERE registrar_id = ?",
		    "i", registrar_id) == 0)
			return reg_fail(err, REG_ENOTFOUND, "no account for registrar");
		return reg_fail(err, REG_EFUNDS, "balance and credit do not cover %lld",
		    (long long)-amount);
	}
	return stmt_exec(st, err, ledger, "iittt", registrar_id, amount, operation, object, svtrid);
}
