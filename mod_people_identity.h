/* Identity from httpd (spec section 10): PeopleIdentity and the directives
 * around it, the trusted proxy, mapping httpd's user to a People user, and
 * the token endpoint (mod_people_authn.c). */
#ifndef MOD_PEOPLE_IDENTITY_H
#define MOD_PEOPLE_IDENTITY_H

#include "httpd.h"
#include "http_config.h"

#include "mod_people_private.h"

/* The identity settings of a directory scope; lives in the module's
 * per-directory config (people_cfg_ident). */
typedef struct people_ident_cfg people_ident_cfg;

void *people_ident_create(apr_pool_t *p);
void *people_ident_merge(apr_pool_t *p, void *basev, void *addv);

/* Directive handlers; dconf is the module's per-directory config. */
const char *people_set_identity(cmd_parms *cmd, void *dconf, const char *a,
                                const char *b);
const char *people_set_identity_match(cmd_parms *cmd, void *dconf,
                                      const char *v);
const char *people_set_auto_create(cmd_parms *cmd, void *dconf, int on);
const char *people_add_map(cmd_parms *cmd, void *dconf, const char *field,
                           const char *var);
const char *people_add_trusted_proxy(cmd_parms *cmd, void *dconf,
                                     const char *v);
const char *people_set_proxy_header(cmd_parms *cmd, void *dconf,
                                    const char *v);
const char *people_set_authentication(cmd_parms *cmd, void *dconf, int on);
const char *people_add_authn_provider(cmd_parms *cmd, void *dconf,
                                      const char *v);
const char *people_set_token_lifetime(cmd_parms *cmd, void *dconf,
                                      const char *v);

/* The lines of people_cmds[] for these directives. */
#define PEOPLE_IDENTITY_CMDS \
    AP_INIT_TAKE12("PeopleIdentity", people_set_identity, NULL, ACCESS_CONF, \
        "token (default), httpd, or token httpd: who the caller is"), \
    AP_INIT_TAKE1("PeopleIdentityMatch", people_set_identity_match, NULL, \
        ACCESS_CONF, "userName (default) or email: how httpd's user name " \
        "finds a People user"), \
    AP_INIT_FLAG("PeopleAutoCreate", people_set_auto_create, NULL, \
        ACCESS_CONF, "On to add a user httpd authenticated on first sight " \
        "(default Off)"), \
    AP_INIT_TAKE2("PeopleMapAttribute", people_add_map, NULL, ACCESS_CONF, \
        "FIELD VARIABLE: fill a profile field or contact:TYPE from the " \
        "request's environment"), \
    AP_INIT_ITERATE("PeopleTrustedProxy", people_add_trusted_proxy, NULL, \
        ACCESS_CONF, "addresses or networks (ADDRESS/BITS) of proxies whose " \
        "user header is believed"), \
    AP_INIT_TAKE1("PeopleProxyUserHeader", people_set_proxy_header, NULL, \
        ACCESS_CONF, "the request header a trusted proxy names the user in"), \
    AP_INIT_FLAG("PeopleAuthentication", people_set_authentication, NULL, \
        ACCESS_CONF, "On to serve the token endpoint at this location"), \
    AP_INIT_ITERATE("PeopleAuthnProvider", people_add_authn_provider, NULL, \
        ACCESS_CONF, "httpd authn providers that check the token " \
        "endpoint's passwords (default file)"), \
    AP_INIT_TAKE1("PeopleTokenLifetime", people_set_token_lifetime, NULL, \
        ACCESS_CONF, "days a token from the token endpoint lives " \
        "(default 30)")

/* The access checker's part: what to do with a request that carries no
 * token (token is NULL) or one (token set).
 *   PEOPLE_ID_TOKEN    check the token (or refuse 401 without one)
 *   DECLINED           leave the request to httpd's authentication
 *   OK                 authenticated here (a trusted proxy's header, or an
 *                      OPTIONS request that needs no one); the user is
 *                      mapped after authentication like httpd's own */
#define PEOPLE_ID_TOKEN 1000
int people_identity_access(request_rec *r, people_req_t *rq,
                           const char *token);

/* Is this location PeopleIdentity token (the default), where httpd's
 * authentication plays no part? */
int people_identity_token_only(request_rec *r);

/* The People user a name httpd authenticated stands for, by
 * PeopleIdentityMatch, added under PeopleAutoCreate. PEOPLE_OK with *who
 * filled, PEOPLE_NOT_FOUND, or PEOPLE_DB_ERROR with *rv the status to
 * return (DONE: answered) or OK when nothing was answered yet. */
people_rc_e people_identity_lookup(request_rec *r, const char *login,
                                   people_caller_t *who, int *rv);

/* Writes the PeopleMapAttribute fields of this location that differ
 * from user id's profile. OK, or the status to return (DONE: answered). */
int people_identity_apply_maps(request_rec *r, const char *id);

/* One write transaction under the module's rules for writes (the write
 * mutex on SQLite, group commit): fn runs the store call with the wait it
 * may spend on SQLite's lock. OK with the store's result in *rc, DONE
 * having answered, or PEOPLE_DB_RETRY (for people_db_run) after a
 * database error, logged as "what". */
typedef people_rc_e (*people_ident_write_fn)(request_rec *r, people_db_t *db,
                                             int wait_ms, void *baton,
                                             const char **err);
int people_ident_write(request_rec *r, people_db_t *db,
                       people_ident_write_fn fn, void *baton,
                       people_rc_e *rc, const char *what);

/* PeopleTokenLifetime in seconds, PeopleAuthnProvider's names, and
 * whether PeopleAuthentication is On, for mod_people_authn.c. */
apr_int64_t people_ident_token_lifetime(request_rec *r);
const apr_array_header_t *people_ident_providers(request_rec *r);
int people_ident_authentication(request_rec *r);

/* The token endpoint's handler (mod_people_authn.c). */
int people_authn_handler(request_rec *r);

void people_identity_register_hooks(apr_pool_t *p);

#endif
