/* test_config.c: the configuration reader: values, defaults, paths, zones
 * and one test per kind of error, each named as file:line: problem. */
#include "testutil.h"

#include <limits.h>
#include <sys/stat.h>

#include "config.h"
#include "util.h"

#define DAY (24 * 3600)

/* Every section, in the styles an operator writes: comments, blank
 * lines, indentation, inline comments, mixed case. */
static const char good_conf[] =
    "# registry.conf for the tests\n"
    "[registry]\n"
    "tld = Nu\n"
    "zones = co.nu, ORG.nu. ,ac.nu\n"
    "roid_suffix = NU_1\n"
    "name = The .nu registry ; inline comment\n"
    "idn_table = idn/nu.txt\n"
    "currency = SEK\n"
    "contact_transfer = YES\n"
    "adjustable_clock = true\n"
    "whois_server = whois.nic.nu\n"
    "url = https://www.nic.nu/\n"
    "\n"
    "[database]\n"
    "  master = db/master.db\n"
    "\treplica = /var/lib/registry/replica.db\n"
    "changelog_keep = 30d\n"
    "\n"
    "; periods in years and durations\n"
    "[periods]\n"
    "min_years = 1\n"
    "max_years = 5\n"
    "default_years = 2\n"
    "add_grace = 12h\n"
    "renew_grace = 5m\n"
    "transfer_grace = 90s\n"
    "autorenew_grace = 3600\n"
    "redemption = 30d\n"
    "pending_delete = 0\n"
    "transfer_pending = 5d\n"
    "[prices]\n"
    "create = 12000\n"
    "renew = 11000\n"
    "transfer = 0\n"
    "restore = 2147483647\n"
    "[epp]\n"
    "listen = 192.0.2.1:700, [2001:db8::1]:700\n"
    "cert = tls/epp.crt\n"
    "key = tls/epp.key\n"
    "ca = /etc/registry/ca.pem\n"
    "max_frame = 1024\n"
    "login_timeout = 1m\n"
    "idle_timeout = 1h\n"
    "max_login_failures = 5\n"
    "max_conn_per_addr = 4\n"
    "max_sessions_per_registrar = 8\n"
    "max_connections = 100\n"
    "rate_limit = 50\n"
    "[whois]\n"
    "listen = 0.0.0.0:43\n"
    "max_connections = 200\n"
    "rate_limit = 10\n"
    "rate_burst = 30\n"
    "read_timeout = 10s\n"
    "disclose = 1\n"
    "[rdap]\n"
    "listen = 0.0.0.0:80\n"
    "base_url = https://rdap.nic.nu/\n"
    "max_results = 50\n"
    "rate_limit = 25\n"
    "rate_burst = 100\n"
    "threads = 4\n"
    "[replication]\n"
    "listen = 192.0.2.1:7701\n"
    "feed = registry.nic.nu:7701\n"
    "cert = tls/repl.crt\n"
    "key = tls/repl.key\n"
    "ca = tls/ca.pem\n"
    "allow = 198.51.100.0/24, 2001:db8:1::/48\n"
    "[zone]\n"
    "apex_ns = a.ns.nu. b.ns.nu.\n"
    "apex_records = apex.zone\n"
    "soa_mname = a.ns.nu.\n"
    "soa_rname = hostmaster.nic.nu.\n"
    "soa_refresh = 2h\n"
    "soa_retry = 30m\n"
    "soa_expire = 28d\n"
    "soa_minimum = 900\n"
    "ttl = 1d\n"
    "serial = date\n"
    "publish_redemption = False\n"
    "post_command = /usr/sbin/nsd-control reload nu\n"
    "keydir = keys\n"
    "sig_validity = 21d\n"
    "sig_refresh = 7d\n"
    "sig_jitter = 6h\n"
    "sig_inception = 2h\n"
    "[escrow]\n"
    "target = /srv/escrow\n"
    "agent_key = escrow/agent.asc\n"
    "signing_key = escrow/registry.asc\n"
    "gpg_home = escrow/gnupg\n"
    "retention = 90\n";

