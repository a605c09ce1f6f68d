/* The directory (spec section 9): GET and HEAD of "" and "/",
 * /status/{status}, /filter, /simple/filter, /search, /@search/{query} and
 * /email, under PeoplePrivateData. The work is the core's
 * (src/people_directory.c); this file maps it to HTTP. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include "src/people_directory.h"
#include "src/people_profile.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_http.h"

typedef struct {
    const people_call_t *call;
    people_dir_query_t q;
} people_dir_call_t;

static people_dir_route_e people_dir_route_of(people_do_e op)
{
    switch (op) {
    case PEOPLE_DO_LIST_STATUS:
        return PEOPLE_DIR_STATUS;
    case PEOPLE_DO_LIST_FILTER:
        return PEOPLE_DIR_FILTER;
    case PEOPLE_DO_LIST_SIMPLE:
        return PEOPLE_DIR_SIMPLE;
    case PEOPLE_DO_SEARCH:
    case PEOPLE_DO_SEARCH_PATH:
        return PEOPLE_DIR_SEARCH;
    case PEOPLE_DO_EMAIL:
        return PEOPLE_DIR_EMAIL;
    default:
        return PEOPLE_DIR_LIST;
    }
}

static const char *people_item_page(apr_pool_t *p, const people_profile_t *u,
                                    void *baton)
{
    (void)p;
    return people_profile_page(baton, u);
}

static int people_list_step(request_rec *r, people_db_t *db, void *baton)
{
    people_dir_call_t *x = baton;
    people_page_t page;
    const char *err = NULL;
    size_t len;
    char *body;
    int rv;

    rv = people_answer_rc(r, people_dir_page(r->pool, db, &x->q,
                                             &x->call->rq->caller,
                                             people_cfg_private_data(r),
                                             people_item_page, r, &page,
                                             &err),
                          "reading the directory", err);
    if (rv != OK) {
        return rv;
    }
    body = people_list_envelope(r->pool, page.items, page.n, x->q.start,
                                page.total, x->q.fields, &len);
    return people_send_json(r, HTTP_OK, body, len);
}

/* /email: the profile, when the caller may see that email; else 404, the
 * same as for an email no one has. */
static int people_email_step(request_rec *r, people_db_t *db, void *baton)
{
    people_dir_call_t *x = baton;
    const people_caller_t *who = &x->call->rq->caller;
    people_privacy_e mode = people_cfg_private_data(r);
    people_profile_t *u = NULL;
    const char *id = NULL, *err = NULL;
    int rv;

    if ((rv = people_answer_rc(r, people_dir_email(r->pool, db, &x->q, who,
                                                   mode, &id, &err),
                               "looking up an email", err)) != OK
        || (rv = people_answer_rc(r, people_store_profile(r->pool, db, id,
                                                          &u, &err),
                                  "reading a profile", err)) != OK) {
        return rv;
    }
    return people_answer_profile(r, HTTP_OK, u,
                                 people_sees_private(mode, who, u->id));
}

int people_directory_list(request_rec *r, const people_call_t *call)
{
    people_dir_call_t *x = apr_pcalloc(r->pool, sizeof(*x));
    const char *bad;

    x->call = call;
    bad = people_dir_parse(r->pool, people_dir_route_of(call->op), r->args,
                           call->route.arg, &x->q);
    if (bad) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(21)
                      "directory request refused: %s", bad);
        return people_answer_error(r, HTTP_BAD_REQUEST, bad);
    }
    return people_db_run(r, call->op == PEOPLE_DO_EMAIL ? people_email_step
                                                        : people_list_step,
                         x);
}
