"""Hostile input: several hundred generated requests that must each be refused with a 4xx.

Every request below must get a 4xx JSON answer from the module (status and envelope checked
with checks.error), or, only where httpd itself decides before the module sees the request
(request line, header syntax, chunked framing, %00 and %2F in the path, a path normalised out
of the API), httpd's own 4xx page or a closed connection. Writes use the victim's own token,
so their bodies are really read and parsed. After all of them the server still answers, and
the stored data is byte for byte what it was before (db_snapshot).

The requests come from a fixed random seed, so a run is reproducible; `pytest -s` prints how
many were sent per server.
"""

import collections
import json
import random
import socket

import pytest

from checks import (RawAnswer, allow_set, contacts_body, describe, error, pairs, success,
                    unauthorized)

SEED = 20261129
VICTIM_CONTACTS = [("mail", "victim@example.org"), ("phone", "+1 555 0100"), ("skype", "victim")]
CATEGORIES = {"bodies", "paths", "headers", "framing", "methods"}

# Where the module answers otherwise than the contract requires, until the glue is fixed:
# case -> (the contract's status, the module's answer today). The check expects today's
# answer exactly, and the run prints the list; the fix deletes the entry.
DEVIATIONS = {"Content-Type json-space-comma": (415, 400)}


def deviation(case, contract):
    want, today = DEVIATIONS[case]
    assert want == contract, (case, want, contract)
    return today

# what httpd itself logs at warn/error for the requests of this file
HTTPD_INVALID_URI = r"\[core:error\] .* AH10244: invalid URI path \("


# ---------------------------------------------------------------------------- plumbing

class Hostile:
    """Per server: the victim, the snapshot taken before any hostile request, the tallies."""

    def __init__(self, server, victim, snapshot):
        self.server, self.victim, self.snapshot = server, victim, snapshot
        self.sent = 0
        self.ran = set()
        self.httpd_refusals = collections.Counter()   # (status, case) httpd answered itself

    def check(self, failures, name, r, module, httpd=(), closed=False):
        """Judge one answer: `module` the statuses the module may answer (JSON envelope),
        `httpd` the statuses httpd may answer with its own page, `closed` whether a closed
        connection without an answer is acceptable."""
        self.sent += 1
        module = {module} if isinstance(module, int) else set(module)
        problem = judge(r, module, set(httpd), closed)
        if problem:
            failures.append(f"{name}: {problem}")
        elif r is not None and not is_json(r):
            self.httpd_refusals[r.status_code] += 1
        elif r is None:
            self.httpd_refusals["closed"] += 1


def is_json(r):
    return r.headers.get("Content-Type", "").lower().startswith("application/json")


def judge(r, module, httpd, closed):
    if r is None:
        return None if closed else "the connection was closed without an answer"
    if is_json(r):
        if r.status_code not in module:
            return (f"expected {sorted(module)} from the module"
                    + (f" (or httpd's own {sorted(httpd)})" if httpd else "")
                    + f", got:\n{describe(r)}")
        try:
            error(r, r.status_code)
            if r.status_code == 405:
                assert allow_set(r), "405 without Allow"
            if r.status_code == 401:
                unauthorized(r)
        except (AssertionError, ValueError) as e:
            return f"bad error envelope: {e}"
        return None
    if r.status_code in httpd:
        return None
    return (f"expected {sorted(module)} JSON from the module"
            + (f" or httpd's own {sorted(httpd)}" if httpd else "")
            + f", got a non-JSON answer:\n{describe(r)}")


def build(server, method, target, headers=(), body=b"", content_length=True):
    """One request as bytes: request line, Host, Connection: close, the headers as given."""
    if isinstance(target, str):
        target = target.encode("utf-8")
    if isinstance(method, str):
        method = method.encode("latin-1")
    lines = [method + b" " + target + b" HTTP/1.1",
             f"Host: 127.0.0.1:{server.port}".encode(), b"Connection: close"]
    for k, v in headers:
        k = k.encode("latin-1") if isinstance(k, str) else k
        v = v.encode("utf-8") if isinstance(v, str) else v
        lines.append(k + b": " + v)
    if content_length and body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def raw_exchange(server, data, timeout=3.0, half_close=False):
    """Send `data` exactly as given on a fresh connection and read until the server closes.
    Returns a RawAnswer, or None when nothing came back (closed, reset or timed out)."""
    server.count_request()
    chunks = []
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
            try:
                s.sendall(data)
                if half_close:
                    s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass          # httpd may answer and close before it has read everything
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
    except (socket.timeout, ConnectionResetError):
        pass
    return parse_answer(data, b"".join(chunks))


def parse_answer(request, resp):
    if not resp:
        return None
    first = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    method, target = first[0], (first[1] if len(first) > 1 else "")
    if not resp.startswith(b"HTTP/"):            # an HTTP/0.9 answer: the body alone
        return RawAnswer(method, target[:300], 0, {}, resp)
    head, _, body = resp.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 1") and body.startswith(b"HTTP/"):
        head, _, body = body.partition(b"\r\n\r\n")     # an interim 100 Continue
    head_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(head_lines[0].split()[1])
    except (IndexError, ValueError):
        status = 0
    hdrs = {}
    for line in head_lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip()] = v.strip()
    if hdrs.get("Transfer-Encoding", "").lower() == "chunked":
        body = dechunk(body)
    return RawAnswer(method, target[:300], status, hdrs, body)


def dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        try:
            n = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if n == 0:
            break
        out, data = out + data[:n], data[n + 2:]
    return out


# ---------------------------------------------------------------------------- fixture

@pytest.fixture(scope="module")
def hostile(server):
    victim = server.new_user("hostile")
    r = server.api.contacts("PUT", victim.id, contacts_body(*VICTIM_CONTACTS), victim.token)
    assert pairs(success(r)) == VICTIM_CONTACTS
    return Hostile(server, victim, server.db_snapshot())


def send_body(st, method, body, ctype="application/json", loc="", headers=None, path=None):
    v = st.victim
    return st.server.api(method, path or f"/{v.id}/contacts", token=v.token, data=body,
                         ctype=ctype, loc=loc, headers=headers)


# ---------------------------------------------------------------------------- generators

VALID_DOC = json.dumps({
    "contacts": [{"type": "mail", "value": "trunc@example.org"},
                 {"Type": "GTalk", "VALUE": "g@example.org"},
                 {"value": {"Type": "skype", "Value": "nested"}}],
    "pad": [1, 2.5, True, None, {"a": "b"}, "\u00e9\u4e2d"],
}, ensure_ascii=False).encode("utf-8")

MUTATION_BYTES = b'{}[]",:\\ \x00\x01\x7f\xff\xc0\xedtfnule0-+.E'
SOUP_TOKENS = ['{', '}', '[', ']', ',', ':', '"contacts"', '"type"', '"value"', '"mail"', '1',
               '-', '0x1F', 'null', 'tru', 'true', 'NaN', 'Infinity', '"', '\\', '/*', '*/',
               "'mail'", '\u00e9', ' ', '\n', '1e', '.5', '"\\u12"', '"\\x41"']


def python_rejects(data):
    """True when the bytes are not RFC 8259 JSON (strict UTF-8, no NaN/Infinity)."""
    def no_constants(name):
        raise ValueError(name)
    try:
        json.loads(data.decode("utf-8"), parse_constant=no_constants)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return True
    return False


def random_key(rng):
    while True:
        k = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
                    for _ in range(rng.randint(1, 10)))
        if k.lower() not in ("contacts", "type", "value"):
            return k


def random_scalar(rng):
    return rng.choice([
        None, True, False, rng.randint(-10**6, 10**6), rng.random() * 1e6,
        "".join(rng.choice("abc \u00e9\u4e2d'\"\\/") for _ in range(rng.randint(0, 12))),
    ])


def random_value(rng, depth=0):
    kind = rng.random()
    if depth >= 3 or kind < 0.4:
        return random_scalar(rng)
    if kind < 0.7:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_key(rng): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


BAD_TYPE_CHARS = " '\"!@#$%^&*()+=[]{};:,<>/?\\|~`\u00e9\u4e2d\t"


def random_bad_item(rng):
    """An item that the contract refuses, whatever surrounds it."""
    which = rng.randrange(7)
    if which == 0:                                   # not an object
        return rng.choice([rng.randint(-99, 99), "mail", None, True, [], ["mail", "x"], 1.5])
    if which == 1:                                   # a type with a forbidden character
        t = list("".join(rng.choice("abcxyz019_.-") for _ in range(rng.randint(0, 10))))
        t.insert(rng.randint(0, len(t)), rng.choice(BAD_TYPE_CHARS))
        return {"type": "".join(t), "value": "v"}
    if which == 2:                                   # a type too long
        return {"type": "t" * rng.randint(65, 300), "value": "v"}
    if which == 3:                                   # a value that is not a string
        return {"type": "mail", "value": rng.choice([rng.randint(0, 9), True, [], ["x"], 2.5])}
    if which == 4:                                   # nested value without a type
        return {"type": "mail", "value": {random_key(rng): random_scalar(rng)}}
    if which == 5:                                   # a control character in the value
        c = rng.choice([chr(i) for i in list(range(0, 32)) + [127] + list(range(0x80, 0xa0))])
        return {"type": "mail", "value": "a" + c + "b"}
    return {"type": "mail", "value": "x" * rng.randint(1025, 3000)}   # a value too long


def generated_bodies(rng, n_trunc=40, n_mut=60, n_soup=30, n_shape=30, n_item=40):
    """(name, body bytes) pairs, each one certain to be refused with 400."""
    out = []
    for i in range(n_trunc):
        cut = rng.randrange(0, len(VALID_DOC))
        out.append((f"truncated-at-{cut}", VALID_DOC[:cut]))
    made = tries = 0
    while made < n_mut and tries < 50 * n_mut:
        tries += 1
        doc = bytearray(VALID_DOC)
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(doc))
            op = rng.randrange(3)
            if op == 0:
                doc[pos] = rng.choice(MUTATION_BYTES)
            elif op == 1:
                doc.insert(pos, rng.choice(MUTATION_BYTES))
            else:
                del doc[pos]
        if python_rejects(bytes(doc)):
            out.append((f"mutated-{made}", bytes(doc)))
            made += 1
    made = tries = 0
    while made < n_soup and tries < 50 * n_soup:
        tries += 1
        doc = "".join(rng.choice(SOUP_TOKENS) for _ in range(rng.randint(1, 30))).encode()
        if python_rejects(doc):
            out.append((f"soup-{made}", doc))
            made += 1
    for i in range(n_shape):
        # well-formed JSON of the wrong shape: no "contacts" key at all, or a non-object root
        if i % 3 == 0:
            root = random_value(rng)
            if isinstance(root, dict):
                root = [root]
        else:
            root = {random_key(rng): random_value(rng) for _ in range(rng.randint(0, 5))}
        out.append((f"shape-{i}", json.dumps(root).encode()))
    for i in range(n_item):
        good = [{"type": f"ok{j}", "value": f"partial{j}"} for j in range(rng.randint(0, 3))]
        items = good + [random_bad_item(rng)] + good[:rng.randint(0, len(good))]
        out.append((f"bad-item-{i}", json.dumps({"contacts": items}).encode()))
    return out


