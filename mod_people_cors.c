/* CORS: a page from an allowed origin may read the answers. The origin is
 * echoed rather than "*" because calls carry a token. */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_cors.h"

void people_cors_headers(request_rec *r)
{
    const apr_array_header_t *cors = people_cfg_cors(r);
    const char *origin = apr_table_get(r->headers_in, "Origin");
    int i, ok = 0, any = 0;

    if (!cors) {
        return;
    }
    /* every answer of the location depends on Origin, also one made for a
     * request without it: a shared cache must not give that one to a page */
    apr_table_merge(r->err_headers_out, "Vary", "Origin");
    if (!origin) {
        return;
    }
    for (i = 0; i < cors->nelts; i++) {
        const char *o = APR_ARRAY_IDX(cors, i, const char *);
        any |= !strcmp(o, "*");
        ok |= !strcasecmp(o, origin);
    }
    if (!ok && !any) {
        return;
    }
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", origin);
    apr_table_setn(r->err_headers_out, "Access-Control-Expose-Headers",
                   "ETag, Retry-After, WWW-Authenticate");
    if (ok) {
        /* the asc_auth_key cookie only for origins named one by one */
        apr_table_setn(r->err_headers_out,
                       "Access-Control-Allow-Credentials", "true");
    }
}

int people_cors_allowed(request_rec *r)
{
    return apr_table_get(r->err_headers_out,
                         "Access-Control-Allow-Origin") != NULL;
}

void people_cors_preflight(request_rec *r, const char *allow)
{
    people_cors_headers(r);
    if (!people_cors_allowed(r)) {
        return;
    }
    apr_table_setn(r->headers_out, "Access-Control-Allow-Methods", allow);
    apr_table_setn(r->headers_out, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type, If-Match, If-None-Match");
    apr_table_setn(r->headers_out, "Access-Control-Max-Age", "600");
}
