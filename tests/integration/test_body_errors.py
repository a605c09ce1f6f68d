"""Section 5: bodies that are refused (400, 413, 415) change nothing, for PUT, POST and DELETE."""

import json
import re

import pytest

from harness import DEFAULT_MAX_BODY, LOC_SMALL, SMALL_MAX_BODY
from checks import contacts_body, error, pairs, success, unchanged

METHODS = ["PUT", "POST", "DELETE"]
VICTIM_CONTACTS = [("mail", "victim@example.org"), ("phone", "1"), ("skype", "victim")]

# items placed before the bad one: a request applied in part would show them
GOOD_PREFIX = [{"type": "icq", "value": "partial"}, {"type": "mail", "value": "changed@x.org"},
               {"type": "phone", "value": "2"}]
BAD_INDEX = len(GOOD_PREFIX)


@pytest.fixture(scope="module")
def victim(server):
    """A user with contacts that every test of this file tries (and must fail) to change."""
    u = server.new_user("victim")
    r = server.api.contacts("PUT", u.id, contacts_body(*VICTIM_CONTACTS), u.token)
    assert pairs(success(r)) == VICTIM_CONTACTS
    return u


def send(api, method, victim, data, ctype="application/json", loc=""):
    return api(method, f"/{victim.id}/contacts", token=victim.token, data=data, ctype=ctype,
               loc=loc)


def still_intact(api, victim):
    assert pairs(success(api.profile(victim.id, victim.token))) == VICTIM_CONTACTS


# ------------------------------------------------------------------ malformed documents

BAD_DOCUMENTS = {
    "malformed-json": b'{"contacts": [',
    "trailing-garbage": b'{"contacts": []} x',
    "empty-body": b"",
    "form-encoded-text": b"contacts=mail",
    "top-level-array": b'[{"type": "mail", "value": "a@b.c"}]',
    "top-level-string": b'"contacts"',
    "missing-contacts": b'{"contact": [{"type": "mail", "value": "a@b.c"}]}',
    "contacts-null": b'{"contacts": null}',
    "contacts-string": b'{"contacts": "mail"}',
    "contacts-number": b'{"contacts": 5}',
    "contacts-true": b'{"contacts": true}',
    "invalid-utf8-byte": b'{"contacts": [{"type": "mail", "value": "a\xffb"}]}',
    "overlong-utf8": b'{"contacts": [{"type": "mail", "value": "a\xc0\xafb"}]}',
    "truncated-utf8": b'{"contacts": [{"type": "mail", "value": "a\xc3"}]}',
    "invalid-utf8-in-ignored-key": b'{"contacts": [], "x\xfe": 1}',
    "lone-surrogate-escape": b'{"contacts": [{"type": "mail", "value": "a\\ud800b"}]}',
    "raw-control-char": b'{"contacts": [{"type": "mail", "value": "a\x01b"}]}',
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_malformed_document_is_400(server, api, victim, method, case):
    with unchanged(server):
        error(send(api, method, victim, BAD_DOCUMENTS[case]), 400)
    still_intact(api, victim)


# ------------------------------------------------------------------ bad items

BAD_ITEMS = {
    "item-string": "mail",
    "item-number": 5,
    "item-null": None,
    "item-array": ["mail", "a@b.c"],
    "missing-type": {"value": "a@b.c"},
    "null-type": {"type": None, "value": "a@b.c"},
    "empty-type": {"type": "", "value": "a@b.c"},
    "type-65-chars": {"type": "a" * 65, "value": "x"},
    "type-with-space": {"type": "ma il", "value": "x"},
    "type-with-bang": {"type": "mail!", "value": "x"},
    "type-with-slash": {"type": "a/b", "value": "x"},
    "type-with-colon": {"type": "a:b", "value": "x"},
    "type-non-ascii": {"type": "mäil", "value": "x"},
    "type-number": {"type": 5, "value": "x"},
    "type-object": {"type": {"a": 1}, "value": "x"},
    "value-number": {"type": "mail", "value": 5},
    "value-true": {"type": "mail", "value": True},
    "value-array": {"type": "mail", "value": ["a@b.c"]},
    "value-1025-bytes": {"type": "mail", "value": "a" * 1025},
    "value-1026-bytes-utf8": {"type": "mail", "value": "é" * 513},
    "value-nul": {"type": "mail", "value": "a\u0000b"},
    "value-ctrl-01": {"type": "mail", "value": "a\u0001b"},
    "value-newline": {"type": "mail", "value": "a\nb"},
    "value-carriage-return": {"type": "mail", "value": "a\rb"},
    "value-tab": {"type": "mail", "value": "a\tb"},
    "value-escape": {"type": "mail", "value": "a\u001bb"},
    "value-del": {"type": "mail", "value": "a\u007fb"},
    "nested-missing-type": {"value": {"Value": "a@b.c"}},
    "nested-bad-type": {"value": {"Type": "g talk", "Value": "a@b.c"}},
    "nested-value-number": {"value": {"Type": "gtalk", "Value": 5}},
    "nested-value-too-long": {"value": {"Type": "gtalk", "Value": "x" * 1025}},
}


def bad_item_body(item):
    return json.dumps({"contacts": GOOD_PREFIX + [item]}).encode()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", sorted(BAD_ITEMS))
def test_bad_item_is_400(server, api, victim, method, case):
    with unchanged(server):
        error(send(api, method, victim, bad_item_body(BAD_ITEMS[case])), 400)
    still_intact(api, victim)


@pytest.mark.parametrize("case", sorted(BAD_ITEMS))
def test_bad_item_message_names_its_index(api, victim, case):
    msg = error(send(api, "PUT", victim, bad_item_body(BAD_ITEMS[case])), 400)
    # index 3 counted from 0, or 4 counted from 1
    assert re.search(r"(?<!\d)[%d%d](?!\d)" % (BAD_INDEX, BAD_INDEX + 1), msg), msg


def test_single_bad_object_instead_of_array_is_400(server, api, victim):
    with unchanged(server):
        error(send(api, "PUT", victim, b'{"contacts": {"type": "", "value": "x"}}'), 400)


# ------------------------------------------------------------------ media type (415)

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ctype", ["text/plain", None, "multipart/form-data; boundary=xyz",
                                   "application/javascript", "text/json", "application/jsonx",
                                   "application/x-www-form-urlencodedx"])
