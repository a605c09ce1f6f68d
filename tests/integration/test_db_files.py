"""Sections 2 and 12: the database holds token hashes, emails and contacts, so its files are
for their owner (and group) only: people-admin creates them 0640 whatever its umask, SQLite
gives the -wal and -shm the database file's mode, `init` and the module's new connections take
other accounts' access away from an existing file. SQLite only: PostgreSQL keeps no file of
ours."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

import harness

pytestmark = pytest.mark.db("sqlite")


@pytest.fixture(scope="module")
def server(workdir):
    """A SQLite server of its own (its database's modes are changed here)."""
    srv = harness.Server("event", "sqlite", harness.mkdir(Path(workdir) / "dbfiles"))
    srv.name = "dbfiles-event-sqlite"
    yield from harness.serve(srv)


def test_database_files_are_not_readable_by_other_accounts(server):
    api = server.api
    user = server.new_user("files")
    # a write: the server's children have the -wal and -shm open
    assert api.contacts("PUT", user.id, [{"type": "phone", "value": "1"}],
                        user.token).status_code == 200
    seen = []
    for suffix in ("", "-wal", "-shm"):
        path = server.params + suffix
        if os.path.exists(path):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            seen.append(suffix)
            assert mode & 0o007 == 0, f"{path} has mode {mode:04o}"
    assert "" in seen and "-wal" in seen, seen


def test_the_module_makes_a_readable_database_private(server):
    api = server.api
    user = server.new_user("private")
    os.chmod(server.params, 0o644)
    server.graceful()           # new children, new connections

    def private():
        # requests until one reaches a child of the new generation
        assert api.profile(user.id, user.token).status_code == 200
        api.close()
        return stat.S_IMODE(os.stat(server.params).st_mode) & 0o007 == 0
    assert harness.wait_until(private, 15, 0.2), oct(os.stat(server.params).st_mode)


def test_init_under_umask_0_creates_private_files(tmp_path):
    db = tmp_path / "new.db"
    p = subprocess.run([str(harness.admin_path()), "-p", str(db), "init"],
                       preexec_fn=lambda: os.umask(0), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o640
    # SQLite gives the -wal and -shm it creates the database file's mode, whoever opens it
    code = ("import os,sqlite3,sys; os.umask(0); c=sqlite3.connect(sys.argv[1]);"
            "c.execute('PRAGMA journal_mode=WAL'); c.execute('CREATE TABLE t(a)'); c.commit();"
            "print(oct(os.stat(sys.argv[1]+'-wal').st_mode & 0o777),"
            " oct(os.stat(sys.argv[1]+'-shm').st_mode & 0o777))")
    out = subprocess.run(["/usr/bin/python3", "-c", code, str(db)], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["0o640", "0o640"], out


def test_init_tightens_a_world_readable_database(tmp_path):
    db = tmp_path / "old.db"
    subprocess.run([str(harness.admin_path()), "-p", str(db), "init"], check=True)
    os.chmod(db, 0o644)
    p = subprocess.run([str(harness.admin_path()), "-p", str(db), "init"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o640
    assert "readable by every local account" in p.stderr
