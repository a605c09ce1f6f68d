"""A PostgreSQL outage under write load, through both front ends of the balancer topology
(test_topology.py) sharing one database (README, Running several front ends: "A write
interrupted by the outage is rolled back whole"; "When it is back ... clients see no error
after the restart and Apache needs no restart").

Writers POST (set) three-item lists to users of their own, one generation after another,
straight to each front end, while PostgreSQL is stopped and started again:
- every stored list is wholly one generation's list (the first, or one a writer POSTed),
  never a mixture;
- every write answered with success is stored (the last acknowledged generation of each
  user, unless a later write had no answer at all), and no write answered 503 is;
- during the outage every answer is a 503 with Retry-After;
- after the restart the first request to each front end succeeds, and so does every
  request sent after the restart.
Assertions made in the writer threads are collected and re-raised in the test.
"""

import threading
import time

import pytest
import requests

import harness
from checks import error, pairs, success
from test_topology import BIG, OUTAGE_LOG, topology  # noqa: F401 (the fixture)

pytestmark = pytest.mark.db("pgsql")

# The status of a successful POST (set): 200 (spec section 6).
SET_STATUS = 200
WRITERS_PER_FRONT = 3
USERS_PER_WRITER = 2
ITEMS = 300            # long writes: the stop often lands inside one
CYCLES = 2


def generation(user, n):
    """The list a writer POSTs as generation n of one user (0: the list before the load)."""
    return [(f"g{n}i{i}", f"{user.name}-{n}-{i}") for i in range(ITEMS)]


class Writer(threading.Thread):
    """POSTs generation after generation to its users through one front end until told to
    stop; keeps (user, generation, outcome, sent, answered) and any failure it meets."""

    def __init__(self, front, users, stop):
        super().__init__()
        self.front, self.users, self.stop_event = front, users, stop
        self.log, self.failures = [], []
        self.next_gen = {u.id: 1 for u in users}

    def run(self):
        s = requests.Session()
        s.trust_env = False
        try:
            for i in range(100000):                     # bounded
                if self.stop_event.is_set():
                    break
                u = self.users[i % len(self.users)]
                n = self.next_gen[u.id]
                self.next_gen[u.id] = n + 1
                body = {"contacts": [{"type": t, "value": v} for t, v in generation(u, n)]}
                t0 = time.monotonic()
                try:
                    r = self.front.request(
                        "POST", self.front.api.url(f"/{u.id}/contacts", BIG), session=s,
                        timeout=20, json=body,
                        headers={"Authorization": u.token, "Accept": "application/json"})
                    outcome = r.status_code
                    if outcome == SET_STATUS:
                        assert pairs(success(r, SET_STATUS)) == generation(u, n)
                    else:
                        error(r, 503)
                        assert r.headers.get("Retry-After", "").isdigit(), r.headers
                except AssertionError as e:
                    self.failures.append(f"{self.front.name} {u.name} gen {n}: {e}")
                    outcome = "bad"
                except requests.RequestException as e:
                    outcome = type(e).__name__
                    s.close()
                    s = requests.Session()
                    s.trust_env = False
                self.log.append((u, n, outcome, t0, time.monotonic()))
                time.sleep(0.002)
        except BaseException as e:                      # anything else reaches the test too
            self.failures.append(f"{self.front.name}: {e!r}")
        finally:
            s.close()


def wait_for(writers, predicate, timeout, what):
    assert harness.wait_until(lambda: predicate() or any(w.failures for w in writers),
                              timeout, 0.01), f"timed out waiting for {what}"
    failures = [f for w in writers for f in w.failures]
    assert not failures, failures[:5]


def acked(writers, since=0.0):
    return lambda: all(sum(o == SET_STATUS and t0 > since for _, _, o, t0, _ in w.log) >= 3
                       for w in writers)


def run_load(writers, until):
    """Starts the writers, waits for `until` (a callable run in between), stops and joins
    them; failures of the writer threads are re-raised here."""
    for w in writers:
        w.start()
    try:
        until()
    finally:
        for w in writers:
            w.stop_event.set()
        for w in writers:
            w.join(60)
    assert not any(w.is_alive() for w in writers), "a writer hangs"
    failures = [f for w in writers for f in w.failures]
    assert not failures, failures[:5]


def check_stored(fronts, users, log, stored):
    """Every stored list is wholly one generation's; it is the last acknowledged one, or a
    later one that had no answer; never one answered 503."""
    by_user = {}
    for u, n, o, _, _ in log:
        by_user.setdefault(u.id, []).append((n, o))
    for uid, entries in by_user.items():
        u = users[uid]
        gens = [n for n in range(max(n for n, _ in entries) + 1)
                if generation(u, n) == stored[uid]]
        assert len(gens) == 1, f"{u.name}: stored {stored[uid]} is no single generation"
        got = gens[0]
        last_ack = max([n for n, o in entries if o == SET_STATUS], default=0)
        refused = {n for n, o in entries if o == 503}
        unanswered = {n for n, o in entries if isinstance(o, str)}
        assert got not in refused, f"{u.name}: generation {got}, answered 503, is stored"
        assert got == last_ack or (got > last_ack and got in unanswered), \
            f"{u.name}: stored generation {got}, last acknowledged {last_ack}"