def test_wrong_content_type_is_415(server, api, victim, method, ctype):
    body = json.dumps(contacts_body(("mail", "new@x.org"))).encode()
    with unchanged(server):
        error(send(api, method, victim, body, ctype=ctype), 415)
    still_intact(api, victim)


@pytest.mark.parametrize("method", METHODS)
def test_json_text_labelled_as_a_form_is_400(server, api, victim, method):
    # a form is accepted (section 5), but JSON text read as one has no contacts[...] key
    body = json.dumps(contacts_body(("mail", "new@x.org"))).encode()
    with unchanged(server):
        error(send(api, method, victim, body, ctype="application/x-www-form-urlencoded"), 400)
    still_intact(api, victim)


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8",
                                   "application/json;charset=UTF-8", "Application/JSON"])
def test_json_content_types_are_accepted(api, user, ctype):
    body = json.dumps(contacts_body(("mail", "ok@x.org"))).encode()
    r = api("PUT", f"/{user.id}/contacts", token=user.token, data=body, ctype=ctype)
    assert pairs(success(r)) == [("mail", "ok@x.org")]


# ------------------------------------------------------------------ size (413)

def padded(size):
    """A valid body of exactly `size` bytes: one contact plus an ignored padding field."""
    base = {"contacts": [{"type": "mail", "value": "big@x.org"}], "pad": ""}
    fill = size - len(json.dumps(base).encode())
    assert fill >= 0
    base["pad"] = "p" * fill
    data = json.dumps(base).encode()
    assert len(data) == size
    return data


def chunked(data, size=1000):
    for i in range(0, len(data), size):
        yield data[i:i + size]


@pytest.mark.parametrize("method", METHODS)
def test_body_over_the_limit_by_content_length_is_413(server, api, victim, method):
    with unchanged(server):
        error(send(api, method, victim, padded(SMALL_MAX_BODY + 1), loc=LOC_SMALL), 413)
    still_intact(api, victim)


@pytest.mark.parametrize("method", METHODS)
def test_chunked_body_over_the_limit_is_413(server, api, victim, method):
    with unchanged(server):
        r = send(api, method, victim, chunked(padded(SMALL_MAX_BODY + 1)), loc=LOC_SMALL)
        error(r, 413)
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    still_intact(api, victim)


def test_much_larger_chunked_body_is_413(server, api, victim):
    with unchanged(server):
        error(send(api, "PUT", victim, chunked(padded(10 * SMALL_MAX_BODY), 4000),
                   loc=LOC_SMALL), 413)


def test_body_at_the_limit_is_accepted(api, user):
    r = api("PUT", f"/{user.id}/contacts", token=user.token, data=padded(SMALL_MAX_BODY),
            loc=LOC_SMALL)
    assert pairs(success(r)) == [("mail", "big@x.org")]


def test_chunked_body_at_the_limit_is_accepted(api, user):
    r = api("PUT", f"/{user.id}/contacts", token=user.token,
            data=chunked(padded(SMALL_MAX_BODY)), loc=LOC_SMALL)
    assert pairs(success(r)) == [("mail", "big@x.org")]


def test_default_body_limit_is_65536(server, api, user):
    r = api("PUT", f"/{user.id}/contacts", token=user.token, data=padded(DEFAULT_MAX_BODY))
    assert pairs(success(r)) == [("mail", "big@x.org")]
    with unchanged(server):
        error(api("PUT", f"/{user.id}/contacts", token=user.token,
                  data=padded(DEFAULT_MAX_BODY + 1)), 413)


def test_connection_still_usable_after_413(api, victim):
    error(send(api, "PUT", victim, padded(SMALL_MAX_BODY + 1), loc=LOC_SMALL), 413)
    still_intact(api, victim)
