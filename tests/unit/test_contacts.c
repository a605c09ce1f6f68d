/* Unit tests: contact types, values, request-body decoding and the write
 * rules (spec sections 5 and 6). */
#include <apr_lib.h>

#include "tests/unit/unit.h"
#include "src/people_contacts.h"

/* ---- helpers ---------------------------------------------------------- */

/* "t=v|t=v" -> array of people_contact_t (types taken as written). */
static apr_array_header_t *mk(const char *spec)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(people_contact_t));
    const char *s = spec;

    while (*s) {
        const char *end = strchr(s, '|');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        people_contact_t *c = apr_array_push(a);

        assert_non_null(eq);
        c->type = apr_pstrmemdup(pool, s, (apr_size_t)(eq - s));
        c->value = apr_pstrmemdup(pool, eq + 1, (apr_size_t)(n - (size_t)(eq - s) - 1));
        s = end ? end + 1 : s + n;
    }
    return a;
}

/* The array back as "t=v|t=v". */
static const char *fmt(const apr_array_header_t *a)
{
    const char *out = "";
    int i;

    for (i = 0; i < a->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(a, i, people_contact_t);
        out = apr_pstrcat(pool, out, i ? "|" : "", c->type, "=", c->value,
                          NULL);
    }
    return out;
}

static apr_array_header_t *parse_ok(const char *body)
{
    apr_array_header_t *out = NULL;
    const char *err = people_body_parse(pool, body, strlen(body), &out);

    if (err) {
        fail_msg("body %s refused: %s", body, err);
    }
    assert_non_null(out);
    return out;
}

/* Parses a body that must be refused; checks *out is left alone and
 * returns the message. */
static const char *parse_err_len(const char *body, size_t len)
{
    static apr_array_header_t sentinel;
    apr_array_header_t *out = &sentinel;
    const char *err = people_body_parse(pool, body, len, &out);

    if (!err) {
        fail_msg("body accepted but should be refused: %.200s -> %s", body,
                 fmt(out));
    }
    assert_true(strlen(err) > 0);
    assert_ptr_equal(out, &sentinel);
    return err;
}

static const char *parse_err(const char *body)
{
    return parse_err_len(body, strlen(body));
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
    }
}

/* A refused body whose message names where, e.g. "contacts[1]". */
static void parse_err_at(const char *body, const char *where)
{
    assert_contains(parse_err(body), where);
}

