"""The wait for SQLite's write lock, bounded from both sides (README, Configuration: "A write
waits at most 2 s for the database's write lock, counting its time in that queue: a
database locked by another program answers 503 with Retry-After after about 2 s, for
every waiting writer").

Another program (python's sqlite3, as the server's user) holds the lock with BEGIN
IMMEDIATE and lets it go when the test says so:
- released 1 s after the writers arrived: every waiting writer is answered 200, after the
  release (they did wait), and its write is stored;
- held until every writer has been answered: each is answered 503 with Retry-After no
  sooner than about 2 s after it was sent, not much later (the queue counts), and while
  the lock is still held; nothing is stored; reads meanwhile are answered at once (WAL),
  before the first writer is refused.
"""

import subprocess
import threading
import time

import pytest
import requests

import harness
from checks import contacts_body, error, pairs, success
from test_faults import FaultServer, _as_run_user, retry_after_ok

pytestmark = pytest.mark.db("sqlite")

WRITERS = 4
LOCK_WAIT = 2.0                     # the module's wait, README
BUSY_LOG = r"\[people:error\] .*PEOPLE01: .*(?:locked|busy)"

# holds the write lock until a line arrives on stdin
HOLDER = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
c.execute("ROLLBACK")
c.close()
print("released", time.monotonic(), flush=True)
"""


@pytest.fixture(scope="module", params=harness.TEST_MPMS)
def lock_server(request, workdir):
    yield from harness.serve(FaultServer(request.param, workdir, "lockwait"))


class Holder:
    def __init__(self, server):
        self.proc = subprocess.Popen(["/usr/bin/python3", "-c", HOLDER, server.params],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd="/",
                                     **_as_run_user())
        line = self.proc.stdout.readline().strip()
        assert line == "locked", line + self.proc.stderr.read()
        self.released_at = None

    def release(self):
        """Lets the lock go; returns the monotonic time the holder's ROLLBACK had ended."""
        if self.released_at is None:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            word, _, stamp = self.proc.stdout.readline().partition(" ")
            assert word == "released", word + self.proc.stderr.read()
            self.released_at = float(stamp)
        return self.released_at

    def close(self):
        if self.proc.poll() is None:
            try:
                self.release()
            finally:
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)


def run_writers(srv, users, tag):
    """One PUT per user, all at once, each on its own connection. Returns per user
    (response or exception, monotonic send time, monotonic answer time); exceptions raised
    in the threads are returned, not lost."""
    results, sent, start = {}, {}, threading.Barrier(len(users))

    def put(u):
        with requests.Session() as s:
            s.trust_env = False
            start.wait()
            t0 = sent[u.name] = time.monotonic()
            try:
                r = srv.request("PUT", srv.api.url(f"/{u.id}/contacts"), session=s,
                                timeout=20, headers={"Authorization": u.token,
                                                     "Content-Type": "application/json"},
                                data=b'{"contacts":[{"type":"%s","value":"1"}]}' % tag.encode())
            except Exception as e:       # reported by the caller
                r = e
            results[u.name] = (r, t0, time.monotonic())

    threads = [threading.Thread(target=put, args=(u,)) for u in users]
    for th in threads:
        th.start()
    return threads, results, sent


def join(threads, timeout=30):
    deadline = time.monotonic() + timeout
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()))
    hung = [th.name for th in threads if th.is_alive()]
    assert not hung, f"writers still waiting after {timeout} s: {hung}"


def check_log(srv, allowed=()):
    srv.wait_for_access_log()
    bad = harness.unexpected_log_lines(srv.errlog.new_lines(), allowed)
    assert not bad, "unexpected lines in the error log:\n" + "\n".join(bad)


def writers_with_a_phone(srv, prefix):
    """WRITERS new users, each with one stored contact; the log checked clean first."""
    check_log(srv)
    users = [srv.new_user(prefix) for _ in range(WRITERS)]
    for u in users:
        success(srv.api.contacts("PUT", u.id, contacts_body(("phone", "0")), u.token))
    return users


