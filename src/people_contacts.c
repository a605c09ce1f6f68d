/* Contacts: body decoding and the merge/set/delete rules of the spec,
 * section 5 and 6. Pure functions over APR arrays; no I/O. */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>
#include <jansson.h>

#include "people_contacts.h"

/* The product's known types, stored in this (lowercase) spelling. */
static const char *const known_types[] = {
    "mail", "phone", "mobphone", "skype", "extskype", "gmail", "gtalk",
    "gbuzz", "facebook", "twitter", "telegram", "jabber", "msn", "icq",
    "aim", "yahoo", "myspace", "livejournal", "blogger", "extmail",
    "extphone", "extmobphone", NULL
};

int people_type_eq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

const char *people_type_canon(apr_pool_t *p, const char *type)
{
    size_t n = 0;
    const char *c;
    int i;

    for (c = type; *c; c++, n++) {
        if (!apr_isalnum(*c) && *c != '_' && *c != '.' && *c != '-') {
            return NULL;
        }
    }
    if (n == 0 || n > PEOPLE_TYPE_MAX) {
        return NULL;
    }
    for (i = 0; known_types[i]; i++) {
        if (people_type_eq(type, known_types[i])) {
            return known_types[i];
        }
    }
    return apr_pstrdup(p, type);
}

/* Decodes the UTF-8 sequence at s[*i], advancing *i; 0 when it is not
 * valid (overlong forms, surrogates and code points past U+10FFFF
 * included). */
static int people_utf8_next(const unsigned char *s, size_t len, size_t *i,
                            unsigned long *cp)
{
    unsigned char c = s[*i];
    size_t n, k;

    if (c < 0x80) {
        *cp = c;
        (*i)++;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1; *cp = c & 0x1f;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        n = 2; *cp = c & 0x0f;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        n = 3; *cp = c & 0x07;
    }
    else {
        return 0;
    }
    if (*i + n >= len) {
        return 0;                       /* truncated */
    }
    for (k = 1; k <= n; k++) {
        if ((s[*i + k] & 0xc0) != 0x80) {
            return 0;
        }
        *cp = (*cp << 6) | (s[*i + k] & 0x3f);
    }
    if ((n == 2 && *cp < 0x800) || (n == 3 && *cp < 0x10000)
        || (*cp >= 0xd800 && *cp <= 0xdfff) || *cp > 0x10ffff) {
        return 0;
    }
    *i += n + 1;
    return 1;
}

int people_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    unsigned long cp;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;                        /* the common case, kept short */
        }
        else if (!people_utf8_next((const unsigned char *)s, len, &i, &cp)) {
            return 0;
        }
    }
    return 1;
}

const char *people_value_problem(const char *value, size_t len)
{
    size_t i = 0;
    unsigned long cp;

    if (len > PEOPLE_VALUE_MAX) {
        return "longer than 1024 bytes";
    }
    while (i < len) {
        if (!people_utf8_next((const unsigned char *)value, len, &i, &cp)) {
            return "is not valid UTF-8";
        }
        /* C0 controls, DEL and C1 controls */
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            return "contains a control character";
        }
    }
    return NULL;
}

json_t *people_json_get_ci(json_t *obj, const char *key, int *dup)
{
    const char *k;
    json_t *v, *found = NULL;

    *dup = 0;
    json_object_foreach(obj, k, v) {
        if (strcasecmp(k, key) == 0) {
            if (found) {
                *dup = 1;
                return NULL;
            }
            found = v;
        }
    }
    return found;
}

