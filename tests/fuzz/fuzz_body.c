/* libFuzzer harness: request-body decoding (people_body_parse), the write
 * rules (people_contacts_apply: merge, set, delete) and the profile and
 * error envelopes, against spec sections 5, 6 and 7.
 *
 * The input is a request body. When it decodes, every contact must be
 * valid (section 5); the list is then split into a stored list (made with
 * SET, as a POST would) and a body, and each write's result is compared
 * with what section 6 says it must be. When it does not decode, the 400
 * answer must name what is wrong. Any violation aborts, which libFuzzer
 * reports as a crash and saves the input. */
#include <apr_tables.h>
#include <jansson.h>

#include "tests/fuzz/fuzz_common.h"
#include "src/people_contacts.h"
#include "src/people_profile.h"

#define AT(a, i) (&APR_ARRAY_IDX((a), (i), people_contact_t))

/* ---- small helpers ---------------------------------------------------- */

static int same_pair(const people_contact_t *a, const people_contact_t *b)
{
    return strcasecmp(a->type, b->type) == 0
           && strcmp(a->value, b->value) == 0;
}

static int has_pair(const apr_array_header_t *a, const people_contact_t *c)
{
    int i;
    for (i = 0; i < a->nelts; i++) {
        if (same_pair(AT(a, i), c)) {
            return 1;
        }
    }
    return 0;
}

/* Index of the first entry of that type (case-insensitive), or -1. */
static int first_of_type(const apr_array_header_t *a, const char *type)
{
    int i;
    for (i = 0; i < a->nelts; i++) {
        if (strcasecmp(AT(a, i)->type, type) == 0) {
            return i;
        }
    }
    return -1;
}

static apr_array_header_t *slice(apr_pool_t *p, const apr_array_header_t *a,
                                 int from, int to)
{
    apr_array_header_t *s = apr_array_make(p, to - from + 1,
                                           sizeof(people_contact_t));
    int i;
    for (i = from; i < to; i++) {
        *(people_contact_t *)apr_array_push(s) = *AT(a, i);
    }
    return s;
}

/* A deep copy, to prove later that an input was not changed: the entries
 * (pointers) and the bytes they point at. */
typedef struct {
    const apr_array_header_t *arr;
    int nelts;
    people_contact_t *ptrs;
    people_contact_t *bytes;
} snapshot_t;

static snapshot_t snap(apr_pool_t *p, const apr_array_header_t *a)
{
    snapshot_t s;
    int i;

    s.arr = a;
    s.nelts = a->nelts;
    s.ptrs = apr_pcalloc(p, sizeof(people_contact_t) * (a->nelts + 1));
    s.bytes = apr_pcalloc(p, sizeof(people_contact_t) * (a->nelts + 1));
    for (i = 0; i < a->nelts; i++) {
        s.ptrs[i] = *AT(a, i);
        s.bytes[i].type = apr_pstrdup(p, AT(a, i)->type);
        s.bytes[i].value = apr_pstrdup(p, AT(a, i)->value);
    }
    return s;
}

static void check_unchanged(const snapshot_t *s)
{
    int i;
    CHECK(s->arr->nelts == s->nelts);
    for (i = 0; i < s->nelts; i++) {
        CHECK(AT(s->arr, i)->type == s->ptrs[i].type);
        CHECK(AT(s->arr, i)->value == s->ptrs[i].value);
        CHECK(strcmp(AT(s->arr, i)->type, s->bytes[i].type) == 0);
        CHECK(strcmp(AT(s->arr, i)->value, s->bytes[i].value) == 0);
    }
}

/* Section 5: a decoded contact has a valid type, in its stored spelling,
 * and a valid value ("" for null). */
