/* Identity from httpd (spec section 10).
 *
 * PeopleIdentity token|httpd|token httpd. The access checker (an
 * access_checker_ex hook, mod_people_auth.c) asks people_identity_access()
 * what to do: a token is checked there, and a valid one skips httpd's
 * authentication and authorization (that is what OK from access_checker_ex
 * means); without a token, under "httpd", the request is DECLINED so that
 * the AuthType and Require lines of the location run as usual. Once they
 * have run (r->user is set after check_user_id), the fixups hook below
 * maps r->user to a People user, adds one under PeopleAutoCreate, and
 * writes the PeopleMapAttribute fields that differ.
 *
 * A reverse proxy that authenticated the user names them in a header
 * (PeopleProxyUserHeader); it is believed only on a connection whose TCP
 * peer (r->connection->client_ip, never X-Forwarded-For nor an address
 * mod_remoteip rewrote) is a PeopleTrustedProxy.
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_strings.h"
#include "apr_lib.h"
#include "ap_provider.h"
#include "mod_auth.h"

#include "src/people_identity.h"
#include "src/people_store.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_http.h"
#include "mod_people_commit.h"
#include "mod_people_status.h"
#include "mod_people_identity.h"

#define PEOPLE_UNSET -1
#define PEOPLE_ID_BY_TOKEN 1
#define PEOPLE_ID_BY_HTTPD 2
#define PEOPLE_DEFAULT_TOKEN_DAYS 30
#define PEOPLE_MAX_TOKEN_DAYS 3650

struct people_ident_cfg {
    int identity;                   /* PEOPLE_ID_BY_* bits; 0 unset */
    int match_email;                /* PeopleIdentityMatch email */
    int auto_create;                /* PeopleAutoCreate */
    apr_array_header_t *maps;       /* of people_map_t */
    people_netlist_t *proxies;      /* PeopleTrustedProxy */
    const char *proxy_header;       /* PeopleProxyUserHeader */
    int authentication;             /* PeopleAuthentication */
    apr_array_header_t *providers;  /* PeopleAuthnProvider names */
    int token_days;                 /* PeopleTokenLifetime */
};

/* ------------------------------------------------------------------ */
/* Configuration */

void *people_ident_create(apr_pool_t *p)
{
    people_ident_cfg *c = apr_pcalloc(p, sizeof(*c));
    c->match_email = PEOPLE_UNSET;
    c->auto_create = PEOPLE_UNSET;
    c->authentication = PEOPLE_UNSET;
    c->token_days = PEOPLE_UNSET;
    return c;
}

#define PEOPLE_INNER(field, unset) \
    (add->field != (unset) ? add->field : base->field)

void *people_ident_merge(apr_pool_t *p, void *basev, void *addv)
{
    people_ident_cfg *base = basev, *add = addv;
    people_ident_cfg *c = apr_pcalloc(p, sizeof(*c));

    c->identity = PEOPLE_INNER(identity, 0);
    c->match_email = PEOPLE_INNER(match_email, PEOPLE_UNSET);
    c->auto_create = PEOPLE_INNER(auto_create, PEOPLE_UNSET);
    c->maps = PEOPLE_INNER(maps, NULL);
    c->proxies = PEOPLE_INNER(proxies, NULL);
    c->proxy_header = PEOPLE_INNER(proxy_header, NULL);
    c->authentication = PEOPLE_INNER(authentication, PEOPLE_UNSET);
    c->providers = PEOPLE_INNER(providers, NULL);
    c->token_days = PEOPLE_INNER(token_days, PEOPLE_UNSET);
    return c;
}

static people_ident_cfg *people_ident_of(void *dconf)
{
    return people_cfg_ident_of(dconf);
}

static people_ident_cfg *people_ident(request_rec *r)
{
    return people_cfg_ident(r);
}

static int people_ident_mode(request_rec *r)
{
    int mode = people_ident(r)->identity;
    return mode ? mode : PEOPLE_ID_BY_TOKEN;
}

