/* libFuzzer harness: the directory's parsers and encoder (spec section 9):
 * people_route_parse on a path, people_dir_parse on a query string,
 * people_fold and people_like_escape on the words, and
 * people_list_envelope with the parsed projection.
 *
 * The input is cut at its first NUL and split at its first newline: the
 * path before, the query string after. */
#include <jansson.h>

#include "tests/fuzz/fuzz_common.h"
#include "src/people_contacts.h"
#include "src/people_directory.h"
#include "src/people_fields.h"
#include "src/people_route.h"

static int has_space(const char *s)
{
    return strchr(s, ' ') || strchr(s, '\t');
}

/* Unescaping people_like_escape's output gives the input back, and no
 * unescaped % or _ is left. */
static void check_escape(apr_pool_t *p, const char *s)
{
    const char *e = people_like_escape(p, s);
    char *back = apr_palloc(p, strlen(e) + 1), *o = back;
    for (; *e; e++) {
        if (*e == '\\') {
            e++;
            CHECK(*e == '\\' || *e == '%' || *e == '_');
        }
        else {
            CHECK(*e != '%' && *e != '_');
        }
        *o++ = *e;
    }
    *o = '\0';
    CHECK(strcmp(back, s) == 0);
}

static void check_fold(apr_pool_t *p, const char *s)
{
    const char *f = people_fold(p, s);
    size_t n = strlen(s);
    CHECK(strlen(f) <= n);
    if (people_utf8_valid(s, n)) {
        CHECK(people_utf8_valid(f, strlen(f)));
        /* folding is idempotent */
        CHECK(strcmp(people_fold(p, f), f) == 0);
    }
}

static void check_query(apr_pool_t *p, people_dir_route_e route,
                        const char *args, const char *seg)
{
    people_dir_query_t q;
    const char *bad = people_dir_parse(p, route, args, seg, &q);
    int i;

    if (bad) {
        /* a message for a JSON answer and the log: clean text */
        CHECK(*bad && spec_value_ok(bad, strlen(bad)));
        return;
    }
    CHECK(q.count >= 0 && q.count <= PEOPLE_DIR_COUNT_MAX);
    CHECK(q.start >= 0 && q.start <= 2147483647);
    CHECK(q.sort_by >= 0 && q.sort_by < PEOPLE_KEY_COUNT);
    CHECK(q.nwords >= 0 && q.nwords <= PEOPLE_DIR_WORDS);
    CHECK(q.fields & PEOPLE_FIELD(PEOPLE_F_ID));
    CHECK(q.status == 0 || q.status == 1 || q.status == 2 || q.status == 4);
    CHECK(q.activation >= -1 && q.activation <= 3);
    CHECK(q.visitor >= -1 && q.visitor <= 1);
    CHECK(q.filter_by >= -1 && q.filter_by < PEOPLE_KEY_COUNT);
    CHECK(!q.phrase || q.filter_by >= 0);
    for (i = 0; i < q.nwords; i++) {
        CHECK(*q.words[i] && !has_space(q.words[i]));
        CHECK(people_utf8_valid(q.words[i], strlen(q.words[i])));
        CHECK(strcmp(people_fold(p, q.words[i]), q.words[i]) == 0);
        check_escape(p, q.words[i]);
    }
    CHECK(!q.group_id || strlen(q.group_id) == 36);
    CHECK(route != PEOPLE_DIR_EMAIL || (q.email && *q.email));
}

static void check_envelope(apr_pool_t *p, people_fields_t fields,
                           const char *text)
{
    people_profile_t u;
    people_item_t item = {&u, 1, text};
    json_t *j;
    size_t len;
    char *s;

    memset(&u, 0, sizeof(u));
    u.id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    u.first_name = u.title = u.email = text;
    s = people_list_envelope(p, &item, 1, 0, 2, fields, &len);
    j = json_loadb(s, len, 0, NULL);
    CHECK(j != NULL);
    CHECK(json_integer_value(json_object_get(j, "nextIndex")) == 1);
    CHECK(json_array_size(json_object_get(j, "response")) == 1);
    json_decref(j);
    /* /email answers one profile: for a caller who may not see it, the
     * email is null and the contacts empty, whatever they hold */
    if (spec_type(p, text, strlen(text))) {
        people_contact_t c = {text, text};
        apr_array_header_t *a = apr_array_make(p, 1, sizeof(c));
        *(people_contact_t *)apr_array_push(a) = c;
        u.contacts = a;
    }
    j = fuzz_envelope(p, 200, &u, 0, text);
    CHECK(json_is_null(json_object_get(json_object_get(j, "response"),
                                       "email")));
    CHECK(json_array_size(json_object_get(json_object_get(j, "response"),
                                          "contacts")) == 0);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *in = apr_pstrmemdup(p, (const char *)data, size);
    char *nl = strchr(in, '\n');
    const char *path = in, *args = NULL, *seg = NULL;
    people_dir_route_e route = PEOPLE_DIR_LIST;
    people_dir_query_t q;
    people_route_t r;

    if (nl) {
        *nl = '\0';
        args = nl + 1;
    }
    r = people_route_parse(p, path);
    switch (r.resource) {
    case PEOPLE_RES_STATUS:
        route = PEOPLE_DIR_STATUS;
        break;
    case PEOPLE_RES_FILTER:
        route = PEOPLE_DIR_FILTER;
        break;
    case PEOPLE_RES_SIMPLE_FILTER:
        route = PEOPLE_DIR_SIMPLE;
        break;
    case PEOPLE_RES_SEARCH:
    case PEOPLE_RES_AT_SEARCH:
        route = PEOPLE_DIR_SEARCH;
        break;
    case PEOPLE_RES_EMAIL:
        route = PEOPLE_DIR_EMAIL;
        break;
    default:
        break;
    }
    seg = r.arg;
    check_query(p, route, args, seg);
    check_query(p, PEOPLE_DIR_FILTER, args, NULL);
    check_fold(p, in);
    check_escape(p, in);
    (void)people_username_problem(path);
    if (!people_dir_parse(p, PEOPLE_DIR_LIST, args, NULL, &q)) {
        check_envelope(p, q.fields, args ? args : "");
    }
    apr_pool_destroy(p);
    return 0;
}
