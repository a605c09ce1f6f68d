/* Unit tests: the native SQLite read path (src/people_native.c) against
 * the store's apr_dbd reads on the same real database: the same answers,
 * revocation and expiry on the next read, a write's read-back inside its
 * own transaction, and connections that close cleanly. */
#include <sqlite3.h>

#include "tests/unit/unit_db.h"
#include "src/people_native.h"

#define HASH_A \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B \
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define NOW    APR_INT64_C(1700000000)

/* set in main() before anything touches SQLite */
static int configured;

static unit_db_t *two_users(void **state)
{
    unit_db_t *u = *state;
    unit_add_user(u, ALICE, "Alice", "Alice", "Liddell", "alice@example.com");
    unit_add_user(u, BOB, "bob", "Bob", "Builder", NULL);
    unit_add_token(u, HASH_A, ALICE, NULL);
    unit_add_token(u, HASH_B, BOB, NULL);
    return u;
}

static people_native_t *native(unit_db_t *u)
{
    const char *err = NULL;
    people_native_t *n = people_native_of(u->p, u->p, &u->db, &err);
    if (!n) {
        fail_msg("people_native_of: %s", err ? err : "?");
    }
    return n;
}

static people_rc_e nread(unit_db_t *u, const char *hash, apr_int64_t now,
                         people_userkind_e kind, const char *key,
                         people_caller_t *c, people_profile_t **prof)
{
    people_route_t r = {.resource = PEOPLE_RES_PROFILE, .kind = kind,
                        .user = key};
    const char *err = NULL;
    people_rc_e rc;

    memset(c, 0, sizeof(*c));
    rc = people_native_read(u->p, native(u), hash, now, prof ? &r : NULL,
                            100, c, prof, &err);
    if (rc == PEOPLE_DB_ERROR) {
        fail_msg("people_native_read: %s", err ? err : "?");
    }
    return rc;
}

/* The profile as the API would answer it, for comparing two reads. */
static const char *as_json(apr_pool_t *p, const people_profile_t *prof)
{
    char *s = json_dumps(people_profile_json(p, prof, 1, "/u"),
                         JSON_SORT_KEYS | JSON_COMPACT);
    char *copy = apr_pstrdup(p, s);
    free(s);
    return copy;
}

static void test_configure_before_init(void **state)
{
    (void)state;
    /* main() called it first: SQLite took it, and says so again */
    assert_int_equal(configured, 1);
    assert_int_equal(people_native_multithread(), 1);
    /* too late now: SQLite is initialised */
    assert_int_equal(people_native_configure(), 0);
}

static void test_same_profile_as_store(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *prof = NULL;
    people_caller_t c;

    unit_exec(u, "people_admin_set_title", "Explorer", ALICE);
    unit_exec(u, "people_admin_set_sex", "0", ALICE);
    unit_exec(u, "people_admin_set_lead_id", BOB, ALICE);
    unit_exec(u, "people_admin_set_is_owner", "1", ALICE);
    unit_add_group(u, "11111111-1111-4111-8111-111111111111", "Wonderland",
                   ALICE);
    unit_add_contacts(u, ALICE, "0", "mail", "a@example.org", "1", "phone",
                      "+1 555 0100", "2", "skype", "", NULL);
    /* by id, as @self and by name: the same text as the store's read */
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_ID, ALICE, &c, &prof),
                     PEOPLE_OK);
    assert_non_null(prof);
    assert_string_equal(as_json(u->p, prof),
                        as_json(u->p, unit_profile(u, ALICE)));
    assert_int_equal(prof->groups->nelts, 1);
    assert_int_equal(prof->contacts->nelts, 3);
    assert_true(prof->version == 5);
    assert_string_equal(c.id, ALICE);
    assert_string_equal(c.username, "Alice");
    assert_int_equal(c.is_owner, 1);
    assert_int_equal(c.status, 1);
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_SELF, NULL, &c,
                           &prof), PEOPLE_OK);
    assert_string_equal(as_json(u->p, prof),
                        as_json(u->p, unit_profile(u, ALICE)));
    assert_int_equal(nread(u, HASH_B, NOW, PEOPLE_USER_NAME, "alice", &c,
                           &prof), PEOPLE_OK);
    assert_string_equal(c.id, BOB);
    assert_string_equal(as_json(u->p, prof),
                        as_json(u->p, unit_profile(u, ALICE)));
    /* NULL columns stay NULL, an unset sex is unknown */
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_ID, BOB, &c, &prof),
                     PEOPLE_OK);
    assert_null(prof->email);
    assert_int_equal(prof->sex, -1);
    assert_string_equal(as_json(u->p, prof),
                        as_json(u->p, unit_profile(u, BOB)));
}

