"""Real identity sources for the identity tests: a private slapd and an htpasswd file.

Slapd: Debian's slapd run from a generated slapd.conf (core, cosine, inetorgperson and
nis schemas; back_mdb in a temporary directory), listening on 127.0.0.1 only, with a
few inetOrgPerson entries loaded with ldapadd. It starts in well under a second and
is stopped with SIGTERM (then SIGKILL) by its pid.

Htpasswd: a file made with apache2-utils' htpasswd (bcrypt), the way an admin makes it.

Nothing here knows pytest or the module; the identity tests' fixtures use it.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SLAPD = os.environ.get("PEOPLE_SLAPD", "/usr/sbin/slapd")
LDAP_SCHEMA = Path(os.environ.get("PEOPLE_LDAP_SCHEMA", "/etc/ldap/schema"))
LDAP_MODULES = Path(os.environ.get("PEOPLE_LDAP_MODULES", "/usr/lib/ldap"))
HTPASSWD = shutil.which("htpasswd") or "/usr/bin/htpasswd"

SUFFIX = "dc=people,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
PEOPLE_OU = f"ou=staff,{SUFFIX}"


def _free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd, input=None, check=True, timeout=30):
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                          cwd="/")
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                           f"{proc.stdout}{proc.stderr}")
    return proc


def _ldif_value(name, value):
    """One attribute line; base64 (name:: ...) when the value is not plain ASCII."""
    import base64
    if value.isascii() and value == value.strip() and not value.startswith((":", "<")):
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode('utf-8')).decode('ascii')}"


class Slapd:
    """A throw-away OpenLDAP server on a free 127.0.0.1 port."""

    def __init__(self, workdir):
        self.dir = Path(workdir) / "slapd"
        self.db = self.dir / "db"
        self.conf = self.dir / "slapd.conf"
        self.pidfile = self.dir / "slapd.pid"
        self.log = self.dir / "slapd.log"
        self.root_pw = "root-" + os.urandom(8).hex()
        self.port = None
        self.pid = None
        self.url = None

    # ---- life cycle

    def write_config(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db.mkdir(exist_ok=True)
        self.conf.write_text("\n".join([
            *(f"include {LDAP_SCHEMA / s}.schema"
              for s in ("core", "cosine", "inetorgperson", "nis")),
            f"pidfile {self.pidfile}",
            f"modulepath {LDAP_MODULES}",
            "moduleload back_mdb",
            # binds and reads are all the tests need; userPassword only for
            # the entry itself (a bind) and the root
            "access to attrs=userPassword by self write by anonymous auth by * none",
            "access to * by * read",
            "database mdb",
            "maxsize 10485760",
            f'suffix "{SUFFIX}"',
            f'rootdn "{ROOT_DN}"',
            f"rootpw {self.root_pw}",
            f"directory {self.db}",
            "",
        ]))

    def start(self, timeout=10):
        self.write_config()
        self.port = _free_loopback_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        # slapd runs as the calling user (root in CI: -u would drop to
        # openldap, but the files are ours and nothing here needs more)
        with open(self.log, "w") as log:
            proc = subprocess.Popen([SLAPD, "-f", str(self.conf), "-h", self.url + "/",
                                     "-d", "0"], stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, cwd="/")
        self._proc = proc
        self.pid = proc.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"slapd exited ({proc.returncode}):\n{self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.02)
        else:
            self.stop()
            raise RuntimeError(f"slapd did not listen within {timeout} s:\n{self.log.read_text()}")
        self.ldapadd(self._base_ldif())
        return self

    def stop(self):
        proc, self._proc = getattr(self, "_proc", None), None
        if not proc or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    # ---- data

    def _base_ldif(self):
        return (f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
                f"dc: people\no: People test\n\n"
                f"dn: {PEOPLE_OU}\nobjectClass: organizationalUnit\nou: staff\n")

    def _client(self, tool, ldif, check=True):
        return _run([tool, "-x", "-H", self.url, "-D", ROOT_DN, "-w", self.root_pw],
                    input=ldif, check=check)

    def ldapadd(self, ldif):
        return self._client("ldapadd", ldif)

    def ldapmodify(self, ldif):
        return self._client("ldapmodify", ldif)

    def dn(self, uid):
        return f"uid={uid},{PEOPLE_OU}"

    def add_person(self, uid, password, given, sn, mail=None, phone=None, title=None):
        lines = [f"dn: {self.dn(uid)}", "objectClass: inetOrgPerson", f"uid: {uid}",
                 _ldif_value("cn", f"{given} {sn}"), _ldif_value("givenName", given),
                 _ldif_value("sn", sn), _ldif_value("userPassword", password)]
        if mail:
            lines.append(_ldif_value("mail", mail))
        if phone:
            lines.append(_ldif_value("telephoneNumber", phone))
        if title:
            lines.append(_ldif_value("title", title))
        self.ldapadd("\n".join(lines) + "\n")

    def replace(self, uid, attr, value):
        """Sets one attribute of a person (None deletes it)."""
        if value is None:
            change = f"delete: {attr}\n"
        else:
            change = f"replace: {attr}\n{_ldif_value(attr, value)}\n"
        self.ldapmodify(f"dn: {self.dn(uid)}\nchangetype: modify\n{change}")

    def search(self, uid, *attrs):
        return _run(["ldapsearch", "-x", "-LLL", "-H", self.url, "-b", PEOPLE_OU,
                     f"(uid={uid})", *attrs]).stdout

    def check_bind(self, uid, password):
        """Does a simple bind as this person succeed? (checks the fixture itself)"""
        return _run(["ldapwhoami", "-x", "-H", self.url, "-D", self.dn(uid), "-w", password],
                    check=False).returncode == 0


class Htpasswd:
    """An htpasswd file made with apache2-utils' htpasswd (bcrypt)."""

    def __init__(self, path):
        self.path = Path(path)

    def set(self, user, password):
        create = [] if self.path.exists() else ["-c"]
        # -i reads the password from stdin: it never shows in the process list
        _run([HTPASSWD, "-i", "-B", "-C", "5", *create, str(self.path), user],
             input=password + "\n")
        os.chmod(self.path, 0o644)

    def delete(self, user):
        _run([HTPASSWD, "-D", str(self.path), user])

    def verify(self, user, password):
        return _run([HTPASSWD, "-i", "-v", str(self.path), user], input=password + "\n",
                    check=False).returncode == 0
