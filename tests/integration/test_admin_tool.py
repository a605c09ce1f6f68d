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
