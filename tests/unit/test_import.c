/* Unit tests: reading import rows from CSV and JSON Lines (spec section 12). */
#include "tests/unit/unit.h"
#include "src/people_contacts.h"
#include "src/people_import.h"

static apr_array_header_t *parse_ok(const char *text)
{
    apr_array_header_t *rows = apr_array_make(pool, 4,
                                              sizeof(people_import_row_t));
    const char *err = people_import_parse(pool, text, strlen(text), rows);
    if (err) {
        fail_msg("unexpected error: %s", err);
    }
    return rows;
}

static void parse_fails(const char *text, const char *want)
{
    apr_array_header_t *rows = apr_array_make(pool, 4,
                                              sizeof(people_import_row_t));
    const char *err = people_import_parse(pool, text, strlen(text), rows);
    if (!err) {
        fail_msg("no error for: %s", text);
    }
    if (!strstr(err, want)) {
        fail_msg("error '%s' does not say '%s'", err, want);
    }
}

static people_import_row_t *row(apr_array_header_t *rows, int i)
{
    assert_true(i < rows->nelts);
    return &APR_ARRAY_IDX(rows, i, people_import_row_t);
}

static const people_contact_t *contact(people_import_row_t *r, int i)
{
    assert_true(i < r->contacts->nelts);
    return &APR_ARRAY_IDX(r->contacts, i, people_contact_t);
}

static void test_csv_quoting(void **state)
{
    apr_array_header_t *rows = parse_ok(
        "\xef\xbb\xbfuserName,title,department\r\n"
        "ann,\"a, b\",\"say \"\"hi\"\"\"\r\n"
        "\r\n"
        "bob,,\"\"\n");
    (void)state;
    assert_int_equal(rows->nelts, 2);
    assert_string_equal(row(rows, 0)->username, "ann");
    assert_string_equal(row(rows, 0)->title, "a, b");
    assert_string_equal(row(rows, 0)->department, "say \"hi\"");
    assert_int_equal(row(rows, 0)->line, 2);
    assert_string_equal(row(rows, 1)->title, "");
    assert_int_equal(row(rows, 1)->line, 4);
    assert_true(row(rows, 1)->given & PEOPLE_IMP_TITLE);
    assert_false(row(rows, 1)->given & PEOPLE_IMP_FIRST_NAME);
}

static void test_csv_lines_inside_quotes(void **state)
{
    (void)state;
    /* the record of line 2 spans two lines: the bad one starts on line 4 */
    parse_fails("userName,title\nann,\"x\ny\"\nbob,ok\ncat\n",
                "line 2: title contains");
    parse_fails("userName,department\nann,\"x\"\"\"\nbob,ok\ncat\n",
                "line 4: 1 fields where the header has 2");
}

static void test_csv_malformed(void **state)
{
    (void)state;
    parse_fails("userName\n\"ann\n", "line 2: a quoted field is not closed");
    parse_fails("userName,title\nann,\"x\"y\n", "text after a closing quote");
    parse_fails("userName,title\nann,x\"y\n", "a quote inside an unquoted");
    parse_fails("title\nx\n", "needs a userName or an id column");
    parse_fails("userName,userName\n", "column 2: column 'userName' given");
    parse_fails("userName,contact:Phone,contact:phone\n", "given twice");
    parse_fails("userName,wat\n", "column 2: unknown column 'wat'");
    parse_fails("", "empty");
    parse_fails("userName\n\xff\n", "not valid UTF-8");
    {
        apr_array_header_t *rows = apr_array_make(pool, 1,
                                                  sizeof(people_import_row_t));
        assert_non_null(strstr(people_import_parse(pool, "userName\na\0b\n",
                                                   11, rows), "NUL"));
    }
}

