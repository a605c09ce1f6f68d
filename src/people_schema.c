/* The schema (one DDL for sqlite3 and pgsql) and the administrator's
 * statements. */
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>

#include "people_schema.h"
#include "people_directory.h"

/* Booleans are INTEGER 0/1 and times are text or epoch seconds, so that
 * the same statements serve both drivers. Key columns are never NULL, so
 * that both databases sort them alike (they disagree on where NULL goes). */
#define KEY_TYPE "VARCHAR(1024) NOT NULL DEFAULT ''"
#define SEARCH_TYPE "VARCHAR(4000) NOT NULL DEFAULT ''"
#define KEY_COLUMNS_DDL \
    " first_key " KEY_TYPE ", last_key " KEY_TYPE ", display_key " KEY_TYPE \
    ", email_key " KEY_TYPE ", title_key " KEY_TYPE \
    ", department_key " KEY_TYPE ", location_key " KEY_TYPE \
    ", search_key " SEARCH_TYPE
static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS people_meta ("
    " name VARCHAR(64) PRIMARY KEY,"
    " value VARCHAR(255) NOT NULL)",

    "CREATE TABLE IF NOT EXISTS people_users ("
    " id VARCHAR(36) PRIMARY KEY,"
    " username VARCHAR(255) NOT NULL,"
    " username_key VARCHAR(255) NOT NULL UNIQUE,"
    " first_name VARCHAR(255) NOT NULL DEFAULT '',"
    " last_name VARCHAR(255) NOT NULL DEFAULT '',"
    " email VARCHAR(255),"
    " birthday VARCHAR(40),"
    " sex INTEGER,"
    " status INTEGER NOT NULL DEFAULT 1,"
    " activation_status INTEGER NOT NULL DEFAULT 1,"
    " terminated VARCHAR(40),"
    " department VARCHAR(255),"
    " work_from VARCHAR(40),"
    " location VARCHAR(255),"
    " notes VARCHAR(4000),"
    " title VARCHAR(255),"
    " lead_id VARCHAR(36),"
    " avatar_small VARCHAR(1024),"
    " avatar_medium VARCHAR(1024),"
    " avatar VARCHAR(1024),"
    " is_admin INTEGER NOT NULL DEFAULT 0,"
    " is_owner INTEGER NOT NULL DEFAULT 0,"
    " is_visitor INTEGER NOT NULL DEFAULT 0,"
    " is_ldap INTEGER NOT NULL DEFAULT 0,"
    " is_sso INTEGER NOT NULL DEFAULT 0,"
    " culture_name VARCHAR(32),"
    " quota_limit BIGINT NOT NULL DEFAULT -1,"
    " used_space BIGINT NOT NULL DEFAULT 0,"
    " docs_space BIGINT NOT NULL DEFAULT 0,"
    " mail_space BIGINT NOT NULL DEFAULT 0,"
    " talk_space BIGINT NOT NULL DEFAULT 0,"
    " version BIGINT NOT NULL DEFAULT 1,"
    KEY_COLUMNS_DDL ")",

    "CREATE TABLE IF NOT EXISTS people_groups ("
    " id VARCHAR(36) PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL UNIQUE,"
    " manager_id VARCHAR(36))",

    "CREATE TABLE IF NOT EXISTS people_user_groups ("
    " user_id VARCHAR(36) NOT NULL,"
    " group_id VARCHAR(36) NOT NULL,"
    " PRIMARY KEY (user_id, group_id))",

    /* the list is ordered by pos, rewritten whole by each write */
    "CREATE TABLE IF NOT EXISTS people_contacts ("
    " user_id VARCHAR(36) NOT NULL,"
    " pos INTEGER NOT NULL,"
    " type VARCHAR(64) NOT NULL,"
    " value VARCHAR(1024) NOT NULL,"
    " PRIMARY KEY (user_id, pos))",

    /* tokens only as SHA-256 hex; created/expires in epoch seconds */
    "CREATE TABLE IF NOT EXISTS people_tokens ("
    " hash VARCHAR(64) PRIMARY KEY,"
    " user_id VARCHAR(36) NOT NULL,"
    " label VARCHAR(255),"
    " created BIGINT NOT NULL,"
    " expires BIGINT,"
    " revoked INTEGER NOT NULL DEFAULT 0)",

    "CREATE INDEX IF NOT EXISTS people_tokens_user ON people_tokens (user_id)",
    NULL
};

