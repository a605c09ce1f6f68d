/* mod_people's section in /server-status (mod_status's status_hook).
 *
 * The counters live in anonymous shared memory that post_config makes in
 * the configuration pool: every child inherits it, every child counts into
 * it with atomic additions, and a restart (graceful or not) makes a new,
 * zeroed one. Counting costs a few relaxed atomic additions and no lock.
 * Without mod_status nothing reads them. */
#include "apr_shm.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "ap_mpm.h"
#include "mod_status.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_status.h"

/* The kinds of route requests are counted under. */
typedef enum {
    PEOPLE_SK_PROFILE = 0,      /* /{user} */
    PEOPLE_SK_CONTACTS,         /* /{user}/contacts */
    PEOPLE_SK_DIRECTORY,        /* the list, filters, searches, email */
    PEOPLE_SK_UNKNOWN,          /* no such route (404) */
    PEOPLE_SK_UNROUTED,         /* answered before routing: authentication */
    PEOPLE_SK_COUNT
} people_kind_e;

static const char *const people_kind_names[PEOPLE_SK_COUNT] = {
    "Profile", "Contacts", "Directory", "Unknown", "Unrouted"
};

/* status classes 2xx to 5xx (a final answer is never 1xx) */
#define PEOPLE_SC_COUNT 4
#define PEOPLE_SC_FIRST 2

typedef struct {
    apr_time_t since;           /* when the counters were made */
    apr_uint64_t requests[PEOPLE_SK_COUNT][PEOPLE_SC_COUNT];
    apr_uint64_t unavailable;   /* 503 answers */
    apr_uint64_t counts[PEOPLE_STAT_COUNT];
    apr_uint64_t lock_waits;
    apr_uint64_t lock_wait_us;  /* total */
    apr_uint64_t lock_wait_max_us;
} people_counters_t;

static people_counters_t *people_counters;

/* the kinds, for the request pool's user data */
static const people_kind_e people_kinds[PEOPLE_SK_COUNT] = {
    PEOPLE_SK_PROFILE, PEOPLE_SK_CONTACTS, PEOPLE_SK_DIRECTORY,
    PEOPLE_SK_UNKNOWN, PEOPLE_SK_UNROUTED
};
#define PEOPLE_KIND_KEY "mod_people:status-kind"

static void people_add(apr_uint64_t *c, apr_uint64_t n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static apr_uint64_t people_get(const apr_uint64_t *c)
{
    return __atomic_load_n(c, __ATOMIC_RELAXED);
}

void people_status_count(people_stat_e what, apr_uint32_t n)
{
    if (people_counters && (unsigned)what < PEOPLE_STAT_COUNT) {
        people_add(&people_counters->counts[what], n);
    }
}

void people_status_lock_wait(apr_interval_time_t waited)
{
    apr_uint64_t us = waited > 0 ? (apr_uint64_t)waited : 0;
    apr_uint64_t max;

    if (!people_counters) {
        return;
    }
    people_add(&people_counters->lock_waits, 1);
    people_add(&people_counters->lock_wait_us, us);
    max = people_get(&people_counters->lock_wait_max_us);
    while (us > max
           && !__atomic_compare_exchange_n(&people_counters->lock_wait_max_us,
                                           &max, us, 1, __ATOMIC_RELAXED,
                                           __ATOMIC_RELAXED)) {
        /* max now holds the value another child stored: try again */
    }
}

static people_kind_e people_kind_of(people_resource_e res)
{
    switch (res) {
    case PEOPLE_RES_PROFILE:
        return PEOPLE_SK_PROFILE;
    case PEOPLE_RES_CONTACTS:
        return PEOPLE_SK_CONTACTS;
    case PEOPLE_RES_NONE:
        return PEOPLE_SK_UNKNOWN;
    default:
        return PEOPLE_SK_DIRECTORY;
    }
}

void people_status_route(request_rec *r, people_resource_e res)
{
    apr_pool_userdata_setn(&people_kinds[people_kind_of(res)],
                           PEOPLE_KIND_KEY, NULL, r->pool);
}

/* Counts a request of the API's locations once it is answered. */
static int people_status_log(request_rec *r)
{
    const request_rec *last = r;
    void *kind = NULL;
    int cls;

    if (!people_counters || !people_cfg_api(r)) {
        return DECLINED;
    }
    while (last->next) {
        last = last->next;
    }
    cls = last->status / 100 - PEOPLE_SC_FIRST;
    cls = cls < 0 ? 0 : cls >= PEOPLE_SC_COUNT ? PEOPLE_SC_COUNT - 1 : cls;
    apr_pool_userdata_get(&kind, PEOPLE_KIND_KEY, r->pool);
    people_add(&people_counters->requests[kind ? *(const people_kind_e *)kind
                                          : PEOPLE_SK_UNROUTED][cls], 1);
    if (last->status == HTTP_SERVICE_UNAVAILABLE) {
        people_add(&people_counters->unavailable, 1);
    }
    return DECLINED;
}

static int people_status_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                     apr_pool_t *ptemp, server_rec *s)
{
    apr_shm_t *shm;
    apr_status_t rv;

    (void)plog; (void)ptemp;
    people_counters = NULL;
    /* the first pass only checks the configuration */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    rv = apr_shm_create(&shm, sizeof(people_counters_t), NULL, pconf);
    if (rv != APR_SUCCESS) {
        /* the API works without its counters */
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, PEOPLELOGNO(17)
                     "could not create shared memory for the server-status "
                     "counters; /server-status will not show mod_people");
        return OK;
    }
    people_counters = apr_shm_baseaddr_get(shm);
    memset(people_counters, 0, sizeof(*people_counters));
    people_counters->since = apr_time_now();
    return OK;
}

