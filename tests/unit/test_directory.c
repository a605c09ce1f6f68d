/* Unit tests: the directory's query parameters, keys, privacy rule and
 * the list envelope (spec sections 4, 7 and 9). */
#include "tests/unit/unit.h"

#include <jansson.h>

#include "src/people_directory.h"
#include "src/people_fields.h"
#include "src/people_contacts.h"
#include "tests/profile_keys.h"

static people_dir_query_t parse_ok(people_dir_route_e route,
                                   const char *args, const char *seg)
{
    people_dir_query_t q;
    const char *bad = people_dir_parse(pool, route, args, seg, &q);
    if (bad) {
        fail_msg("%s: unexpected 400: %s", args ? args : "(null)", bad);
    }
    return q;
}

/* The 400 message names the parameter. */
static void parse_bad(people_dir_route_e route, const char *args,
                      const char *param)
{
    people_dir_query_t q;
    const char *bad = people_dir_parse(pool, route, args, NULL, &q);
    if (!bad) {
        fail_msg("%s: accepted, want a 400 naming %s", args, param);
    }
    if (strncmp(bad, param, strlen(param)) != 0 || bad[strlen(param)] != ':') {
        fail_msg("%s: message '%s' does not name %s", args, bad, param);
    }
}

static void test_defaults(void **state)
{
    people_dir_query_t q = parse_ok(PEOPLE_DIR_LIST, NULL, NULL);
    (void)state;
    assert_int_equal(q.start, 0);
    assert_int_equal(q.count, 100);
    assert_int_equal(q.sort_by, PEOPLE_KEY_DISPLAYNAME);
    assert_int_equal(q.descending, 0);
    assert_int_equal(q.nwords, 0);
    assert_null(q.phrase);
    assert_int_equal(q.status, 0);
    assert_int_equal(q.activation, -1);
    assert_int_equal(q.visitor, -1);
    assert_int_equal(q.admins, 0);
    assert_null(q.group_id);
    assert_true(q.fields == PEOPLE_FIELDS_ALL);
}

static void test_names_any_case(void **state)
{
    static const char *const spellings[] = {
        "startIndex=5&count=7", "StartIndex=5&Count=7",
        "startindex=5&COUNT=7", "STARTINDEX=5&count=7"
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(spellings) / sizeof(*spellings); i++) {
        people_dir_query_t q = parse_ok(PEOPLE_DIR_LIST, spellings[i], NULL);
        assert_int_equal(q.start, 5);
        assert_int_equal(q.count, 7);
    }
}

static void test_paging_limits(void **state)
{
    people_dir_query_t q;
    (void)state;
    q = parse_ok(PEOPLE_DIR_LIST, "count=1000&startIndex=0", NULL);
    assert_int_equal(q.count, 1000);
    q = parse_ok(PEOPLE_DIR_LIST, "count=0", NULL);
    assert_int_equal(q.count, 0);
    parse_bad(PEOPLE_DIR_LIST, "count=1001", "count");
    parse_bad(PEOPLE_DIR_LIST, "count=-1", "count");
    parse_bad(PEOPLE_DIR_LIST, "count=ten", "count");
    parse_bad(PEOPLE_DIR_LIST, "count=", "count");
    parse_bad(PEOPLE_DIR_LIST, "startIndex=-1", "startIndex");
    parse_bad(PEOPLE_DIR_LIST, "startIndex=1e3", "startIndex");
    parse_bad(PEOPLE_DIR_LIST, "startIndex=99999999999", "startIndex");
}

