/* What the fuzz harnesses share: the invariant check, APR set-up, and the
 * contact rules of spec section 5 written out independently of src/, to
 * compare the core against. */
#ifndef PEOPLE_FUZZ_COMMON_H
#define PEOPLE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <jansson.h>

#include "src/people_profile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant: when it does not hold, say which and abort, which libFuzzer
 * reports as a crash (and saves the input). */
#define CHECK(cond) do {                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz: invariant violated at %s:%d: %s\n",     \
                    __FILE__, __LINE__, #cond);                            \
            abort();                                                       \
        }                                                                  \
    } while (0)

static void fuzz_terminate(void)
{
    apr_terminate();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (apr_initialize() != APR_SUCCESS) {
        abort();
    }
    atexit(fuzz_terminate);
    return 0;
}

/* A pool for one run. An unmanaged pool owns its allocator, so destroying
 * it gives every byte back to malloc: each run frees what it allocated,
 * and a leak in a run shows as one. */
static apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p;
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        abort();
    }
    return p;
}

/* ---- spec section 5 ----------------------------------------------------- */

static const char *const spec_known_types[] = {
    "mail", "phone", "mobphone", "skype", "extskype", "gmail", "gtalk",
    "gbuzz", "facebook", "twitter", "telegram", "jabber", "msn", "icq",
    "aim", "yahoo", "myspace", "livejournal", "blogger", "extmail",
    "extphone", "extmobphone", NULL
};

/* A contact type's stored spelling, or NULL when it is not 1 to 64
 * characters of A-Z a-z 0-9 _ . - (len bytes; a NUL is not allowed). */
static const char *spec_type(apr_pool_t *p, const char *s, size_t len)
{
    size_t i;
    int k;

    if (len == 0 || len > 64) {
        return NULL;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.'
              || c == '-')) {
            return NULL;
        }
    }
    for (k = 0; spec_known_types[k]; k++) {
        if (strlen(spec_known_types[k]) == len
            && strncasecmp(spec_known_types[k], s, len) == 0) {
            return spec_known_types[k];
        }
    }
    return apr_pstrmemdup(p, s, len);
}

/* Well-formed UTF-8, by RFC 3629's table of sequences; with controls == 0,
 * also no C0 or C1 control character and no DEL. */
static int spec_utf8(const char *text, size_t len, int controls)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        unsigned char lo = 0x80, hi = 0xbf;
        size_t more, k;

        if (c <= 0x7f) {
            if (!controls && (c < 0x20 || c == 0x7f)) {
                return 0;
            }
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            if (!controls && c == 0xc2 && i + 1 < len && s[i + 1] <= 0x9f) {
                return 0;       /* U+0080..U+009F, the C1 controls */
            }
        }
        else if (c == 0xe0) {
            more = 2; lo = 0xa0;
        }
        else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
            more = 2;
        }
        else if (c == 0xed) {
            more = 2; hi = 0x9f;
        }
        else if (c == 0xf0) {
            more = 3; lo = 0x90;
        }
        else if (c >= 0xf1 && c <= 0xf3) {
            more = 3;
        }
        else if (c == 0xf4) {
            more = 3; hi = 0x8f;
        }
        else {
            return 0;
        }
        if (len - i <= more) {
            return 0;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            return 0;
        }
        for (k = 2; k <= more; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xbf) {
                return 0;
            }
        }
        i += more + 1;
    }
    return 1;
}

/* A contact value: at most 1024 bytes of UTF-8 without control
 * characters. */
static int spec_value_ok(const char *value, size_t len)
{
    return len <= 1024 && spec_utf8(value, len, 0);
}


/* The profile answer as the module sends it, parsed back: it must be one
 * JSON object without duplicate keys. */
static json_t *fuzz_envelope(apr_pool_t *p, int code,
                             const people_profile_t *prof, int full,
                             const char *url)
{
    json_error_t jerr;
    size_t len = 0;
    const char *out = people_profile_envelope(p, code, prof, full, url, &len);
    json_t *root;

    CHECK(out != NULL);
    CHECK(strlen(out) == len);
    root = json_loadb(out, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        fprintf(stderr, "fuzz: the profile answer is not JSON: %s\n",
                jerr.text);
    }
    CHECK(root != NULL);
    return root;
}

#endif
