/* The store on apr_dbd. All SQL of the request path is in the statement
 * table below; it runs unchanged on sqlite3 and pgsql. Placeholders are
 * typed (%s text, %d integer, %lld bigint) because pgsql declares them in
 * PREPARE; values are always passed as text. */
#include <string.h>
#include <apr_strings.h>
#include <apr_uuid.h>

#include "people_store.h"
#include "people_sqlite.h"

/* Columns of a profile, in the order read_profile() takes them. */
#define PROFILE_COLUMNS \
    "id, username, first_name, last_name, email, birthday, sex, status, " \
    "activation_status, terminated, department, work_from, location, " \
    "notes, title, lead_id, avatar_small, avatar_medium, avatar, " \
    "is_admin, is_owner, is_visitor, is_ldap, is_sso, culture_name, " \
    "quota_limit, used_space, docs_space, mail_space, talk_space, version"

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
    /* PUT /{userid}: every writable field at once, the stored values
     * overlaid with the body's (the row is locked by people_lock) */
    {"people_user_update",
     "UPDATE people_users SET first_name = %s, last_name = %s, email = %s, "
     "sex = %d, birthday = %s, work_from = %s, location = %s, notes = %s, "
     "title = %s, department = %s, lead_id = %s, is_visitor = %d, "
     "status = %d, terminated = %s WHERE id = %s"},
    {"people_user_by_email",
     "SELECT id FROM people_users WHERE lower(email) = lower(%s)"},
    /* Taken before an email or user name is checked and written: on
     * pgsql the row lock makes such writers wait for each other, so two
     * of them cannot both find a name free (sqlite3 already holds the
     * database write lock) */
    {"people_users_serialize",
     "UPDATE people_meta SET value = value WHERE name = 'schema_version'"},
    {"people_user_insert",
     "INSERT INTO people_users (id, username, username_key, first_name, "
     "last_name, email) VALUES (%s, %s, %s, %s, %s, %s)"},
    {"people_user_status",
     "UPDATE people_users SET status = %d, terminated = %s WHERE id = %s"},
    /* DELETE /{userid}, removing a user and what points at them */
    {"people_user_unlead",
     "UPDATE people_users SET lead_id = NULL, version = version + 1 "
     "WHERE lead_id = %s"},
    {"people_group_unmanage_bump",
     "UPDATE people_users SET version = version + 1 WHERE id IN "
     "(SELECT ug.user_id FROM people_user_groups ug JOIN people_groups g "
     "ON g.id = ug.group_id WHERE g.manager_id = %s)"},
    {"people_group_unmanage",
     "UPDATE people_groups SET manager_id = NULL WHERE manager_id = %s"},
    {"people_user_groups_clear",
     "DELETE FROM people_user_groups WHERE user_id = %s"},
    {"people_user_tokens_clear",
     "DELETE FROM people_tokens WHERE user_id = %s"},
    {"people_user_delete",
     "DELETE FROM people_users WHERE id = %s"},
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

