/* Profile encoding, entity tags and the answer envelopes (spec section 7). */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "people_profile.h"
#include "people_contacts.h"

/* ONLYOFFICE's default pictures, answered when a user has none. */
#define AVATAR_SMALL  "/skins/default/images/default_user_photo_size_32-32.png"
#define AVATAR_MEDIUM "/skins/default/images/default_user_photo_size_48-48.png"
#define AVATAR_MAX    "/skins/default/images/default_user_photo_size_82-82.png"


/* The answers are written straight into pool memory as JSON text: no tree
 * of jansson objects and no malloc per key (measured: building and dumping
 * a jansson tree was half of a GET's instructions). */

typedef struct {
    apr_pool_t *pool;
    char *buf;
    size_t len, cap;
} out_t;

static void people_grow(out_t *o, size_t n)
{
    size_t cap = o->cap ? o->cap * 2 : 2048;
    char *nb;
    while (cap < o->len + n + 1) {
        cap *= 2;
    }
    nb = apr_palloc(o->pool, cap);
    if (o->len) {
        memcpy(nb, o->buf, o->len);
    }
    o->buf = nb;
    o->cap = cap;
}

/* Inlined: most calls copy a literal of known length, which the compiler
 * then copies with a few moves instead of calling memcpy. */
static inline __attribute__((always_inline))
void put(out_t *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        people_grow(o, n);
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* A JSON string; null for NULL, and for stored bytes that are not UTF-8
 * (text is checked on the way in; should a row hold such bytes anyway,
 * the answer stays valid JSON). One pass over ASCII text: the UTF-8 check
 * runs from the first byte that is not ASCII, once. */
/* ASCII that a JSON string holds as it is: one look-up per byte */
#define P8(x) x, x, x, x, x, x, x, x
#define P32(x) P8(x), P8(x), P8(x), P8(x)
static const unsigned char plain[256] = {
    P32(0),                                     /* controls */
    1, 1, 0, 1, 1, 1, 1, 1, P8(1), P8(1), P8(1),  /* '"' */
    P8(1), P8(1), P8(1), 1, 1, 1, 1, 0, 1, 1, 1,  /* '\\' */
    P32(1),
    P32(0), P32(0), P32(0), P32(0)              /* not ASCII */
};
#undef P8
#undef P32

static void people_put_str(out_t *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0, start = o->len;
    int checked = 0;

    if (!s) {
        PUT_LIT(o, "null");
        return;
    }
    PUT_LIT(o, "\"");
    for (i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (plain[c]) {
            continue;
        }
        if (c >= 0x80) {
            if (!checked && !people_utf8_valid(s + i, strlen(s + i))) {
                o->len = start;
                PUT_LIT(o, "null");
                return;
            }
            checked = 1;
            continue;
        }
        put(o, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(o, esc, 2);
        }
        else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(o, esc, 6);
        }
    }
    put(o, s + run, i - run);
    PUT_LIT(o, "\"");
}

/* Decimal digits without apr_snprintf's formatter (a tenth of the text's
 * cost when it wrote the numbers). */
static void people_put_int(out_t *o, apr_int64_t v)
{
    char tmp[24], *end = tmp + sizeof(tmp), *b = end;
    apr_uint64_t u = v < 0 ? 0 - (apr_uint64_t)v : (apr_uint64_t)v;

    do {
        *--b = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--b = '-';
    }
    put(o, b, (size_t)(end - b));
}

static void people_put_bool(out_t *o, int v)
{
    if (v) {
        PUT_LIT(o, "true");
    }
    else {
        PUT_LIT(o, "false");
    }
}

/* Keys are literals: ,"key": (the caller writes the first one with its
 * opening brace). */
#define KEY(o, k) PUT_LIT((o), ",\"" k "\":")

/* The key names in people_field_e order, for `fields=`. */
static const char *const field_names[PEOPLE_F_COUNT] = {
    "id", "userName", "firstName", "lastName", "displayName", "email",
    "birthday", "sex", "status", "activationStatus", "terminated",
    "department", "workFrom", "groups", "location", "notes", "title", "lead",
    "avatarSmall", "avatarMedium", "avatar", "isAdmin", "isLDAP", "isOwner",
    "isVisitor", "isSSO", "listAdminModules", "cultureName", "quotaLimit",
    "usedSpace", "docsSpace", "mailSpace", "talkSpace", "profileUrl",
    "contacts"
};

int people_field_lookup(const char *name, size_t n)
{
    int f;
    for (f = 0; f < PEOPLE_F_COUNT; f++) {
        if (strlen(field_names[f]) == n
            && strncasecmp(field_names[f], name, n) == 0) {
            return f;
        }
    }
    return -1;
}

static void people_put_groups(out_t *o, const apr_array_header_t *groups)
{
    int i;
    PUT_LIT(o, "[");
    for (i = 0; groups && i < groups->nelts; i++) {
        const people_group_t *g = &APR_ARRAY_IDX(groups, i, people_group_t);
        if (i) {
            PUT_LIT(o, ",");
        }
        PUT_LIT(o, "{\"id\":");
        people_put_str(o, g->id);
        KEY(o, "name");        people_put_str(o, g->name);
        KEY(o, "manager");     people_put_str(o, g->manager);
        PUT_LIT(o, "}");
    }
    PUT_LIT(o, "]");
}

