/* Guards against misuse that no single feature owns (see the header). */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"

#include "apr_lib.h"
#include "apr_strings.h"

#include "src/people_sqlite.h"

#include "mod_people_private.h"
#include "mod_people_diag.h"
#include "mod_people_guard.h"
#include "mod_people_http.h"

/* ---------------------------------------------------------------------
 * Where PeopleAPI may be: the location's path is the API's base, so it
 * must be one plain path that request paths start with.
 */

const char *people_guard_api_place(cmd_parms *cmd, int on)
{
    const ap_directive_t *sec = cmd->directive->parent;
    const char *path = cmd->path, *args = sec ? sec->args : "";
    size_t n;

    while (args && apr_isspace(*args)) {
        args++;
    }
    if (!sec || strcasecmp(sec->directive, "<Location") != 0
        || (args && *args == '~') || !path || path[0] != '/') {
        return "PeopleAPI belongs directly in a <Location \"/path\"> "
               "section with a plain path (not LocationMatch, Location ~, "
               "Directory or a regex): the path is the API's base; write "
               "for example <Location \"/path\"> with "
               "\"/api/2.0/people\" as the path";
    }
    if (!on) {
        return NULL;
    }
    if (strpbrk(path, "*?[")) {
        return apr_psprintf(cmd->pool, "PeopleAPI cannot serve the wildcard "
                            "<Location \"%s\">: the path is the API's base; "
                            "write one <Location \"/path\"> with a plain "
                            "path for each API", path);
    }
    n = strlen(path);
    while (n > 1 && path[n - 1] == '/') {
        n--;
    }
    if (n == 1) {
        return "PeopleAPI needs a path of its own, not <Location \"/\">: "
               "write <Location \"/api/2.0/people\">";
    }
    if (path[n] == '/') {
        return apr_psprintf(cmd->pool, "PeopleAPI cannot serve <Location "
                            "\"%s\"> (a path ending in '/'): write "
                            "<Location \"%.*s\">", path, (int)n, path);
    }
    return NULL;
}

/* ---------------------------------------------------------------------
 * Refusals before the body: httpd reads a request's unread body after the
 * answer (to keep the connection), which holds the worker as long as the
 * client takes to send it, or until Timeout when it never does.
 */

#define PEOPLE_BODY_READ "people-body-read"

void people_guard_body_read(request_rec *r)
{
    apr_table_setn(r->notes, PEOPLE_BODY_READ, "1");
}

void people_guard_unread_body(request_rec *r)
{
    if (!apr_table_get(r->notes, PEOPLE_BODY_READ)
        && ap_request_has_body(r)) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
}

/* ---------------------------------------------------------------------
 * SQLite
 */

void people_guard_post_config(apr_pool_t *pconf, int wait_ms)
{
    const apr_array_header_t *files = people_diag_sqlite_files(pconf);
    int i;

    /* a new child's connections may meet a lock while mod_dbd prepares
     * their statements (an old child's connection checkpointing as it
     * closes during a graceful restart): let them, and only them, wait */
    for (i = 0; i < files->nelts; i++) {
        people_sqlite_open_wait(pconf, APR_ARRAY_IDX(files, i, const char *),
                                wait_ms);
    }
}

apr_status_t people_guard_post_connect(apr_pool_t *p, dbd_cfg_t *cfg,
                                       ap_dbd_t *dbd)
{
    people_db_t db = people_db_of(dbd);
    int n;

    (void)p;
    if ((n = people_sqlite_make_private(&db)) > 0) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, cfg->server,
                     PEOPLELOGNO(22) "%d database file(s) were readable by "
                     "every local account: now mode 0640 or less", n);
    }
    return APR_SUCCESS;
}
