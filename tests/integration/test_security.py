"""Security: tokens never logged (even at debug), revocation and expiry take effect at once,
SQL injection stored or matched literally everywhere, and no route or path encoding lets
one user read another's hidden fields or write their contacts."""

import hashlib
import json
import re
import urllib.parse
import uuid
from pathlib import Path

import pytest

import harness
from harness import API_BASE, LOC_REPLACE, LOC_SMALL
from checks import RawAnswer, contacts_body, error, pairs, success, unauthorized, unchanged

# ------------------------------------------------------------------ tokens and the logs

# everything at debug, plus the module's and mod_dbd's most detailed trace levels. httpd's
# core at trace levels logs request headers by design, so the core stays at debug.
DEBUG_LOGLEVEL = "debug people:trace8 dbd:trace8"
# httpd's core at debug logs the whole value of a request header it refuses as malformed
HTTPD_MALFORMED_HEADER = re.compile(r"\[core:debug\] .* AH02427: Request header value is "
                                    r"malformed: ")


class DebugLogServer(harness.Server):
    """A SQLite/event server of its own whose error log is written at debug."""

    def __init__(self, workdir):
        super().__init__("event", "sqlite", harness.mkdir(Path(workdir) / "security-debuglog"))
        self.name = "debuglog-event-sqlite"

    def loglevel(self):
        return DEBUG_LOGLEVEL


@pytest.fixture(scope="module")
def debug_server(workdir):
    yield from harness.serve(DebugLogServer(workdir))


def raw(server, method, path, headers=(), body=b""):
    """server.raw() as a response object the checks understand (path relative to the API)."""
    target = path if path.startswith("/api") or path.startswith(LOC_REPLACE) \
        or path.startswith(LOC_SMALL) else API_BASE + path
    status, hdrs, content = server.raw(method, target, list(headers), body)
    return RawAnswer(method, target, status, hdrs, content)


