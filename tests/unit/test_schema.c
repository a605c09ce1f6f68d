/* Unit tests: the schema and the administrator's statements
 * (src/people_schema.c) on a real SQLite database through apr_dbd. */
#include <sqlite3.h>

#include "tests/unit/unit_db.h"

static int table_size(const people_stmt_def_t *t)
{
    int n = 0;
    while (t[n].label) {
        n++;
    }
    return n;
}

static const char *meta(unit_db_t *u, people_db_t *db, int *rows)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v = NULL;

    *rows = 0;
    assert_int_equal(apr_dbd_select(db->driver, u->p, db->handle, &res,
                                    "SELECT value FROM people_meta WHERE "
                                    "name = 'schema_version'", 0), 0);
    while (apr_dbd_get_row(db->driver, u->p, res, &row, -1) == 0) {
        v = apr_pstrdup(u->p, people_db_col(db, row, 0));
        (*rows)++;
    }
    return v;
}

/* One value from constant SQL through the native handle. */
static const char *native_value(people_db_t *db, const char *sql,
                                apr_pool_t *p)
{
    sqlite3 *conn = apr_dbd_native_handle(db->driver, db->handle);
    sqlite3_stmt *st = NULL;
    const char *v = NULL;

    assert_int_equal(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = apr_pstrdup(p, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return v;
}

static void test_init_records_version(void **state)
{
    unit_db_t *u = *state;
    int rows;

    assert_string_equal(meta(u, &u->db, &rows),
                        apr_itoa(u->p, PEOPLE_SCHEMA_VERSION));
    assert_int_equal(rows, 1);
}

static void test_init_idempotent(void **state)
{
    unit_db_t *u = *state;
    people_db_t *again;
    const char *err = NULL;
    int rows;

    unit_add_user(u, ALICE, "alice", "Alice", "Liddell", NULL);
    unit_add_contacts(u, ALICE, "0", "mail", "a@b.c", NULL);
    /* again on the same connection, and on a new one to the same file */
    assert_people_ok(people_schema_init(u->p, &u->db, &err), err);
    again = unit_db_connect(u->p, u->path);
    assert_people_ok(people_schema_init(u->p, again, &err), err);
    assert_string_equal(meta(u, again, &rows),
                        apr_itoa(u->p, PEOPLE_SCHEMA_VERSION));
    assert_int_equal(rows, 1);
    /* the data is still there */
    assert_string_equal(unit_contacts_text(u->p,
                                           unit_profile(u, ALICE)->contacts),
                        "mail=a@b.c");
    unit_db_close(again);
}

static void test_init_turns_on_wal(void **state)
{
    unit_db_t *u = *state;
    people_db_t *other;

    /* stored in the file: a new connection sees it without asking */
    other = unit_db_connect(u->p, u->path);
    assert_string_equal(native_value(other, "PRAGMA journal_mode", u->p),
                        "wal");
    unit_db_close(other);
}

static void test_init_refuses_newer_schema(void **state)
{
    unit_db_t *u = *state;
    people_db_t *other;
    const char *err = NULL;
    int rows;

    unit_exec(u, "people_admin_meta_set",
              apr_itoa(u->p, PEOPLE_SCHEMA_VERSION + 1), "schema_version");
    other = unit_db_connect(u->p, u->path);
    assert_int_equal(people_schema_init(u->p, other, &err), PEOPLE_DB_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "newer"));
    /* and left it as it was */
    assert_string_equal(meta(u, other, &rows),
                        apr_itoa(u->p, PEOPLE_SCHEMA_VERSION + 1));
    unit_db_close(other);
}

static void test_prepare_all(void **state)
{
    unit_db_t *u = *state;
    people_db_t *other;
    const people_stmt_def_t *d;
    int n = 0;

    other = unit_db_connect_prepared(u);
    /* every label of both tables, each once */
    assert_int_equal((int)apr_hash_count(other->prepared),
                     table_size(people_statements)
                     + table_size(people_admin_statements));
    for (d = people_statements; d->label; d++) {
        assert_non_null(apr_hash_get(other->prepared, d->label,
                                     APR_HASH_KEY_STRING));
        assert_int_equal(strncmp(d->label, "people_", 7), 0);
        assert_int_not_equal(strncmp(d->label, "people_admin_", 13), 0);
    }
    for (d = people_admin_statements; d->label; d++) {
        assert_non_null(apr_hash_get(other->prepared, d->label,
                                     APR_HASH_KEY_STRING));
        assert_int_equal(strncmp(d->label, "people_admin_", 13), 0);
    }
    /* and they run */
    unit_add_user(u, ALICE, "alice", "Alice", "Liddell", NULL);
    {
        const char *err = NULL;
        assert_people_ok(people_db_select(u->p, other,
                                          "people_admin_user_list", NULL,
                                          NULL, &n, &err), err);
    }
    assert_int_equal(n, 1);
    unit_db_close(other);
}

static void test_prepare_before_schema_fails(void **state)
{
    unit_db_t *u = *state;
    people_db_t *bare = unit_db_connect(u->p, ":memory:");
    const char *err = NULL;

    /* the statements need the tables */
    assert_int_equal(people_db_prepare_all(u->p, bare, &err),
                     PEOPLE_DB_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "preparing people_"));
}