static const char *repeat(char c, size_t n)
{
    char *s = apr_palloc(pool, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static const char *repeat_str(const char *unit, size_t n)
{
    const char *out = "";
    size_t i;
    for (i = 0; i < n; i++) {
        out = apr_pstrcat(pool, out, unit, NULL);
    }
    return out;
}

/* ---- people_type_canon / people_type_eq ------------------------------- */

static const char *const known[] = {
    "mail", "phone", "mobphone", "skype", "extskype", "gmail", "gtalk",
    "gbuzz", "facebook", "twitter", "telegram", "jabber", "msn", "icq",
    "aim", "yahoo", "myspace", "livejournal", "blogger", "extmail",
    "extphone", "extmobphone"
};

static void test_type_canon_examples(void **state)
{
    (void)state;
    assert_string_equal(people_type_canon(pool, "GTalk"), "gtalk");
    assert_string_equal(people_type_canon(pool, "MAIL"), "mail");
    assert_string_equal(people_type_canon(pool, "mail"), "mail");
    assert_string_equal(people_type_canon(pool, "Skype"), "skype");
    assert_string_equal(people_type_canon(pool, "ExtMobPhone"), "extmobphone");
}

static void test_type_canon_all_known(void **state)
{
    size_t i;
    (void)state;

    assert_int_equal(sizeof(known) / sizeof(known[0]), 22);
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        char *upper = apr_pstrdup(pool, known[i]);
        char *mixed = apr_pstrdup(pool, known[i]);
        char *c;
        for (c = upper; *c; c++) {
            *c = (char)apr_toupper(*c);
        }
        mixed[0] = (char)apr_toupper(mixed[0]);

        assert_string_equal(people_type_canon(pool, known[i]), known[i]);
        assert_string_equal(people_type_canon(pool, upper), known[i]);
        assert_string_equal(people_type_canon(pool, mixed), known[i]);
    }
}

static void test_type_canon_unknown_kept(void **state)
{
    (void)state;
    assert_string_equal(people_type_canon(pool, "MyType"), "MyType");
    assert_string_equal(people_type_canon(pool, "myType"), "myType");
    assert_string_equal(people_type_canon(pool, "Mails"), "Mails");
    assert_string_equal(people_type_canon(pool, "E-Mail"), "E-Mail");
    assert_string_equal(people_type_canon(pool, "a_b.C-9"), "a_b.C-9");
    assert_string_equal(people_type_canon(pool, "x"), "x");
}

static void test_type_canon_length(void **state)
{
    const char *t64 = repeat('A', 64);
    const char *t65 = repeat('A', 65);
    (void)state;

    assert_string_equal(people_type_canon(pool, t64), t64);
    assert_null(people_type_canon(pool, t65));
    assert_null(people_type_canon(pool, ""));
}

static void test_type_canon_invalid(void **state)
{
    (void)state;
    assert_null(people_type_canon(pool, "a b"));
    assert_null(people_type_canon(pool, "a/b"));
    assert_null(people_type_canon(pool, "\xc3\xa9"));        /* é */
    assert_null(people_type_canon(pool, "mail\xc3\xa9"));
    assert_null(people_type_canon(pool, "a\tb"));
    assert_null(people_type_canon(pool, " mail"));
    assert_null(people_type_canon(pool, "mail "));
    assert_null(people_type_canon(pool, "a:b"));
    assert_null(people_type_canon(pool, "a@b"));
    assert_null(people_type_canon(pool, "a+b"));
}

static void test_type_eq(void **state)
{
    (void)state;
    assert_true(people_type_eq("GTalk", "gtalk"));
    assert_true(people_type_eq("MyType", "MYTYPE"));
    assert_false(people_type_eq("gtalk", "gtalks"));
    assert_false(people_type_eq("mail", "extmail"));
}

/* ---- people_value_problem --------------------------------------------- */

#define VP(lit) people_value_problem((lit), sizeof(lit) - 1)

static void test_value_valid(void **state)
{
    (void)state;
    assert_null(VP(""));
    assert_null(VP("hello world"));
    assert_null(VP("+1 (555) 010-9999"));
    assert_null(VP("\xc2\xa0"));                /* U+00A0, first after C1 */
    assert_null(VP("\xc3\xa9t\xc3\xa9"));       /* été */
    assert_null(VP("\xe2\x82\xac"));            /* € */
    assert_null(VP("\xed\x9f\xbf"));            /* U+D7FF */
    assert_null(VP("\xee\x80\x80"));            /* U+E000 */
    assert_null(VP("\xef\xbf\xbd"));            /* U+FFFD */
    assert_null(VP("\xf0\x9f\x98\x80"));        /* U+1F600 */
    assert_null(VP("\xf4\x8f\xbf\xbf"));        /* U+10FFFF */
    assert_null(VP("~"));                       /* 0x7e, last before DEL */
}

static void test_value_overlong(void **state)
{
    (void)state;
    assert_non_null(VP("\xc0\x80"));
    assert_non_null(VP("\xc1\xbf"));
    assert_non_null(VP("\xe0\x80\x80"));
    assert_non_null(VP("\xe0\x9f\xbf"));
    assert_non_null(VP("\xf0\x80\x80\x80"));
    assert_non_null(VP("\xf0\x8f\xbf\xbf"));
}

static void test_value_surrogate_and_range(void **state)
{
    (void)state;
    assert_non_null(VP("\xed\xa0\x80"));        /* U+D800 */
    assert_non_null(VP("\xed\xbf\xbf"));        /* U+DFFF */
    assert_non_null(VP("\xf4\x90\x80\x80"));    /* U+110000 */
    assert_non_null(VP("\xf5\x80\x80\x80"));
    assert_non_null(VP("\xff"));
    assert_non_null(VP("\xfe"));
    assert_non_null(VP("\x80"));                /* lone continuation */
    assert_non_null(VP("a\xbf" "b"));
}

static void test_value_truncated(void **state)
{
    (void)state;
    assert_non_null(VP("\xc3"));
    assert_non_null(VP("\xe2\x82"));
    assert_non_null(VP("\xf0\x9f\x98"));
    assert_non_null(VP("abc\xe2"));
    assert_non_null(VP("\xc3" "A"));            /* bad continuation */
    assert_non_null(VP("\xe2\x82" "A"));
    assert_non_null(VP("\xf0\x9f\x98" "A"));
    /* the length is what counts, not the NUL: é cut after its first byte */
    assert_non_null(people_value_problem("\xc3\xa9", 1));
    assert_null(people_value_problem("\xc3\xa9", 2));
}

static void test_value_controls(void **state)
{
    (void)state;
    assert_non_null(VP("\x01"));
    assert_non_null(VP("a\x1f"));
    assert_non_null(VP("a\nb"));
    assert_non_null(VP("a\tb"));
    assert_non_null(VP("\x7f"));
    assert_non_null(VP("\xc2\x80"));            /* U+0080 */
    assert_non_null(VP("\xc2\x85"));            /* U+0085 NEL */
    assert_non_null(VP("\xc2\x9f"));            /* U+009F */
    assert_non_null(people_value_problem("a\0b", 3));
}

static void test_value_length(void **state)
{
    const char *v1024 = repeat('a', 1024);
    const char *v1025 = repeat('a', 1025);
    const char *multi = apr_pstrcat(pool, repeat('a', 1022), "\xc3\xa9",
                                    NULL);
    (void)state;

    assert_null(people_value_problem(v1024, 1024));
    assert_non_null(people_value_problem(v1025, 1025));
    assert_int_equal(strlen(multi), 1024);
    assert_null(people_value_problem(multi, 1024));
    multi = apr_pstrcat(pool, multi, "b", NULL);
    assert_non_null(people_value_problem(multi, 1025));
}

/* ---- people_body_parse: accepted bodies -------------------------------- */

static void test_parse_seed_nested(void **state)
{
    apr_array_header_t *a = parse_ok(
        "{\"contacts\":[{\"value\":{\"Type\":\"GTalk\","
        "\"Value\":\"my@gmail.com\"}}]}");
    (void)state;
    assert_int_equal(a->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(a, 0, people_contact_t).type, "gtalk");
    assert_string_equal(APR_ARRAY_IDX(a, 0, people_contact_t).value,
                        "my@gmail.com");
}

static void test_parse_flat(void **state)
{
    apr_array_header_t *a = parse_ok(
        "{\"contacts\":[{\"type\":\"mail\",\"value\":\"x@example.com\"},"
        "{\"type\":\"phone\",\"value\":\"+1 555\"},"
        "{\"type\":\"MyType\",\"value\":\"v\"},"
        "{\"type\":\"phone\",\"value\":\"+1 666\"}]}");
    (void)state;
    assert_string_equal(fmt(a),
                        "mail=x@example.com|phone=+1 555|MyType=v|phone=+1 666");
}

static void test_parse_mixed_case_keys(void **state)
{
    (void)state;
    assert_string_equal(fmt(parse_ok(
        "{\"Contacts\":[{\"TYPE\":\"Skype\",\"Value\":\"bob\"}]}")),
        "skype=bob");
    assert_string_equal(fmt(parse_ok(
        "{\"CONTACTS\":[{\"Type\":\"MAIL\",\"VALUE\":\"a@b.c\"}]}")),
        "mail=a@b.c");
    assert_string_equal(fmt(parse_ok(
        "{\"contacts\":[{\"value\":{\"TYPE\":\"Phone\",\"vAlUe\":\"1\"}}]}")),
        "phone=1");
}

static void test_parse_single_object(void **state)
{
    (void)state;
    assert_string_equal(fmt(parse_ok(
        "{\"contacts\":{\"type\":\"mail\",\"value\":\"a@b.c\"}}")),
        "mail=a@b.c");
    assert_string_equal(fmt(parse_ok(
        "{\"contacts\":{\"value\":{\"Type\":\"GTalk\","
        "\"Value\":\"my@gmail.com\"}}}")),
        "gtalk=my@gmail.com");
}

static void test_parse_null_and_missing_value(void **state)
{
    apr_array_header_t *a;
    (void)state;

    a = parse_ok("{\"contacts\":[{\"type\":\"mail\",\"value\":null}]}");
    assert_int_equal(a->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(a, 0, people_contact_t).type, "mail");
    assert_non_null(APR_ARRAY_IDX(a, 0, people_contact_t).value);
    assert_string_equal(APR_ARRAY_IDX(a, 0, people_contact_t).value, "");

    a = parse_ok("{\"contacts\":[{\"type\":\"Phone\"}]}");
    assert_int_equal(a->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(a, 0, people_contact_t).type, "phone");
    assert_non_null(APR_ARRAY_IDX(a, 0, people_contact_t).value);
    assert_string_equal(APR_ARRAY_IDX(a, 0, people_contact_t).value, "");

    a = parse_ok("{\"contacts\":[{\"type\":\"icq\",\"value\":\"\"}]}");
    assert_string_equal(fmt(a), "icq=");
}

static void test_parse_extra_keys_ignored(void **state)
{
    (void)state;
    assert_string_equal(fmt(parse_ok(
        "{\"foo\":1,\"contacts\":[{\"type\":\"mail\",\"value\":\"a\","
        "\"extra\":[1,{\"x\":null}],\"id\":7}],\"bar\":{\"contacts\":5}}")),
        "mail=a");
}

static void test_parse_empty_array(void **state)
{
    apr_array_header_t *a = parse_ok("{\"contacts\":[]}");
    (void)state;
    assert_int_equal(a->nelts, 0);
}

static void test_parse_value_object_wins_over_outer(void **state)
{
    /* an item whose value is an object is read as that object */
    (void)state;
    assert_string_equal(fmt(parse_ok(
        "{\"contacts\":[{\"type\":\"mail\","
        "\"value\":{\"type\":\"phone\",\"value\":\"1\"}}]}")),
        "phone=1");
}

static void test_parse_unicode_value(void **state)
{
    (void)state;
    assert_string_equal(fmt(parse_ok(
        "{\"contacts\":[{\"type\":\"mail\",\"value\":\"\\u00e9t\\u00e9\"}]}")),
        "mail=\xc3\xa9t\xc3\xa9");
    assert_string_equal(fmt(parse_ok(
        "{\"contacts\":[{\"type\":\"mail\",\"value\":\"\xc3\xa9\"}]}")),
        "mail=\xc3\xa9");
    /* a valid surrogate pair is one code point */
    assert_string_equal(fmt(parse_ok(
        "{\"contacts\":[{\"type\":\"mail\",\"value\":\"\\ud83d\\ude00\"}]}")),
        "mail=\xf0\x9f\x98\x80");
}

static void test_parse_value_1024_ok(void **state)
{
    const char *body = apr_pstrcat(pool,
        "{\"contacts\":[{\"type\":\"mail\",\"value\":\"",
        repeat('v', 1024), "\"}]}", NULL);
    apr_array_header_t *a = parse_ok(body);
    (void)state;
    assert_int_equal(a->nelts, 1);
    assert_int_equal(strlen(APR_ARRAY_IDX(a, 0, people_contact_t).value),
                     1024);

    /* 512 escaped two-byte characters: 1024 bytes */
    body = apr_pstrcat(pool, "{\"contacts\":[{\"type\":\"mail\",\"value\":\"",
                       repeat_str("\\u00e9", 512), "\"}]}", NULL);
    a = parse_ok(body);
    assert_int_equal(strlen(APR_ARRAY_IDX(a, 0, people_contact_t).value),
                     1024);
}

static void test_parse_type_64_ok(void **state)
{
    const char *t64 = repeat('t', 64);
    const char *body = apr_pstrcat(pool, "{\"contacts\":[{\"type\":\"", t64,
                                   "\",\"value\":\"v\"}]}", NULL);
    (void)state;
    assert_string_equal(fmt(parse_ok(body)),
                        apr_pstrcat(pool, t64, "=v", NULL));
}

static void test_parse_honours_len(void **state)
{
    const char *buf = "{\"contacts\":[]}garbage";
    apr_array_header_t *out = NULL;
    (void)state;
    assert_null(people_body_parse(pool, buf, 15, &out));
    assert_non_null(out);
    assert_int_equal(out->nelts, 0);
    /* and the same buffer in full is refused */
    parse_err(buf);
}

/* ---- people_body_parse: refused bodies -------------------------------- */

static void test_parse_err_malformed(void **state)
{
    (void)state;
    parse_err("{\"contacts\":[");
    parse_err("not json");
    parse_err("{contacts:[]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",}]}");
    parse_err("{\"contacts\":[]}}");
    parse_err_len("", 0);
}

