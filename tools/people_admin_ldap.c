/* people-admin sync-ldap: the staff from an LDAP directory (OpenLDAP's
 * client library, paged results), with the import's upsert rules. The
 * directory owns the fields it maps and the ext* contact types; every
 * other contact is the user's own and survives each sync. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <ldap.h>

#include "../src/people_contacts.h"
#include "people_admin.h"

/* entries a page asks for; slapd's default size limit is 500 */
#define LDAP_PAGE_DEFAULT 200

typedef struct {
    const char *field;          /* userName, firstName, ..., contact:TYPE */
    const char *attr;           /* "" when unmapped */
} ldap_map_t;

/* The default mapping (spec section 12); --map FIELD=ATTR changes one. */
static const ldap_map_t people_ldap_defaults[] = {
    {"userName", "uid"}, {"firstName", "givenName"}, {"lastName", "sn"},
    {"email", "mail"}, {"title", "title"},
    {"department", "departmentNumber"}, {"location", "l"},
    {"contact:extphone", "telephoneNumber"},
    {"contact:extmobphone", "mobile"}, {"contact:extmail", "mail"},
    {"contact:extskype", ""},
    {NULL, NULL}
};

static const char *people_ldap_fields[] = {
    "userName", "firstName", "lastName", "email", "title", "department",
    "location", NULL
};

static const char *people_ldap_set_map(apr_pool_t *p,
                                       apr_array_header_t *map,
                                       const char *spec)
{
    const char *eq = strchr(spec, '='), *field;
    int i, known = 0;

    if (!eq) {
        return apr_psprintf(p, "--map takes FIELD=ATTRIBUTE, not '%s'", spec);
    }
    field = apr_pstrmemdup(p, spec, (apr_size_t)(eq - spec));
    for (i = 0; people_ldap_fields[i]; i++) {
        known |= !strcasecmp(field, people_ldap_fields[i]);
    }
    if (!known && (strncasecmp(field, "contact:", 8)
                   || !people_type_canon(p, field + 8))) {
        return apr_psprintf(p, "--map: '%s' is not a field (userName, "
                            "firstName, lastName, email, title, department, "
                            "location, contact:TYPE)", field);
    }
    for (i = 0; i < map->nelts; i++) {
        ldap_map_t *m = &APR_ARRAY_IDX(map, i, ldap_map_t);
        if (!strcasecmp(m->field, field)) {
            m->attr = eq + 1;
            return NULL;
        }
    }
    ((ldap_map_t *)apr_array_push(map))->field = field;
    APR_ARRAY_IDX(map, map->nelts - 1, ldap_map_t).attr = eq + 1;
    return NULL;
}

/* The values of one attribute of an entry, as text (NULL if none). */
static struct berval **people_ldap_values(LDAP *ld, LDAPMessage *e,
                                          const char *attr)
{
    return *attr ? ldap_get_values_len(ld, e, attr) : NULL;
}

static const char *people_ldap_row(apr_pool_t *p, LDAP *ld, LDAPMessage *e,
                                   const apr_array_header_t *map,
                                   apr_array_header_t *rows)
{
    people_import_row_t *row = apr_array_push(rows);
    char *dn = ldap_get_dn(ld, e);
    const char *where = apr_pstrdup(p, dn ? dn : "?"), *bad;
    apr_array_header_t *cells = apr_array_make(p, 2, sizeof(char *));
    int i;

    ldap_memfree(dn);
    memset(row, 0, sizeof(*row));
    row->line = rows->nelts;
    row->groups = apr_array_make(p, 1, sizeof(const char *));
    row->contacts = apr_array_make(p, 4, sizeof(people_contact_t));
    row->contacts_mode = PEOPLE_IMP_CONTACTS_TYPES;
    for (i = 0; i < map->nelts; i++) {
        const ldap_map_t *m = &APR_ARRAY_IDX(map, i, ldap_map_t);
        struct berval **v = people_ldap_values(ld, e, m->attr);
        int k, n = v ? ldap_count_values_len(v) : 0;

        apr_array_clear(cells);
        for (k = 0; k < n; k++) {
            APR_ARRAY_PUSH(cells, char *) =
                apr_pstrmemdup(p, v[k]->bv_val, v[k]->bv_len);
        }
        ldap_value_free_len(v);
        if (!strncasecmp(m->field, "contact:", 8)) {
            /* no value: the type is removed (an empty value does that) */
            for (k = 0; k < (n ? n : 1); k++) {
                people_contact_t *c = apr_array_push(row->contacts);
                c->type = m->field + 8;
                c->value = n ? APR_ARRAY_IDX(cells, k, char *) : "";
            }
        }
        else if (n && (bad = people_import_field(p, row, m->field,
                                                 APR_ARRAY_IDX(cells, 0,
                                                               char *)))) {
            return apr_psprintf(p, "%s: %s", where, bad);
        }
    }
    if (!row->username) {
        return apr_psprintf(p, "%s has no userName attribute", where);
    }
    if ((bad = people_import_check(p, row))) {
        return apr_psprintf(p, "%s: %s", where, bad);
    }
    return NULL;
}

