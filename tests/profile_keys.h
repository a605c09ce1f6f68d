/* The keys of a profile answer (spec section 7), in the spec's order: each
 * is always present, and there is no other. One list for the unit tests
 * (tests/unit) and the fuzz harnesses (tests/fuzz), written out from the
 * spec rather than taken from src/, to compare the core against. */
#ifndef PEOPLE_TEST_PROFILE_KEYS_H
#define PEOPLE_TEST_PROFILE_KEYS_H

#include <stddef.h>

static const char *const people_profile_keys[] = {
    "id", "userName", "firstName", "lastName", "displayName", "email",
    "birthday", "sex", "status", "activationStatus", "terminated",
    "department", "workFrom", "groups", "location", "notes", "title", "lead",
    "avatarSmall", "avatarMedium", "avatar", "isAdmin", "isLDAP", "isOwner",
    "isVisitor", "isSSO", "listAdminModules", "cultureName", "quotaLimit",
    "usedSpace", "docsSpace", "mailSpace", "talkSpace", "profileUrl",
    "contacts", NULL
};

/* How many keys, without the closing NULL. */
#define PEOPLE_PROFILE_NKEYS \
    (sizeof(people_profile_keys) / sizeof(people_profile_keys[0]) - 1)

#endif
