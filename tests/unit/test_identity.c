/* Unit tests: identity from httpd (spec section 10) without httpd: the
 * trusted-proxy list, the attribute mapping, the token endpoint's body and
 * date, the names a new user may get. */
#include "tests/unit/unit.h"
#include "src/people_identity.h"
#include "src/people_contacts.h"

/* ---- PeopleTrustedProxy ---- */

static people_netlist_t *list_of(const char *const *specs)
{
    people_netlist_t *l = people_netlist_make(pool);
    for (; *specs; specs++) {
        const char *err = people_netlist_add(pool, l, *specs);
        if (err) {
            fail_msg("%s: %s", *specs, err);
        }
    }
    return l;
}

static void test_single_ipv4(void **state)
{
    static const char *const specs[] = {"127.0.0.2", NULL};
    people_netlist_t *l = list_of(specs);
    (void)state;
    assert_true(people_netlist_match(l, "127.0.0.2"));
    assert_false(people_netlist_match(l, "127.0.0.1"));
    assert_false(people_netlist_match(l, "127.0.0.20"));
    /* the same peer seen on an IPv6 socket */
    assert_true(people_netlist_match(l, "::ffff:127.0.0.2"));
    assert_false(people_netlist_match(l, "::ffff:127.0.0.3"));
    assert_int_equal(people_netlist_count(l), 1);
}

static void test_ipv4_networks(void **state)
{
    static const char *const specs[] = {"10.1.2.0/24", "192.168.0.0/17",
                                        "172.16.5.9/32", NULL};
    people_netlist_t *l = list_of(specs);
    (void)state;
    assert_true(people_netlist_match(l, "10.1.2.0"));
    assert_true(people_netlist_match(l, "10.1.2.255"));
    assert_false(people_netlist_match(l, "10.1.3.0"));
    assert_true(people_netlist_match(l, "192.168.127.1"));
    assert_false(people_netlist_match(l, "192.168.128.1"));
    assert_true(people_netlist_match(l, "172.16.5.9"));
    assert_false(people_netlist_match(l, "172.16.5.8"));
}

static void test_host_bits_are_ignored(void **state)
{
    static const char *const specs[] = {"10.9.8.7/8", NULL};
    people_netlist_t *l = list_of(specs);
    (void)state;
    assert_true(people_netlist_match(l, "10.0.0.1"));
    assert_false(people_netlist_match(l, "11.0.0.1"));
}

static void test_ipv6(void **state)
{
    static const char *const specs[] = {"::1", "2001:db8:abcd::/48",
                                        "fe80::/10", NULL};
    people_netlist_t *l = list_of(specs);
    (void)state;
    assert_true(people_netlist_match(l, "::1"));
    assert_true(people_netlist_match(l, "0:0:0:0:0:0:0:1"));
    assert_false(people_netlist_match(l, "::2"));
    assert_true(people_netlist_match(l, "2001:db8:abcd:ffff::1"));
    assert_true(people_netlist_match(l, "2001:DB8:ABCD::"));
    assert_false(people_netlist_match(l, "2001:db8:abce::1"));
    assert_true(people_netlist_match(l, "febf::1"));
    assert_false(people_netlist_match(l, "fec0::1"));
    /* an IPv6 entry never matches an IPv4 peer */
    assert_false(people_netlist_match(l, "127.0.0.1"));
}

static void test_zero_prefix_matches_its_family(void **state)
{
    static const char *const v4[] = {"0.0.0.0/0", NULL};
    static const char *const v6[] = {"::/0", NULL};
    people_netlist_t *l4 = list_of(v4), *l6 = list_of(v6);
    (void)state;
    assert_true(people_netlist_match(l4, "203.0.113.9"));
    assert_false(people_netlist_match(l4, "2001:db8::1"));
    assert_true(people_netlist_match(l6, "2001:db8::1"));
}

