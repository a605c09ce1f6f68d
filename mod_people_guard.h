/* Guards against misuse that no single feature owns: a PeopleAPI where
 * the API cannot work, a refused request whose body would hold the
 * worker, SQLite settings leaking to other modules' connections, and
 * database files other accounts could read. */
#ifndef MOD_PEOPLE_GUARD_H
#define MOD_PEOPLE_GUARD_H

#include "httpd.h"
#include "http_config.h"
#include "mod_dbd.h"

/* PeopleAPI: NULL when the directive's section can be the API's base,
 * else the configtest message saying what to write instead. A regex, a
 * wildcard, a path ending in '/' and "/" are refused when on. */
const char *people_guard_api_place(cmd_parms *cmd, int on);

/* The request's body has been read (or refused while reading it). */
void people_guard_body_read(request_rec *r);

/* Before an answer: when the request announced a body that was not read,
 * the connection closes after the answer instead of httpd reading (and
 * waiting for) a body nobody needs. */
void people_guard_unread_body(request_rec *r);

/* post_config, after people_diag_post_config: the SQLite open-time lock
 * wait, for the servers' DBDParams files only. */
void people_guard_post_config(apr_pool_t *pconf, int wait_ms);

/* mod_dbd post_connect: takes other accounts' access away from the SQLite
 * database files this child owns (a file httpd created under its umask). */
apr_status_t people_guard_post_connect(apr_pool_t *p, dbd_cfg_t *cfg,
                                       ap_dbd_t *dbd);

#endif