static void test_unknown_target_and_token(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *prof = (people_profile_t *)1;
    people_caller_t c;

    /* the caller is valid, the user is not there */
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_ID, NOONE, &c, &prof),
                     PEOPLE_OK);
    assert_null(prof);
    assert_string_equal(c.id, ALICE);
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_NAME, "nobody", &c,
                           &prof), PEOPLE_OK);
    assert_null(prof);
    /* an unknown token reads nothing, whatever it asks for */
    assert_int_equal(nread(u, "cc", NOW, PEOPLE_USER_ID, ALICE, &c, &prof),
                     PEOPLE_NOT_FOUND);
    assert_null(prof);
    assert_null(c.id);
    assert_int_equal(nread(u, "cc", NOW, PEOPLE_USER_NAME, "bob", &c, &prof),
                     PEOPLE_NOT_FOUND);
    assert_null(prof);
    assert_int_equal(nread(u, "cc", NOW, 0, NULL, &c, NULL),
                     PEOPLE_NOT_FOUND);
}

/* Revocation and expiry act on the very next read: nothing is cached. */
static void test_revocation_and_expiry_next_read(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *prof;
    people_caller_t c;

    unit_add_token(u, "dd", ALICE, "1700000001");
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_SELF, NULL, &c,
                           &prof), PEOPLE_OK);
    assert_int_equal(nread(u, HASH_A, NOW, 0, NULL, &c, NULL), PEOPLE_OK);
    unit_exec(u, "people_admin_token_revoke", HASH_A);
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_SELF, NULL, &c,
                           &prof), PEOPLE_NOT_FOUND);
    assert_int_equal(nread(u, HASH_A, NOW, 0, NULL, &c, NULL),
                     PEOPLE_NOT_FOUND);
    /* the other user's token is untouched */
    assert_int_equal(nread(u, HASH_B, NOW, PEOPLE_USER_SELF, NULL, &c,
                           &prof), PEOPLE_OK);
    assert_string_equal(c.id, BOB);
    /* valid until the second it names */
    assert_int_equal(nread(u, "dd", NOW, PEOPLE_USER_ID, ALICE, &c, &prof),
                     PEOPLE_OK);
    assert_int_equal(nread(u, "dd", NOW + 1, PEOPLE_USER_ID, ALICE, &c,
                           &prof), PEOPLE_NOT_FOUND);
    assert_int_equal(nread(u, "dd", NOW + 1, 0, NULL, &c, NULL),
                     PEOPLE_NOT_FOUND);
}

/* Inside a write's transaction the reads join it: they see its changes,
 * and leave it open for the writer to end. */
static void test_read_back_inside_write(void **state)
{
    unit_db_t *u = two_users(state);
    people_native_t *n = native(u);
    people_profile_t *prof = NULL;
    people_txn_t *t = NULL;
    const char *err = NULL;
    people_caller_t c;

    unit_add_contacts(u, ALICE, "0", "mail", "old@example.org", NULL);
    assert_people_ok(people_db_begin(u->p, &u->db, 100, &t, &err), err);
    unit_exec(u, "people_lock", ALICE);
    unit_exec(u, "people_contacts_clear", ALICE);
    unit_exec(u, "people_contact_add", ALICE, "0", "phone", "+1 555 0199");
    assert_people_ok(people_native_profile(u->p, n, ALICE, 100, &prof, &err),
                     err);
    assert_string_equal(unit_contacts_text(u->p, prof->contacts),
                        "phone=+1 555 0199");
    assert_true(prof->version == 2);
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_SELF, NULL, &c,
                           &prof), PEOPLE_OK);
    assert_string_equal(unit_contacts_text(u->p, prof->contacts),
                        "phone=+1 555 0199");
    /* still the writer's transaction */
    assert_int_equal(sqlite3_get_autocommit(
                         apr_dbd_native_handle(u->db.driver, u->db.handle)),
                     0);
    assert_people_ok(people_db_end(t, 0, &err), err);
    /* rolled back: the read after sees the old contact */
    assert_people_ok(people_native_profile(u->p, n, ALICE, 100, &prof, &err),
                     err);
    assert_string_equal(unit_contacts_text(u->p, prof->contacts),
                        "mail=old@example.org");
    assert_true(prof->version == 1);
    assert_int_equal(people_native_profile(u->p, n, NOONE, 100, &prof, &err),
                     PEOPLE_NOT_FOUND);
}

