/* User management for admins and the owner (spec section 11): POST on the
 * list adds a user, PUT /status/{status} sets several users' status,
 * DELETE /{user} removes a terminated user. Also the shared parts of the
 * write handlers (mod_people_write.h). */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include "apr_hash.h"
#include "apr_strings.h"

#include "src/people_contacts.h"
#include "src/people_profile.h"
#include "src/people_patch.h"
#include "src/people_route.h"

#include "mod_people_private.h"
#include "mod_people_commit.h"
#include "mod_people_config.h"
#include "mod_people_form.h"
#include "mod_people_http.h"
#include "mod_people_write.h"

/* The most users one status change names. */
#define PEOPLE_STATUS_MAX_IDS 1000

int people_write_rc(request_rec *r, people_rc_e rc, const char *what,
                    const char *err)
{
    switch (rc) {
    case PEOPLE_FORBIDDEN:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(41)
                      "refused while %s: %s (caller %s)", what, err,
                      r->user ? r->user : "-");
        people_answer_error(r, HTTP_FORBIDDEN, err);
        return DONE;
    case PEOPLE_INVALID:
        people_answer_error(r, HTTP_BAD_REQUEST, err);
        return DONE;
    case PEOPLE_CONFLICT:
        people_answer_error(r, HTTP_CONFLICT, err);
        return DONE;
    case PEOPLE_NOT_FOUND:
        /* the store names which user, when a request names several */
        people_answer_error(r, HTTP_NOT_FOUND, err ? err : "user not found");
        return DONE;
    default:
        return people_answer_rc(r, rc, what, err);
    }
}

const char *people_contacts_over(request_rec *r,
                                 const apr_array_header_t *contacts)
{
    int max = people_cfg_max_contacts(r);
    if (!contacts || contacts->nelts <= max) {
        return NULL;
    }
    return apr_psprintf(r->pool, "a user may hold at most %d contacts; the "
                        "body has %d", max, contacts->nelts);
}

int people_admin_only(request_rec *r, const people_caller_t *who,
                      const char *what)
{
    if (who->is_admin || who->is_owner) {
        return OK;
    }
    return people_write_rc(r, PEOPLE_FORBIDDEN, what,
                           apr_pstrcat(r->pool, "only an admin or the owner "
                                       "may ", what, NULL));
}

/* ---- POST on the list: a new user ---------------------------------- */

typedef struct {
    const people_call_t *call;
    people_patch_t patch;
} people_user_add_t;

static int people_user_add_step(request_rec *r, people_db_t *db, void *baton)
{
    people_user_add_t *x = baton;
    people_profile_t *u = NULL;
    people_commit_t w;
    const char *err = NULL;
    people_rc_e rc;
    int rv;

    if (people_commit_begin(r, db, &w) != OK) {
        return DONE;
    }
    rc = people_store_add_user(r->pool, db, &x->patch,
                               people_cfg_max_contacts(r),
                               apr_time_sec(r->request_time), w.wait_ms, &u,
                               &err);
    rc = people_commit_end(r, &w, rc, &err);
    if ((rv = people_write_rc(r, rc, "adding a user", err)) != OK) {
        return rv;
    }
    return people_answer_profile(r, HTTP_CREATED, u, 1);
}

int people_user_add(request_rec *r, const people_call_t *call)
{
    people_user_add_t x;
    const char *msg;
    json_t *root = NULL;

    x.call = call;
    if (people_admin_only(r, &call->rq->caller, "add users") != OK
        || people_read_body_object(r, &root) != OK) {
        return DONE;
    }
    if ((msg = people_patch_parse(r->pool, root, 1, &x.patch)) != NULL
        || (msg = people_contacts_over(r, x.patch.contacts)) != NULL) {
        return people_answer_error(r, HTTP_BAD_REQUEST, msg);
    }
    return people_db_run(r, people_user_add_step, &x);
}

/* ---- PUT /status/{status} ------------------------------------------ */

typedef struct {
    int status;
    apr_array_header_t *ids;    /* lowercase UUIDs, each once */
} people_users_status_t;

/* One userIds entry as a lowercase UUID, kept once. NULL, or the 400
 * message. */
static const char *people_user_id_add(request_rec *r, json_t *item, int i,
                                      apr_hash_t *seen,
                                      apr_array_header_t *out)
{
    const char *id = json_is_string(item)
        ? people_uuid_normalise(r->pool, json_string_value(item)) : NULL;

    if (!id) {
        return apr_psprintf(r->pool, "userIds[%d] is not a user id", i);
    }
    if (!apr_hash_get(seen, id, APR_HASH_KEY_STRING)) {
        apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
        APR_ARRAY_PUSH(out, const char *) = id;
    }
    return NULL;
}

/* The body's userIds: a list of UUIDs (a form's userIds[]=..., or one
 * userIds=...). NULL, or the 400 message. */