def fixed_bodies():
    """(name, body, expected status) for the named kinds of hostile documents."""
    ok = '{"type":"mail","value":"x@example.org"}'
    cases = [
        # nesting: past the body limit, and deep but within it (the parser's own limit)
        ("nesting-100000-arrays", b'{"contacts":' + b"[" * 100000, 413),
        ("nesting-100000-closed", b'{"contacts":' + b"[" * 100000 + b"]" * 100000 + b"}", 413),
        ("nesting-65000-arrays", b'{"contacts":' + b"[" * 65000, 400),
        ("nesting-30000-balanced", b'{"contacts":' + b"[" * 30000 + b"]" * 30000 + b"}", 400),
        ("nesting-6000-value-objects",
         b'{"contacts":[' + b'{"value":' * 6000 + b"1" + b"}" * 6000 + b"]}", 400),
        ("nesting-10000-objects", b'{"a":' * 10000 + b"1" + b"}" * 10000, 400),
        # duplicate keys, exact and differing in case
        ("duplicate-contacts", ('{"contacts":[],"contacts":[%s]}' % ok).encode(), 400),
        ("duplicate-contacts-case", ('{"contacts":[%s],"Contacts":[]}' % ok).encode(), 400),
        ("duplicate-type", b'{"contacts":[{"type":"mail","type":"phone","value":"1"}]}', 400),
        ("duplicate-type-case", b'{"contacts":[{"type":"mail","TYPE":"phone","value":"1"}]}', 400),
        ("duplicate-value-case", b'{"contacts":[{"type":"mail","value":"a","Value":"b"}]}', 400),
        ("duplicate-nested-value",
         b'{"contacts":[{"value":{"Type":"gtalk","Value":"a","value":"b"}}]}', 400),
        ("duplicate-in-ignored-object", ('{"contacts":[%s],"x":{"a":1,"a":2}}' % ok).encode(), 400),
        # huge numbers where the contract wants something else
        ("value-1e400", b'{"contacts":[{"type":"mail","value":1e400}]}', 400),
        ("value-bigint", b'{"contacts":[{"type":"mail","value":99999999999999999999999}]}', 400),
        ("value-neg-bigint", b'{"contacts":[{"type":"mail","value":-99999999999999999999999}]}', 400),
        ("type-1e400", b'{"contacts":[{"type":1e400,"value":"x"}]}', 400),
        ("contacts-1e400", b'{"contacts":1e400}', 400),
        ("contacts-bigint", b'{"contacts":99999999999999999999999}', 400),
        ("item-tiny-exponent", b'{"contacts":[1e-99999]}', 400),
        # NUL, raw and escaped
        ("value-raw-nul", b'{"contacts":[{"type":"mail","value":"a\x00b"}]}', 400),
        ("value-escaped-nul", b'{"contacts":[{"type":"mail","value":"a\\u0000b"}]}', 400),
        ("type-escaped-nul", b'{"contacts":[{"type":"ma\\u0000il","value":"x"}]}', 400),
        ("type-trailing-nul", b'{"contacts":[{"type":"mail\\u0000","value":"x"}]}', 400),
        ("key-escaped-nul", ('{"contacts\\u0000":[%s]}' % ok).encode(), 400),
        ("nul-between-tokens", ('{"contacts":\x00[%s]}' % ok).encode(), 400),
        ("nul-after-document", b'{"contacts":[]}\x00', 400),
        ("only-nuls", b"\x00" * 100, 400),
        # invalid UTF-8 and surrogates
        ("value-overlong-c0af", b'{"contacts":[{"type":"mail","value":"a\xc0\xafb"}]}', 400),
        ("type-overlong-c0af", b'{"contacts":[{"type":"ma\xc0\xafil","value":"x"}]}', 400),
        ("ignored-key-overlong", ('{"contacts":[%s],"x\xc0\xaf":1}' % ok).encode("latin-1"), 400),
        ("value-overlong-4byte", b'{"contacts":[{"type":"mail","value":"\xf0\x80\x80\xaf"}]}', 400),
        ("value-raw-surrogate", b'{"contacts":[{"type":"mail","value":"a\xed\xa0\x80b"}]}', 400),
        ("value-raw-low-surrogate", b'{"contacts":[{"type":"mail","value":"\xed\xbf\xbf"}]}', 400),
        ("value-escaped-surrogate", b'{"contacts":[{"type":"mail","value":"a\\ud800b"}]}', 400),
        ("value-escaped-low-surrogate", b'{"contacts":[{"type":"mail","value":"\\udc00"}]}', 400),
        ("value-reversed-pair", b'{"contacts":[{"type":"mail","value":"\\udc00\\ud800"}]}', 400),
        ("type-escaped-surrogate", b'{"contacts":[{"type":"\\ud800","value":"x"}]}', 400),
        ("value-past-10ffff", b'{"contacts":[{"type":"mail","value":"\xf4\x90\x80\x80"}]}', 400),
        ("value-f5-byte", b'{"contacts":[{"type":"mail","value":"\xf5\x80\x80\x80"}]}', 400),
        ("value-lone-continuation", b'{"contacts":[{"type":"mail","value":"\x80"}]}', 400),
        ("value-truncated-sequence", b'{"contacts":[{"type":"mail","value":"\xe2\x82"}]}', 400),
        ("utf16-body", json.dumps({"contacts": [{"type": "mail", "value": "x"}]})
         .encode("utf-16"), 400),
        ("utf8-bom-bad-item", b'\xef\xbb\xbf{"contacts":[{"type":"","value":"x"}]}', 400),
        # very long types, values, keys (a bit under the 64 KiB body limit)
        ("type-65000", json.dumps({"contacts": [{"type": "a" * 65000, "value": "x"}]})
         .encode(), 400),
        ("value-65400", json.dumps({"contacts": [{"type": "mail", "value": "v" * 65400}]})
         .encode(), 400),
        ("value-21000-utf8-chars", json.dumps({"contacts": [{"type": "mail", "value":
                                                                "\u4e2d" * 21000}]},
                                                  ensure_ascii=False).encode(), 400),
        ("key-65000-and-bad-item", json.dumps({"k" * 65000: 1, "contacts": [{"type": ""}]})
         .encode(), 400),
        ("escaped-value-10000", ('{"contacts":[{"type":"mail","value":"%s"}]}'
                                 % ("\\u0041" * 10000)).encode(), 400),
    ]
    for name, body, status in cases:
        assert (len(body) > 65536) == (status == 413), (name, len(body))
    return cases