/* Version 2: the directory's indexes, made after the upgrade below has
 * added the key columns to a version 1 table. Each sort key goes with id
 * (ties, and paging that returns everyone once). */
static const char *const indexes[] = {
    "CREATE INDEX IF NOT EXISTS people_users_display ON people_users "
    "(display_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_first ON people_users "
    "(first_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_last ON people_users "
    "(last_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_username ON people_users "
    "(username_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_email ON people_users "
    "(email_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_department ON people_users "
    "(department_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_title ON people_users "
    "(title_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_location ON people_users "
    "(location_key, id)",
    "CREATE INDEX IF NOT EXISTS people_users_status ON people_users "
    "(status)",
    "CREATE INDEX IF NOT EXISTS people_user_groups_group ON "
    "people_user_groups (group_id, user_id)",
    NULL
};

/* Version 1 to 2: the lower-case keys the directory matches and sorts on
 * (people_directory.h); filled in C by people_dir_refresh_all_keys. */
static const char *const upgrade_2[] = {
    "ALTER TABLE people_users ADD COLUMN first_key " KEY_TYPE,
    "ALTER TABLE people_users ADD COLUMN last_key " KEY_TYPE,
    "ALTER TABLE people_users ADD COLUMN display_key " KEY_TYPE,
    "ALTER TABLE people_users ADD COLUMN email_key " KEY_TYPE,
    "ALTER TABLE people_users ADD COLUMN title_key " KEY_TYPE,
    "ALTER TABLE people_users ADD COLUMN department_key " KEY_TYPE,
    "ALTER TABLE people_users ADD COLUMN location_key " KEY_TYPE,
    "ALTER TABLE people_users ADD COLUMN search_key " SEARCH_TYPE,
    NULL
};

#define SET_COLUMN(col, ph) \
    {"people_admin_set_" col, \
     "UPDATE people_users SET " col " = " ph ", version = version + 1 " \
     "WHERE id = %s"}

