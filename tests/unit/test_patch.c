/* Unit tests: the fields of a profile write, their checks, and who may
 * make it (spec section 11). */
#include "tests/unit/unit.h"
#include "src/people_form.h"
#include "src/people_fields.h"
#include "src/people_patch.h"
#include "src/people_identity.h"

static const char *parse(const char *json, int create, people_patch_t *pt)
{
    json_error_t jerr;
    json_t *root = json_loads(json, JSON_ALLOW_NUL, &jerr);
    const char *err;

    assert_non_null(root);
    err = people_patch_parse(pool, root, create, pt);
    json_decref(root);
    return err;
}

static people_patch_t ok(const char *json)
{
    people_patch_t pt;
    const char *err = parse(json, 0, &pt);
    if (err) {
        fail_msg("%s: %s", json, err);
    }
    return pt;
}

static void bad(const char *json, const char *part)
{
    people_patch_t pt;
    const char *err = parse(json, 0, &pt);
    if (!err || !strstr(err, part)) {
        fail_msg("%s: expected an error with '%s', got '%s'", json, part,
                 err ? err : "none");
    }
}

static people_profile_t member(void)
{
    people_profile_t u;
    memset(&u, 0, sizeof(u));
    u.id = "11111111-1111-1111-1111-111111111111";
    u.first_name = "Ann";
    u.last_name = "Lee";
    u.email = "ann@example.com";
    u.title = "Engineer";
    u.sex = -1;
    u.status = 1;
    return u;
}

static void test_fields_named(void **state)
{
    people_patch_t pt = ok("{\"firstname\":\"Bo\",\"LASTNAME\":\"Ng\","
                           "\"sex\":\"Female\",\"birthday\":\"1990-02-28\","
                           "\"comment\":\"hi\",\"id\":\"ignored\"}");
    (void)state;
    assert_true(PEOPLE_PATCH_HAS(&pt, PEOPLE_W_FIRST_NAME));
    assert_string_equal(pt.value[PEOPLE_W_FIRST_NAME], "Bo");
    assert_string_equal(pt.value[PEOPLE_W_LAST_NAME], "Ng");
    assert_string_equal(pt.value[PEOPLE_W_SEX], "0");
    assert_string_equal(pt.value[PEOPLE_W_BIRTHDAY],
                        "1990-02-28T00:00:00.0000000Z");
    assert_string_equal(pt.value[PEOPLE_W_NOTES], "hi");
    assert_false(PEOPLE_PATCH_HAS(&pt, PEOPLE_W_EMAIL));
    assert_false(PEOPLE_PATCH_HAS(&pt, PEOPLE_W_LOCATION));
    assert_null(pt.contacts);
}

static void test_null_and_empty(void **state)
{
    people_patch_t pt = ok("{\"sex\":null,\"location\":null,"
                           "\"workFrom\":\"\",\"lead\":null}");
    (void)state;
    assert_true(PEOPLE_PATCH_HAS(&pt, PEOPLE_W_SEX));
    assert_null(pt.value[PEOPLE_W_SEX]);
    assert_null(pt.value[PEOPLE_W_LOCATION]);
    assert_null(pt.value[PEOPLE_W_WORK_FROM]);
    assert_null(pt.value[PEOPLE_W_LEAD]);
    bad("{\"firstName\":null}", "firstName must be 1 to 64");
    bad("{\"lastName\":\"\"}", "lastName must be 1 to 64");
    bad("{\"email\":null}", "email must be an email address");
}

