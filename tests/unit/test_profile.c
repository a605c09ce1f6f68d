/* Unit tests: the profile JSON, profile URLs, entity tags and the answer
 * envelopes (spec section 7, and the ETag rules of section 6). */
#include <stdlib.h>

#include <jansson.h>

#include "tests/unit/unit.h"
#include "tests/profile_keys.h"
#include "src/people_contacts.h"
#include "src/people_profile.h"

/* ---- fixtures --------------------------------------------------------- */

#define ALICE_ID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define BOB_ID   "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define LEAD_ID  "16fd2706-8baf-433b-82eb-8c7fada847da"
#define URL      "https://portal.example/Products/People/Profile.aspx?user=alice"

static void push_contact(apr_array_header_t *a, const char *t, const char *v)
{
    people_contact_t *c = apr_array_push(a);
    c->type = t;
    c->value = v;
}

/* Every field set, with values that tell the fields apart. */
static people_profile_t full_profile(void)
{
    people_profile_t u;
    people_group_t *g;

    memset(&u, 0, sizeof(u));
    u.id = ALICE_ID;
    u.username = "alice";
    u.first_name = "Alice";
    u.last_name = "Liddell";
    u.email = "alice@example.com";
    u.birthday = "1990-05-04T00:00:00.0000000Z";
    u.sex = 0;
    u.status = 4;
    u.activation_status = 2;
    u.terminated = "2024-01-02T03:04:05.0000000Z";
    u.department = "Wonderland";
    u.work_from = "2015-06-07T00:00:00.0000000Z";
    u.location = "Oxford";
    u.notes = "likes \"tea\" \xc3\xa9";
    u.title = "Explorer";
    u.lead = LEAD_ID;
    u.avatar_small = "/img/a32.png";
    u.avatar_medium = "/img/a48.png";
    u.avatar = "/img/a82.png";
    u.is_admin = 1;
    u.is_owner = 0;
    u.is_visitor = 1;
    u.is_ldap = 0;
    u.is_sso = 1;
    u.culture_name = "en-GB";
    u.quota_limit = APR_INT64_C(5000000000);
    u.used_space = 11;
    u.docs_space = 22;
    u.mail_space = 33;
    u.talk_space = 44;
    u.version = 7;
    u.groups = apr_array_make(pool, 2, sizeof(people_group_t));
    g = apr_array_push(u.groups);
    g->id = "a0000000-0000-0000-0000-000000000001";
    g->name = "Readers";
    g->manager = "bob";
    g = apr_array_push(u.groups);
    g->id = "a0000000-0000-0000-0000-000000000002";
    g->name = "Writers";
    g->manager = NULL;
    u.contacts = apr_array_make(pool, 3, sizeof(people_contact_t));
    push_contact(u.contacts, "phone", "+1 555");
    push_contact(u.contacts, "mail", "a@b.c");
    push_contact(u.contacts, "MyType", "x");
    return u;
}

/* Only what a minimal row holds; every optional string NULL. */
static people_profile_t bare_profile(void)
{
    people_profile_t u;
    memset(&u, 0, sizeof(u));
    u.id = BOB_ID;
    u.username = "bob";
    u.first_name = "Bob";
    u.last_name = "Builder";
    u.sex = -1;
    u.status = 1;
    u.activation_status = 1;
    u.version = 1;
    return u;
}

static json_t *get(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        fail_msg("profile has no key \"%s\"", key);
    }
    return v;
}

static void assert_str(json_t *o, const char *key, const char *want)
{
    json_t *v = get(o, key);
    if (!json_is_string(v)) {
        fail_msg("\"%s\" is not a string", key);
    }
    assert_string_equal(json_string_value(v), want);
}

static void assert_jnull(json_t *o, const char *key)
{
    if (!json_is_null(get(o, key))) {
        fail_msg("\"%s\" is not null", key);
    }
}

