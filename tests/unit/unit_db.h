/* What the database unit tests share: a real SQLite database opened
 * through apr_dbd (in memory, or a file in a fresh directory where WAL and
 * locking matter), with the schema made by people_schema_init, and the
 * people-admin statements to fill it. Include after unit.h's users. */
#ifndef PEOPLE_UNIT_DB_H
#define PEOPLE_UNIT_DB_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <apr_dbd.h>
#include <apr_hash.h>
#include <apr_time.h>

#include "tests/unit/unit.h"
#include "src/people_store.h"
#include "src/people_schema.h"
#include "src/people_sqlite.h"

#define ALICE "0f8fad5b-d9cb-469f-a165-70867728950e"
#define BOB   "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define NOONE "00000000-0000-4000-8000-000000000000"

/* One test's database: its pool (destroyed by the teardown), the
 * connection, and the directory of its file ("" in memory). */
typedef struct {
    apr_pool_t *p;
    people_db_t db;
    char dir[64];
    const char *path;
} unit_db_t;

/* Fails the test with the store's message unless rc is PEOPLE_OK. */
#define assert_people_ok(rc, err) do {                                    \
        people_rc_e rc_ = (rc);                                           \
        if (rc_ != PEOPLE_OK) {                                           \
            fail_msg("%s: rc %d: %s", #rc, (int)rc_,                      \
                     (err) ? (err) : "(no message)");                     \
        }                                                                 \
    } while (0)

static inline const apr_dbd_driver_t *unit_db_driver(void)
{
    static const apr_dbd_driver_t *drv;
    if (!drv) {
        assert_int_equal(apr_dbd_init(pool), APR_SUCCESS);
        assert_int_equal(apr_dbd_get_driver(pool, "sqlite3", &drv),
                         APR_SUCCESS);
    }
    return drv;
}

static inline apr_status_t unit_db_cleanup(void *data)
{
    people_db_t *db = data;
    if (db->handle) {
        apr_dbd_close(db->driver, db->handle);
        db->handle = NULL;
    }
    return APR_SUCCESS;
}

/* Opens a connection into db (which lives in p) with no statements
 * prepared. The pool's cleanup closes it, after rolling back whatever
 * transaction a failed test left open on it (registered later, run
 * first). */
static inline void unit_db_open(apr_pool_t *p, const char *path,
                                people_db_t *db)
{
    const char *err = NULL;
    db->driver = unit_db_driver();
    db->handle = NULL;
    if (apr_dbd_open_ex(db->driver, p, path, &db->handle, &err)
        != APR_SUCCESS) {
        fail_msg("opening %s: %s", path, err ? err : "?");
    }
    db->prepared = apr_hash_make(p);
    apr_pool_cleanup_register(p, db, unit_db_cleanup, apr_pool_cleanup_null);
}

static inline people_db_t *unit_db_connect(apr_pool_t *p, const char *path)
{
    people_db_t *db = apr_pcalloc(p, sizeof(*db));
    unit_db_open(p, path, db);
    return db;
}

/* Closes a connection before its pool goes. */
static inline void unit_db_close(people_db_t *db)
{
    unit_db_cleanup(db);
}

/* Another connection to a test's database file, its statements prepared
 * by people_db_prepare_all. */
static inline people_db_t *unit_db_connect_prepared(unit_db_t *u)
{
    const char *err = NULL;
    people_db_t *db = unit_db_connect(u->p, u->path);
    assert_people_ok(people_db_prepare_all(u->p, db, &err), err);
    return db;
}

static inline unit_db_t *unit_db_new(const char *path)
{
    unit_db_t *u;
    apr_pool_t *p;
    const char *err = NULL;

    assert_int_equal(apr_pool_create(&p, pool), APR_SUCCESS);
    u = apr_pcalloc(p, sizeof(*u));
    u->p = p;
    u->path = path;
    if (!path) {
        strcpy(u->dir, "/tmp/people-unit-XXXXXX");
        assert_non_null(mkdtemp(u->dir));
        u->path = apr_pstrcat(p, u->dir, "/people.db", NULL);
    }
    unit_db_open(p, u->path, &u->db);
    assert_people_ok(people_schema_init(p, &u->db, &err), err);
    return u;
}

/* cmocka fixtures: *state is the unit_db_t. */
static inline int unit_db_setup_memory(void **state)
{
    *state = unit_db_new(":memory:");
    return 0;
}

