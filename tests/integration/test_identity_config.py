"""The identity directives (spec section 10) refuse bad values at configtest, naming the
directive, the file and the line; good ones pass."""

import os

import pytest

import harness

BAD = [
    ("PeopleIdentity tokens", "PeopleIdentity takes token, httpd, or token httpd"),
    ("PeopleIdentity token token", "PeopleIdentity takes token, httpd, or token httpd"),
    ("PeopleIdentity httpd basic", "PeopleIdentity takes token, httpd, or token httpd"),
    ("PeopleIdentityMatch uid", "PeopleIdentityMatch takes userName or email"),
    ("PeopleAutoCreate maybe", "PeopleAutoCreate"),
    ("PeopleMapAttribute isAdmin AUTHENTICATE_admin", "is not a field that can be mapped"),
    ("PeopleMapAttribute contact:a/b AUTHENTICATE_x", "a contact type is 1 to 64"),
    ("PeopleMapAttribute firstName", "PeopleMapAttribute takes two arguments"),
    ("PeopleTrustedProxy localhost", "PeopleTrustedProxy: 'localhost' is not an IPv4 or IPv6"),
    ("PeopleTrustedProxy 10.0.0.0/33", "the prefix length must be 0 to 32"),
    ("PeopleTrustedProxy ::1/129", "the prefix length must be 0 to 128"),
    ("PeopleProxyUserHeader X-Remote:User", "is not a header name"),
    ("PeopleProxyUserHeader Authorization", "needs a header of its own"),
    ("PeopleAuthnProvider nonesuch", "no authn provider 'nonesuch' is loaded"),
    ("PeopleTokenLifetime 0", "PeopleTokenLifetime takes a number of days from 1 to 3650"),
    ("PeopleTokenLifetime 3651", "PeopleTokenLifetime takes a number of days from 1 to 3650"),
    ("PeopleTokenLifetime 7d", "PeopleTokenLifetime takes a number of days from 1 to 3650"),
]

GOOD = [
    "PeopleIdentity token httpd", "PeopleIdentity httpd token", "PeopleIdentity HTTPD",
    "PeopleIdentityMatch email", "PeopleAutoCreate On",
    "PeopleMapAttribute contact:extphone AUTHENTICATE_telephoneNumber",
    "PeopleTrustedProxy 127.0.0.2 10.0.0.0/8 2001:db8::/32 ::ffff:10.1.2.3",
    "PeopleProxyUserHeader X-Remote-User", "PeopleAuthnProvider file",
    "PeopleTokenLifetime 3650",
]


def configtest(tmp_path, line):
    mods = harness.APACHE_MODULES
    conf = tmp_path / "httpd.conf"
    conf.write_text("\n".join([
        f'ServerRoot "{tmp_path}"', f'PidFile "{tmp_path}/httpd.pid"',
        f'ErrorLog "{tmp_path}/error.log"', f"Listen 127.0.0.1:{harness.free_port()}",
        "ServerName 127.0.0.1",
        *(f'LoadModule {m}_module "{mods}/mod_{m}.so"'
          for m in ("mpm_event", "authz_core", "dbd", "authn_core", "authn_file")),
        f'LoadModule people_module "{harness.module_path()}"',
        "DBDriver sqlite3", f'DBDParams "{tmp_path}/people.db"',
        '<Location "/api/2.0/people">', "    PeopleAPI On", f"    {line}", "</Location>", ""]))
    env = dict(os.environ)
    if harness.APACHE_PRELOAD:          # make test-asan: the module needs the runtime
        env["LD_PRELOAD"] = harness.APACHE_PRELOAD
    p = harness.run([harness.APACHE, "-f", str(conf), "-t"], check=False, env=env)
    return p.returncode, p.stdout + p.stderr, conf


@pytest.mark.parametrize("line,message", BAD, ids=[b[0] for b in BAD])
def test_bad_identity_value_stops_configtest(tmp_path, line, message):
    rc, out, conf = configtest(tmp_path, line)
    assert rc != 0, out
    assert message in out, out
    assert str(conf) in out and "line 16 " in out, out


@pytest.mark.parametrize("line", GOOD)
def test_good_identity_values_pass(tmp_path, line):
    rc, out, _ = configtest(tmp_path, line)
    assert rc == 0, out
