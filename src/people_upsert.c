/* The upsert of import rows (people-admin import and sync-ldap): one
 * transaction, a user written only where the row changes something, so a
 * second run of the same file changes nothing and no ETag. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "people_import.h"
#include "people_fields.h"
#include "people_contacts.h"
#include "people_directory.h"
#include "people_identity.h"
#include "people_route.h"

typedef struct {
    apr_pool_t *p;
    people_db_t *db;
    const people_import_opts_t *opts;
    people_import_counts_t *counts;
    apr_hash_t *seen;           /* id -> line of the row that named it */
    apr_hash_t *groups;         /* name -> id, found or made so far */
    const char *now;            /* the answer's date format */
    const char **err;
} upsert_t;

static void people_upsert_first(apr_pool_t *p, people_db_t *db,
                                apr_dbd_row_t *row, int ncols, void *baton)
{
    (void)ncols;
    *(const char **)baton = apr_pstrdup(p, people_db_col(db, row, 0));
}

static const char *people_upsert_null(const char *v)
{
    return v && *v ? v : NULL;
}

/* Same names, in any order (a user's groups are a set). */
static int people_upsert_same_groups(apr_pool_t *p,
                                     const apr_array_header_t *stored,
                                     const apr_array_header_t *names)
{
    apr_hash_t *want = apr_hash_make(p);
    int i;
    for (i = 0; i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);
        apr_hash_set(want, n, APR_HASH_KEY_STRING, n);
    }
    if ((int)apr_hash_count(want) != stored->nelts) {
        return 0;
    }
    for (i = 0; i < stored->nelts; i++) {
        const people_group_t *g = &APR_ARRAY_IDX(stored, i, people_group_t);
        if (!apr_hash_get(want, g->name, APR_HASH_KEY_STRING)) {
            return 0;
        }
    }
    return 1;
}

static people_rc_e people_upsert_groups(upsert_t *u, const char *id,
                                        const apr_array_header_t *names)
{
    people_rc_e rc = people_db_exec(u->p, u->db, "people_admin_member_clear",
                                    NULL, u->err, id);
    int i;
    for (i = 0; rc == PEOPLE_OK && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        const char *gid = apr_hash_get(u->groups, name, APR_HASH_KEY_STRING);
        if (!gid) {
            rc = people_db_select(u->p, u->db, "people_admin_group_find",
                                  people_upsert_first, &gid, NULL, u->err,
                                  name);
            if (rc == PEOPLE_OK && !gid) {
                gid = people_uuid_generate(u->p);
                rc = people_db_exec(u->p, u->db, "people_admin_group_add",
                                    NULL, u->err, gid, name);
            }
            apr_hash_set(u->groups, name, APR_HASH_KEY_STRING, gid);
        }
        if (rc == PEOPLE_OK) {
            rc = people_db_exec(u->p, u->db, "people_admin_member_add", NULL,
                                u->err, id, gid, id, gid);
        }
    }
    return rc;
}

static people_rc_e people_upsert_contacts(upsert_t *u, const char *id,
                                          const apr_array_header_t *list)
{
    people_rc_e rc = people_db_exec(u->p, u->db, "people_contacts_clear",
                                    NULL, u->err, id);
    int i;
    for (i = 0; rc == PEOPLE_OK && i < list->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(list, i, people_contact_t);
        rc = people_db_exec(u->p, u->db, "people_contact_add", NULL, u->err,
                            id, apr_itoa(u->p, i), c->type, c->value);
    }
    return rc;
}

/* The stored list after the row: its types replaced, or the whole list. */
static apr_array_header_t *people_upsert_list(apr_pool_t *p,
                                              const people_import_row_t *row,
                                              const apr_array_header_t *old)
{
    return people_contacts_apply(p, row->contacts_mode
                                    == PEOPLE_IMP_CONTACTS_ALL
                                    ? PEOPLE_OP_SET : PEOPLE_OP_MERGE,
                                 old, row->contacts);
}

static void people_upsert_report(upsert_t *u, const char *what,
                                 const char *name, const char *detail)
{
    if (u->opts->report) {
        fprintf(u->opts->report, "%s %s%s%s\n", what, name,
                detail ? ": " : "", detail ? detail : "");
    }
}

