"""Identity from httpd (spec section 10), with httpd's real authentication modules:
mod_auth_basic + mod_authn_file on an htpasswd file made by apache2-utils, mod_ldap +
mod_authnz_ldap against a private slapd on loopback, a trusted proxy reached from
127.0.0.2, and the token endpoint checking passwords through httpd's authn providers."""

import atexit
import base64
import calendar
import hashlib
import re
import socket
import statistics
import threading
import time

import pytest

import harness
from checks import describe, error, strong_etag, success, unauthorized, unchanged
from identity_fixtures import PEOPLE_OU, Htpasswd, Slapd

API = harness.API_BASE
# mod_auth_basic's own lines for a refused login (user not found, wrong password, another
# scheme): httpd logs them at error
BASIC_REFUSED = r"AH0161[478]"
LOC_BASIC = "/basic"          # PeopleIdentity httpd, Basic over htpasswd
LOC_AUTO = "/auto"            # the same with PeopleAutoCreate On
LOC_BOTH = "/both"            # PeopleIdentity token httpd, Basic over htpasswd
LOC_LDAP = "/ldap"            # PeopleIdentity httpd, Basic over LDAP, attributes mapped
LOC_PROXY = "/proxy"          # PeopleIdentity httpd behind a trusted proxy (127.0.0.2)
AUTHN = "/api/2.0/authentication"          # the token endpoint, htpasswd
AUTHN_LDAP = "/ldap/api/2.0/authentication"  # the token endpoint, LDAP
AUTHN_DBD = "/dbd/api/2.0/authentication"    # the token endpoint, mod_authn_dbd
# mod_authn_dbd's table, in the server's own database (the driver mod_dbd already uses)
DBD_TABLE = "authn_test_users"
PROXY_HEADER = "X-Remote-User"
# mod_remoteip takes the client's address from this header when 127.0.0.1 sends it (a
# header of the tests' own, so no other test meets mod_remoteip)
REMOTEIP_HEADER = "X-People-Test-Client-IP"
TOKEN_DAYS = 7
ORIGIN_FOREIGN = "https://evil.example.test"

# every password the tests send, looked for in the logs at the end
PASSWORDS = set()
_lock = threading.Lock()
_slapd = None
_counter = iter(range(1, 1_000_000))


def _uniq(prefix):
    return f"{prefix}{next(_counter)}"


def slapd_for_run(workdir):
    """One slapd for the whole run, started when the first server's configuration needs
    its port; stopped at exit."""
    global _slapd
    with _lock:
        if _slapd is None:
            _slapd = Slapd(workdir).start()
            atexit.register(_slapd.stop)
        return _slapd


def _ours(server):
    # only the shared fixture's servers: the Server subclasses of other files keep
    # their configuration as it is
    return type(server) is harness.Server and not server.selftest


@harness.on_setup
def _identity_files(server):
    if not _ours(server):
        return
    server.htpasswd = Htpasswd(server.root / "people.htpasswd")
    server.htpasswd.set("nobody-in-people", "placeholder-" + _uniq("pw"))
    # made before httpd starts: mod_dbd prepares mod_authn_dbd's query on every connection
    sql = f"CREATE TABLE {DBD_TABLE} (name VARCHAR(255) PRIMARY KEY, hash VARCHAR(255) NOT NULL);"
    if server.db == "sqlite":
        server.sqlite_exec(sql)
    else:
        server.psql(sql)


