"""The module declines what is not under a PeopleAPI location; graceful restart keeps serving."""

import harness
from checks import success


def test_static_file_is_served(server):
    r = server.request("GET", server.url + "/index.html")
    assert r.status_code == 200
    assert r.text == harness.STATIC_BODY
    assert r.headers["Content-Type"].startswith("text/html")


def test_static_file_ignores_authorization(server):
    r = server.request("GET", server.url + "/index.html",
                       headers={"Authorization": "Bearer garbage", "Cookie": "asc_auth_key=zz"})
    assert r.status_code == 200
    assert r.text == harness.STATIC_BODY


def test_static_missing_file_is_apaches_404(server):
    r = server.request("GET", server.url + "/no-such-file.html")
    assert r.status_code == 404
    assert "json" not in r.headers.get("Content-Type", "")


def test_path_next_to_the_api_is_not_the_api(server):
    r = server.request("GET", server.url + "/api/2.0/other")
    assert r.status_code == 404
    assert r.headers.get("WWW-Authenticate") is None


def test_graceful_restart_keeps_serving_the_api(server, api, alice):
    server.graceful()
    assert success(api.profile("@self", alice.token))["id"] == alice.id
    r = server.request("GET", server.url + "/index.html")
    assert r.status_code == 200