static void test_bad_specs_are_refused(void **state)
{
    static const char *const bad[] = {
        "", "localhost", "127.1", "127.0.0.256", "1.2.3.4/33", "::1/129",
        "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/ 8", "1.2.3.4/8x", "1.2.3.4/0008",
        "10.0.0.0/8/8", "2001:db8::/1a", " 127.0.0.1", "127.0.0.1 ", NULL
    };
    people_netlist_t *l = people_netlist_make(pool);
    int i;
    (void)state;
    for (i = 0; bad[i]; i++) {
        if (!people_netlist_add(pool, l, bad[i])) {
            fail_msg("'%s' was accepted", bad[i]);
        }
    }
    assert_int_equal(people_netlist_count(l), 0);
}

static void test_peers_that_are_not_addresses(void **state)
{
    static const char *const specs[] = {"127.0.0.1", NULL};
    people_netlist_t *l = list_of(specs);
    (void)state;
    assert_false(people_netlist_match(l, NULL));
    assert_false(people_netlist_match(l, ""));
    assert_false(people_netlist_match(l, "127.0.0.1, 10.0.0.1"));
    assert_false(people_netlist_match(l, "127.0.0.1 "));
    assert_false(people_netlist_match(NULL, "127.0.0.1"));
}

/* ---- PeopleMapAttribute ---- */

static people_map_t map_of(const char *field, const char *var)
{
    people_map_t m;
    const char *err = people_map_parse(pool, field, var, &m);
    if (err) {
        fail_msg("%s %s: %s", field, var, err);
    }
    return m;
}

static void test_map_fields_parse(void **state)
{
    people_map_t m;
    (void)state;
    m = map_of("firstName", "AUTHENTICATE_givenName");
    assert_int_equal(m.field, PEOPLE_MAP_FIRST_NAME);
    assert_string_equal(m.var, "AUTHENTICATE_givenName");
    assert_int_equal(map_of("LASTNAME", "X").field, PEOPLE_MAP_LAST_NAME);
    assert_int_equal(map_of("email", "X").field, PEOPLE_MAP_EMAIL);
    assert_int_equal(map_of("title", "X").field, PEOPLE_MAP_TITLE);
    assert_int_equal(map_of("Department", "X").field, PEOPLE_MAP_DEPARTMENT);
    assert_int_equal(map_of("location", "X").field, PEOPLE_MAP_LOCATION);
    m = map_of("contact:ExtPhone", "AUTHENTICATE_telephoneNumber");
    assert_int_equal(m.field, PEOPLE_MAP_CONTACT);
    /* known types take their stored spelling, others stay as written */
    assert_string_equal(m.type, "extphone");
    assert_string_equal(map_of("Contact:Badge", "X").type, "Badge");
}

static void test_map_bad_fields(void **state)
{
    static const char *const bad[] = {"isAdmin", "id", "userName", "contact:",
                                      "contact:a b", "contact:x/y", "contacts",
                                      "", NULL};
    people_map_t m;
    int i;
    (void)state;
    for (i = 0; bad[i]; i++) {
        if (!people_map_parse(pool, bad[i], "VAR", &m)) {
            fail_msg("field '%s' was accepted", bad[i]);
        }
    }
    assert_non_null(people_map_parse(pool, "title", "", &m));
    assert_non_null(people_map_parse(pool, "title", NULL, &m));
}

/* The environment of a test: pairs name, value. */
static const char *env_get(void *baton, const char *var)
{
    const char *const *e = baton;
    for (; *e; e += 2) {
        if (!strcasecmp(e[0], var)) {
            return e[1];
        }
    }
    return NULL;
}

static apr_array_header_t *ldap_maps(void)
{
    apr_array_header_t *a = apr_array_make(pool, 5, sizeof(people_map_t));
    APR_ARRAY_PUSH(a, people_map_t) = map_of("firstName",
                                             "AUTHENTICATE_givenName");
    APR_ARRAY_PUSH(a, people_map_t) = map_of("lastName", "AUTHENTICATE_sn");
    APR_ARRAY_PUSH(a, people_map_t) = map_of("email", "AUTHENTICATE_mail");
    APR_ARRAY_PUSH(a, people_map_t) = map_of("title", "AUTHENTICATE_title");
    APR_ARRAY_PUSH(a, people_map_t) =
        map_of("contact:extphone", "AUTHENTICATE_telephoneNumber");
    return a;
}

