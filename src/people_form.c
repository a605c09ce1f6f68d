/* Form bodies to the JSON a JSON body gives (see people_form.h). The keys
 * are first gathered into a tree of nodes, keyed case-insensitively, then
 * each node becomes a string, an array (all its children are indexes) or
 * an object. Everything is linear in the number of keys. */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>

#include "people_form.h"
#include "people_contacts.h"

typedef struct fnode fnode_t;
struct fnode {
    const char *name;           /* the part as first written */
    const char *key;            /* the whole key up to this part */
    const char *value;          /* a leaf's value; NULL for a container */
    size_t len;
    apr_hash_t *by_name;        /* lowercase name -> fnode_t * */
    apr_array_header_t *kids;   /* fnode_t *, first-seen order */
};

static fnode_t *people_node_make(apr_pool_t *p, const char *name,
                                 const char *key)
{
    fnode_t *n = apr_pcalloc(p, sizeof(*n));
    n->name = name;
    n->key = key;
    return n;
}

static const char *people_lower(apr_pool_t *p, const char *s)
{
    char *l = apr_pstrdup(p, s), *c;
    for (c = l; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return l;
}

/* One part of a key, and where it ends in the key (for messages). */
typedef struct {
    const char *name;
    size_t end;
} part_t;

/* Splits a key into its name and parts: "a[b][0].c" -> a, b, 0, c;
 * "a[]" -> a, "" (append). NULL when malformed or nested too deeply. */
static apr_array_header_t *people_key_parts(apr_pool_t *p, const char *key)
{
    apr_array_header_t *parts = apr_array_make(p, 4, sizeof(part_t));
    const char *s = key;
    size_t n = strcspn(s, "[.");
    part_t *pt;

    if (n == 0) {
        return NULL;
    }
    pt = apr_array_push(parts);
    pt->name = apr_pstrmemdup(p, s, n);
    pt->end = n;
    s += n;
    while (*s) {
        const char *from, *to;
        if (*s == '[') {
            from = s + 1;
            if (!(to = strchr(from, ']')) || memchr(from, '[',
                                                    (size_t)(to - from))) {
                return NULL;
            }
            s = to + 1;
        }
        else if (*s == '.') {
            from = s + 1;
            to = from + strcspn(from, "[.]");
            if (to == from) {
                return NULL;
            }
            s = to;
        }
        else {
            return NULL;            /* text after a ']' */
        }
        if (parts->nelts > PEOPLE_FORM_MAX_DEPTH) {
            return NULL;
        }
        pt = apr_array_push(parts);
        pt->name = apr_pstrmemdup(p, from, (size_t)(to - from));
        pt->end = (size_t)(s - key);
    }
    return parts;
}

static fnode_t *people_kid_get(fnode_t *n, apr_pool_t *p, const char *name)
{
    return n->by_name ? apr_hash_get(n->by_name, people_lower(p, name),
                                     APR_HASH_KEY_STRING) : NULL;
}

static fnode_t *people_kid_add(fnode_t *n, apr_pool_t *p, const char *name,
                               const char *key)
{
    fnode_t *k = people_node_make(p, name, key);
    if (!n->by_name) {
        n->by_name = apr_hash_make(p);
        n->kids = apr_array_make(p, 4, sizeof(fnode_t *));
    }
    apr_hash_set(n->by_name, people_lower(p, name), APR_HASH_KEY_STRING, k);
    APR_ARRAY_PUSH(n->kids, fnode_t *) = k;
    return k;
}

/* Adds one pair to the tree. */
static const char *people_tree_add(apr_pool_t *p, fnode_t *root,
                                   const people_form_pair_t *pair)
{
    apr_array_header_t *parts;
    fnode_t *n = root, *k;
    int i;

    if (!people_utf8_valid(pair->key, strlen(pair->key))) {
        return "a form key is not valid UTF-8";
    }
    if (!(parts = people_key_parts(p, pair->key))) {
        return apr_psprintf(p, "the form key '%s' is malformed (expected "
                            "name, name[part]... or name.part, at most %d "
                            "parts deep)", pair->key, PEOPLE_FORM_MAX_DEPTH);
    }
    for (i = 0; i < parts->nelts; i++) {
        const part_t *pt = &APR_ARRAY_IDX(parts, i, part_t);
        const char *name = pt->name;
        int last = i == parts->nelts - 1;

        if (!*name) {
            /* name[]: the next index of a list; only at the end */
            if (!last) {
                return apr_psprintf(p, "the form key '%s' is malformed "
                                    "([] only at the end)", pair->key);
            }
            name = apr_itoa(p, n->kids ? n->kids->nelts : 0);
        }
        k = people_kid_get(n, p, name);
        if (k && (last || k->value)) {
            return apr_psprintf(p, "the form key '%s' is repeated or "
                                "conflicts with another key", pair->key);
        }
        if (!k) {
            k = people_kid_add(n, p, name, apr_pstrmemdup(p, pair->key,
                                                          pt->end));
        }
        n = k;
    }
    n->value = pair->value;
    n->len = pair->len;
    return NULL;
}

/* A canonical index: "0", or digits without a leading zero; -1 if not. */
static long people_index_of(const char *s)
{
    long v = 0;
    size_t n = strlen(s), i;

    if (n == 0 || n > 9 || (s[0] == '0' && n > 1)) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isdigit(s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static const char *people_to_json(apr_pool_t *p, const fnode_t *n, int top,
                                  json_t **out);

/* A node whose children are all indexes: they must be 0..count-1. */
static const char *people_to_array(apr_pool_t *p, const fnode_t *n,
                                   json_t **out)
{
    int count = n->kids->nelts, i, gap = 0;
    const fnode_t **slot = apr_pcalloc(p, sizeof(*slot) * (size_t)count);
    const char *err;
    json_t *arr;

    for (i = 0; i < count; i++) {
        const fnode_t *k = APR_ARRAY_IDX(n->kids, i, fnode_t *);
        long at = people_index_of(k->name);
        if (at >= count) {
            gap = 1;            /* then some index below count is missing */
        }
        else {
            slot[at] = k;
        }
    }
    for (i = 0; gap && i < count; i++) {
        if (!slot[i]) {
            return apr_psprintf(p, "the form has no %s[%d] (indexes must "
                                "run from 0 without a gap)", n->key, i);
        }
    }
    arr = json_array();
    for (i = 0; i < count; i++) {
        json_t *v = NULL;
        if ((err = people_to_json(p, slot[i], 0, &v))) {
            json_decref(arr);
            return err;
        }
        json_array_append_new(arr, v);
    }
    *out = arr;
    return NULL;
}

static const char *people_to_json(apr_pool_t *p, const fnode_t *n, int top,
                                  json_t **out)
{
    int i, indexes = 0;
    const char *err;
    json_t *obj;

    if (n->value) {
        if (!people_utf8_valid(n->value, n->len)) {
            return apr_psprintf(p, "the form field '%s' is not valid UTF-8",
                                n->key);
        }
        *out = json_stringn(n->value, n->len);
        return NULL;
    }
    for (i = 0; !top && i < n->kids->nelts; i++) {
        indexes += people_index_of(APR_ARRAY_IDX(n->kids, i,
                                                 fnode_t *)->name) >= 0;
    }
    if (indexes && indexes == n->kids->nelts) {
        return people_to_array(p, n, out);
    }
    if (indexes) {
        return apr_psprintf(p, "the form keys under '%s' mix indexes and "
                            "names", n->key);
    }
    obj = json_object();
    for (i = 0; n->kids && i < n->kids->nelts; i++) {
        const fnode_t *k = APR_ARRAY_IDX(n->kids, i, fnode_t *);
        json_t *v = NULL;
        if ((err = people_to_json(p, k, 0, &v))) {
            json_decref(obj);
            return err;
        }
        json_object_set_new(obj, k->name, v);
    }
    *out = obj;
    return NULL;
}

static apr_status_t people_json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

const char *people_form_to_json(apr_pool_t *p, const apr_array_header_t *pairs,
                                int max_keys, json_t **out)
{
    fnode_t *root = people_node_make(p, "", "");
    const char *err;
    json_t *obj = NULL;
    int i;

    if (pairs->nelts > max_keys) {
        return apr_psprintf(p, "the form has more than %d fields", max_keys);
    }
    for (i = 0; i < pairs->nelts; i++) {
        if ((err = people_tree_add(p, root,
                                   &APR_ARRAY_IDX(pairs, i,
                                                  people_form_pair_t)))) {
            return err;
        }
    }
    if ((err = people_to_json(p, root, 1, &obj))) {
        return err;
    }
    apr_pool_cleanup_register(p, obj, people_json_release,
                              apr_pool_cleanup_null);
    *out = obj;
    return NULL;
}

static int people_hexval(char c)
{
    return apr_isdigit(c) ? c - '0' : apr_tolower(c) - 'a' + 10;
}

/* url-decodes s[0..n) into fresh pool memory; *len gets the length. */
static char *people_unescape(apr_pool_t *p, const char *s, size_t n,
                             size_t *len)
{
    char *out = apr_palloc(p, n + 1);
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        }
        else if (s[i] == '%' && i + 2 < n && apr_isxdigit(s[i + 1])
                 && apr_isxdigit(s[i + 2])) {
            out[o++] = (char)(people_hexval(s[i + 1]) * 16
                              + people_hexval(s[i + 2]));
            i += 2;
        }
        else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

const char *people_form_split(apr_pool_t *p, const char *buf, size_t len,
                              int max_keys, apr_array_header_t **out)
{
    apr_array_header_t *pairs = apr_array_make(p, 8,
                                               sizeof(people_form_pair_t));
    size_t at = 0;

    while (at < len) {
        const char *part = buf + at;
        const char *amp = memchr(part, '&', len - at);
        size_t n = amp ? (size_t)(amp - part) : len - at;
        const char *eq = memchr(part, '=', n);

        if (eq) {
            people_form_pair_t *pr;
            size_t klen;
            if (pairs->nelts >= max_keys) {
                return apr_psprintf(p, "the form has more than %d fields",
                                    max_keys);
            }
            pr = apr_array_push(pairs);
            pr->key = people_unescape(p, part, (size_t)(eq - part), &klen);
            pr->value = people_unescape(p, eq + 1, n - (size_t)(eq - part) - 1,
                                        &pr->len);
        }
        at += n + 1;
    }
    *out = pairs;
    return NULL;
}

const char *people_form_parse(apr_pool_t *p, const char *buf, size_t len,
                              int max_keys, json_t **out)
{
    apr_array_header_t *pairs = NULL;
    const char *err = people_form_split(p, buf, len, max_keys, &pairs);
    return err ? err : people_form_to_json(p, pairs, max_keys, out);
}

int people_media_type_is(const char *ct, const char *type)
{
    size_t n, want = strlen(type);

    if (!ct) {
        return 0;
    }
    while (apr_isspace(*ct)) {
        ct++;
    }
    /* parameters such as charset may follow */
    n = strcspn(ct, "; \t");
    return n == want && !strncasecmp(ct, type, n);
}

int people_is_form_type(const char *ct)
{
    return people_media_type_is(ct, "application/x-www-form-urlencoded");
}