static void test_parse_err_top_level(void **state)
{
    (void)state;
    parse_err("[]");
    parse_err("[{\"type\":\"mail\",\"value\":\"a\"}]");
    parse_err("\"contacts\"");
    parse_err("42");
    parse_err("null");
}

static void test_parse_err_missing_contacts(void **state)
{
    (void)state;
    parse_err("{}");
    parse_err("{\"contact\":[]}");
    parse_err("{\"type\":\"mail\",\"value\":\"a\"}");
}

static void test_parse_err_contacts_not_array(void **state)
{
    (void)state;
    parse_err("{\"contacts\":\"mail\"}");
    parse_err("{\"contacts\":42}");
    parse_err("{\"contacts\":null}");
    parse_err("{\"contacts\":true}");
}

static void test_parse_err_item_not_object(void **state)
{
    (void)state;

    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\"},\"x\"]}",
                 "contacts[1]");
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\"},"
                 "{\"type\":\"phone\",\"value\":\"1\"},5]}",
                 "contacts[2]");
    parse_err_at("{\"contacts\":[null]}", "contacts[0]");
    parse_err_at("{\"contacts\":[[{\"type\":\"mail\",\"value\":\"a\"}]]}",
                 "contacts[0]");
}

static void test_parse_err_type(void **state)
{
    (void)state;

    parse_err_at("{\"contacts\":[{\"value\":\"a\"}]}", "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\"},"
                 "{\"value\":\"a\"}]}",
                 "contacts[1]");
    parse_err_at("{\"contacts\":[{\"type\":\"\",\"value\":\"a\"}]}",
                 "contacts[0]");
    parse_err_at(apr_pstrcat(pool, "{\"contacts\":[{\"type\":\"mail\"},"
                             "{\"type\":\"", repeat('t', 65),
                             "\",\"value\":\"a\"}]}", NULL),
                 "contacts[1]");
    parse_err_at("{\"contacts\":[{\"type\":\"a b\",\"value\":\"a\"}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":\"a/b\",\"value\":\"a\"}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":\"\\u00e9\",\"value\":\"a\"}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":5,\"value\":\"a\"}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":null,\"value\":\"a\"}]}",
                 "contacts[0]");
    /* nested form without a type */
    parse_err_at("{\"contacts\":[{\"value\":{\"Value\":\"a\"}}]}",
                 "contacts[0]");
}

