"""The server lifecycle: one apache2 (one MPM) in front of one fresh database."""

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import requests

from .env import *  # noqa: F401,F403 (the constants and process helpers)
from .env import _running
from .logs import LogFile, unexpected_log_lines
from .http import Api, User
from .config import HttpdConf, run_config_hooks, run_setup_hooks


def start(server):
    """Sets a server up; on failure tears down what was made, and re-raises."""
    try:
        server.setup()
    except BaseException:
        server.teardown()
        raise
    return server


def serve(server):
    """For fixtures, `yield from harness.serve(server)`: starts the server, yields it, and
    tears it down, failing with the problems the teardown found (logs, leaked tokens)."""
    yield start(server)
    problems = server.teardown()
    assert not problems, f"[{server.name}] " + "\n".join(problems)


_counter = itertools.count(1)


class Server:
    """One apache2 (one MPM) in front of one fresh database (sqlite3 or pgsql)."""

    def __init__(self, mpm, db, workdir, pg=None, selftest=SELFTEST):
        self.mpm, self.db, self.pg, self.selftest = mpm, db, pg, selftest
        self.name = f"{mpm}-{db}"
        self.root = Path(workdir) / self.name
        self.conf = self.root / "conf" / "httpd.conf"
        self.logs = self.root / "logs"
        self.rundir = self.root / "run"
        self.htdocs = self.root / "htdocs"
        self.dbdir = self.root / "db"
        self.error_log = self.logs / "error.log"
        self.access_log = self.logs / "access.log"
        self.pidfile = self.rundir / "httpd.pid"
        self.port = None
        self.url = None
        self.driver = "sqlite3" if db == "sqlite" else "pgsql"
        self.dbname = None
        self.params = None
        self.users = {}
        self.terminated_ok = False
        self.terminated_error = "not attempted"
        self.errlog = LogFile(self.error_log)
        self.acclog = LogFile(self.access_log)
        self.api = Api(self)
        self._sent = 0
        self._logged = 0
        self._count_lock = threading.Lock()
        self.tokens_seen = set()
        self.started = False

    # ---- setup / teardown

    def setup(self):
        if not self.selftest:
            for p in (module_path(), admin_path()):
                if not p.exists():
                    raise RuntimeError(f"{p} not found: build the module first (make), "
                                       f"or set PEOPLE_BUILD_DIR")
        mkdir(self.root)
        mkdir(self.conf.parent)
        mkdir(self.logs)
        mkdir(self.rundir, owner=RUN_USER)
        mkdir(self.htdocs)
        (self.htdocs / "index.html").write_text(STATIC_BODY)
        os.chmod(self.htdocs / "index.html", 0o644)
        self._setup_db()
        if not self.selftest:
            self._create_fixture_users()
            run_setup_hooks(self)
        self._fix_sqlite_ownership()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.write_config()
        self.start()

    def _setup_db(self):
        if self.db == "sqlite":
            mkdir(self.dbdir, owner=RUN_USER)
            self.params = str(self.dbdir / "people.db")
            if self.selftest:
                self.sqlite_exec("CREATE TABLE people_selftest(a TEXT); "
                                 "INSERT INTO people_selftest VALUES ('x');")
        else:
            self.dbname = f"people_{self.mpm}_{os.getpid()}_{next(_counter)}"
            self.pg.create_db(self.dbname)
            self.params = self.pg.params(self.dbname)
        if not self.selftest:
            self.people_admin("init")

    def _fix_sqlite_ownership(self):
        if self.db != "sqlite":
            return
        chown(self.dbdir, RUN_USER)
        for f in self.dbdir.iterdir():
            chown(f, RUN_USER)

    def _create_fixture_users(self):
        self.add_user("admin", "Ada", "Admin", flags=["--admin"])
        self.add_user("owner", "Olga", "Owner", flags=["--owner"])
        self.add_user("alice", "Alice", "Liddell", title="Engineer", department="R&D",
                      groups=["Staff"])
        self.add_user("bob", "Bob", "Builder", id="0f3b2c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b")
        self.add_user("zoe", "Zoë", "Ångström")
        self.add_user("carol", "Carol", "Gone")
        p = self.people_admin("user", "set", "carol", "--status", "terminated", check=False)
        self.terminated_ok = p.returncode == 0
        self.terminated_error = (p.stderr or p.stdout).strip()

    def sqlite_exec(self, sql):
        code = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.close()"
        run(["/usr/bin/python3", "-c", code, self.params, sql], user=RUN_USER)

    def write_config(self):
        self.build_config().write(self.conf)

    def build_config(self):
        """The configuration as an HttpdConf: the base server, the API locations of the
        shared fixture, then whatever the registered on_config hooks add."""
        conf = HttpdConf()
        conf.add(
            f'ServerRoot "{self.root}"',
            f'DefaultRuntimeDir "{self.rundir}"',
            f'PidFile "{self.pidfile}"',
            f"Mutex file:{self.rundir} default",
            f"Listen 127.0.0.1:{self.port}",
            "ServerName 127.0.0.1",
            f"User {RUN_USER}",
            f"Group {RUN_USER}",
            f'ErrorLog "{self.error_log}"',
            f"LogLevel {self.loglevel()}",
            r'LogFormat "%h %l %u %t \"%r\" %>s %b \"%{User-Agent}i\"" peopletest',
            f'CustomLog "{self.access_log}" peopletest',
            "Timeout 30",
            # one process under valgrind: an idle kept-alive connection would
            # hold its only worker
            "KeepAlive Off" if VALGRIND_DIR else "KeepAlive On",
            "KeepAliveTimeout 10",
            "GracefulShutdownTimeout 5",
        )
        for m in (f"mpm_{self.mpm}", "authz_core", "headers", "dbd"):
            conf.add_module(m)
        if (APACHE_MODULES / "mod_mime.so").exists() and Path("/etc/mime.types").exists():
            conf.add_module("mime").add("TypesConfig /etc/mime.types")
        if not self.selftest:
            conf.add_module("people", module_path())
        if self.mpm == "event":
            conf.add("StartServers 2", "ServerLimit 4", "ThreadLimit 16", "ThreadsPerChild 16",
                     "MaxRequestWorkers 64", "MinSpareThreads 16", "MaxSpareThreads 64",
                     "DBDMin 1", "DBDKeep 4", "DBDMax 16")
        else:
            conf.add("StartServers 4", "MinSpareServers 2", "MaxSpareServers 8",
                     "ServerLimit 16", "MaxRequestWorkers 16")
        conf.add(f"DBDriver {self.driver}", f'DBDParams "{self.params}"',
                 f'DocumentRoot "{self.htdocs}"')
        conf.add_directory("/", "AllowOverride None", "Require all denied")
        conf.add_directory(self.htdocs, "Require all granted")
        if self.selftest:
            conf.add_location("/denied", "Require all denied")
            return conf
        conf.add_location(API_BASE, "PeopleAPI On")
        conf.add_location(LOC_REPLACE + API_BASE, "PeopleAPI On", "PeoplePutMode replace")
        conf.add_location(LOC_SMALL + API_BASE, "PeopleAPI On",
                          f"PeopleMaxContacts {SMALL_MAX_CONTACTS}",
                          f"PeopleMaxBody {SMALL_MAX_BODY}")
        conf.add_location(LOC_CORS + API_BASE, "PeopleAPI On",
                          f"PeopleCORSOrigin {CORS_ORIGIN} http://intranet.example.test:8080")
        run_config_hooks(self, conf)
        return conf

    def loglevel(self):
        env = os.environ.get("PEOPLE_TEST_LOGLEVEL")
        if env:
            return env
        # people:debug makes the "token never logged" checks meaningful
        return "warn" if self.selftest else "warn people:debug"

    def apache_env(self):
        env = dict(os.environ)
        if APACHE_PRELOAD:
            env["LD_PRELOAD"] = APACHE_PRELOAD
        return env

    def apachectl(self, action, check=True):
        return run([APACHE, "-f", self.conf, "-k", action], check=check, timeout=30,
                   env=self.apache_env())

    def _start_under_valgrind(self):
        """apache2 -X in the foreground under valgrind (memcheck); stop() ends it."""
        self.valgrind_log = Path(VALGRIND_DIR) / f"{self.name}-%p.log"
        cmd = ["valgrind", "--tool=memcheck", "--error-exitcode=99",
               "--track-origins=yes", "--num-callers=30",
               f"--suppressions={HERE / 'valgrind.supp'}",
               f"--log-file={self.valgrind_log}", APACHE, "-X", "-f", str(self.conf)]
        self.valgrind_proc = subprocess.Popen(cmd, cwd="/", stdin=subprocess.DEVNULL,
                                              stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL)

    def configtest(self):
        return run([APACHE, "-f", self.conf, "-t"], check=False, env=self.apache_env())

    def start(self):
        self.errlog.skip_to_end()
        _running.add(self)
        self.started = True
        if VALGRIND_DIR:
            self._start_under_valgrind()
        else:
            self.apachectl("start")
        if not wait_until(self._answers, 60 if VALGRIND_DIR else 10, 0.05):
            raise RuntimeError(f"apache2 ({self.name}) did not answer within 10 s:\n"
                               + self.errlog.text()[-4000:])
        bad = unexpected_log_lines(self.errlog.new_lines())
        if bad:
            raise RuntimeError(f"apache2 ({self.name}) logged problems at start:\n" + "\n".join(bad))
        self.sync_access_log()

    def sync_access_log(self):
        """Forget requests whose access-log line cannot be awaited (startup polls, failures)."""
        self.wait_for_access_log(0.2)
        with self._count_lock:
            self._logged = self._sent

    def _answers(self):
        try:
            r = self.request("GET", self.url + "/index.html", timeout=1, session=None)
            return r.status_code == 200
        except requests.RequestException:
            return False

    def pid(self):
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def graceful(self):
        """Graceful restart; returns when the server answers again."""
        self.api.close()
        old_kids = set(children_of(self.pid() or -1))
        self.apachectl("graceful")
        # the old generation of children goes away, a new one comes up
        wait_until(lambda: not (old_kids & set(children_of(self.pid() or -1))), 10, 0.05)
        if not wait_until(self._answers, 10, 0.05):
            raise RuntimeError("apache2 did not answer after a graceful restart")
        self.sync_access_log()

    def stop(self):
        """graceful-stop, then stop, then SIGKILL; waits until the parent and its children are gone."""
        _running.discard(self)
        if not self.started:
            return
        self.started = False
        self.api.close()
        if VALGRIND_DIR:
            self.apachectl("stop", check=False)
            try:
                code = self.valgrind_proc.wait(120)
            except subprocess.TimeoutExpired:
                self.valgrind_proc.kill()
                raise RuntimeError(f"apache2 ({self.name}) under valgrind did not stop")
            if code == 99:
                raise RuntimeError(f"valgrind found errors: see {VALGRIND_DIR}")
            return
        pid = self.pid()
        if pid is None:
            return
        procs = [pid] + children_of(pid)
        gone = lambda: not any(pid_alive(p) for p in procs)
        self.apachectl("graceful-stop", check=False)
        if wait_until(gone, 10, 0.05):
            return
        self.apachectl("stop", check=False)
        if wait_until(gone, 5, 0.05):
            return
        for p in procs:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_until(gone, 5, 0.05)
        raise RuntimeError(f"apache2 ({self.name}) did not stop; killed it")

    def teardown(self):
        """Stops everything; returns a list of problems found on the way (logs, leaked tokens)."""
        problems = []
        try:
            self.stop()
        except Exception as e:  # still clean up the rest
            problems.append(str(e))
        bad = unexpected_log_lines(self.errlog.new_lines())
        if bad:
            problems.append("error log at shutdown:\n" + "\n".join(bad))
        leaked = self.leaked_tokens()
        if leaked:
            problems.append(f"{len(leaked)} token(s) appear in the logs, e.g. {sorted(leaked)[0]!r}")
        if self.db == "pgsql" and self.dbname and not KEEP:
            self.pg.drop_db(self.dbname)
        if not KEEP:
            shutil.rmtree(self.root, ignore_errors=True)
        return problems

    # ---- HTTP bookkeeping

    def request(self, method, url, session=None, **kw):
        """Every HTTP request of the suite goes through here, so the access log can be awaited."""
        with self._count_lock:
            self._sent += 1
        kw.setdefault("allow_redirects", False)
        if session is None:
            with requests.Session() as s:
                s.trust_env = False
                return s.request(method, url, **kw)
        return session.request(method, url, **kw)

    def count_request(self, n=1):
        """Tell the bookkeeping about requests sent by other means (raw sockets)."""
        with self._count_lock:
            self._sent += n

    def raw(self, method, target, headers=(), body=b"", timeout=10):
        """Send one request exactly as given (no client-side quoting) on a fresh connection
        with "Connection: close"; returns (status, header dict with lowercase names, body bytes
        as received, de-chunking not applied)."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
        self.count_request()
        chunks = []
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        resp = b"".join(chunks)
        head, _, rest = resp.partition(b"\r\n\r\n")
        head_lines = head.decode("latin-1").split("\r\n")
        status = int(head_lines[0].split()[1])
        hdrs = {}
        for line in head_lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return status, hdrs, rest

    def note_token(self, token):
        if len(token) >= 8:
            self.tokens_seen.add(token)

    def wait_for_access_log(self, timeout=2.0):
        """Wait until every request sent so far has its access-log line (written after the
        handler, so all error-log lines of those requests are written too)."""
        def done():
            self._logged += len(self.acclog.new_lines())
            return self._logged >= self._sent
        if wait_until(done, timeout, 0.01):
            return True
        # a request that never reached the server has no line: resynchronise
        with self._count_lock:
            self._logged = self._sent
        return False

    def access_lines(self):
        return self.acclog.text().splitlines()

    def wait_access_line(self, needle, timeout=3.0):
        found = []

        def look():
            found[:] = [l for l in self.access_lines() if needle in l]
            return bool(found)
        wait_until(look, timeout)
        return found

    def leaked_tokens(self):
        logs = self.errlog.text() + self.acclog.text()
        return {t for t in self.tokens_seen if t in logs}

    # ---- people-admin and data

    def people_admin(self, *args, check=True):
        # SQLite: run as the server's user, so every file it creates (db, -wal, -shm)
        # stays writable by the children
        user = RUN_USER if self.db == "sqlite" else None
        return run([admin_path(), "-d", self.driver, "-p", self.params, *args],
                   user=user, check=check)

    def add_user(self, name, first, last, email=None, flags=(), id=None, title=None,
                 department=None, groups=(), token=True):
        email = email or f"{name}@example.com"
        args = ["user", "add", name, "--first-name", first, "--last-name", last, "--email", email]
        args += list(flags)
        if id:
            args += ["--id", id]
        if title:
            args += ["--title", title]
        if department:
            args += ["--department", department]
        for g in groups:
            args += ["--group", g]
        out = self.people_admin(*args).stdout.strip()
        assert re.fullmatch(r"[0-9a-fA-F-]{36}", out), f"user add printed {out!r}, not an id"
        uid = out.lower()
        tok = self.add_token(name) if token else None
        user = User(name, uid, tok, first, last, email)
        self.users[name] = user
        return user

    def add_token(self, user, *extra):
        out = self.people_admin("token", "add", user, *extra).stdout
        lines = out.strip().splitlines()
        assert len(lines) == 1 and lines[0].strip(), f"token add printed {out!r}"
        tok = lines[0].strip()
        self.note_token(tok)
        return tok

    def new_user(self, prefix="user", flags=(), **kw):
        n = next(_counter)
        name = f"{prefix}{n}"
        return self.add_user(name, prefix.capitalize(), f"Number{n}", flags=flags, **kw)

    def sql_changes(self, sql):
        """Run one data-changing statement directly on the database; returns the number of rows
        it changed, or None when it failed (e.g. the schema is not what the caller guessed)."""
        if self.db == "sqlite":
            code = ("import sqlite3,sys\n"
                    "c=sqlite3.connect(sys.argv[1], timeout=10)\n"
                    "n=c.execute(sys.argv[2]).rowcount\n"
                    "c.commit(); print(n)\n")
            p = run(["/usr/bin/python3", "-c", code, self.params, sql], user=RUN_USER,
                    check=False)
        else:
            p = self.psql(f"WITH changed AS ({sql} RETURNING 1) SELECT count(*) FROM changed;",
                          check=False)
        return int(p.stdout.strip()) if p.returncode == 0 else None

    @property
    def tokens(self):
        return {name: u.token for name, u in self.users.items()}

    @property
    def ids(self):
        return {name: u.id for name, u in self.users.items()}

    def psql(self, sql, check=True):
        return self.pg.psql(sql, db=self.dbname, check=check)

    def db_snapshot(self):
        """A stable text dump of everything stored (schema and rows)."""
        if self.db == "sqlite":
            code = ("import sqlite3,sys\n"
                    "c=sqlite3.connect(sys.argv[1])\n"
                    "sys.stdout.write('\\n'.join(c.iterdump()))\n"
                    "c.close()\n")
            return run(["/usr/bin/python3", "-c", code, self.params], user=RUN_USER).stdout
        tables = self.psql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public' "
            "AND table_type='BASE TABLE' ORDER BY 1;").stdout.split()
        parts = ["SELECT table_name || '.' || column_name || ' ' || data_type "
                 "FROM information_schema.columns WHERE table_schema='public' "
                 "ORDER BY table_name, ordinal_position;"]
        for t in tables:
            parts.append(f"SELECT '== {t}';")
            parts.append(f'SELECT t::text FROM "{t}" t ORDER BY t::text COLLATE "C";')
        return self.psql("\n".join(parts)).stdout

