/* The profile as the API answers it, and the JSON envelopes of answers
 * (spec section 7). Knows nothing of httpd or SQL. */
#ifndef PEOPLE_PROFILE_H
#define PEOPLE_PROFILE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

typedef struct {
    const char *id;
    const char *name;
    const char *manager;        /* the manager's user name, or NULL */
} people_group_t;

/* One user as stored. Strings may be NULL (answered as null). */
typedef struct {
    const char *id;             /* lowercase UUID */
    const char *username;
    const char *first_name;
    const char *last_name;
    const char *email;
    const char *birthday;       /* YYYY-MM-DDTHH:MM:SS.0000000Z */
    int sex;                    /* -1 unknown, 0 female, 1 male */
    int status;                 /* 1 Active, 2 Terminated, 4 LeaveOfAbsence */
    int activation_status;
    const char *terminated;
    const char *department;
    const char *work_from;
    const char *location;
    const char *notes;
    const char *title;
    const char *lead;           /* UUID or NULL */
    const char *avatar_small;
    const char *avatar_medium;
    const char *avatar;
    int is_admin, is_owner, is_visitor, is_ldap, is_sso;
    const char *culture_name;
    apr_int64_t quota_limit, used_space, docs_space, mail_space, talk_space;
    apr_int64_t version;        /* bumped by every write; makes the ETag */
    apr_array_header_t *groups;     /* of people_group_t */
    apr_array_header_t *contacts;   /* of people_contact_t, stored order */
} people_profile_t;

/* Serialises {"count":1,"status":0,"statusCode":CODE,"response":PROFILE}
 * into pool memory. With full == 0 (a caller who is not that user, an
 * admin or the owner) email is null and contacts is []. profile_url is the
 * absolute URL of the person's page. */
char *people_profile_envelope(apr_pool_t *p, int code,
                              const people_profile_t *prof, int full,
                              const char *profile_url, size_t *len);

/* The profile alone as a jansson object (the same text, parsed), for
 * people-admin and tests; released with the pool. */
json_t *people_profile_json(apr_pool_t *p, const people_profile_t *prof,
                            int full, const char *profile_url);

/* Expands a profile URL template: {id} and {userName} are replaced by the
 * user's id and URL-escaped user name. */
const char *people_profile_url(apr_pool_t *p, const char *tmpl,
                               const people_profile_t *prof);

/* A strong entity tag for one view of one version of a profile,
 * quotes included. */
const char *people_etag(apr_pool_t *p, const people_profile_t *prof,
                        int full);

/* Does an If-Match / If-None-Match header value name this tag? Handles
 * "*" and lists. With strong set, a weak tag (W/"...") never matches (for
 * If-Match); otherwise weak comparison is used (for If-None-Match). */
int people_etag_listed(const char *header, const char *etag, int strong);

/* Serialises {"status":1,"statusCode":CODE,"error":{"message":MSG}}. */
char *people_envelope_error(apr_pool_t *p, int code, const char *message,
                            size_t *len);

#endif