static void test_parse_err_value_type(void **state)
{
    (void)state;

    parse_err_at("{\"contacts\":[{\"type\":\"phone\",\"value\":5551234}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\"},"
                 "{\"type\":\"phone\",\"value\":true}]}",
                 "contacts[1]");
    parse_err_at("{\"contacts\":[{\"type\":\"phone\",\"value\":[\"1\"]}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"value\":{\"type\":\"phone\","
                 "\"value\":{\"type\":\"x\",\"value\":\"1\"}}}]}",
                 "contacts[0]");
}

static void test_parse_err_value_too_long(void **state)
{
    (void)state;

    parse_err_at(apr_pstrcat(pool,
        "{\"contacts\":[{\"type\":\"mail\",\"value\":\"ok\"},"
        "{\"type\":\"mail\",\"value\":\"", repeat('v', 1025), "\"}]}", NULL),
        "contacts[1]");
    /* 513 two-byte characters: 1026 bytes though only 513 characters */
    parse_err_at(apr_pstrcat(pool,
        "{\"contacts\":[{\"type\":\"mail\",\"value\":\"",
        repeat_str("\\u00e9", 513), "\"}]}", NULL),
        "contacts[0]");
}

static void test_parse_err_value_control(void **state)
{
    (void)state;

    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\\u0001b\"}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\\u007fb\"}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"ok\"},"
                 "{\"type\":\"mail\",\"value\":\"a\\u0085b\"}]}",
                 "contacts[1]");
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\\nb\"}]}",
                 "contacts[0]");
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\\tb\"}]}",
                 "contacts[0]");
    /* DEL written raw, not escaped */
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\x7f" "b\"}]}",
                 "contacts[0]");
    /* U+0085 written raw */
    parse_err_at("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\xc2\x85" "b\"}]}",
                 "contacts[0]");
}

