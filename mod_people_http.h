/* HTTP for the handlers: answers (always a JSON envelope, never httpd's
 * HTML error page), request bodies, the database connection and the one
 * retry a lost connection gets.
 *
 * Return conventions of the handlers and of the helpers below: OK when
 * the work went on or the answer is written, DONE when an error has been
 * answered and the caller must stop, PEOPLE_DB_RETRY when the database
 * failed before anything was committed (people_db_run may try again). */
#ifndef MOD_PEOPLE_HTTP_H
#define MOD_PEOPLE_HTTP_H

#include "httpd.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "src/people_profile.h"
#include "src/people_store.h"

#include "mod_people_private.h"

/* Retry-After of every 503 (seconds) */
#define PEOPLE_RETRY_AFTER "2"

/* A database step failed before a COMMIT was sent: nothing is stored, and
 * the step may run once more on a re-established connection. */
#define PEOPLE_DB_RETRY (-1000)  /* none of httpd's codes (DONE is -2) */

/* --- Answers (each returns OK) --- */

/* The JSON text body with status; CORS headers added. */
int people_send_json(request_rec *r, int status, const char *body,
                     size_t len);

/* The error envelope: {"status":1,"statusCode":...,"error":{...}}; a 503
 * carries Retry-After. */
int people_answer_error(request_rec *r, int status, const char *message);

/* 503: the database is unavailable. */
int people_answer_unavailable(request_rec *r);

/* The absolute URL of a person's page (PeopleProfileURL). */
const char *people_profile_page(request_rec *r, const people_profile_t *u);

/* A profile (full: with its private data), its ETag in the headers. */
int people_answer_profile(request_rec *r, int status,
                          const people_profile_t *u, int full);

/* The answer to a store result: OK (nothing answered) for PEOPLE_OK;
 * DONE having answered 404, 412 or 400; for PEOPLE_DB_ERROR the error
 * logged (what: "reading a profile") and PEOPLE_DB_RETRY returned,
 * unanswered; PEOPLE_COMMIT_FAILED logged and answered 503 (DONE), never
 * retried. */
int people_answer_rc(request_rec *r, people_rc_e rc, const char *what,
                     const char *err);

/* --- Request bodies --- */

/* Whether a Content-Type is application/json (parameters allowed). */
int people_is_json_type(const char *content_type);

/* Reads an application/json body of at most PeopleMaxBody bytes into pool
 * memory, NUL-terminated. OK, or DONE having answered 415, 413 or 400. */
int people_read_json_body(request_rec *r, char **buf, size_t *len);

/* --- The database --- */

/* post_config: finds mod_dbd's ap_dbd_acquire. */
void people_http_post_config(void);

/* The request's database connection (mod_dbd keeps it for the request),
 * or NULL (mod_dbd has logged why). */
ap_dbd_t *people_dbd_acquire(request_rec *r);

/* The connection's fields as the store takes them. */
people_db_t people_db_of(ap_dbd_t *dbd);

/* Logs a database error ("database error while <what>: <err><hint>") and
 * returns PEOPLE_DB_RETRY. */
int people_db_error(request_rec *r, const char *what, const char *err);

/* A step of a request's database work, run by people_db_run. */
typedef int (*people_db_step_fn)(request_rec *r, people_db_t *db,
                                 void *baton);

/* Runs step on the request's connection (mod_dbd keeps it for the
 * request). When the step returns PEOPLE_DB_RETRY and the connection was
 * lost and re-established (a PostgreSQL restart), the step runs once more:
 * the one retry of the module, and only for a failure before COMMIT (see
 * PEOPLE_COMMIT_FAILED). Returns the step's result, or DONE having
 * answered 503. */
int people_db_run(request_rec *r, people_db_step_fn step, void *baton);

/* The id of the user a route names (@self: the caller). OK, DONE having
 * answered 404, or PEOPLE_DB_RETRY. */
int people_user_id(request_rec *r, people_db_t *db,
                   const people_call_t *call, const char **id);

/* Whether the caller may write a user's data: the user themself, an
 * admin or the owner. */
int people_may_see_all(const people_caller_t *who, const char *id);

/* Whether the caller sees a user's private data (email, contacts) under
 * the location's PeoplePrivateData. */
int people_may_see_private(request_rec *r, const people_caller_t *who,
                           const char *id);

#endif
