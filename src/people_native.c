/* The read path on SQLite's own API (see people_native.h). */
#include <stddef.h>
#include <string.h>
#include <sqlite3.h>
#include <apr_strings.h>

#include "people_native.h"

/* The statements this path runs, by their label in people_statements. */
enum {
    N_AUTH, N_AUTH_PROFILE, N_BY_NAME, N_PROFILE, N_GROUPS, N_CONTACTS,
    N_BEGIN, N_COMMIT, N_COUNT
};
static const char *const labels[N_BEGIN] = {
    "people_auth", "people_auth_profile", "people_user_by_name",
    "people_profile", "people_groups", "people_contacts"
};
/* transaction control is not in the statement table (constant text) */
static const char *const txn_sql[] = {"BEGIN", "COMMIT"};

/* The columns of a profile in the order of the store's PROFILE_COLUMNS. */
typedef enum { COL_STR, COL_INT, COL_INT64 } col_kind_e;
typedef struct {
    size_t offset;
    col_kind_e kind;
    int dflt;
} profile_col_t;

#define S(f) {offsetof(people_profile_t, f), COL_STR, 0}
#define I(f, d) {offsetof(people_profile_t, f), COL_INT, d}
#define L(f, d) {offsetof(people_profile_t, f), COL_INT64, d}
static const profile_col_t profile_cols[] = {
    S(id), S(username), S(first_name), S(last_name), S(email), S(birthday),
    I(sex, -1), I(status, 1), I(activation_status, 0), S(terminated),
    S(department), S(work_from), S(location), S(notes), S(title), S(lead),
    S(avatar_small), S(avatar_medium), S(avatar), I(is_admin, 0),
    I(is_owner, 0), I(is_visitor, 0), I(is_ldap, 0), I(is_sso, 0),
    S(culture_name), L(quota_limit, -1), L(used_space, 0), L(docs_space, 0),
    L(mail_space, 0), L(talk_space, 0), L(version, 0)
};
#undef S
#undef I
#undef L
#define N_PROFILE_COLS ((int)(sizeof(profile_cols) / sizeof(profile_cols[0])))
/* people_auth and the head of people_auth_profile */
#define N_CALLER_COLS 6

struct people_native_t {
    sqlite3 *conn;
    sqlite3_stmt *st[N_COUNT];
};

static const char native_key[] = "people_native";

int people_native_configure(void)
{
    /* both are refused (SQLITE_MISUSE) once SQLite is initialised */
    int a = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    int b = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return a == SQLITE_OK && b == SQLITE_OK;
}

int people_native_multithread(void)
{
    sqlite3 *db = NULL;
    int none;

    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL)
        != SQLITE_OK) {
        sqlite3_close(db);
        return 0;
    }
    none = sqlite3_db_mutex(db) == NULL;
    sqlite3_close(db);
    return none;
}

/* apr_dbd's placeholders (%s, %d, %lld; %% for a percent sign) as
 * SQLite's (?). */
static char *people_sqlite_sql(apr_pool_t *p, const char *sql)
{
    char *out = apr_palloc(p, strlen(sql) + 1), *o = out;
    const char *s = sql;

    while (*s) {
        if (*s != '%') {
            *o++ = *s++;
            continue;
        }
        if (s[1] == '%') {
            *o++ = '%';
            s += 2;
            continue;
        }
        s++;
        while (*s == 'l' || *s == 'h') {
            s++;
        }
        if (*s) {
            s++;
        }
        *o++ = '?';
    }
    *o = '\0';
    return out;
}

static const char *people_statement_sql(const char *label)
{
    const people_stmt_def_t *d;
    for (d = people_statements; d->label; d++) {
        if (strcmp(d->label, label) == 0) {
            return d->sql;
        }
    }
    return NULL;
}

static void people_finalize_all(sqlite3_stmt **st)
{
    int i;
    for (i = 0; i < N_COUNT; i++) {
        sqlite3_finalize(st[i]);
        st[i] = NULL;
    }
}

static apr_status_t people_native_cleanup(void *data)
{
    people_native_t *n = data;
    people_finalize_all(n->st);
    return APR_SUCCESS;
}