def first_requests(fronts, users, per_front=16):
    """Right after the restart, `per_front` GETs at once to each front end, each on a new
    connection (so over many of its pooled database connections); returns the stored list
    of every user and the answers that were not 200."""
    stored, bad, lock = {}, [], threading.Lock()
    targets = list(users.values())

    def get(fe, u):
        try:
            with requests.Session() as s:
                s.trust_env = False
                r = fe.request("GET", fe.api.url(f"/{u.id}", BIG), session=s, timeout=20,
                               headers={"Authorization": u.token})
            with lock:
                if r.status_code == 200:
                    stored[u.id] = pairs(success(r))
                else:
                    bad.append((fe.name, r.status_code, r.text[:200]))
        except Exception as e:                          # reaches the test
            with lock:
                bad.append((fe.name, repr(e)))

    threads = [threading.Thread(target=get, args=(fe, targets[(k * per_front + i) % len(targets)]))
               for k, fe in enumerate(fronts) for i in range(per_front)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads), "a first request hangs"
    return stored, bad


def outage_cycle(topology, users, mine, next_gen, prior):  # noqa: F811
    """1. load through both front ends; PostgreSQL stops under it; the writers stop while it
    is down (so that what the outage left stored is seen before anything overwrites it);
    2. PostgreSQL starts again: the first requests to each front end all succeed, and show
    every stored list wholly one generation's. Returns the writers' log."""
    fronts = topology.front
    writers = [Writer(fe, group, threading.Event()) for fe, group in mine]
    for k, w in enumerate(writers):
        if next_gen[k]:
            w.next_gen = next_gen[k]
    times = {}

    def outage():
        wait_for(writers, acked(writers), 30, "writes before the outage")
        times["halting"] = time.monotonic()
        topology.pg.halt()
        times["halted"] = time.monotonic()
        wait_for(writers, lambda: all(sum(o == 503 and t0 > times["halted"]
                                          for _, _, o, t0, _ in w.log) >= 3
                                      for w in writers), 30, "503s during the outage")
    try:
        run_load(writers, outage)
    finally:
        topology.pg.resume()
    resumed = time.monotonic()
    stored, bad = first_requests(fronts, users)
    assert not bad, f"first requests after the restart: {bad}"
    for k, w in enumerate(writers):
        next_gen[k] = dict(w.next_gen)
    log = [e for w in writers for e in w.log]
    counts = {}
    for _, _, o, _, _ in log:
        counts[o] = counts.get(o, 0) + 1
    in_flight = [o for _, _, o, t0, t1 in log if t0 < times["halting"] < t1]
    print(f"\noutage under load: {len(log)} POSTs {counts}; down "
          f"{resumed - times['halted']:.2f} s; {len(in_flight)} in flight when the stop began "
          f"(answered {in_flight})")
    # during the outage: 503 with Retry-After (checked in the threads) or no answer
    assert not {o for o in counts if o not in (SET_STATUS, 503)}, counts
    check_stored(fronts, users, prior + log, stored)
    return log


def test_postgres_outage_under_multi_item_write_load(topology):  # noqa: F811
    fronts = topology.front
    users, mine = {}, []
    for fe in fronts:
        for _ in range(WRITERS_PER_FRONT):
            group = [fronts[0].new_user("olw") for _ in range(USERS_PER_WRITER)]
            for u in group:
                users[u.id] = u
                r = fe.api("POST", f"/{u.id}/contacts", token=u.token, loc=BIG,
                           json={"contacts": [{"type": t, "value": v}
                                              for t, v in generation(u, 0)]})
                assert pairs(success(r, SET_STATUS)) == generation(u, 0)
            mine.append((fe, group))
    for fe in fronts:
        fe.api.close()
    # more pooled database connections than the load uses, idle through the outage
    stored, bad = first_requests(fronts, users)
    assert not bad, bad

    log, next_gen = [], [None] * len(mine)
    for _ in range(CYCLES):
        log += outage_cycle(topology, users, mine, next_gen, log)

    # 3. load again: every write succeeds and is stored
    again = [Writer(fe, group, threading.Event()) for fe, group in mine]
    for w, gens in zip(again, next_gen):
        w.next_gen = dict(gens)
    run_load(again, lambda: wait_for(again, acked(again), 30, "writes after the restart"))
    log2 = [e for w in again for e in w.log]
    assert all(o == SET_STATUS for _, _, o, _, _ in log2), \
        [(u.name, n, o) for u, n, o, _, _ in log2 if o != SET_STATUS][:10]
    stored = {uid: pairs(success(fronts[0].api("GET", f"/{uid}", token=u.token, loc=BIG)))
              for uid, u in users.items()}
    check_stored(fronts, users, log + log2, stored)
    for fe in fronts:
        fe.wait_for_access_log()
        bad = harness.unexpected_log_lines(fe.errlog.new_lines(), OUTAGE_LOG)
        assert not bad, bad
