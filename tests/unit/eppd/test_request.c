/*
 * test_request.c: eppd's hostile-input side and response writer, without
 * a network: the safe parser (DOCTYPE, entities, malformed XML), leaf
 * trimming before validation, the codes request_parse gives for unknown
 * namespaces and versions, the result texts, and responses and greetings
 * that validate against the EPP schema.
 *
 * The Makefile links unit tests against the core library only, so the
 * eppd sources under test are compiled into this file. Run from the top
 * of the tree (make check does): the schemas are read from data/xsd.
 */
#include "testutil.h"

#include "../../../eppd/result.c"
#include "../../../eppd/xml.c"
#include "../../../eppd/xmlread.c"
#include "../../../eppd/response.c"
#include "../../../eppd/request.c"

#define SCHEMA_DIR "data/xsd"
#define EPP_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
	"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">"
#define DOMAIN_NS "xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\""

struct fixture {
	struct arena *a;
	struct reg_config cfg;
	struct epp_client client;
	struct epp_env env;
	struct epp_cmd c;
	xmlSchemaValidCtxtPtr v;
};

static int
group_setup(void **state)
{
	struct reg_err err = { 0 };

	xmlInitParser();
	if (xml_schema_load(SCHEMA_DIR, &err) != REG_OK) {
		fprintf(stderr, "%s\n", err.reason);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	xml_schema_free();
	xmlCleanupParser();
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->a = arena_new();
	f->cfg.registry.name = "Unit test registry";
	f->env.cfg = &f->cfg;
	f->env.now = 1700000000;
	f->c.a = f->a;
	f->c.env = &f->env;
	f->c.client = &f->client;
	f->c.svtrid = "UNIT-1-2-3";
	f->c.resp = response_new(f->a);
	f->v = xml_valid_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	request_clear(&f->c);
	response_free(f->c.resp);
	xmlSchemaFreeValidCtxt(f->v);
	arena_free(f->a);
	free(f);
	return 0;
}

static int
parse(struct fixture *f, const char *xml)
{
	return request_parse(&f->c, f->v, xml, strlen(xml));
}

/* Renders f's response, checks it against the schema, returns the text. */
static char *
render_valid(struct fixture *f)
{
	char why[REASON_MAX];
	xmlNodePtr bad = NULL;
	size_t len;
	char *out = response_render(&f->c, &len);
	xmlDocPtr doc = xml_parse(out, len, why, sizeof(why));

	assert_non_null(doc);
	if (xml_validate(f->v, doc, why, sizeof(why), &bad) != 0)
		fail_msg("response does not validate: %s\n%s", why, out);
	xmlFreeDoc(doc);
	return out;
}

/* --- result codes ------------------------------------------------------------ */

static void
test_result_texts(void **state)
{
	static const int codes[] = { 1000, 1001, 1300, 1301, 1500, 2000, 2001, 2002, 2003,
	    2004, 2005, 2100, 2101, 2102, 2103, 2104, 2105, 2106, 2200, 2201, 2202, 2300,
	    2301, 2302, 2303, 2304, 2305, 2306, 2307, 2308, 2400, 2500, 2501, 2502 };

	for (size_t i = 0; i < nitems(codes); i++)
		assert_non_null(epp_result_text(codes[i]));
	assert_string_equal(epp_result_text(2303), "Object does not exist");
	assert_string_equal(epp_result_text(1301), "Command completed successfully; ack to dequeue");
	assert_null(epp_result_text(1999));
	assert_int_equal(epp_result_from_reg(REG_ENOTFOUND), EPP_NOT_EXISTS);
	assert_int_equal(epp_result_from_reg(REG_EFUNDS), EPP_BILLING_FAILURE);
	assert_int_equal(epp_result_from_reg(REG_EDB), EPP_FAILED);
}

/* --- the safe parser --------------------------------------------------------------- */

static void
test_parse_refuses_doctype(void **state)
{
	static const char laughs[] = "<?xml version=\"1.0\"?><!DOCTYPE x ["
	    "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><x>&b;</x>";
	char why[REASON_MAX];

	assert_null(xml_parse(laughs, strlen(laughs), why, sizeof(why)));
	assert_non_null(strstr(why, "DOCTYPE"));
}

static void
test_parse_refuses_entities_and_junk(void **state)
{
	static const char undeclared[] = "<x>&xxe;</x>";
	static const char broken[] = "<x><y></x>";
	char why[REASON_MAX];

	assert_null(xml_parse(undeclared, strlen(undeclared), why, sizeof(why)));
	assert_non_null(strstr(why, "xxe"));
	assert_null(xml_parse(broken, strlen(broken), why, sizeof(why)));
	assert_non_null(strstr(why, "line 1"));
	assert_null(strchr(why, '\n'));
}

/* --- trimming and validation --------------------------------------------------------- */

static const char pretty_create[] = EPP_OPEN "<command><create>"
    "<domain:create " DOMAIN_NS ">\n  <domain:name>\n    a.test\n  </domain:name>\n"
    "  <domain:period unit=\"y\">\n 2\n</domain:period>\n"
    "  <domain:authInfo><domain:pw> Se cret </domain:pw></domain:authInfo>\n"
    "</domain:create></create><clTRID>ABC-1</clTRID></command></epp>";

static void
test_untrimmed_fails_libxml2(void **state)
{
	struct fixture *f = *state;
	char why[REASON_MAX];
	xmlNodePtr bad = NULL;
	xmlDocPtr doc = xml_parse(pretty_create, strlen(pretty_create), why, sizeof(why));

	/* The reason trimming exists: libxml2 2.9 refuses "\n 2\n". */
	assert_non_null(doc);
	assert_int_equal(xml_validate(f->v, doc, why, sizeof(why), &bad), -1);
	assert_non_null(bad);
	assert_string_equal((const char *)bad->name, "period");
	xmlFreeDoc(doc);
}

static void
test_pretty_printed_accepted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, pretty_create), 0);
	assert_string_equal(xml_child_text(f->a, f->c.obj, "name"), "a.test");
	assert_string_equal(xml_child_text(f->a, f->c.obj, "period"), "2");
	assert_string_equal(xml_attr(f->a, xml_child(f->c.obj, "period"), "unit"), "y");
	assert_string_equal((const char *)f->c.op->name, "create");
	assert_string_equal(f->c.cltrid, "ABC-1");
	assert_null(f->c.ext);
}

