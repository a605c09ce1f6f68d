/* Origins and the cross-site rule (see people_origin.h). */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "people_origin.h"

static unsigned people_default_port(const char *scheme)
{
    return !strcmp(scheme, "https") ? 443 : !strcmp(scheme, "http") ? 80 : 0;
}

static char *people_lower(apr_pool_t *p, const char *s, size_t n)
{
    char *l = apr_pstrmemdup(p, s, n), *c;
    for (c = l; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return l;
}

const char *people_origin_self(apr_pool_t *p, const char *scheme,
                               const char *host, unsigned port)
{
    const char *s = people_lower(p, scheme, strlen(scheme));
    const char *h = people_lower(p, host, strlen(host));

    if (strchr(h, ':') && h[0] != '[') {
        h = apr_pstrcat(p, "[", h, "]", NULL);
    }
    if (port == 0 || port == people_default_port(s)) {
        return apr_pstrcat(p, s, "://", h, NULL);
    }
    return apr_psprintf(p, "%s://%s:%u", s, h, port);
}

const char *people_origin_of(apr_pool_t *p, const char *url)
{
    const char *sep = strstr(url, "://"), *auth, *end, *at, *colon;
    const char *scheme, *host;
    unsigned long port = 0;
    size_t n;

    if (!sep || sep == url) {
        return NULL;
    }
    scheme = people_lower(p, url, (size_t)(sep - url));
    for (n = 0; scheme[n]; n++) {
        if (!apr_isalnum(scheme[n]) && !strchr("+-.", scheme[n])) {
            return NULL;
        }
    }
    auth = sep + 3;
    end = auth + strcspn(auth, "/?#");
    /* user information before an '@' is no part of the origin */
    for (at = end; at > auth && at[-1] != '@'; at--) {
    }
    auth = at;
    if (*auth == '[') {
        const char *close = memchr(auth, ']', (size_t)(end - auth));
        if (!close) {
            return NULL;
        }
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
        if (!colon && close + 1 != end) {
            return NULL;
        }
    }
    else {
        colon = memchr(auth, ':', (size_t)(end - auth));
    }
    host = people_lower(p, auth, (size_t)((colon ? colon : end) - auth));
    if (!*host) {
        return NULL;
    }
    if (colon) {
        const char *d;
        if (colon + 1 == end || end - colon > 6) {
            return NULL;
        }
        for (d = colon + 1; d < end; d++) {
            if (!apr_isdigit(*d)) {
                return NULL;
            }
            port = port * 10 + (unsigned long)(*d - '0');
        }
        if (port == 0 || port > 65535) {
            return NULL;
        }
    }
    return people_origin_self(p, scheme, host, (unsigned)port);
}

int people_origin_foreign(apr_pool_t *p, const char *origin,
                          const char *referer, const char *self,
                          const apr_array_header_t *allowed)
{
    const char *named = origin ? origin : referer, *o;
    int i;

    if (!named) {
        return 0;
    }
    if (!(o = people_origin_of(p, named))) {
        return 1;
    }
    if (!strcmp(o, self)) {
        return 0;
    }
    for (i = 0; allowed && i < allowed->nelts; i++) {
        const char *a = APR_ARRAY_IDX(allowed, i, const char *);
        const char *ao = strcmp(a, "*") ? people_origin_of(p, a) : NULL;
        if (ao && !strcmp(ao, o)) {
            return 0;
        }
    }
    return 1;
}
