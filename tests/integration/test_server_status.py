"""mod_people's section in mod_status's /server-status: both forms (HTML and ?auto), read
while and after a known mix of requests is sent from many clients at once, must account for
exactly what was sent; the counters live in shared memory (prefork: many processes) and
start again from zero on a restart."""

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import harness
from checks import contacts_body, describe

STATUS = "/server-status"


@harness.on_config
def _server_status(server, conf):
    conf.add_module("status")
    conf.add_location(STATUS, "SetHandler server-status", "Require all granted")


def read_auto(server):
    r = server.request("GET", server.url + STATUS + "?auto", timeout=10)
    assert r.status_code == 200, describe(r)
    values = {}
    for line in r.text.splitlines():
        if line.startswith("People"):
            key, _, value = line.partition(": ")
            values[key] = float(value) if "." in value else int(value)
    assert "PeopleRequests" in values, "no mod_people section in ?auto:\n" + r.text
    return values


def delta(after, before):
    return {k: after[k] - before.get(k, 0) for k in after}


def wait_for_requests(server, before, sent):
    """Requests are counted as they are logged, just after the answer: wait for them."""
    deadline = time.monotonic() + 10
    while True:
        now = read_auto(server)
        if now["PeopleRequests"] - before["PeopleRequests"] >= sent or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


def send_mix(api, user, admin, threads=8, rounds=6):
    """From `threads` clients at once, each round: a GET of a profile, a PUT of contacts,
    a GET without a token, a GET with a wrong token, a GET of no route. Returns
    {kind: [statuses]} as the clients saw them."""
    go = threading.Barrier(threads)

    def client(t):
        go.wait()
        got = []
        for i in range(rounds):
            body = contacts_body((f"s{t}x{i}", f"v{t}.{i}"))
            got += [
                ("Profile", api("GET", "/@self", token=user.token)),
                ("Contacts", api.contacts("PUT", user.id, body, user.token)),
                ("Unrouted", api("GET", f"/{admin.id}")),
                ("Unrouted", api("GET", "/@self", token=f"not-a-token-{t}-{i}")),
                ("Unknown", api("GET", "/no/such/route", token=user.token)),
            ]
        return got

    seen = {"Profile": [], "Contacts": [], "Unrouted": [], "Unknown": []}
    try:
        with ThreadPoolExecutor(threads) as pool:
            for got in pool.map(client, range(threads)):
                for kind, r in got:
                    seen[kind].append(r.status_code)
    finally:
        api.close()
    return seen


def classes(statuses):
    out = {}
    for s in statuses:
        out[f"{s // 100}xx"] = out.get(f"{s // 100}xx", 0) + 1
    return out


@pytest.mark.expect_log(r"PEOPLE(09|11): authentication refused")
def test_counters_add_up_to_what_was_sent(server, api, user, admin):
    before = read_auto(server)
    # read both forms while the load runs: they must answer, and never go backwards
    readings, pages, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            readings.append(read_auto(server)["PeopleRequests"])
            html = server.request("GET", server.url + STATUS, timeout=10)
            pages.append(html.status_code == 200 and "<h2>mod_people</h2>" in html.text)
    rd = threading.Thread(target=reader)
    rd.start()
    try:
        seen = send_mix(api, user, admin)
    finally:
        stop.set()
        rd.join(30)
    assert readings and readings == sorted(readings), readings
    assert pages and all(pages)

    sent = sum(len(v) for v in seen.values())
    after = wait_for_requests(server, before, sent)
    d = delta(after, before)
    assert d["PeopleRequests"] == sent, (d, seen)
    for kind, statuses in seen.items():
        want = classes(statuses)
        assert d[f"PeopleRequests{kind}"] == len(statuses), (kind, d, seen)
        for cls in ("2xx", "3xx", "4xx", "5xx"):
            key = f"PeopleRequests{kind}{cls}"
            if key in d:
                assert d[key] == want.get(cls, 0), (key, d, want)
    for cls in ("2xx", "4xx", "5xx"):
        assert d[f"PeopleRequests{cls}"] == sum(classes(v).get(cls, 0) for v in seen.values())
    assert d["PeopleRequestsDirectory"] == 0

    # what the clients saw: refusals 401, unknown routes 404, writes 2xx (or 503)
    assert set(seen["Unrouted"]) == {401}
    assert set(seen["Unknown"]) == {404}
    assert d["PeopleAuthRefused"] == len(seen["Unrouted"])
    writes_ok = sum(1 for s in seen["Contacts"] if 200 <= s < 300)
    unavailable = sum(1 for v in seen.values() for s in v if s == 503)
    assert d["PeopleUnavailable"] == unavailable
    assert d["PeopleDBErrors"] == 0
    assert d["PeopleWrites"] == len(seen["Contacts"])

    if server.db == "sqlite":
        # every write waited for the write lock; under group durability (the default)
        # each committed write has a commit number and is covered by one of the syncs
        assert d["PeopleLockWaits"] == len(seen["Contacts"])
        assert d["PeopleCommits"] == writes_ok
        assert 1 <= d["PeopleSyncs"] <= d["PeopleCommits"]
        assert after["PeopleLockWaitMaxMs"] <= after["PeopleLockWaitTotalMs"]
        assert after["PeopleCommitsPerSync"] == pytest.approx(
            after["PeopleCommits"] / after["PeopleSyncs"], abs=0.01)
    else:
        # PostgreSQL has its own locks and durability: no write mutex, no group commit
        assert d["PeopleLockWaits"] == 0
        assert d["PeopleCommits"] == d["PeopleSyncs"] == 0


