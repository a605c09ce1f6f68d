"""A crowd of people for the directory tests (spec section 9), made through
people-admin, each marked by one random word in the user name and another in
the email, so that the tests find exactly them among everyone the rest of
the suite adds."""

import json
import secrets
import string
from urllib.parse import urlencode

from checks import assert_json_content_type, contacts_body, describe, pairs, success

# first, last, title, department, location, people-admin flags
PEOPLE = [
    ("Ann", "Smith", "Engineer", "Sales", "Riga", []),
    ("ann", "Ölund", "100% Sales_Lead", "Support", "Oslo", []),
    ("Bob", "Jones", "Manager", None, "Lisbon", ["--admin"]),
    ("Carla", "Berg", "Analyst", "Sales", None, ["--visitor"]),
    ("Dmitri", "Åsen", "Back\\slash", "Finance", "Porto", []),
    ("Eve", "Costa", "Designer", "Engineering", "Riga", []),
    ("Zed", "Ito", "Engineer", "sales", "Oslo", []),
    ("Leo", "Away", "Engineer", "Research", "Ghent", []),      # leave of absence
    ("Tom", "Gone", "Engineer", "Sales", "Riga", []),           # terminated
]
LEAVE, TERMINATED = 7, 8
VISITOR, ADMIN = 3, 2
IN_GROUP = (0, 3, 5)


def word(prefix):
    return prefix + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


class Crowd:
    def __init__(self, server):
        self.server = server
        self.tag = word("zq")           # in every user name
        self.mailtag = word("mq")       # in every email, nowhere else
        self.group = "G" + self.tag
        self.people = []
        for i, (first, last, title, dept, loc, flags) in enumerate(PEOPLE):
            name = f"{self.tag}{i}"
            email = f"P{i}.{self.mailtag}@Example.org"
            groups = [self.group] if i in IN_GROUP else []
            u = server.add_user(name, first, last, email=email, flags=flags, title=title,
                                department=dept, groups=groups)
            if loc:
                server.people_admin("user", "set", name, "--location", loc)
            self.people.append(u)
        server.people_admin("user", "set", self.people[LEAVE].name, "--status", "leave")
        server.people_admin("user", "set", self.people[TERMINATED].name, "--status",
                            "terminated")
        admin = server.users["admin"]
        for i, u in enumerate(self.people):
            r = server.api.contacts("POST", u.id, contacts_body(("phone", f"555-{i}"),
                                                                ("skype", f"{u.name}.s")),
                                    admin.token)
            assert r.status_code in (200, 201), describe(r)
        shown = success(server.api.profile(self.people[0].id, admin.token))
        self.group_id = shown["groups"][0]["id"]
        # the stored profiles, as an admin sees them
        self.profiles = {u.id: success(server.api.profile(u.id, admin.token))
                         for u in self.people}

    def ids(self, indexes):
        return {self.people[i].id for i in indexes}

    @property
    def active(self):
        return [i for i in range(len(self.people)) if i != TERMINATED]

    def contacts_of(self, i):
        return [("phone", f"555-{i}"), ("skype", f"{self.people[i].name}.s")]


def query(path="", **params):
    return path + ("?" + urlencode(params) if params else "")


def listing(r):
    """The list envelope of spec section 7, checked; returns the body."""
    assert r.status_code == 200, describe(r)
    assert_json_content_type(r)
    body = r.json()
    want = ["count", "startIndex"] + (["nextIndex"] if "nextIndex" in body else []) + \
        ["total", "status", "statusCode", "response"]
    assert list(body) == want, describe(r)
    assert (body["status"], body["statusCode"]) == (0, 200), describe(r)
    assert isinstance(body["response"], list), describe(r)
    assert body["count"] == len(body["response"]), describe(r)
    if "nextIndex" in body:
        assert body["nextIndex"] == body["startIndex"] + body["count"] < body["total"]
    else:
        assert body["startIndex"] + body["count"] >= body["total"] or body["count"] == 0
    return body


def ids_of(body):
    return [p["id"] for p in body["response"]]


def fold(s):
    return (s or "").lower()


def sort_key(field, profile, sees_email=True):
    if field == "displayName":
        v = f"{profile['firstName']} {profile['lastName']}"
    elif field == "email":
        v = profile["email"] if sees_email else None
    else:
        v = profile[field]
    return (fold(v).encode("utf-8"), profile["id"])


def dump(body):
    return json.dumps(body, ensure_ascii=False)[:2000]


__all__ = ["Crowd", "query", "listing", "ids_of", "sort_key", "fold", "dump", "pairs",
           "LEAVE", "TERMINATED", "VISITOR", "ADMIN", "IN_GROUP", "word"]