def test_no_token_in_any_log_at_debug(debug_server):
    srv = debug_server
    api = srv.api
    alice, carol = srv.users["alice"], srv.users["carol"]
    revoked = srv.add_token("alice")
    srv.people_admin("token", "revoke", revoked)
    expired_p = srv.people_admin("token", "add", "alice", "--expires-days", "0")
    expired = expired_p.stdout.strip()
    srv.note_token(expired)
    writer = srv.new_user("writer")
    unknown = "unknown-" + uuid.uuid4().hex
    sqlish = "x'OR'1'='1;--" + uuid.uuid4().hex[:8]
    tokens = {"valid": alice.token, "revoked": revoked, "expired": expired,
              "terminated": carol.token, "unknown": unknown, "sql-looking": sqlish,
              "writer": writer.token}
    for t in tokens.values():
        srv.note_token(t)
    statuses = {}
    for name, tok in tokens.items():
        for scheme in ("plain", "bearer", "cookie"):
            r = api("GET", "/@self", token=tok, scheme=scheme)
            statuses[(name, scheme, "GET")] = r.status_code
            r = api.contacts("PUT", "@self", contacts_body(("icq", "1")), None,
                             headers=_auth(scheme, tok))
            statuses[(name, scheme, "PUT")] = r.status_code
    # more outcomes for a valid token: 403, 400, 404, 405, 412, 413, 415
    w = writer.token
    statuses["403"] = api.contacts("PUT", alice.id, contacts_body(("icq", "1")), w).status_code
    statuses["400"] = api("PUT", "/@self/contacts", token=w, data=b'{"contacts":[').status_code
    statuses["404"] = api("GET", "/nobody-" + uuid.uuid4().hex, token=w).status_code
    statuses["405"] = api("PATCH", "/@self/contacts", token=w, data=b"{}").status_code
    statuses["412"] = api.contacts("PUT", "@self", contacts_body(("icq", "2")), w,
                                   headers={"If-Match": '"stale"'}).status_code
    statuses["413"] = api("PUT", "/@self/contacts", token=w, data=b" " * 70000).status_code
    statuses["415"] = api("PUT", "/@self/contacts", token=w, data=b"{}",
                          ctype="text/plain").status_code
    # tokens in odd wrappings: trailing junk, a second cookie, a Basic header
    api("GET", "/@self", headers={"Authorization": f"Bearer {w} trailing"})
    api("GET", "/@self", headers={"Cookie": f"a=1; asc_auth_key={w}; b=2"})
    api("GET", "/@self", headers={"Authorization": f"Basic {w}"})
    api("GET", "/@self", headers={"Authorization": w, "Cookie": f"asc_auth_key={unknown}"})
    # malformed headers that httpd itself refuses (400) with a token inside. httpd's core
    # logs a malformed header's value at debug (AH02427), whatever the header: that is
    # httpd's, not the module's, so these use a token of their own, checked apart below
    # (and not noted with the server, whose teardown scans the logs for noted tokens)
    mal = srv.people_admin("token", "add", writer.name).stdout.strip()
    for value in (mal + "\x01", "Bearer " + mal + "\x7f", mal[:8] + "\x00" + mal[8:]):
        status, _, _ = srv.raw("GET", API_BASE + "/@self", [("Authorization", value)])
        assert status == 400, (value, status)
    status, _, _ = srv.raw("GET", API_BASE + "/@self", [("Cookie", f"asc_auth_key={mal}\x01")])
    assert status == 400, status
    status, _, _ = srv.raw("GET", API_BASE + "/@self", [("Authorization", mal),
                                                        ("X-Big", "x" * 9000)])
    assert status == 400, status
    srv.wait_for_access_log()

    expected = {"valid": (200, 200), "revoked": (401, 401), "expired": (401, 401),
                "terminated": (401, 401), "unknown": (401, 401), "sql-looking": (401, 401),
                "writer": (200, 200)}
    for (name, scheme, method), status in [(k, v) for k, v in statuses.items()
                                           if isinstance(k, tuple)]:
        want = expected[name][0 if method == "GET" else 1]
        assert status == want, f"{name} token, {scheme} form, {method}: {status}"
    for code in ("403", "400", "404", "405", "412", "413", "415"):
        assert statuses[code] == int(code), (code, statuses[code])

    error_log, access_log = srv.errlog.text(), srv.acclog.text()
    # the error log really is at debug and trace8 (so the check below means something)
    assert re.search(r"\[[a-z_]+:debug\]", error_log), "no debug lines in the error log"
    leaks = [f"{name} token in the {which}: {line[:400]}"
             for name, tok in tokens.items()
             for which, text in (("error log", error_log), ("access log", access_log))
             for line in text.splitlines() if tok in line]
    assert not leaks, "tokens found in the logs:\n" + "\n".join(leaks)
    # the malformed-header token: only in httpd core's own AH02427 debug lines
    httpd_lines = [line for line in (error_log + access_log).splitlines() if mal in line]
    not_httpd = [line for line in httpd_lines if not HTTPD_MALFORMED_HEADER.search(line)]
    assert not not_httpd, "token of a malformed header logged by:\n" + "\n".join(not_httpd)
    hashes = {name for name, tok in tokens.items()
              if hashlib.sha256(tok.encode()).hexdigest() in error_log + access_log}
    print(f"\n[{srv.name}] {len(error_log.splitlines())} error-log lines at "
          f"'{DEBUG_LOGLEVEL}', no token in them from the module or mod_dbd; httpd core "
          f"logged a malformed header's token {len(httpd_lines)} times (AH02427); "
          f"token hashes logged for: {sorted(hashes)}")
    # the access log shows who called (%u), and nothing of the Authorization header
    assert re.search(r'^\S+ \S+ writer\d+ ', access_log, re.M), access_log[-500:]


def _auth(scheme, token):
    return {"plain": {"Authorization": token},
            "bearer": {"Authorization": "Bearer " + token},
            "cookie": {"Cookie": "asc_auth_key=" + token}}[scheme]


# ------------------------------------------------------------------ revocation and expiry

