/* Unit tests: what only SQLite needs (src/people_sqlite.c): lock waits,
 * BEGIN IMMEDIATE with a bounded wait, the synchronous setting and the WAL
 * sync, on a database file with two real connections through apr_dbd. */
#include <sqlite3.h>
#include <apr_file_info.h>
#include <apr_thread_proc.h>

#include "tests/unit/unit_db.h"

/* The wait the tests ask for, and how much a refused wait may overrun it
 * on a busy machine. */
#define WAIT_MS  600
#define SLACK_MS 3000

/* A lock refused after the whole wait (SQLite sleeps until the timeout is
 * spent), and not much later. */
static void assert_waited(long ms)
{
    if (ms < WAIT_MS - 20 || ms >= WAIT_MS + SLACK_MS) {
        fail_msg("refused after %ld ms, for a wait of %d ms", ms, WAIT_MS);
    }
}

/* A lock refused without waiting. */
static void assert_at_once(long ms)
{
    if (ms >= WAIT_MS / 2) {
        fail_msg("refused after %ld ms, without a wait", ms);
    }
}

static sqlite3 *native(people_db_t *db)
{
    return apr_dbd_native_handle(db->driver, db->handle);
}

/* Another connection, holding the write lock in *t. */
static people_db_t *hold_lock(unit_db_t *u, people_txn_t **t)
{
    const char *err = NULL;
    people_db_t *other = unit_db_connect_prepared(u);
    assert_people_ok(people_db_begin(u->p, other, 0, t, &err), err);
    return other;
}

static void release(people_txn_t *t, people_db_t *other)
{
    const char *err = NULL;
    assert_people_ok(people_db_end(t, 1, &err), err);
    unit_db_close(other);
}

/* BEGIN IMMEDIATE straight on the handle: the result and, in *ms, how long
 * it took. Ends the transaction when it began. */