static void
test_schema_invalid_2001(void **state)
{
	struct fixture *f = *state;
	char *out;

	assert_int_equal(parse(f, EPP_OPEN "<command><create><domain:create " DOMAIN_NS ">"
	    "<domain:name>a.test</domain:name><domain:period unit=\"y\">x</domain:period>"
	    "</domain:create></create><clTRID>ABC-2</clTRID></command></epp>"),
	    EPP_SYNTAX_ERROR);
	assert_non_null(strstr(response_reason(f->c.resp), "period"));
	out = render_valid(f);
	assert_non_null(strstr(out, "<clTRID>ABC-2</clTRID>"));
	assert_non_null(strstr(out, "<value><domain:period"));
	free(out);
}

static void
test_unknown_namespaces_and_version(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, EPP_OPEN "<command><check><x:check xmlns:x=\"urn:x\">"
	    "<x:id>1</x:id></x:check></check></command></epp>"), EPP_UNIMPL_SERVICE);
	request_clear(&f->c);
	assert_int_equal(parse(f, EPP_OPEN "<command><check><domain:check " DOMAIN_NS ">"
	    "<domain:name>a.test</domain:name></domain:check></check><extension>"
	    "<fee:check xmlns:fee=\"urn:fee\"/></extension></command></epp>"),
	    EPP_UNIMPL_EXTENSION);
	request_clear(&f->c);
	assert_int_equal(parse(f, EPP_OPEN "<command><login><clID>abc</clID><pw>secret1</pw>"
	    "<options><version>2.0</version><lang>en</lang></options><svcs><objURI>urn:x"
	    "</objURI></svcs></login></command></epp>"), EPP_UNIMPL_VERSION);
	request_clear(&f->c);
	assert_int_equal(parse(f, EPP_OPEN "<greeting/></epp>"), EPP_SYNTAX_ERROR);
}

/* --- responses ------------------------------------------------------------------------ */

static void
test_response_parts_in_order(void **state)
{
	struct fixture *f = *state;
	xmlNodePtr chk, cd, rgp;
	char *out;

	f->c.cltrid = "ABC-3";
	chk = epp_resdata(&f->c, NS_DOMAIN, "chkData");
	cd = xml_add(chk, "cd", NULL);
	xmlNewProp(xml_add(cd, "name", "a&b.test"), BAD_CAST "avail", BAD_CAST "0");
	xml_add(cd, "reason", "In use");
	rgp = epp_extdata(&f->c, NS_RGP, "infData");
	xmlNewProp(xml_add(rgp, "rgpStatus", NULL), BAD_CAST "s", BAD_CAST "addPeriod");
	epp_msgq(&f->c, 5, 12, 1700000000, "Hello & welcome");
	assert_int_equal(epp_ok(&f->c, EPP_OK_ACK_DEQUEUE), EPP_OK_ACK_DEQUEUE);
	out = render_valid(f);
	assert_true(strstr(out, "<result") < strstr(out, "<msgQ"));
	assert_true(strstr(out, "<msgQ") < strstr(out, "<resData"));
	assert_true(strstr(out, "<resData") < strstr(out, "<extension"));
	assert_true(strstr(out, "<extension") < strstr(out, "<trID"));
	assert_non_null(strstr(out, "a&amp;b.test"));
	assert_non_null(strstr(out, "<qDate>2023-11-14T22:13:20.0Z</qDate>"));
	/* No indentation: the only line break is the one after the root. */
	assert_ptr_equal(strchr(strstr(out, "<epp"), '\n'), strstr(out, "</epp>") + 6);
	free(out);
}

