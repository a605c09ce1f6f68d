"""Spec section 8: several Apache front ends behind mod_proxy_balancer, sharing one
PostgreSQL. One balancer (mod_proxy_balancer, ProxyPreserveHost On) in front of two
mod_people front ends (event MPM) on one database, and a PostgreSQL outage in the middle
of traffic.

This module starts its own PostgreSQL cluster, so that stopping it disturbs no other
test's server.
"""

import threading
import time
from pathlib import Path

import pytest

import harness
from harness import API_BASE
from checks import concurrent_puts, contacts_body, error, pairs, success

pytestmark = pytest.mark.db("pgsql")

BIG = "/big"                 # a location on the front ends with room for 1000 contacts
THREADS = 8
PUTS = 20
# allowed in the front ends' error logs while PostgreSQL is down or coming back
OUTAGE_LOG = [r"\[dbd:error\]", r"\[people:error\].*PEOPLE0[12]:",
              r"\[people:warn\].*PEOPLE07:"]


class FrontEnd(harness.Server):
    """A mod_people server on the shared database (created and initialised once)."""

    def __init__(self, tag, workdir, pg, dbname, params):
        super().__init__("event", "pgsql", harness.mkdir(Path(workdir) / tag), pg)
        self.name = f"{tag}-event-pgsql"
        self._shared = (dbname, params)

    def _setup_db(self):
        self.dbname, self.params = self._shared

    def _create_fixture_users(self):
        pass

    def write_config(self):
        super().write_config()
        with open(self.conf, "a") as f:
            f.write(f'<Location "{BIG}{API_BASE}">\n    PeopleAPI On\n'
                    f"    PeopleMaxContacts 1000\n</Location>\n")

    def teardown(self):
        self.dbname = None           # the database is the topology's, not this server's
        return super().teardown()


class Balancer(harness.Server):
    """mod_proxy_balancer in front of the front ends; serves nothing itself."""

    def __init__(self, workdir, backends):
        super().__init__("event", "sqlite", harness.mkdir(Path(workdir) / "lb"), None)
        self.name = "balancer"
        self.backends = backends

    def _setup_db(self):
        pass

    def _create_fixture_users(self):
        pass

    def _fix_sqlite_ownership(self):
        pass

    def write_config(self):
        mods = harness.APACHE_MODULES
        members = "\n".join(f'    BalancerMember "http://127.0.0.1:{p}"' for p in self.backends)
        self.conf.write_text(f"""
ServerRoot "{self.root}"
DefaultRuntimeDir "{self.rundir}"
PidFile "{self.pidfile}"
Mutex file:{self.rundir} default
Listen 127.0.0.1:{self.port}
ServerName 127.0.0.1
User {harness.RUN_USER}
Group {harness.RUN_USER}
ErrorLog "{self.error_log}"
LogLevel warn
CustomLog "{self.access_log}" common
LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule slotmem_shm_module {mods}/mod_slotmem_shm.so
LoadModule proxy_module {mods}/mod_proxy.so
LoadModule proxy_http_module {mods}/mod_proxy_http.so
LoadModule proxy_balancer_module {mods}/mod_proxy_balancer.so
LoadModule lbmethod_byrequests_module {mods}/mod_lbmethod_byrequests.so
StartServers 2
ServerLimit 4
ThreadsPerChild 16
MaxRequestWorkers 64
MinSpareThreads 16
MaxSpareThreads 64
DocumentRoot "{self.htdocs}"
<Directory "{self.htdocs}">
    Require all granted
</Directory>
<Proxy "balancer://people">
{members}
</Proxy>
ProxyPreserveHost On
ProxyPass "{API_BASE}" "balancer://people{API_BASE}"
ProxyPass "{BIG}{API_BASE}" "balancer://people{BIG}{API_BASE}"
""")


class Topology:
    def __init__(self, pg, front, lb, admin):
        self.pg, self.front, self.lb, self.admin = pg, front, lb, admin

    def servers(self):
        return self.front + [self.lb]


@pytest.fixture(scope="module")
def topology(workdir):
    base = harness.mkdir(Path(workdir) / "topology")
    pg = harness.PostgreSQL(base)
    started = []
    try:
        pg.start()
        dbname = "people_topology"
        pg.create_db(dbname)
        params = pg.params(dbname)
        harness.run([harness.admin_path(), "-d", "pgsql", "-p", params, "init"])
        front = [FrontEnd(f"fe{i}", base, pg, dbname, params) for i in (1, 2)]
        for fe in front:
            started.append(fe)
            fe.setup()
        admin = front[0].add_user("admin", "Ada", "Admin", flags=["--admin"])
        for fe in front[1:]:
            fe.users, fe.tokens_seen = front[0].users, front[0].tokens_seen
        lb = Balancer(base, [fe.port for fe in front])
        lb.tokens_seen = front[0].tokens_seen
        started.append(lb)
        lb.setup()
        yield Topology(pg, front, lb, admin)
    finally:
        problems = []
        for s in reversed(started):
            problems += s.teardown()
        pg.stop()
    assert not problems, problems


