/* Writes on SQLite: one global write mutex, and group commit.
 *
 * The mutex serialises SQLite write transactions across all children and
 * threads: the apr_dbd sqlite3 driver answers a busy database by sleeping
 * and retrying while other writers pile up; one global mutex taken before
 * BEGIN keeps writers in line with no busy errors.
 *
 * Group commit (PeopleDurability group): commits run with
 * synchronous=NORMAL: they write the WAL but do not sync it. A writer is
 * answered only once a sync of the WAL that began after its commit has
 * finished. Commits are numbered under the write mutex; whoever finds its
 * number not yet synced takes the sync mutex, notes the newest commit
 * number, syncs once, and so makes every commit up to that number durable:
 * the writers that queued behind it find theirs covered and need no sync
 * of their own. */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "util_mutex.h"

#include "apr_dbd.h"
#include "apr_global_mutex.h"
#include "apr_shm.h"
#include "apr_strings.h"

#include "src/people_sqlite.h"

#include "mod_people_private.h"
#include "mod_people_commit.h"
#include "mod_people_status.h"
#include "mod_people_guard.h"
#include "mod_people_config.h"
#include "mod_people_http.h"

/* how long a write waits for SQLite's write lock before answering 503 */
#define PEOPLE_LOCK_WAIT_MS 2000
/* how long a new connection waits for a lock while it is set up */
#define PEOPLE_OPEN_WAIT_MS 5000

static const char *const people_write_mutex_type = "people-write";
static apr_global_mutex_t *people_write_mutex;
static apr_global_mutex_t *people_sync_mutex;

typedef struct {
    apr_uint64_t committed;     /* last commit number (under the write
                                 * mutex) */
    apr_uint64_t synced;        /* commits up to this are durable (under
                                 * the sync mutex) */
} people_shared_t;
static people_shared_t *people_shared;

int people_commit_begin(request_rec *r, people_db_t *db, people_commit_t *w)
{
    apr_time_t t0;
    apr_status_t rv;

    w->db = db;
    w->locked = 0;
    w->wait_ms = PEOPLE_LOCK_WAIT_MS;
    people_status_count(PEOPLE_STAT_WRITES, 1);
    if (!people_write_mutex || strcmp(apr_dbd_name(db->driver), "sqlite3")) {
        return OK;
    }
    t0 = apr_time_now();
    rv = apr_global_mutex_lock(people_write_mutex);
    /* the time spent in the queue counts against the wait for the
     * database lock: when another program holds it, every queued writer
     * answers 503 about PEOPLE_LOCK_WAIT_MS after it arrived, instead of
     * each waiting in turn */
    w->wait_ms -= (int)apr_time_as_msec(apr_time_now() - t0);
    people_status_lock_wait(apr_time_now() - t0);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PEOPLELOGNO(04)
                      "could not take the write mutex");
        people_answer_error(r, HTTP_SERVICE_UNAVAILABLE,
                            "the server is busy; try again shortly");
        return DONE;
    }
    w->locked = 1;
    return OK;
}

/* Waits until commit number seq is durable, syncing the WAL if no one
 * else has yet. */
static int people_group_sync(request_rec *r, people_db_t *db,
                             apr_uint64_t seq, const char **err)
{
    apr_uint64_t upto;
    int ok = 1;

    if (apr_global_mutex_lock(people_sync_mutex) != APR_SUCCESS) {
        *err = "could not take the sync mutex";
        return 0;
    }
    if (people_shared->synced < seq) {
        /* every commit numbered so far has written its WAL frames (it is
         * numbered after its COMMIT returned): one sync covers them all */
        upto = __atomic_load_n(&people_shared->committed, __ATOMIC_ACQUIRE);
        ok = people_sqlite_sync_wal(r->pool, db, err);
        if (ok) {
            people_shared->synced = upto;
            people_status_count(PEOPLE_STAT_SYNCS, 1);
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, PEOPLELOGNO(14)
                          "synced the WAL: commits up to %" APR_UINT64_T_FMT
                          " are durable", upto);
        }
    }
    apr_global_mutex_unlock(people_sync_mutex);
    return ok;
}

