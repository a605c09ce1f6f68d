"""A throw-away PostgreSQL cluster for the test run."""

import shutil
from pathlib import Path

from .env import (IS_ROOT, KEEP, PG_BIN, PG_USER, _running, free_port, mkdir, run,
                  wait_until)


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


