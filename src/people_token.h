/* API tokens: where a request carries one, how it is stored. Tokens are
 * stored and looked up only by their SHA-256. */
#ifndef PEOPLE_TOKEN_H
#define PEOPLE_TOKEN_H

#include <apr_pools.h>

/* The token a request presents, or NULL. From the Authorization header,
 * as "<token>" (the original API's form) or "Bearer <token>" (scheme
 * case-insensitive), else from the cookie asc_auth_key. Either header may
 * be NULL. */
const char *people_token_from_headers(apr_pool_t *p, const char *authorization,
                                      const char *cookie);

/* Where a request's token was found. A cookie is sent by the browser on
 * its own, cross-site too; an Authorization header carrying a token never
 * is. */
typedef enum {
    PEOPLE_TOKEN_NONE = 0,      /* no token */
    PEOPLE_TOKEN_HEADER,        /* Authorization: <token> or Bearer <token> */
    PEOPLE_TOKEN_COOKIE         /* the cookie asc_auth_key */
} people_token_source_e;

/* people_token_from_headers, also telling where the token came from
 * (*from is PEOPLE_TOKEN_NONE when NULL is returned). */
const char *people_token_find(apr_pool_t *p, const char *authorization,
                              const char *cookie,
                              people_token_source_e *from);

/* Lowercase hex SHA-256 of the token (64 characters). */
const char *people_token_hash(apr_pool_t *p, const char *token);

/* A new random token (48 hex characters), or NULL if the system has no
 * randomness to give. */
const char *people_token_generate(apr_pool_t *p);

#endif
