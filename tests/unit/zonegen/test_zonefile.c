/* test_zonefile.c: zone_blocks, the incremental signer's cut of a zone
 * file at its owners (zonegen/zonefile.c). The cut must see lines as the
 * reader's lexer does, or a record could be copied under the wrong name. */
#include "testutil.h"
#include "zonegen.h"

#define HEAD	"; a comment first\n$ORIGIN test.\n$TTL 3600\n"

static void
cut_ok(const char *text, struct zblocks *b)
{
	assert_true(zone_blocks(text, strlen(text), b));
}

static void
assert_block(const char *text, const struct zblocks *b, size_t k, const char *owner,
    uint32_t line, const char *starts)
{
	assert_true(k < b->n);
	assert_int_equal(b->b[k].owner_len, strlen(owner));
	assert_memory_equal(text + b->b[k].off, owner, strlen(owner));
	assert_int_equal(b->b[k].line, line);
	assert_memory_equal(text + b->b[k].off, starts, strlen(starts));
}

/* Blocks run from one owner to the next; directives are kept. */
static void
test_blocks_and_directives(void **state)
{
	const char *z = HEAD "@\tSOA\tns h 1 2 3 4 5\n@\tNS\tns\n; between\n"
	    "a\tNS\tns1.example.net.\n\tNS\tns2.example.net.\n"
	    "b\tNS\tns1.example.net.\nb\tDS\t1 13 2 AABB\n";
	struct zblocks b;

	(void)state;
	cut_ok(z, &b);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.dlen, strlen("$ORIGIN test.\n$TTL 3600\n"));
	assert_memory_equal(b.directives, "$ORIGIN test.\n$TTL 3600\n", b.dlen);
	assert_block(z, &b, 0, "@", 4, "@\tSOA");
	assert_block(z, &b, 1, "a", 7, "a\tNS\tns1");
	assert_block(z, &b, 2, "b", 9, "b\tNS");
	assert_int_equal(b.b[0].off + b.b[0].len, b.b[1].off);
	assert_int_equal(b.b[1].off + b.b[1].len, b.b[2].off);
	assert_int_equal(b.b[2].off + b.b[2].len, strlen(z));
	zblocks_free(&b);
}

/* Outside quotes a backslash does not carry a line on: "b" is an entry
 * of its own, as the lexer reads it. Inside quotes it does. */
static void
test_backslash_at_line_end(void **state)
{
	const char *z = HEAD "a\tTXT\tfoo\\\nb\tA\t192.0.2.1\n"
	    "c\tTXT\t\"x\\\ny\"\nd\tA\t192.0.2.2\n";
	struct zblocks b;

	(void)state;
	cut_ok(z, &b);
	assert_int_equal(b.n, 4);
	assert_block(z, &b, 1, "b", 5, "b\tA");
	assert_block(z, &b, 2, "c", 6, "c\tTXT");
	assert_block(z, &b, 3, "d", 8, "d\tA");
	zblocks_free(&b);
}

/* An entry over lines stays in its block; escapes are part of an owner. */
static void
test_parentheses_and_escapes(void **state)
{
	const char *z = HEAD "a\tNS\t(\nns1.example.net. )\nb\\ c\tA\t192.0.2.1\n"
	    "b\\ d\tA\t192.0.2.2\n";
	struct zblocks b;

	(void)state;
	cut_ok(z, &b);
	assert_int_equal(b.n, 3);
	assert_block(z, &b, 0, "a", 4, "a\tNS\t(\nns1");
	assert_block(z, &b, 1, "b\\ c", 6, "b\\ c");
	assert_block(z, &b, 2, "b\\ d", 7, "b\\ d");
	zblocks_free(&b);
}