/* Reads every entry under base matching filter, a page at a time. */
static const char *people_ldap_search(apr_pool_t *p, LDAP *ld,
                                      const char *base, const char *filter,
                                      int page, const apr_array_header_t *map,
                                      apr_array_header_t *rows)
{
    char **attrs = apr_pcalloc(p, sizeof(char *) * (apr_size_t)(map->nelts
                                                                 + 1));
    struct berval *cookie = NULL;
    const char *err = NULL;
    int i, n = 0;

    for (i = 0; i < map->nelts; i++) {
        const char *a = APR_ARRAY_IDX(map, i, ldap_map_t).attr;
        if (*a) {
            attrs[n++] = (char *)a;
        }
    }
    do {
        LDAPControl *pctrl = NULL, **rctrls = NULL, *ctrls[2] = {NULL, NULL};
        LDAPMessage *res = NULL, *e;
        int rc = ldap_create_page_control(ld, (ber_int_t)page, cookie, 0,
                                          &pctrl), code = 0;

        ber_bvfree(cookie);
        cookie = NULL;
        if (rc != LDAP_SUCCESS) {
            return apr_psprintf(p, "LDAP paging: %s", ldap_err2string(rc));
        }
        ctrls[0] = pctrl;
        rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0,
                               ctrls, NULL, NULL, LDAP_NO_LIMIT, &res);
        ldap_control_free(pctrl);
        if (rc != LDAP_SUCCESS) {
            ldap_msgfree(res);
            return apr_psprintf(p, "LDAP search of %s: %s%s", base,
                                ldap_err2string(rc),
                                rc == LDAP_SIZELIMIT_EXCEEDED
                                ? " (the server limits the entries one "
                                  "search returns: lower --page-size, or "
                                  "raise the limit for the bind DN)" : "");
        }
        for (e = ldap_first_entry(ld, res); e && !err;
             e = ldap_next_entry(ld, e)) {
            err = people_ldap_row(p, ld, e, map, rows);
        }
        rc = ldap_parse_result(ld, res, &code, NULL, NULL, NULL, &rctrls, 1);
        if (!err && (rc != LDAP_SUCCESS || code != LDAP_SUCCESS)) {
            err = apr_psprintf(p, "LDAP search of %s: %s", base,
                               ldap_err2string(rc != LDAP_SUCCESS ? rc
                                                                  : code));
        }
        if (!err && rctrls) {
            LDAPControl *c = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS,
                                               rctrls, NULL);
            ber_int_t total;
            struct berval next = {0, NULL};
            if (c && ldap_parse_pageresponse_control(ld, c, &total, &next)
                     == LDAP_SUCCESS && next.bv_len) {
                cookie = ber_bvdup(&next);
            }
            ber_memfree(next.bv_val);
        }
        ldap_controls_free(rctrls);
    } while (!err && cookie);
    ber_bvfree(cookie);
    return err;
}

