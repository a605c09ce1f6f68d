/* mod_people: the ONLYOFFICE-compatible People API for Apache httpd 2.4.
 *
 * This file is the glue: directives, hooks, and the handler that maps HTTP
 * to the core in src/ (contacts rules, profile encoding, tokens, store),
 * which knows nothing of httpd.
 *
 *   <Location "/api/2.0/people">
 *       PeopleAPI On
 *   </Location>
 *
 * Routes (relative to the location; each may end in ".json"):
 *   GET, HEAD           /{user}            the profile
 *   PUT                 /{user}/contacts   merge the body's contacts
 *   POST                /{user}/contacts   set the contacts to the body's
 *   DELETE              /{user}/contacts   remove the body's contacts
 *   OPTIONS             any                204 with Allow, no token
 */
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_mutex.h"
#include "util_cfgtree.h"
#include "unixd.h"

#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_global_mutex.h"
#include "apr_shm.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "src/people_contacts.h"
#include "src/people_profile.h"
#include "src/people_route.h"
#include "src/people_sqlite.h"
#include "src/people_store.h"
#include "src/people_token.h"

/* AP_DECLARE_MODULE below also makes every ap_log_* of this file log
 * under the module, so "LogLevel people:debug" works. Everything is built
 * with hidden visibility: the module structure is the one symbol httpd
 * needs to see. */
extern module __attribute__((visibility("default"))) AP_MODULE_DECLARE_DATA
    people_module;

/* Log tags of this module; "AH" numbers belong to httpd. */
#define PEOPLELOGNO(n) "PEOPLE" #n ": "

#define DEFAULT_MAX_CONTACTS 100
#define DEFAULT_MAX_BODY     65536
#define DEFAULT_PROFILE_URL  "/Products/People/Profile.aspx?user={userName}"
#define RETRY_AFTER          "2"
#define OPEN_WAIT_MS         5000
/* how long a write waits for SQLite's write lock before answering 503 */
#define LOCK_WAIT_MS         2000
#define UNSET                -1

typedef struct {
    int api;                    /* PeopleAPI */
    const char *base;           /* the location PeopleAPI was set in */
    int put_replace;            /* PeoplePutMode replace */
    int max_contacts;           /* PeopleMaxContacts */
    apr_off_t max_body;         /* PeopleMaxBody */
    const char *profile_url;    /* PeopleProfileURL */
    apr_array_header_t *cors;   /* PeopleCORSOrigin: origins, or "*" */
} people_dir_cfg;

/* PeopleDurability: when a SQLite write is on disk before it is answered */
enum {
    DURABLE_GROUP = 0,          /* synced before the answer, several commits
                                 * sharing one sync (the default) */
    DURABLE_FULL,               /* SQLite syncs at every commit */
    DURABLE_NORMAL              /* not synced before the answer: a power
                                 * loss may lose acknowledged writes */
};

typedef struct {
    int prepared;               /* statements handed to mod_dbd */
    int durability;             /* PeopleDurability */
    const char *dbd_driver;     /* this server's DBDriver and DBDParams, */
    const char *dbd_params;     /* read for messages that name the database */
} people_srv_cfg;

/* Per request: the caller, as the access checker found it. */
typedef struct {
    people_caller_t caller;
    int authenticated;
} people_req_t;

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire_fn;

/* Serialises SQLite write transactions across all children and threads:
 * the apr_dbd sqlite3 driver answers a busy database by sleeping and
 * retrying while other writers pile up; one global mutex taken before
 * BEGIN keeps writers in line with no busy errors. */
static const char *const write_mutex_type = "people-write";
static apr_global_mutex_t *write_mutex;

/* Group commit (PeopleDurability group). Commits run with
 * synchronous=NORMAL: they write the WAL but do not sync it. A writer is
 * answered only once a sync of the WAL that began after its commit has
 * finished. Commits are numbered under the write mutex; whoever finds its
 * number not yet synced takes the sync mutex, notes the newest commit
 * number, syncs once, and so makes every commit up to that number durable:
 * the writers that queued behind it find theirs covered and need no sync
 * of their own. */
static apr_global_mutex_t *sync_mutex;
typedef struct {
    apr_uint64_t committed;     /* last commit number (under write_mutex) */
    apr_uint64_t synced;        /* commits up to this are durable
                                 * (under sync_mutex) */
} people_shared_t;
static people_shared_t *shared;

/* ---------------------------------------------------------------------
 * Configuration
 */

static void *create_dir_cfg(apr_pool_t *p, char *dir)
{
    people_dir_cfg *c = apr_pcalloc(p, sizeof(*c));
    c->api = UNSET;
    c->base = dir;
    c->put_replace = UNSET;
    c->max_contacts = UNSET;
    c->max_body = UNSET;
    return c;
}