def test_revocation_takes_effect_on_the_very_next_request(server, api, user):
    token = server.add_token(user.name)
    session = api.session()
    # warm a keep-alive connection (the same child process answers the next request)
    assert success(api("GET", "/@self", token=token))["id"] == user.id
    server.people_admin("token", "revoke", token)
    unauthorized(api("GET", "/@self", token=token))
    assert api.session() is session
    # and on fresh connections, so any child process, in every form
    for i in range(6):
        scheme = ("plain", "bearer", "cookie")[i % 3]
        unauthorized(api("GET", "/@self", token=token, scheme=scheme,
                         headers={"Connection": "close"}))
    # the user's other token still works
    assert success(api("GET", "/@self", token=user.token))["id"] == user.id


def test_revoked_token_cannot_write(server, api, user):
    token = server.add_token(user.name)
    success(api.contacts("PUT", "@self", contacts_body(("icq", "before")), token))
    server.people_admin("token", "revoke", token)
    with unchanged(server):
        unauthorized(api.contacts("PUT", "@self", contacts_body(("icq", "after")), token))


@pytest.mark.parametrize("scheme", ["plain", "bearer", "cookie"])
def test_token_expiring_now_is_refused(server, api, user, scheme):
    p = server.people_admin("token", "add", user.name, "--expires-days", "0")
    token = p.stdout.strip()
    server.note_token(token)
    assert token and "\n" not in token, p.stdout
    unauthorized(api("GET", "/@self", token=token, scheme=scheme))
    with unchanged(server):
        unauthorized(api.contacts("PUT", "@self", contacts_body(("icq", "x")), None,
                                  headers=_auth(scheme, token)))


# ------------------------------------------------------------------ SQL injection

INJECTIONS = [
    "'; DROP TABLE people_users; --",
    "Robert'); DROP TABLE people_contacts;--",
    '" OR 1=1 --',
    "' OR '1'='1",
    "' OR 1=1; --",
    "%s %d %% %n %x %lld %p",
    "\\x00",
    "\\",
    "\\'",
    "''",
    "'",
    '"',
    "`id`",
    "$1",
    "$$ $$",
    "?",
    ":name @x",
    "/* comment */",
    "-- comment",
    "; SELECT 1;",
    "E'\\x41'",
    "NULL",
    "null",
    "0x41",
    "'||(SELECT hash FROM people_tokens LIMIT 1)||'",
    "1); DELETE FROM people_contacts WHERE (1=1",
    "%",
    "_",
    "%_%",
    "[a-z]*",
    "\u2019 OR \u20191\u2019=\u20191",
    "\u02bc; DROP TABLE people_users; --",
    "'" * 1024,
]
SQLISH_TYPES = ["--", "select", "NULL", "1.0-1", "_", ".", "-", "drop.table-people_users",
                "or-1-1", "x--", "..--.."]


def test_injection_values_are_stored_exactly(server, api, user):
    items = [(f"inj{i}", v) for i, v in enumerate(INJECTIONS)]
    stored = pairs(success(api.contacts("PUT", "@self", contacts_body(*items), user.token)))
    assert stored == items
    assert pairs(success(api.profile(user.id, user.token))) == items
    # read back by someone else who may see them
    admin = server.users["admin"]
    assert pairs(success(api.profile(user.name, admin.token))) == items
    # and the other users' data is still there
    assert success(api.profile("alice", admin.token))["userName"] == "alice"


def test_injection_values_with_post_and_delete(server, api, user):
    items = [("mail", v) for v in INJECTIONS[:10]]
    assert pairs(success(api.contacts("POST", "@self", contacts_body(*items), user.token),
                         200)) == items
    # DELETE matches the exact value only: quotes and wildcards match nothing else
    for probe in ("' OR '1'='1'", "%", "_", "' OR 1=1 --", "*", "'; DROP TABLE people_users; -"):
        if probe in INJECTIONS[:10]:
            continue
        r = api.contacts("DELETE", "@self", contacts_body(("mail", probe)), user.token)
        assert pairs(success(r)) == items, probe
    r = api.contacts("DELETE", "@self", contacts_body(("mail", INJECTIONS[0])), user.token)
    assert pairs(success(r)) == items[1:]


