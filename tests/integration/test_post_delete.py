"""Section 6: POST sets the list, DELETE removes items, PeoplePutMode replace."""

import pytest

from harness import LOC_REPLACE, LOC_SMALL, SMALL_MAX_CONTACTS
from checks import contacts_body, error, pairs, success, unchanged

START = [("mail", "a@b.c"), ("phone", "1"), ("skype", "s"), ("phone", "2")]


@pytest.fixture
def stocked(server):
    """A new user holding START (set by POST, which keeps the body order as is)."""
    u = server.new_user("stocked")
    r = server.api.contacts("POST", u.id, contacts_body(*START), u.token)
    assert pairs(success(r, 200)) == START
    return u


def write(api, method, user, *items, loc="", status=200):
    r = api.contacts(method, user.id, contacts_body(*items), user.token, loc=loc)
    return pairs(success(r, status))


def stored(api, user):
    return pairs(success(api.profile(user.id, user.token)))


# ------------------------------------------------------------------ POST

def test_post_answers_200(api, stocked):
    r = api.contacts("POST", stocked.id, contacts_body(("icq", "1")), stocked.token)
    success(r, 200)


def test_post_sets_exactly_the_body_in_body_order(api, stocked):
    items = [("twitter", "t"), ("mail", "z@y.x"), ("phone", "3"), ("twitter", "u")]
    assert write(api, "POST", stocked, *items, status=200) == items
    assert stored(api, stocked) == items


def test_post_empty_list_clears(api, stocked):
    assert write(api, "POST", stocked, status=200) == []
    assert stored(api, stocked) == []


def test_post_leaves_out_empty_values(api, stocked):
    got = write(api, "POST", stocked, ("mail", ""), ("icq", "7"), ("phone", None), status=200)
    assert got == [("icq", "7")]


def test_post_normalises_known_types_and_keeps_unknown_spelling(api, stocked):
    got = write(api, "POST", stocked, ("GTalk", "g"), ("MyType", "m"), status=200)
    assert got == [("gtalk", "g"), ("MyType", "m")]


def test_post_seed_style_items(api, stocked):
    body = {"contacts": [{"value": {"Type": "GTalk", "Value": "my@gmail.com"}}]}
    r = api.contacts("POST", stocked.id, body, stocked.token)
    assert pairs(success(r, 200)) == [("gtalk", "my@gmail.com")]


def test_post_over_the_limit_is_400(server, api, stocked):
    items = [(f"type{i}", "v") for i in range(SMALL_MAX_CONTACTS + 1)]
    with unchanged(server):
        r = api.contacts("POST", stocked.id, contacts_body(*items), stocked.token, loc=LOC_SMALL)
        error(r, 400)


def test_post_at_the_limit_is_accepted(api, stocked):
    items = [(f"type{i}", "v") for i in range(SMALL_MAX_CONTACTS)]
    assert write(api, "POST", stocked, *items, loc=LOC_SMALL, status=200) == items


def test_post_answer_equals_a_following_get(api, stocked):
    r = api.contacts("POST", stocked.id, contacts_body(("icq", "1")), stocked.token)
    assert success(r, 200) == success(api.profile(stocked.id, stocked.token))


# ------------------------------------------------------------------ DELETE

def test_delete_by_type_removes_every_entry_of_the_type(api, stocked):
    assert write(api, "DELETE", stocked, ("phone", "")) == [("mail", "a@b.c"), ("skype", "s")]
    assert stored(api, stocked) == [("mail", "a@b.c"), ("skype", "s")]


def test_delete_by_type_without_value_key(api, stocked):
    r = api.contacts("DELETE", stocked.id, {"contacts": [{"type": "phone"}]}, stocked.token)
    assert pairs(success(r)) == [("mail", "a@b.c"), ("skype", "s")]


def test_delete_by_type_with_null_value(api, stocked):
    assert write(api, "DELETE", stocked, ("phone", None)) == [("mail", "a@b.c"), ("skype", "s")]


