"""Section 2: people-admin behaviours the suite relies on."""

from checks import unchanged


def test_init_is_idempotent(server):
    with unchanged(server):
        server.people_admin("init")


def test_user_add_with_an_existing_name_fails(server):
    with unchanged(server):
        p = server.people_admin("user", "add", "alice", "--first-name", "A", "--last-name", "B",
                                "--email", "a@b.c", check=False)
    assert p.returncode == 1
    assert p.stderr.strip()


def test_token_add_for_unknown_user_fails(server):
    with unchanged(server):
        p = server.people_admin("token", "add", "nobody-here", check=False)
    assert p.returncode == 1
    assert p.stderr.strip()


# ---- user set, user show, user list, token list ------------------------------

import json

import pytest

from checks import success


def test_user_set_changes_what_the_api_answers(server, api, user, admin):
    before = api.profile(user.id, admin.token)
    server.people_admin("user", "set", user.name, "--title", "Chief 'Quote' Officer",
                        "--department", "R&D", "--location", "Room 1", "--notes", "n1",
                        "--birthday", "1990-02-03", "--sex", "female", "--first-name", "New",
                        "--email", "new@example.com", "--group", "Ops", "--group", "Dev")
    r = api.profile(user.id, admin.token)
    p = success(r)
    assert p["title"] == "Chief 'Quote' Officer"
    assert p["department"] == "R&D"
    assert p["location"] == "Room 1"
    assert p["notes"] == "n1"
    assert p["birthday"] == "1990-02-03T00:00:00.0000000Z"
    assert p["sex"] == "female"
    assert p["firstName"] == "New" and p["displayName"] == f"New {user.last}"
    assert p["email"] == "new@example.com"
    assert sorted(g["name"] for g in p["groups"]) == ["Dev", "Ops"]
    # a change made by the administrator is a new version: a new ETag
    assert r.headers["ETag"] != before.headers["ETag"]


def test_user_set_groups_can_be_cleared_and_flags_toggled(server, api, make_user, admin):
    u = make_user("flags", groups=["G1"])
    server.people_admin("user", "set", u.name, "--clear-groups", "--admin", "yes",
                        "--visitor", "yes")
    p = success(api.profile(u.id, admin.token))
    assert p["groups"] == []
    assert p["isAdmin"] is True and p["isVisitor"] is True
    # as an admin now, the user may write someone else's contacts
    other = make_user("target")
    r = api.contacts("PUT", other.id, [{"type": "mail", "value": "x@y"}], u.token)
    assert r.status_code == 200, r.text
    server.people_admin("user", "set", u.name, "--admin", "no")
    r = api.contacts("PUT", other.id, [{"type": "mail", "value": "z@y"}], u.token)
    assert r.status_code == 403, r.text


def test_user_set_status_leave_and_back(server, api, user, admin):
    server.people_admin("user", "set", user.name, "--status", "leave")
    p = success(api.profile(user.id, admin.token))
    assert p["status"] == 4 and p["terminated"] is None
    # on leave is not terminated: the token still works
    assert api.profile("@self", user.token).status_code == 200
    server.people_admin("user", "set", user.id.upper(), "--status", "active")
    assert success(api.profile(user.id, admin.token))["status"] == 1


@pytest.mark.parametrize("args,message", [
    (["--status", "retired"], "--status takes active, terminated or leave"),
    (["--birthday", "03/02/1990"], "--birthday takes YYYY-MM-DD"),
    (["--sex", "x"], "--sex takes male, female or none"),
    (["--admin", "maybe"], "--admin takes yes or no"),
    (["--colour", "red"], "unknown option"),
    ([], "nothing to change"),
])
def test_user_set_refuses_bad_values_and_changes_nothing(server, user, args, message):
    from checks import unchanged
    with unchanged(server):
        p = server.people_admin("user", "set", user.name, *args, check=False)
    assert p.returncode == 1
    assert message in p.stderr


def test_user_show_prints_the_profile_as_an_admin_reads_it(server, api, alice, admin):
    shown = json.loads(server.people_admin("user", "show", "ALICE").stdout)
    got = success(api.profile(alice.id, admin.token))
    # the same profile; only profileUrl differs (no request, so no host)
    assert {k: v for k, v in shown.items() if k != "profileUrl"} == \
        {k: v for k, v in got.items() if k != "profileUrl"}
    assert got["profileUrl"].endswith(shown["profileUrl"])


def test_user_list_has_one_line_per_user(server, alice, admin):
    lines = server.people_admin("user", "list").stdout.splitlines()
    by_name = {l.split("\t")[1]: l for l in lines}
    assert alice.id in by_name["alice"]
    assert "admin" in by_name["admin"].split("\t")[-1]


def test_token_list_shows_labels_and_dates_never_a_token(server, api, user):
    t1 = server.add_token(user.name, "--label", "laptop", "--expires-days", "30")
    t2 = server.add_token(user.name, "--label", "script")
    server.people_admin("token", "revoke", t2)
    out = server.people_admin("token", "list", user.name).stdout
    assert user.token not in out and t1 not in out and t2 not in out
    lines = out.splitlines()
    assert len(lines) == 3
    laptop = next(l for l in lines if "\tlaptop\t" in l)
    script = next(l for l in lines if "\tscript\t" in l)
    assert "created 20" in laptop and "expires 20" in laptop and laptop.endswith("active")
    assert "expires never" in script and script.endswith("revoked")
    assert api.profile("@self", t1).status_code == 200
    assert api.profile("@self", t2).status_code == 401


def test_token_add_with_a_given_value_and_revoke_unknown(server, api, user):
    tok = f"admin-chosen-{user.id}"
    assert server.add_token(user.name, "--token", tok) == tok
    assert api.profile("@self", tok).status_code == 200
    p = server.people_admin("token", "revoke", "no-such-token-value", check=False)
    assert p.returncode == 1 and "no such token" in p.stderr
    server.people_admin("token", "revoke", tok)
    assert api.profile("@self", tok).status_code == 401
