/* people-admin import: the staff from a CSV or JSON Lines file, in one
 * transaction (spec section 12). */
#include <stdio.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "../src/people_import.h"
#include "people_admin.h"

const char *people_admin_slurp(apr_pool_t *p, const char *path, char **buf,
                               size_t *len)
{
    apr_file_t *f;
    apr_status_t rv;
    char *out = NULL;
    apr_size_t have = 0, cap = 0;

    rv = !strcmp(path, "-") ? apr_file_open_stdin(&f, p)
                            : apr_file_open(&f, path, APR_FOPEN_READ,
                                            APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot open %s: %pm", path, &rv);
    }
    for (;;) {
        apr_size_t n;
        if (have + 65536 + 1 > cap) {
            char *grown = apr_palloc(p, cap = (have + 65536 + 1) * 2);
            if (have) {
                memcpy(grown, out, have);
            }
            out = grown;
        }
        n = cap - have - 1;
        rv = apr_file_read(f, out + have, &n);
        have += n;
        if (rv == APR_EOF) {
            break;
        }
        if (rv != APR_SUCCESS) {
            return apr_psprintf(p, "cannot read %s: %pm", path, &rv);
        }
    }
    out[have] = '\0';
    *buf = out;
    *len = have;
    return NULL;
}

int people_admin_upsert(admin_t *a, const apr_array_header_t *rows,
                        people_import_opts_t *io)
{
    people_import_counts_t n;
    const char *err = NULL;

    io->wait_ms = ADMIN_WAIT_MS;
    io->report = io->dry_run ? stdout : NULL;
    if (people_import_apply(a->pool, &a->db, rows, io, &n, &err)
        != PEOPLE_OK) {
        return fail("%s; nothing was written", err);
    }
    printf("added %d, updated %d, unchanged %d, terminated %d%s\n", n.added,
           n.updated, n.unchanged, n.terminated,
           io->dry_run ? " (dry run: nothing was written)" : "");
    return 0;
}

int cmd_import(admin_t *a, int argc, const char *const *argv)
{
    static const opt_def_t defs[] = {
        {"--dry-run", 0, 0}, {"--terminate-missing", 0, 0}, {NULL, 0, 0}
    };
    people_import_opts_t io = {0};
    apr_array_header_t *rows;
    const char *bad;
    char *buf;
    size_t len;
    opts_t o;

    if (argc < 1) {
        return fail("import needs a FILE (or - for standard input)");
    }
    if ((bad = parse_opts(a->pool, argc - 1, argv + 1, defs, &o))) {
        return fail("%s", bad);
    }
    if ((bad = people_admin_slurp(a->pool, argv[0], &buf, &len))) {
        return fail("%s", bad);
    }
    rows = apr_array_make(a->pool, 64, sizeof(people_import_row_t));
    if ((bad = people_import_parse(a->pool, buf, len, rows))) {
        return fail("%s: %s; nothing was written", argv[0], bad);
    }
    io.dry_run = opt(&o, "--dry-run") != NULL;
    io.terminate_missing = opt(&o, "--terminate-missing") != NULL;
    return people_admin_upsert(a, rows, &io);
}