@pytest.mark.parametrize("ctype", SQLISH_TYPES)
def test_sql_looking_types_are_stored_exactly(api, user, ctype):
    r = api.contacts("PUT", "@self", contacts_body(("mail", "m"), (ctype, "v'1"), ("icq", "i")),
                     user.token)
    assert pairs(success(r)) == [("mail", "m"), (ctype, "v'1"), ("icq", "i")]
    r = api.contacts("DELETE", "@self", contacts_body((ctype, None)), user.token)
    assert pairs(success(r)) == [("mail", "m"), ("icq", "i")]


def test_underscore_in_a_type_is_not_a_wildcard(api, user):
    base = [("ab1", "x"), ("ab2", "y"), ("aBc", "z")]
    success(api.contacts("POST", "@self", contacts_body(*base), user.token), 200)
    # a LIKE-based comparison would take "ab_" for ab1, ab2 and aBc
    r = api.contacts("PUT", "@self", contacts_body(("ab_", "new")), user.token)
    assert pairs(success(r)) == base + [("ab_", "new")]
    r = api.contacts("DELETE", "@self", contacts_body(("ab_", None)), user.token)
    assert pairs(success(r)) == base
    r = api.contacts("DELETE", "@self", contacts_body(("a_1", None), ("AB.", None)), user.token)
    assert pairs(success(r)) == base


USER_PATH_INJECTIONS = [
    "alice' OR '1'='1",
    "alice'--",
    "alice' --",
    "' OR ''='",
    "alice\" OR \"1\"=\"1",
    "alice';--",
    "al_ce",
    "_____",
    "al%ce",
    "%",
    "alice%",
    "a*",
    "alice\\",
    "alice) OR (1=1",
    "0f3b2c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b' OR '1'='1",
    "{0f3b2c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b' OR '1'='1}",
]


@pytest.mark.parametrize("name", USER_PATH_INJECTIONS)
def test_injection_in_the_user_path_is_404(server, api, name):
    admin = server.users["admin"]
    quoted = urllib.parse.quote(name, safe="")
    error(api("GET", f"/{quoted}", token=admin.token), 404)
    with unchanged(server):
        error(api.contacts("PUT", quoted, contacts_body(("icq", "inj")), admin.token), 404)
    # and the same name sent with its quotes unescaped on the request line
    raw_name = name.replace("%", "%25").replace(" ", "%20")
    error(raw(server, "GET", f"/{raw_name}", [("Authorization", admin.token)]), 404)


TOKEN_INJECTIONS = [
    "' OR '1'='1",
    "'OR''='",
    "' OR 1=1 --",
    "\" OR \"\"=\"",
    "x' UNION SELECT id, username, 1, 1, 1 FROM people_users --",
    "%",
    "_",
    "*",
    "%00",
    "\\x00",
    "'",
    "''",
    "NULL",
    "$1",
]


@pytest.mark.parametrize("scheme", ["plain", "bearer", "cookie"])
def test_injection_in_the_token_is_401(server, api, scheme):
    body = json.dumps(contacts_body(("icq", "x"))).encode()
    with unchanged(server):
        for tok in TOKEN_INJECTIONS:
            headers = _auth(scheme, tok)
            for method, path, data in (("GET", "/@self", None),
                                       ("PUT", "/@self/contacts", body),
                                       ("POST", "/alice/contacts", body)):
                try:
                    unauthorized(api(method, path, headers=headers, data=data))
                except AssertionError as e:
                    raise AssertionError(f"token {tok!r} ({scheme}), {method} {path}: "
                                         f"{e}") from None


