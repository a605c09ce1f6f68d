/* Unit tests: where a request's token comes from, how it is hashed and
 * generated (spec section 4). */
#include "tests/unit/unit.h"
#include "src/people_token.h"

static void expect_tok(const char *auth, const char *cookie, const char *want)
{
    const char *got = people_token_from_headers(pool, auth, cookie);

    if (want) {
        if (!got) {
            fail_msg("auth [%s] cookie [%s]: NULL, want [%s]",
                     auth ? auth : "(null)", cookie ? cookie : "(null)", want);
        }
        assert_string_equal(got, want);
    }
    else if (got) {
        fail_msg("auth [%s] cookie [%s]: [%s], want NULL",
                 auth ? auth : "(null)", cookie ? cookie : "(null)", got);
    }
}

static void test_raw_token(void **state)
{
    (void)state;
    expect_tok("tok123", NULL, "tok123");
    expect_tok("sdjhfskjdhkqy739459234", NULL, "sdjhfskjdhkqy739459234");
    expect_tok("Bearertok", NULL, "Bearertok");
}

static void test_bearer(void **state)
{
    (void)state;
    expect_tok("Bearer tok", NULL, "tok");
    expect_tok("bearer tok", NULL, "tok");
    expect_tok("BEARER tok", NULL, "tok");
    expect_tok("Bearer   tok", NULL, "tok");
}

static void test_trimmed(void **state)
{
    (void)state;
    expect_tok("  tok", NULL, "tok");
    expect_tok("\ttok\t", NULL, "tok");
    expect_tok("  Bearer tok  ", NULL, "tok");
    expect_tok("\tBearer\ttok\t", NULL, "tok");
    expect_tok(NULL, "asc_auth_key= tok ; c=d", "tok");
}

static void test_trimmed_raw_trailing_space(void **state)
{
    /* the seed's raw form with a trailing blank */
    (void)state;
    expect_tok("tok ", NULL, "tok");
    expect_tok("  tok  ", "asc_auth_key=ctok", "tok");
}

static void test_other_scheme_falls_back(void **state)
{
    (void)state;
    expect_tok("Basic xyz", "asc_auth_key=ctok", "ctok");
    expect_tok("Basic xyz", NULL, NULL);
    expect_tok("Digest username=\"a\", realm=\"b\"", "asc_auth_key=ctok",
               "ctok");
}

static void test_cookie(void **state)
{
    (void)state;
    expect_tok(NULL, "a=b; asc_auth_key=tok; c=d", "tok");
    expect_tok(NULL, "asc_auth_key=tok", "tok");
    expect_tok(NULL, "asc_auth_key=tok;", "tok");
    expect_tok(NULL, "a=b;asc_auth_key=tok", "tok");
    expect_tok(NULL, "xasc_auth_key=bad; asc_auth_key=good", "good");
    expect_tok(NULL, "asc_auth_key_2=bad", NULL);
    expect_tok(NULL, "asc_auth_keyx=bad; c=d", NULL);
    expect_tok(NULL, "asc_auth_key=", NULL);
    expect_tok(NULL, "a=b; c=d", NULL);
    expect_tok(NULL, "", NULL);
}

static void test_absent(void **state)
{
    (void)state;
    expect_tok(NULL, NULL, NULL);
    expect_tok(NULL, "a=b", NULL);
    expect_tok("   ", NULL, NULL);
    expect_tok("Bearer    ", NULL, NULL);
}

static void test_authorization_wins(void **state)
{
    (void)state;
    expect_tok("atok", "asc_auth_key=ctok", "atok");
    expect_tok("Bearer atok", "a=b; asc_auth_key=ctok", "atok");
}

/* Where the token came from: a cookie is sent by a browser on its own,
 * so a cross-site guard must tell it from a header. */
static void expect_from(const char *auth, const char *cookie,
                        people_token_source_e want, const char *tok)
{
    people_token_source_e from = (people_token_source_e)-1;
    const char *got = people_token_find(pool, auth, cookie, &from);

    if (from != want) {
        fail_msg("auth [%s] cookie [%s]: source %d, want %d",
                 auth ? auth : "(null)", cookie ? cookie : "(null)",
                 (int)from, (int)want);
    }
    if (tok) {
        assert_non_null(got);
        assert_string_equal(got, tok);
    }
    else {
        assert_null(got);
    }
}

static void test_source(void **state)
{
    (void)state;
    expect_from("tok", NULL, PEOPLE_TOKEN_HEADER, "tok");
    expect_from("Bearer tok", "asc_auth_key=c", PEOPLE_TOKEN_HEADER, "tok");
    expect_from(NULL, "asc_auth_key=c", PEOPLE_TOKEN_COOKIE, "c");
    expect_from("", "asc_auth_key=c", PEOPLE_TOKEN_COOKIE, "c");
    expect_from("Basic dXNlcjpwdw==", "asc_auth_key=c", PEOPLE_TOKEN_COOKIE,
                "c");
    expect_from("Bearer ", "asc_auth_key=c", PEOPLE_TOKEN_COOKIE, "c");
    expect_from(NULL, NULL, PEOPLE_TOKEN_NONE, NULL);
    expect_from("Basic x", "other=1", PEOPLE_TOKEN_NONE, NULL);
    /* a raw header that is no token: refused, the cookie not looked at */
    expect_from("to\x01k", "asc_auth_key=c", PEOPLE_TOKEN_NONE, NULL);
}

static void test_hash(void **state)
{
    const char *h;
    (void)state;

    assert_string_equal(people_token_hash(pool, "abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(people_token_hash(pool, ""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    h = people_token_hash(pool, "another token");
    assert_int_equal(strlen(h), 64);
    assert_string_not_equal(h, people_token_hash(pool, "another tokeN"));
    assert_string_equal(h, people_token_hash(pool, "another token"));
}

static void assert_lower_hex(const char *s, size_t n)
{
    size_t i;
    assert_non_null(s);
    assert_int_equal(strlen(s), n);
    for (i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            fail_msg("not lowercase hex at %d: %s", (int)i, s);
        }
    }
}

static void test_hash_form(void **state)
{
    (void)state;
    assert_lower_hex(people_token_hash(pool, "x"), 64);
}

static void test_generate(void **state)
{
    const char *a = people_token_generate(pool);
    const char *b = people_token_generate(pool);
    (void)state;

    assert_lower_hex(a, 48);
    assert_lower_hex(b, 48);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_token),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_trimmed),
        cmocka_unit_test(test_trimmed_raw_trailing_space),
        cmocka_unit_test(test_other_scheme_falls_back),
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_authorization_wins),
        cmocka_unit_test(test_source),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_hash_form),
        cmocka_unit_test(test_generate),
    };
    return cmocka_run_group_tests_name("token", tests, group_setup,
                                       group_teardown);
}
