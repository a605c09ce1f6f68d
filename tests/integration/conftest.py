"""Fixtures for the mod_people integration tests.

`server` is session scoped and parametrized over MPM x database (ids like
`event-sqlite`); pytest runs every test of one combination before tearing that
server down and starting the next, so only one apache2 runs at a time.

Environment:
  PEOPLE_BUILD_DIR         where mod_people.so and people-admin are (default ../../build)
  PEOPLE_TEST_MPMS         MPMs to run, e.g. "event prefork" (default both)
  PEOPLE_TEST_DBS          databases to run, e.g. "sqlite pgsql" (default both)
  PEOPLE_TEST_LOGLEVEL     the LogLevel line (default "warn people:debug")
  PEOPLE_TEST_KEEP=1       keep the temporary directories under /tmp
  PEOPLE_HARNESS_SELFTEST=1  check the harness alone: apache2 without the module
                           (test_harness_selftest.py only; the other run leaves it out)
"""

import shutil

import pytest

import harness


MPMS, DBS = harness.TEST_MPMS, harness.TEST_DBS
for _m in MPMS:
    if _m not in ("event", "prefork", "worker"):
        raise pytest.UsageError(f"PEOPLE_TEST_MPMS: unknown MPM {_m!r}")
for _d in DBS:
    if _d not in ("sqlite", "pgsql"):
        raise pytest.UsageError(f"PEOPLE_TEST_DBS: unknown database {_d!r}")
COMBOS = [(m, d) for m in MPMS for d in DBS]


def pytest_collection_modifyitems(config, items):
    """The harness self-test runs apart (PEOPLE_HARNESS_SELFTEST=1: apache2 without the
    module; `make integration` runs it first): each run deselects the other's tests, so
    neither reports skips. Tests marked for a database PEOPLE_TEST_DBS leaves out are
    deselected too."""
    keep, drop = [], []
    for item in items:
        is_self = item.fspath.basename == "test_harness_selftest.py"
        # tests on servers of their own with one database (@pytest.mark.db("sqlite")) run
        # when PEOPLE_TEST_DBS names it
        dbs = [a for m in item.iter_markers("db") for a in m.args]
        wanted = is_self == harness.SELFTEST and all(d in DBS for d in dbs)
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def workdir():
    path = harness.make_workdir()
    yield path
    if not harness.KEEP:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(workdir):
    pg = harness.PostgreSQL(workdir)
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="session", params=COMBOS, ids=[f"{m}-{d}" for m, d in COMBOS])
def server(request, workdir):
    mpm, db = request.param
    pg = request.getfixturevalue("postgres") if db == "pgsql" else None
    yield from harness.serve(harness.Server(mpm, db, workdir, pg))


@pytest.fixture(autouse=True)
def _error_log_check(request):
    """Fail a test on any warn-or-worse line it caused in the error log, unless declared
    with @pytest.mark.expect_log(r"regex", ...)."""
    if "server" not in request.fixturenames:
        yield
        return
    srv = request.getfixturevalue("server")
    # lines written after the previous test's check (a child's exit, a request whose
    # access-log line came late) belong to that test: name it rather than blame this one
    previous, declared = getattr(srv, "last_test", (None, []))
    srv.wait_for_access_log()
    late = harness.unexpected_log_lines(srv.errlog.new_lines(), declared)
    if late:
        pytest.fail(f"logged after {previous or 'the server started'} had finished:\n"
                    + "\n".join(late), pytrace=False)
    srv.last_test = (request.node.nodeid, harness.declared_patterns(request.node))
    yield
    failure = harness.log_check_failure(srv, request.node)
    if failure:
        pytest.fail(failure, pytrace=False)


@pytest.fixture
def api(server):
    return server.api


def _named(name):
    @pytest.fixture
    def fixture(server):
        return server.users[name]
    fixture.__name__ = name
    return fixture


admin = _named("admin")
owner = _named("owner")
alice = _named("alice")
bob = _named("bob")
zoe = _named("zoe")


@pytest.fixture
def carol(server):
    """A user whose status was set to terminated after their token was made."""
    if not server.terminated_ok:
        pytest.fail("people-admin user set USER --status terminated failed: "
                    + server.terminated_error, pytrace=False)
    return server.users["carol"]


@pytest.fixture
def make_user(server):
    """make_user(prefix="user", flags=(), **add_user options) -> a new user with a token."""
    return server.new_user


@pytest.fixture
def user(server):
    """A new plain user with a token and no contacts."""
    return server.new_user("user")


@pytest.fixture
def other(server):
    """A second new plain user with a token and no contacts."""
    return server.new_user("other")
