/* The store on apr_dbd. All SQL of the request path is in the statement
 * table below; it runs unchanged on sqlite3 and pgsql. Placeholders are
 * typed (%s text, %d integer, %lld bigint) because pgsql declares them in
 * PREPARE; values are always passed as text. */
#include <string.h>
#include <apr_strings.h>

#include "people_store.h"
#include "people_sqlite.h"

/* Columns of a profile, in the order read_profile() takes them. */
#define PROFILE_COLUMNS \
    "id, username, first_name, last_name, email, birthday, sex, status, " \
    "activation_status, terminated, department, work_from, location, " \
    "notes, title, lead_id, avatar_small, avatar_medium, avatar, " \
    "is_admin, is_owner, is_visitor, is_ldap, is_sso, culture_name, " \
    "quota_limit, used_space, docs_space, mail_space, talk_space, version"

/* NULLs filling the profile's columns in the other parts of the snapshot */
#define NULLS4  "NULL, NULL, NULL, NULL, "
#define NULLS28 NULLS4 NULLS4 NULLS4 NULLS4 NULLS4 NULLS4 NULLS4

const people_stmt_def_t people_statements[] = {
    /* a probe for people_db_recover() */
    {"people_ping", "SELECT 1"},
    {"people_auth",
     "SELECT u.id, u.username, u.is_admin, u.is_owner, u.status "
     "FROM people_tokens t JOIN people_users u ON u.id = t.user_id "
     "WHERE t.hash = %s AND t.revoked = 0 "
     "AND (t.expires IS NULL OR t.expires > %lld)"},
    {"people_user_by_id",
     "SELECT id FROM people_users WHERE id = %s"},
    {"people_user_by_name",
     "SELECT id FROM people_users WHERE username_key = %s"},
    {"people_profile",
     "SELECT " PROFILE_COLUMNS " FROM people_users WHERE id = %s"},
    {"people_groups",
     "SELECT g.id, g.name, m.username FROM people_user_groups ug "
     "JOIN people_groups g ON g.id = ug.group_id "
     "LEFT JOIN people_users m ON m.id = g.manager_id "
     "WHERE ug.user_id = %s ORDER BY g.name, g.id"},
    {"people_contacts",
     "SELECT type, value FROM people_contacts WHERE user_id = %s "
     "ORDER BY pos"},
    /* The profile, its groups and its contacts in one statement, so one
     * snapshot on either driver: a GET's body always matches its ETag.
     * Rows are the profile (part 0), each group (part 1: id, name,
     * manager) and each contact (part 2: type, value), the part and the
     * position in the last two columns. */
    {"people_profile_snapshot",
     "SELECT " PROFILE_COLUMNS ", 0 AS part, 0 AS pos "
     "FROM people_users WHERE id = %s "
     "UNION ALL SELECT g.id, g.name, m.username, " NULLS28 "1, 0 "
     "FROM people_user_groups ug JOIN people_groups g ON g.id = ug.group_id "
     "LEFT JOIN people_users m ON m.id = g.manager_id "
     "WHERE ug.user_id = %s "
     "UNION ALL SELECT type, value, NULL, " NULLS28 "2, pos "
     "FROM people_contacts WHERE user_id = %s "
     "ORDER BY 32, 33, 2, 1"},
    /* The first statement of every write: bumping the version takes the
     * row lock on pgsql before anything is read (sqlite3 already holds the
     * database write lock from BEGIN IMMEDIATE). */
    {"people_lock",
     "UPDATE people_users SET version = version + 1 WHERE id = %s"},
    {"people_contacts_clear",
     "DELETE FROM people_contacts WHERE user_id = %s"},
    {"people_contact_add",
     "INSERT INTO people_contacts (user_id, pos, type, value) "
     "VALUES (%s, %d, %s, %s)"},
    {NULL, NULL}
};

