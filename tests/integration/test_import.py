"""people-admin import: CSV and JSON Lines into a real SQLite file and a real PostgreSQL
database, one transaction, idempotent (spec section 12).

Most tests load a fresh database of their own (so that --terminate-missing cannot touch the
shared fixture users); the ETag tests go through the running server's API."""

import itertools
import json
import re
import shutil

import pytest

import harness
from conftest import DBS

_n = itertools.count(1)


class StaffDb:
    """A fresh, initialised database (no httpd) and people-admin on it."""

    def __init__(self, db, workdir, pg):
        self.srv = harness.Server("event", db, workdir, pg)
        self.srv.root = workdir / f"staff-{db}-{next(_n)}"
        self.srv.dbdir = self.srv.root / "db"
        harness.mkdir(self.srv.root)
        self.srv._setup_db()

    def admin(self, *args, input=None, check=True):
        s = self.srv
        user = harness.RUN_USER if s.db == "sqlite" else None
        return harness.run([harness.admin_path(), "-d", s.driver, "-p", s.params, *args],
                           user=user, input=input, check=check)

    def imp(self, text, *opts, check=True):
        return self.admin("import", "-", *opts, input=text, check=check)

    def show(self, user):
        return json.loads(self.admin("user", "show", user).stdout)

    def snapshot(self):
        return self.srv.db_snapshot()

    def close(self):
        if self.srv.db == "pgsql":
            self.srv.pg.drop_db(self.srv.dbname)
        shutil.rmtree(self.srv.root, ignore_errors=True)


@pytest.fixture(params=DBS)
def staff(request, workdir):
    pg = request.getfixturevalue("postgres") if request.param == "pgsql" else None
    s = StaffDb(request.param, workdir, pg)
    yield s
    s.close()


def counts(out):
    m = re.search(r"added (\d+), updated (\d+), unchanged (\d+), terminated (\d+)", out)
    assert m, out
    return tuple(int(x) for x in m.groups())


def pairs(profile):
    return [(c["type"], c["value"]) for c in profile["contacts"]]


CSV = ("\ufeffuserName,firstName,lastName,email,title,department,location,groups,"
       "contact:extphone,contact:GTalk\r\n"
       'ann,Ann,Lee,ann@example.com,"Head, Sales","R&D ""Labs""","Oslo, ""Main""",'
       "Sales;HR,+1 555,ann@gtalk\r\n"
       "bob,Bob,Li,bob@example.com,,,,Sales,,\r\n")


def test_csv_quoting_bom_and_crlf(staff):
    out = staff.imp(CSV).stdout
    assert counts(out) == (2, 0, 0, 0)
    ann = staff.show("ann")
    assert ann["title"] == "Head, Sales"
    assert ann["department"] == 'R&D "Labs"'
    assert ann["location"] == 'Oslo, "Main"'
    assert ann["firstName"] == "Ann" and ann["email"] == "ann@example.com"
    assert sorted(g["name"] for g in ann["groups"]) == ["HR", "Sales"]
    assert pairs(ann) == [("extphone", "+1 555"), ("gtalk", "ann@gtalk")]
    bob = staff.show("bob")
    assert bob["title"] is None and pairs(bob) == []
    assert [g["name"] for g in bob["groups"]] == ["Sales"]


def test_line_numbers_count_line_breaks_inside_quotes(staff):
    # a quoted field may span lines (RFC 4180); no profile field may hold a line break,
    # and the error names the line the bad record starts on
    text = ('userName,firstName,lastName,email,title\n'
            'ok1,A,B,a@x,"two\nlines"\n')
    p = staff.imp(text, check=False)
    assert p.returncode == 1 and "line 2: title contains a control character" in p.stderr
    text = ('userName,firstName,lastName,email,title\n'
            'ok1,A,B,a@x,"fine, really"\n'
            'ok2,A,B,b@x,"x"\n'
            'ok3,A,B,c@x,"quote""d"\n'
            'ok4,A,B\n')
    p = staff.imp(text, check=False)
    assert p.returncode == 1 and "line 5: 3 fields where the header has 5" in p.stderr


def test_rerun_changes_nothing(staff):
    staff.imp(CSV)
    before = staff.snapshot()
    assert counts(staff.imp(CSV).stdout) == (0, 0, 2, 0)
    assert staff.snapshot() == before