def test_html_form_matches_auto(server, api, user):
    for _ in range(3):
        assert api("GET", "/@self", token=user.token).status_code == 200
    wait_for_requests(server, {"PeopleRequests": 0}, 3)
    auto = read_auto(server)
    html = server.request("GET", server.url + STATUS, timeout=10).text
    assert "<h2>mod_people</h2>" in html
    row = re.search(r"<tr><td>Profile</td>((?:<td>\d+</td>){5})</tr>", html)
    assert row, html[-3000:]
    cells = [int(c) for c in re.findall(r"\d+", row.group(1))]
    # the reads of the two forms are not atomic together: nothing else runs meanwhile
    assert cells[0] == auto["PeopleRequestsProfile2xx"]
    assert cells[4] == auto["PeopleRequestsProfile"] == sum(cells[:4])
    assert f"write transactions: {auto['PeopleWrites']}</dt>" in html
    notable = server.request("GET", server.url + STATUS + "?notable", timeout=10).text
    assert re.search(r"<dt>Profile: 2xx %d " % auto["PeopleRequestsProfile2xx"], notable)


def test_no_secret_in_the_status_page(server, api, user):
    assert api("GET", "/@self", token=user.token).status_code == 200
    for url in (STATUS, STATUS + "?auto"):
        text = server.request("GET", server.url + url, timeout=10).text
        assert user.token not in text
        assert user.name not in text


def test_restart_resets_the_counters(server, api, user):
    assert api("GET", "/@self", token=user.token).status_code == 200
    wait_for_requests(server, {"PeopleRequests": 0}, 1)
    assert read_auto(server)["PeopleRequests"] >= 1
    server.graceful()
    after = read_auto(server)
    assert after["PeopleRequests"] == 0, after
    assert after["PeopleWrites"] == after["PeopleLockWaits"] == 0
    assert api("GET", "/@self", token=user.token).status_code == 200
    assert wait_for_requests(server, after, 1)["PeopleRequestsProfile2xx"] == 1


@pytest.fixture(scope="module",
                params=os.environ.get("PEOPLE_TEST_MPMS", "event prefork").split())
def ro_server(request, workdir):
    """A SQLite server of its own, whose database file the test makes read-only."""
    yield from harness.serve(harness.Server(request.param, "sqlite",
                                            harness.mkdir(Path(workdir) / "status-ro")))


def test_database_errors_and_503s_are_counted(ro_server):
    srv = ro_server
    srv.errlog.new_lines()
    user = srv.new_user("ro")
    db = Path(srv.params)
    os.chmod(db, 0o444)
    try:
        srv.graceful()
        before = read_auto(srv)
        statuses = [srv.api.contacts("PUT", user.id, contacts_body(("phone", str(i))),
                                     user.token).status_code for i in range(5)]
        assert statuses == [503] * 5
        d = delta(wait_for_requests(srv, before, 5), before)
    finally:
        os.chmod(db, 0o644)
        srv.graceful()
    # the five refusals, logged with the fix (PEOPLE01), and nothing else
    srv.wait_for_access_log()
    lines = srv.errlog.new_lines()
    assert len([l for l in lines if "PEOPLE01: database error" in l]) == 5, lines
    assert not harness.unexpected_log_lines(lines, [r"PEOPLE01: database error"])
    assert d["PeopleRequestsContacts5xx"] == d["PeopleUnavailable"] == 5, d
    assert d["PeopleDBErrors"] == 5, d
    assert d["PeopleWrites"] == 5 and d["PeopleCommits"] == 0, d
