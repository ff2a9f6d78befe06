/* test_ipnet.c: prefixes: parse, format, contains, lists, bucket keys. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "ipnet.h"

/* A socket address for text (IPv4 or IPv6), as accept() would give. */
static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (strchr(text, ':') != NULL) {
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	return ss;
}

static struct ipnet
net(const char *text)
{
	struct reg_err err = { 0 };
	struct ipnet n;

	if (ipnet_parse(text, &n, &err) != REG_OK)
		fail_msg("'%s' refused: %s", text, reg_err_text(&err));
	return n;
}

static bool
contains(const char *prefix, const char *address)
{
	struct ipnet n = net(prefix);
	struct sockaddr_storage ss = addr(address);

	return ipnet_contains(&n, (struct sockaddr *)&ss);
}

/* text parses and formats as canonical. */
static void
expect_format(const char *text, int family, const char *canonical)
{
	struct ipnet n = net(text);
	char buf[IPNET_STRLEN];

	assert_int_equal(n.family, family);
	ipnet_format(&n, buf, sizeof(buf));
	assert_string_equal(buf, canonical);
}

static void
expect_refused(const char *text, const char *reason)
{
	struct reg_err err = { 0 };
	struct ipnet n;

	if (ipnet_parse(text, &n, &err) != REG_ESYNTAX)
		fail_msg("'%s' was not refused", text);
	if (strstr(err.reason, reason) == NULL)
		fail_msg("'%s': reason '%s' lacks '%s'", text, err.reason, reason);
}

static void
test_parse_format_v4(void **state)
{
	struct ipnet n = net("192.0.2.0/24");

	assert_int_equal(n.len, 24);
	assert_memory_equal(n.addr, "\xc0\x00\x02\x00", 4);
	expect_format("192.0.2.1", AF_INET, "192.0.2.1/32");
	expect_format("192.0.2.0/24", AF_INET, "192.0.2.0/24");
	expect_format("198.51.100.128/25", AF_INET, "198.51.100.128/25");
	expect_format("0.0.0.0/0", AF_INET, "0.0.0.0/0");
	expect_format("10.0.0.0/008", AF_INET, "10.0.0.0/8");
}

static void
test_parse_format_v6(void **state)
{
	expect_format("2001:db8::/32", AF_INET6, "2001:db8::/32");
	expect_format("::1", AF_INET6, "::1/128");
	expect_format("2001:DB8:0:0:0:0:0:0/64", AF_INET6, "2001:db8::/64");
	expect_format("2001:db8:0:0:1:0:0:1", AF_INET6, "2001:db8::1:0:0:1/128");
	expect_format("::/0", AF_INET6, "::/0");
	expect_format("::ffff:192.0.2.0/120", AF_INET6, "::ffff:192.0.2.0/120");
}

static void
test_parse_errors(void **state)
{
	expect_refused("192.0.2.1/24", "host bits set beyond /24 (the network is 192.0.2.0/24)");
	expect_refused("2001:db8::1/32", "the network is 2001:db8::/32");
	expect_refused("198.51.100.129/25", "198.51.100.128/25");
	expect_refused("192.0.2.0/33", "0 to 32");
	expect_refused("2001:db8::/129", "0 to 128");
	expect_refused("192.0.2.0/", "prefix length");
	expect_refused("192.0.2.0/-1", "prefix length");
	expect_refused("192.0.2.0/+8", "prefix length");
	expect_refused("192.0.2.0/ 24", "prefix length");
	expect_refused("192.0.2.0/24/8", "prefix length");
	expect_refused("192.0.2.0/0024", "prefix length");
	expect_refused("", "not an IP address");
	expect_refused("/24", "not an IP address");
	expect_refused("junk", "not an IPv4 address");
	expect_refused("192.0.2", "not an IPv4 address");
	expect_refused("256.0.0.1", "not an IPv4 address");
	expect_refused(" 192.0.2.1", "not an IPv4 address");
	expect_refused("2001:db8:::1", "not an IPv6 address");
	expect_refused("fe80::1%eth0", "not an IPv6 address");
	expect_refused("2001:0db8:0000:0000:0000:0000:0000:0000:0000:0001/64", "not an IP address");
}

