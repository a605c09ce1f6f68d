"""Section 4: who may write whose contacts, and what readers see of others."""

import pytest

from checks import contacts_body, error, pairs, success, unchanged

METHODS = ["PUT", "POST", "DELETE"]
SOME = [("mail", "x@example.org"), ("phone", "5")]


@pytest.fixture
def target(server):
    """A plain user holding some contacts."""
    u = server.new_user("target")
    r = server.api.contacts("PUT", u.id, contacts_body(*SOME), u.token)
    assert pairs(success(r)) == SOME
    return u


def test_user_may_write_own_contacts(api, user):
    r = api.contacts("PUT", user.id, contacts_body(("icq", "1")), user.token)
    assert pairs(success(r)) == [("icq", "1")]


@pytest.mark.parametrize("method", METHODS)
def test_user_may_not_write_another_users_contacts(server, api, user, target, method):
    with unchanged(server):
        error(api.contacts(method, target.id, contacts_body(("phone", "666")), user.token), 403)
    assert pairs(success(api.profile(target.id, target.token))) == SOME


def test_user_may_not_write_by_user_name_either(server, api, user, target):
    with unchanged(server):
        error(api.contacts("PUT", target.name.upper(), contacts_body(("phone", "6")),
                           user.token), 403)


def test_visitor_may_not_write_another_users_contacts(server, api, target):
    visitor = server.new_user("visitor", flags=["--visitor"])
    with unchanged(server):
        error(api.contacts("PUT", target.id, contacts_body(("phone", "6")), visitor.token), 403)


def test_visitor_may_write_own_contacts(server, api):
    visitor = server.new_user("visitor", flags=["--visitor"])
    r = api.contacts("PUT", "@self", contacts_body(("skype", "v")), visitor.token)
    assert pairs(success(r)) == [("skype", "v")]


def test_plain_user_may_not_write_the_admins_contacts(server, api, user, admin):
    with unchanged(server):
        error(api.contacts("PUT", admin.id, contacts_body(("phone", "6")), user.token), 403)


@pytest.mark.parametrize("role", ["admin", "owner"])
@pytest.mark.parametrize("method,expected,status", [
    ("PUT", SOME + [("skype", "s")], 200),
    ("POST", [("skype", "s")], 200),
    ("DELETE", SOME, 200),
])
def test_admin_and_owner_may_write_anyones_contacts(server, api, target, role, method,
                                                     expected, status):
    r = api.contacts(method, target.id, contacts_body(("skype", "s")), server.users[role].token)
    assert pairs(success(r, status)) == expected
    assert pairs(success(api.profile(target.id, target.token))) == expected


def test_admins_write_answer_shows_the_full_profile(api, target, admin):
    p = success(api.contacts("PUT", target.id, contacts_body(("icq", "9")), admin.token))
    assert p["email"] == target.email
    assert pairs(p) == SOME + [("icq", "9")]


def test_member_sees_colleagues_email_and_contacts(api, user, target):
    """PeoplePrivateData members (the default): every member sees everyone's."""
    p = success(api.profile(target.id, user.token))
    assert p["id"] == target.id
    assert p["email"] == target.email
    assert pairs(p) == SOME


def test_plain_reader_sees_the_public_fields(api, user, target):
    p = success(api.profile(target.id, user.token))
    assert (p["userName"], p["firstName"], p["lastName"]) == (target.name, target.first, target.last)


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_and_owner_see_email_and_contacts(server, api, target, role):
    p = success(api.profile(target.id, server.users[role].token))
    assert p["email"] == target.email
    assert pairs(p) == SOME


def test_user_sees_own_email_and_contacts(api, target):
    p = success(api.profile("@self", target.token))
    assert p["email"] == target.email
    assert pairs(p) == SOME


def test_member_sees_the_admins_email(api, user, admin):
    assert success(api.profile(admin.id, user.token))["email"] == admin.email


def test_visitor_reads_the_admin_without_email(server, api, admin):
    visitor = server.new_user("visitor", flags=["--visitor"])
    assert success(api.profile(admin.id, visitor.token))["email"] is None


def test_visitor_reads_others_without_email(server, api, target):
    visitor = server.new_user("visitor", flags=["--visitor"])
    p = success(api.profile(target.id, visitor.token))
    assert (p["email"], p["contacts"]) == (None, [])


def test_head_of_another_user_is_allowed(api, user, target):
    assert api("HEAD", f"/{target.id}", token=user.token).status_code == 200
