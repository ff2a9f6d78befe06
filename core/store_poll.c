/*
 * store_poll.c: each registrar's queue of service messages (RFC 5730
 * 2.9.2.3), oldest first. Private: never in the changelog.
 */
#include "store_impl.h"

int
store_poll_add(struct store *st, int64_t registrar_id, int64_t now,
    const char *message, const char *payload)
{
	static const char sql[] =
	    "INSERT INTO poll(registrar_id, created, message, payload) VALUES (?, ?, ?, ?)";

	return stmt_exec(st, NULL, sql, "iitt", registrar_id, now, message, payload);
}

int
store_poll_peek(struct store *st, struct arena *a, int64_t registrar_id,
    struct reg_poll *out, int64_t *count)
{
	static const char sql[] =
	    "SELECT id, registrar_id, created, message, payload FROM poll "
	    "WHERE registrar_id = ? ORDER BY id LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	*count = store_poll_count(st, registrar_id);
	if ((s = stmt_query(st, &rc, sql, "i", registrar_id)) == NULL)
		return rc;
	out->id = col_int(s, 0);
	out->registrar_id = col_int(s, 1);
	out->created = col_int(s, 2);
	out->message = col_text(a, s, 3);
	out->payload = col_text(a, s, 4);
	sqlite3_reset(s);
	return REG_OK;
}

int
store_poll_ack(struct store *st, int64_t registrar_id, int64_t id)
{
	static const char sql[] = "DELETE FROM poll WHERE id = ? AND registrar_id = ?";
	int rc = stmt_exec(st, NULL, sql, "ii", id, registrar_id);

	return stmt_changed(st, rc, NULL, "message", id);
}

int64_t
store_poll_count(struct store *st, int64_t registrar_id)
{
	static const char sql[] = "SELECT count(*) FROM poll WHERE registrar_id = ?";

	return stmt_int(st, 0, sql, "i", registrar_id);
}
