/* The directives of mod_people and one accessor per setting: each
 * accessor applies the setting's default, so no other file knows one. */
#ifndef MOD_PEOPLE_CONFIG_H
#define MOD_PEOPLE_CONFIG_H

#include "httpd.h"
#include "http_config.h"

#include "src/people_directory.h"

/* PeopleDurability: when a SQLite write is on disk before it is answered */
typedef enum {
    PEOPLE_DURABLE_GROUP = 0,   /* synced before the answer, several commits
                                 * sharing one sync (the default) */
    PEOPLE_DURABLE_FULL,        /* SQLite syncs at every commit */
    PEOPLE_DURABLE_NORMAL       /* not synced before the answer: a power
                                 * loss may lose acknowledged writes */
} people_durability_e;

extern const command_rec people_cmds[];

void *people_create_dir_cfg(apr_pool_t *p, char *dir);
void *people_merge_dir_cfg(apr_pool_t *p, void *basev, void *addv);
void *people_create_srv_cfg(apr_pool_t *p, server_rec *s);
void *people_merge_srv_cfg(apr_pool_t *p, void *basev, void *addv);

/* PeopleAPI On at the request's location. */
int people_cfg_api(request_rec *r);
/* The location PeopleAPI was switched on in: routes are relative to it. */
const char *people_cfg_base(request_rec *r);
/* PeoplePutMode replace (default merge). */
int people_cfg_put_replace(request_rec *r);
/* PeopleMaxContacts (default 100). */
int people_cfg_max_contacts(request_rec *r);
/* PeopleMaxBody (default 65536). */
apr_off_t people_cfg_max_body(request_rec *r);
/* PeopleProfileURL (default ONLYOFFICE's profile page). */
const char *people_cfg_profile_url(request_rec *r);
/* PeopleCORSOrigin: the origins (or "*"), NULL when none is set. */
const apr_array_header_t *people_cfg_cors(request_rec *r);
/* The identity settings (mod_people_identity.c), from a request or from
 * a directive handler's per-directory config. */
struct people_ident_cfg *people_cfg_ident(request_rec *r);
struct people_ident_cfg *people_cfg_ident_of(void *dconf);
/* Has mod_dbd prepare the module's statements for this server, once;
 * who names the directive in the error when mod_dbd is missing. */
const char *people_cfg_prepare_statements(cmd_parms *cmd, const char *who);
/* PeoplePrivateData (default members): who sees others' private data. */
people_privacy_e people_cfg_private_data(request_rec *r);
/* PeopleDurability of a server (default group). */
people_durability_e people_cfg_durability(server_rec *s);

#endif
