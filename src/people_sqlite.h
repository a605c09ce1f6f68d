/* What only SQLite needs: how long a connection may wait for a lock. */
#ifndef PEOPLE_SQLITE_H
#define PEOPLE_SQLITE_H

#include "people_store.h"

/* Makes the SQLite connections this process opens from now on to the
 * database file at path (DBDParams) wait up to ms milliseconds for a lock
 * while they are being set up; connections to other files (another
 * module's) are left alone. mod_dbd prepares the statements right after
 * opening, and a prepare that meets a lock (another connection
 * checkpointing as it closes, WAL recovery) fails at once without this,
 * killing the new child. The list lives as long as p (the configuration
 * pool: a restart starts a new one). */
void people_sqlite_open_wait(apr_pool_t *p, const char *path, int ms);

/* Sets how long this connection waits for a lock; 0 to not wait (the
 * apr_dbd driver then retries itself without holding SQLite busy). Does
 * nothing on other drivers. */
void people_sqlite_busy_timeout(people_db_t *db, int ms);

/* BEGIN IMMEDIATE, waiting at most wait_ms for the write lock. Runs on
 * the native handle, so the wait does not hold the apr_dbd driver's
 * process-wide mutex (other threads' reads go on). Returns 1 on success,
 * else 0 with SQLite's message in *err. */
int people_sqlite_begin(apr_pool_t *p, people_db_t *db, int wait_ms,
                        const char **err);

/* Sets synchronous=NORMAL (commits write the WAL without syncing it) or
 * FULL (each commit syncs it) on this connection. Does nothing on other
 * drivers. */
void people_sqlite_synchronous(people_db_t *db, int full);

/* Syncs the WAL file to disk through this connection's handle to it, making
 * every transaction committed so far, by any connection, durable. Returns
 * 1 on success, else 0 with a message in *err. */
int people_sqlite_sync_wal(apr_pool_t *p, people_db_t *db, const char **err);

/* The database holds token hashes, emails and contacts: takes away other
 * accounts' access to the connection's SQLite file and its -wal and -shm
 * (SQLite gives those the file's mode when it creates them), when this
 * process's user owns them. Returns how many files it changed; does
 * nothing on other drivers. */
int people_sqlite_make_private(people_db_t *db);

#endif