static const char *people_parse_item(apr_pool_t *p, json_t *item, size_t idx,
                                     people_contact_t *out)
{
    json_t *type, *value;
    const char *canon, *problem;
    int dup;

    if (!json_is_object(item)) {
        return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "] must be an "
                            "object with \"type\" and \"value\"", idx);
    }
    value = people_json_get_ci(item, "value", &dup);
    if (dup) {
        return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "] has \"value\" "
                            "twice", idx);
    }
    /* The original API page nests the pair one level down:
     * {"value": {"Type": ..., "Value": ...}}. Read such an item as the
     * inner object, so that copying that example works. */
    if (json_is_object(value)) {
        item = value;
        value = people_json_get_ci(item, "value", &dup);
        if (dup) {
            return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "].value has "
                                "\"value\" twice", idx);
        }
    }
    type = people_json_get_ci(item, "type", &dup);
    if (dup) {
        return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "] has \"type\" "
                            "twice", idx);
    }
    if (!type) {
        return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "] has no "
                            "\"type\"", idx);
    }
    if (!json_is_string(type)
        || strlen(json_string_value(type)) != json_string_length(type)
        || !(canon = people_type_canon(p, json_string_value(type)))) {
        return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "].type must be "
                            "1 to 64 characters of A-Z a-z 0-9 _ . -", idx);
    }
    out->type = canon;
    if (!value || json_is_null(value)) {
        out->value = "";
        return NULL;
    }
    if (!json_is_string(value)) {
        return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "].value must be "
                            "a string", idx);
    }
    problem = people_value_problem(json_string_value(value),
                                   json_string_length(value));
    if (problem) {
        return apr_psprintf(p, "contacts[%" APR_SIZE_T_FMT "].value %s",
                            idx, problem);
    }
    out->value = apr_pstrmemdup(p, json_string_value(value),
                                json_string_length(value));
    return NULL;
}

static apr_status_t people_json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

const char *people_body_load(apr_pool_t *p, const char *buf, size_t len,
                            json_t **out)
{
    json_error_t jerr;
    json_t *root;

    /* Duplicate keys make a body ambiguous. NUL is let through jansson so
     * that the item check can name the item that holds it. */
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                      &jerr);
    if (!root) {
        /* jansson quotes the bytes it stopped at, which may end inside a
         * UTF-8 sequence: keep the message's longest valid prefix */
        size_t n = strlen(jerr.text);
        while (n && !people_utf8_valid(jerr.text, n)) {
            n--;
        }
        return apr_psprintf(p, "malformed JSON at line %d, column %d: %.*s",
                            jerr.line, jerr.column, (int)n, jerr.text);
    }
    apr_pool_cleanup_register(p, root, people_json_release,
                              apr_pool_cleanup_null);
    if (!json_is_object(root)) {
        return "the body must be a JSON object";
    }
    *out = root;
    return NULL;
}

const char *people_contacts_from(apr_pool_t *p, json_t *contacts,
                                 apr_array_header_t **out)
{
    apr_array_header_t *list;
    const char *err;
    size_t i;

    if (json_is_object(contacts)) {
        /* a single object counts as a one-item array */
        list = apr_array_make(p, 1, sizeof(people_contact_t));
        if ((err = people_parse_item(p, contacts, 0, apr_array_push(list)))) {
            return err;
        }
        *out = list;
        return NULL;
    }
    if (!json_is_array(contacts)) {
        return "\"contacts\" must be an array";
    }
    list = apr_array_make(p, (int)json_array_size(contacts) + 1,
                          sizeof(people_contact_t));
    for (i = 0; i < json_array_size(contacts); i++) {
        if ((err = people_parse_item(p, json_array_get(contacts, i), i,
                                     apr_array_push(list)))) {
            return err;
        }
    }
    *out = list;
    return NULL;
}

const char *people_body_contacts(apr_pool_t *p, json_t *root,
                                 apr_array_header_t **out)
{
    json_t *contacts;
    int dup;

    contacts = people_json_get_ci(root, "contacts", &dup);
    if (dup) {
        return "the body has \"contacts\" twice";
    }
    if (!contacts) {
        return "the body has no \"contacts\"";
    }
    return people_contacts_from(p, contacts, out);
}

