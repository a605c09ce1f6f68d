/* Identity from httpd: trusted proxies, attribute mapping, the token
 * endpoint's body and dates. Knows nothing of httpd or SQL. */
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_time.h>
#include <apr_general.h>
#include <jansson.h>

#include "people_identity.h"
#include "people_contacts.h"
#include "people_fields.h"
#include "people_route.h"

/* ------------------------------------------------------------------ */
/* Trusted proxies. Addresses are kept as 16 bytes; IPv4 ones as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d, prefix + 96), so that one comparison
 * serves both families and a mapped peer matches an IPv4 entry. */

typedef struct {
    unsigned char addr[16];
    int bits;                   /* prefix length over the 16 bytes */
} people_net_t;

struct people_netlist_t {
    apr_array_header_t *nets;   /* of people_net_t */
};

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0xff, 0xff};

/* A numeric address into 16 bytes; *v4 tells it was IPv4 (or mapped). */
static int people_parse_addr(const char *s, unsigned char out[16], int *v4)
{
    struct in_addr a4;

    if (inet_pton(AF_INET, s, &a4) == 1) {
        memcpy(out, v4_mapped, 12);
        memcpy(out + 12, &a4, 4);
        *v4 = 1;
        return 1;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *v4 = memcmp(out, v4_mapped, 12) == 0;
        return 1;
    }
    return 0;
}

people_netlist_t *people_netlist_make(apr_pool_t *p)
{
    people_netlist_t *l = apr_pcalloc(p, sizeof(*l));
    l->nets = apr_array_make(p, 4, sizeof(people_net_t));
    return l;
}

static const char *people_bad_addr(apr_pool_t *p, const char *spec)
{
    return apr_psprintf(p, "'%s' is not an IPv4 or IPv6 address or "
                        "ADDRESS/BITS network", spec);
}

const char *people_netlist_add(apr_pool_t *p, people_netlist_t *list,
                               const char *spec)
{
    const char *slash = strchr(spec, '/');
    const char *addr = slash ? apr_pstrmemdup(p, spec, slash - spec) : spec;
    people_net_t n;
    int v4 = 0, max, i;

    if (!people_parse_addr(addr, n.addr, &v4)) {
        return people_bad_addr(p, spec);
    }
    max = v4 ? 32 : 128;
    n.bits = max;
    if (slash) {
        const char *d = slash + 1;
        char *end;
        long bits;
        if (!apr_isdigit(*d) || strlen(d) > 3) {
            return people_bad_addr(p, spec);
        }
        bits = strtol(d, &end, 10);
        if (*end || bits < 0 || bits > max) {
            return apr_psprintf(p, "'%s': the prefix length must be 0 to %d",
                                spec, max);
        }
        n.bits = (int)bits;
    }
    if (v4) {
        n.bits += 96;
    }
    /* clear the host bits, so a match compares the network only */
    for (i = 0; i < 16; i++) {
        int keep = n.bits - i * 8;
        if (keep <= 0) {
            n.addr[i] = 0;
        }
        else if (keep < 8) {
            n.addr[i] &= (unsigned char)(0xff << (8 - keep));
        }
    }
    *(people_net_t *)apr_array_push(list->nets) = n;
    return NULL;
}

static int people_net_has(const people_net_t *n, const unsigned char a[16])
{
    int full = n->bits / 8, rest = n->bits % 8;

    if (memcmp(n->addr, a, full) != 0) {
        return 0;
    }
    return rest == 0
           || (a[full] & (unsigned char)(0xff << (8 - rest))) == n->addr[full];
}

int people_netlist_match(const people_netlist_t *list, const char *ip)
{
    unsigned char a[16];
    int v4, i;

    if (!list || !ip || !people_parse_addr(ip, a, &v4)) {
        return 0;
    }
    for (i = 0; i < list->nets->nelts; i++) {
        if (people_net_has(&APR_ARRAY_IDX(list->nets, i, people_net_t), a)) {
            return 1;
        }
    }
    return 0;
}

int people_netlist_count(const people_netlist_t *list)
{
    return list ? list->nets->nelts : 0;
}

