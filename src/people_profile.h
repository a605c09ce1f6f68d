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

/* The keys of a profile answer, in the order they are written; a set of
 * them (bit 1 << PEOPLE_F_x) is a projection (`fields=`, /simple/filter).
 * `id` is always written. */
typedef enum {
    PEOPLE_F_ID, PEOPLE_F_USERNAME, PEOPLE_F_FIRSTNAME, PEOPLE_F_LASTNAME,
    PEOPLE_F_DISPLAYNAME, PEOPLE_F_EMAIL, PEOPLE_F_BIRTHDAY, PEOPLE_F_SEX,
    PEOPLE_F_STATUS, PEOPLE_F_ACTIVATIONSTATUS, PEOPLE_F_TERMINATED,
    PEOPLE_F_DEPARTMENT, PEOPLE_F_WORKFROM, PEOPLE_F_GROUPS,
    PEOPLE_F_LOCATION, PEOPLE_F_NOTES, PEOPLE_F_TITLE, PEOPLE_F_LEAD,
    PEOPLE_F_AVATARSMALL, PEOPLE_F_AVATARMEDIUM, PEOPLE_F_AVATAR,
    PEOPLE_F_ISADMIN, PEOPLE_F_ISLDAP, PEOPLE_F_ISOWNER, PEOPLE_F_ISVISITOR,
    PEOPLE_F_ISSSO, PEOPLE_F_LISTADMINMODULES, PEOPLE_F_CULTURENAME,
    PEOPLE_F_QUOTALIMIT, PEOPLE_F_USEDSPACE, PEOPLE_F_DOCSSPACE,
    PEOPLE_F_MAILSPACE, PEOPLE_F_TALKSPACE, PEOPLE_F_PROFILEURL,
    PEOPLE_F_CONTACTS,
    PEOPLE_F_COUNT
} people_field_e;

typedef apr_uint64_t people_fields_t;
#define PEOPLE_FIELD(f) ((people_fields_t)1 << (f))
#define PEOPLE_FIELDS_ALL (PEOPLE_FIELD(PEOPLE_F_COUNT) - 1)

/* The field named by the key (case-insensitive, n bytes), or -1. */
int people_field_lookup(const char *name, size_t n);

/* One item of a list answer: the profile, whether the caller sees its
 * private data, and its page's URL. */
typedef struct {
    const people_profile_t *profile;
    int full;
    const char *url;
} people_item_t;

/* Serialises the list envelope of spec section 7:
 * {"count":N,"startIndex":S,["nextIndex":S+N,]"total":T,"status":0,
 *  "statusCode":200,"response":[...]}; nextIndex only when N > 0 and
 *  S+N < total.
 * Each item holds the keys of `fields` (and always id). */
char *people_list_envelope(apr_pool_t *p, const people_item_t *items, int n,
                           apr_int64_t start, apr_int64_t total,
                           people_fields_t fields, size_t *len);

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
