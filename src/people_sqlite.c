/* SQLite specifics, reached through apr_dbd's native handle. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <apr_strings.h>

#include "people_sqlite.h"

/* The database files whose connections wait on open. The auto extension
 * is process-wide: every other SQLite connection of the process (another
 * module's) is left as its owner opened it. */
static apr_array_header_t *open_wait_paths;    /* const char * */
static int open_wait_ms;

static int people_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0) {
        return 1;
    }
    /* the name the connection has is its absolute path; DBDParams may be
     * relative or a link */
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
           && sa.st_ino == sb.st_ino;
}

static int people_on_open(sqlite3 *db, const char **err, const void *api)
{
    const char *name = sqlite3_db_filename(db, "main");
    int i;
    (void)err; (void)api;

    if (!open_wait_paths || !name || !*name) {
        return SQLITE_OK;
    }
    for (i = 0; i < open_wait_paths->nelts; i++) {
        if (people_same_file(APR_ARRAY_IDX(open_wait_paths, i, const char *),
                             name)) {
            sqlite3_busy_timeout(db, open_wait_ms);
            break;
        }
    }
    return SQLITE_OK;
}

static apr_status_t people_forget_paths(void *data)
{
    (void)data;
    open_wait_paths = NULL;
    return APR_SUCCESS;
}

void people_sqlite_open_wait(apr_pool_t *p, const char *path, int ms)
{
    if (!open_wait_paths) {
        open_wait_paths = apr_array_make(p, 2, sizeof(const char *));
        apr_pool_cleanup_register(p, NULL, people_forget_paths,
                                  apr_pool_cleanup_null);
    }
    APR_ARRAY_PUSH(open_wait_paths, const char *) = apr_pstrdup(p, path);
    open_wait_ms = ms;
    /* registering the same entry point again is a no-op */
    sqlite3_auto_extension((void (*)(void))people_on_open);
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

void people_sqlite_synchronous(people_db_t *db, int full)
{
    if (strcmp(apr_dbd_name(db->driver), "sqlite3") == 0) {
        sqlite3_exec(apr_dbd_native_handle(db->driver, db->handle),
                     full ? "PRAGMA synchronous=FULL"
                          : "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    }
}

int people_sqlite_sync_wal(apr_pool_t *p, people_db_t *db, const char **err)
{
    sqlite3 *conn = apr_dbd_native_handle(db->driver, db->handle);
    sqlite3_file *wal = NULL;
    int rc;

    /* fsync flushes the file, not the descriptor: syncing this connection's
     * handle on the WAL makes every process's committed frames durable */
    rc = sqlite3_file_control(conn, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                              &wal);
    if (rc != SQLITE_OK || !wal || !wal->pMethods) {
        *err = "the WAL file is not open (is the database in WAL mode?)";
        return 0;
    }
    rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    if (rc != SQLITE_OK) {
        *err = apr_psprintf(p, "syncing the WAL failed (SQLite error %d)",
                            rc);
        return 0;
    }
    return 1;
}

int people_sqlite_make_private(people_db_t *db)
{
    static const char *const suffix[] = {"", "-wal", "-shm", NULL};
    const char *name;
    char path[4096];
    int i, n = 0;

    if (strcmp(apr_dbd_name(db->driver), "sqlite3") != 0) {
        return 0;
    }
    name = sqlite3_db_filename(apr_dbd_native_handle(db->driver, db->handle),
                               "main");
    if (!name || !*name) {
        return 0;                       /* in memory */
    }
    for (i = 0; suffix[i]; i++) {
        struct stat st;
        if (apr_snprintf(path, sizeof(path), "%s%s", name, suffix[i])
            >= (int)sizeof(path) - 1) {
            return n;
        }
        /* only files of this account: another's is not ours to change */
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)
            && st.st_uid == geteuid() && (st.st_mode & 0007)
            && chmod(path, st.st_mode & 0770) == 0) {
            n++;
        }
    }
    return n;
}
