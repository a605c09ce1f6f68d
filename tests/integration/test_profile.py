"""Sections 3 and 7: GET/HEAD of a profile, user lookup, envelopes, 404 and 405."""

import json
import uuid

import pytest

from harness import API_BASE
from checks import (allow_set, assert_json_content_type, assert_profile_shape, describe, error,
                    strong_etag, success, unchanged)

BOB_ID = "0f3b2c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b"


def test_get_by_id(api, alice, bob):
    profile = success(api.profile(bob.id, alice.token))
    assert profile["id"] == bob.id
    assert profile["userName"] == "bob"


def test_id_given_to_people_admin_is_kept(api, bob, alice):
    assert bob.id == BOB_ID
    assert success(api.profile(BOB_ID, alice.token))["id"] == BOB_ID


def test_get_by_uppercase_id(api, alice, bob):
    profile = success(api.profile(bob.id.upper(), alice.token))
    assert profile["id"] == bob.id


@pytest.mark.parametrize("form", ["%7B{}%7D", "%7b{}%7d"])
@pytest.mark.parametrize("upper", [False, True])
def test_get_by_id_in_braces(api, alice, bob, form, upper):
    who = bob.id.upper() if upper else bob.id
    profile = success(api.profile(form.format(who), alice.token))
    assert profile["id"] == bob.id


def test_get_by_id_in_raw_braces(server, alice, bob):
    # requests would percent-encode the braces: send them as they are
    status, headers, body = server.raw("GET", f"{API_BASE}/{{{bob.id}}}",
                                       [("Authorization", alice.token)])
    assert status == 200, body
    assert json.loads(body)["response"]["id"] == bob.id


def test_get_by_user_name(api, alice, bob):
    assert success(api.profile("bob", alice.token))["id"] == bob.id


@pytest.mark.parametrize("name", ["BOB", "Bob", "bOb"])
def test_user_name_is_case_insensitive(api, alice, bob, name):
    assert success(api.profile(name, alice.token))["id"] == bob.id


def test_get_self(api, alice):
    profile = success(api.profile("@self", alice.token))
    assert profile["id"] == alice.id
    assert profile["email"] == "alice@example.com"


@pytest.mark.parametrize("path", ["/@SELF", "/@Self.json", "/@sElF/contacts"])
def test_self_in_any_letter_case_is_the_caller(api, alice, bob, path):
    if path.endswith("/contacts"):
        # a write through it reaches the caller's contacts, nobody else's
        me = success(api("PUT", path, token=alice.token,
                         json={"contacts": [{"type": "icq", "value": "self-case"}]}))
        assert me["id"] == alice.id
        assert {"type": "icq", "value": "self-case"} in me["contacts"]
        assert {"type": "icq", "value": "self-case"} not in success(
            api.profile(bob.id, bob.token))["contacts"]
    else:
        assert success(api("GET", path, token=alice.token))["id"] == alice.id


@pytest.mark.parametrize("path", ["/@self.json", "/{id}.json", "/alice.json", "/{ID}.json"])
def test_json_suffix_gives_the_same_answer(api, alice, path):
    plain = api.profile(alice.id, alice.token)
    r = api("GET", path.format(id=alice.id, ID=alice.id.upper()), token=alice.token)
    assert success(r) == success(plain)


def test_envelope_has_count_status_and_status_code(api, alice):
    r = api.profile("@self", alice.token)
    body = r.json()
    assert body["count"] == 1 and body["status"] == 0 and body["statusCode"] == 200
    assert isinstance(body["response"], dict)


def test_content_type_is_json_utf8(api, alice):
    r = api.profile("@self", alice.token)
    assert r.status_code == 200
    assert_json_content_type(r)


@pytest.mark.parametrize("name", ["admin", "owner", "alice", "bob", "zoe"])
def test_profile_has_every_key_with_the_right_type(server, api, admin, name):
    assert_profile_shape(success(api.profile(server.users[name].id, admin.token)))


def test_profile_of_another_user_seen_by_a_plain_user_has_the_right_shape(api, alice, bob):
    profile = success(api.profile(bob.id, alice.token))
    assert_profile_shape(profile)


def test_profile_fields_come_from_people_admin(api, alice):
    p = success(api.profile("@self", alice.token))
    assert (p["userName"], p["firstName"], p["lastName"]) == ("alice", "Alice", "Liddell")
    assert p["displayName"] == "Alice Liddell"
    assert p["title"] == "Engineer"
    assert p["department"] == "R&D"
    assert "Staff" in [g["name"] for g in p["groups"]]
    assert p["status"] == 1