static void *merge_dir_cfg(apr_pool_t *p, void *basev, void *addv)
{
    people_dir_cfg *base = basev, *add = addv;
    people_dir_cfg *c = apr_pcalloc(p, sizeof(*c));

    c->api = add->api != UNSET ? add->api : base->api;
    /* routes are relative to where the API was switched on, not to a
     * nested section that only tunes a limit */
    c->base = add->api != UNSET ? add->base : base->base;
    c->put_replace = add->put_replace != UNSET ? add->put_replace
                                               : base->put_replace;
    c->max_contacts = add->max_contacts != UNSET ? add->max_contacts
                                                 : base->max_contacts;
    c->max_body = add->max_body != UNSET ? add->max_body : base->max_body;
    c->profile_url = add->profile_url ? add->profile_url : base->profile_url;
    c->cors = add->cors ? add->cors : base->cors;
    return c;
}

static void *create_srv_cfg(apr_pool_t *p, server_rec *s)
{
    people_srv_cfg *c = apr_pcalloc(p, sizeof(*c));
    (void)s;
    c->durability = UNSET;
    return c;
}

static void *merge_srv_cfg(apr_pool_t *p, void *basev, void *addv)
{
    people_srv_cfg *base = basev, *add = addv;
    people_srv_cfg *c = apr_pmemdup(p, add, sizeof(*c));
    c->durability = add->durability != UNSET ? add->durability
                                             : base->durability;
    return c;
}

static int durability_of(server_rec *s)
{
    people_srv_cfg *sc = ap_get_module_config(s->module_config,
                                              &people_module);
    return sc->durability != UNSET ? sc->durability : DURABLE_GROUP;
}

static const char *set_api(cmd_parms *cmd, void *dconf, int on)
{
    people_dir_cfg *c = dconf;
    people_srv_cfg *sc = ap_get_module_config(cmd->server->module_config,
                                              &people_module);

    const ap_directive_t *sec = cmd->directive->parent;

    /* the location's path is the API's base, so it must be a plain one */
    if (!sec || strcasecmp(sec->directive, "<Location") != 0
        || !cmd->path || cmd->path[0] != '/') {
        return "PeopleAPI belongs directly in a <Location \"/path\"> "
               "section (not LocationMatch, Directory or a regex): the path "
               "is the API's base";
    }
    c->api = on;
    c->base = cmd->path;
    if (!on || sc->prepared) {
        return NULL;
    }
    dbd_prepare_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    if (!dbd_prepare_fn) {
        return "PeopleAPI needs mod_dbd: load mod_dbd (LoadModule dbd_module "
               "...) before this line";
    }
    for (const people_stmt_def_t *d = people_statements; d->label; d++) {
        dbd_prepare_fn(cmd->server, d->sql, d->label);
    }
    sc->prepared = 1;
    return NULL;
}