static void read_all_ids(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                         int ncols, void *baton)
{
    (void)ncols;
    APR_ARRAY_PUSH((apr_array_header_t *)baton, const char *) =
        apr_pstrdup(p, people_db_col(db, row, 0));
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

people_rc_e people_store_profile(apr_pool_t *p, people_db_t *db,
                                 const char *id, people_profile_t **out,
                                 const char **err)
{
    people_profile_t *u = apr_pcalloc(p, sizeof(*u));
    people_rc_e rc;
    int n = 0;

    rc = people_db_select(p, db, "people_profile", read_profile, u, &n, err, id);
    if (rc != PEOPLE_OK) {
        return rc;
    }
    if (n == 0) {
        return PEOPLE_NOT_FOUND;
    }
    u->groups = apr_array_make(p, 2, sizeof(people_group_t));
    u->contacts = apr_array_make(p, 8, sizeof(people_contact_t));
    if ((rc = people_db_select(p, db, "people_groups", read_group, u->groups,
                          NULL, err, id)) != PEOPLE_OK
        || (rc = people_db_select(p, db, "people_contacts", read_contact,
                             u->contacts, NULL, err, id)) != PEOPLE_OK) {
        return rc;
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

/* Locks a user's row (bumping the version) and reads the profile; checks
 * if_match against the tag before the bump. */
static people_rc_e lock_profile(apr_pool_t *p, people_db_t *db,
                                const char *id, const char *if_match,
                                people_profile_t **out, const char **err)
{
    people_profile_t *u, before;
    people_rc_e rc;
    int n = 0;

    if ((rc = people_db_exec(p, db, "people_lock", &n, err, id)) != PEOPLE_OK) {
        return rc;
    }
    if (n == 0) {
        *err = "user not found";
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
    *out = u;
    return PEOPLE_OK;
}

/* Stores a user's whole contact list, replacing what was there. */
static people_rc_e store_contacts(apr_pool_t *p, people_db_t *db,
                                  const char *id,
                                  const apr_array_header_t *list, int max,
                                  const char **err)
{
    people_rc_e rc;
    int i;

    if (list->nelts > max) {
        *err = apr_psprintf(p, "a user may hold at most %d contacts; this "
                            "request would leave %d", max, list->nelts);
        return PEOPLE_TOO_MANY;
    }
    if ((rc = people_db_exec(p, db, "people_contacts_clear", NULL, err, id))
        != PEOPLE_OK) {
        return rc;
    }
    for (i = 0; i < list->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(list, i, people_contact_t);
        if ((rc = people_db_exec(p, db, "people_contact_add", NULL, err, id,
                      apr_itoa(p, i), c->type, c->value)) != PEOPLE_OK) {
            return rc;
        }
    }
    return PEOPLE_OK;
}

static people_rc_e write_contacts(apr_pool_t *p, people_db_t *db,
                                  const char *id, const people_caller_t *who,
                                  people_op_e op,
                                  const apr_array_header_t *body, int max,
                                  const char *if_match,
                                  people_profile_t **out, const char **err)
{
    people_profile_t *u;
    apr_array_header_t *next;
    people_rc_e rc;

    if ((rc = lock_profile(p, db, id, if_match, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    if (who && (*err = people_write_forbidden(who->id, who->is_admin,
                                              who->is_owner, u))) {
        return PEOPLE_FORBIDDEN;
    }
    next = people_contacts_apply(p, op, u->contacts, body);
    if ((rc = store_contacts(p, db, id, next, max, err)) != PEOPLE_OK) {
        return rc;
    }
    u->contacts = next;
    *out = u;
    return PEOPLE_OK;
}

/* Runs one write in a transaction, committed only when it succeeds. */
#define IN_TXN(p, db, wait_ms, err, call) \
    do { \
        people_txn_t *t_; \
        people_rc_e rc_ = people_db_begin(p, db, wait_ms, &t_, err); \
        if (rc_ != PEOPLE_OK) { \
            return rc_; \
        } \
        if ((rc_ = (call)) != PEOPLE_OK) { \
            const char *ignored_ = NULL; \
            people_db_end(t_, 0, &ignored_); \
            return rc_; \
        } \
        return people_db_end(t_, 1, err); \
    } while (0)

people_rc_e people_store_write_contacts_as(apr_pool_t *p, people_db_t *db,
                                           const char *id,
                                           const people_caller_t *who,
                                           people_op_e op,
                                           const apr_array_header_t *body,
                                           int max, const char *if_match,
                                           int wait_ms,
                                           people_profile_t **out,
                                           const char **err)
{
    IN_TXN(p, db, wait_ms, err, write_contacts(p, db, id, who, op, body, max,
                                               if_match, out, err));
}

people_rc_e people_store_write_contacts(apr_pool_t *p, people_db_t *db,
                                        const char *id, people_op_e op,
                                        const apr_array_header_t *body,
                                        int max, const char *if_match,
                                        int wait_ms, people_profile_t **out,
                                        const char **err)
{
    return people_store_write_contacts_as(p, db, id, NULL, op, body, max,
                                          if_match, wait_ms, out, err);
}

/* The email is no other user's. */
static people_rc_e email_free(apr_pool_t *p, people_db_t *db,
                              const char *email, const char *id,
                              const char **err)
{
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(const char *));
    people_rc_e rc;
    int i;

    if ((rc = people_db_exec(p, db, "people_users_serialize", NULL, err))
        != PEOPLE_OK
        || (rc = people_db_select(p, db, "people_user_by_email", read_all_ids,
                                  ids, NULL, err, email)) != PEOPLE_OK) {
        return rc;
    }
    for (i = 0; i < ids->nelts; i++) {
        if (!id || strcmp(APR_ARRAY_IDX(ids, i, const char *), id)) {
            *err = apr_psprintf(p, "the email %s is taken by another user",
                                email);
            return PEOPLE_CONFLICT;
        }
    }
    return PEOPLE_OK;
}

static const char *flag(apr_pool_t *p, int v)
{
    return apr_itoa(p, v);
}

/* Writes a profile's fields as they stand in n. */
static people_rc_e store_fields(apr_pool_t *p, people_db_t *db,
                                const people_profile_t *n, const char **err)
{
    return people_db_exec(p, db, "people_user_update", NULL, err,
                          n->first_name ? n->first_name : "",
                          n->last_name ? n->last_name : "", n->email,
                          n->sex < 0 ? NULL : flag(p, n->sex), n->birthday,
                          n->work_from, n->location, n->notes, n->title,
                          n->department, n->lead, flag(p, n->is_visitor),
                          flag(p, n->status), n->terminated, n->id);
}

/* Applies a patch to a locked user u; the profile as it is then in *out. */
static people_rc_e apply_patch(apr_pool_t *p, people_db_t *db,
                               people_profile_t *u,
                               const people_patch_t *pt, int max,
                               apr_int64_t now, people_profile_t **out,
                               const char **err)
{
    people_profile_t *n = apr_palloc(p, sizeof(*n));
    const char *lead_id = NULL;
    people_rc_e rc;

    if (people_patch_changes(pt, u, PEOPLE_W_LEAD) && pt->value[PEOPLE_W_LEAD]) {
        rc = people_store_resolve(p, db, PEOPLE_USER_ID,
                                  pt->value[PEOPLE_W_LEAD], &lead_id, err);
        if (rc == PEOPLE_NOT_FOUND) {
            *err = "lead must be the id of an existing user";
            return PEOPLE_INVALID;
        }
        if (rc != PEOPLE_OK) {
            return rc;
        }
    }
    if (people_patch_changes(pt, u, PEOPLE_W_EMAIL)
        && (rc = email_free(p, db, pt->value[PEOPLE_W_EMAIL], u->id, err))
           != PEOPLE_OK) {
        return rc;
    }
    *n = people_patch_apply(pt, u, people_time_format(p, now));
    if ((rc = store_fields(p, db, n, err)) != PEOPLE_OK) {
        return rc;
    }
    if (pt->contacts) {
        /* a list replaces the stored one, as POST .../contacts does */
        n->contacts = people_contacts_apply(p, PEOPLE_OP_SET, u->contacts,
                                            pt->contacts);
        if ((rc = store_contacts(p, db, u->id, n->contacts, max, err))
            != PEOPLE_OK) {
            return rc;
        }
    }
    *out = n;
    return PEOPLE_OK;
}

static people_rc_e update_profile(apr_pool_t *p, people_db_t *db,
                                  const char *id, const people_caller_t *who,
                                  const people_patch_t *pt, int max,
                                  const char *if_match, apr_int64_t now,
                                  people_profile_t **out, const char **err)
{
    people_profile_t *u;
    people_rc_e rc;

    if ((rc = lock_profile(p, db, id, if_match, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    if ((*err = people_patch_forbidden(p, who->id, who->is_admin,
                                       who->is_owner, u, pt))) {
        return PEOPLE_FORBIDDEN;
    }
    return apply_patch(p, db, u, pt, max, now, out, err);
}

people_rc_e people_store_update_profile(apr_pool_t *p, people_db_t *db,
                                        const char *id,
                                        const people_caller_t *who,
                                        const people_patch_t *patch, int max,
                                        const char *if_match,
                                        apr_int64_t now, int wait_ms,
                                        people_profile_t **out,
                                        const char **err)
{
    IN_TXN(p, db, wait_ms, err, update_profile(p, db, id, who, patch, max,
                                               if_match, now, out, err));
}

/* Is the user name (lowercase key) free? */
static people_rc_e name_free(apr_pool_t *p, people_db_t *db, const char *key,
                             int *free_, const char **err)
{
    const char *id = NULL;
    people_rc_e rc = people_store_resolve(p, db, PEOPLE_USER_NAME, key, &id,
                                          err);
    *free_ = rc == PEOPLE_NOT_FOUND;
    return rc == PEOPLE_NOT_FOUND ? PEOPLE_OK : rc;
}

/* The given user name if free (else CONFLICT), or one derived from the
 * email: its local part, then with 2, 3... appended. */
static people_rc_e pick_username(apr_pool_t *p, people_db_t *db,
                                 const people_patch_t *pt, const char **out,
                                 const char **err)
{
    const char *base, *name;
    people_rc_e rc;
    int i, ok = 0;

    if (pt->username) {
        if ((rc = name_free(p, db, people_name_key(p, pt->username), &ok, err))
            != PEOPLE_OK) {
            return rc;
        }
        if (!ok) {
            *err = apr_psprintf(p, "the user name %s is taken", pt->username);
            return PEOPLE_CONFLICT;
        }
        *out = pt->username;
        return PEOPLE_OK;
    }
    base = people_username_from_email(p, pt->value[PEOPLE_W_EMAIL]);
    for (i = 1; ; i++) {
        /* a few numbers, then a random suffix: the search stays short
         * however many people share a local part */
        name = i == 1 ? base
             : i <= 100 ? apr_psprintf(p, "%s%d", base, i)
             : apr_psprintf(p, "%s-%08x", base, (unsigned)apr_time_now()
                                                ^ (unsigned)(i * 2654435761u));
        if ((rc = name_free(p, db, people_name_key(p, name), &ok, err))
            != PEOPLE_OK) {
            return rc;
        }
        if (ok) {
            *out = name;
            return PEOPLE_OK;
        }
    }
}

static people_rc_e add_user(apr_pool_t *p, people_db_t *db,
                            const people_patch_t *pt, int max,
                            apr_int64_t now, people_profile_t **out,
                            const char **err)
{
    const char *name = NULL, *id;
    people_profile_t *u;
    people_rc_e rc;
    apr_uuid_t uuid;
    char buf[APR_UUID_FORMATTED_LENGTH + 1];

    if ((rc = email_free(p, db, pt->value[PEOPLE_W_EMAIL], NULL, err))
        != PEOPLE_OK
        || (rc = pick_username(p, db, pt, &name, err)) != PEOPLE_OK) {
        return rc;
    }
    apr_uuid_get(&uuid);
    apr_uuid_format(buf, &uuid);
    id = people_uuid_normalise(p, buf);
    if ((rc = people_db_exec(p, db, "people_user_insert", NULL, err, id, name,
                             people_name_key(p, name),
                             pt->value[PEOPLE_W_FIRST_NAME],
                             pt->value[PEOPLE_W_LAST_NAME],
                             pt->value[PEOPLE_W_EMAIL])) != PEOPLE_OK
        || (rc = lock_profile(p, db, id, NULL, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    return apply_patch(p, db, u, pt, max, now, out, err);
}

people_rc_e people_store_add_user(apr_pool_t *p, people_db_t *db,
                                  const people_patch_t *patch, int max,
                                  apr_int64_t now, int wait_ms,
                                  people_profile_t **out, const char **err)
{
    IN_TXN(p, db, wait_ms, err, add_user(p, db, patch, max, now, out, err));
}

static people_rc_e set_status(apr_pool_t *p, people_db_t *db,
                              const apr_array_header_t *ids, int status,
                              apr_int64_t now, apr_array_header_t *out,
                              const char **err)
{
    people_rc_e rc;
    int i;

    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        people_profile_t *u;

        rc = lock_profile(p, db, id, NULL, &u, err);
        if (rc == PEOPLE_NOT_FOUND) {
            *err = apr_psprintf(p, "user %s not found", id);
        }
        if (rc != PEOPLE_OK) {
            return rc;
        }
        if (u->is_owner && u->status != status) {
            *err = "the owner's status cannot change";
            return PEOPLE_FORBIDDEN;
        }
        if (u->status != status) {
            /* terminated records when; leaving that status clears it */
            u->terminated = status == 2 ? people_time_format(p, now) : NULL;
            u->status = status;
            if ((rc = people_db_exec(p, db, "people_user_status", NULL, err,
                                     apr_itoa(p, status), u->terminated, id))
                != PEOPLE_OK) {
                return rc;
            }
        }
        APR_ARRAY_PUSH(out, people_profile_t *) = u;
    }
    return PEOPLE_OK;
}

people_rc_e people_store_set_status(apr_pool_t *p, people_db_t *db,
                                    const apr_array_header_t *ids,
                                    int status, apr_int64_t now, int wait_ms,
                                    apr_array_header_t **out,
                                    const char **err)
{
    *out = apr_array_make(p, ids->nelts + 1, sizeof(people_profile_t *));
    IN_TXN(p, db, wait_ms, err, set_status(p, db, ids, status, now, *out,
                                           err));
}

static people_rc_e delete_user(apr_pool_t *p, people_db_t *db,
                               const char *id, const char *if_match,
                               people_profile_t **out, const char **err)
{
    static const char *const steps[] = {
        "people_user_unlead", "people_group_unmanage_bump",
        "people_group_unmanage", "people_contacts_clear",
        "people_user_groups_clear", "people_user_tokens_clear",
        "people_user_delete", NULL
    };
    people_profile_t *u;
    people_rc_e rc;
    int i;

    if ((rc = lock_profile(p, db, id, if_match, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    if (u->status != 2 || u->is_owner) {
        *err = "only a terminated user can be deleted (set the status to "
               "Terminated first)";
        return PEOPLE_INVALID;
    }
    for (i = 0; steps[i]; i++) {
        if ((rc = people_db_exec(p, db, steps[i], NULL, err, id))
            != PEOPLE_OK) {
            return rc;
        }
    }
    /* the answer shows the profile as it was before this request */
    u->version--;
    *out = u;
    return PEOPLE_OK;
}

people_rc_e people_store_delete_user(apr_pool_t *p, people_db_t *db,
                                     const char *id, const char *if_match,
                                     int wait_ms, people_profile_t **out,
                                     const char **err)
{
    IN_TXN(p, db, wait_ms, err, delete_user(p, db, id, if_match, out, err));
}
