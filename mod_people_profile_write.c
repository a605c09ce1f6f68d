/* PUT /{user}: the profile's fields (spec section 11), from a JSON or a
 * form body. Who may change what is the core's rule (people_patch.c), the
 * update one transaction in the store. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include "apr_strings.h"

#include "src/people_patch.h"

#include "mod_people_private.h"
#include "mod_people_commit.h"
#include "mod_people_config.h"
#include "mod_people_form.h"
#include "mod_people_http.h"
#include "mod_people_write.h"

typedef struct {
    const people_call_t *call;
    people_patch_t patch;
} people_profile_put_t;

static int people_profile_put_step(request_rec *r, people_db_t *db,
                                   void *baton)
{
    people_profile_put_t *x = baton;
    people_profile_t *u = NULL;
    people_commit_t w;
    const char *id, *err = NULL;
    people_rc_e rc;
    int rv;

    if ((rv = people_user_id(r, db, x->call, &id)) != OK) {
        return rv;
    }
    if (people_commit_begin(r, db, &w) != OK) {
        return DONE;
    }
    rc = people_store_update_profile(r->pool, db, id, &x->call->rq->caller,
                                     &x->patch, people_cfg_max_contacts(r),
                                     apr_table_get(r->headers_in, "If-Match"),
                                     apr_time_sec(r->request_time), w.wait_ms,
                                     &u, &err);
    rc = people_commit_end(r, &w, rc, &err);
    if ((rv = people_write_rc(r, rc, "updating a profile", err)) != OK) {
        return rv;
    }
    return people_answer_profile(r, HTTP_OK, u, 1);
}

int people_profile_put(request_rec *r, const people_call_t *call)
{
    people_profile_put_t x;
    const char *msg;
    json_t *root = NULL;

    x.call = call;
    /* the body is read and checked before a database connection is held */
    if (people_read_body_object(r, &root) != OK) {
        return DONE;
    }
    if ((msg = people_patch_parse(r->pool, root, 0, &x.patch)) != NULL
        || (msg = people_contacts_over(r, x.patch.contacts)) != NULL) {
        return people_answer_error(r, HTTP_BAD_REQUEST, msg);
    }
    return people_db_run(r, people_profile_put_step, &x);
}
