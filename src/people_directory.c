/* The directory: query parameters, keys, privacy and one page of people
 * (spec sections 4 and 9). The SQL is in people_store.c's table. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>

#include "people_directory.h"
#include "people_contacts.h"
#include "people_route.h"

/* ---- Lower-case keys ---------------------------------------------------- */

/* One code point's small letter, for the scripts people_fold() covers. */
static unsigned long people_lower_cp(unsigned long c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        || (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        || (c >= 0x410 && c <= 0x42F)) {
        return c + 0x20;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 0x50;
    }
    if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138
        && c != 0x149 && c != 0x17F) {
        /* Latin Extended-A pairs: even capitals up to U+0137 and from
         * U+014A, odd ones in U+0139..U+0148 and U+0179..U+017E */
        int odd_caps = (c >= 0x139 && c <= 0x148) || c >= 0x179;
        if (c == 0x178) {
            return 0xFF;
        }
        return ((c & 1) == (unsigned long)odd_caps) ? c + 1 : c;
    }
    return c;
}

/* Decodes one UTF-8 sequence of s (valid UTF-8 checked by the caller);
 * returns its length. */
static size_t people_utf8_get(const unsigned char *s, unsigned long *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *cp = ((unsigned long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0) {
        *cp = ((unsigned long)(s[0] & 0x0F) << 12)
              | ((unsigned long)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((unsigned long)(s[0] & 0x07) << 18)
          | ((unsigned long)(s[1] & 0x3F) << 12)
          | ((unsigned long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

static size_t people_utf8_put(char *o, unsigned long c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    o[0] = (char)(0xE0 | (c >> 12));
    o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[2] = (char)(0x80 | (c & 0x3F));
    return 3;
}

const char *people_fold(apr_pool_t *p, const char *s)
{
    size_t n, i = 0;
    char *out, *o;

    if (!s) {
        return "";
    }
    n = strlen(s);
    /* only whole, valid text is decoded; anything else is kept as bytes
     * with ASCII lowered (a folded letter never grows in length) */
    o = out = apr_palloc(p, n + 1);
    if (!people_utf8_valid(s, n)) {
        for (; i < n; i++) {
            *o++ = (char)apr_tolower((unsigned char)s[i]);
        }
        *o = '\0';
        return out;
    }
    while (i < n) {
        unsigned long cp;
        size_t len = people_utf8_get((const unsigned char *)s + i, &cp);
        unsigned long low = people_lower_cp(cp);
        if (low == cp) {
            memcpy(o, s + i, len);
            o += len;
        }
        else {
            o += people_utf8_put(o, low);
        }
        i += len;
    }
    *o = '\0';
    return out;
}

const char *people_like_escape(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 2 + 1), *o = out;
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') {
            *o++ = '\\';
        }
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* ---- Privacy (spec section 4) -------------------------------------------- */

int people_sees_all(people_privacy_e mode, const people_caller_t *who)
{
    return who->is_admin || who->is_owner
           || (mode == PEOPLE_PRIVACY_MEMBERS && !who->is_visitor);
}

int people_sees_private(people_privacy_e mode, const people_caller_t *who,
                        const char *id)
{
    return people_sees_all(mode, who)
           || (who->id && id && strcmp(who->id, id) == 0);
}

/* ---- Query parameters ---------------------------------------------------- */

static int people_hexval(char c)
{
    return apr_isdigit(c) ? c - '0' : apr_tolower(c) - 'a' + 10;
}

/* Decodes one x-www-form-urlencoded component (+ is a space; a % not
 * followed by two hex digits is kept as it is). */
static char *people_url_decode(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        }
        else if (s[i] == '%' && i + 2 < n && apr_isxdigit(s[i + 1])
                 && apr_isxdigit(s[i + 2])) {
            *o++ = (char)(people_hexval(s[i + 1]) * 16
                          + people_hexval(s[i + 2]));
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The query string as a table; apr tables compare keys without regard to
 * case, so StartIndex, startindex and startIndex are one parameter. A
 * repeated parameter: the last one counts. */
static apr_table_t *people_query_table(apr_pool_t *p, const char *args)
{
    apr_table_t *t = apr_table_make(p, 8);
    const char *s = args;

    while (s && *s) {
        const char *end = strchr(s, '&');
        const char *eq;
        size_t n = end ? (size_t)(end - s) : strlen(s);
        eq = memchr(s, '=', n);
        if (n) {
            size_t kn = eq ? (size_t)(eq - s) : n;
            apr_table_set(t, people_url_decode(p, s, kn),
                          eq ? people_url_decode(p, eq + 1, n - kn - 1) : "");
        }
        s = end ? end + 1 : NULL;
    }
    return t;
}

typedef struct {
    const char *name;
    int value;
} people_named_t;

/* A value given as one of the numbers or names of the list (names
 * case-insensitive). */
static int people_enum(const char *v, const people_named_t *names, int *out)
{
    for (; names->name; names++) {
        if (strcasecmp(v, names->name) == 0) {
            *out = names->value;
            return 1;
        }
    }
    return 0;
}

/* Digits only, at most max. */
static int people_number(const char *v, apr_int64_t max, apr_int64_t *out)
{
    apr_int64_t n = 0;
    if (!*v || strlen(v) > 12) {
        return 0;
    }
    for (; *v; v++) {
        if (!apr_isdigit(*v)) {
            return 0;
        }
        n = n * 10 + (*v - '0');
    }
    if (n > max) {
        return 0;
    }
    *out = n;
    return 1;
}

static const people_named_t people_keys[] = {
    {"displayName", PEOPLE_KEY_DISPLAYNAME}, {"firstName", PEOPLE_KEY_FIRSTNAME},
    {"lastName", PEOPLE_KEY_LASTNAME}, {"userName", PEOPLE_KEY_USERNAME},
    {"email", PEOPLE_KEY_EMAIL}, {"department", PEOPLE_KEY_DEPARTMENT},
    {"title", PEOPLE_KEY_TITLE}, {"location", PEOPLE_KEY_LOCATION},
    {NULL, 0}
};
static const people_named_t people_orders[] = {
    {"ascending", 0}, {"asc", 0}, {"descending", 1}, {"desc", 1}, {NULL, 0}
};
static const people_named_t people_ops[] = {
    {"contains", PEOPLE_OP_CONTAINS}, {"equals", PEOPLE_OP_EQUALS},
    {"startsWith", PEOPLE_OP_STARTSWITH}, {NULL, 0}
};
static const people_named_t people_statuses[] = {
    {"1", 1}, {"Active", 1}, {"2", 2}, {"Terminated", 2},
    {"4", 4}, {"LeaveOfAbsence", 4}, {NULL, 0}
};
static const people_named_t people_activations[] = {
    {"0", 0}, {"NotActivated", 0}, {"1", 1}, {"Activated", 1},
    {"2", 2}, {"Pending", 2}, {"3", 3}, {"AutoGenerated", 3}, {NULL, 0}
};
static const people_named_t people_types[] = {
    {"0", -1}, {"All", -1}, {"1", 0}, {"User", 0}, {"2", 1},
    {"Visitor", 1}, {"Guest", 1}, {NULL, 0}
};
static const people_named_t people_bools[] = {
    {"true", 1}, {"1", 1}, {"false", 0}, {"0", 0}, {NULL, 0}
};

/* Checks a text parameter: valid UTF-8, no control characters, at most
 * 1024 bytes. */
static const char *people_text_param(apr_pool_t *p, const char *name,
                                     const char *v)
{
    const char *why = people_value_problem(v, strlen(v));
    return why ? apr_psprintf(p, "%s: %s", name, why) : NULL;
}

/* filterValue: words for a search in every visible field, or with
 * filterBy one phrase for that field. */
static const char *people_filter_value(apr_pool_t *p, const char *name,
                                       const char *v, people_dir_query_t *q)
{
    const char *bad = people_text_param(p, name, v);
    char *copy, *word, *last = NULL;

    if (bad) {
        return bad;
    }
    v = people_fold(p, v);
    if (q->filter_by >= 0) {
        q->phrase = *v ? v : NULL;
        return NULL;
    }
    copy = apr_pstrdup(p, v);
    for (word = apr_strtok(copy, " \t", &last); word;
         word = apr_strtok(NULL, " \t", &last)) {
        if (q->nwords == PEOPLE_DIR_WORDS) {
            return apr_psprintf(p, "%s: at most %d words", name,
                                PEOPLE_DIR_WORDS);
        }
        q->words[q->nwords++] = word;
    }
    return NULL;
}

/* fields=a,b,c: those keys (unknown ones ignored), and id. */
static people_fields_t people_fields_param(const char *v)
{
    people_fields_t m = PEOPLE_FIELD(PEOPLE_F_ID);
    while (*v) {
        size_t n = strcspn(v, ",");
        const char *s = v;
        size_t k = n;
        int f;
        while (k && *s == ' ') {
            s++;
            k--;
        }
        while (k && s[k - 1] == ' ') {
            k--;
        }
        if ((f = people_field_lookup(s, k)) >= 0) {
            m |= PEOPLE_FIELD(f);
        }
        v += n;
        if (*v == ',') {
            v++;
        }
    }
    return m;
}

#define PEOPLE_SIMPLE_FIELDS \
    (PEOPLE_FIELD(PEOPLE_F_ID) | PEOPLE_FIELD(PEOPLE_F_DISPLAYNAME) \
     | PEOPLE_FIELD(PEOPLE_F_TITLE) | PEOPLE_FIELD(PEOPLE_F_AVATARSMALL) \
     | PEOPLE_FIELD(PEOPLE_F_PROFILEURL))

/* "name: 'value' is not what it must be"; a value that is long, not
 * UTF-8 or holds control characters is not repeated (the message is
 * JSON text, and goes to the log). */
static const char *people_bad(apr_pool_t *p, const char *name, const char *v,
                              const char *want)
{
    if (strlen(v) > 64 || people_value_problem(v, strlen(v))) {
        return apr_psprintf(p, "%s: the value is not %s", name, want);
    }
    return apr_psprintf(p, "%s: '%s' is not %s", name, v, want);
}

/* The parameters of every route: paging, sorting, filterValue, fields. */
static const char *people_common_params(apr_pool_t *p, apr_table_t *t,
                                        people_dir_query_t *q)
{
    const char *v;
    apr_int64_t n;
    int e;

    if ((v = apr_table_get(t, "startIndex"))) {
        if (!people_number(v, 2147483647, &n)) {
            return people_bad(p, "startIndex", v,
                              "a number from 0 to 2147483647");
        }
        q->start = n;
    }
    if ((v = apr_table_get(t, "count"))) {
        if (!people_number(v, PEOPLE_DIR_COUNT_MAX, &n)) {
            return people_bad(p, "count", v, apr_psprintf(p, "a number from "
                              "0 to %d", PEOPLE_DIR_COUNT_MAX));
        }
        q->count = (int)n;
    }
    if ((v = apr_table_get(t, "sortBy"))) {
        if (!people_enum(v, people_keys, &e)) {
            return people_bad(p, "sortBy", v, "displayName, firstName, "
                              "lastName, userName, email, department, title "
                              "or location");
        }
        q->sort_by = (people_key_e)e;
    }
    if ((v = apr_table_get(t, "sortOrder"))) {
        if (!people_enum(v, people_orders, &q->descending)) {
            return people_bad(p, "sortOrder", v, "ascending or descending");
        }
    }
    if ((v = apr_table_get(t, "filterBy")) && *v) {
        if (!people_enum(v, people_keys, &q->filter_by)) {
            return people_bad(p, "filterBy", v, "displayName, firstName, "
                              "lastName, userName, email, department, title "
                              "or location");
        }
    }
    if ((v = apr_table_get(t, "filterOp")) && *v) {
        if (!people_enum(v, people_ops, &e)) {
            return people_bad(p, "filterOp", v,
                              "contains, equals or startsWith");
        }
        q->filter_op = (people_filterop_e)e;
    }
    if ((v = apr_table_get(t, "filterValue"))) {
        const char *bad = people_filter_value(p, "filterValue", v, q);
        if (bad) {
            return bad;
        }
    }
    if ((v = apr_table_get(t, "fields")) && *v) {
        q->fields = people_fields_param(v);
    }
    return NULL;
}

/* The parameters of /filter and /simple/filter. */
static const char *people_filter_params(apr_pool_t *p, apr_table_t *t,
                                        people_dir_query_t *q)
{
    const char *v;
    int e;

    if ((v = apr_table_get(t, "employeeStatus")) && *v) {
        if (!people_enum(v, people_statuses, &q->status)) {
            return people_bad(p, "employeeStatus", v, "1/Active, "
                              "2/Terminated or 4/LeaveOfAbsence");
        }
    }
    if ((v = apr_table_get(t, "activationStatus")) && *v) {
        if (!people_enum(v, people_activations, &q->activation)) {
            return people_bad(p, "activationStatus", v, "0/NotActivated, "
                              "1/Activated, 2/Pending or 3/AutoGenerated");
        }
    }
    if ((v = apr_table_get(t, "employeeType")) && *v) {
        if (!people_enum(v, people_types, &q->visitor)) {
            return people_bad(p, "employeeType", v,
                              "0/All, 1/User or 2/Visitor");
        }
    }
    if ((v = apr_table_get(t, "isAdministrator")) && *v) {
        if (!people_enum(v, people_bools, &e)) {
            return people_bad(p, "isAdministrator", v, "true or false");
        }
        q->admins = e;
    }
    if ((v = apr_table_get(t, "groupId")) && *v) {
        if (!(q->group_id = people_uuid_normalise(p, v))) {
            return people_bad(p, "groupId", v, "a UUID");
        }
    }
    return NULL;
}

static void people_query_defaults(people_dir_query_t *q)
{
    memset(q, 0, sizeof(*q));
    q->count = PEOPLE_DIR_COUNT_DEFAULT;
    q->sort_by = PEOPLE_KEY_DISPLAYNAME;
    q->filter_by = -1;
    q->filter_op = PEOPLE_OP_CONTAINS;
    q->fields = PEOPLE_FIELDS_ALL;
    q->activation = -1;
    q->visitor = -1;
}

/* The route's own value: /status/{status}, the search query, the email. */
static const char *people_route_params(apr_pool_t *p,
                                       people_dir_route_e route,
                                       apr_table_t *t, const char *seg,
                                       people_dir_query_t *q)
{
    const char *v, *bad;

    switch (route) {
    case PEOPLE_DIR_STATUS:
        if (!seg || !people_enum(seg, people_statuses, &q->status)) {
            return people_bad(p, "status", seg ? seg : "", "1/Active, "
                              "2/Terminated or 4/LeaveOfAbsence");
        }
        return NULL;
    case PEOPLE_DIR_FILTER:
    case PEOPLE_DIR_SIMPLE:
        return people_filter_params(p, t, q);
    case PEOPLE_DIR_SEARCH:
        /* the query replaces any filterValue: words in every field */
        v = seg ? seg : apr_table_get(t, "query");
        q->nwords = 0;
        q->filter_by = -1;
        q->phrase = NULL;
        return v ? people_filter_value(p, "query", v, q) : NULL;
    case PEOPLE_DIR_EMAIL:
        v = apr_table_get(t, "email");
        if (!v || !*v) {
            return "email: the email to look up is missing";
        }
        if ((bad = people_text_param(p, "email", v))) {
            return bad;
        }
        q->email = people_fold(p, v);
        return NULL;
    default:
        return NULL;
    }
}

const char *people_dir_parse(apr_pool_t *p, people_dir_route_e route,
                             const char *args, const char *seg,
                             people_dir_query_t *q)
{
    apr_table_t *t = people_query_table(p, args);
    const char *bad;

    people_query_defaults(q);
    if ((bad = people_common_params(p, t, q))
        || (bad = people_route_params(p, route, t, seg, q))) {
        return bad;
    }
    if (route == PEOPLE_DIR_SIMPLE) {
        q->fields &= PEOPLE_SIMPLE_FIELDS;
    }
    return NULL;
}

/* ---- Stored keys ----------------------------------------------------------- */

typedef struct {
    people_db_t *db;
    apr_array_header_t *rows;   /* of const char *[8] */
} people_keyrows_t;

static void people_key_row(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                           int ncols, void *baton)
{
    const char **cols = apr_pcalloc(p, 8 * sizeof(*cols));
    int i;
    for (i = 0; i < 8 && i < ncols; i++) {
        const char *v = people_db_col(db, row, i);
        cols[i] = v ? apr_pstrdup(p, v) : NULL;
    }
    APR_ARRAY_PUSH((apr_array_header_t *)baton, const char **) = cols;
}

/* cols: id, username, first, last, email, title, department, location. */
static people_rc_e people_store_keys(apr_pool_t *p, people_db_t *db,
                                     const char **cols, const char **err)
{
    const char *first = cols[2] ? cols[2] : "";
    const char *last = cols[3] ? cols[3] : "";
    const char *title = people_fold(p, cols[5]);
    const char *dept = people_fold(p, cols[6]);
    const char *loc = people_fold(p, cols[7]);
    const char *f = people_fold(p, first), *l = people_fold(p, last);
    const char *email = people_fold(p, cols[4]);
    /* the email, then the fields every caller sees, one a line: a word
     * has no newline, so it never matches across two fields, and a match
     * after the first newline is never in the email */
    const char *search = apr_pstrcat(p, email, "\n", f, "\n", l, "\n",
                                     people_fold(p, cols[1]), "\n", title,
                                     "\n", dept, "\n", loc, NULL);
    const char *display = people_fold(p, apr_pstrcat(p, first,
                                      *first && *last ? " " : "", last,
                                      NULL));

    return people_db_exec(p, db, "people_dir_keys_set", NULL, err, f, l,
                          display, email, title, dept, loc,
                          search, cols[0]);
}

static people_rc_e people_refresh(apr_pool_t *p, people_db_t *db,
                                  const char *label, const char *id,
                                  const char **err)
{
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(const char **));
    people_rc_e rc;
    int i;

    rc = id ? people_db_select(p, db, label, people_key_row, rows, NULL, err,
                               id)
            : people_db_select(p, db, label, people_key_row, rows, NULL, err);
    for (i = 0; rc == PEOPLE_OK && i < rows->nelts; i++) {
        rc = people_store_keys(p, db, APR_ARRAY_IDX(rows, i, const char **),
                               err);
    }
    return rc;
}

people_rc_e people_dir_refresh_keys(apr_pool_t *p, people_db_t *db,
                                    const char *id, const char **err)
{
    return people_refresh(p, db, "people_dir_keys_of", id, err);
}

people_rc_e people_dir_refresh_all_keys(apr_pool_t *p, people_db_t *db,
                                        const char **err)
{
    return people_refresh(p, db, "people_dir_keys_all", NULL, err);
}

/* ---- One page ------------------------------------------------------------ */

/* Placeholders of DIR_WHERE: 9 for the filters, 4 per word, 5 for
 * filterBy; then 2 for a masked email sort and 2 for LIMIT/OFFSET. */
#define WHERE_ARGS (9 + 4 * PEOPLE_DIR_WORDS + 5)
#define PAGE_ARGS_MAX (WHERE_ARGS + 4)
#define CHUNK 100

static const char *people_sort_names[PEOPLE_KEY_COUNT] = {
    "displayname", "firstname", "lastname", "username", "email",
    "department", "title", "location"
};

/* The pattern of filterBy's phrase for its operator. */
static const char *people_phrase_pattern(apr_pool_t *p,
                                         const people_dir_query_t *q)
{
    const char *e = people_like_escape(p, q->phrase);
    switch (q->filter_op) {
    case PEOPLE_OP_EQUALS:
        return e;
    case PEOPLE_OP_STARTSWITH:
        return apr_pstrcat(p, e, "%", NULL);
    default:
        return apr_pstrcat(p, "%", e, "%", NULL);
    }
}

/* The values of DIR_WHERE's placeholders, in their order. */
static int people_where_args(apr_pool_t *p, const people_dir_query_t *q,
                             const people_caller_t *who, int all,
                             const char **a)
{
    int admin = who->is_admin || who->is_owner, n = 0, i;
    const char *ev = all ? "1" : "0", *self = who->id ? who->id : "";
    const char *s1 = "1", *s2 = "4";

    if (q->status) {
        /* terminated users are listed to admins and the owner only */
        s1 = s2 = (q->status == 2 && !admin) ? "-1" : apr_itoa(p, q->status);
    }
    a[n++] = s1;
    a[n++] = s2;
    a[n++] = apr_itoa(p, q->activation);
    a[n++] = apr_itoa(p, q->activation);
    a[n++] = apr_itoa(p, q->visitor);
    a[n++] = apr_itoa(p, q->visitor);
    a[n++] = q->admins ? "1" : "0";
    a[n++] = q->group_id;
    a[n++] = q->group_id;
    for (i = 0; i < PEOPLE_DIR_WORDS; i++) {
        /* search_key starts with the email: a caller who may not see it
         * matches only after the first newline (people_store.c) */
        const char *pat = i < q->nwords
            ? apr_pstrcat(p, "%", people_like_escape(p, q->words[i]), "%",
                          NULL)
            : NULL;
        a[n++] = pat;
        a[n++] = pat && !all ? apr_pstrcat(p, "%\n", pat, NULL) : pat;
        a[n++] = self;
        a[n++] = pat;
    }
    a[n++] = q->phrase ? apr_itoa(p, q->filter_by) : "-1";
    a[n++] = q->phrase ? apr_itoa(p, q->filter_by) : "-1";
    a[n++] = ev;
    a[n++] = self;
    a[n++] = q->phrase ? people_phrase_pattern(p, q) : "";
    return n;
}

static void people_count_row(apr_pool_t *p, people_db_t *db,
                             apr_dbd_row_t *row, int ncols, void *baton)
{
    const char *v = people_db_col(db, row, 0);
    (void)p;
    (void)ncols;
    *(apr_int64_t *)baton = v ? apr_atoi64(v) : 0;
}

static void people_id_row(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                          int ncols, void *baton)
{
    (void)ncols;
    APR_ARRAY_PUSH((apr_array_header_t *)baton, const char *) =
        apr_pstrdup(p, people_db_col(db, row, 0));
}

/* The profiles of a page by id, with their groups and contacts. */
typedef struct {
    apr_hash_t *by_id;
} people_batch_t;

static void people_batch_profile(apr_pool_t *p, people_db_t *db,
                                 apr_dbd_row_t *row, int ncols, void *baton)
{
    people_batch_t *b = baton;
    people_profile_t *u = apr_pcalloc(p, sizeof(*u));
    people_profile_row(p, db, row, ncols, u);
    if (u->id) {
        u->groups = apr_array_make(p, 1, sizeof(people_group_t));
        u->contacts = apr_array_make(p, 4, sizeof(people_contact_t));
        apr_hash_set(b->by_id, u->id, APR_HASH_KEY_STRING, u);
    }
}

static people_profile_t *people_batch_owner(people_db_t *db,
                                            apr_dbd_row_t *row,
                                            people_batch_t *b)
{
    const char *id = people_db_col(db, row, 0);
    return id ? apr_hash_get(b->by_id, id, APR_HASH_KEY_STRING) : NULL;
}

static const char *people_dup(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static void people_batch_group(apr_pool_t *p, people_db_t *db,
                               apr_dbd_row_t *row, int ncols, void *baton)
{
    people_profile_t *u = people_batch_owner(db, row, baton);
    people_group_t *g;
    (void)ncols;
    if (u) {
        g = apr_array_push(u->groups);
        g->id = people_dup(p, people_db_col(db, row, 1));
        g->name = people_dup(p, people_db_col(db, row, 2));
        g->manager = people_dup(p, people_db_col(db, row, 3));
    }
}

static void people_batch_contact(apr_pool_t *p, people_db_t *db,
                                 apr_dbd_row_t *row, int ncols, void *baton)
{
    people_profile_t *u = people_batch_owner(db, row, baton);
    people_contact_t *c;
    const char *v;
    (void)ncols;
    if (u) {
        c = apr_array_push(u->contacts);
        c->type = people_dup(p, people_db_col(db, row, 1));
        v = people_db_col(db, row, 2);
        c->value = v ? apr_pstrdup(p, v) : "";
    }
}

/* Reads ids[from, from + CHUNK) with one statement per kind: profiles,
 * then groups and contacts when the projection shows them. Contacts are
 * read only for the people whose contacts the caller sees. */
static people_rc_e people_read_chunk(apr_pool_t *p, people_db_t *db,
                                     const apr_array_header_t *ids, int from,
                                     const people_dir_query_t *q,
                                     const people_caller_t *who,
                                     people_privacy_e mode,
                                     people_batch_t *b, const char **err)
{
    const char *a[CHUNK], *c[CHUNK];
    people_rc_e rc;
    int i;

    for (i = 0; i < CHUNK; i++) {
        int k = from + i;
        a[i] = k < ids->nelts ? APR_ARRAY_IDX(ids, k, const char *) : NULL;
        c[i] = a[i] && people_sees_private(mode, who, a[i]) ? a[i] : NULL;
    }
    if ((rc = people_db_selectv(p, db, "people_dir_profiles",
                                people_batch_profile, b, NULL, err, CHUNK,
                                a)) != PEOPLE_OK) {
        return rc;
    }
    if ((q->fields & PEOPLE_FIELD(PEOPLE_F_GROUPS))
        && (rc = people_db_selectv(p, db, "people_dir_groups",
                                   people_batch_group, b, NULL, err, CHUNK,
                                   a)) != PEOPLE_OK) {
        return rc;
    }
    if (q->fields & PEOPLE_FIELD(PEOPLE_F_CONTACTS)) {
        return people_db_selectv(p, db, "people_dir_contacts",
                                 people_batch_contact, b, NULL, err, CHUNK,
                                 c);
    }
    return PEOPLE_OK;
}

/* Is the status the only filter? Then the count runs over the status
 * index and the page is read in sort-index order. */
static int people_status_only(const people_dir_query_t *q)
{
    return q->nwords == 0 && !q->phrase && q->activation < 0
           && q->visitor < 0 && !q->admins && !q->group_id;
}

/* The total, and the ids of the page in order (see people_store.c for
 * the two plans). The page comes first: when it is not full, and not
 * past the end, it holds the last matches and gives the total without the
 * counting scan. */
static people_rc_e people_page_ids(apr_pool_t *p, people_db_t *db,
                                   const people_dir_query_t *q,
                                   const people_caller_t *who, int all,
                                   apr_int64_t *total,
                                   apr_array_header_t *ids, const char **err)
{
    const char *a[PAGE_ARGS_MAX];
    const char *key = people_sort_names[q->sort_by];
    int nwhere = people_where_args(p, q, who, all, a), n = nwhere;
    int plain = people_status_only(q);
    people_rc_e rc;

    *total = 0;
    if (q->count > 0) {
        if (q->sort_by == PEOPLE_KEY_EMAIL && !all) {
            /* hidden emails sort as empty */
            key = "emailmasked";
            a[n++] = "0";
            a[n++] = who->id ? who->id : "";
        }
        a[n++] = apr_itoa(p, q->count);
        a[n++] = apr_psprintf(p, "%" APR_INT64_T_FMT, q->start);
        rc = people_db_selectv(p, db,
                               apr_pstrcat(p, plain ? "people_dir_page_"
                                                    : "people_dir_find_",
                                           key, q->descending ? "_desc"
                                                              : "_asc",
                                           NULL),
                               people_id_row, ids, NULL, err, n, a);
        if (rc != PEOPLE_OK) {
            return rc;
        }
        if (ids->nelts < q->count && (ids->nelts > 0 || q->start == 0)) {
            *total = q->start + ids->nelts;
            return PEOPLE_OK;
        }
    }
    return plain ? people_db_selectv(p, db, "people_dir_count_status",
                                     people_count_row, total, NULL, err, 2, a)
                 : people_db_selectv(p, db, "people_dir_count",
                                     people_count_row, total, NULL, err,
                                     nwhere, a);
}

static people_rc_e people_page_read(apr_pool_t *p, people_db_t *db,
                                    const people_dir_query_t *q,
                                    const people_caller_t *who,
                                    people_privacy_e mode,
                                    people_url_fn url_fn, void *url_baton,
                                    people_page_t *out, const char **err)
{
    apr_array_header_t *ids = apr_array_make(p, q->count ? q->count : 1,
                                             sizeof(const char *));
    people_batch_t b = {apr_hash_make(p)};
    people_rc_e rc;
    int i;

    rc = people_page_ids(p, db, q, who, people_sees_all(mode, who),
                         &out->total, ids, err);
    for (i = 0; rc == PEOPLE_OK && i < ids->nelts; i += CHUNK) {
        rc = people_read_chunk(p, db, ids, i, q, who, mode, &b, err);
    }
    if (rc != PEOPLE_OK) {
        return rc;
    }
    out->items = apr_pcalloc(p, (ids->nelts + 1) * sizeof(people_item_t));
    out->n = 0;
    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        people_profile_t *u = apr_hash_get(b.by_id, id, APR_HASH_KEY_STRING);
        people_item_t *it;
        if (!u) {
            continue;
        }
        it = &out->items[out->n++];
        it->profile = u;
        it->full = people_sees_private(mode, who, id);
        it->url = url_fn ? url_fn(p, u, url_baton) : NULL;
    }
    return PEOPLE_OK;
}

people_rc_e people_dir_page(apr_pool_t *p, people_db_t *db,
                            const people_dir_query_t *q,
                            const people_caller_t *who,
                            people_privacy_e mode, people_url_fn url_fn,
                            void *url_baton, people_page_t *out,
                            const char **err)
{
    people_txn_t *t;
    people_rc_e rc;
    const char *ignored = NULL;

    memset(out, 0, sizeof(*out));
    if ((rc = people_db_begin_read(p, db, &t, err)) != PEOPLE_OK) {
        return rc;
    }
    rc = people_page_read(p, db, q, who, mode, url_fn, url_baton, out, err);
    if (rc != PEOPLE_OK) {
        people_db_end(t, 0, &ignored);
        return rc;
    }
    return people_db_end(t, 1, err);
}

people_rc_e people_dir_email(apr_pool_t *p, people_db_t *db,
                             const people_dir_query_t *q,
                             const people_caller_t *who,
                             people_privacy_e mode, const char **id,
                             const char **err)
{
    int admin = who->is_admin || who->is_owner;
    people_rc_e rc;
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(const char *));

    rc = people_db_select(p, db, "people_dir_email", people_id_row, ids, NULL,
                          err, q->email,
                          people_sees_all(mode, who) ? "1" : "0",
                          who->id ? who->id : "", admin ? "1" : "0");
    if (rc != PEOPLE_OK) {
        return rc;
    }
    if (ids->nelts == 0) {
        return PEOPLE_NOT_FOUND;
    }
    *id = APR_ARRAY_IDX(ids, 0, const char *);
    return PEOPLE_OK;
}
