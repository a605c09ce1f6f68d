/* Database diagnostics for the error log: which database a server uses
 * (read from the configuration tree) and what keeps it from working. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "ap_mpm.h"
#include "http_config.h"
#include "util_cfgtree.h"
#include "unixd.h"

#include "apr_hash.h"
#include "apr_strings.h"

#include "src/people_sizing.h"

#include "mod_people_private.h"
#include "mod_people_diag.h"
#include "mod_people_read.h"

/* A server's DBDriver, DBDParams and DBDMax, as its configuration lines
 * say. */
typedef struct {
    const char *driver;
    const char *params;
    int max;                    /* DBDMax, or -1 when no line sets it */
} people_dbd_lines_t;

/* server_rec * -> people_dbd_lines_t *, made anew at each start in pconf
 * and inherited by the children */
static apr_hash_t *people_dbd_lines;

static people_dbd_lines_t *people_lines_of(apr_pool_t *p, server_rec *s)
{
    people_dbd_lines_t *l = apr_hash_get(people_dbd_lines, &s, sizeof(s));
    if (!l) {
        l = apr_pcalloc(p, sizeof(*l));
        l->max = -1;
        apr_hash_set(people_dbd_lines, apr_pmemdup(p, &s, sizeof(s)),
                     sizeof(s), l);
    }
    return l;
}

/* The virtual host a <VirtualHost> section made. */
static server_rec *people_vhost_of(const ap_directive_t *d, server_rec *main_s)
{
    server_rec *v;
    for (v = main_s->next; v; v = v->next) {
        if (v->defn_name && d->filename && !strcmp(v->defn_name, d->filename)
            && v->defn_line_number == (unsigned)d->line_num) {
            return v;
        }
    }
    return NULL;
}

static void people_note_dbd_lines(apr_pool_t *p, const ap_directive_t *d,
                                  server_rec *s, server_rec *main_s)
{
    for (; d; d = d->next) {
        const char *args = d->args;

        if (!strcasecmp(d->directive, "<VirtualHost")) {
            server_rec *v = people_vhost_of(d, main_s);
            if (v) {
                people_note_dbd_lines(p, d->first_child, v, main_s);
            }
        }
        else if (!strcasecmp(d->directive, "DBDriver")) {
            people_lines_of(p, s)->driver = ap_getword_conf(p, &args);
        }
        else if (!strcasecmp(d->directive, "DBDParams")) {
            people_lines_of(p, s)->params = ap_getword_conf(p, &args);
        }
        else if (!strcasecmp(d->directive, "DBDMax")) {
            people_lines_of(p, s)->max = atoi(ap_getword_conf(p, &args));
        }
        else if (d->first_child) {
            people_note_dbd_lines(p, d->first_child, s, main_s);
        }
    }
}

/* Start-up warnings about what makes the API slow rather than wrong:
 * threads of a process that can outnumber its database connections (once
 * for the main server's pool, once for each virtual host's own), and SQLite
 * configured by someone else first. */
static void people_diag_sizing(apr_pool_t *p, server_rec *s,
                               const people_dbd_lines_t *main_l)
{
    int threaded = 0, threads = 1, sqlite = 0;
    server_rec *v;

    if (ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded) != APR_SUCCESS
        || threaded == AP_MPMQ_NOT_SUPPORTED
        || ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS) {
        threads = 1;
    }
    for (v = s; v; v = v->next) {
        const people_dbd_lines_t *l = people_lines_of(p, v);
        const char *w;
        if (!l->driver) {
            continue;
        }
        sqlite |= !strcasecmp(l->driver, "sqlite3");
        if (v != s && l->max == main_l->max && l->driver == main_l->driver) {
            continue;
        }
        if ((w = people_sizing_dbd_warning(p, threads, l->max))) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, v, PEOPLELOGNO(18)
                         "%s", w);
        }
    }
    people_read_check(s, sqlite);
}

void people_diag_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s)
{
    people_dbd_lines_t *main_l;
    server_rec *v;

    people_dbd_lines = apr_hash_make(pconf);
    people_note_dbd_lines(pconf, ap_conftree, s, s);
    /* a virtual host without lines of its own has the main server's */
    main_l = people_lines_of(pconf, s);
    for (v = s->next; v; v = v->next) {
        people_dbd_lines_t *l = people_lines_of(pconf, v);
        if (!l->driver && !l->params) {
            l->driver = main_l->driver;
            l->params = main_l->params;
        }
        if (l->max < 0) {
            l->max = main_l->max;
        }
    }
    people_diag_sizing(ptemp, s, main_l);
}

apr_array_header_t *people_diag_sqlite_files(apr_pool_t *p)
{
    apr_array_header_t *files = apr_array_make(p, 2, sizeof(const char *));
    apr_hash_t *seen = apr_hash_make(p);
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(p, people_dbd_lines); hi;
         hi = apr_hash_next(hi)) {
        const people_dbd_lines_t *l = apr_hash_this_val(hi);
        if (l->driver && l->params && !strcasecmp(l->driver, "sqlite3")
            && !apr_hash_get(seen, l->params, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, l->params, APR_HASH_KEY_STRING, "");
            APR_ARRAY_PUSH(files, const char *) = l->params;
        }
    }
    return files;
}

/* The database files that the user httpd runs as cannot write, each with
 * its fix; "" when there is none. */
static const char *people_unwritable_files(request_rec *r, const char *path,
                                           const char *user)
{
    /* the database, and the WAL files SQLite made beside it (a file made
     * while the database was read-only is read-only too) */
    static const char *const suffix[] = {"", "-wal", "-shm"};
    const char *fixes = "";
    apr_finfo_t fi;
    size_t i;

    for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        const char *f = apr_pstrcat(r->pool, path, suffix[i], NULL);
        int own = 0;

        if (apr_stat(&fi, f, APR_FINFO_USER, r->pool) != APR_SUCCESS
            || access(f, R_OK | W_OK) == 0) {
            continue;
        }
        own = fi.user == getuid();
        fixes = apr_pstrcat(r->pool, fixes, *fixes ? "; " : "",
                            own ? "chmod u+rw " : "chown ", own ? "" : user,
                            own ? "" : " ", f, NULL);
    }
    return fixes;
}

const char *people_db_hint(request_rec *r)
{
    people_dbd_lines_t *l = people_dbd_lines
        ? apr_hash_get(people_dbd_lines, &r->server, sizeof(r->server)) : NULL;
    const char *path, *dir, *user = ap_unixd_config.user_name, *fixes;
    apr_finfo_t fi;

    if (!l || !l->driver || strcmp(l->driver, "sqlite3") != 0) {
        /* pgsql's parameters may hold a password: name none of them */
        return l && l->driver ? "; check that the database server is "
                                "reachable with this server's DBDParams" : "";
    }
    path = l->params;
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
    if (*(fixes = people_unwritable_files(r, path, user))) {
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
