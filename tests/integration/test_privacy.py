"""Section 4's privacy rule (PeoplePrivateData members|self) in profiles, lists, search,
filters, sorting and /email, for a member, a visitor, an admin and the owner; and the
terminated users lists show to admins and the owner only."""

import pytest

import harness
from harness import API_BASE
from checks import describe, error, success
from directory_data import (TERMINATED, VISITOR, Crowd, ids_of, listing, pairs, query,
                            sort_key)

LOC_SELF = "/self"
MODES = {"members": "", "self": LOC_SELF}
ROLES = ["member", "visitor", "admin", "owner"]


@harness.on_config
def _self_location(server, conf):
    """The default location keeps PeoplePrivateData members; LOC_SELF has self."""
    conf.add_location(LOC_SELF + API_BASE, "PeopleAPI On", "PeoplePrivateData self")


@pytest.fixture(scope="module")
def psrv(server):
    return server


@pytest.fixture(scope="module")
def crowd(psrv):
    return Crowd(psrv)


def caller(psrv, crowd, role):
    """(token, id) of a caller of that role; the visitor belongs to the crowd."""
    if role == "visitor":
        u = crowd.people[VISITOR]
    else:
        u = psrv.users[{"member": "alice", "admin": "admin", "owner": "owner"}[role]]
    return u.token, u.id


def sees(mode, role, caller_id, target_id):
    if caller_id == target_id or role in ("admin", "owner"):
        return True
    return mode == "members" and role == "member"


def check_item(crowd, item, visible):
    full = crowd.profiles[item["id"]]
    i = [u.id for u in crowd.people].index(item["id"])
    if visible:
        assert item["email"] == full["email"], item
        assert pairs(item) == crowd.contacts_of(i), item
    else:
        assert item["email"] is None, item
        assert item["contacts"] == [], item


def no_leak(r, crowd, hidden_ids):
    text = r.content.decode("utf-8")
    for i, u in enumerate(crowd.people):
        if u.id in hidden_ids:
            for secret in [u.email, u.email.lower()] + [v for _, v in crowd.contacts_of(i)]:
                assert secret not in text, (secret, describe(r))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", MODES)
def test_profile_private_data(psrv, crowd, mode, role):
    token, me = caller(psrv, crowd, role)
    for i in (0, VISITOR, TERMINATED):
        target = crowd.people[i]
        r = psrv.api("GET", f"/{target.id}", token=token, loc=MODES[mode])
        check_item(crowd, success(r), sees(mode, role, me, target.id))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", MODES)
def test_list_private_data(psrv, crowd, mode, role):
    token, me = caller(psrv, crowd, role)
    for path in ("", "/filter", "/search"):
        r = psrv.api("GET", query(path, filterValue=crowd.tag, query=crowd.tag), token=token,
                     loc=MODES[mode])
        body = listing(r)
        assert set(ids_of(body)) == crowd.ids(crowd.active)
        hidden = set()
        for item in body["response"]:
            visible = sees(mode, role, me, item["id"])
            check_item(crowd, item, visible)
            if not visible:
                hidden.add(item["id"])
        no_leak(r, crowd, hidden)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", MODES)
def test_fields_and_simple_filter_never_show_hidden_email(psrv, crowd, mode, role):
    token, me = caller(psrv, crowd, role)
    r = psrv.api("GET", query(filterValue=crowd.tag, fields="email,contacts"), token=token,
                 loc=MODES[mode])
    for item in listing(r)["response"]:
        check_item(crowd, item, sees(mode, role, me, item["id"]))
    r = psrv.api("GET", query("/simple/filter", filterValue=crowd.tag), token=token,
                 loc=MODES[mode])
    listing(r)
    no_leak(r, crowd, crowd.ids(range(len(crowd.people))))


def visible_matches(mode, role, me, crowd):
    return {u.id for i, u in enumerate(crowd.people)
            if i != TERMINATED and sees(mode, role, me, u.id)}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", MODES)
