/* test_name.c: LDH and IDN syntax, the IDN table, zones, hosts, lookups. */
#include "testutil.h"

#include "name.h"

#define TEST_TABLE "data/idn/test.txt"	/* tests run from the repository root */

/* Read-only for every test: .test with the second-level zone co.test. */
struct fixture {
	struct name_policy *pol;	/* with the test.txt table */
	struct name_policy *ascii;	/* no IDN table */
};

static int
group_setup(void **state)
{
	static const char *const zones[] = { "test", "co.test" };
	struct fixture *f = calloc(1, sizeof(*f));
	struct reg_err err = { 0 };

	f->pol = name_policy_new_zones(zones, 2, TEST_TABLE, &err);
	if (f->pol == NULL)
		fprintf(stderr, "%s\n", err.reason);
	f->ascii = name_policy_new_zones(zones, 2, "", &err);
	*state = f;
	return f->pol && f->ascii ? 0 : -1;
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;

	name_policy_free(f->pol);
	name_policy_free(f->ascii);
	free(f);
	return 0;
}

static void
domain_ok(const struct name_policy *pol, const char *in, const char *alabel,
    const char *ulabel, const char *zone)
{
	struct name_parts p;
	struct reg_err err = { 0 };
	int rc = name_domain_check(pol, in, &p, &err);

	if (rc != REG_OK)
		fail_msg("%s: %s", in, err.reason);
	assert_string_equal(p.alabel, alabel);
	assert_string_equal(p.ulabel, ulabel);
	assert_string_equal(p.zone, zone);
	assert_int_equal(p.idn, strcmp(alabel, ulabel) != 0);
}

/* The call fails with code and a reason that contains part. */
static void
domain_fails(const struct name_policy *pol, const char *in, int code, const char *part)
{
	struct name_parts p;
	struct reg_err err = { 0 };
	int rc = name_domain_check(pol, in, &p, &err);

	if (rc != code || strstr(err.reason, part) == NULL)
		fail_msg("'%s': got %d '%s', want %d '%s'", in, rc, err.reason, code, part);
}

/* n copies of c followed by tail, in a static buffer. */
static const char *
repeat(char c, int n, const char *tail)
{
	static char buf[1024];

	memset(buf, c, (size_t)n);
	strcpy(buf + n, tail);
	return buf;
}

static void
test_ldh_names(void **state)
{
	struct fixture *f = *state;

	domain_ok(f->pol, "example.test", "example.test", "example.test", "test");
	domain_ok(f->pol, "EXAMPLE.Test.", "example.test", "example.test", "test");
	domain_ok(f->pol, "a-b.test", "a-b.test", "a-b.test", "test");
	domain_ok(f->pol, "a--b.test", "a--b.test", "a--b.test", "test");
	domain_ok(f->pol, "123.test", "123.test", "123.test", "test");
	domain_ok(f->pol, "x.test", "x.test", "x.test", "test");
	domain_fails(f->pol, "-ab.test", REG_ESYNTAX, "hyphen");
	domain_fails(f->pol, "ab-.test", REG_ESYNTAX, "hyphen");
	domain_fails(f->pol, "a_b.test", REG_ESYNTAX, "'_' is not a letter");
	domain_fails(f->pol, "a b.test", REG_ESYNTAX, "' ' is not a letter");
	domain_fails(f->pol, "a\tb.test", REG_ESYNTAX, "control character");
	domain_fails(f->pol, "a..test", REG_ESYNTAX, "empty label");
	domain_fails(f->pol, ".test", REG_ESYNTAX, "empty label");
	domain_fails(f->pol, "example.test..", REG_ESYNTAX, "empty label");
	domain_fails(f->pol, "", REG_ESYNTAX, "empty name");
	domain_fails(f->pol, ".", REG_ESYNTAX, "empty name");
	domain_fails(f->pol, "ab--cd.test", REG_ESYNTAX, "positions 3 and 4");
	domain_fails(f->pol, "xy--cd.test", REG_ESYNTAX, "positions 3 and 4");
}