static void check_contact(apr_pool_t *p, const people_contact_t *c)
{
    const char *canon;
    size_t len;

    CHECK(c->type != NULL);
    CHECK(c->value != NULL);
    canon = people_type_canon(p, c->type);
    CHECK(canon != NULL);
    CHECK(strcmp(canon, c->type) == 0);
    len = strlen(c->value);
    CHECK(len <= PEOPLE_VALUE_MAX);
    CHECK(people_value_problem(c->value, len) == NULL);
}

/* What every write's result must be: valid contacts, no empty value, no
 * identical type+value pair twice, one spelling per type. */
static void check_list(apr_pool_t *p, const apr_array_header_t *a)
{
    int i, j;
    for (i = 0; i < a->nelts; i++) {
        const people_contact_t *c = AT(a, i);
        check_contact(p, c);
        CHECK(*c->value != '\0');
        for (j = 0; j < i; j++) {
            CHECK(!same_pair(AT(a, j), c));
            if (strcasecmp(AT(a, j)->type, c->type) == 0) {
                CHECK(strcmp(AT(a, j)->type, c->type) == 0);
            }
        }
    }
}

/* Same entries, types compared case-insensitively, values exactly. */
static void check_same(const apr_array_header_t *got,
                       const apr_array_header_t *want)
{
    int i;
    CHECK(got->nelts == want->nelts);
    for (i = 0; i < got->nelts; i++) {
        CHECK(same_pair(AT(got, i), AT(want, i)));
    }
}

/* ---- section 5, written out plainly ------------------------------------ */

/* The member whose key is name, ignoring case; *ambiguous when two are. */
static json_t *member_ci(json_t *obj, const char *name, int *ambiguous)
{
    void *it;
    json_t *found = NULL;

    *ambiguous = 0;
    for (it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        if (strcasecmp(json_object_iter_key(it), name) == 0) {
            if (found) {
                *ambiguous = 1;
            }
            found = json_object_iter_value(it);
        }
    }
    return *ambiguous ? NULL : found;
}

static int spec_item(apr_pool_t *p, json_t *item, people_contact_t *out)
{
    json_t *type, *value;
    int amb;

    if (!json_is_object(item)) {
        return 0;
    }
    value = member_ci(item, "value", &amb);
    if (amb) {
        return 0;
    }
    if (json_is_object(value)) {
        /* the seed's nested form: the item is the inner object */
        item = value;
        value = member_ci(item, "value", &amb);
        if (amb) {
            return 0;
        }
    }
    type = member_ci(item, "type", &amb);
    if (amb || !json_is_string(type)) {
        return 0;
    }
    out->type = spec_type(p, json_string_value(type),
                          json_string_length(type));
    if (!out->type) {
        return 0;
    }
    if (!value || json_is_null(value)) {
        out->value = "";
        return 1;
    }
    if (!json_is_string(value)
        || !spec_value_ok(json_string_value(value),
                          json_string_length(value))) {
        return 0;
    }
    out->value = apr_pstrmemdup(p, json_string_value(value),
                                json_string_length(value));
    return 1;
}

/* The contacts a body holds, or NULL when it must be refused. Duplicate
 * keys (exact, or differing only in case) make a body ambiguous. */
