"""Hostile form bodies (section 5): generated application/x-www-form-urlencoded bodies on every
write route that takes one, each with at least one part that must be refused, mixed into
bracket soup, odd escapes, control bytes, deep and huge keys. Every answer must be a 4xx JSON
envelope from the module; afterwards the server still answers and the stored data is byte for
byte what it was. The bodies come from a fixed seed, so a run is reproducible."""

import random

import pytest

from checks import describe, error, pairs, success

SEED = 20261130
FORM = "application/x-www-form-urlencoded"
VICTIM = [("mail", "victim@example.org"), ("phone", "+1 555 0100")]
SOUP = "[]..[[]]0123456789abcXYZ_-%+=&;:/\\\"' \t"

# parts that are refused wherever they appear (the body is refused as a whole)
POISON = [
    b"contacts[0][type]=icq&contacts[0][type]=aim",         # repeat
    b"contacts[0][type]=icq&contacts[0][TYPE]=aim",         # repeat in another case
    b"contacts[0][type]=icq&contacts[0].type=aim",          # the same key, dotted
    b"contacts[0][type]=icq&contacts[2][type]=aim",         # gap
    b"contacts[1][type]=icq",                               # no index 0
    b"contacts[0][value]=x",                                # no type
    b"contacts[0][type]=ma%20il",                           # bad type
    b"contacts[0][type]=%ff",                               # not UTF-8
    b"contacts%5B0%5D%5Btype%ff%5D=icq",                    # key not UTF-8
    b"contacts[0][type]=icq&contacts[0][value]=a%00b",      # NUL
    b"contacts[0][type]=icq&contacts[0][value]=a%1Bb",      # ESC
    b"contacts[0][type]=icq&contacts[0][value]=a%C2%85b",   # C1 control
    b"contacts[0][type]=icq&contacts[0][value]=%ED%A0%80",  # surrogate
    b"contacts[0][type]=icq&contacts[0][value]=%C0%AF",     # overlong
    b"contacts[0][a][b][c][d]=1",                           # too deep
    b"contacts[0][type=icq",                                # unclosed bracket
    b"contacts[0]x[type]=icq",                              # text after ]
    b"contacts[][type]=icq",                                # [] not at the end
    b"contacts[0][type]=icq&contacts[x][type]=aim",         # index beside a name
    b"contacts[999999999][type]=icq",                       # huge index
    b"contacts[-1][type]=icq",                              # not an index
    b"contacts[0][type]=icq&contacts[0][value]=" + b"v" * 1025,
    b"contacts=flat",                                       # not a list
    b"=x&[0]=y",                                            # no name
]
# and for PUT /{userid}, refused field values
FIELD_POISON = [
    b"firstname=", b"lastname=%ff", b"birthday=2021-02-29", b"sex=x", b"location=a%0Ab",
    b"notes=" + b"n" * 1025, b"workFrom=tomorrow", b"lead=bob", b"email=nope",
    b"isVisitor=maybe", b"firstname=a&FirstName=b", b"comment=a&notes=b",
    b"location[0]=a", b"title[x]=1&title=2",
]


def soup(rng):
    n = rng.randint(0, 6)
    parts = []
    for _ in range(n):
        key = "".join(rng.choice(SOUP) for _ in range(rng.randint(1, 12)))
        val = "".join(rng.choice(SOUP) for _ in range(rng.randint(0, 8)))
        parts.append((key + "=" + val).encode("utf-8", "surrogateescape"))
    return parts


def bodies(rng, poison, n):
    out = [p for p in poison]
    for _ in range(n):
        parts = soup(rng)
        parts.insert(rng.randint(0, len(parts)), rng.choice(poison))
        out.append(b"&".join(parts))
    return out


@pytest.fixture(scope="module")
def target(server):
    u = server.new_user("hform")
    r = server.api.contacts("POST", u.id, [{"type": t, "value": v} for t, v in VICTIM], u.token)
    assert pairs(success(r)) == VICTIM
    return u


def run(api, method, path, token, body_list):
    wrong = []
    for body in body_list:
        r = api(method, path, token=token, data=body, ctype=FORM)
        ok = 400 <= r.status_code < 500 and r.headers.get("Content-Type", "").startswith(
            "application/json")
        if ok:
            error(r, r.status_code)
        else:
            wrong.append(f"{body[:120]!r}: {describe(r)}")
    return wrong


def test_hostile_forms_change_nothing(server, api, admin, target):
    rng = random.Random(SEED)
    before = server.db_snapshot()
    wrong = []
    for method in ("PUT", "POST", "DELETE"):
        wrong += run(api, method, f"/{target.id}/contacts", target.token,
                     bodies(rng, POISON, 60))
    wrong += run(api, "PUT", f"/{target.id}", target.token,
                 bodies(rng, POISON + FIELD_POISON, 80))
    wrong += run(api, "POST", "", admin.token,
                 [b"firstName=A&lastName=B&email=a%40b.org&" + p
                  for p in POISON + FIELD_POISON])
    wrong += run(api, "PUT", "/status/2", admin.token,
                 [b"userIds[]=" + target.id.encode() + b"&userIds[x]=1",
                  b"userIds[0]=" + target.id.encode() + b"&userIds[2]=x",
                  b"userIds[]=%ff", b"userIds[]=not-a-uuid", b"userids=a&userIds=b"])
    assert not wrong, f"{len(wrong)} answers were wrong:\n" + "\n".join(wrong[:10])
    assert server.db_snapshot() == before, "the stored data changed"
    assert pairs(success(api.profile(target.id, target.token))) == VICTIM


def test_many_keys_and_long_keys(server, api, target):
    before = server.db_snapshot()
    many = b"&".join(b"contacts[%d][type]=t%d" % (i, i) for i in range(2000))
    long_key = b"contacts[0][" + b"k" * 9000 + b"]=1"
    for body in (many, long_key, b"&" * 5000, b"=" * 5000, b"%" * 3000):
        r = api("PUT", f"/{target.id}/contacts", token=target.token, data=body, ctype=FORM)
        assert 400 <= r.status_code < 500, describe(r)
        error(r, r.status_code)
    assert server.db_snapshot() == before
