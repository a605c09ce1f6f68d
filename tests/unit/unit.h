/* What every unit test file shares (and includes first): cmocka with the C
 * and APR headers it needs, and one pool for the group, made in the group
 * setup and destroyed in its teardown. */
#ifndef PEOPLE_UNIT_H
#define PEOPLE_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

static apr_pool_t *pool;

static int group_setup(void **state)
{
    (void)state;
    if (apr_initialize() != APR_SUCCESS) {
        return -1;
    }
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

#endif
