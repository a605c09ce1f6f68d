/* Unit tests: the store (src/people_store.c) on a real SQLite database in
 * memory, through apr_dbd: authentication by token hash, user lookup, the
 * profile read, contact writes (spec sections 4 to 6) and transactions. */
#include "tests/unit/unit_db.h"

#define HASH_A \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B \
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define NOW    APR_INT64_C(1700000000)

static unit_db_t *two_users(void **state)
{
    unit_db_t *u = *state;
    unit_add_user(u, ALICE, "Alice", "Alice", "Liddell", "alice@example.com");
    unit_add_user(u, BOB, "bob", "Bob", "Builder", NULL);
    return u;
}

static people_rc_e auth(unit_db_t *u, const char *hash, apr_int64_t now,
                        people_caller_t *c)
{
    const char *err = NULL;
    memset(c, 0, sizeof(*c));
    return people_store_auth(u->p, &u->db, hash, now, c, &err);
}

/* ---- people_store_auth -------------------------------------------------- */

static void test_auth_valid_token(void **state)
{
    unit_db_t *u = two_users(state);
    people_caller_t c;

    unit_add_token(u, HASH_A, ALICE, NULL);
    unit_add_token(u, HASH_B, BOB, NULL);
    unit_exec(u, "people_admin_set_is_admin", "1", ALICE);
    assert_int_equal(auth(u, HASH_A, NOW, &c), PEOPLE_OK);
    assert_string_equal(c.id, ALICE);
    assert_string_equal(c.username, "Alice");
    assert_int_equal(c.is_admin, 1);
    assert_int_equal(c.is_owner, 0);
    assert_int_equal(c.status, 1);
    assert_int_equal(auth(u, HASH_B, NOW, &c), PEOPLE_OK);
    assert_string_equal(c.id, BOB);
    assert_int_equal(c.is_admin, 0);
    /* the caller's status is read for the caller to judge */
    unit_exec(u, "people_admin_set_status", "2", BOB);
    assert_int_equal(auth(u, HASH_B, NOW, &c), PEOPLE_OK);
    assert_int_equal(c.status, 2);
}

static void test_auth_unknown_token(void **state)
{
    unit_db_t *u = two_users(state);
    people_caller_t c;

    unit_add_token(u, HASH_A, ALICE, NULL);
    assert_int_equal(auth(u, HASH_B, NOW, &c), PEOPLE_NOT_FOUND);
    assert_null(c.id);
    /* a prefix, the empty hash and another case are other hashes */
    assert_int_equal(auth(u, "aaaaaaaa", NOW, &c), PEOPLE_NOT_FOUND);
    assert_int_equal(auth(u, "", NOW, &c), PEOPLE_NOT_FOUND);
    assert_int_equal(auth(u, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                             "AAAAAAAAAAAAAAAA", NOW, &c), PEOPLE_NOT_FOUND);
}

static void test_auth_revoked_token(void **state)
{
    unit_db_t *u = two_users(state);
    people_caller_t c;

    unit_add_token(u, HASH_A, ALICE, NULL);
    unit_add_token(u, HASH_B, ALICE, NULL);
    assert_int_equal(auth(u, HASH_A, NOW, &c), PEOPLE_OK);
    unit_exec(u, "people_admin_token_revoke", HASH_A);
    assert_int_equal(auth(u, HASH_A, NOW, &c), PEOPLE_NOT_FOUND);
    /* the user's other token still works */
    assert_int_equal(auth(u, HASH_B, NOW, &c), PEOPLE_OK);
    assert_string_equal(c.id, ALICE);
}

static void test_auth_expired_token(void **state)
{
    unit_db_t *u = two_users(state);
    people_caller_t c;

    unit_add_token(u, HASH_A, ALICE, "1700000000");
    assert_int_equal(auth(u, HASH_A, NOW - 1, &c), PEOPLE_OK);
    assert_string_equal(c.id, ALICE);
    /* expired at the second it names, and after */
    assert_int_equal(auth(u, HASH_A, NOW, &c), PEOPLE_NOT_FOUND);
    assert_int_equal(auth(u, HASH_A, NOW + 86400, &c), PEOPLE_NOT_FOUND);
}