static void assert_int(json_t *o, const char *key, json_int_t want)
{
    json_t *v = get(o, key);
    if (!json_is_integer(v)) {
        fail_msg("\"%s\" is not an integer", key);
    }
    assert_true(json_integer_value(v) == want);
}

static void assert_bool(json_t *o, const char *key, int want)
{
    json_t *v = get(o, key);
    if (!json_is_boolean(v)) {
        fail_msg("\"%s\" is not a boolean", key);
    }
    if (want ? !json_is_true(v) : !json_is_false(v)) {
        fail_msg("\"%s\" should be %s", key, want ? "true" : "false");
    }
}

/* ---- people_profile_json ---------------------------------------------- */

static void test_profile_all_keys_present(void **state)
{
    people_profile_t u = full_profile(), b = bare_profile();
    json_t *views[4];
    size_t i, k;
    (void)state;

    assert_int_equal(PEOPLE_PROFILE_NKEYS, 35);
    views[0] = people_profile_json(pool, &u, 1, URL);
    views[1] = people_profile_json(pool, &u, 0, URL);
    views[2] = people_profile_json(pool, &b, 1, URL);
    views[3] = people_profile_json(pool, &b, 0, URL);
    for (i = 0; i < 4; i++) {
        assert_non_null(views[i]);
        assert_true(json_is_object(views[i]));
        for (k = 0; k < PEOPLE_PROFILE_NKEYS; k++) {
            if (!json_object_get(views[i], people_profile_keys[k])) {
                fail_msg("view %d lacks \"%s\"", (int)i,
                         people_profile_keys[k]);
            }
        }
        /* and no other */
        assert_int_equal(json_object_size(views[i]), PEOPLE_PROFILE_NKEYS);
    }
}

static void test_profile_full_values(void **state)
{
    people_profile_t u = full_profile();
    json_t *o = people_profile_json(pool, &u, 1, URL);
    json_t *groups, *g;
    (void)state;

    assert_str(o, "id", ALICE_ID);
    assert_str(o, "userName", "alice");
    assert_str(o, "firstName", "Alice");
    assert_str(o, "lastName", "Liddell");
    assert_str(o, "displayName", "Alice Liddell");
    assert_str(o, "email", "alice@example.com");
    assert_str(o, "birthday", "1990-05-04T00:00:00.0000000Z");
    assert_str(o, "sex", "female");
    assert_int(o, "status", 4);
    assert_int(o, "activationStatus", 2);
    assert_str(o, "terminated", "2024-01-02T03:04:05.0000000Z");
    assert_str(o, "department", "Wonderland");
    assert_str(o, "workFrom", "2015-06-07T00:00:00.0000000Z");
    assert_str(o, "location", "Oxford");
    assert_str(o, "notes", "likes \"tea\" \xc3\xa9");
    assert_str(o, "title", "Explorer");
    assert_str(o, "lead", LEAD_ID);
    assert_str(o, "avatarSmall", "/img/a32.png");
    assert_str(o, "avatarMedium", "/img/a48.png");
    assert_str(o, "avatar", "/img/a82.png");
    assert_bool(o, "isAdmin", 1);
    assert_bool(o, "isOwner", 0);
    assert_bool(o, "isVisitor", 1);
    assert_bool(o, "isLDAP", 0);
    assert_bool(o, "isSSO", 1);
    assert_str(o, "cultureName", "en-GB");
    assert_int(o, "quotaLimit", (json_int_t)5000000000LL);
    assert_int(o, "usedSpace", 11);
    assert_int(o, "docsSpace", 22);
    assert_int(o, "mailSpace", 33);
    assert_int(o, "talkSpace", 44);
    assert_str(o, "profileUrl", URL);

    assert_true(json_is_array(get(o, "listAdminModules")));
    assert_int_equal(json_array_size(get(o, "listAdminModules")), 0);

    groups = get(o, "groups");
    assert_true(json_is_array(groups));
    assert_int_equal(json_array_size(groups), 2);
    g = json_array_get(groups, 0);
    assert_true(json_is_object(g));
    assert_str(g, "id", "a0000000-0000-0000-0000-000000000001");
    assert_str(g, "name", "Readers");
    assert_str(g, "manager", "bob");
    g = json_array_get(groups, 1);
    assert_str(g, "id", "a0000000-0000-0000-0000-000000000002");
    assert_str(g, "name", "Writers");
    assert_jnull(g, "manager");
}

