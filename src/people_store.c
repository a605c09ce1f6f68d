/* The store on apr_dbd. All SQL of the request path is in the statement
 * table below; it runs unchanged on sqlite3 and pgsql. Placeholders are
 * typed (%s text, %d integer, %lld bigint) because pgsql declares them in
 * PREPARE; values are always passed as text. */
#include <string.h>
#include <apr_strings.h>
#include <apr_uuid.h>

#include "people_store.h"
#include "people_directory.h"
#include "people_native.h"
#include "people_sqlite.h"
#include "people_identity.h"

/* Columns of a profile, in the order read_profile() takes them. */
#define PROFILE_COLUMNS \
    "id, username, first_name, last_name, email, birthday, sex, status, " \
    "activation_status, terminated, department, work_from, location, " \
    "notes, title, lead_id, avatar_small, avatar_medium, avatar, " \
    "is_admin, is_owner, is_visitor, is_ldap, is_sso, culture_name, " \
    "quota_limit, used_space, docs_space, mail_space, talk_space, version"

/* ---- The directory (spec section 9; run by people_directory.c) ----
 *
 * Prepared statements have fixed text, so the variable parts of a query
 * are chosen like this:
 * - sort key and order: statements per key and order (DIR_PAGE, 9 keys
 *   x 2 orders), each "ORDER BY key, id" on a stored lower-case key column
 *   (ties go by id). With no filter but the status (people_dir_page_*) an
 *   index on (key, id) gives the page in order and the scan stops after
 *   startIndex + count rows; the total comes from a count over an index
 *   on status. With one (people_dir_find_*), where the matches may be few
 *   and anywhere in the sort order, one sequential scan keeps the best
 *   startIndex + count rows (a top-N sort), and a counting scan follows
 *   only when the page is full (else the page gives the total);
 *   "key || ''" keeps the planner from walking the sort index with a
 *   random row read per person instead. An email
 *   sort for a caller who may not see every email orders by "the email if
 *   visible, else ''" (hidden emails sort as empty).
 * - filters: one WHERE for every statement (DIR_WHERE); each filter is
 *   turned off by a bound value (-1, 0 or NULL), not by other text. Its
 *   status test is written +status so that no planner reads the page
 *   through the status index (every active user) and sorts it.
 * - filterValue: up to PEOPLE_DIR_WORDS words, each a bound LIKE pattern
 *   (NULL when unused), matched with one LIKE against search_key: the
 *   email's key, then the keys of the fields everyone sees, joined by
 *   newlines (no field and no word holds one, so a word never spans two
 *   fields). For a caller who sees every email the pattern is "%word%";
 *   for one who does not, "%<newline>%word%", which cannot match inside
 *   the email, the first field; their own email is matched on its own
 *   (id = caller). Patterns are escaped with \.
 * - filterBy: a CASE on a bound field number picks the key column.
 * - a page's profiles, groups and contacts: one statement each with
 *   "id IN" 100 placeholders (unused ones NULL): a page of up to 100 people
 *   costs 3 statements after the page's ids, never a scan of all contacts.
 * Keys are folded in C (people_fold), never by the database's lower(),
 * which differs between SQLite (ASCII only) and PostgreSQL (locale). */
/* Values arrive as text (sqlite3 binds them so), and SQLite compares text
 * with a number as unequal: a number compared with anything but a column
 * is cast first. */
#define DIR_INT "CAST(%d AS INTEGER)"
#define DIR_EV "(" DIR_INT " = 1 OR id = %s)"
#define DIR_ESC " ESCAPE '\\'"
#define DIR_WORD \
    "AND (%s IS NULL OR search_key LIKE %s" DIR_ESC \
    " OR (id = %s AND email_key LIKE %s" DIR_ESC ")) "
#define DIR_WHERE \
    "WHERE (+status = " DIR_INT " OR +status = " DIR_INT ") " \
    "AND (" DIR_INT " < 0 OR activation_status = %d) " \
    "AND (" DIR_INT " < 0 OR is_visitor = %d) " \
    "AND (" DIR_INT " = 0 OR is_admin = 1 OR is_owner = 1) " \
    "AND (%s IS NULL OR id IN (SELECT user_id FROM people_user_groups " \
    "WHERE group_id = %s)) " \
    DIR_WORD DIR_WORD DIR_WORD DIR_WORD DIR_WORD DIR_WORD DIR_WORD DIR_WORD \
    "AND (" DIR_INT " < 0 OR (CASE " DIR_INT " WHEN 0 THEN display_key WHEN 1 THEN first_key " \
    "WHEN 2 THEN last_key WHEN 3 THEN username_key " \
    "WHEN 4 THEN (CASE WHEN " DIR_EV " THEN email_key END) " \
    "WHEN 5 THEN department_key WHEN 6 THEN title_key " \
    "ELSE location_key END) LIKE %s" DIR_ESC ") "
