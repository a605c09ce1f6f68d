/* Write bodies, JSON or form: both become the JSON object the core reads
 * (spec section 5), so every write route takes either. */
#ifndef MOD_PEOPLE_FORM_H
#define MOD_PEOPLE_FORM_H

#include "httpd.h"
#include <jansson.h>

/* Reads a write's body into the JSON object it gives (released with the
 * request's pool): application/json, or application/x-www-form-urlencoded
 * decoded by httpd (ap_parse_form_data) and turned into the same object
 * (people_form.h). Either is at most PeopleMaxBody bytes as sent, and a
 * form has at most people_form_max_keys fields. OK, or DONE having
 * answered 415, 413 or 400. */
int people_read_body_object(request_rec *r, json_t **root);

/* The most fields a form may have: room for PeopleMaxContacts contacts
 * (two or three keys each) and every profile field. */
int people_form_max_keys(request_rec *r);

/* register_hooks: the input filter that counts a form's bytes. */
void people_form_register_hooks(apr_pool_t *p);

#endif
