/* Routing below the API location (spec section 3): the paths, the
 * operation each method asks for on each of them, and the Allow header,
 * all from the two tables below. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "people_route.h"

const char *people_uuid_normalise(apr_pool_t *p, const char *s)
{
    size_t n = strlen(s), i;
    char *out;

    if (n == 38 && s[0] == '{' && s[37] == '}') {
        s++;
        n = 36;
    }
    if (n != 36) {
        return NULL;
    }
    out = apr_palloc(p, 37);
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return NULL;
            }
            out[i] = '-';
        }
        else if (apr_isxdigit(s[i])) {
            out[i] = (char)apr_tolower(s[i]);
        }
        else {
            return NULL;
        }
    }
    out[36] = '\0';
    return out;
}

const char *people_name_key(apr_pool_t *p, const char *name)
{
    char *k = apr_pstrdup(p, name), *c;
    for (c = k; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return k;
}

/* The paths. A segment list after the ".json" suffix is taken off; the
 * literal segments are matched in any letter case and are never user
 * names (people-admin refuses such names), and neither is anything else
 * starting with '@' but @self. NULL where a {user} or {arg} is. */
typedef struct {
    people_resource_e res;
    int nseg;
    const char *seg[2];         /* literals; NULL: {user} or {arg} */
} people_path_def_t;

static const people_path_def_t people_paths[] = {
    {PEOPLE_RES_LIST,          0, {NULL, NULL}},
    {PEOPLE_RES_FILTER,        1, {"filter", NULL}},
    {PEOPLE_RES_SEARCH,        1, {"search", NULL}},
    {PEOPLE_RES_EMAIL,         1, {"email", NULL}},
    {PEOPLE_RES_PROFILE,       1, {NULL, NULL}},
    {PEOPLE_RES_STATUS,        2, {"status", NULL}},
    {PEOPLE_RES_SIMPLE_FILTER, 2, {"simple", "filter"}},
    {PEOPLE_RES_AT_SEARCH,     2, {"@search", NULL}},
    {PEOPLE_RES_CONTACTS,      2, {NULL, "contacts"}},
};

/* The methods each resource takes, in the order Allow lists them. HEAD is
 * GET's (httpd gives HEAD the method number of GET); OPTIONS is taken
 * everywhere. */
typedef struct {
    people_resource_e res;
    const char *method;
    people_do_e op;
} people_op_def_t;

static const people_op_def_t people_ops[] = {
    {PEOPLE_RES_PROFILE,       "GET",    PEOPLE_DO_PROFILE_GET},
    {PEOPLE_RES_PROFILE,       "PUT",    PEOPLE_DO_PROFILE_PUT},
    {PEOPLE_RES_PROFILE,       "DELETE", PEOPLE_DO_USER_DELETE},
    {PEOPLE_RES_CONTACTS,      "PUT",    PEOPLE_DO_CONTACTS_PUT},
    {PEOPLE_RES_CONTACTS,      "POST",   PEOPLE_DO_CONTACTS_POST},
    {PEOPLE_RES_CONTACTS,      "DELETE", PEOPLE_DO_CONTACTS_DELETE},
    {PEOPLE_RES_LIST,          "GET",    PEOPLE_DO_LIST},
    {PEOPLE_RES_LIST,          "POST",   PEOPLE_DO_USER_ADD},
    {PEOPLE_RES_STATUS,        "GET",    PEOPLE_DO_LIST_STATUS},
    {PEOPLE_RES_STATUS,        "PUT",    PEOPLE_DO_STATUS_PUT},
    {PEOPLE_RES_FILTER,        "GET",    PEOPLE_DO_LIST_FILTER},
    {PEOPLE_RES_SIMPLE_FILTER, "GET",    PEOPLE_DO_LIST_SIMPLE},
    {PEOPLE_RES_SEARCH,        "GET",    PEOPLE_DO_SEARCH},
    {PEOPLE_RES_AT_SEARCH,     "GET",    PEOPLE_DO_SEARCH_PATH},
    {PEOPLE_RES_EMAIL,         "GET",    PEOPLE_DO_EMAIL},
};

