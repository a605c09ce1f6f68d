/* Routing: a request path below the API location to a resource, and a
 * resource with a method to an operation. Every route of the API (spec
 * section 3) is listed once, in src/people_route.c: adding one is an edit
 * there and a handler in the glue. */
#ifndef PEOPLE_ROUTE_H
#define PEOPLE_ROUTE_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    PEOPLE_RES_NONE = 0,        /* no such route: 404 */
    PEOPLE_RES_PROFILE,         /* /{user} */
    PEOPLE_RES_CONTACTS,        /* /{user}/contacts */
    PEOPLE_RES_LIST,            /* "" and "/": the directory, or a new user */
    PEOPLE_RES_STATUS,          /* /status/{status} (arg) */
    PEOPLE_RES_FILTER,          /* /filter */
    PEOPLE_RES_SIMPLE_FILTER,   /* /simple/filter */
    PEOPLE_RES_SEARCH,          /* /search */
    PEOPLE_RES_AT_SEARCH,       /* /@search/{query} (arg) */
    PEOPLE_RES_EMAIL            /* /email */
} people_resource_e;

typedef enum {
    PEOPLE_USER_SELF,           /* @self, in any letter case */
    PEOPLE_USER_ID,             /* a UUID, normalised to lowercase */
    PEOPLE_USER_NAME            /* a user name, lowercased for lookup */
} people_userkind_e;

typedef struct {
    people_resource_e resource;
    people_userkind_e kind;     /* PROFILE and CONTACTS only */
    const char *user;           /* id or lowercase name; NULL for @self */
    const char *arg;            /* STATUS: the status; AT_SEARCH: the
                                 * query; NULL otherwise */
} people_route_t;

/* What a request asks for: a route with a method. Operations the glue has
 * no handler for yet answer as if the route did not have them. */
typedef enum {
    PEOPLE_DO_NONE = 0,         /* the route does not take the method */
    PEOPLE_DO_OPTIONS,          /* OPTIONS, on any path */
    PEOPLE_DO_PROFILE_GET,      /* GET, HEAD /{user} */
    PEOPLE_DO_PROFILE_PUT,      /* PUT /{user}: update fields (section 11) */
    PEOPLE_DO_USER_DELETE,      /* DELETE /{user} (section 11) */
    PEOPLE_DO_CONTACTS_PUT,     /* PUT /{user}/contacts: PeoplePutMode */
    PEOPLE_DO_CONTACTS_POST,    /* POST /{user}/contacts: set */
    PEOPLE_DO_CONTACTS_DELETE,  /* DELETE /{user}/contacts: remove */
    PEOPLE_DO_LIST,             /* GET, HEAD "" and "/" (section 9) */
    PEOPLE_DO_USER_ADD,         /* POST "" and "/" (section 11) */
    PEOPLE_DO_LIST_STATUS,      /* GET, HEAD /status/{status} */
    PEOPLE_DO_STATUS_PUT,       /* PUT /status/{status} (section 11) */
    PEOPLE_DO_LIST_FILTER,      /* GET, HEAD /filter */
    PEOPLE_DO_LIST_SIMPLE,      /* GET, HEAD /simple/filter */
    PEOPLE_DO_SEARCH,           /* GET, HEAD /search?query= */
    PEOPLE_DO_SEARCH_PATH,      /* GET, HEAD /@search/{query} */
    PEOPLE_DO_EMAIL,            /* GET, HEAD /email?email= */
    PEOPLE_DO_COUNT             /* the number of operations */
} people_do_e;

/* A set of operations, one bit each (PEOPLE_DO_BIT(op)): the ones the
 * glue has a handler for. */
typedef apr_uint32_t people_do_set_t;
#define PEOPLE_DO_BIT(op) ((people_do_set_t)1 << (op))

/* Parses a decoded path relative to the API location. Any route may end
 * in ".json". */
people_route_t people_route_parse(apr_pool_t *p, const char *path);

/* The operation a method (as in the request line; HEAD is GET) asks for
 * on a resource: PEOPLE_DO_OPTIONS for OPTIONS anywhere, PEOPLE_DO_NONE
 * when the resource does not take the method. */
people_do_e people_route_operation(people_resource_e res, const char *method);

/* Whether any operation of the resource is in `built`: a resource with
 * none answers 404 like an unknown path. */
int people_route_served(people_resource_e res, people_do_set_t built);

/* The methods of a resource whose operations are in `built`, in table
 * order, with HEAD after GET and OPTIONS last: the Allow header's value
 * ("OPTIONS" alone for PEOPLE_RES_NONE). */
const char *people_route_allow(apr_pool_t *p, people_resource_e res,
                               people_do_set_t built);

/* The same methods as words for a 405 message, HEAD and OPTIONS left out:
 * "GET and HEAD", "PUT, POST and DELETE". */
const char *people_route_allow_text(apr_pool_t *p, people_resource_e res,
                                    people_do_set_t built);

/* The name of an operation, for the log ("profile-get"). */
const char *people_route_operation_name(people_do_e op);

/* The name of a resource, for the log ("profile"). */
const char *people_route_resource_name(people_resource_e res);

/* Normalises a UUID (any case, braces optional) to lowercase without
 * braces; NULL when the text is not one. */
const char *people_uuid_normalise(apr_pool_t *p, const char *s);

/* ASCII-lowercases a user name for lookup. */
const char *people_name_key(apr_pool_t *p, const char *name);

#endif
