/* Unit tests: the open-time lock wait applies to the module's database
 * files only, not to every SQLite connection of the process (another
 * module in the same httpd opens its own). Observed through behaviour: a
 * statement that meets another connection's lock waits on a file that
 * was named, and fails at once on any other. */
#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>
#include <apr_time.h>
#include <apr_dbd.h>
#include <sys/stat.h>

#include "tests/unit/unit.h"
#include "src/people_sqlite.h"

#define WAIT_MS 600

static char dir[] = "/tmp/people-unit-sqlite-XXXXXX";

static const char *db_path(const char *name)
{
    return apr_pstrcat(pool, dir, "/", name, NULL);
}

/* Milliseconds a read on a fresh connection to path took to meet the
 * exclusive lock `holder` keeps (SQLITE_BUSY either way). */
static long busy_ms(const char *path)
{
    sqlite3 *holder, *c;
    apr_time_t t0;
    long ms;
    int rc;

    assert_int_equal(sqlite3_open(path, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "CREATE TABLE IF NOT EXISTS t(a);"
                                  "BEGIN EXCLUSIVE; INSERT INTO t VALUES(1)",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    t0 = apr_time_now();
    rc = sqlite3_exec(c, "SELECT count(*) FROM t", NULL, NULL, NULL);
    ms = (long)apr_time_as_msec(apr_time_now() - t0);
    assert_int_equal(rc, SQLITE_BUSY);
    sqlite3_close(c);
    sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(holder);
    return ms;
}

static void test_only_named_files_wait(void **state)
{
    apr_pool_t *conf;
    char *cwd = getcwd(NULL, 0);
    (void)state;

    assert_non_null(mkdtemp(dir));
    apr_pool_create(&conf, pool);
    people_sqlite_open_wait(conf, db_path("people.db"), WAIT_MS);

    /* the module's file waits; another file of the process does not */
    assert_true(busy_ms(db_path("people.db")) >= WAIT_MS / 2);
    assert_true(busy_ms(db_path("other.db")) < WAIT_MS / 2);

    /* named relatively (DBDParams may be): the same file */
    assert_int_equal(chdir(dir), 0);
    apr_pool_destroy(conf);
    apr_pool_create(&conf, pool);
    people_sqlite_open_wait(conf, "rel.db", WAIT_MS);
    assert_true(busy_ms(db_path("rel.db")) >= WAIT_MS / 2);
    assert_true(busy_ms(db_path("people.db")) < WAIT_MS / 2);

    /* a new configuration (a restart) starts from nothing */
    apr_pool_destroy(conf);
    assert_true(busy_ms(db_path("rel.db")) < WAIT_MS / 2);

    assert_int_equal(chdir(cwd), 0);
    free(cwd);
    unlink(db_path("people.db"));
    unlink(db_path("other.db"));
    unlink(db_path("rel.db"));
    rmdir(dir);
}

static void test_make_private(void **state)
{
    const apr_dbd_driver_t *driver;
    people_db_t db;
    struct stat st;
    const char *path, *mem_err = NULL;
    char tmpl[] = "/tmp/people-unit-private-XXXXXX";
    (void)state;

    assert_non_null(mkdtemp(tmpl));
    path = apr_pstrcat(pool, tmpl, "/people.db", NULL);
    apr_dbd_init(pool);
    assert_int_equal(apr_dbd_get_driver(pool, "sqlite3", &driver),
                     APR_SUCCESS);
    assert_int_equal(apr_dbd_open_ex(driver, pool, path, &db.handle,
                                     &mem_err), APR_SUCCESS);
    db.driver = driver;
    db.prepared = NULL;
    assert_int_equal(sqlite3_exec(apr_dbd_native_handle(driver, db.handle),
                                  "PRAGMA journal_mode=WAL; "
                                  "CREATE TABLE t(a)", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(chmod(apr_pstrcat(pool, path, "-wal", NULL), 0666), 0);
    assert_int_equal(chmod(apr_pstrcat(pool, path, "-shm", NULL), 0604), 0);

    assert_int_equal(people_sqlite_make_private(&db), 3);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(stat(apr_pstrcat(pool, path, "-wal", NULL), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    assert_int_equal(stat(apr_pstrcat(pool, path, "-shm", NULL), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* nothing left to do */
    assert_int_equal(people_sqlite_make_private(&db), 0);

    apr_dbd_close(driver, db.handle);
    unlink(path);
    unlink(apr_pstrcat(pool, path, "-wal", NULL));
    unlink(apr_pstrcat(pool, path, "-shm", NULL));
    rmdir(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_named_files_wait),
        cmocka_unit_test(test_make_private),
    };
    return cmocka_run_group_tests_name("sqlite_open", tests, group_setup,
                                       group_teardown);
}
