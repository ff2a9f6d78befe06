/*
 * schema.c: the database schema as numbered migrations.
 *
 * Migration N brings a database from PRAGMA user_version N-1 to N; each
 * runs in its own transaction with the version bump. Never edit a
 * migration that has shipped: add the next one.
 *
 * Tables fall in two classes. Public registration data (registrars,
 * contacts, hosts, domains, their statuses, DS data and transfers) is
 * recorded in the changeset log and replicated to public hosts. Private
 * data (password hashes, authInfo, allow-lists, certificates, balances,
 * the poll queue, history) stays on the registry host. The list of public
 * tables is public_tables[] below; store.c attaches exactly those.
 *
 * Times are integer seconds since 1970 UTC. Names are stored as
 * lower-case A-labels without the trailing dot.
 */
#include <stddef.h>

#include "schema.h"
#include "util.h"

static const char migration_1[] =
"CREATE TABLE meta (\n"
"  key TEXT PRIMARY KEY,\n"
"  value TEXT NOT NULL\n"
");\n"
"INSERT INTO meta(key, value) VALUES ('roid_next', '1');\n"

/* Public ---------------------------------------------------------------- */
"CREATE TABLE registrar (\n"
"  id INTEGER PRIMARY KEY,\n"
"  handle TEXT NOT NULL UNIQUE CHECK (length(handle) BETWEEN 3 AND 16),\n"
"  name TEXT NOT NULL,\n"
"  iana_id INTEGER,\n"
"  state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'readonly', 'terminated')),\n"
"  email TEXT NOT NULL DEFAULT '',\n"
"  voice TEXT, fax TEXT, url TEXT, whois_server TEXT,\n"
"  street1 TEXT, street2 TEXT, street3 TEXT,\n"
"  city TEXT, sp TEXT, pc TEXT, cc TEXT CHECK (cc IS NULL OR length(cc) = 2),\n"
"  created INTEGER NOT NULL,\n"
"  updated INTEGER\n"
");\n"

"CREATE TABLE contact (\n"
"  id INTEGER PRIMARY KEY,\n"
"  handle TEXT NOT NULL UNIQUE CHECK (length(handle) BETWEEN 3 AND 16),\n"
"  roid TEXT NOT NULL UNIQUE,\n"
"  sponsor_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  creator_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  updater_id INTEGER REFERENCES registrar(id),\n"
"  int_name TEXT, int_org TEXT, int_street1 TEXT, int_street2 TEXT, int_street3 TEXT,\n"
"  int_city TEXT, int_sp TEXT, int_pc TEXT,\n"
"  int_cc TEXT CHECK (int_cc IS NULL OR length(int_cc) = 2),\n"
"  loc_name TEXT, loc_org TEXT, loc_street1 TEXT, loc_street2 TEXT, loc_street3 TEXT,\n"
"  loc_city TEXT, loc_sp TEXT, loc_pc TEXT,\n"
"  loc_cc TEXT CHECK (loc_cc IS NULL OR length(loc_cc) = 2),\n"
"  voice TEXT, voice_ext TEXT, fax TEXT, fax_ext TEXT,\n"
"  email TEXT NOT NULL,\n"
"  disclose INTEGER NOT NULL DEFAULT 0,\n"	/* DISCLOSE_* bits (store.h) */
"  created INTEGER NOT NULL,\n"
"  updated INTEGER,\n"
"  transferred INTEGER,\n"
"  CHECK (int_name IS NOT NULL OR loc_name IS NOT NULL)\n"
");\n"

"CREATE TABLE domain (\n"
"  id INTEGER PRIMARY KEY,\n"
"  name TEXT NOT NULL UNIQUE CHECK (name = lower(name) AND length(name) <= 253),\n"
"  uname TEXT,\n"				/* U-label form of an IDN */
"  roid TEXT NOT NULL UNIQUE,\n"
"  sponsor_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  creator_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  updater_id INTEGER REFERENCES registrar(id),\n"
"  registrant_id INTEGER REFERENCES contact(id),\n"
"  created INTEGER NOT NULL,\n"
"  updated INTEGER,\n"
"  expires INTEGER NOT NULL,\n"
"  transferred INTEGER,\n"
"  deleted INTEGER,\n"			/* when redemption started */
"  rgp TEXT CHECK (rgp IN ('redemptionPeriod', 'pendingRestore', 'pendingDelete')),\n"
"  max_sig_life INTEGER CHECK (max_sig_life IS NULL OR max_sig_life > 0)\n"
");\n"
"CREATE INDEX domain_expires ON domain(expires);\n"
"CREATE INDEX domain_registrant ON domain(registrant_id);\n"
"CREATE INDEX domain_sponsor ON domain(sponsor_id);\n"

