/* people-admin: the administrator's command line. Same driver and
 * parameter strings as DBDriver / DBDParams; same store code as the
 * module. Errors go to stderr with exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_dbd.h>

#include "../src/people_contacts.h"
#include "../src/people_identity.h"
#include "../src/people_directory.h"
#include "../src/people_fields.h"
#include "../src/people_profile.h"
#include "../src/people_route.h"
#include "../src/people_schema.h"
#include "../src/people_sqlite.h"
#include "../src/people_store.h"
#include "../src/people_token.h"
#include "people_admin.h"

static const char usage[] =
    "usage: people-admin [-d DRIVER] -p PARAMS COMMAND ...\n"
    "  init                              create or upgrade the schema\n"
    "  user add USERNAME --first-name F --last-name L --email E\n"
    "       [--id UUID] [--admin] [--owner] [--visitor] [--title T]\n"
    "       [--department D] [--group NAME]...   prints the new id\n"
    "  user show USER                    the profile as GET returns it\n"
    "  user list                         one line per user\n"
    "  user set USER [--first-name F] [--last-name L] [--email E]\n"
    "       [--title T] [--department D] [--location L] [--notes N]\n"
    "       [--birthday YYYY-MM-DD] [--sex male|female|none]\n"
    "       [--status active|terminated|leave] [--admin yes|no]\n"
    "       [--owner yes|no] [--visitor yes|no] [--group NAME]...\n"
    "       [--clear-groups]\n"
    "  token add USER [--token VALUE|-] [--expires-days N] [--label L]\n"
    "                                    prints the token (shown once);\n"
    "                                    --token - reads it from stdin\n"
    "  token list USER                   hash prefix, label, dates\n"
    "  token revoke TOKEN|-|HASHPREFIX   the token (- reads it from stdin),\n"
    "                                    or the hash prefix token list shows\n"
    "                                    (8 characters or more)\n"
    "  token revoke --label L [--user USER]\n"
    "  import FILE|- [--dry-run] [--terminate-missing]\n"
    "                                    CSV or JSON Lines, one transaction\n"
    "  sync-ldap --url URL --base DN [--filter F] [--bind-dn DN\n"
    "       --password-file FILE|-] [--map FIELD=ATTRIBUTE]...\n"
    "       [--dry-run] [--terminate-missing]\n"
    "USER is an id or a user name. DRIVER is sqlite3 (default) or pgsql.\n";

int fail(const char *fmt, ...)
{
    va_list ap;
    fputs("people-admin: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

const char *parse_opts(apr_pool_t *p, int argc, const char *const *argv,
                              const opt_def_t *defs, opts_t *out)
{
    int i;
    out->values = apr_table_make(p, 8);
    for (i = 0; i < argc; i++) {
        const opt_def_t *d;
        for (d = defs; d->name; d++) {
            if (!strcmp(argv[i], d->name)) {
                break;
            }
        }
        if (!d->name) {
            return apr_psprintf(p, "unknown option '%s'", argv[i]);
        }
        if (!d->repeat && apr_table_get(out->values, d->name)) {
            return apr_psprintf(p, "%s given twice", d->name);
        }
        if (d->takes_value) {
            if (i + 1 >= argc) {
                return apr_psprintf(p, "%s needs a value", d->name);
            }
            apr_table_add(out->values, d->name, argv[++i]);
        }
        else {
            apr_table_add(out->values, d->name, "");
        }
    }
    return NULL;
}

const char *opt(opts_t *o, const char *name)
{
    return apr_table_get(o->values, name);
}

/* The id of USER (an id or a user name). */
static int find_user(admin_t *a, const char *user, const char **id)
{
    const char *uuid = people_uuid_normalise(a->pool, user), *err = NULL;
    people_rc_e rc = uuid
        ? people_store_resolve(a->pool, &a->db, PEOPLE_USER_ID, uuid, id, &err)
        : people_store_resolve(a->pool, &a->db, PEOPLE_USER_NAME,
                               people_name_key(a->pool, user), id, &err);
    if (rc == PEOPLE_NOT_FOUND) {
        return fail("no user '%s'", user);
    }
    if (rc != PEOPLE_OK) {
        return fail("%s", err);
    }
    return 0;
}

