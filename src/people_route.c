/* Routing below the API location: "/{user}" and "/{user}/contacts", each
 * optionally ending in ".json". */
#include <string.h>
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

people_route_t people_route_parse(apr_pool_t *p, const char *path)
{
    people_route_t r = {PEOPLE_RES_NONE, PEOPLE_USER_NAME, NULL};
    const char *seg, *slash;
    char *user;
    size_t n;

    if (!path || path[0] != '/') {
        return r;
    }
    seg = path + 1;
    slash = strchr(seg, '/');
    if (slash) {
        const char *rest = slash + 1;
        if (strcmp(rest, "contacts") != 0
            && strcmp(rest, "contacts.json") != 0) {
            return r;
        }
        user = apr_pstrmemdup(p, seg, slash - seg);
        r.resource = PEOPLE_RES_CONTACTS;
    }
    else {
        user = apr_pstrdup(p, seg);
        n = strlen(user);
        if (n > 5 && strcmp(user + n - 5, ".json") == 0) {
            user[n - 5] = '\0';
        }
        r.resource = PEOPLE_RES_PROFILE;
    }
    if (!*user) {
        r.resource = PEOPLE_RES_NONE;
        return r;
    }
    if (strcmp(user, "@self") == 0) {
        r.kind = PEOPLE_USER_SELF;
    }
    else if ((r.user = people_uuid_normalise(p, user)) != NULL) {
        r.kind = PEOPLE_USER_ID;
    }
    else {
        r.kind = PEOPLE_USER_NAME;
        r.user = people_name_key(p, user);
    }
    return r;
}
