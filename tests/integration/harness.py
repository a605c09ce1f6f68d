"""Process harness for the mod_people integration tests.

Starts a private PostgreSQL cluster and the distribution's apache2 with a generated
configuration that loads the freshly built module, creates the fixture users and
tokens with people-admin, and offers helpers to talk to the API, watch the error
log and take snapshots of the stored data.

Nothing here knows pytest: conftest.py turns it into fixtures.
"""

import atexit
import itertools
import json as jsonlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
APACHE = os.environ.get("PEOPLE_APACHE", "/usr/sbin/apache2")
APACHE_MODULES = Path(os.environ.get("PEOPLE_APACHE_MODULES", "/usr/lib/apache2/modules"))
PG_BIN = Path(os.environ.get("PEOPLE_PG_BIN", "/usr/lib/postgresql/15/bin"))
SELFTEST = os.environ.get("PEOPLE_HARNESS_SELFTEST") == "1"
# make test-asan: apache2 starts with the sanitizer runtime preloaded (the
# module is built with -fsanitize=address,undefined)
APACHE_PRELOAD = os.environ.get("PEOPLE_APACHE_PRELOAD")
# make test-valgrind: apache2 runs as one process (-X) under valgrind, whose
# report goes to this directory
VALGRIND_DIR = os.environ.get("PEOPLE_VALGRIND_DIR")
KEEP = os.environ.get("PEOPLE_TEST_KEEP") == "1"

API_BASE = "/api/2.0/people"
# the three API locations of the generated config: prefix -> what is special there
LOC_MAIN = ""
LOC_REPLACE = "/replace"          # PeoplePutMode replace
LOC_SMALL = "/small"              # PeopleMaxContacts 20, PeopleMaxBody 4096
LOC_CORS = "/cors"                # PeopleCORSOrigin CORS_ORIGIN
CORS_ORIGIN = "https://portal.example.test"
SMALL_MAX_CONTACTS = 20
SMALL_MAX_BODY = 4096
DEFAULT_MAX_CONTACTS = 100
DEFAULT_MAX_BODY = 65536

STATIC_BODY = "mod_people integration test static file\n"

IS_ROOT = os.geteuid() == 0
RUN_USER = "www-data"
PG_USER = "postgres"

# error-log lines that fail a test unless declared: any level warn or worse, in
# both "[level]" and "[module:level]" forms, and crashed children (logged at notice)
BAD_LOG_LINE = re.compile(
    r"\[(?:[A-Za-z0-9_.-]+:)?(?:warn|error|crit|alert|emerg)\]"
    r"|exit signal|AH00052|AH00060|Segmentation fault"
)


def build_dir():
    env = os.environ.get("PEOPLE_BUILD_DIR")
    return Path(env).resolve() if env else (HERE.parent.parent / "build").resolve()


def module_path():
    return build_dir() / "mod_people.so"


def admin_path():
    return build_dir() / "people-admin"


class CommandError(RuntimeError):
    def __init__(self, cmd, proc):
        self.cmd, self.proc = cmd, proc
        super().__init__(
            f"command failed with status {proc.returncode}: {' '.join(map(str, cmd))}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )


def _ids(user):
    """subprocess keyword arguments that run a command as `user` (only when we are root)."""
    if not IS_ROOT or user is None:
        return {}
    pw = pwd.getpwnam(user)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def run(cmd, *, user=None, check=True, input=None, timeout=60, env=None):
    cmd = [str(c) for c in cmd]
    proc = subprocess.run(
        cmd, input=input, capture_output=True, text=True, encoding="utf-8",
        errors="replace", timeout=timeout, cwd="/", env=env, **_ids(user),
    )
    if check and proc.returncode != 0:
        raise CommandError(cmd, proc)
    return proc


def chown(path, user):
    if IS_ROOT:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def mkdir(path, mode=0o755, owner=None):
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    if owner:
        chown(path, owner)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); look at its state
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def children_of(pid):
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            kids.append(int(entry.name))
    return kids


