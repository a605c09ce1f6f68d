/* GET and HEAD of a profile (/{user}, /@self). */
#include "httpd.h"
#include "http_protocol.h"

#include "src/people_profile.h"

#include "mod_people_private.h"
#include "mod_people_cors.h"
#include "mod_people_http.h"

static int people_profile_step(request_rec *r, people_db_t *db, void *baton)
{
    const people_call_t *call = baton;
    const people_caller_t *who = &call->rq->caller;
    people_profile_t *u = NULL;
    const char *id, *err = NULL, *inm, *etag;
    people_rc_e rc;
    int rv, full;

    if (call->rq->prof_read) {
        /* read with the token, in its transaction */
        u = call->rq->prof;
        rc = u ? PEOPLE_OK : PEOPLE_NOT_FOUND;
    }
    else if ((rv = people_user_id(r, db, call, &id)) != OK) {
        return rv;
    }
    else {
        rc = people_store_profile(r->pool, db, id, &u, &err);
    }
    if ((rv = people_answer_rc(r, rc, "reading a profile", err)) != OK) {
        return rv;
    }
    full = people_may_see_private(r, who, u->id);
    inm = apr_table_get(r->headers_in, "If-None-Match");
    if (inm && people_etag_listed(inm, etag = people_etag(r->pool, u, full),
                                  0)) {
        apr_table_setn(r->headers_out, "ETag", etag);
        people_cors_headers(r);
        r->status = HTTP_NOT_MODIFIED;
        return OK;
    }
    return people_answer_profile(r, HTTP_OK, u, full);
}

int people_profile_get(request_rec *r, const people_call_t *call)
{
    return people_db_run(r, people_profile_step, (void *)call);
}