def test_stored_hash_is_not_a_token(server, api, alice):
    """Tokens are hashed before they are compared: the stored hash itself is refused."""
    digest = hashlib.sha256(alice.token.encode()).hexdigest()
    for tok in (digest, digest.upper(), "sha256:" + digest):
        unauthorized(api("GET", "/@self", token=tok))
    unauthorized(api("GET", "/@self", token=alice.token[:-1]))
    unauthorized(api("GET", "/@self", token=alice.token + "0"))


def test_administrator_chosen_token_with_quotes_is_matched_exactly(server, api, user):
    value = "x'OR'1'='1;--" + uuid.uuid4().hex[:12]
    assert server.add_token(user.name, "--token", value) == value
    assert success(api("GET", "/@self", token=value))["id"] == user.id
    unauthorized(api("GET", "/@self", token=value[:-1] + "'"))
    unauthorized(api("GET", "/@self", token="x'OR'1'='2;--" + value[13:]))
    server.people_admin("token", "revoke", value)
    unauthorized(api("GET", "/@self", token=value))


SQL_ERROR = re.compile(r"syntax error|near \"|unrecognized token|SQLITE_|sqlite3?_|"
                       r"unterminated|ERROR:\s|prepare|\bSQL\b", re.I)


def _clean_refusal(p):
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stderr.strip().startswith("people-admin:"), p.stderr
    assert not SQL_ERROR.search(p.stderr), f"an SQL error leaked: {p.stderr!r}"


def test_people_admin_user_name_with_quotes(server, api):
    admin = server.users["admin"]
    n = uuid.uuid4().hex[:6]
    for name in (f"o'brien{n}", f"x\"y{n}", f"a';--{n}", f"q'or'1'='1{n}"):
        p = server.people_admin("user", "add", name, "--first-name", "F", "--last-name", "L",
                                "--email", f"e{n}@example.org", check=False)
        if p.returncode != 0:            # refused: cleanly, never an SQL error
            _clean_refusal(p)
            continue
        uid = p.stdout.strip()
        assert re.fullmatch(r"[0-9a-f-]{36}", uid), p.stdout
        shown = json.loads(server.people_admin("user", "show", name).stdout)
        assert shown["userName"] == name and shown["id"] == uid
        profile = success(api.profile(urllib.parse.quote(name, safe=""), admin.token))
        assert profile["userName"] == name and profile["id"] == uid


def test_people_admin_fields_with_quotes_are_stored_literally(server, api):
    admin = server.users["admin"]
    n = uuid.uuid4().hex[:6]
    title = "Chief \"Quote\" Officer'; DROP TABLE people_users; --"
    first, last = "%s %d %n'", "O'Neil \\ \"Jr\""
    department = "R&D'); DELETE FROM people_users; --"
    group = f"g' OR '1'='1{n}"
    u = server.add_user(f"lit{n}", first, last, title=title, department=department,
                        groups=[group])
    profile = success(api.profile(u.id, admin.token))
    assert profile["title"] == title
    assert profile["firstName"] == first and profile["lastName"] == last
    assert profile["displayName"] == f"{first} {last}"
    assert profile["department"] == department
    assert [g["name"] for g in profile["groups"]] == [group]
    # the tables survived: everyone is still there
    for name in ("admin", "alice", "bob"):
        assert success(api.profile(name, admin.token))["userName"] == name


def test_people_admin_injection_in_user_and_token_arguments(server, api, alice, bob):
    for args in (["token", "revoke", "' OR '1'='1"],
                 ["token", "revoke", "x' OR 1=1 --"],
                 ["token", "add", "' OR '1'='1"],
                 ["user", "show", "' OR 1=1 --"],
                 ["user", "set", "x' OR '1'='1", "--status", "terminated"],
                 ["user", "set", "%", "--status", "terminated"],
                 ["user", "set", "_____", "--status", "terminated"]):
        p = server.people_admin(*args, check=False)
        if args[1] == "revoke" and p.returncode == 0:
            pass                         # "nothing to revoke" may be a success
        else:
            _clean_refusal(p)
    # nobody's token was revoked, nobody was terminated
    assert success(api("GET", "/@self", token=alice.token))["status"] == 1
    assert success(api("GET", "/@self", token=bob.token))["status"] == 1
    assert success(api("GET", "/@self", token=server.users["admin"].token))["status"] == 1