static void test_profile_flags_one_by_one(void **state)
{
    /* one flag set at a time, so that a crossed mapping shows */
    static const char *const keys[] = {
        "isAdmin", "isOwner", "isVisitor", "isLDAP", "isSSO"
    };
    int which, k;
    (void)state;

    for (which = 0; which < 5; which++) {
        people_profile_t u = full_profile();
        json_t *o;

        u.is_admin = which == 0;
        u.is_owner = which == 1;
        u.is_visitor = which == 2;
        u.is_ldap = which == 3;
        u.is_sso = which == 4;
        o = people_profile_json(pool, &u, 1, URL);
        for (k = 0; k < 5; k++) {
            assert_bool(o, keys[k], k == which);
        }
    }
}

static void test_profile_contacts_full(void **state)
{
    people_profile_t u = full_profile();
    json_t *o = people_profile_json(pool, &u, 1, URL);
    json_t *c = get(o, "contacts"), *want;
    (void)state;

    want = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]",
                     "type", "phone", "value", "+1 555",
                     "type", "mail", "value", "a@b.c",
                     "type", "MyType", "value", "x");
    assert_non_null(want);
    assert_true(json_is_array(c));
    if (!json_equal(c, want)) {
        char *got = json_dumps(c, JSON_COMPACT);
        print_error("contacts: %s\n", got);
        free(got);
        json_decref(want);
        fail();
    }
    json_decref(want);
    assert_str(o, "email", "alice@example.com");
}

static void test_profile_partial_hides(void **state)
{
    people_profile_t u = full_profile();
    json_t *o = people_profile_json(pool, &u, 0, URL);
    (void)state;

    assert_jnull(o, "email");
    assert_true(json_is_array(get(o, "contacts")));
    assert_int_equal(json_array_size(get(o, "contacts")), 0);
    /* the rest is still there */
    assert_str(o, "userName", "alice");
    assert_str(o, "displayName", "Alice Liddell");
    assert_str(o, "profileUrl", URL);
}

static void test_profile_null_strings(void **state)
{
    people_profile_t u = bare_profile();
    json_t *o = people_profile_json(pool, &u, 1, URL);
    (void)state;

    assert_str(o, "id", BOB_ID);
    assert_str(o, "displayName", "Bob Builder");
    assert_jnull(o, "email");
    assert_jnull(o, "birthday");
    assert_jnull(o, "sex");
    assert_jnull(o, "terminated");
    assert_jnull(o, "department");
    assert_jnull(o, "workFrom");
    assert_jnull(o, "location");
    assert_jnull(o, "notes");
    assert_jnull(o, "title");
    assert_jnull(o, "lead");
    assert_jnull(o, "cultureName");
    assert_int(o, "status", 1);
    assert_int(o, "activationStatus", 1);
    assert_int(o, "quotaLimit", 0);
    assert_bool(o, "isAdmin", 0);
    assert_true(json_is_array(get(o, "groups")));
    assert_int_equal(json_array_size(get(o, "groups")), 0);
    assert_true(json_is_array(get(o, "contacts")));
    assert_int_equal(json_array_size(get(o, "contacts")), 0);
    assert_true(json_is_array(get(o, "listAdminModules")));
}

static void test_profile_sex(void **state)
{
    people_profile_t u = bare_profile();
    (void)state;

    u.sex = 1;
    assert_str(people_profile_json(pool, &u, 1, URL), "sex", "male");
    u.sex = 0;
    assert_str(people_profile_json(pool, &u, 1, URL), "sex", "female");
    u.sex = -1;
    assert_jnull(people_profile_json(pool, &u, 1, URL), "sex");
}