static void
test_label_length(void **state)
{
	struct fixture *f = *state;
	struct name_parts p;
	struct reg_err err = { 0 };
	char want[1024];

	snprintf(want, sizeof(want), "%s", repeat('a', 63, ".test"));
	domain_ok(f->pol, repeat('A', 63, ".test"), want, want, "test");
	domain_fails(f->pol, repeat('a', 64, ".test"), REG_ESYNTAX, "longer than 63");
	domain_fails(f->pol, repeat('a', 300, ".test"), REG_ESYNTAX, "longer than 63");
	/* 55 letters and an ä make a 63-octet A-label; one more is too long. */
	assert_int_equal(name_domain_check(f->pol, repeat('a', 55, "\xc3\xa4.test"), &p, &err), REG_OK);
	assert_int_equal(strlen(p.alabel), 63 + strlen(".test"));
	domain_fails(f->pol, repeat('a', 56, "\xc3\xa4.test"), REG_ESYNTAX, "not a valid U-label");
}

/* A host name of exactly len octets under .test, made of long labels. */
static const char *
host_of_length(int len)
{
	static char buf[512];
	const char *label = repeat('h', 63, "");
	int rest = len - (int)strlen(".test");

	buf[0] = '\0';
	while (rest > 64) {
		strcat(buf, label);
		strcat(buf, ".");
		rest -= 64;
	}
	strcat(buf, repeat('l', rest, ".test"));
	assert_int_equal(strlen(buf), len);
	return buf;
}

static void
test_name_length(void **state)
{
	struct fixture *f = *state;
	struct name_parts p;
	struct reg_err err = { 0 };
	char alabel[NAME_TEXT_MAX + 1];
	bool in_zone;

	assert_int_equal(name_host_check(f->pol, host_of_length(253), &p, &in_zone, &err), REG_OK);
	assert_int_equal(strlen(p.alabel), 253);
	assert_true(in_zone);
	assert_int_equal(name_host_check(f->pol, host_of_length(254), &p, &in_zone, &err), REG_ESYNTAX);
	assert_non_null(strstr(err.reason, "longer than 253"));
	assert_int_equal(name_lookup_normalize(host_of_length(253), alabel, sizeof(alabel), &err), REG_OK);
	assert_int_equal(name_lookup_normalize(host_of_length(254), alabel, sizeof(alabel), &err),
	    REG_ESYNTAX);
}

static void
test_alabels(void **state)
{
	struct fixture *f = *state;

	domain_ok(f->pol, "xn--rksmrgs-5wao1o.test", "xn--rksmrgs-5wao1o.test",
	    "räksmörgås.test", "test");
	domain_ok(f->pol, "XN--RKSMRGS-5WAO1O.TEST.", "xn--rksmrgs-5wao1o.test",
	    "räksmörgås.test", "test");
	/* Not Punycode, Punycode of ASCII only, empty, an upper-case Ä,
	 * a hyphen after the prefix. */
	domain_fails(f->pol, "xn--zzzz.test", REG_ESYNTAX, "not a valid A-label");
	domain_fails(f->pol, "xn--abc-.test", REG_ESYNTAX, "ends with a hyphen");
	domain_fails(f->pol, "xn--.test", REG_ESYNTAX, "ends with a hyphen");
	domain_fails(f->pol, "xn--b-5da.test", REG_ESYNTAX, "not a valid A-label");
	domain_fails(f->pol, "xn---abc.test", REG_ESYNTAX, "not a valid A-label");
	/* A valid A-label of a letter outside the table. */
	domain_fails(f->pol, "xn--ing-ooa.test", REG_EIDN, "U+00FE not allowed");
}

static void
test_ulabels_in_table(void **state)
{
	struct fixture *f = *state;
	const char *want = "xn--rksmrgs-5wao1o.test";

	domain_ok(f->pol, "räksmörgås.test", want, "räksmörgås.test", "test");
	domain_ok(f->pol, "RÄKSMÖRGÅS.TEST.", want, "räksmörgås.test", "test");
	domain_ok(f->pol, "RäKsMöRgÅs.test", want, "räksmörgås.test", "test");
	/* Decomposed (a + U+0308 ...) input comes out in NFC. */
	domain_ok(f->pol, "ra\xcc\x88ksmo\xcc\x88rga\xcc\x8as.test", want, "räksmörgås.test", "test");
	domain_ok(f->pol, "čáđŋšŧž.co.test", "xn--1ca1gn6u0dob3l.co.test", "čáđŋšŧž.co.test",
	    "co.test");
	domain_ok(f->pol, "straße.test", "xn--strae-oqa.test", "straße.test", "test");
}