@harness.on_config
def _identity_config(server, conf):
    if not _ours(server):
        return
    ldap = slapd_for_run(server.root.parent)
    server.slapd = ldap
    for m in ("authn_core", "authn_file", "authn_dbd", "auth_basic", "authz_user", "ldap",
              "authnz_ldap", "remoteip"):
        conf.add_module(m)
    conf.add(f"RemoteIPHeader {REMOTEIP_HEADER}", "RemoteIPInternalProxy 127.0.0.1")
    # a change in LDAP shows at once
    conf.add("LDAPCacheEntries 0", "LDAPOpCacheEntries 0")
    htpasswd = server.root / "people.htpasswd"
    basic = ['AuthType Basic', 'AuthName "people"', "AuthBasicProvider file",
             f'AuthUserFile "{htpasswd}"', "Require valid-user",
             # the password checks in the logs at the end see everything
             "LogLevel debug"]
    ldap_url = (f'AuthLDAPURL "{ldap.url}/{PEOPLE_OU}?uid,givenName,sn,mail,'
                f'telephoneNumber,title?one?(objectClass=inetOrgPerson)"')
    conf.add_location(LOC_BASIC + API, "PeopleAPI On", "PeopleIdentity httpd", *basic)
    conf.add_location(LOC_AUTO + API, "PeopleAPI On", "PeopleIdentity httpd",
                      "PeopleAutoCreate On", *basic)
    conf.add_location(LOC_BOTH + API, "PeopleAPI On", "PeopleIdentity token httpd", *basic)
    conf.add_location(LOC_LDAP + API, "PeopleAPI On", "PeopleIdentity httpd",
                      "PeopleAutoCreate On",
                      "PeopleMapAttribute firstName AUTHENTICATE_givenName",
                      "PeopleMapAttribute lastName AUTHENTICATE_sn",
                      "PeopleMapAttribute email AUTHENTICATE_mail",
                      "PeopleMapAttribute title AUTHENTICATE_title",
                      "PeopleMapAttribute contact:extphone AUTHENTICATE_telephoneNumber",
                      "AuthType Basic", 'AuthName "people"', "AuthBasicProvider ldap",
                      ldap_url, "Require valid-user", "LogLevel debug")
    conf.add_location(LOC_PROXY + API, "PeopleAPI On", "PeopleIdentity httpd",
                      "PeopleTrustedProxy 127.0.0.2 ::ffff:127.0.0.2 10.99.0.0/16",
                      f"PeopleProxyUserHeader {PROXY_HEADER}", "LogLevel debug")
    conf.add_location(AUTHN, "PeopleAuthentication On", "PeopleAuthnProvider file",
                      f'AuthUserFile "{htpasswd}"', f"PeopleTokenLifetime {TOKEN_DAYS}",
                      "LogLevel debug")
    conf.add_location(AUTHN_DBD, "PeopleAuthentication On", "PeopleAuthnProvider dbd",
                      f'AuthDBDUserPWQuery "SELECT hash FROM {DBD_TABLE} WHERE name = %s"',
                      "LogLevel debug")
    conf.add_location(AUTHN_LDAP, "PeopleAuthentication On", "PeopleAuthnProvider ldap",
                      ldap_url, "PeopleAutoCreate On",
                      "PeopleMapAttribute firstName AUTHENTICATE_givenName",
                      "PeopleMapAttribute lastName AUTHENTICATE_sn", "LogLevel debug")


# --------------------------------------------------------------------------- helpers

def basic(user, password):
    PASSWORDS.add(password)
    raw = f"{user}:{password}".encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def htuser(server, prefix="ht", password=None):
    """A People user and an htpasswd entry of the same name; returns (user, password)."""
    u = server.new_user(prefix)
    pw = password or "pw-" + _uniq("secret") + "-Zq9"
    server.htpasswd.set(u.name, pw)
    PASSWORDS.add(pw)
    return u, pw


def profile_of(server, name):
    out = server.people_admin("user", "show", name).stdout
    import json
    return json.loads(out)


def count_users(server):
    return len(server.people_admin("user", "list").stdout.strip().splitlines())


# --------------------------------------------------------------------------- Basic + htpasswd

@pytest.mark.expect_log(BASIC_REFUSED)
def test_basic_user_is_the_people_user(server, api):
    u, pw = htuser(server)
    r = api("GET", "/@self", loc=LOC_BASIC, headers=basic(u.name.upper(), pw))
    # htpasswd names are case-sensitive: the upper-case name is not in the file
    assert r.status_code == 401, describe(r)
    r = api("GET", "/@self", loc=LOC_BASIC, headers=basic(u.name, pw))
    p = success(r)
    assert p["id"] == u.id and p["userName"] == u.name
    # %u shows the People user
    assert server.wait_access_line(f' {u.name} [')


@pytest.mark.expect_log(BASIC_REFUSED)
def test_basic_wrong_password_and_unknown_user(server, api):
    u, pw = htuser(server)
    for hdrs in (basic(u.name, pw + "x"), basic("no-such-" + _uniq("u"), pw), {}):
        r = api("GET", "/@self", loc=LOC_BASIC, headers=hdrs)
        assert r.status_code == 401, describe(r)
        # httpd's own challenge: the browser may ask for a password
        assert r.headers.get("WWW-Authenticate", "").startswith("Basic"), describe(r)


