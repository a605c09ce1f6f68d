/* Writes on SQLite: the global write mutex that keeps writers in line,
 * and group commit (PeopleDurability group). A write handler wraps its
 * transaction in people_commit_begin and people_commit_end:
 *
 *     people_commit_t w;
 *     if (people_commit_begin(r, db, &w) != OK) return DONE;
 *     rc = people_store_write_...(..., w.wait_ms, ...);
 *     rc = people_commit_end(r, &w, rc, &err);
 */
#ifndef MOD_PEOPLE_COMMIT_H
#define MOD_PEOPLE_COMMIT_H

#include "httpd.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "src/people_store.h"

typedef struct {
    people_db_t *db;
    int locked;                 /* the write mutex is held */
    int wait_ms;                /* what is left of the wait for SQLite's
                                 * write lock (the queue counts against it) */
} people_commit_t;

/* Before a write transaction: takes the write mutex on SQLite (nothing on
 * PostgreSQL). OK, or DONE having answered 503. */
int people_commit_begin(request_rec *r, people_db_t *db, people_commit_t *w);

/* After the transaction ended with rc: releases the mutex; a write that
 * committed under group durability returns only once it is on disk.
 * Returns rc, or PEOPLE_COMMIT_FAILED with *err set when that sync failed
 * (the write is committed: it must not run again). */
people_rc_e people_commit_end(request_rec *r, people_commit_t *w,
                              people_rc_e rc, const char **err);

/* The hooks' parts. */
int people_commit_pre_config(apr_pool_t *pconf);
int people_commit_post_config(apr_pool_t *pconf, server_rec *s);
void people_commit_child_init(apr_pool_t *p, server_rec *s);
apr_status_t people_commit_post_connect(apr_pool_t *p, dbd_cfg_t *cfg,
                                        ap_dbd_t *dbd);

#endif
