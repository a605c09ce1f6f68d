/* What the write handlers of profiles and users share. */
#ifndef MOD_PEOPLE_WRITE_H
#define MOD_PEOPLE_WRITE_H

#include "httpd.h"
#include "apr_tables.h"

#include "src/people_store.h"

/* people_answer_rc, and for the store's refusals: FORBIDDEN 403 (logged
 * at info), INVALID 400, CONFLICT 409, NOT_FOUND 404, each with the
 * store's message. */
int people_write_rc(request_rec *r, people_rc_e rc, const char *what,
                    const char *err);

/* A body's contacts (people_contact_t, NULL: none) are more than
 * PeopleMaxContacts: the 400 message, checked before any lock is taken;
 * else NULL. */
const char *people_contacts_over(request_rec *r,
                                 const apr_array_header_t *contacts);

/* A caller who is neither an admin nor the owner: answers 403 (logged at
 * info) and returns DONE; else OK. */
int people_admin_only(request_rec *r, const people_caller_t *who,
                      const char *what);

#endif