/* ---------------------------------------------------------------------
 * The section: "?auto" lines (AP_STATUS_SHORT) or HTML
 */

typedef struct {
    apr_uint64_t by_kind[PEOPLE_SK_COUNT];
    apr_uint64_t by_class[PEOPLE_SC_COUNT];
    apr_uint64_t total;
} people_totals_t;

static people_totals_t people_totals(const people_counters_t *c)
{
    people_totals_t t;
    int k, s;

    memset(&t, 0, sizeof(t));
    for (k = 0; k < PEOPLE_SK_COUNT; k++) {
        for (s = 0; s < PEOPLE_SC_COUNT; s++) {
            apr_uint64_t n = people_get(&c->requests[k][s]);
            t.by_kind[k] += n;
            t.by_class[s] += n;
            t.total += n;
        }
    }
    return t;
}

/* mean commits per sync, as text */
static const char *people_per_sync(apr_pool_t *p, const people_counters_t *c)
{
    apr_uint64_t syncs = people_get(&c->counts[PEOPLE_STAT_SYNCS]);
    apr_uint64_t commits = people_get(&c->counts[PEOPLE_STAT_COMMITS]);
    return syncs ? apr_psprintf(p, "%.2f", (double)commits / (double)syncs)
                 : "0";
}

static const char *people_ms(apr_pool_t *p, apr_uint64_t us)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT ".%03u", us / 1000,
                        (unsigned)(us % 1000));
}

/* name: value pairs after the requests, in both forms */
typedef struct {
    const char *name;           /* the ?auto key, after "People" */
    const char *label;          /* the HTML label */
    const char *value;
} people_line_t;

#define PEOPLE_NLINES 11

static void people_lines(apr_pool_t *p, const people_counters_t *c,
                         people_line_t *l)
{
    const apr_uint64_t *n = c->counts;
    int i = 0;

#define PEOPLE_LINE(k, lab, v) \
    (l[i].name = (k), l[i].label = (lab), l[i].value = (v), i++)
#define PEOPLE_NUM(x) apr_psprintf(p, "%" APR_UINT64_T_FMT, people_get(x))
    PEOPLE_LINE("Writes", "write transactions", PEOPLE_NUM(&n[PEOPLE_STAT_WRITES]));
    PEOPLE_LINE("Commits", "group commit: commits",
                PEOPLE_NUM(&n[PEOPLE_STAT_COMMITS]));
    PEOPLE_LINE("Syncs", "group commit: WAL syncs",
                PEOPLE_NUM(&n[PEOPLE_STAT_SYNCS]));
    PEOPLE_LINE("CommitsPerSync", "group commit: mean commits per sync",
                people_per_sync(p, c));
    PEOPLE_LINE("LockWaits", "waits for the write lock",
                PEOPLE_NUM(&c->lock_waits));
    PEOPLE_LINE("LockWaitTotalMs", "write lock: total wait (ms)",
                people_ms(p, people_get(&c->lock_wait_us)));
    PEOPLE_LINE("LockWaitMaxMs", "write lock: longest wait (ms)",
                people_ms(p, people_get(&c->lock_wait_max_us)));
    PEOPLE_LINE("Unavailable", "503 answers", PEOPLE_NUM(&c->unavailable));
    PEOPLE_LINE("DBErrors", "database errors",
                PEOPLE_NUM(&n[PEOPLE_STAT_DB_ERRORS]));
    PEOPLE_LINE("AuthRefused", "refused authentications",
                PEOPLE_NUM(&n[PEOPLE_STAT_AUTH_REFUSED]));
    PEOPLE_LINE("CountersAge", "counting for (s)",
                apr_psprintf(p, "%" APR_TIME_T_FMT,
                             apr_time_sec(apr_time_now() - c->since)));
#undef PEOPLE_NUM
#undef PEOPLE_LINE
}

