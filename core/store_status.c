/*
 * store_status.c: statuses of domains, hosts and contacts, and the rows
 * that refer to an object by (kind, id) rather than by foreign key.
 *
 * The status and transfer tables serve all object kinds, so no foreign key
 * can tie a row to its object: store_object_exists() guards the writes
 * and store_object_purge() is what an object's delete calls instead of
 * ON DELETE CASCADE. The rules about which statuses may be combined live
 * in status.c; this file only stores them.
 */
#include "store_impl.h"
#include "util.h"

/* One CASE over the three object tables keeps this one static statement. */
bool
store_object_exists(struct store *st, const char *kind, int64_t id)
{
	static const char sql[] =
	    "SELECT CASE ?1"
	    " WHEN 'domain' THEN EXISTS (SELECT 1 FROM domain WHERE id = ?2)"
	    " WHEN 'host' THEN EXISTS (SELECT 1 FROM host WHERE id = ?2)"
	    " WHEN 'contact' THEN EXISTS (SELECT 1 FROM contact WHERE id = ?2)"
	    " ELSE 0 END";

	return stmt_int(st, 0, sql, "ti", kind, id) != 0;
}

int
store_object_purge(struct store *st, const char *kind, int64_t id, struct reg_err *err)
{
	static const char statuses[] = "DELETE FROM status WHERE kind = ?1 AND object_id = ?2";
	static const char transfer[] = "DELETE FROM transfer WHERE kind = ?1 AND object_id = ?2";
	static const char authinfo[] =
	    "DELETE FROM authinfo WHERE roid IN ("
	    "SELECT roid FROM domain WHERE ?1 = 'domain' AND id = ?2 UNION ALL "
	    "SELECT roid FROM host WHERE ?1 = 'host' AND id = ?2 UNION ALL "
	    "SELECT roid FROM contact WHERE ?1 = 'contact' AND id = ?2)";
	static const char *const purge[] = { statuses, transfer, authinfo };
	int rc = REG_OK;

	for (size_t i = 0; i < nitems(purge) && rc == REG_OK; i++)
		rc = stmt_exec(st, err, purge[i], "ti", kind, id);
	return rc;
}

static void
status_read(struct arena *a, sqlite3_stmt *s, void *row)
{
	struct reg_status *v = row;

	v->status = col_text(a, s, 0);
	v->lang = col_text(a, s, 1);
	v->reason = col_text(a, s, 2);
}

int
store_status_list(struct store *st, struct arena *a, const char *kind,
    int64_t object_id, struct reg_status_list *out)
{
	static const char sql[] =
	    "SELECT status, lang, reason FROM status WHERE kind = ? AND object_id = ? "
	    "ORDER BY status";
	int rc;

	out->v = stmt_rows(st, a, status_read, sizeof(*out->v), &out->n, &rc, sql,
	    "ti", kind, object_id);
	return rc;
}

bool
store_status_has(struct store *st, const char *kind, int64_t object_id,
    const char *status)
{
	static const char sql[] =
	    "SELECT count(*) FROM status WHERE kind = ? AND object_id = ? AND status = ?";

	return stmt_int(st, 0, sql, "tit", kind, object_id, status) > 0;
}

int
store_status_add(struct store *st, const char *kind, int64_t object_id,
    const struct reg_status *s)
{
	static const char sql[] =
	    "INSERT INTO status(kind, object_id, status, lang, reason) VALUES (?, ?, ?, ?, ?)";

	if (!store_object_exists(st, kind, object_id))
		return REG_ENOTFOUND;
	return stmt_exec(st, NULL, sql, "tittt", kind, object_id, s->status, s->lang,
	    s->reason);
}

int
store_status_remove(struct store *st, const char *kind, int64_t object_id,
    const char *status)
{
	static const char sql[] =
	    "DELETE FROM status WHERE kind = ? AND object_id = ? AND status = ?";
	int rc = stmt_exec(st, NULL, sql, "tit", kind, object_id, status);

	return rc == REG_OK && sqlite3_changes(st->db) == 0 ? REG_ENOTFOUND : rc;
}
