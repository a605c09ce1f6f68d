/* Form bodies (application/x-www-form-urlencoded): the url-decoded pairs
 * turned into the JSON object a JSON body would have given, so that one
 * set of rules reads both (spec section 5). Knows nothing of httpd: the
 * module has httpd decode the body (ap_parse_form_data), tests and tools
 * use people_form_split.
 *
 * Keys follow jQuery's encoding of nested objects and arrays:
 *   contacts[0][Type]=GTalk&contacts[0][Value]=x   {"contacts":[{"Type":..
 *   contacts[0].Type=GTalk                          the dotted form
 *   contacts[0][value][Type]=GTalk                  the seed's nesting
 *   userIds[]=a&userIds[]=b                         {"userIds":["a","b"]}
 * Keys compare case-insensitively. Indexes give the order and must run
 * from 0 without a gap; a repeated key is refused. Every value is a
 * string. */
#ifndef PEOPLE_FORM_H
#define PEOPLE_FORM_H

#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

/* Most fields a form may hold, unless the caller says otherwise; a whole
 * profile with 100 contacts is about 220. */
#define PEOPLE_FORM_MAX_KEYS  1024
/* Most bracketed or dotted parts after a key's name
 * (contacts[0][value][Type] has three). */
#define PEOPLE_FORM_MAX_DEPTH 4

typedef struct {
    const char *key;            /* url-decoded, NUL-terminated */
    const char *value;          /* url-decoded bytes (NUL allowed) */
    size_t len;
} people_form_pair_t;

/* Builds the JSON object from an array of people_form_pair_t, released
 * with the pool. Returns NULL on success, else the message of a 400
 * answer naming the key (a gap, a repeat, too many keys, a malformed or
 * too deeply nested key, text that is not UTF-8); *out is untouched
 * then. */
const char *people_form_to_json(apr_pool_t *p, const apr_array_header_t *pairs,
                                int max_keys, json_t **out);

/* Splits and url-decodes a form body ('+' is a space, %XX a byte) into
 * people_form_pair_t, the way httpd's ap_parse_form_data does: a part
 * without '=' is skipped. Returns NULL, or a message when there are more
 * than max_keys parts. */
const char *people_form_split(apr_pool_t *p, const char *buf, size_t len,
                              int max_keys, apr_array_header_t **out);

/* Both steps: a form body to the JSON object. */
const char *people_form_parse(apr_pool_t *p, const char *buf, size_t len,
                              int max_keys, json_t **out);

/* Is this Content-Type header value the media type (case-insensitive;
 * parameters such as charset allowed)? */
int people_media_type_is(const char *content_type, const char *type);

/* Is this Content-Type a form? */
int people_is_form_type(const char *content_type);

#endif