def test_display_name_in_utf8(api, zoe):
    r = api.profile("@self", zoe.token)
    p = success(r)
    assert (p["firstName"], p["lastName"], p["displayName"]) == ("Zoë", "Ångström", "Zoë Ångström")
    # the raw bytes are UTF-8 (escaped \u sequences would also be valid JSON; both are UTF-8)
    assert json.loads(r.content.decode("utf-8"))["response"]["displayName"] == "Zoë Ångström"


def test_role_flags(api, alice, admin, owner):
    a = success(api.profile(admin.id, alice.token))
    o = success(api.profile(owner.id, alice.token))
    me = success(api.profile("@self", alice.token))
    assert (a["isAdmin"], o["isOwner"]) == (True, True)
    assert (me["isAdmin"], me["isOwner"], me["isVisitor"]) == (False, False, False)


def test_visitor_flag(server, api, alice):
    visitor = server.new_user("visitor", flags=["--visitor"])
    assert success(api.profile(visitor.id, alice.token))["isVisitor"] is True


def test_id_is_lowercase_uuid(api, alice):
    p = success(api.profile("ALICE", alice.token))
    assert p["id"] == p["id"].lower() == alice.id


def test_profile_url_is_absolute(api, alice):
    url = success(api.profile("@self", alice.token))["profileUrl"]
    assert url.startswith(("http://", "https://")), url


def test_head_has_the_headers_of_get(api, alice):
    get = api.profile("@self", alice.token)
    head = api("HEAD", "/@self", token=alice.token)
    assert head.status_code == 200, describe(head)
    assert head.headers.get("Content-Type") == get.headers.get("Content-Type")
    assert head.headers.get("ETag") == get.headers.get("ETag")
    strong_etag(head)
    if "Content-Length" in head.headers:
        assert head.headers["Content-Length"] == str(len(get.content))


def test_head_sends_no_body(server, alice):
    status, headers, body = server.raw("HEAD", f"{API_BASE}/@self",
                                       [("Authorization", alice.token)])
    assert status == 200
    assert headers["content-type"].replace(" ", "").lower() == "application/json;charset=utf-8"
    assert body == b""


def test_head_of_unknown_user_is_404_without_body(server, alice):
    status, headers, body = server.raw("HEAD", f"{API_BASE}/{uuid.uuid4()}",
                                       [("Authorization", alice.token)])
    assert status == 404
    assert body == b""


@pytest.mark.parametrize("who", [str(uuid.uuid4()), "nobody", "nobody.json",
                                 "%7B" + str(uuid.uuid4()) + "%7D"])
def test_unknown_user_is_404_json(api, alice, who):
    error(api.profile(who, alice.token), 404)


def test_unknown_user_on_contacts_is_404(server, api, admin):
    with unchanged(server):
        error(api.contacts("PUT", str(uuid.uuid4()), [{"type": "mail", "value": "a@b.c"}],
                           admin.token), 404)


@pytest.mark.parametrize("path", ["/alice/unknown", "/@self/contacts/extra", "/@self/x.json",
                                  "/alice/contacts/mail", "/a/b/c/d"])
def test_unknown_route_is_404_json(api, alice, path):
    error(api("GET", path, token=alice.token), 404)


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_other_method_on_profile_is_405_with_allow(api, alice, method):
    r = api(method, f"/{alice.id}", token=alice.token, json={"contacts": []})
    error(r, 405)
    allowed = allow_set(r)
    assert {"GET", "PUT", "DELETE"} <= allowed
    assert method not in allowed


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_other_method_on_contacts_is_405_with_allow(server, api, alice, method):
    with unchanged(server):
        r = api(method, f"/{alice.id}/contacts", token=alice.token, json={"contacts": []})
        error(r, 405)
    assert {"PUT", "POST", "DELETE"} <= allow_set(r)
    assert method not in allow_set(r)


def test_405_on_self_route(api, alice):
    r = api("PATCH", "/@self.json", token=alice.token, json={"contacts": []})
    error(r, 405)
    assert "GET" in allow_set(r)


def test_people_admin_user_show_matches_get(server, api, admin, alice):
    out = server.people_admin("user", "show", "alice").stdout
    shown = json.loads(out)
    if isinstance(shown, dict) and isinstance(shown.get("response"), dict):
        shown = shown["response"]
    got = success(api.profile(alice.id, admin.token))
    for key in ("id", "userName", "firstName", "lastName", "displayName", "email", "contacts",
                "isAdmin", "isOwner", "status"):
        assert shown[key] == got[key], key
