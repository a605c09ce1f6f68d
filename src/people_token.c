/* Token extraction, hashing and generation. */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_general.h>
#include <openssl/evp.h>

#include "people_token.h"

static const char hex[] = "0123456789abcdef";

static char *to_hex(apr_pool_t *p, const unsigned char *b, size_t n)
{
    char *out = apr_palloc(p, n * 2 + 1);
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

/* A token is a run of visible ASCII; trims surrounding blanks. NULL when
 * nothing is left. */
static const char *trim_token(apr_pool_t *p, const char *s, size_t n)
{
    const char *c;
    while (n && apr_isspace(*s)) {
        s++; n--;
    }
    while (n && apr_isspace(s[n - 1])) {
        n--;
    }
    for (c = s; c < s + n; c++) {
        if (!apr_isgraph(*c)) {
            return NULL;
        }
    }
    return n ? apr_pstrmemdup(p, s, n) : NULL;
}

static const char *from_cookie(apr_pool_t *p, const char *cookie)
{
    static const char name[] = "asc_auth_key";
    const char *s = cookie;

    while (s && *s) {
        const char *end = strchr(s, ';');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        while (len && (*s == ' ' || *s == '\t')) {
            s++; len--;
        }
        if (len > sizeof(name) && strncmp(s, name, sizeof(name) - 1) == 0
            && s[sizeof(name) - 1] == '=') {
            return trim_token(p, s + sizeof(name), len - sizeof(name));
        }
        s = end ? end + 1 : NULL;
    }
    return NULL;
}

const char *people_token_from_headers(apr_pool_t *p, const char *authorization,
                                      const char *cookie)
{
    const char *s = authorization;
    size_t n;

    while (s && apr_isspace(*s)) {
        s++;
    }
    if (!s || !*s) {
        return from_cookie(p, cookie);
    }
    n = strlen(s);
    while (n && apr_isspace(s[n - 1])) {
        n--;
    }
    if (n >= 6 && strncasecmp(s, "Bearer", 6) == 0
        && (n == 6 || apr_isspace(s[6]))) {
        const char *tok = n > 7 ? trim_token(p, s + 7, n - 7) : NULL;
        return tok ? tok : from_cookie(p, cookie);
    }
    if (memchr(s, ' ', n) || memchr(s, '\t', n)) {
        /* some other scheme (Basic ...): not ours */
        return from_cookie(p, cookie);
    }
    return trim_token(p, s, n);
}

const char *people_token_hash(apr_pool_t *p, const char *token)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL)) {
        return NULL;
    }
    return to_hex(p, md, n);
}

const char *people_token_generate(apr_pool_t *p)
{
    unsigned char b[24];
    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        return NULL;
    }
    return to_hex(p, b, sizeof(b));
}
