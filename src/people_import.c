/* Reading the staff from CSV or JSON Lines into import rows, with the
 * API's rules for every field. */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <jansson.h>

#include "people_import.h"
#include "people_contacts.h"
#include "people_fields.h"
#include "people_route.h"

/* ---------------------------------------------------------------------
 * Fields: the columns of a CSV header and the keys of a JSON Lines object
 */

typedef enum {
    COL_USERNAME, COL_ID, COL_FIRST_NAME, COL_LAST_NAME, COL_EMAIL, COL_TITLE,
    COL_DEPARTMENT, COL_LOCATION, COL_STATUS, COL_ADMIN, COL_VISITOR,
    COL_GROUPS, COL_CONTACT, COL_IGNORED
} col_e;

static const struct {
    const char *name;
    col_e col;
} people_import_fields[] = {
    {"userName", COL_USERNAME}, {"id", COL_ID},
    {"firstName", COL_FIRST_NAME}, {"lastName", COL_LAST_NAME},
    {"email", COL_EMAIL}, {"title", COL_TITLE},
    {"department", COL_DEPARTMENT}, {"location", COL_LOCATION},
    {"status", COL_STATUS}, {"isAdmin", COL_ADMIN},
    {"isVisitor", COL_VISITOR}, {"groups", COL_GROUPS},
    {NULL, COL_IGNORED}
};

static col_e people_import_col(const char *name)
{
    int i;
    for (i = 0; people_import_fields[i].name; i++) {
        if (!strcasecmp(name, people_import_fields[i].name)) {
            return people_import_fields[i].col;
        }
    }
    return COL_IGNORED;
}

static const char *people_import_text(apr_pool_t *p, const char *field,
                                      const char *v, people_field_kind_e kind)
{
    const char *bad = people_field_problem(kind, v, strlen(v));
    return bad ? apr_psprintf(p, "%s %s", field, bad) : NULL;
}

/* Status by number or name, as the directory's filters take it. */
static int people_import_status(const char *v)
{
    if (!strcmp(v, "1") || !strcasecmp(v, "active")) {
        return 1;
    }
    if (!strcmp(v, "2") || !strcasecmp(v, "terminated")) {
        return 2;
    }
    if (!strcmp(v, "4") || !strcasecmp(v, "leave")
        || !strcasecmp(v, "leaveofabsence")) {
        return 4;
    }
    return 0;
}

/* true/false, yes/no, 1/0; "" is false. -1 for anything else. */
static int people_import_bool(const char *v)
{
    if (!*v || !strcmp(v, "0") || !strcasecmp(v, "false")
        || !strcasecmp(v, "no")) {
        return 0;
    }
    if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes")) {
        return 1;
    }
    return -1;
}

static void people_import_add_contact(people_import_row_t *row,
                                      const char *type, const char *value)
{
    people_contact_t *c = apr_array_push(row->contacts);
    c->type = type;
    c->value = value;
}