static const char *set_put_mode(cmd_parms *cmd, void *dconf, const char *v)
{
    people_dir_cfg *c = dconf;
    (void)cmd;
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
static const char *parse_range(cmd_parms *cmd, const char *v, apr_int64_t lo,
                               apr_int64_t hi, apr_int64_t *out)
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

static const char *set_max_contacts(cmd_parms *cmd, void *dconf,
                                    const char *v)
{
    apr_int64_t n;
    const char *err = parse_range(cmd, v, 0, 100000, &n);
    if (!err) {
        ((people_dir_cfg *)dconf)->max_contacts = (int)n;
    }
    return err;
}

static const char *set_max_body(cmd_parms *cmd, void *dconf, const char *v)
{
    apr_int64_t n;
    const char *err = parse_range(cmd, v, 64, 64 * 1024 * 1024, &n);
    if (!err) {
        ((people_dir_cfg *)dconf)->max_body = (apr_off_t)n;
    }
    return err;
}

static const char *set_profile_url(cmd_parms *cmd, void *dconf, const char *v)
{
    /* httpd itself refuses an empty argument ("takes one argument") */
    (void)cmd;
    ((people_dir_cfg *)dconf)->profile_url = v;
    return NULL;
}

static const char *add_cors_origin(cmd_parms *cmd, void *dconf,
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

static const char *set_durability(cmd_parms *cmd, void *dconf,
                                  const char *v)
{
    people_srv_cfg *sc = ap_get_module_config(cmd->server->module_config,
                                              &people_module);
    (void)dconf;
    if (!strcasecmp(v, "group")) {
        sc->durability = DURABLE_GROUP;
    }
    else if (!strcasecmp(v, "full")) {
        sc->durability = DURABLE_FULL;
    }
    else if (!strcasecmp(v, "normal")) {
        sc->durability = DURABLE_NORMAL;
    }
    else {
        return apr_psprintf(cmd->pool, "PeopleDurability must be group, full "
                            "or normal, not '%s'", v);
    }
    return NULL;
}

static const command_rec people_cmds[] = {
    AP_INIT_FLAG("PeopleAPI", set_api, NULL, ACCESS_CONF,
                 "On to serve the People API at this location"),
    AP_INIT_TAKE1("PeoplePutMode", set_put_mode, NULL, ACCESS_CONF,
                  "merge (default) or replace: what PUT .../contacts does"),
    AP_INIT_TAKE1("PeopleMaxContacts", set_max_contacts, NULL, ACCESS_CONF,
                  "most contacts one user may hold (default 100)"),
    AP_INIT_TAKE1("PeopleMaxBody", set_max_body, NULL, ACCESS_CONF,
                  "largest request body accepted, in bytes (default 65536)"),
    AP_INIT_TAKE1("PeopleProfileURL", set_profile_url, NULL, ACCESS_CONF,
                  "template of profileUrl; {id} and {userName} are replaced"),
    AP_INIT_ITERATE("PeopleCORSOrigin", add_cors_origin, NULL, ACCESS_CONF,
                    "origins (or *) whose pages may call the API from a "
                    "browser"),
    AP_INIT_TAKE1("PeopleDurability", set_durability, NULL, RSRC_CONF,
                  "group (default), full or normal: when a SQLite write is "
                  "synced to disk"),
    {NULL}
};

static people_dir_cfg *dir_cfg(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &people_module);
}

/* ---------------------------------------------------------------------
 * Answers: every status this module produces is a JSON envelope, never
 * httpd's HTML error page.
 */

/* CORS: a page from an allowed origin may read the answers (every answer,
 * errors included, so that the page sees why a call failed). The origin
 * is echoed rather than "*" because calls carry a token. */
static void add_cors(request_rec *r)
{
    people_dir_cfg *c = dir_cfg(r);
    const char *origin = apr_table_get(r->headers_in, "Origin");
    int i, ok = 0, any = 0;

    if (!c->cors || !origin) {
        return;
    }
    for (i = 0; i < c->cors->nelts; i++) {
        const char *o = APR_ARRAY_IDX(c->cors, i, const char *);
        any |= !strcmp(o, "*");
        ok |= !strcasecmp(o, origin);
    }
    apr_table_merge(r->err_headers_out, "Vary", "Origin");
    if (!ok && !any) {
        return;
    }
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", origin);
    apr_table_setn(r->err_headers_out, "Access-Control-Expose-Headers",
                   "ETag, Retry-After, WWW-Authenticate");
    if (ok) {
        /* the asc_auth_key cookie only for origins named one by one */
        apr_table_setn(r->err_headers_out,
                       "Access-Control-Allow-Credentials", "true");
    }
}

static void send_json(request_rec *r, int status, const char *body,
                      size_t len)
{
    add_cors(r);
    r->status = status;
    ap_set_content_type(r, "application/json; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    ap_set_content_length(r, (apr_off_t)len);
    if (len) {
        ap_rwrite(body, (int)len, r);
    }
}

static int answer_error(request_rec *r, int status, const char *message)
{
    size_t len;
    const char *body = people_envelope_error(r->pool, status, message, &len);

    if (status == HTTP_SERVICE_UNAVAILABLE) {
        apr_table_setn(r->err_headers_out, "Retry-After", RETRY_AFTER);
    }
    /* headers set for a success answer do not belong on an error */
    apr_table_unset(r->headers_out, "ETag");
    send_json(r, status, body, len);
    return OK;
}

/* What a step returns when the database failed: the caller may recover
 * the connection and try once more before answering 503. */
#define DB_FAILED (-2)

/* What is wrong with the database, as far as the server can see it, and
 * how to fix it; "" when nothing is visibly wrong. Only on error paths. */
static const char *db_hint(request_rec *r)
{
    people_srv_cfg *sc = ap_get_module_config(r->server->module_config,
                                              &people_module);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    const char *path, *dir, *user = ap_unixd_config.user_name, *fixes = "";
    apr_finfo_t fi;
    int i;

    if (!sc->dbd_driver || strcmp(sc->dbd_driver, "sqlite3") != 0) {
        /* pgsql's parameters may hold a password: name none of them */
        return sc->dbd_driver ? "; check that the database server is "
                                "reachable with this server's DBDParams" : "";
    }
    path = sc->dbd_params;
    if (!path || !*path) {
        return "; DBDParams names no database file";
    }
    dir = ap_make_dirstr_parent(r->pool, path);
    if (apr_stat(&fi, dir, APR_FINFO_TYPE, r->pool) != APR_SUCCESS) {
        return apr_psprintf(r->pool, "; the directory %s of the database %s "
                            "does not exist: create it, owned by %s, then "
                            "run 'people-admin -p %s init' as %s", dir, path,
                            user, path, user);
    }
    if (apr_stat(&fi, path, APR_FINFO_TYPE, r->pool) != APR_SUCCESS) {
        return apr_psprintf(r->pool, "; the database %s does not exist: run "
                            "'people-admin -p %s init' as %s", path, path,
                            user);
    }
    for (i = 0; i < 3; i++) {
        /* the database, and the WAL files SQLite made beside it (a file
         * made while the database was read-only is read-only too): name
         * every one that needs fixing, with the fix */
        const char *f = apr_pstrcat(r->pool, path, suffix[i], NULL);
        if (apr_stat(&fi, f, APR_FINFO_USER, r->pool) != APR_SUCCESS
            || access(f, R_OK | W_OK) == 0) {
            continue;
        }
        fixes = apr_pstrcat(r->pool, fixes, *fixes ? "; " : "",
                            fi.user == getuid() ? "chmod u+rw " : "chown ",
                            fi.user == getuid() ? "" : user,
                            fi.user == getuid() ? "" : " ", f, NULL);
    }
    if (*fixes) {
        return apr_psprintf(r->pool, "; the database files are not all "
                            "writable by %s, the user Apache runs as: %s",
                            user, fixes);
    }
    if (access(dir, W_OK | X_OK) != 0) {
        return apr_psprintf(r->pool, "; the directory %s is not writable by "
                            "%s, the user Apache runs as, and SQLite's WAL "
                            "writes beside the database: chown it to %s", dir,
                            user, user);
    }
    return apr_psprintf(r->pool, "; if a table is missing, run 'people-admin "
                        "-p %s init'", path);
}

static int log_db_error(request_rec *r, const char *what, const char *err)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(01)
                  "database error while %s: %s%s", what, err, db_hint(r));
    return DB_FAILED;
}