people_rc_e people_commit_end(request_rec *r, people_commit_t *w,
                              people_rc_e rc, const char **err)
{
    apr_uint64_t seq = 0;

    if (!w->locked) {
        return rc;
    }
    if (rc == PEOPLE_OK && people_shared
        && people_cfg_durability(r->server) == PEOPLE_DURABLE_GROUP) {
        seq = __atomic_add_fetch(&people_shared->committed, 1,
                                 __ATOMIC_RELEASE);
        people_status_count(PEOPLE_STAT_COMMITS, 1);
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, PEOPLELOGNO(13)
                      "commit %" APR_UINT64_T_FMT, seq);
    }
    apr_global_mutex_unlock(people_write_mutex);
    w->locked = 0;
    if (seq && !people_group_sync(r, w->db, seq, err)) {
        *err = apr_pstrcat(r->pool, "making the write durable: ", *err, NULL);
        return PEOPLE_COMMIT_FAILED;
    }
    return rc;
}

/* ---------------------------------------------------------------------
 * Start-up
 */

int people_commit_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, people_write_mutex_type, NULL,
                             APR_LOCK_DEFAULT, 0) == APR_SUCCESS
           ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

int people_commit_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *shm;
    apr_status_t rv;

    people_guard_post_config(pconf, PEOPLE_OPEN_WAIT_MS);
    if ((rv = ap_global_mutex_create(&people_write_mutex, NULL,
                                     people_write_mutex_type, NULL, s, pconf,
                                     0)) != APR_SUCCESS
        /* a process-shared pthread mutex, whatever "Mutex default" says:
         * with two fcntl() locks, one thread of a process holding one while
         * another thread waits for the other makes the kernel report a
         * deadlock (EDEADLK) that is not one */
        || (rv = apr_global_mutex_create(&people_sync_mutex, NULL,
                                         APR_LOCK_PROC_PTHREAD, pconf))
           != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PEOPLELOGNO(05)
                     "could not create the write mutexes");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* anonymous shared memory, inherited by every child; a restart makes
     * a new one (the commit numbers only need to agree within one
     * generation of children: each child syncs its own commits' WAL) */
    if ((rv = apr_shm_create(&shm, sizeof(people_shared_t), NULL, pconf))
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PEOPLELOGNO(08)
                     "could not create shared memory for group commit");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    people_shared = apr_shm_baseaddr_get(shm);
    memset(people_shared, 0, sizeof(*people_shared));
    return OK;
}

void people_commit_child_init(apr_pool_t *p, server_rec *s)
{
    apr_global_mutex_t **mutexes[] = {&people_write_mutex, &people_sync_mutex};
    size_t i;

    for (i = 0; i < sizeof(mutexes) / sizeof(mutexes[0]); i++) {
        apr_status_t rv;
        if (!*mutexes[i]) {
            continue;
        }
        rv = apr_global_mutex_child_init(mutexes[i],
                                         apr_global_mutex_lockfile(
                                             *mutexes[i]), p);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PEOPLELOGNO(06)
                         "could not attach to the write mutexes");
        }
    }
}

/* A new connection has its statements prepared now: from here on the
 * sqlite3 driver's own retry loop handles busy locks, outside SQLite, so
 * a waiting thread does not hold the driver's process-wide mutex. */
apr_status_t people_commit_post_connect(apr_pool_t *p, dbd_cfg_t *cfg,
                                        ap_dbd_t *dbd)
{
    people_db_t db = people_db_of(dbd);
    (void)p;
    people_sqlite_busy_timeout(&db, 0);
    /* group commit syncs the WAL itself, once for many commits */
    people_sqlite_synchronous(&db, people_cfg_durability(cfg->server)
                                   == PEOPLE_DURABLE_FULL);
    return APR_SUCCESS;
}