/* ------------------------------------------------------------------ */
/* Attribute mapping */

static const char *const field_names[PEOPLE_MAP_NFIELDS] = {
    "firstName", "lastName", "email", "title", "department", "location"
};

const char *people_map_field_name(people_map_field_e f)
{
    return f < PEOPLE_MAP_NFIELDS ? field_names[f] : "contact";
}

const char *people_map_parse(apr_pool_t *p, const char *field,
                             const char *var, people_map_t *out)
{
    int i;

    if (!var || !*var) {
        return "needs an environment variable name";
    }
    out->var = var;
    out->type = NULL;
    if (strncasecmp(field, "contact:", 8) == 0) {
        out->field = PEOPLE_MAP_CONTACT;
        out->type = people_type_canon(p, field + 8);
        return out->type ? NULL
                         : apr_psprintf(p, "'%s': a contact type is 1 to 64 "
                                        "characters of A-Z a-z 0-9 _ . -",
                                        field);
    }
    for (i = 0; i < PEOPLE_MAP_NFIELDS; i++) {
        if (strcasecmp(field, field_names[i]) == 0) {
            out->field = (people_map_field_e)i;
            return NULL;
        }
    }
    return apr_psprintf(p, "'%s' is not a field that can be mapped (firstName, "
                        "lastName, email, title, department, location, "
                        "contact:TYPE)", field);
}

/* Why a value cannot go into this field, or NULL: the same rules as
 * every other writer of the profile. */
static const char *people_map_problem(people_map_field_e f, const char *v)
{
    size_t len = strlen(v);

    switch (f) {
    case PEOPLE_MAP_CONTACT:
        return people_value_problem(v, len);
    case PEOPLE_MAP_FIRST_NAME:
    case PEOPLE_MAP_LAST_NAME:
        return people_field_problem(PEOPLE_FIELD_NAME, v, len);
    case PEOPLE_MAP_EMAIL:
        if (*v && !strchr(v, '@')) {
            return "not an email address";
        }
        /* fall through */
    default:
        return people_field_problem(PEOPLE_FIELD_TEXT, v, len);
    }
}

void people_map_collect(apr_pool_t *p, const apr_array_header_t *maps,
                        people_env_fn get, void *baton,
                        people_mapped_t *out, apr_array_header_t *problems)
{
    int i;

    memset(out, 0, sizeof(*out));
    out->contacts = apr_array_make(p, 2, sizeof(people_contact_t));
    for (i = 0; maps && i < maps->nelts; i++) {
        const people_map_t *m = &APR_ARRAY_IDX(maps, i, people_map_t);
        const char *v = get(baton, m->var), *bad;

        /* unset, or an empty name (a name is never emptied) */
        if (!v || (!*v && (m->field == PEOPLE_MAP_FIRST_NAME
                           || m->field == PEOPLE_MAP_LAST_NAME))) {
            continue;
        }
        if ((bad = people_map_problem(m->field, v)) != NULL) {
            if (problems) {
                APR_ARRAY_PUSH(problems, const char *) =
                    apr_psprintf(p, "%s from %s: %s, left out",
                                 m->type ? m->type
                                         : people_map_field_name(m->field),
                                 m->var, bad);
            }
            continue;
        }
        out->any = 1;
        if (m->field == PEOPLE_MAP_CONTACT) {
            people_contact_t *c = apr_array_push(out->contacts);
            c->type = m->type;
            c->value = v;
        }
        else {
            out->fields[m->field] = v;
        }
    }
}

static const char **people_field_slot(people_profile_t *u,
                                      people_map_field_e f)
{
    switch (f) {
    case PEOPLE_MAP_FIRST_NAME: return &u->first_name;
    case PEOPLE_MAP_LAST_NAME:  return &u->last_name;
    case PEOPLE_MAP_EMAIL:      return &u->email;
    case PEOPLE_MAP_TITLE:      return &u->title;
    case PEOPLE_MAP_DEPARTMENT: return &u->department;
    default:                    return &u->location;
    }
}

