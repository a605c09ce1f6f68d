/* Unit tests: the write rules at scale (spec section 6). The apply step
 * runs inside the write lock, so it must be linear: it is checked against
 * a straightforward quadratic reference of the same rules on many random
 * lists, and on bodies of thousands of items; and the item limit that is
 * checked before any lock is taken. */
#include <stdlib.h>
#include <strings.h>

#include "tests/unit/unit.h"
#include "src/people_contacts.h"

#define AT(a, i) (&APR_ARRAY_IDX((a), (i), people_contact_t))

/* ---- reference: the rules of spec section 6, written the plain way ---- */

static int ref_has_pair(const apr_array_header_t *l, const char *t,
                        const char *v)
{
    int i;
    for (i = 0; i < l->nelts; i++) {
        if (!strcasecmp(AT(l, i)->type, t) && !strcmp(AT(l, i)->value, v)) {
            return 1;
        }
    }
    return 0;
}

static int ref_has_type(const apr_array_header_t *l, const char *t)
{
    int i;
    for (i = 0; i < l->nelts; i++) {
        if (!strcasecmp(AT(l, i)->type, t)) {
            return 1;
        }
    }
    return 0;
}

static void ref_push(apr_array_header_t *out, const char *t, const char *v)
{
    people_contact_t *n = apr_array_push(out);
    n->type = t;
    n->value = v;
}

/* the body's non-empty values of type t, each pair once, spelled sp */
static void ref_push_type(apr_array_header_t *out,
                          const apr_array_header_t *body, const char *t,
                          const char *sp)
{
    int i;
    for (i = 0; i < body->nelts; i++) {
        if (!strcasecmp(AT(body, i)->type, t) && *AT(body, i)->value
            && !ref_has_pair(out, sp, AT(body, i)->value)) {
            ref_push(out, sp, AT(body, i)->value);
        }
    }
}

static apr_array_header_t *ref_apply(people_op_e op,
                                     const apr_array_header_t *stored,
                                     const apr_array_header_t *body)
{
    apr_array_header_t *out = apr_array_make(pool, 8,
                                             sizeof(people_contact_t));
    int i, j;

    if (op == PEOPLE_OP_SET) {
        for (i = 0; i < body->nelts; i++) {
            const char *sp = AT(body, i)->type;
            if (!*AT(body, i)->value
                || ref_has_pair(out, sp, AT(body, i)->value)) {
                continue;
            }
            for (j = 0; j < out->nelts; j++) {
                if (!strcasecmp(AT(out, j)->type, sp)) {
                    sp = AT(out, j)->type;
                    break;
                }
            }
            ref_push(out, sp, AT(body, i)->value);
        }
    }
    else if (op == PEOPLE_OP_MERGE) {
        for (i = 0; i < stored->nelts; i++) {
            const char *t = AT(stored, i)->type;
            if (!ref_has_type(body, t)) {
                ref_push(out, t, AT(stored, i)->value);
            }
            else if (!ref_has_type(out, t)) {
                ref_push_type(out, body, t, t);
            }
        }
        for (i = 0; i < body->nelts; i++) {
            const char *t = AT(body, i)->type;
            if (!ref_has_type(stored, t) && !ref_has_type(out, t)) {
                ref_push_type(out, body, t, t);
            }
        }
    }
    else {
        for (i = 0; i < stored->nelts; i++) {
            int drop = 0;
            for (j = 0; j < body->nelts && !drop; j++) {
                drop = !strcasecmp(AT(stored, i)->type, AT(body, j)->type)
                       && (!*AT(body, j)->value
                           || !strcmp(AT(stored, i)->value,
                                      AT(body, j)->value));
            }
            if (!drop) {
                ref_push(out, AT(stored, i)->type, AT(stored, i)->value);
            }
        }
    }
    return out;
}

/* ---- helpers ---------------------------------------------------------- */

/* A random list over few types (in several spellings) and few values, so
 * that repeated types, repeated pairs and empty values are common. */
static apr_array_header_t *random_list(unsigned *seed, int max_len)
{
    static const char *const types[] = {
        "phone", "PHONE", "Phone", "mail", "Mail", "custom", "CUSTOM",
        "x.y", "X.Y", "gtalk"
    };
    static const char *const values[] = {"", "1", "2", "3", "a", "A"};
    int n = rand_r(seed) % (max_len + 1), i;
    apr_array_header_t *a = apr_array_make(pool, n + 1,
                                           sizeof(people_contact_t));
    for (i = 0; i < n; i++) {
        ref_push(a, types[rand_r(seed) % 10], values[rand_r(seed) % 6]);
    }
    return a;
}

