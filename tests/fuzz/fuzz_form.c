/* libFuzzer harness: form bodies (people_form_parse), spec section 5.
 *
 * The input is a form body. When it decodes, the result must be a JSON
 * object of strings, arrays and objects only, every array non-empty, and
 * encoding it again the way jQuery does (name[0][Type]=...) and decoding
 * that must give the same object; the contacts read from it, when they
 * are read, must be valid. When it does not decode, the 400 message must
 * be valid UTF-8 and *out untouched. A body with more parts than the key
 * bound is always refused. The profile fields read from the object
 * (section 11) must each hold what the store may keep. Any violation
 * aborts. */
#include <apr_tables.h>
#include <apr_lib.h>
#include <jansson.h>

#include "tests/fuzz/fuzz_common.h"
#include "src/people_contacts.h"
#include "src/people_form.h"
#include "src/people_fields.h"
#include "src/people_patch.h"
#include "src/people_route.h"

#define FUZZ_MAX_KEYS 64

/* The body's parts that hold '=' (the ones that count against the
 * bound). */
static int count_pairs(const char *s, size_t len)
{
    int n = 0, eq = 0;
    size_t i;
    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '&') {
            n += eq;
            eq = 0;
        }
        else if (s[i] == '=') {
            eq = 1;
        }
    }
    return n;
}

static const char *escape(apr_pool_t *p, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, len * 3 + 1), *o = out;
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (apr_isalnum(c) || c == '-' || c == '_' || c == '~') {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* Encodes a value under a key the way jQuery's $.param does. */
static void encode(apr_pool_t *p, const char *key, json_t *v,
                   apr_array_header_t *parts)
{
    size_t i;
    const char *k;
    json_t *item;

    if (json_is_string(v)) {
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(
            p, escape(p, key, strlen(key)), "=",
            escape(p, json_string_value(v), json_string_length(v)), NULL);
        return;
    }
    if (json_is_array(v)) {
        CHECK(json_array_size(v) > 0);
        json_array_foreach(v, i, item) {
            encode(p, apr_psprintf(p, "%s[%d]", key, (int)i), item, parts);
        }
        return;
    }
    CHECK(json_is_object(v));
    CHECK(json_object_size(v) > 0);
    json_object_foreach(v, k, item) {
        encode(p, apr_psprintf(p, "%s[%s]", key, k), item, parts);
    }
}

static void check_message(const char *err)
{
    CHECK(*err != '\0');
    CHECK(people_utf8_valid(err, strlen(err)));
}

/* Contacts read from a form follow section 5 (checked against the
 * harness's own reading of the spec), and the profile answer shows them
 * as read. */
static void check_contacts(apr_pool_t *p, json_t *root)
{
    apr_array_header_t *list = NULL;
    const char *err = people_body_contacts(p, root, &list);
    people_profile_t prof;
    json_t *answer, *shown;
    int i;

    if (err) {
        check_message(err);
        return;
    }
    memset(&prof, 0, sizeof(prof));
    prof.id = "00000000-0000-0000-0000-000000000001";
    prof.username = "fuzz";
    prof.groups = apr_array_make(p, 1, sizeof(people_group_t));
    prof.contacts = list;
    for (i = 0; i < list->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(list, i, people_contact_t);
        const char *canon = spec_type(p, c->type, strlen(c->type));
        CHECK(canon && strcmp(canon, c->type) == 0);
        CHECK(spec_value_ok(c->value, strlen(c->value)));
    }
    answer = fuzz_envelope(p, 200, &prof, 1, "http://localhost/p");
    shown = json_object_get(json_object_get(answer, "response"), "contacts");
    CHECK(json_is_array(shown) && (int)json_array_size(shown) == list->nelts);
    for (i = 0; i < list->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(list, i, people_contact_t);
        json_t *item = json_array_get(shown, (size_t)i);
        CHECK(!strcmp(json_string_value(json_object_get(item, "type")),
                      c->type));
        CHECK(!strcmp(json_string_value(json_object_get(item, "value")),
                      c->value));
    }
    json_decref(answer);
}

static int is_date(const char *s)
{
    size_t i;
    if (strlen(s) != 28 || strcmp(s + 10, "T00:00:00.0000000Z") != 0
        || s[4] != '-' || s[7] != '-') {
        return 0;
    }
    for (i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return 0;
        }
    }
    return 1;
}

