"""Faults on SQLite, each on a dedicated server (event and prefork): an unwritable database
file, a missing database directory, another process holding the write lock, graceful
restarts and a killed child under write load.

Spec section 7: "Database unavailable or locked past a short wait: 503 with Retry-After,
nothing half-written"; README: the error log says what is wrong and how to fix it.
"""

import collections
import os
import pwd
import re
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

import harness
from harness import API_BASE, RUN_USER
from checks import contacts_body, error, pairs, success

pytestmark = pytest.mark.db("sqlite")

MPMS = harness.TEST_MPMS
BIG = "/big"                      # a location on the fault servers with room for many contacts
WRITERS = 4

# httpd reports a child killed by a signal at notice level
CHILD_KILLED = r"AH00052: child pid \d+ exit signal Killed \(9\)"
# the module's own lines for a database it cannot write (PEOPLE01) or open (PEOPLE02)
DB_ERROR = r"\[people:error\] .*PEOPLE0[12]: "
DBD_ERROR = r"\[dbd:(?:error|crit|alert|emerg)\] "


class FaultServer(harness.Server):
    """A SQLite server of its own, with a location that holds many contacts."""

    def __init__(self, mpm, workdir, tag):
        super().__init__(mpm, "sqlite", harness.mkdir(Path(workdir) / tag))
        self.name = f"{tag}-{mpm}-sqlite"

    def write_config(self):
        super().write_config()
        with open(self.conf, "a") as f:
            f.write(f'<Location "{BIG}{API_BASE}">\n    PeopleAPI On\n'
                    f"    PeopleMaxContacts 100000\n</Location>\n")
            if self.mpm == "prefork":
                # enough idle processes that readers do not queue behind blocked writers
                # (the prefork default of the suite starts 4: each waiting writer holds one)
                # (room for old and new generations during a graceful restart)
                f.write("StartServers 12\nMinSpareServers 10\nMaxSpareServers 16\n"
                        "ServerLimit 40\nMaxRequestWorkers 40\n")

    @property
    def db_path(self):
        return Path(self.params)


class MissingDirServer(FaultServer):
    """DBDParams names a file in a directory that does not exist: no schema, no users."""

    start_log_allowed = [DB_ERROR, DBD_ERROR]

    def _setup_db(self):
        self.params = str(self.root / "no-such-directory" / "people.db")

    def _create_fixture_users(self):
        pass

    def _fix_sqlite_ownership(self):
        pass

    def start(self):
        # as Server.start(), but mod_dbd may complain already while the children start
        self.errlog.skip_to_end()
        harness._running.add(self)
        self.started = True
        self.apachectl("start")
        if not harness.wait_until(self._answers, 10, 0.05):
            raise RuntimeError(f"apache2 ({self.name}) did not answer within 10 s:\n"
                               + self.errlog.text()[-4000:])
        bad = harness.unexpected_log_lines(self.errlog.new_lines(), self.start_log_allowed)
        if bad:
            raise RuntimeError(f"apache2 ({self.name}) logged problems at start:\n"
                               + "\n".join(bad))
        self.sync_access_log()


def _finish(server, allowed=()):
    """Stop, then judge the log lines written since the last test (shutdown included)."""
    problems = []
    try:
        server.stop()
    except Exception as e:
        problems.append(str(e))
    bad = harness.unexpected_log_lines(server.errlog.new_lines(), allowed)
    if bad:
        problems.append("error log at shutdown:\n" + "\n".join(bad))
    problems += server.teardown()
    assert not problems, f"[{server.name}] " + "\n".join(problems)


@pytest.fixture(scope="module", params=MPMS)
def fault_server(request, workdir):
    srv = harness.start(FaultServer(request.param, workdir, "faults"))
    yield srv
    _finish(srv)


