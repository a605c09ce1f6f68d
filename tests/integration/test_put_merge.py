"""Sections 5 and 6: PUT merges the body's contacts into the stored ones."""

import pytest

from harness import LOC_SMALL, SMALL_MAX_CONTACTS, DEFAULT_MAX_CONTACTS
from checks import contacts_body, error, pairs, success, unchanged

# the seed page's example, byte for byte as its curl line sends it
SEED_BODY = b'''{
"contacts": [
{
"value": {
"Type": "GTalk",
"Value": "my@gmail.com"
}
}
]
}'''


def put(api, user, *items, token=None, loc=""):
    """PUT [(type, value), ...] as the user itself (or with `token`); returns the profile."""
    r = api("PUT", f"/{user.id}/contacts", token=token or user.token,
            json=contacts_body(*items), loc=loc)
    return success(r)


def test_seed_example_as_written(api, user):
    r = api("PUT", f"/%7B{user.id}%7D/contacts", token=user.token, data=SEED_BODY)
    assert pairs(success(r)) == [("gtalk", "my@gmail.com")]


def test_seed_example_is_stored(api, user):
    api("PUT", f"/{user.id}/contacts", token=user.token, data=SEED_BODY)
    assert pairs(success(api.profile(user.id, user.token))) == [("gtalk", "my@gmail.com")]


def test_flat_items(api, user):
    assert pairs(put(api, user, ("mail", "x@example.com"))) == [("mail", "x@example.com")]


def test_keys_match_case_insensitively(api, user):
    body = {"Contacts": [{"Type": "skype", "VALUE": "abc"}, {"TYPE": "icq", "vAlUe": "42"}]}
    r = api.contacts("PUT", user.id, body, user.token)
    assert pairs(success(r)) == [("skype", "abc"), ("icq", "42")]


def test_nested_value_object_with_lowercase_keys(api, user):
    body = {"contacts": [{"value": {"type": "twitter", "value": "@me"}}]}
    assert pairs(success(api.contacts("PUT", user.id, body, user.token))) == [("twitter", "@me")]


def test_single_object_instead_of_array(api, user):
    body = {"contacts": {"type": "phone", "value": "123"}}
    assert pairs(success(api.contacts("PUT", user.id, body, user.token))) == [("phone", "123")]


def test_single_seed_style_object_instead_of_array(api, user):
    body = {"contacts": {"value": {"Type": "Skype", "Value": "me.skype"}}}
    assert pairs(success(api.contacts("PUT", user.id, body, user.token))) == [("skype", "me.skype")]


def test_other_fields_are_ignored(api, user):
    body = {"firstName": "Mallory", "contacts": [{"type": "mail", "value": "a@b.c", "id": 7}],
            "isAdmin": True}
    p = success(api.contacts("PUT", user.id, body, user.token))
    assert pairs(p) == [("mail", "a@b.c")]
    assert (p["firstName"], p["isAdmin"]) == (user.first, False)


def test_empty_list_changes_nothing(api, user):
    put(api, user, ("mail", "a@b.c"))
    assert pairs(put(api, user)) == [("mail", "a@b.c")]


def test_known_types_are_stored_lowercase(api, user):
    got = put(api, user, ("GTalk", "g"), ("SKYPE", "s"), ("ExtMobPhone", "1"), ("Mail", "m@x.y"),
              ("LiveJournal", "lj"))
    assert pairs(got) == [("gtalk", "g"), ("skype", "s"), ("extmobphone", "1"), ("mail", "m@x.y"),
                          ("livejournal", "lj")]


def test_every_known_type_is_accepted(api, user):
    known = ["mail", "phone", "mobphone", "skype", "extskype", "gmail", "gtalk", "gbuzz",
             "facebook", "twitter", "telegram", "jabber", "msn", "icq", "aim", "yahoo", "myspace",
             "livejournal", "blogger", "extmail", "extphone", "extmobphone"]
    got = put(api, user, *[(t.upper(), f"v-{t}") for t in known])
    assert pairs(got) == [(t, f"v-{t}") for t in known]


def test_new_type_with_several_entries_is_appended_as_a_group(api, user):
    # types are appended in the order they first appear, each with all its entries
    got = put(api, user, ("phone", "1"), ("skype", "s"), ("phone", "2"), ("mail", "a@b.c"))
    assert pairs(got) == [("phone", "1"), ("phone", "2"), ("skype", "s"), ("mail", "a@b.c")]