static void read_first(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                       int ncols, void *baton)
{
    (void)ncols;
    *(const char **)baton = apr_pstrdup(p, people_db_col(db, row, 0));
}

/* Adds the user to each --group, creating groups that do not exist. */
static people_rc_e add_groups(admin_t *a, const char *id, opts_t *o,
                              const char **err)
{
    const apr_array_header_t *arr = apr_table_elts(o->values);
    int i;
    for (i = 0; i < arr->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(arr, i, apr_table_entry_t);
        const char *gid = NULL;
        people_rc_e rc;

        if (strcmp(e->key, "--group") != 0) {
            continue;
        }
        if (!*e->val) {
            *err = "a group name must not be empty";
            return PEOPLE_DB_ERROR;
        }
        rc = people_db_select(a->pool, &a->db, "people_admin_group_find",
                              read_first, &gid, NULL, err, e->val);
        if (rc == PEOPLE_OK && !gid) {
            gid = people_uuid_generate(a->pool);
            rc = people_db_exec(a->pool, &a->db, "people_admin_group_add",
                                NULL, err, gid, e->val);
        }
        if (rc == PEOPLE_OK) {
            rc = people_db_exec(a->pool, &a->db, "people_admin_member_add",
                                NULL, err, id, gid, id, gid);
        }
        if (rc != PEOPLE_OK) {
            return rc;
        }
    }
    return PEOPLE_OK;
}

/* The one check of a text option, for user add and user set alike. */
static int bad_field(const char *option, people_field_kind_e kind,
                     const char *v)
{
    const char *why = v ? people_field_problem(kind, v, strlen(v)) : NULL;
    return why ? fail("%s %s", option, why) : 0;
}

static int cmd_user_add(admin_t *a, int argc, const char *const *argv)
{
    static const opt_def_t defs[] = {
        {"--first-name", 1, 0}, {"--last-name", 1, 0}, {"--email", 1, 0},
        {"--id", 1, 0}, {"--admin", 0, 0}, {"--owner", 0, 0},
        {"--visitor", 0, 0}, {"--title", 1, 0}, {"--department", 1, 0},
        {"--group", 1, 1}, {NULL, 0, 0}
    };
    const char *name, *id, *err = NULL, *bad;
    people_txn_t *t;
    opts_t o;

    if (argc < 1) {
        return fail("user add needs a USERNAME\n%s", usage);
    }
    name = argv[0];
    if ((bad = parse_opts(a->pool, argc - 1, argv + 1, defs, &o))) {
        return fail("%s", bad);
    }
    if ((bad = people_username_problem(name)) != NULL) {
        return fail("'%s' cannot be a user name: it %s", name, bad);
    }
    if (people_uuid_normalise(a->pool, name)) {
        return fail("'%s' cannot be a user name: it is a UUID", name);
    }
    if (!opt(&o, "--first-name") || !opt(&o, "--last-name")
        || !opt(&o, "--email")) {
        return fail("user add needs --first-name, --last-name and --email");
    }
    if (bad_field("--first-name", PEOPLE_FIELD_NAME, opt(&o, "--first-name"))
        || bad_field("--last-name", PEOPLE_FIELD_NAME, opt(&o, "--last-name"))
        || bad_field("--email", PEOPLE_FIELD_TEXT, opt(&o, "--email"))
        || bad_field("--title", PEOPLE_FIELD_TEXT, opt(&o, "--title"))
        || bad_field("--department", PEOPLE_FIELD_TEXT,
                     opt(&o, "--department"))) {
        return 1;
    }
    if (!strchr(opt(&o, "--email"), '@')) {
        return fail("'%s' is not an email address", opt(&o, "--email"));
    }
    id = opt(&o, "--id") ? people_uuid_normalise(a->pool, opt(&o, "--id"))
                         : people_uuid_generate(a->pool);
    if (!id) {
        return fail("--id must be a UUID");
    }
    if (people_db_begin(a->pool, &a->db, ADMIN_WAIT_MS, &t, &err) != PEOPLE_OK
        || people_db_exec(a->pool, &a->db, "people_admin_user_add", NULL,
                          &err, id, name, people_name_key(a->pool, name),
                          opt(&o, "--first-name"), opt(&o, "--last-name"),
                          opt(&o, "--email"), opt(&o, "--admin") ? "1" : "0",
                          opt(&o, "--owner") ? "1" : "0",
                          opt(&o, "--visitor") ? "1" : "0",
                          opt(&o, "--title"), opt(&o, "--department"))
           != PEOPLE_OK
        || add_groups(a, id, &o, &err) != PEOPLE_OK
        || people_dir_refresh_keys(a->pool, &a->db, id, &err) != PEOPLE_OK
        || people_db_end(t, 1, &err) != PEOPLE_OK) {
        return fail("could not add '%s' (is the name or id taken?): %s", name,
                    err);
    }
    printf("%s\n", id);
    return 0;
}