@pytest.fixture(autouse=True)
def _fault_log_check(request):
    """The fault servers' error log, judged after each test as conftest does for `server`:
    lines at warn or worse must be declared with @pytest.mark.expect_log."""
    if "fault_server" not in request.fixturenames:
        yield
        return
    srv = request.getfixturevalue("fault_server")
    srv.errlog.new_lines()
    srv.taken = []
    yield
    failure = harness.log_check_failure(srv, request.node, srv.taken, 1.0)
    if failure:
        pytest.fail(failure, pytrace=False)


def _as_run_user():
    pw = pwd.getpwnam(RUN_USER)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def sqlite_query(server, sql):
    code = ("import sqlite3,sys\n"
            "c=sqlite3.connect(sys.argv[1], timeout=10)\n"
            "print('\\n'.join('|'.join(map(str, r)) for r in c.execute(sys.argv[2])))\n")
    return harness.run(["/usr/bin/python3", "-c", code, server.params, sql],
                       user=RUN_USER).stdout.strip()


def retry_after_ok(r):
    v = r.headers.get("Retry-After", "")
    return v.isdigit() and int(v) > 0


def new_log_lines(server):
    """The error-log lines written since the last call (kept for the log check too)."""
    server.wait_for_access_log(1.0)
    lines = server.errlog.new_lines()
    if hasattr(server, "taken"):
        server.taken += lines
    return lines


# ------------------------------------------------------------------ unwritable database file

def _restore(server):
    """The database and its -wal/-shm back to the run user, 0644."""
    uid, gid = pwd.getpwnam(RUN_USER).pw_uid, pwd.getpwnam(RUN_USER).pw_gid
    for suffix in ("", "-wal", "-shm", "-journal"):
        f = Path(str(server.db_path) + suffix)
        if f.exists():
            os.chown(f, uid, gid)
            os.chmod(f, 0o644)


def _break(server, how):
    db = server.db_path
    if how == "mode-0444":
        os.chmod(db, 0o444)
    else:                                   # root-owned, 0644
        os.chown(db, 0, 0)
        os.chmod(db, 0o644)


@pytest.mark.parametrize("how", ["mode-0444", "root-0644"])
@pytest.mark.expect_log(DB_ERROR)
def test_unwritable_database_file_answers_503_and_says_how_to_fix_it(fault_server, how):
    srv = fault_server
    user = srv.new_user("ro")
    success(srv.api.contacts("PUT", user.id, contacts_body(("phone", "1")), user.token))
    before = srv.db_snapshot()
    _break(srv, how)
    try:
        # a server started (here: gracefully restarted) with the file unwritable; connections
        # opened before the change could still write through their open descriptors
        srv.graceful()
        new_log_lines(srv)
        t0 = time.monotonic()
        r = srv.api.contacts("PUT", user.id, contacts_body(("icq", "ro")), user.token)
        took = time.monotonic() - t0
        error(r, 503)
        assert retry_after_ok(r), r.headers
        assert took < 5, f"the refused PUT took {took:.2f} s"
        # reads still work
        assert pairs(success(srv.api.profile(user.id, user.token))) == [("phone", "1")]
        lines = new_log_lines(srv)
        named = [l for l in lines if str(srv.db_path) in l]
        assert named, "no error-log line names the database:\n" + "\n".join(lines)
        assert any(re.search(r"writable|chown", l) for l in named), "\n".join(named)
        print(f"\n[{srv.name}] {how}: {named[0]}")
        assert srv.db_snapshot() == before
    finally:
        _restore(srv)
        srv.graceful()
    r = srv.api.contacts("PUT", user.id, contacts_body(("icq", "back")), user.token)
    assert pairs(success(r)) == [("phone", "1"), ("icq", "back")]


