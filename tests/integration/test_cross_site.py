"""Section 5, cross-site requests: a write authenticated by the asc_auth_key cookie (which a
browser sends on its own, from any site's page) must come from the API's own origin or a
PeopleCORSOrigin one; otherwise 403 before anything is read or written. A token in the
Authorization header, which a browser never adds by itself, is not affected."""

import time
import uuid

import pytest

from harness import CORS_ORIGIN, LOC_CORS, LOC_SMALL, SMALL_MAX_BODY
from checks import error, pairs, success, unchanged
from forms import FORM, form

EVIL = "https://evil.example.test"
ITEM = [{"type": "icq", "value": "cross"}]
FORM_ITEM = form(("contacts[0][type]", "icq"), ("contacts[0][value]", "cross"))


def own(server):
    return server.url.rstrip("/")          # http://127.0.0.1:PORT


def write(api, who, headers, scheme="cookie", method="PUT", as_form=False, loc="",
          path=None):
    path = path or f"/{who.id}/contacts"
    if as_form:
        return api(method, path, token=who.token, scheme=scheme, data=FORM_ITEM, ctype=FORM,
                   headers=headers, loc=loc)
    return api(method, path, token=who.token, scheme=scheme, json={"contacts": ITEM},
               headers=headers, loc=loc)


BOTH = pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])
METHODS = pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])


@BOTH
@METHODS
def test_cookie_write_from_a_foreign_origin_is_403(server, api, user, method, as_form):
    with unchanged(server):
        error(write(api, user, {"Origin": EVIL}, method=method, as_form=as_form), 403)


@BOTH
@METHODS
def test_cookie_write_with_a_foreign_referer_is_403(server, api, user, method, as_form):
    with unchanged(server):
        error(write(api, user, {"Referer": EVIL + "/attack.html?x=1"}, method=method,
                    as_form=as_form), 403)


@BOTH
def test_cookie_write_from_the_own_origin_is_served(server, api, user, as_form):
    r = write(api, user, {"Origin": own(server)}, as_form=as_form)
    assert pairs(success(r)) == [("icq", "cross")]


def test_cookie_write_with_an_own_referer_is_served(server, api, user):
    success(write(api, user, {"Referer": own(server) + "/Products/People/Profile.aspx"}))


def test_cookie_write_without_origin_or_referer_is_served(api, user):
    # nothing says where it came from (a script, an old browser): no cross-site evidence
    success(write(api, user, {}))


def test_origin_wins_over_referer(server, api, user):
    success(write(api, user, {"Origin": own(server), "Referer": EVIL + "/"}))
    with unchanged(server):
        error(write(api, user, {"Origin": EVIL, "Referer": own(server) + "/"}), 403)


@pytest.mark.parametrize("origin", ["null", "http://127.0.0.2", "https://{host}",
                                    "http://{host}0", "http://{host}.evil.example",
                                    "not an origin", ""])
def test_other_and_odd_origins_are_403(server, api, user, origin):
    host = own(server).split("://", 1)[1]
    with unchanged(server):
        error(write(api, user, {"Origin": origin.format(host=host)}), 403)


def test_same_origin_compares_case_insensitively(server, api, user):
    success(write(api, user, {"Origin": own(server).upper().replace("HTTP://", "http://")}))


@pytest.mark.parametrize("scheme", ["plain", "bearer"])
@BOTH
def test_token_in_authorization_is_not_affected(api, user, scheme, as_form):
    success(write(api, user, {"Origin": EVIL, "Referer": EVIL + "/"}, scheme=scheme,
                  as_form=as_form))


def test_reads_are_not_affected(api, user):
    success(api("GET", f"/{user.id}", token=user.token, scheme="cookie",
                headers={"Origin": EVIL}))


def test_refused_before_the_body_is_read(server, api, user):
    # a body that would be 400 or 413 is never looked at
    with unchanged(server):
        error(api("PUT", f"/{user.id}/contacts", token=user.token, scheme="cookie",
                  data=b"{not json", headers={"Origin": EVIL}), 403)
        error(api("PUT", f"/{user.id}/contacts", token=user.token, scheme="cookie",
                  data=b"x" * (SMALL_MAX_BODY + 10), headers={"Origin": EVIL},
                  loc=LOC_SMALL), 403)


@BOTH
def test_every_write_route_is_guarded(server, api, admin, user, as_form):
    carol = server.new_user("victim")
    routes = [
        ("PUT", f"/{user.id}", {"location": "x"}),
        ("POST", "", {"firstName": "E", "lastName": "Vil", "email": "e@evil.example.test"}),
        ("PUT", "/status/2", {"userIds": [carol.id]}),
        ("DELETE", f"/{carol.id}", None),
    ]
    for method, path, body in routes:
        kw = {}
        if body is not None and as_form:
            from forms import jquery
            kw = {"data": form(*jquery(body)), "ctype": FORM}
        elif body is not None:
            kw = {"json": body}
        with unchanged(server):
            error(api(method, path, token=admin.token, scheme="cookie",
                      headers={"Origin": EVIL}, **kw), 403)


def test_cors_origin_is_allowed_with_the_cookie(server, api, user):
    r = write(api, user, {"Origin": CORS_ORIGIN}, loc=LOC_CORS)
    success(r)
    assert r.headers.get("Access-Control-Allow-Origin") == CORS_ORIGIN
    success(write(api, user, {"Referer": CORS_ORIGIN + "/people"}, loc=LOC_CORS))


def test_cors_origin_elsewhere_is_not(server, api, user):
    # the main location names no CORS origin
    with unchanged(server):
        error(write(api, user, {"Origin": CORS_ORIGIN}), 403)
    with unchanged(server):
        error(write(api, user, {"Origin": EVIL}, loc=LOC_CORS), 403)


def test_cors_origin_on_another_port_or_scheme_is_foreign(server, api, user):
    with unchanged(server):
        error(write(api, user, {"Origin": CORS_ORIGIN + ":8443"}, loc=LOC_CORS), 403)
        error(write(api, user, {"Origin": CORS_ORIGIN.replace("https", "http")},
                    loc=LOC_CORS), 403)


def test_refusal_is_logged_without_the_token(server, api, user):
    agent = "people-it-" + uuid.uuid4().hex
    error(write(api, user, {"Origin": EVIL, "User-Agent": agent}), 403)
    deadline = time.time() + 3
    while time.time() < deadline and "PEOPLE40" not in server.errlog.text():
        time.sleep(0.05)
    text = server.errlog.text()
    assert "PEOPLE40" in text and "evil.example.test" in text
    assert user.token not in text