static int answer_unavailable(request_rec *r)
{
    return answer_error(r, HTTP_SERVICE_UNAVAILABLE,
                        "the database is unavailable; try again shortly");
}

static people_db_t db_of(ap_dbd_t *dbd);

/* After a database error: a pgsql connection that mod_dbd handed out
 * healthy may have lost its server (a PostgreSQL restart). Reconnecting
 * drops the prepared statements; prepare them again, and say whether the
 * failed step is worth one more try. */
static int recovered(request_rec *r, ap_dbd_t *dbd)
{
    people_db_t db = db_of(dbd);
    if (!people_db_recover(dbd->pool, &db)) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PEOPLELOGNO(07)
                  "the database connection was re-established: statements "
                  "prepared again, retrying");
    return 1;
}

/* The request's database connection (mod_dbd keeps it for the request).
 * NULL when there is none; mod_dbd has logged why. */
static ap_dbd_t *acquire(request_rec *r)
{
    ap_dbd_t *dbd = dbd_acquire_fn ? dbd_acquire_fn(r) : NULL;
    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(02)
                      "no database connection (mod_dbd's message above says "
                      "why)%s", db_hint(r));
    }
    return dbd;
}

static people_db_t db_of(ap_dbd_t *dbd)
{
    people_db_t db = {dbd->driver, dbd->handle, dbd->prepared};
    return db;
}

/* ---------------------------------------------------------------------
 * Authentication: an access checker, so no AuthType/Require lines are
 * needed. It answers 401 itself (a JSON body) and returns DONE.
 */

static int refuse(request_rec *r, int status, const char *message)
{
    if (status == HTTP_UNAUTHORIZED) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"people\"");
    }
    answer_error(r, status, message);
    return DONE;
}

static int people_check_access(request_rec *r)
{
    people_dir_cfg *c = dir_cfg(r);
    const char *token, *hash, *err = NULL;
    people_req_t *rq;
    people_rc_e rc;
    people_db_t db;
    ap_dbd_t *dbd;
    int tried = 0;

    if (c->api != 1 || r->method_number == M_OPTIONS) {
        return DECLINED;
    }
    token = people_token_from_headers(r->pool,
                                      apr_table_get(r->headers_in,
                                                    "Authorization"),
                                      apr_table_get(r->headers_in, "Cookie"));
    if (!token) {
        return refuse(r, HTTP_UNAUTHORIZED, "an API token is required");
    }
    hash = people_token_hash(r->pool, token);
    if (!hash || !(dbd = acquire(r))) {
        answer_unavailable(r);
        return DONE;
    }
    rq = apr_pcalloc(r->pool, sizeof(*rq));
    ap_set_module_config(r->request_config, &people_module, rq);
    db = db_of(dbd);
    do {
        rc = people_store_auth(r->pool, &db, hash,
                               apr_time_sec(r->request_time), &rq->caller,
                               &err);
    } while (rc == PEOPLE_DB_ERROR
             && log_db_error(r, "checking a token", err)
             && !tried++ && recovered(r, dbd));
    if (rc == PEOPLE_NOT_FOUND) {
        return refuse(r, HTTP_UNAUTHORIZED, "the API token is not valid");
    }
    if (rc != PEOPLE_OK) {
        answer_unavailable(r);
        return DONE;
    }
    if (rq->caller.status == 2) {
        return refuse(r, HTTP_UNAUTHORIZED, "the user is terminated");
    }
    /* %u in the access log shows who called */
    r->user = apr_pstrdup(r->pool, rq->caller.username);
    r->ap_auth_type = "Bearer";
    rq->authenticated = 1;
    return OK;
}

