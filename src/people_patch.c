/* Profile changes: reading, checking and permission (spec section 11). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "people_patch.h"
#include "people_contacts.h"
#include "people_fields.h"
#include "people_route.h"
#include "people_identity.h"

typedef enum {
    K_NAME,                     /* 1-64 characters, not null */
    K_TEXT,                     /* at most 255, null clears */
    K_NOTES,                    /* at most 1024, null clears */
    K_EMAIL,                    /* an address, not null */
    K_DATE,                     /* YYYY-MM-DD[THH:MM:SS[.f][Z]], null clears */
    K_SEX,                      /* male, female, null */
    K_UUID,                     /* a user's id, null clears */
    K_BOOL                      /* true/false (a form's "true", "1"...) */
} kind_e;

/* One row per people_wfield_e, in that order; alias: the name
 * ONLYOFFICE Community Server's API gives the field. */
static const struct {
    const char *name;
    const char *alias;
    kind_e kind;
} fields[PEOPLE_W_COUNT] = {
    {"firstName", NULL, K_NAME},
    {"lastName", NULL, K_NAME},
    {"sex", NULL, K_SEX},
    {"birthday", NULL, K_DATE},
    {"workFrom", "worksfrom", K_DATE},
    {"location", NULL, K_TEXT},
    {"notes", "comment", K_NOTES},
    {"email", NULL, K_EMAIL},
    {"title", NULL, K_TEXT},
    {"department", NULL, K_TEXT},
    {"lead", NULL, K_UUID},
    {"isVisitor", NULL, K_BOOL},
    {"disable", NULL, K_BOOL},
};

const char *people_wfield_name(people_wfield_e f)
{
    return fields[f].name;
}

static int people_digits(const char *s, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        if (!apr_isdigit(s[i])) {
            return 0;
        }
    }
    return 1;
}

/* YYYY-MM-DD, optionally followed by THH:MM:SS, a fraction and Z or an
 * offset (+HH:MM): the date as the answer's format (midnight UTC), or
 * NULL. */
static const char *people_norm_date(apr_pool_t *p, const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31};
    int y, m, d;
    size_t n = strlen(s);

    if (n < 10 || !people_digits(s, 4) || s[4] != '-' || !people_digits(s + 5,
                                                                        2)
        || s[7] != '-' || !people_digits(s + 8, 2)) {
        return NULL;
    }
    if (n > 10) {
        const char *t = s + 10;
        if (*t != 'T' || strlen(t) < 9 || !people_digits(t + 1,
                                                         2) || t[3] != ':'
            || !people_digits(t + 4,
                              2) || t[6] != ':' || !people_digits(t + 7, 2)) {
            return NULL;
        }
        t += 9;
        if (*t == '.') {
            for (t++; apr_isdigit(*t); t++) {
            }
        }
        if (*t == 'Z') {
            t++;
        }
        else if ((*t == '+' || *t == '-') && strlen(t) == 6
                 && people_digits(t + 1,
                                  2) && t[3] == ':' && people_digits(t + 4,
                                                                     2)) {
            t += 6;
        }
        if (*t) {
            return NULL;
        }
    }
    y = atoi(apr_pstrmemdup(p, s, 4));
    m = atoi(apr_pstrmemdup(p, s + 5, 2));
    d = atoi(apr_pstrmemdup(p, s + 8, 2));
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]
        || (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0)))) {
        return NULL;
    }
    return apr_psprintf(p, "%.10sT00:00:00.0000000Z", s);
}

/* One '@' with text on both sides, a dot in the domain, no spaces. */
static int people_email_shape(const char *s)
{
    const char *at = strchr(s, '@');
    const char *c;

    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.')
        || at[1] == '.' || s[strlen(s) - 1] == '.') {
        return 0;
    }
    for (c = s; *c; c++) {
        if (apr_isspace(*c) || *c == ',' || *c == ';' || *c == '<'
            || *c == '>' || *c == '"') {
            return 0;
        }
    }
    return 1;
}