/* A write with the native reader set reads the profile back through it,
 * inside the write's transaction: the answer is what the store then holds. */
static void test_write_reads_back_natively(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *out = NULL, *stored;
    const char *err = NULL;

    unit_add_contacts(u, ALICE, "0", "mail", "a@example.org", NULL);
    u->db.native = native(u);
    assert_people_ok(people_store_write_contacts(
                         u->p, &u->db, ALICE, PEOPLE_OP_MERGE,
                         unit_contacts(u->p, "phone", "+1 555 0102", NULL),
                         10, "*", 100, &out, &err), err);
    assert_string_equal(unit_contacts_text(u->p, out->contacts),
                        "mail=a@example.org, phone=+1 555 0102");
    assert_true(out->version == 2);
    /* If-Match against the version before this write's bump */
    assert_int_equal(people_store_write_contacts(
                         u->p, &u->db, ALICE, PEOPLE_OP_MERGE,
                         unit_contacts(u->p, "skype", "x", NULL), 10,
                         "\"nope\"", 100, &out, &err),
                     PEOPLE_PRECONDITION);
    assert_int_equal(people_store_write_contacts(
                         u->p, &u->db, NOONE, PEOPLE_OP_MERGE,
                         unit_contacts(u->p, "skype", "x", NULL), 10, NULL,
                         100, &out, &err),
                     PEOPLE_NOT_FOUND);
    u->db.native = NULL;
    stored = unit_profile(u, ALICE);
    assert_string_equal(unit_contacts_text(u->p, stored->contacts),
                        "mail=a@example.org, phone=+1 555 0102");
    assert_true(stored->version == 2);
    assert_int_equal(sqlite3_get_autocommit(
                         apr_dbd_native_handle(u->db.driver, u->db.handle)),
                     1);
}

/* A read leaves no transaction open and no statement holding a snapshot:
 * another connection's write commits, and the next read sees it. */
static void test_read_leaves_nothing_open(void **state)
{
    unit_db_t *u = two_users(state);
    people_db_t *w = unit_db_connect_prepared(u);
    people_profile_t *prof = NULL;
    people_caller_t c;
    const char *err = NULL;
    sqlite3 *conn = apr_dbd_native_handle(u->db.driver, u->db.handle);
    sqlite3_stmt *st;

    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_ID, ALICE, &c, &prof),
                     PEOPLE_OK);
    assert_int_equal(sqlite3_get_autocommit(conn), 1);
    for (st = sqlite3_next_stmt(conn, NULL); st;
         st = sqlite3_next_stmt(conn, st)) {
        assert_int_equal(sqlite3_stmt_busy(st), 0);
    }
    assert_people_ok(people_db_exec(u->p, w, "people_contact_add", NULL, &err,
                                    ALICE, "0", "mail", "new@example.org"),
                     err);
    assert_int_equal(nread(u, HASH_A, NOW, PEOPLE_USER_ID, ALICE, &c, &prof),
                     PEOPLE_OK);
    assert_string_equal(unit_contacts_text(u->p, prof->contacts),
                        "mail=new@example.org");
}

/* What mod_dbd does: the connection's pool gets the close as a cleanup,
 * then requests use it; destroying the pool must close it. apr_dbd's
 * sqlite3 driver ignores sqlite3_close's answer (SQLITE_BUSY while a
 * statement lives, the connection then stays open), so the tests count
 * the process's descriptors open on the database file instead. */
static apr_status_t close_and_note(void *data)
{
    people_db_t *db = data;
    apr_dbd_close(db->driver, db->handle);
    return APR_SUCCESS;
}

static int fds_on(const char *path)
{
    char link[64], target[512];
    int fd, n = 0;
    for (fd = 0; fd < 1024; fd++) {
        ssize_t len;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        len = readlink(link, target, sizeof(target) - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strcmp(target, path) == 0;
        }
    }
    return n;
}