/* ---------------------------------------------------------------------
 * The handler
 */

static const char *allow_of(people_resource_e res)
{
    switch (res) {
    case PEOPLE_RES_PROFILE:
        return "GET, HEAD, OPTIONS";
    case PEOPLE_RES_CONTACTS:
        return "PUT, POST, DELETE, OPTIONS";
    default:
        return "OPTIONS";
    }
}

static int is_json_type(const char *ct)
{
    size_t n;
    if (!ct) {
        return 0;
    }
    while (apr_isspace(*ct)) {
        ct++;
    }
    n = strcspn(ct, "; \t");
    return n == 16 && !strncasecmp(ct, "application/json", 16);
}

/* Reads the whole body into pool memory, at most max bytes. Returns OK or
 * an HTTP status (413 past the limit). */
static int read_body(request_rec *r, apr_off_t max, char **buf, size_t *len)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb;
    apr_size_t total = 0, cap = 0;
    char *out = NULL;
    int seen_eos = 0;

    if (cl) {
        char *end;
        apr_off_t n;
        if (apr_strtoff(&n, cl, &end, 10) == APR_SUCCESS && !*end
            && n > max) {
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    do {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t n;

            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                return HTTP_BAD_REQUEST;
            }
            if ((apr_off_t)(total + n) > max) {
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            }
            if (total + n + 1 > cap) {
                char *grown;
                cap = (total + n + 1) * 2;
                if ((apr_off_t)cap > max + 1) {
                    cap = (apr_size_t)max + 1;
                }
                grown = apr_palloc(r->pool, cap);
                if (total) {
                    memcpy(grown, out, total);
                }
                out = grown;
            }
            memcpy(out + total, data, n);
            total += n;
        }
        apr_brigade_cleanup(bb);
    } while (!seen_eos);

    *buf = out ? out : apr_pcalloc(r->pool, 1);
    (*buf)[total] = '\0';
    *len = total;
    return OK;
}

static const char *profile_url(request_rec *r, people_dir_cfg *c,
                               const people_profile_t *u)
{
    const char *url = people_profile_url(r->pool, c->profile_url
                                                  ? c->profile_url
                                                  : DEFAULT_PROFILE_URL, u);
    /* an absolute template is kept; a path is made absolute against the
     * host the client asked for */
    return ap_strchr_c(url, ':') && url[0] != '/'
           ? url : ap_construct_url(r->pool, url, r);
}

static int answer_profile(request_rec *r, people_dir_cfg *c, int status,
                          const people_profile_t *u, int full)
{
    size_t len;
    const char *body = people_profile_envelope(r->pool, status, u, full,
                                               profile_url(r, c, u), &len);

    apr_table_setn(r->headers_out, "ETag", people_etag(r->pool, u, full));
    send_json(r, status, body, len);
    return OK;
}

static int may_see_all(const people_caller_t *who, const char *id)
{
    return who->is_admin || who->is_owner || strcmp(who->id, id) == 0;
}

static int handle_get(request_rec *r, people_dir_cfg *c, people_db_t *db,
                      const people_caller_t *who, const char *id)
{
    people_profile_t *u;
    const char *err = NULL, *inm, *etag;
    int full;

    switch (people_store_profile(r->pool, db, id, &u, &err)) {
    case PEOPLE_OK:
        break;
    case PEOPLE_NOT_FOUND:
        return answer_error(r, HTTP_NOT_FOUND, "user not found");
    default:
        return log_db_error(r, "reading a profile", err);
    }
    full = may_see_all(who, u->id);
    inm = apr_table_get(r->headers_in, "If-None-Match");
    if (inm && people_etag_listed(inm, etag = people_etag(r->pool, u, full),
                                  0)) {
        apr_table_setn(r->headers_out, "ETag", etag);
        add_cors(r);
        r->status = HTTP_NOT_MODIFIED;
        return OK;
    }
    return answer_profile(r, c, HTTP_OK, u, full);
}

/* Waits until commit number seq is durable, syncing the WAL if no one
 * else has yet (see people_shared_t). */
static int group_sync(request_rec *r, people_db_t *db, apr_uint64_t seq,
                      const char **err)
{
    apr_uint64_t upto;
    int ok = 1;

    if (apr_global_mutex_lock(sync_mutex) != APR_SUCCESS) {
        *err = "could not take the sync mutex";
        return 0;
    }
    if (shared->synced < seq) {
        /* every commit numbered so far has written its WAL frames (it is
         * numbered after its COMMIT returned): one sync covers them all */
        upto = __atomic_load_n(&shared->committed, __ATOMIC_ACQUIRE);
        ok = people_sqlite_sync_wal(r->pool, db, err);
        if (ok) {
            shared->synced = upto;
        }
    }
    apr_global_mutex_unlock(sync_mutex);
    return ok;
}