def test_delete_by_type_and_value_removes_only_that_entry(api, stocked):
    assert write(api, "DELETE", stocked, ("phone", "1")) == \
        [("mail", "a@b.c"), ("skype", "s"), ("phone", "2")]


def test_delete_type_compares_case_insensitively(api, stocked):
    assert write(api, "DELETE", stocked, ("PHONE", "2"), ("Skype", "")) == \
        [("mail", "a@b.c"), ("phone", "1")]


def test_delete_value_must_match_exactly(api, stocked):
    assert write(api, "DELETE", stocked, ("mail", "A@B.C"), ("mail", "a@b.")) == START


def test_delete_ignores_items_that_match_nothing(api, stocked):
    assert write(api, "DELETE", stocked, ("twitter", "x"), ("phone", "999"), ("MyType", "")) == START
    assert stored(api, stocked) == START


def test_delete_several_items(api, stocked):
    assert write(api, "DELETE", stocked, ("mail", "a@b.c"), ("phone", "2"), ("nothing", "x")) == \
        [("phone", "1"), ("skype", "s")]


def test_delete_seed_style_item(api, stocked):
    body = {"contacts": [{"value": {"Type": "Skype", "Value": "s"}}]}
    r = api.contacts("DELETE", stocked.id, body, stocked.token)
    assert pairs(success(r)) == [("mail", "a@b.c"), ("phone", "1"), ("phone", "2")]


def test_delete_unknown_type_by_other_spelling(api, user):
    write(api, "PUT", user, ("MyType", "v"), ("icq", "1"))
    assert write(api, "DELETE", user, ("MYTYPE", "v")) == [("icq", "1")]


def test_delete_answer_equals_a_following_get(api, stocked):
    r = api.contacts("DELETE", stocked.id, contacts_body(("phone", "")), stocked.token)
    assert success(r) == success(api.profile(stocked.id, stocked.token))


# ------------------------------------------------------------------ PeoplePutMode replace

def test_replace_mode_put_sets_the_list(api, stocked):
    r = api.contacts("PUT", stocked.id, contacts_body(("icq", "5"), ("mail", "n@x.y")),
                     stocked.token, loc=LOC_REPLACE)
    # PUT in replace mode answers as a set does: 200 (spec section 6)
    assert r.status_code == 200, r.text
    assert pairs(success(r)) == [("icq", "5"), ("mail", "n@x.y")]
    assert stored(api, stocked) == [("icq", "5"), ("mail", "n@x.y")]


def test_replace_mode_put_empty_list_clears(api, stocked):
    r = api.contacts("PUT", stocked.id, contacts_body(), stocked.token, loc=LOC_REPLACE)
    # PUT in replace mode answers as a set does: 200 (spec section 6)
    assert r.status_code == 200, r.text
    assert stored(api, stocked) == []


def test_replace_mode_put_leaves_out_empty_values(api, stocked):
    r = api.contacts("PUT", stocked.id, contacts_body(("phone", ""), ("icq", "1")),
                     stocked.token, loc=LOC_REPLACE)
    # PUT in replace mode answers as a set does: 200 (spec section 6)
    assert r.status_code == 200, r.text
    assert stored(api, stocked) == [("icq", "1")]


def test_replace_mode_keeps_post_and_delete(api, stocked):
    assert write(api, "DELETE", stocked, ("phone", ""), loc=LOC_REPLACE) == \
        [("mail", "a@b.c"), ("skype", "s")]
    assert write(api, "POST", stocked, ("icq", "1"), loc=LOC_REPLACE, status=200) == [("icq", "1")]


def test_replace_mode_serves_get(api, stocked):
    assert success(api.profile(stocked.id, stocked.token, loc=LOC_REPLACE))["id"] == stocked.id


def test_merge_is_the_default_put_mode(api, stocked):
    assert write(api, "PUT", stocked, ("icq", "5")) == START + [("icq", "5")]