#define PEOPLE_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const people_op_names[PEOPLE_DO_COUNT] = {
    [PEOPLE_DO_NONE] = "none",
    [PEOPLE_DO_OPTIONS] = "options",
    [PEOPLE_DO_PROFILE_GET] = "profile-get",
    [PEOPLE_DO_PROFILE_PUT] = "profile-put",
    [PEOPLE_DO_USER_DELETE] = "user-delete",
    [PEOPLE_DO_CONTACTS_PUT] = "contacts-put",
    [PEOPLE_DO_CONTACTS_POST] = "contacts-post",
    [PEOPLE_DO_CONTACTS_DELETE] = "contacts-delete",
    [PEOPLE_DO_LIST] = "list",
    [PEOPLE_DO_USER_ADD] = "user-add",
    [PEOPLE_DO_LIST_STATUS] = "list-status",
    [PEOPLE_DO_STATUS_PUT] = "status-put",
    [PEOPLE_DO_LIST_FILTER] = "list-filter",
    [PEOPLE_DO_LIST_SIMPLE] = "list-simple",
    [PEOPLE_DO_SEARCH] = "search",
    [PEOPLE_DO_SEARCH_PATH] = "search-path",
    [PEOPLE_DO_EMAIL] = "email",
};

static const char *const people_res_names[] = {
    [PEOPLE_RES_NONE] = "none",
    [PEOPLE_RES_PROFILE] = "profile",
    [PEOPLE_RES_CONTACTS] = "contacts",
    [PEOPLE_RES_LIST] = "list",
    [PEOPLE_RES_STATUS] = "status",
    [PEOPLE_RES_FILTER] = "filter",
    [PEOPLE_RES_SIMPLE_FILTER] = "simple-filter",
    [PEOPLE_RES_SEARCH] = "search",
    [PEOPLE_RES_AT_SEARCH] = "at-search",
    [PEOPLE_RES_EMAIL] = "email",
};

static int people_is_literal(const char *seg)
{
    size_t i;

    if (seg[0] == '@') {
        return strcasecmp(seg, "@self") != 0;
    }
    for (i = 0; i < PEOPLE_COUNT_OF(people_paths); i++) {
        const people_path_def_t *d = &people_paths[i];
        if ((d->seg[0] && !strcasecmp(seg, d->seg[0]))
            || (d->seg[1] && !strcasecmp(seg, d->seg[1])
                && d->res != PEOPLE_RES_CONTACTS)) {
            return 1;
        }
    }
    return 0;
}

/* Sets the route's user from a {user} segment; 0 when it cannot be one. */
static int people_route_user(apr_pool_t *p, people_route_t *r,
                             const char *user)
{
    if (!*user || people_is_literal(user)) {
        return 0;
    }
    if (strcasecmp(user, "@self") == 0) {
        r->kind = PEOPLE_USER_SELF;
    }
    else if ((r->user = people_uuid_normalise(p, user)) != NULL) {
        r->kind = PEOPLE_USER_ID;
    }
    else {
        r->kind = PEOPLE_USER_NAME;
        r->user = people_name_key(p, user);
    }
    return 1;
}

/* Whether the segments fit the path definition; fills r if they do. */
static int people_path_match(apr_pool_t *p, const people_path_def_t *d,
                             int nseg, char **seg, people_route_t *r)
{
    int i;

    if (d->nseg != nseg) {
        return 0;
    }
    for (i = 0; i < nseg; i++) {
        if (d->seg[i] ? strcasecmp(seg[i], d->seg[i]) != 0 : !*seg[i]) {
            return 0;
        }
    }
    r->resource = d->res;
    if (d->res == PEOPLE_RES_PROFILE || d->res == PEOPLE_RES_CONTACTS) {
        return people_route_user(p, r, seg[0]);
    }
    if (d->res == PEOPLE_RES_STATUS || d->res == PEOPLE_RES_AT_SEARCH) {
        r->arg = seg[1];
    }
    return 1;
}

