"""A lost database connection gets one retry, and only before COMMIT: a write whose COMMIT
failed may be stored (on PostgreSQL a connection lost during COMMIT leaves it either way), so
running it again could apply it twice. It is answered 503 and logged (PEOPLE15), never rerun.

On PostgreSQL a deferred constraint trigger runs inside COMMIT: this one ends its own
connection there, as a server restart or a network failure at that moment would. A row
trigger counts the write's attempts in a sequence, which no rollback undoes. The servers are
their own: the connection the test breaks must not be handed to other tests."""

from pathlib import Path

import pytest

import harness
from checks import contacts_body, error, pairs, success

MARK = "fail-at-commit"

SETUP = f"""
CREATE SEQUENCE people_it_attempts;
CREATE FUNCTION people_it_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM nextval('people_it_attempts'); RETURN NEW; END $$;
CREATE FUNCTION people_it_drop_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
CREATE TRIGGER people_it_count BEFORE INSERT ON people_contacts FOR EACH ROW
    WHEN (NEW.value = '{MARK}') EXECUTE FUNCTION people_it_count();
CREATE CONSTRAINT TRIGGER people_it_drop_at_commit AFTER INSERT ON people_contacts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.value = '{MARK}') EXECUTE FUNCTION people_it_drop_at_commit();
"""

TEARDOWN = """
DROP TRIGGER IF EXISTS people_it_drop_at_commit ON people_contacts;
DROP TRIGGER IF EXISTS people_it_count ON people_contacts;
DROP FUNCTION IF EXISTS people_it_drop_at_commit();
DROP FUNCTION IF EXISTS people_it_count();
DROP SEQUENCE IF EXISTS people_it_attempts;
"""

# the write's own line, and what the lost connection makes mod_dbd and the next request say
EXPECTED_LOG = [r"\[people:error\] .*PEOPLE15: database error at COMMIT while writing contacts",
                r"\[people:error\] .*PEOPLE0[12]: ", r"\[people:warn\] .*PEOPLE07: ",
                r"\[dbd:(?:error|warn)\] "]


class CommitServer(harness.Server):
    def __init__(self, mpm, workdir, pg):
        super().__init__(mpm, "pgsql", harness.mkdir(Path(workdir) / "commit-retry"), pg)
        self.name = f"commit-retry-{mpm}-pgsql"


@pytest.fixture(scope="module", params=["event", "prefork"])
def commit_server(request, workdir, postgres):
    yield from harness.serve(CommitServer(request.param, workdir, postgres))


def _attempts(server):
    out = server.psql("SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                      "FROM people_it_attempts;").stdout.strip()
    return int(out)


@pytest.mark.expect_log(*EXPECTED_LOG)
def test_write_failing_at_commit_is_503_and_runs_once(commit_server, request):
    server, api = commit_server, commit_server.api
    u = server.new_user("commitfail")
    server.errlog.new_lines()
    success(api.contacts("PUT", u.id, contacts_body(("phone", "1")), u.token))
    server.psql(TEARDOWN + SETUP)
    try:
        r = api.contacts("PUT", u.id, contacts_body(("icq", MARK)), u.token)
        error(r, 503)
        assert r.headers.get("Retry-After"), r.headers
        # one attempt: the connection came back (statements prepared again) but the write
        # was not run a second time
        assert _attempts(server) == 1
        log = server.errlog.text()
        assert "PEOPLE15: database error at COMMIT while writing contacts" in log
        # the next writes work, on whichever connection they get
        for _ in range(6):
            r = api.contacts("PUT", u.id, contacts_body(("icq", "after")), u.token)
            if r.status_code == 200:
                break
            error(r, 503)
        assert pairs(success(r)) == [("phone", "1"), ("icq", "after")]
        assert _attempts(server) == 1
    finally:
        server.psql(TEARDOWN)
    failure = harness.log_check_failure(server, request.node)
    assert not failure, failure
