/* Unit tests: routing below the API location (spec section 3): paths,
 * the operation of each method, and Allow. */
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
    /* @self in any letter case */
    expect("/@SELF", PEOPLE_RES_PROFILE, PEOPLE_USER_SELF, NULL);
    expect("/@Self.json", PEOPLE_RES_PROFILE, PEOPLE_USER_SELF, NULL);
    expect("/@sElF/contacts", PEOPLE_RES_CONTACTS, PEOPLE_USER_SELF, NULL);
}

/* A directory route (section 9): its resource and argument, and no user. */
static void expect_dir(const char *path, people_resource_e res,
                       const char *arg)
{
    people_route_t r = people_route_parse(pool, path);

    if (r.resource != res) {
        fail_msg("%s: resource %d, want %d", path, (int)r.resource, (int)res);
    }
    assert_null(r.user);
    if (arg) {
        if (!r.arg) {
            fail_msg("%s: arg NULL, want %s", path, arg);
        }
        assert_string_equal(r.arg, arg);
    }
    else if (r.arg) {
        fail_msg("%s: arg %s, want NULL", path, r.arg);
    }
}

static void test_directory_routes(void **state)
{
    (void)state;
    expect_dir("", PEOPLE_RES_LIST, NULL);
    expect_dir("/", PEOPLE_RES_LIST, NULL);
    expect_dir("/status/1", PEOPLE_RES_STATUS, "1");
    expect_dir("/status/Terminated.json", PEOPLE_RES_STATUS, "Terminated");
    expect_dir("/STATUS/2", PEOPLE_RES_STATUS, "2");
    expect_dir("/filter", PEOPLE_RES_FILTER, NULL);
    expect_dir("/filter.json", PEOPLE_RES_FILTER, NULL);
    expect_dir("/Filter", PEOPLE_RES_FILTER, NULL);
    expect_dir("/simple/filter", PEOPLE_RES_SIMPLE_FILTER, NULL);
    expect_dir("/simple/filter.json", PEOPLE_RES_SIMPLE_FILTER, NULL);
    expect_dir("/search", PEOPLE_RES_SEARCH, NULL);
    expect_dir("/search.json", PEOPLE_RES_SEARCH, NULL);
    expect_dir("/@search/jo an", PEOPLE_RES_AT_SEARCH, "jo an");
    expect_dir("/@search/x.json", PEOPLE_RES_AT_SEARCH, "x");
    expect_dir("/email", PEOPLE_RES_EMAIL, NULL);
    expect_dir("/email.json", PEOPLE_RES_EMAIL, NULL);
}

/* The directory's literal segments, and '@' words, are never users. */
static void test_literals_are_not_users(void **state)
{
    (void)state;
    expect_none("/status");
    expect_none("/status/");
    expect_none("/Status.json");
    expect_none("/simple");
    expect_none("/simple/x");
    expect_none("/simple/filter/x");
    expect_none("/@search");
    expect_none("/@search/");
    expect_none("/@other");
    expect_none("/@selfie");
    expect_none("/@other/contacts");
    expect_none("/filter/contacts");
    expect_none("/Email/contacts");
    expect_none("/status/1/x");
    /* "contacts" itself is no literal of the directory */
    expect("/contacts", PEOPLE_RES_PROFILE, PEOPLE_USER_NAME, "contacts");
    expect("/contacts/contacts", PEOPLE_RES_CONTACTS, PEOPLE_USER_NAME,
           "contacts");
}

#define ALL ((people_do_set_t)~0u)

static void test_operations(void **state)
{
    static const struct {
        people_resource_e res;
        const char *method;
        people_do_e op;
    } t[] = {
        {PEOPLE_RES_PROFILE, "GET", PEOPLE_DO_PROFILE_GET},
        {PEOPLE_RES_PROFILE, "HEAD", PEOPLE_DO_PROFILE_GET},
        {PEOPLE_RES_PROFILE, "PUT", PEOPLE_DO_PROFILE_PUT},
        {PEOPLE_RES_PROFILE, "DELETE", PEOPLE_DO_USER_DELETE},
        {PEOPLE_RES_PROFILE, "POST", PEOPLE_DO_NONE},
        {PEOPLE_RES_PROFILE, "PATCH", PEOPLE_DO_NONE},
        {PEOPLE_RES_PROFILE, "get", PEOPLE_DO_NONE},
        {PEOPLE_RES_CONTACTS, "PUT", PEOPLE_DO_CONTACTS_PUT},
        {PEOPLE_RES_CONTACTS, "POST", PEOPLE_DO_CONTACTS_POST},
        {PEOPLE_RES_CONTACTS, "DELETE", PEOPLE_DO_CONTACTS_DELETE},
        {PEOPLE_RES_CONTACTS, "GET", PEOPLE_DO_NONE},
        {PEOPLE_RES_CONTACTS, "HEAD", PEOPLE_DO_NONE},
        {PEOPLE_RES_LIST, "GET", PEOPLE_DO_LIST},
        {PEOPLE_RES_LIST, "HEAD", PEOPLE_DO_LIST},
        {PEOPLE_RES_LIST, "POST", PEOPLE_DO_USER_ADD},
        {PEOPLE_RES_LIST, "PUT", PEOPLE_DO_NONE},
        {PEOPLE_RES_STATUS, "GET", PEOPLE_DO_LIST_STATUS},
        {PEOPLE_RES_STATUS, "PUT", PEOPLE_DO_STATUS_PUT},
        {PEOPLE_RES_STATUS, "DELETE", PEOPLE_DO_NONE},
        {PEOPLE_RES_FILTER, "GET", PEOPLE_DO_LIST_FILTER},
        {PEOPLE_RES_SIMPLE_FILTER, "HEAD", PEOPLE_DO_LIST_SIMPLE},
        {PEOPLE_RES_SEARCH, "GET", PEOPLE_DO_SEARCH},
        {PEOPLE_RES_AT_SEARCH, "GET", PEOPLE_DO_SEARCH_PATH},
        {PEOPLE_RES_EMAIL, "GET", PEOPLE_DO_EMAIL},
        {PEOPLE_RES_EMAIL, "POST", PEOPLE_DO_NONE},
        {PEOPLE_RES_NONE, "GET", PEOPLE_DO_NONE},
        {PEOPLE_RES_NONE, "OPTIONS", PEOPLE_DO_OPTIONS},
        {PEOPLE_RES_PROFILE, "OPTIONS", PEOPLE_DO_OPTIONS},
        {PEOPLE_RES_EMAIL, "OPTIONS", PEOPLE_DO_OPTIONS},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        people_do_e got = people_route_operation(t[i].res, t[i].method);
        if (got != t[i].op) {
            fail_msg("%s on %s: %s, want %s", t[i].method,
                     people_route_resource_name(t[i].res),
                     people_route_operation_name(got),
                     people_route_operation_name(t[i].op));
        }
    }
}