const char *people_store_error(people_db_t *db, int rv)
{
    const char *e = apr_dbd_error(db->driver, db->handle, rv);
    return e ? e : "unknown database error";
}

static apr_dbd_prepared_t *stmt(people_db_t *db, const char *label)
{
    return apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
}

int people_db_recover(apr_pool_t *conn_pool, people_db_t *db)
{
    const char *err = NULL;
    const people_stmt_def_t *d;
    apr_pool_t *scratch;
    int rv;

    /* only a live connection whose statements are gone needs this */
    if (apr_dbd_check_conn(db->driver, conn_pool, db->handle) != APR_SUCCESS) {
        return 0;
    }
    apr_pool_create(&scratch, conn_pool);
    rv = people_db_select(scratch, db, "people_ping", NULL, NULL, NULL, &err);
    apr_pool_destroy(scratch);
    if (rv == PEOPLE_OK) {
        return 0;
    }
    for (d = people_statements; d->label; d++) {
        apr_dbd_prepared_t *st = stmt(db, d->label);
        /* reuses the statement's struct, so the connection's pool grows by
         * a little only when a reconnect really happened */
        if (apr_dbd_prepare(db->driver, conn_pool, db->handle, d->sql,
                            d->label, &st) == 0) {
            apr_hash_set(db->prepared, d->label, APR_HASH_KEY_STRING, st);
        }
    }
    return 1;
}

people_rc_e people_db_selectv(apr_pool_t *p, people_db_t *db,
                              const char *label, people_row_fn fn,
                              void *baton, int *count, const char **err,
                              int nargs, const char **args)
{
    apr_dbd_prepared_t *st = stmt(db, label);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv, n = 0, ncols;

    if (!st) {
        *err = apr_psprintf(p, "statement %s is not prepared", label);
        return PEOPLE_DB_ERROR;
    }
    /* random access (1): pgsql then fetches the whole (small) result at
     * once; its row-by-row mode polls with 100 ms sleeps */
    rv = apr_dbd_pselect(db->driver, p, db->handle, &res, st, 1, nargs, args);
    if (rv != 0) {
        *err = apr_pstrcat(p, label, ": ", people_store_error(db, rv), NULL);
        return PEOPLE_DB_ERROR;
    }
    ncols = apr_dbd_num_cols(db->driver, res);
    /* always drain: a result left open keeps the statement busy */
    while ((rv = apr_dbd_get_row(db->driver, p, res, &row, -1)) == 0) {
        if (fn) {
            fn(p, db, row, ncols, baton);
        }
        n++;
    }
    if (rv != -1) {
        *err = apr_pstrcat(p, label, ": ", people_store_error(db, rv), NULL);
        return PEOPLE_DB_ERROR;
    }
    if (count) {
        *count = n;
    }
    return PEOPLE_OK;
}

people_rc_e people_db_execv(apr_pool_t *p, people_db_t *db, const char *label,
                            int *nrows, const char **err, int nargs,
                            const char **args)
{
    apr_dbd_prepared_t *st = stmt(db, label);
    int rv, n = 0;

    if (!st) {
        *err = apr_psprintf(p, "statement %s is not prepared", label);
        return PEOPLE_DB_ERROR;
    }
    rv = apr_dbd_pquery(db->driver, p, db->handle, &n, st, nargs, args);
    if (rv != 0) {
        *err = apr_pstrcat(p, label, ": ", people_store_error(db, rv), NULL);
        return PEOPLE_DB_ERROR;
    }
    if (nrows) {
        *nrows = n;
    }
    return PEOPLE_OK;
}

/* A column as text; NULL for SQL NULL on either driver (pgsql's
 * apr_dbd_get_entry gives "" for NULL). */
const char *people_db_col(people_db_t *db, apr_dbd_row_t *row, int n)
{
    char *v = NULL;
    if (apr_dbd_datum_get(db->driver, row, n, APR_DBD_TYPE_STRING, &v)
        != APR_SUCCESS) {
        return NULL;
    }
    return v;
}

