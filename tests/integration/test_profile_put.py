"""Section 11: PUT /{userid} changes the fields it names, from JSON or a form; who may change
what; validation; ETag and If-Match. Every refusal leaves the stored data as it was."""

import pytest

from checks import DATE_RE, error, pairs, strong_etag, success, unauthorized, unchanged
from forms import FORM, form, jquery, put_profile

BOTH = pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])


def get(api, who):
    return success(api.profile(who.id, who.token))


# ------------------------------------------------------------------ each field

FIELDS = [
    ("firstName", "Annabel", "firstName", "Annabel"),
    ("firstname", "Bea", "firstName", "Bea"),                  # as ONLYOFFICE's client sends
    ("LASTNAME", "Quinn", "lastName", "Quinn"),
    ("sex", "female", "sex", "female"),
    ("sex", "Male", "sex", "male"),
    ("birthday", "1990-02-28", "birthday", "1990-02-28T00:00:00.0000000Z"),
    ("birthday", "2000-02-29T00:00:00.0000000Z", "birthday", "2000-02-29T00:00:00.0000000Z"),
    ("workFrom", "2021-09-01", "workFrom", "2021-09-01T00:00:00.0000000Z"),
    ("worksfrom", "2019-03-04T00:00:00.000+03:00", "workFrom", "2019-03-04T00:00:00.0000000Z"),
    ("location", "Riga, Latvia", "location", "Riga, Latvia"),
    ("notes", "likes tea", "notes", "likes tea"),
    ("comment", "read as notes", "notes", "read as notes"),
    ("location", "Zoë’s 🏠", "location", "Zoë’s 🏠"),
]


@BOTH
@pytest.mark.parametrize("key,value,field,want", FIELDS,
                         ids=[f"{k}={v[:12]}" for k, v, _, _ in FIELDS])
def test_member_changes_own_field(api, user, as_form, key, value, field, want):
    before = get(api, user)
    got = success(put_profile(api, user.id, user.token, {key: value}, as_form))
    assert got[field] == want
    assert get(api, user) == got
    # nothing else changed
    for k in before:
        if k not in (field, "displayName"):
            assert got[k] == before[k], k


@BOTH
def test_null_and_empty_clear(api, user, as_form):
    success(put_profile(api, user.id, user.token,
                        {"sex": "male", "location": "x", "birthday": "1999-01-01"}))
    body = {"sex": None, "location": None, "birthday": None}
    got = success(put_profile(api, user.id, user.token, body, as_form))
    assert got["sex"] is None and got["location"] is None and got["birthday"] is None


def test_display_name_follows(api, user):
    got = success(put_profile(api, user.id, user.token, {"firstName": "Ann", "lastName": "Lee"}))
    assert got["displayName"] == "Ann Lee"


def test_unknown_keys_are_ignored(server, api, user):
    before = get(api, user)
    got = success(put_profile(api, user.id, user.token,
                              {"id": "00000000-0000-0000-0000-000000000000", "isAdmin": True,
                               "userName": "someone-else", "status": 2}))
    for k in ("id", "isAdmin", "userName", "status"):
        assert got[k] == before[k]


def test_self_route_and_user_name(api, user):
    assert success(put_profile(api, "@self", user.token, {"location": "A"}))["location"] == "A"
    assert success(put_profile(api, user.name.upper(), user.token,
                               {"location": "B"}))["location"] == "B"


def test_put_json_suffix(api, user):
    r = api("PUT", f"/{user.id}.json", token=user.token, json={"location": "C"})
    assert success(r)["location"] == "C"


# ------------------------------------------------------------------ contacts in a profile PUT

@BOTH
def test_contacts_replace_the_list(api, user, as_form):
    success(api.contacts("POST", user.id, [{"type": "mail", "value": "a@b.org"},
                                           {"type": "phone", "value": "1"}], user.token))
    got = success(put_profile(api, user.id, user.token,
                              {"contacts": [{"Type": "skype", "Value": "s"}]}, as_form))
    assert pairs(got) == [("skype", "s")]