static int people_prepare_all(apr_pool_t *p, sqlite3 *conn, sqlite3_stmt **st,
                              const char **err)
{
    int i;
    for (i = 0; i < N_COUNT; i++) {
        const char *sql = i >= N_BEGIN ? txn_sql[i - N_BEGIN]
                                       : people_statement_sql(labels[i]);
        if (!sql) {
            *err = apr_psprintf(p, "no statement %s", labels[i]);
            people_finalize_all(st);
            return 0;
        }
        if (sqlite3_prepare_v3(conn, people_sqlite_sql(p, sql), -1,
                               SQLITE_PREPARE_PERSISTENT, &st[i], NULL)
            != SQLITE_OK) {
            *err = apr_psprintf(p, "preparing %s: %s",
                                i >= N_BEGIN ? sql : labels[i],
                                sqlite3_errmsg(conn));
            people_finalize_all(st);
            return 0;
        }
    }
    return 1;
}

people_native_t *people_native_of(apr_pool_t *p, apr_pool_t *conn_pool,
                                  people_db_t *db, const char **err)
{
    sqlite3_stmt *st[N_COUNT] = {NULL};
    people_native_t *n = NULL;
    apr_pool_t *sub;
    sqlite3 *conn;

    if (strcmp(apr_dbd_name(db->driver), "sqlite3") != 0) {
        *err = "not an SQLite connection";
        return NULL;
    }
    apr_pool_userdata_get((void **)&n, native_key, conn_pool);
    if (n) {
        return n;
    }
    conn = apr_dbd_native_handle(db->driver, db->handle);
    if (!people_prepare_all(p, conn, st, err)) {
        return NULL;
    }
    /* a pool of its own under the connection's: APR destroys a pool's
     * children before running its cleanups, so the statements are gone
     * before mod_dbd's cleanup closes the connection (sqlite3_close fails,
     * and the connection leaks, while a statement lives) */
    apr_pool_create(&sub, conn_pool);
    n = apr_pcalloc(sub, sizeof(*n));
    n->conn = conn;
    memcpy(n->st, st, sizeof(st));
    apr_pool_cleanup_register(sub, n, people_native_cleanup,
                              apr_pool_cleanup_null);
    apr_pool_userdata_setn(n, native_key, NULL, conn_pool);
    return n;
}

/* Ends a statement's use: it holds no snapshot and no request memory (bound
 * text) after this. */
static void people_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static people_rc_e people_fail(apr_pool_t *p, people_native_t *n, int i,
                               const char **err)
{
    *err = apr_psprintf(p, "%s: %s", i >= N_BEGIN ? txn_sql[i - N_BEGIN]
                                                  : labels[i],
                        sqlite3_errmsg(n->conn));
    people_done(n->st[i]);
    return PEOPLE_DB_ERROR;
}

static int people_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)
             : sqlite3_bind_null(st, i);
}

static const char *people_col_str(apr_pool_t *p, sqlite3_stmt *st, int i)
{
    const unsigned char *t;
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        return NULL;
    }
    t = sqlite3_column_text(st, i);
    return t ? apr_pstrmemdup(p, (const char *)t, sqlite3_column_bytes(st, i))
             : NULL;
}

/* integers are read as integers: sqlite3_column_text on an INTEGER column
 * converts and allocates */
static apr_int64_t people_col_int(sqlite3_stmt *st, int i, apr_int64_t dflt)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
           ? dflt : sqlite3_column_int64(st, i);
}

static void people_read_caller(sqlite3_stmt *st, people_caller_t *c,
                               apr_pool_t *p)
{
    c->id = people_col_str(p, st, 0);
    c->username = people_col_str(p, st, 1);
    c->is_admin = (int)people_col_int(st, 2, 0);
    c->is_owner = (int)people_col_int(st, 3, 0);
    c->status = (int)people_col_int(st, 4, 1);
    c->is_visitor = (int)people_col_int(st, 5, 0);
}

static people_profile_t *people_read_profile(apr_pool_t *p, sqlite3_stmt *st,
                                             int first)
{
    people_profile_t *u;
    int i;

    /* a LEFT JOIN that found no user */
    if (sqlite3_column_type(st, first) == SQLITE_NULL) {
        return NULL;
    }
    u = apr_pcalloc(p, sizeof(*u));
    for (i = 0; i < N_PROFILE_COLS; i++) {
        const profile_col_t *c = &profile_cols[i];
        char *f = (char *)u + c->offset;
        switch (c->kind) {
        case COL_STR:
            *(const char **)f = people_col_str(p, st, first + i);
            break;
        case COL_INT:
            *(int *)f = (int)people_col_int(st, first + i, c->dflt);
            break;
        case COL_INT64:
            *(apr_int64_t *)f = people_col_int(st, first + i, c->dflt);
            break;
        }
    }
    return u;
}