static const char *people_ldap_password(apr_pool_t *p, const char *file,
                                        struct berval *cred)
{
    char *buf;
    size_t len;
    const char *bad = people_admin_slurp(p, file, &buf, &len);
    if (bad) {
        return bad;
    }
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        buf[--len] = '\0';
    }
    cred->bv_val = buf;
    cred->bv_len = len;
    return NULL;
}

static apr_status_t people_ldap_unbind(void *ld)
{
    ldap_unbind_ext_s(ld, NULL, NULL);
    return APR_SUCCESS;
}

int cmd_sync_ldap(admin_t *a, int argc, const char *const *argv)
{
    static const opt_def_t defs[] = {
        {"--url", 1, 0}, {"--base", 1, 0}, {"--filter", 1, 0},
        {"--bind-dn", 1, 0}, {"--password-file", 1, 0}, {"--map", 1, 1},
        {"--page-size", 1, 0}, {"--dry-run", 0, 0},
        {"--terminate-missing", 0, 0}, {NULL, 0, 0}
    };
    apr_array_header_t *map = apr_array_make(a->pool, 16, sizeof(ldap_map_t));
    apr_array_header_t *rows = apr_array_make(a->pool, 64,
                                              sizeof(people_import_row_t));
    const apr_array_header_t *vals;
    people_import_opts_t io = {0};
    struct berval cred = {0, NULL};
    const char *bad;
    int i, rc, version = LDAP_VERSION3, page = LDAP_PAGE_DEFAULT;
    LDAP *ld;
    opts_t o;

    if ((bad = parse_opts(a->pool, argc, argv, defs, &o))) {
        return fail("%s", bad);
    }
    if (!opt(&o, "--url") || !opt(&o, "--base")) {
        return fail("sync-ldap needs --url and --base");
    }
    if (!opt(&o, "--bind-dn") != !opt(&o, "--password-file")) {
        return fail("--bind-dn and --password-file go together (the "
                    "password is never taken on the command line)");
    }
    if (opt(&o, "--page-size")
        && ((page = atoi(opt(&o, "--page-size"))) < 1 || page > 100000)) {
        return fail("--page-size takes 1 to 100000");
    }
    for (i = 0; people_ldap_defaults[i].field; i++) {
        *(ldap_map_t *)apr_array_push(map) = people_ldap_defaults[i];
    }
    vals = apr_table_elts(o.values);
    for (i = 0; i < vals->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(vals, i,
                                                    apr_table_entry_t);
        if (!strcmp(e->key, "--map")
            && (bad = people_ldap_set_map(a->pool, map, e->val))) {
            return fail("%s", bad);
        }
    }
    if (opt(&o, "--password-file")
        && (bad = people_ldap_password(a->pool, opt(&o, "--password-file"),
                                       &cred))) {
        return fail("%s", bad);
    }
    if ((rc = ldap_initialize(&ld, opt(&o, "--url"))) != LDAP_SUCCESS) {
        return fail("LDAP URL %s: %s", opt(&o, "--url"), ldap_err2string(rc));
    }
    apr_pool_cleanup_register(a->pool, ld, people_ldap_unbind,
                              apr_pool_cleanup_null);
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if (opt(&o, "--bind-dn")
        && (rc = ldap_sasl_bind_s(ld, opt(&o, "--bind-dn"), LDAP_SASL_SIMPLE,
                                  &cred, NULL, NULL, NULL)) != LDAP_SUCCESS) {
        return fail("LDAP bind as %s at %s: %s; nothing was written",
                    opt(&o, "--bind-dn"), opt(&o, "--url"),
                    ldap_err2string(rc));
    }
    bad = people_ldap_search(a->pool, ld, opt(&o, "--base"),
                             opt(&o, "--filter") ? opt(&o, "--filter")
                                                 : "(objectClass=inetOrgPerson)",
                             page, map, rows);
    if (bad) {
        return fail("%s; nothing was written", bad);
    }
    io.ldap = 1;
    io.dry_run = opt(&o, "--dry-run") != NULL;
    io.terminate_missing = opt(&o, "--terminate-missing") != NULL;
    return people_admin_upsert(a, rows, &io);
}