static void
test_ulabels_refused(void **state)
{
	struct fixture *f = *state;

	domain_fails(f->pol, "þing.test", REG_EIDN, "U+00FE not allowed in label 'þing'");
	domain_fails(f->pol, "ÞING.test", REG_EIDN, "U+00FE not allowed");
	domain_fails(f->pol, "αβγ.test", REG_EIDN, "U+03B1 not allowed");
	domain_fails(f->pol, "пример.test", REG_EIDN, "U+043F not allowed");
	domain_fails(f->pol, "smörgåsþ.co.test", REG_EIDN, "U+00FE not allowed");
	/* IDNA2008 itself refuses these (RFC 5891 4.2, RFC 5892). */
	domain_fails(f->pol, "a\xe2\x98\xba.test", REG_ESYNTAX, "not a valid U-label");
	domain_fails(f->pol, "\xef\xbd\x85x.test", REG_ESYNTAX, "not a valid U-label");
	domain_fails(f->pol, "\xcc\x81" "a.test", REG_ESYNTAX, "not a valid U-label");
	domain_fails(f->pol, "ab--\xc3\xa4.test", REG_ESYNTAX, "not a valid U-label");
	domain_fails(f->pol, "-\xc3\xa4.test", REG_ESYNTAX, "not a valid U-label");
	domain_fails(f->pol, "\xe2\x84\xaa.test", REG_ESYNTAX, "not a valid U-label");
	domain_fails(f->pol, "\xff\xfe.test", REG_ESYNTAX, "not valid UTF-8");
	domain_fails(f->pol, "\xc3.test", REG_ESYNTAX, "not valid UTF-8");
	domain_fails(f->pol, "\xed\xa0\x80.test", REG_ESYNTAX, "not valid UTF-8");
}

static void
test_no_idn_table(void **state)
{
	struct fixture *f = *state;

	domain_ok(f->ascii, "example.test", "example.test", "example.test", "test");
	domain_fails(f->ascii, "räksmörgås.test", REG_EIDN, "IDN labels are not allowed in .test");
	domain_fails(f->ascii, "xn--rksmrgs-5wao1o.co.test", REG_EIDN, "not allowed in .co.test");
}

static void
test_zones(void **state)
{
	struct fixture *f = *state;

	domain_ok(f->pol, "example.co.test", "example.co.test", "example.co.test", "co.test");
	domain_ok(f->pol, "xco.test", "xco.test", "xco.test", "test");
	domain_fails(f->pol, "example.com", REG_EZONE, "not in a zone");
	domain_fails(f->pol, "test.example", REG_EZONE, "not in a zone");
	domain_fails(f->pol, "examplet.est", REG_EZONE, "not in a zone");
	domain_fails(f->pol, "a.b.test", REG_EZONE, "not directly under .test");
	domain_fails(f->pol, "a.example.co.test", REG_EZONE, "not directly under .co.test");
	domain_fails(f->pol, "co.test", REG_EZONE, "is a zone");
	domain_fails(f->pol, "CO.TEST.", REG_EZONE, "is a zone");
	domain_fails(f->pol, "test", REG_EZONE, "is a zone");
}

static void
host_in(const struct name_policy *pol, const char *in, const char *alabel,
    const char *zone, const char *superordinate)
{
	struct name_parts p;
	struct reg_err err = { 0 };
	char domain[NAME_TEXT_MAX + 1];
	bool in_zone = false;

	if (name_host_check(pol, in, &p, &in_zone, &err) != REG_OK)
		fail_msg("%s: %s", in, err.reason);
	assert_true(in_zone);
	assert_string_equal(p.alabel, alabel);
	assert_string_equal(p.zone, zone);
	assert_int_equal(name_superordinate(pol, p.alabel, domain, sizeof(domain)), REG_OK);
	assert_string_equal(domain, superordinate);
}