static void test_csv_fields(void **state)
{
    apr_array_header_t *rows = parse_ok(
        "USERNAME,Status,isAdmin,isVisitor,groups,contact:GTalk,contact:extphone\n"
        "ann,Leave,yes,false, Sales ; R&D ;;,a@g,\n");
    people_import_row_t *r = row(rows, 0);
    (void)state;
    assert_int_equal(r->status, 4);
    assert_int_equal(r->is_admin, 1);
    assert_int_equal(r->is_visitor, 0);
    assert_int_equal(r->groups->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(r->groups, 0, const char *), "Sales");
    assert_string_equal(APR_ARRAY_IDX(r->groups, 1, const char *), "R&D");
    assert_int_equal(r->contacts_mode, PEOPLE_IMP_CONTACTS_TYPES);
    assert_string_equal(contact(r, 0)->type, "gtalk");
    assert_string_equal(contact(r, 0)->value, "a@g");
    assert_string_equal(contact(r, 1)->type, "extphone");
    assert_string_equal(contact(r, 1)->value, "");
    parse_fails("userName,status\nann,retired\n", "status 'retired'");
    parse_fails("userName,isAdmin\nann,maybe\n", "isAdmin 'maybe'");
    parse_fails("userName,id\nann,not-a-uuid\n", "is not a UUID");
}

static void test_rules_of_the_api(void **state)
{
    (void)state;
    parse_fails("userName,firstName\nann,\n", "firstName must be");
    parse_fails("userName,email\nann,nope\n", "not an email address");
    parse_fails("userName\n@self\n", "starts with '@'");
    parse_fails("userName\nSearch\n", "is a route of the API");
    parse_fails("userName\nbob.json\n", "ends in '.json'");
    parse_fails("userName\na/b\n", "contains '/'");
    parse_fails("userName\n0f8fad5b-d9cb-469f-a165-70867728950e\n", "is a UUID");
    parse_fails("userName,contact:extphone\nann,\"a\x01\"\n",
                "contact extphone");
    parse_fails("id,title\n,x\n", "needs a userName or an id");
}

static void test_json_lines(void **state)
{
    apr_array_header_t *rows = parse_ok(
        "  {\"userName\":\"ann\",\"displayName\":\"ignored\",\"status\":2,"
        "\"isAdmin\":true,\"title\":null,\"groups\":[{\"id\":\"x\",\"name\":"
        "\"Ops\"},\"HR\"],\"contacts\":[{\"type\":\"GTalk\",\"value\":\"g\"},"
        "{\"type\":\"x\",\"value\":null}]}\n"
        "\n"
        "{\"id\":\"0F8FAD5B-D9CB-469F-A165-70867728950E\",\"lastName\":\"L\"}\n");
    people_import_row_t *r = row(rows, 0);
    (void)state;
    assert_int_equal(rows->nelts, 2);
    assert_int_equal(r->status, 2);
    assert_int_equal(r->is_admin, 1);
    assert_string_equal(r->title, "");
    assert_int_equal(r->groups->nelts, 2);
    assert_int_equal(r->contacts_mode, PEOPLE_IMP_CONTACTS_ALL);
    assert_string_equal(contact(r, 0)->type, "gtalk");
    assert_string_equal(contact(r, 1)->value, "");
    assert_int_equal(row(rows, 1)->line, 3);
    assert_string_equal(row(rows, 1)->id,
                        "0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_null(row(rows, 1)->username);
    parse_fails("{\"userName\":\"a\"}\n{\"userName\":\"a\",\"userName\":\"b\"}\n",
                "line 2: not a JSON object");
    parse_fails("{\"userName\":\"a\",\"contacts\":{}}\n", "must be an array");
    parse_fails("{\"userName\":\"a\",\"firstName\":[]}\n", "wrong type");
    parse_fails("{\"userName\":\"a\",\"groups\":[1]}\n", "hold names");
    parse_fails("{\"userName\":\"a\"}\n[1]\n", "line 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_lines_inside_quotes),
        cmocka_unit_test(test_csv_malformed),
        cmocka_unit_test(test_csv_fields),
        cmocka_unit_test(test_rules_of_the_api),
        cmocka_unit_test(test_json_lines),
    };
    return cmocka_run_group_tests_name("import", tests, group_setup,
                                       group_teardown);
}
