"""Spec section 2: the directives. Bad values stop `apache2 -t` (configtest) with a
clear message naming the file and line; every PeopleDurability mode serves writes."""

from pathlib import Path

import pytest

import harness
from harness import API_BASE
from checks import concurrent_puts, pairs, success

pytestmark = pytest.mark.db("sqlite")


class ConfigServer(harness.Server):
    """The suite's server with extra lines at the end of its configuration."""

    def __init__(self, workdir, tag, extra, mpm="event"):
        super().__init__(mpm, "sqlite", harness.mkdir(Path(workdir) / tag), None)
        self.name = f"{tag}-{mpm}-sqlite"
        self.extra = extra

    def write_config(self):
        super().write_config()
        with open(self.conf, "a") as f:
            f.write(self.extra + "\n")


@pytest.fixture(scope="module")
def base(workdir):
    """A set-up (database, users) but stopped server whose config the tests rewrite."""
    for srv in harness.serve(ConfigServer(workdir, "config", "")):
        srv.stop()
        yield srv


BAD = [
    ("PeoplePutMode sideways", "PeoplePutMode must be merge or replace"),
    ("PeopleMaxContacts -1", "PeopleMaxContacts must be a whole number"),
    ("PeopleMaxContacts lots", "PeopleMaxContacts must be a whole number"),
    ("PeopleMaxBody 10", "PeopleMaxBody must be a whole number from 64"),
    ("PeopleMaxBody 1e9", "PeopleMaxBody must be a whole number"),
    ("PeopleProfileURL \"\"", "PeopleProfileURL takes one argument"),
    ("PeopleAPI maybe", "PeopleAPI"),
    ("PeopleCORSOrigin portal.example.com", "PeopleCORSOrigin takes * or origins"),
    ("PeopleCORSOrigin https://portal.example.com/app", "PeopleCORSOrigin takes * or origins"),
]


@pytest.mark.parametrize("line,message", BAD, ids=[b[0] for b in BAD])
def test_bad_value_stops_configtest(base, line, message):
    base.extra = f'<Location "/bad{API_BASE}">\n    PeopleAPI On\n    {line}\n</Location>'
    base.write_config()
    p = base.configtest()
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert message in out, out
    # httpd names the file and the line
    assert str(base.conf) in out and "line" in out, out


def test_durability_is_server_scope_with_clear_errors(base):
    base.extra = "PeopleDurability sometimes"
    base.write_config()
    p = base.configtest()
    assert p.returncode != 0
    assert "PeopleDurability must be group, full or normal" in p.stdout + p.stderr


def test_people_api_outside_a_plain_location_is_refused(base):
    base.extra = f'<LocationMatch "^/re{API_BASE}">\n    PeopleAPI On\n</LocationMatch>'
    base.write_config()
    p = base.configtest()
    assert p.returncode != 0
    assert "not LocationMatch" in p.stdout + p.stderr


def test_good_values_pass_configtest(base):
    base.extra = (f'PeopleDurability full\n<Location "/ok{API_BASE}">\n    PeopleAPI On\n'
                  f"    PeoplePutMode replace\n    PeopleMaxContacts 0\n"
                  f"    PeopleMaxBody 64\n    PeopleProfileURL https://x.example/{{id}}\n"
                  f"</Location>")
    base.write_config()
    p = base.configtest()
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("mode", ["group", "full", "normal"])
@pytest.mark.parametrize("mpm", harness.TEST_MPMS)
def test_every_durability_mode_serves_concurrent_writes(workdir, mode, mpm):
    srv = ConfigServer(workdir, f"dur-{mode}", f"PeopleDurability {mode}", mpm)
    try:
        harness.start(srv)
        user = srv.new_user("dur")
        statuses, errors = concurrent_puts(srv.api, user.id, srv.users["admin"].token, 4, 10)
        assert not errors, errors
        assert statuses == [200] * 40
        stored = pairs(success(srv.api.profile(user.id, user.token)))
        assert len(stored) == 40
        # every acknowledged write is in the file, as another program reads it
        snap = srv.db_snapshot()
        for t in range(4):
            for i in range(10):
                assert f"'t{t}x{i}'" in snap
    finally:
        problems = srv.teardown()
    assert not problems, problems