def test_update_only_what_differs(staff):
    staff.imp(CSV)
    out = staff.imp("userName,title\nann,Chief\nbob,\n").stdout
    assert counts(out) == (0, 1, 1, 0)
    assert staff.show("ann")["title"] == "Chief"
    # the other columns were not given: untouched
    assert staff.show("ann")["location"] == 'Oslo, "Main"'


def test_contact_columns_own_only_their_types(staff):
    staff.imp(CSV)
    staff.imp('{"userName":"ann","contacts":[{"type":"extphone","value":"+1 555"},'
              '{"type":"gtalk","value":"ann@gtalk"},{"type":"skype","value":"ann.s"}]}\n')
    staff.imp("userName,contact:extphone\nann,+1 777\n")
    assert pairs(staff.show("ann")) == [("extphone", "+1 777"), ("gtalk", "ann@gtalk"),
                                        ("skype", "ann.s")]
    # an empty cell removes the type, and nothing else
    staff.imp("userName,contact:extphone\nann,\n")
    assert pairs(staff.show("ann")) == [("gtalk", "ann@gtalk"), ("skype", "ann.s")]


def test_json_lines_and_show_output_round_trip(staff):
    text = ('{"userName":"cat","firstName":"Cat","lastName":"Zed","email":"cat@example.com",'
            '"status":"leave","isAdmin":true,"groups":[{"name":"Ops"}],'
            '"contacts":[{"type":"mail","value":"c@x.org"},{"type":"phone","value":"1"}]}\n'
            "\n"
            '{"userName":"dan","firstName":"Dan","lastName":"Yu","email":"dan@example.com",'
            '"isVisitor":true}\n')
    assert counts(staff.imp(text).stdout) == (2, 0, 0, 0)
    cat = staff.show("cat")
    assert cat["status"] == 4 and cat["isAdmin"] is True
    assert pairs(cat) == [("mail", "c@x.org"), ("phone", "1")]
    assert staff.show("dan")["isVisitor"] is True
    # `user show` prints what the API answers: loading it back changes nothing
    before = staff.snapshot()
    line = json.dumps(cat) + "\n" + json.dumps(staff.show("dan")) + "\n"
    assert counts(staff.imp(line).stdout) == (0, 0, 2, 0)
    assert staff.snapshot() == before


def test_dry_run_reports_and_writes_nothing(staff):
    staff.imp(CSV)
    before = staff.snapshot()
    out = staff.imp("userName,firstName,lastName,email,title\n"
                    "ann,Ann,Lee,ann@example.com,Chief\n"
                    "eve,Eve,Ng,eve@example.com,\n", "--dry-run", "--terminate-missing").stdout
    assert "updated ann: title" in out
    assert "added eve" in out
    assert "terminated bob" in out
    assert counts(out) == (1, 1, 0, 1)
    assert "dry run" in out
    assert staff.snapshot() == before


@pytest.mark.parametrize("bad, where", [
    ("userName,firstName,lastName,email\nok1,A,B,a@x\nok2,,B,b@x\nok3,C,D,c@x\n",
     "line 3"),
    ("userName,firstName,lastName,email\nok1,A,B,a@x\nok2,A,B\n", "line 3"),
    ('userName,firstName,lastName,email\nok1,A,B,a@x\n"ok2,A,B,b@x\n', "line 3"),
    ("userName,firstName,lastName,email\nok1,A,B,a@x\nok2,A,B,no-at-sign\n", "line 3"),
    ("userName,firstName,lastName,email\nok1,A,B,a@x\nsearch,A,B,b@x\n", "line 3"),
    ("userName,firstName,lastName,email\nok1,A,B,a@x\nok2,A\x01,B,b@x\n", "line 3"),
    ("userName,status\nann,retired\n", "line 2"),
    ("userName,shoeSize\nann,44\n", "line 1, column 2"),
    ("userName,contact:bad type!\nann,1\n", "line 1, column 2"),
    ("userName,firstName,lastName,email\nok1,A,B,a@x\nok1,A,B,a@x\n", "line 3"),
    ('{"userName":"ok1","firstName":"A","lastName":"B","email":"a@x"}\n{"userName":\n',
     "line 2"),
    ("userName,firstName\nnewbie,New\n", "line 2"),
])
def test_a_bad_row_writes_nothing(staff, bad, where):
    staff.imp(CSV)
    before = staff.snapshot()
    p = staff.imp(bad, check=False)
    assert p.returncode == 1, p.stdout
    assert where in p.stderr, p.stderr
    assert "nothing was written" in p.stderr
    assert staff.snapshot() == before