static apr_array_header_t *spec_decode(apr_pool_t *p, const uint8_t *data,
                                       size_t size)
{
    json_error_t jerr;
    json_t *root, *contacts;
    apr_array_header_t *out = NULL;
    size_t i, n;
    int amb;

    root = json_loadb((const char *)data, size,
                      JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    contacts = member_ci(root, "contacts", &amb);
    if (json_is_object(contacts)) {
        out = apr_array_make(p, 1, sizeof(people_contact_t));
        if (!spec_item(p, contacts, apr_array_push(out))) {
            out = NULL;
        }
    }
    else if (json_is_array(contacts)) {
        n = json_array_size(contacts);
        out = apr_array_make(p, (int)n + 1, sizeof(people_contact_t));
        for (i = 0; i < n && out; i++) {
            if (!spec_item(p, json_array_get(contacts, i),
                           apr_array_push(out))) {
                out = NULL;
            }
        }
    }
    json_decref(root);
    return out;
}

/* ---- the rules of section 6, written out plainly ----------------------- */

/* Appends body's non-empty entries of one type, each pair once. */
static void want_type(apr_array_header_t *out, const apr_array_header_t *body,
                      const char *type)
{
    int i;
    for (i = 0; i < body->nelts; i++) {
        const people_contact_t *c = AT(body, i);
        if (strcasecmp(c->type, type) == 0 && *c->value
            && !has_pair(out, c)) {
            *(people_contact_t *)apr_array_push(out) = *c;
        }
    }
}

/* POST: the body's list in body order, empty values left out. */
static apr_array_header_t *want_set(apr_pool_t *p,
                                    const apr_array_header_t *body)
{
    apr_array_header_t *out = apr_array_make(p, body->nelts + 1,
                                             sizeof(people_contact_t));
    int i;
    for (i = 0; i < body->nelts; i++) {
        const people_contact_t *c = AT(body, i);
        if (*c->value && !has_pair(out, c)) {
            *(people_contact_t *)apr_array_push(out) = *c;
        }
    }
    return out;
}

/* PUT: each type the body names replaces the stored entries of that type
 * at the place of the first stored one; new types are appended in body
 * order; other types are untouched. */
static apr_array_header_t *want_merge(apr_pool_t *p,
                                      const apr_array_header_t *stored,
                                      const apr_array_header_t *body)
{
    apr_array_header_t *out = apr_array_make(p, stored->nelts + body->nelts
                                             + 1, sizeof(people_contact_t));
    int i;
    for (i = 0; i < stored->nelts; i++) {
        const people_contact_t *c = AT(stored, i);
        if (first_of_type(body, c->type) < 0) {
            *(people_contact_t *)apr_array_push(out) = *c;
        }
        else if (first_of_type(stored, c->type) == i) {
            want_type(out, body, c->type);
        }
    }
    for (i = 0; i < body->nelts; i++) {
        const people_contact_t *c = AT(body, i);
        if (first_of_type(stored, c->type) < 0
            && first_of_type(body, c->type) == i) {
            want_type(out, body, c->type);
        }
    }
    return out;
}

/* DELETE: a body item removes the stored entries of its type, or only the
 * one with exactly its value when it has one. */
static apr_array_header_t *want_delete(apr_pool_t *p,
                                       const apr_array_header_t *stored,
                                       const apr_array_header_t *body)
{
    apr_array_header_t *out = apr_array_make(p, stored->nelts + 1,
                                             sizeof(people_contact_t));
    int i, j;
    for (i = 0; i < stored->nelts; i++) {
        const people_contact_t *c = AT(stored, i);
        int drop = 0;
        for (j = 0; j < body->nelts; j++) {
            const people_contact_t *d = AT(body, j);
            if (strcasecmp(c->type, d->type) == 0
                && (!*d->value || strcmp(c->value, d->value) == 0)) {
                drop = 1;
            }
        }
        if (!drop) {
            *(people_contact_t *)apr_array_push(out) = *c;
        }
    }
    return out;
}

/* ---- the answer envelopes (section 7) ---------------------------------- */

/* The contacts array of a profile as the client sees it. */
static void check_contacts_json(json_t *resp, const apr_array_header_t *contacts,
                                int full)
{
    json_t *arr;
    size_t i;

    CHECK(json_is_object(resp));
    arr = json_object_get(resp, "contacts");
    CHECK(json_is_array(arr));
    if (!full) {
        CHECK(json_array_size(arr) == 0);
        CHECK(json_is_null(json_object_get(resp, "email")));
        return;
    }
    CHECK(json_array_size(arr) == (size_t)contacts->nelts);
    CHECK(json_is_string(json_object_get(resp, "email")));
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *item = json_array_get(arr, i);
        json_t *t = json_object_get(item, "type");
        json_t *v = json_object_get(item, "value");
        const people_contact_t *c = AT(contacts, (int)i);
        CHECK(json_object_size(item) == 2);
        CHECK(json_is_string(t) && json_is_string(v));
        CHECK(strcmp(json_string_value(t), c->type) == 0);
        CHECK(json_string_length(v) == strlen(c->value));
        CHECK(strcmp(json_string_value(v), c->value) == 0);
    }
}