static void people_show_auto(request_rec *r, const people_counters_t *c)
{
    people_totals_t t = people_totals(c);
    people_line_t l[PEOPLE_NLINES];
    int k, s;

    ap_rprintf(r, "PeopleRequests: %" APR_UINT64_T_FMT "\n", t.total);
    for (s = 0; s < PEOPLE_SC_COUNT; s++) {
        ap_rprintf(r, "PeopleRequests%dxx: %" APR_UINT64_T_FMT "\n", s + PEOPLE_SC_FIRST,
                   t.by_class[s]);
    }
    for (k = 0; k < PEOPLE_SK_COUNT; k++) {
        ap_rprintf(r, "PeopleRequests%s: %" APR_UINT64_T_FMT "\n",
                   people_kind_names[k], t.by_kind[k]);
        for (s = 0; s < PEOPLE_SC_COUNT; s++) {
            ap_rprintf(r, "PeopleRequests%s%dxx: %" APR_UINT64_T_FMT "\n",
                       people_kind_names[k], s + PEOPLE_SC_FIRST,
                       people_get(&c->requests[k][s]));
        }
    }
    people_lines(r->pool, c, l);
    for (k = 0; k < PEOPLE_NLINES; k++) {
        ap_rprintf(r, "People%s: %s\n", l[k].name, l[k].value);
    }
}

/* the requests as a table, or as lines without tables (?notable) */
static void people_show_requests(request_rec *r, const people_counters_t *c,
                                 const people_totals_t *t, int notable)
{
    int k, s;

    if (!notable) {
        ap_rputs("<table border=\"0\"><tr><th>route</th>", r);
        for (s = 0; s < PEOPLE_SC_COUNT; s++) {
            ap_rprintf(r, "<th>%dxx</th>", s + PEOPLE_SC_FIRST);
        }
        ap_rputs("<th>all</th></tr>\n", r);
    }
    for (k = 0; k < PEOPLE_SK_COUNT; k++) {
        ap_rprintf(r, notable ? "<dt>%s:" : "<tr><td>%s</td>",
                   people_kind_names[k]);
        for (s = 0; s < PEOPLE_SC_COUNT; s++) {
            apr_uint64_t n = people_get(&c->requests[k][s]);
            if (notable) {
                ap_rprintf(r, " %dxx %" APR_UINT64_T_FMT, s + PEOPLE_SC_FIRST, n);
            }
            else {
                ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", n);
            }
        }
        ap_rprintf(r, notable ? ", all %" APR_UINT64_T_FMT "</dt>\n"
                              : "<td>%" APR_UINT64_T_FMT "</td></tr>\n",
                   t->by_kind[k]);
    }
    if (!notable) {
        ap_rputs("</table>\n", r);
    }
}

static void people_show_html(request_rec *r, const people_counters_t *c,
                             int flags)
{
    people_totals_t t = people_totals(c);
    people_line_t l[PEOPLE_NLINES];
    int k;

    ap_rputs("<hr />\n<h2>mod_people</h2>\n", r);
    ap_rprintf(r, "<p>%" APR_UINT64_T_FMT " API requests since the last "
               "(re)start, by route kind and status class:</p>\n", t.total);
    people_show_requests(r, c, &t, flags & AP_STATUS_NOTABLE);
    people_lines(r->pool, c, l);
    ap_rputs("<dl>\n", r);
    for (k = 0; k < PEOPLE_NLINES; k++) {
        ap_rprintf(r, "<dt>%s: %s</dt>\n", l[k].label, l[k].value);
    }
    ap_rputs("</dl>\n", r);
}

static int people_status_show(request_rec *r, int flags)
{
    if (!people_counters) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        people_show_auto(r, people_counters);
    }
    else {
        people_show_html(r, people_counters, flags);
    }
    return OK;
}

void people_status_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(people_status_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_log_transaction(people_status_log, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, people_status_show, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