"CREATE TABLE host (\n"
"  id INTEGER PRIMARY KEY,\n"
"  name TEXT NOT NULL UNIQUE CHECK (name = lower(name) AND length(name) <= 253),\n"
"  roid TEXT NOT NULL UNIQUE,\n"
"  sponsor_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  creator_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  updater_id INTEGER REFERENCES registrar(id),\n"
/* The superordinate domain of an in-zone host; NULL for external hosts. */
"  domain_id INTEGER REFERENCES domain(id),\n"
"  created INTEGER NOT NULL,\n"
"  updated INTEGER,\n"
"  transferred INTEGER\n"
");\n"
"CREATE INDEX host_domain ON host(domain_id);\n"

"CREATE TABLE host_addr (\n"
"  host_id INTEGER NOT NULL REFERENCES host(id) ON DELETE CASCADE,\n"
"  addr TEXT NOT NULL,\n"			/* canonical inet_ntop form */
"  family INTEGER NOT NULL CHECK (family IN (4, 6)),\n"
"  PRIMARY KEY (host_id, addr)\n"
");\n"
"CREATE INDEX host_addr_addr ON host_addr(addr);\n"

"CREATE TABLE domain_contact (\n"
"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,\n"
"  type TEXT NOT NULL CHECK (type IN ('admin', 'tech', 'billing')),\n"
"  contact_id INTEGER NOT NULL REFERENCES contact(id),\n"
"  PRIMARY KEY (domain_id, type, contact_id)\n"
");\n"
"CREATE INDEX domain_contact_contact ON domain_contact(contact_id);\n"

"CREATE TABLE domain_ns (\n"
"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,\n"
"  host_id INTEGER NOT NULL REFERENCES host(id),\n"
"  PRIMARY KEY (domain_id, host_id)\n"
");\n"
"CREATE INDEX domain_ns_host ON domain_ns(host_id);\n"

/* RFC 5910 dsData; key_* columns hold the optional keyData child. */
"CREATE TABLE domain_ds (\n"
"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,\n"
"  key_tag INTEGER NOT NULL CHECK (key_tag BETWEEN 0 AND 65535),\n"
"  alg INTEGER NOT NULL CHECK (alg BETWEEN 0 AND 255),\n"
"  digest_type INTEGER NOT NULL CHECK (digest_type BETWEEN 0 AND 255),\n"
"  digest TEXT NOT NULL CHECK (digest = upper(digest)),\n"
"  key_flags INTEGER, key_protocol INTEGER, key_alg INTEGER, key_pub TEXT,\n"
"  PRIMARY KEY (domain_id, key_tag, alg, digest_type, digest),\n"
"  CHECK ((key_flags IS NULL) = (key_pub IS NULL) AND\n"
"    (key_protocol IS NULL) = (key_pub IS NULL) AND (key_alg IS NULL) = (key_pub IS NULL))\n"
");\n"

/* Statuses of every object kind; `kind` names the table `object_id` is in. */
"CREATE TABLE status (\n"
"  kind TEXT NOT NULL CHECK (kind IN ('domain', 'host', 'contact')),\n"
"  object_id INTEGER NOT NULL,\n"
"  status TEXT NOT NULL,\n"
"  lang TEXT,\n"
"  reason TEXT,\n"
"  PRIMARY KEY (kind, object_id, status)\n"
");\n"

/* The latest transfer of each object: kept after completion for
 * transfer query (RFC 5730 2.9.2.4). */
"CREATE TABLE transfer (\n"
"  kind TEXT NOT NULL CHECK (kind IN ('domain', 'contact')),\n"
"  object_id INTEGER NOT NULL,\n"
"  state TEXT NOT NULL CHECK (state IN ('pending', 'clientApproved', 'clientCancelled',\n"
"    'clientRejected', 'serverApproved', 'serverCancelled')),\n"
"  gaining_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  losing_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  requested INTEGER NOT NULL,\n"
"  acted INTEGER NOT NULL,\n"		/* action date, or when it will act */
"  years INTEGER,\n"			/* domain: period added on approval */
"  expires INTEGER,\n"			/* domain: expiry if approved */
"  PRIMARY KEY (kind, object_id)\n"
");\n"
/* For the sweep that acts on transfers nobody answered in time. */
"CREATE INDEX transfer_pending ON transfer(acted) WHERE state = 'pending';\n"