static void
test_hosts_in_zone(void **state)
{
	struct fixture *f = *state;

	host_in(f->pol, "ns1.example.test", "ns1.example.test", "test", "example.test");
	host_in(f->pol, "NS1.Example.Test.", "ns1.example.test", "test", "example.test");
	host_in(f->pol, "example.test", "example.test", "test", "example.test");
	host_in(f->pol, "a.b.c.example.test", "a.b.c.example.test", "test", "example.test");
	host_in(f->pol, "ns.x.co.test", "ns.x.co.test", "co.test", "x.co.test");
	host_in(f->pol, "ns.räksmörgås.test", "ns.xn--rksmrgs-5wao1o.test", "test",
	    "xn--rksmrgs-5wao1o.test");
}

static void
test_hosts_refused_or_foreign(void **state)
{
	struct fixture *f = *state;
	struct name_parts p;
	struct reg_err err = { 0 };
	char domain[NAME_TEXT_MAX + 1];
	bool in_zone = true;

	assert_int_equal(name_host_check(f->pol, "ns.example.com", &p, &in_zone, &err), REG_OK);
	assert_false(in_zone);
	assert_null(p.zone);
	assert_int_equal(name_superordinate(f->pol, p.alabel, domain, sizeof(domain)), REG_EZONE);
	/* IDN outside our zones: any valid A-label, no table. */
	assert_int_equal(name_host_check(f->pol, "ns.þing.com", &p, &in_zone, &err), REG_OK);
	assert_false(in_zone);
	assert_true(p.idn);
	assert_string_equal(p.alabel, "ns.xn--ing-ooa.com");
	assert_int_equal(name_host_check(f->pol, "ns.xn--zzzz.com", &p, &in_zone, &err), REG_ESYNTAX);
	/* Inside, the table applies to every label below the zone. */
	assert_int_equal(name_host_check(f->pol, "þ.example.test", &p, &in_zone, &err), REG_EIDN);
	assert_non_null(strstr(err.reason, "U+00FE not allowed"));
	assert_int_equal(name_host_check(f->ascii, "ns.räksmörgås.test", &p, &in_zone, &err), REG_EIDN);
	assert_int_equal(name_host_check(f->pol, "localhost", &p, &in_zone, &err), REG_ESYNTAX);
	assert_non_null(strstr(err.reason, "at least two labels"));
	assert_int_equal(name_host_check(f->pol, "co.test", &p, &in_zone, &err), REG_EZONE);
	assert_int_equal(name_host_check(f->pol, "ns_1.example.test", &p, &in_zone, &err), REG_ESYNTAX);
	assert_int_equal(name_superordinate(f->pol, "co.test", domain, sizeof(domain)), REG_EZONE);
	assert_int_equal(name_superordinate(f->pol, "ns1.example.test", domain, 8), REG_EINVAL);
}

static void
test_lookup_normalize(void **state)
{
	struct reg_err err = { 0 };
	char a[NAME_TEXT_MAX + 1];

	assert_int_equal(name_lookup_normalize("EXAMPLE.COM.", a, sizeof(a), &err), REG_OK);
	assert_string_equal(a, "example.com");
	assert_int_equal(name_lookup_normalize("Räksmörgås.NU", a, sizeof(a), &err), REG_OK);
	assert_string_equal(a, "xn--rksmrgs-5wao1o.nu");
	assert_int_equal(name_lookup_normalize("XN--RKSMRGS-5WAO1O.nu", a, sizeof(a), &err), REG_OK);
	assert_string_equal(a, "xn--rksmrgs-5wao1o.nu");
	assert_int_equal(name_lookup_normalize("þing.is", a, sizeof(a), &err), REG_OK);
	assert_string_equal(a, "xn--ing-ooa.is");
	assert_int_equal(name_lookup_normalize("nu", a, sizeof(a), &err), REG_OK);
	assert_string_equal(a, "nu");
	assert_int_equal(name_lookup_normalize("*.test", a, sizeof(a), &err), REG_ESYNTAX);
	assert_non_null(strstr(err.reason, "wildcard"));
	assert_int_equal(name_lookup_normalize("exa mple.test", a, sizeof(a), &err), REG_ESYNTAX);
	assert_int_equal(name_lookup_normalize("a;ls -l", a, sizeof(a), &err), REG_ESYNTAX);
	assert_int_equal(name_lookup_normalize("", a, sizeof(a), &err), REG_ESYNTAX);
	assert_int_equal(name_lookup_normalize("xn--zzzz.test", a, sizeof(a), &err), REG_ESYNTAX);
	assert_int_equal(name_lookup_normalize("example.com", a, 5, &err), REG_EINVAL);
}

