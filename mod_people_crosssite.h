/* The cross-site guard (spec section 5): a browser sends a cookie and
 * httpd's own credentials (Basic, Negotiate, a login session) with any
 * request a page makes, a form posted from another site included. A write
 * authenticated that way must come from a page of the API's own origin or
 * of a PeopleCORSOrigin one. */
#ifndef MOD_PEOPLE_CROSSSITE_H
#define MOD_PEOPLE_CROSSSITE_H

#include "httpd.h"

#include "mod_people_private.h"

/* For a write (any method but GET, HEAD and OPTIONS) whose credential is
 * the asc_auth_key cookie or an httpd identity: when its Origin header
 * (or, without one, its Referer) names another origin than the request's
 * own scheme://host:port and none of PeopleCORSOrigin's (named one by one;
 * "*" lets none through), answers 403 and returns DONE, logging the
 * refusal at info. Otherwise OK. Requests with a token in Authorization
 * are never refused here: a browser does not add that header by itself.
 * Call it before the body is read or the database touched. */
int people_cross_site_guard(request_rec *r, const people_req_t *rq);

#endif
