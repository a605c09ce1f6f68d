"""Section 11, user management for admins and the owner: POST on the list adds a user,
PUT /status/{status} sets several users' status, DELETE /{userid} removes a terminated one
with their contacts, groups and tokens. Refusals change nothing."""

import uuid

import pytest

from checks import UUID_RE, error, pairs, success, unauthorized, unchanged
from forms import FORM, form, jquery


def new_email(prefix="new"):
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


def add(api, token, body, as_form=False):
    if as_form:
        return api("POST", "", token=token, data=form(*jquery(body)), ctype=FORM)
    return api("POST", "", token=token, json=body)


BOTH = pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])


# ------------------------------------------------------------------ adding

@BOTH
def test_admin_adds_a_user(api, admin, as_form):
    email = new_email("Ann.Lee")
    got = success(add(api, admin.token, {
        "firstName": "Ann", "lastName": "Lee", "email": email, "title": "Analyst",
        "department": "Ops", "location": "Oslo", "isVisitor": False,
        "contacts": [{"type": "phone", "value": "+47 1"}]}, as_form), 201)
    assert UUID_RE.match(got["id"])
    assert got["userName"] == email.split("@")[0]
    assert (got["firstName"], got["lastName"], got["email"], got["title"], got["department"],
            got["location"], got["isVisitor"], got["status"]) == (
        "Ann", "Lee", email, "Analyst", "Ops", "Oslo", False, 1)
    assert pairs(got) == [("phone", "+47 1")]
    assert success(api.profile(got["id"], admin.token)) == got


def test_owner_adds_a_user_with_a_user_name(api, owner):
    name = "picked" + uuid.uuid4().hex[:6]
    got = success(add(api, owner.token, {"userName": name, "firstName": "P", "lastName": "Q",
                                         "email": new_email()}), 201)
    assert got["userName"] == name
    assert success(api.profile(name, owner.token))["id"] == got["id"]


def test_derived_user_names_are_made_unique(api, admin):
    local = "twin" + uuid.uuid4().hex[:6]
    a = success(add(api, admin.token, {"firstName": "A", "lastName": "A",
                                       "email": f"{local}@one.example"}), 201)
    b = success(add(api, admin.token, {"firstName": "B", "lastName": "B",
                                       "email": f"{local}@two.example"}), 201)
    assert a["userName"] == local and b["userName"] == local + "2"


def test_route_words_are_never_derived(api, admin):
    got = success(add(api, admin.token, {"firstName": "S", "lastName": "S",
                                         "email": f"search@{uuid.uuid4().hex[:8]}.example"}),
                  201)
    assert got["userName"] != "search"
    assert success(api.profile(got["userName"], admin.token))["id"] == got["id"]


def test_new_user_is_visitor_when_asked(api, admin):
    got = success(add(api, admin.token, {"firstName": "V", "lastName": "V",
                                         "email": new_email(), "isVisitor": "true"}), 201)
    assert got["isVisitor"] is True


def test_taken_email_is_409(server, api, admin, alice):
    with unchanged(server):
        error(add(api, admin.token, {"firstName": "X", "lastName": "Y",
                                     "email": alice.email.upper()}), 409)


def test_taken_user_name_is_409(server, api, admin, alice):
    with unchanged(server):
        error(add(api, admin.token, {"userName": alice.name.upper(), "firstName": "X",
                                     "lastName": "Y", "email": new_email()}), 409)


BAD_NEW = {
    "no-email": {"firstName": "A", "lastName": "B"},
    "no-first-name": {"lastName": "B", "email": "x@example.org"},
    "bad-email": {"firstName": "A", "lastName": "B", "email": "nope"},
    "long-name": {"firstName": "a" * 65, "lastName": "B", "email": "x@example.org"},
    "route-word-name": {"userName": "filter", "firstName": "A", "lastName": "B",
                        "email": "x@example.org"},
    "uuid-name": {"userName": str(uuid.uuid4()), "firstName": "A", "lastName": "B",
                  "email": "x@example.org"},
    "slash-name": {"userName": "a/b", "firstName": "A", "lastName": "B",
                   "email": "x@example.org"},
    "bad-contact": {"firstName": "A", "lastName": "B", "email": "x@example.org",
                    "contacts": [{"value": "typeless"}]},
}


