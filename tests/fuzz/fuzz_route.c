/* libFuzzer harness: the string parsers of the request line and headers:
 * routing (people_route_parse, people_uuid_normalise, people_name_key),
 * the token (people_token_from_headers, people_token_hash), entity-tag
 * lists (people_etag_listed), and the contact type and value checks
 * (people_type_canon, people_value_problem, people_utf8_valid), and the
 * JSON encoder of the answers (people_profile_envelope, people_envelope_error,
 * people_profile_url) with the input as stored text, against spec sections
 * 3, 4, 5 and 7.
 *
 * The input is cut at its first NUL and used as a path, a header value
 * and so on. For the token it is also split at its first newline: the
 * Authorization header before, the Cookie header after. The value check
 * sees the whole input, NULs included. */
#include <apr_lib.h>
#include <apr_tables.h>
#include <jansson.h>

#include "tests/fuzz/fuzz_common.h"
#include "tests/profile_keys.h"
#include "src/people_contacts.h"
#include "src/people_profile.h"
#include "src/people_route.h"
#include "src/people_token.h"

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A UUID as the API answers it: 36 characters, lowercase hex in 8-4-4-4-12. */
static void check_uuid(const char *u)
{
    size_t i;
    CHECK(strlen(u) == 36);
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            CHECK(u[i] == '-');
        }
        else {
            CHECK(is_lower_hex(u[i]));
        }
    }
}

static void check_uuid_normalise(apr_pool_t *p, const char *s)
{
    const char *u = people_uuid_normalise(p, s);
    size_t n = strlen(s);
    size_t i, off;

    if (!u) {
        return;
    }
    check_uuid(u);
    /* its own output is a UUID already in normal form */
    CHECK(strcmp(people_uuid_normalise(p, u), u) == 0);
    /* and the input was it, in any case, braces optional */
    CHECK(n == 36 || (n == 38 && s[0] == '{' && s[37] == '}'));
    off = n == 38;
    for (i = 0; i < 36; i++) {
        CHECK(apr_tolower(s[off + i]) == u[i]);
    }
}

static void check_name_key(apr_pool_t *p, const char *s)
{
    const char *k = people_name_key(p, s);
    size_t i, n = strlen(s);

    CHECK(strlen(k) == n);
    for (i = 0; i < n; i++) {
        CHECK(!(k[i] >= 'A' && k[i] <= 'Z'));
        CHECK(k[i] == s[i] || (s[i] >= 'A' && s[i] <= 'Z'
                               && k[i] == s[i] + ('a' - 'A')));
    }
    CHECK(strcmp(people_name_key(p, k), k) == 0);
}

/* Section 3, written out again independently of src/people_route.c: the
 * directory's literal segments (any letter case) and anything starting
 * with '@' but @self are routes, never users; any route may end in
 * ".json". */
