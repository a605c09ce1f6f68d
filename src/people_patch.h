/* Profile changes (spec section 11): the fields a PUT /{userid} or a new
 * user's POST names, read from the body's JSON object (a form gives the
 * same object, see people_form.h), checked, and normalised to what the
 * store keeps; and who may make them. Knows nothing of httpd or SQL. */
#ifndef PEOPLE_PATCH_H
#define PEOPLE_PATCH_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "people_profile.h"

/* The fields a body may name, in the order of the table in
 * people_patch.c. */
typedef enum {
    PEOPLE_W_FIRST_NAME = 0,
    PEOPLE_W_LAST_NAME,
    PEOPLE_W_SEX,
    PEOPLE_W_BIRTHDAY,
    PEOPLE_W_WORK_FROM,
    PEOPLE_W_LOCATION,
    PEOPLE_W_NOTES,
    PEOPLE_W_EMAIL,             /* from here on: admins and the owner only */
    PEOPLE_W_TITLE,
    PEOPLE_W_DEPARTMENT,
    PEOPLE_W_LEAD,
    PEOPLE_W_VISITOR,
    PEOPLE_W_DISABLE,
    PEOPLE_W_COUNT
} people_wfield_e;

typedef struct {
    unsigned named;             /* bit (1 << people_wfield_e) per field named */
    /* each named field as the store keeps it: text, a date as
     * YYYY-MM-DDT00:00:00.0000000Z, sex and booleans as "0"/"1";
     * NULL for SQL NULL */
    const char *value[PEOPLE_W_COUNT];
    apr_array_header_t *contacts;   /* NULL when "contacts" is absent */
    const char *username;       /* userName, for a new user; else NULL */
} people_patch_t;

#define PEOPLE_PATCH_HAS(pt, f) (((pt)->named >> (f)) & 1u)

/* Reads the fields of a profile write from the body's object. Names are
 * case-insensitive; Community Server's names are read too ("comment" as
 * notes, "worksfrom" as workFrom) and its department, a list of group
 * ids, is ignored; other keys are ignored. With create set, userName is read too, and firstName,
 * lastName and email are required. Returns NULL, or the message of a 400
 * answer naming the field. */
const char *people_patch_parse(apr_pool_t *p, json_t *root, int create,
                               people_patch_t *out);

/* Would applying the patch change the field of this profile? (disable:
 * would it change the status.) */
int people_patch_changes(const people_patch_t *pt, const people_profile_t *u,
                         people_wfield_e f);

/* The profile with the patch applied (a copy; contacts are not touched
 * here), status and terminated following disable (now: the time to record,
 * in the answer's format). */
people_profile_t people_patch_apply(const people_patch_t *pt,
                                    const people_profile_t *u,
                                    const char *now);

/* The answer's name of a field ("firstName"). */
const char *people_wfield_name(people_wfield_e f);

/* Who may write a profile or its contacts: the user, an admin or the
 * owner; the owner's only the owner. Returns NULL, or the message of a
 * 403 answer. */
const char *people_write_forbidden(const char *caller_id, int caller_admin,
                                   int caller_owner,
                                   const people_profile_t *target);

/* As people_write_forbidden, and also: a member (not an admin, not the
 * owner) may not change the admin-only fields; nobody changes the owner's
 * status. Fields named with the value they already hold are no change. */
const char *people_patch_forbidden(apr_pool_t *p, const char *caller_id,
                                   int caller_admin, int caller_owner,
                                   const people_profile_t *target,
                                   const people_patch_t *pt);

/* A user name made from an email's local part: the characters
 * A-Z a-z 0-9 . _ - of it (at most 48), or "user" when none are left or
 * the result could not be a user name. */
const char *people_username_from_email(apr_pool_t *p, const char *email);

/* A status by number or name (1/Active, 2/Terminated, 4/LeaveOfAbsence,
 * case-insensitive); 0 when it is none. */
int people_user_status_parse(const char *s);

#endif