/* ---- people_store_resolve ----------------------------------------------- */

static void test_resolve_by_id_and_name(void **state)
{
    unit_db_t *u = two_users(state);
    const char *id = NULL, *err = NULL;

    assert_people_ok(people_store_resolve(u->p, &u->db, PEOPLE_USER_ID, BOB,
                                          &id, &err), err);
    assert_string_equal(id, BOB);
    /* names are looked up by their lowercase key */
    assert_people_ok(people_store_resolve(u->p, &u->db, PEOPLE_USER_NAME,
                                          "alice", &id, &err), err);
    assert_string_equal(id, ALICE);
    assert_people_ok(people_store_resolve(u->p, &u->db, PEOPLE_USER_NAME,
                                          "bob", &id, &err), err);
    assert_string_equal(id, BOB);
}

static void test_resolve_unknown(void **state)
{
    unit_db_t *u = two_users(state);
    const char *id = "stale", *err = NULL;

    assert_int_equal(people_store_resolve(u->p, &u->db, PEOPLE_USER_ID, NOONE,
                                          &id, &err), PEOPLE_NOT_FOUND);
    assert_null(id);
    assert_int_equal(people_store_resolve(u->p, &u->db, PEOPLE_USER_NAME,
                                          "carol", &id, &err),
                     PEOPLE_NOT_FOUND);
    /* an id is not a name, nor a name an id */
    assert_int_equal(people_store_resolve(u->p, &u->db, PEOPLE_USER_NAME,
                                          ALICE, &id, &err),
                     PEOPLE_NOT_FOUND);
    assert_int_equal(people_store_resolve(u->p, &u->db, PEOPLE_USER_ID,
                                          "alice", &id, &err),
                     PEOPLE_NOT_FOUND);
}

/* ---- people_store_profile ----------------------------------------------- */

static void test_profile_fields(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *a, *b;

    unit_exec(u, "people_admin_set_title", "Explorer", ALICE);
    unit_exec(u, "people_admin_set_sex", "0", ALICE);
    unit_exec(u, "people_admin_set_lead_id", BOB, ALICE);
    a = unit_profile(u, ALICE);
    assert_string_equal(a->id, ALICE);
    assert_string_equal(a->username, "Alice");
    assert_string_equal(a->first_name, "Alice");
    assert_string_equal(a->last_name, "Liddell");
    assert_string_equal(a->email, "alice@example.com");
    assert_string_equal(a->title, "Explorer");
    assert_string_equal(a->lead, BOB);
    assert_int_equal(a->sex, 0);
    assert_int_equal(a->status, 1);
    assert_true(a->quota_limit == -1);
    /* a new user is version 1; each of the three changes bumped it */
    assert_true(a->version == 4);
    /* SQL NULL reads as NULL, and an unset sex as unknown */
    b = unit_profile(u, BOB);
    assert_null(b->email);
    assert_null(b->title);
    assert_null(b->lead);
    assert_int_equal(b->sex, -1);
    assert_true(b->version == 1);
    assert_int_equal(b->groups->nelts, 0);
    assert_int_equal(b->contacts->nelts, 0);
}

static void test_profile_groups_in_order(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *a;
    const people_group_t *g;

    unit_add_group(u, "g-2", "Writers", ALICE);
    unit_add_group(u, "g-1", "Readers", ALICE);
    unit_add_group(u, "g-3", "Builders", BOB);
    unit_exec(u, "people_admin_member_add", ALICE, "g-1", ALICE, "g-1");
    /* no statement sets a manager yet */
    unit_sql(u, "UPDATE people_groups SET manager_id = '" BOB "' "
                "WHERE id = 'g-1'");
    a = unit_profile(u, ALICE);
    assert_int_equal(a->groups->nelts, 2);
    g = &APR_ARRAY_IDX(a->groups, 0, people_group_t);
    assert_string_equal(g->id, "g-1");
    assert_string_equal(g->name, "Readers");
    assert_string_equal(g->manager, "bob");
    g = &APR_ARRAY_IDX(a->groups, 1, people_group_t);
    assert_string_equal(g->id, "g-2");
    assert_string_equal(g->name, "Writers");
    assert_null(g->manager);
}