static int people_identity_word(const char *w)
{
    return !strcasecmp(w, "token") ? PEOPLE_ID_BY_TOKEN
           : !strcasecmp(w, "httpd") ? PEOPLE_ID_BY_HTTPD : 0;
}

const char *people_set_identity(cmd_parms *cmd, void *dconf, const char *a,
                                const char *b)
{
    people_ident_cfg *c = people_ident_of(dconf);
    int first = people_identity_word(a), second = b ? people_identity_word(b)
                                                    : 0;

    if (!first || (b && (!second || second == first))) {
        return apr_psprintf(cmd->pool, "PeopleIdentity takes token, httpd, "
                            "or token httpd; not '%s%s%s'", a, b ? " " : "",
                            b ? b : "");
    }
    c->identity = first | second;
    return NULL;
}

const char *people_set_identity_match(cmd_parms *cmd, void *dconf,
                                      const char *v)
{
    people_ident_cfg *c = people_ident_of(dconf);
    if (!strcasecmp(v, "userName")) {
        c->match_email = 0;
    }
    else if (!strcasecmp(v, "email")) {
        c->match_email = 1;
    }
    else {
        return apr_psprintf(cmd->pool, "PeopleIdentityMatch takes userName "
                            "or email; not '%s'", v);
    }
    return NULL;
}

const char *people_set_auto_create(cmd_parms *cmd, void *dconf, int on)
{
    (void)cmd;
    people_ident_of(dconf)->auto_create = on;
    return NULL;
}

const char *people_add_map(cmd_parms *cmd, void *dconf, const char *field,
                           const char *var)
{
    people_ident_cfg *c = people_ident_of(dconf);
    people_map_t m;
    const char *err = people_map_parse(cmd->pool, field, var, &m);

    if (err) {
        return apr_pstrcat(cmd->pool, "PeopleMapAttribute: ", err, NULL);
    }
    if (!c->maps) {
        c->maps = apr_array_make(cmd->pool, 4, sizeof(people_map_t));
    }
    APR_ARRAY_PUSH(c->maps, people_map_t) = m;
    return NULL;
}

const char *people_add_trusted_proxy(cmd_parms *cmd, void *dconf,
                                     const char *v)
{
    people_ident_cfg *c = people_ident_of(dconf);
    const char *err;

    if (!c->proxies) {
        c->proxies = people_netlist_make(cmd->pool);
    }
    err = people_netlist_add(cmd->pool, c->proxies, v);
    return err ? apr_pstrcat(cmd->pool, "PeopleTrustedProxy: ", err, NULL)
               : NULL;
}

const char *people_set_proxy_header(cmd_parms *cmd, void *dconf,
                                    const char *v)
{
    const char *s;
    for (s = v; *s; s++) {
        if (!apr_isalnum(*s) && *s != '-' && *s != '_') {
            return apr_psprintf(cmd->pool, "PeopleProxyUserHeader: '%s' is "
                                "not a header name (letters, digits, - and "
                                "_)", v);
        }
    }
    if (!*v || !strcasecmp(v, "Authorization") || !strcasecmp(v, "Cookie")) {
        return "PeopleProxyUserHeader needs a header of its own, such as "
               "X-Remote-User";
    }
    people_ident_of(dconf)->proxy_header = v;
    return NULL;
}

const char *people_set_authentication(cmd_parms *cmd, void *dconf, int on)
{
    people_ident_of(dconf)->authentication = on;
    /* the endpoint reads and writes the store like the API */
    return on ? people_cfg_prepare_statements(cmd, "PeopleAuthentication")
              : NULL;
}