people_route_t people_route_parse(apr_pool_t *p, const char *path)
{
    people_route_t r = {PEOPLE_RES_NONE, PEOPLE_USER_NAME, NULL, NULL};
    char *rest, *seg[3] = {NULL, NULL, NULL}, *slash;
    size_t n, i;
    int nseg = 0;

    if (!path || (path[0] != '/' && path[0] != '\0')) {
        return r;
    }
    rest = apr_pstrdup(p, path[0] ? path + 1 : path);
    n = strlen(rest);
    if (n > 5 && strcmp(rest + n - 5, ".json") == 0) {
        rest[n - 5] = '\0';
    }
    while (*rest || nseg) {
        if (nseg == 3) {
            return r;
        }
        seg[nseg++] = rest;
        if (!(slash = strchr(rest, '/'))) {
            break;
        }
        *slash = '\0';
        rest = slash + 1;
    }
    for (i = 0; i < PEOPLE_COUNT_OF(people_paths); i++) {
        people_route_t m = r;
        if (people_path_match(p, &people_paths[i], nseg, seg, &m)) {
            return m;
        }
    }
    return r;
}

people_do_e people_route_operation(people_resource_e res, const char *method)
{
    size_t i;

    if (!strcmp(method, "OPTIONS")) {
        return PEOPLE_DO_OPTIONS;
    }
    if (!strcmp(method, "HEAD")) {
        method = "GET";
    }
    for (i = 0; i < PEOPLE_COUNT_OF(people_ops); i++) {
        if (people_ops[i].res == res
            && !strcmp(people_ops[i].method, method)) {
            return people_ops[i].op;
        }
    }
    return PEOPLE_DO_NONE;
}

int people_route_served(people_resource_e res, people_do_set_t built)
{
    size_t i;

    for (i = 0; i < PEOPLE_COUNT_OF(people_ops); i++) {
        if (people_ops[i].res == res
            && (built & PEOPLE_DO_BIT(people_ops[i].op))) {
            return 1;
        }
    }
    return 0;
}

/* The built methods of a resource, GET followed by HEAD. */
static apr_array_header_t *people_methods(apr_pool_t *p, people_resource_e res,
                                         people_do_set_t built)
{
    apr_array_header_t *m = apr_array_make(p, 6, sizeof(const char *));
    size_t i;

    for (i = 0; i < PEOPLE_COUNT_OF(people_ops); i++) {
        if (people_ops[i].res != res
            || !(built & PEOPLE_DO_BIT(people_ops[i].op))) {
            continue;
        }
        APR_ARRAY_PUSH(m, const char *) = people_ops[i].method;
        if (!strcmp(people_ops[i].method, "GET")) {
            APR_ARRAY_PUSH(m, const char *) = "HEAD";
        }
    }
    return m;
}

/* The words joined by ", ", the last two by `last`. */
static const char *people_join(apr_pool_t *p, const apr_array_header_t *m,
                               const char *last)
{
    const char *out = "";
    int i;

    for (i = 0; i < m->nelts; i++) {
        out = apr_pstrcat(p, out, i == 0 ? "" : i == m->nelts - 1 ? last
                                                                  : ", ",
                          APR_ARRAY_IDX(m, i, const char *), NULL);
    }
    return out;
}

const char *people_route_allow(apr_pool_t *p, people_resource_e res,
                               people_do_set_t built)
{
    apr_array_header_t *m = people_methods(p, res, built);

    APR_ARRAY_PUSH(m, const char *) = "OPTIONS";
    return people_join(p, m, ", ");
}

const char *people_route_allow_text(apr_pool_t *p, people_resource_e res,
                                    people_do_set_t built)
{
    return people_join(p, people_methods(p, res, built), " and ");
}

const char *people_route_operation_name(people_do_e op)
{
    return (unsigned)op < PEOPLE_DO_COUNT && people_op_names[op]
           ? people_op_names[op] : "unknown";
}

const char *people_route_resource_name(people_resource_e res)
{
    return (unsigned)res < PEOPLE_COUNT_OF(people_res_names)
           ? people_res_names[res] : "unknown";
}
