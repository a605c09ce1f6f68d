"""Section 2: `PeopleAPI On` only where the API can work. The location's path is the API's
base, so configtest refuses a path ending in `/`, a regex `<Location ~ ...>`, a wildcard
location and `<LocationMatch>`, with the file, the line and what to write instead."""

import pytest

from harness import API_BASE
from test_config import ConfigServer  # noqa: F401  (the server class only)
import harness


@pytest.fixture(scope="module")
def base(workdir):
    """A set-up but stopped server whose extra configuration the tests rewrite."""
    for srv in harness.serve(ConfigServer(workdir, "config-location", "")):
        srv.stop()
        yield srv


def configtest(base, section):
    base.extra = section
    base.write_config()
    p = base.configtest()
    return p.returncode, p.stdout + p.stderr


REFUSED = [
    (f'<Location "/x{API_BASE}/">\n    PeopleAPI On\n</Location>',
     f'<Location "/x{API_BASE}">'),
    ('<Location "/">\n    PeopleAPI On\n</Location>', "a path of its own"),
    (f'<Location ~ "^/re{API_BASE}">\n    PeopleAPI On\n</Location>',
     f'<Location "/path">'),
    (f'<Location "/a/*/b">\n    PeopleAPI On\n</Location>', "wildcard"),
    (f'<Location "/a/b?c">\n    PeopleAPI On\n</Location>', "wildcard"),
    (f'<Location "/a/[bc]">\n    PeopleAPI On\n</Location>', "wildcard"),
    (f'<LocationMatch "^/lm{API_BASE}">\n    PeopleAPI On\n</LocationMatch>',
     '<Location "/path">'),
]


@pytest.mark.parametrize("section,instead", REFUSED,
                         ids=["trailing-slash", "root", "regex", "star", "question", "bracket",
                              "locationmatch"])
def test_people_api_where_it_cannot_work_is_refused(base, section, instead):
    rc, out = configtest(base, section)
    assert rc != 0, out
    assert "PeopleAPI" in out and instead in out, out
    assert str(base.conf) in out and "line" in out, out


def test_plain_locations_pass(base):
    rc, out = configtest(base, f'<Location "/plain{API_BASE}">\n    PeopleAPI On\n</Location>\n'
                               f'<Location "/x{API_BASE}/">\n    PeopleAPI Off\n</Location>')
    assert rc == 0, out
