"""The read path (on SQLite, the token check and the profile read run on
SQLite's own API in one transaction, with statements kept per connection):
whatever it caches, revocation and expiry act on the very next request, a
GET is one consistent snapshot under concurrent writes, a write answers what
it stored, and connections survive graceful restarts."""

import hashlib
import threading

import pytest
import requests

from checks import contacts_body, pairs, success, strong_etag


def unauthorized(r):
    assert r.status_code == 401, r.text
    return r


def test_revocation_acts_on_the_next_request_of_a_warm_connection(server, api, user):
    # the same keep-alive connection, the same database connection and its
    # prepared statements, warmed by several reads and a write
    for _ in range(5):
        success(api.profile(user.id, user.token))
        success(api("GET", "/@self", token=user.token))
    success(api.contacts("PUT", user.id, [{"type": "mail", "value": "a@example.org"}],
                         user.token))
    server.people_admin("token", "revoke", user.token)
    unauthorized(api.profile(user.id, user.token))
    unauthorized(api("GET", "/@self", token=user.token))
    unauthorized(api.contacts("PUT", user.id, [{"type": "mail", "value": "b@example.org"}],
                              user.token))


def test_expiry_acts_on_the_next_request(server, api, user):
    token = server.add_token(user.name, "--expires-days", "1")
    for _ in range(5):
        success(api.profile(user.id, token))
    digest = hashlib.sha256(token.encode()).hexdigest()
    changed = server.sql_changes(
        f"UPDATE people_tokens SET expires = expires - 172800 WHERE hash = '{digest}'")
    assert changed == 1
    unauthorized(api.profile(user.id, token))
    unauthorized(api("GET", "/@self", token=token))
    # the user's other token is untouched
    assert success(api.profile(user.id, user.token))["id"] == user.id


def test_terminating_a_user_acts_on_the_next_request(server, api, user):
    success(api("GET", "/@self", token=user.token))
    p = server.people_admin("user", "set", user.name, "--status", "terminated", check=False)
    assert p.returncode == 0, p.stderr
    unauthorized(api("GET", "/@self", token=user.token))


def test_every_read_form_answers_the_same_profile(api, user, admin):
    success(api.contacts("PUT", user.id, contacts_body(("mail", "x@example.org"),
                                                       ("phone", "+1 555 0101")), user.token))
    by_id = api.profile(user.id, user.token)
    by_self = api("GET", "/@self", token=user.token)
    by_name = api.profile(user.name, user.token)
    by_admin = api.profile(user.id, admin.token)
    bodies = [success(r) for r in (by_id, by_self, by_name, by_admin)]
    assert bodies[0] == bodies[1] == bodies[2] == bodies[3]
    assert len({strong_etag(r) for r in (by_id, by_self, by_name, by_admin)}) == 1
    assert pairs(bodies[0]) == [("mail", "x@example.org"), ("phone", "+1 555 0101")]


def test_unknown_user_is_404_for_a_valid_token(api, user):
    assert api.profile("00000000-0000-4000-8000-000000000000", user.token).status_code == 404
    assert api.profile("nosuchuser", user.token).status_code == 404


def test_a_write_answers_what_it_stored(api, user):
    for i in range(3):
        r = api.contacts("PUT", user.id, [{"type": f"k{i}", "value": f"v{i}"}], user.token)
        written = success(r)
        g = api.profile(user.id, user.token)
        assert success(g) == written
        assert strong_etag(g) == strong_etag(r)
    assert pairs(written) == [(f"k{i}", f"v{i}") for i in range(3)]


def test_every_get_is_one_snapshot_under_concurrent_writes(server, api, user):
    """Writers replace the contacts with two equal values, each write bumping the
    version; readers GET meanwhile. A read that mixed two versions would show the
    same ETag with two bodies, or contacts of different writes. (SQLite reads in one
    transaction on the native handle, PostgreSQL in one UNION ALL statement.)"""
    stop = threading.Event()
    seen, errors = {}, []
    lock = threading.Lock()

    def writer(w):
        s = requests.Session()
        try:
            for i in range(25):
                v = f"w{w}.{i}"
                r = s.post(api.url(f"/{user.id}/contacts"),
                           json=contacts_body(("first", v), ("second", v)),
                           headers={"Authorization": user.token}, timeout=30)
                assert r.status_code == 200, r.text
        except Exception as e:
            errors.append(repr(e))
        finally:
            s.close()

    def reader():
        s = requests.Session()
        try:
            while not stop.is_set():
                r = s.get(api.url(f"/{user.id}"), headers={"Authorization": user.token},
                          timeout=30)
                assert r.status_code == 200, r.text
                body = r.json()["response"]
                values = [c["value"] for c in body["contacts"]]
                assert len(set(values)) <= 1, values
                with lock:
                    seen.setdefault(r.headers["ETag"], set()).add(r.text)
        except Exception as e:
            errors.append(repr(e))
        finally:
            s.close()

    readers = [threading.Thread(target=reader) for _ in range(4)]
    writers = [threading.Thread(target=writer, args=(w,)) for w in range(2)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(120)
    stop.set()
    for t in readers:
        t.join(60)
    assert not errors, errors[:3]
    assert len(seen) > 1, "the readers saw no write"
    torn = {etag: bodies for etag, bodies in seen.items() if len(bodies) > 1}
    assert not torn, list(torn.items())[:1]


def test_graceful_restarts_under_reads(server, api, user):
    """Connections with their statements are closed and opened again across
    graceful restarts while reads go on; every answer is a 200 and the new
    generation reads the same data."""
    success(api.contacts("PUT", user.id, [{"type": "mail", "value": "g@example.org"}],
                         user.token))
    stop = threading.Event()
    statuses, errors = [], []

    def reader():
        while not stop.is_set():
            try:
                r = requests.get(api.url(f"/{user.id}"),
                                 headers={"Authorization": user.token}, timeout=30)
                statuses.append(r.status_code)
            except requests.ConnectionError:
                # a connection cut by the restart itself, not an answer
                pass
            except Exception as e:
                errors.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):
            server.graceful()
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not errors, errors[:3]
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    assert pairs(success(api.profile(user.id, user.token))) == [("mail", "g@example.org")]
