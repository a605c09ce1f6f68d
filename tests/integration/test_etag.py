"""Section 6: strong ETags, If-None-Match (304) and If-Match (412)."""

import pytest

from checks import contacts_body, error, pairs, strong_etag, success, unchanged


def etag_of(api, user):
    r = api.profile(user.id, user.token)
    success(r)
    return strong_etag(r)


def test_get_has_a_strong_etag(api, alice):
    strong_etag(api.profile("@self", alice.token))


def test_etag_is_stable_without_writes(api, alice):
    assert etag_of(api, alice) == etag_of(api, alice)


@pytest.mark.parametrize("method,status", [("PUT", 200), ("POST", 200), ("DELETE", 200)])
def test_write_answers_carry_the_new_etag(api, user, method, status):
    api.contacts("PUT", user.id, contacts_body(("mail", "a@b.c"), ("icq", "1")), user.token)
    before = etag_of(api, user)
    r = api.contacts(method, user.id, contacts_body(("icq", "")), user.token)
    success(r, status)
    after = strong_etag(r)
    assert after != before
    assert etag_of(api, user) == after


def test_etag_changes_with_each_write(api, user):
    seen = [etag_of(api, user)]
    for i in range(4):
        r = api.contacts("PUT", user.id, contacts_body(("phone", str(i))), user.token)
        success(r)
        seen.append(strong_etag(r))
    assert len(set(seen)) == len(seen), seen


def test_if_none_match_current_is_304(api, user):
    etag = etag_of(api, user)
    r = api("GET", f"/{user.id}", token=user.token, headers={"If-None-Match": etag})
    assert r.status_code == 304, r.text
    assert r.content == b""
    assert r.headers.get("ETag") == etag


def test_if_none_match_stale_is_200(api, user):
    etag = etag_of(api, user)
    api.contacts("PUT", user.id, contacts_body(("icq", "1")), user.token)
    r = api("GET", f"/{user.id}", token=user.token, headers={"If-None-Match": etag})
    assert pairs(success(r)) == [("icq", "1")]


def test_if_none_match_in_a_list(api, user):
    etag = etag_of(api, user)
    r = api("GET", f"/{user.id}", token=user.token,
            headers={"If-None-Match": f'"nope", {etag}'})
    assert r.status_code == 304


def test_if_match_stale_is_412_and_changes_nothing(server, api, user):
    api.contacts("PUT", user.id, contacts_body(("mail", "a@b.c")), user.token)
    stale = etag_of(api, user)
    api.contacts("PUT", user.id, contacts_body(("icq", "1")), user.token)
    for method in ("PUT", "POST", "DELETE"):
        with unchanged(server):
            r = api.contacts(method, user.id, contacts_body(("mail", "")), user.token,
                             headers={"If-Match": stale})
            error(r, 412)
    assert pairs(success(api.profile(user.id, user.token))) == [("mail", "a@b.c"), ("icq", "1")]


def test_if_match_made_up_is_412(server, api, user):
    with unchanged(server):
        r = api.contacts("PUT", user.id, contacts_body(("icq", "1")), user.token,
                         headers={"If-Match": '"not-an-etag"'})
        error(r, 412)


def test_if_match_current_is_accepted(api, user):
    etag = etag_of(api, user)
    r = api.contacts("PUT", user.id, contacts_body(("icq", "1")), user.token,
                     headers={"If-Match": etag})
    assert pairs(success(r)) == [("icq", "1")]


def test_if_match_star_is_accepted(api, user):
    r = api.contacts("PUT", user.id, contacts_body(("icq", "1")), user.token,
                     headers={"If-Match": "*"})
    assert pairs(success(r)) == [("icq", "1")]


def test_if_match_weak_form_of_current_is_412(server, api, user):
    # If-Match uses the strong comparison: W/"x" never matches
    etag = etag_of(api, user)
    with unchanged(server):
        r = api.contacts("PUT", user.id, contacts_body(("icq", "1")), user.token,
                         headers={"If-Match": "W/" + etag})
        error(r, 412)