@pytest.mark.expect_log(DB_ERROR)
def test_fixing_the_file_the_log_names_is_enough(fault_server):
    """The administrator makes the file the log line names writable again (chmod 0644,
    owner the run user) and restarts gracefully: writes work again. SQLite created the
    -wal/-shm files while the database was read-only, with its mode (0444)."""
    srv = fault_server
    user = srv.new_user("fix")
    _break(srv, "mode-0444")
    try:
        srv.graceful()
        error(srv.api.contacts("PUT", user.id, contacts_body(("icq", "ro")), user.token), 503)
        side = {s: oct(os.stat(str(srv.db_path) + s).st_mode & 0o777)
                for s in ("-wal", "-shm") if Path(str(srv.db_path) + s).exists()}
        named = [l for l in new_log_lines(srv) if str(srv.db_path) in l]
        assert named, "no log line names the database"
        # the fix for exactly the files the line names (the database and the WAL files
        # SQLite made read-only beside it)
        fixed = [str(srv.db_path) + s for s in ("", "-wal", "-shm")
                 if any(str(srv.db_path) + s + " " in l or l.endswith(str(srv.db_path) + s)
                        or str(srv.db_path) + s + ";" in l for l in named)]
        assert str(srv.db_path) in fixed, named
        for f in fixed:
            os.chmod(f, 0o644)
            harness.chown(f, RUN_USER)
        srv.graceful()
        r = srv.api.contacts("PUT", user.id, contacts_body(("icq", "fixed")), user.token)
        lines = new_log_lines(srv)
        assert r.status_code == 200, (
            f"after fixing {srv.db_path} (0644, {RUN_USER}) and a graceful restart, PUT "
            f"answered {r.status_code}; -wal/-shm modes: {side}; log:\n" + "\n".join(lines))
        assert pairs(success(r)) == [("icq", "fixed")]
    finally:
        _restore(srv)
        srv.graceful()


# ------------------------------------------------------------------ missing directory

@pytest.mark.parametrize("mpm", MPMS)
def test_missing_database_directory_answers_503_and_names_it(workdir, mpm):
    srv = harness.start(MissingDirServer(mpm, workdir, "nodir"))
    allowed = [DB_ERROR, DBD_ERROR]
    try:
        token = "some-token-" + mpm
        for method, path in (("GET", "/@self"), ("GET", "/alice"), ("PUT", "/@self/contacts")):
            t0 = time.monotonic()
            if method == "PUT":
                r = srv.api(method, path, token=token, json=contacts_body(("icq", "x")))
            else:
                r = srv.api(method, path, token=token)
            took = time.monotonic() - t0
            error(r, 503)
            assert retry_after_ok(r), r.headers
            assert took < 5, f"{method} {path} took {took:.2f} s"
        lines = new_log_lines(srv)
        missing_dir = str(Path(srv.params).parent)
        named = [l for l in lines if missing_dir in l and "does not exist" in l]
        assert named, (f"no error-log line says {missing_dir} does not exist:\n"
                       + "\n".join(lines))
        # the module, not only mod_dbd, says it
        assert any("[people:" in l for l in named), "\n".join(named)
        print(f"\n[{srv.name}] {named[0]}")
        bad = harness.unexpected_log_lines(lines, allowed)
        assert not bad, "\n".join(bad)
        assert not Path(srv.params).parent.exists()
    finally:
        _finish(srv, allowed)


# ------------------------------------------------------------------ write lock held elsewhere
# test_lock_wait.py: another program holding SQLite's write lock, released within the wait
# and held past it.


# ------------------------------------------------------------------ writes under restarts

