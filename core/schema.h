/* schema.h: the schema's migrations and its public/private split. */
#ifndef REG_SCHEMA_H
#define REG_SCHEMA_H

/* The version a fully migrated database has (PRAGMA user_version). */
int schema_version(void);
/* SQL that takes version-1 to version; NULL outside 1..schema_version(). */
const char *schema_migration(int version);
/* NULL-terminated names of the tables replicated to public hosts. */
const char *const *schema_public_tables(void);

#endif
