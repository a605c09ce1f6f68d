"""The identity sources the identity tests rely on, checked on their own: the private
slapd starts on loopback only, authenticates its people, takes changes and stops; the
htpasswd file is what apache2-utils makes."""

import socket
import time

import pytest

import harness
from identity_fixtures import Htpasswd, Slapd


@pytest.fixture(scope="module")
def slapd(workdir):
    t0 = time.monotonic()
    s = Slapd(workdir / "fixture-selftest").start()
    s.started_in = time.monotonic() - t0
    yield s
    s.stop()


def test_slapd_starts_fast_and_listens_on_loopback_only(slapd):
    assert slapd.started_in < 5, slapd.started_in
    with socket.create_connection(("127.0.0.1", slapd.port), timeout=1):
        pass
    # nothing but 127.0.0.1 listens on that port
    listening = [line.split() for line in open("/proc/net/tcp").read().splitlines()[1:]]
    ours = [f for f in listening if int(f[1].split(":")[1], 16) == slapd.port and f[3] == "0A"]
    assert ours and all(f[1].split(":")[0] == "0100007F" for f in ours), ours
    assert not [line for line in open("/proc/net/tcp6").read().splitlines()[1:]
                if int(line.split()[1].split(":")[1], 16) == slapd.port
                and line.split()[3] == "0A"]


def test_slapd_binds_people_and_takes_changes(slapd):
    slapd.add_person("fixture.ann", "ann-pw-1", "Ann", "Example", mail="ann@example.test",
                     phone="+1 555 0100")
    assert slapd.check_bind("fixture.ann", "ann-pw-1")
    assert not slapd.check_bind("fixture.ann", "wrong")
    assert not slapd.check_bind("fixture.nobody", "ann-pw-1")
    slapd.replace("fixture.ann", "telephoneNumber", "+1 555 0199")
    slapd.replace("fixture.ann", "givenName", "Änne")
    out = slapd.search("fixture.ann", "telephoneNumber", "givenName")
    assert "+1 555 0199" in out and "givenName::" in out
    slapd.replace("fixture.ann", "telephoneNumber", None)
    assert "telephoneNumber" not in slapd.search("fixture.ann", "telephoneNumber")


def test_slapd_stops_cleanly(workdir):
    s = Slapd(workdir / "fixture-stop").start()
    pid = s.pid
    s.stop()
    assert not harness.pid_alive(pid)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", s.port), timeout=0.5).close()
    s.stop()  # twice is harmless


def test_htpasswd_file(tmp_path):
    h = Htpasswd(tmp_path / "users")
    h.set("ann", "pw one")
    h.set("bob", "pw-two")
    text = h.path.read_text()
    assert "pw one" not in text and text.count("$2y$") == 2
    assert h.verify("ann", "pw one") and not h.verify("ann", "pw-two")
    h.delete("bob")
    assert not h.verify("bob", "pw-two")