def test_basic_user_unknown_to_people_is_403(server, api):
    name = _uniq("stranger")
    pw = "pw-" + _uniq("s")
    server.htpasswd.set(name, pw)
    before = count_users(server)
    r = api("GET", "/@self", loc=LOC_BASIC, headers=basic(name, pw))
    assert "not a user" in error(r, 403)
    assert count_users(server) == before
    assert re.search(rf"PEOPLE64: refused: httpd user {name} is no People user",
                     server.errlog.text())


def test_auto_create_adds_the_user_once(server, api):
    name = _uniq("newbie")
    pw = "pw-" + _uniq("n")
    server.htpasswd.set(name, pw)
    before = count_users(server)
    p = success(api("GET", "/@self", loc=LOC_AUTO, headers=basic(name, pw)))
    assert p["userName"] == name
    assert p["isAdmin"] is False and p["activationStatus"] == 1 and p["status"] == 1
    p2 = success(api("GET", "/@self", loc=LOC_AUTO, headers=basic(name, pw)))
    assert p2["id"] == p["id"]
    assert count_users(server) == before + 1
    # the location without PeopleAutoCreate knows the user now
    assert success(api("GET", "/@self", loc=LOC_BASIC, headers=basic(name, pw)))["id"] == p["id"]


def test_auto_create_concurrent_first_requests_make_one_user(server, api):
    name = _uniq("rush")
    pw = "pw-" + _uniq("r")
    server.htpasswd.set(name, pw)
    before = count_users(server)
    results = []

    def first_sight():
        r = server.request("GET", api.url("/@self", LOC_AUTO), headers=basic(name, pw))
        results.append((r.status_code, r.json()["response"]["id"] if r.ok else r.text))

    threads = [threading.Thread(target=first_sight) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code == 200 for code, _ in results), results
    assert len({i for _, i in results}) == 1, results
    assert count_users(server) == before + 1


def test_auto_create_refuses_names_that_cannot_route(server, api):
    before = count_users(server)
    for name in ("status", "x.json", "@home"):
        pw = "pw-" + _uniq("r")
        server.htpasswd.set(name, pw)
        error(api("GET", "/@self", loc=LOC_AUTO, headers=basic(name, pw)), 403)
        server.htpasswd.delete(name)
    assert count_users(server) == before


def test_basic_write_changes_own_contacts_only(server, api, alice):
    u, pw = htuser(server)
    r = api("PUT", "/@self/contacts", loc=LOC_BASIC, headers=basic(u.name, pw),
            json={"contacts": [{"type": "skype", "value": "own.skype"}]})
    assert ("skype", "own.skype") in [(c["type"], c["value"]) for c in success(r)["contacts"]]
    with unchanged(server):
        r = api("PUT", f"/{alice.id}/contacts", loc=LOC_BASIC, headers=basic(u.name, pw),
                json={"contacts": [{"type": "skype", "value": "hijack"}]})
        error(r, 403)


def test_terminated_httpd_user_is_refused(server, api):
    u, pw = htuser(server)
    server.people_admin("user", "set", u.name, "--status", "terminated")
    error(api("GET", "/@self", loc=LOC_BASIC, headers=basic(u.name, pw)), 403)


@pytest.mark.expect_log(BASIC_REFUSED)
def test_httpd_only_location_ignores_tokens(server, api, alice):
    # no Basic credentials: httpd asks for them, whatever token comes along
    r = api("GET", "/@self", token=alice.token, loc=LOC_BASIC)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")


# --------------------------------------------------------------------------- token + httpd

def test_token_alone(server, api, alice):
    p = success(api("GET", "/@self", token=alice.token, loc=LOC_BOTH))
    assert p["id"] == alice.id


def test_bad_token_is_401_without_trying_basic(server, api):
    u, pw = htuser(server)
    r = api("GET", "/@self", token="not-a-valid-token-" + _uniq("t"), loc=LOC_BOTH)
    unauthorized(r)
    # a token in the cookie and good Basic credentials: the token decides
    hdrs = basic(u.name, pw)
    hdrs["Cookie"] = "asc_auth_key=also-not-valid-" + _uniq("t")
    unauthorized(api("GET", "/@self", loc=LOC_BOTH, headers=hdrs))