def test_replacement_keeps_the_place_of_the_first_entry(api, user):
    # POST stores the list exactly as given, entries of one type apart
    r = api.contacts("POST", user.id,
                     contacts_body(("mail", "a@b.c"), ("phone", "1"), ("skype", "s"), ("phone", "2")),
                     user.token)
    assert pairs(success(r, 200)) == [("mail", "a@b.c"), ("phone", "1"), ("skype", "s"), ("phone", "2")]
    got = put(api, user, ("phone", "9"))
    assert pairs(got) == [("mail", "a@b.c"), ("phone", "9"), ("skype", "s")]


def test_replacement_by_several_values_keeps_their_order(api, user):
    put(api, user, ("mail", "a@b.c"), ("phone", "1"), ("skype", "s"))
    got = put(api, user, ("phone", "8"), ("phone", "7"))
    assert pairs(got) == [("mail", "a@b.c"), ("phone", "8"), ("phone", "7"), ("skype", "s")]


def test_new_types_are_appended_in_body_order(api, user):
    put(api, user, ("mail", "a@b.c"))
    got = put(api, user, ("twitter", "t"), ("facebook", "f"), ("icq", "1"))
    assert pairs(got) == [("mail", "a@b.c"), ("twitter", "t"), ("facebook", "f"), ("icq", "1")]


def test_replaced_and_new_types_in_one_body(api, user):
    put(api, user, ("mail", "a@b.c"), ("phone", "1"))
    got = put(api, user, ("skype", "s"), ("mail", "new@b.c"))
    assert pairs(got) == [("mail", "new@b.c"), ("phone", "1"), ("skype", "s")]


def test_types_not_named_are_untouched(api, user):
    put(api, user, ("mail", "a@b.c"), ("phone", "1"), ("phone", "2"), ("skype", "s"))
    got = put(api, user, ("skype", "t"))
    assert pairs(got) == [("mail", "a@b.c"), ("phone", "1"), ("phone", "2"), ("skype", "t")]


def test_type_names_compare_case_insensitively(api, user):
    put(api, user, ("mail", "a@b.c"), ("phone", "1"))
    got = put(api, user, ("PHONE", "2"))
    assert pairs(got) == [("mail", "a@b.c"), ("phone", "2")]


def test_several_values_of_one_type(api, user):
    got = put(api, user, ("phone", "1"), ("phone", "2"), ("phone", "3"))
    assert pairs(got) == [("phone", "1"), ("phone", "2"), ("phone", "3")]


def test_empty_value_removes_the_type(api, user):
    put(api, user, ("mail", "a@b.c"), ("phone", "1"), ("phone", "2"), ("skype", "s"))
    assert pairs(put(api, user, ("phone", ""))) == [("mail", "a@b.c"), ("skype", "s")]


def test_null_value_removes_the_type(api, user):
    put(api, user, ("mail", "a@b.c"), ("phone", "1"))
    assert pairs(put(api, user, ("phone", None))) == [("mail", "a@b.c")]


def test_empty_value_of_a_type_not_stored_adds_nothing(api, user):
    put(api, user, ("mail", "a@b.c"))
    assert pairs(put(api, user, ("skype", ""))) == [("mail", "a@b.c")]


def test_empty_values_beside_real_ones_are_left_out(api, user):
    put(api, user, ("mail", "a@b.c"), ("phone", "1"))
    got = put(api, user, ("phone", ""), ("phone", "5"))
    assert pairs(got) == [("mail", "a@b.c"), ("phone", "5")]


def test_identical_pairs_are_kept_once(api, user):
    got = put(api, user, ("phone", "1"), ("phone", "1"), ("Phone", "1"), ("phone", "2"))
    assert pairs(got) == [("phone", "1"), ("phone", "2")]


def test_values_compare_exactly(api, user):
    got = put(api, user, ("mail", "A@b.c"), ("mail", "a@b.c"))
    assert pairs(got) == [("mail", "A@b.c"), ("mail", "a@b.c")]


def test_unknown_type_keeps_its_first_spelling(api, user):
    assert pairs(put(api, user, ("MyType", "v1"))) == [("MyType", "v1")]
    assert pairs(put(api, user, ("mytype", "v2"))) == [("MyType", "v2")]
    assert pairs(put(api, user, ("MYTYPE", "v3"), ("mytype", "v4"))) == \
        [("MyType", "v3"), ("MyType", "v4")]


