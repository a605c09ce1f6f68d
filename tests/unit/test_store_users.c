/* Unit tests: the store's profile updates and user management (spec
 * section 11) on a real SQLite database in memory: PUT /{userid}, a new
 * user, several users' status, deleting a terminated user; every refusal
 * leaves the database as it was. */
#include "tests/unit/unit_db.h"
#include "src/people_patch.h"

#define NOW   APR_INT64_C(1700000000)
#define OWNER "11111111-2222-4333-8444-555555555555"

static unit_db_t *users(void **state)
{
    unit_db_t *u = *state;
    unit_add_user(u, ALICE, "Alice", "Alice", "Liddell", "alice@example.com");
    unit_add_user(u, BOB, "bob", "Bob", "Builder", "bob@example.com");
    unit_add_user(u, OWNER, "olga", "Olga", "Owner", "olga@example.com");
    unit_exec(u, "people_admin_set_is_owner", "1", OWNER);
    return u;
}

static people_caller_t caller(const char *id, int admin, int owner)
{
    people_caller_t c;
    memset(&c, 0, sizeof(c));
    c.id = id;
    c.is_admin = admin;
    c.is_owner = owner;
    c.status = 1;
    return c;
}

static people_patch_t patch(unit_db_t *u, const char *json, int create)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    people_patch_t pt;
    const char *err;

    assert_non_null(root);
    err = people_patch_parse(u->p, root, create, &pt);
    if (err) {
        fail_msg("%s: %s", json, err);
    }
    json_decref(root);
    return pt;
}

/* Everything stored, as text, to compare before and after a refusal. */
static void dump_row(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                     int ncols, void *baton)
{
    const char **out = baton;
    int i;
    for (i = 0; i < ncols; i++) {
        const char *v = people_db_col(db, row, i);
        *out = apr_pstrcat(p, *out, v ? v : "(null)", "|", NULL);
    }
    *out = apr_pstrcat(p, *out, "\n", NULL);
}

static const char *snapshot(unit_db_t *u)
{
    static const char *const tables[] = {
        "SELECT * FROM people_users ORDER BY id",
        "SELECT * FROM people_contacts ORDER BY user_id, pos",
        "SELECT * FROM people_user_groups ORDER BY user_id, group_id",
        "SELECT * FROM people_groups ORDER BY id",
        "SELECT * FROM people_tokens ORDER BY hash", NULL
    };
    const char *out = "";
    int i;
    for (i = 0; tables[i]; i++) {
        apr_dbd_results_t *res = NULL;
        apr_dbd_row_t *row = NULL;
        int ncols;
        assert_int_equal(apr_dbd_select(u->db.driver, u->p, u->db.handle, &res,
                                        tables[i], 0), 0);
        ncols = apr_dbd_num_cols(u->db.driver, res);
        while (apr_dbd_get_row(u->db.driver, u->p, res, &row, -1) == 0) {
            dump_row(u->p, &u->db, row, ncols, &out);
        }
    }
    return out;
}

static people_rc_e update(unit_db_t *u, const char *id, people_caller_t who,
                          const char *json, people_profile_t **out,
                          const char **err)
{
    people_patch_t pt = patch(u, json, 0);
    *err = NULL;
    return people_store_update_profile(u->p, &u->db, id, &who, &pt, 100, NULL,
                                       NOW, 1000, out, err);
}

/* ---- PUT /{userid} ------------------------------------------------------ */

static void test_update_fields_and_contacts(void **state)
{
    unit_db_t *u = users(state);
    people_profile_t *p = NULL, *again = NULL;
    const char *err;

    unit_add_contacts(u, ALICE, "0", "mail", "a@x.org", NULL);
    assert_people_ok(update(u, ALICE, caller(ALICE, 0, 0),
                            "{\"firstname\":\"Alicia\",\"sex\":\"female\","
                            "\"birthday\":\"1990-02-28\",\"comment\":\"hi\"}",
                            &p, &err), err);
    assert_string_equal(p->first_name, "Alicia");
    assert_int_equal(p->sex, 0);
    assert_string_equal(p->birthday, "1990-02-28T00:00:00.0000000Z");
    assert_string_equal(p->notes, "hi");
    assert_int_equal(p->contacts->nelts, 1);      /* untouched */
    assert_people_ok(people_store_profile(u->p, &u->db, ALICE, &again, &err),
                     err);
    assert_string_equal(again->first_name, "Alicia");
    assert_int_equal(again->version, p->version);
    assert_people_ok(update(u, ALICE, caller(ALICE, 0, 0),
                            "{\"contacts\":[{\"type\":\"icq\",\"value\":\"1\"},"
                            "{\"type\":\"icq\",\"value\":\"1\"}]}",
                            &p, &err), err);
    assert_int_equal(p->contacts->nelts, 1);
    assert_people_ok(people_store_profile(u->p, &u->db, ALICE, &again, &err),
                     err);
    assert_string_equal(APR_ARRAY_IDX(again->contacts, 0,
                                      people_contact_t).type, "icq");
}

