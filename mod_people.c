/* mod_people: the ONLYOFFICE-compatible People API for Apache httpd 2.4.
 *
 *   <Location "/api/2.0/people">
 *       PeopleAPI On
 *   </Location>
 *
 * This file is the module: its structure, its hooks, and the handler that
 * dispatches each operation of the route table (src/people_route.c) to
 * the handler of its job. The other mod_people_*.c files each do one job
 * (README.md, "Development", lists them); the core in src/ knows nothing
 * of httpd.
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_strings.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "mod_people_private.h"
#include "mod_people_identity.h"
#include "mod_people_status.h"
#include "mod_people_commit.h"
#include "mod_people_guard.h"
#include "mod_people_config.h"
#include "mod_people_cors.h"
#include "mod_people_diag.h"
#include "mod_people_crosssite.h"
#include "mod_people_form.h"
#include "mod_people_http.h"
#include "mod_people_read.h"

/* The operations that have a handler. An operation of the route table
 * that is missing here answers as if its route did not take the method
 * (405), or as an unknown route (404) when no operation of the route has
 * a handler. */
static const struct {
    people_do_e op;
    people_handler_fn fn;
} people_handlers[] = {
    {PEOPLE_DO_PROFILE_GET,     people_profile_get},
    {PEOPLE_DO_CONTACTS_PUT,    people_contacts_write},
    {PEOPLE_DO_CONTACTS_POST,   people_contacts_write},
    {PEOPLE_DO_CONTACTS_DELETE, people_contacts_write},
    {PEOPLE_DO_LIST,            people_directory_list},
    {PEOPLE_DO_LIST_STATUS,     people_directory_list},
    {PEOPLE_DO_LIST_FILTER,     people_directory_list},
    {PEOPLE_DO_LIST_SIMPLE,     people_directory_list},
    {PEOPLE_DO_SEARCH,          people_directory_list},
    {PEOPLE_DO_SEARCH_PATH,     people_directory_list},
    {PEOPLE_DO_EMAIL,           people_directory_list},
    {PEOPLE_DO_PROFILE_PUT,     people_profile_put},
    {PEOPLE_DO_USER_ADD,        people_user_add},
    {PEOPLE_DO_STATUS_PUT,      people_users_set_status},
    {PEOPLE_DO_USER_DELETE,     people_user_delete},
};

#define PEOPLE_NHANDLERS (sizeof(people_handlers) / sizeof(people_handlers[0]))

/* The set of operations with a handler, for the route table. */
static people_do_set_t people_built(void)
{
    people_do_set_t set = 0;
    size_t i;
    for (i = 0; i < PEOPLE_NHANDLERS; i++) {
        set |= PEOPLE_DO_BIT(people_handlers[i].op);
    }
    return set;
}

static people_handler_fn people_handler_of(people_do_e op)
{
    size_t i;
    for (i = 0; i < PEOPLE_NHANDLERS; i++) {
        if (people_handlers[i].op == op) {
            return people_handlers[i].fn;
        }
    }
    return NULL;
}

/* r->allowed from the Allow list, so that httpd's own 405 paths agree. */
static void people_set_allowed(request_rec *r, const char *allow)
{
    char *list = apr_pstrdup(r->pool, allow), *last = NULL, *m;

    r->allowed = 0;
    for (m = apr_strtok(list, ", ", &last); m;
         m = apr_strtok(NULL, ", ", &last)) {
        int n = ap_method_number_of(m);
        if (n != M_INVALID && strcmp(m, "HEAD") != 0) {
            r->allowed |= AP_METHOD_BIT << n;
        }
    }
}

/* OPTIONS on any path: 204 with Allow, no token (a browser's preflight
 * carries none). */
static int people_options(request_rec *r, people_resource_e res,
                          people_do_set_t built)
{
    const char *allow = people_route_allow(r->pool, res, built);

    apr_table_setn(r->headers_out, "Allow", allow);
    people_cors_preflight(r, allow);
    r->status = HTTP_NO_CONTENT;
    return OK;
}