static int handle_write(request_rec *r, people_dir_cfg *c, people_db_t *db,
                        const people_caller_t *who, const char *id,
                        people_op_e op, apr_array_header_t *body)
{
    people_profile_t *u = NULL;
    const char *err = NULL;
    people_rc_e rc;
    int max = c->max_contacts != UNSET ? c->max_contacts
                                       : DEFAULT_MAX_CONTACTS;
    int locked = 0, wait_ms = LOCK_WAIT_MS;

    if (!may_see_all(who, id)) {
        return answer_error(r, HTTP_FORBIDDEN,
                            "only the user, an admin or the owner may "
                            "change these contacts");
    }
    if (write_mutex && !strcmp(apr_dbd_name(db->driver), "sqlite3")) {
        apr_time_t t0 = apr_time_now();
        apr_status_t rv = apr_global_mutex_lock(write_mutex);
        /* the time spent in the queue counts against the wait for the
         * database lock: when another program holds it, every queued
         * writer answers 503 about LOCK_WAIT_MS after it arrived, instead
         * of each waiting in turn */
        wait_ms -= (int)apr_time_as_msec(apr_time_now() - t0);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PEOPLELOGNO(04)
                          "could not take the write mutex");
            return answer_error(r, HTTP_SERVICE_UNAVAILABLE,
                                "the server is busy; try again shortly");
        }
        locked = 1;
    }
    rc = people_store_write_contacts(r->pool, db, id, op, body, max,
                                     apr_table_get(r->headers_in, "If-Match"),
                                     wait_ms, &u, &err);
    if (locked) {
        apr_uint64_t seq = 0;
        if (rc == PEOPLE_OK && shared
            && durability_of(r->server) == DURABLE_GROUP) {
            seq = __atomic_add_fetch(&shared->committed, 1,
                                     __ATOMIC_RELEASE);
        }
        apr_global_mutex_unlock(write_mutex);
        if (seq && !group_sync(r, db, seq, &err)) {
            return log_db_error(r, "making a write durable", err);
        }
    }
    switch (rc) {
    case PEOPLE_OK:
        return answer_profile(r, c, op == PEOPLE_OP_SET
                                    && r->method_number == M_POST
                                    ? HTTP_CREATED : HTTP_OK, u, 1);
    case PEOPLE_NOT_FOUND:
        return answer_error(r, HTTP_NOT_FOUND, "user not found");
    case PEOPLE_PRECONDITION:
        return answer_error(r, HTTP_PRECONDITION_FAILED,
                            "the profile has changed since it was read "
                            "(If-Match)");
    case PEOPLE_TOO_MANY:
        return answer_error(r, HTTP_BAD_REQUEST, err);
    default:
        return log_db_error(r, "writing contacts", err);
    }
}

/* Reads and decodes a write's body; an HTTP status other than OK has been
 * answered already. */
static int read_contacts(request_rec *r, people_dir_cfg *c,
                         apr_array_header_t **body)
{
    const char *msg;
    char *buf = NULL;
    size_t len = 0;
    int status;

    if (!is_json_type(apr_table_get(r->headers_in, "Content-Type"))) {
        return answer_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                            "the body must be application/json"), -1;
    }
    status = read_body(r, c->max_body != UNSET ? c->max_body
                                               : DEFAULT_MAX_BODY,
                       &buf, &len);
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        /* do not read the rest of a body we refuse */
        r->connection->keepalive = AP_CONN_CLOSE;
        return answer_error(r, status, apr_psprintf(r->pool,
                            "the body is larger than %" APR_OFF_T_FMT
                            " bytes", c->max_body != UNSET
                                      ? c->max_body : DEFAULT_MAX_BODY)), -1;
    }
    if (status != OK) {
        r->connection->keepalive = AP_CONN_CLOSE;
        return answer_error(r, status, "the body could not be read"), -1;
    }
    if ((msg = people_body_parse(r->pool, buf, len, body)) != NULL) {
        return answer_error(r, HTTP_BAD_REQUEST, msg), -1;
    }
    return OK;
}

/* The database part of a request: find the user, then read or write.
 * Returns DB_FAILED, unanswered, when the database failed. */
static int serve(request_rec *r, people_dir_cfg *c, people_req_t *rq,
                 ap_dbd_t *dbd, const people_route_t *route, people_op_e op,
                 apr_array_header_t *body)
{
    people_db_t db = db_of(dbd);
    const char *id, *err = NULL;

    switch (route->kind) {
    case PEOPLE_USER_SELF:
        id = rq->caller.id;
        break;
    case PEOPLE_USER_ID:
        id = route->user;
        break;
    default:
        /* no stored name is anything but UTF-8 (and PostgreSQL refuses to
         * compare with bytes that are not) */
        if (!people_utf8_valid(route->user, strlen(route->user))) {
            return answer_error(r, HTTP_NOT_FOUND, "user not found");
        }
        switch (people_store_resolve(r->pool, &db, route->kind, route->user,
                                     &id, &err)) {
        case PEOPLE_OK:
            break;
        case PEOPLE_NOT_FOUND:
            return answer_error(r, HTTP_NOT_FOUND, "user not found");
        default:
            return log_db_error(r, "finding a user", err);
        }
    }
    if (route->resource == PEOPLE_RES_PROFILE) {
        return handle_get(r, c, &db, &rq->caller, id);
    }
    return handle_write(r, c, &db, &rq->caller, id, op, body);
}

