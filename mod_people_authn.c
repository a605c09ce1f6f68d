/* The token endpoint ONLYOFFICE clients start from (spec section 10):
 *
 *   <Location "/api/2.0/authentication">
 *       PeopleAuthentication On
 *       PeopleAuthnProvider file
 *       AuthUserFile /etc/apache2/people.htpasswd
 *   </Location>
 *
 * POST {"userName":..,"password":..} (JSON or a form) is checked by the
 * authn providers httpd's AuthBasicProvider uses (file, dbd, ldap,
 * socache), as mod_auth_form does: each reads its own settings
 * (AuthUserFile, AuthLDAPURL...) from this location. A good password gets
 * a new token, stored hashed, for PeopleTokenLifetime days: 201
 * {"token":..,"expires":..}. A wrong password and an unknown user get the
 * same 401 after about the same time, logged at info with the user name
 * and the client's address (never the password) for fail2ban.
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_provider.h"
#include "mod_auth.h"
#include "util_script.h"

#include "apr_strings.h"
#include "apr_atomic.h"
#include "apr_md5.h"

#include "src/people_identity.h"
#include "src/people_store.h"
#include "src/people_token.h"

#include "mod_people_private.h"
#include "mod_people_config.h"
#include "mod_people_http.h"
#include "mod_people_commit.h"
#include "mod_people_status.h"
#include "mod_people_identity.h"

/* most form fields read (userName, password and a few more a client may
 * add) and their total size */
#define PEOPLE_FORM_FIELDS 8
#define PEOPLE_FORM_BYTES  8192

/* A bcrypt hash of a password no one knows, at htpasswd -B's cost (5): an
 * unknown user's password is checked against it, so that the answer takes
 * about as long as for a user whose password was wrong. */
static const char people_dummy_hash[] =
    "$2y$05$V21Nc3zvnc5RIHsL4jI3hOC.A1g6T19ENeKZSG5RjAQ2g6BrHB0Ym";

/* How long the providers took to check a password that existed, in
 * microseconds, averaged in this process: refusals wait at least that. */
static volatile apr_uint32_t people_check_us;

static void people_note_check_time(apr_interval_time_t took)
{
    apr_uint32_t old = apr_atomic_read32(&people_check_us);
    apr_uint32_t now = took > 10 * APR_USEC_PER_SEC ? 10 * APR_USEC_PER_SEC
                                                    : (apr_uint32_t)took;
    /* a moving average: one slow check does not set the pace */
    apr_atomic_set32(&people_check_us, old ? (old * 7 + now) / 8 : now);
}

/* --- Reading the body --- */

static const char *people_form_value(request_rec *r, apr_array_header_t *pairs,
                                     const char *key, int *bad)
{
    const char *found = NULL;
    int i;

    for (i = 0; i < pairs->nelts; i++) {
        ap_form_pair_t *f = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        apr_off_t len;
        apr_size_t size;
        char *buf;

        if (strcasecmp(f->name, key) != 0) {
            continue;
        }
        if (found || apr_brigade_length(f->value, 1, &len) != APR_SUCCESS
            || len > PEOPLE_FORM_BYTES) {
            *bad = 1;
            return NULL;
        }
        size = (apr_size_t)len;
        buf = apr_palloc(r->pool, size + 1);
        apr_brigade_flatten(f->value, buf, &size);
        buf[size] = '\0';
        if (strlen(buf) != size) {
            /* a NUL inside */
            *bad = 1;
            return NULL;
        }
        found = buf;
    }
    return found;
}

/* userName and password from a JSON or form body: OK, or DONE having
 * answered 400, 413 or 415. */
static int people_read_login(request_rec *r, const char **user,
                             const char **password)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *err;

    if (people_is_json_type(ct)) {
        char *buf;
        size_t len;
        if (people_read_json_body(r, &buf, &len) != OK) {
            return DONE;
        }
        err = people_login_parse_json(r->pool, buf, len, user, password);
    }
    else if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33)
             && (!ct[33] || ct[33] == ';' || ct[33] == ' ')) {
        apr_array_header_t *pairs = NULL;
        int bad = 0, rv = ap_parse_form_data(r, NULL, &pairs,
                                             PEOPLE_FORM_FIELDS,
                                             PEOPLE_FORM_BYTES);
        if (rv != OK) {
            people_answer_error(r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE
                                   ? rv : HTTP_BAD_REQUEST,
                                "the form could not be read");
            return DONE;
        }
        *user = people_form_value(r, pairs, "userName", &bad);
        *password = people_form_value(r, pairs, "password", &bad);
        err = bad ? "userName and password must each be given once"
              : (!*user || !**user || !*password || !**password)
                ? "userName and password are required" : NULL;
    }
    else {
        people_answer_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                            "the body must be application/json or "
                            "application/x-www-form-urlencoded");
        return DONE;
    }
    if (err) {
        people_answer_error(r, HTTP_BAD_REQUEST, err);
        return DONE;
    }
    return OK;
}

/* --- Checking the password --- */