static void
test_to_unicode(void **state)
{
	char u[NAME_USIZE];

	assert_int_equal(name_to_unicode("xn--rksmrgs-5wao1o.test", u, sizeof(u)), REG_OK);
	assert_string_equal(u, "räksmörgås.test");
	assert_int_equal(name_to_unicode("ns.xn--ing-ooa.is", u, sizeof(u)), REG_OK);
	assert_string_equal(u, "ns.þing.is");
	assert_int_equal(name_to_unicode("example.test", u, sizeof(u)), REG_OK);
	assert_string_equal(u, "example.test");
	assert_int_equal(name_to_unicode("xn--zzzz.test", u, sizeof(u)), REG_ESYNTAX);
	assert_int_equal(name_to_unicode("xn--rksmrgs-5wao1o.test", u, 10), REG_EINVAL);
}

/* --- the table file -------------------------------------------------------- */

static void
test_real_tables_load(void **state)
{
	static const char *const files[] = { "data/idn/se.txt", "data/idn/nu.txt", TEST_TABLE };
	struct reg_err err = { 0 };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct name_table *t = name_table_load(files[i], &err);

		if (t == NULL)
			fail_msg("%s", err.reason);
		assert_true(name_table_allows(t, 0x2d));	/* - */
		assert_true(name_table_allows(t, '0'));
		assert_true(name_table_allows(t, 'z'));
		assert_true(name_table_allows(t, 0xe5));	/* å */
		assert_true(name_table_allows(t, 0x14b));	/* ŋ */
		assert_true(name_table_allows(t, 0x292));	/* ʒ */
		assert_false(name_table_allows(t, 'A'));
		assert_false(name_table_allows(t, '_'));
		assert_false(name_table_allows(t, 0xc5));	/* Å */
		assert_false(name_table_allows(t, 0xfe));	/* þ */
		assert_false(name_table_allows(t, 0x3b1));	/* α */
		name_table_free(t);
	}
}

static void
test_table_ranges_merge(void **state)
{
	char *dir = tmpdir_new();
	char *path = write_file(dir, "t.txt",
	    "# a comment line\n"
	    "\n"
	    "U+0061..U+0063   # a..c\n"
	    "U+0062..U+0065\n"
	    "  U+0066\t# f, touching the range before\n"
	    "U+0301           # COMBINING ACUTE ACCENT: fine after a base\n"
	    "U+0627           # ARABIC LETTER ALEF\n"
	    "U+00e5\r\n");
	struct reg_err err = { 0 };
	struct name_table *t = name_table_load(path, &err);

	if (t == NULL)
		fail_msg("%s", err.reason);
	for (uint32_t cp = 'a'; cp <= 'f'; cp++)
		assert_true(name_table_allows(t, cp));
	assert_false(name_table_allows(t, 'g'));
	assert_false(name_table_allows(t, '`'));
	assert_true(name_table_allows(t, 0x301));
	assert_true(name_table_allows(t, 0x627));
	assert_true(name_table_allows(t, 0xe5));
	assert_int_equal(name_table_check(t, "abå", &err), REG_OK);
	assert_int_equal(name_table_check(t, "abä", &err), REG_EIDN);
	assert_non_null(strstr(err.reason, "U+00E4 not allowed in label 'abä'"));
	name_table_free(t);
	free(path);
	tmpdir_remove(dir);
}

/* A table whose line `line` (the last) is text fails with file:line: why. */
static void
table_fails(const char *dir, const char *text, int line, int code, const char *why)
{
	struct reg_err err = { 0 };
	char *path = write_file(dir, "bad.txt", text);
	char want[512];

	assert_null(name_table_load(path, &err));
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, why);
	if (err.code != code || strstr(err.reason, want) == NULL)
		fail_msg("got %d '%s', want %d '%s'", err.code, err.reason, code, want);
	free(path);
}