def test_no_token_goes_to_basic(server, api):
    u, pw = htuser(server)
    r = api("GET", "/@self", loc=LOC_BOTH)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert success(api("GET", "/@self", loc=LOC_BOTH, headers=basic(u.name, pw)))["id"] == u.id


def test_options_needs_no_credentials(server, api):
    r = api("OPTIONS", "/@self/contacts", loc=LOC_BOTH)
    assert r.status_code == 204, describe(r)
    r = api("OPTIONS", "/@self", loc=LOC_BASIC)
    assert r.status_code == 204, describe(r)


# --------------------------------------------------------------------------- cross-site

def test_cross_site_write_with_basic_is_refused(server, api):
    u, pw = htuser(server)
    body = {"contacts": [{"type": "skype", "value": "csrf"}]}
    with unchanged(server):
        hdrs = dict(basic(u.name, pw), Origin=ORIGIN_FOREIGN)
        error(api("PUT", "/@self/contacts", loc=LOC_BASIC, headers=hdrs, json=body), 403)
        hdrs = dict(basic(u.name, pw), Referer=ORIGIN_FOREIGN + "/page")
        error(api("PUT", "/@self/contacts", loc=LOC_BASIC, headers=hdrs, json=body), 403)
    hdrs = dict(basic(u.name, pw), Origin=server.url)
    success(api("PUT", "/@self/contacts", loc=LOC_BASIC, headers=hdrs, json=body))


# --------------------------------------------------------------------------- LDAP

def ldap_person(server, **kw):
    uid = _uniq("ldap")
    pw = "ldap-pw-" + _uniq("p") + "!"
    PASSWORDS.add(pw)
    attrs = dict(given="Lena", sn="Dap", mail=f"{uid}@corp.example.test",
                 phone="+1 555 0100", title="Engineer")
    attrs.update(kw)
    server.slapd.add_person(uid, pw, **attrs)
    return uid, pw


@pytest.mark.expect_log(BASIC_REFUSED)
def test_ldap_user_is_created_with_mapped_attributes(server, api):
    uid, pw = ldap_person(server, given="Lena", sn="Dap")
    p = success(api("GET", "/@self", loc=LOC_LDAP, headers=basic(uid, pw)))
    assert p["userName"] == uid
    assert (p["firstName"], p["lastName"]) == ("Lena", "Dap")
    assert p["email"] == f"{uid}@corp.example.test"
    assert p["title"] == "Engineer"
    assert p["isLDAP"] is True
    assert [(c["type"], c["value"]) for c in p["contacts"]] == [("extphone", "+1 555 0100")]
    r = api("GET", "/@self", loc=LOC_LDAP, headers=basic(uid, pw + "x"))
    assert r.status_code == 401
    # LDAP matches the login in any case; %u shows the People user's own spelling
    p2 = success(api("GET", "/@self", loc=LOC_LDAP, headers=basic(uid.upper(), pw)))
    assert p2["id"] == p["id"]
    assert server.wait_access_line(f' {uid} [') and not server.wait_access_line(
        f' {uid.upper()} [', timeout=0.2)


@pytest.mark.expect_log(BASIC_REFUSED)
def test_ldap_filter_characters_in_the_login_match_no_one(server, api):
    uid, pw = ldap_person(server)
    before = count_users(server)
    for login in ("*", f"{uid[:3]}*", f"{uid})(uid=*", "\\2a"):
        r = api("GET", "/@self", loc=LOC_LDAP, headers=basic(login, pw))
        assert r.status_code == 401, (login, describe(r))
    assert count_users(server) == before


def test_ldap_change_reaches_the_profile_and_own_contacts_survive(server, api):
    uid, pw = ldap_person(server)
    auth = basic(uid, pw)
    success(api("GET", "/@self", loc=LOC_LDAP, headers=auth))
    # the user adds contacts of their own, one of them of the mapped type's neighbours
    r = api("PUT", "/@self/contacts", loc=LOC_LDAP, headers=auth,
            json={"contacts": [{"type": "skype", "value": "lena.own"},
                               {"type": "mobphone", "value": "+1 555 0111"}]})
    success(r)
    server.slapd.replace(uid, "telephoneNumber", "+1 555 0199")
    server.slapd.replace(uid, "givenName", "Lenä")
    p = success(api("GET", "/@self", loc=LOC_LDAP, headers=auth))
    assert p["firstName"] == "Lenä"
    got = [(c["type"], c["value"]) for c in p["contacts"]]
    assert got == [("extphone", "+1 555 0199"), ("skype", "lena.own"),
                   ("mobphone", "+1 555 0111")], got
    # an API write of the mapped type is overridden by the directory on the next request
    success(api("PUT", "/@self/contacts", loc=LOC_LDAP, headers=auth,
                json={"contacts": [{"type": "extphone", "value": "typed by hand"}]}))
    p = success(api("GET", "/@self", loc=LOC_LDAP, headers=auth))
    assert ("extphone", "+1 555 0199") in [(c["type"], c["value"]) for c in p["contacts"]]