static int spec_literal(const char *seg)
{
    static const char *const lit[] = {"status", "filter", "simple", "search",
                                      "email"};
    size_t i;
    if (seg[0] == '@') {
        return strcasecmp(seg, "@self") != 0;
    }
    for (i = 0; i < sizeof(lit) / sizeof(lit[0]); i++) {
        if (strcasecmp(seg, lit[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static people_resource_e spec_resource(apr_pool_t *p, const char *path,
                                       const char **user, const char **arg)
{
    char *rest, *a, *b, *slash;
    size_t n;

    *user = *arg = NULL;
    if (path[0] != '/' && path[0] != '\0') {
        return PEOPLE_RES_NONE;
    }
    rest = apr_pstrdup(p, path[0] ? path + 1 : path);
    n = strlen(rest);
    if (n > 5 && strcmp(rest + n - 5, ".json") == 0) {
        rest[n - 5] = '\0';
    }
    if (!*rest) {
        return PEOPLE_RES_LIST;
    }
    a = rest;
    if (!(slash = strchr(a, '/'))) {
        if (!strcasecmp(a, "filter")) return PEOPLE_RES_FILTER;
        if (!strcasecmp(a, "search")) return PEOPLE_RES_SEARCH;
        if (!strcasecmp(a, "email")) return PEOPLE_RES_EMAIL;
        *user = a;
        return spec_literal(a) ? PEOPLE_RES_NONE : PEOPLE_RES_PROFILE;
    }
    *slash = '\0';
    b = slash + 1;
    if (strchr(b, '/') || !*a || !*b) {
        return PEOPLE_RES_NONE;
    }
    *arg = b;
    if (!strcasecmp(a, "status")) return PEOPLE_RES_STATUS;
    if (!strcasecmp(a, "@search")) return PEOPLE_RES_AT_SEARCH;
    *arg = NULL;
    if (!strcasecmp(a, "simple")) {
        return strcasecmp(b, "filter") ? PEOPLE_RES_NONE
                                       : PEOPLE_RES_SIMPLE_FILTER;
    }
    *user = a;
    return !strcasecmp(b, "contacts") && !spec_literal(a)
           ? PEOPLE_RES_CONTACTS : PEOPLE_RES_NONE;
}

static void check_route(apr_pool_t *p, const char *path)
{
    people_route_t r = people_route_parse(p, path);
    const char *user, *arg;
    people_resource_e want = spec_resource(p, path, &user, &arg);

    CHECK(r.resource == want);
    if (want != PEOPLE_RES_STATUS && want != PEOPLE_RES_AT_SEARCH) {
        CHECK(r.arg == NULL);
    }
    else {
        CHECK(r.arg && strcmp(r.arg, arg) == 0);
    }
    /* every path has an operation for OPTIONS, and an Allow list */
    CHECK(people_route_operation(r.resource, "OPTIONS") == PEOPLE_DO_OPTIONS);
    CHECK(strstr(people_route_allow(p, r.resource, ~(people_do_set_t)0),
                 "OPTIONS") != NULL);
    if (want != PEOPLE_RES_PROFILE && want != PEOPLE_RES_CONTACTS) {
        if (want != PEOPLE_RES_NONE) {
            CHECK(r.user == NULL);
        }
        return;
    }
    switch (r.kind) {
    case PEOPLE_USER_SELF:
        CHECK(r.user == NULL);
        CHECK(strcasecmp(user, "@self") == 0);
        break;
    case PEOPLE_USER_ID:
        CHECK(r.user != NULL);
        check_uuid(r.user);
        CHECK(strcmp(people_uuid_normalise(p, user), r.user) == 0);
        break;
    case PEOPLE_USER_NAME:
        CHECK(r.user != NULL);
        CHECK(*r.user != '\0');
        CHECK(strchr(r.user, '/') == NULL);
        CHECK(strcasecmp(user, "@self") != 0);
        CHECK(people_uuid_normalise(p, user) == NULL);
        CHECK(strcmp(r.user, people_name_key(p, user)) == 0);
        break;
    default:
        CHECK(!"unknown user kind");
    }
}

/* A token is a non-empty run of visible ASCII, taken from one of the
 * headers; its hash is 64 lowercase hex digits. */
static void check_token(apr_pool_t *p, const char *tok, const char *auth,
                        const char *cookie)
{
    const char *c, *h;

    if (!tok) {
        return;
    }
    CHECK(*tok != '\0');
    for (c = tok; *c; c++) {
        CHECK(*c > 0x20 && *c < 0x7f);
    }
    CHECK((auth && strstr(auth, tok)) || (cookie && strstr(cookie, tok)));
    h = people_token_hash(p, tok);
    CHECK(h != NULL && strlen(h) == 64);
    for (c = h; *c; c++) {
        CHECK(is_lower_hex(*c));
    }
}

static int all_visible(const char *s)
{
    for (; *s; s++) {
        if (!(*s > 0x20 && *s < 0x7f)) {
            return 0;
        }
    }
    return 1;
}

/* Section 4: "Authorization: <token>", "Authorization: Bearer <token>", or
 * the cookie asc_auth_key. */
static void check_tokens(apr_pool_t *p, const char *s)
{
    const char *nl = strchr(s, '\n');
    const char *auth = nl ? apr_pstrmemdup(p, s, (apr_size_t)(nl - s)) : s;
    const char *cookie = nl ? nl + 1 : s;
    const char *tok;

    check_token(p, people_token_from_headers(p, auth, cookie), auth, cookie);
    check_token(p, people_token_from_headers(p, s, NULL), s, NULL);
    check_token(p, people_token_from_headers(p, NULL, s), NULL, s);
    CHECK(people_token_from_headers(p, NULL, NULL) == NULL);

    if (*s && all_visible(s)) {
        /* the seed's form: the header is the token (unless it is the bare
         * word Bearer, which names no token) */
        tok = people_token_from_headers(p, s, NULL);
        if (strcasecmp(s, "Bearer") == 0) {
            CHECK(tok == NULL);
        }
        else {
            CHECK(tok && strcmp(tok, s) == 0);
        }
        tok = people_token_from_headers(p, apr_pstrcat(p, "bEaReR ", s, NULL),
                                        NULL);
        CHECK(tok && strcmp(tok, s) == 0);
        if (!strchr(s, ';')) {
            tok = people_token_from_headers(
                p, NULL, apr_pstrcat(p, "lang=en; asc_auth_key=", s,
                                     "; x=1", NULL));
            CHECK(tok && strcmp(tok, s) == 0);
            /* an empty Authorization header falls back to the cookie */
            tok = people_token_from_headers(
                p, " ", apr_pstrcat(p, "asc_auth_key=", s, NULL));
            CHECK(tok && strcmp(tok, s) == 0);
        }
    }
}

/* If-Match / If-None-Match lists. */
static void check_etags(apr_pool_t *p, const char *s)
{
    people_profile_t prof;
    const char *etags[2];
    int i, strong, weak;

    memset(&prof, 0, sizeof(prof));
    prof.id = people_uuid_normalise(p, s);
    if (!prof.id) {
        prof.id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    }
    prof.version = (apr_int64_t)strlen(s);
    etags[0] = people_etag(p, &prof, 1);
    etags[1] = people_etag(p, &prof, 0);

    for (i = 0; i < 2; i++) {
        const char *e = etags[i];
        strong = people_etag_listed(s, e, 1);
        weak = people_etag_listed(s, e, 0);
        CHECK(strong == 0 || strong == 1);
        CHECK(weak == 0 || weak == 1);
        CHECK(!strong || weak);         /* a strong match is a weak one */
        /* a list that starts with the tag names it, whatever follows */
        CHECK(people_etag_listed(apr_pstrcat(p, e, ", ", s, NULL), e, 1));
        CHECK(people_etag_listed(apr_pstrcat(p, "W/", e, ",", s, NULL), e,
                                 0));
        /* as do lists that end with it after well-formed tags */
        CHECK(people_etag_listed(apr_pstrcat(p, "\"x\", W/\"y\", ", e, NULL),
                                 e, 1));
    }
    /* the header's own text as the tag (not a tag the module makes, but a
     * string all the same) */
    strong = people_etag_listed(s, s, 1);
    weak = people_etag_listed(s, s, 0);
    CHECK(!strong || weak);
}

/* Section 5's type and value rules, compared with the ones written out in
 * fuzz_common.h. */
static void check_type_value(apr_pool_t *p, const uint8_t *data, size_t size,
                             const char *s)
{
    const char *canon = people_type_canon(p, s);
    const char *want = spec_type(p, s, strlen(s));
    const char *problem;

    CHECK(!canon == !want);
    if (canon) {
        CHECK(strcmp(canon, want) == 0);
        CHECK(strcmp(people_type_canon(p, canon), canon) == 0);
    }
    problem = people_value_problem((const char *)data, size);
    if ((problem == NULL) != spec_value_ok((const char *)data, size)) {
        fprintf(stderr, "fuzz: people_value_problem says \"%s\" on %zu bytes"
                "\n", problem ? problem : "(valid)", size);
    }
    CHECK((problem == NULL) == spec_value_ok((const char *)data, size));
    CHECK(!people_utf8_valid((const char *)data, size)
          == !spec_utf8((const char *)data, size, 1));
}

/* ---- the answers' JSON (section 7) -------------------------------------- */

/* A stored string as answered: itself when it is UTF-8, else null. */
static void check_str(json_t *obj, const char *key, const char *want)
{
    json_t *v = json_object_get(obj, key);

    if (!want || !spec_utf8(want, strlen(want), 1)) {
        CHECK(json_is_null(v));
        return;
    }
    if (!json_is_string(v)) {
        fprintf(stderr, "fuzz: \"%s\" is not answered as a string\n", key);
    }
    CHECK(json_is_string(v));
    CHECK(json_string_length(v) == strlen(want));
    CHECK(strcmp(json_string_value(v), want) == 0);
}

static apr_int64_t int_from(const uint8_t *data, size_t size, size_t at)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < 8; i++) {
        v = (v << 8) | (at + i < size ? data[at + i] : 0);
    }
    return (apr_int64_t)v;
}

/* Every string field of a profile holds the input text (as a database row
 * might hold any bytes); the answer must be JSON with each field as
 * stored, or null where it is not UTF-8. */
static void check_encoder(apr_pool_t *p, const uint8_t *data, size_t size,
                          const char *s)
{
    people_profile_t prof;
    people_group_t *g;
    people_contact_t *c;
    json_t *root, *resp, *arr;
    json_error_t jerr;
    const char *out, *url, *display;
    size_t len = 0, n = strlen(s), i;
    int full;

    memset(&prof, 0, sizeof(prof));
    prof.id = s;
    prof.username = s;
    prof.first_name = s;
    prof.last_name = n % 2 ? "L\xc3\xa9" : NULL;
    prof.email = s;
    prof.birthday = s;
    prof.sex = (int)(n % 3) - 1;
    prof.status = (int)int_from(data, size, 0);
    prof.activation_status = (int)int_from(data, size, 4);
    prof.terminated = s;
    prof.department = s;
    prof.work_from = s;
    prof.location = s;
    prof.notes = s;
    prof.title = s;
    prof.lead = s;
    prof.avatar_small = s;
    prof.avatar_medium = n % 2 ? NULL : s;
    prof.culture_name = s;
    prof.quota_limit = int_from(data, size, 0);
    prof.used_space = int_from(data, size, 8);
    prof.docs_space = int_from(data, size, 3);
    prof.mail_space = APR_INT64_MIN;
    prof.talk_space = APR_INT64_MAX;
    prof.is_admin = n % 2;
    prof.groups = apr_array_make(p, 2, sizeof(people_group_t));
    g = apr_array_push(prof.groups);
    g->id = s; g->name = s; g->manager = NULL;
    g = apr_array_push(prof.groups);
    g->id = "g"; g->name = s; g->manager = s;
    prof.contacts = apr_array_make(p, 2, sizeof(people_contact_t));
    c = apr_array_push(prof.contacts);
    c->type = s; c->value = s;
    c = apr_array_push(prof.contacts);
    c->type = "mail"; c->value = "";

    url = people_profile_url(p, "https://example.com/u/{userName}?id={id}{",
                             &prof);
    /* {userName} is percent-encoded: only unreserved characters and %XX */
    {
        const char *u = url + strlen("https://example.com/u/");
        size_t k = 0;
        CHECK(strncmp(url, "https://example.com/u/", 22) == 0);
        for (i = 0; i < n; i++) {
            unsigned char b = (unsigned char)s[i];
            if (apr_isalnum(b) || b == '-' || b == '.' || b == '_'
                || b == '~') {
                CHECK(u[k] == (char)b);
                k++;
            }
            else {
                CHECK(u[k] == '%');
                CHECK(strchr("0123456789ABCDEF", u[k + 1]) && u[k + 1]);
                CHECK(strchr("0123456789ABCDEF", u[k + 2]) && u[k + 2]);
                CHECK(strtol(apr_pstrmemdup(p, u + k + 1, 2), NULL, 16)
                      == b);
                k += 3;
            }
        }
        CHECK(strcmp(u + k, apr_pstrcat(p, "?id=", s, "{", NULL)) == 0);
    }
    /* a template without braces is itself */
    if (!strchr(s, '{')) {
        CHECK(strcmp(people_profile_url(p, s, &prof), s) == 0);
    }
    else {
        CHECK(people_profile_url(p, s, &prof) != NULL);
    }

    for (full = 0; full <= 1; full++) {
        root = fuzz_envelope(p, 200, &prof, full, url);
        CHECK(json_integer_value(json_object_get(root, "statusCode")) == 200);
        resp = json_object_get(root, "response");
        CHECK(json_is_object(resp));
        /* section 7: each key always present, and no other */
        for (i = 0; people_profile_keys[i]; i++) {
            CHECK(json_object_get(resp, people_profile_keys[i]) != NULL);
        }
        CHECK(json_object_size(resp) == i);
        check_str(resp, "id", s);
        check_str(resp, "userName", s);
        check_str(resp, "firstName", s);
        check_str(resp, "lastName", prof.last_name);
        display = apr_pstrcat(p, s, *s && prof.last_name ? " " : "",
                              prof.last_name ? prof.last_name : "", NULL);
        check_str(resp, "displayName", display);
        check_str(resp, "email", full ? s : NULL);
        check_str(resp, "birthday", s);
        check_str(resp, "sex", prof.sex == 1 ? "male"
                               : prof.sex == 0 ? "female" : NULL);
        CHECK(json_integer_value(json_object_get(resp, "status"))
              == prof.status);
        CHECK(json_integer_value(json_object_get(resp, "activationStatus"))
              == prof.activation_status);
        check_str(resp, "terminated", s);
        check_str(resp, "department", s);
        check_str(resp, "workFrom", s);
        check_str(resp, "location", s);
        check_str(resp, "notes", s);
        check_str(resp, "title", s);
        check_str(resp, "lead", s);
        check_str(resp, "avatarSmall", s);
        check_str(resp, "avatarMedium", prof.avatar_medium ? s
                  : "/skins/default/images/default_user_photo_size_48-48.png");
        check_str(resp, "cultureName", s);
        check_str(resp, "profileUrl", url);
        CHECK(json_is_true(json_object_get(resp, "isAdmin"))
              == (prof.is_admin != 0));
        CHECK(json_is_false(json_object_get(resp, "isLDAP")));
        CHECK(json_integer_value(json_object_get(resp, "quotaLimit"))
              == prof.quota_limit);
        CHECK(json_integer_value(json_object_get(resp, "usedSpace"))
              == prof.used_space);
        CHECK(json_integer_value(json_object_get(resp, "docsSpace"))
              == prof.docs_space);
        CHECK(json_integer_value(json_object_get(resp, "mailSpace"))
              == APR_INT64_MIN);
        CHECK(json_integer_value(json_object_get(resp, "talkSpace"))
              == APR_INT64_MAX);
        arr = json_object_get(resp, "groups");
        CHECK(json_array_size(arr) == 2);
        check_str(json_array_get(arr, 0), "id", s);
        check_str(json_array_get(arr, 0), "name", s);
        check_str(json_array_get(arr, 0), "manager", NULL);
        check_str(json_array_get(arr, 1), "manager", s);
        arr = json_object_get(resp, "contacts");
        CHECK(json_array_size(arr) == (full ? 2u : 0u));
        if (full) {
            check_str(json_array_get(arr, 0), "type", s);
            check_str(json_array_get(arr, 0), "value", s);
            check_str(json_array_get(arr, 1), "value", "");
        }
        json_decref(root);
    }

    /* an error answer with the text as its message */
    out = people_envelope_error(p, 400, s, &len);
    CHECK(out != NULL && strlen(out) == len);
    root = json_loadb(out, len, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(root != NULL);
    CHECK(json_integer_value(json_object_get(root, "status")) == 1);
    CHECK(json_integer_value(json_object_get(root, "statusCode")) == 400);
    if (spec_utf8(s, n, 1)) {
        check_str(json_object_get(root, "error"), "message", s);
    }
    else {
        /* null, or a string mended */
        json_t *m = json_object_get(json_object_get(root, "error"),
                                    "message");
        CHECK(json_is_null(m) || json_is_string(m));
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    /* the text up to the first NUL, in a malloc'd block of just its size,
     * so that ASan sees any read past its end (pool memory would hide it) */
    size_t n = strnlen((const char *)data, size);
    char *s = malloc(n + 1);

    if (!s) {
        abort();
    }
    memcpy(s, data, n);
    s[n] = '\0';

    check_route(p, s);
    check_uuid_normalise(p, s);
    check_name_key(p, s);
    check_tokens(p, s);
    check_etags(p, s);
    check_type_value(p, data, size, s);
    check_encoder(p, data, size, s);

    free(s);
    apr_pool_destroy(p);
    return 0;
}
