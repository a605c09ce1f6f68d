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

/* The DBDParams of the servers whose DBDriver is sqlite3 (each once), as
 * noted by people_diag_post_config. */
apr_array_header_t *people_diag_sqlite_files(apr_pool_t *p);

/* What is wrong with the request's database, as far as the server can
 * see it, and how to fix it, starting with "; "; "" when nothing is
 * visibly wrong. Only for error paths: it looks at the file system. */
const char *people_db_hint(request_rec *r);

#endif