/* What the cut cannot describe. */
static void
test_refusals(void **state)
{
	static const char *bad[] = {
		HEAD "a(\tNS\tns1.example.net. )\n",		/* owner glued to "(" */
		HEAD "\tNS\tns1.example.net.\na\tNS\tns2.\n",	/* no owner before */
		HEAD "a\tNS\tns1.\n$TTL 60\nb\tNS\tns2.\n",	/* directive after records */
		"$INCLUDE other.zone\na\tNS\tns1.\n",		/* $INCLUDE */
		HEAD "a\tNS\t(ns1.\n",				/* unbalanced */
		HEAD "a\tTXT\t\"open\n",			/* unbalanced quote */
		"$TTL (\n3600 )\na\tNS\tns1.\n",		/* directive over two lines */
		"; nothing but a comment\n",
	};
	struct zblocks b;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(zone_blocks(bad[i], strlen(bad[i]), &b));
}

/*
 * A file large enough to be cut in two halves at once, built so that the
 * middle falls where wanted: the same owners before and after a middle
 * piece, the header matched by a comment at the end. The cut must find
 * the blocks one pass would, whether the second half starts within an
 * owner's lines (the halves' blocks joined) or within an entry over
 * several lines (cut again in one pass).
 */
#define SIDE	40000	/* owners on each side of the middle */

static size_t
add_owners(char *z, size_t n, int from, int count)
{
	for (int k = from; k < from + count; k++)
		n += (size_t)sprintf(z + n, "d%07d\tNS\tns1.example.net.\nd%07d\tNS\tns2.example.net.\n",
		    k, k);
	return n;
}

static char *
big_zone(const char *middle_fmt, size_t *len)
{
	char *z = malloc(8 << 20);
	size_t n, head = strlen(HEAD);

	assert_non_null(z);
	n = add_owners(z, (size_t)sprintf(z, "%s", HEAD), 0, SIDE);
	n += (size_t)sprintf(z + n, middle_fmt, SIDE);
	n = add_owners(z, n, SIDE + 1, SIDE);
	n += (size_t)sprintf(z + n, ";%.*s\n", (int)head - 2,
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	*len = n;
	return z;
}

static void
check_big(const char *z, size_t len)
{
	struct zblocks b;
	char owner[32];

	assert_true(len >= (4 << 20));
	assert_true(zone_blocks(z, len, &b));
	assert_int_equal(b.n, 2 * SIDE + 1);
	for (size_t k = 0; k < b.n; k++) {
		uint32_t line = 1;

		snprintf(owner, sizeof(owner), "d%07zu", k);
		assert_int_equal(b.b[k].owner_len, 8);
		assert_memory_equal(z + b.b[k].off, owner, 8);
		assert_int_equal(b.b[k].off + b.b[k].len, k + 1 < b.n ? b.b[k + 1].off : len);
		/* The line number counts the newlines before the block. */
		if (k % 9973 == 0 || (k >= SIDE - 1 && k <= SIDE + 2) || k + 1 == b.n) {
			for (size_t i = 0; i < b.b[k].off; i++)
				line += z[i] == '\n';
			assert_int_equal(b.b[k].line, line);
		}
	}
	zblocks_free(&b);
}

static void
test_big_file_in_two_halves(void **state)
{
	static const char *middles[] = {
		/* three lines of one owner: the middle falls in the second */
		"d%1$07d\tNS\tns1.example.net.\nd%1$07d\tNS\tns2.example.net.\n"
		"d%1$07d\tNS\tns3.example.net.\n",
		/* one entry over three lines: the second half starts in it */
		"d%1$07d\tTXT\t(\n\"aaaaaaaaaaaaaaaaaaaa\"\n\"bbbbbbbbbbbbbbbbbbbb\" )\n",
		/* a quoted string over three lines: the same, inside quotes */
		"d%1$07d\tTXT\t\"aaaaaaaaaaaaaaaaaaaa\naaaaaaaaaaaaaaaaaaaaaaaa\n"
		"bbbbbbbbbbbbbbbbbbbb\"\n",
		/* two owners' worth: the halves meet between owners */
		"d%1$07d\tNS\tns1.example.net.\n",
	};
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(middles) / sizeof(middles[0]); i++) {
		char *z = big_zone(middles[i], &len);

		check_big(z, len);
		free(z);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_and_directives),
		cmocka_unit_test(test_backslash_at_line_end),
		cmocka_unit_test(test_parentheses_and_escapes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_big_file_in_two_halves),
	};

	return cmocka_run_group_tests_name("zonefile", tests, NULL, NULL);
}