static int is_flag(const char *s)
{
    return s && (!strcmp(s, "0") || !strcmp(s, "1"));
}

/* Section 11: what a profile write may store. */
static void check_patch(apr_pool_t *p, json_t *root, int create)
{
    people_patch_t pt;
    const char *err = people_patch_parse(p, root, create, &pt), *v;
    int f;

    if (err) {
        check_message(err);
        return;
    }
    for (f = 0; f < PEOPLE_W_COUNT; f++) {
        if (!PEOPLE_PATCH_HAS(&pt, f)) {
            continue;
        }
        v = pt.value[f];
        switch (f) {
        case PEOPLE_W_FIRST_NAME:
        case PEOPLE_W_LAST_NAME:
            CHECK(v && people_field_problem(PEOPLE_FIELD_NAME, v,
                                            strlen(v)) == NULL);
            break;
        case PEOPLE_W_NOTES:
            CHECK(!v || people_field_problem(PEOPLE_FIELD_NOTES, v,
                                             strlen(v)) == NULL);
            break;
        case PEOPLE_W_BIRTHDAY:
        case PEOPLE_W_WORK_FROM:
            CHECK(!v || is_date(v));
            break;
        case PEOPLE_W_SEX:
            CHECK(!v || is_flag(v));
            break;
        case PEOPLE_W_VISITOR:
        case PEOPLE_W_DISABLE:
            CHECK(is_flag(v));
            break;
        case PEOPLE_W_LEAD:
            CHECK(!v || strcmp(people_uuid_normalise(p, v), v) == 0);
            break;
        case PEOPLE_W_EMAIL:
            CHECK(v && strchr(v, '@'));
            /* fall through: text too */
        default:
            CHECK(!v || people_field_problem(PEOPLE_FIELD_TEXT, v,
                                             strlen(v)) == NULL);
        }
    }
    if (create) {
        CHECK(PEOPLE_PATCH_HAS(&pt, PEOPLE_W_EMAIL));
        CHECK(!pt.username || (!people_username_problem(pt.username)
                                && !people_uuid_normalise(p, pt.username)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    json_t *sentinel = json_null(), *root = sentinel, *again = NULL;
    apr_array_header_t *parts;
    const char *err, *body, *k;
    json_t *v;

    err = people_form_parse(p, (const char *)data, size, FUZZ_MAX_KEYS,
                            &root);
    if (count_pairs((const char *)data, size) > FUZZ_MAX_KEYS) {
        CHECK(err != NULL);
    }
    if (err) {
        check_message(err);
        CHECK(root == sentinel);
        apr_pool_destroy(p);
        return 0;
    }
    CHECK(json_is_object(root));

    /* jQuery's encoding of the result decodes to the same object */
    parts = apr_array_make(p, 8, sizeof(const char *));
    json_object_foreach(root, k, v) {
        if (json_is_string(v)) {
            encode(p, k, v, parts);
        }
        else {
            /* nested keys start with the name, which holds no '[' or '.' */
            CHECK(strcspn(k, "[.") == strlen(k));
            encode(p, k, v, parts);
        }
    }
    body = apr_array_pstrcat(p, parts, '&');
    err = people_form_parse(p, body, strlen(body), FUZZ_MAX_KEYS, &again);
    if (err) {
        fprintf(stderr, "fuzz: re-encoded form %s refused: %s\n", body, err);
    }
    CHECK(err == NULL);
    CHECK(json_equal(root, again));

    check_contacts(p, root);
    check_patch(p, root, 0);
    check_patch(p, root, 1);
    apr_pool_destroy(p);
    return 0;
}
