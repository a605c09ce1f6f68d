"""people-admin sync-ldap against a real OpenLDAP slapd started by the test run on a
loopback port (spec section 12): users with ext* contacts and isLDAP, changes followed,
user-entered contacts kept, paged results, refusals that write nothing."""

import pytest

import identity_fixtures
from test_import import StaffDb, counts, pairs, staff  # noqa: F401 (the fixture)

PAGE_LIMIT = 50          # slapd answers at most this many entries to a search without paging
BIND_PW = "sync-secret-Pw1"


class LimitedSlapd(identity_fixtures.Slapd):
    """The identity tests' slapd with a size limit, so that only a paged search reads a
    directory larger than PAGE_LIMIT, and a reader account for the sync."""

    def write_config(self):
        super().write_config()
        text = self.conf.read_text().replace(
            "database mdb\n",
            f"database mdb\nlimits * size.soft={PAGE_LIMIT} size.hard={PAGE_LIMIT} "
            "size.prtotal=unlimited\n")
        self.conf.write_text(text)


@pytest.fixture(scope="module")
def slapd(workdir):
    s = LimitedSlapd(workdir / "sync-ldap")
    s.start()
    s.ldapadd(f"dn: cn=reader,{identity_fixtures.SUFFIX}\nobjectClass: person\n"
              f"cn: reader\nsn: reader\nuserPassword: {BIND_PW}\n")
    s.add_person("lena", "pw-lena", "Lena", "Berg", mail="lena@corp.test",
                 phone="+47 1111", title="Engineer")
    s.add_person("omar", "pw-omar", "Omar", "Haddad", mail="omar@corp.test")
    s.ldapmodify(f"dn: {s.dn('omar')}\nchangetype: modify\nadd: mobile\nmobile: +47 2222\n"
                 "-\nadd: mobile\nmobile: +47 3333\n")
    yield s
    s.stop()


def sync(staff, slapd, *extra, check=True, password=BIND_PW):
    pwfile = staff.srv.root / "bind.pw"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o644)
    return staff.admin("sync-ldap", "--url", slapd.url, "--base", identity_fixtures.PEOPLE_OU,
                       "--bind-dn", f"cn=reader,{identity_fixtures.SUFFIX}",
                       "--password-file", str(pwfile), *extra, check=check)


def test_sync_creates_users_with_ext_contacts(staff, slapd):
    out = sync(staff, slapd).stdout
    assert counts(out) == (2, 0, 0, 0)
    lena = staff.show("lena")
    assert (lena["firstName"], lena["lastName"], lena["email"]) == ("Lena", "Berg",
                                                                   "lena@corp.test")
    assert lena["title"] == "Engineer" and lena["isLDAP"] is True
    assert pairs(lena) == [("extphone", "+47 1111"), ("extmail", "lena@corp.test")]
    # a multi-valued attribute gives one contact per value
    assert pairs(staff.show("omar")) == [("extmobphone", "+47 2222"),
                                         ("extmobphone", "+47 3333"),
                                         ("extmail", "omar@corp.test")]


def test_second_sync_changes_nothing(staff, slapd):
    sync(staff, slapd)
    before = staff.snapshot()
    assert counts(sync(staff, slapd).stdout) == (0, 0, 2, 0)
    assert staff.snapshot() == before


def test_a_change_in_ldap_is_followed_and_user_contacts_survive(staff, slapd):
    sync(staff, slapd)
    # the user adds contacts of their own (and overwrites a directory-owned one)
    staff.imp('{"userName":"lena","contacts":[{"type":"extphone","value":"typed"},'
              '{"type":"skype","value":"lena.b"},{"type":"extmail","value":"lena@corp.test"}]}\n')
    slapd.replace("lena", "telephoneNumber", "+47 9999")
    slapd.replace("lena", "title", "Lead")
    try:
        out = sync(staff, slapd, "--dry-run").stdout
        assert "updated lena: title, contacts" in out
        assert counts(sync(staff, slapd).stdout) == (0, 1, 1, 0)
        lena = staff.show("lena")
        assert lena["title"] == "Lead"
        assert pairs(lena) == [("extphone", "+47 9999"), ("skype", "lena.b"),
                               ("extmail", "lena@corp.test")]
        # an attribute removed in LDAP removes its type, and only that
        slapd.replace("lena", "telephoneNumber", None)
        sync(staff, slapd)
        assert pairs(staff.show("lena")) == [("skype", "lena.b"), ("extmail", "lena@corp.test")]
    finally:
        slapd.replace("lena", "telephoneNumber", "+47 1111")
        slapd.replace("lena", "title", "Engineer")


