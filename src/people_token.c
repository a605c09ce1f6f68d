/* Token extraction, hashing and generation. */
#include <string.h>
#include <pthread.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_general.h>
#include <openssl/evp.h>

#include "people_token.h"

static const char hex[] = "0123456789abcdef";

static char *people_to_hex(apr_pool_t *p, const unsigned char *b, size_t n)
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
static const char *people_trim_token(apr_pool_t *p, const char *s, size_t n)
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

static const char *people_from_cookie(apr_pool_t *p, const char *cookie)
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
            return people_trim_token(p, s + sizeof(name), len - sizeof(name));
        }
        s = end ? end + 1 : NULL;
    }
    return NULL;
}

/* The token of the Authorization header. Returns 0 when the header leaves
 * the cookie to be tried (absent, empty, another scheme such as Basic, or
 * Bearer without a usable token), else 1 with *tok the raw token or NULL
 * when the raw value is no token: then the cookie is not looked at. */
static int people_from_authorization(apr_pool_t *p, const char *s,
                                     const char **tok)
{
    size_t n;

    *tok = NULL;
    while (s && apr_isspace(*s)) {
        s++;
    }
    if (!s || !*s) {
        return 0;
    }
    n = strlen(s);
    while (n && apr_isspace(s[n - 1])) {
        n--;
    }
    if (n >= 6 && strncasecmp(s, "Bearer", 6) == 0
        && (n == 6 || apr_isspace(s[6]))) {
        *tok = n > 7 ? people_trim_token(p, s + 7, n - 7) : NULL;
        return *tok != NULL;
    }
    if (memchr(s, ' ', n) || memchr(s, '\t', n)) {
        /* some other scheme (Basic ...): not ours */
        return 0;
    }
    *tok = people_trim_token(p, s, n);
    return 1;
}

const char *people_token_find(apr_pool_t *p, const char *authorization,
                              const char *cookie,
                              people_token_source_e *from)
{
    const char *tok;

    if (people_from_authorization(p, authorization, &tok)) {
        *from = tok ? PEOPLE_TOKEN_HEADER : PEOPLE_TOKEN_NONE;
        return tok;
    }
    tok = people_from_cookie(p, cookie);
    *from = tok ? PEOPLE_TOKEN_COOKIE : PEOPLE_TOKEN_NONE;
    return tok;
}

const char *people_token_from_headers(apr_pool_t *p, const char *authorization,
                                      const char *cookie)
{
    people_token_source_e from;
    return people_token_find(p, authorization, cookie, &from);
}

/* OpenSSL 3 looks EVP_sha256()'s implementation up in its provider store
 * on every digest (a third of a token hash's cost); an explicitly fetched
 * one is used as it is. Fetched once per process and kept: one reference
 * per load of the code. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void people_fetch_sha256(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const char *people_token_hash(apr_pool_t *p, const char *token)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    pthread_once(&sha256_once, people_fetch_sha256);
    if (!EVP_Digest(token, strlen(token), md, &n,
                    sha256 ? sha256 : EVP_sha256(), NULL)) {
        return NULL;
    }
    return people_to_hex(p, md, n);
}

const char *people_token_generate(apr_pool_t *p)
{
    unsigned char b[24];
    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        return NULL;
    }
    return people_to_hex(p, b, sizeof(b));
}