const people_stmt_def_t people_admin_statements[] = {
    {"people_admin_meta_get",
     "SELECT value FROM people_meta WHERE name = %s"},
    {"people_admin_meta_add",
     "INSERT INTO people_meta (name, value) VALUES (%s, %s)"},
    {"people_admin_meta_set",
     "UPDATE people_meta SET value = %s WHERE name = %s"},
    {"people_admin_user_add",
     "INSERT INTO people_users (id, username, username_key, first_name, "
     "last_name, email, is_admin, is_owner, is_visitor, title, department) "
     "VALUES (%s, %s, %s, %s, %s, %s, %d, %d, %d, %s, %s)"},
    {"people_admin_user_list",
     "SELECT id, username, first_name, last_name, email, status, is_admin, "
     "is_owner FROM people_users ORDER BY username_key"},
    SET_COLUMN("first_name", "%s"),
    SET_COLUMN("last_name", "%s"),
    SET_COLUMN("email", "%s"),
    SET_COLUMN("title", "%s"),
    SET_COLUMN("department", "%s"),
    SET_COLUMN("location", "%s"),
    SET_COLUMN("notes", "%s"),
    SET_COLUMN("birthday", "%s"),
    SET_COLUMN("work_from", "%s"),
    SET_COLUMN("terminated", "%s"),
    SET_COLUMN("culture_name", "%s"),
    SET_COLUMN("lead_id", "%s"),
    SET_COLUMN("sex", "%d"),
    SET_COLUMN("status", "%d"),
    SET_COLUMN("activation_status", "%d"),
    SET_COLUMN("is_admin", "%d"),
    SET_COLUMN("is_owner", "%d"),
    SET_COLUMN("is_visitor", "%d"),
    {"people_admin_group_find",
     "SELECT id FROM people_groups WHERE name = %s"},
    {"people_admin_group_add",
     "INSERT INTO people_groups (id, name) VALUES (%s, %s)"},
    {"people_admin_member_add",
     "INSERT INTO people_user_groups (user_id, group_id) "
     "SELECT %s, %s WHERE NOT EXISTS (SELECT 1 FROM people_user_groups "
     "WHERE user_id = %s AND group_id = %s)"},
    {"people_admin_member_clear",
     "DELETE FROM people_user_groups WHERE user_id = %s"},
    {"people_admin_token_add",
     "INSERT INTO people_tokens (hash, user_id, label, created, expires, "
     "revoked) VALUES (%s, %s, %s, %lld, %lld, 0)"},
    {"people_admin_token_revoke",
     "UPDATE people_tokens SET revoked = 1 WHERE hash = %s"},
    /* people-admin import and sync-ldap (src/people_upsert.c) */
    {"people_admin_import_add",
     "INSERT INTO people_users (id, username, username_key, first_name, "
     "last_name, email, title, department, location, status, terminated, "
     "is_admin, is_visitor, is_ldap) "
     "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %d, %s, %d, %d, %d)"},
    {"people_admin_import_update",
     "UPDATE people_users SET username = %s, username_key = %s, "
     "first_name = %s, last_name = %s, email = %s, title = %s, "
     "department = %s, location = %s, status = %d, terminated = %s, "
     "is_admin = %d, is_visitor = %d, is_ldap = %d, version = version + 1 "
     "WHERE id = %s"},
    {"people_admin_import_users",
     "SELECT id, username, status, is_owner, is_ldap FROM people_users "
     "ORDER BY username_key"},
    {"people_admin_import_terminate",
     "UPDATE people_users SET status = 2, terminated = %s, "
     "version = version + 1 WHERE id = %s"},
    /* token revoke by the hash prefix token list prints, or by label */
    {"people_admin_token_by_prefix",
     "SELECT hash FROM people_tokens WHERE substr(hash, 1, %d) = %s"},
    {"people_admin_token_by_label",
     "SELECT hash FROM people_tokens WHERE label = %s AND revoked = 0"},
    {"people_admin_token_by_label_user",
     "SELECT hash FROM people_tokens WHERE label = %s AND revoked = 0 "
     "AND user_id = %s"},
    /* a change that alters the profile without a SET_COLUMN (groups) */
    {"people_admin_bump",
     "UPDATE people_users SET version = version + 1 WHERE id = %s"},
    {"people_admin_token_list",
     "SELECT label, created, expires, revoked, substr(hash, 1, 8) "
     "FROM people_tokens WHERE user_id = %s ORDER BY created, hash"},
    {NULL, NULL}
};

static people_rc_e people_prepare_table(apr_pool_t *p, people_db_t *db,
                                        const people_stmt_def_t *defs,
                                        const char **err)
{
    for (; defs->label; defs++) {
        apr_dbd_prepared_t *st = NULL;
        int rv = apr_dbd_prepare(db->driver, p, db->handle, defs->sql,
                                 defs->label, &st);
        if (rv != 0) {
            *err = apr_pstrcat(p, "preparing ", defs->label, ": ",
                               people_store_error(db, rv), NULL);
            return PEOPLE_DB_ERROR;
        }
        apr_hash_set(db->prepared, defs->label, APR_HASH_KEY_STRING, st);
    }
    return PEOPLE_OK;
}

people_rc_e people_db_prepare_all(apr_pool_t *p, people_db_t *db,
                                  const char **err)
{
    people_rc_e rc;
    if (!db->prepared) {
        db->prepared = apr_hash_make(p);
    }
    rc = people_prepare_table(p, db, people_statements, err);
    return rc != PEOPLE_OK ? rc
                           : people_prepare_table(p, db,
                                                  people_admin_statements,
                                                  err);
}

static people_rc_e people_run_ddl(apr_pool_t *p, people_db_t *db,
                                  const char *const *sql, const char **err)
{
    int nrows, rv;
    for (; *sql; sql++) {
        if ((rv = apr_dbd_query(db->driver, db->handle, &nrows, *sql)) != 0) {
            *err = apr_pstrcat(p, "creating the schema (", *sql, "): ",
                               people_store_error(db, rv), NULL);
            return PEOPLE_DB_ERROR;
        }
    }
    return PEOPLE_OK;
}

