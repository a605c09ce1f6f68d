"""Start-up warnings about what makes the API slow rather than wrong: a process
whose threads outnumber its database connections (mod_dbd queues the other
requests without a time limit), and SQLite configured too late for the
native read path."""

from pathlib import Path

import pytest

import harness
from checks import success


class SizedServer(harness.Server):
    """The suite's server with extra lines at the end of its configuration."""

    def __init__(self, workdir, tag, extra, mpm):
        super().__init__(mpm, "sqlite", harness.mkdir(Path(workdir) / tag), None)
        self.name = f"{tag}-{mpm}-sqlite"
        self.extra = extra
        self.start_lines = []

    def start(self):
        """Starts as the harness does, keeping the start-up lines in start_lines
        and letting the warning under test through its check."""
        real = self.errlog.new_lines

        def new_lines():
            lines = real()
            self.start_lines += lines
            return [ln for ln in lines if "PEOPLE18" not in ln]
        self.errlog.new_lines = new_lines
        try:
            super().start()
        finally:
            self.errlog.new_lines = real

    def write_config(self):
        super().write_config()
        with open(self.conf, "a") as f:
            f.write(self.extra + "\n")


CASES = [
    # the harness runs event with 16 threads a process and DBDMax 16
    ("event", "DBDMax 8", "DBDMax is 8 but each process runs 16 threads"),
    ("event", "", None),
    ("event", "DBDMax 64", None),
    # prefork: one thread a process, one connection, nothing to warn of
    ("prefork", "DBDMax 2", None),
]


@pytest.mark.parametrize("mpm,extra,warning", CASES,
                         ids=[f"{c[0]}-{c[1] or 'harness'}" for c in CASES])
def test_dbd_max_below_the_threads_of_a_process(workdir, mpm, extra, warning):
    srv = SizedServer(workdir, f"sized-{mpm}" + extra.replace(" ", ""), extra, mpm)
    try:
        harness.start(srv)
        user = srv.new_user("sized")
        success(srv.api.profile(user.id, user.token))
        srv.api.close()
        lines = srv.start_lines
        ours = [ln for ln in lines if "PEOPLE18" in ln]
        if warning:
            assert len(ours) == 1, lines
            assert warning in ours[0]
            assert '"DBDMax 16"' in ours[0]
            assert "[people:warn]" in ours[0]
        else:
            assert not ours, ours
        # SQLite took the module's settings (nothing loaded it earlier)
        assert not [ln for ln in lines if "PEOPLE19" in ln], lines
    finally:
        problems = srv.teardown()
    assert not problems, problems
