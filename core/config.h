/*
 * config.h: the one configuration file every program reads (INI style).
 *
 * Every key is a row in the schema table in config.c (section, key, type,
 * default, range), so adding a key is one line there and one field here.
 * Relative paths are taken relative to the configuration file's folder.
 * Errors name the file, the line and the problem.
 */
#ifndef REG_CONFIG_H
#define REG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define REG_MAX_ZONES 16

struct reg_config {
	char *path;			/* the file this came from */
	/* The zones this registry serves: the TLD first, then registry.zones. */
	char *zones[REG_MAX_ZONES];
	int nzones;

	struct {
		char *tld;		/* "nu", lower case, no dots */
		char *zones;		/* extra second-level zones: "co.nu org.nu" */
		char *roid_suffix;	/* "NU": ROIDs are D123-NU */
		char *name;		/* "The .nu registry" */
		char *idn_table;	/* path of the allowed code point table */
		char *currency;		/* ISO 4217 code for the price table */
		bool contact_transfer;	/* policy: may contacts be transferred */
		bool adjustable_clock;	/* tests only: clock offset in the db */
		char *whois_server;	/* "whois.nic.nu", for port43 fields */
		char *url;		/* registry web address */
	} registry;

	struct {
		char *master;		/* registry host: the writable database */
		char *replica;		/* public host: the read-only copy */
		int64_t changelog_keep;	/* seconds of changesets kept for replicas */
	} database;

	struct {
		int64_t min_years, max_years, default_years;
		int64_t add_grace, renew_grace, transfer_grace, autorenew_grace;
		int64_t redemption, pending_delete, transfer_pending;
	} periods;

	struct {
		int64_t create, renew, transfer, restore;	/* minor units per year */
	} prices;

	struct {
		char *listen;		/* "127.0.0.1:700" or "[::1]:700", comma separated */
		char *cert, *key, *ca;	/* server certificate, key, client CA */
		int64_t max_frame;
		int64_t login_timeout, idle_timeout;
		int64_t max_login_failures;
		int64_t max_conn_per_addr, max_sessions_per_registrar, max_connections;
		int64_t rate_limit;	/* commands per second per registrar */
		char *schema_dir;	/* folder of epp.xsd; "" finds data/xsd */
		int64_t housekeeping;	/* seconds between lifecycle runs */
		int64_t acl_refresh;	/* seconds between allow-list reloads */
	} epp;

	struct {
		char *listen;		/* "127.0.0.1:43" or "[::1]:43", comma separated */
		int64_t max_connections, rate_limit, rate_burst;
		int64_t read_timeout;
		bool disclose;		/* show personal data regardless of flags */
		int64_t threads;	/* workers; 0: one per CPU */
		int64_t prefix_rate_limit, prefix_rate_burst;	/* per /24 or /56 */
		int64_t log_rate;	/* query log lines per second, then summaries */
		char *terms;		/* terms-of-use text file; "": built in */
	} whois;

	struct {
		char *listen;
		char *base_url;		/* "https://rdap.nic.nu/" */
		int64_t max_results, rate_limit, rate_burst, threads;
		bool redact;		/* RFC 9537: hide what contacts do not disclose */
		char *terms_url;	/* terms of service; "": <base_url>help */
		char *inaccuracy_url;	/* where to report bad data; "": registry.url */
		int64_t max_age;	/* Cache-Control max-age of answers, seconds */
		int64_t max_connections;
		char *proxies;		/* reverse proxies whose X-Real-IP is believed */
	} rdap;

	struct {
		char *listen;		/* replication feed (registry host) */
		char *feed;		/* where the replica agent connects */
		char *cert, *key, *ca;
		char *allow;		/* replica source prefixes, comma separated */
		int64_t heartbeat;	/* feed: seconds between heartbeats */
		int64_t timeout;	/* either side: silence that ends a link */
		int64_t status_interval;	/* agent: seconds between lag lines */
		int64_t snapshot_after;	/* feed: re-seed replicas this far behind (0: never) */
		int64_t keep_size;	/* trim: changelog bytes kept (0: no cap) */
		int64_t max_replicas;	/* feed: concurrent replica links */
	} replication;

	struct {
		char *apex_ns;		/* "a.ns.nu. b.ns.nu." */
		char *apex_records;	/* path to extra apex records, optional */
		char *soa_mname, *soa_rname;
		int64_t soa_refresh, soa_retry, soa_expire, soa_minimum, ttl;
		char *serial;		/* "unixtime" or "date" */
		bool publish_redemption;
		char *post_command;
		char *keydir;
		int64_t sig_validity, sig_refresh, sig_jitter, sig_inception;
		char *denial;		/* "nsec" or "nsec3" */
		bool nsec3_optout;
		int64_t sign_threads;	/* 0: every core */
		char *verify;		/* "fast" or "full" (zonegen.h) */
		char *sign_post_command;	/* after each signed zone */
		int64_t switch_delay;	/* NSEC/NSEC3 switch: propagation margin */
	} zone;

	struct {
		char *target;		/* directory or transfer command */
		char *agent_key;	/* escrow agent's OpenPGP public key */
		char *signing_key;	/* registry's OpenPGP secret key */
		char *gpg_home;
		int64_t retention;
		char *check_command;	/* prints the SHA-256 of what arrived */
		char *prune_command;	/* removes a deposit (%n) at the target */
		char *schema_dir;	/* folder of rde.xsd; "" finds data/xsd */
		int64_t compress_level;	/* gpg's zlib level, 0 (none) to 9 */
	} escrow;
};

/* Reads path into a new configuration; NULL with err set on failure
 * ("registry.conf:12: unknown key 'lsten' in [epp]"). */
struct reg_config *config_load(const char *path, struct reg_err *err);
void config_free(struct reg_config *);


/* Writes every key with its value, for `-n` style checks and docs. */
void config_dump(const struct reg_config *, FILE *out);

#endif
