"""PeopleCORSOrigin: pages from the listed origins may call the API from a browser."""

from harness import CORS_ORIGIN, LOC_CORS
from checks import error, success, unauthorized


def test_preflight_is_answered_without_a_token(api):
    r = api("OPTIONS", "/@self/contacts", loc=LOC_CORS,
            headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "PUT",
                     "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    assert "PUT" in r.headers["Access-Control-Allow-Methods"]
    allowed = r.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed and "if-match" in allowed
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in r.headers["Vary"]


def test_answers_carry_the_origin_and_expose_the_etag(api, alice):
    r = api("GET", "/@self", token=alice.token, loc=LOC_CORS, headers={"Origin": CORS_ORIGIN})
    success(r)
    assert r.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    # errors too, so that the page can read why
    r = api("GET", "/@self", loc=LOC_CORS, headers={"Origin": CORS_ORIGIN})
    unauthorized(r)
    assert r.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    r = api("GET", "/nobody-by-this-name", token=alice.token, loc=LOC_CORS,
            headers={"Origin": CORS_ORIGIN})
    error(r, 404)
    assert r.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN


def test_second_listed_origin_with_port(api, alice):
    origin = "http://intranet.example.test:8080"
    r = api("GET", "/@self", token=alice.token, loc=LOC_CORS, headers={"Origin": origin})
    assert r.headers["Access-Control-Allow-Origin"] == origin


def test_other_origins_get_no_cors_headers(api, alice):
    for origin in ("https://evil.example.test", CORS_ORIGIN + ".evil.test", "null"):
        r = api("GET", "/@self", token=alice.token, loc=LOC_CORS, headers={"Origin": origin})
        success(r)
        assert "Access-Control-Allow-Origin" not in r.headers, origin
        r = api("OPTIONS", "/@self", loc=LOC_CORS,
                headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert "Access-Control-Allow-Methods" not in r.headers, origin


def test_locations_without_the_directive_send_no_cors_headers(api, alice):
    r = api("GET", "/@self", token=alice.token, headers={"Origin": CORS_ORIGIN})
    success(r)
    assert not any(h.lower().startswith("access-control-") for h in r.headers)
