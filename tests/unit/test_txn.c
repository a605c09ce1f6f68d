/* Unit tests: how a transaction of the store fails, on a real SQLite
 * database through apr_dbd. A failure at COMMIT must be told apart from a
 * failure before it: the module retries a write on a re-established
 * connection only when nothing can have been stored (mod_people_http.c,
 * people_db_run), and a write whose COMMIT failed may be stored. */
#include "tests/unit/unit_db.h"

/* Tables with a deferred foreign key: a child row without its parent is
 * accepted by the INSERT and refused at COMMIT, a COMMIT that fails every
 * time. */
static unit_db_t *with_deferred_key(void **state)
{
    unit_db_t *u = *state;
    unit_sql(u, "PRAGMA foreign_keys = ON");
    unit_sql(u, "CREATE TABLE t_parent (id INTEGER PRIMARY KEY)");
    unit_sql(u, "CREATE TABLE t_child (pid INTEGER REFERENCES t_parent(id) "
                "DEFERRABLE INITIALLY DEFERRED)");
    return u;
}

static int rows(unit_db_t *u, const char *table)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int n = -1;

    assert_int_equal(apr_dbd_select(u->db.driver, u->p, u->db.handle, &res,
                                    apr_pstrcat(u->p, "SELECT count(*) FROM ",
                                                table, NULL), 0), 0);
    while (apr_dbd_get_row(u->db.driver, u->p, res, &row, -1) != -1) {
        n = atoi(apr_dbd_get_entry(u->db.driver, row, 0));
    }
    return n;
}

/* COMMIT sent and failed: PEOPLE_COMMIT_FAILED, with the reason; the
 * transaction is rolled back and the connection takes the next one. */
static void test_commit_failure_has_its_own_code(void **state)
{
    unit_db_t *u = with_deferred_key(state);
    people_txn_t *t = NULL;
    const char *err = NULL;

    assert_people_ok(people_db_begin(u->p, &u->db, 0, &t, &err), err);
    unit_sql(u, "INSERT INTO t_parent VALUES (1)");
    unit_sql(u, "INSERT INTO t_child VALUES (99)");
    assert_int_equal(people_db_end(t, 1, &err), PEOPLE_COMMIT_FAILED);
    assert_non_null(err);
    assert_non_null(strstr(err, "commit: "));
    assert_int_equal(rows(u, "t_parent"), 0);
    assert_int_equal(rows(u, "t_child"), 0);

    assert_people_ok(people_db_begin(u->p, &u->db, 0, &t, &err), err);
    unit_sql(u, "INSERT INTO t_parent VALUES (2)");
    assert_people_ok(people_db_end(t, 1, &err), err);
    assert_int_equal(rows(u, "t_parent"), 1);
}

/* A statement failing inside the transaction is a failure before COMMIT:
 * PEOPLE_DB_ERROR, the code the module may retry. */
static void test_failure_before_commit_is_a_db_error(void **state)
{
    unit_db_t *u = with_deferred_key(state);
    people_txn_t *t = NULL;
    const char *err = NULL;

    assert_int_not_equal(PEOPLE_DB_ERROR, PEOPLE_COMMIT_FAILED);
    assert_people_ok(people_db_begin(u->p, &u->db, 0, &t, &err), err);
    unit_sql(u, "INSERT INTO t_parent VALUES (3)");
    assert_int_equal(people_db_exec(u->p, &u->db, "people_no_such_statement",
                                    NULL, &err, "x"), PEOPLE_DB_ERROR);
    assert_people_ok(people_db_end(t, 0, &err), err);
    assert_int_equal(rows(u, "t_parent"), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_db_setup_memory, \
                                             unit_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_commit_failure_has_its_own_code),
        T(test_failure_before_commit_is_a_db_error),
    };
    return cmocka_run_group_tests_name("txn", tests, group_setup,
                                       group_teardown);
}