static void
test_failure_drops_resdata(void **state)
{
	struct fixture *f = *state;
	char *out;

	epp_resdata(&f->c, NS_DOMAIN, "chkData");
	assert_int_equal(epp_fail(&f->c, EPP_PARAM_POLICY, NULL, "no\nnewlines %d", 7),
	    EPP_PARAM_POLICY);
	assert_string_equal(response_reason(f->c.resp), "no newlines 7");
	out = render_valid(f);
	assert_null(strstr(out, "resData"));
	assert_non_null(strstr(out, "<value><undef/></value><reason>no newlines 7</reason>"));
	assert_non_null(strstr(out, "<msg>Parameter value policy error</msg>"));
	free(out);
}

static void
test_unset_result_is_2400(void **state)
{
	struct fixture *f = *state;
	char *out = render_valid(f);

	assert_non_null(strstr(out, "code=\"2400\""));
	free(out);
}

static void
test_trid_and_cltrid_echo(void **state)
{
	struct fixture *f = *state;
	char *out;

	assert_true(response_trid_ok("ABC-12345"));
	assert_false(response_trid_ok("AB"));
	assert_false(response_trid_ok(" ABC"));
	assert_false(response_trid_ok("A  B"));
	assert_false(response_trid_ok("A\tB"));
	assert_false(response_trid_ok(NULL));
	f->c.cltrid = "no";
	epp_ok(&f->c, EPP_OK);
	out = render_valid(f);
	assert_null(strstr(out, "clTRID"));
	assert_non_null(strstr(out, "<svTRID>UNIT-1-2-3</svTRID>"));
	free(out);
}

static void
test_payload_split(void **state)
{
	struct fixture *f = *state;
	char *out;

	assert_int_equal(response_payload(&f->c, "<domain:trnData " DOMAIN_NS ">"
	    "<domain:name>a.test</domain:name><domain:trStatus>pending</domain:trStatus>"
	    "<domain:reID>reg2</domain:reID><domain:reDate>2023-11-14T22:13:20Z</domain:reDate>"
	    "<domain:acID>reg1</domain:acID><domain:acDate>2023-11-19T22:13:20Z</domain:acDate>"
	    "</domain:trnData><rgp:upData xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\">"
	    "<rgp:rgpStatus s=\"pendingRestore\"/></rgp:upData>"), 0);
	assert_int_equal(response_payload(&f->c, "<broken"), -1);
	epp_msgq(&f->c, 1, 7, 1700000000, "Transfer requested");
	epp_ok(&f->c, EPP_OK_ACK_DEQUEUE);
	out = render_valid(f);
	assert_non_null(strstr(out, "<resData><domain:trnData"));
	assert_non_null(strstr(out, "<extension><rgp:upData"));
	free(out);
}

static void
test_greeting_valid(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *out;

	response_set_greeting(f->c.resp);
	out = render_valid(f);
	assert_non_null(strstr(out, "<svID>Unit test registry EPP</svID>"));
	assert_non_null(strstr(out, "<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>"));
	assert_non_null(strstr(out, "<extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI>"));
	free(out);
	f->cfg.registry.name = "A registry with a name far too long for an svID, which "
	    "allows sixty-four characters";
	out = response_greeting(&f->cfg, f->env.now, &len);
	assert_non_null(strstr(out, "<svID>A registry with a name far too long for an svID, "
	    "which allows si</svID>"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_texts),
		cmocka_unit_test(test_parse_refuses_doctype),
		cmocka_unit_test(test_parse_refuses_entities_and_junk),
		cmocka_unit_test_setup_teardown(test_untrimmed_fails_libxml2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pretty_printed_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_invalid_2001, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_namespaces_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_parts_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_drops_resdata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unset_result_is_2400, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trid_and_cltrid_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_greeting_valid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