static const char *people_user_ids(request_rec *r, json_t *root,
                                   apr_array_header_t **out)
{
    apr_hash_t *seen = apr_hash_make(r->pool);
    const char *msg;
    json_t *list, *item;
    size_t i;
    int dup;

    list = people_json_get_ci(root, "userIds", &dup);
    if (dup) {
        return "the body names userIds twice";
    }
    *out = apr_array_make(r->pool, 8, sizeof(const char *));
    if (json_is_string(list)) {
        return people_user_id_add(r, list, 0, seen, *out);
    }
    if (!json_is_array(list) || json_array_size(list) == 0) {
        return "the body needs userIds, a list of user ids";
    }
    if (json_array_size(list) > PEOPLE_STATUS_MAX_IDS) {
        return apr_psprintf(r->pool, "userIds may list at most %d users",
                            PEOPLE_STATUS_MAX_IDS);
    }
    json_array_foreach(list, i, item) {
        if ((msg = people_user_id_add(r, item, (int)i, seen, *out))) {
            return msg;
        }
    }
    return NULL;
}

/* The list envelope of spec section 7 holding the given profiles
 * (people_profile_t *), each with its private data. */
static int people_answer_profiles(request_rec *r,
                                  const apr_array_header_t *list)
{
    json_t *env = json_object(), *arr = json_array();
    char *text;
    const char *body;
    size_t len;
    int i;

    for (i = 0; i < list->nelts; i++) {
        const people_profile_t *u = APR_ARRAY_IDX(list, i,
                                                  people_profile_t *);
        /* the item lives with the pool; the array takes a reference */
        json_array_append(arr, people_profile_json(r->pool, u, 1,
                                                   people_profile_page(r, u)));
    }
    json_object_set_new(env, "count", json_integer(list->nelts));
    json_object_set_new(env, "startIndex", json_integer(0));
    json_object_set_new(env, "total", json_integer(list->nelts));
    json_object_set_new(env, "status", json_integer(0));
    json_object_set_new(env, "statusCode", json_integer(HTTP_OK));
    json_object_set_new(env, "response", arr);
    text = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    if (!text) {
        return people_answer_error(r, HTTP_INTERNAL_SERVER_ERROR,
                                   "the answer could not be made");
    }
    len = strlen(text);
    body = apr_pstrmemdup(r->pool, text, len);
    free(text);
    return people_send_json(r, HTTP_OK, body, len);
}

static int people_users_status_step(request_rec *r, people_db_t *db,
                                  void *baton)
{
    people_users_status_t *x = baton;
    apr_array_header_t *changed = NULL;
    people_commit_t w;
    const char *err = NULL;
    people_rc_e rc;
    int rv;

    if (people_commit_begin(r, db, &w) != OK) {
        return DONE;
    }
    rc = people_store_set_status(r->pool, db, x->ids, x->status,
                                 apr_time_sec(r->request_time), w.wait_ms,
                                 &changed, &err);
    rc = people_commit_end(r, &w, rc, &err);
    if ((rv = people_write_rc(r, rc, "changing users' status", err)) != OK) {
        return rv;
    }
    return people_answer_profiles(r, changed);
}

int people_users_set_status(request_rec *r, const people_call_t *call)
{
    people_users_status_t x;
    const char *msg;
    json_t *root = NULL;

    if (people_admin_only(r, &call->rq->caller, "change users' status")
        != OK) {
        return DONE;
    }
    if (!call->route.arg || !(x.status = people_user_status_parse(call->route.arg))) {
        return people_answer_error(r, HTTP_BAD_REQUEST, "the status must be "
                                   "1, 2, 4, Active, Terminated or "
                                   "LeaveOfAbsence");
    }
    if (people_read_body_object(r, &root) != OK) {
        return DONE;
    }
    if ((msg = people_user_ids(r, root, &x.ids)) != NULL) {
        return people_answer_error(r, HTTP_BAD_REQUEST, msg);
    }
    return people_db_run(r, people_users_status_step, &x);
}

/* ---- DELETE /{user} ------------------------------------------------- */

static int people_user_delete_step(request_rec *r, people_db_t *db,
                                   void *baton)
{
    const people_call_t *call = baton;
    people_profile_t *u = NULL;
    people_commit_t w;
    const char *id, *err = NULL;
    people_rc_e rc;
    int rv;

    if ((rv = people_user_id(r, db, call, &id)) != OK) {
        return rv;
    }
    if (people_commit_begin(r, db, &w) != OK) {
        return DONE;
    }
    rc = people_store_delete_user(r->pool, db, id,
                                  apr_table_get(r->headers_in, "If-Match"),
                                  w.wait_ms, &u, &err);
    rc = people_commit_end(r, &w, rc, &err);
    if ((rv = people_write_rc(r, rc, "deleting a user", err)) != OK) {
        return rv;
    }
    return people_answer_profile(r, HTTP_OK, u, 1);
}

int people_user_delete(request_rec *r, const people_call_t *call)
{
    if (people_admin_only(r, &call->rq->caller, "delete users") != OK) {
        return DONE;
    }
    return people_db_run(r, people_user_delete_step, (void *)call);
}
