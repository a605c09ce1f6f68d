/* Answers, request bodies and the database connection, for every handler
 * of the module. */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_lib.h"
#include "apr_strings.h"

#include "src/people_contacts.h"
#include "src/people_profile.h"

#include "src/people_form.h"

#include "mod_people_private.h"
#include "mod_people_status.h"
#include "mod_people_config.h"
#include "mod_people_cors.h"
#include "mod_people_diag.h"
#include "mod_people_guard.h"
#include "mod_people_http.h"

/* ---------------------------------------------------------------------
 * Answers
 */

int people_send_json(request_rec *r, int status, const char *body,
                     size_t len)
{
    people_cors_headers(r);
    people_guard_unread_body(r);
    r->status = status;
    ap_set_content_type(r, "application/json; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    ap_set_content_length(r, (apr_off_t)len);
    if (len) {
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}

int people_answer_error(request_rec *r, int status, const char *message)
{
    size_t len;
    const char *body = people_envelope_error(r->pool, status, message, &len);

    if (status == HTTP_SERVICE_UNAVAILABLE) {
        apr_table_setn(r->err_headers_out, "Retry-After", PEOPLE_RETRY_AFTER);
    }
    /* headers set for a success answer do not belong on an error */
    apr_table_unset(r->headers_out, "ETag");
    return people_send_json(r, status, body, len);
}

int people_answer_unavailable(request_rec *r)
{
    return people_answer_error(r, HTTP_SERVICE_UNAVAILABLE,
                               "the database is unavailable; try again "
                               "shortly");
}

/* The profile's page: an absolute template is kept; a path is made
 * absolute against the host the client asked for. */
const char *people_profile_page(request_rec *r, const people_profile_t *u)
{
    const char *url = people_profile_url(r->pool, people_cfg_profile_url(r),
                                         u);
    return ap_strchr_c(url, ':') && url[0] != '/'
           ? url : ap_construct_url(r->pool, url, r);
}

int people_answer_profile(request_rec *r, int status,
                          const people_profile_t *u, int full)
{
    size_t len;
    const char *body = people_profile_envelope(r->pool, status, u, full,
                                               people_profile_page(r, u),
                                               &len);

    apr_table_setn(r->headers_out, "ETag", people_etag(r->pool, u, full));
    return people_send_json(r, status, body, len);
}

int people_answer_rc(request_rec *r, people_rc_e rc, const char *what,
                     const char *err)
{
    switch (rc) {
    case PEOPLE_OK:
        return OK;
    case PEOPLE_NOT_FOUND:
        people_answer_error(r, HTTP_NOT_FOUND, "user not found");
        return DONE;
    case PEOPLE_PRECONDITION:
        people_answer_error(r, HTTP_PRECONDITION_FAILED,
                            "the profile has changed since it was read "
                            "(If-Match)");
        return DONE;
    case PEOPLE_TOO_MANY:
        people_answer_error(r, HTTP_BAD_REQUEST, err);
        return DONE;
    case PEOPLE_COMMIT_FAILED:
        /* the write may be stored: running it again could apply it twice,
         * so the client is told to try again instead */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(15)
                      "database error at COMMIT while %s, not retried (the "
                      "write may or may not be stored): %s%s", what,
                      err ? err : "", people_db_hint(r));
        people_answer_unavailable(r);
        return DONE;
    default:
        return people_db_error(r, what, err);
    }
}

/* ---------------------------------------------------------------------
 * Request bodies
 */

int people_is_json_type(const char *ct)
{
    return people_media_type_is(ct, "application/json");
}

/* Appends a bucket's data to the body, growing it at most to max + 1. */
static int people_body_append(request_rec *r, apr_off_t max, char **out,
                              apr_size_t *total, apr_size_t *cap,
                              const char *data, apr_size_t n)
{
    if ((apr_off_t)(*total + n) > max) {
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    if (*total + n + 1 > *cap) {
        char *grown;
        *cap = (*total + n + 1) * 2;
        if ((apr_off_t)*cap > max + 1) {
            *cap = (apr_size_t)max + 1;
        }
        grown = apr_palloc(r->pool, *cap);
        if (*total) {
            memcpy(grown, *out, *total);
        }
        *out = grown;
    }
    memcpy(*out + *total, data, n);
    *total += n;
    return OK;
}

/* Reads the whole body into pool memory, at most max bytes. Returns OK or
 * an HTTP status (413 past the limit). */
static int people_read_body(request_rec *r, apr_off_t max, char **buf,
                            size_t *len)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb;
    apr_size_t total = 0, cap = 0;
    char *out = NULL;
    int seen_eos = 0, status;

    if (cl) {
        char *end;
        apr_off_t n;
        if (apr_strtoff(&n, cl, &end, 10) == APR_SUCCESS && !*end
            && n > max) {
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    do {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t n;

            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ)
                != APR_SUCCESS) {
                return HTTP_BAD_REQUEST;
            }
            if ((status = people_body_append(r, max, &out, &total, &cap,
                                             data, n)) != OK) {
                return status;
            }
        }
        apr_brigade_cleanup(bb);
    } while (!seen_eos);

    *buf = out ? out : apr_pcalloc(r->pool, 1);
    (*buf)[total] = '\0';
    *len = total;
    return OK;
}

