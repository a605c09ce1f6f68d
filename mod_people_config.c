/* mod_people's directives: one struct per scope, create leaves every field
 * unset, merge takes the inner value when set; values are checked in the
 * directive handlers so that configtest names the file and line. */
#include <errno.h>
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "util_cfgtree.h"

#include "apr_strings.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_identity.h"
#include "mod_people_guard.h"

#define PEOPLE_DEFAULT_MAX_CONTACTS 100
#define PEOPLE_DEFAULT_MAX_BODY     65536
#define PEOPLE_DEFAULT_PROFILE_URL  \
    "/Products/People/Profile.aspx?user={userName}"
#define PEOPLE_UNSET                -1

typedef struct {
    int api;                    /* PeopleAPI */
    const char *base;           /* the location PeopleAPI was set in */
    int put_replace;            /* PeoplePutMode replace */
    int max_contacts;           /* PeopleMaxContacts */
    apr_off_t max_body;         /* PeopleMaxBody */
    const char *profile_url;    /* PeopleProfileURL */
    apr_array_header_t *cors;   /* PeopleCORSOrigin: origins, or "*" */
    void *ident;                /* PeopleIdentity and the directives around
                                 * it (mod_people_identity.c) */
    int private_data;           /* PeoplePrivateData */
} people_dir_cfg;

typedef struct {
    int prepared;               /* statements handed to mod_dbd */
    int durability;             /* PeopleDurability */
} people_srv_cfg;

void *people_create_dir_cfg(apr_pool_t *p, char *dir)
{
    people_dir_cfg *c = apr_pcalloc(p, sizeof(*c));
    c->api = PEOPLE_UNSET;
    c->base = dir;
    c->put_replace = PEOPLE_UNSET;
    c->max_contacts = PEOPLE_UNSET;
    c->max_body = PEOPLE_UNSET;
    c->ident = people_ident_create(p);
    c->private_data = PEOPLE_UNSET;
    return c;
}

/* The inner value when it is set, else the outer one. */
#define PEOPLE_MERGE(field, unset) \
    (add->field != (unset) ? add->field : base->field)

void *people_merge_dir_cfg(apr_pool_t *p, void *basev, void *addv)
{
    people_dir_cfg *base = basev, *add = addv;
    people_dir_cfg *c = apr_pcalloc(p, sizeof(*c));

    c->api = PEOPLE_MERGE(api, PEOPLE_UNSET);
    /* routes are relative to where the API was switched on, not to a
     * nested section that only tunes a limit */
    c->base = add->api != PEOPLE_UNSET ? add->base : base->base;
    c->put_replace = PEOPLE_MERGE(put_replace, PEOPLE_UNSET);
    c->max_contacts = PEOPLE_MERGE(max_contacts, PEOPLE_UNSET);
    c->max_body = PEOPLE_MERGE(max_body, PEOPLE_UNSET);
    c->profile_url = PEOPLE_MERGE(profile_url, NULL);
    c->cors = PEOPLE_MERGE(cors, NULL);
    c->ident = people_ident_merge(p, base->ident, add->ident);
    c->private_data = PEOPLE_MERGE(private_data, PEOPLE_UNSET);
    return c;
}

void *people_create_srv_cfg(apr_pool_t *p, server_rec *s)
{
    people_srv_cfg *c = apr_pcalloc(p, sizeof(*c));
    (void)s;
    c->durability = PEOPLE_UNSET;
    return c;
}

void *people_merge_srv_cfg(apr_pool_t *p, void *basev, void *addv)
{
    people_srv_cfg *base = basev, *add = addv;
    people_srv_cfg *c = apr_pmemdup(p, add, sizeof(*c));
    c->durability = PEOPLE_MERGE(durability, PEOPLE_UNSET);
    return c;
}

static people_dir_cfg *people_dir_cfg_of(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &people_module);
}

static people_srv_cfg *people_srv_cfg_of(server_rec *s)
{
    return ap_get_module_config(s->module_config, &people_module);
}

/* ---------------------------------------------------------------------
 * Accessors
 */

int people_cfg_api(request_rec *r)
{
    return people_dir_cfg_of(r)->api == 1;
}

const char *people_cfg_base(request_rec *r)
{
    return people_dir_cfg_of(r)->base;
}

int people_cfg_put_replace(request_rec *r)
{
    return people_dir_cfg_of(r)->put_replace == 1;
}