static int raw_begin(people_db_t *db, long *ms)
{
    apr_time_t t0 = apr_time_now();
    int rc = sqlite3_exec(native(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);
    *ms = unit_ms_since(t0);
    if (rc == SQLITE_OK) {
        sqlite3_exec(native(db), "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

static void test_begin_waits_then_fails(void **state)
{
    unit_db_t *u = *state;
    people_txn_t *held, *t = NULL;
    people_db_t *other = hold_lock(u, &held);
    const char *err = NULL;
    apr_time_t t0 = apr_time_now();
    long ms;

    assert_int_equal(people_db_begin(u->p, &u->db, WAIT_MS, &t, &err),
                     PEOPLE_DB_ERROR);
    ms = unit_ms_since(t0);
    assert_waited(ms);
    assert_non_null(err);
    assert_int_equal(strncmp(err, "begin: ", 7), 0);
    assert_non_null(strstr(err, "locked"));
    /* the wait does not stay on the connection */
    assert_int_equal(raw_begin(&u->db, &ms), SQLITE_BUSY);
    assert_at_once(ms);
    /* without a wait it fails at once */
    t0 = apr_time_now();
    assert_int_equal(people_db_begin(u->p, &u->db, 0, &t, &err),
                     PEOPLE_DB_ERROR);
    assert_at_once(unit_ms_since(t0));
    release(held, other);
    assert_people_ok(people_db_begin(u->p, &u->db, 0, &t, &err), err);
    assert_people_ok(people_db_end(t, 1, &err), err);
}

typedef struct {
    people_txn_t *held;
    int commit_rc;
} releaser_t;

static void *APR_THREAD_FUNC release_later(apr_thread_t *th, void *data)
{
    releaser_t *r = data;
    const char *err = NULL;
    apr_sleep(apr_time_from_msec(200));
    r->commit_rc = people_db_end(r->held, 1, &err);
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

static void test_begin_gets_lock_freed_during_wait(void **state)
{
    unit_db_t *u = *state;
    people_db_t *other;
    releaser_t r;
    apr_thread_t *th;
    apr_status_t st;
    people_rc_e rc;
    people_txn_t *t = NULL;
    const char *err = NULL;
    apr_time_t t0;
    long ms;

    other = hold_lock(u, &r.held);
    r.commit_rc = -1;
    t0 = apr_time_now();
    assert_int_equal(apr_thread_create(&th, NULL, release_later, &r, u->p),
                     APR_SUCCESS);
    rc = people_db_begin(u->p, &u->db, 5000, &t, &err);
    ms = unit_ms_since(t0);
    /* joined before any assert, which would leave the thread running */
    assert_int_equal(apr_thread_join(&st, th), APR_SUCCESS);
    assert_people_ok(rc, err);
    assert_int_equal(r.commit_rc, PEOPLE_OK);
    assert_true(ms >= 150);
    assert_true(ms < 5000);
    assert_people_ok(people_db_end(t, 1, &err), err);
    unit_db_close(other);
}

static void test_write_refused_while_locked(void **state)
{
    unit_db_t *u = *state;
    people_db_t *other;
    people_txn_t *held;
    people_profile_t *out = NULL;
    apr_array_header_t *body = unit_contacts(u->p, "icq", "7", NULL);
    const char *err = NULL;

    unit_add_user(u, ALICE, "alice", "Alice", "Liddell", NULL);
    unit_add_contacts(u, ALICE, "0", "mail", "a@b.c", NULL);
    other = hold_lock(u, &held);
    /* WAL: a reader goes on while another connection writes */
    assert_string_equal(unit_contacts_text(u->p,
                                           unit_profile(u, ALICE)->contacts),
                        "mail=a@b.c");
    assert_int_equal(people_store_write_contacts(u->p, &u->db, ALICE,
                         PEOPLE_OP_MERGE, body, 10, NULL, 100, &out, &err),
                     PEOPLE_DB_ERROR);
    assert_null(out);
    release(held, other);
    assert_string_equal(unit_contacts_text(u->p,
                                           unit_profile(u, ALICE)->contacts),
                        "mail=a@b.c");
    assert_true(unit_profile(u, ALICE)->version == 1);
    /* and goes through once the lock is free */
    assert_people_ok(people_store_write_contacts(u->p, &u->db, ALICE,
                         PEOPLE_OP_MERGE, body, 10, NULL, 100, &out, &err),
                     err);
    assert_string_equal(unit_contacts_text(u->p,
                                           unit_profile(u, ALICE)->contacts),
                        "mail=a@b.c, icq=7");
}

static void test_busy_timeout(void **state)
{
    unit_db_t *u = *state;
    people_txn_t *held;
    people_db_t *other = hold_lock(u, &held);
    long ms;

    people_sqlite_busy_timeout(&u->db, WAIT_MS);
    assert_int_equal(raw_begin(&u->db, &ms), SQLITE_BUSY);
    assert_waited(ms);
    people_sqlite_busy_timeout(&u->db, 0);
    assert_int_equal(raw_begin(&u->db, &ms), SQLITE_BUSY);
    assert_at_once(ms);
    release(held, other);
    assert_int_equal(raw_begin(&u->db, &ms), SQLITE_OK);
}

static void test_wait_on_open(void **state)
{
    unit_db_t *u = *state;
    people_txn_t *held;
    people_db_t *other = hold_lock(u, &held), *late;
    apr_pool_t *conf;
    long ms;

    /* a connection to the file opened from now on waits; one opened
     * before does not */
    apr_pool_create(&conf, u->p);
    people_sqlite_open_wait(conf, u->path, WAIT_MS);
    late = unit_db_connect(u->p, u->path);
    assert_int_equal(raw_begin(late, &ms), SQLITE_BUSY);
    assert_waited(ms);
    assert_int_equal(raw_begin(&u->db, &ms), SQLITE_BUSY);
    assert_at_once(ms);
    unit_db_close(late);
    /* back to not waiting with the configuration gone (a restart) */
    apr_pool_destroy(conf);
    late = unit_db_connect(u->p, u->path);
    assert_int_equal(raw_begin(late, &ms), SQLITE_BUSY);
    assert_at_once(ms);
    unit_db_close(late);
    release(held, other);
}

static int synchronous(people_db_t *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    assert_int_equal(sqlite3_prepare_v2(native(db), "PRAGMA synchronous", -1,
                                        &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static void test_synchronous(void **state)
{
    unit_db_t *u = *state;

    people_sqlite_synchronous(&u->db, 1);
    assert_int_equal(synchronous(&u->db), 2);      /* FULL */
    people_sqlite_synchronous(&u->db, 0);
    assert_int_equal(synchronous(&u->db), 1);      /* NORMAL */
    people_sqlite_synchronous(&u->db, 1);
    assert_int_equal(synchronous(&u->db), 2);
}

static void test_sync_wal(void **state)
{
    unit_db_t *u = *state;
    people_db_t *other;
    const char *err = NULL;
    apr_finfo_t fi;

    /* a commit by another connection, made durable through this one */
    other = unit_db_connect_prepared(u);
    unit_add_user(u, ALICE, "alice", "Alice", "Liddell", NULL);
    assert_int_equal(apr_stat(&fi, apr_pstrcat(u->p, u->path, "-wal", NULL),
                              APR_FINFO_SIZE, u->p), APR_SUCCESS);
    assert_true(fi.size > 0);
    assert_int_equal(people_sqlite_sync_wal(u->p, other, &err), 1);
    assert_null(err);
    assert_int_equal(people_sqlite_sync_wal(u->p, &u->db, &err), 1);
    unit_db_close(other);
}

static void test_sync_wal_without_wal(void **state)
{
    unit_db_t *u = *state;
    const char *err = NULL;

    /* in memory there is no WAL file: refused, with the reason */
    assert_int_equal(people_sqlite_sync_wal(u->p, &u->db, &err), 0);
    assert_non_null(err);
    assert_non_null(strstr(err, "WAL"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_db_setup_file, \
                                             unit_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_begin_waits_then_fails),
        T(test_begin_gets_lock_freed_during_wait),
        T(test_write_refused_while_locked),
        T(test_busy_timeout),
        T(test_wait_on_open),
        T(test_synchronous),
        T(test_sync_wal),
        cmocka_unit_test_setup_teardown(test_sync_wal_without_wal,
                                        unit_db_setup_memory,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests_name("sqlite", tests, group_setup,
                                       group_teardown);
}