const char *people_add_authn_provider(cmd_parms *cmd, void *dconf,
                                      const char *v)
{
    people_ident_cfg *c = people_ident_of(dconf);
    const authn_provider *prov = ap_lookup_provider(AUTHN_PROVIDER_GROUP, v,
                                                    AUTHN_PROVIDER_VERSION);
    if (!prov) {
        return apr_psprintf(cmd->pool, "PeopleAuthnProvider: no authn "
                            "provider '%s' is loaded (mod_authn_%s, or an "
                            "<AuthnProviderAlias> defined above this line)",
                            v, v);
    }
    if (!prov->check_password) {
        return apr_psprintf(cmd->pool, "PeopleAuthnProvider: the '%s' "
                            "provider cannot check passwords", v);
    }
    if (!c->providers) {
        c->providers = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(c->providers, const char *) = v;
    return NULL;
}

const char *people_set_token_lifetime(cmd_parms *cmd, void *dconf,
                                      const char *v)
{
    char *end;
    long days = strtol(v, &end, 10);

    if (!apr_isdigit(*v) || *end || days < 1 || days > PEOPLE_MAX_TOKEN_DAYS) {
        return apr_psprintf(cmd->pool, "PeopleTokenLifetime takes a number "
                            "of days from 1 to %d; not '%s'",
                            PEOPLE_MAX_TOKEN_DAYS, v);
    }
    people_ident_of(dconf)->token_days = (int)days;
    return NULL;
}

apr_int64_t people_ident_token_lifetime(request_rec *r)
{
    int days = people_ident(r)->token_days;
    return (apr_int64_t)(days > 0 ? days : PEOPLE_DEFAULT_TOKEN_DAYS) * 86400;
}

const apr_array_header_t *people_ident_providers(request_rec *r)
{
    return people_ident(r)->providers;
}

int people_ident_authentication(request_rec *r)
{
    return people_ident(r)->authentication == 1;
}

int people_identity_token_only(request_rec *r)
{
    return people_ident_mode(r) == PEOPLE_ID_BY_TOKEN;
}

/* ------------------------------------------------------------------ */
/* The access checker's part */

/* The trusted proxy's user, or NULL. A header from any other peer is
 * removed, so nothing after this module can take it for the truth. */
static const char *people_proxy_user(request_rec *r, people_ident_cfg *c)
{
    const char *user;

    if (!c->proxy_header
        || !(user = apr_table_get(r->headers_in, c->proxy_header))) {
        return NULL;
    }
    if (!people_netlist_match(c->proxies, r->connection->client_ip)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(60)
                      "ignored %s from %s, which is not a PeopleTrustedProxy",
                      c->proxy_header, r->connection->client_ip);
        apr_table_unset(r->headers_in, c->proxy_header);
        return NULL;
    }
    return *user ? user : NULL;
}

int people_identity_access(request_rec *r, people_req_t *rq,
                           const char *token)
{
    people_ident_cfg *c = people_ident(r);
    int mode = people_ident_mode(r);
    const char *user;

    if (!(mode & PEOPLE_ID_BY_HTTPD)) {
        return PEOPLE_ID_TOKEN;
    }
    if (r->method_number == M_OPTIONS) {
        /* a browser's preflight carries no credentials */
        return OK;
    }
    if (token && (mode & PEOPLE_ID_BY_TOKEN)) {
        /* a bad token is refused as such, httpd's login not tried */
        return PEOPLE_ID_TOKEN;
    }
    rq->credential = PEOPLE_CRED_HTTPD;
    if ((user = people_proxy_user(r, c)) != NULL) {
        r->user = apr_pstrdup(r->pool, user);
        r->ap_auth_type = "proxy";
        return OK;
    }
    return DECLINED;
}

/* ------------------------------------------------------------------ */
/* Writes, under the same rules as every write of the module */

