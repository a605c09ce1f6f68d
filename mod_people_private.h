/* What every file of the httpd glue shares: the module, its log tags and
 * the per-request state the access checker leaves for the handlers. */
#ifndef MOD_PEOPLE_PRIVATE_H
#define MOD_PEOPLE_PRIVATE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "src/people_route.h"
#include "src/people_store.h"

/* The module structure is the one symbol mod_people.so exports (the rest
 * is built with hidden visibility). APLOG_USE_MODULE makes every ap_log_*
 * of the including file log under the module, so "LogLevel people:debug"
 * works for all of them. */
extern module __attribute__((visibility("default"))) AP_MODULE_DECLARE_DATA
    people_module;
APLOG_USE_MODULE(people);

/* Log tags of this module ("AH" numbers belong to httpd). Every log line
 * carries one, used once: a log line can be found in the source from its
 * tag, and a filter (fail2ban) can match one kind of line.
 *   01-08  database and start-up errors (03 is retired)
 *   09-11  refused authentications, at info
 *   12-14  trace1: route and operation, commit number, sync
 *   15-16  a write that failed at or after COMMIT
 *   17     no shared memory for the server-status counters
 *   18-20  the read path: sizing and SQLite warnings at start-up, native
 *          reads off for a connection
 *   21     a directory request refused (400), at info
 *   22     database files made private, at notice
 *   60-68  identity from httpd and the token endpoint
 *          (mod_people_identity.c, mod_people_authn.c); 60, 64, 66 are
 *          refusals at info
 *   40-41  refused writes, at info: cross-site (40), not permitted (41)
 * Next free tag: PEOPLE23 (and PEOPLE69 in the identity range) */
#define PEOPLELOGNO(n) "PEOPLE" #n ": "

/* How the caller proved who they are. A browser sends a cookie and httpd's
 * own credentials (Basic, Negotiate, a login session) by itself, cross-site
 * too; it never adds an Authorization header carrying a token. */
typedef enum {
    PEOPLE_CRED_NONE = 0,       /* not authenticated (yet) */
    PEOPLE_CRED_HEADER,         /* a token in Authorization (raw or Bearer) */
    PEOPLE_CRED_COOKIE,         /* a token in the cookie asc_auth_key */
    PEOPLE_CRED_HTTPD           /* httpd's own authentication (r->user) */
} people_cred_e;

/* Per request: the caller, as the access checker found it; the route,
 * parsed once; on SQLite, the connection's native reader and, for a GET of
 * a profile, that profile read with the token in one transaction (prof
 * NULL when there is no such user). */
typedef struct {
    people_caller_t caller;
    people_cred_e credential;
    int authenticated;
    int routed;
    people_route_t route;
    struct people_native_t *native;
    int prof_read;
    people_profile_t *prof;
} people_req_t;

/* The request's state, NULL when the access checker did not run. */
people_req_t *people_req(request_rec *r);

/* A new, empty state for the request (not authenticated), attached to
 * it: what an access checker fills in. */
people_req_t *people_req_make(request_rec *r);

/* What the handler hands each operation's handler. */
typedef struct {
    people_route_t route;
    people_do_e op;
    people_req_t *rq;
} people_call_t;

/* A handler of one operation: answers (status in r->status, body written)
 * and returns OK, or returns an HTTP status for httpd to answer. */
typedef int (*people_handler_fn)(request_rec *r, const people_call_t *call);

/* The operations' handlers, each in the file of its job (the table in
 * mod_people.c dispatches to them). */
int people_profile_get(request_rec *r, const people_call_t *call);
int people_contacts_write(request_rec *r, const people_call_t *call);
int people_directory_list(request_rec *r, const people_call_t *call);
int people_profile_put(request_rec *r, const people_call_t *call);
int people_user_add(request_rec *r, const people_call_t *call);
int people_users_set_status(request_rec *r, const people_call_t *call);
int people_user_delete(request_rec *r, const people_call_t *call);

/* The access checkers (mod_people_auth.c): people_check_access for
 * PeopleIdentity token, people_check_access_ex for the others. */
int people_check_access(request_rec *r);
int people_check_access_ex(request_rec *r);

#endif
