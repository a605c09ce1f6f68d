/* The read path: the token check and, for a GET of a profile, the profile
 * itself in the same read (on SQLite through its own API, one transaction,
 * statements kept per connection: src/people_native.h). */
#ifndef MOD_PEOPLE_READ_H
#define MOD_PEOPLE_READ_H

#include "httpd.h"

#include "src/people_store.h"

#include "mod_people_private.h"

/* register_hooks: SQLite's process-wide settings for the native reads,
 * before anything initialises SQLite; and, when pconf is cleared (a
 * restart unloads the module), SQLite's auto extensions forgotten. */
void people_read_configure(apr_pool_t *pconf);

/* The route of the request below the API's location, parsed once and kept
 * in rq (rq may be NULL: then parsed each time). */
people_route_t people_read_route(request_rec *r, people_req_t *rq);

/* Who the token hash belongs to, into rq->caller; on SQLite, a GET of a
 * profile also reads that profile in the same transaction (rq->prof_read,
 * rq->prof NULL when there is no such user) and rq->native keeps the
 * connection's native reader for the request's later reads. Results as
 * people_store_auth. */
people_rc_e people_read_caller(request_rec *r, people_db_t *db,
                               const char *hash, people_req_t *rq,
                               const char **err);

/* post_config: the start-up warning about SQLite configured by someone
 * else first (sqlite: whether a server uses the sqlite3 driver). */
void people_read_check(server_rec *s, int sqlite);

#endif
