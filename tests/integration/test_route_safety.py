"""Section 3 and 4 details: `@self` in any letter case is the caller; CORS locations say
`Vary: Origin` on every answer; a terminated user's token is refused with its own message."""

import pytest

from harness import CORS_ORIGIN, LOC_CORS
from checks import error, strong_etag, success, unauthorized


@pytest.mark.parametrize("spelling", ["@self", "@SELF", "@Self", "@sElF"])
def test_self_in_any_case_is_the_caller(api, alice, spelling):
    assert success(api("GET", f"/{spelling}", token=alice.token))["id"] == alice.id
    assert success(api("GET", f"/{spelling}.json", token=alice.token))["id"] == alice.id


def test_self_in_capitals_writes_the_callers_contacts(api, user):
    r = api.contacts("PUT", "@SELF", [{"type": "phone", "value": "42"}], user.token)
    assert success(r)["id"] == user.id
    assert [c["value"] for c in success(api.profile(user.id, user.token))["contacts"]] == ["42"]


def vary_has_origin(r):
    return "origin" in [v.strip().lower() for v in r.headers.get("Vary", "").split(",")]


def test_cors_location_varies_on_origin_without_an_origin_header(api, alice):
    # a shared cache must not hand an answer made for no Origin to a page of another origin
    r = api("GET", "/@self", token=alice.token, loc=LOC_CORS)
    success(r)
    assert vary_has_origin(r), r.headers
    tag = strong_etag(r)
    r = api("GET", "/@self", token=alice.token, loc=LOC_CORS, headers={"If-None-Match": tag})
    assert r.status_code == 304
    assert vary_has_origin(r), r.headers
    r = api("GET", "/@self", loc=LOC_CORS)
    unauthorized(r)
    assert vary_has_origin(r), r.headers
    r = api("GET", "/nobody-of-that-name", token=alice.token, loc=LOC_CORS)
    error(r, 404)
    assert vary_has_origin(r), r.headers
    r = api("OPTIONS", "/@self", loc=LOC_CORS)
    assert r.status_code == 204 and vary_has_origin(r), r.headers
    # and with an origin that is not listed
    r = api("GET", "/@self", token=alice.token, loc=LOC_CORS,
            headers={"Origin": "https://other.example.test"})
    assert vary_has_origin(r) and "Access-Control-Allow-Origin" not in r.headers, r.headers
    r = api("GET", "/@self", token=alice.token, loc=LOC_CORS, headers={"Origin": CORS_ORIGIN})
    assert vary_has_origin(r), r.headers


def test_terminated_users_token_has_its_own_message(api, carol):
    terminated = unauthorized(api("GET", "/@self", token=carol.token))
    unknown = unauthorized(api("GET", "/@self", token="u" * 10 + "nknown-token-value"))
    assert terminated != unknown
    assert "terminated" in terminated, terminated