static int people_handler(request_rec *r)
{
    people_do_set_t built = people_built();
    people_call_t call;
    people_handler_fn fn;
    const char *allow;
    int rv;

    if (!people_cfg_api(r)) {
        return DECLINED;
    }
    call.rq = people_req(r);
    call.route = people_read_route(r, call.rq);
    people_status_route(r, call.route.resource);
    if (!people_route_served(call.route.resource, built)) {
        call.route.resource = PEOPLE_RES_NONE;
    }
    call.op = people_route_operation(call.route.resource, r->method);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, PEOPLELOGNO(12)
                  "route %s, operation %s",
                  people_route_resource_name(call.route.resource),
                  people_route_operation_name(call.op));
    if (call.op == PEOPLE_DO_OPTIONS) {
        return people_options(r, call.route.resource, built);
    }
    if (!call.rq || !call.rq->authenticated) {
        /* the access checker did not run for this request */
        return people_answer_error(r, HTTP_UNAUTHORIZED,
                                   "an API token is required");
    }
    /* a cross-site write is refused before anything is read or written */
    if (people_cross_site_guard(r, call.rq) != OK) {
        return OK;
    }
    if (call.route.resource == PEOPLE_RES_NONE) {
        return people_answer_error(r, HTTP_NOT_FOUND, "no such resource");
    }
    allow = people_route_allow(r->pool, call.route.resource, built);
    people_set_allowed(r, allow);
    if (!(fn = people_handler_of(call.op))) {
        apr_table_setn(r->headers_out, "Allow", allow);
        return people_answer_error(r, HTTP_METHOD_NOT_ALLOWED,
                                   apr_pstrcat(r->pool, "this resource "
                                               "allows ",
                                               people_route_allow_text(
                                                   r->pool,
                                                   call.route.resource,
                                                   built), NULL));
    }
    rv = fn(r, &call);
    /* DONE: an error was answered */
    return rv == DONE ? OK : rv;
}

/* ---------------------------------------------------------------------
 * Start-up and the request's early phases
 */

static int people_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    return people_commit_pre_config(pconf);
}

static int people_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    (void)plog; (void)ptemp;
    people_http_post_config();
    /* the first pass only checks the configuration */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    people_diag_post_config(pconf, ptemp, s);
    return people_commit_post_config(pconf, s);
}

static void people_child_init(apr_pool_t *p, server_rec *s)
{
    people_commit_child_init(p, s);
}

/* The API's resources are not files: no translation to a file name under
 * DocumentRoot (which answers an overlong path with httpd's own 403 page)
 * and no directory and file walk (stat calls on every request) for the
 * locations that serve it, as mod_proxy does for its URLs. */
static int people_translate_name(request_rec *r)
{
    if (!people_cfg_api(r) && !people_ident_authentication(r)) {
        return DECLINED;
    }
    r->filename = apr_pstrcat(r->pool, "people:", r->uri, NULL);
    return OK;
}

/* map_to_storage runs with the server's defaults as the per-directory
 * configuration: the "people:" file name set above says it is ours. */
static int people_map_to_storage(request_rec *r)
{
    return r->filename && strncmp(r->filename, "people:", 7) == 0
           ? OK : DECLINED;
}

static void people_register_hooks(apr_pool_t *p)
{
    people_read_configure(p);
    ap_hook_pre_config(people_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(people_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(people_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(people_translate_name, NULL, NULL,
                           APR_HOOK_MIDDLE);
    ap_hook_map_to_storage(people_map_to_storage, NULL, NULL,
                           APR_HOOK_FIRST);
    ap_hook_check_access(people_check_access, NULL, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_access_ex(people_check_access_ex, NULL, NULL,
                            APR_HOOK_FIRST, AP_AUTH_INTERNAL_PER_CONF);
    people_identity_register_hooks(p);
    ap_hook_handler(people_handler, NULL, NULL, APR_HOOK_MIDDLE);
    people_status_register_hooks(p);
    people_form_register_hooks(p);
    APR_OPTIONAL_HOOK(dbd, post_connect, people_commit_post_connect, NULL,
                      NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(dbd, post_connect, people_guard_post_connect, NULL,
                      NULL, APR_HOOK_MIDDLE);
}

/* mod_people_private.h has made every file's log lines the module's
 * (APLOG_USE_MODULE), so the structure is defined without
 * AP_DECLARE_MODULE, which would do it a second time here. */
module AP_MODULE_DECLARE_DATA people_module = {
    STANDARD20_MODULE_STUFF,
    people_create_dir_cfg,
    people_merge_dir_cfg,
    people_create_srv_cfg,
    people_merge_srv_cfg,
    people_cmds,
    people_register_hooks,
    AP_MODULE_FLAG_NONE
};