/* Sets one field of a row from text (CSV cells, JSON strings). */
static const char *people_import_set(apr_pool_t *p, people_import_row_t *row,
                                     col_e col, const char *name,
                                     const char *v)
{
    int n;

    switch (col) {
    case COL_USERNAME:
        row->username = *v ? v : NULL;
        return NULL;
    case COL_ID:
        if (*v && !(row->id = people_uuid_normalise(p, v))) {
            return apr_psprintf(p, "id '%s' is not a UUID", v);
        }
        return NULL;
    case COL_FIRST_NAME:
        row->first_name = v;
        row->given |= PEOPLE_IMP_FIRST_NAME;
        return NULL;
    case COL_LAST_NAME:
        row->last_name = v;
        row->given |= PEOPLE_IMP_LAST_NAME;
        return NULL;
    case COL_EMAIL:
        row->email = v;
        row->given |= PEOPLE_IMP_EMAIL;
        return NULL;
    case COL_TITLE:
        row->title = v;
        row->given |= PEOPLE_IMP_TITLE;
        return NULL;
    case COL_DEPARTMENT:
        row->department = v;
        row->given |= PEOPLE_IMP_DEPARTMENT;
        return NULL;
    case COL_LOCATION:
        row->location = v;
        row->given |= PEOPLE_IMP_LOCATION;
        return NULL;
    case COL_STATUS:
        if (!*v) {
            return NULL;
        }
        if (!(row->status = people_import_status(v))) {
            return apr_psprintf(p, "status '%s' is not active, terminated "
                                "or leave (1, 2, 4)", v);
        }
        row->given |= PEOPLE_IMP_STATUS;
        return NULL;
    case COL_ADMIN:
    case COL_VISITOR:
        if ((n = people_import_bool(v)) < 0) {
            return apr_psprintf(p, "%s '%s' is not true or false", name, v);
        }
        *(col == COL_ADMIN ? &row->is_admin : &row->is_visitor) = n;
        row->given |= col == COL_ADMIN ? PEOPLE_IMP_ADMIN : PEOPLE_IMP_VISITOR;
        return NULL;
    case COL_GROUPS: {
        char *list = apr_pstrdup(p, v), *last = NULL, *g;
        row->given |= PEOPLE_IMP_GROUPS;
        for (g = apr_strtok(list, ";", &last); g;
             g = apr_strtok(NULL, ";", &last)) {
            char *e = g + strlen(g);
            while (apr_isspace(*g)) {
                g++;
            }
            while (e > g && apr_isspace(e[-1])) {
                *--e = '\0';
            }
            if (*g) {
                APR_ARRAY_PUSH(row->groups, const char *) = g;
            }
        }
        return NULL;
    }
    default:
        return NULL;
    }
}

const char *people_import_field(apr_pool_t *p, people_import_row_t *row,
                                const char *field, const char *value)
{
    col_e col = people_import_col(field);
    if (col == COL_IGNORED) {
        return apr_psprintf(p, "'%s' is not a field", field);
    }
    return people_import_set(p, row, col, field, value);
}

const char *people_import_check(apr_pool_t *p, people_import_row_t *row)
{
    static const struct {
        unsigned bit;
        const char *name;
        size_t off;
        people_field_kind_e kind;
    } text[] = {
        {PEOPLE_IMP_FIRST_NAME, "firstName",
         offsetof(people_import_row_t, first_name), PEOPLE_FIELD_NAME},
        {PEOPLE_IMP_LAST_NAME, "lastName",
         offsetof(people_import_row_t, last_name), PEOPLE_FIELD_NAME},
        {PEOPLE_IMP_EMAIL, "email",
         offsetof(people_import_row_t, email), PEOPLE_FIELD_TEXT},
        {PEOPLE_IMP_TITLE, "title",
         offsetof(people_import_row_t, title), PEOPLE_FIELD_TEXT},
        {PEOPLE_IMP_DEPARTMENT, "department",
         offsetof(people_import_row_t, department), PEOPLE_FIELD_TEXT},
        {PEOPLE_IMP_LOCATION, "location",
         offsetof(people_import_row_t, location), PEOPLE_FIELD_TEXT},
    };
    const char *bad;
    size_t i;
    int j;

    if (!row->username && !row->id) {
        return "a row needs a userName or an id";
    }
    if (row->username && ((bad = people_username_problem(row->username))
                          || (people_uuid_normalise(p, row->username)
                              && (bad = "is a UUID")))) {
        return apr_psprintf(p, "userName '%s' %s", row->username, bad);
    }
    for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
        const char *v = *(const char **)((char *)row + text[i].off);
        if ((row->given & text[i].bit)
            && (bad = people_import_text(p, text[i].name, v, text[i].kind))) {
            return bad;
        }
    }
    if ((row->given & PEOPLE_IMP_EMAIL) && *row->email
        && !strchr(row->email, '@')) {
        return apr_psprintf(p, "email '%s' is not an email address",
                            row->email);
    }
    for (j = 0; j < row->groups->nelts; j++) {
        const char *g = APR_ARRAY_IDX(row->groups, j, const char *);
        if ((bad = people_import_text(p, "a group name", g,
                                      PEOPLE_FIELD_NAME))) {
            return bad;
        }
    }
    for (j = 0; j < row->contacts->nelts; j++) {
        people_contact_t *c = &APR_ARRAY_IDX(row->contacts, j,
                                             people_contact_t);
        const char *canon = people_type_canon(p, c->type);
        if (!canon) {
            return apr_psprintf(p, "contact type '%s' is not 1 to %d "
                                "characters of A-Z a-z 0-9 _ . -", c->type,
                                PEOPLE_TYPE_MAX);
        }
        c->type = canon;
        if ((bad = people_value_problem(c->value, strlen(c->value)))) {
            return apr_psprintf(p, "contact %s: the value %s", canon, bad);
        }
    }
    return NULL;
}