static int people_handler(request_rec *r)
{
    people_dir_cfg *c = dir_cfg(r);
    people_req_t *rq;
    people_route_t route;
    apr_array_header_t *body = NULL;
    const char *path;
    people_op_e op = PEOPLE_OP_MERGE;
    ap_dbd_t *dbd;
    int tried;

    if (c->api != 1) {
        return DECLINED;
    }
    path = r->uri;
    if (strncmp(path, c->base, strlen(c->base)) == 0) {
        path += strlen(c->base);
    }
    route = people_route_parse(r->pool, path);

    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", allow_of(route.resource));
        add_cors(r);
        if (apr_table_get(r->err_headers_out,
                          "Access-Control-Allow-Origin")) {
            /* a browser's preflight */
            apr_table_setn(r->headers_out, "Access-Control-Allow-Methods",
                           allow_of(route.resource));
            apr_table_setn(r->headers_out, "Access-Control-Allow-Headers",
                           "Authorization, Content-Type, If-Match, "
                           "If-None-Match");
            apr_table_setn(r->headers_out, "Access-Control-Max-Age", "600");
        }
        r->status = HTTP_NO_CONTENT;
        return OK;
    }
    rq = ap_get_module_config(r->request_config, &people_module);
    if (!rq || !rq->authenticated) {
        /* the access checker did not run for this request */
        return answer_error(r, HTTP_UNAUTHORIZED, "an API token is required");
    }
    if (route.resource == PEOPLE_RES_NONE) {
        return answer_error(r, HTTP_NOT_FOUND, "no such resource");
    }

    if (route.resource == PEOPLE_RES_PROFILE) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS);
        if (r->method_number != M_GET) {
            apr_table_setn(r->headers_out, "Allow", allow_of(route.resource));
            return answer_error(r, HTTP_METHOD_NOT_ALLOWED,
                                "this resource allows GET and HEAD");
        }
    }
    else {
        r->allowed = (AP_METHOD_BIT << M_PUT) | (AP_METHOD_BIT << M_POST)
                     | (AP_METHOD_BIT << M_DELETE)
                     | (AP_METHOD_BIT << M_OPTIONS);
        switch (r->method_number) {
        case M_PUT:
            op = c->put_replace == 1 ? PEOPLE_OP_SET : PEOPLE_OP_MERGE;
            break;
        case M_POST:
            op = PEOPLE_OP_SET;
            break;
        case M_DELETE:
            op = PEOPLE_OP_DELETE;
            break;
        default:
            apr_table_setn(r->headers_out, "Allow", allow_of(route.resource));
            return answer_error(r, HTTP_METHOD_NOT_ALLOWED,
                                "this resource allows PUT, POST and DELETE");
        }
        /* the body is read and checked before a database connection is
         * held, and a body that is not understood changes nothing */
        if (read_contacts(r, c, &body) != OK) {
            return OK;
        }
    }

    if (!(dbd = acquire(r))) {
        return answer_unavailable(r);
    }
    for (tried = 0; ; tried++) {
        int rv = serve(r, c, rq, dbd, &route, op, body);
        if (rv != DB_FAILED) {
            return rv;
        }
        if (tried || !recovered(r, dbd)) {
            return answer_unavailable(r);
        }
    }
}

/* ---------------------------------------------------------------------
 * Start-up
 */

static int people_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    return ap_mutex_register(pconf, write_mutex_type, NULL, APR_LOCK_DEFAULT,
                             0) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* mod_dbd keeps its configuration to itself: read each server's DBDriver
 * and DBDParams lines from the configuration tree, for messages. */
static void note_dbd_lines(apr_pool_t *p, const ap_directive_t *d,
                           server_rec *s, server_rec *main_s)
{
    for (; d; d = d->next) {
        people_srv_cfg *sc = ap_get_module_config(s->module_config,
                                                  &people_module);
        const char *args = d->args;

        if (!strcasecmp(d->directive, "<VirtualHost")) {
            server_rec *v;
            for (v = main_s->next; v; v = v->next) {
                if (v->defn_name && d->filename
                    && !strcmp(v->defn_name, d->filename)
                    && v->defn_line_number == (unsigned)d->line_num) {
                    note_dbd_lines(p, d->first_child, v, main_s);
                    break;
                }
            }
        }
        else if (!strcasecmp(d->directive, "DBDriver")) {
            sc->dbd_driver = ap_getword_conf(p, &args);
        }
        else if (!strcasecmp(d->directive, "DBDParams")) {
            sc->dbd_params = ap_getword_conf(p, &args);
        }
        else if (d->first_child) {
            note_dbd_lines(p, d->first_child, s, main_s);
        }
    }
}