#define DIR_PAGE(name, key) \
    {"people_dir_page_" name "_asc", "SELECT id FROM people_users " \
     DIR_WHERE "ORDER BY " key ", id LIMIT " DIR_INT " OFFSET " DIR_INT}, \
    {"people_dir_page_" name "_desc", "SELECT id FROM people_users " \
     DIR_WHERE "ORDER BY " key " DESC, id DESC LIMIT " DIR_INT " OFFSET " \
     DIR_INT}, \
    {"people_dir_find_" name "_asc", "SELECT id FROM people_users " \
     DIR_WHERE "ORDER BY " key " || '', id LIMIT " DIR_INT " OFFSET " \
     DIR_INT}, \
    {"people_dir_find_" name "_desc", "SELECT id FROM people_users " \
     DIR_WHERE "ORDER BY " key " || '' DESC, id DESC LIMIT " DIR_INT \
     " OFFSET " DIR_INT}
#define DIR_P10 "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s"
#define DIR_P100 DIR_P10 "," DIR_P10 "," DIR_P10 "," DIR_P10 "," DIR_P10 \
    "," DIR_P10 "," DIR_P10 "," DIR_P10 "," DIR_P10 "," DIR_P10
#define DIR_STATEMENTS \
    DIR_PAGE("displayname", "display_key"), \
    DIR_PAGE("firstname", "first_key"), \
    DIR_PAGE("lastname", "last_key"), \
    DIR_PAGE("username", "username_key"), \
    DIR_PAGE("email", "email_key"), \
    DIR_PAGE("emailmasked", \
             "(CASE WHEN " DIR_EV " THEN email_key ELSE '' END)"), \
    DIR_PAGE("department", "department_key"), \
    DIR_PAGE("title", "title_key"), \
    DIR_PAGE("location", "location_key"), \
    {"people_dir_count", "SELECT COUNT(*) FROM people_users " DIR_WHERE}, \
    {"people_dir_count_status", "SELECT COUNT(*) FROM people_users " \
     "WHERE status = %d OR status = %d"}, \
    {"people_dir_profiles", "SELECT " PROFILE_COLUMNS " FROM people_users " \
     "WHERE id IN (" DIR_P100 ")"}, \
    {"people_dir_groups", \
     "SELECT ug.user_id, g.id, g.name, m.username FROM people_user_groups ug " \
     "JOIN people_groups g ON g.id = ug.group_id " \
     "LEFT JOIN people_users m ON m.id = g.manager_id " \
     "WHERE ug.user_id IN (" DIR_P100 ") ORDER BY ug.user_id, g.name, g.id"}, \
    {"people_dir_contacts", \
     "SELECT user_id, type, value FROM people_contacts " \
     "WHERE user_id IN (" DIR_P100 ") ORDER BY user_id, pos"}, \
    {"people_dir_email", \
     "SELECT id FROM people_users WHERE email_key = %s AND " DIR_EV \
     " AND (" DIR_INT " = 1 OR status <> 2) ORDER BY id"}, \
    {"people_dir_keys_of", \
     "SELECT id, username, first_name, last_name, email, title, " \
     "department, location FROM people_users WHERE id = %s"}, \
    {"people_dir_keys_all", \
     "SELECT id, username, first_name, last_name, email, title, " \
     "department, location FROM people_users"}, \
    {"people_dir_keys_set", \
     "UPDATE people_users SET first_key = %s, last_key = %s, " \
     "display_key = %s, email_key = %s, title_key = %s, " \
     "department_key = %s, location_key = %s, search_key = %s " \
     "WHERE id = %s"}
/* NULLs filling the profile's columns in the other parts of the snapshot */
#define NULLS4  "NULL, NULL, NULL, NULL, "
#define NULLS28 NULLS4 NULLS4 NULLS4 NULLS4 NULLS4 NULLS4 NULLS4

