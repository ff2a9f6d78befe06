/* test_datadir.c: finding data files in a configured folder or not at all. */
#include "testutil.h"

#include <limits.h>

#include "datadir.h"

static void
test_configured_dir(void **state)
{
	char *dir = tmpdir_new(), *file = write_file(dir, "epp.xsd", "<x/>");
	char out[PATH_MAX];
	struct reg_err err = { 0 };

	assert_int_equal(datadir_find(dir, "xsd/epp.xsd", out, sizeof(out), &err), REG_OK);
	assert_string_equal(out, file);
	free(file);
	tmpdir_remove(dir);
}

static void
test_configured_dir_unreadable(void **state)
{
	char *dir = tmpdir_new();
	char out[PATH_MAX];
	struct reg_err err = { 0 };

	assert_int_equal(datadir_find(dir, "xsd/epp.xsd", out, sizeof(out), &err),
	    REG_ECONFIG);
	assert_non_null(strstr(reg_err_text(&err), "/epp.xsd: cannot read"));
	tmpdir_remove(dir);
}

static void
test_not_found(void **state)
{
	char out[PATH_MAX];
	struct reg_err err = { 0 };

	assert_int_equal(datadir_find(NULL, "xsd/no-such.xsd", out, sizeof(out), &err),
	    REG_ECONFIG);
	assert_non_null(strstr(reg_err_text(&err), "cannot find no-such.xsd (looked in "));
	assert_non_null(strstr(reg_err_text(&err), "/xsd and the source tree)"));
}

static void
test_too_long(void **state)
{
	char out[8];
	struct reg_err err = { 0 };

	assert_int_equal(datadir_find("/tmp", "xsd/epp.xsd", out, sizeof(out), &err),
	    REG_ECONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configured_dir),
		cmocka_unit_test(test_configured_dir_unreadable),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