static void test_user_name_key_unique(void **state)
{
    unit_db_t *u = *state;
    const char *err = NULL;
    int n = 0;

    unit_add_user(u, ALICE, "Alice", "Alice", "Liddell", NULL);
    /* the same name in another case is the same user name */
    assert_int_equal(people_db_exec(u->p, &u->db, "people_admin_user_add",
                                    NULL, &err, BOB, "ALICE", "alice", "", "",
                                    NULL, "0", "0", "0", NULL, NULL),
                     PEOPLE_DB_ERROR);
    assert_people_ok(people_db_select(u->p, &u->db, "people_admin_user_list",
                                      NULL, NULL, &n, &err), err);
    assert_int_equal(n, 1);
}

static void test_set_column_bumps_version(void **state)
{
    unit_db_t *u = *state;
    people_profile_t *prof;
    int n = 0;
    const char *err = NULL;

    unit_add_user(u, ALICE, "alice", "Alice", "Liddell", NULL);
    unit_add_user(u, BOB, "bob", "Bob", "Builder", NULL);
    assert_people_ok(people_db_exec(u->p, &u->db, "people_admin_set_location",
                                    &n, &err, "Oxford", ALICE), err);
    assert_int_equal(n, 1);
    unit_exec(u, "people_admin_set_status", "2", ALICE);
    prof = unit_profile(u, ALICE);
    assert_string_equal(prof->location, "Oxford");
    assert_int_equal(prof->status, 2);
    assert_true(prof->version == 3);
    assert_true(unit_profile(u, BOB)->version == 1);
    assert_null(unit_profile(u, BOB)->location);
}

static void test_member_add_once(void **state)
{
    unit_db_t *u = *state;
    const char *err = NULL;
    int n = -1;

    unit_add_user(u, ALICE, "alice", "Alice", "Liddell", NULL);
    unit_add_group(u, "g-1", "Readers", ALICE);
    assert_people_ok(people_db_exec(u->p, &u->db, "people_admin_member_add",
                                    &n, &err, ALICE, "g-1", ALICE, "g-1"),
                     err);
    assert_int_equal(n, 0);
    assert_int_equal(unit_profile(u, ALICE)->groups->nelts, 1);
    unit_exec(u, "people_admin_member_clear", ALICE);
    assert_int_equal(unit_profile(u, ALICE)->groups->nelts, 0);
}

static void read_token_row(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                           int ncols, void *baton)
{
    const char **prefix = baton;
    (void)p;
    assert_int_equal(ncols, 5);
    *prefix = people_db_col(db, row, 4);
}

static void test_token_list_shows_prefix_only(void **state)
{
    unit_db_t *u = *state;
    const char *prefix = NULL, *err = NULL;
    int n = 0;

    unit_add_user(u, ALICE, "alice", "Alice", "Liddell", NULL);
    unit_add_token(u, "0123456789abcdef0123456789abcdef0123456789abcdef"
                      "0123456789abcdef", ALICE, NULL);
    assert_people_ok(people_db_select(u->p, &u->db, "people_admin_token_list",
                                      read_token_row, &prefix, &n, &err,
                                      ALICE), err);
    assert_int_equal(n, 1);
    assert_string_equal(prefix, "01234567");
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_db_setup_file, \
                                             unit_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init_records_version),
        T(test_init_idempotent),
        T(test_init_turns_on_wal),
        T(test_init_refuses_newer_schema),
        T(test_prepare_all),
        T(test_prepare_before_schema_fails),
        T(test_user_name_key_unique),
        T(test_set_column_bumps_version),
        T(test_member_add_once),
        T(test_token_list_shows_prefix_only),
    };
    return cmocka_run_group_tests_name("schema", tests, group_setup,
                                       group_teardown);
}
