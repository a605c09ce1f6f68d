/* CORS (PeopleCORSOrigin): which pages of other origins may read the
 * answers, and a browser's preflight. */
#ifndef MOD_PEOPLE_CORS_H
#define MOD_PEOPLE_CORS_H

#include "httpd.h"

/* Adds the CORS headers an answer carries when the request's Origin is
 * allowed (every answer, errors included, so that a page sees why a call
 * failed). */
void people_cors_headers(request_rec *r);

/* Whether people_cors_headers allowed the request's origin. */
int people_cors_allowed(request_rec *r);

/* An OPTIONS request from an allowed origin, a browser's preflight: adds
 * the Access-Control-Allow-* headers for the methods in allow. */
void people_cors_preflight(request_rec *r, const char *allow);

#endif