static void test_parse_err_duplicate_keys(void **state)
{
    (void)state;
    parse_err("{\"contacts\":[],\"contacts\":[]}");
    parse_err("{\"contacts\":[],\"Contacts\":[]}");
    parse_err("{\"CONTACTS\":[{\"type\":\"mail\",\"value\":\"a\"}],"
              "\"contacts\":[]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"type\":\"phone\","
              "\"value\":\"a\"}]}");
    assert_contains(parse_err("{\"contacts\":[{\"type\":\"mail\","
                              "\"Type\":\"phone\",\"value\":\"a\"}]}"),
                    "contacts[0]");
    assert_contains(parse_err("{\"contacts\":[{\"type\":\"mail\"},"
                              "{\"type\":\"mail\",\"value\":\"a\","
                              "\"VALUE\":\"b\"}]}"),
                    "contacts[1]");
    assert_contains(parse_err("{\"contacts\":[{\"value\":{\"Type\":\"GTalk\","
                              "\"Value\":\"a\",\"value\":\"b\"}}]}"),
                    "contacts[0]");
}

static void test_parse_err_nul(void **state)
{
    (void)state;
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\\u0000b\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"ma\\u0000il\",\"value\":\"a\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"\\u0000\"}]}");
    /* a raw NUL byte inside the body */
    {
        static const char raw[] =
            "{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\0b\"}]}";
        parse_err_len(raw, sizeof(raw) - 1);
    }
}

static void test_parse_err_lone_surrogate(void **state)
{
    (void)state;
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"\\ud800\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\\ud800b\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"\\udc00\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\","
              "\"value\":\"\\ud800\\u0041\"}]}");
}

static void test_parse_err_invalid_utf8(void **state)
{
    (void)state;
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"a\xff" "b\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"\xc3\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"\xc0\x80\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\",\"value\":\"\xed\xa0\x80\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"mail\","
              "\"value\":\"\xf4\x90\x80\x80\"}]}");
    parse_err("{\"contacts\":[{\"type\":\"m\xe9il\",\"value\":\"a\"}]}");
    parse_err("{\"cont\xff" "acts\":[],\"contacts\":[]}");
    parse_err("{\"contacts\":[],\"x\":\"\xff\"}");
}