int people_cfg_max_contacts(request_rec *r)
{
    int n = people_dir_cfg_of(r)->max_contacts;
    return n != PEOPLE_UNSET ? n : PEOPLE_DEFAULT_MAX_CONTACTS;
}

apr_off_t people_cfg_max_body(request_rec *r)
{
    apr_off_t n = people_dir_cfg_of(r)->max_body;
    return n != PEOPLE_UNSET ? n : PEOPLE_DEFAULT_MAX_BODY;
}

const char *people_cfg_profile_url(request_rec *r)
{
    const char *url = people_dir_cfg_of(r)->profile_url;
    return url ? url : PEOPLE_DEFAULT_PROFILE_URL;
}

struct people_ident_cfg *people_cfg_ident(request_rec *r)
{
    return people_dir_cfg_of(r)->ident;
}

struct people_ident_cfg *people_cfg_ident_of(void *dconf)
{
    return ((people_dir_cfg *)dconf)->ident;
}

const apr_array_header_t *people_cfg_cors(request_rec *r)
{
    return people_dir_cfg_of(r)->cors;
}

people_privacy_e people_cfg_private_data(request_rec *r)
{
    int v = people_dir_cfg_of(r)->private_data;
    return v != PEOPLE_UNSET ? (people_privacy_e)v : PEOPLE_PRIVACY_MEMBERS;
}

people_durability_e people_cfg_durability(server_rec *s)
{
    int d = people_srv_cfg_of(s)->durability;
    return d != PEOPLE_UNSET ? (people_durability_e)d : PEOPLE_DURABLE_GROUP;
}

/* ---------------------------------------------------------------------
 * Directives
 */

static const char *people_set_api(cmd_parms *cmd, void *dconf, int on)
{
    people_dir_cfg *c = dconf;
    const char *bad;

    /* the location's path is the API's base, so it must be a plain one
     * (a scope ap_check_cmd_context cannot express: it tells Location and
     * LocationMatch apart only by the section's name) */
    if ((bad = people_guard_api_place(cmd, on)) != NULL) {
        return bad;
    }
    c->api = on;
    c->base = cmd->path;
    return on ? people_cfg_prepare_statements(cmd, "PeopleAPI") : NULL;
}

const char *people_cfg_prepare_statements(cmd_parms *cmd, const char *who)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *prepare;
    people_srv_cfg *sc = people_srv_cfg_of(cmd->server);

    if (sc->prepared) {
        return NULL;
    }
    prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    if (!prepare) {
        return apr_pstrcat(cmd->pool, who, " needs mod_dbd: load mod_dbd "
                           "(LoadModule dbd_module ...) before this line",
                           NULL);
    }
    for (const people_stmt_def_t *d = people_statements; d->label; d++) {
        prepare(cmd->server, d->sql, d->label);
    }
    sc->prepared = 1;
    return NULL;
}

static const char *people_set_put_mode(cmd_parms *cmd, void *dconf,
                                       const char *v)
{
    people_dir_cfg *c = dconf;
    if (!strcasecmp(v, "merge")) {
        c->put_replace = 0;
    }
    else if (!strcasecmp(v, "replace")) {
        c->put_replace = 1;
    }
    else {
        return apr_psprintf(cmd->pool, "PeoplePutMode must be merge or "
                            "replace, not '%s'", v);
    }
    return NULL;
}

/* A whole number from lo to hi, or an error naming the directive. */
static const char *people_parse_range(cmd_parms *cmd, const char *v,
                                      apr_int64_t lo, apr_int64_t hi,
                                      apr_int64_t *out)
{
    char *end = NULL;
    apr_int64_t n;

    errno = 0;
    n = apr_strtoi64(v, &end, 10);
    if (errno || !*v || *end || n < lo || n > hi) {
        return apr_psprintf(cmd->pool, "%s must be a whole number from %"
                            APR_INT64_T_FMT " to %" APR_INT64_T_FMT
                            ", not '%s'", cmd->cmd->name, lo, hi, v);
    }
    *out = n;
    return NULL;
}

static const char *people_set_max_contacts(cmd_parms *cmd, void *dconf,
                                           const char *v)
{
    apr_int64_t n;
    const char *err = people_parse_range(cmd, v, 0, 100000, &n);
    if (!err) {
        ((people_dir_cfg *)dconf)->max_contacts = (int)n;
    }
    return err;
}