static apr_int64_t col_int(people_db_t *db, apr_dbd_row_t *row, int n,
                           apr_int64_t dflt)
{
    const char *v = people_db_col(db, row, n);
    return (v && *v) ? apr_atoi64(v) : dflt;
}

static void read_caller(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                        int ncols, void *baton)
{
    (void)ncols;
    people_caller_t *c = baton;
    c->id = apr_pstrdup(p, people_db_col(db, row, 0));
    c->username = apr_pstrdup(p, people_db_col(db, row, 1));
    c->is_admin = (int)col_int(db, row, 2, 0);
    c->is_owner = (int)col_int(db, row, 3, 0);
    c->status = (int)col_int(db, row, 4, 1);
}

people_rc_e people_store_auth(apr_pool_t *p, people_db_t *db,
                              const char *token_hash, apr_int64_t now,
                              people_caller_t *out, const char **err)
{
    int n = 0;
    people_rc_e rc = people_db_select(p, db, "people_auth", read_caller, out, &n,
                                 err, token_hash,
                                 apr_psprintf(p, "%" APR_INT64_T_FMT, now));
    if (rc == PEOPLE_OK && n == 0) {
        return PEOPLE_NOT_FOUND;
    }
    return rc;
}

static void read_first(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                       int ncols, void *baton)
{
    (void)ncols;
    const char **id = baton;
    if (!*id) {
        *id = apr_pstrdup(p, people_db_col(db, row, 0));
    }
}

people_rc_e people_store_resolve(apr_pool_t *p, people_db_t *db,
                                 people_userkind_e kind, const char *key,
                                 const char **id, const char **err)
{
    people_rc_e rc;
    *id = NULL;
    rc = people_db_select(p, db, kind == PEOPLE_USER_ID ? "people_user_by_id"
                                                   : "people_user_by_name",
                     read_first, id, NULL, err, key);
    if (rc == PEOPLE_OK && !*id) {
        return PEOPLE_NOT_FOUND;
    }
    return rc;
}

static const char *dup_col(apr_pool_t *p, people_db_t *db,
                           apr_dbd_row_t *row, int n)
{
    const char *v = people_db_col(db, row, n);
    return v ? apr_pstrdup(p, v) : NULL;
}

static void read_profile(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                         int ncols, void *baton)
{
    (void)ncols;
    people_profile_t *u = baton;
    int i = 0;

    u->id = dup_col(p, db, row, i++);
    u->username = dup_col(p, db, row, i++);
    u->first_name = dup_col(p, db, row, i++);
    u->last_name = dup_col(p, db, row, i++);
    u->email = dup_col(p, db, row, i++);
    u->birthday = dup_col(p, db, row, i++);
    u->sex = (int)col_int(db, row, i++, -1);
    u->status = (int)col_int(db, row, i++, 1);
    u->activation_status = (int)col_int(db, row, i++, 0);
    u->terminated = dup_col(p, db, row, i++);
    u->department = dup_col(p, db, row, i++);
    u->work_from = dup_col(p, db, row, i++);
    u->location = dup_col(p, db, row, i++);
    u->notes = dup_col(p, db, row, i++);
    u->title = dup_col(p, db, row, i++);
    u->lead = dup_col(p, db, row, i++);
    u->avatar_small = dup_col(p, db, row, i++);
    u->avatar_medium = dup_col(p, db, row, i++);
    u->avatar = dup_col(p, db, row, i++);
    u->is_admin = (int)col_int(db, row, i++, 0);
    u->is_owner = (int)col_int(db, row, i++, 0);
    u->is_visitor = (int)col_int(db, row, i++, 0);
    u->is_ldap = (int)col_int(db, row, i++, 0);
    u->is_sso = (int)col_int(db, row, i++, 0);
    u->culture_name = dup_col(p, db, row, i++);
    u->quota_limit = col_int(db, row, i++, -1);
    u->used_space = col_int(db, row, i++, 0);
    u->docs_space = col_int(db, row, i++, 0);
    u->mail_space = col_int(db, row, i++, 0);
    u->talk_space = col_int(db, row, i++, 0);
    u->version = col_int(db, row, i++, 0);
}

