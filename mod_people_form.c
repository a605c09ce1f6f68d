/* Write bodies, JSON or form (see mod_people_form.h). A form is decoded by
 * httpd's ap_parse_form_data, as mod_auth_form and mod_request do; what is
 * ours is turning its bracketed keys into the JSON object (people_form.c).
 * ap_parse_form_data bounds the decoded bytes; the input filter below
 * bounds the bytes as sent, so a chunked body is refused with 413 as soon
 * as it passes PeopleMaxBody, whatever its escapes decode to. */
#include "httpd.h"
#include "http_protocol.h"
#include "util_filter.h"
#include "util_script.h"

#include "apr_strings.h"

#include "src/people_contacts.h"
#include "src/people_form.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_form.h"
#include "mod_people_guard.h"
#include "mod_people_http.h"

static ap_filter_rec_t *people_limit_filter;

typedef struct {
    apr_off_t left;             /* bytes the body may still have */
} people_limit_t;

static apr_status_t people_limit_in(ap_filter_t *f, apr_bucket_brigade *bb,
                                    ap_input_mode_t mode,
                                    apr_read_type_e block,
                                    apr_off_t readbytes)
{
    people_limit_t *ctx = f->ctx;
    apr_off_t len = 0;
    apr_status_t rv = ap_get_brigade(f->next, bb, mode, block, readbytes);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_brigade_length(bb, 1, &len)) != APR_SUCCESS) {
        return rv;
    }
    if (len > ctx->left) {
        apr_brigade_cleanup(bb);
        /* ap_map_http_request_error makes this a 413 */
        return APR_ENOSPC;
    }
    ctx->left -= len;
    return APR_SUCCESS;
}

void people_form_register_hooks(apr_pool_t *p)
{
    (void)p;
    people_limit_filter = ap_register_input_filter("PEOPLE_BODY_LIMIT",
                                                   people_limit_in, NULL,
                                                   AP_FTYPE_RESOURCE);
}

int people_form_max_keys(request_rec *r)
{
    int n = 3 * people_cfg_max_contacts(r) + 64;
    return n > PEOPLE_FORM_MAX_KEYS ? n : PEOPLE_FORM_MAX_KEYS;
}

/* Refuses a body: keeps the connection from reading the rest. */
static int people_refuse_body(request_rec *r, int status, const char *msg)
{
    r->connection->keepalive = AP_CONN_CLOSE;
    people_answer_error(r, status, msg);
    return DONE;
}

static int people_read_form(request_rec *r, json_t **root)
{
    apr_off_t max = people_cfg_max_body(r);
    int keys = people_form_max_keys(r), status, i;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    const char *too_large = apr_psprintf(r->pool, "the form is larger than %"
                                         APR_OFF_T_FMT " bytes or has more "
                                         "than %d fields", max, keys);
    apr_array_header_t *pairs = NULL, *out;
    people_limit_t *ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    ap_filter_t *f;
    const char *msg;
    apr_off_t n;
    char *end;

    if (cl && apr_strtoff(&n, cl, &end, 10) == APR_SUCCESS && !*end
        && n > max) {
        return people_refuse_body(r, HTTP_REQUEST_ENTITY_TOO_LARGE,
                                  too_large);
    }
    ctx->left = max;
    f = ap_add_input_filter_handle(people_limit_filter, ctx, r, r->connection);
    status = ap_parse_form_data(r, f, &pairs, (apr_size_t)keys,
                                (apr_size_t)max);
    ap_remove_input_filter(f);
    people_guard_body_read(r);
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return people_refuse_body(r, status, too_large);
    }
    if (status != OK) {
        return people_refuse_body(r, status, "the body could not be read");
    }
    out = apr_array_make(r->pool, pairs->nelts + 1,
                         sizeof(people_form_pair_t));
    for (i = 0; i < pairs->nelts; i++) {
        ap_form_pair_t *in = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        people_form_pair_t *pr = apr_array_push(out);
        char *buf = NULL;
        apr_size_t len = 0;

        if (apr_brigade_pflatten(in->value, &buf, &len, r->pool)
            != APR_SUCCESS) {
            return people_refuse_body(r, HTTP_BAD_REQUEST,
                                      "the body could not be read");
        }
        pr->key = in->name;
        pr->value = buf ? buf : "";
        pr->len = len;
    }
    if ((msg = people_form_to_json(r->pool, out, keys, root)) != NULL) {
        people_answer_error(r, HTTP_BAD_REQUEST, msg);
        return DONE;
    }
    return OK;
}

int people_read_body_object(request_rec *r, json_t **root)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *msg;
    char *buf = NULL;
    size_t len = 0;

    if (people_is_form_type(ct)) {
        return people_read_form(r, root);
    }
    if (!people_is_json_type(ct)) {
        people_answer_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                            "the body must be application/json or "
                            "application/x-www-form-urlencoded");
        return DONE;
    }
    if (people_read_json_body(r, &buf, &len) != OK) {
        return DONE;
    }
    if ((msg = people_body_load(r->pool, buf, len, root)) != NULL) {
        people_answer_error(r, HTTP_BAD_REQUEST, msg);
        return DONE;
    }
    return OK;
}