/* Names registry policy keeps from registration. */
"CREATE TABLE reserved (\n"
"  name TEXT PRIMARY KEY CHECK (name = lower(name)),\n"
"  kind TEXT NOT NULL CHECK (kind IN ('reserved', 'blocked')),\n"
"  reason TEXT NOT NULL DEFAULT ''\n"
");\n"

/* Private ---------------------------------------------------------------- */
"CREATE TABLE registrar_secret (\n"
"  registrar_id INTEGER PRIMARY KEY REFERENCES registrar(id) ON DELETE CASCADE,\n"
"  pw_hash TEXT NOT NULL,\n"
"  pw_changed INTEGER NOT NULL\n"
");\n"

"CREATE TABLE registrar_acl (\n"
"  registrar_id INTEGER NOT NULL REFERENCES registrar(id) ON DELETE CASCADE,\n"
"  prefix TEXT NOT NULL,\n"		/* canonical "addr/len" */
"  PRIMARY KEY (registrar_id, prefix)\n"
");\n"

"CREATE TABLE registrar_cert (\n"
"  registrar_id INTEGER NOT NULL REFERENCES registrar(id) ON DELETE CASCADE,\n"
"  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 = lower(sha256)),\n"
"  PRIMARY KEY (registrar_id, sha256)\n"
");\n"

/* Money in minor units; available = balance + credit_limit. */
"CREATE TABLE registrar_account (\n"
"  registrar_id INTEGER PRIMARY KEY REFERENCES registrar(id) ON DELETE CASCADE,\n"
"  balance INTEGER NOT NULL DEFAULT 0,\n"
"  credit_limit INTEGER NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),\n"
"  CHECK (balance + credit_limit >= 0)\n"
");\n"

"CREATE TABLE ledger (\n"
"  id INTEGER PRIMARY KEY,\n"
"  registrar_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  ts INTEGER NOT NULL,\n"
"  amount INTEGER NOT NULL,\n"		/* negative: debit */
"  operation TEXT NOT NULL,\n"
"  object TEXT,\n"
"  svtrid TEXT\n"
");\n"
"CREATE INDEX ledger_registrar ON ledger(registrar_id, ts);\n"

/* authInfo passwords of domains and contacts, by ROID. */
"CREATE TABLE authinfo (\n"
"  roid TEXT PRIMARY KEY,\n"
"  pw TEXT NOT NULL\n"
");\n"

/* Grace periods running on a domain, for refunds (RFC 3915). */
"CREATE TABLE grace (\n"
"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,\n"
"  period TEXT NOT NULL CHECK (period IN ('addPeriod', 'renewPeriod', 'autoRenewPeriod', 'transferPeriod')),\n"
"  registrar_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  ends INTEGER NOT NULL,\n"
"  amount INTEGER NOT NULL DEFAULT 0,\n"
"  years INTEGER NOT NULL DEFAULT 0,\n"
"  PRIMARY KEY (domain_id, period, ends)\n"
");\n"

"CREATE TABLE poll (\n"
"  id INTEGER PRIMARY KEY,\n"
"  registrar_id INTEGER NOT NULL REFERENCES registrar(id),\n"
"  created INTEGER NOT NULL,\n"
"  message TEXT NOT NULL,\n"
"  payload TEXT\n"			/* resData/extension XML, if any */
");\n"
"CREATE INDEX poll_registrar ON poll(registrar_id, id);\n"

"CREATE TABLE history (\n"
"  id INTEGER PRIMARY KEY,\n"
"  ts INTEGER NOT NULL,\n"
"  actor TEXT NOT NULL,\n"		/* registrar handle, or 'registry' */
"  kind TEXT NOT NULL,\n"
"  roid TEXT,\n"
"  name TEXT NOT NULL,\n"
"  command TEXT NOT NULL,\n"
"  cltrid TEXT,\n"
"  svtrid TEXT,\n"
"  detail TEXT\n"
");\n"
"CREATE INDEX history_roid ON history(roid, id);\n"
"CREATE INDEX history_name ON history(name, id);\n"