static const char *people_set_max_body(cmd_parms *cmd, void *dconf,
                                       const char *v)
{
    apr_int64_t n;
    const char *err = people_parse_range(cmd, v, 64, 64 * 1024 * 1024, &n);
    if (!err) {
        ((people_dir_cfg *)dconf)->max_body = (apr_off_t)n;
    }
    return err;
}

static const char *people_set_profile_url(cmd_parms *cmd, void *dconf,
                                          const char *v)
{
    /* httpd itself refuses an empty argument ("takes one argument") */
    (void)cmd;
    ((people_dir_cfg *)dconf)->profile_url = v;
    return NULL;
}

static const char *people_add_cors_origin(cmd_parms *cmd, void *dconf,
                                          const char *v)
{
    people_dir_cfg *c = dconf;
    const char *host = !strncmp(v, "http://", 7) ? v + 7
                       : !strncmp(v, "https://", 8) ? v + 8 : NULL;

    if (strcmp(v, "*") != 0 && (!host || !*host || strchr(host, '/'))) {
        return apr_psprintf(cmd->pool, "PeopleCORSOrigin takes * or origins "
                            "like https://portal.example.com (scheme, host, "
                            "optional port, no path), not '%s'", v);
    }
    if (!c->cors) {
        c->cors = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(c->cors, const char *) = v;
    return NULL;
}

static const char *people_set_private_data(cmd_parms *cmd, void *dconf,
                                           const char *v)
{
    people_dir_cfg *c = dconf;

    if (!strcasecmp(v, "members")) {
        c->private_data = PEOPLE_PRIVACY_MEMBERS;
    }
    else if (!strcasecmp(v, "self")) {
        c->private_data = PEOPLE_PRIVACY_SELF;
    }
    else {
        return apr_psprintf(cmd->pool, "PeoplePrivateData must be members "
                            "(every member but visitors sees everyone's "
                            "email and contacts) or self (only the user, "
                            "admins and the owner), not '%s'", v);
    }
    return NULL;
}

static const char *people_set_durability(cmd_parms *cmd, void *dconf,
                                         const char *v)
{
    people_srv_cfg *sc = people_srv_cfg_of(cmd->server);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    (void)dconf;
    if (err) {
        return err;
    }
    if (!strcasecmp(v, "group")) {
        sc->durability = PEOPLE_DURABLE_GROUP;
    }
    else if (!strcasecmp(v, "full")) {
        sc->durability = PEOPLE_DURABLE_FULL;
    }
    else if (!strcasecmp(v, "normal")) {
        sc->durability = PEOPLE_DURABLE_NORMAL;
    }
    else {
        return apr_psprintf(cmd->pool, "PeopleDurability must be group, full "
                            "or normal, not '%s'", v);
    }
    return NULL;
}

const command_rec people_cmds[] = {
    AP_INIT_FLAG("PeopleAPI", people_set_api, NULL, ACCESS_CONF,
                 "On to serve the People API at this location"),
    AP_INIT_TAKE1("PeoplePutMode", people_set_put_mode, NULL, ACCESS_CONF,
                  "merge (default) or replace: what PUT .../contacts does"),
    AP_INIT_TAKE1("PeopleMaxContacts", people_set_max_contacts, NULL,
                  ACCESS_CONF, "most contacts one user may hold (default "
                  "100)"),
    AP_INIT_TAKE1("PeopleMaxBody", people_set_max_body, NULL, ACCESS_CONF,
                  "largest request body accepted, in bytes (default 65536)"),
    AP_INIT_TAKE1("PeopleProfileURL", people_set_profile_url, NULL,
                  ACCESS_CONF, "template of profileUrl; {id} and {userName} "
                  "are replaced"),
    AP_INIT_ITERATE("PeopleCORSOrigin", people_add_cors_origin, NULL,
                    ACCESS_CONF, "origins (or *) whose pages may call the "
                    "API from a browser"),
    PEOPLE_IDENTITY_CMDS,
    AP_INIT_TAKE1("PeoplePrivateData", people_set_private_data, NULL,
                  ACCESS_CONF, "members (default) or self: who sees other "
                  "users' email and contacts"),
    AP_INIT_TAKE1("PeopleDurability", people_set_durability, NULL, RSRC_CONF,
                  "group (default), full or normal: when a SQLite write is "
                  "synced to disk"),
    {NULL}
};