static void test_profile_display_name(void **state)
{
    people_profile_t u = bare_profile();
    (void)state;

    u.first_name = "Jean";
    u.last_name = "Dupr\xc3\xa9";
    assert_str(people_profile_json(pool, &u, 0, URL), "displayName",
               "Jean Dupr\xc3\xa9");
}

/* ---- people_profile_url ----------------------------------------------- */

static void test_profile_url(void **state)
{
    people_profile_t u = full_profile();
    (void)state;

    assert_string_equal(
        people_profile_url(pool, "https://h/p?user={userName}", &u),
        "https://h/p?user=alice");
    assert_string_equal(
        people_profile_url(pool, "https://h/people/{id}", &u),
        "https://h/people/" ALICE_ID);
    assert_string_equal(
        people_profile_url(pool, "https://h/{id}/{userName}/{id}", &u),
        "https://h/" ALICE_ID "/alice/" ALICE_ID);
    assert_string_equal(people_profile_url(pool, "https://h/static", &u),
                        "https://h/static");
}

static void test_profile_url_escapes(void **state)
{
    people_profile_t u = full_profile();
    (void)state;

    u.username = "a b&c";
    assert_string_equal(people_profile_url(pool, "https://h/?u={userName}", &u),
                        "https://h/?u=a%20b%26c");
    u.username = "a/b?c=d#e";
    assert_string_equal(people_profile_url(pool, "/{userName}", &u),
                        "/a%2Fb%3Fc%3Dd%23e");
    u.username = "j.doe-x_y~z";
    assert_string_equal(people_profile_url(pool, "/{userName}", &u),
                        "/j.doe-x_y~z");
    u.username = "\xc3\xa9";
    assert_string_equal(people_profile_url(pool, "/{userName}", &u),
                        "/%C3%A9");
}

static void test_profile_url_unknown_braces(void **state)
{
    people_profile_t u = full_profile();
    (void)state;

    assert_string_equal(people_profile_url(pool, "x{foo}y/{id}", &u),
                        "x{foo}y/" ALICE_ID);
    assert_string_equal(people_profile_url(pool, "{{userName}}", &u),
                        "{alice}");
    assert_string_equal(people_profile_url(pool, "a{", &u), "a{");
    assert_string_equal(people_profile_url(pool, "{ID}{username}", &u),
                        "{ID}{username}");
}

/* ---- people_etag / people_etag_listed --------------------------------- */

static void test_etag_form(void **state)
{
    people_profile_t u = full_profile();
    const char *t = people_etag(pool, &u, 1);
    size_t n = strlen(t);
    (void)state;

    assert_true(n > 2);
    assert_int_equal(t[0], '"');
    assert_int_equal(t[n - 1], '"');
    assert_ptr_equal(strchr(t + 1, '"'), t + n - 1);   /* no inner quote */
    assert_int_not_equal(strncmp(t, "W/", 2), 0);
    /* stable */
    assert_string_equal(people_etag(pool, &u, 1), t);
}

static void test_etag_differs_by_version(void **state)
{
    people_profile_t u = full_profile();
    const char *t7, *t8, *t70;
    (void)state;

    t7 = people_etag(pool, &u, 1);
    u.version = 8;
    t8 = people_etag(pool, &u, 1);
    u.version = 70;
    t70 = people_etag(pool, &u, 1);
    assert_string_not_equal(t7, t8);
    assert_string_not_equal(t7, t70);
    assert_string_not_equal(t8, t70);
}

static void test_etag_differs_by_view(void **state)
{
    people_profile_t u = full_profile();
    (void)state;
    assert_string_not_equal(people_etag(pool, &u, 1),
                            people_etag(pool, &u, 0));
}

static void test_etag_differs_by_user(void **state)
{
    people_profile_t a = full_profile(), b = full_profile();
    (void)state;

    b.id = BOB_ID;
    assert_string_not_equal(people_etag(pool, &a, 1), people_etag(pool, &b, 1));
    assert_string_not_equal(people_etag(pool, &a, 0), people_etag(pool, &b, 0));
}