/* the message repeats a short, clean value, and never another one */
static void test_messages_are_clean_text(void **state)
{
    people_dir_query_t q;
    const char *m;
    (void)state;
    m = people_dir_parse(pool, PEOPLE_DIR_LIST, "sortBy=salary", NULL, &q);
    assert_non_null(strstr(m, "'salary'"));
    m = people_dir_parse(pool, PEOPLE_DIR_LIST, "sortBy=%FF%1B", NULL, &q);
    assert_true(people_utf8_valid(m, strlen(m)));
    assert_null(strchr(m, '\x1b'));
    m = people_dir_parse(pool, PEOPLE_DIR_FILTER,
                         "groupId=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, &q);
    assert_null(strstr(m, "aaaaaaaa"));
}

static void test_sort(void **state)
{
    people_dir_query_t q;
    (void)state;
    q = parse_ok(PEOPLE_DIR_LIST, "sortby=LASTNAME&sortorder=Descending",
                 NULL);
    assert_int_equal(q.sort_by, PEOPLE_KEY_LASTNAME);
    assert_int_equal(q.descending, 1);
    q = parse_ok(PEOPLE_DIR_LIST, "sortBy=email&sortOrder=ascending", NULL);
    assert_int_equal(q.sort_by, PEOPLE_KEY_EMAIL);
    assert_int_equal(q.descending, 0);
    parse_bad(PEOPLE_DIR_LIST, "sortBy=salary", "sortBy");
    parse_bad(PEOPLE_DIR_LIST, "sortBy=%FF%FE", "sortBy");
    parse_bad(PEOPLE_DIR_LIST, "sortOrder=up", "sortOrder");
}

static void test_filter_value_words(void **state)
{
    people_dir_query_t q;
    (void)state;
    q = parse_ok(PEOPLE_DIR_LIST, "filterValue=Ann+%C3%96LUND%20%20dev",
                 NULL);
    assert_int_equal(q.nwords, 3);
    assert_string_equal(q.words[0], "ann");
    assert_string_equal(q.words[1], "\xc3\xb6lund");
    assert_string_equal(q.words[2], "dev");
    q = parse_ok(PEOPLE_DIR_LIST, "filterValue=", NULL);
    assert_int_equal(q.nwords, 0);
    parse_bad(PEOPLE_DIR_LIST, "filterValue=a+b+c+d+e+f+g+h+i", "filterValue");
    parse_bad(PEOPLE_DIR_LIST, "filterValue=%01", "filterValue");
    parse_bad(PEOPLE_DIR_LIST, "filterValue=%FF", "filterValue");
}

static void test_filter_by(void **state)
{
    people_dir_query_t q;
    (void)state;
    q = parse_ok(PEOPLE_DIR_LIST,
                 "filterBy=Department&filterOp=STARTSWITH&filterValue=Sa+Les",
                 NULL);
    assert_int_equal(q.filter_by, PEOPLE_KEY_DEPARTMENT);
    assert_int_equal(q.filter_op, PEOPLE_OP_STARTSWITH);
    assert_int_equal(q.nwords, 0);
    assert_string_equal(q.phrase, "sa les");
    /* the order of the parameters does not matter */
    q = parse_ok(PEOPLE_DIR_LIST, "filterValue=x&filterOp=equals&filterBy=email",
                 NULL);
    assert_int_equal(q.filter_by, PEOPLE_KEY_EMAIL);
    assert_int_equal(q.filter_op, PEOPLE_OP_EQUALS);
    assert_string_equal(q.phrase, "x");
    parse_bad(PEOPLE_DIR_LIST, "filterBy=notes&filterValue=x", "filterBy");
    parse_bad(PEOPLE_DIR_LIST, "filterOp=like&filterValue=x", "filterOp");
}

static void test_filter_enums(void **state)
{
    people_dir_query_t q;
    (void)state;
    q = parse_ok(PEOPLE_DIR_FILTER,
                 "employeeStatus=terminated&activationStatus=Pending"
                 "&employeeType=guest&isAdministrator=TRUE"
                 "&groupId=%7B0F8FAD5B-D9CB-469F-A165-70867728950E%7D", NULL);
    assert_int_equal(q.status, 2);
    assert_int_equal(q.activation, 2);
    assert_int_equal(q.visitor, 1);
    assert_int_equal(q.admins, 1);
    assert_string_equal(q.group_id, "0f8fad5b-d9cb-469f-a165-70867728950e");
    q = parse_ok(PEOPLE_DIR_FILTER, "employeeStatus=4&activationStatus=0"
                 "&employeeType=1&isAdministrator=false", NULL);
    assert_int_equal(q.status, 4);
    assert_int_equal(q.activation, 0);
    assert_int_equal(q.visitor, 0);
    assert_int_equal(q.admins, 0);
    parse_bad(PEOPLE_DIR_FILTER, "employeeStatus=3", "employeeStatus");
    parse_bad(PEOPLE_DIR_FILTER, "employeeStatus=Fired", "employeeStatus");
    parse_bad(PEOPLE_DIR_FILTER, "activationStatus=9", "activationStatus");
    parse_bad(PEOPLE_DIR_FILTER, "employeeType=Robot", "employeeType");
    parse_bad(PEOPLE_DIR_FILTER, "isAdministrator=maybe", "isAdministrator");
    parse_bad(PEOPLE_DIR_FILTER, "groupId=sales", "groupId");
    /* only /filter and /simple/filter read them */
    q = parse_ok(PEOPLE_DIR_LIST, "employeeStatus=Fired&groupId=x", NULL);
    assert_int_equal(q.status, 0);
    assert_null(q.group_id);
}

static void test_unknown_ignored(void **state)
{
    people_dir_query_t q;
    (void)state;
    q = parse_ok(PEOPLE_DIR_LIST, "_=123&callback=x&&=&count=3&noequals",
                 NULL);
    assert_int_equal(q.count, 3);
}

static void test_routes(void **state)
{
    people_dir_query_t q;
    people_dir_query_t bad;
    (void)state;
    q = parse_ok(PEOPLE_DIR_STATUS, NULL, "LeaveOfAbsence");
    assert_int_equal(q.status, 4);
    q = parse_ok(PEOPLE_DIR_STATUS, NULL, "2");
    assert_int_equal(q.status, 2);
    assert_non_null(people_dir_parse(pool, PEOPLE_DIR_STATUS, NULL, "7",
                                     &bad));
    q = parse_ok(PEOPLE_DIR_SEARCH, "query=Bob%20Smith&filterValue=zzz", NULL);
    assert_int_equal(q.nwords, 2);
    assert_string_equal(q.words[0], "bob");
    q = parse_ok(PEOPLE_DIR_SEARCH, "filterBy=title", "Dev");
    assert_int_equal(q.nwords, 1);
    assert_null(q.phrase);
    q = parse_ok(PEOPLE_DIR_EMAIL, "email=Ann%40Example.COM", NULL);
    assert_string_equal(q.email, "ann@example.com");
    parse_bad(PEOPLE_DIR_EMAIL, "mail=x", "email");
}

static void test_reserved_names(void **state)
{
    static const char *const reserved[] = {
        "status", "Filter", "SIMPLE", "search", "email", "@self", "@search",
        "@x", ".", "..", "bob.json", "x.JSON", NULL
    };
    static const char *const fine[] = {
        "bob", "statuses", "emails", "json", "a.jso", "b@x", ".bob", NULL
    };
    int i;
    (void)state;
    for (i = 0; reserved[i]; i++) {
        if (!people_username_problem(reserved[i])) {
            fail_msg("%s: not reserved", reserved[i]);
        }
    }
    for (i = 0; fine[i]; i++) {
        if (people_username_problem(fine[i])) {
            fail_msg("%s: reserved", fine[i]);
        }
    }
}

static void test_fields(void **state)
{
    people_dir_query_t q;
    (void)state;
    q = parse_ok(PEOPLE_DIR_LIST, "fields=DisplayName,%20email%20,nosuch",
                 NULL);
    assert_true(q.fields == (PEOPLE_FIELD(PEOPLE_F_ID)
                             | PEOPLE_FIELD(PEOPLE_F_DISPLAYNAME)
                             | PEOPLE_FIELD(PEOPLE_F_EMAIL)));
    q = parse_ok(PEOPLE_DIR_SIMPLE, NULL, NULL);
    assert_true(q.fields == (PEOPLE_FIELD(PEOPLE_F_ID)
                             | PEOPLE_FIELD(PEOPLE_F_DISPLAYNAME)
                             | PEOPLE_FIELD(PEOPLE_F_TITLE)
                             | PEOPLE_FIELD(PEOPLE_F_AVATARSMALL)
                             | PEOPLE_FIELD(PEOPLE_F_PROFILEURL)));
    /* fields narrows simple/filter further, never widens it */
    q = parse_ok(PEOPLE_DIR_SIMPLE, "fields=title,email", NULL);
    assert_true(q.fields == (PEOPLE_FIELD(PEOPLE_F_ID)
                             | PEOPLE_FIELD(PEOPLE_F_TITLE)));
}

/* fields= knows every key of the spec, in the answer's order */
static void test_field_names_are_the_spec_keys(void **state)
{
    size_t i;
    (void)state;
    assert_int_equal(PEOPLE_F_COUNT, PEOPLE_PROFILE_NKEYS);
    for (i = 0; i < PEOPLE_PROFILE_NKEYS; i++) {
        const char *k = people_profile_keys[i];
        assert_int_equal(people_field_lookup(k, strlen(k)), (int)i);
    }
}

static void test_fold_and_escape(void **state)
{
    (void)state;
    assert_string_equal(people_fold(pool, "ÀÉÎÕÜ ÆØÞ Ÿ Łódź ΣΩ ПРИВЕТ Ёж"),
                        "àéîõü æøþ ÿ łódź σω привет ёж");
    assert_string_equal(people_fold(pool, "MiXeD 123 ß"), "mixed 123 ß");
    assert_string_equal(people_fold(pool, NULL), "");
    /* invalid UTF-8 is kept, ASCII lowered */
    assert_string_equal(people_fold(pool, "A\xff" "B"), "a\xff" "b");
    assert_string_equal(people_like_escape(pool, "50%_a\\b"),
                        "50\\%\\_a\\\\b");
}

static void test_privacy(void **state)
{
    people_caller_t member = {"m", "member", 0, 0, 1, 0};
    people_caller_t visitor = {"v", "visitor", 0, 0, 1, 1};
    people_caller_t admin = {"a", "admin", 1, 0, 1, 0};
    people_caller_t owner = {"o", "owner", 0, 1, 1, 0};
    (void)state;
    assert_true(people_sees_private(PEOPLE_PRIVACY_MEMBERS, &member, "x"));
    assert_false(people_sees_private(PEOPLE_PRIVACY_MEMBERS, &visitor, "x"));
    assert_true(people_sees_private(PEOPLE_PRIVACY_MEMBERS, &visitor, "v"));
    assert_false(people_sees_private(PEOPLE_PRIVACY_SELF, &member, "x"));
    assert_true(people_sees_private(PEOPLE_PRIVACY_SELF, &member, "m"));
    assert_true(people_sees_private(PEOPLE_PRIVACY_SELF, &admin, "x"));
    assert_true(people_sees_private(PEOPLE_PRIVACY_SELF, &owner, "x"));
    assert_false(people_sees_all(PEOPLE_PRIVACY_SELF, &member));
    assert_true(people_sees_all(PEOPLE_PRIVACY_MEMBERS, &member));
}

/* ---- The list envelope ---------------------------------------------------- */

static people_profile_t *person(const char *id, const char *first)
{
    people_profile_t *u = apr_pcalloc(pool, sizeof(*u));
    people_contact_t *c;
    u->id = id;
    u->username = first;
    u->first_name = first;
    u->last_name = "Doe";
    u->email = apr_pstrcat(pool, first, "@example.com", NULL);
    u->title = "Dev \"lead\"";
    u->status = 1;
    u->groups = apr_array_make(pool, 1, sizeof(people_group_t));
    u->contacts = apr_array_make(pool, 1, sizeof(people_contact_t));
    c = apr_array_push(u->contacts);
    c->type = "phone";
    c->value = "123";
    return u;
}

static json_t *envelope(const people_item_t *items, int n, apr_int64_t start,
                        apr_int64_t total, people_fields_t fields)
{
    size_t len;
    char *s = people_list_envelope(pool, items, n, start, total, fields, &len);
    json_error_t e;
    json_t *j;
    assert_int_equal(strlen(s), len);
    j = json_loadb(s, len, 0, &e);
    if (!j) {
        fail_msg("not JSON (%s): %s", e.text, s);
    }
    return j;
}

static void test_envelope_keys(void **state)
{
    people_item_t items[2] = {
        {person("id-1", "Ann"), 1, "http://x/1"},
        {person("id-2", "Bob"), 0, "http://x/2"}
    };
    json_t *j = envelope(items, 2, 10, 40, PEOPLE_FIELDS_ALL);
    json_t *r = json_object_get(j, "response");
    const char *order[] = {"count", "startIndex", "nextIndex", "total",
                           "status", "statusCode", "response"};
    void *it = json_object_iter(j);
    size_t i;
    (void)state;
    /* the keys in ONLYOFFICE's order */
    for (i = 0; i < sizeof(order) / sizeof(*order); i++, it =
         json_object_iter_next(j, it)) {
        assert_non_null(it);
        assert_string_equal(json_object_iter_key(it), order[i]);
    }
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "startIndex")), 10);
    assert_int_equal(json_integer_value(json_object_get(j, "nextIndex")), 12);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 40);
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")),
                     200);
    assert_int_equal(json_array_size(r), 2);
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(r, 0), "email")), "Ann@example.com");
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(r, 0), "title")), "Dev \"lead\"");
    assert_int_equal(json_array_size(json_object_get(json_array_get(r, 0),
                                                     "contacts")), 1);
    /* the second is shown without private data */
    assert_true(json_is_null(json_object_get(json_array_get(r, 1), "email")));
    assert_int_equal(json_array_size(json_object_get(json_array_get(r, 1),
                                                     "contacts")), 0);
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(r, 1), "profileUrl")), "http://x/2");
    assert_int_equal(json_object_size(json_array_get(r, 0)), PEOPLE_F_COUNT);
    json_decref(j);
}