static const char *people_text_of(json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A boolean: JSON true/false, or a form's true/false/1/0/on/off. */
static int people_bool_of(json_t *v, int *out)
{
    const char *s = people_text_of(v);
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 1;
    }
    if (!s) {
        return 0;
    }
    if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "on")) {
        *out = 1;
        return 1;
    }
    if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "off")) {
        *out = 0;
        return 1;
    }
    return 0;
}

/* Checks and normalises one field's value; NULL, or the 400 message. */
static const char *people_read_field(apr_pool_t *p, people_wfield_e f,
                                     json_t *v,
                                     const char **out)
{
    const char *name = fields[f].name, *s = people_text_of(v), *problem;
    int b;

    if (json_is_string(v) && strlen(s) != json_string_length(v)) {
        return apr_psprintf(p, "%s contains a control character", name);
    }
    switch (fields[f].kind) {
    case K_BOOL:
        if (!people_bool_of(v, &b)) {
            return apr_psprintf(p, "%s must be true or false", name);
        }
        *out = b ? "1" : "0";
        return NULL;
    case K_SEX:
        if (json_is_null(v) || (s && !*s)) {
            *out = NULL;
        }
        else if (s && !strcasecmp(s, "male")) {
            *out = "1";
        }
        else if (s && !strcasecmp(s, "female")) {
            *out = "0";
        }
        else {
            return "sex must be \"male\", \"female\" or null";
        }
        return NULL;
    default:
        break;
    }
    if (json_is_null(v) || (s && !*s && fields[f].kind != K_NAME)) {
        if (fields[f].kind == K_EMAIL) {
            return "email must be an email address";
        }
        *out = NULL;
        return fields[f].kind == K_NAME
               ? apr_psprintf(p, "%s must be 1 to %d characters", name,
                              PEOPLE_NAME_MAX) : NULL;
    }
    if (!s) {
        return apr_psprintf(p, "%s must be a string", name);
    }
    switch (fields[f].kind) {
    case K_DATE:
        if (!(*out = people_norm_date(p, s))) {
            return apr_psprintf(p, "%s must be a date, YYYY-MM-DD or "
                                "YYYY-MM-DDTHH:MM:SS.0000000Z", name);
        }
        return NULL;
    case K_UUID:
        if (!(*out = people_uuid_normalise(p, s))) {
            return apr_psprintf(p, "%s must be a user's id (a UUID)", name);
        }
        return NULL;
    default:
        break;
    }
    problem = people_field_problem(fields[f].kind == K_NAME
                                   ? PEOPLE_FIELD_NAME
                                   : fields[f].kind == K_NOTES
                                   ? PEOPLE_FIELD_NOTES : PEOPLE_FIELD_TEXT,
                                   s, json_string_length(v));
    if (problem) {
        return apr_psprintf(p, "%s %s", name, problem);
    }
    if (fields[f].kind == K_EMAIL && !people_email_shape(s)) {
        return "email must be an email address";
    }
    *out = apr_pstrdup(p, s);
    return NULL;
}

/* A key looked up case-insensitively; a second spelling is an error. */
static const char *people_lookup(apr_pool_t *p, json_t *root, const char *key,
                                 json_t **v)
{
    int dup;
    *v = people_json_get_ci(root, key, &dup);
    return dup ? apr_psprintf(p, "the body names %s twice", key) : NULL;
}

/* A user name a new user may have: people-admin's rule (people_fields.c),
 * and not a UUID (which routes as an id). */
static const char *people_patch_username_problem(apr_pool_t *p,
                                                 const char *name)
{
    const char *bad = people_username_problem(name);
    if (bad) {
        return bad;
    }
    return people_uuid_normalise(p, name)
           ? "cannot be a UUID (it would read as an id)" : NULL;
}

