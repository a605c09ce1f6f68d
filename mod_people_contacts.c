/* Writes of a user's contacts: PUT (merge, or set with PeoplePutMode
 * replace), POST (set), DELETE (remove), on /{user}/contacts. */
#include "httpd.h"
#include "http_protocol.h"

#include "src/people_contacts.h"

#include "mod_people_private.h"
#include "mod_people_commit.h"
#include "mod_people_config.h"
#include "mod_people_form.h"
#include "mod_people_http.h"
#include "mod_people_write.h"

typedef struct {
    const people_call_t *call;
    people_op_e op;
    apr_array_header_t *body;
} people_contacts_t;

static int people_contacts_step(request_rec *r, people_db_t *db, void *baton)
{
    people_contacts_t *x = baton;
    people_profile_t *u = NULL;
    people_commit_t w;
    const char *id, *err = NULL;
    people_rc_e rc;
    int rv;

    if ((rv = people_user_id(r, db, x->call, &id)) != OK) {
        return rv;
    }
    /* a quick refusal before the write lock; the store checks again,
     * with the owner's rule, inside the transaction */
    if (!people_may_see_all(&x->call->rq->caller, id)) {
        return people_answer_error(r, HTTP_FORBIDDEN, "only the user, an "
                                   "admin or the owner may change these "
                                   "contacts");
    }
    if (people_commit_begin(r, db, &w) != OK) {
        return DONE;
    }
    rc = people_store_write_contacts_as(r->pool, db, id,
                                     &x->call->rq->caller, x->op, x->body,
                                     people_cfg_max_contacts(r),
                                     apr_table_get(r->headers_in, "If-Match"),
                                     w.wait_ms, &u, &err);
    rc = people_commit_end(r, &w, rc, &err);
    if ((rv = people_write_rc(r, rc, "writing contacts", err)) != OK) {
        return rv;
    }
    /* POST too answers 200: nothing new is created, and ONLYOFFICE's
     * generated SDK maps only 200 to a profile */
    return people_answer_profile(r, HTTP_OK, u, 1);
}

/* The operation a method asks for. */
static people_op_e people_contacts_op(request_rec *r, people_do_e op)
{
    switch (op) {
    case PEOPLE_DO_CONTACTS_POST:
        return PEOPLE_OP_SET;
    case PEOPLE_DO_CONTACTS_DELETE:
        return PEOPLE_OP_DELETE;
    default:
        return people_cfg_put_replace(r) ? PEOPLE_OP_SET : PEOPLE_OP_MERGE;
    }
}

int people_contacts_write(request_rec *r, const people_call_t *call)
{
    people_contacts_t x = {call, people_contacts_op(r, call->op), NULL};
    const char *msg;
    json_t *root = NULL;

    /* the body (JSON or form) is read and checked before the write lock
     * is taken (the access checker already holds the request's database
     * connection); a body that is not understood, or that names more
     * items than a user may hold, changes nothing and takes no lock */
    if (people_read_body_object(r, &root) != OK) {
        return DONE;
    }
    if ((msg = people_body_contacts(r->pool, root, &x.body)) != NULL
        || (msg = people_body_too_many(r->pool, x.body,
                                       people_cfg_max_contacts(r)))) {
        return people_answer_error(r, HTTP_BAD_REQUEST, msg);
    }
    return people_db_run(r, people_contacts_step, &x);
}