static void test_update_refusals_change_nothing(void **state)
{
    unit_db_t *u = users(state);
    people_profile_t *p = NULL;
    const char *err, *before = snapshot(u);

    /* a member on another, an admin on the owner, a member's admin-only
     * field, the owner's own status, an unknown lead, a taken email */
    assert_int_equal(update(u, BOB, caller(ALICE, 0, 0), "{\"location\":\"x\"}",
                            &p, &err), PEOPLE_FORBIDDEN);
    assert_int_equal(update(u, OWNER, caller(ALICE, 1, 0),
                            "{\"location\":\"x\"}", &p, &err),
                     PEOPLE_FORBIDDEN);
    assert_int_equal(update(u, ALICE, caller(ALICE, 0, 0),
                            "{\"location\":\"x\",\"title\":\"Boss\"}", &p,
                            &err), PEOPLE_FORBIDDEN);
    assert_non_null(strstr(err, "title"));
    assert_int_equal(update(u, OWNER, caller(OWNER, 0, 1),
                            "{\"disable\":true}", &p, &err), PEOPLE_FORBIDDEN);
    assert_int_equal(update(u, ALICE, caller(BOB, 1, 0),
                            "{\"location\":\"x\",\"lead\":\"" NOONE "\"}", &p,
                            &err), PEOPLE_INVALID);
    assert_int_equal(update(u, ALICE, caller(BOB, 1, 0),
                            "{\"location\":\"x\",\"email\":\"BOB@example.com\"}",
                            &p, &err), PEOPLE_CONFLICT);
    assert_int_equal(update(u, NOONE, caller(BOB, 1, 0), "{\"location\":\"x\"}",
                            &p, &err), PEOPLE_NOT_FOUND);
    assert_string_equal(snapshot(u), before);
}

static void test_update_admin_fields(void **state)
{
    unit_db_t *u = users(state);
    people_profile_t *p = NULL;
    const char *err;

    assert_people_ok(update(u, ALICE, caller(BOB, 1, 0),
                            "{\"email\":\"new@example.com\",\"title\":\"T\","
                            "\"department\":\"D\",\"lead\":\"" BOB "\","
                            "\"isVisitor\":true,\"disable\":true}", &p, &err),
                     err);
    assert_string_equal(p->email, "new@example.com");
    assert_string_equal(p->lead, BOB);
    assert_int_equal(p->is_visitor, 1);
    assert_int_equal(p->status, 2);
    assert_string_equal(p->terminated, "2023-11-14T22:13:20.0000000Z");
    /* the same email in another case is no change: the spelling stays */
    assert_people_ok(update(u, ALICE, caller(ALICE, 0, 0),
                            "{\"email\":\"NEW@example.com\",\"lead\":\"" BOB
                            "\",\"disable\":true,\"location\":\"L\"}", &p,
                            &err), err);
    assert_string_equal(p->email, "new@example.com");
}

static void test_update_if_match(void **state)
{
    unit_db_t *u = users(state);
    people_profile_t *p = NULL;
    people_patch_t pt = patch(u, "{\"location\":\"x\"}", 0);
    people_caller_t who = caller(ALICE, 0, 0);
    const char *err = NULL, *before;

    assert_people_ok(people_store_profile(u->p, &u->db, ALICE, &p, &err), err);
    before = snapshot(u);
    assert_int_equal(people_store_update_profile(u->p, &u->db, ALICE, &who, &pt,
                                                 100, "\"stale\"", NOW, 1000,
                                                 &p, &err),
                     PEOPLE_PRECONDITION);
    assert_string_equal(snapshot(u), before);
    assert_people_ok(people_store_profile(u->p, &u->db, ALICE, &p, &err), err);
    assert_people_ok(people_store_update_profile(u->p, &u->db, ALICE, &who, &pt,
                                                 100, people_etag(u->p, p, 1),
                                                 NOW, 1000, &p, &err), err);
}

/* ---- users -------------------------------------------------------------- */

