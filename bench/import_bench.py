#!/usr/bin/python3
"""Users per second of people-admin import and sync-ldap ("make bench-import").

For each size (default 10,000 and 100,000 users, 3 ext* contacts and a group each): a fresh
SQLite database, `people-admin import` of a CSV file (every user new), the same file again
(every user unchanged), then `people-admin sync-ldap` from a private slapd on loopback
holding the same users (into a fresh database, then again unchanged). Prints a table and
writes bench/results/import.txt. Everything runs in a temporary directory; only the slapd
started here is stopped. Run as root or as any user.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TOP = BENCH.parent
sys.path.insert(0, str(TOP / "tests" / "integration"))
import identity_fixtures  # noqa: E402  (the test run's slapd)


def admin(build, db, *args, input=None):
    t0 = time.monotonic()
    p = subprocess.run([str(build / "people-admin"), "-p", str(db), *args], input=input,
                       capture_output=True, text=True, check=False)
    if p.returncode:
        raise SystemExit(f"people-admin {' '.join(args)} failed:\n{p.stderr}")
    return time.monotonic() - t0, p.stdout.strip()


def csv_text(n):
    rows = ["userName,firstName,lastName,email,title,department,groups,"
            "contact:extphone,contact:extmobphone,contact:extmail"]
    rows += [f"u{i},First{i},Last{i},u{i}@corp.test,Title {i % 50},Dept {i % 20},"
             f"Team {i % 30},+1 555 {i},+1 777 {i},u{i}@corp.test" for i in range(n)]
    return "\n".join(rows) + "\n"


def ldif_text(n):
    return "".join(
        f"dn: uid=u{i},{identity_fixtures.PEOPLE_OU}\nobjectClass: inetOrgPerson\n"
        f"uid: u{i}\ncn: First{i} Last{i}\ngivenName: First{i}\nsn: Last{i}\n"
        f"mail: u{i}@corp.test\ntitle: Title {i % 50}\ndepartmentNumber: Dept {i % 20}\n"
        f"telephoneNumber: +1 555 {i}\nmobile: +1 777 {i}\n\n" for i in range(n))


def fresh_db(tmp, name, build):
    db = tmp / f"{name}.db"
    admin(build, db, "init")
    return db


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(TOP / "build"))
    ap.add_argument("--sizes", default="10000,100000")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="people-bench-import-"))
    lines = [f"{'users':>8}  {'import new':>12}  {'import again':>12}  "
             f"{'sync new':>12}  {'sync again':>12}   (users/s; seconds)"]
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            csv = tmp / f"staff-{n}.csv"
            csv.write_text(csv_text(n))
            db = fresh_db(tmp, f"import-{n}", build)
            t_new, out1 = admin(build, db, "import", str(csv))
            t_again, out2 = admin(build, db, "import", str(csv))
            assert f"added {n}," in out1 and f"unchanged {n}," in out2, (out1, out2)

            slapd = identity_fixtures.Slapd(tmp / f"ldap-{n}")
            slapd.write_config()
            # a larger map for 100k entries
            slapd.conf.write_text(slapd.conf.read_text().replace(
                "maxsize 10485760", "maxsize 2147483648\n"
                "limits * size.prtotal=unlimited"))
            slapd.write_config = lambda: None
            slapd.start(timeout=30)
            try:
                identity_fixtures._run(["ldapadd", "-x", "-H", slapd.url, "-D",
                                        identity_fixtures.ROOT_DN, "-w", slapd.root_pw],
                                       input=ldif_text(n), timeout=1800)
                db2 = fresh_db(tmp, f"sync-{n}", build)
                sync = ["sync-ldap", "--url", slapd.url, "--base", identity_fixtures.PEOPLE_OU,
                        ]
                s_new, out3 = admin(build, db2, *sync)
                s_again, out4 = admin(build, db2, *sync)
                assert f"added {n}," in out3 and f"unchanged {n}," in out4, (out3, out4)
            finally:
                slapd.stop()
            cell = lambda t: f"{n / t:>7.0f} {t:>4.1f}s"
            lines.append(f"{n:>8}  {cell(t_new):>12}  {cell(t_again):>12}  "
                         f"{cell(s_new):>12}  {cell(s_again):>12}")
            print(lines[-1], flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    print(text)
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "import.txt").write_text(text)


if __name__ == "__main__":
    main()
