/* Profile fields: the one validation every writer applies (the API's
 * profile writes, people-admin's user add and user set), spec section 11.
 * Knows nothing of httpd or SQL. */
#ifndef PEOPLE_FIELDS_H
#define PEOPLE_FIELDS_H

#include <stddef.h>

/* Limits, in characters (code points). */
#define PEOPLE_NAME_MAX  64     /* firstName, lastName: 1 to 64 */
#define PEOPLE_TEXT_MAX  255    /* email, title, department, location... */
#define PEOPLE_NOTES_MAX 1024   /* notes */

typedef enum {
    PEOPLE_FIELD_NAME,          /* 1 to PEOPLE_NAME_MAX characters */
    PEOPLE_FIELD_TEXT,          /* 0 to PEOPLE_TEXT_MAX characters */
    PEOPLE_FIELD_NOTES          /* 0 to PEOPLE_NOTES_MAX characters */
} people_field_kind_e;

/* The kind of a profile text field by its answer key (case-insensitive:
 * "firstName", "lastname", "notes", "comment"); any other key is
 * PEOPLE_FIELD_TEXT. */
people_field_kind_e people_field_kind(const char *key);

/* Checks a field value of len bytes: valid UTF-8, no C0/C1 control
 * character or DEL, and the length its kind allows. Returns NULL when
 * valid, or a static description of what is wrong ("is not valid UTF-8",
 * "must be 1 to 64 characters", ...), to be prefixed with the field's
 * name. */
const char *people_field_problem(people_field_kind_e kind, const char *value,
                                 size_t len);

/* Checks a user name people-admin is asked to create (spec section 3): it
 * must be reachable as /{userid} and shadow no route. Refused: empty or
 * longer than 255 bytes, not valid UTF-8, a space or control character,
 * '/', ".", "..", a name ending in ".json", one starting with '@', and the
 * directory's literal segments (status, filter, simple, search, email),
 * case-insensitively. A UUID is refused by the caller (it routes as an
 * id). Returns NULL when the name is fine, else a static reason. */
const char *people_username_problem(const char *name);

/* Is a text field unchanged? NULL and "" are the same stored value. */
int people_text_same(const char *a, const char *b);

#endif