static people_rc_e people_read_lists(apr_pool_t *p, people_native_t *n,
                                     people_profile_t *u, const char **err)
{
    sqlite3_stmt *g = n->st[N_GROUPS], *c = n->st[N_CONTACTS];
    int rc;

    u->groups = apr_array_make(p, 2, sizeof(people_group_t));
    u->contacts = apr_array_make(p, 8, sizeof(people_contact_t));
    people_bind_text(g, 1, u->id);
    while ((rc = sqlite3_step(g)) == SQLITE_ROW) {
        people_group_t *x = apr_array_push(u->groups);
        x->id = people_col_str(p, g, 0);
        x->name = people_col_str(p, g, 1);
        x->manager = people_col_str(p, g, 2);
    }
    if (rc != SQLITE_DONE) {
        return people_fail(p, n, N_GROUPS, err);
    }
    people_done(g);
    people_bind_text(c, 1, u->id);
    while ((rc = sqlite3_step(c)) == SQLITE_ROW) {
        people_contact_t *x = apr_array_push(u->contacts);
        x->type = people_col_str(p, c, 0);
        x->value = people_col_str(p, c, 1);
        if (!x->value) {
            x->value = "";
        }
    }
    if (rc != SQLITE_DONE) {
        return people_fail(p, n, N_CONTACTS, err);
    }
    people_done(c);
    return PEOPLE_OK;
}

/* A deferred BEGIN unless a transaction is open (a write's: its reads join
 * it). *began says whether end() must COMMIT. */
static people_rc_e people_begin(apr_pool_t *p, people_native_t *n, int wait_ms,
                                int *began, const char **err)
{
    *began = 0;
    if (!sqlite3_get_autocommit(n->conn)) {
        return PEOPLE_OK;
    }
    /* the connection does not wait otherwise (apr_dbd's driver waits
     * itself); a reader meeting WAL recovery waits a bounded time */
    sqlite3_busy_timeout(n->conn, wait_ms > 0 ? wait_ms : 0);
    if (sqlite3_step(n->st[N_BEGIN]) != SQLITE_DONE) {
        sqlite3_busy_timeout(n->conn, 0);
        return people_fail(p, n, N_BEGIN, err);
    }
    people_done(n->st[N_BEGIN]);
    *began = 1;
    return PEOPLE_OK;
}

static people_rc_e people_end(apr_pool_t *p, people_native_t *n, int began,
                              people_rc_e rc, const char **err)
{
    /* every statement was reset by done() or fail() after its use */
    if (!began) {
        return rc;
    }
    if (sqlite3_step(n->st[N_COMMIT]) != SQLITE_DONE) {
        people_rc_e frc = people_fail(p, n, N_COMMIT, err);
        /* a read transaction holds no changes: never leave one open on a
         * pooled connection */
        sqlite3_exec(n->conn, "ROLLBACK", NULL, NULL, NULL);
        rc = rc == PEOPLE_OK ? frc : rc;
    }
    people_done(n->st[N_COMMIT]);
    sqlite3_busy_timeout(n->conn, 0);
    return rc;
}

/* Binds one text argument to statement i and steps it once: SQLITE_ROW
 * (the row is there until done()) or SQLITE_DONE; on an error the statement
 * is reset, *err says why and 0 is returned. */
static int people_step_one(apr_pool_t *p, people_native_t *n, int i,
                           const char *arg, const char **err)
{
    int rc;
    people_bind_text(n->st[i], 1, arg);
    rc = sqlite3_step(n->st[i]);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        people_fail(p, n, i, err);
        return 0;
    }
    return rc;
}

static people_rc_e people_find_by_name(apr_pool_t *p, people_native_t *n,
                                       const char *key, const char **id,
                                       const char **err)
{
    int rc = people_step_one(p, n, N_BY_NAME, key, err);
    if (!rc) {
        return PEOPLE_DB_ERROR;
    }
    *id = rc == SQLITE_ROW ? people_col_str(p, n->st[N_BY_NAME], 0) : NULL;
    people_done(n->st[N_BY_NAME]);
    return PEOPLE_OK;
}