static int people_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    people_srv_cfg *main_sc = ap_get_module_config(s->module_config,
                                                   &people_module);
    server_rec *v;
    apr_shm_t *shm;
    apr_status_t rv;
    (void)plog; (void)ptemp;

    dbd_acquire_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    /* the first pass only checks the configuration */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    note_dbd_lines(pconf, ap_conftree, s, s);
    for (v = s->next; v; v = v->next) {
        people_srv_cfg *sc = ap_get_module_config(v->module_config,
                                                  &people_module);
        if (!sc->dbd_driver && !sc->dbd_params) {
            sc->dbd_driver = main_sc->dbd_driver;
            sc->dbd_params = main_sc->dbd_params;
        }
    }
    /* a new child's connections may meet a lock while mod_dbd prepares
     * their statements (an old child's connection checkpointing as it
     * closes during a graceful restart): let them wait for it */
    people_sqlite_wait_on_open(OPEN_WAIT_MS);
    if ((rv = ap_global_mutex_create(&write_mutex, NULL, write_mutex_type,
                                     NULL, s, pconf, 0)) != APR_SUCCESS
        /* a process-shared pthread mutex, whatever "Mutex default" says:
         * with two fcntl() locks, one thread of a process holding one while
         * another thread waits for the other makes the kernel report a
         * deadlock (EDEADLK) that is not one */
        || (rv = apr_global_mutex_create(&sync_mutex, NULL,
                                         APR_LOCK_PROC_PTHREAD, pconf))
           != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PEOPLELOGNO(05)
                     "could not create the write mutexes");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* anonymous shared memory, inherited by every child; a restart makes
     * a new one (the commit numbers only need to agree within one
     * generation of children: each child syncs its own commits' WAL) */
    if ((rv = apr_shm_create(&shm, sizeof(people_shared_t), NULL, pconf))
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PEOPLELOGNO(08)
                     "could not create shared memory for group commit");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    shared = apr_shm_baseaddr_get(shm);
    memset(shared, 0, sizeof(*shared));
    return OK;
}

/* The API's resources are not files: no translation to a file name under
 * DocumentRoot (which answers an overlong path with httpd's own 403 page)
 * and no directory and file walk (stat calls on every request) for the
 * locations that serve it, as mod_proxy does for its URLs. */
static int people_translate_name(request_rec *r)
{
    if (dir_cfg(r)->api != 1) {
        return DECLINED;
    }
    r->filename = apr_pstrcat(r->pool, "people:", r->uri, NULL);
    return OK;
}

/* map_to_storage runs with the server's defaults as the per-directory
 * configuration: the "people:" file name set above says it is ours. */
static int people_map_to_storage(request_rec *r)
{
    return r->filename && strncmp(r->filename, "people:", 7) == 0
           ? OK : DECLINED;
}

/* A new connection has its statements prepared now: from here on the
 * sqlite3 driver's own retry loop handles busy locks, outside SQLite, so
 * a waiting thread does not hold the driver's process-wide mutex. */
static apr_status_t people_post_connect(apr_pool_t *p, dbd_cfg_t *cfg,
                                        ap_dbd_t *dbd)
{
    people_db_t db = db_of(dbd);
    (void)p;
    people_sqlite_busy_timeout(&db, 0);
    /* group commit syncs the WAL itself, once for many commits */
    people_sqlite_synchronous(&db, durability_of(cfg->server) == DURABLE_FULL);
    return APR_SUCCESS;
}

static void people_child_init(apr_pool_t *p, server_rec *s)
{
    apr_global_mutex_t **mutexes[] = {&write_mutex, &sync_mutex};
    size_t i;
    for (i = 0; i < sizeof(mutexes) / sizeof(mutexes[0]); i++) {
        apr_status_t rv;
        if (!*mutexes[i]) {
            continue;
        }
        rv = apr_global_mutex_child_init(mutexes[i],
                                         apr_global_mutex_lockfile(
                                             *mutexes[i]), p);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PEOPLELOGNO(06)
                         "could not attach to the write mutexes");
        }
    }
}

static void people_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(people_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(people_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(people_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(people_translate_name, NULL, NULL,
                           APR_HOOK_MIDDLE);
    ap_hook_map_to_storage(people_map_to_storage, NULL, NULL,
                           APR_HOOK_FIRST);
    ap_hook_check_access(people_check_access, NULL, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_handler(people_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(dbd, post_connect, people_post_connect, NULL, NULL,
                      APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(people) = {
    STANDARD20_MODULE_STUFF,
    create_dir_cfg,
    merge_dir_cfg,
    create_srv_cfg,
    merge_srv_cfg,
    people_cmds,
    people_register_hooks,
    AP_MODULE_FLAG_NONE
};