static void test_collect_reads_the_environment(void **state)
{
    const char *env[] = {"AUTHENTICATE_GIVENNAME", "Ann",
                         "AUTHENTICATE_sn", "Lee",
                         "AUTHENTICATE_telephoneNumber", "+1 555 0100", NULL};
    people_mapped_t m;
    (void)state;
    people_map_collect(pool, ldap_maps(), env_get, env, &m, NULL);
    assert_true(m.any);
    assert_string_equal(m.fields[PEOPLE_MAP_FIRST_NAME], "Ann");
    assert_string_equal(m.fields[PEOPLE_MAP_LAST_NAME], "Lee");
    /* not set: untouched */
    assert_null(m.fields[PEOPLE_MAP_EMAIL]);
    assert_null(m.fields[PEOPLE_MAP_TITLE]);
    assert_int_equal(m.contacts->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(m.contacts, 0, people_contact_t).type,
                        "extphone");
    assert_string_equal(APR_ARRAY_IDX(m.contacts, 0, people_contact_t).value,
                        "+1 555 0100");
}

static void test_collect_leaves_bad_values_out(void **state)
{
    char longname[80];
    const char *env[] = {"AUTHENTICATE_givenName", longname,
                         "AUTHENTICATE_sn", "",
                         "AUTHENTICATE_mail", "not-an-address",
                         "AUTHENTICATE_title", "bad\x01title",
                         "AUTHENTICATE_telephoneNumber", "\xff\xfe", NULL};
    apr_array_header_t *why = apr_array_make(pool, 4, sizeof(const char *));
    people_mapped_t m;
    int i;
    (void)state;
    memset(longname, 'a', 70);
    longname[70] = '\0';
    people_map_collect(pool, ldap_maps(), env_get, env, &m, why);
    for (i = 0; i < PEOPLE_MAP_NFIELDS; i++) {
        assert_null(m.fields[i]);
    }
    assert_int_equal(m.contacts->nelts, 0);
    assert_false(m.any && m.contacts->nelts);
    /* four refusals (an empty name is simply not applied), none with the
     * value in it */
    assert_int_equal(why->nelts, 4);
    for (i = 0; i < why->nelts; i++) {
        const char *line = APR_ARRAY_IDX(why, i, const char *);
        assert_null(strstr(line, "not-an-address"));
        assert_null(strstr(line, "aaaaaaaa"));
        assert_non_null(strstr(line, "AUTHENTICATE_"));
    }
}

static people_profile_t *stored_profile(void)
{
    people_profile_t *u = apr_pcalloc(pool, sizeof(*u));
    u->id = "0f3b2c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b";
    u->username = "ann";
    u->first_name = "Ann";
    u->last_name = "Lee";
    u->email = "ann@example.test";
    u->contacts = apr_array_make(pool, 4, sizeof(people_contact_t));
    APR_ARRAY_PUSH(u->contacts, people_contact_t) =
        (people_contact_t){"skype", "ann.lee"};
    APR_ARRAY_PUSH(u->contacts, people_contact_t) =
        (people_contact_t){"extphone", "+1 555 0100"};
    APR_ARRAY_PUSH(u->contacts, people_contact_t) =
        (people_contact_t){"phone", "123"};
    return u;
}

static people_mapped_t mapped(const char *const *env)
{
    people_mapped_t m;
    people_map_collect(pool, ldap_maps(), env_get, (void *)env, &m, NULL);
    return m;
}

static void test_apply_same_values_changes_nothing(void **state)
{
    const char *env[] = {"AUTHENTICATE_givenName", "Ann",
                         "AUTHENTICATE_sn", "Lee",
                         "AUTHENTICATE_mail", "ann@example.test",
                         "AUTHENTICATE_telephoneNumber", "+1 555 0100", NULL};
    people_profile_t *u = stored_profile(), next;
    people_mapped_t m = mapped(env);
    (void)state;
    assert_int_equal(people_map_apply(pool, u, &m, 0, &next), 0);
    /* is_ldap already set: still nothing */
    u->is_ldap = 1;
    assert_int_equal(people_map_apply(pool, u, &m, 1, &next), 0);
    /* is_ldap not yet set: that alone is a change */
    u->is_ldap = 0;
    assert_int_equal(people_map_apply(pool, u, &m, 1, &next), 1);
    assert_true(next.is_ldap);
}

