/* Routing: a request path below the API location to a resource. */
#ifndef PEOPLE_ROUTE_H
#define PEOPLE_ROUTE_H

#include <apr_pools.h>

typedef enum {
    PEOPLE_RES_NONE = 0,        /* no such route: 404 */
    PEOPLE_RES_PROFILE,         /* /{user} */
    PEOPLE_RES_CONTACTS         /* /{user}/contacts */
} people_resource_e;

typedef enum {
    PEOPLE_USER_SELF,           /* @self */
    PEOPLE_USER_ID,             /* a UUID, normalised to lowercase */
    PEOPLE_USER_NAME            /* a user name, lowercased for lookup */
} people_userkind_e;

typedef struct {
    people_resource_e resource;
    people_userkind_e kind;
    const char *user;           /* id or lowercase name; NULL for @self */
} people_route_t;

/* Parses a decoded path relative to the API location ("/{user}",
 * "/{user}/contacts", either ending in ".json"). */
people_route_t people_route_parse(apr_pool_t *p, const char *path);

/* Normalises a UUID (any case, braces optional) to lowercase without
 * braces; NULL when the text is not one. */
const char *people_uuid_normalise(apr_pool_t *p, const char *s);

/* ASCII-lowercases a user name for lookup. */
const char *people_name_key(apr_pool_t *p, const char *name);

#endif