def test_unknown_type_spelled_two_ways_in_one_body(api, user):
    got = put(api, user, ("Fax_Line", "1"), ("FAX_LINE", "2"))
    assert pairs(got) == [("Fax_Line", "1"), ("Fax_Line", "2")]


def test_unknown_type_removed_then_rewritten_takes_the_new_spelling(api, user):
    put(api, user, ("MyType", "v1"))
    put(api, user, ("mytype", ""))
    assert pairs(put(api, user, ("MYTYPE", "v2"))) == [("MYTYPE", "v2")]


def test_type_of_64_characters_and_every_allowed_character(api, user):
    long_type = ("Ab9_.-" * 11)[:64]
    assert pairs(put(api, user, (long_type, "x"))) == [(long_type, "x")]


def test_value_of_1024_bytes(api, user):
    value = "é" * 512                          # 1024 bytes of UTF-8
    assert pairs(put(api, user, ("notes_x", value))) == [("notes_x", value)]


def test_utf8_and_json_escapes_round_trip(api, user):
    values = ["Zoë 日本 😀", 'quote " backslash \\ slash /', "tab\u00a0nbsp", "</script>"]
    got = put(api, user, *[("mail", v) for v in values])
    assert pairs(got) == [("mail", v) for v in values]


def test_answer_equals_a_following_get(api, user):
    answer = put(api, user, ("mail", "a@b.c"), ("skype", "s"))
    assert success(api.profile(user.id, user.token)) == answer


def test_contacts_route_accepts_json_suffix(api, user):
    r = api("PUT", f"/{user.id}/contacts.json", token=user.token,
            json=contacts_body(("mail", "a@b.c")))
    assert pairs(success(r)) == [("mail", "a@b.c")]


@pytest.mark.parametrize("who", ["@self", "{name}", "{NAME}", "{ID}", "%7B{id}%7D"])
def test_user_forms_on_the_contacts_route(api, user, who):
    who = who.format(name=user.name, NAME=user.name.upper(), id=user.id, ID=user.id.upper())
    r = api("PUT", f"/{who}/contacts", token=user.token, json=contacts_body(("icq", "1")))
    p = success(r)
    assert p["id"] == user.id and pairs(p) == [("icq", "1")]


def test_answer_is_the_full_profile(api, user):
    p = put(api, user, ("mail", "a@b.c"))
    assert (p["id"], p["userName"], p["email"]) == (user.id, user.name, user.email)


def test_limit_reached_exactly_is_accepted(api, user):
    items = [(f"type{i}", "v") for i in range(SMALL_MAX_CONTACTS)]
    assert len(pairs(put(api, user, *items, loc=LOC_SMALL))) == SMALL_MAX_CONTACTS


def test_body_over_the_contact_limit_is_400(server, api, user):
    items = [(f"type{i}", "v") for i in range(SMALL_MAX_CONTACTS + 1)]
    with unchanged(server):
        error(api.contacts("PUT", user.id, contacts_body(*items), user.token, loc=LOC_SMALL), 400)


def test_write_that_would_exceed_the_limit_is_400(server, api, user):
    put(api, user, *[(f"type{i}", "v") for i in range(SMALL_MAX_CONTACTS)], loc=LOC_SMALL)
    with unchanged(server):
        r = api.contacts("PUT", user.id, contacts_body(("mail", "one@too.many")), user.token,
                         loc=LOC_SMALL)
        error(r, 400)
    # replacing within the limit still works
    got = put(api, user, ("type0", "w"), loc=LOC_SMALL)
    assert len(got["contacts"]) == SMALL_MAX_CONTACTS and got["contacts"][0]["value"] == "w"


def test_limit_counts_after_merging(api, user):
    put(api, user, *[(f"type{i}", "v") for i in range(SMALL_MAX_CONTACTS)], loc=LOC_SMALL)
    # removes one type, adds another: still 20
    got = put(api, user, ("type3", ""), ("fresh", "x"), loc=LOC_SMALL)
    assert len(got["contacts"]) == SMALL_MAX_CONTACTS
    assert ("fresh", "x") in pairs(got) and "type3" not in [t for t, _ in pairs(got)]


def test_default_limit_is_100(server, api, user):
    items = [(f"t{i}", "v") for i in range(DEFAULT_MAX_CONTACTS)]
    assert len(pairs(put(api, user, *items))) == DEFAULT_MAX_CONTACTS
    with unchanged(server):
        error(api.contacts("PUT", user.id, contacts_body(("one", "more")), user.token), 400)
