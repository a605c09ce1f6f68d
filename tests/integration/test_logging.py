"""Logging as httpd's own modules do it: every line of the module carries its tag; each
refused authentication is one `info` line with the reason and the client's address, never
the token (as mod_auth_basic logs its refusals, for fail2ban); `trace1` lines say the route,
the operation, the commit number and the sync."""

import re
import uuid
from pathlib import Path

import pytest

import harness
from checks import contacts_body, success, unauthorized

REFUSED = r"\[people:info\] .*\[client 127\.0\.0\.1:\d+\] PEOPLE{tag}: authentication " \
          r"refused for client 127\.0\.0\.1: {reason}"


class ErrorLogSince:
    """The error-log text written after this point (not consuming the lines that the
    per-test error-log check reads)."""

    def __init__(self, server):
        self.server = server
        path = Path(server.errlog.path)
        self.offset = path.stat().st_size if path.exists() else 0

    def text(self):
        self.server.wait_for_access_log()
        with open(self.server.errlog.path, "rb") as f:
            f.seek(self.offset)
            return f.read().decode("utf-8", "replace")


def _one(text, tag, reason):
    lines = [l for l in text.splitlines() if re.search(REFUSED.format(tag=tag, reason=reason), l)]
    assert len(lines) == 1, f"want one PEOPLE{tag} line for '{reason}', got:\n{text}"
    return lines[0]


@pytest.mark.parametrize("scheme", ["plain", "bearer", "cookie"])
def test_unknown_token_is_one_info_line_without_the_token(server, api, scheme):
    token = "no-such-token-" + uuid.uuid4().hex
    log = ErrorLogSince(server)
    unauthorized(api("GET", "/@self", token=token, scheme=scheme))
    text = log.text()
    _one(text, "09", "the token is unknown, revoked or expired")
    assert token not in text


def test_revoked_token_is_logged_like_an_unknown_one(server, api, make_user):
    u = make_user("logrevoked")
    server.people_admin("token", "revoke", u.token)
    log = ErrorLogSince(server)
    unauthorized(api("GET", "/@self", token=u.token))
    text = log.text()
    _one(text, "09", "the token is unknown, revoked or expired")
    assert u.token not in text


def test_missing_token_is_one_info_line(server, api):
    log = ErrorLogSince(server)
    unauthorized(api("GET", "/@self"))
    _one(log.text(), "11", "no API token")


def test_terminated_user_is_one_info_line_naming_the_user(server, api, carol):
    log = ErrorLogSince(server)
    unauthorized(api("GET", "/@self", token=carol.token))
    text = log.text()
    line = _one(text, "10", "the user carol is terminated")
    assert carol.token not in text, line


def test_accepted_token_logs_no_refusal(server, api, alice):
    log = ErrorLogSince(server)
    success(api("GET", "/@self", token=alice.token))
    assert not re.search(r"PEOPLE(09|10|11):", log.text())


# ------------------------------------------------------------------ trace1

class TraceServer(harness.Server):
    """A SQLite server of its own (group commit) whose module logs at trace1."""

    def __init__(self, workdir):
        super().__init__("event", "sqlite", harness.mkdir(Path(workdir) / "logging-trace1"))
        self.name = "trace1-event-sqlite"

    def loglevel(self):
        return "warn people:trace1"


@pytest.fixture(scope="module")
def trace_server(workdir):
    yield from harness.serve(TraceServer(workdir))


def test_trace1_says_route_operation_commit_and_sync(trace_server):
    srv = trace_server
    alice = srv.users["alice"]
    log = ErrorLogSince(srv)
    success(srv.api.profile("@self", alice.token))
    success(srv.api.contacts("PUT", "@self", contacts_body(("icq", "traced")), alice.token))
    r = srv.api("PATCH", "/@self", token=alice.token)
    assert r.status_code == 405
    r = srv.api("OPTIONS", "/nosuch/route")
    assert r.status_code == 204
    text = log.text()
    for want in (r"PEOPLE12: route profile, operation profile-get",
                 r"PEOPLE12: route contacts, operation contacts-put",
                 r"PEOPLE12: route profile, operation none",
                 r"PEOPLE12: route none, operation options",
                 r"PEOPLE13: commit \d+",
                 r"PEOPLE14: synced the WAL: commits up to \d+ are durable"):
        assert re.search(r"\[people:trace1\] .*" + want, text), f"no '{want}' in:\n{text}"
    # every line of the module carries a tag
    untagged = [l for l in text.splitlines()
                if "[people:" in l and not re.search(r"\] PEOPLE\d\d: ", l)]
    assert not untagged, "\n".join(untagged)
    assert alice.token not in text