def proc_uid(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise RuntimeError(f"no Uid line for pid {pid}")


def wait_until(predicate, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def make_workdir():
    path = Path(tempfile.mkdtemp(prefix="people-it-", dir="/tmp"))
    os.chmod(path, 0o755)
    return path


# processes still running when the interpreter exits (Ctrl-C in a bad place)
_running = set()


@atexit.register
def _kill_leftovers():
    for obj in list(_running):
        try:
            obj.stop()
        except Exception:
            pass


# --------------------------------------------------------------------------- log files

class LogFile:
    """Follows a log file; new_lines() returns the complete lines written since the last call."""

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0
        self._partial = b""

    def skip_to_end(self):
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        self._partial = b""

    def new_lines(self):
        if not self.path.exists():
            return []
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        return [line.decode("utf-8", "replace") for line in lines]

    def text(self):
        return self.path.read_text(encoding="utf-8", errors="replace") if self.path.exists() else ""


def unexpected_log_lines(lines, allowed=()):
    """The lines that are warn-or-worse (or a crash) and match none of the `allowed` regexes."""
    allowed = [re.compile(a) for a in allowed]
    return [line for line in lines
            if BAD_LOG_LINE.search(line) and not any(a.search(line) for a in allowed)]


# --------------------------------------------------------------------------- PostgreSQL

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


class PostgreSQL:
    """A throw-away PostgreSQL cluster on a free loopback port, trust authentication."""

    def __init__(self, workdir):
        self.dir = Path(workdir) / "pg"
        self.data = self.dir / "data"
        self.port = None
        self.running = False

    def start(self):
        mkdir(self.dir, 0o755, owner=PG_USER)
        user = PG_USER if IS_ROOT else None
        run([PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-locale", "--no-sync"], user=user, timeout=120)
        self.port = free_port()
        _running.add(self)
        self.resume()
        return self

    def resume(self):
        """Starts the server (again, after halt()) on the same port and data."""
        opts = (f"-k {self.dir} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off")
        self.running = True
        run([PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "postgres.log", "-w",
             "-t", "60", "-o", opts, "start"], user=PG_USER if IS_ROOT else None, timeout=90)
        ok = wait_until(lambda: run([PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", self.port,
                                     "-U", "postgres"], check=False).returncode == 0, 30, 0.1)
        if not ok:
            raise RuntimeError("PostgreSQL did not become ready:\n" + self.log_text())

    def halt(self):
        """Stops the server, dropping every connection, and keeps its data for resume()."""
        run([PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"],
            user=PG_USER if IS_ROOT else None, timeout=90)

    def log_text(self):
        p = self.dir / "postgres.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def psql(self, sql, db="postgres", check=True):
        return run([PG_BIN / "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                    "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-d", db, "-f", "-"],
                   input=sql, check=check)

    def create_db(self, name):
        self.psql(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')

    def drop_db(self, name):
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)

    def params(self, dbname):
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user=postgres"

    def stop(self):
        _running.discard(self)
        if self.running:
            self.running = False
            run([PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"],
                user=PG_USER if IS_ROOT else None, check=False, timeout=90)
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------- users

class User:
    def __init__(self, name, id, token, first, last, email):
        self.name, self.id, self.token = name, id, token
        self.first, self.last, self.email = first, last, email

    def __repr__(self):
        return f"User({self.name!r}, {self.id!r})"


# --------------------------------------------------------------------------- HTTP client

_MISSING = object()


class Api:
    """Calls the API of one running server.

    api(method, path, token=..., json=..., data=..., headers=..., scheme=..., loc=..., ctype=...)
      path   relative to the API base, e.g. "/@self" or f"/{id}/contacts"
      loc    "" (main location), "/replace" or "/small" (see the LOC_* constants)
      scheme "plain" (Authorization: TOKEN), "bearer" (Authorization: Bearer TOKEN),
             "cookie" (Cookie: asc_auth_key=TOKEN)
      json   an object sent as the JSON body; data: raw str/bytes/generator body
      ctype  Content-Type of a body (default application/json; None: no Content-Type)
    """

    def __init__(self, server):
        self.server = server
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()

    def session(self):
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False          # no proxies, no .netrc overriding Authorization
            self._local.session = s
            with self._lock:
                self._sessions.append(s)
        return s

    def close(self):
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()
        self._local = threading.local()

    def url(self, path, loc=LOC_MAIN):
        return self.server.url + loc + API_BASE + path

    def __call__(self, method, path, token=None, json=_MISSING, data=None, headers=None,
                 scheme="plain", loc=LOC_MAIN, ctype=_MISSING, timeout=30):
        hdrs = {"Accept": "application/json"}
        if token is not None:
            self.server.note_token(token)
            if scheme == "plain":
                hdrs["Authorization"] = token
            elif scheme == "bearer":
                hdrs["Authorization"] = "Bearer " + token
            elif scheme == "cookie":
                hdrs["Cookie"] = "asc_auth_key=" + token
            else:
                raise ValueError(scheme)
        if json is not _MISSING:
            data = jsonlib.dumps(json).encode("utf-8")
        if data is not None:
            if ctype is _MISSING:
                ctype = "application/json"
            if ctype is not None:
                hdrs["Content-Type"] = ctype
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        return self.server.request(method, self.url(path, loc), headers=hdrs, data=data,
                                   timeout=timeout, session=self.session())

    def contacts(self, method, who, contacts, token, loc=LOC_MAIN, headers=None, suffix=""):
        """Write `contacts` (a list, wrapped as {"contacts": list}, or a whole body dict)."""
        body = contacts if isinstance(contacts, dict) else {"contacts": contacts}
        return self(method, f"/{who}/contacts{suffix}", token=token, json=body, loc=loc,
                    headers=headers)

    def profile(self, who, token, loc=LOC_MAIN):
        return self("GET", f"/{who}", token=token, loc=loc)


# --------------------------------------------------------------------------- apache + db

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
        mods = APACHE_MODULES
        lines = [
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
            f"LoadModule mpm_{self.mpm}_module {mods}/mod_mpm_{self.mpm}.so",
            f"LoadModule authz_core_module {mods}/mod_authz_core.so",
            f"LoadModule headers_module {mods}/mod_headers.so",
            f"LoadModule dbd_module {mods}/mod_dbd.so",
        ]
        if (mods / "mod_mime.so").exists() and Path("/etc/mime.types").exists():
            lines += [f"LoadModule mime_module {mods}/mod_mime.so", "TypesConfig /etc/mime.types"]
        if not self.selftest:
            lines.append(f'LoadModule people_module "{module_path()}"')
        if self.mpm == "event":
            lines += ["StartServers 2", "ServerLimit 4", "ThreadLimit 16", "ThreadsPerChild 16",
                      "MaxRequestWorkers 64", "MinSpareThreads 16", "MaxSpareThreads 64",
                      "DBDMin 1", "DBDKeep 4", "DBDMax 16"]
        else:
            lines += ["StartServers 4", "MinSpareServers 2", "MaxSpareServers 8",
                      "ServerLimit 16", "MaxRequestWorkers 16"]
        lines += [
            f"DBDriver {self.driver}",
            f'DBDParams "{self.params}"',
            f'DocumentRoot "{self.htdocs}"',
            "<Directory />",
            "    AllowOverride None",
            "    Require all denied",
            "</Directory>",
            f'<Directory "{self.htdocs}">',
            "    Require all granted",
            "</Directory>",
        ]
        if self.selftest:
            lines += ['<Location "/denied">', "    Require all denied", "</Location>"]
        else:
            lines += [
                f'<Location "{API_BASE}">', "    PeopleAPI On", "</Location>",
                f'<Location "{LOC_REPLACE}{API_BASE}">', "    PeopleAPI On",
                "    PeoplePutMode replace", "</Location>",
                f'<Location "{LOC_SMALL}{API_BASE}">', "    PeopleAPI On",
                f"    PeopleMaxContacts {SMALL_MAX_CONTACTS}",
                f"    PeopleMaxBody {SMALL_MAX_BODY}", "</Location>",
                f'<Location "{LOC_CORS}{API_BASE}">', "    PeopleAPI On",
                f"    PeopleCORSOrigin {CORS_ORIGIN} http://intranet.example.test:8080",
                "</Location>",
            ]
        self.conf.write_text("\n".join(lines) + "\n")

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