static void read_group(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                       int ncols, void *baton)
{
    (void)ncols;
    people_group_t *g = apr_array_push((apr_array_header_t *)baton);
    g->id = dup_col(p, db, row, 0);
    g->name = dup_col(p, db, row, 1);
    g->manager = dup_col(p, db, row, 2);
}

static void read_contact(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                         int ncols, void *baton)
{
    (void)ncols;
    people_contact_t *c = apr_array_push((apr_array_header_t *)baton);
    c->type = dup_col(p, db, row, 0);
    c->value = dup_col(p, db, row, 1);
    if (!c->value) {
        c->value = "";
    }
}

/* One row of people_profile_snapshot, by its part (column 31). */
static void read_snapshot_row(apr_pool_t *p, people_db_t *db,
                              apr_dbd_row_t *row, int ncols, void *baton)
{
    people_profile_t *u = baton;
    switch (col_int(db, row, ncols - 2, -1)) {
    case 0:
        read_profile(p, db, row, ncols, u);
        break;
    case 1:
        read_group(p, db, row, ncols, u->groups);
        break;
    case 2:
        read_contact(p, db, row, ncols, u->contacts);
        break;
    }
}

people_rc_e people_store_profile(apr_pool_t *p, people_db_t *db,
                                 const char *id, people_profile_t **out,
                                 const char **err)
{
    people_profile_t *u = apr_pcalloc(p, sizeof(*u));
    people_rc_e rc;

    /* one statement rather than three selects: a write committed between
     * them would give one version's fields with the next one's contacts
     * (and no transaction to open, so this also serves inside a write's) */
    u->groups = apr_array_make(p, 2, sizeof(people_group_t));
    u->contacts = apr_array_make(p, 8, sizeof(people_contact_t));
    rc = people_db_select(p, db, "people_profile_snapshot", read_snapshot_row,
                          u, NULL, err, id, id, id);
    if (rc != PEOPLE_OK) {
        return rc;
    }
    if (!u->id) {
        return PEOPLE_NOT_FOUND;
    }
    *out = u;
    return PEOPLE_OK;
}

/* Transactions are run as plain statements of constant text rather than
 * through apr_dbd_transaction_start(): the pgsql driver dereferences a NULL
 * transaction when BEGIN fails on a dropped connection, and both drivers
 * leave a half-made transaction on the handle after a failed BEGIN. On
 * sqlite3, BEGIN IMMEDIATE takes the write lock up front, so a writer never
 * fails half-way on a lock it could not upgrade.
 *
 * The pool cleanup is a backstop for a path that returns without ending
 * the transaction: a pooled connection handed back with an open
 * transaction would block every other writer. */
struct people_txn_t {
    people_db_t *db;
    apr_pool_t *pool;
    int open;
};

static int txn_exec(people_txn_t *t, const char *sql)
{
    int nrows = 0;
    return apr_dbd_query(t->db->driver, t->db->handle, &nrows, sql);
}

static apr_status_t txn_rollback(void *data)
{
    people_txn_t *t = data;
    if (t->open) {
        t->open = 0;
        txn_exec(t, "ROLLBACK");
    }
    return APR_SUCCESS;
}