const char *people_body_parse(apr_pool_t *p, const char *buf, size_t len,
                              apr_array_header_t **out)
{
    json_t *root = NULL;
    const char *err = people_body_load(p, buf, len, &root);
    return err ? err : people_body_contacts(p, root, out);
}

#define CONTACT(a, i) (&APR_ARRAY_IDX((a), (i), people_contact_t))

/* The apply step runs inside the write lock: every rule below is linear
 * in the stored and body lists, through hash tables keyed by the
 * lowercased type (types compare case-insensitively) and by type and
 * value. */

/* What the body says about one type. */
typedef struct {
    const char *spelling;       /* of the type's first body entry */
    apr_array_header_t *values; /* non-empty values, each once, body order */
    apr_hash_t *seen;           /* those values */
    int any_empty;              /* an entry without a value */
    int done;                   /* merge: placed in the output already */
} type_rec_t;

/* The body by type, and the types in order of first appearance. */
typedef struct {
    apr_hash_t *by_type;        /* lowercase type -> type_rec_t */
    apr_array_header_t *order;  /* type_rec_t *, first appearance */
} body_index_t;

static const char *people_type_key(apr_pool_t *p, const char *type)
{
    char *k = apr_pstrdup(p, type), *c;
    for (c = k; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return k;
}

static type_rec_t *people_type_rec(const body_index_t *ix, apr_pool_t *p,
                                   const char *type)
{
    return apr_hash_get(ix->by_type, people_type_key(p, type),
                        APR_HASH_KEY_STRING);
}

static body_index_t people_index_body(apr_pool_t *p,
                                      const apr_array_header_t *body)
{
    body_index_t ix;
    int i;

    ix.by_type = apr_hash_make(p);
    ix.order = apr_array_make(p, 8, sizeof(type_rec_t *));
    for (i = 0; i < body->nelts; i++) {
        const people_contact_t *c = CONTACT(body, i);
        const char *key = people_type_key(p, c->type);
        type_rec_t *r = apr_hash_get(ix.by_type, key, APR_HASH_KEY_STRING);

        if (!r) {
            r = apr_pcalloc(p, sizeof(*r));
            r->spelling = c->type;
            r->values = apr_array_make(p, 2, sizeof(const char *));
            r->seen = apr_hash_make(p);
            apr_hash_set(ix.by_type, key, APR_HASH_KEY_STRING, r);
            APR_ARRAY_PUSH(ix.order, type_rec_t *) = r;
        }
        if (!*c->value) {
            r->any_empty = 1;
        }
        else if (!apr_hash_get(r->seen, c->value, APR_HASH_KEY_STRING)) {
            apr_hash_set(r->seen, c->value, APR_HASH_KEY_STRING, "");
            APR_ARRAY_PUSH(r->values, const char *) = c->value;
        }
    }
    return ix;
}

/* Appends a type's body values to out under the given spelling. */
static void people_push_values(apr_array_header_t *out, const type_rec_t *r,
                               const char *spelling)
{
    int i;
    for (i = 0; i < r->values->nelts; i++) {
        people_contact_t *n = apr_array_push(out);
        n->type = spelling;
        n->value = APR_ARRAY_IDX(r->values, i, const char *);
    }
}

/* Set: the body's list in body order, empty values left out, each pair
 * once, each type under the spelling of its first kept entry. */
static void people_apply_set(apr_pool_t *p, apr_array_header_t *out,
                             const apr_array_header_t *body)
{
    apr_hash_t *spelling = apr_hash_make(p);   /* type key -> spelling */
    apr_hash_t *pairs = apr_hash_make(p);      /* "key:value" */
    int i;

    for (i = 0; i < body->nelts; i++) {
        const people_contact_t *c = CONTACT(body, i);
        const char *key, *pair, *sp;
        people_contact_t *n;

        if (!*c->value) {
            continue;
        }
        key = people_type_key(p, c->type);
        /* ':' is not a type character, so the pair key is unambiguous */
        pair = apr_pstrcat(p, key, ":", c->value, NULL);
        if (apr_hash_get(pairs, pair, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(pairs, pair, APR_HASH_KEY_STRING, "");
        if (!(sp = apr_hash_get(spelling, key, APR_HASH_KEY_STRING))) {
            sp = c->type;
            apr_hash_set(spelling, key, APR_HASH_KEY_STRING, sp);
        }
        n = apr_array_push(out);
        n->type = sp;
        n->value = c->value;
    }
}

/* Merge: each type the body names replaces the stored entries of that type,
 * at the place of the first stored one; new types are appended in body
 * order; other types are left alone. A stored type keeps its spelling. */
static void people_apply_merge(apr_pool_t *p, apr_array_header_t *out,
                               const apr_array_header_t *stored,
                               const apr_array_header_t *body)
{
    body_index_t ix = people_index_body(p, body);
    int i;

    for (i = 0; i < stored->nelts; i++) {
        const people_contact_t *c = CONTACT(stored, i);
        type_rec_t *r = people_type_rec(&ix, p, c->type);
        if (!r) {
            *(people_contact_t *)apr_array_push(out) = *c;
        }
        else if (!r->done) {
            /* the first stored entry of a type the body names: the body's
             * entries go here; later stored entries of the type go */
            r->done = 1;
            people_push_values(out, r, c->type);
        }
    }
    for (i = 0; i < ix.order->nelts; i++) {
        type_rec_t *r = APR_ARRAY_IDX(ix.order, i, type_rec_t *);
        if (!r->done) {
            r->done = 1;
            people_push_values(out, r, r->spelling);
        }
    }
}

/* Delete: each body item removes the stored entries of its type, or only
 * the one with its value when it has one. */
static void people_apply_delete(apr_pool_t *p, apr_array_header_t *out,
                                const apr_array_header_t *stored,
                                const apr_array_header_t *body)
{
    body_index_t ix = people_index_body(p, body);
    int i;

    for (i = 0; i < stored->nelts; i++) {
        const people_contact_t *c = CONTACT(stored, i);
        type_rec_t *r = people_type_rec(&ix, p, c->type);
        if (!r || (!r->any_empty
                   && !apr_hash_get(r->seen, c->value, APR_HASH_KEY_STRING))) {
            *(people_contact_t *)apr_array_push(out) = *c;
        }
    }
}

const char *people_body_too_many(apr_pool_t *p,
                                 const apr_array_header_t *body, int max)
{
    if (body->nelts <= max) {
        return NULL;
    }
    return apr_psprintf(p, "a user may hold at most %d contacts; this "
                        "request names %d", max, body->nelts);
}

apr_array_header_t *people_contacts_apply(apr_pool_t *p, people_op_e op,
                                          const apr_array_header_t *stored,
                                          const apr_array_header_t *body)
{
    apr_array_header_t *out = apr_array_make(p, stored->nelts
                                             + body->nelts + 1,
                                             sizeof(people_contact_t));
    switch (op) {
    case PEOPLE_OP_SET:
        people_apply_set(p, out, body);
        break;
    case PEOPLE_OP_MERGE:
        people_apply_merge(p, out, stored, body);
        break;
    case PEOPLE_OP_DELETE:
        people_apply_delete(p, out, stored, body);
        break;
    }
    return out;
}

int people_contacts_equal(const apr_array_header_t *a,
                          const apr_array_header_t *b)
{
    int i;
    if (a->nelts != b->nelts) {
        return 0;
    }
    for (i = 0; i < a->nelts; i++) {
        const people_contact_t *x = &APR_ARRAY_IDX(a, i, people_contact_t);
        const people_contact_t *y = &APR_ARRAY_IDX(b, i, people_contact_t);
        if (strcmp(x->type, y->type) || strcmp(x->value, y->value)) {
            return 0;
        }
    }
    return 1;
}
