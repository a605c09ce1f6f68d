/* Start-up sizing checks (see people_sizing.h). */
#include <apr_strings.h>

#include "people_sizing.h"

const char *people_sizing_dbd_warning(apr_pool_t *p, int threads,
                                      int dbd_max)
{
    int n = dbd_max < 0 ? PEOPLE_DBD_DEFAULT_MAX : dbd_max;

    /* one thread per process: mod_dbd keeps one connection, no queue */
    if (threads <= 1 || n >= threads) {
        return NULL;
    }
    return apr_psprintf(p, "DBDMax is %d%s but each process runs %d threads "
                        "(ThreadsPerChild): when more than %d of them serve "
                        "the API at once, the others wait for a database "
                        "connection without a time limit. Set \"DBDMax %d\" "
                        "(and DBDKeep) next to DBDriver", n,
                        dbd_max < 0 ? " (mod_dbd's default)" : "", threads, n,
                        threads);
}
