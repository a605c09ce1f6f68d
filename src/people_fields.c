/* Profile fields: validation shared by every writer (spec section 11). */
#include <string.h>
#include <strings.h>

#include "people_contacts.h"
#include "people_fields.h"

people_field_kind_e people_field_kind(const char *key)
{
    if (!strcasecmp(key, "firstName") || !strcasecmp(key, "lastName")) {
        return PEOPLE_FIELD_NAME;
    }
    if (!strcasecmp(key, "notes") || !strcasecmp(key, "comment")) {
        return PEOPLE_FIELD_NOTES;
    }
    return PEOPLE_FIELD_TEXT;
}

/* Counts the code points of valid UTF-8 text; 0 in *ctl when it holds no
 * C0 control, DEL or C1 control (U+0080..U+009F, encoded C2 80..C2 9F). */
static size_t people_count_chars(const unsigned char *s, size_t len, int *ctl)
{
    size_t i, n = 0;
    *ctl = 0;
    for (i = 0; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            n++;                        /* not a continuation byte */
        }
        if (s[i] < 0x20 || s[i] == 0x7f
            || (s[i] == 0xc2 && i + 1 < len && s[i + 1] <= 0x9f)) {
            *ctl = 1;
        }
    }
    return n;
}

const char *people_field_problem(people_field_kind_e kind, const char *value,
                                 size_t len)
{
    size_t n;
    int ctl;

    if (!people_utf8_valid(value, len)) {
        return "is not valid UTF-8";
    }
    n = people_count_chars((const unsigned char *)value, len, &ctl);
    if (ctl) {
        return "contains a control character";
    }
    switch (kind) {
    case PEOPLE_FIELD_NAME:
        return (n < 1 || n > PEOPLE_NAME_MAX)
               ? "must be 1 to 64 characters" : NULL;
    case PEOPLE_FIELD_NOTES:
        return n > PEOPLE_NOTES_MAX ? "must be at most 1024 characters" : NULL;
    case PEOPLE_FIELD_TEXT:
    default:
        return n > PEOPLE_TEXT_MAX ? "must be at most 255 characters" : NULL;
    }
}

/* The directory's literal path segments: routes, never user names. */
static const char *const route_words[] = {
    "status", "filter", "simple", "search", "email", NULL
};

const char *people_username_problem(const char *name)
{
    size_t len = strlen(name);
    const char *c;
    int i;

    if (len == 0 || len > 255) {
        return "must be 1 to 255 bytes";
    }
    if (!people_utf8_valid(name, len)) {
        return "is not valid UTF-8";
    }
    for (c = name; *c; c++) {
        if ((unsigned char)*c <= 0x20 || *c == 0x7f
            || ((unsigned char)*c == 0xc2 && (unsigned char)c[1] <= 0x9f)) {
            return "contains a space or a control character";
        }
        if (*c == '/') {
            return "contains '/'";
        }
    }
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        return "is a path segment ('.' or '..')";
    }
    if (*name == '@') {
        return "starts with '@' (reserved for routes such as @self)";
    }
    if (len >= 5 && !strcasecmp(name + len - 5, ".json")) {
        return "ends in '.json' (the API strips it from paths)";
    }
    for (i = 0; route_words[i]; i++) {
        if (!strcasecmp(name, route_words[i])) {
            return "is a route of the API (status, filter, simple, search, "
                   "email)";
        }
    }
    return NULL;
}

int people_text_same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}