const people_stmt_def_t people_statements[] = {
    /* a probe for people_db_recover() */
    {"people_ping", "SELECT 1"},
    {"people_auth",
     "SELECT u.id, u.username, u.is_admin, u.is_owner, u.status, "
     "u.is_visitor "
     "FROM people_tokens t JOIN people_users u ON u.id = t.user_id "
     "WHERE t.hash = %s AND t.revoked = 0 "
     "AND (t.expires IS NULL OR t.expires > %lld)"},
    /* the token and the profile it asks for (its own when the first
     * argument is NULL) in one statement: the read path of a GET */
    {"people_auth_profile",
     "SELECT u.id, u.username, u.is_admin, u.is_owner, u.status, "
     "u.is_visitor, p.* "
     "FROM people_tokens t JOIN people_users u ON u.id = t.user_id "
     "LEFT JOIN (SELECT " PROFILE_COLUMNS " FROM people_users) p "
     "ON p.id = COALESCE(%s, t.user_id) "
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
    /* identity from httpd (spec section 10): the caller by login name or
     * by email, both matched case-insensitively (the key is lowercased by
     * the caller) */
    {"people_login_by_name",
     "SELECT id, username, is_admin, is_owner, status FROM people_users "
     "WHERE username_key = %s"},
    {"people_login_by_email",
     "SELECT id, username, is_admin, is_owner, status FROM people_users "
     "WHERE lower(email) = %s ORDER BY id"},
    {"people_login_create",
     "INSERT INTO people_users (id, username, username_key, first_name, "
     "last_name, email, activation_status) VALUES (%s, %s, %s, %s, %s, %s, 1)"},
    /* mapped attributes: every mappable column at once, the version bumped
     * by people_lock before */
    {"people_map_fields",
     "UPDATE people_users SET first_name = %s, last_name = %s, email = %s, "
     "title = %s, department = %s, location = %s, is_ldap = %d WHERE id = %s"},
    /* the token endpoint; a user's expired tokens go when a new one comes */
    {"people_token_issue",
     "INSERT INTO people_tokens (hash, user_id, label, created, expires, "
     "revoked) VALUES (%s, %s, %s, %lld, %lld, 0)"},
    {"people_token_purge",
     "DELETE FROM people_tokens WHERE user_id = %s AND expires IS NOT NULL "
     "AND expires <= %lld"},
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
    DIR_STATEMENTS,
    {NULL, NULL}
};

const char *people_store_error(people_db_t *db, int rv)
{
    const char *e = apr_dbd_error(db->driver, db->handle, rv);
    return e ? e : "unknown database error";
}

static apr_dbd_prepared_t *people_stmt(people_db_t *db, const char *label)
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
        apr_dbd_prepared_t *st = people_stmt(db, d->label);
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
    apr_dbd_prepared_t *st = people_stmt(db, label);
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
    apr_dbd_prepared_t *st = people_stmt(db, label);
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

static apr_int64_t people_col_int(people_db_t *db, apr_dbd_row_t *row, int n,
                                  apr_int64_t dflt)
{
    const char *v = people_db_col(db, row, n);
    return (v && *v) ? apr_atoi64(v) : dflt;
}

static void people_read_caller(apr_pool_t *p, people_db_t *db,
                               apr_dbd_row_t *row,
                               int ncols, void *baton)
{
    people_caller_t *c = baton;
    c->id = apr_pstrdup(p, people_db_col(db, row, 0));
    c->username = apr_pstrdup(p, people_db_col(db, row, 1));
    c->is_admin = (int)people_col_int(db, row, 2, 0);
    c->is_owner = (int)people_col_int(db, row, 3, 0);
    c->status = (int)people_col_int(db, row, 4, 1);
    c->is_visitor = ncols > 5 ? (int)people_col_int(db, row, 5, 0) : 0;
}

people_rc_e people_store_auth(apr_pool_t *p, people_db_t *db,
                              const char *token_hash, apr_int64_t now,
                              people_caller_t *out, const char **err)
{
    int n = 0;
    people_rc_e rc = people_db_select(p, db, "people_auth",
                                      people_read_caller, out, &n,
                                 err, token_hash,
                                 apr_psprintf(p, "%" APR_INT64_T_FMT, now));
    if (rc == PEOPLE_OK && n == 0) {
        return PEOPLE_NOT_FOUND;
    }
    return rc;
}

static void people_read_all_ids(apr_pool_t *p, people_db_t *db,
                                apr_dbd_row_t *row,
                                int ncols, void *baton)
{
    (void)ncols;
    APR_ARRAY_PUSH((apr_array_header_t *)baton, const char *) =
        apr_pstrdup(p, people_db_col(db, row, 0));
}

static void people_read_first(apr_pool_t *p, people_db_t *db,
                              apr_dbd_row_t *row,
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
                     people_read_first, id, NULL, err, key);
    if (rc == PEOPLE_OK && !*id) {
        return PEOPLE_NOT_FOUND;
    }
    return rc;
}

static const char *people_dup_col(apr_pool_t *p, people_db_t *db,
                                  apr_dbd_row_t *row, int n)
{
    const char *v = people_db_col(db, row, n);
    return v ? apr_pstrdup(p, v) : NULL;
}