static void test_apply_changes_fields_and_owns_only_its_types(void **state)
{
    const char *env[] = {"AUTHENTICATE_givenName", "Anne",
                         "AUTHENTICATE_title", "Chief",
                         "AUTHENTICATE_telephoneNumber", "+1 555 0199", NULL};
    people_profile_t *u = stored_profile(), next;
    people_mapped_t m = mapped(env);
    const people_contact_t *c;
    (void)state;
    assert_int_equal(people_map_apply(pool, u, &m, 1, &next), 1);
    assert_string_equal(next.first_name, "Anne");
    assert_string_equal(next.last_name, "Lee");
    assert_string_equal(next.title, "Chief");
    assert_string_equal(next.email, "ann@example.test");
    assert_true(next.is_ldap);
    /* the stored profile is not changed */
    assert_string_equal(u->first_name, "Ann");
    assert_int_equal(APR_ARRAY_IDX(u->contacts, 1, people_contact_t).value[7],
                     '0');
    /* extphone replaced in place; the user's skype and phone survive */
    assert_int_equal(next.contacts->nelts, 3);
    c = &APR_ARRAY_IDX(next.contacts, 0, people_contact_t);
    assert_string_equal(c->type, "skype");
    c = &APR_ARRAY_IDX(next.contacts, 1, people_contact_t);
    assert_string_equal(c->type, "extphone");
    assert_string_equal(c->value, "+1 555 0199");
    c = &APR_ARRAY_IDX(next.contacts, 2, people_contact_t);
    assert_string_equal(c->type, "phone");
    assert_string_equal(c->value, "123");
}

static void test_apply_empty_values(void **state)
{
    const char *env[] = {"AUTHENTICATE_givenName", "",
                         "AUTHENTICATE_mail", "",
                         "AUTHENTICATE_telephoneNumber", "", NULL};
    people_profile_t *u = stored_profile(), next;
    people_mapped_t m = mapped(env);
    int i;
    (void)state;
    assert_int_equal(people_map_apply(pool, u, &m, 0, &next), 1);
    /* a name is never emptied; an empty email clears it; an empty phone
     * removes the mapped type only */
    assert_string_equal(next.first_name, "Ann");
    assert_null(next.email);
    assert_int_equal(next.contacts->nelts, 2);
    for (i = 0; i < next.contacts->nelts; i++) {
        assert_string_not_equal(
            APR_ARRAY_IDX(next.contacts, i, people_contact_t).type,
            "extphone");
    }
}

static void test_apply_adds_a_new_type_at_the_end(void **state)
{
    const char *env[] = {"AUTHENTICATE_telephoneNumber", "7", NULL};
    people_profile_t *u = stored_profile(), next;
    people_mapped_t m = mapped(env);
    (void)state;
    u->contacts->nelts = 1;     /* only skype */
    assert_int_equal(people_map_apply(pool, u, &m, 0, &next), 1);
    assert_int_equal(next.contacts->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(next.contacts, 1,
                                      people_contact_t).type, "extphone");
}

/* ---- names, UUIDs ---- */

static void test_login_names(void **state)
{
    static const char *const good[] = {"alice", "Alice.Liddell",
                                       "alice@EXAMPLE.ORG", "o'brien",
                                       "DOMAIN\\user", "zoë", NULL};
    static const char *const bad[] = {"", "@self", "@anything", ".", "..",
                                      "a/b", "a b", "x.json", "X.JSON",
                                      "status", "Filter", "search", "email",
                                      "simple", "tab\tname", "\xc3",
                                      "0f3b2c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b",
                                      NULL};
    int i;
    (void)state;
    for (i = 0; good[i]; i++) {
        if (!people_login_name_ok(pool, good[i])) {
            fail_msg("'%s' was refused", good[i]);
        }
    }
    for (i = 0; bad[i]; i++) {
        if (people_login_name_ok(pool, bad[i])) {
            fail_msg("'%s' was accepted", bad[i]);
        }
    }
}

