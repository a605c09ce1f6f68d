/* Loading the staff (spec section 12): the rows people-admin's import and
 * sync-ldap bring, read from CSV or JSON Lines, checked with the same rules
 * as the API, and the upsert that writes them in one transaction. Knows
 * nothing of httpd. */
#ifndef PEOPLE_IMPORT_H
#define PEOPLE_IMPORT_H

#include <stdio.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "people_store.h"

/* The fields a row gives (a field not given is left as it is). */
enum {
    PEOPLE_IMP_FIRST_NAME = 1 << 0,
    PEOPLE_IMP_LAST_NAME  = 1 << 1,
    PEOPLE_IMP_EMAIL      = 1 << 2,
    PEOPLE_IMP_TITLE      = 1 << 3,
    PEOPLE_IMP_DEPARTMENT = 1 << 4,
    PEOPLE_IMP_LOCATION   = 1 << 5,
    PEOPLE_IMP_STATUS     = 1 << 6,
    PEOPLE_IMP_ADMIN      = 1 << 7,
    PEOPLE_IMP_VISITOR    = 1 << 8,
    PEOPLE_IMP_GROUPS     = 1 << 9
};

/* What a row does with the stored contacts. */
typedef enum {
    PEOPLE_IMP_CONTACTS_NONE = 0,   /* leaves them */
    PEOPLE_IMP_CONTACTS_TYPES,      /* replaces the types it names (an empty
                                     * value removes the type), keeps the rest */
    PEOPLE_IMP_CONTACTS_ALL         /* the stored list becomes the row's */
} people_imp_contacts_e;

typedef struct {
    int line;                       /* where the row starts in its source */
    const char *id;                 /* lowercase UUID, or NULL */
    const char *username;           /* NULL when the row has only an id */
    const char *first_name, *last_name, *email;
    const char *title, *department, *location;  /* "" clears */
    int status;                     /* 1, 2 or 4 */
    int is_admin, is_visitor;
    unsigned given;                 /* PEOPLE_IMP_* */
    apr_array_header_t *groups;     /* of const char *, names */
    people_imp_contacts_e contacts_mode;
    apr_array_header_t *contacts;   /* of people_contact_t */
} people_import_row_t;

/* Reads a whole source: CSV with a header row (RFC 4180, an optional
 * UTF-8 byte order mark) or JSON Lines, told apart by the first character
 * that is not blank ('{' is JSON Lines). Appends people_import_row_t to
 * rows. Returns NULL, or a message naming the line (and column) of the
 * first problem; rows are then incomplete and must not be used. */
const char *people_import_parse(apr_pool_t *p, const char *buf, size_t len,
                                apr_array_header_t *rows);

/* Checks one row with the API's rules; NULL or what is wrong (without the
 * line, which the caller adds). Used by the parsers and by sync-ldap. */
const char *people_import_check(apr_pool_t *p, people_import_row_t *row);

/* Sets a row's field by its name (userName, firstName, ... groups) from
 * text; NULL or what is wrong with the value. */
const char *people_import_field(apr_pool_t *p, people_import_row_t *row,
                                const char *field, const char *value);

/* --- The upsert --- */

typedef struct {
    int dry_run;                /* roll back at the end */
    int terminate_missing;      /* terminate the users the rows do not name */
    int ldap;                   /* sync-ldap: mark users isLDAP, and only
                                 * terminate users marked so */
    int wait_ms;                /* for SQLite's write lock */
    FILE *report;               /* one line per change, or NULL */
} people_import_opts_t;

typedef struct {
    int added, updated, unchanged, terminated;
} people_import_counts_t;

/* Writes rows in one transaction: a user the row names (by id when it has
 * one, else by user name) is updated where it differs, a new one added;
 * then, with terminate_missing, every other user (never the owner) is
 * terminated. Users that do not change keep their version (and ETag).
 * Returns PEOPLE_OK, or an error with *err naming the row's line; nothing
 * is written then, nor in a dry run. */
people_rc_e people_import_apply(apr_pool_t *p, people_db_t *db,
                                const apr_array_header_t *rows,
                                const people_import_opts_t *opts,
                                people_import_counts_t *counts,
                                const char **err);

#endif