@BOTH
def test_absent_contacts_are_untouched(api, user, as_form):
    success(api.contacts("POST", user.id, [{"type": "mail", "value": "a@b.org"}], user.token))
    got = success(put_profile(api, user.id, user.token, {"location": "X"}, as_form))
    assert pairs(got) == [("mail", "a@b.org")]


def test_empty_contacts_list_clears(api, user):
    success(api.contacts("POST", user.id, [{"type": "mail", "value": "a@b.org"}], user.token))
    assert pairs(success(put_profile(api, user.id, user.token, {"contacts": []}))) == []


def test_bad_contact_in_profile_put_is_400(server, api, user):
    with unchanged(server):
        msg = error(put_profile(api, user.id, user.token,
                                {"location": "Y", "contacts": [{"value": "x"}]}), 400)
    assert "contacts[0]" in msg


# ------------------------------------------------------------------ validation

BAD = {
    "firstName-empty": ({"firstName": ""}, "firstName"),
    "firstName-null": ({"firstName": None}, "firstName"),
    "firstName-65": ({"firstName": "a" * 65}, "firstName"),
    "lastName-65-utf8": ({"lastName": "é" * 65}, "lastName"),
    "lastName-number": ({"lastName": 5}, "lastName"),
    "location-256": ({"location": "l" * 256}, "location"),
    "location-control": ({"location": "a\u0007b"}, "location"),
    "location-c1": ({"location": "a\u0085b"}, "location"),
    "location-newline": ({"location": "a\nb"}, "location"),
    "notes-1025": ({"notes": "n" * 1025}, "notes"),
    "comment-1025": ({"comment": "n" * 1025}, "notes"),
    "notes-and-comment": ({"notes": "a", "comment": "b"}, "notes"),
    "sex-other": ({"sex": "other"}, "sex"),
    "birthday-bad-day": ({"birthday": "2021-02-29"}, "birthday"),
    "birthday-format": ({"birthday": "28.02.1990"}, "birthday"),
    "workFrom-garbage": ({"workFrom": "soon"}, "workFrom"),
    "email-shape": ({"email": "not-an-email"}, "email"),
    "lead-not-uuid": ({"lead": "bob"}, "lead"),
    "isVisitor-word": ({"isVisitor": "perhaps"}, "isVisitor"),
    "disable-number": ({"disable": 3}, "disable"),
    "name-twice": ({"firstName": "a", "FirstName": "b"}, "firstName"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_value_is_400_naming_the_field(server, api, admin, user, case):
    body, field = BAD[case]
    # a good field beside the bad one: a request applied in part would show it
    extra = {"notes": "changed"} if "location" in body else {"location": "changed"}
    with unchanged(server):
        msg = error(put_profile(api, user.id, admin.token, dict(body, **extra)), 400)
    assert field in msg, msg


@pytest.mark.parametrize("raw", [b"firstname=%ff", b"location=a%00b", b"location=a%0Ab",
                                 b"firstname=", b"birthday=1990-13-01", b"sex=x",
                                 b"location[0]=a&location[1]=b", b"a[0]=1&a[2]=2",
                                 b"firstname=a&FIRSTNAME=b"])
def test_bad_form_is_400(server, api, user, raw):
    with unchanged(server):
        error(api("PUT", f"/{user.id}", token=user.token, data=raw, ctype=FORM), 400)


def test_malformed_json_is_400(server, api, user):
    with unchanged(server):
        error(api("PUT", f"/{user.id}", token=user.token, data=b'{"firstName": '), 400)
        error(api("PUT", f"/{user.id}", token=user.token, data=b'["firstName"]'), 400)


def test_wrong_content_type_is_415(server, api, user):
    with unchanged(server):
        error(api("PUT", f"/{user.id}", token=user.token, data=b"firstName=x",
                  ctype="text/plain"), 415)


def test_unknown_lead_is_400(server, api, admin, user):
    with unchanged(server):
        msg = error(put_profile(api, user.id, admin.token,
                                {"lead": "00000000-0000-4000-8000-000000000000"}), 400)
    assert "lead" in msg


def test_unknown_user_is_404(server, api, admin):
    with unchanged(server):
        error(put_profile(api, "00000000-0000-4000-8000-000000000001", admin.token,
                          {"location": "x"}), 404)
        error(put_profile(api, "nobody-here", admin.token, {"location": "x"}), 404)


# ------------------------------------------------------------------ permissions

ADMIN_ONLY = [
    {"email": "new-address@example.org"},
    {"title": "Chief"},
    {"department": "Sales"},
    {"lead": None},                     # set below to a real lead first
    {"isVisitor": True},
    {"disable": True},
]


@BOTH
@pytest.mark.parametrize("i", range(len(ADMIN_ONLY)),
                         ids=[next(iter(b)) for b in ADMIN_ONLY])
def test_member_may_not_change_admin_only_fields(server, api, admin, bob, user, as_form, i):
    if "lead" in ADMIN_ONLY[i]:
        success(put_profile(api, user.id, admin.token, {"lead": bob.id}))
    with unchanged(server):
        msg = error(put_profile(api, user.id, user.token, dict(ADMIN_ONLY[i], location="L"),
                                as_form), 403)
    assert next(iter(ADMIN_ONLY[i])) in msg


def test_member_may_send_admin_only_fields_unchanged(api, user):
    # ONLYOFFICE's profile editor sends the whole profile back
    p = get(api, user)
    body = {"email": p["email"].upper(), "title": p["title"], "department": p["department"],
            "lead": p["lead"], "isVisitor": p["isVisitor"], "disable": False,
            "firstname": "Changed"}
    assert success(put_profile(api, user.id, user.token, body))["firstName"] == "Changed"


def test_admin_changes_admin_only_fields(api, admin, bob, user):
    body = {"email": "moved@example.org", "title": "Chief", "department": "Sales",
            "lead": bob.id.upper(), "isVisitor": True}
    got = success(put_profile(api, user.id, admin.token, body))
    assert (got["email"], got["title"], got["department"], got["lead"], got["isVisitor"]) == (
        "moved@example.org", "Chief", "Sales", bob.id, True)
    got = success(put_profile(api, user.id, admin.token, {"lead": None, "isVisitor": "false"}))
    assert got["lead"] is None and got["isVisitor"] is False


def test_email_taken_is_409(server, api, admin, alice, user):
    with unchanged(server):
        error(put_profile(api, user.id, admin.token, {"email": alice.email.upper()}), 409)


def test_member_may_not_change_another(server, api, user, other):
    with unchanged(server):
        error(put_profile(api, other.id, user.token, {"location": "x"}), 403)


def test_admin_changes_a_member(api, admin, user):
    assert success(put_profile(api, user.id, admin.token, {"location": "By admin"}))[
        "location"] == "By admin"


def test_only_the_owner_changes_the_owners_profile(server, api, admin, owner):
    with unchanged(server):
        error(put_profile(api, owner.id, admin.token, {"location": "x"}), 403)
        error(api.contacts("PUT", owner.id, [{"type": "icq", "value": "1"}], admin.token), 403)
        error(api.contacts("POST", owner.id, [], admin.token), 403)
        error(api.contacts("DELETE", owner.id, [{"type": "mail"}], admin.token), 403)
    got = success(put_profile(api, owner.id, owner.token, {"location": "Owner's"}))
    assert got["location"] == "Owner's"
    # the fixture owner is shared with other tests
    assert success(put_profile(api, owner.id, owner.token, {"location": None}))[
        "location"] is None


def test_owner_changes_an_admin(api, owner, make_user):
    adm = make_user("adm", flags=["--admin"])
    assert success(put_profile(api, adm.id, owner.token, {"title": "T"}))["title"] == "T"


def test_owner_cannot_disable_self(server, api, owner):
    with unchanged(server):
        error(put_profile(api, owner.id, owner.token, {"disable": True}), 403)


def test_disable_and_enable(server, api, admin, user):
    got = success(put_profile(api, user.id, admin.token, {"disable": True}))
    assert got["status"] == 2 and DATE_RE.match(got["terminated"])
    unauthorized(api.profile("@self", user.token))
    got = success(put_profile(api, user.id, admin.token, {"disable": "false"}))
    assert got["status"] == 1 and got["terminated"] is None
    success(api.profile("@self", user.token))


# ------------------------------------------------------------------ ETag and If-Match

def test_etag_changes_and_if_match(server, api, user):
    r = api.profile(user.id, user.token)
    tag = strong_etag(r)
    r2 = put_profile(api, user.id, user.token, {"location": "1"}, headers={"If-Match": tag})
    success(r2)
    assert strong_etag(r2) != tag
    assert strong_etag(api.profile(user.id, user.token)) == strong_etag(r2)
    with unchanged(server):
        error(put_profile(api, user.id, user.token, {"location": "2"},
                          headers={"If-Match": tag}), 412)


# ------------------------------------------------------------------ Community Server's editor

def test_community_server_style_form_put(api, make_user):
    """The whole profile as Community Server's profile editor sends it: jQuery's form
    encoding, lower-case names, comment for notes, worksfrom, department as group ids,
    isVisitor, and the contacts list."""
    alice = make_user("cs", title="Engineer", department="R&D", groups=["Staff"])
    staff = success(api.profile(alice.id, alice.token))["groups"]
    body = jquery({
        "isVisitor": False, "firstname": "Alicia", "lastname": "Liddell",
        "comment": "Down the rabbit hole", "department": [g["id"] for g in staff],
        "title": "Engineer", "location": "Oxford", "sex": "female",
        "birthday": "1852-05-04T00:00:00.000Z", "worksfrom": "2020-01-15T00:00:00.000Z",
        "contacts": [{"Type": "mail", "Value": "alice@wonderland.example"},
                     {"Type": "phone", "Value": "+44 1865 000000"},
                     {"Type": "skype", "Value": "alice.l"}],
        "files": "/skins/default/images/default_user_photo_size_82-82.png",
    })
    r = api("PUT", f"/{alice.id}.json", token=alice.token, data=form(*body), ctype=FORM,
            headers={"X-Requested-With": "XMLHttpRequest"})
    got = success(r)
    assert (got["firstName"], got["notes"], got["location"], got["sex"]) == (
        "Alicia", "Down the rabbit hole", "Oxford", "female")
    assert got["birthday"] == "1852-05-04T00:00:00.0000000Z"
    assert got["workFrom"] == "2020-01-15T00:00:00.0000000Z"
    assert got["department"] == "R&D" and got["groups"] == staff
    assert pairs(got) == [("mail", "alice@wonderland.example"), ("phone", "+44 1865 000000"),
                          ("skype", "alice.l")]


def test_docspace_style_json_put(api, user):
    """DocSpace's client and its generated SDK: JSON with the update DTO's names (userId,
    firstname, worksfrom, comment, department as a list), contacts included."""
    body = {"userId": user.id, "isVisitor": False, "firstname": "Dora", "lastname": "Space",
            "comment": "from DocSpace", "department": [], "title": None, "location": "Nice",
            "sex": "female", "birthday": "1991-07-08T00:00:00.0000000+02:00",
            "worksfrom": "2024-01-02T00:00:00", "disable": False,
            "contacts": [{"type": "telegram", "value": "@dora"}]}
    got = success(api("PUT", f"/{user.id}", token=user.token, json=body))
    assert (got["firstName"], got["lastName"], got["notes"], got["location"]) == (
        "Dora", "Space", "from DocSpace", "Nice")
    assert got["birthday"] == "1991-07-08T00:00:00.0000000Z"
    assert got["workFrom"] == "2024-01-02T00:00:00.0000000Z"
    assert pairs(got) == [("telegram", "@dora")]


def test_docspace_sdk_set_member_contacts_gets_200(api, user):
    # the SDK's set_member_contacts maps only 200 to a profile
    r = api("POST", f"/{user.id}/contacts", token=user.token,
            json={"contacts": [{"type": "mail", "value": "sdk@example.org"}]})
    assert r.status_code == 200
    assert pairs(success(r)) == [("mail", "sdk@example.org")]


def test_directory_finds_the_new_name(api, admin, user):
    name = "Quixote" + user.id[:6]
    success(put_profile(api, user.id, user.token, {"firstName": name, "location": "La Mancha"}))
    r = api("GET", f"/search?query={name}", token=admin.token)
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["response"]] == [user.id]