static people_import_row_t *people_import_row(apr_pool_t *p,
                                              apr_array_header_t *rows,
                                              int line)
{
    people_import_row_t *row = apr_array_push(rows);
    memset(row, 0, sizeof(*row));
    row->line = line;
    row->groups = apr_array_make(p, 2, sizeof(const char *));
    row->contacts = apr_array_make(p, 2, sizeof(people_contact_t));
    return row;
}

/* ---------------------------------------------------------------------
 * CSV (RFC 4180): fields separated by commas, records by CRLF or LF;
 * a quoted field may hold commas, doubled quotes and line breaks.
 */

typedef struct {
    const char *s, *end;
    int line;                   /* of the next character */
} csv_t;

/* Reads one record into fields (of char *). Returns 1, 0 at the end of
 * the input, or -1 with *err set. */
/* The length a field takes, quoted or not, so that it is copied into
 * memory of its own size. */
static apr_size_t people_csv_span(const csv_t *c)
{
    const char *q = c->s;
    if (q < c->end && *q == '"') {
        for (q++; q < c->end; q++) {
            if (*q == '"' && !(q + 1 < c->end && q[1] == '"')) {
                break;
            }
            q += *q == '"';
        }
    }
    else {
        while (q < c->end && *q != ',' && *q != '\n' && *q != '\r') {
            q++;
        }
    }
    return (apr_size_t)(q - c->s);
}

/* Reads one quoted field into out; 0, or -1 with *err set. */
static int people_csv_quoted(apr_pool_t *p, csv_t *c, char *out,
                             const char **err)
{
    int start = c->line;
    char *o = out;

    for (c->s++;; ) {
        if (c->s >= c->end) {
            *err = apr_psprintf(p, "line %d: a quoted field is not closed",
                                start);
            return -1;
        }
        if (*c->s == '"') {
            if (c->s + 1 < c->end && c->s[1] == '"') {
                *o++ = '"';
                c->s += 2;
                continue;
            }
            c->s++;
            break;
        }
        c->line += *c->s == '\n';
        *o++ = *c->s++;
    }
    *o = '\0';
    if (c->s < c->end && *c->s != ',' && *c->s != '\n' && *c->s != '\r') {
        *err = apr_psprintf(p, "line %d: text after a closing quote (a "
                            "quote inside a field is written twice)", c->line);
        return -1;
    }
    return 0;
}

/* Reads one record into fields (of char *). Returns 1, 0 at the end of
 * the input, or -1 with *err set. */
static int people_csv_record(apr_pool_t *p, csv_t *c,
                             apr_array_header_t *fields, const char **err)
{
    apr_array_clear(fields);
    if (c->s >= c->end) {
        return 0;
    }
    for (;;) {
        apr_size_t n = people_csv_span(c);
        char *out;

        if (c->s < c->end && *c->s == '"') {
            out = apr_palloc(p, n + 1);
            if (people_csv_quoted(p, c, out, err) < 0) {
                return -1;
            }
        }
        else {
            if (memchr(c->s, '"', n)) {
                *err = apr_psprintf(p, "line %d: a quote inside an unquoted "
                                    "field", c->line);
                return -1;
            }
            out = apr_pstrmemdup(p, c->s, n);
            c->s += n;
        }
        APR_ARRAY_PUSH(fields, char *) = out;
        if (c->s < c->end && *c->s == ',') {
            c->s++;
            continue;
        }
        if (c->s < c->end && *c->s == '\r') {
            c->s++;
        }
        if (c->s < c->end && *c->s == '\n') {
            c->s++;
        }
        c->line++;
        return 1;
    }
}

typedef struct {
    col_e col;
    const char *name;           /* as the header spells it */
    const char *type;           /* contact:TYPE */
} csv_col_t;