int people_ident_write(request_rec *r, people_db_t *db,
                       people_ident_write_fn fn, void *baton,
                       people_rc_e *rc, const char *what)
{
    const char *err = NULL;
    people_commit_t w;

    if (people_commit_begin(r, db, &w) != OK) {
        return DONE;
    }
    *rc = fn(r, db, w.wait_ms, baton, &err);
    *rc = people_commit_end(r, &w, *rc, &err);
    if (*rc == PEOPLE_DB_ERROR) {
        return people_db_error(r, what, err);
    }
    if (*rc == PEOPLE_COMMIT_FAILED) {
        people_answer_rc(r, *rc, what, err);
        return DONE;
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* Mapping httpd's user to a People user (after authentication) */

typedef struct {
    const char *login;
    int by_email;
    int create;
    people_caller_t *who;
    people_rc_e rc;
    const char *err;
} people_lookup_t;

static int people_lookup_step(request_rec *r, people_db_t *db, void *baton)
{
    people_lookup_t *l = baton;

    l->rc = people_store_find_login(r->pool, db, l->by_email, l->login,
                                    l->who, &l->err);
    if (l->rc == PEOPLE_DB_ERROR) {
        return people_db_error(r, "finding the authenticated user", l->err);
    }
    return OK;
}

static people_rc_e people_create_write(request_rec *r, people_db_t *db,
                                       int wait_ms, void *baton,
                                       const char **err)
{
    people_lookup_t *l = baton;
    return people_store_create_login(r->pool, db, l->by_email, l->login,
                                     NULL, NULL, wait_ms, l->who, err);
}

static int people_create_step(request_rec *r, people_db_t *db, void *baton)
{
    people_lookup_t *l = baton;
    int rv = people_ident_write(r, db, people_create_write, l, &l->rc,
                                "adding the authenticated user");

    if (rv == OK && l->rc == PEOPLE_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(61)
                      "added user %s (%s), first seen through httpd's "
                      "authentication", l->who->username, l->who->id);
    }
    return rv;
}

/* A name httpd gave that can become a user of its own. */
static int people_creatable(request_rec *r, const char *login, int by_email)
{
    const char *at = strchr(login, '@');
    if (!by_email) {
        return people_login_name_ok(r->pool, login);
    }
    return at && at > login && at[1]
           && people_login_name_ok(r->pool,
                                   apr_pstrmemdup(r->pool, login, at - login));
}

people_rc_e people_identity_lookup(request_rec *r, const char *login,
                                   people_caller_t *who, int *rv)
{
    people_ident_cfg *c = people_ident(r);
    people_lookup_t l = {login, c->match_email == 1, c->auto_create == 1,
                         who, PEOPLE_DB_ERROR, NULL};

    if ((*rv = people_db_run(r, people_lookup_step, &l)) != OK) {
        return PEOPLE_DB_ERROR;
    }
    if (l.rc == PEOPLE_NOT_FOUND && l.create
        && people_creatable(r, login, l.by_email)) {
        if ((*rv = people_db_run(r, people_create_step, &l)) != OK) {
            return PEOPLE_DB_ERROR;
        }
    }
    return l.rc;
}

/* The environment an authentication module left, for the mapping. */
static const char *people_env_get(void *baton, const char *var)
{
    return apr_table_get(((request_rec *)baton)->subprocess_env, var);
}

/* Did mod_authnz_ldap set a mapped value? It names its variables
 * AUTHENTICATE_<attribute>. */
static int people_from_ldap(const apr_array_header_t *maps, request_rec *r)
{
    int i;
    if (!ap_find_linked_module("mod_authnz_ldap.c")) {
        return 0;
    }
    for (i = 0; i < maps->nelts; i++) {
        const people_map_t *m = &APR_ARRAY_IDX(maps, i, people_map_t);
        if (!strncasecmp(m->var, "AUTHENTICATE_", 13)
            && apr_table_get(r->subprocess_env, m->var)) {
            return 1;
        }
    }
    return 0;
}

typedef struct {
    const char *id;
    people_mapped_t m;
    int is_ldap;
    int changed;
    people_rc_e rc;
} people_mapping_t;

static people_rc_e people_map_write(request_rec *r, people_db_t *db,
                                    int wait_ms, void *baton,
                                    const char **err)
{
    people_mapping_t *w = baton;
    return people_store_map_write(r->pool, db, w->id, &w->m, w->is_ldap,
                                  people_cfg_max_contacts(r), wait_ms,
                                  &w->changed, err);
}

static int people_map_step(request_rec *r, people_db_t *db, void *baton)
{
    people_mapping_t *w = baton;
    const char *err = NULL;
    int rv;

    /* reading costs no write: most requests find nothing changed */
    w->rc = people_store_map_check(r->pool, db, w->id, &w->m, w->is_ldap,
                                   &w->changed, &err);
    if (w->rc == PEOPLE_DB_ERROR) {
        return people_db_error(r, "reading a profile to map attributes",
                               err);
    }
    if (w->rc != PEOPLE_OK || !w->changed) {
        return OK;
    }
    rv = people_ident_write(r, db, people_map_write, w, &w->rc,
                            "writing mapped attributes");
    if (rv == OK && w->rc == PEOPLE_TOO_MANY) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(62)
                      "mapped attributes of %s not stored: more contacts "
                      "than PeopleMaxContacts", w->id);
    }
    return rv;
}

