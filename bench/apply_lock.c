/* How long the contacts apply step (the work a write does inside the
 * global write lock) takes for one large body.
 *
 *   apply_lock [-n ITEMS] [-s STORED] [-r RUNS] [-o merge|set|delete]
 *
 * Builds a body of ITEMS contacts of distinct types (default 3,900: what a
 * 64 KB body of short items holds), a stored list of STORED contacts
 * (default 100) whose types the body names in another letter case, and
 * times people_contacts_apply RUNS times (default 5). Prints one line:
 * items=... stored=... op=... median_ms=... max_ms=...
 *
 * bench/apply_lock.sh builds it against the tree and against an older
 * revision's src/people_contacts.c to compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "src/people_contacts.h"

static apr_array_header_t *list(apr_pool_t *p, int n, const char *prefix)
{
    apr_array_header_t *a = apr_array_make(p, n + 1,
                                           sizeof(people_contact_t));
    int i;
    for (i = 0; i < n; i++) {
        people_contact_t *c = apr_array_push(a);
        c->type = apr_psprintf(p, "%s%d", prefix, i);
        c->value = apr_psprintf(p, "v%d", i);
    }
    return a;
}

static int cmp_time(const void *a, const void *b)
{
    apr_interval_time_t x = *(const apr_interval_time_t *)a;
    apr_interval_time_t y = *(const apr_interval_time_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int items = 3900, stored_n = 100, runs = 5, opt, i;
    people_op_e op = PEOPLE_OP_MERGE;
    const char *op_name = "merge";
    apr_interval_time_t *t;
    apr_pool_t *root;

    while ((opt = getopt(argc, argv, "n:s:r:o:")) != -1) {
        switch (opt) {
        case 'n': items = atoi(optarg); break;
        case 's': stored_n = atoi(optarg); break;
        case 'r': runs = atoi(optarg); break;
        case 'o':
            op_name = optarg;
            op = !strcmp(optarg, "set") ? PEOPLE_OP_SET
                 : !strcmp(optarg, "delete") ? PEOPLE_OP_DELETE
                 : PEOPLE_OP_MERGE;
            break;
        default:
            fprintf(stderr, "usage: %s [-n ITEMS] [-s STORED] [-r RUNS] "
                    "[-o merge|set|delete]\n", argv[0]);
            return 2;
        }
    }
    if (items < 0 || stored_n < 0 || runs < 1) {
        fprintf(stderr, "apply_lock: counts must be positive\n");
        return 2;
    }
    apr_initialize();
    apr_pool_create(&root, NULL);
    t = apr_pcalloc(root, sizeof(*t) * (size_t)runs);
    for (i = 0; i < runs; i++) {
        apr_pool_t *p;
        apr_array_header_t *stored, *body;
        apr_time_t t0;

        apr_pool_create(&p, root);
        stored = list(p, stored_n, "t");
        body = list(p, items, "T");
        t0 = apr_time_now();
        people_contacts_apply(p, op, stored, body);
        t[i] = apr_time_now() - t0;
        apr_pool_destroy(p);
    }
    qsort(t, (size_t)runs, sizeof(*t), cmp_time);
    printf("items=%d stored=%d op=%s median_ms=%.3f max_ms=%.3f\n", items,
           stored_n, op_name, (double)t[runs / 2] / 1000.0,
           (double)t[runs - 1] / 1000.0);
    apr_pool_destroy(root);
    apr_terminate();
    return 0;
}