int people_read_json_body(request_rec *r, char **buf, size_t *len)
{
    apr_off_t max = people_cfg_max_body(r);
    int status;

    if (!people_is_json_type(apr_table_get(r->headers_in, "Content-Type"))) {
        people_answer_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                            "the body must be application/json");
        return DONE;
    }
    status = people_read_body(r, max, buf, len);
    people_guard_body_read(r);
    if (status == OK) {
        return OK;
    }
    /* do not read the rest of a body we refuse */
    r->connection->keepalive = AP_CONN_CLOSE;
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        people_answer_error(r, status, apr_psprintf(r->pool,
                            "the body is larger than %" APR_OFF_T_FMT
                            " bytes", max));
    }
    else {
        people_answer_error(r, status, "the body could not be read");
    }
    return DONE;
}

/* ---------------------------------------------------------------------
 * The database
 */

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *people_dbd_acquire_fn;

void people_http_post_config(void)
{
    people_dbd_acquire_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
}

int people_db_error(request_rec *r, const char *what, const char *err)
{
    people_status_count(PEOPLE_STAT_DB_ERRORS, 1);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(01)
                  "database error while %s: %s%s", what, err ? err : "",
                  people_db_hint(r));
    return PEOPLE_DB_RETRY;
}

people_db_t people_db_of(ap_dbd_t *dbd)
{
    people_db_t db = {dbd->driver, dbd->handle, dbd->prepared, NULL};
    return db;
}

ap_dbd_t *people_dbd_acquire(request_rec *r)
{
    ap_dbd_t *dbd = people_dbd_acquire_fn ? people_dbd_acquire_fn(r) : NULL;
    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(02)
                      "no database connection (mod_dbd's message above says "
                      "why)%s", people_db_hint(r));
    }
    return dbd;
}

/* After a database error: a pgsql connection that mod_dbd handed out
 * healthy may have lost its server (a PostgreSQL restart). Reconnecting
 * drops the prepared statements; prepare them again, and say whether the
 * failed step is worth one more try. */
static int people_db_recovered(request_rec *r, ap_dbd_t *dbd)
{
    people_db_t db = people_db_of(dbd);
    if (!people_db_recover(dbd->pool, &db)) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PEOPLELOGNO(07)
                  "the database connection was re-established: statements "
                  "prepared again, retrying");
    return 1;
}

int people_db_run(request_rec *r, people_db_step_fn step, void *baton)
{
    ap_dbd_t *dbd = people_dbd_acquire(r);
    int tried, rv;

    if (!dbd) {
        people_answer_unavailable(r);
        return DONE;
    }
    /* The one retry of the module. A step returns PEOPLE_DB_RETRY only
     * for a failure before COMMIT (people_answer_rc), when nothing of it
     * is stored; a failed COMMIT (PEOPLE_COMMIT_FAILED) is answered 503
     * by the step itself: on PostgreSQL a connection lost during COMMIT
     * leaves the write stored or not, and running it again could apply it
     * twice. */
    for (tried = 0; ; tried++) {
        people_db_t db = people_db_of(dbd);
        people_req_t *rq = people_req(r);
        /* on SQLite, the reader the access checker found for this
         * connection: a write's read-back joins its transaction on it */
        db.native = rq ? rq->native : NULL;
        if ((rv = step(r, &db, baton)) != PEOPLE_DB_RETRY) {
            return rv;
        }
        if (tried || !people_db_recovered(r, dbd)) {
            people_answer_unavailable(r);
            return DONE;
        }
    }
}

int people_user_id(request_rec *r, people_db_t *db,
                   const people_call_t *call, const char **id)
{
    const char *err = NULL;
    people_rc_e rc;

    switch (call->route.kind) {
    case PEOPLE_USER_SELF:
        *id = call->rq->caller.id;
        return OK;
    case PEOPLE_USER_ID:
        *id = call->route.user;
        return OK;
    default:
        break;
    }
    /* no stored name is anything but UTF-8 (and PostgreSQL refuses to
     * compare with bytes that are not) */
    if (!people_utf8_valid(call->route.user, strlen(call->route.user))) {
        rc = PEOPLE_NOT_FOUND;
    }
    else {
        rc = people_store_resolve(r->pool, db, call->route.kind,
                                  call->route.user, id, &err);
    }
    return people_answer_rc(r, rc, "finding a user", err);
}

int people_may_see_all(const people_caller_t *who, const char *id)
{
    return who->is_admin || who->is_owner || strcmp(who->id, id) == 0;
}

int people_may_see_private(request_rec *r, const people_caller_t *who,
                           const char *id)
{
    return people_sees_private(people_cfg_private_data(r), who, id);
}
