/* The directory (spec section 9): query parameters, lower-case keys for
 * case-insensitive matching and sorting, the privacy rule of section 4,
 * and reading one page of people. Knows nothing of httpd. */
#ifndef PEOPLE_DIRECTORY_H
#define PEOPLE_DIRECTORY_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "people_profile.h"
#include "people_store.h"

/* The directory's routes. */
typedef enum {
    PEOPLE_DIR_LIST,            /* "" and "/" */
    PEOPLE_DIR_STATUS,          /* /status/{status} */
    PEOPLE_DIR_FILTER,          /* /filter */
    PEOPLE_DIR_SIMPLE,          /* /simple/filter */
    PEOPLE_DIR_SEARCH,          /* /search?query=, /@search/{query} */
    PEOPLE_DIR_EMAIL            /* /email?email= */
} people_dir_route_e;

/* sortBy, and filterBy's fields. The order is the statement table's. */
typedef enum {
    PEOPLE_KEY_DISPLAYNAME, PEOPLE_KEY_FIRSTNAME, PEOPLE_KEY_LASTNAME,
    PEOPLE_KEY_USERNAME, PEOPLE_KEY_EMAIL, PEOPLE_KEY_DEPARTMENT,
    PEOPLE_KEY_TITLE, PEOPLE_KEY_LOCATION,
    PEOPLE_KEY_COUNT
} people_key_e;

typedef enum {
    PEOPLE_OP_CONTAINS, PEOPLE_OP_EQUALS, PEOPLE_OP_STARTSWITH
} people_filterop_e;

/* Most words of a filterValue (each one a bound parameter). */
#define PEOPLE_DIR_WORDS 8
#define PEOPLE_DIR_COUNT_DEFAULT 100
#define PEOPLE_DIR_COUNT_MAX 1000

typedef struct {
    apr_int64_t start;          /* startIndex */
    int count;                  /* count */
    people_key_e sort_by;
    int descending;
    /* filterValue, lower-cased: without filterBy, its words (each must
     * occur in a visible field); with filterBy, one phrase for that field */
    int nwords;
    const char *words[PEOPLE_DIR_WORDS];
    int filter_by;              /* -1 none, else a people_key_e */
    people_filterop_e filter_op;
    const char *phrase;
    people_fields_t fields;     /* fields=, /simple/filter */
    int status;                 /* 0: active (1 and 4), else 1, 2 or 4 */
    int activation;             /* -1 any */
    int visitor;                /* -1 any, 0 users, 1 visitors */
    int admins;                 /* 1: admins and the owner only */
    const char *group_id;       /* NULL: any */
    const char *email;          /* /email: lower-cased */
} people_dir_query_t;

/* Reads the query string (raw, %-encoded; may be NULL) of one directory
 * route. seg is the route's path value (/status/{status},
 * /@search/{query}), decoded, or NULL. Parameter names are matched
 * case-insensitively; unknown ones are ignored. Returns NULL, or a message
 * for a 400 answer that names the parameter. */
const char *people_dir_parse(apr_pool_t *p, people_dir_route_e route,
                             const char *args, const char *seg,
                             people_dir_query_t *q);

/* PeoplePrivateData: who sees others' email and contacts. */
typedef enum {
    PEOPLE_PRIVACY_MEMBERS,     /* every non-visitor (the default) */
    PEOPLE_PRIVACY_SELF         /* only the user, admins and the owner */
} people_privacy_e;

/* Does this caller see the private data of every user? */
int people_sees_all(people_privacy_e mode, const people_caller_t *who);

/* Does this caller see the private data of user `id`? */
int people_sees_private(people_privacy_e mode, const people_caller_t *who,
                        const char *id);

/* Lower-cases text for matching and sorting: ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic capitals; other bytes are kept. The same
 * function makes the stored keys and the searched words, so matching is
 * the same on every database. NULL gives "". */
const char *people_fold(apr_pool_t *p, const char *s);

/* Escapes %, _ and \ with \ for LIKE ... ESCAPE '\'. */
const char *people_like_escape(apr_pool_t *p, const char *s);

/* Recomputes the stored lower-case keys of one user from its fields; every
 * write of a name, email, title, department or location calls it in its
 * transaction. */
people_rc_e people_dir_refresh_keys(apr_pool_t *p, people_db_t *db,
                                    const char *id, const char **err);

/* The same for every user (the schema upgrade to version 2). */
people_rc_e people_dir_refresh_all_keys(apr_pool_t *p, people_db_t *db,
                                        const char **err);

/* One page. */
typedef struct {
    apr_int64_t total;          /* how many match */
    int n;                      /* items on this page */
    people_item_t *items;
} people_page_t;

/* Reads one page of the directory for a caller, under the privacy mode;
 * url_fn makes each item's profile URL. Reads in one snapshot. */
typedef const char *(*people_url_fn)(apr_pool_t *p, const people_profile_t *u,
                                     void *baton);
people_rc_e people_dir_page(apr_pool_t *p, people_db_t *db,
                            const people_dir_query_t *q,
                            const people_caller_t *who,
                            people_privacy_e mode, people_url_fn url_fn,
                            void *url_baton, people_page_t *out,
                            const char **err);

/* /email: the id of the user with that email whom the caller may see, or
 * PEOPLE_NOT_FOUND. */
people_rc_e people_dir_email(apr_pool_t *p, people_db_t *db,
                             const people_dir_query_t *q,
                             const people_caller_t *who,
                             people_privacy_e mode, const char **id,
                             const char **err);

#endif
