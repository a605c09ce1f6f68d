"""Section 6: concurrent writes to one user never lose each other's changes."""

import threading

from checks import concurrent_puts, contacts_body, pairs, success

THREADS = 8
PUTS = 10


def test_concurrent_puts_of_distinct_types_are_all_stored(server, api, user, admin):
    statuses, errors = concurrent_puts(api, user.id, admin.token, THREADS, PUTS)
    assert not errors, errors
    assert statuses == [200] * (THREADS * PUTS), statuses
    stored = pairs(success(api.profile(user.id, admin.token)))
    expected = {(f"t{t}x{i}", f"v{t}.{i}") for t in range(THREADS) for i in range(PUTS)}
    assert set(stored) == expected
    assert len(stored) == THREADS * PUTS
    # each thread's own types were appended in the order it wrote them
    for t in range(THREADS):
        mine = [ty for ty, _ in stored if ty.startswith(f"t{t}x")]
        assert mine == [f"t{t}x{i}" for i in range(PUTS)]


def test_concurrent_puts_to_different_users(server, api):
    users = [server.new_user("conc") for _ in range(4)]
    errors = []

    def worker(u):
        try:
            for i in range(5):
                r = api.contacts("PUT", u.id, contacts_body((f"k{i}", u.name)), u.token)
                assert r.status_code == 200, r.text
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    api.close()
    assert not errors, errors
    for u in users:
        assert pairs(success(api.profile(u.id, u.token))) == [(f"k{i}", u.name) for i in range(5)]