static void test_uuid_generate(void **state)
{
    const char *a = people_uuid_generate(pool), *b = people_uuid_generate(pool);
    int i;
    (void)state;
    assert_non_null(a);
    assert_int_equal(strlen(a), 36);
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            assert_int_equal(a[i], '-');
        }
        else {
            assert_non_null(strchr("0123456789abcdef", a[i]));
        }
    }
}

/* ---- the token endpoint ---- */

static void test_login_json(void **state)
{
    const char *u = NULL, *pw = NULL;
    const char *body = "{\"UserName\":\"ann\",\"PASSWORD\":\"s3cr\\u00e9t\","
                       "\"provider\":\"x\"}";
    (void)state;
    assert_null(people_login_parse_json(pool, body, strlen(body), &u, &pw));
    assert_string_equal(u, "ann");
    assert_string_equal(pw, "s3cr\xc3\xa9t");
}

static void test_login_json_refusals(void **state)
{
    static const char *const bad[] = {
        "", "[]", "\"x\"", "{", "{\"userName\":\"a\"}",
        "{\"password\":\"p\"}", "{\"userName\":\"\",\"password\":\"p\"}",
        "{\"userName\":1,\"password\":\"p\"}",
        "{\"userName\":\"a\",\"password\":null}",
        "{\"userName\":\"a\",\"username\":\"b\",\"password\":\"p\"}",
        "{\"userName\":\"a\",\"userName\":\"b\",\"password\":\"p\"}",
        "{\"userName\":\"a\",\"password\":\"p\\u0000q\"}", NULL
    };
    int i;
    (void)state;
    for (i = 0; bad[i]; i++) {
        const char *u = NULL, *pw = NULL;
        const char *err = people_login_parse_json(pool, bad[i],
                                                  strlen(bad[i]), &u, &pw);
        if (!err) {
            fail_msg("body %s was accepted", bad[i]);
        }
        /* the message never repeats the password */
        assert_null(strstr(err, "p\\u0000q"));
        assert_null(u);
        assert_null(pw);
    }
}

static void test_time_format(void **state)
{
    (void)state;
    assert_string_equal(people_time_format(pool, 0),
                        "1970-01-01T00:00:00.0000000Z");
    assert_string_equal(people_time_format(pool, 1796637600),
                        "2026-12-07T10:00:00.0000000Z");
    assert_string_equal(people_time_format(pool, 951825599),
                        "2000-02-29T11:59:59.0000000Z");
}

static void test_login_envelope(void **state)
{
    size_t len = 0;
    const char *s = people_login_envelope(pool, "abc123",
                                          "2026-12-07T10:00:00.0000000Z",
                                          &len);
    (void)state;
    assert_string_equal(s, "{\"count\":1,\"status\":0,\"statusCode\":201,"
                           "\"response\":{\"token\":\"abc123\",\"expires\":"
                           "\"2026-12-07T10:00:00.0000000Z\"}}");
    assert_int_equal(len, strlen(s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_ipv4),
        cmocka_unit_test(test_ipv4_networks),
        cmocka_unit_test(test_host_bits_are_ignored),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_zero_prefix_matches_its_family),
        cmocka_unit_test(test_bad_specs_are_refused),
        cmocka_unit_test(test_peers_that_are_not_addresses),
        cmocka_unit_test(test_map_fields_parse),
        cmocka_unit_test(test_map_bad_fields),
        cmocka_unit_test(test_collect_reads_the_environment),
        cmocka_unit_test(test_collect_leaves_bad_values_out),
        cmocka_unit_test(test_apply_same_values_changes_nothing),
        cmocka_unit_test(test_apply_changes_fields_and_owns_only_its_types),
        cmocka_unit_test(test_apply_empty_values),
        cmocka_unit_test(test_apply_adds_a_new_type_at_the_end),
        cmocka_unit_test(test_login_names),
        cmocka_unit_test(test_uuid_generate),
        cmocka_unit_test(test_login_json),
        cmocka_unit_test(test_login_json_refusals),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_login_envelope),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
