"""PeopleDurability, witnessed at the system-call level: with `group` (the default) and
`full`, every 200 answer to a write leaves httpd only after a sync of the WAL file that
began after that write's last write to the WAL (by whichever process or thread synced);
with `normal`, answers are seen to leave before any such sync, so the witness can tell the
modes apart. Reading the data back goes through the OS cache and proves nothing of this.

The witness: strace attaches (-f, every thread) to a running server's parent and children
before the load, and follows the children forked during it. A write's answer is the first
write to a socket of "HTTP/1.1 200" by the worker thread that wrote the WAL frames (a
worker serves one request at a time, from the handler to the first write of its answer).
strace stamps a call's entry when the call is stopped before it runs and its exit after it
ran, so "a WAL write's exit stamp < a sync's entry stamp" means the sync began after the
write ended, and "the sync's exit stamp < the answer's entry stamp" that it ended before
the answer was sent.
"""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

import harness
from checks import concurrent_puts, pairs, success

pytestmark = pytest.mark.db("sqlite")

THREADS = 4
PUTS = 8
TRACED = "write,pwrite64,pwritev,pwritev2,writev,fsync,fdatasync,sendfile,sendmsg"

# "PID STAMP name(args) = ret <dur>", or split in "<unfinished ...>" / "<... name resumed>"
LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
CALL = re.compile(r"^(\w+)\((\d+)<([^>]*)>")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>")
DURATION = re.compile(r"<(\d+\.\d+)>\s*$")
ANSWER = re.compile(r'"HTTP/1\.[01] (\d{3}) ')


class DurabilityServer(harness.Server):
    """A SQLite server of its own with one PeopleDurability mode."""

    def __init__(self, workdir, mode, mpm):
        super().__init__(mpm, "sqlite", harness.mkdir(Path(workdir) / f"wit-{mode}-{mpm}"))
        self.name = f"wit-{mode}-{mpm}-sqlite"
        self.mode = mode

    def write_config(self):
        super().write_config()
        with open(self.conf, "a") as f:
            f.write(f"PeopleDurability {self.mode}\n")


def _tasks(pid):
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def _tracer(tid):
    try:
        for line in Path(f"/proc/{tid}/status").read_text().splitlines():
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    except OSError:
        return None          # gone: nothing to wait for
    return 0