class Writers:
    """WRITERS threads, each PUTting distinct types on its own users until stopped."""

    def __init__(self, server, users_per_thread=3, prefix="w", pause=0.005):
        self.server, self.prefix, self.pause = server, prefix, pause
        self.users = [[server.new_user(prefix) for _ in range(users_per_thread)]
                      for _ in range(WRITERS)]
        self.stop = threading.Event()
        self.log = []                        # (user, type, status or exception name)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(t,)) for t in range(WRITERS)]

    def _run(self, t):
        s = requests.Session()
        s.trust_env = False
        srv = self.server
        try:
            for i in range(5000):            # bounded
                if self.stop.is_set():
                    break
                u = self.users[t][i % len(self.users[t])]
                ctype = f"{self.prefix}{t}x{i}"
                try:
                    r = srv.request("PUT", srv.url + BIG + API_BASE + f"/{u.id}/contacts",
                                    session=s, timeout=20,
                                    headers={"Authorization": u.token,
                                             "Content-Type": "application/json"},
                                    data=('{"contacts":[{"type":"%s","value":"v%d"}]}'
                                          % (ctype, i)).encode())
                    outcome = r.status_code
                except requests.RequestException as e:
                    outcome = type(e).__name__
                    s.close()
                    s = requests.Session()
                    s.trust_env = False
                with self.lock:
                    self.log.append((u, ctype, outcome))
                time.sleep(self.pause)
        finally:
            s.close()

    def __enter__(self):
        for th in self.threads:
            th.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for th in self.threads:
            th.join(60)
        assert not any(th.is_alive() for th in self.threads), "a writer thread hangs"
        return False

    def answered(self, status):
        return [(u, t) for u, t, o in self.log if o == status]

    def unanswered(self):
        return [(u, t, o) for u, t, o in self.log if isinstance(o, str)]

    def statuses(self):
        counts = {}
        for _, _, o in self.log:
            counts[o] = counts.get(o, 0) + 1
        return counts

    def stored_types(self):
        """Every writer user's stored types, read through the API."""
        stored = {}
        for row in self.users:
            for u in row:
                r = self.server.api("GET", f"/{u.id}", token=u.token, loc=BIG)
                stored[u.id] = {t for t, _ in pairs(success(r))}
        return stored


def _check_writes(srv, w, what):
    stats = w.statuses()
    ok = w.answered(200)
    lost = [(u.name, t) for u, t in ok if t not in w.stored[u.id]]
    unanswered = w.unanswered()
    stored_unanswered = sum(1 for u, t, _ in unanswered if t in w.stored[u.id])
    print(f"\n[{srv.name}] {what}: {len(w.log)} PUTs: {stats}; "
          f"{len(unanswered)} connections reset/closed without an answer "
          f"({stored_unanswered} of those writes were stored anyway); "
          f"{len(ok)} answered 200, {len(lost)} of them missing from the database")
    fivexx = [o for _, _, o in w.log if isinstance(o, int) and o >= 500]
    assert not fivexx, f"{len(fivexx)} answers were 5xx: {stats}"
    others = [o for _, _, o in w.log if isinstance(o, int) and o != 200]
    assert not others, f"answers other than 200: {stats}"
    assert len(ok) >= 20, f"too few writes got through to mean anything: {stats}"
    assert not lost, f"{len(lost)} PUTs answered 200 are not stored, e.g. {lost[:5]}"


def test_graceful_restarts_under_write_load(fault_server):
    srv = fault_server
    w = Writers(srv, prefix="g")
    t0 = time.monotonic()
    restarts = []
    def written(n):
        """Waits until n more writes were answered 200 (the load flows)."""
        goal = len(w.answered(200)) + n
        assert harness.wait_until(lambda: len(w.answered(200)) >= goal, 30), w.statuses()
    with w:
        written(20)
        for _ in range(3):
            t = time.monotonic()
            srv.graceful()
            restarts.append(round(time.monotonic() - t, 2))
            written(20)
    took = time.monotonic() - t0
    w.stored = w.stored_types()
    print(f"\n[{srv.name}] 3 graceful restarts took {restarts} s, {took:.1f} s in all")
    _check_writes(srv, w, "graceful restarts")
    integrity = sqlite_query(srv, "PRAGMA integrity_check")
    assert integrity == "ok", integrity


