#!/usr/bin/python3
"""The directory benchmark ("make bench-directory"; part of "make bench").

    directory.py [--people 10000] [--sizes 1000,10000,100000]

1. A database of --people people with 3 contacts each (bench/directory_data.py:
   one SQLite transaction), a caller with a token; httpd (event, 8 processes
   of 4 threads, the API and a DocumentRoot), 16 connections, wrk -t2.
2. Side by side, 1 s warm-up and 5 s measured each: a page of 25 full
   profiles (startIndex 0 to 975), the same with a filterValue (first
   names, cities and pairs of them), a /simple/filter page of 25 - and for
   each a static file holding the bytes of one such answer, from the same
   httpd with the same Authorization header.
3. Page time as the portal grows: for each of --sizes, a database of that
   many people and the three pages again at 4 connections, p50 and p99.

Prints a table and writes bench/results/directory.txt and .json. Standard
library only; everything on loopback, in a temporary directory.
"""

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import bench as B
import directory_data as D

HERE = os.path.dirname(os.path.abspath(__file__))
LUA = os.path.join(HERE, "directory.lua")
RESULTS = os.path.join(HERE, "results")
LAYOUT = {"mpm": "event", "procs": 8, "threads": 4}
WORDS = ["grace", "riga", "smith", "ann sales", "kim engineer", "porto",
         "nowak", "eve lisbon", "analyst", "hiro"]
KINDS = ["page", "filtered", "simple"]


class Env:
    """The temporary directory with a database of n people and a caller."""

    def __init__(self, build, n, parent):
        self.module = os.path.join(build, "mod_people.so")
        self.admin = os.path.join(build, "people-admin")
        self.dir = os.path.join(parent, "n%d" % n)
        for d in ("db", "htdocs", "run", "logs", "conf"):
            os.makedirs(os.path.join(self.dir, d))
        os.chmod(self.dir, 0o755)
        self.db = os.path.join(self.dir, "db", "people.db")
        t = time.monotonic()
        self.admin_cmd("init")
        con = sqlite3.connect(self.db)
        con.execute("PRAGMA synchronous=OFF")
        con.close()
        D.fill_sqlite(self.db, n)
        self.admin_cmd("user", "add", "benchcaller", "--first-name", "Bench",
                       "--last-name", "Caller", "--email", "bench@example.org")
        self.token = self.admin_cmd("token", "add", "benchcaller")
        self.n = n
        self.fill_seconds = time.monotonic() - t
        if os.geteuid() == 0:
            B.chown_tree(self.dir, *B.www_ids())

    def admin_cmd(self, *argv):
        r = subprocess.run([self.admin, "-p", self.db] + list(argv),
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise B.BenchError("people-admin %s: %s" % (argv[0], r.stderr))
        return r.stdout.strip()


def paths(kind, n):
    """The request paths of a kind: pages spread over the first thousand."""
    api = B.API
    if kind == "page":
        return ["%s?count=25&startIndex=%d" % (api, s)
                for s in range(0, min(1000, n - 25), 25)]
    if kind == "filtered":
        return ["%s?count=25&filterValue=%s" % (api, w.replace(" ", "+"))
                for w in WORDS]
    return ["%s/simple/filter?count=25&startIndex=%d" % (api, s)
            for s in range(0, min(1000, n - 25), 25)]


def write_paths(env, name, lines):
    f = os.path.join(env.dir, name + ".paths")
    with open(f, "w") as out:
        out.write("\n".join(lines) + "\n")
    return f


def wrk(port, env, paths_file, conns, seconds):
    cmd = ["wrk", "-t2", "-c%d" % conns, "-d%ds" % seconds, "--timeout",
           "5s", "-s", LUA, "http://127.0.0.1:%d/" % port, "--", paths_file,
           env.token]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       timeout=seconds + 60)
    line = next((ln for ln in r.stdout.splitlines()
                 if ln.startswith("BENCH ")), None)
    if r.returncode != 0 or line is None:
        raise B.BenchError("wrk failed: %s%s" % (r.stdout, r.stderr))
    res = json.loads(line[6:])
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    return res