def test_ldap_unchanged_attributes_cause_no_write(server, api):
    uid, pw = ldap_person(server)
    auth = basic(uid, pw)
    first = api("GET", "/@self", loc=LOC_LDAP, headers=auth)
    success(first)
    etag = strong_etag(first)
    with unchanged(server):
        for _ in range(3):
            r = api("GET", "/@self", loc=LOC_LDAP, headers=auth)
            success(r)
            assert strong_etag(r) == etag
        r = api("GET", "/@self", loc=LOC_LDAP, headers=dict(auth, **{"If-None-Match": etag}))
        assert r.status_code == 304, describe(r)
    server.slapd.replace(uid, "title", "Architect")
    r = api("GET", "/@self", loc=LOC_LDAP, headers=auth)
    assert success(r)["title"] == "Architect" and strong_etag(r) != etag
    # the directory's keys follow the mapped write: colleagues find the new title
    listed = api("GET", f"/filter?filterBy=userName&filterOp=equals&filterValue={uid}",
                 loc=LOC_LDAP, headers=auth).json()["response"]
    assert [p["title"] for p in listed] == ["Architect"]
    found = api("GET", "/filter?filterValue=architect", loc=LOC_LDAP,
                headers=auth).json()["response"]
    assert uid in [p["userName"] for p in found]


def test_ldap_removed_phone_removes_only_the_mapped_contact(server, api):
    uid, pw = ldap_person(server)
    auth = basic(uid, pw)
    success(api("GET", "/@self", loc=LOC_LDAP, headers=auth))
    success(api("PUT", "/@self/contacts", loc=LOC_LDAP, headers=auth,
                json={"contacts": [{"type": "skype", "value": "keep.me"}]}))
    server.slapd.replace(uid, "telephoneNumber", None)
    p = success(api("GET", "/@self", loc=LOC_LDAP, headers=auth))
    # mod_authnz_ldap sets an attribute the entry lacks to "": the mapped contact goes,
    # the user's own stays
    assert [(c["type"], c["value"]) for c in p["contacts"]] == [("skype", "keep.me")]


def test_ldap_bad_attribute_value_is_left_out(server, api):
    long_title = "T" * 300
    uid, pw = ldap_person(server, title=long_title)
    p = success(api("GET", "/@self", loc=LOC_LDAP, headers=basic(uid, pw)))
    assert p["title"] is None and p["firstName"] == "Lena"
    assert re.search(r"PEOPLE63: PeopleMapAttribute: title from AUTHENTICATE_title",
                     server.errlog.text())


# --------------------------------------------------------------------------- trusted proxy

