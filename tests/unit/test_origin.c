/* Unit tests: origins and the cross-site rule (spec section 5). */
#include "tests/unit/unit.h"
#include "src/people_origin.h"

static const char *of(const char *url)
{
    return people_origin_of(pool, url);
}

static void test_origin_of(void **state)
{
    (void)state;
    assert_string_equal(of("https://Portal.Example.com"),
                        "https://portal.example.com");
    assert_string_equal(of("https://portal.example.com:443/a/b?c#d"),
                        "https://portal.example.com");
    assert_string_equal(of("http://portal.example.com:80"),
                        "http://portal.example.com");
    assert_string_equal(of("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
    assert_string_equal(of("HTTP://user:pw@h.example:81/"),
                        "http://h.example:81");
    /* an '@' in the path is not user information */
    assert_string_equal(of("http://h.example/a@b"), "http://h.example");
    assert_string_equal(of("http://[::1]:8080/p"), "http://[::1]:8080");
    assert_null(of("null"));
    assert_null(of(""));
    assert_null(of("//h.example/"));
    assert_null(of("http://"));
    assert_null(of("http://h:0"));
    assert_null(of("http://h:65536"));
    assert_null(of("http://h:8x"));
    assert_null(of("http://h:"));
    assert_null(of("http://[::1"));
    assert_null(of("ht tp://h"));
}

static void test_self(void **state)
{
    (void)state;
    assert_string_equal(people_origin_self(pool, "http", "Host", 80),
                        "http://host");
    assert_string_equal(people_origin_self(pool, "https", "h", 8443),
                        "https://h:8443");
    assert_string_equal(people_origin_self(pool, "http", "::1", 8080),
                        "http://[::1]:8080");
}

static void test_foreign(void **state)
{
    apr_array_header_t *cors = apr_array_make(pool, 2, sizeof(const char *));
    const char *self = "http://127.0.0.1:8080";
    (void)state;

    /* neither header: nothing to go by */
    assert_false(people_origin_foreign(pool, NULL, NULL, self, NULL));
    assert_false(people_origin_foreign(pool, "http://127.0.0.1:8080", NULL,
                                       self, NULL));
    assert_true(people_origin_foreign(pool, "http://evil.example", NULL,
                                      self, NULL));
    /* another port or scheme is another origin */
    assert_true(people_origin_foreign(pool, "http://127.0.0.1:8081", NULL,
                                      self, NULL));
    assert_true(people_origin_foreign(pool, "https://127.0.0.1:8080", NULL,
                                      self, NULL));
    assert_true(people_origin_foreign(pool, "null", NULL, self, NULL));
    /* Referer only when there is no Origin */
    assert_false(people_origin_foreign(pool, NULL,
                                       "http://127.0.0.1:8080/page", self,
                                       NULL));
    assert_true(people_origin_foreign(pool, NULL, "http://evil.example/x",
                                      self, NULL));
    assert_false(people_origin_foreign(pool, "http://127.0.0.1:8080",
                                       "http://evil.example/x", self, NULL));
    assert_true(people_origin_foreign(pool, "http://evil.example",
                                      "http://127.0.0.1:8080/", self, NULL));
    /* PeopleCORSOrigin names origins one by one; "*" lets none through */
    APR_ARRAY_PUSH(cors, const char *) = "*";
    assert_true(people_origin_foreign(pool, "https://portal.example.com",
                                      NULL, self, cors));
    APR_ARRAY_PUSH(cors, const char *) = "https://Portal.example.com:443";
    assert_false(people_origin_foreign(pool, "https://portal.example.com",
                                       NULL, self, cors));
    assert_false(people_origin_foreign(pool, NULL,
                                       "https://portal.example.com/p", self,
                                       cors));
    assert_true(people_origin_foreign(pool, "http://portal.example.com",
                                      NULL, self, cors));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origin_of),
        cmocka_unit_test(test_self),
        cmocka_unit_test(test_foreign),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