static void test_add_user(void **state)
{
    unit_db_t *u = users(state);
    people_profile_t *a = NULL, *b = NULL;
    people_patch_t pt = patch(u, "{\"firstName\":\"Al\",\"lastName\":\"Ice\","
                                 "\"email\":\"Alice@other.org\","
                                 "\"title\":\"T\",\"contacts\":[{\"type\":"
                                 "\"mail\",\"value\":\"m\"}]}", 1);
    const char *err = NULL, *before;

    /* alice is taken (in another case): alice2 */
    assert_people_ok(people_store_add_user(u->p, &u->db, &pt, 100, NOW, 1000,
                                           &a, &err), err);
    assert_string_equal(a->username, "Alice2");
    assert_string_equal(a->title, "T");
    assert_int_equal(a->contacts->nelts, 1);
    assert_non_null(people_uuid_normalise(u->p, a->id));
    assert_people_ok(people_store_profile(u->p, &u->db, a->id, &b, &err), err);
    assert_string_equal(b->email, "Alice@other.org");
    assert_int_equal(b->contacts->nelts, 1);

    before = snapshot(u);
    assert_int_equal(people_store_add_user(u->p, &u->db, &pt, 100, NOW, 1000,
                                           &a, &err), PEOPLE_CONFLICT);
    pt = patch(u, "{\"firstName\":\"X\",\"lastName\":\"Y\",\"email\":"
                  "\"x@y.org\",\"userName\":\"BOB\"}", 1);
    assert_int_equal(people_store_add_user(u->p, &u->db, &pt, 100, NOW, 1000,
                                           &a, &err), PEOPLE_CONFLICT);
    assert_non_null(strstr(err, "BOB"));
    assert_string_equal(snapshot(u), before);
}

static void test_set_status(void **state)
{
    unit_db_t *u = users(state);
    apr_array_header_t *ids = apr_array_make(u->p, 2, sizeof(const char *));
    apr_array_header_t *out = NULL;
    people_profile_t *p;
    const char *err = NULL, *before;

    APR_ARRAY_PUSH(ids, const char *) = ALICE;
    APR_ARRAY_PUSH(ids, const char *) = BOB;
    assert_people_ok(people_store_set_status(u->p, &u->db, ids, 2, NOW, 1000,
                                             &out, &err), err);
    assert_int_equal(out->nelts, 2);
    p = APR_ARRAY_IDX(out, 1, people_profile_t *);
    assert_string_equal(p->id, BOB);
    assert_int_equal(p->status, 2);
    assert_non_null(p->terminated);
    assert_people_ok(people_store_set_status(u->p, &u->db, ids, 1, NOW, 1000,
                                             &out, &err), err);
    assert_null(APR_ARRAY_IDX(out, 0, people_profile_t *)->terminated);

    before = snapshot(u);
    APR_ARRAY_PUSH(ids, const char *) = OWNER;
    assert_int_equal(people_store_set_status(u->p, &u->db, ids, 4, NOW, 1000,
                                             &out, &err), PEOPLE_FORBIDDEN);
    APR_ARRAY_IDX(ids, 2, const char *) = NOONE;
    assert_int_equal(people_store_set_status(u->p, &u->db, ids, 4, NOW, 1000,
                                             &out, &err), PEOPLE_NOT_FOUND);
    assert_non_null(strstr(err, NOONE));
    assert_string_equal(snapshot(u), before);
}

static void test_delete_user(void **state)
{
    unit_db_t *u = users(state);
    people_profile_t *p = NULL, *gone = NULL;
    const char *err = NULL, *before, *after;

    unit_add_contacts(u, BOB, "0", "mail", "b@x.org", NULL);
    unit_add_group(u, "99999999-9999-4999-8999-999999999999", "Staff", BOB);
    unit_add_token(u, "cccccccccccccccccccccccccccccccccccccccccccccccccccc"
                      "cccccccccccc", BOB, NULL);
    unit_exec(u, "people_admin_set_lead_id", BOB, ALICE);
    before = snapshot(u);
    assert_int_equal(people_store_delete_user(u->p, &u->db, BOB, NULL, 1000,
                                              &p, &err), PEOPLE_INVALID);
    assert_string_equal(snapshot(u), before);

    unit_exec(u, "people_admin_set_status", "2", BOB);
    assert_people_ok(people_store_delete_user(u->p, &u->db, BOB, NULL, 1000,
                                              &p, &err), err);
    assert_string_equal(p->id, BOB);
    assert_int_equal(p->contacts->nelts, 1);
    assert_int_equal(people_store_profile(u->p, &u->db, BOB, &gone, &err),
                     PEOPLE_NOT_FOUND);
    after = snapshot(u);
    assert_null(strstr(after, BOB));
    assert_people_ok(people_store_profile(u->p, &u->db, ALICE, &gone, &err),
                     err);
    assert_null(gone->lead);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_db_setup_memory, \
                                             unit_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_update_fields_and_contacts),
        T(test_update_refusals_change_nothing),
        T(test_update_admin_fields),
        T(test_update_if_match),
        T(test_add_user),
        T(test_set_status),
        T(test_delete_user),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
