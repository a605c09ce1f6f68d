/* The store: profiles, contacts and tokens on apr_dbd (sqlite3 or pgsql,
 * one SQL for both). Every statement is prepared under a "people_" label;
 * the module has mod_dbd prepare them, people-admin prepares them itself. */
#ifndef PEOPLE_STORE_H
#define PEOPLE_STORE_H

#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>
#include <apr_dbd.h>

#include "people_contacts.h"
#include "people_patch.h"
#include "people_profile.h"
#include "people_route.h"
#include "people_identity.h"

/* The schema version this build writes and expects. */
#define PEOPLE_SCHEMA_VERSION 2

typedef struct {
    const char *label;
    const char *sql;
} people_stmt_def_t;

/* Every prepared statement, ending with a {NULL, NULL} entry. */
extern const people_stmt_def_t people_statements[];

/* A connection with its prepared statements (label -> apr_dbd_prepared_t*),
 * e.g. the fields of mod_dbd's ap_dbd_t. */
struct people_native_t;

typedef struct {
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_hash_t *prepared;
    /* the connection's native SQLite reader (people_native.h), or NULL:
     * then profiles are read through apr_dbd */
    struct people_native_t *native;
} people_db_t;

typedef enum {
    PEOPLE_OK = 0,
    PEOPLE_NOT_FOUND,           /* no such user or token */
    PEOPLE_PRECONDITION,        /* If-Match did not match */
    PEOPLE_TOO_MANY,            /* more contacts than allowed */
    PEOPLE_FORBIDDEN,           /* the caller may not do this: 403 */
    PEOPLE_INVALID,             /* a value the store refuses: 400 */
    PEOPLE_CONFLICT,            /* an email or user name taken: 409 */
    PEOPLE_DB_ERROR,            /* database failed or busy before COMMIT:
                                 * nothing was written; 503, or one more
                                 * try on a re-established connection */
    PEOPLE_COMMIT_FAILED        /* COMMIT was sent and failed: the write
                                 * may or may not be stored (a connection
                                 * lost during COMMIT on PostgreSQL); 503,
                                 * never retried, or it could run twice */
} people_rc_e;

/* A user's status (the profile's "status"). */
enum {
    PEOPLE_STATUS_ACTIVE = 1,
    PEOPLE_STATUS_TERMINATED = 2,
    PEOPLE_STATUS_LEAVE = 4     /* LeaveOfAbsence */
};

/* Who a token belongs to. */
typedef struct {
    const char *id;
    const char *username;
    int is_admin;
    int is_owner;
    int status;
    int is_visitor;
} people_caller_t;

/* After a database error: when the connection is live again but its
 * prepared statements are gone (a pgsql reconnect, PQreset, drops them),
 * prepares them again in the connection's pool. Returns 1 if it did. */
int people_db_recover(apr_pool_t *conn_pool, people_db_t *db);

/* The text of the last error on the connection, for the log. */
const char *people_store_error(people_db_t *db, int rv);

/* --- Generic helpers over prepared statements (values passed as text,
 * NULL for SQL NULL). --- */

typedef void (*people_row_fn)(apr_pool_t *p, people_db_t *db,
                              apr_dbd_row_t *row, int ncols, void *baton);

/* Runs a prepared select, hands each row to fn (may be NULL), counts the
 * rows in *count (may be NULL). Always drains the result. */
people_rc_e people_db_selectv(apr_pool_t *p, people_db_t *db,
                              const char *label, people_row_fn fn,
                              void *baton, int *count, const char **err,
                              int nargs, const char **args);

/* Runs a prepared statement that returns no rows. */
people_rc_e people_db_execv(apr_pool_t *p, people_db_t *db, const char *label,
                            int *nrows, const char **err, int nargs,
                            const char **args);

/* The same with the arguments listed (each a const char *, NULL for SQL
 * NULL); the count comes from the list itself. */