/* The stored schema version, 0 when none is stored yet. Constant text run
 * before the statements can be prepared (they need the current tables). */
static people_rc_e people_stored_version(apr_pool_t *p, people_db_t *db,
                                         int *out,
                                         const char **err)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv;

    *out = 0;
    rv = apr_dbd_select(db->driver, p, db->handle, &res,
                        "SELECT value FROM people_meta "
                        "WHERE name = 'schema_version'", 1);
    if (rv != 0) {
        *err = apr_pstrcat(p, "reading the schema version: ",
                           people_store_error(db, rv), NULL);
        return PEOPLE_DB_ERROR;
    }
    while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
        const char *v = people_db_col(db, row, 0);
        *out = v ? atoi(v) : 0;
    }
    return PEOPLE_OK;
}

static people_rc_e people_sqlite_wal(apr_pool_t *p, people_db_t *db,
                                     const char **err)
{
    /* WAL lets readers go on while one writer commits; the setting is
     * stored in the file, so it is made once here rather than on every
     * connection (where a PRAGMA returning a row counts as failure). */
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv = apr_dbd_select(db->driver, p, db->handle, &res,
                            "PRAGMA journal_mode=WAL", 0);
    if (rv != 0) {
        *err = apr_pstrcat(p, "journal_mode: ", people_store_error(db, rv),
                           NULL);
        return PEOPLE_DB_ERROR;
    }
    while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
    }
    return PEOPLE_OK;
}

/* Creates the tables, upgrades a version 1 database (the key columns,
 * filled from each user's fields) and makes the indexes, all in one
 * transaction: a failed upgrade leaves the database as it was, and a
 * second run finds version 2 and changes nothing. */
static people_rc_e people_create_or_upgrade(apr_pool_t *p, people_db_t *db,
                                            const char **err)
{
    people_rc_e rc;
    int version;

    if ((rc = people_run_ddl(p, db, schema, err)) != PEOPLE_OK
        || (rc = people_stored_version(p, db, &version, err)) != PEOPLE_OK) {
        return rc;
    }
    if (version > PEOPLE_SCHEMA_VERSION) {
        *err = apr_psprintf(p, "the database has schema version %d, newer "
                            "than this build's %d: use a newer people-admin "
                            "and module", version, PEOPLE_SCHEMA_VERSION);
        return PEOPLE_DB_ERROR;
    }
    /* a fresh database got the key columns from CREATE TABLE */
    if (version == 1 && (rc = people_run_ddl(p, db, upgrade_2,
                                             err)) != PEOPLE_OK) {
        return rc;
    }
    /* the tables are current now: the statements can be prepared */
    if ((rc = people_run_ddl(p, db, indexes, err)) != PEOPLE_OK
        || (rc = people_db_prepare_all(p, db, err)) != PEOPLE_OK) {
        return rc;
    }
    if (version == PEOPLE_SCHEMA_VERSION) {
        return PEOPLE_OK;
    }
    if (version == 1
        && (rc = people_dir_refresh_all_keys(p, db, err)) != PEOPLE_OK) {
        return rc;
    }
    return version == 0
        ? people_db_exec(p, db, "people_admin_meta_add", NULL, err,
                         "schema_version", apr_itoa(p, PEOPLE_SCHEMA_VERSION))
        : people_db_exec(p, db, "people_admin_meta_set", NULL, err,
                         apr_itoa(p, PEOPLE_SCHEMA_VERSION),
                         "schema_version");
}

people_rc_e people_schema_init(apr_pool_t *p, people_db_t *db,
                               const char **err)
{
    people_txn_t *t;
    people_rc_e rc;

    if (!strcmp(apr_dbd_name(db->driver), "sqlite3")
        && (rc = people_sqlite_wal(p, db, err)) != PEOPLE_OK) {
        return rc;
    }
    if ((rc = people_db_begin(p, db, 5000, &t, err)) != PEOPLE_OK) {
        return rc;
    }
    if ((rc = people_create_or_upgrade(p, db, err)) != PEOPLE_OK) {
        const char *ignored = NULL;
        people_db_end(t, 0, &ignored);
        return rc;
    }
    return people_db_end(t, 1, err);
}