int people_map_apply(apr_pool_t *p, const people_profile_t *stored,
                     const people_mapped_t *m, int is_ldap,
                     people_profile_t *next)
{
    int i, changed = 0;

    *next = *stored;
    for (i = 0; i < PEOPLE_MAP_NFIELDS; i++) {
        const char **slot = people_field_slot(next, (people_map_field_e)i);
        const char *v = m->fields[i];
        if (v && !people_text_same(*slot, v)) {
            *slot = *v ? v : NULL;
            changed = 1;
        }
    }
    if (m->contacts && m->contacts->nelts) {
        next->contacts = people_contacts_apply(p, PEOPLE_OP_MERGE,
                                               stored->contacts, m->contacts);
        changed |= !people_contacts_equal(next->contacts, stored->contacts);
    }
    if (is_ldap && !stored->is_ldap) {
        next->is_ldap = 1;
        changed = 1;
    }
    return changed;
}

/* ------------------------------------------------------------------ */
/* Users first seen through httpd */

int people_login_name_ok(apr_pool_t *p, const char *name)
{
    static const char *const words[] = {"status", "filter", "simple",
                                        "search", "email", NULL};
    size_t len = strlen(name);
    const char *c;
    int i;

    if (!len || len > 255 || *name == '@' || !strcmp(name, ".")
        || !strcmp(name, "..")
        || (len >= 5 && !strcasecmp(name + len - 5, ".json"))
        || people_uuid_normalise(p, name)
        || people_value_problem(name, len)) {
        return 0;
    }
    for (c = name; *c; c++) {
        if (*c == '/' || *c == ' ') {
            return 0;
        }
    }
    for (i = 0; words[i]; i++) {
        if (!strcasecmp(name, words[i])) {
            return 0;
        }
    }
    return 1;
}

const char *people_uuid_generate(apr_pool_t *p)
{
    unsigned char b[16];
    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        return NULL;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    return apr_psprintf(p, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                        b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                        b[12], b[13], b[14], b[15]);
}

/* ------------------------------------------------------------------ */
/* The token endpoint */

static apr_status_t people_json_release(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

/* A string member by case-insensitive key; "" when absent. NULL when the
 * member is there but is not a string, or is repeated. */
static const char *people_json_text(json_t *obj, const char *key)
{
    const char *k, *found = "";
    json_t *v;
    int seen = 0;

    json_object_foreach(obj, k, v) {
        if (strcasecmp(k, key) == 0) {
            if (seen++ || !json_is_string(v)) {
                return NULL;
            }
            found = json_string_value(v);
        }
    }
    return found;
}

const char *people_login_parse_json(apr_pool_t *p, const char *buf,
                                    size_t len, const char **user,
                                    const char **password)
{
    json_error_t e;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
    const char *u, *pw;

    if (!root) {
        return "the body is not valid JSON";
    }
    apr_pool_cleanup_register(p, root, people_json_release,
                              apr_pool_cleanup_null);
    if (!json_is_object(root)) {
        return "the body must be a JSON object";
    }
    u = people_json_text(root, "userName");
    pw = people_json_text(root, "password");
    if (!u || !pw) {
        return "userName and password must each be one string";
    }
    if (!*u || !*pw) {
        return "userName and password are required";
    }
    *user = apr_pstrdup(p, u);
    *password = apr_pstrdup(p, pw);
    return NULL;
}

const char *people_time_format(apr_pool_t *p, apr_int64_t sec)
{
    apr_time_exp_t t;

    if (apr_time_exp_gmt(&t, apr_time_from_sec(sec)) != APR_SUCCESS) {
        return NULL;
    }
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.0000000Z",
                        t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                        t.tm_hour, t.tm_min, t.tm_sec);
}

char *people_login_envelope(apr_pool_t *p, const char *token,
                            const char *expires, size_t *len)
{
    /* both are hex and digits: nothing to escape */
    char *s = apr_psprintf(p, "{\"count\":1,\"status\":0,\"statusCode\":201,"
                           "\"response\":{\"token\":\"%s\",\"expires\":"
                           "\"%s\"}}", token, expires);
    *len = strlen(s);
    return s;
}