static people_rc_e people_profile_by_id(apr_pool_t *p, people_native_t *n,
                                        const char *id,
                                        people_profile_t **prof,
                                        const char **err)
{
    int rc = people_step_one(p, n, N_PROFILE, id, err);
    if (!rc) {
        return PEOPLE_DB_ERROR;
    }
    *prof = rc == SQLITE_ROW ? people_read_profile(p, n->st[N_PROFILE],
                                                   0) : NULL;
    people_done(n->st[N_PROFILE]);
    return *prof ? people_read_lists(p, n, *prof, err) : PEOPLE_OK;
}

/* The token alone (i == N_AUTH) or with the profile it asks for
 * (N_AUTH_PROFILE, target_id NULL for its own). */
static people_rc_e people_auth(apr_pool_t *p, people_native_t *n, int i,
                               const char *token_hash, apr_int64_t now,
                               const char *target_id, people_caller_t *caller,
                               people_profile_t **prof, const char **err)
{
    sqlite3_stmt *st = n->st[i];
    int a = 1, rc;

    if (i == N_AUTH_PROFILE) {
        people_bind_text(st, a++, target_id);
    }
    people_bind_text(st, a++, token_hash);
    sqlite3_bind_int64(st, a, now);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return people_fail(p, n, i, err);
    }
    if (rc == SQLITE_DONE) {
        people_done(st);
        return PEOPLE_NOT_FOUND;
    }
    people_read_caller(st, caller, p);
    if (i == N_AUTH_PROFILE) {
        *prof = people_read_profile(p, st, N_CALLER_COLS);
    }
    people_done(st);
    return PEOPLE_OK;
}

static people_rc_e people_read_all(apr_pool_t *p, people_native_t *n,
                                   const char *token_hash, apr_int64_t now,
                                   const people_route_t *target,
                                   people_caller_t *caller,
                                   people_profile_t **prof,
                                   const char **err)
{
    const char *id = NULL;
    people_rc_e rc;

    if (!target) {
        return people_auth(p, n, N_AUTH, token_hash, now, NULL, caller, NULL,
                           err);
    }
    if (target->kind != PEOPLE_USER_NAME) {
        const char *who = target->kind == PEOPLE_USER_SELF ? NULL
                                                          : target->user;
        rc = people_auth(p, n, N_AUTH_PROFILE, token_hash, now, who, caller,
                         prof, err);
        return rc == PEOPLE_OK && *prof ? people_read_lists(p, n, *prof, err)
                                        : rc;
    }
    if ((rc = people_auth(p, n, N_AUTH, token_hash, now, NULL, caller, NULL,
                          err))
        != PEOPLE_OK
        || (rc = people_find_by_name(p, n, target->user, &id,
                                     err)) != PEOPLE_OK
        || !id) {
        return rc;
    }
    return people_profile_by_id(p, n, id, prof, err);
}

people_rc_e people_native_read(apr_pool_t *p, people_native_t *n,
                               const char *token_hash, apr_int64_t now,
                               const people_route_t *target, int wait_ms,
                               people_caller_t *caller,
                               people_profile_t **prof, const char **err)
{
    people_rc_e rc;
    int began;

    if (prof) {
        *prof = NULL;
    }
    /* one statement is its own transaction */
    if (!target) {
        sqlite3_busy_timeout(n->conn, wait_ms > 0 ? wait_ms : 0);
        rc = people_read_all(p, n, token_hash, now, NULL, caller, prof, err);
        sqlite3_busy_timeout(n->conn, 0);
        return rc;
    }
    if ((rc = people_begin(p, n, wait_ms, &began, err)) != PEOPLE_OK) {
        return rc;
    }
    rc = people_read_all(p, n, token_hash, now, target, caller, prof, err);
    return people_end(p, n, began, rc, err);
}

people_rc_e people_native_profile(apr_pool_t *p, people_native_t *n,
                                  const char *id, int wait_ms,
                                  people_profile_t **prof, const char **err)
{
    people_rc_e rc;
    int began;

    *prof = NULL;
    if ((rc = people_begin(p, n, wait_ms, &began, err)) != PEOPLE_OK) {
        return rc;
    }
    rc = people_profile_by_id(p, n, id, prof, err);
    if (rc == PEOPLE_OK && !*prof) {
        rc = PEOPLE_NOT_FOUND;
    }
    return people_end(p, n, began, rc, err);
}
