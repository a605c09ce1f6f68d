/* Unit tests: the identity statements of the store on a real SQLite
 * database (in memory, through apr_dbd, as the module and people-admin use
 * it): finding the user httpd authenticated, adding one, writing mapped
 * attributes only when they differ, issuing tokens. */
#include "tests/unit/unit.h"
#include "tests/unit/unit_db.h"
#include "src/people_identity.h"
#include "src/people_token.h"

/* The running test's database (unit_db.h), set by setup(). */
static unit_db_t *u_;
#define db (u_->db)

static void exec_ok(const char *label, int nargs, const char **args)
{
    const char *err = NULL;
    if (people_db_execv(pool, &db, label, NULL, &err, nargs, args)
        != PEOPLE_OK) {
        fail_msg("%s: %s", label, err);
    }
}
#define EXEC(label, ...) exec_ok(label, PEOPLE_ARGS(__VA_ARGS__))

static int setup(void **state)
{
    unit_db_setup_memory(state);
    u_ = *state;
    return 0;
}

static const char *add_user(const char *name, const char *email)
{
    const char *id = people_uuid_generate(pool);
    EXEC("people_admin_user_add", id, name, people_name_key(pool, name),
         "First", "Last", email, "0", "0", "0", NULL, NULL);
    return id;
}

static people_profile_t *profile(const char *id)
{
    people_profile_t *u = NULL;
    const char *err = NULL;
    if (people_store_profile(pool, &db, id, &u, &err) != PEOPLE_OK) {
        fail_msg("profile %s: %s", id, err ? err : "not found");
    }
    return u;
}

static void test_find_by_name_ignores_case(void **state)
{
    const char *id = add_user("Ann.Lee", "Ann.Lee@Example.test"), *err = NULL;
    people_caller_t c;
    (void)state;
    assert_int_equal(people_store_find_login(pool, &db, 0, "ann.lee", &c,
                                             &err), PEOPLE_OK);
    assert_string_equal(c.id, id);
    assert_string_equal(c.username, "Ann.Lee");
    assert_int_equal(c.status, 1);
    assert_int_equal(c.is_admin, 0);
    assert_int_equal(people_store_find_login(pool, &db, 0, "ANN.LEE", &c,
                                             &err), PEOPLE_OK);
    assert_int_equal(people_store_find_login(pool, &db, 0, "ann", &c, &err),
                     PEOPLE_NOT_FOUND);
    /* by email, any case; the user name is no email */
    assert_int_equal(people_store_find_login(pool, &db, 1,
                                             "ann.lee@EXAMPLE.TEST", &c,
                                             &err), PEOPLE_OK);
    assert_string_equal(c.id, id);
    assert_int_equal(people_store_find_login(pool, &db, 1, "Ann.Lee", &c,
                                             &err), PEOPLE_NOT_FOUND);
}

static void test_shared_email_names_no_one(void **state)
{
    const char *err = NULL;
    people_caller_t c;
    (void)state;
    add_user("twin1", "twins@example.test");
    add_user("twin2", "TWINS@example.test");
    assert_int_equal(people_store_find_login(pool, &db, 1,
                                             "twins@example.test", &c, &err),
                     PEOPLE_NOT_FOUND);
}

static void test_create_login(void **state)
{
    const char *err = NULL;
    people_caller_t c, again;
    people_profile_t *u;
    (void)state;
    assert_int_equal(people_store_create_login(pool, &db, 0, "NewComer",
                                               "New", "Comer", 1000, &c,
                                               &err), PEOPLE_OK);
    assert_string_equal(c.username, "NewComer");
    u = profile(c.id);
    assert_string_equal(u->first_name, "New");
    assert_int_equal(u->activation_status, 1);
    assert_int_equal(u->status, 1);
    assert_false(u->is_admin || u->is_owner || u->is_visitor);
    assert_null(u->email);
    /* a second first sight (a concurrent request) finds the same user */
    assert_int_equal(people_store_create_login(pool, &db, 0, "newcomer",
                                               NULL, NULL, 1000, &again,
                                               &err), PEOPLE_OK);
    assert_string_equal(again.id, c.id);
}

static void test_create_login_by_email(void **state)
{
    const char *err = NULL;
    people_caller_t c;
    people_profile_t *u;
    (void)state;
    add_user("kim", "kim@old.example.test");
    assert_int_equal(people_store_create_login(pool, &db, 1,
                                               "Kim@New.example.test", NULL,
                                               NULL, 1000, &c, &err),
                     PEOPLE_OK);
    /* the local part is taken: a number makes it unique */
    assert_string_equal(c.username, "Kim2");
    u = profile(c.id);
    assert_string_equal(u->email, "Kim@New.example.test");
    assert_string_equal(u->first_name, "");
}

static people_mapped_t mapped(const char *first, const char *title,
                              const char *phone)
{
    people_mapped_t m;
    memset(&m, 0, sizeof(m));
    m.fields[PEOPLE_MAP_FIRST_NAME] = first;
    m.fields[PEOPLE_MAP_TITLE] = title;
    m.contacts = apr_array_make(pool, 1, sizeof(people_contact_t));
    if (phone) {
        APR_ARRAY_PUSH(m.contacts, people_contact_t) =
            (people_contact_t){"extphone", phone};
    }
    m.any = 1;
    return m;
}

static void add_contact(const char *id, int pos, const char *type,
                        const char *value)
{
    EXEC("people_contact_add", id, apr_itoa(pool, pos), type, value);
}

