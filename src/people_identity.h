/* Identity from httpd (spec section 10), the parts that need no httpd:
 * the trusted-proxy address list, the attribute mapping model, the token
 * endpoint's body and its expiry date. */
#ifndef PEOPLE_IDENTITY_H
#define PEOPLE_IDENTITY_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "people_profile.h"

/* --- PeopleTrustedProxy: addresses and networks, IPv4 and IPv6 --- */

typedef struct people_netlist_t people_netlist_t;

people_netlist_t *people_netlist_make(apr_pool_t *p);

/* Adds "ADDRESS" or "ADDRESS/BITS" (IPv4 dotted quad or IPv6; host bits
 * past the prefix are ignored). Returns NULL, or what is wrong. */
const char *people_netlist_add(apr_pool_t *p, people_netlist_t *list,
                               const char *spec);

/* Is this numeric address (as httpd's client_ip) in the list? An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as its IPv4 address.
 * Anything that is not a numeric address is not. */
int people_netlist_match(const people_netlist_t *list, const char *ip);

/* How many entries the list holds. */
int people_netlist_count(const people_netlist_t *list);

/* --- PeopleMapAttribute FIELD VARIABLE --- */

typedef enum {
    PEOPLE_MAP_FIRST_NAME = 0,
    PEOPLE_MAP_LAST_NAME,
    PEOPLE_MAP_EMAIL,
    PEOPLE_MAP_TITLE,
    PEOPLE_MAP_DEPARTMENT,
    PEOPLE_MAP_LOCATION,
    PEOPLE_MAP_NFIELDS,
    PEOPLE_MAP_CONTACT = PEOPLE_MAP_NFIELDS
} people_map_field_e;

typedef struct {
    people_map_field_e field;
    const char *type;           /* contact:TYPE: the canonical type */
    const char *var;            /* the environment variable */
} people_map_t;

/* Reads FIELD (firstName, lastName, email, title, department, location or
 * contact:TYPE, case-insensitive) into *out. Returns NULL, or what is
 * wrong. */
const char *people_map_parse(apr_pool_t *p, const char *field,
                             const char *var, people_map_t *out);

/* The name of a field as the directive spells it, for messages. */
const char *people_map_field_name(people_map_field_e f);

/* What the request's environment says, after checking each value. */
typedef struct {
    /* a value for each mapped field, NULL when not mapped or not set;
     * "" clears the field (never the names, which cannot be empty) */
    const char *fields[PEOPLE_MAP_NFIELDS];
    /* of people_contact_t: one item per mapped type whose variable is set
     * ("" removes the type) */
    apr_array_header_t *contacts;
    int any;                    /* anything mapped was set */
} people_mapped_t;

typedef const char *(*people_env_fn)(void *baton, const char *var);

/* Reads the mapped variables through get. A value that is not valid (not
 * UTF-8, control characters, too long, an email without '@') is left out,
 * and a line saying why (never the value) is pushed onto problems (an
 * array of const char *, may be NULL). */
void people_map_collect(apr_pool_t *p, const apr_array_header_t *maps,
                        people_env_fn get, void *baton,
                        people_mapped_t *out, apr_array_header_t *problems);

/* Applies mapped values to a stored profile: the fields named take their
 * new values, and each mapped contact type replaces the stored entries of
 * that type (the user's other contacts stay as they are). With is_ldap,
 * the profile is marked as directory data. Returns 1 and fills *next (a
 * copy of stored with the changes) when anything differs, else 0. */
int people_map_apply(apr_pool_t *p, const people_profile_t *stored,
                     const people_mapped_t *m, int is_ldap,
                     people_profile_t *next);

/* --- Users first seen through httpd --- */

/* Can a name httpd authenticated become a People user name (so that it
 * routes as /{userName})? 1 to 255 bytes of UTF-8 without spaces, slashes
 * or control characters; not a UUID, not ".", "..", not starting with '@',
 * not ending in ".json", not one of the directory's route words. */
int people_login_name_ok(apr_pool_t *p, const char *name);

/* A new random (version 4) UUID in lowercase, or NULL when the system has
 * no randomness to give. */
const char *people_uuid_generate(apr_pool_t *p);

/* --- The token endpoint --- */

/* Reads userName and password (keys case-insensitive) from a JSON object.
 * Returns NULL, or what is wrong (never the values). */
const char *people_login_parse_json(apr_pool_t *p, const char *buf,
                                    size_t len, const char **user,
                                    const char **password);

/* A time (seconds since the epoch) in the API's date shape,
 * YYYY-MM-DDTHH:MM:SS.0000000Z (UTC). */
const char *people_time_format(apr_pool_t *p, apr_int64_t sec);

/* {"count":1,"status":0,"statusCode":201,"response":{"token":T,
 * "expires":E}} */
char *people_login_envelope(apr_pool_t *p, const char *token,
                            const char *expires, size_t *len);

#endif
