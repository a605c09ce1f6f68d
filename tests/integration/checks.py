"""Assertions shared by the test files: envelopes, profile shape, unchanged data."""

import contextlib
import difflib
import re

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
REALM = 'Bearer realm="people"'


def describe(r):
    body = r.content[:600].decode("utf-8", "replace")
    return (f"{r.request.method} {r.request.url} -> {r.status_code}\n"
            f"headers: {dict(r.headers)}\nbody: {body}")


def assert_json_content_type(r):
    ctype = r.headers.get("Content-Type", "")
    assert ctype.replace(" ", "").lower() == "application/json;charset=utf-8", describe(r)


def success(r, status=200):
    """The success envelope; returns the profile. `statusCode` is expected to repeat the
    HTTP status (201 for a new user)."""
    assert r.status_code == status, describe(r)
    assert_json_content_type(r)
    body = r.json()
    assert body.get("count") == 1, describe(r)
    assert body.get("status") == 0, describe(r)
    assert body.get("statusCode") == status, describe(r)
    assert isinstance(body.get("response"), dict), describe(r)
    return body["response"]


def error(r, status):
    """The error envelope; returns the message."""
    assert r.status_code == status, describe(r)
    assert_json_content_type(r)
    body = r.json()
    assert body.get("status") == 1, describe(r)
    assert body.get("statusCode") == status, describe(r)
    err = body.get("error")
    assert isinstance(err, dict), describe(r)
    msg = err.get("message")
    assert isinstance(msg, str) and msg.strip(), describe(r)
    return msg


def unauthorized(r):
    msg = error(r, 401)
    assert r.headers.get("WWW-Authenticate") == REALM, describe(r)
    return msg


def pairs(profile):
    """The contacts of a profile as a list of (type, value)."""
    return [(c["type"], c["value"]) for c in profile["contacts"]]


def contacts_body(*pairs_):
    return {"contacts": [{"type": t, "value": v} for t, v in pairs_]}


def allow_set(r):
    return {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}


def strong_etag(r):
    etag = r.headers.get("ETag")
    assert etag, "no ETag: " + describe(r)
    assert not etag.startswith("W/"), f"weak ETag {etag!r}"
    assert re.fullmatch(r'"[^"]*"', etag), f"ETag not a quoted string: {etag!r}"
    return etag


@contextlib.contextmanager
def unchanged(server):
    """The stored data must be byte-for-byte the same after the block."""
    before = server.db_snapshot()
    yield
    after = server.db_snapshot()
    if before != after:
        diff = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                              "before", "after", lineterm="", n=1))
        raise AssertionError("the stored data changed:\n" + diff[:4000])


# ---------------------------------------------------------------- profile shape (section 7)

def _str(v):
    return isinstance(v, str)


def _str_or_null(v):
    return v is None or isinstance(v, str)


def _date_or_null(v):
    return v is None or (isinstance(v, str) and bool(DATE_RE.match(v)))


def _uuid(v):
    return isinstance(v, str) and bool(UUID_RE.match(v))


def _uuid_or_null(v):
    return v is None or _uuid(v)


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _bool(v):
    return isinstance(v, bool)


def _groups(v):
    return isinstance(v, list) and all(
        isinstance(g, dict) and {"id", "name", "manager"} <= set(g) and _str(g["name"])
        and _str_or_null(g["id"]) and _str_or_null(g["manager"]) for g in v)


def _contacts(v):
    return isinstance(v, list) and all(
        isinstance(c, dict) and _str(c.get("type")) and _str(c.get("value")) for c in v)


PROFILE_KEYS = {
    "id": _uuid,
    "userName": _str,
    "firstName": _str,
    "lastName": _str,
    "displayName": _str,
    "email": _str_or_null,
    "birthday": _date_or_null,
    "sex": lambda v: v in ("male", "female", None),
    "status": lambda v: v in (1, 2, 4) and _int(v),
    "activationStatus": lambda v: v in (0, 1, 2) and _int(v),
    "terminated": _date_or_null,
    "department": _str_or_null,
    "workFrom": _date_or_null,
    "groups": _groups,
    "location": _str_or_null,
    "notes": _str_or_null,
    "title": _str_or_null,
    "lead": _uuid_or_null,
    "avatarSmall": _str_or_null,
    "avatarMedium": _str_or_null,
    "avatar": _str_or_null,
    "isAdmin": _bool,
    "isLDAP": _bool,
    "isOwner": _bool,
    "isVisitor": _bool,
    "isSSO": _bool,
    "listAdminModules": lambda v: v == [],
    "cultureName": _str_or_null,
    "quotaLimit": _int,
    "usedSpace": _int,
    "docsSpace": _int,
    "mailSpace": _int,
    "talkSpace": _int,
    "profileUrl": lambda v: isinstance(v, str) and bool(re.match(r"^https?://[^/\s]+/\S*$", v)),
    "contacts": _contacts,
}


def assert_profile_shape(profile):
    missing = sorted(set(PROFILE_KEYS) - set(profile))
    assert not missing, f"profile lacks {missing}"
    wrong = {k: profile[k] for k, ok in PROFILE_KEYS.items() if not ok(profile[k])}
    assert not wrong, f"profile values of the wrong type/format: {wrong}"


# ---------------------------------------------------------------- raw-socket answers

class RawAnswer:
    """An answer read from a raw socket, shaped enough like requests.Response for the checks
    above (status_code, headers, content, json(), request.method/url)."""

    def __init__(self, method, target, status, headers, body):
        import requests.structures
        import types
        self.status_code = status
        self.headers = requests.structures.CaseInsensitiveDict(headers)
        self.content = body
        self.request = types.SimpleNamespace(method=method, url=target)

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    def json(self):
        import json
        return json.loads(self.content)


def concurrent_puts(api, user_id, token, threads, puts, loc=""):
    """`threads` clients at once, each PUTting `puts` contacts of its own types
    (t{thread}x{i}, value v{thread}.{i}) on one user. Returns (statuses, errors)."""
    import threading
    statuses, errors = [], []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker(t):
        try:
            start.wait()
            for i in range(puts):
                r = api.contacts("PUT", user_id, contacts_body((f"t{t}x{i}", f"v{t}.{i}")),
                                 token, loc=loc)
                with lock:
                    statuses.append(r.status_code)
        except Exception as e:  # reported by the caller
            with lock:
                errors.append(repr(e))

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(180)
    api.close()
    return statuses, errors
