/*
 * trim.c: `replica trim` on the registry host: drops the changesets older
 * than --age (database.changelog_keep) and then the oldest while the log
 * is larger than --size bytes (replication.keep_size; 0: no cap). It never
 * drops the newest, so sequence numbers never restart. A replica still
 * within the log keeps following; one that falls out of it is told to
 * re-seed. Run it from cron or a systemd timer; it is one short write
 * transaction beside eppd's.
 */
#include <stdio.h>
#include <time.h>

#include "replica.h"

int
trim_main(struct replica *r)
{
	const struct reg_config *cfg = r->cfg;
	int64_t age = r->age >= 0 ? r->age : cfg->database.changelog_keep;
	int64_t size = r->size >= 0 ? r->size : cfg->replication.keep_size;
	int64_t deleted = 0;
	struct store *st;
	int rc;

	if ((st = store_open(cfg->database.master, STORE_NOLOG, &r->err)) == NULL) {
		fprintf(stderr, "replica trim: %s\n", reg_err_text(&r->err));
		return EXIT_FAIL;
	}
	if ((rc = store_begin(st)) != REG_OK)
		reg_fail(&r->err, rc, "%s: cannot start a transaction", cfg->database.master);
	else if ((rc = store_changelog_trim(st, (int64_t)time(NULL) - age, size,
	    &deleted, &r->err)) != REG_OK)
		store_rollback(st);
	else
		rc = store_commit(st, &r->err);
	if (rc == REG_OK)
		printf("trimmed %lld changesets; the log holds %lld to %lld\n",
		    (long long)deleted, (long long)store_changelog_first(st),
		    (long long)store_changelog_last(st));
	else
		fprintf(stderr, "replica trim: %s\n", reg_err_text(&r->err));
	store_close(st);
	return rc == REG_OK ? EXIT_OK : EXIT_FAIL;
}