static void people_put_contacts(out_t *o, const apr_array_header_t *contacts)
{
    int i;
    PUT_LIT(o, "[");
    for (i = 0; contacts && i < contacts->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(contacts, i,
                                                   people_contact_t);
        if (i) {
            PUT_LIT(o, ",");
        }
        PUT_LIT(o, "{\"type\":");
        people_put_str(o, c->type);
        KEY(o, "value");       people_put_str(o, c->value);
        PUT_LIT(o, "}");
    }
    PUT_LIT(o, "]");
}

/* One key if the projection holds it: F names the people_field_e member,
 * k is the JSON key, the rest writes the value. */
#define FIELD(o, m, F, k, ...) \
    do { \
        if ((m) & PEOPLE_FIELD(PEOPLE_F_##F)) { \
            KEY(o, k); \
            __VA_ARGS__; \
        } \
    } while (0)

/* The profile with the keys of m. With full == 0 the private data reads
 * "email": null and "contacts": [] (spec section 4). */
static void people_put_profile(out_t *o, const people_profile_t *u, int full,
                               const char *profile_url, people_fields_t m)
{
    const char *first = u->first_name ? u->first_name : "";
    const char *last = u->last_name ? u->last_name : "";

    PUT_LIT(o, "{\"id\":");
    people_put_str(o, u->id);
    FIELD(o, m, USERNAME, "userName", people_put_str(o, u->username));
    FIELD(o, m, FIRSTNAME, "firstName", people_put_str(o, u->first_name));
    FIELD(o, m, LASTNAME, "lastName", people_put_str(o, u->last_name));
    FIELD(o, m, DISPLAYNAME, "displayName",
          people_put_str(o, apr_pstrcat(o->pool, first,
                                        *first && *last ? " " : "",
                                        last, NULL)));
    FIELD(o, m, EMAIL, "email", people_put_str(o, full ? u->email : NULL));
    FIELD(o, m, BIRTHDAY, "birthday", people_put_str(o, u->birthday));
    FIELD(o, m, SEX, "sex",
          people_put_str(o, u->sex == 1 ? "male"
                            : u->sex == 0 ? "female" : NULL));
    FIELD(o, m, STATUS, "status", people_put_int(o, u->status));
    FIELD(o, m, ACTIVATIONSTATUS, "activationStatus",
          people_put_int(o, u->activation_status));
    FIELD(o, m, TERMINATED, "terminated", people_put_str(o, u->terminated));
    FIELD(o, m, DEPARTMENT, "department", people_put_str(o, u->department));
    FIELD(o, m, WORKFROM, "workFrom", people_put_str(o, u->work_from));
    FIELD(o, m, GROUPS, "groups", people_put_groups(o, u->groups));
    FIELD(o, m, LOCATION, "location", people_put_str(o, u->location));
    FIELD(o, m, NOTES, "notes", people_put_str(o, u->notes));
    FIELD(o, m, TITLE, "title", people_put_str(o, u->title));
    FIELD(o, m, LEAD, "lead", people_put_str(o, u->lead));
    FIELD(o, m, AVATARSMALL, "avatarSmall",
          people_put_str(o, u->avatar_small ? u->avatar_small : AVATAR_SMALL));
    FIELD(o, m, AVATARMEDIUM, "avatarMedium",
          people_put_str(o,
                         u->avatar_medium ? u->avatar_medium : AVATAR_MEDIUM));
    FIELD(o, m, AVATAR, "avatar",
          people_put_str(o, u->avatar ? u->avatar : AVATAR_MAX));
    FIELD(o, m, ISADMIN, "isAdmin", people_put_bool(o, u->is_admin));
    FIELD(o, m, ISLDAP, "isLDAP", people_put_bool(o, u->is_ldap));
    FIELD(o, m, ISOWNER, "isOwner", people_put_bool(o, u->is_owner));
    FIELD(o, m, ISVISITOR, "isVisitor", people_put_bool(o, u->is_visitor));
    FIELD(o, m, ISSSO, "isSSO", people_put_bool(o, u->is_sso));
    FIELD(o, m, LISTADMINMODULES, "listAdminModules", PUT_LIT(o, "[]"));
    FIELD(o, m, CULTURENAME, "cultureName", people_put_str(o,
                                                           u->culture_name));
    FIELD(o, m, QUOTALIMIT, "quotaLimit", people_put_int(o, u->quota_limit));
    FIELD(o, m, USEDSPACE, "usedSpace", people_put_int(o, u->used_space));
    FIELD(o, m, DOCSSPACE, "docsSpace", people_put_int(o, u->docs_space));
    FIELD(o, m, MAILSPACE, "mailSpace", people_put_int(o, u->mail_space));
    FIELD(o, m, TALKSPACE, "talkSpace", people_put_int(o, u->talk_space));
    FIELD(o, m, PROFILEURL, "profileUrl", people_put_str(o, profile_url));
    FIELD(o, m, CONTACTS, "contacts",
          people_put_contacts(o, full ? u->contacts : NULL));
    PUT_LIT(o, "}");
}

/* Escapes everything but RFC 3986's unreserved characters. */
static const char *people_escape_component(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

const char *people_profile_url(apr_pool_t *p, const char *tmpl,
                               const people_profile_t *u)
{
    const char *out = "";
    const char *s = tmpl;

    while (*s) {
        const char *brace = strchr(s, '{');
        if (!brace) {
            return apr_pstrcat(p, out, s, NULL);
        }
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, brace - s), NULL);
        if (strncmp(brace, "{id}", 4) == 0) {
            out = apr_pstrcat(p, out, u->id ? u->id : "", NULL);
            s = brace + 4;
        }
        else if (strncmp(brace, "{userName}", 10) == 0) {
            out = apr_pstrcat(p, out, people_escape_component(p, u->username
                                                          ? u->username : ""),
                              NULL);
            s = brace + 10;
        }
        else {
            out = apr_pstrcat(p, out, "{", NULL);
            s = brace + 1;
        }
    }
    return out;
}

