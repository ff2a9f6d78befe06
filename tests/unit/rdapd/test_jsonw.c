/* test_jsonw.c: rdapd's JSON writer (rdapd/jsonw.c): commas and keys,
 * nesting, escapes, and UTF-8 that is not well-formed becoming U+FFFD,
 * so that no row and no quoted request can make an answer invalid. */
#include "testutil.h"
#include "rdapd.h"

static void
assert_text(const struct jw *w, const char *want)
{
	assert_int_equal(w->depth, 0);
	assert_int_equal(w->n, strlen(want));
	assert_memory_equal(w->p, want, w->n);
}

/* The string s written alone, as a JSON text. */
static void
assert_string(const char *s, size_t n, const char *want)
{
	struct jw w = { 0 };

	jw_reset(&w);
	jw_stringn(&w, NULL, s, n);
	assert_text(&w, want);
	jw_free(&w);
}

static void
test_members_elements_nesting(void **state)
{
	struct jw w = { 0 };

	jw_reset(&w);
	jw_object(&w, NULL);
	jw_string(&w, "a", "x");
	jw_string(&w, "skipped", NULL);
	jw_int(&w, "n", -42);
	jw_bool(&w, "t", true);
	jw_bool(&w, "f", false);
	jw_array(&w, "v");
	jw_object(&w, NULL);
	jw_end(&w);
	jw_array(&w, NULL);
	jw_end(&w);
	jw_int(&w, NULL, 9223372036854775807LL);
	jw_raw(&w, NULL, "{\"r\":1},{\"r\":2}", 15);
	jw_end(&w);
	jw_object(&w, "o");
	jw_end(&w);
	jw_end(&w);
	assert_text(&w, "{\"a\":\"x\",\"n\":-42,\"t\":true,\"f\":false,"
	    "\"v\":[{},[],9223372036854775807,{\"r\":1},{\"r\":2}],\"o\":{}}");
	/* Reset keeps the buffer and forgets the state. */
	jw_reset(&w);
	jw_array(&w, NULL);
	jw_string(&w, NULL, "");
	jw_end(&w);
	assert_text(&w, "[\"\"]");
	jw_free(&w);
}

static void
test_escapes(void **state)
{
	assert_string("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	assert_string("\n\t\x01\x1f", 4, "\"\\u000a\\u0009\\u0001\\u001f\"");
	assert_string("nul\0in", 6, "\"nul\\u0000in\"");
	/* DEL and printable ASCII go as they are. */
	assert_string("~\x7f", 2, "\"~\x7f\"");
}

static void
test_utf8(void **state)
{
	/* Well-formed: two, three and four bytes, the edges included. */
	assert_string("r\xc3\xa4k", 4, "\"r\xc3\xa4k\"");
	assert_string("\xe2\x82\xac\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", 14,
	    "\"\xe2\x82\xac\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"");
	/* A lone continuation byte, an overlong form, a surrogate, a code
	 * point above U+10FFFF, 0xff: each byte U+FFFD. */
	assert_string("a\x80z", 3, "\"a\xef\xbf\xbdz\"");
	assert_string("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string("\xf4\x90\x80\x80", 4,
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string("\xff", 1, "\"\xef\xbf\xbd\"");
	/* A sequence cut short by the end of the text (vsnprintf's cut). */
	assert_string("ab\xe2\x82", 4, "\"ab\xef\xbf\xbd\xef\xbf\xbd\"");
}

/* The buffer grows past its first size, worst case (all escapes). */
static void
test_growth(void **state)
{
	struct jw w = { 0 };
	size_t n = 50000;
	char *s = malloc(n);

	memset(s, '\n', n);
	jw_reset(&w);
	jw_array(&w, NULL);
	jw_stringn(&w, NULL, s, n);
	jw_stringn(&w, NULL, s, n);
	jw_end(&w);
	assert_int_equal(w.n, 2 + 2 * (2 + 6 * n) + 1);
	assert_memory_equal(w.p + w.n - 8, "\\u000a\"]", 8);
	free(s);
	jw_free(&w);
}

/* A handler's bug (a close too many, nesting too deep) marks the answer
 * broken rather than ending the daemon; reset clears it. */
static void
test_misuse_marks_broken(void **state)
{
	struct jw w = { 0 };

	jw_reset(&w);
	jw_end(&w);
	assert_true(w.broken);
	jw_reset(&w);
	assert_false(w.broken);
	for (int i = 0; i < JW_DEPTH_MAX + 1; i++)
		jw_array(&w, NULL);
	assert_true(w.broken);
	assert_int_equal(w.depth, JW_DEPTH_MAX);
	jw_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_elements_nesting),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_misuse_marks_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