def new_user(topo, prefix):
    return topo.front[0].new_user(prefix)


def access_count(server):
    return sum(1 for l in server.access_lines() if API_BASE in l)


def test_balanced_concurrent_puts_are_all_stored(topology):
    user = new_user(topology, "bal")
    api = topology.lb.api
    before = [access_count(fe) for fe in topology.front]
    t0 = time.monotonic()
    statuses, errors = concurrent_puts(api, user.id, topology.admin.token, THREADS, PUTS,
                                       loc=BIG)
    elapsed = time.monotonic() - t0
    stored = pairs(success(api.profile(user.id, topology.admin.token, loc=BIG)))
    served = [access_count(fe) - b for fe, b in zip(topology.front, before)]
    print(f"\ntopology: {len(statuses)} PUTs through the balancer in {elapsed:.2f} s, "
          f"{sum(s >= 500 for s in statuses)} 5xx, {sum(s != 200 for s in statuses)} non-200, "
          f"front ends served {served}, {len(stored)} contacts stored")
    assert not errors, errors
    assert statuses == [200] * (THREADS * PUTS)
    assert set(stored) == {(f"t{t}x{i}", f"v{t}.{i}") for t in range(THREADS) for i in range(PUTS)}
    assert len(stored) == THREADS * PUTS
    # the balancer really spread the writes over both front ends
    assert all(n > 0 for n in served), served


def test_profile_url_names_the_public_host(topology):
    user = new_user(topology, "host")
    r = topology.lb.api("GET", f"/{user.id}", token=user.token,
                        headers={"Host": "people.example.test"})
    profile = success(r)
    assert profile["profileUrl"].startswith("http://people.example.test/"), profile["profileUrl"]
    assert user.name in profile["profileUrl"]


def test_front_ends_see_each_others_writes(topology):
    user = new_user(topology, "both")
    a, b = topology.front
    success(a.api.contacts("PUT", user.id, contacts_body(("phone", "1")), user.token))
    success(b.api.contacts("PUT", user.id, contacts_body(("mail", "m@x")), user.token))
    assert pairs(success(a.api.profile(user.id, user.token))) == [("phone", "1"), ("mail", "m@x")]
    pa, pb = (success(fe.api.profile(user.id, user.token)) for fe in (a, b))
    # the same data; only profileUrl names each front end's own host and port
    assert {k: v for k, v in pa.items() if k != "profileUrl"} == \
        {k: v for k, v in pb.items() if k != "profileUrl"}
    assert pa["profileUrl"] != pb["profileUrl"]


def _warm(topology, user, n=24):
    """Use many pooled connections on every front end (parallel requests)."""
    def hit(fe):
        for _ in range(4):
            success(fe.api.profile(user.id, user.token))
    threads = [threading.Thread(target=hit, args=(fe,))
               for fe in topology.front for _ in range(n // 4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)


def test_postgres_outage_answers_503_quickly_then_recovers(topology):
    user = new_user(topology, "outage")
    success(topology.lb.api.contacts("PUT", user.id, contacts_body(("phone", "before")),
                                     user.token))
    _warm(topology, user)
    topology.pg.halt()
    try:
        worst = 0.0
        for i in range(12):
            target = [topology.lb, *topology.front][i % 3]
            t0 = time.monotonic()
            if i % 2:
                r = target.api.contacts("PUT", user.id, contacts_body((f"during{i}", "x")),
                                        user.token, headers={"Connection": "close"})
            else:
                r = target.api.profile(user.id, user.token)
            took = time.monotonic() - t0
            worst = max(worst, took)
            error(r, 503)
            assert r.headers.get("Retry-After", "").isdigit(), r.headers
            assert took < 5.0, f"request {i} took {took:.2f} s while PostgreSQL was down"
    finally:
        topology.pg.resume()
    # the first request after the restart succeeds, through the balancer and on each
    # front end (README: "clients see no error after the restart")
    t_back = time.monotonic()
    for target in [topology.lb, *topology.front]:
        r = target.api.profile(user.id, user.token)
        assert r.status_code == 200, f"first request to {target.name} after the restart: " \
                                     f"{r.status_code} {r.text[:200]}"
    ok_after = time.monotonic() - t_back
    # and then every pooled connection works (stale ones reconnect and re-prepare)
    failures = []

    def hit(fe):
        for _ in range(6):
            r = fe.api.profile(user.id, user.token)
            if r.status_code != 200:
                failures.append((fe.name, r.status_code, r.text[:200]))
    threads = [threading.Thread(target=hit, args=(fe,)) for fe in topology.front for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    print(f"\noutage: slowest answer while down {worst:.2f} s; the first requests after the "
          f"restart (balancer, each front end) all 200 in {ok_after:.2f} s; "
          f"{len(failures)} failures afterwards")
    assert not failures, failures[:5]
    # no write made during the outage is stored, the one before it is
    assert pairs(success(topology.front[0].api.profile(user.id, user.token))) == \
        [("phone", "before")]
    for fe in topology.front:
        bad = harness.unexpected_log_lines(fe.errlog.new_lines(), OUTAGE_LOG)
        assert not bad, bad
