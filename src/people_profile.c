/* Profile encoding, entity tags and the answer envelopes (spec section 7). */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "people_profile.h"
#include "people_contacts.h"

/* ONLYOFFICE's default pictures, answered when a user has none. */
#define AVATAR_SMALL  "/skins/default/images/default_user_photo_size_32-32.png"
#define AVATAR_MEDIUM "/skins/default/images/default_user_photo_size_48-48.png"
#define AVATAR_MAX    "/skins/default/images/default_user_photo_size_82-82.png"

static apr_status_t json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

/* A string or null. Stored text is UTF-8 already; should a row hold bytes
 * that are not, json_string() refuses them and the key would be dropped
 * silently, so answer null rather than lose the key. */
static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static json_t *contacts_json(const apr_array_header_t *list)
{
    json_t *arr = json_array();
    int i;
    for (i = 0; list && i < list->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(list, i, people_contact_t);
        json_array_append_new(arr, json_pack("{s:o,s:o}",
                                             "type", str_or_null(c->type),
                                             "value", str_or_null(c->value)));
    }
    return arr;
}

static json_t *groups_json(const apr_array_header_t *list)
{
    json_t *arr = json_array();
    int i;
    for (i = 0; list && i < list->nelts; i++) {
        const people_group_t *g = &APR_ARRAY_IDX(list, i, people_group_t);
        json_array_append_new(arr, json_pack("{s:o,s:o,s:o}",
                                             "id", str_or_null(g->id),
                                             "name", str_or_null(g->name),
                                             "manager",
                                             str_or_null(g->manager)));
    }
    return arr;
}

json_t *people_profile_json(apr_pool_t *p, const people_profile_t *u,
                            int full, const char *profile_url)
{
    json_t *o = json_object();
    const char *first = u->first_name ? u->first_name : "";
    const char *last = u->last_name ? u->last_name : "";
    const char *display = apr_pstrcat(p, first, *first && *last ? " " : "",
                                      last, NULL);

    apr_pool_cleanup_register(p, o, json_release, apr_pool_cleanup_null);
    json_object_set_new(o, "id", str_or_null(u->id));
    json_object_set_new(o, "userName", str_or_null(u->username));
    json_object_set_new(o, "firstName", str_or_null(u->first_name));
    json_object_set_new(o, "lastName", str_or_null(u->last_name));
    json_object_set_new(o, "displayName", str_or_null(display));
    json_object_set_new(o, "email", str_or_null(full ? u->email : NULL));
    json_object_set_new(o, "birthday", str_or_null(u->birthday));
    json_object_set_new(o, "sex", u->sex == 1 ? json_string("male")
                                  : u->sex == 0 ? json_string("female")
                                  : json_null());
    json_object_set_new(o, "status", json_integer(u->status));
    json_object_set_new(o, "activationStatus",
                        json_integer(u->activation_status));
    json_object_set_new(o, "terminated", str_or_null(u->terminated));
    json_object_set_new(o, "department", str_or_null(u->department));
    json_object_set_new(o, "workFrom", str_or_null(u->work_from));
    json_object_set_new(o, "groups", groups_json(u->groups));
    json_object_set_new(o, "location", str_or_null(u->location));
    json_object_set_new(o, "notes", str_or_null(u->notes));
    json_object_set_new(o, "title", str_or_null(u->title));
    json_object_set_new(o, "lead", str_or_null(u->lead));
    json_object_set_new(o, "avatarSmall", str_or_null(u->avatar_small
                                                      ? u->avatar_small
                                                      : AVATAR_SMALL));
    json_object_set_new(o, "avatarMedium", str_or_null(u->avatar_medium
                                                       ? u->avatar_medium
                                                       : AVATAR_MEDIUM));
    json_object_set_new(o, "avatar", str_or_null(u->avatar ? u->avatar
                                                           : AVATAR_MAX));
    json_object_set_new(o, "isAdmin", json_boolean(u->is_admin));
    json_object_set_new(o, "isLDAP", json_boolean(u->is_ldap));
    json_object_set_new(o, "isOwner", json_boolean(u->is_owner));
    json_object_set_new(o, "isVisitor", json_boolean(u->is_visitor));
    json_object_set_new(o, "isSSO", json_boolean(u->is_sso));
    json_object_set_new(o, "listAdminModules", json_array());
    json_object_set_new(o, "cultureName", str_or_null(u->culture_name));
    json_object_set_new(o, "quotaLimit", json_integer(u->quota_limit));
    json_object_set_new(o, "usedSpace", json_integer(u->used_space));
    json_object_set_new(o, "docsSpace", json_integer(u->docs_space));
    json_object_set_new(o, "mailSpace", json_integer(u->mail_space));
    json_object_set_new(o, "talkSpace", json_integer(u->talk_space));
    json_object_set_new(o, "profileUrl", str_or_null(profile_url));
    json_object_set_new(o, "contacts", full ? contacts_json(u->contacts)
                                            : json_array());
    return o;
}

/* Escapes everything but RFC 3986's unreserved characters. */
static const char *escape_component(apr_pool_t *p, const char *s)
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
            out = apr_pstrcat(p, out, escape_component(p, u->username
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

typedef struct {
    apr_pool_t *pool;
    char *buf;
    size_t len, cap;
} pool_buf_t;

static int buf_append(const char *data, size_t size, void *baton)
{
    pool_buf_t *b = baton;
    if (b->len + size + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        char *nb;
        while (cap < b->len + size + 1) {
            cap *= 2;
        }
        nb = apr_palloc(b->pool, cap);
        if (b->len) {
            memcpy(nb, b->buf, b->len);
        }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, data, size);
    b->len += size;
    b->buf[b->len] = '\0';
    return 0;
}

/* Serialises straight into pool memory, with no malloc'd string. */
static char *dump(apr_pool_t *p, json_t *j, size_t *len)
{
    pool_buf_t b = {p, NULL, 0, 0};
    json_dump_callback(j, buf_append, &b, JSON_COMPACT | JSON_ENCODE_ANY);
    *len = b.len;
    return b.buf ? b.buf : apr_pstrdup(p, "");
}

char *people_envelope_ok(apr_pool_t *p, int code, json_t *response,
                         size_t *len)
{
    json_t *env = json_pack("{s:i,s:i,s:i,s:O}", "count", 1, "status", 0,
                            "statusCode", code, "response", response);
    char *out = dump(p, env, len);
    json_decref(env);
    return out;
}

char *people_envelope_error(apr_pool_t *p, int code, const char *message,
                            size_t *len)
{
    json_t *env = json_pack("{s:i,s:i,s:{s:o}}", "status", 1,
                            "statusCode", code, "error", "message",
                            str_or_null(message));
    char *out = dump(p, env, len);
    json_decref(env);
    return out;
}