static void test_profile_contacts_in_order(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *a;

    /* stored out of order: read back by position */
    unit_add_contacts(u, ALICE, "2", "mail", "a@b.c", "0", "phone", "+1 555",
                      "1", "skype", "", NULL);
    unit_add_contacts(u, BOB, "0", "mail", "bob@b.c", NULL);
    a = unit_profile(u, ALICE);
    assert_string_equal(unit_contacts_text(u->p, a->contacts),
                        "phone=+1 555, skype=, mail=a@b.c");
}

static void test_profile_unknown(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *prof = NULL;
    const char *err = NULL;

    assert_int_equal(people_store_profile(u->p, &u->db, NOONE, &prof, &err),
                     PEOPLE_NOT_FOUND);
    assert_null(prof);
}

/* ---- people_store_write_contacts ---------------------------------------- */

/* Alice with phone, mail, phone. */
#define STORED "phone=1, mail=a@b.c, phone=2"
static unit_db_t *alice_with_contacts(void **state)
{
    unit_db_t *u = two_users(state);
    unit_add_contacts(u, ALICE, "0", "phone", "1", "1", "mail", "a@b.c",
                      "2", "phone", "2", NULL);
    return u;
}

/* A body: type, value pairs; and the empty one. */
#define BODY(...) unit_contacts(u->p, __VA_ARGS__, NULL)
#define EMPTY unit_contacts(u->p, NULL)

/* One write of Alice's contacts that must succeed: the answer and the
 * store both hold want, one version on. Returns the answer. */
static people_profile_t *write_ok(unit_db_t *u, people_op_e op,
                                  apr_array_header_t *body, int max,
                                  const char *if_match, const char *want)
{
    apr_int64_t before = unit_profile(u, ALICE)->version;
    people_profile_t *out = NULL, *now;
    const char *err = NULL;

    assert_people_ok(people_store_write_contacts(u->p, &u->db, ALICE, op,
                                                 body, max, if_match, 1000,
                                                 &out, &err), err);
    now = unit_profile(u, ALICE);
    assert_non_null(out);
    assert_string_equal(unit_contacts_text(u->p, out->contacts), want);
    assert_string_equal(unit_contacts_text(u->p, now->contacts), want);
    assert_true(out->version == before + 1);
    assert_true(now->version == before + 1);
    assert_string_equal(out->username, "Alice");
    return out;
}

/* One write that must be refused with rc, leaving Alice as she was.
 * Returns the store's message. */
static const char *write_refused(unit_db_t *u, people_op_e op,
                                 apr_array_header_t *body, int max,
                                 const char *if_match, people_rc_e rc)
{
    people_profile_t *before = unit_profile(u, ALICE), *out = NULL, *now;
    const char *err = NULL;

    assert_int_equal(people_store_write_contacts(u->p, &u->db, ALICE, op,
                                                 body, max, if_match, 1000,
                                                 &out, &err), rc);
    assert_null(out);
    now = unit_profile(u, ALICE);
    assert_string_equal(unit_contacts_text(u->p, now->contacts),
                        unit_contacts_text(u->p, before->contacts));
    assert_true(now->version == before->version);
    return err;
}

static void test_write_merge(void **state)
{
    unit_db_t *u = alice_with_contacts(state);

    /* the phones replaced at the first one's place, skype appended */
    write_ok(u, PEOPLE_OP_MERGE, BODY("phone", "9", "skype", "al"), 10, NULL,
             "phone=9, mail=a@b.c, skype=al");
    /* Bob is untouched */
    assert_true(unit_profile(u, BOB)->version == 1);
}

static void test_write_set(void **state)
{
    unit_db_t *u = alice_with_contacts(state);

    write_ok(u, PEOPLE_OP_SET,
             BODY("skype", "al", "mail", "", "mail", "z@y.x"), 10, NULL,
             "skype=al, mail=z@y.x");
    write_ok(u, PEOPLE_OP_SET, EMPTY, 10, NULL, "");
}