static authn_status people_check_password(request_rec *r, const char *user,
                                          const char *password)
{
    const apr_array_header_t *names = people_ident_providers(r);
    authn_status st = AUTH_USER_NOT_FOUND;
    int i, n = names ? names->nelts : 1;

    for (i = 0; i < n && st == AUTH_USER_NOT_FOUND; i++) {
        const char *name = names ? APR_ARRAY_IDX(names, i, const char *)
                                 : AUTHN_DEFAULT_PROVIDER;
        const authn_provider *prov = ap_lookup_provider(
            AUTHN_PROVIDER_GROUP, name, AUTHN_PROVIDER_VERSION);

        if (!prov || !prov->check_password) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(65)
                          "the authn provider '%s' is not loaded (load "
                          "mod_authn_%s, or name another with "
                          "PeopleAuthnProvider)", name, name);
            return AUTH_GENERAL_ERROR;
        }
        /* some providers (socache, ldap) read which one they are here */
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, name);
        st = prov->check_password(r, user, password);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
    }
    return st;
}

/* The one answer to every refused login, after at least as long as a
 * password check takes. */
static int people_login_refused(request_rec *r, apr_time_t t0,
                                const char *user, const char *why)
{
    apr_interval_time_t spent = apr_time_now() - t0;
    apr_interval_time_t pace = apr_atomic_read32(&people_check_us);

    if (spent < pace) {
        apr_sleep(pace - spent);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(66)
                  "token endpoint refused user \"%s\" from %s: %s",
                  ap_escape_logitem(r->pool, user), r->useragent_ip, why);
    people_status_count(PEOPLE_STAT_AUTH_REFUSED, 1);
    return people_answer_error(r, HTTP_UNAUTHORIZED,
                               "wrong user name or password");
}

/* --- Issuing the token --- */

typedef struct {
    const char *user_id;
    const char *hash;
    apr_int64_t now, expires;
    people_rc_e rc;
} people_issue_t;

static people_rc_e people_issue_write(request_rec *r, people_db_t *db,
                                      int wait_ms, void *baton,
                                      const char **err)
{
    people_issue_t *t = baton;
    return people_store_issue_token(r->pool, db, t->user_id, t->hash,
                                    "authentication", t->now, t->expires,
                                    wait_ms, err);
}

static int people_issue_step(request_rec *r, people_db_t *db, void *baton)
{
    people_issue_t *t = baton;
    return people_ident_write(r, db, people_issue_write, t, &t->rc,
                              "storing a new token");
}

static int people_issue(request_rec *r, const people_caller_t *who)
{
    const char *token = people_token_generate(r->pool);
    people_issue_t t;
    const char *expires;
    char *body;
    size_t len;
    int rv;

    memset(&t, 0, sizeof(t));
    if (!token) {
        return people_answer_unavailable(r);
    }
    t.user_id = who->id;
    t.hash = people_token_hash(r->pool, token);
    t.now = apr_time_sec(r->request_time);
    t.expires = t.now + people_ident_token_lifetime(r);
    if (!t.hash || !(expires = people_time_format(r->pool, t.expires))) {
        return people_answer_unavailable(r);
    }
    if ((rv = people_db_run(r, people_issue_step, &t)) != OK) {
        return rv;
    }
    if (t.rc != PEOPLE_OK) {
        return people_answer_unavailable(r);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PEOPLELOGNO(67)
                  "issued a token to %s, expires %s", who->username, expires);
    body = people_login_envelope(r->pool, token, expires, &len);
    return people_send_json(r, HTTP_CREATED, body, len);
}

int people_authn_handler(request_rec *r)
{
    const char *user = NULL, *password = NULL;
    people_caller_t who;
    authn_status st;
    apr_time_t t0;
    people_rc_e rc;
    int rv = OK;

    if (!people_ident_authentication(r)) {
        return DECLINED;
    }
    r->allowed = (AP_METHOD_BIT << M_POST) | (AP_METHOD_BIT << M_OPTIONS);
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", "POST, OPTIONS");
        r->status = HTTP_NO_CONTENT;
        return OK;
    }
    if (r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "POST, OPTIONS");
        return people_answer_error(r, HTTP_METHOD_NOT_ALLOWED,
                                   "the token endpoint takes POST");
    }
    if (people_read_login(r, &user, &password) != OK) {
        return OK;
    }
    t0 = apr_time_now();
    st = people_check_password(r, user, password);
    switch (st) {
    case AUTH_GRANTED:
    case AUTH_DENIED:
        people_note_check_time(apr_time_now() - t0);
        break;
    case AUTH_USER_NOT_FOUND:
        /* as long as checking a password takes */
        apr_password_validate(password, people_dummy_hash);
        break;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PEOPLELOGNO(68)
                      "the authn providers could not check user \"%s\" "
                      "(their messages above say why)",
                      ap_escape_logitem(r->pool, user));
        return people_answer_error(r, HTTP_SERVICE_UNAVAILABLE,
                                   "the password could not be checked; try "
                                   "again shortly");
    }
    if (st != AUTH_GRANTED) {
        return people_login_refused(r, t0, user,
                                    st == AUTH_DENIED ? "wrong password"
                                                      : "unknown user");
    }
    rc = people_identity_lookup(r, user, &who, &rv);
    if (rc == PEOPLE_DB_ERROR) {
        return rv == OK ? people_answer_unavailable(r) : OK;
    }
    if (rc != PEOPLE_OK || who.status == 2) {
        return people_login_refused(r, t0, user,
                                    rc != PEOPLE_OK ? "no People user"
                                                    : "user terminated");
    }
    /* the providers may have left attributes (mod_authnz_ldap does) */
    if ((rv = people_identity_apply_maps(r, who.id)) != OK) {
        return rv == DONE ? OK : rv;
    }
    /* %u in the access log */
    r->user = apr_pstrdup(r->pool, who.username);
    return people_issue(r, &who);
}