void people_profile_row(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                        int ncols, void *baton)
{
    (void)ncols;
    people_profile_t *u = baton;
    int i = 0;

    u->id = people_dup_col(p, db, row, i++);
    u->username = people_dup_col(p, db, row, i++);
    u->first_name = people_dup_col(p, db, row, i++);
    u->last_name = people_dup_col(p, db, row, i++);
    u->email = people_dup_col(p, db, row, i++);
    u->birthday = people_dup_col(p, db, row, i++);
    u->sex = (int)people_col_int(db, row, i++, -1);
    u->status = (int)people_col_int(db, row, i++, 1);
    u->activation_status = (int)people_col_int(db, row, i++, 0);
    u->terminated = people_dup_col(p, db, row, i++);
    u->department = people_dup_col(p, db, row, i++);
    u->work_from = people_dup_col(p, db, row, i++);
    u->location = people_dup_col(p, db, row, i++);
    u->notes = people_dup_col(p, db, row, i++);
    u->title = people_dup_col(p, db, row, i++);
    u->lead = people_dup_col(p, db, row, i++);
    u->avatar_small = people_dup_col(p, db, row, i++);
    u->avatar_medium = people_dup_col(p, db, row, i++);
    u->avatar = people_dup_col(p, db, row, i++);
    u->is_admin = (int)people_col_int(db, row, i++, 0);
    u->is_owner = (int)people_col_int(db, row, i++, 0);
    u->is_visitor = (int)people_col_int(db, row, i++, 0);
    u->is_ldap = (int)people_col_int(db, row, i++, 0);
    u->is_sso = (int)people_col_int(db, row, i++, 0);
    u->culture_name = people_dup_col(p, db, row, i++);
    u->quota_limit = people_col_int(db, row, i++, -1);
    u->used_space = people_col_int(db, row, i++, 0);
    u->docs_space = people_col_int(db, row, i++, 0);
    u->mail_space = people_col_int(db, row, i++, 0);
    u->talk_space = people_col_int(db, row, i++, 0);
    u->version = people_col_int(db, row, i++, 0);
}

static void people_read_group(apr_pool_t *p, people_db_t *db,
                              apr_dbd_row_t *row,
                              int ncols, void *baton)
{
    (void)ncols;
    people_group_t *g = apr_array_push((apr_array_header_t *)baton);
    g->id = people_dup_col(p, db, row, 0);
    g->name = people_dup_col(p, db, row, 1);
    g->manager = people_dup_col(p, db, row, 2);
}

static void people_read_contact(apr_pool_t *p, people_db_t *db,
                                apr_dbd_row_t *row,
                                int ncols, void *baton)
{
    (void)ncols;
    people_contact_t *c = apr_array_push((apr_array_header_t *)baton);
    c->type = people_dup_col(p, db, row, 0);
    c->value = people_dup_col(p, db, row, 1);
    if (!c->value) {
        c->value = "";
    }
}

/* One row of people_profile_snapshot, by its part (column 31). */
static void people_read_snapshot_row(apr_pool_t *p, people_db_t *db,
                                     apr_dbd_row_t *row, int ncols,
                                     void *baton)
{
    people_profile_t *u = baton;
    switch (people_col_int(db, row, ncols - 2, -1)) {
    case 0:
        people_profile_row(p, db, row, ncols, u);
        break;
    case 1:
        people_read_group(p, db, row, ncols, u->groups);
        break;
    case 2:
        people_read_contact(p, db, row, ncols, u->contacts);
        break;
    }
}