static void test_write_delete(void **state)
{
    unit_db_t *u = alice_with_contacts(state);

    /* one phone by value; an absent type is ignored */
    write_ok(u, PEOPLE_OP_DELETE, BODY("phone", "1", "icq", ""), 10, NULL,
             "mail=a@b.c, phone=2");
    /* a type without a value removes all of it */
    write_ok(u, PEOPLE_OP_DELETE, BODY("mail", ""), 10, NULL, "phone=2");
}

static void test_write_if_match(void **state)
{
    unit_db_t *u = alice_with_contacts(state);
    const char *tag = people_etag(u->p, unit_profile(u, ALICE), 1);
    people_profile_t *out;

    out = write_ok(u, PEOPLE_OP_MERGE, BODY("icq", "7"), 10,
                   apr_pstrcat(u->p, "\"x\", ", tag, NULL), STORED ", icq=7");
    /* the tag of the answer matches the next write */
    write_ok(u, PEOPLE_OP_DELETE, BODY("icq", ""), 10,
             people_etag(u->p, out, 1), STORED);
    write_ok(u, PEOPLE_OP_MERGE, EMPTY, 10, "*", STORED);
}

static void test_write_if_match_mismatch(void **state)
{
    unit_db_t *u = alice_with_contacts(state);
    people_profile_t *now = unit_profile(u, ALICE), old = *now;
    const char *refused[4];
    int i;

    old.version--;
    refused[0] = people_etag(u->p, &old, 1);          /* an older version */
    refused[1] = people_etag(u->p, now, 0);           /* the partial view */
    refused[2] = apr_pstrcat(u->p, "W/", people_etag(u->p, now, 1), NULL);
    refused[3] = "\"something else\"";
    for (i = 0; i < 4; i++) {
        write_refused(u, PEOPLE_OP_SET, BODY("icq", "7"), 10, refused[i],
                      PEOPLE_PRECONDITION);
    }
    assert_string_equal(unit_contacts_text(u->p,
                                           unit_profile(u, ALICE)->contacts),
                        STORED);
}

static void test_write_too_many(void **state)
{
    unit_db_t *u = alice_with_contacts(state);
    const char *err;

    /* 3 stored + 1 new > 3 */
    err = write_refused(u, PEOPLE_OP_MERGE, BODY("icq", "7"), 3, NULL,
                        PEOPLE_TOO_MANY);
    assert_non_null(err);
    assert_non_null(strstr(err, "at most 3"));
    write_refused(u, PEOPLE_OP_SET, BODY("a", "1", "b", "2", "c", "3",
                                         "d", "4"), 3, NULL, PEOPLE_TOO_MANY);
    /* exactly the maximum is allowed */
    write_ok(u, PEOPLE_OP_SET, BODY("a", "1", "b", "2", "c", "3"), 3, NULL,
             "a=1, b=2, c=3");
}

static void test_write_unknown_user(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *out = NULL;
    const char *err = NULL;
    int n = -1;

    assert_int_equal(people_store_write_contacts(u->p, &u->db, NOONE,
                         PEOPLE_OP_SET, BODY("icq", "7"),
                         10, NULL, 1000, &out, &err), PEOPLE_NOT_FOUND);
    assert_null(out);
    assert_people_ok(people_db_select(u->p, &u->db, "people_contacts", NULL,
                                      NULL, &n, &err, NOONE), err);
    assert_int_equal(n, 0);
}

/* ---- transactions and the statement helpers ----------------------------- */

static const char *first_name(unit_db_t *u)
{
    return unit_profile(u, ALICE)->first_name;
}

static void test_txn_commit_and_rollback(void **state)
{
    unit_db_t *u = two_users(state);
    people_txn_t *t;
    const char *err = NULL;

    assert_people_ok(people_db_begin(u->p, &u->db, 0, &t, &err), err);
    unit_exec(u, "people_admin_set_first_name", "Al", ALICE);
    assert_string_equal(first_name(u), "Al");
    assert_people_ok(people_db_end(t, 0, &err), err);
    assert_string_equal(first_name(u), "Alice");

    assert_people_ok(people_db_begin(u->p, &u->db, 0, &t, &err), err);
    unit_exec(u, "people_admin_set_first_name", "Ally", ALICE);
    assert_people_ok(people_db_end(t, 1, &err), err);
    assert_string_equal(first_name(u), "Ally");
}

