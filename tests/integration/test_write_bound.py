"""Section 6: the work a write does inside the write lock stays bounded. A body with more
items than PeopleMaxContacts is refused (400) before any lock is taken, so a member sending
large bodies in a loop cannot stall other users' writes."""

import json
import threading
import time

from checks import contacts_body, error, pairs, success, unchanged

ITEMS = 3900          # distinct types; about 62 KB, under the default PeopleMaxBody
SENDERS = 3
GENEROUS_S = 5.0      # no timing claim beyond "not stalled for seconds"


def big_body():
    # items without a value: before the fix, such a merge was accepted (it removes
    # nothing) after a quadratic apply step inside the lock
    body = json.dumps({"contacts": [{"type": f"t{i}"} for i in range(ITEMS)]},
                      separators=(",", ":")).encode()
    assert len(body) <= 65536, len(body)
    return body


def test_body_with_more_items_than_the_limit_is_refused(server, api, user):
    with unchanged(server):
        r = api("PUT", f"/{user.id}/contacts", token=user.token, data=big_body())
        msg = error(r, 400)
    assert "at most 100 contacts" in msg and f"names {ITEMS}" in msg, msg


def test_every_write_kind_is_bounded(server, api, user):
    body = big_body()
    with unchanged(server):
        for method in ("PUT", "POST", "DELETE"):
            msg = error(api(method, f"/{user.id}/contacts", token=user.token, data=body), 400)
            assert f"names {ITEMS}" in msg, (method, msg)


def test_limit_is_the_location_s(server, api, user):
    # /small has PeopleMaxContacts 20: 21 items are refused even though they would
    # replace each other down to one
    items = [{"type": "phone", "value": str(i)} for i in range(21)]
    with unchanged(server):
        msg = error(api.contacts("PUT", user.id, items, user.token, loc="/small"), 400)
    assert "at most 20 contacts" in msg and "names 21" in msg, msg
    r = api.contacts("PUT", user.id, items[:20], user.token, loc="/small")
    assert len(pairs(success(r))) == 20


def test_large_bodies_do_not_stall_another_user_s_writes(server, api, user, other):
    body = big_body()
    stop = threading.Event()
    refused, errors = [], []
    lock = threading.Lock()

    def sender():
        try:
            while not stop.is_set():
                r = api("PUT", f"/{user.id}/contacts", token=user.token, data=body)
                with lock:
                    refused.append(r.status_code)
        except Exception as e:
            with lock:
                errors.append(repr(e))

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for t in threads:
        t.start()
    latencies = []
    try:
        time.sleep(0.3)
        for i in range(15):
            t0 = time.monotonic()
            r = api.contacts("PUT", other.id, contacts_body((f"k{i}", "v")), other.token)
            latencies.append(time.monotonic() - t0)
            assert r.status_code == 200, r.text
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        api.close()
    assert not errors, errors
    assert refused and set(refused) == {400}, set(refused)
    assert max(latencies) < GENEROUS_S, latencies
    got = pairs(success(api.profile(other.id, other.token)))
    assert got == [(f"k{i}", "v") for i in range(15)]