static const char *people_csv_header(apr_pool_t *p, apr_array_header_t *f,
                                     csv_col_t **cols)
{
    int i, j, keyed = 0;

    *cols = apr_pcalloc(p, sizeof(csv_col_t) * (apr_size_t)f->nelts);
    for (i = 0; i < f->nelts; i++) {
        const char *name = APR_ARRAY_IDX(f, i, char *);
        csv_col_t *c = &(*cols)[i];
        c->name = name;
        if (!strncasecmp(name, "contact:", 8)) {
            c->col = COL_CONTACT;
            if (!(c->type = people_type_canon(p, name + 8))) {
                return apr_psprintf(p, "line 1, column %d: '%s' names no "
                                    "valid contact type", i + 1, name);
            }
        }
        else if ((c->col = people_import_col(name)) == COL_IGNORED) {
            return apr_psprintf(p, "line 1, column %d: unknown column '%s' "
                                "(userName, id, firstName, lastName, email, "
                                "title, department, location, status, "
                                "isAdmin, isVisitor, groups, contact:TYPE)",
                                i + 1, name);
        }
        keyed |= c->col == COL_USERNAME || c->col == COL_ID;
        for (j = 0; j < i; j++) {
            if ((*cols)[j].col == c->col
                && (c->col != COL_CONTACT
                    || people_type_eq((*cols)[j].type, c->type))) {
                return apr_psprintf(p, "line 1, column %d: column '%s' "
                                    "given twice", i + 1, name);
            }
        }
    }
    return keyed ? NULL : "line 1: the header needs a userName or an id "
                          "column";
}

static const char *people_import_csv(apr_pool_t *p, const char *buf,
                                     size_t len, apr_array_header_t *rows)
{
    csv_t c = {buf, buf + len, 1};
    apr_array_header_t *f = apr_array_make(p, 16, sizeof(char *));
    csv_col_t *cols;
    const char *err = NULL;
    int ncols, rc, i;

    if (people_csv_record(p, &c, f, &err) != 1) {
        return err ? err : "the file is empty";
    }
    if ((err = people_csv_header(p, f, &cols))) {
        return err;
    }
    ncols = f->nelts;
    for (;;) {
        int line = c.line;
        people_import_row_t *row;

        if ((rc = people_csv_record(p, &c, f, &err)) <= 0) {
            return rc < 0 ? err : NULL;
        }
        if (f->nelts == 1 && !*APR_ARRAY_IDX(f, 0, char *)) {
            continue;           /* a blank line */
        }
        if (f->nelts != ncols) {
            return apr_psprintf(p, "line %d: %d fields where the header has "
                                "%d", line, f->nelts, ncols);
        }
        row = people_import_row(p, rows, line);
        for (i = 0; i < ncols; i++) {
            const char *v = APR_ARRAY_IDX(f, i, char *), *bad;
            if (!people_utf8_valid(v, strlen(v))) {
                return apr_psprintf(p, "line %d, column %d (%s): not valid "
                                    "UTF-8", line, i + 1, cols[i].name);
            }
            if (cols[i].col == COL_CONTACT) {
                row->contacts_mode = PEOPLE_IMP_CONTACTS_TYPES;
                people_import_add_contact(row, cols[i].type, v);
            }
            else if ((bad = people_import_set(p, row, cols[i].col,
                                              cols[i].name, v))) {
                return apr_psprintf(p, "line %d, column %d (%s): %s", line,
                                    i + 1, cols[i].name, bad);
            }
        }
        if ((err = people_import_check(p, row))) {
            return apr_psprintf(p, "line %d: %s", line, err);
        }
    }
}

/* ---------------------------------------------------------------------
 * JSON Lines: one profile object a line, with the answer's keys; other
 * keys (displayName, avatar, ...) are ignored, so `user show` output and
 * the API's answers can be loaded back.
 */