def test_invalid_utf8_is_refused(staff):
    staff.imp(CSV)
    before = staff.snapshot()
    path = staff.srv.root / "latin1.csv"
    path.write_bytes(b"userName,firstName,lastName,email\nfra,Fran\xe7ois,X,f@x\n")
    p = staff.admin("import", str(path), check=False)
    assert p.returncode == 1 and "UTF-8" in p.stderr, p.stderr
    assert staff.snapshot() == before


def test_terminate_missing_never_the_owner(staff):
    staff.admin("user", "add", "boss", "--first-name", "B", "--last-name", "O",
                "--email", "boss@example.com", "--owner")
    staff.imp(CSV)
    out = staff.imp("userName\nann\n", "--terminate-missing").stdout
    assert counts(out) == (0, 0, 1, 1)
    assert staff.show("bob")["status"] == 2
    assert staff.show("bob")["terminated"] is not None
    assert staff.show("boss")["status"] == 1
    assert staff.show("ann")["status"] == 1
    # and the owner's status cannot be changed by a row either
    before = staff.snapshot()
    p = staff.imp("userName,status\nboss,terminated\n", check=False)
    assert p.returncode == 1 and "owner" in p.stderr
    assert staff.snapshot() == before


def test_groups_are_replaced(staff):
    staff.imp(CSV)
    staff.imp("userName,groups\nann,Ops\n")
    assert [g["name"] for g in staff.show("ann")["groups"]] == ["Ops"]
    staff.imp("userName,groups\nann,\n")
    assert staff.show("ann")["groups"] == []


def test_match_by_id_renames(staff):
    staff.imp(CSV)
    ann = staff.show("ann")
    staff.imp(f"id,userName\n{ann['id']},annie\n")
    assert staff.show(ann["id"])["userName"] == "annie"
    assert staff.admin("user", "show", "ann", check=False).returncode == 1


def test_thousands_of_users_in_one_run(staff):
    # the rate is the benchmark's (make bench-import); this checks a large file whole
    n = 3000
    rows = ["userName,firstName,lastName,email,department,contact:extphone"]
    rows += [f"u{i},First{i},Last{i},u{i}@example.com,Dept{i % 7},+1 {i}" for i in range(n)]
    out = staff.imp("\n".join(rows) + "\n").stdout
    assert counts(out) == (n, 0, 0, 0)
    assert staff.show(f"u{n - 1}")["department"] == f"Dept{(n - 1) % 7}"
    assert counts(staff.imp("\n".join(rows) + "\n").stdout) == (0, 0, n, 0)


# ---- through the running server: the ETag rule

def test_etag_changes_only_for_changed_users(server, api, admin):
    a = server.new_user("imp")
    b = server.new_user("imp")
    etag = lambda u: api.profile(u.id, admin.token).headers["ETag"]
    ea, eb = etag(a), etag(b)
    text = f"userName,title\n{a.name},Imported title\n{b.name},\n"
    user = harness.RUN_USER if server.db == "sqlite" else None
    out = harness.run([harness.admin_path(), "-d", server.driver, "-p", server.params,
                       "import", "-"], input=text, user=user).stdout
    assert counts(out) == (0, 1, 1, 0)
    assert etag(a) != ea
    assert etag(b) == eb
    assert api.profile(a.id, admin.token).json()["response"]["title"] == "Imported title"


def test_imported_users_are_found_by_the_directory(server, api, admin):
    # the directory matches and sorts on stored lower-case keys: an import keeps them
    # current, on insert and on update
    name = f"dirimp{next(_n)}"
    user = harness.RUN_USER if server.db == "sqlite" else None
    run = lambda text: harness.run([harness.admin_path(), "-d", server.driver, "-p",
                                    server.params, "import", "-"], input=text, user=user)
    run(f"userName,firstName,lastName,email,title\n{name},Quill,Ravel,{name}@example.com,"
        f"Zeppelin Pilot\n")
    found = lambda q: [p["userName"] for p in
                       api("GET", f"/filter?filterValue={q}", token=admin.token)
                       .json()["response"]]
    assert found("zeppelin") == [name]
    run(f"userName,title\n{name},Submarine Captain\n")
    assert found("zeppelin") == []
    assert found("submarine") == [name]
