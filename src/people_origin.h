/* Origins, for the cross-site rule of spec section 5: a write that a
 * browser could have sent on its own (cookie, httpd identity) must come
 * from a page of the API's own origin or of a PeopleCORSOrigin one. Knows
 * nothing of httpd. */
#ifndef PEOPLE_ORIGIN_H
#define PEOPLE_ORIGIN_H

#include <apr_pools.h>
#include <apr_tables.h>

/* The origin of a URL or an Origin header value, normalised for
 * comparison: "scheme://host[:port]" in lowercase, the scheme's default
 * port left out, user information and path dropped. NULL when there is
 * none ("null", no scheme, no host, a bad port). */
const char *people_origin_of(apr_pool_t *p, const char *url);

/* The origin a server answers at, normalised as people_origin_of does
 * (an IPv6 address host gets its brackets). */
const char *people_origin_self(apr_pool_t *p, const char *scheme,
                               const char *host, unsigned port);

/* Whether a request's Origin header (or, when it has none, its Referer)
 * names an origin other than self and other than every origin listed in
 * allowed ("*" allows none: it never lets cookies through). A request
 * with neither header names none: 0. An Origin that is not an origin
 * ("null", sent by sandboxed pages and some redirects) is foreign. */
int people_origin_foreign(apr_pool_t *p, const char *origin,
                          const char *referer, const char *self,
                          const apr_array_header_t *allowed);

#endif
