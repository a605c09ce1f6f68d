/* The cross-site guard (see mod_people_crosssite.h); the origin rules are in
 * src/people_origin.c. */
#include "httpd.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"

#include "src/people_origin.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_crosssite.h"
#include "mod_people_http.h"

/* The origin this request was sent to, as its Host header and the
 * connection say. */
static const char *people_self_origin(request_rec *r)
{
    const char *host = r->hostname ? r->hostname
                                   : r->server->server_hostname;
    return people_origin_self(r->pool, ap_http_scheme(r), host ? host : "",
                              ap_get_server_port(r));
}

int people_cross_site_guard(request_rec *r, const people_req_t *rq)
{
    const char *origin, *referer, *named;

    if (!rq || (rq->credential != PEOPLE_CRED_COOKIE
                && rq->credential != PEOPLE_CRED_HTTPD)
        || r->method_number == M_GET || r->method_number == M_OPTIONS) {
        return OK;
    }
    origin = apr_table_get(r->headers_in, "Origin");
    referer = apr_table_get(r->headers_in, "Referer");
    if (!people_origin_foreign(r->pool, origin, referer,
                               people_self_origin(r), people_cfg_cors(r))) {
        return OK;
    }
    /* only the origin is logged: a Referer's path and query may hold
     * anything */
    named = people_origin_of(r->pool, origin ? origin : referer);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(40)
                  "cross-site write refused: %s from %s %s with a %s, "
                  "client %s", r->method, origin ? "Origin" : "Referer",
                  named ? named : "(not an origin)",
                  rq->credential == PEOPLE_CRED_COOKIE
                  ? "cookie" : "browser's httpd credentials",
                  r->useragent_ip);
    people_answer_error(r, HTTP_FORBIDDEN,
                        "a write authenticated by a cookie or by the "
                        "browser's credentials must come from a page of "
                        "this site or of an origin PeopleCORSOrigin names");
    return DONE;
}