static void test_txn_left_open_rolled_back_by_pool(void **state)
{
    unit_db_t *u = two_users(state);
    apr_pool_t *req;
    people_txn_t *t;
    const char *err = NULL;

    assert_int_equal(apr_pool_create(&req, u->p), APR_SUCCESS);
    assert_people_ok(people_db_begin(req, &u->db, 0, &t, &err), err);
    unit_exec(u, "people_admin_set_first_name", "Al", ALICE);
    assert_string_equal(first_name(u), "Al");
    /* a path that returns without ending it */
    apr_pool_destroy(req);
    assert_string_equal(first_name(u), "Alice");
    /* and the connection takes a new transaction */
    assert_people_ok(people_db_begin(u->p, &u->db, 0, &t, &err), err);
    assert_people_ok(people_db_end(t, 1, &err), err);
}

static void test_unprepared_statement(void **state)
{
    unit_db_t *u = *state;
    const char *err = NULL;
    int n = 7;

    assert_int_equal(people_db_select(u->p, &u->db, "people_nothing", NULL,
                                      NULL, &n, &err, "x"), PEOPLE_DB_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "people_nothing"));
    assert_int_equal(n, 7);
    err = NULL;
    assert_int_equal(people_db_exec(u->p, &u->db, "people_nothing", NULL,
                                    &err, "x"), PEOPLE_DB_ERROR);
    assert_non_null(strstr(err, "people_nothing"));
}

static void test_failed_statement_message(void **state)
{
    unit_db_t *u = two_users(state);
    const char *err = NULL;

    /* the name's key is unique: the driver's message comes back */
    assert_int_equal(people_db_exec(u->p, &u->db, "people_admin_user_add",
                                    NULL, &err, NOONE, "ALICE", "alice", "",
                                    "", NULL, "0", "0", "0", NULL, NULL),
                     PEOPLE_DB_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "people_admin_user_add: "));
    assert_non_null(strstr(err, "UNIQUE"));
}

static void test_recover_live_connection(void **state)
{
    unit_db_t *u = two_users(state);

    /* statements in place: nothing to do */
    assert_int_equal(people_db_recover(u->p, &u->db), 0);
    assert_string_equal(first_name(u), "Alice");
}

static void test_recover_prepares_again(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *prof = NULL;
    const char *err = NULL;

    /* the statements gone, as after a reconnect */
    apr_hash_clear(u->db.prepared);
    assert_int_equal(people_store_profile(u->p, &u->db, ALICE, &prof, &err),
                     PEOPLE_DB_ERROR);
    assert_int_equal(people_db_recover(u->p, &u->db), 1);
    /* the request path's statements are back */
    assert_string_equal(first_name(u), "Alice");
    assert_int_equal(people_db_recover(u->p, &u->db), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_db_setup_memory, \
                                             unit_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_auth_valid_token),
        T(test_auth_unknown_token),
        T(test_auth_revoked_token),
        T(test_auth_expired_token),
        T(test_resolve_by_id_and_name),
        T(test_resolve_unknown),
        T(test_profile_fields),
        T(test_profile_groups_in_order),
        T(test_profile_contacts_in_order),
        T(test_profile_unknown),
        T(test_write_merge),
        T(test_write_set),
        T(test_write_delete),
        T(test_write_if_match),
        T(test_write_if_match_mismatch),
        T(test_write_too_many),
        T(test_write_unknown_user),
        T(test_txn_commit_and_rollback),
        T(test_txn_left_open_rolled_back_by_pool),
        T(test_unprepared_statement),
        T(test_failed_statement_message),
        T(test_recover_live_connection),
        T(test_recover_prepares_again),
    };
    return cmocka_run_group_tests_name("store", tests, group_setup,
                                       group_teardown);
}
