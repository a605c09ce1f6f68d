/* Contacts: the model, request-body decoding and the write rules
 * (merge, set, delete). Knows nothing of httpd or SQL. */
#ifndef PEOPLE_CONTACTS_H
#define PEOPLE_CONTACTS_H

#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

/* Longest type, in characters, and value, in bytes. */
#define PEOPLE_TYPE_MAX  64
#define PEOPLE_VALUE_MAX 1024

typedef struct {
    const char *type;   /* canonical spelling (known types lowercase) */
    const char *value;  /* "" means "no value" */
} people_contact_t;

/* What a write does with the body's contacts (spec section 6). */
typedef enum {
    PEOPLE_OP_MERGE,    /* PUT */
    PEOPLE_OP_SET,      /* POST, and PUT under PeoplePutMode replace */
    PEOPLE_OP_DELETE    /* DELETE */
} people_op_e;

/* Checks a contact type and returns its stored spelling (a known type in
 * lowercase, any other as written), or NULL when it is not 1 to 64
 * characters of A-Z a-z 0-9 _ . - */
const char *people_type_canon(apr_pool_t *p, const char *type);

/* Types compare case-insensitively. */
int people_type_eq(const char *a, const char *b);

/* Checks a contact value: valid UTF-8 of at most PEOPLE_VALUE_MAX bytes
 * with no C0/C1 control character or DEL. Returns NULL when valid, or a
 * static description of what is wrong. */
const char *people_value_problem(const char *value, size_t len);

/* Is this valid UTF-8 (no overlong forms, surrogates, or code points past
 * U+10FFFF)? */
int people_utf8_valid(const char *s, size_t len);

/* Decodes a request body into an array of people_contact_t, in body
 * order, empty values kept (the rules decide what they mean).
 * Returns NULL on success, else a message for a 400 answer naming what is
 * wrong (and the item's index); *out is untouched then. */
const char *people_body_parse(apr_pool_t *p, const char *buf, size_t len,
                              apr_array_header_t **out);

/* The steps of people_body_parse, for bodies that hold more than contacts
 * (a profile write) or that arrive as a form (people_form.h).
 *
 * people_body_load: JSON text to an object, released with the pool;
 * duplicate keys refused. people_body_contacts: the root's "contacts"
 * (any letter case). people_contacts_from: a "contacts" value (an array,
 * or a single object) to the list. Each returns NULL on success, else the
 * message for a 400 answer. */
const char *people_body_load(apr_pool_t *p, const char *buf, size_t len,
                             json_t **out);
const char *people_body_contacts(apr_pool_t *p, json_t *root,
                                 apr_array_header_t **out);
const char *people_contacts_from(apr_pool_t *p, json_t *contacts,
                                 apr_array_header_t **out);

/* Looks a key up case-insensitively. Two keys that differ only in case
 * make the object ambiguous: *dup is set and NULL returned. */
json_t *people_json_get_ci(json_t *obj, const char *key, int *dup);

/* Applies one write to the stored list and returns the new list (a fresh
 * array; neither input is changed). Linear in the sizes of both lists. */
apr_array_header_t *people_contacts_apply(apr_pool_t *p, people_op_e op,
                                          const apr_array_header_t *stored,
                                          const apr_array_header_t *body);

/* A write's body may name at most max items (PeopleMaxContacts), whatever
 * it does: checked before any lock is taken, so that the work done inside
 * the write lock stays bounded. Returns NULL when the body is within the
 * limit, else the message of a 400 answer. */
const char *people_body_too_many(apr_pool_t *p,
                                 const apr_array_header_t *body, int max);

/* Are two contact lists the same, entry by entry, in order? */
int people_contacts_equal(const apr_array_header_t *a,
                          const apr_array_header_t *b);

#endif
