/* people-admin: what the command files share (the connection, errors,
 * option parsing). */
#ifndef PEOPLE_ADMIN_H
#define PEOPLE_ADMIN_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "../src/people_import.h"
#include "../src/people_store.h"

/* how long a command waits for a lock Apache holds for a moment */
#define ADMIN_WAIT_MS 5000

typedef struct {
    apr_pool_t *pool;
    people_db_t db;
} admin_t;

/* Prints "people-admin: MESSAGE" to stderr; returns 1, the exit status. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Options after the positional words: "--name value" pairs and flags. */
typedef struct {
    const char *name;
    int takes_value;
    int repeat;
} opt_def_t;

typedef struct {
    apr_table_t *values;        /* name -> value (repeatable: several) */
} opts_t;

/* NULL, or what is wrong with the options. */
const char *parse_opts(apr_pool_t *p, int argc, const char *const *argv,
                       const opt_def_t *defs, opts_t *out);
const char *opt(opts_t *o, const char *name);

/* Reads a whole file ("-": standard input) into pool memory. */
const char *people_admin_slurp(apr_pool_t *p, const char *path, char **buf,
                               size_t *len);

/* Writes rows with people_import_apply and prints the counts (the
 * per-user changes too in a dry run); returns the exit status. */
int people_admin_upsert(admin_t *a, const apr_array_header_t *rows,
                        people_import_opts_t *io);

/* people-admin import FILE|- [--dry-run] [--terminate-missing] */
int cmd_import(admin_t *a, int argc, const char *const *argv);

/* people-admin sync-ldap --url URL --base DN ... */
int cmd_sync_ldap(admin_t *a, int argc, const char *const *argv);

#endif
