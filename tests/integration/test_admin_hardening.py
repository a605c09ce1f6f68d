"""Sections 3, 6, 11 and 12: people-admin as a careless administrator or an attacker with a
shell account would use it. Tokens revoked by the hash prefix `token list` shows or by label,
read from stdin so they never show in `ps`; weak chosen tokens refused; every profile change a
new ETag; `user add` validated as `user set`; user names that would shadow routes refused.
(The database files' modes: test_db_files.py.)"""

import hashlib
import os
import pwd
import subprocess
import uuid

import pytest

import harness
from checks import error, strong_etag, success, unchanged


def admin_cmd(server, *args):
    return [str(harness.admin_path()), "-d", server.driver, "-p", server.params, *args]


def admin_stdin(server, stdin, *args, check=True):
    """people-admin with `stdin` on its standard input (as the server's user for SQLite)."""
    return harness.run(admin_cmd(server, *args), input=stdin, check=check,
                       user=harness.RUN_USER if server.db == "sqlite" else None)


def token_lines(server, user):
    return server.people_admin("token", "list", user).stdout.strip().splitlines()


# ---- defect 3: revoking tokens ------------------------------------------------------

def test_token_list_prefix_revokes_the_token(server, api, user):
    t1 = server.add_token(user.name, "--label", "keep")
    t2 = server.add_token(user.name, "--label", "leaked")
    prefix = hashlib.sha256(t2.encode()).hexdigest()[:8]
    assert any(line.startswith(prefix) for line in token_lines(server, user.name))
    server.people_admin("token", "revoke", prefix)
    assert api.profile("@self", t2).status_code == 401
    assert api.profile("@self", t1).status_code == 200
    assert api.profile("@self", user.token).status_code == 200


def test_short_or_unknown_prefix_revokes_nothing(server, api, user):
    tok = server.add_token(user.name)
    digest = hashlib.sha256(tok.encode()).hexdigest()
    known = {hashlib.sha256(t.encode()).hexdigest() for t in server.tokens_seen}
    unknown = next(p for p in (f"{i:08x}" for i in range(0, 2**32, 7919))
                   if not any(h.startswith(p) for h in known))
    with unchanged(server):
        p = server.people_admin("token", "revoke", digest[:7], check=False)
        assert p.returncode == 1 and "at least 8 characters" in p.stderr, p.stderr
        p = server.people_admin("token", "revoke", unknown, check=False)
        assert p.returncode == 1 and "no such token" in p.stderr, p.stderr
    assert api.profile("@self", tok).status_code == 200
    # the whole hash works as well as its first 8 characters
    server.people_admin("token", "revoke", digest)
    assert api.profile("@self", tok).status_code == 401


def test_ambiguous_prefix_names_the_count(server, api, user):
    # two rows whose hashes share 8 characters, made directly in the database (a
    # collision of real SHA-256 prefixes would take 2^32 tries)
    a = "abcdef01" + "0" * 56
    b = "abcdef01" + "1" * 56
    for h in (a, b):
        assert server.sql_changes(
            "INSERT INTO people_tokens (hash, user_id, label, created, revoked) "
            f"VALUES ('{h}', '{user.id}', 'made', 0, 0)") == 1
    with unchanged(server):
        p = server.people_admin("token", "revoke", "abcdef01", check=False)
    assert p.returncode == 1, p.stderr
    assert "matches 2 tokens" in p.stderr and "nothing revoked" in p.stderr, p.stderr
    server.people_admin("token", "revoke", "abcdef010")
    lines = [l for l in token_lines(server, user.name) if "\tmade\t" in l]
    assert sorted(l.endswith("revoked") for l in lines) == [False, True], lines


def test_revoke_by_label(server, api, user, other):
    lt = server.add_token(user.name, "--label", f"laptop-{user.name}")
    server.people_admin("token", "revoke", "--label", f"laptop-{user.name}")
    assert api.profile("@self", lt).status_code == 401
    assert api.profile("@self", user.token).status_code == 200
    # one label on two users' tokens: ambiguous unless --user narrows it
    label = f"phone-{uuid.uuid4().hex[:8]}"
    t_user = server.add_token(user.name, "--label", label)
    t_other = server.add_token(other.name, "--label", label)
    with unchanged(server):
        p = server.people_admin("token", "revoke", "--label", label, check=False)
    assert p.returncode == 1 and "matches 2 tokens" in p.stderr, p.stderr
    server.people_admin("token", "revoke", "--label", label, "--user", other.name)
    assert api.profile("@self", t_other).status_code == 401
    assert api.profile("@self", t_user).status_code == 200
    p = server.people_admin("token", "revoke", "--label", "no-such-label", check=False)
    assert p.returncode == 1 and "no such token" in p.stderr