static const char *people_read_create(apr_pool_t *p, json_t *root,
                                      people_patch_t *out)
{
    static const people_wfield_e required[] = {
        PEOPLE_W_FIRST_NAME, PEOPLE_W_LAST_NAME, PEOPLE_W_EMAIL
    };
    const char *err, *problem;
    json_t *v;
    size_t i;

    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (!PEOPLE_PATCH_HAS(out, required[i])) {
            return apr_psprintf(p, "a new user needs %s",
                                fields[required[i]].name);
        }
    }
    if ((err = people_lookup(p, root, "userName", &v))) {
        return err;
    }
    if (v && !json_is_null(v) && !(json_is_string(v)
                                   && !json_string_length(v))) {
        if (!json_is_string(v)
            || strlen(json_string_value(v)) != json_string_length(v)) {
            return "userName must be a string without control characters";
        }
        if ((problem = people_patch_username_problem(p,
                                                     json_string_value(v)))) {
            return apr_psprintf(p, "userName %s", problem);
        }
        out->username = apr_pstrdup(p, json_string_value(v));
    }
    return NULL;
}

const char *people_patch_parse(apr_pool_t *p, json_t *root, int create,
                               people_patch_t *out)
{
    const char *err;
    json_t *v, *alias;
    int f;

    memset(out, 0, sizeof(*out));
    for (f = 0; f < PEOPLE_W_COUNT; f++) {
        if ((err = people_lookup(p, root, fields[f].name, &v))) {
            return err;
        }
        if (fields[f].alias) {
            if ((err = people_lookup(p, root, fields[f].alias, &alias))) {
                return err;
            }
            if (v && alias) {
                return apr_psprintf(p, "the body names %s twice (%s and %s)",
                                    fields[f].name, fields[f].name,
                                    fields[f].alias);
            }
            v = v ? v : alias;
        }
        /* Community Server's department is a list of group ids; groups
         * are not written through this API */
        if (!v || (f == PEOPLE_W_DEPARTMENT && json_is_array(v))) {
            continue;
        }
        if ((err = people_read_field(p, (people_wfield_e)f, v,
                                     &out->value[f]))) {
            return err;
        }
        out->named |= 1u << f;
    }
    if ((err = people_lookup(p, root, "contacts", &v))) {
        return err;
    }
    if (v && (err = people_contacts_from(p, v, &out->contacts))) {
        return err;
    }
    return create ? people_read_create(p, root, out) : NULL;
}

static int people_same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A stored value as the patch spells it. */
static const char *people_current(const people_profile_t *u, people_wfield_e f)
{
    switch (f) {
    case PEOPLE_W_FIRST_NAME: return u->first_name;
    case PEOPLE_W_LAST_NAME:  return u->last_name;
    case PEOPLE_W_SEX:        return u->sex < 0 ? NULL : u->sex ? "1" : "0";
    case PEOPLE_W_BIRTHDAY:   return u->birthday;
    case PEOPLE_W_WORK_FROM:  return u->work_from;
    case PEOPLE_W_LOCATION:   return u->location;
    case PEOPLE_W_NOTES:      return u->notes;
    case PEOPLE_W_EMAIL:      return u->email;
    case PEOPLE_W_TITLE:      return u->title;
    case PEOPLE_W_DEPARTMENT: return u->department;
    case PEOPLE_W_LEAD:       return u->lead;
    case PEOPLE_W_VISITOR:    return u->is_visitor ? "1" : "0";
    case PEOPLE_W_DISABLE:    return u->status == 2 ? "1" : "0";
    default:                  return NULL;
    }
}

int people_patch_changes(const people_patch_t *pt, const people_profile_t *u,
                         people_wfield_e f)
{
    const char *now;
    if (!PEOPLE_PATCH_HAS(pt, f)) {
        return 0;
    }
    now = people_current(u, f);
    if (f == PEOPLE_W_EMAIL && now && pt->value[f]) {
        return strcasecmp(now, pt->value[f]) != 0;
    }
    return !people_same_text(now, pt->value[f]);
}