#define PEOPLE_ARGS(...) \
    (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), \
    (const char *[]){__VA_ARGS__}
#define people_db_select(p, db, label, fn, baton, count, err, ...) \
    people_db_selectv(p, db, label, fn, baton, count, err, \
                      PEOPLE_ARGS(__VA_ARGS__))
#define people_db_exec(p, db, label, nrows, err, ...) \
    people_db_execv(p, db, label, nrows, err, PEOPLE_ARGS(__VA_ARGS__))

/* A column as text, NULL for SQL NULL on either driver (pgsql's
 * apr_dbd_get_entry gives "" for NULL). */
const char *people_db_col(people_db_t *db, apr_dbd_row_t *row, int n);

/* Transactions. BEGIN IMMEDIATE on sqlite3 takes the write lock up front,
 * waiting for it at most wait_ms. A pool cleanup rolls back a transaction
 * left open. */
typedef struct people_txn_t people_txn_t;
people_rc_e people_db_begin(apr_pool_t *p, people_db_t *db, int wait_ms,
                            people_txn_t **t, const char **err);
/* Ends a transaction: COMMIT if commit, else ROLLBACK. A failed COMMIT
 * returns PEOPLE_COMMIT_FAILED (and rolls back what it can). */
people_rc_e people_db_end(people_txn_t *t, int commit, const char **err);

/* A read-only transaction: one snapshot for several selects (a deferred
 * BEGIN on sqlite3, which takes no write lock). End it with
 * people_db_end. */
people_rc_e people_db_begin_read(apr_pool_t *p, people_db_t *db,
                                 people_txn_t **t, const char **err);

/* A row callback reading the PROFILE_COLUMNS of a profile into the
 * people_profile_t baton (groups and contacts left alone). */
void people_profile_row(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                        int ncols, void *baton);

/* --- The request path --- */

/* Looks up a token by its hash; refused (NOT_FOUND) when revoked, expired
 * at `now` (seconds since the epoch) or unknown. */
people_rc_e people_store_auth(apr_pool_t *p, people_db_t *db,
                              const char *token_hash, apr_int64_t now,
                              people_caller_t *out, const char **err);

/* Finds a user's id from an id or a lowercase name. */
people_rc_e people_store_resolve(apr_pool_t *p, people_db_t *db,
                                 people_userkind_e kind, const char *key,
                                 const char **id, const char **err);

/* Reads one profile with its groups and contacts (through db->native when
 * it is set, joining a transaction open on the connection). */
people_rc_e people_store_profile(apr_pool_t *p, people_db_t *db,
                                 const char *id, people_profile_t **out,
                                 const char **err);

/* One contacts write, in one transaction: locks the user, checks if_match
 * (an If-Match header value or NULL) against the full view's tag, applies
 * op with the body, refuses more than max contacts, stores, and reads the
 * profile back inside the transaction. Waits at most wait_ms for SQLite's
 * write lock. Nothing is changed unless PEOPLE_OK is returned. */
people_rc_e people_store_write_contacts(apr_pool_t *p, people_db_t *db,
                                        const char *id, people_op_e op,
                                        const apr_array_header_t *body,
                                        int max, const char *if_match,
                                        int wait_ms, people_profile_t **out,
                                        const char **err);

/* --- Identity from httpd (spec section 10) --- */

/* The user httpd authenticated, by user name or (by_email) by email, both
 * case-insensitively. PEOPLE_NOT_FOUND when no user, or more than one,
 * has that email. */
people_rc_e people_store_find_login(apr_pool_t *p, people_db_t *db,
                                    int by_email, const char *login,
                                    people_caller_t *out, const char **err);

/* Adds a user first seen through httpd (PeopleAutoCreate): active,
 * activated, not an admin. Its user name is the login, or with by_email
 * the email's local part (a number appended while it is taken). A user a
 * concurrent request has just made is found rather than made twice. */