static int cmd_user_show(admin_t *a, int argc, const char *const *argv)
{
    people_profile_t *u;
    const char *id, *err = NULL;
    json_t *j;
    char *out;

    if (argc != 1) {
        return fail("user show needs one USER");
    }
    if (find_user(a, argv[0], &id)) {
        return 1;
    }
    if (people_store_profile(a->pool, &a->db, id, &u, &err) != PEOPLE_OK) {
        return fail("%s", err ? err : "no such user");
    }
    j = people_profile_json(a->pool, u, 1,
                            people_profile_url(a->pool,
                                               "/Products/People/Profile.aspx"
                                               "?user={userName}", u));
    out = json_dumps(j, JSON_INDENT(2));
    printf("%s\n", out);
    free(out);
    return 0;
}

static void print_user(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                       int ncols, void *baton)
{
    static const char *const status[] = {"?", "active", "terminated", "?",
                                         "leave"};
    const char *st = people_db_col(db, row, 5);
    int s = st ? atoi(st) : 0;
    (void)p; (void)ncols; (void)baton;
    printf("%s\t%s\t%s %s\t%s\t%s%s%s\n", people_db_col(db, row, 0),
           people_db_col(db, row, 1), people_db_col(db, row, 2),
           people_db_col(db, row, 3), people_db_col(db, row, 4) ?
           people_db_col(db, row, 4) : "-",
           status[s >= 0 && s <= 4 ? s : 0],
           atoi(people_db_col(db, row, 6)) ? ",admin" : "",
           atoi(people_db_col(db, row, 7)) ? ",owner" : "");
}

static int cmd_user_list(admin_t *a, int argc, const char *const *argv)
{
    const char *err = NULL;
    (void)argv;
    if (argc != 0) {
        return fail("user list takes no arguments");
    }
    if (people_db_select(a->pool, &a->db, "people_admin_user_list",
                         print_user, NULL, NULL, &err) != PEOPLE_OK) {
        return fail("%s", err);
    }
    return 0;
}

/* yes/no to "1"/"0" */
static const char *yes_no(const char *v)
{
    if (!strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "true")) {
        return "1";
    }
    if (!strcasecmp(v, "no") || !strcmp(v, "0") || !strcasecmp(v, "false")) {
        return "0";
    }
    return NULL;
}

static int is_date(const char *v)
{
    int i;
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-') {
        return 0;
    }
    for (i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !apr_isdigit(v[i])) {
            return 0;
        }
    }
    return 1;
}

