/*
 * store_contact.c: contacts (RFC 5733).
 *
 * A contact row carries both postalInfo forms side by side (int_* and
 * loc_* columns; a NULL name means that form is absent) and the disclose
 * bits as one integer. The column lists below are written once and shared
 * by the insert, the update and the select.
 */
#include "store_impl.h"

static const char kind[] = "contact";

#define POSTAL_COLS(t, p) \
	t p "name, " t p "org, " t p "street1, " t p "street2, " t p "street3, " \
	t p "city, " t p "sp, " t p "pc, " t p "cc"
#define POSTAL_VALS "?, ?, ?, ?, ?, ?, ?, ?, ?"
#define POSTAL_TYPES "ttttttttt"
#define POSTAL_ARGS(p) (p)->name, (p)->org, (p)->addr.street[0], (p)->addr.street[1], \
	(p)->addr.street[2], (p)->addr.city, (p)->addr.sp, (p)->addr.pc, (p)->addr.cc

/* What create and update both write, in one order for columns, values,
 * bind types and arguments. */
#define CONTACT_INFO_COLS(t) POSTAL_COLS(t, "int_") ", " POSTAL_COLS(t, "loc_") ", " \
	t "voice, " t "voice_ext, " t "fax, " t "fax_ext, " t "email, " t "disclose"
#define CONTACT_DATA_COLS \
	"sponsor_id, updater_id, updated, transferred, " CONTACT_INFO_COLS("")
#define CONTACT_DATA_VALS \
	"?, ?, ?, ?, " POSTAL_VALS ", " POSTAL_VALS ", ?, ?, ?, ?, ?, ?"
#define CONTACT_DATA_TYPES "izzz" POSTAL_TYPES POSTAL_TYPES "ttttti"
#define CONTACT_DATA_ARGS(c) (c)->sponsor_id, (c)->updater_id, (c)->updated, \
	(c)->transferred, POSTAL_ARGS(&(c)->intl), POSTAL_ARGS(&(c)->loc), (c)->voice, \
	(c)->voice_ext, (c)->fax, (c)->fax_ext, (c)->email, (int64_t)(c)->disclose

#define CONTACT_SELECT \
	"SELECT c.id, c.handle, c.roid, c.created, c.updated, c.transferred, " \
	OWNER_COLS("c") ", " CONTACT_INFO_COLS("c.") " FROM contact c" OWNER_JOINS("c")
#define COL_OWNER 6
#define COL_INFO 12

void
postal_read(struct arena *a, sqlite3_stmt *s, int col, struct reg_postal *p)
{
	p->name = col_text(a, s, col);
	p->org = col_text(a, s, col + 1);
	for (int i = 0; i < 3; i++)
		p->addr.street[i] = col_text(a, s, col + 2 + i);
	p->addr.city = col_text(a, s, col + 5);
	p->addr.sp = col_text(a, s, col + 6);
	p->addr.pc = col_text(a, s, col + 7);
	p->addr.cc = col_text(a, s, col + 8);
}

static void
contact_read(struct arena *a, sqlite3_stmt *s, struct reg_contact *c)
{
	int col = COL_INFO + 2 * POSTAL_NCOLS;

	c->id = col_int(s, 0);
	c->handle = col_text(a, s, 1);
	c->roid = col_text(a, s, 2);
	c->created = col_int(s, 3);
	c->updated = col_int(s, 4);
	c->transferred = col_int(s, 5);
	OWNER_READ(a, s, COL_OWNER, c);
	postal_read(a, s, COL_INFO, &c->intl);
	postal_read(a, s, COL_INFO + POSTAL_NCOLS, &c->loc);
	c->voice = col_text(a, s, col);
	c->voice_ext = col_text(a, s, col + 1);
	c->fax = col_text(a, s, col + 2);
	c->fax_ext = col_text(a, s, col + 3);
	c->email = col_text(a, s, col + 4);
	c->disclose = (unsigned)col_int(s, col + 5);
}

/* Reads the row stmt_query left in s (or returns its rc), then the statuses. */
static int
contact_load(struct store *st, struct arena *a, sqlite3_stmt *s, int rc,
    struct reg_contact *out)
{
	if (s == NULL)
		return rc;
	contact_read(a, s, out);
	sqlite3_reset(s);
	return store_status_list(st, a, kind, out->id, &out->statuses);
}

int
store_contact_create(struct store *st, const struct reg_contact *c, int64_t *id,
    struct reg_err *err)
{
	static const char sql[] =
	    "INSERT INTO contact(" CONTACT_DATA_COLS ", handle, roid, creator_id, created) "
	    "VALUES (" CONTACT_DATA_VALS ", ?, ?, ?, ?)";
	int rc;

	rc = stmt_exec(st, err, sql, CONTACT_DATA_TYPES "ttii", CONTACT_DATA_ARGS(c),
	    c->handle, c->roid, c->creator_id, c->created);
	if (rc == REG_OK)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int
store_contact_update(struct store *st, const struct reg_contact *c, struct reg_err *err)
{
	static const char sql[] =
	    "UPDATE contact SET (" CONTACT_DATA_COLS ") = (" CONTACT_DATA_VALS ") WHERE id = ?";
	int rc;

	rc = stmt_exec(st, err, sql, CONTACT_DATA_TYPES "i", CONTACT_DATA_ARGS(c), c->id);
	return stmt_changed(st, rc, err, kind, c->id);
}

int
store_contact_get(struct store *st, struct arena *a, const char *handle,
    struct reg_contact *out)
{
	static const char sql[] = CONTACT_SELECT " WHERE c.handle = ?";
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(st, &rc, sql, "t", handle);
	return contact_load(st, a, s, rc, out);
}

int
store_contact_get_by_id(struct store *st, struct arena *a, int64_t id,
    struct reg_contact *out)
{
	static const char sql[] = CONTACT_SELECT " WHERE c.id = ?";
	sqlite3_stmt *s;
	int rc;

	s = stmt_query(st, &rc, sql, "i", id);
	return contact_load(st, a, s, rc, out);
}

bool
store_contact_in_use(struct store *st, int64_t id)
{
	static const char sql[] =
	    "SELECT EXISTS (SELECT 1 FROM domain WHERE registrant_id = ?1) "
	    "OR EXISTS (SELECT 1 FROM domain_contact WHERE contact_id = ?1)";

	return stmt_int(st, 0, sql, "i", id) != 0;
}

int
store_contact_delete(struct store *st, int64_t id, struct reg_err *err)
{
	static const char sql[] = "DELETE FROM contact WHERE id = ?";
	int rc;

	if (store_contact_in_use(st, id))
		return reg_fail(err, REG_EINUSE, "contact %lld is linked to a domain",
		    (long long)id);
	if ((rc = store_object_purge(st, kind, id, err)) != REG_OK)
		return rc;
	rc = stmt_exec(st, err, sql, "i", id);
	return stmt_changed(st, rc, err, kind, id);
}