# ------------------------------------------------------------------ one user against another

BOB_SECRET = [("mail", "bob.secret@example.org"), ("phone", "+1 555 0199")]


@pytest.fixture(scope="module")
def bob_with_contacts(server):
    bob = server.users["bob"]
    r = server.api.contacts("POST", bob.id, contacts_body(*BOB_SECRET), bob.token)
    assert pairs(success(r, 200)) == BOB_SECRET
    return bob


def bob_paths(bob):
    i = bob.id
    return [f"/{i}", f"/{i.upper()}", f"/{{{i}}}", f"/{{{i.upper()}}}", f"/%7B{i}%7D",
            f"/%7b{i.upper()}%7d", f"/{i}.json", "/bob", "/BOB", "/Bob", "/bob.json",
            "/BOB.json", "/%62ob", "/%62%6F%62", "/b%6Fb", "//bob", "///bob", "/./bob",
            "/x/../bob", "/@self/../bob", "/alice/../bob", "/%2e/bob", "/x/%2e%2e/bob",
            f"/@self/../{i}", f"//{i}.json"]


def _leaks(r, bob):
    text = r.content.decode("utf-8", "replace")
    return [s for s in [bob.email] + [v for _, v in BOB_SECRET] if s in text]


def test_reading_another_user_through_any_path_hides_private_fields(server,
                                                                    bob_with_contacts):
    """A visitor sees no one's private data but their own, whatever the path."""
    bob = bob_with_contacts
    visitor = server.new_user("visitor", flags=["--visitor"])
    # bob himself sees everything (so the hiding below is real)
    mine = success(raw(server, "GET", f"/{bob.id}", [("Authorization", bob.token)]))
    assert pairs(mine) == BOB_SECRET and mine["email"] == bob.email
    problems = []
    for loc in ("", LOC_REPLACE, LOC_SMALL):
        for path in bob_paths(bob):
            r = raw(server, "GET", loc + API_BASE + path, [("Authorization", visitor.token)])
            try:
                profile = success(r)
                assert profile["id"] == bob.id, profile["id"]
                assert profile["email"] is None, profile["email"]
                assert profile["contacts"] == [], profile["contacts"]
                assert not _leaks(r, bob), _leaks(r, bob)
            except (AssertionError, ValueError) as e:
                problems.append(f"GET {loc}{API_BASE}{path}: {e}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_writing_another_users_contacts_through_any_path_is_403(server, alice, bob_with_contacts,
                                                                method):
    bob = bob_with_contacts
    body = json.dumps(contacts_body(("phone", "+1 555 0666"), ("mail", None))).encode()
    hdrs = [("Authorization", alice.token), ("Content-Type", "application/json")]
    # ".json" ends a route only: "/bob.json/contacts" names no user, so those are left out
    users = [p for p in bob_paths(bob) if not p.endswith(".json")]
    paths = [p + "/contacts" for p in users] + [p + "/contacts.json" for p in users] + \
        ["/bob//contacts", "/bob/./contacts", "/bob/x/../contacts", "/bob/%63ontacts",
         "/@self/../bob/./contacts", "/%40self/../bob/contacts", "/bob/x/%2e%2e/contacts"]
    problems = []
    with unchanged(server):
        for loc in ("", LOC_REPLACE, LOC_SMALL):
            for path in paths:
                r = raw(server, method, loc + API_BASE + path, hdrs, body)
                try:
                    error(r, 403)
                    assert not _leaks(r, bob), _leaks(r, bob)
                except (AssertionError, ValueError) as e:
                    problems.append(f"{method} {loc}{API_BASE}{path}: {e}")
    assert not problems, "\n".join(problems)
    assert pairs(success(raw(server, "GET", f"/{bob.id}", [("Authorization", bob.token)]))) \
        == BOB_SECRET