static people_db_t *pooled_connection(unit_db_t *u, apr_pool_t *conn_pool)
{
    people_db_t *db = apr_pcalloc(conn_pool, sizeof(*db));
    const char *err = NULL;

    db->driver = unit_db_driver();
    assert_int_equal(apr_dbd_open_ex(db->driver, conn_pool, u->path,
                                     &db->handle, &err), APR_SUCCESS);
    db->prepared = apr_hash_make(conn_pool);
    apr_pool_cleanup_register(conn_pool, db, close_and_note,
                              apr_pool_cleanup_null);
    return db;
}

/* A connection of its own in a new pool (SQLite keeps a closed
 * connection's descriptor open while another connection of the process
 * holds a lock on the file: the fixture's is closed first); *before is the
 * descriptors on the file before it was opened. */
static people_db_t *alone_connection(unit_db_t *u, apr_pool_t **conn_pool,
                                     int *before)
{
    people_db_t *db;
    unit_db_close(&u->db);
    *before = fds_on(u->path);
    assert_int_equal(apr_pool_create(conn_pool, u->p), APR_SUCCESS);
    db = pooled_connection(u, *conn_pool);
    assert_int_equal(fds_on(u->path), *before + 1);
    return db;
}

static void test_connection_closes_cleanly(void **state)
{
    unit_db_t *u = two_users(state);
    people_profile_t *prof = NULL;
    people_native_t *n, *again;
    apr_pool_t *conn_pool;
    people_caller_t c;
    people_route_t r = {.resource = PEOPLE_RES_PROFILE,
                        .kind = PEOPLE_USER_SELF};
    const char *err = NULL;
    people_db_t *db;
    int before;

    db = alone_connection(u, &conn_pool, &before);
    n = people_native_of(u->p, conn_pool, db, &err);
    assert_non_null(n);
    /* prepared once: the same reader for the connection's next request */
    again = people_native_of(u->p, conn_pool, db, &err);
    assert_ptr_equal(n, again);
    assert_people_ok(people_native_read(u->p, n, HASH_A, NOW, &r, 100, &c,
                                        &prof, &err), err);
    assert_non_null(prof);
    apr_pool_destroy(conn_pool);
    assert_int_equal(fds_on(u->path), before);
}

/* The control: a statement left alive makes apr_dbd's close fail (the
 * connection leaks), so the test above can tell. */
static void test_live_statement_breaks_close(void **state)
{
    unit_db_t *u = two_users(state);
    apr_pool_t *conn_pool;
    sqlite3_stmt *st = NULL;
    people_db_t *db;
    int before;

    db = alone_connection(u, &conn_pool, &before);
    assert_int_equal(sqlite3_prepare_v2(apr_dbd_native_handle(db->driver,
                                                              db->handle),
                                        "SELECT 1", -1, &st, NULL),
                     SQLITE_OK);
    apr_pool_destroy(conn_pool);
    assert_int_equal(fds_on(u->path), before + 1);
    /* sqlite3_close kept the connection for the statement: free both */
    {
        sqlite3 *conn = sqlite3_db_handle(st);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_close(conn), SQLITE_OK);
    }
    assert_int_equal(fds_on(u->path), before);
}

/* A database without the schema: no reader, a message, and the next call
 * tries again rather than keeping a half-prepared one. */
static void test_prepare_failure(void **state)
{
    people_db_t *db;
    const char *err = NULL;
    (void)state;

    db = unit_db_connect(pool, ":memory:");
    assert_null(people_native_of(pool, pool, db, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "no such table"));
    err = NULL;
    assert_null(people_native_of(pool, pool, db, &err));
    assert_non_null(err);
    unit_db_close(db);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_db_setup_file, \
                                             unit_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configure_before_init),
        T(test_same_profile_as_store),
        T(test_unknown_target_and_token),
        T(test_revocation_and_expiry_next_read),
        T(test_read_back_inside_write),
        T(test_write_reads_back_natively),
        T(test_read_leaves_nothing_open),
        T(test_connection_closes_cleanly),
        T(test_live_statement_breaks_close),
        cmocka_unit_test(test_prepare_failure),
    };
    /* before APR or apr_dbd can initialise SQLite */
    configured = people_native_configure();
    return cmocka_run_group_tests_name("native", tests, group_setup,
                                       group_teardown);
}
