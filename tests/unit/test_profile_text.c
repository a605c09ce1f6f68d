/* Unit tests: the text of an answer at its edges (src/people_profile.c):
 * numbers at the limits of 64 bits, escapes, and stored bytes that are not
 * UTF-8, checked by parsing the text back with jansson. */
#include <stdint.h>
#include <jansson.h>

#include "tests/unit/unit.h"
#include "src/people_contacts.h"
#include "src/people_profile.h"

static json_t *answer(people_profile_t *u)
{
    size_t len = 0;
    json_error_t jerr;
    char *text = people_profile_envelope(pool, 200, u, 1, "/u", &len);
    json_t *root;

    assert_int_equal(strlen(text), len);
    root = json_loadb(text, len, 0, &jerr);
    if (!root) {
        fail_msg("not JSON (%s): %s", jerr.text, text);
    }
    return root;
}

static people_profile_t *profile(void)
{
    people_profile_t *u = apr_pcalloc(pool, sizeof(*u));
    u->id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    u->username = "alice";
    u->groups = apr_array_make(pool, 1, sizeof(people_group_t));
    u->contacts = apr_array_make(pool, 1, sizeof(people_contact_t));
    return u;
}

static void test_numbers_at_the_limits(void **state)
{
    people_profile_t *u = profile();
    json_t *root, *r;
    (void)state;

    u->quota_limit = INT64_MIN;
    u->used_space = INT64_MAX;
    u->docs_space = 0;
    u->mail_space = -1;
    u->talk_space = 1234567890123LL;
    u->status = 4;
    u->activation_status = -7;
    root = answer(u);
    r = json_object_get(root, "response");
    assert_true(json_integer_value(json_object_get(r, "quotaLimit"))
                == INT64_MIN);
    assert_true(json_integer_value(json_object_get(r, "usedSpace"))
                == INT64_MAX);
    assert_true(json_integer_value(json_object_get(r, "docsSpace")) == 0);
    assert_true(json_integer_value(json_object_get(r, "mailSpace")) == -1);
    assert_true(json_integer_value(json_object_get(r, "talkSpace"))
                == 1234567890123LL);
    assert_true(json_integer_value(json_object_get(r, "status")) == 4);
    assert_true(json_integer_value(json_object_get(r, "activationStatus"))
                == -7);
    assert_true(json_integer_value(json_object_get(root, "statusCode"))
                == 200);
    json_decref(root);
}

static void test_strings_escaped_and_checked(void **state)
{
    people_profile_t *u = profile();
    people_contact_t *c;
    json_t *root, *r, *cs;
    (void)state;

    u->first_name = "Zo\xc3\xab \"Q\" \\ \x01\ttab";
    u->last_name = "caf\xc3\xa9\xff";          /* not UTF-8 at the end */
    u->title = "\xe2\x82\xac and \x1f";
    u->notes = "\xc3";                           /* cut sequence */
    c = apr_array_push(u->contacts);
    c->type = "mail";
    c->value = "a\"b@example.org";
    root = answer(u);
    r = json_object_get(root, "response");
    assert_string_equal(json_string_value(json_object_get(r, "firstName")),
                        "Zo\xc3\xab \"Q\" \\ \x01\ttab");
    assert_true(json_is_null(json_object_get(r, "lastName")));
    assert_string_equal(json_string_value(json_object_get(r, "title")),
                        "\xe2\x82\xac and \x1f");
    assert_true(json_is_null(json_object_get(r, "notes")));
    /* what follows a refused string is intact */
    assert_string_equal(json_string_value(json_object_get(r, "userName")),
                        "alice");
    cs = json_object_get(r, "contacts");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(cs, 0), "value")),
                        "a\"b@example.org");
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_at_the_limits),
        cmocka_unit_test(test_strings_escaped_and_checked),
    };
    return cmocka_run_group_tests_name("profile_text", tests, group_setup,
                                       group_teardown);
}
