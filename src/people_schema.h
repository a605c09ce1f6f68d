/* The schema and the administrator's statements (people-admin). The
 * request path's statements are in people_store.c. */
#ifndef PEOPLE_SCHEMA_H
#define PEOPLE_SCHEMA_H

#include "people_store.h"

/* The administrator's prepared statements, ending with {NULL, NULL}. */
extern const people_stmt_def_t people_admin_statements[];

/* Creates or upgrades the schema; idempotent. On sqlite3 it also turns on
 * WAL, which is stored in the database file. Runs on a connection with no
 * statements prepared (they need the tables). */
people_rc_e people_schema_init(apr_pool_t *p, people_db_t *db,
                               const char **err);

/* Prepares the request path's and the administrator's statements on a
 * connection of one's own (mod_dbd does this for the module). */
people_rc_e people_db_prepare_all(apr_pool_t *p, people_db_t *db,
                                  const char **err);

#endif
