/* Unit tests: the profile field rules every writer shares (spec section
 * 11): names 1-64 characters, text at most 255, notes 1024, valid UTF-8
 * without control characters. */
#include "tests/unit/unit.h"
#include "src/people_fields.h"

static const char *problem(people_field_kind_e kind, const char *s)
{
    return people_field_problem(kind, s, strlen(s));
}

static char *repeat(const char *unit, int times)
{
    char *s = apr_pcalloc(pool, strlen(unit) * (size_t)times + 1);
    int i;
    for (i = 0; i < times; i++) {
        strcat(s, unit);
    }
    return s;
}

static void test_kind_by_key(void **state)
{
    (void)state;
    assert_int_equal(people_field_kind("firstName"), PEOPLE_FIELD_NAME);
    assert_int_equal(people_field_kind("LASTNAME"), PEOPLE_FIELD_NAME);
    assert_int_equal(people_field_kind("notes"), PEOPLE_FIELD_NOTES);
    assert_int_equal(people_field_kind("Comment"), PEOPLE_FIELD_NOTES);
    assert_int_equal(people_field_kind("title"), PEOPLE_FIELD_TEXT);
    assert_int_equal(people_field_kind("email"), PEOPLE_FIELD_TEXT);
}

static void test_name_length_in_characters(void **state)
{
    (void)state;
    assert_null(problem(PEOPLE_FIELD_NAME, "A"));
    assert_null(problem(PEOPLE_FIELD_NAME, repeat("a", 64)));
    /* 64 two-byte characters are 128 bytes and still a valid name */
    assert_null(problem(PEOPLE_FIELD_NAME, repeat("\xc3\xa9", 64)));
    assert_string_equal(problem(PEOPLE_FIELD_NAME, ""),
                        "must be 1 to 64 characters");
    assert_string_equal(problem(PEOPLE_FIELD_NAME, repeat("a", 65)),
                        "must be 1 to 64 characters");
    assert_string_equal(problem(PEOPLE_FIELD_NAME, repeat("\xc3\xa9", 65)),
                        "must be 1 to 64 characters");
}

static void test_text_and_notes_length(void **state)
{
    (void)state;
    assert_null(problem(PEOPLE_FIELD_TEXT, ""));
    assert_null(problem(PEOPLE_FIELD_TEXT, repeat("x", 255)));
    assert_string_equal(problem(PEOPLE_FIELD_TEXT, repeat("x", 256)),
                        "must be at most 255 characters");
    assert_null(problem(PEOPLE_FIELD_NOTES, repeat("x", 1024)));
    assert_string_equal(problem(PEOPLE_FIELD_NOTES, repeat("x", 1025)),
                        "must be at most 1024 characters");
}

static void test_bad_utf8(void **state)
{
    (void)state;
    assert_string_equal(problem(PEOPLE_FIELD_NAME, "Al\xff"),
                        "is not valid UTF-8");
    assert_string_equal(problem(PEOPLE_FIELD_TEXT, "\xc0\xaf"),
                        "is not valid UTF-8");        /* overlong '/' */
    assert_string_equal(problem(PEOPLE_FIELD_TEXT, "\xed\xa0\x80"),
                        "is not valid UTF-8");        /* surrogate */
    assert_string_equal(problem(PEOPLE_FIELD_NOTES, "ab\xe2\x82"),
                        "is not valid UTF-8");        /* truncated */
}

static void test_control_characters(void **state)
{
    (void)state;
    assert_string_equal(problem(PEOPLE_FIELD_NAME, "A\nB"),
                        "contains a control character");
    assert_string_equal(problem(PEOPLE_FIELD_TEXT, "tab\there"),
                        "contains a control character");
    assert_string_equal(problem(PEOPLE_FIELD_TEXT, "del\x7f"),
                        "contains a control character");
    assert_string_equal(problem(PEOPLE_FIELD_TEXT, "c1\xc2\x85"),
                        "contains a control character");
    /* an embedded NUL counts (the length is given, not found by strlen) */
    assert_string_equal(people_field_problem(PEOPLE_FIELD_TEXT, "a\0b", 3),
                        "contains a control character");
    /* U+00A0 (C2 A0) is not a control character */
    assert_null(problem(PEOPLE_FIELD_TEXT, "no\xc2\xa0" "break"));
}

static void test_usernames_that_route(void **state)
{
    (void)state;
    assert_null(people_username_problem("alice"));
    assert_null(people_username_problem("j.doe"));
    assert_null(people_username_problem("zo\xc3\xab"));
    assert_null(people_username_problem("statuses"));
    assert_null(people_username_problem("json"));
    assert_null(people_username_problem("a@b"));
}

static void test_usernames_refused(void **state)
{
    static const char *const bad[] = {
        "", ".", "..", "bob.json", "BOB.JSON", ".json", "@self", "@Self",
        "@SELF", "@search", "@x", "status", "STATUS", "Filter", "simple",
        "search", "Email", "a/b", "/", "a b", "tab\t", "nl\n", "del\x7f",
        "c1\xc2\x85", "bad\xff", NULL
    };
    int i;
    (void)state;
    for (i = 0; bad[i]; i++) {
        if (!people_username_problem(bad[i])) {
            fail_msg("'%s' accepted as a user name", bad[i]);
        }
    }
    assert_non_null(people_username_problem(repeat("a", 256)));
    assert_null(people_username_problem(repeat("a", 255)));
    assert_string_equal(people_username_problem("@self"),
                        "starts with '@' (reserved for routes such as @self)");
    assert_string_equal(people_username_problem("Search"),
                        "is a route of the API (status, filter, simple, "
                        "search, email)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_by_key),
        cmocka_unit_test(test_name_length_in_characters),
        cmocka_unit_test(test_text_and_notes_length),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_usernames_that_route),
        cmocka_unit_test(test_usernames_refused),
    };
    return cmocka_run_group_tests_name("fields", tests, group_setup,
                                       group_teardown);
}