static void
test_contains_v4(void **state)
{
	assert_true(contains("192.0.2.0/24", "192.0.2.0"));
	assert_true(contains("192.0.2.0/24", "192.0.2.255"));
	assert_false(contains("192.0.2.0/24", "192.0.3.0"));
	assert_false(contains("192.0.2.0/24", "192.0.1.255"));
	assert_true(contains("198.51.100.128/25", "198.51.100.200"));
	assert_false(contains("198.51.100.128/25", "198.51.100.127"));
	assert_true(contains("192.0.2.7", "192.0.2.7"));
	assert_false(contains("192.0.2.7", "192.0.2.6"));
	assert_true(contains("0.0.0.0/0", "203.0.113.9"));
	assert_false(contains("0.0.0.0/0", "2001:db8::1"));
}

static void
test_contains_v6(void **state)
{
	assert_true(contains("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(contains("2001:db8::/32", "2001:db9::"));
	assert_true(contains("2001:db8:0:ab80::/57", "2001:db8:0:abff::1"));
	assert_false(contains("2001:db8:0:ab80::/57", "2001:db8:0:ab7f::1"));
	assert_true(contains("::1", "::1"));
	assert_false(contains("::1", "::2"));
	assert_false(contains("2001:db8::/32", "192.0.2.1"));
}

/* A client on a dual-stack socket shows up as ::ffff:a.b.c.d. */
static void
test_contains_mapped(void **state)
{
	assert_true(contains("192.0.2.0/24", "::ffff:192.0.2.7"));
	assert_false(contains("192.0.2.0/24", "::ffff:192.0.3.7"));
	assert_true(contains("192.0.2.7", "::ffff:192.0.2.7"));
	assert_true(contains("0.0.0.0/0", "::ffff:203.0.113.9"));
	/* An IPv4 client also matches a prefix of mapped addresses. */
	assert_true(contains("::ffff:0:0/96", "203.0.113.9"));
	assert_true(contains("::ffff:192.0.2.0/120", "192.0.2.99"));
	assert_false(contains("::ffff:192.0.2.0/120", "192.0.3.99"));
	/* Neither IPv4-compatible (::a.b.c.d) nor plain IPv6 is IPv4. */
	assert_false(contains("192.0.2.0/24", "::192.0.2.7"));
	assert_false(contains("0.0.0.0/0", "::1"));
}

static void
test_contains_other_family(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct ipnet n = net("0.0.0.0/0");
	struct ipnet n6 = net("::/0");
	struct ipnet zero = { 0 };
	struct sockaddr_storage v4 = addr("192.0.2.1"), v6 = addr("::ffff:192.0.2.1");

	assert_false(ipnet_contains(&n, (struct sockaddr *)&un));
	assert_false(ipnet_contains(&n6, (struct sockaddr *)&un));
	assert_false(ipnet_contains(&zero, (struct sockaddr *)&v4));
	assert_false(ipnet_contains(&zero, (struct sockaddr *)&v6));
}

static void
expect_key(const char *address, const char *key)
{
	struct sockaddr_storage ss = addr(address);
	char buf[IPNET_STRLEN];

	assert_int_equal(ipnet_prefix_key((struct sockaddr *)&ss, 24, 56,
	    buf, sizeof(buf)), REG_OK);
	assert_string_equal(buf, key);
}

static void
test_prefix_key(void **state)
{
	struct sockaddr_storage ss = addr("192.0.2.77");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr *sa = (struct sockaddr *)&ss;
	char buf[IPNET_STRLEN];

	expect_key("192.0.2.77", "192.0.2.0/24");
	expect_key("::ffff:192.0.2.77", "192.0.2.0/24");
	expect_key("2001:db8:1:2345:6789::1", "2001:db8:1:2300::/56");
	expect_key("2001:db8:1:23ff:ffff:ffff:ffff:ffff", "2001:db8:1:2300::/56");
	assert_int_equal(ipnet_prefix_key(sa, 32, 128, buf, sizeof(buf)), REG_OK);
	assert_string_equal(buf, "192.0.2.77/32");
	assert_int_equal(ipnet_prefix_key(sa, 0, 0, buf, sizeof(buf)), REG_OK);
	assert_string_equal(buf, "0.0.0.0/0");
	assert_int_equal(ipnet_prefix_key(sa, 33, 56, buf, sizeof(buf)), REG_EINVAL);
	assert_int_equal(ipnet_prefix_key(sa, 24, 129, buf, sizeof(buf)), REG_EINVAL);
	assert_int_equal(ipnet_prefix_key(sa, -1, 56, buf, sizeof(buf)), REG_EINVAL);
	assert_int_equal(ipnet_prefix_key(sa, 24, 56, buf, strlen("192.0.2.0/24")), REG_EINVAL);
	assert_int_equal(ipnet_prefix_key(sa, 24, 56, buf, strlen("192.0.2.0/24") + 1), REG_OK);
	assert_int_equal(ipnet_prefix_key((struct sockaddr *)&un, 24, 56, buf,
	    sizeof(buf)), REG_EINVAL);
}

static bool
list_contains(const struct ipnet_list *l, const char *address)
{
	struct sockaddr_storage ss = addr(address);

	return ipnet_list_contains(l, (struct sockaddr *)&ss);
}

static void
test_list(void **state)
{
	struct ipnet_list l = { 0 };
	struct reg_err err = { 0 };
	struct ipnet n = net("198.51.100.0/24");
	char buf[IPNET_STRLEN];

	assert_int_equal(ipnet_list_parse("", &l, &err), REG_OK);
	assert_int_equal(l.n, 0);
	assert_false(list_contains(&l, "192.0.2.1"));
	assert_int_equal(ipnet_list_parse("192.0.2.0/24, 2001:db8::/32 ,::1,,",
	    &l, &err), REG_OK);
	assert_int_equal(l.n, 3);
	ipnet_format(&l.v[1], buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::/32");
	assert_true(list_contains(&l, "192.0.2.9"));
	assert_true(list_contains(&l, "::ffff:192.0.2.9"));
	assert_true(list_contains(&l, "2001:db8::5"));
	assert_true(list_contains(&l, "::1"));
	assert_false(list_contains(&l, "192.0.3.9"));
	assert_false(list_contains(&l, "::2"));

	/* Duplicates are kept once; growth past the first allocation. */
	assert_int_equal(ipnet_list_parse("::1/128 192.0.2.0/24", &l, &err), REG_OK);
	assert_int_equal(l.n, 3);
	ipnet_list_add(&l, &n);
	ipnet_list_add(&l, &n);
	assert_int_equal(ipnet_list_parse("10.0.0.0/8 172.16.0.0/12", &l, &err), REG_OK);
	assert_int_equal(l.n, 6);
	assert_true(list_contains(&l, "172.31.255.255"));

	/* A bad entry appends nothing and is named. */
	assert_int_equal(ipnet_list_parse("100.64.0.0/10, bogus", &l, &err), REG_ESYNTAX);
	assert_int_equal(l.n, 6);
	assert_non_null(strstr(err.reason, "bogus"));
	assert_false(list_contains(&l, "100.64.0.1"));

	ipnet_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	assert_false(list_contains(&l, "192.0.2.9"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format_v4),
		cmocka_unit_test(test_parse_format_v6),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_contains_v4),
		cmocka_unit_test(test_contains_v6),
		cmocka_unit_test(test_contains_mapped),
		cmocka_unit_test(test_contains_other_family),
		cmocka_unit_test(test_prefix_key),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
