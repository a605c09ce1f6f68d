"""Paths, constants and process helpers shared by the whole harness."""

import atexit
import os
import pwd
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
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


def _env_list(name, default):
    value = os.environ.get(name, "").replace(",", " ").split()
    return value or list(default)


# the MPMs and databases the run covers (PEOPLE_TEST_MPMS, PEOPLE_TEST_DBS): the suite's
# shared servers, and the tests that start servers of their own, narrow to these
TEST_MPMS = _env_list("PEOPLE_TEST_MPMS", ["event", "prefork"])
TEST_DBS = _env_list("PEOPLE_TEST_DBS", ["sqlite", "pgsql"])

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

