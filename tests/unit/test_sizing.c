/* Unit tests: the start-up warning about mod_dbd's connection pool
 * (src/people_sizing.c). */
#include "tests/unit/unit.h"
#include "src/people_sizing.h"

static void test_dbd_max_below_threads(void **state)
{
    const char *w;
    (void)state;

    /* Debian's stock event MPM with mod_dbd's default */
    w = people_sizing_dbd_warning(pool, 25, -1);
    assert_non_null(w);
    assert_non_null(strstr(w, "DBDMax is 10 (mod_dbd's default)"));
    assert_non_null(strstr(w, "runs 25 threads"));
    assert_non_null(strstr(w, "\"DBDMax 25\""));
    /* a DBDMax line below the threads */
    w = people_sizing_dbd_warning(pool, 16, 4);
    assert_non_null(w);
    assert_non_null(strstr(w, "DBDMax is 4 but"));
    assert_null(strstr(w, "default"));
    assert_non_null(strstr(w, "\"DBDMax 16\""));
}

static void test_dbd_max_enough(void **state)
{
    (void)state;
    assert_null(people_sizing_dbd_warning(pool, 25, 25));
    assert_null(people_sizing_dbd_warning(pool, 16, 64));
    /* the default covers up to 10 threads */
    assert_null(people_sizing_dbd_warning(pool, 10, -1));
    assert_non_null(people_sizing_dbd_warning(pool, 11, -1));
    /* prefork: one thread, one connection, whatever DBDMax says */
    assert_null(people_sizing_dbd_warning(pool, 1, -1));
    assert_null(people_sizing_dbd_warning(pool, 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dbd_max_below_threads),
        cmocka_unit_test(test_dbd_max_enough),
    };
    return cmocka_run_group_tests_name("sizing", tests, group_setup,
                                       group_teardown);
}