def test_paged_results_read_more_than_the_size_limit(workdir):
    s = LimitedSlapd(workdir / "sync-ldap-big")
    s.start()
    try:
        s.ldapadd(f"dn: cn=reader,{identity_fixtures.SUFFIX}\nobjectClass: person\n"
                  f"cn: reader\nsn: reader\nuserPassword: {BIND_PW}\n")
        n = PAGE_LIMIT * 2 + 21
        s.ldapadd("\n".join(
            f"dn: {s.dn(f'p{i:03d}')}\nobjectClass: inetOrgPerson\nuid: p{i:03d}\n"
            f"cn: P {i}\ngivenName: P\nsn: N{i}\nmail: p{i}@corp.test\n" for i in range(n)))
        # the directory really refuses more than PAGE_LIMIT to a plain search
        plain = identity_fixtures._run(["ldapsearch", "-x", "-H", s.url, "-b",
                                        identity_fixtures.PEOPLE_OU, "uid"], check=False)
        assert plain.returncode == 4, plain.stdout[-300:]     # sizeLimitExceeded
        staff = StaffDb("sqlite", workdir, None)
        try:
            out = sync(staff, s, "--page-size", "40").stdout
            assert counts(out) == (n, 0, 0, 0)
            assert staff.show(f"p{n - 1:03d}")["lastName"] == f"N{n - 1}"
        finally:
            staff.close()
    finally:
        s.stop()


def test_wrong_bind_password_writes_nothing(staff, slapd):
    before = staff.snapshot()
    p = sync(staff, slapd, password="not-the-password", check=False)
    assert p.returncode == 1
    assert "Invalid credentials" in p.stderr and "nothing was written" in p.stderr
    assert "not-the-password" not in p.stderr + p.stdout
    assert staff.snapshot() == before


def test_password_only_from_a_file_or_stdin(staff, slapd):
    p = staff.admin("sync-ldap", "--url", slapd.url, "--base", identity_fixtures.PEOPLE_OU,
                    "--bind-dn", f"cn=reader,{identity_fixtures.SUFFIX}", "--password",
                    BIND_PW, check=False)
    assert p.returncode == 1 and "unknown option '--password'" in p.stderr
    p = staff.admin("sync-ldap", "--url", slapd.url, "--base", identity_fixtures.PEOPLE_OU,
                    "--bind-dn", f"cn=reader,{identity_fixtures.SUFFIX}",
                    "--password-file", "-", input=BIND_PW + "\n")
    assert counts(p.stdout) == (2, 0, 0, 0)


def test_terminate_missing_touches_only_ldap_users(staff, slapd):
    staff.admin("user", "add", "local", "--first-name", "Lo", "--last-name", "Cal",
                "--email", "local@corp.test")
    sync(staff, slapd)
    out = sync(staff, slapd, "--filter", "(uid=lena)", "--terminate-missing").stdout
    assert counts(out) == (0, 0, 1, 1)
    assert staff.show("omar")["status"] == 2
    assert staff.show("local")["status"] == 1
    # status is not a directory field: a terminated user stays so until an admin
    # changes it, even when the directory names them again
    sync(staff, slapd, "--terminate-missing")
    assert staff.show("omar")["status"] == 2


def test_map_changes_and_adds_mappings(staff, slapd):
    out = sync(staff, slapd, "--map", "title=", "--map", "location=cn",
               "--map", "contact:extskype=uid").stdout
    assert counts(out) == (2, 0, 0, 0)
    lena = staff.show("lena")
    assert lena["title"] is None and lena["location"] == "Lena Berg"
    assert ("extskype", "lena") in pairs(lena)
    p = sync(staff, slapd, "--map", "shoeSize=cn", check=False)
    assert p.returncode == 1 and "is not a field" in p.stderr