def test_lock_released_after_one_second_lets_every_waiting_writer_through(lock_server):
    srv = lock_server
    users = writers_with_a_phone(srv, "short")
    holder = Holder(srv)
    try:
        threads, results, sent = run_writers(srv, users, "after")
        # one second after the last writer was sent (nothing tells when a writer has
        # queued: the mutex is a process-shared pthread one)
        assert harness.wait_until(lambda: len(sent) == WRITERS, 10)
        time.sleep(max(0.0, max(sent.values()) + 1.0 - time.monotonic()))
        early = dict(results)
        released = holder.release()
        join(threads)
    finally:
        holder.close()
    summary = {n: (getattr(r, "status_code", repr(r)), round(t1 - t0, 2),
                   round(t1 - released, 2)) for n, (r, t0, t1) in sorted(results.items())}
    print(f"\n[{srv.name}] lock released after 1 s: (status, waited, answered after the "
          f"release) {summary}")
    assert not early, f"answered while the lock was held: {early}"
    for u in users:
        r, t0, t1 = results[u.name]
        assert isinstance(r, requests.Response), f"PUT for {u.name}: {r!r}"
        # 200, not 503: the lock went away within the wait
        assert pairs(success(r)) == [("phone", "0"), ("after", "1")]
        # they did wait for it: answered after the release, having waited about 1 s
        assert t1 > released, (u.name, t1, released)
        assert t1 - t0 > 0.8, f"{u.name} was answered {t1 - t0:.2f} s after it was sent"
        assert t1 - released < 5.0, f"{u.name} answered {t1 - released:.2f} s after release"
    check_log(srv)


def test_lock_held_answers_503_after_about_two_seconds_for_every_writer(lock_server):
    srv = lock_server
    users = writers_with_a_phone(srv, "long")
    before = srv.db_snapshot()
    holder = Holder(srv)
    try:
        threads, results, _ = run_writers(srv, users, "during")
        # reads are not blocked (WAL): one per user while the writers wait
        reads = {}
        for u in users:
            t0 = time.monotonic()
            reads[u.name] = (srv.api.profile(u.id, u.token), t0, time.monotonic())
        # the lock is held until every writer has its answer (at most 30 s)
        join(threads)
        released = holder.release()
        after = srv.db_snapshot()
    finally:
        holder.close()
    summary = {n: (getattr(r, "status_code", repr(r)), round(t1 - t0, 2))
               for n, (r, t0, t1) in sorted(results.items())}
    print(f"\n[{srv.name}] lock held: (status, seconds after sending) {summary}")
    for u in users:
        r, t0, t1 = results[u.name]
        assert isinstance(r, requests.Response), f"PUT for {u.name}: {r!r}"
        error(r, 503)
        assert retry_after_ok(r), r.headers
        took = t1 - t0
        # no sooner than about 2 s: the module waited for the lock, it did not give up
        assert took > LOCK_WAIT - 0.5, f"{u.name} was refused after only {took:.2f} s"
        # not much later: the time queued behind the other writers counts (one after the
        # other, the third would wait 6 s), and the answer came while the lock was held
        assert took < 2 * LOCK_WAIT + 0.5, f"{u.name} was refused only after {took:.2f} s"
        assert t1 < released
    assert after == before, "a refused write changed the database"
    first_refusal = min(t1 for _, _, t1 in results.values())
    for name, (r, t0, t1) in reads.items():
        assert pairs(success(r)) == [("phone", "0")]
        # answered while the writers were still waiting for the lock
        assert t1 < first_refusal, f"GET for {name} waited for the writers ({t1 - t0:.2f} s)"
    # the lock is gone: writes work again at once
    for u in users:
        r = srv.api.contacts("PUT", u.id, contacts_body(("after", "1")), u.token)
        assert pairs(success(r)) == [("phone", "0"), ("after", "1")]
    check_log(srv, [BUSY_LOG])