@pytest.mark.parametrize("case", sorted(BAD_NEW))
def test_bad_new_user_is_400(server, api, admin, case):
    with unchanged(server):
        error(add(api, admin.token, BAD_NEW[case]), 400)


def test_member_may_not_add(server, api, user):
    with unchanged(server):
        error(add(api, user.token, {"firstName": "A", "lastName": "B",
                                    "email": new_email()}), 403)


# ------------------------------------------------------------------ status

def status(api, token, value, ids, as_form=False):
    if as_form:
        return api("PUT", f"/status/{value}", token=token,
                   data=form(*[("userIds[]", i) for i in ids]), ctype=FORM)
    return api("PUT", f"/status/{value}", token=token, json={"userIds": ids})


@BOTH
def test_admin_sets_status_of_several(api, admin, make_user, as_form):
    a, b = make_user("st"), make_user("st")
    r = status(api, admin.token, "Terminated", [a.id, b.id.upper(), a.id], as_form)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 2 and body["statusCode"] == 200
    assert [p["id"] for p in body["response"]] == [a.id, b.id]
    assert all(p["status"] == 2 and p["terminated"] for p in body["response"])
    unauthorized(api.profile("@self", a.token))
    r = status(api, admin.token, "1", [a.id], as_form)
    assert r.json()["response"][0]["status"] == 1
    assert r.json()["response"][0]["terminated"] is None
    success(api.profile("@self", a.token))


def test_leave_of_absence(api, owner, user):
    r = status(api, owner.token, "LeaveOfAbsence", [user.id])
    assert r.json()["response"][0]["status"] == 4


def test_owners_status_never_changes(server, api, admin, owner, user):
    with unchanged(server):
        error(status(api, admin.token, "2", [user.id, owner.id]), 403)
        error(status(api, owner.token, "2", [owner.id]), 403)


@pytest.mark.parametrize("value,body", [
    ("3", None), ("Retired", None), ("2", {"userIds": []}), ("2", {}),
    ("2", {"userIds": ["not-a-uuid"]}), ("2", {"userIds": "x"}),
])
def test_bad_status_request_is_400(server, api, admin, user, value, body):
    with unchanged(server):
        error(api("PUT", f"/status/{value}", token=admin.token,
                  json=body if body is not None else {"userIds": [user.id]}), 400)


def test_unknown_user_in_status_is_404(server, api, admin, user):
    with unchanged(server):
        msg = error(status(api, admin.token, "2",
                           [user.id, "00000000-0000-4000-8000-00000000abcd"]), 404)
    assert "00000000-0000-4000-8000-00000000abcd" in msg


def test_member_may_not_set_status(server, api, user, other):
    with unchanged(server):
        error(status(api, user.token, "2", [other.id]), 403)


# ------------------------------------------------------------------ deleting

def test_delete_a_terminated_user(server, api, admin, make_user):
    victim = make_user("gone", groups=["Leavers"])
    success(api.contacts("POST", victim.id, [{"type": "mail", "value": "g@x.org"}],
                         victim.token))
    status(api, admin.token, "2", [victim.id])
    got = success(api("DELETE", f"/{victim.id}", token=admin.token))
    assert got["id"] == victim.id and got["status"] == 2
    assert pairs(got) == [("mail", "g@x.org")]
    error(api.profile(victim.id, admin.token), 404)
    unauthorized(api.profile("@self", victim.token))
    snap = server.db_snapshot()
    assert victim.id not in snap            # no contact, membership or token row left


def test_delete_clears_lead_of_others(api, admin, make_user):
    boss, staff = make_user("boss"), make_user("staff")
    success(api("PUT", f"/{staff.id}", token=admin.token, json={"lead": boss.id}))
    status(api, admin.token, "2", [boss.id])
    success(api("DELETE", f"/{boss.id}", token=admin.token))
    assert success(api.profile(staff.id, staff.token))["lead"] is None


def test_delete_an_active_user_is_400(server, api, admin, user):
    with unchanged(server):
        error(api("DELETE", f"/{user.id}", token=admin.token), 400)


def test_member_may_not_delete(server, api, admin, user, other):
    status(api, admin.token, "2", [other.id])
    with unchanged(server):
        error(api("DELETE", f"/{other.id}", token=user.token), 403)


def test_delete_unknown_is_404(server, api, admin):
    with unchanged(server):
        error(api("DELETE", "/00000000-0000-4000-8000-00000000dead", token=admin.token), 404)