static void test_validation(void **state)
{
    char long_name[80], long_notes[1100];
    (void)state;
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    memset(long_notes, 'n', 1025);
    long_notes[1025] = '\0';

    bad(apr_psprintf(pool, "{\"firstName\":\"%s\"}", long_name),
        "firstName must be 1 to 64");
    bad(apr_psprintf(pool, "{\"notes\":\"%s\"}", long_notes), "notes");
    bad(apr_psprintf(pool, "{\"comment\":\"%s\"}", long_notes), "notes");
    bad("{\"location\":\"a\\u0001b\"}", "location contains a control");
    bad("{\"location\":\"a\\u0000b\"}", "location contains a control");
    bad("{\"title\":\"\\u0085\"}", "title contains a control");
    bad("{\"sex\":\"other\"}", "sex must be");
    bad("{\"sex\":1}", "sex must be");
    bad("{\"birthday\":\"1990-02-30\"}", "birthday must be a date");
    bad("{\"birthday\":\"1991-02-29\"}", "birthday must be a date");
    bad("{\"workFrom\":\"30.11.2026\"}", "workFrom must be a date");
    bad("{\"birthday\":\"1990-01-01T10:00\"}", "birthday must be a date");
    bad("{\"lead\":\"nobody\"}", "lead must be");
    bad("{\"isVisitor\":\"maybe\"}", "isVisitor must be true or false");
    bad("{\"disable\":2}", "disable must be true or false");
    bad("{\"email\":\"no-at-sign\"}", "email must be an email address");
    bad("{\"email\":\"a b@example.com\"}", "email must be an email address");
    bad("{\"email\":\"a@@example.com\"}", "email must be an email address");
    bad("{\"location\":[\"x\"]}", "location must be a string");
    bad("{\"notes\":\"a\",\"comment\":\"b\"}", "notes twice");
    bad("{\"workFrom\":\"2020-01-01\",\"worksfrom\":\"2020-01-01\"}",
        "workFrom twice");
    bad("{\"title\":\"a\",\"Title\":\"b\"}", "title twice");
    bad("{\"contacts\":[{\"value\":\"x\"}]}", "contacts[0] has no \"type\"");
    /* Community Server's names and shapes */
    assert_string_equal(ok("{\"worksfrom\":\"2020-01-31T00:00:00.000+03:00\"}")
                        .value[PEOPLE_W_WORK_FROM],
                        "2020-01-31T00:00:00.0000000Z");
    assert_false(PEOPLE_PATCH_HAS(&(people_patch_t){0}, PEOPLE_W_DEPARTMENT));
    {
        people_patch_t cs = ok("{\"department\":[\"x\"]}");
        assert_false(PEOPLE_PATCH_HAS(&cs, PEOPLE_W_DEPARTMENT));
    }
    /* the answer's own date format is read back */
    assert_string_equal(ok("{\"birthday\":\"2000-02-29T00:00:00.0000000Z\"}")
                        .value[PEOPLE_W_BIRTHDAY],
                        "2000-02-29T00:00:00.0000000Z");
}

static void test_form_values(void **state)
{
    static const char body[] =
        "firstname=Ann&isVisitor=false&disable=1&sex=male&"
        "contacts[0][Type]=mail&contacts[0][Value]=a%40b";
    json_t *root = NULL;
    people_patch_t pt;
    (void)state;

    assert_null(people_form_parse(pool, body, sizeof(body) - 1, 100, &root));
    assert_null(people_patch_parse(pool, root, 0, &pt));
    assert_string_equal(pt.value[PEOPLE_W_VISITOR], "0");
    assert_string_equal(pt.value[PEOPLE_W_DISABLE], "1");
    assert_string_equal(pt.value[PEOPLE_W_SEX], "1");
    assert_non_null(pt.contacts);
    assert_int_equal(pt.contacts->nelts, 1);
}

static void test_changes_and_apply(void **state)
{
    people_profile_t u = member(), n;
    people_patch_t pt = ok("{\"email\":\"ANN@example.com\",\"title\":"
                           "\"Engineer\",\"disable\":false,"
                           "\"isVisitor\":false,\"lead\":null}");
    (void)state;

    /* the values the profile already has are no change */
    assert_false(people_patch_changes(&pt, &u, PEOPLE_W_EMAIL));
    assert_false(people_patch_changes(&pt, &u, PEOPLE_W_TITLE));
    assert_false(people_patch_changes(&pt, &u, PEOPLE_W_DISABLE));
    assert_false(people_patch_changes(&pt, &u, PEOPLE_W_VISITOR));
    assert_false(people_patch_changes(&pt, &u, PEOPLE_W_LEAD));
    assert_null(people_patch_forbidden(pool, u.id, 0, 0, &u, &pt));

    pt = ok("{\"disable\":true,\"location\":\"Riga\"}");
    assert_true(people_patch_changes(&pt, &u, PEOPLE_W_DISABLE));
    n = people_patch_apply(&pt, &u, "2026-11-30T10:00:00.0000000Z");
    assert_int_equal(n.status, 2);
    assert_string_equal(n.terminated, "2026-11-30T10:00:00.0000000Z");
    assert_string_equal(n.location, "Riga");
    assert_string_equal(n.first_name, "Ann");

    u.status = 2;
    pt = ok("{\"disable\":false}");
    n = people_patch_apply(&pt, &u, "x");
    assert_int_equal(n.status, 1);
    assert_null(n.terminated);
}

