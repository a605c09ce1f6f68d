/* mod_people's section in mod_status's /server-status: counters in shared
 * memory, counted by every child, made afresh on each (re)start.
 *
 * Other glue files count with one line:
 *
 *     people_status_count(PEOPLE_STAT_SYNCS, 1);
 *     people_status_lock_wait(apr_time_now() - t0);
 *     people_status_route(r, call.route.resource);
 *
 * Requests are counted when they are logged, by route kind and status
 * class, for every request of a location with PeopleAPI On. */
#ifndef MOD_PEOPLE_STATUS_H
#define MOD_PEOPLE_STATUS_H

#include "httpd.h"
#include "apr_time.h"

#include "src/people_route.h"

typedef enum {
    PEOPLE_STAT_WRITES = 0,     /* write transactions begun */
    PEOPLE_STAT_COMMITS,        /* commits numbered by group commit */
    PEOPLE_STAT_SYNCS,          /* WAL syncs made by group commit */
    PEOPLE_STAT_DB_ERRORS,      /* requests answered with a database error */
    PEOPLE_STAT_AUTH_REFUSED,   /* refused authentications (401) */
    PEOPLE_STAT_COUNT
} people_stat_e;

/* Adds n to a counter; does nothing before the counters exist. */
void people_status_count(people_stat_e what, apr_uint32_t n);

/* One wait for the write lock, of `waited` (counted, summed, maximum). */
void people_status_lock_wait(apr_interval_time_t waited);

/* The route a request was dispatched to: the kind it is counted under
 * (requests answered before routing count as "unrouted"). */
void people_status_route(request_rec *r, people_resource_e res);

/* Registers the shared memory's post_config, the counting log hook and
 * mod_status's status_hook (when mod_status is loaded). */
void people_status_register_hooks(apr_pool_t *p);

#endif
