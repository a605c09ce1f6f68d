/* Authentication: an access checker, so no AuthType/Require lines are
 * needed. It finds the caller from an API token and leaves them in the
 * request's state (people_req_t) for the handlers; a refusal is answered
 * here (401, a JSON body) and logged at info with the client's address,
 * never the token, as mod_auth_basic logs its refusals. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_strings.h"

#include "src/people_token.h"

#include "mod_people_private.h"
#include "mod_people_status.h"
#include "mod_people_config.h"
#include "mod_people_http.h"
#include "mod_people_identity.h"
#include "mod_people_read.h"

people_req_t *people_req(request_rec *r)
{
    return ap_get_module_config(r->request_config, &people_module);
}

people_req_t *people_req_make(request_rec *r)
{
    people_req_t *rq = apr_pcalloc(r->pool, sizeof(*rq));
    ap_set_module_config(r->request_config, &people_module, rq);
    return rq;
}

/* Answers 401 with the challenge; DONE. */
static int people_refuse(request_rec *r, const char *message)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Bearer realm=\"people\"");
    people_status_count(PEOPLE_STAT_AUTH_REFUSED, 1);
    people_answer_error(r, HTTP_UNAUTHORIZED, message);
    return DONE;
}

typedef struct {
    const char *hash;           /* the token's SHA-256 */
    people_req_t *rq;
} people_auth_t;

/* Looks the token up: OK with the caller found, DONE having refused, or
 * PEOPLE_DB_RETRY. */
static int people_auth_step(request_rec *r, people_db_t *db, void *baton)
{
    people_auth_t *a = baton;
    const char *err = NULL;
    people_rc_e rc;

    rc = people_read_caller(r, db, a->hash, a->rq, &err);
    if (rc == PEOPLE_NOT_FOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(09)
                      "authentication refused for client %s: the token is "
                      "unknown, revoked or expired",
                      r->connection->client_ip);
        return people_refuse(r, "the API token is not valid");
    }
    if (rc != PEOPLE_OK) {
        return people_db_error(r, "checking a token", err);
    }
    if (a->rq->caller.status == PEOPLE_STATUS_TERMINATED) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(10)
                      "authentication refused for client %s: the user %s is "
                      "terminated", r->connection->client_ip,
                      a->rq->caller.username);
        return people_refuse(r, "the user is terminated");
    }
    return OK;
}

static people_cred_e people_cred_of(people_token_source_e from)
{
    return from == PEOPLE_TOKEN_COOKIE ? PEOPLE_CRED_COOKIE
                                       : PEOPLE_CRED_HEADER;
}

/* The token check: OK with the caller in rq, or DONE having refused. */
static int people_check_token(request_rec *r, people_req_t *rq,
                              const char *token, people_token_source_e from)
{
    people_auth_t a;
    int rv;

    if (!token) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(11)
                      "authentication refused for client %s: no API token",
                      r->connection->client_ip);
        return people_refuse(r, "an API token is required");
    }
    if (!(a.hash = people_token_hash(r->pool, token))) {
        people_answer_unavailable(r);
        return DONE;
    }
    a.rq = rq;
    if ((rv = people_db_run(r, people_auth_step, &a)) != OK) {
        return rv;
    }
    /* %u in the access log shows who called */
    r->user = apr_pstrdup(r->pool, rq->caller.username);
    r->ap_auth_type = "Bearer";
    rq->credential = people_cred_of(from);
    rq->authenticated = 1;
    return OK;
}

/* PeopleIdentity token (the default): an access checker, as it always
 * was, so the location's own Require lines (Require ip...) still apply
 * after it. */
int people_check_access(request_rec *r)
{
    people_token_source_e from;
    const char *token;

    if (!people_cfg_api(r) || r->method_number == M_OPTIONS
        || !people_identity_token_only(r)) {
        return DECLINED;
    }
    token = people_token_find(r->pool,
                              apr_table_get(r->headers_in, "Authorization"),
                              apr_table_get(r->headers_in, "Cookie"), &from);
    return people_check_token(r, people_req_make(r), token, from);
}

/* PeopleIdentity httpd and token httpd: an access_checker_ex hook, run
 * first. OK (a valid token, a trusted proxy's user) lets the request skip
 * httpd's authentication and authorization; DECLINED hands it to them
 * (AuthType, Require); DONE has refused it. */
int people_check_access_ex(request_rec *r)
{
    people_token_source_e from;
    people_req_t *rq;
    const char *token;
    int rv;

    if (!people_cfg_api(r) || people_identity_token_only(r)) {
        return DECLINED;
    }
    token = people_token_find(r->pool,
                              apr_table_get(r->headers_in, "Authorization"),
                              apr_table_get(r->headers_in, "Cookie"), &from);
    rq = people_req_make(r);
    rv = people_identity_access(r, rq, token);
    return rv == PEOPLE_ID_TOKEN ? people_check_token(r, rq, token, from) : rv;
}