static void test_parse_err_deep_nesting(void **state)
{
    size_t n = 100000;
    char *deep = apr_palloc(pool, n + 1);
    const char *deep_obj;
    (void)state;

    memset(deep, '[', n);
    deep[n] = '\0';
    parse_err(deep);

    deep_obj = apr_pstrcat(pool, "{\"contacts\":", deep, NULL);
    parse_err(deep_obj);

    /* balanced, deeply nested inside an ignored key */
    deep_obj = apr_pstrcat(pool, "{\"x\":", repeat('[', 50000),
                           repeat(']', 50000), ",\"contacts\":[]}", NULL);
    parse_err(deep_obj);

    deep_obj = apr_pstrcat(pool, repeat_str("{\"a\":", 20000), "1",
                           repeat('}', 20000), NULL);
    parse_err(deep_obj);
}

/* ---- people_contacts_apply -------------------------------------------- */

/* Applies and checks neither input was changed. */
static const char *apply(people_op_e op, const char *stored_spec,
                         const char *body_spec)
{
    apr_array_header_t *stored = mk(stored_spec);
    apr_array_header_t *body = mk(body_spec);
    const people_contact_t *s0 = stored->nelts
        ? &APR_ARRAY_IDX(stored, 0, people_contact_t) : NULL;
    const people_contact_t *b0 = body->nelts
        ? &APR_ARRAY_IDX(body, 0, people_contact_t) : NULL;
    apr_array_header_t *out = people_contacts_apply(pool, op, stored, body);

    assert_non_null(out);
    assert_ptr_not_equal(out, stored);
    assert_ptr_not_equal(out, body);
    assert_string_equal(fmt(stored), stored_spec);
    assert_string_equal(fmt(body), body_spec);
    if (s0) {
        assert_ptr_equal(&APR_ARRAY_IDX(stored, 0, people_contact_t), s0);
    }
    if (b0) {
        assert_ptr_equal(&APR_ARRAY_IDX(body, 0, people_contact_t), b0);
    }
    return fmt(out);
}

#define MERGE(s, b) apply(PEOPLE_OP_MERGE, (s), (b))
#define SET(s, b)   apply(PEOPLE_OP_SET, (s), (b))
#define DEL(s, b)   apply(PEOPLE_OP_DELETE, (s), (b))

static void test_merge_in_place(void **state)
{
    (void)state;
    assert_string_equal(MERGE("mail=a|phone=1|skype=s", "phone=2"),
                        "mail=a|phone=2|skype=s");
    assert_string_equal(MERGE("mail=a|phone=1|skype=s", "mail=b"),
                        "mail=b|phone=1|skype=s");
    assert_string_equal(MERGE("mail=a|phone=1|skype=s", "skype=t|mail=b"),
                        "mail=b|phone=1|skype=t");
}

static void test_merge_append_new_types(void **state)
{
    (void)state;
    assert_string_equal(MERGE("mail=a", "twitter=t|phone=1|icq=9"),
                        "mail=a|twitter=t|phone=1|icq=9");
    assert_string_equal(MERGE("mail=a|phone=1", "skype=s|phone=2|icq=9"),
                        "mail=a|phone=2|skype=s|icq=9");
    assert_string_equal(MERGE("", "skype=s|mail=a"), "skype=s|mail=a");
}

static void test_merge_untouched_kept(void **state)
{
    (void)state;
    assert_string_equal(MERGE("mail=a|phone=1|phone=2|skype=s", "icq=9"),
                        "mail=a|phone=1|phone=2|skype=s|icq=9");
    assert_string_equal(MERGE("mail=a|phone=1", ""), "mail=a|phone=1");
}

static void test_merge_several_values(void **state)
{
    (void)state;
    assert_string_equal(MERGE("phone=1|mail=a", "phone=2|phone=3"),
                        "phone=2|phone=3|mail=a");
    assert_string_equal(MERGE("mail=a", "phone=2|skype=s|phone=3"),
                        "mail=a|phone=2|phone=3|skype=s");
}

static void test_merge_empty_value_removes(void **state)
{
    (void)state;
    assert_string_equal(MERGE("mail=a|phone=1|skype=s", "phone="),
                        "mail=a|skype=s");
    assert_string_equal(MERGE("mail=a|phone=1|skype=s", "phone=|mail=b"),
                        "mail=b|skype=s");
    /* an empty value of a type not stored adds nothing */
    assert_string_equal(MERGE("mail=a", "phone="), "mail=a");
    /* empty and non-empty of one type: the non-empty ones stay */
    assert_string_equal(MERGE("phone=1|mail=a", "phone=|phone=3"),
                        "phone=3|mail=a");
}