struct fixture {
	char *dir;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = tmpdir_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Writes text as dir/registry.conf and loads it; the path in *path. */
static struct reg_config *
load(const char *dir, const char *text, char **path, struct reg_err *err)
{
	*path = write_file(dir, "registry.conf", text);
	return config_load(*path, err);
}

static struct reg_config *
load_ok(const char *dir, const char *text)
{
	struct reg_err err = { 0 };
	struct reg_config *cfg;
	char *path;

	if ((cfg = load(dir, text, &path, &err)) == NULL)
		fail_msg("refused: %s", reg_err_text(&err));
	free(path);
	return cfg;
}

/* dir + "/" + rel, for comparing resolved paths. */
static void
assert_path(const char *got, const char *dir, const char *rel)
{
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/%s", dir, rel);
	assert_string_equal(got, want);
}

static void
test_good_registry(void **state)
{
	struct fixture *f = *state;
	struct reg_config *cfg = load_ok(f->dir, good_conf);

	assert_string_equal(cfg->registry.tld, "nu");
	assert_string_equal(cfg->registry.roid_suffix, "NU_1");
	assert_string_equal(cfg->registry.name, "The .nu registry");
	assert_path(cfg->registry.idn_table, f->dir, "idn/nu.txt");
	assert_string_equal(cfg->registry.currency, "SEK");
	assert_true(cfg->registry.contact_transfer);
	assert_true(cfg->registry.adjustable_clock);
	assert_string_equal(cfg->registry.whois_server, "whois.nic.nu");
	assert_string_equal(cfg->registry.url, "https://www.nic.nu/");
	/* The TLD first, then registry.zones, lower case, no final dot. */
	assert_int_equal(cfg->nzones, 4);
	assert_string_equal(cfg->zones[0], "nu");
	assert_string_equal(cfg->zones[1], "co.nu");
	assert_string_equal(cfg->zones[2], "org.nu");
	assert_string_equal(cfg->zones[3], "ac.nu");
	config_free(cfg);
}

static void
test_good_numbers(void **state)
{
	struct fixture *f = *state;
	struct reg_config *cfg = load_ok(f->dir, good_conf);

	assert_int_equal(cfg->database.changelog_keep, 30 * DAY);
	assert_int_equal(cfg->periods.max_years, 5);
	assert_int_equal(cfg->periods.default_years, 2);
	assert_int_equal(cfg->periods.add_grace, 12 * 3600);
	assert_int_equal(cfg->periods.renew_grace, 5 * 60);
	assert_int_equal(cfg->periods.transfer_grace, 90);
	assert_int_equal(cfg->periods.autorenew_grace, 3600);
	assert_int_equal(cfg->periods.pending_delete, 0);
	assert_int_equal(cfg->prices.create, 12000);
	assert_int_equal(cfg->prices.restore, INT32_MAX);
	assert_int_equal(cfg->epp.max_frame, 1024);
	assert_int_equal(cfg->epp.login_timeout, 60);
	assert_int_equal(cfg->epp.idle_timeout, 3600);
	assert_int_equal(cfg->epp.rate_limit, 50);
	assert_int_equal(cfg->whois.read_timeout, 10);
	assert_true(cfg->whois.disclose);
	assert_int_equal(cfg->rdap.threads, 4);
	assert_int_equal(cfg->zone.ttl, DAY);
	assert_int_equal(cfg->zone.soa_retry, 30 * 60);
	assert_false(cfg->zone.publish_redemption);
	assert_int_equal(cfg->zone.sig_jitter, 6 * 3600);
	assert_int_equal(cfg->escrow.retention, 90);
	config_free(cfg);
}

static void
test_good_strings_and_paths(void **state)
{
	struct fixture *f = *state;
	struct reg_config *cfg = load_ok(f->dir, good_conf);

	/* Indented keys are ordinary keys, not continuation lines. */
	assert_path(cfg->database.master, f->dir, "db/master.db");
	assert_string_equal(cfg->database.replica, "/var/lib/registry/replica.db");
	assert_string_equal(cfg->epp.listen, "192.0.2.1:700, [2001:db8::1]:700");
	assert_path(cfg->epp.cert, f->dir, "tls/epp.crt");
	assert_string_equal(cfg->epp.ca, "/etc/registry/ca.pem");
	assert_string_equal(cfg->replication.allow, "198.51.100.0/24, 2001:db8:1::/48");
	assert_path(cfg->replication.ca, f->dir, "tls/ca.pem");
	assert_string_equal(cfg->zone.apex_ns, "a.ns.nu. b.ns.nu.");
	assert_path(cfg->zone.apex_records, f->dir, "apex.zone");
	assert_string_equal(cfg->zone.serial, "date");
	assert_string_equal(cfg->zone.post_command, "/usr/sbin/nsd-control reload nu");
	assert_path(cfg->zone.keydir, f->dir, "keys");
	assert_string_equal(cfg->escrow.target, "/srv/escrow");
	assert_path(cfg->escrow.gpg_home, f->dir, "escrow/gnupg");
	config_free(cfg);
}

static void
test_defaults(void **state)
{
	struct fixture *f = *state;
	struct reg_config *cfg = load_ok(f->dir, "[registry]\ntld = se\n");

	assert_string_equal(cfg->registry.roid_suffix, "SE");
	assert_string_equal(cfg->registry.name, "Registry");
	assert_string_equal(cfg->registry.currency, "EUR");
	assert_string_equal(cfg->registry.idn_table, "");
	assert_false(cfg->registry.contact_transfer);
	assert_int_equal(cfg->nzones, 1);
	assert_string_equal(cfg->zones[0], "se");
	assert_string_equal(cfg->database.master, "/var/lib/registry/master.db");
	assert_int_equal(cfg->database.changelog_keep, 7 * DAY);
	assert_int_equal(cfg->periods.min_years, 1);
	assert_int_equal(cfg->periods.max_years, 10);
	assert_int_equal(cfg->periods.add_grace, 5 * DAY);
	assert_int_equal(cfg->periods.autorenew_grace, 45 * DAY);
	assert_int_equal(cfg->periods.redemption, 30 * DAY);
	assert_int_equal(cfg->prices.create, 0);
	assert_string_equal(cfg->epp.listen, "127.0.0.1:700");
	assert_string_equal(cfg->epp.cert, "");
	assert_int_equal(cfg->epp.max_frame, 65536);
	assert_int_equal(cfg->epp.login_timeout, 10);
	assert_int_equal(cfg->whois.rate_burst, 60);
	assert_false(cfg->whois.disclose);
	assert_string_equal(cfg->rdap.base_url, "http://127.0.0.1:8080/");
	assert_string_equal(cfg->replication.allow, "127.0.0.1/32,::1/128");
	assert_string_equal(cfg->zone.serial, "unixtime");
	assert_int_equal(cfg->zone.soa_expire, 14 * DAY);
	assert_int_equal(cfg->zone.sig_inception, 3600);
	assert_int_equal(cfg->escrow.retention, 30);
	config_free(cfg);
}

/* A file named by a relative path still yields absolute paths, so that a
 * daemon that changes directory later finds its files. */
static void
test_relative_config_path(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	struct reg_config *cfg;
	char cwd[PATH_MAX], *sub, *path;

	assert_true(asprintf(&sub, "%s/etc", f->dir) > 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	path = write_file(sub, "registry.conf",
	    "[registry]\ntld = nu\n[database]\nmaster = ../db/master.db\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	cfg = config_load("etc/registry.conf", &err);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, "etc/registry.conf");
	assert_path(cfg->database.master, sub, "../db/master.db");
	config_free(cfg);
	free(path);
	free(sub);
}

static void
test_booleans(void **state)
{
	static const char *const yes[] = { "yes", "YES", "true", "True", "1" };
	static const char *const no[] = { "no", "No", "false", "FALSE", "0" };
	struct fixture *f = *state;
	struct reg_config *cfg;
	char text[128];

	for (size_t i = 0; i < nitems(yes); i++) {
		snprintf(text, sizeof(text), "[registry]\ntld = nu\n"
		    "contact_transfer = %s\n[whois]\ndisclose = %s\n", yes[i], no[i]);
		cfg = load_ok(f->dir, text);
		assert_true(cfg->registry.contact_transfer);
		assert_false(cfg->whois.disclose);
		config_free(cfg);
	}
}

static void
test_dump_round_trip(void **state)
{
	struct fixture *f = *state;
	struct reg_config *cfg = load_ok(f->dir, good_conf), *again;
	char *path, *text;
	size_t len;
	FILE *out;

	assert_non_null(out = open_memstream(&text, &len));
	config_dump(cfg, out);
	fclose(out);
	assert_non_null(strstr(text, "[periods]\nmin_years = 1\n"));
	assert_non_null(strstr(text, "add_grace = 43200\n"));
	assert_non_null(strstr(text, "disclose = yes\n"));
	again = load(f->dir, text, &path, &(struct reg_err){ 0 });
	assert_non_null(again);
	assert_int_equal(again->nzones, cfg->nzones);
	assert_int_equal(again->periods.add_grace, cfg->periods.add_grace);
	assert_string_equal(again->database.master, cfg->database.master);
	config_free(again);
	config_free(cfg);
	free(path);
	free(text);
}

/* --- errors, one test each -------------------------------------------- */

struct bad {
	const char *name;
	const char *text;
	int line;		/* 0: the reason names the file only */
	const char *reason;	/* a substring of what follows "file:line: " */
};

#define REG "[registry]\ntld = nu\n"	/* two lines */

static const struct bad bad_cases[] = {
	{ "unknown_section", REG "\n[eppd]\nlisten = x\n", 5, "unknown section [eppd]" },
	{ "unknown_key", REG "[epp]\nlsten = 127.0.0.1:700\n", 4,
	    "unknown key 'lsten' in [epp]" },
	{ "key_outside_section", "tld = nu\n" REG, 1, "'tld' is outside any [section]" },
	{ "bad_number", REG "[epp]\nmax_frame = 64k\n", 4,
	    "epp.max_frame must be a whole number, not '64k'" },
	{ "number_too_big", REG "[prices]\ncreate = 99999999999999999999\n", 4,
	    "prices.create must be a whole number" },
	{ "empty_number", REG "[rdap]\nthreads =\n", 4, "rdap.threads must be a whole number" },
	{ "out_of_range", REG "[epp]\nmax_frame = 100\n", 4,
	    "epp.max_frame = 100 is out of range (1024 to 16777216)" },
	{ "negative", REG "[prices]\nrenew = -5\n", 4, "prices.renew = -5 is out of range" },
	{ "duration_out_of_range", REG "[epp]\nlogin_timeout = 2h\n", 4,
	    "epp.login_timeout = 2h is out of range (1 to 3600 seconds)" },
	{ "bad_duration", REG "[periods]\nredemption = 30x\n", 4,
	    "periods.redemption must be a duration like 30d" },
	{ "fractional_duration", REG "[periods]\nadd_grace = 1.5d\n", 4,
	    "periods.add_grace must be a duration" },
	{ "bad_boolean", REG "[whois]\ndisclose = maybe\n", 4,
	    "whois.disclose must be yes or no, not 'maybe'" },
	{ "set_twice", REG "name = A\n\nname = B\n", 5,
	    "registry.name is set twice (first on line 3)" },
	{ "set_twice_across_sections", REG "[epp]\nrate_limit = 1\n[registry]\ntld = se\n", 6,
	    "registry.tld is set twice (first on line 2)" },
	{ "not_key_value", REG "just some words\n", 3, "syntax error" },
	{ "unclosed_section", "[registry\ntld = nu\n", 1, "syntax error" },
	/* The first error wins, even when a later line has a problem of the
	 * kind found while reading keys. */
	{ "syntax_then_key_error", REG "oops\n[epp]\nlsten = x\n", 3, "syntax error" },
	{ "key_then_syntax_error", REG "[epp]\nlsten = x\noops\n", 4, "unknown key 'lsten'" },
	{ "missing_tld", "[epp]\nrate_limit = 5\n", 0, "[registry] tld is required" },
	{ "empty_file", "", 0, "[registry] tld is required" },
	{ "bad_tld", "[registry]\n\ntld = n.u\n", 3, "registry.tld 'n.u' is not a single LDH label" },
	{ "bad_roid_suffix", REG "roid_suffix = TOO-LONG\n", 3,
	    "registry.roid_suffix 'TOO-LONG' must be 1 to 8 letters, digits or _" },
	{ "roid_suffix_from_tld", "[registry]\ntld = xn--p1ai\n", 2,
	    "registry.roid_suffix 'XN--P1AI' must be 1 to 8" },
	{ "zone_not_under_tld", REG "zones = co.nu example.com\n", 3,
	    "registry.zones: 'example.com' is not a label under .nu" },
	{ "zone_two_labels_down", REG "zones = a.co.nu\n", 3, "'a.co.nu' is not a label under .nu" },
	{ "zone_empty_label", REG "zones = co.nu, .nu\n", 3, "'.nu' is not a label under .nu" },
	{ "zone_is_tld", REG "zones = nu\n", 3, "'nu' is not a label under .nu" },
	{ "zone_bad_label", REG "zones = -co.nu\n", 3, "'-co.nu' is not a label under .nu" },
	{ "too_many_zones", REG "zones = a.nu b.nu c.nu d.nu e.nu f.nu g.nu h.nu "
	    "i.nu j.nu k.nu l.nu m.nu n.nu o.nu p.nu\n", 3, "more than 15 zones" },
	{ "years_out_of_order", REG "[periods]\nmin_years = 2\n", 4,
	    "need min_years <= default_years <= max_years" },
	{ "bad_serial", REG "[zone]\nserial = weekly\n", 4, "zone.serial must be unixtime or date" },
	{ "line_too_long", REG "[zone]\npost_command = /bin/true"
	    " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx = y\n"
	    "[epp]\nlsten = x\n", 4, "line is longer than" },
};

static void
test_error(void **state)
{
	const struct bad *c = *state;
	struct reg_err err = { 0 };
	struct reg_config *cfg;
	char *dir = tmpdir_new(), *path, *prefix;

	cfg = load(dir, c->text, &path, &err);
	if (cfg != NULL)
		fail_msg("%s: accepted", c->name);
	if (c->line > 0)
		assert_true(asprintf(&prefix, "%s:%d: ", path, c->line) > 0);
	else
		assert_true(asprintf(&prefix, "%s: ", path) > 0);
	assert_int_equal(err.code, REG_ECONFIG);
	if (strncmp(err.reason, prefix, strlen(prefix)) != 0 ||
	    strstr(err.reason + strlen(prefix), c->reason) == NULL)
		fail_msg("%s: got \"%s\", want \"%s...%s\"", c->name, err.reason,
		    prefix, c->reason);
	free(prefix);
	free(path);
	tmpdir_remove(dir);
}

static void
test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };
	char *path;

	assert_true(asprintf(&path, "%s/absent.conf", f->dir) > 0);
	assert_null(config_load(path, &err));
	assert_int_equal(err.code, REG_ECONFIG);
	assert_non_null(strstr(err.reason, path));
	assert_non_null(strstr(err.reason, "No such file or directory"));
	free(path);
}

static void
test_directory_as_file(void **state)
{
	struct fixture *f = *state;
	struct reg_err err = { 0 };

	assert_null(config_load(f->dir, &err));
	assert_int_equal(err.code, REG_ECONFIG);
	assert_non_null(strstr(err.reason, f->dir));
	assert_non_null(strstr(err.reason, "Is a directory"));
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup_teardown(test_good_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_strings_and_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_config_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_booleans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_as_file, setup, teardown),
	};
	struct CMUnitTest tests[nitems(fixed) + nitems(bad_cases)];
	size_t n = 0;

	for (size_t i = 0; i < nitems(fixed); i++)
		tests[n++] = fixed[i];
	for (size_t i = 0; i < nitems(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = bad_cases[i].name,
		    .test_func = test_error, .initial_state = (void *)&bad_cases[i] };
	return _cmocka_run_group_tests("test_config", tests, n, NULL, NULL);
}