/* The changeset log: one row per committed write transaction. */
"CREATE TABLE changelog (\n"
"  seq INTEGER PRIMARY KEY,\n"
"  ts INTEGER NOT NULL,\n"
"  changeset BLOB NOT NULL\n"
");\n";

/* RDAP searches (rdapd/search.c): every search walks one index range.
 * U-label prefixes of IDNs; entity names, case-insensitive for ASCII as
 * RFC 9082 6.1 asks; registrars by IANA id for /entity/<id>. */
static const char migration_2[] =
"CREATE INDEX domain_uname ON domain(uname) WHERE uname IS NOT NULL;\n"
"CREATE INDEX contact_int_name ON contact(int_name COLLATE NOCASE) WHERE int_name IS NOT NULL;\n"
"CREATE INDEX contact_loc_name ON contact(loc_name COLLATE NOCASE) WHERE loc_name IS NOT NULL;\n"
"CREATE INDEX registrar_name ON registrar(name COLLATE NOCASE);\n"
"CREATE INDEX registrar_iana ON registrar(iana_id) WHERE iana_id IS NOT NULL;\n";

/* The registry clock (eppd/lifecycle.c, store_due.c): domains in each
 * redemption state without scanning every domain once a second. */
static const char migration_3[] =
"CREATE INDEX domain_rgp ON domain(rgp, deleted) WHERE rgp IS NOT NULL;\n";

/* Each changeset's SHA-256, taken when it is committed: the feed sends a
 * changeset only when it still matches, so damage to the master's file
 * (SQLite keeps no page checksums) stops replication instead of spreading
 * to every replica. NULL for the changesets logged before. */
static const char migration_4[] =
"ALTER TABLE changelog ADD COLUMN sha256 TEXT;\n";

/* What the gaining registrar paid for a pending domain transfer, so that
 * a rejected or cancelled one gives back exactly that, and an approved one
 * starts its grace period with it, whatever the price is by then. Billing,
 * so a private table: the public transfer table would carry it to the
 * public hosts. */
static const char migration_5[] =
"CREATE TABLE transfer_paid (\n"
"  domain_id INTEGER PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE,\n"
"  amount INTEGER NOT NULL\n"
");\n";

/* Statuses and host addresses are read a handful at a time by key (an
 * RDAP domain answer reads those of its contacts and hosts): stored in
 * their primary key's B-tree, a row is one descent instead of an index
 * descent and a table descent. */
static const char migration_6[] =
"CREATE TABLE status_by_key (\n"
"  kind TEXT NOT NULL CHECK (kind IN ('domain', 'host', 'contact')),\n"
"  object_id INTEGER NOT NULL,\n"
"  status TEXT NOT NULL,\n"
"  lang TEXT,\n"
"  reason TEXT,\n"
"  PRIMARY KEY (kind, object_id, status)\n"
") WITHOUT ROWID;\n"
"INSERT INTO status_by_key SELECT kind, object_id, status, lang, reason FROM status;\n"
"DROP TABLE status;\n"
"ALTER TABLE status_by_key RENAME TO status;\n"
"CREATE TABLE host_addr_by_key (\n"
"  host_id INTEGER NOT NULL REFERENCES host(id) ON DELETE CASCADE,\n"
"  addr TEXT NOT NULL,\n"
"  family INTEGER NOT NULL CHECK (family IN (4, 6)),\n"
"  PRIMARY KEY (host_id, addr)\n"
") WITHOUT ROWID;\n"
"INSERT INTO host_addr_by_key SELECT host_id, addr, family FROM host_addr;\n"
"DROP TABLE host_addr;\n"
"ALTER TABLE host_addr_by_key RENAME TO host_addr;\n"
"CREATE INDEX host_addr_addr ON host_addr(addr);\n";

static const char *const migrations[] = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
	migration_5,
	migration_6,
};

static const char *const public_tables[] = {
	"registrar", "contact", "domain", "host", "host_addr", "domain_contact",
	"domain_ns", "domain_ds", "status", "transfer", "reserved", NULL
};

int
schema_version(void)
{
	return (int)nitems(migrations);
}

const char *
schema_migration(int version)
{
	if (version < 1 || version > (int)nitems(migrations))
		return NULL;
	return migrations[version - 1];
}

const char *const *
schema_public_tables(void)
{
	return public_tables;
}