def raw_from(server, source, target, headers=()):
    """One request from a client socket bound to `source` (a loopback address)."""
    lines = [f"GET {target} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers]
    server.count_request()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.bind((source, 0))
        s.connect(("127.0.0.1", server.port))
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_trusted_proxy_header_from_listed_address(server, alice):
    status, body = raw_from(server, "127.0.0.2", f"{LOC_PROXY}{API}/@self",
                            [(PROXY_HEADER, alice.name)])
    assert status == 200, body[:300]
    assert b'"id":"' + alice.id.encode() + b'"' in body.replace(b" ", b"")
    # the server saw the request from 127.0.0.2, and %u shows alice
    assert server.wait_access_line(f"127.0.0.2 - {alice.name} [")


def test_proxy_header_from_other_address_is_ignored(server, alice):
    with unchanged(server):
        status, body = raw_from(server, "127.0.0.1", f"{LOC_PROXY}{API}/@self",
                                [(PROXY_HEADER, alice.name),
                                 ("X-Forwarded-For", "127.0.0.2")])
    assert status == 401, body[:300]
    assert alice.id.encode() not in body
    assert re.search(r"PEOPLE60: ignored X-Remote-User from 127\.0\.0\.1, which is not a "
                     r"PeopleTrustedProxy", server.errlog.text())


def test_address_mod_remoteip_rewrote_is_not_trusted(server, alice):
    # 127.0.0.1 claims, in the header mod_remoteip believes from it, that the client is
    # 127.0.0.2: mod_remoteip makes that the client's address, but the TCP peer is still
    # 127.0.0.1, which is not a trusted proxy
    with unchanged(server):
        status, body = raw_from(server, "127.0.0.1", f"{LOC_PROXY}{API}/@self",
                                [(PROXY_HEADER, alice.name), (REMOTEIP_HEADER, "127.0.0.2")])
    assert status == 401, body[:300]
    assert alice.id.encode() not in body
    assert server.wait_access_line(f"127.0.0.2 - - [")
    assert re.search(r"\[client 127\.0\.0\.2:\d+\] PEOPLE60: ignored X-Remote-User from "
                     r"127\.0\.0\.1,", server.errlog.text())


def test_trusted_proxy_unknown_user_is_403(server):
    status, body = raw_from(server, "127.0.0.2", f"{LOC_PROXY}{API}/@self",
                            [(PROXY_HEADER, "nobody-" + _uniq("p"))])
    assert status == 403, body[:300]


def test_trusted_proxy_names_users_by_name_only(server, bob):
    # an id, an email or a different spelling is no user name
    for who in (bob.id, bob.email, f"x{bob.name}", f"{bob.name},alice"):
        status, body = raw_from(server, "127.0.0.2", f"{LOC_PROXY}{API}/@self",
                                [(PROXY_HEADER, who)])
        assert status == 403, (who, body[:300])
        assert bob.id.encode() not in body


def test_trusted_proxy_without_header_is_401(server):
    status, _ = raw_from(server, "127.0.0.2", f"{LOC_PROXY}{API}/@self")
    assert status == 401


# --------------------------------------------------------------------------- token endpoint

def post_login(server, user, password, form=False, path=AUTHN):
    PASSWORDS.add(password)
    url = server.url + path
    if form:
        return server.request("POST", url, data={"userName": user, "password": password})
    return server.request("POST", url, json={"userName": user, "password": password})


def issued(r):
    assert r.status_code == 201, describe(r)
    body = r.json()
    assert body["status"] == 0 and body["statusCode"] == 201 and body["count"] == 1
    token, expires = body["response"]["token"], body["response"]["expires"]
    assert re.fullmatch(r"[0-9a-f]{48}", token), token
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0000000Z", expires), expires
    return token, expires


def test_token_endpoint_json_and_form(server, api):
    u, pw = htuser(server, "tok")
    for form in (False, True):
        token, expires = issued(post_login(server, u.name, pw, form=form))
        server.note_token(token)
        exp = calendar.timegm(time.strptime(expires[:19], "%Y-%m-%dT%H:%M:%S"))
        assert abs(exp - (time.time() + TOKEN_DAYS * 86400)) < 120
        p = success(api("GET", "/@self", token=token))
        assert p["id"] == u.id
        assert server.wait_access_line(f' {u.name} [')


def test_token_is_stored_hashed_only(server, api):
    u, pw = htuser(server, "tok")
    token, _ = issued(post_login(server, u.name, pw))
    server.note_token(token)
    assert token not in server.db_snapshot()
    assert hashlib.sha256(token.encode()).hexdigest() in server.db_snapshot()


def test_token_endpoint_expiry(server, api):
    u, pw = htuser(server, "tok")
    token, _ = issued(post_login(server, u.name, pw))
    server.note_token(token)
    success(api("GET", "/@self", token=token))
    h = hashlib.sha256(token.encode()).hexdigest()
    assert server.sql_changes(f"UPDATE people_tokens SET expires = 1 WHERE hash = '{h}'") == 1
    unauthorized(api("GET", "/@self", token=token))


def test_token_endpoint_refusals_are_the_same(server):
    u, pw = htuser(server, "tok")
    stranger = "nobody-" + _uniq("x")
    answers = []
    with unchanged(server):
        for user, password in ((u.name, pw + "-wrong"), (stranger, pw), (u.name.upper(), pw)):
            r = post_login(server, user, password)
            assert r.status_code == 401, describe(r)
            answers.append((r.content, r.headers.get("WWW-Authenticate")))
    assert len(set(answers)) == 1, answers
    log = server.errlog.text()
    assert re.search(rf'PEOPLE66: token endpoint refused user "{u.name}" from 127\.0\.0\.1: '
                     r"wrong password", log)
    assert re.search(rf'PEOPLE66: token endpoint refused user "{stranger}" from 127\.0\.0\.1: '
                     r"unknown user", log)


def test_token_endpoint_unknown_user_takes_about_as_long(server):
    u, pw = htuser(server, "tok")
    wrong, unknown = [], []
    post_login(server, u.name, pw + "-warm")
    for i in range(8):
        for who, out in ((u.name, wrong), ("nobody-" + _uniq("t"), unknown)):
            t0 = time.perf_counter()
            r = post_login(server, who, pw + "-wrong")
            out.append(time.perf_counter() - t0)
            assert r.status_code == 401
    # without the dummy check an unknown user is answered several times faster
    assert statistics.median(unknown) > 0.5 * statistics.median(wrong), (wrong, unknown)


def test_token_endpoint_user_not_in_people(server):
    name = _uniq("htonly")
    pw = "pw-" + _uniq("h")
    server.htpasswd.set(name, pw)
    with unchanged(server):
        r = post_login(server, name, pw)
    error(r, 401)


def test_token_endpoint_bad_requests(server):
    url = server.url + AUTHN
    with unchanged(server):
        r = server.request("GET", url)
        error(r, 405)
        assert r.headers.get("Allow") == "POST, OPTIONS", describe(r)
        error(server.request("POST", url, data="userName=a", headers={
            "Content-Type": "text/plain"}), 415)
        error(server.request("POST", url, json={"userName": "a"}), 400)
        error(server.request("POST", url, data=b"{", headers={
            "Content-Type": "application/json"}), 400)
        error(server.request("POST", url, data="userName=a&userName=b&password=c",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}),
              400)
        big = "userName=a&password=" + "p" * 20000
        r = server.request("POST", url, data=big,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code in (400, 413), describe(r)
        assert r.headers["Content-Type"].startswith("application/json"), describe(r)


def test_token_endpoint_through_ldap(server, api):
    uid, pw = ldap_person(server, given="Tom", sn="Ken")
    token, _ = issued(post_login(server, uid, pw, path=AUTHN_LDAP))
    server.note_token(token)
    p = success(api("GET", "/@self", token=token))
    assert p["userName"] == uid
    # the provider's attributes were mapped when the user was made
    assert (p["firstName"], p["lastName"], p["isLDAP"]) == ("Tom", "Ken", True)
    error(post_login(server, uid, pw + "x", path=AUTHN_LDAP), 401)


def dbd_user(server, name, password):
    """A row of mod_authn_dbd's table: the name and a bcrypt hash made by htpasswd."""
    PASSWORDS.add(password)
    out = harness.run(["htpasswd", "-nbB", "-C", "5", name, password]).stdout.strip()
    hashed = out.split(":", 1)[1]
    sql = f"INSERT INTO {DBD_TABLE} (name, hash) VALUES ('{name}', '{hashed}')"
    assert server.sql_changes(sql) == 1


def test_token_endpoint_through_mod_authn_dbd(server, api):
    u = server.new_user("dbd")
    pw = "dbd-pw-" + _uniq("d")
    dbd_user(server, u.name, pw)
    token, _ = issued(post_login(server, u.name, pw, path=AUTHN_DBD))
    server.note_token(token)
    assert success(api("GET", "/@self", token=token))["id"] == u.id
    with unchanged(server):
        error(post_login(server, u.name, pw + "x", path=AUTHN_DBD), 401)
        error(post_login(server, "nobody-" + _uniq("d"), pw, path=AUTHN_DBD), 401)
    # the file provider of the other location knows nothing of this user
    error(post_login(server, u.name, pw), 401)


# --------------------------------------------------------------------------- last: the logs

def test_zz_no_password_in_any_log(server):
    server.wait_for_access_log()
    logs = server.errlog.text() + server.acclog.text()
    leaked = [p for p in PASSWORDS if p in logs]
    assert not leaked, leaked
    assert PASSWORDS, "the tests sent no password"
