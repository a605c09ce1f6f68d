"""Requests refused before their body is read (401, 404, 405, 415) are answered at once and
the connection is closed, so a client that announces a body and never sends it does not hold
a worker until the server's Timeout. The demo configuration also loads mod_reqtimeout."""

import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from harness import API_BASE

PROMPT_S = 5.0          # the harness's Timeout is 30 s: an answer held for the body misses this


def announce_body(server, method, path, headers=()):
    """Sends a request announcing a 1000-byte body, sends none of it, and returns
    (status, headers text, seconds to the answer, whether the server closed the connection)."""
    lines = [f"{method} {API_BASE}{path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
             "Content-Length: 1000", *headers]
    server.count_request()
    with socket.create_connection(("127.0.0.1", server.port), timeout=PROMPT_S) as s:
        t0 = time.monotonic()
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        closed = False
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    closed = True
                    break
                data += b
        except socket.timeout:
            pass
        elapsed = time.monotonic() - t0
    head = data.partition(b"\r\n\r\n")[0].decode("latin-1")
    m = re.match(r"HTTP/1\.1 (\d{3})", head)
    assert m, f"no answer within {PROMPT_S} s (got {data[:200]!r})"
    return int(m.group(1)), head, elapsed, closed


def check_prompt_close(server, status, method, path, headers=()):
    got, head, elapsed, closed = announce_body(server, method, path, headers)
    assert got == status, head
    assert closed, f"the connection stayed open waiting for the body:\n{head}"
    assert re.search(r"(?im)^Connection: close", head), head
    assert elapsed < PROMPT_S, elapsed


def test_401_without_a_token_does_not_wait_for_the_body(server, user):
    check_prompt_close(server, 401, "PUT", f"/{user.id}/contacts",
                       ["Content-Type: application/json"])


def test_401_with_a_bad_token_does_not_wait_for_the_body(server, user):
    check_prompt_close(server, 401, "POST", f"/{user.id}/contacts",
                       ["Content-Type: application/json", "Authorization: " + "n" * 30])


def test_415_does_not_wait_for_the_body(server, user):
    check_prompt_close(server, 415, "PUT", f"/{user.id}/contacts",
                       ["Content-Type: text/plain", f"Authorization: {user.token}"])


def test_404_does_not_wait_for_the_body(server, user):
    check_prompt_close(server, 404, "PUT", f"/{user.id}/no-such-thing",
                       ["Content-Type: application/json", f"Authorization: {user.token}"])


def test_405_does_not_wait_for_the_body(server, user):
    check_prompt_close(server, 405, "PATCH", f"/{user.id}/contacts",
                       ["Content-Type: application/json", f"Authorization: {user.token}"])


def test_a_request_without_a_body_keeps_its_connection(server, api, user):
    # the close is for refused bodies only: a refused GET keeps the connection alive
    r = api("GET", "/no-such-user-here", token=user.token)
    assert r.status_code == 404
    assert r.headers.get("Connection", "").lower() != "close", r.headers


def test_demo_configuration_loads_reqtimeout(tmp_path):
    top = Path(__file__).resolve().parents[2]
    text = (top / "conf" / "demo.conf.in").read_text()
    assert re.search(r"(?m)^LoadModule reqtimeout_module ", text)
    assert re.search(r"(?m)^RequestReadTimeout .*body=", text)
    conf = tmp_path / "demo.conf"
    var = tmp_path / "var"
    (var / "run").mkdir(parents=True)
    (var / "htdocs").mkdir()
    conf.write_text(text.replace("@VAR@", str(var)).replace("@TOP@", str(top))
                    .replace("@PORT@", "18123").replace("@USER@", ""))
    p = subprocess.run(["/usr/sbin/apache2", "-t", "-f", str(conf)], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr
