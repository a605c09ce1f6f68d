/* Unit tests: the directory's SQL (people_dir_page, people_dir_email,
 * the stored keys) and the upgrade to schema version 2, on a real SQLite
 * database through apr_dbd. */
#include "tests/unit/unit_db.h"
#include "src/people_directory.h"

#define CAROL "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
#define DAVE  "9b2c8a1e-0000-4000-8000-00000000000d"

static const people_caller_t member = {ALICE, "alice", 0, 0, 1, 0};
static const people_caller_t visitor = {DAVE, "dave", 0, 0, 1, 1};
static const people_caller_t admin = {NOONE, "root", 1, 0, 1, 0};

/* alice (member), bob, carol (terminated), dave (visitor), with keys. */
static int setup_people(void **state)
{
    unit_db_t *u = unit_db_new(":memory:");
    const char *err = NULL;
    const char *ids[] = {ALICE, BOB, CAROL, DAVE};
    int i;

    unit_add_user(u, ALICE, "alice", "Alice", "Ölund", "Alice@Example.com");
    unit_add_user(u, BOB, "bob", "Bob", "Builder", "bob@site.org");
    unit_add_user(u, CAROL, "carol", "Carol", "Gone", "carol@site.org");
    unit_add_user(u, DAVE, "dave", "Dave", "Visitor", "dave@site.org");
    unit_exec(u, "people_admin_set_title", "100% Sales_Lead", BOB);
    unit_exec(u, "people_admin_set_status", "2", CAROL);
    unit_exec(u, "people_admin_set_is_visitor", "1", DAVE);
    unit_add_contacts(u, ALICE, "0", "phone", "111", NULL);
    unit_add_contacts(u, BOB, "0", "phone", "222", "1", "skype", "b", NULL);
    for (i = 0; i < 4; i++) {
        assert_people_ok(people_dir_refresh_keys(u->p, &u->db, ids[i], &err),
                         err);
    }
    *state = u;
    return 0;
}

static people_page_t page(unit_db_t *u, const char *args,
                          const people_caller_t *who, people_privacy_e mode)
{
    people_dir_query_t q;
    people_page_t pg;
    const char *err = NULL;
    const char *bad = people_dir_parse(u->p, PEOPLE_DIR_LIST, args, NULL, &q);
    if (bad) {
        fail_msg("%s: %s", args, bad);
    }
    assert_people_ok(people_dir_page(u->p, &u->db, &q, who, mode, NULL, NULL,
                                     &pg, &err), err);
    return pg;
}

/* The page's user names, joined by spaces. */
static const char *names(unit_db_t *u, const people_page_t *pg)
{
    const char *s = "";
    int i;
    for (i = 0; i < pg->n; i++) {
        s = apr_pstrcat(u->p, s, i ? " " : "", pg->items[i].profile->username,
                        NULL);
    }
    return s;
}

static void test_keys_are_folded(void **state)
{
    unit_db_t *u = *state;
    people_db_t *db = &u->db;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *display = NULL, *email = NULL, *search = NULL;

    assert_int_equal(apr_dbd_select(db->driver, u->p, db->handle, &res,
                                    "SELECT display_key, email_key, "
                                    "search_key FROM people_users WHERE "
                                    "username = 'alice'", 0), 0);
    while (apr_dbd_get_row(db->driver, u->p, res, &row, -1) == 0) {
        display = apr_pstrdup(u->p, people_db_col(db, row, 0));
        email = apr_pstrdup(u->p, people_db_col(db, row, 1));
        search = apr_pstrdup(u->p, people_db_col(db, row, 2));
    }
    assert_string_equal(display, "alice ölund");
    assert_string_equal(email, "alice@example.com");
    /* the email first, then the fields everyone sees */
    assert_string_equal(search, "alice@example.com\nalice\nölund\nalice\n\n\n");
}

static void test_active_list_and_sorting(void **state)
{
    unit_db_t *u = *state;
    people_page_t pg = page(u, NULL, &member, PEOPLE_PRIVACY_MEMBERS);
    assert_int_equal(pg.total, 3);
    assert_string_equal(names(u, &pg), "alice bob dave");
    pg = page(u, "sortBy=lastName&sortOrder=descending", &member,
              PEOPLE_PRIVACY_MEMBERS);
    /* "ölund" sorts after ASCII letters byte-wise */
    assert_string_equal(names(u, &pg), "alice dave bob");
    pg = page(u, "count=1&startIndex=1", &member, PEOPLE_PRIVACY_MEMBERS);
    assert_int_equal(pg.total, 3);
    assert_string_equal(names(u, &pg), "bob");
}

static void test_contacts_and_groups_come_with_the_page(void **state)
{
    unit_db_t *u = *state;
    people_page_t pg = page(u, "sortBy=userName", &member,
                            PEOPLE_PRIVACY_MEMBERS);
    assert_int_equal(pg.n, 3);
    assert_string_equal(unit_contacts_text(u->p,
                                           pg.items[1].profile->contacts),
                        "phone=222, skype=b");
    assert_true(pg.items[1].full);
    /* a visitor's page: others' contacts are not even read */
    pg = page(u, "sortBy=userName", &visitor, PEOPLE_PRIVACY_MEMBERS);
    assert_false(pg.items[1].full);
    assert_int_equal(pg.items[1].profile->contacts->nelts, 0);
    assert_true(pg.items[2].full);          /* dave himself */
}

static void test_filter_value_and_wildcards(void **state)
{
    unit_db_t *u = *state;
    people_page_t pg;
    pg = page(u, "filterValue=%25", &member, PEOPLE_PRIVACY_MEMBERS);
    assert_string_equal(names(u, &pg), "bob");
    pg = page(u, "filterValue=s_l", &member, PEOPLE_PRIVACY_MEMBERS);
    assert_string_equal(names(u, &pg), "bob");
    pg = page(u, "filterValue=a_i", &member, PEOPLE_PRIVACY_MEMBERS);
    assert_int_equal(pg.total, 0);
    pg = page(u, "filterValue=%C3%96LUND+ALICE", &member,
              PEOPLE_PRIVACY_MEMBERS);
    assert_string_equal(names(u, &pg), "alice");
}

static void test_hidden_emails_are_not_matched_nor_sorted(void **state)
{
    unit_db_t *u = *state;
    people_page_t pg;
    /* "site.org" is only in emails */
    pg = page(u, "filterValue=site.org", &member, PEOPLE_PRIVACY_MEMBERS);
    assert_string_equal(names(u, &pg), "bob dave");
    pg = page(u, "filterValue=site.org", &visitor, PEOPLE_PRIVACY_MEMBERS);
    assert_string_equal(names(u, &pg), "dave");
    pg = page(u, "filterValue=site.org", &member, PEOPLE_PRIVACY_SELF);
    assert_int_equal(pg.total, 0);
    pg = page(u, "filterValue=site.org", &admin, PEOPLE_PRIVACY_SELF);
    assert_string_equal(names(u, &pg), "bob dave");
    /* visible emails sort; hidden ones as empty, then by id */
    pg = page(u, "sortBy=email", &member, PEOPLE_PRIVACY_MEMBERS);
    assert_string_equal(names(u, &pg), "alice bob dave");
    pg = page(u, "sortBy=email", &visitor, PEOPLE_PRIVACY_MEMBERS);
    /* alice (0f8f...) and bob (7c9e...) hidden, dave's own visible */
    assert_string_equal(names(u, &pg), "alice bob dave");
    pg = page(u, "sortBy=email&sortOrder=descending", &visitor,
              PEOPLE_PRIVACY_MEMBERS);
    assert_string_equal(names(u, &pg), "dave bob alice");
}

static void test_terminated_only_for_admins(void **state)
{
    unit_db_t *u = *state;
    people_dir_query_t q;
    people_page_t pg;
    const char *err = NULL;

    assert_null(people_dir_parse(u->p, PEOPLE_DIR_STATUS, NULL, "2", &q));
    assert_people_ok(people_dir_page(u->p, &u->db, &q, &member,
                                     PEOPLE_PRIVACY_MEMBERS, NULL, NULL, &pg,
                                     &err), err);
    assert_int_equal(pg.total, 0);
    assert_people_ok(people_dir_page(u->p, &u->db, &q, &admin,
                                     PEOPLE_PRIVACY_MEMBERS, NULL, NULL, &pg,
                                     &err), err);
    assert_string_equal(names(u, &pg), "carol");
}

static void test_email_lookup(void **state)
{
    unit_db_t *u = *state;
    people_dir_query_t q;
    const char *err = NULL, *id = NULL;

    assert_null(people_dir_parse(u->p, PEOPLE_DIR_EMAIL,
                                 "email=BOB%40Site.org", NULL, &q));
    assert_people_ok(people_dir_email(u->p, &u->db, &q, &member,
                                      PEOPLE_PRIVACY_MEMBERS, &id, &err),
                     err);
    assert_string_equal(id, BOB);
    assert_int_equal(people_dir_email(u->p, &u->db, &q, &visitor,
                                      PEOPLE_PRIVACY_MEMBERS, &id, &err),
                     PEOPLE_NOT_FOUND);
    assert_int_equal(people_dir_email(u->p, &u->db, &q, &member,
                                      PEOPLE_PRIVACY_SELF, &id, &err),
                     PEOPLE_NOT_FOUND);
    /* a terminated user's email: admins only */
    assert_null(people_dir_parse(u->p, PEOPLE_DIR_EMAIL,
                                 "email=carol@site.org", NULL, &q));
    assert_int_equal(people_dir_email(u->p, &u->db, &q, &member,
                                      PEOPLE_PRIVACY_MEMBERS, &id, &err),
                     PEOPLE_NOT_FOUND);
    assert_people_ok(people_dir_email(u->p, &u->db, &q, &admin,
                                      PEOPLE_PRIVACY_MEMBERS, &id, &err),
                     err);
    assert_string_equal(id, CAROL);
}

/* ---- the upgrade from schema version 1 ------------------------------------ */

static const char *const v1_schema[] = {
    "CREATE TABLE people_meta (name VARCHAR(64) PRIMARY KEY, "
    "value VARCHAR(255) NOT NULL)",
    "INSERT INTO people_meta VALUES ('schema_version', '1')",
    "CREATE TABLE people_users (id VARCHAR(36) PRIMARY KEY, username "
    "VARCHAR(255) NOT NULL, username_key VARCHAR(255) NOT NULL UNIQUE, "
    "first_name VARCHAR(255) NOT NULL DEFAULT '', last_name VARCHAR(255) NOT "
    "NULL DEFAULT '', email VARCHAR(255), birthday VARCHAR(40), sex INTEGER, "
    "status INTEGER NOT NULL DEFAULT 1, activation_status INTEGER NOT NULL "
    "DEFAULT 1, terminated VARCHAR(40), department VARCHAR(255), work_from "
    "VARCHAR(40), location VARCHAR(255), notes VARCHAR(4000), title "
    "VARCHAR(255), lead_id VARCHAR(36), avatar_small VARCHAR(1024), "
    "avatar_medium VARCHAR(1024), avatar VARCHAR(1024), is_admin INTEGER NOT "
    "NULL DEFAULT 0, is_owner INTEGER NOT NULL DEFAULT 0, is_visitor INTEGER "
    "NOT NULL DEFAULT 0, is_ldap INTEGER NOT NULL DEFAULT 0, is_sso INTEGER "
    "NOT NULL DEFAULT 0, culture_name VARCHAR(32), quota_limit BIGINT NOT "
    "NULL DEFAULT -1, used_space BIGINT NOT NULL DEFAULT 0, docs_space "
    "BIGINT NOT NULL DEFAULT 0, mail_space BIGINT NOT NULL DEFAULT 0, "
    "talk_space BIGINT NOT NULL DEFAULT 0, version BIGINT NOT NULL DEFAULT 1)",
    "INSERT INTO people_users (id, username, username_key, first_name, "
    "last_name, email, department, version) VALUES ('" ALICE "', 'Alice', "
    "'alice', 'ÅSA', 'Berg', 'Asa@X.org', 'Sales', 7)",
    NULL
};

static void test_upgrade_from_version_1(void **state)
{
    apr_pool_t *p;
    people_db_t db = {0}, *pdb = &db;
    const char *err = NULL;
    people_dir_query_t q;
    people_page_t pg;
    unit_db_t u;
    int i;
    (void)state;

    assert_int_equal(apr_pool_create(&p, pool), APR_SUCCESS);
    unit_db_open(p, ":memory:", &db);
    memset(&u, 0, sizeof(u));
    u.p = p;
    u.db = db;
    for (i = 0; v1_schema[i]; i++) {
        unit_sql(&u, v1_schema[i]);
    }
    /* twice: the second finds version 2 and changes nothing */
    assert_people_ok(people_schema_init(p, pdb, &err), err);
    assert_people_ok(people_schema_init(p, pdb, &err), err);
    assert_null(people_dir_parse(p, PEOPLE_DIR_LIST, "filterValue=%C3%A5sa+"
                                 "SALES", NULL, &q));
    assert_people_ok(people_dir_page(p, pdb, &q, &admin,
                                     PEOPLE_PRIVACY_MEMBERS, NULL, NULL, &pg,
                                     &err), err);
    assert_int_equal(pg.total, 1);
    assert_string_equal(pg.items[0].profile->id, ALICE);
    /* keys are not a change of what the profile shows: same version */
    assert_int_equal(pg.items[0].profile->version, 7);
    apr_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_are_folded, setup_people,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_active_list_and_sorting,
                                        setup_people, unit_db_teardown),
        cmocka_unit_test_setup_teardown(
            test_contacts_and_groups_come_with_the_page, setup_people,
            unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_filter_value_and_wildcards,
                                        setup_people, unit_db_teardown),
        cmocka_unit_test_setup_teardown(
            test_hidden_emails_are_not_matched_nor_sorted, setup_people,
            unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_terminated_only_for_admins,
                                        setup_people, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_email_lookup, setup_people,
                                        unit_db_teardown),
        cmocka_unit_test(test_upgrade_from_version_1),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
