"""Checks the harness itself (PEOPLE_HARNESS_SELFTEST=1): apache2 without the module,
the error-log check, the database plumbing. The main run leaves it out (see conftest.py)."""

import pwd

import pytest

import harness


def test_static_file_is_served(server):
    r = server.request("GET", server.url + "/index.html")
    assert r.status_code == 200
    assert r.text == harness.STATIC_BODY


def test_children_run_as_www_data(server):
    pid = server.pid()
    assert pid and harness.pid_alive(pid)
    uid = pwd.getpwnam("www-data").pw_uid if harness.IS_ROOT else harness.os.geteuid()
    uids = {}

    def settled():
        # a child the parent has just forked is still root until it switches user
        uids.clear()
        for k in harness.children_of(pid):
            try:
                uids[k] = harness.proc_uid(k)
            except OSError:
                pass                    # exited meanwhile
        return uids and set(uids.values()) == {uid}
    harness.wait_until(settled, 5)
    assert uids, "no child processes"
    assert set(uids.values()) == {uid}, uids


def test_config_names_the_mpm(server):
    assert f"mod_mpm_{server.mpm}.so" in server.conf.read_text()
    assert server.configtest().returncode == 0


@pytest.mark.expect_log(r"AH01630")
def test_declared_log_line_is_accepted(server):
    r = server.request("GET", server.url + "/denied")
    assert r.status_code == 403


def test_undeclared_log_line_is_caught(server):
    r = server.request("GET", server.url + "/denied")
    assert r.status_code == 403
    server.wait_for_access_log()
    lines = server.errlog.new_lines()          # consumed here, so this test passes
    bad = harness.unexpected_log_lines(lines)
    assert len(bad) == 1 and "[authz_core:error]" in bad[0], lines
    assert harness.unexpected_log_lines(lines, [r"AH01630"]) == []


def test_log_classifier():
    bad = harness.unexpected_log_lines
    assert bad(["[Mon Jan 01 00:00:00.1 2024] [people:warn] [pid 1] x"])
    assert bad(["[Mon Jan 01 00:00:00.1 2024] [dbd:error] [pid 1] x"])
    assert bad(["[x] [error] y", "[x] [warn] y", "[x] [core:crit] y"]) == \
        ["[x] [error] y", "[x] [warn] y", "[x] [core:crit] y"]
    assert bad(["[x] [core:notice] [pid 1] AH00052: child pid 7 exit signal Segmentation fault (11)"])
    assert not bad(["[x] [people:debug] [pid 1] an error message text",
                    "[x] [mpm_event:notice] [pid 1] AH00489: resuming normal operations"])


def test_access_log_is_awaited(server):
    ua = "selftest-ua-4242"
    server.request("GET", server.url + "/index.html", headers={"User-Agent": ua})
    assert server.wait_for_access_log()
    lines = server.wait_access_line(ua)
    assert len(lines) == 1 and ' 200 ' in lines[0]


def test_database_is_reachable(server):
    if server.db == "pgsql":
        server.psql("CREATE TABLE people_selftest(a text, b int); "
                    "INSERT INTO people_selftest VALUES ('x', 2), ('a', 1);")
        snap = server.db_snapshot()
        assert "== people_selftest" in snap
        assert snap.index("(a,1)") < snap.index("(x,2)")
        assert "people_selftest.b integer" in snap
    else:
        st = harness.Path(server.params).stat()
        assert st.st_uid == pwd.getpwnam("www-data").pw_uid
        assert harness.Path(server.params).parent.stat().st_uid == st.st_uid
        assert "INSERT INTO \"people_selftest\" VALUES('x');" in server.db_snapshot()
    assert server.db_snapshot() == server.db_snapshot()


def test_graceful_restart_keeps_answering(server):
    pid = server.pid()
    server.graceful()
    assert server.pid() == pid
    r = server.request("GET", server.url + "/index.html")
    assert r.status_code == 200