static int cmd_user_set(admin_t *a, int argc, const char *const *argv)
{
    /* option, column, kind: n name, s text, N notes, b yes/no, d date */
    static const struct { const char *opt, *col; char kind; } cols[] = {
        {"--first-name", "first_name", 'n'}, {"--last-name", "last_name", 'n'},
        {"--email", "email", 's'}, {"--title", "title", 's'},
        {"--department", "department", 's'}, {"--location", "location", 's'},
        {"--notes", "notes", 'N'}, {"--birthday", "birthday", 'd'},
        {"--admin", "is_admin", 'b'}, {"--owner", "is_owner", 'b'},
        {"--visitor", "is_visitor", 'b'}, {NULL, NULL, 0}
    };
    static const opt_def_t defs[] = {
        {"--first-name", 1, 0}, {"--last-name", 1, 0}, {"--email", 1, 0},
        {"--title", 1, 0}, {"--department", 1, 0}, {"--location", 1, 0},
        {"--notes", 1, 0}, {"--birthday", 1, 0}, {"--sex", 1, 0},
        {"--status", 1, 0}, {"--admin", 1, 0}, {"--owner", 1, 0},
        {"--visitor", 1, 0}, {"--group", 1, 1}, {"--clear-groups", 0, 0},
        {NULL, 0, 0}
    };
    const char *id, *err = NULL, *bad, *v;
    people_txn_t *t;
    opts_t o;
    int i;

    if (argc < 1) {
        return fail("user set needs a USER");
    }
    if ((bad = parse_opts(a->pool, argc - 1, argv + 1, defs, &o))) {
        return fail("%s", bad);
    }
    if (apr_is_empty_table(o.values)) {
        return fail("user set: nothing to change");
    }
    if (find_user(a, argv[0], &id)) {
        return 1;
    }
    if (people_db_begin(a->pool, &a->db, ADMIN_WAIT_MS, &t, &err) != PEOPLE_OK) {
        return fail("%s", err);
    }
#define SET(col, val) \
    if (people_db_exec(a->pool, &a->db, "people_admin_set_" col, NULL, &err, \
                       (val), id) != PEOPLE_OK) { \
        return fail("%s", err); \
    }
    for (i = 0; cols[i].opt; i++) {
        const char *label;
        if (!(v = opt(&o, cols[i].opt))) {
            continue;
        }
        if (cols[i].kind == 'b' && !(v = yes_no(v))) {
            return fail("%s takes yes or no", cols[i].opt);
        }
        if (cols[i].kind == 'd') {
            if (*v && !is_date(v)) {
                return fail("%s takes YYYY-MM-DD", cols[i].opt);
            }
            v = *v ? apr_pstrcat(a->pool, v, "T00:00:00.0000000Z", NULL)
                   : NULL;
        }
        if (strchr("nsN", cols[i].kind)
            && bad_field(cols[i].opt, cols[i].kind == 'n' ? PEOPLE_FIELD_NAME
                                      : cols[i].kind == 'N'
                                      ? PEOPLE_FIELD_NOTES : PEOPLE_FIELD_TEXT,
                         v)) {
            return 1;
        }
        label = apr_pstrcat(a->pool, "people_admin_set_", cols[i].col, NULL);
        if (people_db_exec(a->pool, &a->db, label, NULL, &err, v, id)
            != PEOPLE_OK) {
            return fail("%s", err);
        }
    }
    if ((v = opt(&o, "--sex"))) {
        const char *sex = !strcmp(v, "male") ? "1" : !strcmp(v, "female")
                          ? "0" : !strcmp(v, "none") ? NULL : "x";
        if (sex && *sex == 'x') {
            return fail("--sex takes male, female or none");
        }
        SET("sex", sex);
    }
    if ((v = opt(&o, "--status"))) {
        const char *st = !strcmp(v, "active") ? "1"
                         : !strcmp(v, "terminated") ? "2"
                         : !strcmp(v, "leave") ? "4" : NULL;
        char date[64];
        time_t now = time(NULL);
        if (!st) {
            return fail("--status takes active, terminated or leave");
        }
        SET("status", st);
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S.0000000Z",
                 gmtime(&now));
        SET("terminated", *st == '2' ? date : NULL);
    }
    if (opt(&o, "--clear-groups")
        && people_db_exec(a->pool, &a->db, "people_admin_member_clear", NULL,
                          &err, id) != PEOPLE_OK) {
        return fail("%s", err);
    }
    /* the directory's lower-case keys follow the fields just set */
    /* the groups are part of the profile: a new version, a new ETag */
    if ((opt(&o, "--clear-groups") || opt(&o, "--group"))
        && people_db_exec(a->pool, &a->db, "people_admin_bump", NULL, &err,
                          id) != PEOPLE_OK) {
        return fail("%s", err);
    }
    if (add_groups(a, id, &o, &err) != PEOPLE_OK
        || people_dir_refresh_keys(a->pool, &a->db, id, &err) != PEOPLE_OK
        || people_db_end(t, 1, &err) != PEOPLE_OK) {
        return fail("%s", err);
    }
#undef SET
    return 0;
}

/* Reads one token from standard input, so that it never shows in the
 * process list: the first line, without its line end. */