static void test_etag_differs_by_user_same_prefix(void **state)
{
    /* two ids that share their first group (ids may be chosen with
     * people-admin --id), same version: /@self must not answer 304 to one
     * with the other's tag */
    people_profile_t a = full_profile(), b = full_profile();
    (void)state;

    a.id = "00000000-0000-0000-0000-000000000001";
    b.id = "00000000-0000-0000-0000-000000000002";
    assert_string_not_equal(people_etag(pool, &a, 1), people_etag(pool, &b, 1));
}

static void test_etag_listed(void **state)
{
    people_profile_t u = full_profile();
    const char *t = people_etag(pool, &u, 1);
    const char *weak = apr_pstrcat(pool, "W/", t, NULL);
    char *prefix = apr_pstrdup(pool, t);
    (void)state;

    /* exact */
    assert_true(people_etag_listed(t, t, 1));
    assert_true(people_etag_listed(t, t, 0));
    /* lists */
    assert_true(people_etag_listed(apr_pstrcat(pool, "\"x\", ", t, " , \"y\"",
                                               NULL), t, 1));
    assert_true(people_etag_listed(apr_pstrcat(pool, "\"x\",", t, NULL), t, 1));
    assert_true(people_etag_listed(apr_pstrcat(pool, "  ", t, "  ", NULL), t,
                                   1));
    /* any */
    assert_true(people_etag_listed("*", t, 1));
    assert_true(people_etag_listed("*", t, 0));
    assert_true(people_etag_listed(" * ", t, 1));
    /* weak */
    assert_false(people_etag_listed(weak, t, 1));
    assert_true(people_etag_listed(weak, t, 0));
    assert_true(people_etag_listed(apr_pstrcat(pool, "\"x\", ", weak, NULL), t,
                                   0));
    assert_false(people_etag_listed(apr_pstrcat(pool, "\"x\", ", weak, NULL),
                                    t, 1));
    /* non-matches */
    assert_false(people_etag_listed("\"other\"", t, 1));
    assert_false(people_etag_listed("\"other\"", t, 0));
    assert_false(people_etag_listed("\"a\", \"b\"", t, 0));
    assert_false(people_etag_listed("", t, 0));
    prefix[strlen(prefix) - 2] = '"';
    prefix[strlen(prefix) - 1] = '\0';
    assert_false(people_etag_listed(prefix, t, 1));
    assert_false(people_etag_listed(apr_pstrcat(pool,
        apr_pstrmemdup(pool, t, strlen(t) - 1), "x\"", NULL), t, 1));
    assert_false(people_etag_listed(apr_pstrmemdup(pool, t + 1, strlen(t) - 2),
                                    t, 0));
    /* another view or version of the same profile */
    assert_false(people_etag_listed(people_etag(pool, &u, 0), t, 0));
    u.version++;
    assert_false(people_etag_listed(people_etag(pool, &u, 1), t, 0));
}

/* ---- envelopes -------------------------------------------------------- */

static json_t *load(const char *text, size_t len)
{
    json_error_t e;
    json_t *j;

    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        fail_msg("not JSON (%s): %s", e.text, text);
    }
    return j;
}

static void test_envelope_ok(void **state)
{
    people_profile_t u = full_profile();
    size_t len = 0;
    char *text = people_profile_envelope(pool, 200, &u, 1, URL, &len);
    json_t *j = load(text, len);
    (void)state;

    assert_true(json_is_object(j));
    assert_int_equal(json_object_size(j), 4);
    assert_true(json_is_integer(json_object_get(j, "count")));
    assert_true(json_is_integer(json_object_get(j, "status")));
    assert_true(json_is_integer(json_object_get(j, "statusCode")));
    assert_true(json_is_object(json_object_get(j, "response")));
    /* the order of the spec's example */
    assert_true(strncmp(text, "{\"count\":1,\"status\":0,\"statusCode\":200,"
                              "\"response\":{\"id\":", 53) == 0);
    assert_true(json_equal(json_object_get(j, "response"),
                           people_profile_json(pool, &u, 1, URL)));
    json_decref(j);
}