def too_many_bodies():
    """Bodies over PeopleMaxContacts (100): they reach the database and must be rolled back.
    (Only for PUT and POST: a DELETE of items that match nothing is a legitimate write.)"""
    return [
        ("too-many-distinct-types", json.dumps({"contacts": [
            {"type": f"t{i}", "value": str(i)} for i in range(1500)]}).encode()),
        ("too-many-values-one-type", json.dumps({"contacts": [
            {"type": "phone", "value": str(i)} for i in range(1500)]}).encode()),
        ("101-contacts", json.dumps({"contacts": [
            {"type": f"n{i}", "value": "v"} for i in range(101)]}).encode()),
    ]


# ---------------------------------------------------------------------------- tests

def test_hostile_bodies(hostile):
    st, failures = hostile, []
    rng = random.Random(SEED)
    methods = ["PUT", "POST", "DELETE"]
    for name, body in generated_bodies(rng):
        method = rng.choice(methods)
        st.check(failures, f"{method} {name} {body[:80]!r}", send_body(st, method, body), 400)
    for name, body, status in fixed_bodies():
        for method in methods:
            st.check(failures, f"{method} {name}", send_body(st, method, body), status)
    for name, body in too_many_bodies():
        assert len(body) <= 65536, name
        for method in ("PUT", "POST"):
            st.check(failures, f"{method} {name}", send_body(st, method, body), 400)
    # too many contacts for the small location (PeopleMaxContacts 20)
    body = json.dumps({"contacts": [{"type": f"s{i}", "value": "x"} for i in range(25)]}).encode()
    st.check(failures, "PUT 25 contacts at /small", send_body(st, "PUT", body, loc="/small"), 400)
    # nesting 100,000 deep, chunked (no Content-Length): counted while read
    deep = b'{"contacts":' + b"[" * 100000
    r = send_body(st, "PUT", (deep[i:i + 8192] for i in range(0, len(deep), 8192)))
    st.check(failures, "PUT nesting-100000 chunked", r, 413)
    # odd Content-Types on a bad body: a JSON type with parameters is read (400), others 415
    bad = b'{"contacts":[{"type":"","value":"x"}]}'
    for ctype, status in [
        ("application/json; charset=latin1", 400),
        ('application/json; charset="utf-8"; boundary=--x; q=0.1', 400),
        ("application/json;;;;===", 400),
        ("APPLICATION/JSON ; x", 400),
        ("application/json" + "; p=v" * 1000, 400),
        ("application/json, text/plain", 415),
        # not one media type: 415 by the contract (section 5); the module reads the type up
        # to the space and answers 400 for the body (see DEVIATIONS)
        ("application/json ,text/plain", deviation("Content-Type json-space-comma", 415)),
        ("text/plain; application/json", 415),
        ("application/jsonp", 415),
        ("application/json-patch+json", 415),
        ("application/json/x", 415),
        ("application", 415),
        ("", 415),
        (";application/json", 415),
        ("application/\u00e9json", 415),
        ("a" * 7000, 415),
    ]:
        st.check(failures, f"PUT Content-Type {ctype[:60]!r}",
                 send_body(st, "PUT", bad, ctype=ctype), status)
    st.ran.add("bodies")
    assert not failures, f"{len(failures)} answers were wrong:\n" + "\n\n".join(failures[:40])