const char *people_etag(apr_pool_t *p, const people_profile_t *u, int full)
{
    /* The id keeps two users' /@self tags apart; the version moves with
     * every write; the view letter keeps the two representations (with and
     * without the hidden fields) apart. */
    return apr_psprintf(p, "\"%s-%" APR_INT64_T_FMT "-%c\"",
                        u->id ? u->id : "", u->version, full ? 'f' : 'p');
}

int people_etag_listed(const char *header, const char *etag, int strong)
{
    const char *s = header;
    size_t n = strlen(etag);

    while (*s) {
        const char *start;
        int weak = 0;

        while (*s == ' ' || *s == '\t' || *s == ',') {
            s++;
        }
        if (!*s) {
            break;
        }
        if (*s == '*') {
            return 1;
        }
        if (s[0] == 'W' && s[1] == '/') {
            weak = 1;
            s += 2;
        }
        start = s;
        if (*s == '"') {
            s = strchr(s + 1, '"');
            s = s ? s + 1 : start + strlen(start);
        }
        else {
            while (*s && *s != ',') {
                s++;
            }
        }
        if (!(strong && weak) && (size_t)(s - start) == n
            && strncmp(start, etag, n) == 0) {
            return 1;
        }
    }
    return 0;
}

char *people_profile_envelope(apr_pool_t *p, int code,
                              const people_profile_t *u, int full,
                              const char *profile_url, size_t *len)
{
    out_t o = {p, NULL, 0, 0};
    PUT_LIT(&o, "{\"count\":1,\"status\":0,\"statusCode\":");
    people_put_int(&o, code);
    KEY(&o, "response");
    people_put_profile(&o, u, full, profile_url, PEOPLE_FIELDS_ALL);
    PUT_LIT(&o, "}");
    *len = o.len;
    return o.buf;
}

char *people_list_envelope(apr_pool_t *p, const people_item_t *items, int n,
                           apr_int64_t start, apr_int64_t total,
                           people_fields_t fields, size_t *len)
{
    out_t o = {p, NULL, 0, 0};
    int i;

    PUT_LIT(&o, "{\"count\":");
    people_put_int(&o, n);
    KEY(&o, "startIndex");     people_put_int(&o, start);
    /* only when more follow, and never pointing where this page began */
    if (n > 0 && start + n < total) {
        KEY(&o, "nextIndex");  people_put_int(&o, start + n);
    }
    KEY(&o, "total");          people_put_int(&o, total);
    PUT_LIT(&o, ",\"status\":0,\"statusCode\":200,\"response\":[");
    for (i = 0; i < n; i++) {
        if (i) {
            PUT_LIT(&o, ",");
        }
        people_put_profile(&o, items[i].profile, items[i].full, items[i].url,
                           fields);
    }
    PUT_LIT(&o, "]}");
    *len = o.len;
    return o.buf;
}

static apr_status_t people_json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *people_profile_json(apr_pool_t *p, const people_profile_t *u,
                            int full, const char *profile_url)
{
    out_t o = {p, NULL, 0, 0};
    json_t *j;

    people_put_profile(&o, u, full, profile_url, PEOPLE_FIELDS_ALL);
    j = json_loadb(o.buf, o.len, 0, NULL);
    if (j) {
        apr_pool_cleanup_register(p, j, people_json_release,
                                  apr_pool_cleanup_null);
    }
    return j;
}

char *people_envelope_error(apr_pool_t *p, int code, const char *message,
                            size_t *len)
{
    out_t o = {p, NULL, 0, 0};
    PUT_LIT(&o, "{\"status\":1,\"statusCode\":");
    people_put_int(&o, code);
    KEY(&o, "error");
    PUT_LIT(&o, "{\"message\":");
    people_put_str(&o, message);
    PUT_LIT(&o, "}}");
    *len = o.len;
    return o.buf;
}