def lock_inode(server):
    """The inode of the people-write mutex's lock file (httpd unlinks it once open: found
    through the parent's open descriptors)."""
    fds = Path(f"/proc/{server.pid()}/fd")
    found = {os.stat(fd).st_ino for fd in fds.iterdir()
             if f"{server.rundir}/people-write." in os.readlink(fd)}
    assert len(found) == 1, f"the people-write lock file among {server.pid()}'s descriptors"
    return found.pop()


def lock_holders(inode):
    """The pids holding a POSIX (fcntl) lock on the inode, from /proc/locks."""
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        f = line.split()
        # "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters are "1: -> POSIX ..."
        if len(f) >= 6 and f[1] == "POSIX" and f[5].rsplit(":", 1)[-1] == str(inode):
            holders.add(int(f[4]))
    return holders


def freeze_holder(server, inode, timeout=20):
    """Stops a child caught holding the lock; returns its pid (still holding, frozen)."""
    kids = set(harness.children_of(server.pid()))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in lock_holders(inode) & kids:
            os.kill(pid, signal.SIGSTOP)
            # stopped: it cannot let the lock go; is it still the holder?
            harness.wait_until(lambda: _state(pid) in ("T", None), 5, 0.001)
            if pid in lock_holders(inode):
                return pid
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.001)
    raise AssertionError(f"no child was seen holding the write mutex in {timeout} s")


def _state(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@pytest.mark.expect_log(CHILD_KILLED)
def test_killing_the_child_that_holds_the_write_mutex(fault_server):
    """The suite's servers take httpd's mutexes as fcntl() locks (`Mutex file:DIR default`),
    so /proc/locks names the process holding the people-write lock. The child caught
    holding it is frozen (SIGSTOP: it cannot let go), checked to still hold it, and killed;
    another child must take the lock, writes go on, and every write answered 200 is stored."""
    srv = fault_server
    inode = lock_inode(srv)
    w = Writers(srv, prefix="m", pause=0)
    with w:
        assert harness.wait_until(lambda: len(w.answered(200)) >= 20, 30), w.statuses()
        victim = freeze_holder(srv, inode)
        frozen_at = len(w.log)
        # while it is frozen, the other writers wait: nothing is answered 200
        time.sleep(0.3)
        stalled = [t for _, t, o in w.log[frozen_at:] if o == 200]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        assert harness.wait_until(lambda: not harness.pid_alive(victim), 5)
        # the next writer gets the lock: another process holds it, and writes go on
        others = []
        assert harness.wait_until(
            lambda: bool(others.extend(lock_holders(inode) - {victim}) or others), 10, 0.001), \
            "no other process took the write mutex after the kill"
        after = len(w.log)
        assert harness.wait_until(lambda: sum(o == 200 for _, _, o in w.log[after:]) >= 20,
                                  20), w.statuses()
        took = time.monotonic() - killed_at
    print(f"\n[{srv.name}] killed {victim} while it held the write mutex; {others[0]} took it "
          f"next; {len(stalled)} answers of writes already past the mutex while it was frozen; "
          f"20 writes "
          f"after the kill in {took:.2f} s")
    # while the holder is frozen no write gets through the mutex: a writer may still get the
    # answer of a write that had passed it before the freeze, but never a second one
    per_writer = collections.Counter(ctype.split("x")[0] for ctype in stalled)
    assert all(n <= 1 for n in per_writer.values()), \
        f"writes went through while the mutex holder was frozen: {per_writer}"
    w.stored = w.stored_types()
    _check_writes(srv, w, f"SIGKILL of the mutex holder {victim}")
    integrity = sqlite_query(srv, "PRAGMA integrity_check")
    assert integrity == "ok", integrity
    u = w.users[0][0]
    r = srv.api("PUT", f"/{u.id}/contacts", token=u.token, loc=BIG, timeout=10,
                json=contacts_body(("afterkill", "1")))
    assert ("afterkill", "1") in pairs(success(r))