/* Section 7: the profile answer is JSON that holds the contacts as given,
 * in order; people_profile_json is the same text, parsed. */
static void check_profile(apr_pool_t *p, const apr_array_header_t *contacts,
                          int full)
{
    people_profile_t prof;
    json_t *root;
    int code = full ? 200 : 201;

    memset(&prof, 0, sizeof(prof));
    prof.id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    prof.username = "fuzz";
    prof.first_name = "F\xc3\xbcz";
    prof.email = "fuzz@example.com";
    prof.sex = -1;
    prof.status = 1;
    prof.contacts = (apr_array_header_t *)contacts;

    root = fuzz_envelope(p, code, &prof, full, "http://example.com/fuzz");
    CHECK(json_object_size(root) == 4);
    CHECK(json_integer_value(json_object_get(root, "count")) == 1);
    CHECK(json_integer_value(json_object_get(root, "status")) == 0);
    CHECK(json_integer_value(json_object_get(root, "statusCode")) == code);
    check_contacts_json(json_object_get(root, "response"), contacts, full);
    json_decref(root);

    /* released with the pool */
    check_contacts_json(people_profile_json(p, &prof, full,
                                            "http://example.com/fuzz"),
                        contacts, full);
}

/* A 400 answer must be valid JSON naming what is wrong. */
static void check_error(apr_pool_t *p, const char *message)
{
    json_t *root, *err, *msg;
    json_error_t jerr;
    size_t len = 0;
    const char *out = people_envelope_error(p, 400, message, &len);

    CHECK(out != NULL);
    CHECK(strlen(out) == len);
    root = json_loadb(out, len, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(root != NULL);
    CHECK(json_integer_value(json_object_get(root, "status")) == 1);
    CHECK(json_integer_value(json_object_get(root, "statusCode")) == 400);
    err = json_object_get(root, "error");
    CHECK(json_is_object(err));
    msg = json_object_get(err, "message");
    /* The message as the client sees it: a string that names the fault. */
    if (!json_is_string(msg)) {
        fprintf(stderr, "fuzz: the 400 answer's message is not a "
                "string; people_body_parse returned \"%s\"\n", message);
    }
    CHECK(json_is_string(msg));
    CHECK(json_string_length(msg) > 0);
    /* as given, when it is text (a fix may mend what is not) */
    if (spec_utf8(message, strlen(message), 1)) {
        CHECK(strcmp(json_string_value(msg), message) == 0);
    }
    json_decref(root);
}

/* ---- one stored list and one body through all three writes ------------ */

static void run_ops(apr_pool_t *p, const apr_array_header_t *stored_src,
                    const apr_array_header_t *body)
{
    apr_array_header_t *none = apr_array_make(p, 1, sizeof(people_contact_t));
    apr_array_header_t *stored, *res, *want;
    snapshot_t s_none, s_src, s_stored, s_body;
    int op, i, j;

    /* The stored list, as a POST of stored_src would leave it. */
    s_none = snap(p, none);
    s_src = snap(p, stored_src);
    stored = people_contacts_apply(p, PEOPLE_OP_SET, none, stored_src);
    CHECK(stored != NULL && stored != stored_src && stored != none);
    check_unchanged(&s_none);
    check_unchanged(&s_src);
    check_list(p, stored);
    check_same(stored, want_set(p, stored_src));

    s_stored = snap(p, stored);
    s_body = snap(p, body);

    for (op = PEOPLE_OP_MERGE; op <= PEOPLE_OP_DELETE; op++) {
        res = people_contacts_apply(p, (people_op_e)op, stored, body);
        CHECK(res != NULL && res != stored && res != body);
        check_unchanged(&s_stored);
        check_unchanged(&s_body);
        check_list(p, res);

        switch (op) {
        case PEOPLE_OP_MERGE: {
            int k = 0;
            want = want_merge(p, stored, body);
            /* Stored types the body does not name: the same entries, in
             * the same relative order, in the same spelling. */
            for (i = 0; i < res->nelts; i++) {
                if (first_of_type(body, AT(res, i)->type) < 0) {
                    while (k < stored->nelts
                           && first_of_type(body, AT(stored, k)->type) >= 0) {
                        k++;
                    }
                    CHECK(k < stored->nelts);
                    CHECK(strcmp(AT(res, i)->type, AT(stored, k)->type) == 0);
                    CHECK(strcmp(AT(res, i)->value, AT(stored, k)->value)
                          == 0);
                    k++;
                }
            }
            for (; k < stored->nelts; k++) {
                CHECK(first_of_type(body, AT(stored, k)->type) >= 0);
            }
            /* A stored type keeps its stored spelling. */
            for (i = 0; i < res->nelts; i++) {
                j = first_of_type(stored, AT(res, i)->type);
                if (j >= 0) {
                    CHECK(strcmp(AT(res, i)->type, AT(stored, j)->type) == 0);
                }
            }
            break;
        }
        case PEOPLE_OP_SET:
            want = want_set(p, body);
            /* Only pairs from the body. */
            for (i = 0; i < res->nelts; i++) {
                CHECK(has_pair(body, AT(res, i)));
            }
            break;
        default:
            want = want_delete(p, stored, body);
            /* A subsequence of the stored list. */
            for (i = 0, j = 0; i < res->nelts; i++, j++) {
                while (j < stored->nelts
                       && !(AT(stored, j)->type == AT(res, i)->type
                            && AT(stored, j)->value == AT(res, i)->value)) {
                    j++;
                }
                CHECK(j < stored->nelts);
            }
            break;
        }
        check_same(res, want);
        check_profile(p, res, 1);
    }
}

/* ---- libFuzzer entry points -------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_array_header_t *list, *sentinel, *want;
    const char *err;
    int i, n;

    p = fuzz_pool();
    sentinel = apr_array_make(p, 1, sizeof(people_contact_t));
    list = sentinel;

    err = people_body_parse(p, (const char *)data, size, &list);
    want = spec_decode(p, data, size);
    if (err && want) {
        fprintf(stderr, "fuzz: a body section 5 accepts was refused: %s\n",
                err);
    }
    CHECK(!err == !!want);
    if (err) {
        /* *out untouched, and a message for the 400 answer */
        CHECK(list == sentinel);
        CHECK(*err != '\0');
        check_error(p, err);
        apr_pool_destroy(p);
        return 0;
    }
    CHECK(list != NULL && list != sentinel);
    CHECK(list->nelts == want->nelts);
    for (i = 0; i < list->nelts; i++) {
        check_contact(p, AT(list, i));
        CHECK(strcmp(AT(list, i)->type, AT(want, i)->type) == 0);
        CHECK(strcmp(AT(list, i)->value, AT(want, i)->value) == 0);
    }

    n = list->nelts;
    /* first half stored, second half the body; the other way round; and the
     * whole list both stored and body (every type named, every pair held) */
    run_ops(p, slice(p, list, 0, n / 2), slice(p, list, n / 2, n));
    run_ops(p, slice(p, list, n / 2, n), slice(p, list, 0, n / 2));
    run_ops(p, list, list);
    /* a profile that is not the caller's: no contacts, no email */
    check_profile(p, list, 0);

    apr_pool_destroy(p);
    return 0;
}