static void test_envelope_next_index(void **state)
{
    people_item_t items[1] = {{person("id-1", "Ann"), 1, "u"}};
    json_t *j;
    (void)state;
    /* the last page: no nextIndex */
    j = envelope(items, 1, 4, 5, PEOPLE_FIELDS_ALL);
    assert_null(json_object_get(j, "nextIndex"));
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 5);
    json_decref(j);
    /* count=0: nothing follows from here */
    j = envelope(items, 0, 0, 5, PEOPLE_FIELDS_ALL);
    assert_null(json_object_get(j, "nextIndex"));
    json_decref(j);
    /* an empty page past the end */
    j = envelope(items, 0, 50, 5, PEOPLE_FIELDS_ALL);
    assert_null(json_object_get(j, "nextIndex"));
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "response")), 0);
    json_decref(j);
}

static void test_envelope_projection(void **state)
{
    people_item_t items[1] = {{person("id-1", "Ann"), 0, "http://x/1"}};
    people_fields_t simple = PEOPLE_FIELD(PEOPLE_F_ID)
        | PEOPLE_FIELD(PEOPLE_F_DISPLAYNAME) | PEOPLE_FIELD(PEOPLE_F_TITLE)
        | PEOPLE_FIELD(PEOPLE_F_AVATARSMALL)
        | PEOPLE_FIELD(PEOPLE_F_PROFILEURL);
    json_t *j = envelope(items, 1, 0, 1, simple);
    json_t *o = json_array_get(json_object_get(j, "response"), 0);
    (void)state;
    assert_int_equal(json_object_size(o), 5);
    assert_string_equal(json_string_value(json_object_get(o, "id")), "id-1");
    assert_string_equal(json_string_value(json_object_get(o, "displayName")),
                        "Ann Doe");
    assert_non_null(json_object_get(o, "avatarSmall"));
    assert_null(json_object_get(o, "email"));
    json_decref(j);
    /* id is written even when not asked for; hidden email stays null */
    j = envelope(items, 1, 0, 1, PEOPLE_FIELD(PEOPLE_F_EMAIL));
    o = json_array_get(json_object_get(j, "response"), 0);
    assert_int_equal(json_object_size(o), 2);
    assert_true(json_is_null(json_object_get(o, "email")));
    json_decref(j);
    assert_int_equal(people_field_lookup("PROFILEURL", 10), PEOPLE_F_PROFILEURL);
    assert_int_equal(people_field_lookup("profileUrlx", 11), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_names_any_case),
        cmocka_unit_test(test_paging_limits),
        cmocka_unit_test(test_messages_are_clean_text),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_filter_value_words),
        cmocka_unit_test(test_filter_by),
        cmocka_unit_test(test_filter_enums),
        cmocka_unit_test(test_unknown_ignored),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_reserved_names),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_field_names_are_the_spec_keys),
        cmocka_unit_test(test_fold_and_escape),
        cmocka_unit_test(test_privacy),
        cmocka_unit_test(test_envelope_keys),
        cmocka_unit_test(test_envelope_next_index),
        cmocka_unit_test(test_envelope_projection),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
