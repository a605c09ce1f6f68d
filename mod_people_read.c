/* The read path (see mod_people_read.h). */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"

#include "apr_strings.h"

#include <sqlite3.h>

#include "src/people_native.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_http.h"
#include "mod_people_read.h"

/* How long a native read waits for a lock (another connection's WAL
 * recovery) before the request is answered 503. */
#define PEOPLE_READ_WAIT_MS 2000

/* people_native_configure's answer when the module was loaded */
static int people_sqlite_configured;

/* SQLite keeps the auto extensions registered (the open-time lock wait of
 * people_sqlite.c) as function pointers into this module's code; a restart
 * unloads the module, and a new build of it (an upgrade, then a graceful
 * restart) is mapped elsewhere: every new child's first connection would
 * call into nothing. Run before the unload (registered after it, on the
 * same pool), and registered again by the new generation. */
static apr_status_t people_forget_extensions(void *data)
{
    (void)data;
    sqlite3_reset_auto_extension();
    return APR_SUCCESS;
}

void people_read_configure(apr_pool_t *pconf)
{
    /* process-wide, and only before SQLite initialises (on a restart it is
     * initialised already, with these settings) */
    people_sqlite_configured = people_native_configure();
    apr_pool_cleanup_register(pconf, NULL, people_forget_extensions,
                              apr_pool_cleanup_null);
}

void people_read_check(server_rec *s, int sqlite)
{
    if (sqlite && !people_native_multithread()) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PEOPLELOGNO(19)
                     "SQLite was initialised before mod_people could set "
                     "SQLITE_CONFIG_MULTITHREAD (another module that uses "
                     "SQLite is loaded first?): every SQLite call takes a "
                     "mutex it does not need; load mod_people before that "
                     "module for faster reads%s",
                     people_sqlite_configured ? ""
                     : " (SQLite refused the settings)");
    }
}

people_route_t people_read_route(request_rec *r, people_req_t *rq)
{
    people_route_t route;
    const char *base = people_cfg_base(r), *path = r->uri;
    size_t n = strlen(base);

    if (rq && rq->routed) {
        return rq->route;
    }
    if (strncmp(path, base, n) == 0) {
        path += n;
    }
    route = people_route_parse(r->pool, path);
    if (rq) {
        rq->route = route;
        rq->routed = 1;
    }
    return route;
}

/* The connection's native reader, NULL on PostgreSQL or when its
 * statements cannot be prepared (then apr_dbd reads, and the error log
 * says why). */
static people_native_t *people_native(request_rec *r, people_db_t *db)
{
    const char *why = NULL;
    ap_dbd_t *dbd;
    people_native_t *n;

    if (strcmp(apr_dbd_name(db->driver), "sqlite3") != 0) {
        return NULL;
    }
    /* mod_dbd keeps the request's connection: its pool is the connection's */
    dbd = people_dbd_acquire(r);
    if (!dbd || !(n = people_native_of(r->pool, dbd->pool, db, &why))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(20)
                      "reading through apr_dbd: the native SQLite reads are "
                      "off for this connection: %s", why ? why : "no pool");
        return NULL;
    }
    return n;
}

people_rc_e people_read_caller(request_rec *r, people_db_t *db,
                               const char *hash, people_req_t *rq,
                               const char **err)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    people_route_t route;

    if (!(rq->native = people_native(r, db))) {
        return people_store_auth(r->pool, db, hash, now, &rq->caller, err);
    }
    db->native = rq->native;
    route = people_read_route(r, rq);
    rq->prof_read = people_route_operation(route.resource, r->method)
                    == PEOPLE_DO_PROFILE_GET;
    return people_native_read(r->pool, rq->native, hash, now,
                              rq->prof_read ? &rq->route : NULL,
                              PEOPLE_READ_WAIT_MS, &rq->caller, &rq->prof,
                              err);
}