people_rc_e people_db_begin(apr_pool_t *p, people_db_t *db, int wait_ms,
                            people_txn_t **out, const char **err)
{
    people_txn_t *t = apr_pcalloc(p, sizeof(*t));
    int rv;

    t->db = db;
    t->pool = p;
    if (strcmp(apr_dbd_name(db->driver), "sqlite3") == 0) {
        /* waits for the write lock at most wait_ms, outside the driver */
        if (!people_sqlite_begin(p, db, wait_ms, err)) {
            *err = apr_pstrcat(p, "begin: ", *err, NULL);
            return PEOPLE_DB_ERROR;
        }
    }
    else if ((rv = txn_exec(t, "BEGIN")) != 0) {
        *err = apr_pstrcat(p, "begin: ", people_store_error(db, rv), NULL);
        return PEOPLE_DB_ERROR;
    }
    t->open = 1;
    apr_pool_cleanup_register(p, t, txn_rollback, apr_pool_cleanup_null);
    *out = t;
    return PEOPLE_OK;
}

people_rc_e people_db_end(people_txn_t *t, int commit, const char **err)
{
    int rv = 0;
    apr_pool_cleanup_kill(t->pool, t, txn_rollback);
    if (commit) {
        rv = txn_exec(t, "COMMIT");
        if (rv == 0) {
            t->open = 0;
        }
        else {
            *err = apr_pstrcat(t->pool, "commit: ",
                               people_store_error(t->db, rv), NULL);
        }
    }
    /* a failed COMMIT leaves the transaction open on sqlite3 */
    txn_rollback(t);
    return rv == 0 ? PEOPLE_OK : PEOPLE_COMMIT_FAILED;
}

static people_rc_e write_contacts(apr_pool_t *p, people_db_t *db,
                                  const char *id, people_op_e op,
                                  const apr_array_header_t *body, int max,
                                  const char *if_match,
                                  people_profile_t **out, const char **err)
{
    people_profile_t *u, before;
    apr_array_header_t *next;
    people_rc_e rc;
    int n = 0, i;

    if ((rc = people_db_exec(p, db, "people_lock", &n, err, id)) != PEOPLE_OK) {
        return rc;
    }
    if (n == 0) {
        return PEOPLE_NOT_FOUND;
    }
    if ((rc = people_store_profile(p, db, id, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    if (if_match) {
        /* the tag the caller saw is the one before this write's bump */
        before = *u;
        before.version--;
        if (!people_etag_listed(if_match, people_etag(p, &before, 1), 1)) {
            return PEOPLE_PRECONDITION;
        }
    }
    next = people_contacts_apply(p, op, u->contacts, body);
    if (next->nelts > max) {
        *err = apr_psprintf(p, "a user may hold at most %d contacts; this "
                            "request would leave %d", max, next->nelts);
        return PEOPLE_TOO_MANY;
    }
    if ((rc = people_db_exec(p, db, "people_contacts_clear", NULL, err, id))
        != PEOPLE_OK) {
        return rc;
    }
    for (i = 0; i < next->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(next, i, people_contact_t);
        if ((rc = people_db_exec(p, db, "people_contact_add", NULL, err, id,
                      apr_itoa(p, i), c->type, c->value)) != PEOPLE_OK) {
            return rc;
        }
    }
    u->contacts = next;
    *out = u;
    return PEOPLE_OK;
}

people_rc_e people_store_write_contacts(apr_pool_t *p, people_db_t *db,
                                        const char *id, people_op_e op,
                                        const apr_array_header_t *body,
                                        int max, const char *if_match,
                                        int wait_ms, people_profile_t **out,
                                        const char **err)
{
    people_txn_t *t;
    people_rc_e rc;

    /* bounded before the database lock is taken (the handler refuses such
     * a body before its own write lock too) */
    if ((*err = people_body_too_many(p, body, max)) != NULL) {
        return PEOPLE_TOO_MANY;
    }
    if ((rc = people_db_begin(p, db, wait_ms, &t, err)) != PEOPLE_OK) {
        return rc;
    }
    rc = write_contacts(p, db, id, op, body, max, if_match, out, err);
    if (rc != PEOPLE_OK) {
        people_db_end(t, 0, err);
        return rc;
    }
    return people_db_end(t, 1, err);
}