static people_rc_e people_upsert_add(upsert_t *u,
                                     const people_import_row_t *row,
                                     const char *id)
{
    const apr_array_header_t *none = apr_array_make(u->p, 1,
                                                    sizeof(people_contact_t));
    apr_array_header_t *list;
    people_rc_e rc;

    if (!row->username || !(row->given & PEOPLE_IMP_FIRST_NAME)
        || !(row->given & PEOPLE_IMP_LAST_NAME)
        || !(row->given & PEOPLE_IMP_EMAIL) || !*row->email) {
        *u->err = apr_psprintf(u->p, "line %d: a new user needs userName, "
                               "firstName, lastName and email", row->line);
        return PEOPLE_DB_ERROR;
    }
    if (!id && !(id = people_uuid_generate(u->p))) {
        *u->err = "no randomness for a new id";
        return PEOPLE_DB_ERROR;
    }
    list = people_upsert_list(u->p, row, none);
    rc = people_db_exec(u->p, u->db, "people_admin_import_add", NULL, u->err,
                        id, row->username,
                        people_name_key(u->p, row->username), row->first_name,
                        row->last_name, row->email,
                        people_upsert_null(row->title),
                        people_upsert_null(row->department),
                        people_upsert_null(row->location),
                        apr_itoa(u->p, row->status ? row->status : 1),
                        row->status == 2 ? u->now : NULL,
                        row->is_admin ? "1" : "0", row->is_visitor ? "1" : "0",
                        u->opts->ldap ? "1" : "0");
    if (rc == PEOPLE_OK) {
        rc = people_dir_refresh_keys(u->p, u->db, id, u->err);
    }
    if (rc == PEOPLE_OK && row->groups->nelts) {
        rc = people_upsert_groups(u, id, row->groups);
    }
    if (rc == PEOPLE_OK && list->nelts) {
        rc = people_upsert_contacts(u, id, list);
    }
    if (rc == PEOPLE_OK) {
        apr_hash_set(u->seen, id, APR_HASH_KEY_STRING, row);
        u->counts->added++;
        people_upsert_report(u, "added", row->username, NULL);
    }
    return rc;
}

/* Which of a row's fields differ from what is stored, as the answer's
 * key names ("" when none). */
typedef struct {
    const char *name, *first, *last, *email, *title, *dept, *loc, *term;
    int status, admin, visitor, ldap;
    apr_array_header_t *contacts;
    int groups;
    const char *changed;
} upsert_new_t;

#define PEOPLE_UPSERT_FIELD(bit, field, stored, key) \
    if ((row->given & (bit)) && !people_text_same(row->field, stored)) { \
        n->changed = apr_pstrcat(u->p, n->changed, ", " key, NULL); \
    }