static void test_merge_all_empty_removes_type(void **state)
{
    (void)state;
    assert_string_equal(MERGE("phone=1|mail=a|phone=2", "phone=|phone="),
                        "mail=a");
    assert_string_equal(MERGE("phone=1|mail=a|phone=2|icq=5", "phone="),
                        "mail=a|icq=5");
    assert_string_equal(MERGE("phone=1", "phone="), "");
}

static void test_merge_identical_once(void **state)
{
    (void)state;
    assert_string_equal(MERGE("phone=1|mail=a", "phone=2|phone=2"),
                        "phone=2|mail=a");
    assert_string_equal(MERGE("mail=a", "phone=2|phone=3|phone=2"),
                        "mail=a|phone=2|phone=3");
    assert_string_equal(MERGE("MyType=x", "mytype=y|MYTYPE=y"), "MyType=y");
}

static void test_merge_case_insensitive_spelling(void **state)
{
    (void)state;
    assert_string_equal(MERGE("MyType=a|mail=m", "mytype=b"),
                        "MyType=b|mail=m");
    assert_string_equal(MERGE("mail=m|MyType=a", "MYTYPE=b|MyType=c"),
                        "mail=m|MyType=b|MyType=c");
    assert_string_equal(MERGE("mail=m|MyType=a", "myTYPE="), "mail=m");
    /* a new unknown type keeps its first spelling */
    assert_string_equal(MERGE("mail=m", "NewType=a|NEWTYPE=b"),
                        "mail=m|NewType=a|NewType=b");
}

static void test_merge_stored_twice(void **state)
{
    (void)state;
    assert_string_equal(MERGE("phone=1|mail=a|phone=2|skype=s",
                              "phone=3|phone=4"),
                        "phone=3|phone=4|mail=a|skype=s");
    assert_string_equal(MERGE("mail=a|phone=1|skype=s|phone=2",
                              "phone=2|phone=9"),
                        "mail=a|phone=2|phone=9|skype=s");
}

static void test_set_body_order(void **state)
{
    (void)state;
    assert_string_equal(SET("icq=1|phone=9", "mail=a|phone=1|skype=s"),
                        "mail=a|phone=1|skype=s");
    assert_string_equal(SET("", "skype=s|mail=a"), "skype=s|mail=a");
}

static void test_set_body_order_interleaved(void **state)
{
    /* "the stored list becomes the body's list in body order" */
    (void)state;
    assert_string_equal(SET("", "phone=1|mail=a|phone=2"),
                        "phone=1|mail=a|phone=2");
}

static void test_set_body_order_empty_first(void **state)
{
    /* an empty entry left out must not pull its type's later entries
     * forward */
    (void)state;
    assert_string_equal(SET("icq=1", "phone=|mail=a|phone=1"),
                        "mail=a|phone=1");
}

static void test_set_empty_values_left_out(void **state)
{
    (void)state;
    assert_string_equal(SET("mail=x", "mail=|phone=1|skype="), "phone=1");
    assert_string_equal(SET("mail=x", "mail="), "");
}

static void test_set_duplicates_once(void **state)
{
    (void)state;
    assert_string_equal(SET("", "phone=1|phone=1|mail=a"), "phone=1|mail=a");
    assert_string_equal(SET("", "mail=a|mail=b|mail=a"), "mail=a|mail=b");
}

static void test_set_empty_body_clears(void **state)
{
    (void)state;
    assert_string_equal(SET("mail=a|phone=1|MyType=x", ""), "");
    assert_string_equal(SET("", ""), "");
}

static void test_delete_by_type(void **state)
{
    (void)state;
    assert_string_equal(DEL("phone=1|mail=a|phone=2", "phone="), "mail=a");
    assert_string_equal(DEL("phone=1|mail=a|phone=2", "phone=|mail="), "");
}

static void test_delete_by_value(void **state)
{
    (void)state;
    assert_string_equal(DEL("phone=1|mail=a|phone=2", "phone=2"),
                        "phone=1|mail=a");
    assert_string_equal(DEL("phone=1|mail=a|phone=2", "phone=1|mail=a"),
                        "phone=2");
    /* exact value: no trimming, no case folding of values */
    assert_string_equal(DEL("phone=1|mail=a", "phone=1 |mail=A"),
                        "phone=1|mail=a");
}

static void test_delete_non_matching_ignored(void **state)
{
    (void)state;
    assert_string_equal(DEL("phone=1|mail=a", "phone=9|icq=|skype=s"),
                        "phone=1|mail=a");
    assert_string_equal(DEL("phone=1|mail=a", ""), "phone=1|mail=a");
    assert_string_equal(DEL("", "phone="), "");
}