def test_search_matches_only_visible_emails(psrv, crowd, mode, role):
    """The mail word is in every crowd email and nowhere else."""
    token, me = caller(psrv, crowd, role)
    want = visible_matches(mode, role, me, crowd)
    for path, params in (("", {"filterValue": crowd.mailtag}),
                         ("/search", {"query": crowd.mailtag}),
                         (f"/@search/{crowd.mailtag}", {}),
                         ("/filter", {"filterBy": "email", "filterValue": crowd.mailtag}),
                         ("/filter", {"filterBy": "email", "filterOp": "equals",
                                      "filterValue": crowd.people[0].email}),
                         ("/simple/filter", {"filterValue": f"{crowd.mailtag} {crowd.tag}"})):
        body = listing(psrv.api("GET", query(path, **params), token=token, loc=MODES[mode]))
        got = set(ids_of(body))
        if params.get("filterOp") == "equals":
            assert got == want & {crowd.people[0].id}, (path, params)
        else:
            assert got == want, (path, params)
        assert body["total"] == len(got)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", MODES)
def test_email_lookup_answers_404_when_the_email_is_hidden(psrv, crowd, mode, role):
    token, me = caller(psrv, crowd, role)
    for i in (0, 5, VISITOR):
        target = crowd.people[i]
        r = psrv.api("GET", query("/email", email=target.email.upper()), token=token,
                     loc=MODES[mode])
        if sees(mode, role, me, target.id):
            p = success(r)
            assert p["id"] == target.id
            check_item(crowd, p, True)
        else:
            error(r, 404)
            no_leak(r, crowd, {target.id})


@pytest.mark.parametrize("order", ["ascending", "descending"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", MODES)
def test_sort_by_email_sorts_hidden_emails_as_null(psrv, crowd, mode, role, order):
    token, me = caller(psrv, crowd, role)
    body = listing(psrv.api("GET", query(filterValue=crowd.tag, sortBy="email",
                                         sortOrder=order), token=token, loc=MODES[mode]))
    want = sorted((crowd.profiles[i] for i in ids_of(body)),
                  key=lambda p: sort_key("email", p, sees(mode, role, me, p["id"])),
                  reverse=order == "descending")
    assert ids_of(body) == [p["id"] for p in want]
    # the unfiltered list too, where the crowd is only a part
    body = listing(psrv.api("GET", query(sortBy="email", sortOrder=order, count=1000),
                            token=token, loc=MODES[mode]))
    mine = [crowd.profiles[i] for i in ids_of(body) if i in crowd.profiles]
    want = sorted(mine, key=lambda p: sort_key("email", p, sees(mode, role, me, p["id"])),
                  reverse=order == "descending")
    assert [p["id"] for p in mine] == [p["id"] for p in want]


# ---- terminated users

@pytest.mark.parametrize("role", ROLES)
def test_terminated_users_are_listed_to_admins_and_the_owner_only(psrv, crowd, role):
    token, _ = caller(psrv, crowd, role)
    gone = crowd.people[TERMINATED].id
    privileged = role in ("admin", "owner")
    for path, params in (("/status/2", {}), ("/status/Terminated", {}),
                         ("/filter", {"employeeStatus": "2"}),
                         ("/filter", {"employeeStatus": "terminated"}),
                         ("/simple/filter", {"employeeStatus": "Terminated"})):
        body = listing(psrv.api("GET", query(path, count=1000, **params), token=token))
        if privileged:
            assert gone in ids_of(body), (path, params)
            assert all(p.get("status", 2) == 2 for p in body["response"])
        else:
            assert body["total"] == 0 and body["response"] == [], (path, params)
    # never in the active lists, not even for admins
    for path, params in (("", {}), ("/filter", {}), ("/search", {"query": crowd.tag}),
                         ("/status/1", {}), ("/simple/filter", {})):
        body = listing(psrv.api("GET", query(path, count=1000, **params), token=token))
        assert gone not in ids_of(body), (path, params)


def test_terminated_profile_stays_readable_by_id(psrv, crowd):
    token, _ = caller(psrv, crowd, "member")
    gone = crowd.people[TERMINATED]
    assert success(psrv.api.profile(gone.id, token))["status"] == 2


def test_private_data_directive_in_a_nested_location(psrv, crowd):
    """The setting is per directory: the same caller sees more at the default location."""
    token, _ = caller(psrv, crowd, "member")
    target = crowd.people[0]
    assert success(psrv.api.profile(target.id, token))["email"] == target.email
    assert success(psrv.api.profile(target.id, token, loc=LOC_SELF))["email"] is None
