#!/usr/bin/python3
"""The mod_people benchmark ("make bench", "make bench-callgrind").

    bench.py run        setup, wrk under prefork and two event layouts at 16
                        and 64 connections (static file, GET, PUT), the raw
                        SQLite commit rate, RSS over 200k requests; prints a
                        table and writes bench/results/latest.{txt,json}
    bench.py callgrind  instructions per request of a single-process httpd
                        under valgrind --tool=callgrind (slow); writes
                        bench/results/callgrind.txt

Everything runs on loopback in a temporary directory, on free ports, with
the distribution's /usr/sbin/apache2 and the freshly built module. Only the
processes started here are stopped; every load loop is bounded in time.
Standard library only.
"""

import argparse
import datetime
import hashlib
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

BENCH = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(BENCH)
LUA = os.path.join(BENCH, "people.lua")
APACHE = os.environ.get("APACHE2", "/usr/sbin/apache2")
MODULES = os.environ.get("APACHE_MODULES", "/usr/lib/apache2/modules")
API = "/api/2.0/people"
STATIC_PATH = "/profile.json"
# the contact types of the benchmark users; people.lua and sqlite_commit.c
# use the same five, so every user holds 3 to 5 contacts at any time
TYPES = ["mail", "phone", "mobphone", "skype", "telegram"]

# Layouts: the MPM, the processes it starts with and the threads of each.
# Each server is sized for its connection count (see sizing()), so that
# httpd never reaches MaxRequestWorkers nor logs a warning about it.
#
# The "-stock" layouts are Debian's shipped mods-available/mpm_event.conf and
# mpm_prefork.conf values, unchanged whatever the connection count, with no
# DBDMin/DBDKeep/DBDMax line (mod_dbd's defaults): what most sysadmins run.
STOCK = {
    "event": {"StartServers": 2, "MinSpareThreads": 25,
              "MaxSpareThreads": 75, "ThreadLimit": 64, "ThreadsPerChild": 25,
              "MaxRequestWorkers": 150, "MaxConnectionsPerChild": 0},
    "prefork": {"StartServers": 5, "MinSpareServers": 5,
                "MaxSpareServers": 10, "MaxRequestWorkers": 150,
                "MaxConnectionsPerChild": 0},
}
LAYOUTS = {
    "event-stock": {"mpm": "event", "procs": 2, "threads": 25, "stock": True},
    "prefork-stock": {"mpm": "prefork", "procs": 5, "threads": 1,
                      "stock": True},
    "prefork": {"mpm": "prefork", "procs": 16, "threads": 1},
    "event-2x16": {"mpm": "event", "procs": 2, "threads": 16},
    "event-8x4": {"mpm": "event", "procs": 8, "threads": 4},
}

# the tag of mod_people's warning that DBDMax is below the threads per process
EXPECTED_STOCK_WARNING = "PEOPLE18:"

T0 = time.monotonic()
RUNNING = []          # Httpd objects started and not yet stopped