def static_copy(h, env, kind, path):
    """A static file of the bytes of one answer of this kind."""
    status, body = B.http_request(h.port, "GET", path,
                                  {"Authorization": env.token})
    if status != 200:
        raise B.BenchError("%s answered %d: %r" % (path, status, body[:200]))
    name = "/%s.json" % kind
    with open(os.path.join(env.dir, "htdocs", name[1:]), "wb") as f:
        f.write(body)
    if os.geteuid() == 0:
        os.chown(os.path.join(env.dir, "htdocs", name[1:]), *B.www_ids())
    return name, len(body)


def run_kind(h, env, kind, conns, seconds, warmup, with_static):
    api_file = write_paths(env, kind, paths(kind, env.n))
    out = {}
    if with_static:
        name, size = static_copy(h, env, kind, paths(kind, env.n)[0])
        out["bytes"] = size
        st_file = write_paths(env, kind + "-static", [name])
        wrk(h.port, env, st_file, conns, warmup)
        out["static"] = wrk(h.port, env, st_file, conns, seconds)
    wrk(h.port, env, api_file, conns, warmup)
    out["api"] = wrk(h.port, env, api_file, conns, seconds)
    return out


def serve(env, tag, conns):
    h = B.Httpd(env, tag, LAYOUT["mpm"], B.sizing(LAYOUT, conns))
    h.start()
    return h


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--people", type=int, default=10000)
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--conns", type=int, default=16)
    args = p.parse_args()
    build = args.build if os.path.isabs(args.build) else \
        os.path.join(B.TOP, args.build)
    parent = tempfile.mkdtemp(prefix="people-dirbench.")
    os.chmod(parent, 0o755)
    report = {"people": args.people, "conns": args.conns,
              "layout": "event 8x4", "side_by_side": {}, "growth": {}}
    try:
        env = Env(build, args.people, parent)
        B.log("%d people loaded in %.1f s" % (env.n, env.fill_seconds))
        h = serve(env, "side", args.conns)
        try:
            for kind in KINDS:
                report["side_by_side"][kind] = run_kind(
                    h, env, kind, args.conns, args.seconds, args.warmup, True)
                B.log("%s done" % kind)
        finally:
            h.stop()
        for n in [int(s) for s in args.sizes.split(",") if s]:
            e = env if n == env.n else Env(build, n, parent)
            B.log("%d people loaded in %.1f s" % (n, e.fill_seconds))
            h = serve(e, "n%d" % n, 4)
            try:
                report["growth"][n] = {
                    kind: run_kind(h, e, kind, 4, args.seconds, args.warmup,
                                   False)["api"] for kind in KINDS}
            finally:
                h.stop()
    finally:
        B.stop_all()
        shutil.rmtree(parent, ignore_errors=True)
    text = format_report(report)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "directory.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(RESULTS, "directory.json"), "w") as f:
        json.dump(report, f, indent=1)
    return 0


def format_report(r):
    lines = ["Directory: %d people, 3 contacts each; %s; %d connections"
             % (r["people"], r["layout"], r["conns"]), "",
             "| page of 25 | bytes | static req/s | API req/s | API/static "
             "| static p99 ms | API p99 ms |", "|---|---|---|---|---|---|---|"]
    names = {"page": "full profiles", "filtered": "full, filterValue",
             "simple": "simple/filter"}
    for kind, v in r["side_by_side"].items():
        s, a = v["static"], v["api"]
        lines.append("| %s | %d | %.0f | %.0f | %.2f | %.1f | %.1f |" % (
            names[kind], v["bytes"], s["rps"], a["rps"], a["rps"] / s["rps"],
            s["latency_us"]["p99"] / 1000, a["latency_us"]["p99"] / 1000))
    lines += ["", "Page time as the portal grows (4 connections; p50 / p99 ms):",
              "", "| people | " + " | ".join(names[k] for k in KINDS) + " |",
              "|---|---|---|---|"]
    for n, v in r["growth"].items():
        lines.append("| %d | " % int(n) + " | ".join(
            "%.1f / %.1f" % (v[k]["latency_us"]["p50"] / 1000,
                             v[k]["latency_us"]["p99"] / 1000) for k in KINDS)
            + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