class Strace:
    """strace -f attached to a server's parent and every child (all their threads)."""

    def __init__(self, server, out):
        self.out = out
        parent = server.pid()
        pids = [parent] + harness.children_of(parent)
        cmd = ["strace", "-f", "-ttt", "-T", "-y", "-s", "48", "-e", f"trace={TRACED}",
               "-o", str(out)]
        for p in pids:
            cmd += ["-p", str(p)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        tids = [t for p in pids for t in _tasks(p)]
        attached = harness.wait_until(
            lambda: self.proc.poll() is not None
            or all(_tracer(t) in (None, self.proc.pid) for t in tids), 30, 0.02)
        if self.proc.poll() is not None or not attached:
            self.stop()
            raise RuntimeError(f"strace did not attach to {pids}: {self.stderr}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)        # detaches from every tracee
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.stderr = self.proc.stderr.read()
        self.proc.stderr.close()


def parse(path):
    """The trace as complete calls: dicts of tid, name, fd path, entry and exit stamps,
    text (arguments as strace printed them)."""
    calls, pending = [], {}
    for raw in Path(path).read_text(errors="replace").splitlines():
        m = LINE.match(raw)
        if not m:
            continue
        tid, stamp, rest = int(m.group(1)), float(m.group(2)), m.group(3)
        if rest.startswith("<..."):
            r = RESUMED.match(rest)
            call = pending.pop(tid, None)
            if call is None or not r or r.group(1) != call["name"]:
                continue
            call["exit"] = stamp
            call["text"] += rest
            calls.append(call)
            continue
        c = CALL.match(rest)
        if not c:
            continue                      # exits, signals, calls on fds strace could not name
        call = {"tid": tid, "name": c.group(1), "fd": c.group(3), "entry": stamp,
                "text": rest}
        if rest.endswith("<unfinished ...>"):
            pending[tid] = call
            continue
        d = DURATION.search(rest)
        call["exit"] = stamp + (float(d.group(1)) if d else 0.0)
        calls.append(call)
    calls.sort(key=lambda c: c["entry"])
    return calls


def write_answers(calls, wal):
    """Every answer (status, entry stamp) sent by a thread that wrote the WAL since its
    previous answer, with the exit stamp of the last of those WAL writes."""
    last_wal, answers = {}, []
    for c in calls:
        if c["fd"] == wal and c["name"] in ("write", "pwrite64", "pwritev", "pwritev2"):
            last_wal[c["tid"]] = max(last_wal.get(c["tid"], 0.0), c["exit"])
            continue
        if c["name"] in ("writev", "write", "sendmsg", "sendfile") and \
                not c["fd"].startswith("/"):
            a = ANSWER.search(c["text"])
            if a:
                wrote = last_wal.pop(c["tid"], None)
                if wrote is not None:
                    answers.append({"status": int(a.group(1)), "sent": c["entry"],
                                    "wal": wrote, "tid": c["tid"]})
    return answers


def syncs_of(calls, wal):
    return [(c["entry"], c["exit"]) for c in calls
            if c["name"] in ("fsync", "fdatasync") and c["fd"] == wal
            and re.search(r"=\s*0\b", c["text"])]


def unsynced(answers, syncs):
    """The answers with no WAL sync that began after their last WAL write and ended before
    they were sent."""
    return [a for a in answers
            if not any(a["wal"] < s_in and s_out < a["sent"] for s_in, s_out in syncs)]


def traced_puts(workdir, mode, mpm):
    """Runs the concurrent PUTs on a fresh server under strace; returns (answers, syncs)."""
    srv = DurabilityServer(workdir, mode, mpm)
    try:
        harness.start(srv)
        user = srv.new_user("dur")
        # the WAL exists before the trace starts (people-admin init turned WAL on)
        success(srv.api.contacts("PUT", user.id, [{"type": "warm", "value": "0"}],
                                 srv.users["admin"].token))
        srv.api.close()               # no kept-alive connection crosses the attach
        trace = srv.root / "strace.out"
        tracer = Strace(srv, trace)
        try:
            statuses, errors = concurrent_puts(srv.api, user.id, srv.users["admin"].token,
                                               THREADS, PUTS)
        finally:
            tracer.stop()
        assert not errors, errors
        assert statuses == [200] * (THREADS * PUTS), statuses
        stored = pairs(success(srv.api.profile(user.id, user.token)))
        assert len(stored) == THREADS * PUTS + 1
        wal = srv.params + "-wal"
        calls = parse(trace)
        answers, syncs = write_answers(calls, wal), syncs_of(calls, wal)
        assert answers, (f"the trace holds no answer to a write; strace said "
                         f"{tracer.stderr[-2000:]}; trace head:\n"
                         + "\n".join(trace.read_text().splitlines()[:40]))
        return answers, syncs
    finally:
        problems = srv.teardown()
        assert not problems, problems


@pytest.mark.parametrize("mpm", harness.TEST_MPMS)
@pytest.mark.parametrize("mode", ["group", "full"])
def test_every_acknowledged_write_is_synced_before_its_answer(workdir, mode, mpm):
    answers, syncs = traced_puts(workdir, mode, mpm)
    ok = [a for a in answers if a["status"] == 200]
    # every PUT of the load was answered 200 by a thread that wrote the WAL
    assert len(ok) == THREADS * PUTS, (len(ok), answers)
    missing = unsynced(ok, syncs)
    print(f"\n[{mode}-{mpm}] {len(ok)} write answers, {len(syncs)} WAL syncs, "
          f"{len(missing)} answered before a sync covered them")
    assert not missing, (f"{len(missing)} of {len(ok)} writes were answered before a WAL "
                         f"sync that began after their last WAL write had ended, e.g. "
                         f"{missing[:3]}")
    if mode == "group":
        # shared syncs: several writers answered after one sync is what group commit is;
        # not asserted (timing), only shown
        print(f"[{mode}-{mpm}] writes per sync: {len(ok) / max(len(syncs), 1):.2f}")


@pytest.mark.parametrize("mpm", harness.TEST_MPMS)
def test_normal_durability_is_seen_to_answer_before_syncing(workdir, mpm):
    answers, syncs = traced_puts(workdir, "normal", mpm)
    ok = [a for a in answers if a["status"] == 200]
    assert len(ok) == THREADS * PUTS, (len(ok), answers)
    missing = unsynced(ok, syncs)
    print(f"\n[normal-{mpm}] {len(ok)} write answers, {len(syncs)} WAL syncs, "
          f"{len(missing)} answered before a sync covered them")
    # the witness tells the modes apart: here (nearly) every answer precedes any sync
    assert len(missing) > len(ok) // 2, (len(missing), len(ok), syncs[:5])