static void assert_same_list(const apr_array_header_t *got,
                             const apr_array_header_t *want, int round)
{
    int i;
    if (got->nelts != want->nelts) {
        fail_msg("round %d: %d entries, want %d", round, got->nelts,
                 want->nelts);
    }
    for (i = 0; i < got->nelts; i++) {
        if (strcmp(AT(got, i)->type, AT(want, i)->type)
            || strcmp(AT(got, i)->value, AT(want, i)->value)) {
            fail_msg("round %d, entry %d: %s=%s, want %s=%s", round, i,
                     AT(got, i)->type, AT(got, i)->value, AT(want, i)->type,
                     AT(want, i)->value);
        }
    }
}

static void differential(people_op_e op)
{
    unsigned seed = 20261130u + (unsigned)op;
    int round;
    for (round = 0; round < 5000; round++) {
        apr_array_header_t *stored = random_list(&seed, 12);
        apr_array_header_t *body = random_list(&seed, 12);
        assert_same_list(people_contacts_apply(pool, op, stored, body),
                         ref_apply(op, stored, body), round);
    }
}

static void test_merge_matches_reference(void **state)
{
    (void)state;
    differential(PEOPLE_OP_MERGE);
}

static void test_set_matches_reference(void **state)
{
    (void)state;
    differential(PEOPLE_OP_SET);
}

static void test_delete_matches_reference(void **state)
{
    (void)state;
    differential(PEOPLE_OP_DELETE);
}

/* ---- large bodies ----------------------------------------------------- */

/* n items of distinct types t0..t(n-1), value v<i> */
static apr_array_header_t *distinct(int n, const char *prefix)
{
    apr_array_header_t *a = apr_array_make(pool, n, sizeof(people_contact_t));
    int i;
    for (i = 0; i < n; i++) {
        ref_push(a, apr_psprintf(pool, "%s%d", prefix, i),
                 apr_psprintf(pool, "v%d", i));
    }
    return a;
}

static void test_large_merge(void **state)
{
    apr_array_header_t *stored = distinct(100, "t");
    apr_array_header_t *body = distinct(3900, "T");   /* other spelling */
    apr_array_header_t *out;
    (void)state;

    AT(body, 0)->value = "new";
    out = people_contacts_apply(pool, PEOPLE_OP_MERGE, stored, body);
    assert_int_equal(out->nelts, 3900);
    /* stored types keep their place and spelling, with the body's value */
    assert_string_equal(AT(out, 0)->type, "t0");
    assert_string_equal(AT(out, 0)->value, "new");
    assert_string_equal(AT(out, 99)->type, "t99");
    /* new types follow in body order */
    assert_string_equal(AT(out, 100)->type, "T100");
    assert_string_equal(AT(out, 3899)->value, "v3899");
}

static void test_large_one_type(void **state)
{
    /* 3,900 values of one type, every one twice */
    apr_array_header_t *body = apr_array_make(pool, 7800,
                                              sizeof(people_contact_t));
    apr_array_header_t *out;
    int i;
    (void)state;

    for (i = 0; i < 7800; i++) {
        ref_push(body, i % 2 ? "PHONE" : "phone",
                 apr_psprintf(pool, "%d", i / 2));
    }
    out = people_contacts_apply(pool, PEOPLE_OP_SET, distinct(3, "x"), body);
    assert_int_equal(out->nelts, 3900);
    assert_string_equal(AT(out, 3899)->type, "phone");
    assert_string_equal(AT(out, 3899)->value, "3899");
    out = people_contacts_apply(pool, PEOPLE_OP_DELETE, out, body);
    assert_int_equal(out->nelts, 0);
}

/* ---- the limit checked before the lock -------------------------------- */

static void test_too_many_items(void **state)
{
    (void)state;
    assert_null(people_body_too_many(pool, distinct(0, "t"), 100));
    assert_null(people_body_too_many(pool, distinct(100, "t"), 100));
    assert_string_equal(people_body_too_many(pool, distinct(101, "t"), 100),
                        "a user may hold at most 100 contacts; this request "
                        "names 101");
    assert_string_equal(people_body_too_many(pool, distinct(3900, "t"), 100),
                        "a user may hold at most 100 contacts; this request "
                        "names 3900");
    assert_null(people_body_too_many(pool, distinct(3900, "t"), 5000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_matches_reference),
        cmocka_unit_test(test_set_matches_reference),
        cmocka_unit_test(test_delete_matches_reference),
        cmocka_unit_test(test_large_merge),
        cmocka_unit_test(test_large_one_type),
        cmocka_unit_test(test_too_many_items),
    };
    return cmocka_run_group_tests_name("contacts_scale", tests, group_setup,
                                       group_teardown);
}