people_rc_e people_store_profile(apr_pool_t *p, people_db_t *db,
                                 const char *id, people_profile_t **out,
                                 const char **err)
{
    people_profile_t *u;
    people_rc_e rc;

    if (db->native) {
        /* inside a write's transaction: it joins it, and does not wait */
        return people_native_profile(p, db->native, id, 0, out, err);
    }
    u = apr_pcalloc(p, sizeof(*u));
    /* one statement rather than three selects: a write committed between
     * them would give one version's fields with the next one's contacts
     * (and no transaction to open, so this also serves inside a write's) */
    u->groups = apr_array_make(p, 2, sizeof(people_group_t));
    u->contacts = apr_array_make(p, 8, sizeof(people_contact_t));
    rc = people_db_select(p, db, "people_profile_snapshot",
                          people_read_snapshot_row,
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

static int people_txn_exec(people_txn_t *t, const char *sql)
{
    int nrows = 0;
    return apr_dbd_query(t->db->driver, t->db->handle, &nrows, sql);
}

static apr_status_t people_txn_rollback(void *data)
{
    people_txn_t *t = data;
    if (t->open) {
        t->open = 0;
        people_txn_exec(t, "ROLLBACK");
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
    else if ((rv = people_txn_exec(t, "BEGIN")) != 0) {
        *err = apr_pstrcat(p, "begin: ", people_store_error(db, rv), NULL);
        return PEOPLE_DB_ERROR;
    }
    t->open = 1;
    apr_pool_cleanup_register(p, t, people_txn_rollback,
                              apr_pool_cleanup_null);
    *out = t;
    return PEOPLE_OK;
}

people_rc_e people_db_begin_read(apr_pool_t *p, people_db_t *db,
                                 people_txn_t **out, const char **err)
{
    people_txn_t *t = apr_pcalloc(p, sizeof(*t));
    int rv;

    t->db = db;
    t->pool = p;
    /* sqlite3: a deferred BEGIN takes no lock until the first read, whose
     * WAL snapshot then lasts to the end; pgsql: one snapshot for all */
    rv = people_txn_exec(t, strcmp(apr_dbd_name(db->driver), "sqlite3") == 0
                     ? "BEGIN"
                     : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (rv != 0) {
        *err = apr_pstrcat(p, "begin: ", people_store_error(db, rv), NULL);
        people_txn_exec(t, "ROLLBACK");
        return PEOPLE_DB_ERROR;
    }
    t->open = 1;
    apr_pool_cleanup_register(p, t, people_txn_rollback,
                              apr_pool_cleanup_null);
    *out = t;
    return PEOPLE_OK;
}

people_rc_e people_db_end(people_txn_t *t, int commit, const char **err)
{
    int rv = 0;
    apr_pool_cleanup_kill(t->pool, t, people_txn_rollback);
    if (commit) {
        rv = people_txn_exec(t, "COMMIT");
        if (rv == 0) {
            t->open = 0;
        }
        else {
            *err = apr_pstrcat(t->pool, "commit: ",
                               people_store_error(t->db, rv), NULL);
        }
    }
    /* a failed COMMIT leaves the transaction open on sqlite3 */
    people_txn_rollback(t);
    return rv == 0 ? PEOPLE_OK : PEOPLE_COMMIT_FAILED;
}

/* The first steps of every write: bumping the version takes the user's
 * row lock (pgsql), then the profile is read under it. */
static people_rc_e people_lock_user(apr_pool_t *p, people_db_t *db,
                                    const char *id,
                                    people_profile_t **u, const char **err)
{
    people_rc_e rc;
    int n = 0;

    if ((rc = people_db_exec(p, db, "people_lock", &n, err,
                             id)) != PEOPLE_OK) {
        return rc;
    }
    if (n == 0) {
        return PEOPLE_NOT_FOUND;
    }
    return people_store_profile(p, db, id, u, err);
}

/* Stores a user's whole contact list, in order. */
static people_rc_e people_put_contacts(apr_pool_t *p, people_db_t *db,
                                       const char *id,
                                       const apr_array_header_t *list,
                                       const char **err)
{
    people_rc_e rc;
    int i;

    if ((rc = people_db_exec(p, db, "people_contacts_clear", NULL, err, id))
        != PEOPLE_OK) {
        return rc;
    }
    for (i = 0; i < list->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(list, i, people_contact_t);
        if ((rc = people_db_exec(p, db, "people_contact_add", NULL, err, id,
                                 apr_itoa(p, i), c->type, c->value))
            != PEOPLE_OK) {
            return rc;
        }
    }
    return PEOPLE_OK;
}

/* Does If-Match (NULL: none sent) name the profile as the caller saw it,
 * which is the version before this write's lock bumped it? */
static int people_if_match_ok(apr_pool_t *p, const people_profile_t *u,
                              const char *if_match)
{
    people_profile_t before;

    if (!if_match) {
        return 1;
    }
    before = *u;
    before.version--;
    return people_etag_listed(if_match, people_etag(p, &before, 1), 1);
}

static people_rc_e people_write_contacts(apr_pool_t *p, people_db_t *db,
                                         const char *id, people_op_e op,
                                         const apr_array_header_t *body,
                                         int max,
                                         const char *if_match,
                                         people_profile_t **out,
                                         const char **err)
{
    people_profile_t *u;
    apr_array_header_t *next;
    people_rc_e rc;

    if ((rc = people_lock_user(p, db, id, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    if (!people_if_match_ok(p, u, if_match)) {
        return PEOPLE_PRECONDITION;
    }
    next = people_contacts_apply(p, op, u->contacts, body);
    if (next->nelts > max) {
        *err = apr_psprintf(p, "a user may hold at most %d contacts; this "
                            "request would leave %d", max, next->nelts);
        return PEOPLE_TOO_MANY;
    }
    if ((rc = people_put_contacts(p, db, id, next, err)) != PEOPLE_OK) {
        return rc;
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
    rc = people_write_contacts(p, db, id, op, body, max, if_match, out, err);
    if (rc != PEOPLE_OK) {
        people_db_end(t, 0, err);
        return rc;
    }
    return people_db_end(t, 1, err);
}

/* ---- Profile writes and user management (spec section 11) ---- */

/* lock_user, and if_match checked against the tag before the bump. */
static people_rc_e people_lock_profile(apr_pool_t *p, people_db_t *db,
                                       const char *id, const char *if_match,
                                       people_profile_t **out,
                                       const char **err)
{
    people_profile_t *u;
    people_rc_e rc = people_lock_user(p, db, id, &u, err);

    if (rc == PEOPLE_NOT_FOUND) {
        *err = "user not found";
    }
    if (rc != PEOPLE_OK) {
        return rc;
    }
    if (!people_if_match_ok(p, u, if_match)) {
        return PEOPLE_PRECONDITION;
    }
    *out = u;
    return PEOPLE_OK;
}

/* Stores a user's whole contact list, replacing what was there, when it
 * holds at most max. */
static people_rc_e people_store_contacts(apr_pool_t *p, people_db_t *db,
                                         const char *id,
                                         const apr_array_header_t *list,
                                         int max,
                                         const char **err)
{
    if (list->nelts > max) {
        *err = apr_psprintf(p, "a user may hold at most %d contacts; this "
                            "request would leave %d", max, list->nelts);
        return PEOPLE_TOO_MANY;
    }
    return people_put_contacts(p, db, id, list, err);
}

static people_rc_e people_write_contacts_as(apr_pool_t *p, people_db_t *db,
                                  const char *id, const people_caller_t *who,
                                  people_op_e op,
                                  const apr_array_header_t *body, int max,
                                  const char *if_match,
                                  people_profile_t **out, const char **err)
{
    people_profile_t *u;
    apr_array_header_t *next;
    people_rc_e rc;

    if ((rc = people_lock_profile(p, db, id, if_match, &u,
                                  err)) != PEOPLE_OK) {
        return rc;
    }
    if (who && (*err = people_write_forbidden(who->id, who->is_admin,
                                              who->is_owner, u))) {
        return PEOPLE_FORBIDDEN;
    }
    next = people_contacts_apply(p, op, u->contacts, body);
    if ((rc = people_store_contacts(p, db, id, next, max, err)) != PEOPLE_OK) {
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
    IN_TXN(p, db, wait_ms, err, people_write_contacts_as(p, db, id, who, op,
                                                         body, max,
                                               if_match, out, err));
}


/* The email is no other user's. */
static people_rc_e people_email_free(apr_pool_t *p, people_db_t *db,
                                     const char *email, const char *id,
                                     const char **err)
{
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(const char *));
    people_rc_e rc;
    int i;

    if ((rc = people_db_exec(p, db, "people_users_serialize", NULL, err))
        != PEOPLE_OK
        || (rc = people_db_select(p, db, "people_user_by_email",
                                  people_read_all_ids,
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

static const char *people_flag(apr_pool_t *p, int v)
{
    return apr_itoa(p, v);
}

/* Writes a profile's fields as they stand in n. */
static people_rc_e people_store_fields(apr_pool_t *p, people_db_t *db,
                                       const people_profile_t *n,
                                       const char **err)
{
    return people_db_exec(p, db, "people_user_update", NULL, err,
                          n->first_name ? n->first_name : "",
                          n->last_name ? n->last_name : "", n->email,
                          n->sex < 0 ? NULL : people_flag(p, n->sex),
                          n->birthday,
                          n->work_from, n->location, n->notes, n->title,
                          n->department, n->lead, people_flag(p,
                                                              n->is_visitor),
                          people_flag(p, n->status), n->terminated, n->id);
}

/* Applies a patch to a locked user u; the profile as it is then in *out. */
static people_rc_e people_apply_patch(apr_pool_t *p, people_db_t *db,
                                      people_profile_t *u,
                                      const people_patch_t *pt, int max,
                                      apr_int64_t now, people_profile_t **out,
                                      const char **err)
{
    people_profile_t *n = apr_palloc(p, sizeof(*n));
    const char *lead_id = NULL;
    people_rc_e rc;

    if (people_patch_changes(pt, u,
                             PEOPLE_W_LEAD) && pt->value[PEOPLE_W_LEAD]) {
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
        && (rc = people_email_free(p, db, pt->value[PEOPLE_W_EMAIL], u->id,
                                   err))
           != PEOPLE_OK) {
        return rc;
    }
    *n = people_patch_apply(pt, u, people_time_format(p, now));
    /* the directory's search and sort keys follow the fields */
    if ((rc = people_store_fields(p, db, n, err)) != PEOPLE_OK
        || (rc = people_dir_refresh_keys(p, db, u->id, err)) != PEOPLE_OK) {
        return rc;
    }
    if (pt->contacts) {
        /* a list replaces the stored one, as POST .../contacts does */
        n->contacts = people_contacts_apply(p, PEOPLE_OP_SET, u->contacts,
                                            pt->contacts);
        if ((rc = people_store_contacts(p, db, u->id, n->contacts, max, err))
            != PEOPLE_OK) {
            return rc;
        }
    }
    *out = n;
    return PEOPLE_OK;
}

static people_rc_e people_update_profile(apr_pool_t *p, people_db_t *db,
                                         const char *id,
                                         const people_caller_t *who,
                                         const people_patch_t *pt, int max,
                                         const char *if_match, apr_int64_t now,
                                         people_profile_t **out,
                                         const char **err)
{
    people_profile_t *u;
    people_rc_e rc;

    if ((rc = people_lock_profile(p, db, id, if_match, &u,
                                  err)) != PEOPLE_OK) {
        return rc;
    }
    if ((*err = people_patch_forbidden(p, who->id, who->is_admin,
                                       who->is_owner, u, pt))) {
        return PEOPLE_FORBIDDEN;
    }
    return people_apply_patch(p, db, u, pt, max, now, out, err);
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
    IN_TXN(p, db, wait_ms, err, people_update_profile(p, db, id, who, patch,
                                                      max,
                                                      if_match, now, out,
                                                      err));
}

/* Is the user name (lowercase key) free? */
static people_rc_e people_name_free(apr_pool_t *p, people_db_t *db,
                                    const char *key,
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
static people_rc_e people_pick_username(apr_pool_t *p, people_db_t *db,
                                        const people_patch_t *pt,
                                        const char **out,
                                        const char **err)
{
    const char *base, *name;
    people_rc_e rc;
    int i, ok = 0;

    if (pt->username) {
        if ((rc = people_name_free(p, db, people_name_key(p, pt->username),
                                   &ok, err))
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
        if ((rc = people_name_free(p, db, people_name_key(p, name), &ok, err))
            != PEOPLE_OK) {
            return rc;
        }
        if (ok) {
            *out = name;
            return PEOPLE_OK;
        }
    }
}

static people_rc_e people_add_user(apr_pool_t *p, people_db_t *db,
                                   const people_patch_t *pt, int max,
                                   apr_int64_t now, people_profile_t **out,
                                   const char **err)
{
    const char *name = NULL, *id;
    people_profile_t *u;
    people_rc_e rc;
    apr_uuid_t uuid;
    char buf[APR_UUID_FORMATTED_LENGTH + 1];

    if ((rc = people_email_free(p, db, pt->value[PEOPLE_W_EMAIL], NULL, err))
        != PEOPLE_OK
        || (rc = people_pick_username(p, db, pt, &name, err)) != PEOPLE_OK) {
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
        || (rc = people_lock_profile(p, db, id, NULL, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    return people_apply_patch(p, db, u, pt, max, now, out, err);
}

people_rc_e people_store_add_user(apr_pool_t *p, people_db_t *db,
                                  const people_patch_t *patch, int max,
                                  apr_int64_t now, int wait_ms,
                                  people_profile_t **out, const char **err)
{
    IN_TXN(p, db, wait_ms, err, people_add_user(p, db, patch, max, now, out,
                                                err));
}

static people_rc_e people_set_status(apr_pool_t *p, people_db_t *db,
                                     const apr_array_header_t *ids, int status,
                                     apr_int64_t now, apr_array_header_t *out,
                                     const char **err)
{
    people_rc_e rc;
    int i;

    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        people_profile_t *u;

        rc = people_lock_profile(p, db, id, NULL, &u, err);
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
    IN_TXN(p, db, wait_ms, err, people_set_status(p, db, ids, status, now,
                                                  *out,
                                                  err));
}

static people_rc_e people_delete_user(apr_pool_t *p, people_db_t *db,
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

    if ((rc = people_lock_profile(p, db, id, if_match, &u,
                                  err)) != PEOPLE_OK) {
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
    IN_TXN(p, db, wait_ms, err, people_delete_user(p, db, id, if_match, out,
                                                   err));
}

/* ------------------------------------------------------------------ */
/* Identity from httpd */

/* Collects every row into an array of people_caller_t. */
static void people_read_callers(apr_pool_t *p, people_db_t *db,
                                apr_dbd_row_t *row,
                                int ncols, void *baton)
{
    people_read_caller(p, db, row, ncols,
                       apr_array_push((apr_array_header_t *)baton));
}

people_rc_e people_store_find_login(apr_pool_t *p, people_db_t *db,
                                    int by_email, const char *login,
                                    people_caller_t *out, const char **err)
{
    apr_array_header_t *found = apr_array_make(p, 1, sizeof(people_caller_t));
    people_rc_e rc;

    rc = people_db_select(p, db, by_email ? "people_login_by_email"
                                          : "people_login_by_name",
                          people_read_callers, found, NULL, err,
                          people_name_key(p, login));
    if (rc != PEOPLE_OK) {
        return rc;
    }
    /* an email two users share names no one */
    if (found->nelts != 1) {
        return PEOPLE_NOT_FOUND;
    }
    *out = APR_ARRAY_IDX(found, 0, people_caller_t);
    return PEOPLE_OK;
}

/* The user name a new user gets: the login itself, or, matched by email,
 * the email's local part, made unique with a number. */
static const char *people_new_login_name(apr_pool_t *p, const char *local,
                                         int n)
{
    return n ? apr_psprintf(p, "%s%d", local, n + 1) : local;
}

static people_rc_e people_create_user(apr_pool_t *p, people_db_t *db,
                                      const char *id, const char *name,
                                      const char *email, const char *first,
                                      const char *last, int wait_ms,
                                      const char **err)
{
    people_txn_t *t;
    people_rc_e rc;

    if ((rc = people_db_begin(p, db, wait_ms, &t, err)) != PEOPLE_OK) {
        return rc;
    }
    rc = people_db_exec(p, db, "people_login_create", NULL, err, id, name,
                        people_name_key(p, name), first ? first : "",
                        last ? last : "", email);
    if (rc == PEOPLE_OK) {
        /* the directory finds and sorts a new user by these at once */
        rc = people_dir_refresh_keys(p, db, id, err);
    }
    if (rc != PEOPLE_OK) {
        people_db_end(t, 0, err);
        return rc;
    }
    return people_db_end(t, 1, err);
}

people_rc_e people_store_create_login(apr_pool_t *p, people_db_t *db,
                                      int by_email, const char *login,
                                      const char *first, const char *last,
                                      int wait_ms, people_caller_t *out,
                                      const char **err)
{
    const char *id = people_uuid_generate(p), *local = login, *at;
    const char *email = by_email ? login : NULL;
    people_rc_e rc = PEOPLE_DB_ERROR;
    int n;

    if (!id) {
        *err = "no randomness for a new user's id";
        return PEOPLE_DB_ERROR;
    }
    if (by_email && (at = strchr(login, '@')) != NULL) {
        local = apr_pstrmemdup(p, login, at - login);
    }
    for (n = 0; n < 10; n++) {
        const char *name = by_email ? people_new_login_name(p, local,
                                                            n) : login;
        const char *ignored = NULL;
        people_caller_t taken;

        if (by_email && people_store_find_login(p, db, 0, name, &taken,
                                                &ignored) == PEOPLE_OK) {
            continue;
        }
        rc = people_create_user(p, db, id, name, email, first, last, wait_ms,
                                err);
        if (rc == PEOPLE_OK || !by_email) {
            break;
        }
    }
    /* whether this request made the user or a concurrent first request
     * did (the insert then failed on the unique name), it exists now */
    if (people_store_find_login(p, db, by_email, login, out, err)
        == PEOPLE_OK) {
        return PEOPLE_OK;
    }
    return rc == PEOPLE_OK ? PEOPLE_NOT_FOUND : rc;
}

people_rc_e people_store_map_check(apr_pool_t *p, people_db_t *db,
                                   const char *id, const people_mapped_t *m,
                                   int is_ldap, int *changed,
                                   const char **err)
{
    people_profile_t *u, next;
    people_rc_e rc = people_store_profile(p, db, id, &u, err);

    if (rc == PEOPLE_OK) {
        *changed = people_map_apply(p, u, m, is_ldap, &next);
    }
    return rc;
}

static people_rc_e people_write_mapped(apr_pool_t *p, people_db_t *db,
                                       const char *id,
                                       const people_mapped_t *m,
                                       int is_ldap, int max, int *changed,
                                       const char **err)
{
    people_profile_t *u, next;
    people_rc_e rc;

    if ((rc = people_lock_user(p, db, id, &u, err)) != PEOPLE_OK) {
        return rc;
    }
    /* read again under the lock: a concurrent request may have written
     * the same values; then nothing is written and the version stays */
    if (!(*changed = people_map_apply(p, u, m, is_ldap, &next))) {
        return PEOPLE_OK;
    }
    if (next.contacts->nelts > max) {
        *err = apr_psprintf(p, "the mapped contacts would leave %d contacts, "
                            "more than the %d allowed", next.contacts->nelts,
                            max);
        return PEOPLE_TOO_MANY;
    }
    rc = people_db_exec(p, db, "people_map_fields", NULL, err,
                        next.first_name ? next.first_name : "",
                        next.last_name ? next.last_name : "", next.email,
                        next.title, next.department, next.location,
                        next.is_ldap ? "1" : "0", id);
    if (rc == PEOPLE_OK) {
        rc = people_dir_refresh_keys(p, db, id, err);
    }
    if (rc != PEOPLE_OK || next.contacts == u->contacts) {
        return rc;
    }
    return people_put_contacts(p, db, id, next.contacts, err);
}

people_rc_e people_store_map_write(apr_pool_t *p, people_db_t *db,
                                   const char *id, const people_mapped_t *m,
                                   int is_ldap, int max, int wait_ms,
                                   int *changed, const char **err)
{
    people_txn_t *t;
    people_rc_e rc;

    *changed = 0;
    if ((rc = people_db_begin(p, db, wait_ms, &t, err)) != PEOPLE_OK) {
        return rc;
    }
    rc = people_write_mapped(p, db, id, m, is_ldap, max, changed, err);
    if (rc != PEOPLE_OK || !*changed) {
        /* nothing to keep: the version bump of the lock goes as well */
        people_db_end(t, 0, err);
        return rc;
    }
    return people_db_end(t, 1, err);
}

people_rc_e people_store_issue_token(apr_pool_t *p, people_db_t *db,
                                     const char *user_id, const char *hash,
                                     const char *label, apr_int64_t now,
                                     apr_int64_t expires, int wait_ms,
                                     const char **err)
{
    const char *now_s = apr_psprintf(p, "%" APR_INT64_T_FMT, now);
    people_txn_t *t;
    people_rc_e rc;

    if ((rc = people_db_begin(p, db, wait_ms, &t, err)) != PEOPLE_OK) {
        return rc;
    }
    rc = people_db_exec(p, db, "people_token_purge", NULL, err, user_id,
                        now_s);
    if (rc == PEOPLE_OK) {
        rc = people_db_exec(p, db, "people_token_issue", NULL, err, hash,
                            user_id, label, now_s,
                            apr_psprintf(p, "%" APR_INT64_T_FMT, expires));
    }
    if (rc != PEOPLE_OK) {
        people_db_end(t, 0, err);
        return rc;
    }
    return people_db_end(t, 1, err);
}
