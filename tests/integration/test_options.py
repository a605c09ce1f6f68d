"""Section 3: OPTIONS on any route answers 204 with Allow, without a token."""

import uuid

import pytest

from checks import allow_set


@pytest.mark.parametrize("path", ["/{id}", "/@self", "/alice", "/{id}.json", "/{id}/contacts",
                                  "/@self/contacts.json", "/no/such/route", f"/{uuid.uuid4()}"])
def test_options_is_204_with_allow_without_token(api, alice, path):
    r = api("OPTIONS", path.format(id=alice.id))
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert allow_set(r), r.headers


def test_options_on_profile_allows_reading_changing_and_deleting(api, alice):
    allowed = allow_set(api("OPTIONS", f"/{alice.id}"))
    assert {"GET", "HEAD", "PUT", "DELETE"} <= allowed
    assert not allowed & {"POST", "PATCH"}


def test_options_on_contacts_allows_the_writes(api, alice):
    allowed = allow_set(api("OPTIONS", f"/{alice.id}/contacts"))
    assert {"PUT", "POST", "DELETE"} <= allowed
    assert not allowed & {"GET", "PATCH"}


def test_options_with_a_token_is_also_204(api, alice):
    r = api("OPTIONS", "/@self", token=alice.token)
    assert r.status_code == 204