static void test_envelope_ok_201_profile(void **state)
{
    people_profile_t u = full_profile();
    json_t *prof = people_profile_json(pool, &u, 0, URL);
    size_t len = 0;
    char *text = people_profile_envelope(pool, 201, &u, 0, URL, &len);
    json_t *j = load(text, len);
    (void)state;

    assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), 201);
    assert_true(json_equal(json_object_get(j, "response"), prof));
    json_decref(j);
}

static void test_strings_escaped_and_invalid_utf8_null(void **state)
{
    people_profile_t u = full_profile();
    json_t *o;
    (void)state;

    u.title = "a \"quoted\" \\ back\tslash\n\x01 \xc3\xa9";
    u.notes = "bad \xc3\x28 utf8";
    o = people_profile_json(pool, &u, 1, URL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "title")),
                        "a \"quoted\" \\ back\tslash\n\x01 \xc3\xa9");
    assert_true(json_is_null(json_object_get(o, "notes")));
}

static void test_envelope_error(void **state)
{
    size_t len = 0;
    char *text = people_envelope_error(pool, 404, "user not found", &len);
    json_t *j = load(text, len), *want, *err;
    (void)state;

    want = json_pack("{s:i,s:i,s:{s:s}}", "status", 1, "statusCode", 404,
                     "error", "message", "user not found");
    assert_int_equal(json_object_size(j), 3);
    err = json_object_get(j, "error");
    assert_true(json_is_object(err));
    assert_int_equal(json_object_size(err), 1);
    assert_string_equal(json_string_value(json_object_get(err, "message")),
                        "user not found");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), 404);
    assert_true(json_equal(j, want));
    assert_string_equal(text, "{\"status\":1,\"statusCode\":404,"
                              "\"error\":{\"message\":\"user not found\"}}");
    json_decref(want);
    json_decref(j);
}

static void test_envelope_error_escaping(void **state)
{
    const char *msg = "contacts[1].type \"a b\" \\ \xc3\xa9";
    size_t len = 0;
    char *text = people_envelope_error(pool, 400, msg, &len);
    json_t *j = load(text, len);
    (void)state;

    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), 400);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "error"),
                                          "message")), msg);
    json_decref(j);

    text = people_envelope_error(pool, 503, "database unavailable", &len);
    j = load(text, len);
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), 503);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 1);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_all_keys_present),
        cmocka_unit_test(test_profile_full_values),
        cmocka_unit_test(test_profile_flags_one_by_one),
        cmocka_unit_test(test_profile_contacts_full),
        cmocka_unit_test(test_profile_partial_hides),
        cmocka_unit_test(test_profile_null_strings),
        cmocka_unit_test(test_profile_sex),
        cmocka_unit_test(test_profile_display_name),
        cmocka_unit_test(test_profile_url),
        cmocka_unit_test(test_profile_url_escapes),
        cmocka_unit_test(test_profile_url_unknown_braces),
        cmocka_unit_test(test_etag_form),
        cmocka_unit_test(test_etag_differs_by_version),
        cmocka_unit_test(test_etag_differs_by_view),
        cmocka_unit_test(test_etag_differs_by_user),
        cmocka_unit_test(test_etag_differs_by_user_same_prefix),
        cmocka_unit_test(test_etag_listed),
        cmocka_unit_test(test_envelope_ok),
        cmocka_unit_test(test_envelope_ok_201_profile),
        cmocka_unit_test(test_strings_escaped_and_invalid_utf8_null),
        cmocka_unit_test(test_envelope_error),
        cmocka_unit_test(test_envelope_error_escaping),
    };
    return cmocka_run_group_tests_name("profile", tests, group_setup,
                                       group_teardown);
}