people_profile_t people_patch_apply(const people_patch_t *pt,
                                    const people_profile_t *u,
                                    const char *now)
{
    people_profile_t n = *u;
    const char *const *v = pt->value;

    /* a field named with the value it holds (an email in another letter
     * case) keeps the stored spelling */
#define TAKE(f, member) if (people_patch_changes(pt, u, f)) n.member = v[f]
    TAKE(PEOPLE_W_FIRST_NAME, first_name);
    TAKE(PEOPLE_W_LAST_NAME, last_name);
    TAKE(PEOPLE_W_BIRTHDAY, birthday);
    TAKE(PEOPLE_W_WORK_FROM, work_from);
    TAKE(PEOPLE_W_LOCATION, location);
    TAKE(PEOPLE_W_NOTES, notes);
    TAKE(PEOPLE_W_EMAIL, email);
    TAKE(PEOPLE_W_TITLE, title);
    TAKE(PEOPLE_W_DEPARTMENT, department);
    TAKE(PEOPLE_W_LEAD, lead);
#undef TAKE
    if (PEOPLE_PATCH_HAS(pt, PEOPLE_W_SEX)) {
        n.sex = v[PEOPLE_W_SEX] ? atoi(v[PEOPLE_W_SEX]) : -1;
    }
    if (PEOPLE_PATCH_HAS(pt, PEOPLE_W_VISITOR)) {
        n.is_visitor = atoi(v[PEOPLE_W_VISITOR]);
    }
    if (people_patch_changes(pt, u, PEOPLE_W_DISABLE)) {
        int off = atoi(v[PEOPLE_W_DISABLE]);
        n.status = off ? 2 : 1;
        n.terminated = off ? now : NULL;
    }
    return n;
}

const char *people_write_forbidden(const char *caller_id, int caller_admin,
                                   int caller_owner,
                                   const people_profile_t *target)
{
    if (target->is_owner && !caller_owner) {
        return "only the owner may change the owner's profile";
    }
    if (!caller_admin && !caller_owner && strcmp(caller_id, target->id)) {
        return "only the user, an admin or the owner may change this "
               "profile";
    }
    return NULL;
}

const char *people_patch_forbidden(apr_pool_t *p, const char *caller_id,
                                   int caller_admin, int caller_owner,
                                   const people_profile_t *target,
                                   const people_patch_t *pt)
{
    const char *err = people_write_forbidden(caller_id, caller_admin,
                                             caller_owner, target);
    int f;

    if (err) {
        return err;
    }
    if (target->is_owner && people_patch_changes(pt, target,
                                                 PEOPLE_W_DISABLE)) {
        return "the owner's status cannot change";
    }
    if (caller_admin || caller_owner) {
        return NULL;
    }
    for (f = PEOPLE_W_EMAIL; f < PEOPLE_W_COUNT; f++) {
        if (people_patch_changes(pt, target, (people_wfield_e)f)) {
            return apr_psprintf(p, "only an admin or the owner may change %s",
                                fields[f].name);
        }
    }
    return NULL;
}

const char *people_username_from_email(apr_pool_t *p, const char *email)
{
    const char *at = strchr(email, '@');
    size_t n = at ? (size_t)(at - email) : strlen(email), i, o = 0;
    char *out = apr_palloc(p, 49);

    for (i = 0; i < n && o < 48; i++) {
        char c = email[i];
        if (apr_isalnum(c) || c == '.' || c == '_' || c == '-') {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return o && !people_patch_username_problem(p, out) ? out : "user";
}

int people_user_status_parse(const char *s)
{
    if (!strcmp(s, "1") || !strcasecmp(s, "Active")) {
        return 1;
    }
    if (!strcmp(s, "2") || !strcasecmp(s, "Terminated")) {
        return 2;
    }
    if (!strcmp(s, "4") || !strcasecmp(s, "LeaveOfAbsence")) {
        return 4;
    }
    return 0;
}