static void test_permissions(void **state)
{
    people_profile_t u = member(), owner = member();
    people_patch_t pt;
    const char *other = "22222222-2222-2222-2222-222222222222";
    const char *err;
    (void)state;

    owner.id = "33333333-3333-3333-3333-333333333333";
    owner.is_owner = 1;

    pt = ok("{\"firstName\":\"Anne\"}");
    assert_null(people_patch_forbidden(pool, u.id, 0, 0, &u, &pt));
    assert_non_null(people_patch_forbidden(pool, other, 0, 0, &u, &pt));
    assert_null(people_patch_forbidden(pool, other, 1, 0, &u, &pt));
    /* only the owner writes the owner's profile */
    assert_non_null(people_patch_forbidden(pool, other, 1, 0, &owner, &pt));
    assert_null(people_patch_forbidden(pool, owner.id, 0, 1, &owner, &pt));
    assert_non_null(people_write_forbidden(other, 1, 0, &owner));

    pt = ok("{\"title\":\"Boss\"}");
    err = people_patch_forbidden(pool, u.id, 0, 0, &u, &pt);
    assert_non_null(err);
    assert_non_null(strstr(err, "title"));
    assert_null(people_patch_forbidden(pool, other, 1, 0, &u, &pt));

    pt = ok("{\"disable\":true}");
    assert_non_null(people_patch_forbidden(pool, owner.id, 0, 1, &owner, &pt));
}

static void test_create(void **state)
{
    people_patch_t pt;
    (void)state;
    assert_null(parse("{\"firstName\":\"A\",\"lastName\":\"B\","
                      "\"email\":\"a.b@example.com\"}", 1, &pt));
    assert_null(pt.username);
    assert_null(parse("{\"firstName\":\"A\",\"lastName\":\"B\","
                      "\"email\":\"a@example.com\",\"username\":\"ab\"}",
                      1, &pt));
    assert_string_equal(pt.username, "ab");
    assert_non_null(strstr(parse("{\"firstName\":\"A\",\"lastName\":\"B\"}",
                                 1, &pt), "needs email"));
    assert_non_null(strstr(parse("{\"firstName\":\"A\",\"lastName\":\"B\","
                                 "\"email\":\"a@example.com\","
                                 "\"userName\":\"status\"}", 1, &pt),
                           "userName"));
}

static void test_usernames(void **state)
{
    (void)state;
    assert_null(people_username_problem("ann.lee"));
    assert_non_null(people_username_problem(""));
    assert_non_null(people_username_problem("a b"));
    assert_non_null(people_username_problem("a/b"));
    assert_non_null(people_username_problem("Filter"));
    assert_non_null(people_username_problem("@self"));
    assert_non_null(people_username_problem(".."));
    assert_non_null(people_username_problem("x.JSON"));
    /* a UUID is no new user's name: derived names never are one */
    assert_string_equal(people_username_from_email(
        pool, "0b7e6f2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b@x.org"), "user");
    assert_string_equal(people_username_from_email(pool, "Ann.Lee@x.org"),
                        "Ann.Lee");
    assert_string_equal(people_username_from_email(pool, "a+b@x.org"), "ab");
    assert_string_equal(people_username_from_email(pool, "+@x.org"), "user");
    assert_string_equal(people_username_from_email(pool, "search@x.org"),
                        "user");
    assert_int_equal(strlen(people_username_from_email(
        pool, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x")),
        48);
}

static void test_status_and_time(void **state)
{
    (void)state;
    assert_int_equal(people_user_status_parse("terminated"), 2);
    assert_int_equal(people_user_status_parse("4"), 4);
    assert_int_equal(people_user_status_parse("Active"), 1);
    assert_int_equal(people_user_status_parse("3"), 0);
    assert_int_equal(people_user_status_parse(""), 0);
    assert_string_equal(people_time_format(pool, 0),
                        "1970-01-01T00:00:00.0000000Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_named),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_form_values),
        cmocka_unit_test(test_changes_and_apply),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_usernames),
        cmocka_unit_test(test_status_and_time),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