/* Every operation has a name, and a route that asks for it. */
static void test_every_operation_is_routed(void **state)
{
    static const char *const methods[] = {"GET", "PUT", "POST", "DELETE"};
    people_resource_e res;
    int seen[PEOPLE_DO_COUNT] = {0};
    size_t m;
    int op;
    (void)state;
    for (res = PEOPLE_RES_NONE; res <= PEOPLE_RES_EMAIL; res++) {
        for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
            seen[people_route_operation(res, methods[m])] = 1;
        }
    }
    for (op = PEOPLE_DO_PROFILE_GET; op < PEOPLE_DO_COUNT; op++) {
        if (!seen[op]) {
            fail_msg("operation %d has no route", op);
        }
        assert_string_not_equal(people_route_operation_name(op), "unknown");
    }
    assert_string_equal(people_route_operation_name(PEOPLE_DO_COUNT),
                        "unknown");
}

#define TODAY (PEOPLE_DO_BIT(PEOPLE_DO_PROFILE_GET)                  \
               | PEOPLE_DO_BIT(PEOPLE_DO_CONTACTS_PUT)               \
               | PEOPLE_DO_BIT(PEOPLE_DO_CONTACTS_POST)              \
               | PEOPLE_DO_BIT(PEOPLE_DO_CONTACTS_DELETE))

/* Allow lists the methods whose operations are built, GET with HEAD,
 * OPTIONS last; the 405 message names the same methods but OPTIONS. */
static void test_allow(void **state)
{
    static const struct {
        people_resource_e res;
        people_do_set_t built;
        const char *allow, *text;
    } t[] = {
        {PEOPLE_RES_PROFILE, ALL, "GET, HEAD, PUT, DELETE, OPTIONS",
         "GET, HEAD, PUT and DELETE"},
        {PEOPLE_RES_PROFILE, TODAY, "GET, HEAD, OPTIONS", "GET and HEAD"},
        {PEOPLE_RES_CONTACTS, TODAY, "PUT, POST, DELETE, OPTIONS",
         "PUT, POST and DELETE"},
        {PEOPLE_RES_LIST, ALL, "GET, HEAD, POST, OPTIONS",
         "GET, HEAD and POST"},
        {PEOPLE_RES_STATUS, ALL, "GET, HEAD, PUT, OPTIONS",
         "GET, HEAD and PUT"},
        {PEOPLE_RES_EMAIL, ALL, "GET, HEAD, OPTIONS", "GET and HEAD"},
        {PEOPLE_RES_LIST, TODAY, "OPTIONS", ""},
        {PEOPLE_RES_NONE, ALL, "OPTIONS", ""},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_string_equal(people_route_allow(pool, t[i].res, t[i].built),
                            t[i].allow);
        assert_string_equal(people_route_allow_text(pool, t[i].res,
                                                    t[i].built), t[i].text);
    }
}

static void test_served(void **state)
{
    people_do_set_t get = PEOPLE_DO_BIT(PEOPLE_DO_PROFILE_GET);
    (void)state;
    assert_true(people_route_served(PEOPLE_RES_PROFILE, get));
    assert_false(people_route_served(PEOPLE_RES_CONTACTS, get));
    assert_false(people_route_served(PEOPLE_RES_LIST, get));
    assert_true(people_route_served(PEOPLE_RES_LIST,
                                    PEOPLE_DO_BIT(PEOPLE_DO_USER_ADD)));
    assert_false(people_route_served(PEOPLE_RES_NONE, ALL));
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
        cmocka_unit_test(test_directory_routes),
        cmocka_unit_test(test_literals_are_not_users),
        cmocka_unit_test(test_operations),
        cmocka_unit_test(test_every_operation_is_routed),
        cmocka_unit_test(test_allow),
        cmocka_unit_test(test_served),
        cmocka_unit_test(test_json_suffix),
        cmocka_unit_test(test_contacts),
        cmocka_unit_test(test_no_route),
        cmocka_unit_test(test_uuid_normalise),
        cmocka_unit_test(test_name_key),
    };
    return cmocka_run_group_tests_name("route", tests, group_setup,
                                       group_teardown);
}