def test_tokens_read_from_stdin(server, api, user):
    value = "stdin-" + uuid.uuid4().hex
    out = admin_stdin(server, value + "\n", "token", "add", user.name, "--token", "-").stdout
    assert out.strip() == value
    assert success(api.profile("@self", value))["id"] == user.id
    admin_stdin(server, value + "\n", "token", "revoke", "-")
    assert api.profile("@self", value).status_code == 401
    p = admin_stdin(server, "", "token", "revoke", "-", check=False)
    assert p.returncode == 1 and "standard input" in p.stderr


@pytest.mark.parametrize("weak", ["short-token-19chars", "a" * 32, "x" * 20, "two words here" * 3])
def test_weak_chosen_tokens_are_refused(server, user, weak):
    with unchanged(server):
        p = server.people_admin("token", "add", user.name, "--token", weak, check=False)
        assert p.returncode == 1 and p.stderr.strip(), p.stderr
        p = admin_stdin(server, weak + "\n", "token", "add", user.name, "--token", "-",
                        check=False)
        assert p.returncode == 1 and p.stderr.strip(), p.stderr


# ---- defect 5: every admin change is a new ETag -------------------------------------

def test_group_changes_change_the_etag(server, api, user, admin):
    tags = [strong_etag(api.profile(user.id, admin.token))]
    server.people_admin("user", "set", user.name, "--group", "Etag-Group")
    r = api.profile(user.id, admin.token)
    assert [g["name"] for g in success(r)["groups"]] == ["Etag-Group"]
    tags.append(strong_etag(r))
    server.people_admin("user", "set", user.name, "--clear-groups")
    r = api.profile(user.id, admin.token)
    assert success(r)["groups"] == []
    tags.append(strong_etag(r))
    assert len(set(tags)) == 3, tags
    # a write with the ETag from before the change is refused
    r = api.contacts("PUT", user.id, [{"type": "x", "value": "1"}], admin.token,
                     headers={"If-Match": tags[1]})
    error(r, 412)


# ---- defect 6: user add validates as user set does ----------------------------------

BAD_FIELDS = [
    ("--first-name", "A\x01B", "control character"),
    ("--last-name", "x" * 65, "1 to 64 characters"),
    ("--first-name", "", "1 to 64 characters"),
    ("--title", "t" * 256, "at most 255"),
    ("--department", "tab\tin", "control character"),
    ("--email", "e" * 250 + "@x.example", "at most 255"),
]


@pytest.mark.parametrize("option,value,why", BAD_FIELDS)
def test_user_add_and_user_set_refuse_the_same_values(server, user, option, value, why):
    args = {"--first-name": "F", "--last-name": "L",
            "--email": f"v{uuid.uuid4().hex[:8]}@example.com"}
    args[option] = value
    name = "val" + uuid.uuid4().hex[:8]
    flat = [x for kv in args.items() for x in kv]
    with unchanged(server):
        p = server.people_admin("user", "add", name, *flat, check=False)
        assert p.returncode == 1 and why in p.stderr and option in p.stderr, p.stderr
        p = server.people_admin("user", "set", user.name, option, value, check=False)
        assert p.returncode == 1 and why in p.stderr and option in p.stderr, p.stderr


def test_user_add_refuses_invalid_utf8(server, user):
    name = "utf" + uuid.uuid4().hex[:8]
    cmd = [os.fsencode(c) for c in admin_cmd(server, "user", "add", name)]
    cmd += [b"--first-name", b"Al\xffce", b"--last-name", b"L", b"--email", b"u@example.com"]
    as_user = {}
    if server.db == "sqlite" and os.geteuid() == 0:
        pw = pwd.getpwnam(harness.RUN_USER)
        as_user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    with unchanged(server):
        p = subprocess.run(cmd, capture_output=True, **as_user)
    assert p.returncode == 1 and b"not valid UTF-8" in p.stderr, p.stderr


# ---- defect 7: user names that routes would shadow ----------------------------------

@pytest.mark.parametrize("name", [".", "..", "bob.json", "Bob.JSON", "@Self", "@self", "@x",
                                  "status", "Filter", "SIMPLE", "search", "email", "a/b",
                                  "has space"])
def test_user_names_that_shadow_routes_are_refused(server, name):
    with unchanged(server):
        p = server.people_admin("user", "add", name, "--first-name", "F", "--last-name", "L",
                                "--email", f"n{uuid.uuid4().hex[:8]}@example.com", check=False)
    assert p.returncode == 1 and "cannot be a user name" in p.stderr, p.stderr
