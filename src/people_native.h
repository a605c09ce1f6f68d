/* The read path on SQLite's own API: a request's token check and profile
 * reads without the apr_dbd sqlite3 driver (which runs every statement
 * under one process-wide mutex and copies every row).
 *
 * The connection stays mod_dbd's (pooled, opened and closed by it); the
 * statements are the store's (people_statements, placeholders turned into
 * SQLite's), prepared once per connection and kept with it. PostgreSQL
 * keeps the apr_dbd path. */
#ifndef PEOPLE_NATIVE_H
#define PEOPLE_NATIVE_H

#include "people_store.h"

/* Process-wide SQLite settings for connections that are each used by one
 * thread at a time (mod_dbd's): no per-connection mutex (MULTITHREAD) and
 * no memory statistics (a global mutex on every allocation). They only take
 * effect before SQLite initialises; returns 1 if SQLite took them, 0 if it
 * was initialised already (see people_native_multithread). */
int people_native_configure(void);

/* 1 when a connection opened now has no mutex of its own: the settings of
 * people_native_configure are in effect. */
int people_native_multithread(void);

typedef struct people_native_t people_native_t;

/* The connection's native reader, its statements prepared on first use in
 * a pool under conn_pool (the connection's pool, e.g. ap_dbd_t's). They
 * are finalized when that pool is destroyed, before apr_dbd's close, which
 * fails while statements live. NULL on a driver other than sqlite3, or
 * when a statement cannot be prepared (then *err says why and the next
 * call tries again). p holds what a failure leaves. */
people_native_t *people_native_of(apr_pool_t *p, apr_pool_t *conn_pool,
                                  people_db_t *db, const char **err);

/* A request's reads in one transaction, a consistent snapshot: a deferred
 * BEGIN ... COMMIT, or none when the connection is inside a transaction
 * already (a write's BEGIN IMMEDIATE: the reads then see its changes).
 *
 * Checks the token hash (PEOPLE_NOT_FOUND when unknown, revoked or expired
 * at `now`) into *caller and, when target is not NULL, reads the profile of
 * the user it names (kind and key as in people_route_t; SELF is the
 * caller) with groups and contacts into *prof, NULL when there is no such
 * user. Waits at most wait_ms for a lock (WAL recovery); not at all inside
 * another transaction. */
people_rc_e people_native_read(apr_pool_t *p, people_native_t *n,
                               const char *token_hash, apr_int64_t now,
                               const people_route_t *target, int wait_ms,
                               people_caller_t *caller,
                               people_profile_t **prof, const char **err);

/* One profile with groups and contacts, in the same way (joining an open
 * transaction, e.g. a write's read-back). PEOPLE_NOT_FOUND when there is
 * no such user. */
people_rc_e people_native_profile(apr_pool_t *p, people_native_t *n,
                                  const char *id, int wait_ms,
                                  people_profile_t **prof, const char **err);

#endif
