/* Sizing checks made at start-up, from numbers the glue reads from httpd
 * and the configuration. */
#ifndef PEOPLE_SIZING_H
#define PEOPLE_SIZING_H

#include <apr_pools.h>

/* mod_dbd's DBDMax when no line sets it, under a threaded MPM. */
#define PEOPLE_DBD_DEFAULT_MAX 10

/* Every API request holds a database connection while it runs, and mod_dbd
 * makes a thread that finds none free wait without limit. The warning to
 * log when the threads of one process (threads, 1 for prefork) can
 * outnumber its connections (dbd_max; < 0 when no DBDMax line sets it),
 * naming both numbers and the fix; NULL when they cannot. */
const char *people_sizing_dbd_warning(apr_pool_t *p, int threads,
                                      int dbd_max);

#endif
