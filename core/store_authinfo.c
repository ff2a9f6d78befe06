/* store_authinfo.c: authInfo passwords of domains and contacts (private). */
#include <string.h>

#include <openssl/crypto.h>

#include "store_impl.h"

int
store_authinfo_set(struct store *st, const char *roid, const char *pw)
{
	static const char sql[] =
	    "INSERT INTO authinfo(roid, pw) VALUES (?, ?) "
	    "ON CONFLICT(roid) DO UPDATE SET pw = excluded.pw";

	return stmt_exec(st, NULL, sql, "tt", roid, pw);
}

int
store_authinfo_get(struct store *st, struct arena *a, const char *roid, char **pw)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_query(st, &rc, "SELECT pw FROM authinfo WHERE roid = ?", "t", roid)) == NULL)
		return rc;
	*pw = col_text(a, s, 0);
	sqlite3_reset(s);
	return REG_OK;
}

bool
store_authinfo_check(struct store *st, const char *roid, const char *pw)
{
	sqlite3_stmt *s;
	bool ok = false;
	int rc;

	if ((s = stmt_query(st, &rc, "SELECT pw FROM authinfo WHERE roid = ?", "t", roid)) == NULL)
		return false;
	const char *have = (const char *)sqlite3_column_text(s, 0);
	size_t n = (size_t)sqlite3_column_bytes(s, 0);
	ok = have != NULL && n == strlen(pw) && CRYPTO_memcmp(have, pw, n) == 0;
	sqlite3_reset(s);
	return ok;
}