int people_identity_apply_maps(request_rec *r, const char *id)
{
    people_ident_cfg *c = people_ident(r);
    apr_array_header_t *why = apr_array_make(r->pool, 2, sizeof(char *));
    people_mapping_t w;
    int i;

    if (!c->maps) {
        return OK;
    }
    memset(&w, 0, sizeof(w));
    w.id = id;
    people_map_collect(r->pool, c->maps, people_env_get, r, &w.m, why);
    for (i = 0; i < why->nelts; i++) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(63)
                      "PeopleMapAttribute: %s", APR_ARRAY_IDX(why, i, char *));
    }
    if (!w.m.any) {
        return OK;
    }
    w.is_ldap = people_from_ldap(c->maps, r);
    return people_db_run(r, people_map_step, &w);
}

static int people_refuse(request_rec *r, int status, const char *why,
                         const char *message)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(64)
                  "refused: %s, from %s", why, r->useragent_ip);
    people_status_count(PEOPLE_STAT_AUTH_REFUSED, 1);
    people_answer_error(r, status, message);
    return DONE;
}

/* After httpd's authentication and authorization: the People user that
 * r->user stands for becomes the caller. */
static int people_identity_fixups(request_rec *r)
{
    people_ident_cfg *c;
    people_req_t *rq;
    people_rc_e rc;
    int rv = OK;

    if (!people_cfg_api(r) || r->method_number == M_OPTIONS
        || !(people_ident_mode(r) & PEOPLE_ID_BY_HTTPD)
        || !(rq = people_req(r)) || rq->authenticated) {
        return DECLINED;
    }
    c = people_ident(r);
    if (!r->user) {
        return people_refuse(r, HTTP_UNAUTHORIZED,
                             "no user: httpd's authentication did not run "
                             "here (AuthType and Require at this location?)",
                             "authentication is required");
    }
    rc = people_identity_lookup(r, r->user, &rq->caller, &rv);
    if (rc == PEOPLE_DB_ERROR) {
        if (rv == OK) {
            people_answer_unavailable(r);
        }
        return DONE;
    }
    if (rc != PEOPLE_OK) {
        return people_refuse(r, HTTP_FORBIDDEN,
                             apr_psprintf(r->pool, "httpd user %s is no "
                                          "People user",
                                          ap_escape_logitem(r->pool,
                                                            r->user)),
                             "the authenticated user is not a user of "
                             "this portal");
    }
    if (rq->caller.status == 2) {
        return people_refuse(r, HTTP_FORBIDDEN,
                             apr_psprintf(r->pool, "user %s is terminated",
                                          rq->caller.username),
                             "the user is terminated");
    }
    if (c->maps && (rv = people_identity_apply_maps(r, rq->caller.id)) != OK) {
        return rv;
    }
    rq->credential = PEOPLE_CRED_HTTPD;
    rq->authenticated = 1;
    /* %u in the access log: the People user, however httpd spelled it */
    r->user = apr_pstrdup(r->pool, rq->caller.username);
    return DECLINED;
}

void people_identity_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* after httpd's authentication and authorization, before the handler;
     * mod_people's own fixups (none today) would come after */
    ap_hook_fixups(people_identity_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(people_authn_handler, NULL, NULL, APR_HOOK_MIDDLE);
}