static void people_upsert_diff(upsert_t *u, const people_import_row_t *row,
                               const people_profile_t *old, upsert_new_t *n)
{
    n->changed = "";
    if (row->username && strcmp(row->username, old->username)) {
        n->changed = ", userName";
    }
    PEOPLE_UPSERT_FIELD(PEOPLE_IMP_FIRST_NAME, first_name, old->first_name,
                        "firstName");
    PEOPLE_UPSERT_FIELD(PEOPLE_IMP_LAST_NAME, last_name, old->last_name,
                        "lastName");
    PEOPLE_UPSERT_FIELD(PEOPLE_IMP_EMAIL, email, old->email, "email");
    PEOPLE_UPSERT_FIELD(PEOPLE_IMP_TITLE, title, old->title, "title");
    PEOPLE_UPSERT_FIELD(PEOPLE_IMP_DEPARTMENT, department, old->department,
                        "department");
    PEOPLE_UPSERT_FIELD(PEOPLE_IMP_LOCATION, location, old->location,
                        "location");
    n->status = row->given & PEOPLE_IMP_STATUS ? row->status : old->status;
    n->admin = row->given & PEOPLE_IMP_ADMIN ? row->is_admin : old->is_admin;
    n->visitor = row->given & PEOPLE_IMP_VISITOR ? row->is_visitor
                                                 : old->is_visitor;
    n->ldap = u->opts->ldap || old->is_ldap;
    n->term = n->status == old->status ? old->terminated
              : n->status == 2 ? u->now : NULL;
    if (n->status != old->status) {
        n->changed = apr_pstrcat(u->p, n->changed, ", status", NULL);
    }
    if (n->admin != old->is_admin) {
        n->changed = apr_pstrcat(u->p, n->changed, ", isAdmin", NULL);
    }
    if (n->visitor != old->is_visitor) {
        n->changed = apr_pstrcat(u->p, n->changed, ", isVisitor", NULL);
    }
    if (n->ldap != old->is_ldap) {
        n->changed = apr_pstrcat(u->p, n->changed, ", isLDAP", NULL);
    }
    n->groups = (row->given & PEOPLE_IMP_GROUPS)
                && !people_upsert_same_groups(u->p, old->groups, row->groups);
    if (n->groups) {
        n->changed = apr_pstrcat(u->p, n->changed, ", groups", NULL);
    }
    n->contacts = NULL;
    if (row->contacts_mode != PEOPLE_IMP_CONTACTS_NONE) {
        apr_array_header_t *list = people_upsert_list(u->p, row,
                                                      old->contacts);
        if (!people_contacts_equal(list, old->contacts)) {
            n->contacts = list;
            n->changed = apr_pstrcat(u->p, n->changed, ", contacts", NULL);
        }
    }
#define PICK(bit, field, stored) \
    ((row->given & (bit)) ? row->field : (stored))
    n->name = row->username ? row->username : old->username;
    n->first = PICK(PEOPLE_IMP_FIRST_NAME, first_name, old->first_name);
    n->last = PICK(PEOPLE_IMP_LAST_NAME, last_name, old->last_name);
    n->email = PICK(PEOPLE_IMP_EMAIL, email, old->email);
    n->title = PICK(PEOPLE_IMP_TITLE, title, old->title);
    n->dept = PICK(PEOPLE_IMP_DEPARTMENT, department, old->department);
    n->loc = PICK(PEOPLE_IMP_LOCATION, location, old->location);
#undef PICK
}

static people_rc_e people_upsert_update(upsert_t *u,
                                        const people_import_row_t *row,
                                        const char *id)
{
    people_profile_t *old;
    upsert_new_t n;
    people_rc_e rc = people_store_profile(u->p, u->db, id, &old, u->err);

    if (rc != PEOPLE_OK) {
        return rc;
    }
    people_upsert_diff(u, row, old, &n);
    if (old->is_owner && n.status != old->status) {
        *u->err = apr_psprintf(u->p, "line %d: the owner's status cannot "
                               "change", row->line);
        return PEOPLE_DB_ERROR;
    }
    apr_hash_set(u->seen, id, APR_HASH_KEY_STRING, row);
    if (!*n.changed) {
        u->counts->unchanged++;
        return PEOPLE_OK;
    }
    /* one version bump for the whole change, whatever it touches */
    rc = people_db_exec(u->p, u->db, "people_admin_import_update", NULL,
                        u->err, n.name, people_name_key(u->p, n.name),
                        n.first ? n.first : "", n.last ? n.last : "",
                        people_upsert_null(n.email),
                        people_upsert_null(n.title),
                        people_upsert_null(n.dept), people_upsert_null(n.loc),
                        apr_itoa(u->p, n.status), n.term,
                        n.admin ? "1" : "0", n.visitor ? "1" : "0",
                        n.ldap ? "1" : "0", id);
    if (rc == PEOPLE_OK) {
        rc = people_dir_refresh_keys(u->p, u->db, id, u->err);
    }
    if (rc == PEOPLE_OK && n.groups) {
        rc = people_upsert_groups(u, id, row->groups);
    }
    if (rc == PEOPLE_OK && n.contacts) {
        rc = people_upsert_contacts(u, id, n.contacts);
    }
    if (rc == PEOPLE_OK) {
        u->counts->updated++;
        people_upsert_report(u, "updated", n.name, n.changed + 2);
    }
    return rc;
}