def log(msg):
    print("[%6.1fs] %s" % (time.monotonic() - T0, msg), file=sys.stderr,
          flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- processes

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(ppid):
    """{pid: start time} of the processes whose parent is ppid."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        # fields[0] is the state (field 3), [1] the ppid, [19] the start time
        if len(fields) > 19 and int(fields[1]) == ppid:
            out[int(d)] = fields[19]
    return out


def start_time(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        return stat[stat.rfind(")") + 2:].split()[19]
    except (OSError, IndexError):
        return None


RSS_KEYS = ("VmRSS", "RssAnon", "RssFile", "RssShmem")


def proc_status(pid, keys=RSS_KEYS):
    """kB values of /proc/PID/status lines, or None if the process is gone."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    out[k] = int(v.split()[0])
    except OSError:
        return None
    return out


def www_ids():
    import pwd
    import grp
    try:
        return pwd.getpwnam("www-data").pw_uid, grp.getgrnam("www-data").gr_gid
    except KeyError:
        raise BenchError("no www-data user: httpd needs one when run as root")


def chown_tree(path, uid, gid):
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in files:
            os.chown(os.path.join(root, name), uid, gid)


def sizing(layout, conns):
    """MPM settings for a layout serving `conns` keep-alive connections.

    prefork holds one process per connection: conns + spare processes.
    event: enough processes of the layout's thread count that conns busy
    threads, plus a quarter for connections being closed and reopened (the
    event MPM closes keep-alive connections of a process whose workers are
    all busy), still leave MinSpareThreads idle; the layout's process count
    at least. Spare limits equal the starting size, so nothing is spawned or
    reaped during a run, and httpd never logs AH10159/AH00484.
    A stock layout is Debian's values whatever conns is."""
    if layout.get("stock"):
        return {"procs": layout["procs"], "threads": layout["threads"],
                "stock": True}
    if layout["mpm"] == "prefork":
        min_spare = 2
        procs = max(layout["procs"], conns + min_spare + 2)
        return {"procs": procs, "threads": 1, "min_spare": min_spare,
                "max_spare": procs, "max_workers": procs, "dbd_max": 1}
    tpc = layout["threads"]
    min_spare = max(1, tpc // 4)
    procs = max(layout["procs"], -(-(conns + conns // 4 + min_spare) // tpc))
    return {"procs": procs, "threads": tpc, "min_spare": min_spare,
            "max_spare": procs * tpc, "max_workers": procs * tpc,
            "dbd_max": tpc}


class Httpd:
    """One httpd in the foreground (-DFOREGROUND, or -X under valgrind):
    its pid is the Popen's, and stop() signals that pid only."""

    def __init__(self, env, tag, mpm, size, port=None, dbd_min=1):
        self.env, self.tag, self.mpm, self.size = env, tag, mpm, size
        self.port = port or free_port()
        self.conf = os.path.join(env.dir, "conf", tag + ".conf")
        self.errlog = os.path.join(env.dir, "logs", tag + ".error.log")
        self.outlog = os.path.join(env.dir, "logs", tag + ".stdout.log")
        self.proc = None
        self.seen_children = {}     # pid: start time
        self.dbd_min = dbd_min
        self.write_conf()

    def write_conf(self):
        e, s = self.env, self.size
        if s.get("stock"):
            mpm = "".join("%s %d\n" % kv for kv in STOCK[self.mpm].items()
                          if kv[0] != "MaxConnectionsPerChild")
        elif self.mpm == "prefork":
            mpm = ("StartServers %(procs)d\nMinSpareServers %(min_spare)d\n"
                   "MaxSpareServers %(max_spare)d\nServerLimit %(procs)d\n"
                   "MaxRequestWorkers %(max_workers)d\n" % s)
        else:
            mpm = ("StartServers %(procs)d\nServerLimit %(procs)d\n"
                   "ThreadsPerChild %(threads)d\nThreadLimit %(threads)d\n"
                   "MaxRequestWorkers %(max_workers)d\n"
                   "MinSpareThreads %(min_spare)d\n"
                   "MaxSpareThreads %(max_spare)d\n" % s)
        user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        if s.get("stock"):
            dbd = "# mod_dbd's defaults: no DBDMin, DBDKeep nor DBDMax\n"
        else:
            dbd = "DBDMin %d\nDBDKeep %d\nDBDMax %d\n" % (
                min(self.dbd_min, s["dbd_max"]), s["dbd_max"], s["dbd_max"])
        text = f"""# generated by bench/bench.py ({self.tag})
ServerRoot "{e.dir}"
DefaultRuntimeDir "{e.dir}/run"
PidFile "{e.dir}/run/{self.tag}.pid"
Mutex file:{e.dir}/run default
Listen 127.0.0.1:{self.port}
ServerName 127.0.0.1:{self.port}
{user}
LoadModule mpm_{self.mpm}_module {MODULES}/mod_mpm_{self.mpm}.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule dbd_module {MODULES}/mod_dbd.so
LoadModule people_module {e.module}

{mpm}MaxConnectionsPerChild 0
# wrk's connections stay open for the whole run
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15

ErrorLog "{self.errlog}"
LogLevel warn
# no access log: it would cost the static file and the API alike

DocumentRoot "{e.dir}/htdocs"
<Directory "{e.dir}/htdocs">
    Require all granted
</Directory>

DBDriver sqlite3
DBDParams "{e.db}"
{dbd}
<Location "{API}">
    PeopleAPI On
</Location>
"""
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, valgrind=None, timeout=20):
        if valgrind:
            cmd = valgrind + [APACHE, "-X", "-f", self.conf]
        else:
            cmd = [APACHE, "-f", self.conf, "-DFOREGROUND"]
        out = open(self.outlog, "ab")
        # its own session: prefork's parent signals its whole process group
        # (killpg) when it stops, which would otherwise include this script
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        out.close()
        RUNNING.append(self)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError("httpd %s exited with %s at start; see %s "
                                 "and %s" % (self.tag, self.proc.returncode,
                                             self.errlog, self.outlog))
            try:
                status, _ = http_request(self.port, "OPTIONS", API + "/@self",
                                         timeout=2)
                want = valgrind is not None or \
                    len(self.children()) >= self.size["procs"]
                if status == 204 and want:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError("httpd %s did not answer on port %d within "
                                 "%d s" % (self.tag, self.port, timeout))
            time.sleep(0.1)

    def children(self):
        kids = children_of(self.proc.pid) if self.proc else {}
        self.seen_children.update(kids)
        return sorted(kids)

    def rss(self):
        return {pid: st for pid in self.children()
                if (st := proc_status(pid)) is not None}

    def stop(self, timeout=30):
        if not self.proc or self.proc.poll() is not None:
            if self in RUNNING:
                RUNNING.remove(self)
            return
        self.children()
        try:
            # SIGTERM: httpd stops its children and exits
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log("httpd %s did not stop in %d s: killing it" % (self.tag,
                                                               timeout))
            self.proc.kill()
            self.proc.wait(timeout=10)
        # children it left behind: only processes this httpd forked (same
        # pid and same start time as seen while it ran)
        for pid, started in sorted(self.seen_children.items()):
            if start_time(pid) == started:
                log("killing httpd child %d left by %s" % (pid, self.tag))
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        RUNNING.remove(self)

    def log_problems(self):
        """[warn] and worse lines of the error log, but the module's start-up
        warning that DBDMax is below ThreadsPerChild, which a stock layout
        (mod_dbd's default DBDMax 10, ThreadsPerChild 25) is meant to get."""
        try:
            with open(self.errlog, errors="replace") as f:
                return [line.rstrip() for line in f
                        if re.search(r":(warn|error|crit|alert|emerg)\]",
                                     line)
                        and not (self.size.get("stock")
                                 and EXPECTED_STOCK_WARNING in line)]
        except OSError:
            return []


def stop_all():
    for h in list(RUNNING):
        try:
            h.stop()
        except Exception as e:     # keep stopping the others
            log("stopping %s: %s" % (h.tag, e))


def http_request(port, method, path, headers=None, body=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


# -------------------------------------------------------------------- setup

class Env:
    """The temporary directory: database, users, tokens, static file."""

    def __init__(self, args):
        self.args = args
        build = os.path.join(TOP, args.build) if not os.path.isabs(args.build) \
            else args.build
        self.module = os.path.join(build, "mod_people.so")
        self.admin = os.path.join(build, "people-admin")
        self.sqlite_commit = os.path.join(build, "bench", "sqlite_commit")
        for f in (self.module, self.admin, APACHE):
            if not os.path.exists(f):
                raise BenchError("%s is missing (make build)" % f)
        self.dir = tempfile.mkdtemp(prefix="people-bench.")
        # httpd's children (www-data) must traverse it
        os.chmod(self.dir, 0o755)
        for d in ("db", "htdocs", "run", "logs", "conf", "callgrind"):
            os.mkdir(os.path.join(self.dir, d))
        self.db = os.path.join(self.dir, "db", "people.db")
        self.raw_db = os.path.join(self.dir, "raw", "people.db")
        self.users_file = os.path.join(self.dir, "users.tsv")
        self.users = []       # (id, token, username)
        self.setup_info = {}

    def admin_cmd(self, *argv):
        r = subprocess.run([self.admin, "-p", self.db] + list(argv),
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise BenchError("people-admin %s: %s" % (" ".join(argv[:2]),
                                                      r.stderr.strip()))
        return r.stdout.strip()

    def create(self, n_users):
        rng = random.Random(20251129)
        t = time.monotonic()
        self.admin_cmd("init")
        cli_users = n_users
        for i in range(n_users):
            name = "u%04d" % i
            uid = self.admin_cmd("user", "add", name, "--first-name",
                                 "First%04d" % i, "--last-name",
                                 "Last%04d" % i, "--email",
                                 "%s@example.com" % name)
            token = self.admin_cmd("token", "add", name, "--label", "bench")
            self.users.append((uid, token, name))
            if i == 19:
                # 2 commands per user; too slow a disk: SQL for the rest
                per_user = (time.monotonic() - t) / 20
                if per_user * n_users > 60:
                    log("people-admin takes %.0f ms a user: the other %d "
                        "users by SQL" % (per_user * 1000, n_users - 20))
                    cli_users = 20
                    break
        if cli_users < n_users:
            self.add_users_sql(cli_users, n_users)
        cli_seconds = time.monotonic() - t

        # 3-4 contacts each, in one transaction (pos 0.., like the module)
        con = sqlite3.connect(self.db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        for uid, _, name in self.users:
            for pos, typ in enumerate(rng.sample(TYPES, rng.choice((3, 4)))):
                con.execute("INSERT INTO people_contacts (user_id, pos, type, "
                            "value) VALUES (?, ?, ?, ?)",
                            (uid, pos, typ, contact_value(rng, typ, name)))
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        con.close()
        if mode != "wal":
            raise BenchError("the database is in journal mode %s, not wal"
                             % mode)

        with open(self.users_file, "w") as f:
            for uid, token, name in self.users:
                f.write("%s\t%s\t%s\n" % (uid, token, name))
        os.chmod(self.users_file, 0o600)
        # the copy sqlite_commit writes to: same contents, same file system
        os.mkdir(os.path.dirname(self.raw_db))
        shutil.copyfile(self.db, self.raw_db)
        if os.geteuid() == 0:
            uid, gid = www_ids()
            chown_tree(os.path.join(self.dir, "db"), uid, gid)
            chown_tree(os.path.join(self.dir, "run"), uid, gid)
            chown_tree(os.path.join(self.dir, "callgrind"), uid, gid)
        self.setup_info = {
            "users": n_users, "by_people_admin": cli_users,
            "by_sql": n_users - cli_users,
            "seconds": round(time.monotonic() - t, 1),
            "people_admin_seconds": round(cli_seconds, 1),
            "db_bytes": os.path.getsize(self.db),
        }

    def add_users_sql(self, start, n_users):
        """What people-admin user add and token add insert, for users the
        CLI would take too long to make (ids: v4 UUIDs, lowercase; tokens:
        48 hex characters, stored as their SHA-256 hex)."""
        con = sqlite3.connect(self.db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        now = int(time.time())
        for i in range(start, n_users):
            name = "u%04d" % i
            uid = str(uuid.uuid4())
            token = secrets.token_hex(24)
            con.execute(
                "INSERT INTO people_users (id, username, username_key, "
                "first_name, last_name, email, is_admin, is_owner, "
                "is_visitor, title, department) VALUES "
                "(?, ?, ?, ?, ?, ?, 0, 0, 0, NULL, NULL)",
                (uid, name, name.lower(), "First%04d" % i, "Last%04d" % i,
                 "%s@example.com" % name))
            con.execute(
                "INSERT INTO people_tokens (hash, user_id, label, created, "
                "expires, revoked) VALUES (?, ?, 'bench', ?, NULL, 0)",
                (hashlib.sha256(token.encode()).hexdigest(), uid, now))
            self.users.append((uid, token, name))
        con.execute("COMMIT")
        con.close()

    def make_static(self, port):
        """The static file: the bytes of user 0's GET answer."""
        uid, token, _ = self.users[0]
        status, body = http_request(port, "GET", "%s/%s" % (API, uid),
                                    {"Authorization": token})
        if status != 200:
            raise BenchError("GET of a profile answered %d: %r"
                             % (status, body[:200]))
        with open(os.path.join(self.dir, "htdocs", STATIC_PATH[1:]),
                  "wb") as f:
            f.write(body)
        status, put = http_request(
            port, "PUT", "%s/%s/contacts" % (API, uid),
            {"Authorization": token, "Content-Type": "application/json"},
            json.dumps({"contacts": [{"type": "phone",
                                      "value": "+1 555 0100"}]}))
        if status != 200:
            raise BenchError("PUT answered %d: %r" % (status, put[:200]))
        return len(body)

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def contact_value(rng, typ, name):
    if typ == "mail":
        return "%s.alt@example.org" % name
    if typ in ("phone", "mobphone"):
        return "+1 555 %04d" % rng.randrange(10000)
    return "%s.%s" % (typ, name)


# ---------------------------------------------------------------------- wrk

def wrk(port, mode, conns, seconds, env, threads, put_percent=0,
        stop_after=0, timeout="5s"):
    threads = max(1, min(threads, conns))
    cmd = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds,
           "--timeout", timeout, "-s", LUA,
           "http://127.0.0.1:%d/" % port, "--", mode, env.users_file,
           str(put_percent), str(-(-stop_after // threads) if stop_after
                                 else 0)]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       timeout=seconds + 60)
    line = next((ln for ln in r.stdout.splitlines()
                 if ln.startswith("BENCH ")), None)
    if r.returncode != 0 or line is None:
        raise BenchError("wrk failed (%s): %s%s" % (r.returncode, r.stdout,
                                                    r.stderr))
    res = json.loads(line[6:])
    res["seconds"] = res["duration_us"] / 1e6
    res["rps"] = res["requests"] / res["seconds"] if res["seconds"] else 0
    e = res["errors"]
    res["socket_errors"] = e["connect"] + e["read"] + e["write"] + e["timeout"]
    return res


def measure(h, env, args, mode, conns, put_percent=0):
    if args.warmup > 0:
        wrk(h.port, mode, conns, args.warmup, env, args.threads, put_percent)
    res = wrk(h.port, mode, conns, args.duration, env, args.threads,
              put_percent)
    res["children"] = len(h.children())
    return res


# -------------------------------------------------------------- the ceiling

def sqlite_ceiling(env, args):
    out = {}
    for sync in ("full", "normal"):
        r = subprocess.run([env.sqlite_commit, "-s", sync, "-t",
                            str(args.duration), env.raw_db],
                           capture_output=True, text=True,
                           timeout=args.duration + 60)
        if r.returncode != 0:
            raise BenchError("sqlite_commit: %s" % r.stderr.strip())
        kv = dict(w.split("=", 1) for w in r.stdout.split())
        out[sync] = {"rate": float(kv["rate"]), "commits": int(kv["commits"]),
                     "seconds": float(kv["seconds"]),
                     "synchronous": int(kv["synchronous"]),
                     "journal": kv["journal"]}
        log("sqlite_commit synchronous=%s: %.0f commits/s"
            % (sync.upper(), out[sync]["rate"]))
    return out


# ------------------------------------------------------------------- memory

def memory_run(env, args):
    """RSS of every child before and after args.mem_requests requests (GET
    with args.mem_put_percent % PUT), in two halves to show the slope."""
    name = args.mem_layout
    layout = LAYOUTS[name]
    size = sizing(layout, args.mem_conns)
    # every pooled connection open from the start: growth is then the
    # module's and SQLite's caches, not new connections
    h = Httpd(env, "memory", layout["mpm"], size,
              dbd_min=size.get("dbd_max", 1))
    h.start()
    try:
        warm = wrk(h.port, "mix", args.mem_conns, args.mem_warmup, env,
                   args.threads, args.mem_put_percent)
        rate = max(warm["rps"], 100.0)
        snaps = [h.rss()]
        runs = []
        target, half = args.mem_requests, args.mem_requests // 2
        deadline = time.monotonic() + args.mem_seconds
        done = 0
        # wrk runs for its -d even after the script stops its threads, so
        # each run is sized from the rate so far, and stops at the count
        while done < target and time.monotonic() < deadline - 1:
            mark = half if len(snaps) == 1 else target
            want = mark - done
            seconds = min(20, math.ceil(want / rate) + 1,
                          max(1, int(deadline - time.monotonic())))
            r = wrk(h.port, "mix", args.mem_conns, seconds, env,
                    args.threads, args.mem_put_percent, stop_after=want)
            runs.append(r)
            done += r["requests"]
            if r["requests"] < want:
                rate = max(r["rps"], 100.0)
            if done >= mark:
                snaps.append(h.rss())
            log("memory: %d of %d requests" % (done, target))
        if len(snaps) < 3:
            snaps.append(h.rss())
        problems = h.log_problems()
    finally:
        h.stop()
    pids = sorted(set(snaps[0]) & set(snaps[-1]))
    if not pids:
        raise BenchError("no httpd child lived through the memory run")

    def growth(a, b, key):
        return [(b[p][key] - a[p][key]) / 1024.0 for p in pids]

    g = growth(snaps[0], snaps[-1], "VmRSS")
    g2 = growth(snaps[1], snaps[-1], "VmRSS")
    parts = {k: growth(snaps[0], snaps[-1], k) for k in RSS_KEYS[1:]}
    return {
        "layout": name, "procs": size["procs"], "threads": size["threads"],
        "conns": args.mem_conns, "put_percent": args.mem_put_percent,
        "requests": done, "target_requests": args.mem_requests,
        "seconds": round(sum(r["seconds"] for r in runs), 1),
        "wrk_runs": len(runs),
        "non2xx": sum(r["non2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "children": len(pids), "children_replaced":
            len(set(snaps[0]) ^ set(snaps[-1])),
        "rss_before_mb": round(sum(snaps[0][p]["VmRSS"] for p in pids) / 1024,
                               2),
        "rss_after_mb": round(sum(snaps[-1][p]["VmRSS"] for p in pids) / 1024,
                              2),
        "growth_mb_per_child": {"mean": round(sum(g) / len(g), 3),
                                "max": round(max(g), 3),
                                "min": round(min(g), 3)},
        "second_half_growth_mb_per_child": {"mean": round(sum(g2) / len(g2),
                                                          3),
                                            "max": round(max(g2), 3)},
        "growth_by_kind_mb_per_child": {
            k: {"mean": round(sum(v) / len(v), 3), "max": round(max(v), 3)}
            for k, v in parts.items()},
        "per_child_mb": {str(p): {"before": round(snaps[0][p]["VmRSS"] / 1024,
                                                  2),
                                  "after": round(snaps[-1][p]["VmRSS"] / 1024,
                                                 2)} for p in pids},
        "log_problems": problems,
    }


# --------------------------------------------------------------------- run

def cmd_run(args):
    env = Env(args)
    results = {"started": datetime.datetime.now(datetime.timezone.utc)
               .strftime("%Y-%m-%d %H:%M:%S UTC"),
               "loadavg_start": loadavg()}
    try:
        if not os.path.exists(env.sqlite_commit):
            raise BenchError("%s is missing (make -f bench/bench.mk "
                             "bench builds it)" % env.sqlite_commit)
        log("setup: %d users with people-admin in %s" % (args.users, env.dir))
        env.create(args.users)
        log("setup done in %.1f s (people-admin: %.1f s)"
            % (env.setup_info["seconds"],
               env.setup_info["people_admin_seconds"]))
        raw = sqlite_ceiling(env, args)

        runs, problems, static_bytes = [], {}, None
        for name in args.layouts:
            layout = LAYOUTS[name]
            for conns in args.conns:
                size = sizing(layout, conns)
                tag = "%s-c%d" % (name, conns)
                h = Httpd(env, tag, layout["mpm"], size)
                h.start()
                try:
                    if static_bytes is None:
                        static_bytes = env.make_static(h.port)
                    if layout.get("stock") and args.stock_warmup > 0:
                        # stock StartServers is below the connections: let
                        # the MPM spawn what they need before measuring
                        wrk(h.port, "static", conns, args.stock_warmup, env,
                            args.threads)
                    by_kind = {}
                    for kind in run_order(args):
                        res = measure(h, env, args, kind, conns)
                        res.update({"layout": name, "mpm": layout["mpm"],
                                    "procs": res["children"],
                                    "threads": size["threads"],
                                    "conns": conns, "kind": kind})
                        by_kind.setdefault(kind, []).append(res)
                        log("%-13s c=%-3d %-6s %8.0f req/s  p99 %.1f ms  "
                            "max %.1f ms  non-2xx %d  sock err %d"
                            % (name, conns, kind, res["rps"],
                               res["latency_us"]["p99"] / 1000,
                               res["latency_us"]["max"] / 1000,
                               res["non2xx"], res["socket_errors"]))
                    runs += summarise(args, by_kind)
                finally:
                    h.stop()
                if h.log_problems():
                    problems[tag] = h.log_problems()
        memory = None
        if args.mem_requests > 0:
            log("memory: %d requests, %s, %d connections"
                % (args.mem_requests, args.mem_layout, args.mem_conns))
            memory = memory_run(env, args)
            if memory["log_problems"]:
                problems["memory"] = memory["log_problems"]
        results.update(report_data(args, env, raw, runs, memory, problems,
                                   static_bytes))
    finally:
        stop_all()
        if args.keep:
            log("kept %s" % env.dir)
        else:
            env.remove()
    results["elapsed_s"] = round(time.monotonic() - T0, 1)
    results["loadavg_end"] = loadavg()
    text = format_report(results)
    print(text)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "latest.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(args.results, "latest.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")
    log("wrote %s/latest.txt and latest.json" % os.path.relpath(args.results))
    return 0


def run_order(args):
    """The measured runs of one server: static and GET alternate
    args.pairs times (a single run swings by +-0.15 on 2 shared cores), the
    other kinds follow once."""
    paired = args.pairs > 1 and "static" in args.kinds and "get" in args.kinds
    order = ["static", "get"] * args.pairs if paired else []
    return order + [k for k in args.kinds
                    if not paired or k not in ("static", "get")]


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


def summarise(args, by_kind):
    """One row per kind: the run of median rate (its latencies with it),
    every rate in "rates", and on GET the median of the per-pair ratios
    GET/static in "pair_ratio" (runs i of each kind were made one after the
    other). Error counts are the sums over all runs."""
    out = []
    for kind in args.kinds:
        rs = by_kind.get(kind, [])
        if not rs:
            continue
        mid = sorted(rs, key=lambda r: r["rps"])[(len(rs) - 1) // 2]
        row = dict(mid)
        row["rates"] = [round(r["rps"]) for r in rs]
        row["runs"] = len(rs)
        row["non2xx"] = sum(r["non2xx"] for r in rs)
        row["socket_errors"] = sum(r["socket_errors"] for r in rs)
        row["p99_worst_us"] = max(r["latency_us"]["p99"] for r in rs)
        if kind == "get" and by_kind.get("static"):
            ratios = [g["rps"] / s["rps"] for g, s in
                      zip(rs, by_kind["static"]) if s["rps"]]
            row["pair_ratios"] = [round(x, 3) for x in ratios]
            row["pair_ratio"] = median(ratios) if ratios else None
        out.append(row)
    return out


def loadavg():
    """The 1-minute load average: other work on the machine skews the runs."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError):
        return None


def tool_version(cmd, pattern):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        m = re.search(pattern, r.stdout + r.stderr)
        return m.group(1) if m else "?"
    except OSError:
        return "?"


def report_data(args, env, raw, runs, memory, problems, static_bytes):
    by_key = {(r["layout"], r["conns"], r["kind"]): r for r in runs}
    raw_full = raw["full"]["rate"]
    for r in runs:
        if r["kind"] == "get":
            s = by_key.get((r["layout"], r["conns"], "static"))
            r["ratio"] = r["rps"] / s["rps"] if s and s["rps"] else None
            if r.get("pair_ratio") is not None:
                r["ratio"] = r["pair_ratio"]
            r["ratio_of"] = "static"
        elif r["kind"] == "put":
            r["ratio"] = r["rps"] / raw_full if raw_full else None
            r["ratio_of"] = "raw durable commits"
    targets = []

    def target(name, ok, detail):
        targets.append({"target": name, "ok": bool(ok), "detail": detail})

    gets = [r for r in runs if r["kind"] == "get" and r.get("ratio")]
    if gets:
        worst = min(gets, key=lambda r: r["ratio"])
        target("GET >= 0.8 x static", all(r["ratio"] >= 0.8 for r in gets),
               "worst %.2f (%s, %d conns), best %.2f"
               % (worst["ratio"], worst["layout"], worst["conns"],
                  max(r["ratio"] for r in gets)))
    puts = [r for r in runs if r["kind"] == "put" and r.get("ratio")]
    if puts:
        best = max(puts, key=lambda r: r["ratio"])
        target("PUT >= 1.5 x raw durable commit rate",
               all(r["ratio"] >= 1.5 for r in puts),
               "best %.2f (%s, %d conns), worst %.2f; raw %.0f/s"
               % (best["ratio"], best["layout"], best["conns"],
                  min(r["ratio"] for r in puts), raw_full))
    at64 = [r for r in runs if r["conns"] == max(args.conns)
            and r["kind"] in ("get", "put")]
    if at64:
        p99 = max(at64, key=lambda r: r["latency_us"]["p99"])
        mx = max(at64, key=lambda r: r["latency_us"]["max"])
        target("p99 < 20 ms at %d conns" % max(args.conns),
               p99["latency_us"]["p99"] < 20000,
               "worst %.1f ms (%s %s)" % (p99["latency_us"]["p99"] / 1000,
                                          p99["layout"], p99["kind"]))
        target("max < 200 ms at %d conns" % max(args.conns),
               mx["latency_us"]["max"] < 200000,
               "worst %.1f ms (%s %s)" % (mx["latency_us"]["max"] / 1000,
                                          mx["layout"], mx["kind"]))
    bad = sum(r["non2xx"] for r in runs) + (memory["non2xx"] if memory else 0)
    sock = sum(r["socket_errors"] for r in runs) + \
        (memory["socket_errors"] if memory else 0)
    target("zero non-2xx and socket errors", bad == 0 and sock == 0,
           "non-2xx %d, socket errors %d" % (bad, sock))
    if memory:
        g = memory["growth_mb_per_child"]["max"]
        target("RSS growth < 2 MB per child over %d requests"
               % memory["target_requests"],
               g < 2 and memory["requests"] >= memory["target_requests"],
               "max %.2f MB, mean %.2f MB over %d requests"
               % (g, memory["growth_mb_per_child"]["mean"],
                  memory["requests"]))
    target("no [warn]/[error] in httpd's error logs", not problems,
           "%d lines" % sum(len(v) for v in problems.values()))

    return {
        "host": socket.gethostname(),
        "cores": os.cpu_count(),
        "kernel": os.uname().release,
        "apache": tool_version([APACHE, "-v"], r"Apache/(\S+)"),
        "sqlite": sqlite3.sqlite_version,
        "wrk": tool_version(["wrk", "--version"], r"wrk (\S+)"),
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup,
                     "wrk_threads": args.threads, "conns": args.conns,
                     "users": args.users, "keepalive": True,
                     "static_bytes": static_bytes,
                     "get": "own profile by id, the user's token",
                     "put": "merge of 1-2 contacts, the user's token"},
        "setup": env.setup_info,
        "sqlite_commit": raw,
        "runs": runs,
        "memory": memory,
        "log_problems": problems,
        "targets": targets,
    }


def format_report(d):
    s = d["settings"]
    out = []
    out.append("mod_people benchmark   %s   host %s   %d cores   "
               "Apache %s   SQLite %s   wrk %s"
               % (d["started"], d["host"], d["cores"], d["apache"],
                  d["sqlite"], d["wrk"]))
    st = d["setup"]
    out.append("%d users (%d by people-admin, %d by SQL; setup %.1f s), "
               "3-5 contacts and a token each; wrk -t%d keep-alive, %d s "
               "runs after %d s warm-up"
               % (st["users"], st["by_people_admin"], st["by_sql"],
                  st["seconds"], s["wrk_threads"], s["duration_s"],
                  s["warmup_s"]))
    out.append("static: %s (%d bytes, a GET answer); GET: %s; PUT: %s"
               % (STATIC_PATH, s["static_bytes"] or 0, s["get"], s["put"]))
    out.append("")
    hdr = ("%-13s %-8s %5s  %-6s %9s %8s %8s %8s %7s %5s  %s"
           % ("layout", "procs", "conns", "req", "req/s", "p50 ms", "p99 ms",
              "max ms", "non2xx", "sock", "ratio"))
    out.append(hdr)
    out.append("-" * len(hdr))
    for r in d["runs"]:
        ratio = ""
        if r.get("ratio") is not None:
            ratio = "%.2f x %s" % (r["ratio"], "static" if r["kind"] == "get"
                                   else "raw")
            if r.get("pair_ratios"):
                ratio += " (pairs %s)" % " ".join(
                    "%.2f" % x for x in r["pair_ratios"])
        lat = r["latency_us"]
        out.append("%-13s %-8s %5d  %-6s %9.0f %8.2f %8.2f %8.1f %7d %5d  %s"
                   % (r["layout"], "%dx%d" % (r["procs"], r["threads"]),
                      r["conns"], r["kind"].upper() if r["kind"] != "static"
                      else "static", r["rps"], lat["p50"] / 1000,
                      lat["p99"] / 1000, lat["max"] / 1000, r["non2xx"],
                      r["socket_errors"], ratio))
    out.append("")
    raw = d["sqlite_commit"]
    out.append("SQLite ceiling (bench/sqlite_commit, 1 thread, WAL, the PUT's "
               "statements): synchronous=FULL %.0f commits/s, NORMAL %.0f "
               "commits/s" % (raw["full"]["rate"], raw["normal"]["rate"]))
    puts = [r for r in d["runs"] if r["kind"] == "put"]
    if puts:
        best = max(puts, key=lambda r: r["rps"])
        out.append("PUT / raw durable rate: best %.0f / %.0f = %.2f "
                   "(%s, %d conns)" % (best["rps"], raw["full"]["rate"],
                                       best["rps"] / raw["full"]["rate"],
                                       best["layout"], best["conns"]))
    m = d["memory"]
    if m:
        out.append("")
        out.append("Memory: %s %dx%d, %d conns, GET + %d%% PUT: %d requests "
                   "in %.1f s (target %d); %d children, %d replaced"
                   % (m["layout"], m["procs"], m["threads"], m["conns"],
                      m["put_percent"], m["requests"], m["seconds"],
                      m["target_requests"], m["children"],
                      m["children_replaced"]))
        out.append("  VmRSS sum %.1f MB -> %.1f MB; growth per child: mean "
                   "%.2f MB, max %.2f MB; in the second half only: max "
                   "%.2f MB"
                   % (m["rss_before_mb"], m["rss_after_mb"],
                      m["growth_mb_per_child"]["mean"],
                      m["growth_mb_per_child"]["max"],
                      m["second_half_growth_mb_per_child"]["max"]))
        out.append("  growth per child by kind (max): " + ", ".join(
            "%s %.2f MB" % (k, v["max"])
            for k, v in m["growth_by_kind_mb_per_child"].items()))
    errs = [r for r in d["runs"] if r["socket_errors"]]
    if errs:
        out.append("")
        out.append("Socket errors: " + "; ".join(
            "%s c=%d %s: %s" % (r["layout"], r["conns"], r["kind"], ", ".join(
                "%s %d" % kv for kv in r["errors"].items()
                if kv[1] and kv[0] != "status"))
            for r in errs))
        if all(r["mpm"] == "event" and r["errors"]["read"] ==
               r["socket_errors"] for r in errs):
            out.append(
                "  All are read errors under event, where httpd closes a "
                "keep-alive connection when a request\n  arrives and no "
                "worker of that process is idle (event.c: the client may "
                "reconnect to another\n  process); wrk counts a read error "
                "and reconnects. The static file gets them too: mostly at\n"
                "  the start of a run, while the connections spread over the "
                "processes.")
    if d["log_problems"]:
        out.append("")
        out.append("httpd error log lines at [warn] or worse:")
        for tag, lines in d["log_problems"].items():
            for line in lines[:5]:
                out.append("  %s: %s" % (tag, line))
            if len(lines) > 5:
                out.append("  %s: ... %d more" % (tag, len(lines) - 5))
    out.append("")
    out.append("Load average (1 min) at start %s, at end %s on %d cores: above "
               "about 2, other work shared the machine." % (
                   d.get("loadavg_start"), d.get("loadavg_end"), d["cores"]))
    out.append("")
    out.append("Targets (reported, not enforced):")
    for t in d["targets"]:
        out.append("  [%s] %-45s %s" % ("PASS" if t["ok"] else "FAIL",
                                        t["target"], t["detail"]))
    out.append("")
    out.append("Bench took %.0f s. Instructions per request: make "
               "bench-callgrind (slow; writes bench/results/callgrind.txt)."
               % d["elapsed_s"])
    return "\n".join(out)


# ---------------------------------------------------------------- callgrind

# Counting starts when httpd enters ap_process_connection() and a dump is
# written each time it leaves it, so every client connection gets its own
# profile, and startup, the accept loop and shutdown are left out. Each
# phase (static, GET, PUT) is one keep-alive connection of n requests.
CALLGRIND = ["valgrind", "--tool=callgrind", "--vgdb=no",
             "--collect-atstart=no",
             "--toggle-collect=ap_process_connection",
             "--dump-after=ap_process_connection", "--dump-instr=no"]


def cmd_callgrind(args):
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        raise BenchError("valgrind is missing (make deps)")
    env = Env(args)
    n = args.requests
    try:
        log("setup: %d users in %s" % (args.users, env.dir))
        env.create(args.users)
        size = {"procs": 1, "threads": 1, "min_spare": 1, "max_spare": 2,
                "max_workers": 1, "dbd_max": 1}
        # a plain server first, for the static file
        h = Httpd(env, "static-maker", "prefork", size)
        h.start()
        try:
            static_bytes = env.make_static(h.port)
        finally:
            h.stop()

        out_dir = os.path.join(env.dir, "callgrind")
        out_file = os.path.join(out_dir, "callgrind.out")
        h = Httpd(env, "callgrind", "prefork", size)
        log("apache2 -X (prefork, one process) under callgrind")
        h.start(valgrind=CALLGRIND + ["--callgrind-out-file=" + out_file],
                timeout=240)
        parts = {}
        try:
            # the readiness probes' connections are dumped too
            seen = wait_dumps(out_dir, set(), settle=True)
            # a first connection of each kind, not counted: one-time costs
            # (OpenSSL's first digest, SQLite's page cache, ...) stay out
            for kind in ("static", "get", "put"):
                callgrind_phase(h.port, env, kind, min(n, 20))
                seen |= wait_dumps(out_dir, seen)
            log("warm-up connections done")
            for kind in ("static", "get", "put"):
                t = time.monotonic()
                callgrind_phase(h.port, env, kind, n)
                new = wait_dumps(out_dir, seen)
                seen |= new
                if len(new) != 1:
                    raise BenchError("expected one callgrind dump after the "
                                     "%s connection, got %s" % (kind, new))
                path = os.path.join(out_dir, new.pop())
                parts[kind] = (path, callgrind_total(path))
                log("%d %s requests in %.1f s: %s Ir" % (
                    n, kind, time.monotonic() - t,
                    format(parts[kind][1], ",")))
        finally:
            h.stop(timeout=60)
        text = callgrind_report(parts, n, static_bytes, env)
        print(text)
        os.makedirs(args.results, exist_ok=True)
        with open(os.path.join(args.results, "callgrind.txt"), "w") as f:
            f.write(text + "\n")
        log("wrote %s/callgrind.txt" % os.path.relpath(args.results))
    finally:
        stop_all()
        if args.keep:
            log("kept %s" % env.dir)
        else:
            env.remove()
    return 0


def callgrind_phase(port, env, kind, n):
    """n requests of one kind on one keep-alive connection, then close."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for i in range(n):
            uid, token, _ = env.users[i % len(env.users)]
            hdrs = {"Authorization": token}
            if kind == "static":
                c.request("GET", STATIC_PATH, headers=hdrs)
            elif kind == "get":
                c.request("GET", "%s/%s" % (API, uid), headers=hdrs)
            else:
                typ = TYPES[i % len(TYPES)]
                hdrs["Content-Type"] = "application/json"
                c.request("PUT", "%s/%s/contacts" % (API, uid), headers=hdrs,
                          body=json.dumps({"contacts": [
                              {"type": typ, "value": "%s-%d" % (typ, i)}]}))
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise BenchError("%s answered %d under callgrind"
                                 % (kind, r.status))
    finally:
        c.close()


def wait_dumps(out_dir, seen, settle=False, timeout=120):
    """The dump files that are not in seen, once one has appeared (or, with
    settle, once none has appeared for a while) and all are complete."""
    deadline = time.monotonic() + timeout
    quiet_since, last = time.monotonic(), None
    while time.monotonic() < deadline:
        files = {f for f in os.listdir(out_dir)
                 if re.fullmatch(r"callgrind\.out\.\d+", f)} - seen
        sizes = {f: os.path.getsize(os.path.join(out_dir, f)) for f in files}
        if sizes != last:
            last, quiet_since = sizes, time.monotonic()
        quiet = time.monotonic() - quiet_since
        if files and quiet > 1 and all(sizes.values()):
            if not settle or quiet > 3:
                return files
        time.sleep(0.2)
    if settle:
        return set(last or ())
    raise BenchError("no callgrind dump appeared in %s" % out_dir)


def callgrind_total(path):
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise BenchError("no totals in %s" % path)


ANNOTATE_LINE = re.compile(
    r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*?)(?: \[(.*)\])?$")


def annotate(path, inclusive):
    """[(Ir, percent, file:function, object)] from callgrind_annotate."""
    r = subprocess.run(["callgrind_annotate", "--threshold=100",
                        "--inclusive=%s" % ("yes" if inclusive else "no"),
                        path], capture_output=True, text=True, timeout=300)
    rows, started = [], False
    for line in r.stdout.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started:
            continue
        if line.startswith("---") and rows:
            break
        m = ANNOTATE_LINE.match(line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), float(m.group(2)),
                         m.group(3), m.group(4) or ""))
    return rows


def dedupe(rows):
    """One row per function: callgrind_annotate may list a function once per
    source file it was attributed to (its own, an inlined header, ???)."""
    index, out = {}, []
    for r in rows:
        name = r[2].rpartition(":")[2]
        # addresses repeat across libraries; names do not, in practice
        key = (name, r[3]) if name.startswith("0x") else name
        if key not in index:
            index[key] = len(out)
            out.append(r)
        elif not out[index[key]][3] and r[3]:
            out[index[key]] = out[index[key]][:3] + (r[3],)
    return out


def short_fn(fn, obj):
    """'people_store.c:people_db_select' or 'sqlite3VdbeExec (libsqlite3)'."""
    file, _, name = fn.rpartition(":")
    lib = os.path.basename(obj).split(".so")[0] if obj else "?"
    if file and file != "???" and "/work/" in file or file.startswith("src/"):
        return "%s:%s" % (os.path.basename(file), name)
    return "%s (%s)" % (name, lib)


def callgrind_report(parts, n, static_bytes, env):
    per = {k: parts[k][1] / n for k in ("static", "get", "put")}
    out = ["mod_people under callgrind: apache2 -X (prefork, one process); "
           "%d requests of each kind on one keep-alive connection, %d users; "
           "counted inside ap_process_connection() only" % (n, len(env.users)),
           "",
           "Instructions per request (Ir):",
           "  static file (%d bytes)  %12s" % (static_bytes,
                                              format(int(per["static"]), ",")),
           "  GET profile            %12s   (%s more than the static file, "
           "%.1f x)" % (format(int(per["get"]), ","),
                        format(int(per["get"] - per["static"]), ","),
                        per["get"] / per["static"]),
           "  PUT contacts (merge)   %12s   (%s more than the static file, "
           "%.1f x)" % (format(int(per["put"]), ","),
                        format(int(per["put"] - per["static"]), ","),
                        per["put"] / per["static"])]
    for kind in ("get", "put"):
        path = parts[kind][0]
        total = parts[kind][1]
        incl = dedupe(annotate(path, True))
        self_ = dedupe(annotate(path, False))
        out += ["", "== %s: top functions, inclusive, per request (the "
                    "frames that hold >= 97%% are left out)" % kind.upper()]
        rows = [r for r in incl if r[1] < 97][:15]
        # with --toggle-collect, the frames above ap_process_connection show
        # the whole cost as their own: they are not real self costs
        self_ = [r for r in self_ if r[0] < total]
        out += ["  %10s %5.1f%%  %s" % (format(r[0] // n, ","), r[1],
                                        short_fn(r[2], r[3])) for r in rows]
        out += ["", "== %s: top functions, self, per request" % kind.upper()]
        out += ["  %10s %5.1f%%  %s" % (format(r[0] // n, ","), r[1],
                                        short_fn(r[2], r[3]))
                for r in self_[:15]]
        by_obj = {}
        for r in self_:
            lib = os.path.basename(r[3]).split(".so")[0] if r[3] else "?"
            by_obj[lib] = by_obj.get(lib, 0) + r[0]
        out += ["", "== %s: self cost by object, per request" % kind.upper()]
        out += ["  %10s %5.1f%%  %s" % (format(v // n, ","), 100.0 * v / total,
                                        k)
                for k, v in sorted(by_obj.items(), key=lambda kv: -kv[1])[:10]]
        mod = [r for r in incl if "mod_people" in r[3]]
        out += ["", "== %s: the module's functions, inclusive, per request"
                % kind.upper()]
        out += ["  %10s %5.1f%%  %s" % (format(r[0] // n, ","), r[1],
                                        short_fn(r[2], r[3]))
                for r in mod[:20]] or ["  (none)"]
    return "\n".join(out)


# --------------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("command", nargs="?", default="run",
                   choices=["run", "callgrind"])
    p.add_argument("--build", default="build",
                   help="the build directory (mod_people.so, people-admin, "
                        "bench/sqlite_commit)")
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--duration", type=int, default=5,
                   help="seconds of each measured run (and of sqlite_commit)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1),
                   help="wrk threads")
    p.add_argument("--conns", default="16,64")
    p.add_argument("--layouts", default=",".join(LAYOUTS))
    p.add_argument("--kinds", default="static,get,put")
    p.add_argument("--stock-warmup", type=int, default=5,
                   help="seconds of load on a stock layout's fresh server "
                        "before its first run (it spawns from StartServers)")
    p.add_argument("--pairs", type=int, default=3,
                   help="static/GET runs made alternately on each server; "
                        "the GET ratio is the median of the pairs' ratios")
    p.add_argument("--mem-requests", type=int, default=200000,
                   help="0 skips the memory run")
    p.add_argument("--mem-seconds", type=int, default=120,
                   help="time bound of the memory run")
    p.add_argument("--mem-warmup", type=int, default=5)
    p.add_argument("--mem-layout", default="event-8x4", choices=list(LAYOUTS))
    p.add_argument("--mem-conns", type=int, default=16)
    p.add_argument("--mem-put-percent", type=int, default=10)
    p.add_argument("--requests", type=int, default=200,
                   help="callgrind: requests of each kind")
    p.add_argument("--results", default=os.path.join(BENCH, "results"))
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory")
    args = p.parse_args()
    args.conns = [int(c) for c in args.conns.split(",") if c]
    args.layouts = [x for x in args.layouts.split(",") if x]
    args.kinds = [x for x in args.kinds.split(",") if x]
    for x in args.layouts:
        if x not in LAYOUTS:
            p.error("unknown layout %s (%s)" % (x, ", ".join(LAYOUTS)))
    for x in args.kinds:
        if x not in ("static", "get", "put"):
            p.error("unknown kind %s" % x)
    if args.command == "run" and not shutil.which("wrk"):
        p.error("wrk is missing (make deps)")

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return cmd_run(args) if args.command == "run" else cmd_callgrind(args)
    except BenchError as e:
        log("error: %s" % e)
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