static void test_delete_case_insensitive(void **state)
{
    (void)state;
    assert_string_equal(DEL("MyType=x|mail=a", "MYTYPE="), "mail=a");
    assert_string_equal(DEL("MyType=x|mail=a", "mytype=x"), "mail=a");
    assert_string_equal(DEL("MyType=x|mail=a", "mytype=X"), "MyType=x|mail=a");
    assert_string_equal(DEL("gtalk=g|mail=a", "GTalk=g"), "mail=a");
}

static void test_parse_error_message_is_utf8(void **state)
{
    /* a bad escape before a multibyte character: jansson's message quotes
     * the bytes up to the middle of the character */
    static const char body[] = "{\"contacts\":[{\"type\":\"mail\","
                               "\"value\":\"\\\xc3\xa9\"}]}";
    apr_array_header_t *out = NULL;
    const char *msg = people_body_parse(pool, body, sizeof(body) - 1, &out);
    (void)state;

    assert_non_null(msg);
    assert_true(strncmp(msg, "malformed JSON", 14) == 0);
    assert_true(people_utf8_valid(msg, strlen(msg)));
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_error_message_is_utf8),
        cmocka_unit_test(test_type_canon_examples),
        cmocka_unit_test(test_type_canon_all_known),
        cmocka_unit_test(test_type_canon_unknown_kept),
        cmocka_unit_test(test_type_canon_length),
        cmocka_unit_test(test_type_canon_invalid),
        cmocka_unit_test(test_type_eq),
        cmocka_unit_test(test_value_valid),
        cmocka_unit_test(test_value_overlong),
        cmocka_unit_test(test_value_surrogate_and_range),
        cmocka_unit_test(test_value_truncated),
        cmocka_unit_test(test_value_controls),
        cmocka_unit_test(test_value_length),
        cmocka_unit_test(test_parse_seed_nested),
        cmocka_unit_test(test_parse_flat),
        cmocka_unit_test(test_parse_mixed_case_keys),
        cmocka_unit_test(test_parse_single_object),
        cmocka_unit_test(test_parse_null_and_missing_value),
        cmocka_unit_test(test_parse_extra_keys_ignored),
        cmocka_unit_test(test_parse_empty_array),
        cmocka_unit_test(test_parse_value_object_wins_over_outer),
        cmocka_unit_test(test_parse_unicode_value),
        cmocka_unit_test(test_parse_value_1024_ok),
        cmocka_unit_test(test_parse_type_64_ok),
        cmocka_unit_test(test_parse_honours_len),
        cmocka_unit_test(test_parse_err_malformed),
        cmocka_unit_test(test_parse_err_top_level),
        cmocka_unit_test(test_parse_err_missing_contacts),
        cmocka_unit_test(test_parse_err_contacts_not_array),
        cmocka_unit_test(test_parse_err_item_not_object),
        cmocka_unit_test(test_parse_err_type),
        cmocka_unit_test(test_parse_err_value_type),
        cmocka_unit_test(test_parse_err_value_too_long),
        cmocka_unit_test(test_parse_err_value_control),
        cmocka_unit_test(test_parse_err_duplicate_keys),
        cmocka_unit_test(test_parse_err_nul),
        cmocka_unit_test(test_parse_err_lone_surrogate),
        cmocka_unit_test(test_parse_err_invalid_utf8),
        cmocka_unit_test(test_parse_err_deep_nesting),
        cmocka_unit_test(test_merge_in_place),
        cmocka_unit_test(test_merge_append_new_types),
        cmocka_unit_test(test_merge_untouched_kept),
        cmocka_unit_test(test_merge_several_values),
        cmocka_unit_test(test_merge_empty_value_removes),
        cmocka_unit_test(test_merge_all_empty_removes_type),
        cmocka_unit_test(test_merge_identical_once),
        cmocka_unit_test(test_merge_case_insensitive_spelling),
        cmocka_unit_test(test_merge_stored_twice),
        cmocka_unit_test(test_set_body_order),
        cmocka_unit_test(test_set_body_order_interleaved),
        cmocka_unit_test(test_set_body_order_empty_first),
        cmocka_unit_test(test_set_empty_values_left_out),
        cmocka_unit_test(test_set_duplicates_once),
        cmocka_unit_test(test_set_empty_body_clears),
        cmocka_unit_test(test_delete_by_type),
        cmocka_unit_test(test_delete_by_value),
        cmocka_unit_test(test_delete_non_matching_ignored),
        cmocka_unit_test(test_delete_case_insensitive),
    };
    return cmocka_run_group_tests_name("contacts", tests, group_setup,
                                       group_teardown);
}