static const char *token_from_stdin(apr_pool_t *p)
{
    char buf[1024];
    size_t n;

    if (!fgets(buf, sizeof(buf), stdin)) {
        return NULL;
    }
    n = strlen(buf);
    if (n == sizeof(buf) - 1 && buf[n - 1] != '\n') {
        return NULL;                    /* longer than any token */
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    return apr_pstrdup(p, buf);
}

/* A token the administrator chose: one word of visible characters, at
 * least 20 of them, not all the same. */
static const char *token_problem(apr_pool_t *p, const char *token)
{
    const char *word = token ? people_token_from_headers(p, token, NULL)
                             : NULL;
    size_t i, n;

    if (!word || strcmp(word, token)) {
        return "a token is one word of visible characters";
    }
    n = strlen(token);
    if (n < 20) {
        return "a token must be at least 20 characters";
    }
    for (i = 1; i < n && token[i] == token[0]; i++) {
    }
    if (i == n) {
        return "a token must not be one character repeated";
    }
    return NULL;
}

static int cmd_token_add(admin_t *a, int argc, const char *const *argv)
{
    static const opt_def_t defs[] = {
        {"--token", 1, 0}, {"--expires-days", 1, 0}, {"--label", 1, 0},
        {NULL, 0, 0}
    };
    const char *id, *err = NULL, *bad, *token, *expires = NULL, *days;
    apr_int64_t now = (apr_int64_t)time(NULL);
    opts_t o;

    if (argc < 1) {
        return fail("token add needs a USER");
    }
    if ((bad = parse_opts(a->pool, argc - 1, argv + 1, defs, &o))) {
        return fail("%s", bad);
    }
    token = opt(&o, "--token");
    if (token && !strcmp(token, "-")) {
        token = token_from_stdin(a->pool);
    }
    if (!opt(&o, "--token")) {
        token = people_token_generate(a->pool);
    }
    else if ((bad = token_problem(a->pool, token)) != NULL) {
        return fail("%s", bad);
    }
    if ((days = opt(&o, "--expires-days"))) {
        char *end;
        apr_int64_t n = apr_strtoi64(days, &end, 10);
        if (!*days || *end || n < 0 || n > 36500) {
            return fail("--expires-days takes a whole number of days");
        }
        expires = apr_psprintf(a->pool, "%" APR_INT64_T_FMT,
                               now + n * 86400);
    }
    if (find_user(a, argv[0], &id)) {
        return 1;
    }
    if (people_db_exec(a->pool, &a->db, "people_admin_token_add", NULL, &err,
                       people_token_hash(a->pool, token), id,
                       opt(&o, "--label"),
                       apr_psprintf(a->pool, "%" APR_INT64_T_FMT, now),
                       expires) != PEOPLE_OK) {
        return fail("could not add the token (is it in use?)");
    }
    printf("%s\n", token);
    return 0;
}

static void fmt_time(const char *epoch, char *buf, size_t n)
{
    time_t t;
    if (!epoch) {
        apr_cpystrn(buf, "never", n);
        return;
    }
    t = (time_t)apr_atoi64(epoch);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

static void print_token(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                        int ncols, void *baton)
{
    char created[32], expires[32];
    const char *revoked = people_db_col(db, row, 3);
    apr_int64_t now = *(apr_int64_t *)baton, exp;
    (void)p; (void)ncols;

    fmt_time(people_db_col(db, row, 1), created, sizeof(created));
    fmt_time(people_db_col(db, row, 2), expires, sizeof(expires));
    exp = people_db_col(db, row, 2) ? apr_atoi64(people_db_col(db, row, 2))
                                    : 0;
    /* the hash's first characters tell tokens apart; the token itself is
     * never stored */
    printf("%s\t%s\tcreated %s\texpires %s\t%s\n", people_db_col(db, row, 4),
           people_db_col(db, row, 0) ? people_db_col(db, row, 0) : "-",
           created, expires,
           revoked && atoi(revoked) ? "revoked"
           : (exp && exp <= now) ? "expired" : "active");
}

static int cmd_token_list(admin_t *a, int argc, const char *const *argv)
{
    const char *id, *err = NULL;
    apr_int64_t now = (apr_int64_t)time(NULL);
    if (argc != 1) {
        return fail("token list needs one USER");
    }
    if (find_user(a, argv[0], &id)) {
        return 1;
    }
    if (people_db_select(a->pool, &a->db, "people_admin_token_list",
                         print_token, &now, NULL, &err, id) != PEOPLE_OK) {
        return fail("%s", err);
    }
    return 0;
}

static void collect_first(apr_pool_t *p, people_db_t *db, apr_dbd_row_t *row,
                          int ncols, void *baton)
{
    (void)ncols;
    APR_ARRAY_PUSH((apr_array_header_t *)baton, const char *) =
        apr_pstrdup(p, people_db_col(db, row, 0));
}

/* Is s lowercase hex (what token list prints of a hash)? */
static int is_hex(const char *s)
{
    for (; *s; s++) {
        if (!apr_isdigit(*s) && (*s < 'a' || *s > 'f')) {
            return 0;
        }
    }
    return 1;
}

/* Revokes the one token a lookup found; none or several is an error that
 * names what was looked for. */
static int revoke_one(admin_t *a, apr_array_header_t *found, const char *what,
                      const char *narrow)
{
    const char *err = NULL;
    if (found->nelts == 0) {
        return fail("no such token (%s)", what);
    }
    if (found->nelts > 1) {
        return fail("%s matches %d tokens; nothing revoked (%s)", what,
                    found->nelts, narrow);
    }
    if (people_db_exec(a->pool, &a->db, "people_admin_token_revoke", NULL,
                       &err, APR_ARRAY_IDX(found, 0, const char *))
        != PEOPLE_OK) {
        return fail("%s", err);
    }
    return 0;
}

static int revoke_by_label(admin_t *a, int argc, const char *const *argv)
{
    static const opt_def_t defs[] = {
        {"--label", 1, 0}, {"--user", 1, 0}, {NULL, 0, 0}
    };
    apr_array_header_t *found = apr_array_make(a->pool, 2,
                                               sizeof(const char *));
    const char *bad, *id = NULL, *err = NULL, *label;
    people_rc_e rc;
    opts_t o;

    if ((bad = parse_opts(a->pool, argc, argv, defs, &o))) {
        return fail("%s", bad);
    }
    if (!(label = opt(&o, "--label"))) {
        return fail("token revoke --user needs --label L");
    }
    if (opt(&o, "--user") && find_user(a, opt(&o, "--user"), &id)) {
        return 1;
    }
    rc = id ? people_db_select(a->pool, &a->db,
                               "people_admin_token_by_label_user",
                               collect_first, found, NULL, &err, label, id)
            : people_db_select(a->pool, &a->db, "people_admin_token_by_label",
                               collect_first, found, NULL, &err, label);
    if (rc != PEOPLE_OK) {
        return fail("%s", err);
    }
    return revoke_one(a, found, apr_psprintf(a->pool, "label '%s'", label),
                      "narrow it with --user USER");
}

static int cmd_token_revoke(admin_t *a, int argc, const char *const *argv)
{
    apr_array_header_t *found;
    const char *err = NULL, *token;
    size_t len;
    int n = 0;

    if (argc >= 1 && !strncmp(argv[0], "--", 2)) {
        return revoke_by_label(a, argc, argv);
    }
    if (argc != 1) {
        return fail("token revoke needs one TOKEN, - (read from stdin), a "
                    "hash prefix, or --label L");
    }
    token = !strcmp(argv[0], "-") ? token_from_stdin(a->pool) : argv[0];
    if (!token || !*token) {
        return fail("no token on standard input");
    }
    /* the token itself first */
    if (people_db_exec(a->pool, &a->db, "people_admin_token_revoke", &n, &err,
                       people_token_hash(a->pool, token)) != PEOPLE_OK) {
        return fail("%s", err);
    }
    if (n > 0) {
        return 0;
    }
    /* else the hash prefix token list shows (never read from stdin: it is
     * no secret) */
    len = strlen(token);
    if (token == argv[0] && is_hex(token) && len <= 64) {
        if (len < 8) {
            return fail("a hash prefix needs at least 8 characters");
        }
        found = apr_array_make(a->pool, 2, sizeof(const char *));
        if (people_db_select(a->pool, &a->db, "people_admin_token_by_prefix",
                             collect_first, found, NULL, &err,
                             apr_psprintf(a->pool, "%" APR_SIZE_T_FMT, len),
                             token) != PEOPLE_OK) {
            return fail("%s", err);
        }
        return revoke_one(a, found, apr_psprintf(a->pool, "hash prefix %s",
                                                 token),
                          "give more characters of the hash");
    }
    return fail("no such token");
}

int main(int argc, const char *const *argv)
{
    const char *driver_name = "sqlite3", *params = NULL, *err = NULL;
    const apr_dbd_driver_t *driver;
    apr_pool_t *root;
    admin_t a = {0};
    int i = 1, rc;

    /* whatever umask it inherits, what people-admin creates (the SQLite
     * file; its -wal and -shm copy the file's mode) is for the owner and
     * the group only: 0640 */
    umask(027);
    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&root, NULL);
    apr_dbd_init(root);

    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "-d") && i + 1 < argc) {
            driver_name = argv[i + 1];
            i += 2;
        }
        else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
            params = argv[i + 1];
            i += 2;
        }
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        }
        else {
            return fail("unknown option '%s'\n%s", argv[i], usage);
        }
    }
    if (!params || i >= argc) {
        return fail("needs -p PARAMS and a command\n%s", usage);
    }
    if (apr_dbd_get_driver(root, driver_name, &driver) != APR_SUCCESS) {
        return fail("no apr_dbd driver '%s' (is libaprutil1-dbd-%s "
                    "installed?)", driver_name, driver_name);
    }
    if (apr_dbd_open_ex(driver, root, params, &a.db.handle, &err)
        != APR_SUCCESS) {
        return fail("cannot open the database: %s", err ? err : params);
    }
    a.db.driver = driver;
    /* wait for a lock Apache holds for a moment rather than fail */
    people_sqlite_busy_timeout(&a.db, ADMIN_WAIT_MS);
    /* the command's pool goes first, so that a transaction a failed
     * command left open is rolled back before the connection closes */
    apr_pool_create(&a.pool, root);
    a.db.prepared = apr_hash_make(a.pool);

    if (!strcmp(argv[i], "init") && i + 1 == argc) {
        if (people_sqlite_make_private(&a.db) > 0) {
            fprintf(stderr, "people-admin: the database files were readable "
                    "by every local account; now mode 0640 or less\n");
        }
        if (people_schema_init(a.pool, &a.db, &err) != PEOPLE_OK) {
            rc = fail("%s", err);
        }
        else {
            rc = 0;
        }
    }
    else if (people_db_prepare_all(a.pool, &a.db, &err) != PEOPLE_OK) {
        rc = fail("%s (has 'people-admin init' been run?)", err);
    }
    else if (i + 1 < argc && !strcmp(argv[i], "user")) {
        const char *sub = argv[i + 1];
        int n = argc - i - 2;
        const char *const *rest = argv + i + 2;
        rc = !strcmp(sub, "add") ? cmd_user_add(&a, n, rest)
             : !strcmp(sub, "show") ? cmd_user_show(&a, n, rest)
             : !strcmp(sub, "list") ? cmd_user_list(&a, n, rest)
             : !strcmp(sub, "set") ? cmd_user_set(&a, n, rest)
             : fail("unknown command 'user %s'\n%s", sub, usage);
    }
    else if (i + 1 < argc && !strcmp(argv[i], "token")) {
        const char *sub = argv[i + 1];
        int n = argc - i - 2;
        const char *const *rest = argv + i + 2;
        rc = !strcmp(sub, "add") ? cmd_token_add(&a, n, rest)
             : !strcmp(sub, "list") ? cmd_token_list(&a, n, rest)
             : !strcmp(sub, "revoke") ? cmd_token_revoke(&a, n, rest)
             : fail("unknown command 'token %s'\n%s", sub, usage);
    }
    else if (!strcmp(argv[i], "import")) {
        rc = cmd_import(&a, argc - i - 1, argv + i + 1);
    }
    else if (!strcmp(argv[i], "sync-ldap")) {
        rc = cmd_sync_ldap(&a, argc - i - 1, argv + i + 1);
    }
    else {
        rc = fail("unknown command '%s'\n%s", argv[i], usage);
    }
    apr_pool_destroy(a.pool);
    apr_dbd_close(driver, a.db.handle);
    apr_pool_destroy(root);
    return rc;
}
