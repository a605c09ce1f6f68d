/* SQLite specifics, reached through apr_dbd's native handle. */
#include <string.h>
#include <sqlite3.h>
#include <apr_strings.h>

#include "people_sqlite.h"

static int open_wait_ms;

static int on_open(sqlite3 *db, const char **err, const void *api)
{
    (void)err; (void)api;
    sqlite3_busy_timeout(db, open_wait_ms);
    return SQLITE_OK;
}

void people_sqlite_wait_on_open(int ms)
{
    open_wait_ms = ms;
    /* registering the same entry point again is a no-op */
    sqlite3_auto_extension((void (*)(void))on_open);
}

void people_sqlite_busy_timeout(people_db_t *db, int ms)
{
    if (strcmp(apr_dbd_name(db->driver), "sqlite3") == 0) {
        sqlite3_busy_timeout(apr_dbd_native_handle(db->driver, db->handle),
                             ms);
    }
}

int people_sqlite_begin(apr_pool_t *p, people_db_t *db, int wait_ms,
                        const char **err)
{
    sqlite3 *conn = apr_dbd_native_handle(db->driver, db->handle);
    int rc;

    sqlite3_busy_timeout(conn, wait_ms > 0 ? wait_ms : 0);
    rc = sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        *err = apr_pstrdup(p, sqlite3_errmsg(conn));
    }
    sqlite3_busy_timeout(conn, 0);
    return rc == SQLITE_OK;
}