static people_rc_e people_upsert_row(upsert_t *u,
                                     const people_import_row_t *row)
{
    const char *id = NULL;
    const people_import_row_t *before;
    people_rc_e rc;

    rc = row->id
         ? people_store_resolve(u->p, u->db, PEOPLE_USER_ID, row->id, &id,
                                u->err)
         : people_store_resolve(u->p, u->db, PEOPLE_USER_NAME,
                                people_name_key(u->p, row->username), &id,
                                u->err);
    if (rc == PEOPLE_NOT_FOUND) {
        return people_upsert_add(u, row, row->id);
    }
    if (rc != PEOPLE_OK) {
        return rc;
    }
    if ((before = apr_hash_get(u->seen, id, APR_HASH_KEY_STRING))) {
        *u->err = apr_psprintf(u->p, "line %d: the user of line %d again",
                               row->line, before->line);
        return PEOPLE_DB_ERROR;
    }
    return people_upsert_update(u, row, id);
}

typedef struct {
    upsert_t *u;
    apr_array_header_t *ids, *names;
} missing_t;

static void people_upsert_missing_row(apr_pool_t *p, people_db_t *db,
                                      apr_dbd_row_t *row, int ncols,
                                      void *baton)
{
    missing_t *m = baton;
    const char *id = people_db_col(db, row, 0);
    (void)ncols;
    /* id, username, status, is_owner, is_ldap */
    if (apr_hash_get(m->u->seen, id, APR_HASH_KEY_STRING)
        || atoi(people_db_col(db, row, 2)) == 2
        || atoi(people_db_col(db, row, 3))
        || (m->u->opts->ldap && !atoi(people_db_col(db, row, 4)))) {
        return;
    }
    APR_ARRAY_PUSH(m->ids, const char *) = apr_pstrdup(p, id);
    APR_ARRAY_PUSH(m->names, const char *) =
        apr_pstrdup(p, people_db_col(db, row, 1));
}

static people_rc_e people_upsert_terminate(upsert_t *u)
{
    missing_t m = {u, apr_array_make(u->p, 8, sizeof(const char *)),
                   apr_array_make(u->p, 8, sizeof(const char *))};
    people_rc_e rc = people_db_select(u->p, u->db, "people_admin_import_users",
                                      people_upsert_missing_row, &m, NULL,
                                      u->err);
    int i;
    for (i = 0; rc == PEOPLE_OK && i < m.ids->nelts; i++) {
        rc = people_db_exec(u->p, u->db, "people_admin_import_terminate", NULL,
                            u->err, u->now,
                            APR_ARRAY_IDX(m.ids, i, const char *));
        if (rc == PEOPLE_OK) {
            u->counts->terminated++;
            people_upsert_report(u, "terminated",
                                 APR_ARRAY_IDX(m.names, i, const char *),
                                 NULL);
        }
    }
    return rc;
}

people_rc_e people_import_apply(apr_pool_t *p, people_db_t *db,
                                const apr_array_header_t *rows,
                                const people_import_opts_t *opts,
                                people_import_counts_t *counts,
                                const char **err)
{
    upsert_t u = {p, db, opts, counts, apr_hash_make(p), apr_hash_make(p),
                  NULL, err};
    people_txn_t *t;
    people_rc_e rc;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    int i;

    memset(counts, 0, sizeof(*counts));
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S.0000000Z",
             gmtime_r(&now, &tm));
    u.now = date;
    if ((rc = people_db_begin(p, db, opts->wait_ms, &t, err)) != PEOPLE_OK) {
        return rc;
    }
    for (i = 0; rc == PEOPLE_OK && i < rows->nelts; i++) {
        const people_import_row_t *row = &APR_ARRAY_IDX(rows, i,
                                                        people_import_row_t);
        rc = people_upsert_row(&u, row);
        if (rc != PEOPLE_OK && !strstr(*err, "line ")) {
            *err = apr_psprintf(p, "line %d: %s", row->line, *err);
        }
    }
    if (rc == PEOPLE_OK && opts->terminate_missing) {
        rc = people_upsert_terminate(&u);
    }
    if (rc != PEOPLE_OK || opts->dry_run) {
        const char *ignored;
        people_db_end(t, 0, &ignored);
        return rc;
    }
    return people_db_end(t, 1, err);
}
