/* Unit tests: routing below the API location (spec section 3). */
#include "tests/unit/unit.h"
#include "src/people_route.h"

#define UUID_LC "0f8fad5b-d9cb-469f-a165-70867728950e"
#define UUID_UC "0F8FAD5B-D9CB-469F-A165-70867728950E"
#define UUID_MX "0f8FAD5b-D9cb-469F-a165-70867728950E"

static void expect(const char *path, people_resource_e res,
                   people_userkind_e kind, const char *user)
{
    people_route_t r = people_route_parse(pool, path);

    if (r.resource != res) {
        fail_msg("%s: resource %d, want %d", path, (int)r.resource, (int)res);
    }
    if (r.kind != kind) {
        fail_msg("%s: kind %d, want %d", path, (int)r.kind, (int)kind);
    }
    if (user) {
        if (!r.user) {
            fail_msg("%s: user NULL, want %s", path, user);
        }
        assert_string_equal(r.user, user);
    }
    else {
        assert_null(r.user);
    }
}

static void expect_none(const char *path)
{
    people_route_t r = people_route_parse(pool, path);
    if (r.resource != PEOPLE_RES_NONE) {
        fail_msg("\"%s\" routed to %d, want NONE", path ? path : "(null)",
                 (int)r.resource);
    }
}

static void test_profile_by_uuid(void **state)
{
    (void)state;
    expect("/" UUID_LC, PEOPLE_RES_PROFILE, PEOPLE_USER_ID, UUID_LC);
    expect("/" UUID_UC, PEOPLE_RES_PROFILE, PEOPLE_USER_ID, UUID_LC);
    expect("/" UUID_MX, PEOPLE_RES_PROFILE, PEOPLE_USER_ID, UUID_LC);
    expect("/{" UUID_UC "}", PEOPLE_RES_PROFILE, PEOPLE_USER_ID, UUID_LC);
    expect("/{" UUID_LC "}", PEOPLE_RES_PROFILE, PEOPLE_USER_ID, UUID_LC);
}

static void test_profile_by_name(void **state)
{
    (void)state;
    expect("/alice", PEOPLE_RES_PROFILE, PEOPLE_USER_NAME, "alice");
    expect("/ALICE", PEOPLE_RES_PROFILE, PEOPLE_USER_NAME, "alice");
    expect("/Alice.Smith", PEOPLE_RES_PROFILE, PEOPLE_USER_NAME,
           "alice.smith");
    /* not quite a UUID: a name */
    expect("/" "0f8fad5b-d9cb-469f-a165-70867728950", PEOPLE_RES_PROFILE,
           PEOPLE_USER_NAME, "0f8fad5b-d9cb-469f-a165-70867728950");
    expect("/{" UUID_LC, PEOPLE_RES_PROFILE, PEOPLE_USER_NAME,
           "{" UUID_LC);
    expect("/0f8fad5bxd9cb-469f-a165-70867728950e", PEOPLE_RES_PROFILE,
           PEOPLE_USER_NAME, "0f8fad5bxd9cb-469f-a165-70867728950e");
    expect("/gf8fad5b-d9cb-469f-a165-70867728950e", PEOPLE_RES_PROFILE,
           PEOPLE_USER_NAME, "gf8fad5b-d9cb-469f-a165-70867728950e");
}

static void test_profile_self(void **state)
{
    (void)state;
    expect("/@self", PEOPLE_RES_PROFILE, PEOPLE_USER_SELF, NULL);
}

static void test_json_suffix(void **state)
{
    (void)state;
    expect("/@self.json", PEOPLE_RES_PROFILE, PEOPLE_USER_SELF, NULL);
    expect("/alice.json", PEOPLE_RES_PROFILE, PEOPLE_USER_NAME, "alice");
    expect("/ALICE.json", PEOPLE_RES_PROFILE, PEOPLE_USER_NAME, "alice");
    expect("/" UUID_UC ".json", PEOPLE_RES_PROFILE, PEOPLE_USER_ID, UUID_LC);
    expect("/{" UUID_UC "}.json", PEOPLE_RES_PROFILE, PEOPLE_USER_ID, UUID_LC);
    expect("/alice/contacts.json", PEOPLE_RES_CONTACTS, PEOPLE_USER_NAME,
           "alice");
    expect("/@self/contacts.json", PEOPLE_RES_CONTACTS, PEOPLE_USER_SELF,
           NULL);
    expect("/" UUID_UC "/contacts.json", PEOPLE_RES_CONTACTS, PEOPLE_USER_ID,
           UUID_LC);
}

static void test_contacts(void **state)
{
    (void)state;
    expect("/x/contacts", PEOPLE_RES_CONTACTS, PEOPLE_USER_NAME, "x");
    expect("/x/contacts.json", PEOPLE_RES_CONTACTS, PEOPLE_USER_NAME, "x");
    expect("/Bob/contacts", PEOPLE_RES_CONTACTS, PEOPLE_USER_NAME, "bob");
    expect("/@self/contacts", PEOPLE_RES_CONTACTS, PEOPLE_USER_SELF, NULL);
    expect("/" UUID_UC "/contacts", PEOPLE_RES_CONTACTS, PEOPLE_USER_ID,
           UUID_LC);
    expect("/{" UUID_MX "}/contacts", PEOPLE_RES_CONTACTS, PEOPLE_USER_ID,
           UUID_LC);
}

static void test_no_route(void **state)
{
    (void)state;
    expect_none("");
    expect_none("/");
    expect_none("/x/other");
    expect_none("/x/contacts/y");
    expect_none("//contacts");
    expect_none("//contacts.json");
    expect_none("/x/");
    expect_none("/x/contacts/");
    expect_none("/x/contactsx");
    expect_none("/x/contacts.jsonx");
    expect_none("/x/y/contacts");
    expect_none("alice");
    expect_none(NULL);
}

static void test_uuid_normalise(void **state)
{
    (void)state;
    assert_string_equal(people_uuid_normalise(pool, UUID_UC), UUID_LC);
    assert_string_equal(people_uuid_normalise(pool, "{" UUID_MX "}"), UUID_LC);
    assert_null(people_uuid_normalise(pool, ""));
    assert_null(people_uuid_normalise(pool, "alice"));
    assert_null(people_uuid_normalise(pool, "{" UUID_LC));
    assert_null(people_uuid_normalise(pool, UUID_LC "}"));
    assert_null(people_uuid_normalise(pool, "(" UUID_LC ")"));
    assert_null(people_uuid_normalise(pool, "0f8fad5bd9cb469fa16570867728950e"));
    assert_null(people_uuid_normalise(pool,
                                      "0f8fad5b-d9cb-469f-a165-70867728950g"));
    assert_null(people_uuid_normalise(pool,
                                      "0f8fad5b-d9cb-469f-a16570867728950e-"));
}

static void test_name_key(void **state)
{
    (void)state;
    assert_string_equal(people_name_key(pool, "AlIcE"), "alice");
    assert_string_equal(people_name_key(pool, "bob.2-X_Y"), "bob.2-x_y");
    assert_string_equal(people_name_key(pool, ""), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_by_uuid),
        cmocka_unit_test(test_profile_by_name),
        cmocka_unit_test(test_profile_self),
        cmocka_unit_test(test_json_suffix),
        cmocka_unit_test(test_contacts),
        cmocka_unit_test(test_no_route),
        cmocka_unit_test(test_uuid_normalise),
        cmocka_unit_test(test_name_key),
    };
    return cmocka_run_group_tests_name("route", tests, group_setup,
                                       group_teardown);
}