static void test_map_writes_only_changes(void **state)
{
    const char *id = add_user("mapped", "mapped@example.test"), *err = NULL;
    people_mapped_t m = mapped("Mia", "Engineer", "+1 555 0100");
    people_profile_t *u;
    apr_int64_t v0, v1;
    int changed = -1;
    (void)state;
    add_contact(id, 0, "skype", "mia.own");
    v0 = profile(id)->version;

    assert_int_equal(people_store_map_check(pool, &db, id, &m, 1, &changed,
                                            &err), PEOPLE_OK);
    assert_int_equal(changed, 1);
    /* the check wrote nothing */
    assert_int_equal(profile(id)->version, v0);

    assert_int_equal(people_store_map_write(pool, &db, id, &m, 1, 100, 1000,
                                            &changed, &err), PEOPLE_OK);
    assert_int_equal(changed, 1);
    u = profile(id);
    v1 = u->version;
    assert_true(v1 > v0);
    assert_string_equal(u->first_name, "Mia");
    assert_string_equal(u->last_name, "Last");
    assert_string_equal(u->title, "Engineer");
    assert_string_equal(u->email, "mapped@example.test");
    assert_true(u->is_ldap);
    assert_int_equal(u->contacts->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(u->contacts, 0, people_contact_t).value,
                        "mia.own");
    assert_string_equal(APR_ARRAY_IDX(u->contacts, 1, people_contact_t).type,
                        "extphone");

    /* the same values again: no write, the version (the ETag) stays */
    assert_int_equal(people_store_map_check(pool, &db, id, &m, 1, &changed,
                                            &err), PEOPLE_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(people_store_map_write(pool, &db, id, &m, 1, 100, 1000,
                                            &changed, &err), PEOPLE_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(profile(id)->version, v1);
}

static void test_map_keeps_the_users_contacts(void **state)
{
    const char *id = add_user("keeper", "keeper@example.test"), *err = NULL;
    people_mapped_t m = mapped(NULL, NULL, "200");
    people_profile_t *u;
    int changed = 0;
    (void)state;
    add_contact(id, 0, "extphone", "100");
    add_contact(id, 1, "mail", "me@home.test");
    add_contact(id, 2, "extphone", "101");
    assert_int_equal(people_store_map_write(pool, &db, id, &m, 0, 100, 1000,
                                            &changed, &err), PEOPLE_OK);
    assert_int_equal(changed, 1);
    u = profile(id);
    /* both old extphones replaced by the one mapped, at the first's place */
    assert_int_equal(u->contacts->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(u->contacts, 0, people_contact_t).value,
                        "200");
    assert_string_equal(APR_ARRAY_IDX(u->contacts, 1, people_contact_t).type,
                        "mail");
    assert_false(u->is_ldap);
}

static void test_map_over_the_limit_changes_nothing(void **state)
{
    const char *id = add_user("full", "full@example.test"), *err = NULL;
    people_mapped_t m = mapped("Changed", NULL, "1");
    people_profile_t *before, *after;
    int changed = 0;
    (void)state;
    add_contact(id, 0, "mail", "a@b.test");
    before = profile(id);
    assert_int_equal(people_store_map_write(pool, &db, id, &m, 0, 1, 1000,
                                            &changed, &err),
                     PEOPLE_TOO_MANY);
    after = profile(id);
    assert_int_equal(after->version, before->version);
    assert_string_equal(after->first_name, "First");
    assert_int_equal(after->contacts->nelts, 1);
}

static void test_map_unknown_user(void **state)
{
    const char *err = NULL;
    people_mapped_t m = mapped("X", NULL, NULL);
    int changed = 0;
    (void)state;
    assert_int_equal(people_store_map_write(pool, &db,
                                            "00000000-0000-4000-8000-"
                                            "000000000000", &m, 0, 100, 1000,
                                            &changed, &err),
                     PEOPLE_NOT_FOUND);
}

static void test_issue_token(void **state)
{
    const char *id = add_user("holder", "holder@example.test"), *err = NULL;
    const char *tok = people_token_generate(pool);
    const char *hash = people_token_hash(pool, tok);
    const char *old = people_token_hash(pool, "an-old-token");
    people_caller_t c;
    int n = -1;
    (void)state;
    /* a token that expired at 1000 */
    EXEC("people_admin_token_add", old, id, "login", "10", "1000");
    assert_int_equal(people_store_issue_token(pool, &db, id, hash, "login",
                                              2000, 2000 + 86400, 1000, &err),
                     PEOPLE_OK);
    assert_int_equal(people_store_auth(pool, &db, hash, 2001, &c, &err),
                     PEOPLE_OK);
    assert_string_equal(c.id, id);
    /* it expires */
    assert_int_equal(people_store_auth(pool, &db, hash, 2000 + 86400, &c,
                                       &err), PEOPLE_NOT_FOUND);
    /* stored as its hash only, and the expired one is gone */
    assert_int_equal(people_db_select(pool, &db, "people_admin_token_list",
                                      NULL, NULL, &n, &err, id), PEOPLE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(people_store_auth(pool, &db, tok, 2001, &c, &err),
                     PEOPLE_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_by_name_ignores_case, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_shared_email_names_no_one, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_create_login, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_create_login_by_email, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_map_writes_only_changes, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_map_keeps_the_users_contacts, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_map_over_the_limit_changes_nothing, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_map_unknown_user, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_issue_token, setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