people_rc_e people_store_create_login(apr_pool_t *p, people_db_t *db,
                                      int by_email, const char *login,
                                      const char *first, const char *last,
                                      int wait_ms, people_caller_t *out,
                                      const char **err);

/* Would the mapped values change the stored profile? Reads only. */
people_rc_e people_store_map_check(apr_pool_t *p, people_db_t *db,
                                   const char *id, const people_mapped_t *m,
                                   int is_ldap, int *changed,
                                   const char **err);

/* Writes the mapped values in one transaction, only where they differ
 * (read again under the lock); the version (and so the ETag) moves only
 * when something changed, as *changed tells. Mapped contact types replace
 * the stored entries of those types; the others are kept. */
people_rc_e people_store_map_write(apr_pool_t *p, people_db_t *db,
                                   const char *id, const people_mapped_t *m,
                                   int is_ldap, int max, int wait_ms,
                                   int *changed, const char **err);

/* Stores a token (its hash) for a user until expires, and drops that
 * user's tokens that have expired by now. */
people_rc_e people_store_issue_token(apr_pool_t *p, people_db_t *db,
                                     const char *user_id, const char *hash,
                                     const char *label, apr_int64_t now,
                                     apr_int64_t expires, int wait_ms,
                                     const char **err);

/* The same as people_store_write_contacts, first checking inside the transaction that who may write the
 * user's contacts (people_write_forbidden: FORBIDDEN, with *err the
 * message, when not). */
people_rc_e people_store_write_contacts_as(apr_pool_t *p, people_db_t *db,
                                           const char *id,
                                           const people_caller_t *who,
                                           people_op_e op,
                                           const apr_array_header_t *body,
                                           int max, const char *if_match,
                                           int wait_ms,
                                           people_profile_t **out,
                                           const char **err);

/* PUT /{userid}: the patch's fields (and contacts, which replace the
 * list) in one transaction, with the same locking, If-Match and read-back
 * as a contacts write; who may make it is people_patch_forbidden's rule; a
 * lead that is no user is INVALID, an email another user has is CONFLICT.
 * now (epoch seconds) is recorded as terminated by disable. */
people_rc_e people_store_update_profile(apr_pool_t *p, people_db_t *db,
                                        const char *id,
                                        const people_caller_t *who,
                                        const people_patch_t *patch, int max,
                                        const char *if_match,
                                        apr_int64_t now, int wait_ms,
                                        people_profile_t **out,
                                        const char **err);

/* POST on the list: a new user from a create patch (people_patch_parse
 * with create), its user name derived from the email when the patch has
 * none and made unique with a number; CONFLICT when the email or the
 * given user name is taken. The caller's right (admin or owner) is the
 * caller's to check. */
people_rc_e people_store_add_user(apr_pool_t *p, people_db_t *db,
                                  const people_patch_t *patch, int max,
                                  apr_int64_t now, int wait_ms,
                                  people_profile_t **out, const char **err);

/* PUT /status/{status}: sets the status of each listed user (ids,
 * lowercase UUIDs, each once) in one transaction; NOT_FOUND naming an
 * unknown one, FORBIDDEN for the owner's. *out gets the profiles
 * (people_profile_t *) as changed, in the list's order. */
people_rc_e people_store_set_status(apr_pool_t *p, people_db_t *db,
                                    const apr_array_header_t *ids,
                                    int status, apr_int64_t now, int wait_ms,
                                    apr_array_header_t **out,
                                    const char **err);

/* DELETE /{userid}: removes a Terminated user (else INVALID) with their
 * contacts, group memberships and tokens, in one transaction; groups they
 * managed lose their manager and users they led their lead (those
 * profiles' tags change). *out gets the profile as it was. */
people_rc_e people_store_delete_user(apr_pool_t *p, people_db_t *db,
                                     const char *id, const char *if_match,
                                     int wait_ms, people_profile_t **out,
                                     const char **err);

#endif