@pytest.mark.expect_log(HTTPD_INVALID_URI)
def test_hostile_paths(hostile):
    st, failures, srv, v = hostile, [], hostile.server, hostile.victim
    base = "/api/2.0/people"
    auth = [("Authorization", v.token)]
    writer = auth + [("Content-Type", "application/json")]
    valid_body = json.dumps(contacts_body(("icq", "hostile-path"))).encode()

    def get(name, target, module, httpd=(), closed=False):
        st.check(failures, f"GET {name} {target[:100]!r}",
                 raw_exchange(srv, build(srv, "GET", target, auth)), module, httpd, closed)

    def put(name, target, module, httpd=(), method="PUT"):
        # a valid body: a path that reached the victim's contacts would change the data
        st.check(failures, f"{method} {name} {target[:100]!r}",
                 raw_exchange(srv, build(srv, method, target, writer, valid_body)),
                 module, httpd)

    # very long paths: just under httpd's request-line limit the module answers, past it httpd
    get("8100-byte-path", base + "/" + "a" * (8100 - len(base) - 1), 404)
    get("8100-byte-escaped-path", base + "/" + "%41" * ((8100 - len(base)) // 3), 404)
    get("8 KiB-segments", base + "/a" * ((8100 - len(base)) // 2), 404)
    get("8300-byte-path", base + "/" + "a" * 8300, (), httpd={414})
    put("8100-byte-contacts", base + "/" + "b" * (8100 - len(base) - 10) + "/contacts", 404)
    # dot segments, encoded or not: normalised by httpd before the module sees them
    get("encoded-dotdot-out-of-api", base + "/%2e%2e", (), httpd={404})
    get("encoded-dotdot-far", base + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", (),
        httpd={400})
    get("dotdot-above-root", base + "/../../../../../etc/passwd", (), httpd={400})
    get("encoded-dotdot-inside", base + "/nosuch/%2e%2e/nosuch2", 404)
    get("dotdot-inside", base + "/nosuch/../nosuch2", 404)
    get("dot-segment", base + "/./nosuch", 404)
    get("double-slash", base + "//nosuch", 404)
    get("many-slashes", base + "////nosuch////", 404)
    get("dotdot-mixed-case", base + "/nosuch/%2E%2e/x.json", 404)
    # %00, %2F and bad escapes: httpd refuses them itself
    get("encoded-nul", base + "/a%00b", (), httpd={404})
    get("encoded-nul-after-self", base + "/@self%00", (), httpd={404})
    get("encoded-slash", base + "/a%2Fb", (), httpd={404})
    get("encoded-slash-lower", base + "/a%2fb", (), httpd={404})
    get("dotdot-encoded-slash", base + "/..%2fbob", (), httpd={404})
    get("dotdot-encoded-slash-2", base + "/..%2f..%2f..%2fetc%2fpasswd", (), httpd={404})
    get("encoded-backslash", base + "/..%5c..%5cnosuch", 404)
    get("bad-escape", base + "/a%zz", (), httpd={400})
    get("lone-percent", base + "/a%", (), httpd={400})
    get("half-escape", base + "/a%4", (), httpd={400})
    put("encoded-nul-in-user", f"{base}/{v.name}%00/contacts", (), httpd={404})
    put("encoded-slash-in-user", f"{base}/{v.name}%2F/contacts", (), httpd={404})
    put("contacts-encoded-nul", f"{base}/{v.id}/contacts%00", (), httpd={404})
    # @self, braces and UUID look-alikes
    get("encoded-at-self-bad-route", base + "/%40self/contactz", 404)
    put("encoded-at-self-profile", base + "/%40self", 405, method="PATCH")
    get("at-self-semicolon", base + "/@self;x=1", 404)
    get("at-self-json-json", base + "/@self.json.json", 404)
    get("self-contacts-extra", base + "/@self/contacts/extra", 404)
    get("lone-brace", base + "/{", 404)
    get("empty-braces", base + "/%7B%7D", 404)
    get("unterminated-brace", f"{base}/%7B{v.id}", 404)
    get("double-braces", f"{base}/%7B%7B{v.id}%7D%7D", 404)
    get("uuid-no-dashes", f"{base}/{v.id.replace('-', '')}", 404)
    get("uuid-extra-char", f"{base}/{v.id}0", 404)
    get("uuid-non-hex", f"{base}/{'g' * 8}-{v.id[9:]}", 404)
    put("victim-name-plus-x", f"{base}/{v.name}x/contacts", 404)
    put("victim-name-space", f"{base}/{v.name}%20/contacts", 404)
    put("victim-name-json-in-middle", f"{base}/{v.name}.json/contacts.json", 404)
    put("victim-id-brace-unbalanced", f"{base}/{v.id}%7D/contacts", 404)
    put("victim-double-braces", f"{base}/%7B%7B{v.id}%7D%7D/contacts", 404)
    put("contacts-trailing-slash", f"{base}/{v.id}/contacts/", 404)
    put("contacts-semicolon", f"{base}/{v.id}/contacts;x", 404)
    # "/{id}/contacts/.." is normalised to "/{id}/", which is no route
    put("contacts-then-dotdot", f"{base}/{v.id}/contacts/..", 404)
    put("contacts-then-encoded-dotdot", f"{base}/{v.id}/contacts/%2e%2e", 404)
    put("profile-route-write", f"{base}/{v.id}.json", 405, method="POST")
    # unicode and other odd bytes in the user part
    get("encoded-umlaut", base + "/%C3%BCser", 404)
    get("raw-utf8", base + "/\u00fcser\u4e2d", 404)
    get("rtl-override", base + "/%E2%80%AEnosuch", 404)
    get("emoji", base + "/%F0%9F%98%80", 404)
    get("encoded-overlong-slash", base + "/%C0%AF", 404)
    get("encoded-ff", base + "/%FF%FE", 404)
    get("encoded-surrogate", base + "/%ED%A0%80", 404)
    get("encoded-control", base + "/a%01b%7F", 404)
    get("backslashes", base + "/nosuch\\..\\x", 404)
    get("quote-and-angle", base + "/%22%3Cscript%3E", 404)
    get("query-on-unknown", base + "/nosuch?user=@self&x=../../", 404)
    get("absolute-form", f"http://127.0.0.1:{srv.port}{base}/nosuch", 404, httpd={400})
    st.ran.add("paths")
    assert not failures, f"{len(failures)} answers were wrong:\n" + "\n\n".join(failures[:40])


def test_odd_headers(hostile):
    st, failures, srv, v = hostile, [], hostile.server, hostile.victim
    target = f"/api/2.0/people/{v.id}/contacts"
    bad_body = b'{"contacts":[{"type":"","value":"x"}]}'
    auth = ("Authorization", v.token)
    json_ct = ("Content-Type", "application/json")

    def send(name, headers, module, httpd=(), method="PUT", body=bad_body, path=target, **kw):
        st.check(failures, f"{method} {name}",
                 raw_exchange(srv, build(srv, method, path, headers, body, **kw)),
                 module, httpd)

    # duplicate Content-Type headers are joined by httpd: not one JSON type, or JSON twice
    send("two Content-Types json+text", [auth, json_ct, ("Content-Type", "text/plain")], 415)
    send("two Content-Types text+json", [auth, ("Content-Type", "text/plain"), json_ct], 415)
    send("two Content-Types json+json", [auth, json_ct, json_ct], 415)
    send("Content-Type with vertical tab", [auth, ("Content-Type", "application/json\x0bx")],
         (), httpd={400})
    send("Content-Type with control char", [auth, ("Content-Type", "application/json\x01")],
         {415}, httpd={400})
    # huge header values: the module answers up to httpd's field limit, httpd past it
    send("8000-byte Authorization", [("Authorization", "t" * 8000), json_ct], 401)
    send("8000-byte Bearer", [("Authorization", "Bearer " + "t" * 8000), json_ct], 401)
    send("8000-byte cookie", [("Cookie", "asc_auth_key=" + "c" * 7900), json_ct], 401)
    send("8000-byte other header", [auth, json_ct, ("X-Filler", "f" * 8000)], 400)
    send("9000-byte header", [auth, json_ct, ("X-Filler", "f" * 9000)], (), httpd={400})
    send("90 extra headers", [auth, json_ct] + [(f"X-H{i}", "v") for i in range(90)], 400)
    send("150 extra headers", [auth, json_ct] + [(f"X-H{i}", "v") for i in range(150)],
         (), httpd={400})
    # Authorization with control characters, odd bytes and odd shapes
    for name, value, httpd_ok in [
        ("ctrl-01", v.token[:10] + "\x01" + v.token[10:], True),
        ("ctrl-7f", v.token + "\x7f", True),
        ("raw-nul", v.token[:5] + "\x00" + v.token[5:], True),
        ("vertical-tab", "Bearer\x0b" + v.token, True),
        ("escape-seq", "\x1b[31m" + v.token, True),
        ("tab-inside", v.token[:10] + "\t" + v.token[10:], False),
        ("latin1-byte", "t\u00f6ken", False),
        ("utf8-token", "\u4e2d\u6587\u4ee4\u724c", False),
        ("bearer-twice", "Bearer Bearer " + v.token, False),
        ("bearer-no-space", "Bearer" + v.token, False),
        ("token-and-junk", v.token + " junk", False),
        ("basic-scheme", "Basic " + v.token, False),
        ("only-spaces", "     ", False),
        ("comma-list", v.token + ", " + v.token, False),
    ]:
        send(f"Authorization {name}", [("Authorization", value), json_ct], 401,
             httpd={400} if httpd_ok else ())
    send("two Authorization headers", [auth, auth, json_ct], 401)
    send("cookie with ctrl", [("Cookie", "asc_auth_key=" + v.token + "\x01"), json_ct], 401,
         httpd={400})
    send("cookie twice", [("Cookie", f"asc_auth_key=x; asc_auth_key={v.token}"), json_ct],
         401)
    # header syntax httpd refuses before any module runs
    send("space in header name", [auth, json_ct, ("X Bad", "1")], (), httpd={400})
    send("colon-less header", [auth, json_ct, ("X-NoColon\r\nBroken", "")], (), httpd={400})
    send("obs-fold", [auth, json_ct, ("X-Fold", "a\r\n b")], 400, httpd={400})
    send("bad Content-Length", [auth, json_ct, ("Content-Length", "abc")], (), httpd={400},
         content_length=False)
    send("negative Content-Length", [auth, json_ct, ("Content-Length", "-1")], (), httpd={400},
         content_length=False)
    send("huge Content-Length", [auth, json_ct, ("Content-Length", "9" * 30)], (),
         httpd={400}, content_length=False)
    send("two Content-Lengths", [auth, json_ct, ("Content-Length", "3"),
                                 ("Content-Length", "5")], (), httpd={400},
         content_length=False)
    send("Expect: odd", [auth, json_ct, ("Expect", "something-else")], (), httpd={417})
    send("Expect: 100-continue", [auth, json_ct, ("Expect", "100-continue")], 400)
    st.ran.add("headers")
    assert not failures, f"{len(failures)} answers were wrong:\n" + "\n\n".join(failures[:40])


def test_broken_framing(hostile):
    st, failures, srv, v = hostile, [], hostile.server, hostile.victim
    target = f"/api/2.0/people/{v.id}/contacts"
    good = json.dumps(contacts_body(("icq", "framing"))).encode()
    bad = b'{"contacts":[{"type":"","value":"x"}]}'
    hdrs = [("Authorization", v.token), ("Content-Type", "application/json")]
    chunked = hdrs + [("Transfer-Encoding", "chunked")]

    def send(name, data, module, httpd=(), closed=False, **kw):
        st.check(failures, name, raw_exchange(srv, data, **kw), module, httpd, closed)

    # no Content-Length: no body at all, whatever follows the headers
    send("PUT without Content-Length", build(srv, "PUT", target, hdrs, good,
                                             content_length=False), 400)
    send("POST without Content-Length", build(srv, "POST", target, hdrs, good,
                                              content_length=False), 400)
    # Content-Length shorter than what is sent: the body is cut (malformed)
    for n in (1, 5, len(good) // 2, len(good) - 1):
        send(f"Content-Length {n} of {len(good)}",
             build(srv, "PUT", target, hdrs + [("Content-Length", str(n))], good,
                   content_length=False), 400)
    # Content-Length longer than what is sent, then the client half-closes: the body
    # cannot be read (400 from the module), or httpd drops the connection
    for extra in (1, 100, 60000):
        send(f"Content-Length {len(good) + extra}, {len(good)} sent, half-close",
             build(srv, "PUT", target, hdrs + [("Content-Length", str(len(good) + extra))],
                   good, content_length=False), 400, closed=True, half_close=True)
    # ... or the client just waits: httpd waits for the rest (its Timeout), no answer yet
    send("Content-Length longer, client waits 1 s",
         build(srv, "PUT", target, hdrs + [("Content-Length", str(len(good) + 10))], good,
               content_length=False), 400, closed=True, timeout=1.0)
    # chunked framing that is valid around a bad body: the module reads it (400)
    send("chunked, bad body", build(srv, "PUT", target, chunked,
                                    b"%x\r\n%s\r\n0\r\n\r\n" % (len(bad), bad),
                                    content_length=False), 400)
    send("chunked, 1-byte chunks of a bad body",
         build(srv, "PUT", target, chunked,
               b"".join(b"1\r\n%s\r\n" % bad[i:i + 1] for i in range(len(bad))) + b"0\r\n\r\n",
               content_length=False), 400)
    send("chunked and Content-Length", build(srv, "PUT", target,
                                             chunked + [("Content-Length", "3")],
                                             b"%x\r\n%s\r\n0\r\n\r\n" % (len(bad), bad),
                                             content_length=False), 400, httpd={400})
    # chunked framing httpd itself refuses (or that ends early): never a module 2xx
    for name, framing in [
        ("non-hex size", b"zz\r\n" + good + b"\r\n0\r\n\r\n"),
        ("negative size", b"-5\r\nabcde\r\n0\r\n\r\n"),
        ("size with spaces inside", b"1 0\r\n" + good[:16] + b"\r\n0\r\n\r\n"),
        ("overflowing size", b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n"),
        ("size 0x prefix", b"0x10\r\n" + good[:16] + b"\r\n0\r\n\r\n"),
        ("control char in extension", b"5;\x01\r\nabcde\r\n0\r\n\r\n"),
        ("data longer than size", b"2\r\n" + good + b"\r\n0\r\n\r\n"),
        ("missing CRLF after data", b"%x\r\n%sXX0\r\n\r\n" % (len(good), good)),
        ("empty size line", b"\r\n" + good + b"\r\n0\r\n\r\n"),
    ]:
        send(f"chunked, {name}", build(srv, "PUT", target, chunked, framing,
                                       content_length=False),
             400 if "longer" in name or "missing" in name else (),
             httpd={413 if "overflowing" in name else 400}, closed=True, half_close=True)
    for name, framing in [
        ("size larger than data, then EOF", b"%x\r\n%s" % (len(good) + 50, good)),
        ("no last chunk, then EOF", b"%x\r\n%s\r\n" % (len(good), good)),
    ]:
        send(f"chunked, {name}", build(srv, "PUT", target, chunked, framing,
                                       content_length=False),
             400, httpd={400}, closed=True, half_close=True)
    send("chunked over the limit by size line", build(srv, "PUT", target, chunked,
                                                      b"20000\r\n" + b"[" * 70000,
                                                      content_length=False),
         413, httpd={413}, closed=True, half_close=True)
    # request lines httpd refuses
    for name, line in [
        ("extra word", b"GET /api/2.0/people/@self HTTP/1.1 extra"),
        ("double space", b"GET  /api/2.0/people/@self HTTP/1.1"),
        ("no slash", b"GET api/2.0/people/@self HTTP/1.1"),
        ("only a method", b"GET"),
        ("lowercase protocol", b"GET /api/2.0/people/@self http/1.1"),
        ("raw space in path", b"GET /api/2.0/people/a b HTTP/1.1"),
        ("control char in path", b"GET /api/2.0/people/a\x01b HTTP/1.1"),
        ("raw nul in path", b"GET /api/2.0/people/a\x00b HTTP/1.1"),
        ("binary garbage", bytes(range(256))),
    ]:
        data = line + b"\r\nHost: 127.0.0.1\r\nAuthorization: " + v.token.encode() + \
            b"\r\nConnection: close\r\n\r\n"
        send(f"request line: {name}", data, (), httpd={400}, closed=True)
    # an HTTP/0.9 request line (httpd allows 0.9 by default): no headers are read, so the
    # module answers 401 with a bare body (0.9 has no status line), or httpd refuses it
    data = b"GET /api/2.0/people/@self\r\nAuthorization: " + v.token.encode() + b"\r\n\r\n"
    r = raw_exchange(srv, data)
    st.sent += 1
    if r is not None and r.status_code == 0:
        try:
            body = json.loads(r.content)
            assert body["statusCode"] == 401 and body["status"] == 1, body
        except (ValueError, KeyError, AssertionError) as e:
            failures.append(f"HTTP/0.9 request: not the module's 401 body ({e}): {r.content[:200]!r}")
    elif r is None or r.status_code != 400:
        failures.append(f"HTTP/0.9 request: {describe(r) if r else 'no answer'}")
    st.ran.add("framing")
    assert not failures, f"{len(failures)} answers were wrong:\n" + "\n\n".join(failures[:40])


def test_odd_methods(hostile):
    st, failures, srv, v = hostile, [], hostile.server, hostile.victim
    good = json.dumps(contacts_body(("icq", "method"))).encode()
    hdrs = [("Authorization", v.token), ("Content-Type", "application/json")]
    contacts = f"/api/2.0/people/{v.id}/contacts"
    profile = f"/api/2.0/people/{v.id}"

    def send(method, target, module, httpd=(), body=good):
        st.check(failures, f"{method!r} {target}",
                 raw_exchange(srv, build(srv, method, target, hdrs, body)), module, httpd)

    for method in ["PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
                   "UNLOCK", "SEARCH", "REPORT", "FOO", "get", "put", "Put", "GET"]:
        send(method, contacts, 405)
    for method in ["POST", "PATCH", "PROPFIND", "post", "delete"]:
        send(method, profile, 405)
    # PUT and DELETE are routes of the profile (section 11): the victim, a member, may not
    # delete users, and a PUT with a bad field changes nothing
    send("DELETE", profile, 403)
    send("PUT", profile, 400, body=b'{"firstName": ""}')
    # TRACE: httpd's core answers it in map_to_storage (TraceEnable defaults to on), echoing
    # the request back to the same client, unless the module takes that hook for its
    # locations; then the module refuses it like any other method
    send("TRACE", profile, 405, body=b"")
    send("TRACE", contacts, 405, body=b"")
    # method names httpd refuses
    send("G\x01T", contacts, (), httpd={400})
    send("GET\x00", contacts, (), httpd={400})
    st.ran.add("methods")
    assert not failures, f"{len(failures)} answers were wrong:\n" + "\n\n".join(failures[:40])


RUNNERS = {"bodies": test_hostile_bodies, "paths": test_hostile_paths,
           "headers": test_odd_headers, "framing": test_broken_framing,
           "methods": test_odd_methods}


def test_server_still_answers_and_nothing_changed(hostile, request):
    st, srv, v = hostile, hostile.server, hostile.victim
    # run alone (or with -k), this test sends the hostile requests of the categories that
    # have not run, so that "nothing changed" is never judged after no hostile request
    assert set(RUNNERS) == CATEGORIES
    for name, run in RUNNERS.items():
        if name not in st.ran:
            for mark in getattr(run, "pytestmark", []):
                request.node.add_marker(
                    getattr(pytest.mark, mark.name)(*mark.args, **mark.kwargs))
            run(st)
    assert st.ran == CATEGORIES
    assert st.sent >= 300, f"only {st.sent} hostile requests were sent"
    after = srv.db_snapshot()
    assert after == st.snapshot, "the stored data changed during the hostile requests"
    profile = success(srv.api.profile(v.id, v.token))
    assert pairs(profile) == VICTIM_CONTACTS
    # the server still writes normally (after the snapshot comparison)
    r = srv.api.contacts("PUT", v.id, contacts_body(("icq", "after")), v.token)
    assert pairs(success(r)) == VICTIM_CONTACTS + [("icq", "after")]
    print(f"\n[{srv.name}] hostile requests sent: {st.sent} "
          f"(categories run: {sorted(st.ran)}); answered by httpd itself: "
          f"{dict(sorted(st.httpd_refusals.items(), key=str))}; answers that differ from "
          f"the contract (contract, today): {DEVIATIONS}")
