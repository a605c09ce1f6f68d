/* Database diagnostics: what is visibly wrong with a server's database,
 * and how to fix it, for the error log. */
#ifndef MOD_PEOPLE_DIAG_H
#define MOD_PEOPLE_DIAG_H

#include "httpd.h"

/* post_config: notes each server's DBDriver, DBDParams and DBDMax lines
 * (mod_dbd keeps its configuration to itself), and warns at start-up of
 * DBDMax below the threads of a process. */
void people_diag_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s);

/* What is wrong with the request's database, as far as the server can
 * see it, and how to fix it, starting with "; "; "" when nothing is
 * visibly wrong. Only for error paths: it looks at the file system. */
const char *people_db_hint(request_rec *r);

#endif