static const char *people_jsonl_value(apr_pool_t *p, people_import_row_t *row,
                                      const char *key, json_t *v)
{
    col_e col = people_import_col(key);
    size_t i;

    if (!strcasecmp(key, "contacts")) {
        json_t *item;
        if (!json_is_array(v)) {
            return "contacts must be an array";
        }
        row->contacts_mode = PEOPLE_IMP_CONTACTS_ALL;
        json_array_foreach(v, i, item) {
            json_t *t = json_object_get(item, "type");
            json_t *val = json_object_get(item, "value");
            if (!json_is_string(t) || !(json_is_string(val) || json_is_null(val)
                                        || !val)) {
                return apr_psprintf(p, "contacts[%d] needs a type and a "
                                    "string value", (int)i);
            }
            people_import_add_contact(row, apr_pstrdup(p, json_string_value(t)),
                                      val && json_is_string(val)
                                      ? apr_pstrdup(p, json_string_value(val))
                                      : "");
        }
        return NULL;
    }
    if (col == COL_IGNORED || json_is_null(v)) {
        /* null: as the answer shows an empty field */
        return col == COL_IGNORED || col == COL_USERNAME || col == COL_ID
               ? NULL : people_import_set(p, row, col, key, "");
    }
    if (col == COL_GROUPS) {
        json_t *g;
        if (!json_is_array(v)) {
            return "groups must be an array";
        }
        row->given |= PEOPLE_IMP_GROUPS;
        json_array_foreach(v, i, g) {
            json_t *name = json_is_object(g) ? json_object_get(g, "name") : g;
            if (!json_is_string(name)) {
                return "groups must hold names (or {\"name\": ...})";
            }
            APR_ARRAY_PUSH(row->groups, const char *) =
                apr_pstrdup(p, json_string_value(name));
        }
        return NULL;
    }
    if (json_is_boolean(v)) {
        return people_import_set(p, row, col, key, json_is_true(v) ? "1" : "0");
    }
    if (json_is_integer(v)) {
        return people_import_set(p, row, col, key,
                                 apr_psprintf(p, "%" APR_INT64_T_FMT,
                                              (apr_int64_t)json_integer_value(v)));
    }
    if (json_is_string(v)) {
        return people_import_set(p, row, col, key,
                                 apr_pstrdup(p, json_string_value(v)));
    }
    return apr_psprintf(p, "%s has the wrong type", key);
}

static apr_status_t people_json_release(void *j)
{
    json_decref(j);
    return APR_SUCCESS;
}

static const char *people_import_jsonl(apr_pool_t *p, const char *buf,
                                       size_t len, apr_array_header_t *rows)
{
    const char *s = buf, *end = buf + len;
    int line = 1;

    for (; s < end; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s)), *bad, *key;
        const char *stop = nl ? nl : end;
        people_import_row_t *row;
        json_error_t jerr;
        json_t *obj, *v;

        while (s < stop && apr_isspace(*s)) {
            s++;
        }
        if (s == stop) {
            s = nl ? nl + 1 : end;
            continue;
        }
        obj = json_loadb(s, (size_t)(stop - s), JSON_REJECT_DUPLICATES, &jerr);
        if (!obj || !json_is_object(obj)) {
            json_decref(obj);
            return apr_psprintf(p, "line %d: not a JSON object%s%s", line,
                                obj ? "" : ": ", obj ? "" : jerr.text);
        }
        apr_pool_cleanup_register(p, obj, people_json_release,
                                  apr_pool_cleanup_null);
        row = people_import_row(p, rows, line);
        json_object_foreach(obj, key, v) {
            if ((bad = people_jsonl_value(p, row, key, v))) {
                return apr_psprintf(p, "line %d (%s): %s", line, key, bad);
            }
        }
        if ((bad = people_import_check(p, row))) {
            return apr_psprintf(p, "line %d: %s", line, bad);
        }
        s = nl ? nl + 1 : end;
    }
    return NULL;
}

const char *people_import_parse(apr_pool_t *p, const char *buf, size_t len,
                                apr_array_header_t *rows)
{
    const char *s = buf;

    if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
        buf += 3;
        len -= 3;
    }
    if (memchr(buf, '\0', len)) {
        return "the file is not text (it holds a NUL byte)";
    }
    for (s = buf; s < buf + len && apr_isspace(*s); s++) {
    }
    return s < buf + len && *s == '{' ? people_import_jsonl(p, buf, len, rows)
                                      : people_import_csv(p, buf, len, rows);
}