static void
test_table_errors(void **state)
{
	char *dir = tmpdir_new();
	const char *ok = "# head\nU+0061..U+007A\n";
	char text[256];
	struct reg_err err = { 0 };
	char *path;

	snprintf(text, sizeof(text), "%sbogus\n", ok);
	table_fails(dir, text, 3, REG_ECONFIG, "expected U+XXXX or U+XXXX..U+YYYY, not 'bogus'");
	table_fails(dir, "U+61\n", 1, REG_ECONFIG, "expected U+XXXX");
	table_fails(dir, "U+0061..0062\n", 1, REG_ECONFIG, "expected U+XXXX after '..'");
	table_fails(dir, "U+0061 a\n", 1, REG_ECONFIG, "unexpected text");
	table_fails(dir, "U+007A..U+0061\n", 1, REG_ECONFIG, "range U+007A..U+0061 runs backwards");
	table_fails(dir, "U+110000\n", 1, REG_ECONFIG, "U+110000 is beyond U+10FFFF");
	snprintf(text, sizeof(text), "%sU+00E4\nU+00C5 # upper case\n", ok);
	table_fails(dir, text, 4, REG_ECONFIG, "U+00C5 is not PVALID");
	table_fails(dir, "U+0041\n", 1, REG_ECONFIG, "U+0041 is not PVALID");
	table_fails(dir, "U+005F\n", 1, REG_ECONFIG, "U+005F is not PVALID");
	table_fails(dir, "U+0060..U+0062\n", 1, REG_ECONFIG, "U+0060 is not PVALID");
	table_fails(dir, "U+00B7 # MIDDLE DOT, CONTEXTO\n", 1, REG_ECONFIG, "U+00B7 is not PVALID");
	table_fails(dir, "U+200D # ZWJ, CONTEXTJ\n", 1, REG_ECONFIG, "U+200D is not PVALID");
	table_fails(dir, "U+FF41 # fullwidth a\n", 1, REG_ECONFIG, "U+FF41 is not PVALID");
	table_fails(dir, "U+D800\n", 1, REG_ECONFIG, "U+D800 is not PVALID");

	path = write_file(dir, "empty.txt", "# nothing\n\n");
	assert_null(name_table_load(path, &err));
	assert_int_equal(err.code, REG_ECONFIG);
	assert_non_null(strstr(err.reason, "no code points"));
	free(path);
	assert_null(name_table_load("/nonexistent/t.txt", &err));
	assert_int_equal(err.code, REG_EIO);
	assert_non_null(strstr(err.reason, "/nonexistent/t.txt"));
	tmpdir_remove(dir);
}

/* --- the policy ------------------------------------------------------------ */

static void
test_policy_from_config(void **state)
{
	struct reg_config cfg = { 0 };
	struct name_policy *pol;
	struct reg_err err = { 0 };

	cfg.zones[0] = "nu";
	cfg.zones[1] = "co.nu";
	cfg.nzones = 2;
	cfg.registry.idn_table = "data/idn/nu.txt";
	pol = name_policy_new(&cfg, &err);
	assert_non_null(pol);
	domain_ok(pol, "Räksmörgås.CO.nu", "xn--rksmrgs-5wao1o.co.nu", "räksmörgås.co.nu", "co.nu");
	domain_fails(pol, "example.test", REG_EZONE, "not in a zone");
	name_policy_free(pol);

	cfg.registry.idn_table = "data/idn/absent.txt";
	assert_null(name_policy_new(&cfg, &err));
	assert_int_equal(err.code, REG_EIO);
	cfg.registry.idn_table = "";
	cfg.zones[1] = "bad_zone.nu";
	assert_null(name_policy_new(&cfg, &err));
	assert_int_equal(err.code, REG_ECONFIG);
	assert_non_null(strstr(err.reason, "zone 'bad_zone.nu'"));
	assert_null(name_policy_new_zones(NULL, 0, NULL, &err));
	assert_int_equal(err.code, REG_ECONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ldh_names),
		cmocka_unit_test(test_label_length),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_alabels),
		cmocka_unit_test(test_ulabels_in_table),
		cmocka_unit_test(test_ulabels_refused),
		cmocka_unit_test(test_no_idn_table),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_hosts_in_zone),
		cmocka_unit_test(test_hosts_refused_or_foreign),
		cmocka_unit_test(test_lookup_normalize),
		cmocka_unit_test(test_to_unicode),
		cmocka_unit_test(test_real_tables_load),
		cmocka_unit_test(test_table_ranges_merge),
		cmocka_unit_test(test_table_errors),
		cmocka_unit_test(test_policy_from_config),
	};

	return cmocka_run_group_tests_name("name", tests, group_setup, group_teardown);
}