static inline int unit_db_setup_file(void **state)
{
    *state = unit_db_new(NULL);
    return 0;
}

/* Closes every connection of the test (its pool), then removes its
 * files. */
static inline int unit_db_teardown(void **state)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    unit_db_t *u = *state;
    char dir[sizeof(u->dir)], path[sizeof(u->dir) + 16];
    size_t i;

    memcpy(dir, u->dir, sizeof(dir));
    apr_pool_destroy(u->p);
    if (dir[0]) {
        for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
            snprintf(path, sizeof(path), "%s/people.db%s", dir, suffix[i]);
            unlink(path);
        }
        rmdir(dir);
    }
    return 0;
}

/* Runs a statement that must succeed. */
#define unit_exec(u, label, ...) do {                                     \
        const char *err_ = NULL;                                          \
        assert_people_ok(people_db_exec((u)->p, &(u)->db, label, NULL,    \
                                        &err_, __VA_ARGS__), err_);       \
    } while (0)

/* Runs constant SQL for what no statement of the table does. */
static inline void unit_sql(unit_db_t *u, const char *sql)
{
    int nrows = 0;
    int rv = apr_dbd_query(u->db.driver, u->db.handle, &nrows, sql);
    if (rv != 0) {
        fail_msg("%s: %s", sql, people_store_error(&u->db, rv));
    }
}

/* A user as people-admin adds one: name lowercased for lookup, no flags. */
static inline void unit_add_user(unit_db_t *u, const char *id,
                                 const char *name,
                                 const char *first, const char *last,
                                 const char *email)
{
    char *key = apr_pstrdup(u->p, name);
    char *c;
    for (c = key; *c; c++) {
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    }
    unit_exec(u, "people_admin_user_add", id, name, key, first, last, email,
              "0", "0", "0", NULL, NULL);
}

/* A token's hash for a user; expires in epoch seconds, NULL for never. */
static inline void unit_add_token(unit_db_t *u, const char *hash,
                                  const char *user,
                                  const char *expires)
{
    unit_exec(u, "people_admin_token_add", hash, user, "test", "1000",
              expires);
}

static inline void unit_add_group(unit_db_t *u, const char *id,
                                  const char *name,
                                  const char *member)
{
    unit_exec(u, "people_admin_group_add", id, name);
    unit_exec(u, "people_admin_member_add", member, id, member, id);
}

/* Stores contacts at the given positions: (pos, type, value) triples,
 * ending with NULL. */
static inline void unit_add_contacts(unit_db_t *u, const char *user, ...)
{
    va_list ap;
    const char *pos;
    va_start(ap, user);
    while ((pos = va_arg(ap, const char *))) {
        const char *type = va_arg(ap, const char *);
        const char *value = va_arg(ap, const char *);
        unit_exec(u, "people_contact_add", user, pos, type, value);
    }
    va_end(ap);
}

/* A body for people_store_write_contacts: type, value pairs ending with
 * NULL. */
static inline apr_array_header_t *unit_contacts(apr_pool_t *p, ...)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(people_contact_t));
    va_list ap;
    const char *type;
    va_start(ap, p);
    while ((type = va_arg(ap, const char *))) {
        people_contact_t *c = apr_array_push(a);
        c->type = type;
        c->value = va_arg(ap, const char *);
    }
    va_end(ap);
    return a;
}

/* The contacts as "type=value" joined by ", ", for one assert. */
static inline const char *unit_contacts_text(apr_pool_t *p,
                                             const apr_array_header_t *a)
{
    const char *s = "";
    int i;
    for (i = 0; i < a->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(a, i, people_contact_t);
        s = apr_pstrcat(p, s, i ? ", " : "", c->type, "=", c->value, NULL);
    }
    return s;
}

/* A user's profile as stored now; fails the test if it cannot be read. */
static inline people_profile_t *unit_profile(unit_db_t *u, const char *id)
{
    people_profile_t *prof = NULL;
    const char *err = NULL;
    assert_people_ok(people_store_profile(u->p, &u->db, id, &prof, &err),
                     err);
    assert_non_null(prof);
    return prof;
}

/* Milliseconds since t0. */
static inline long unit_ms_since(apr_time_t t0)
{
    return (long)(apr_time_as_msec(apr_time_now() - t0));
}

#endif
