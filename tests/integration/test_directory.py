"""Section 9: the directory's routes, paging, sorting, filters and errors."""

import uuid

import pytest

from checks import describe, error, success, unchanged
from directory_data import (ADMIN, IN_GROUP, LEAVE, TERMINATED, VISITOR, Crowd, dump, ids_of,
                            listing, query, sort_key)

SORT_KEYS = ["displayName", "firstName", "lastName", "userName", "email", "department",
             "title", "location"]


@pytest.fixture(scope="module")
def crowd(server):
    return Crowd(server)


@pytest.fixture
def admin_token(server):
    return server.users["admin"].token


@pytest.fixture
def member_token(server):
    return server.users["alice"].token


def get(api, token, path="", **params):
    return api("GET", query(path, **params), token=token)


# ---- the envelope and paging

def test_envelope_counts_and_next_index(api, crowd, member_token):
    active = len(crowd.active)
    first = listing(get(api, member_token, filterValue=crowd.tag, count=3))
    assert (first["count"], first["startIndex"], first["nextIndex"], first["total"]) == \
        (3, 0, 3, active)
    last = listing(get(api, member_token, filterValue=crowd.tag, count=3,
                       startIndex=active - 2))
    assert (last["count"], last["startIndex"], last["total"]) == (2, active - 2, active)
    assert "nextIndex" not in last
    past = listing(get(api, member_token, filterValue=crowd.tag, startIndex=500))
    assert (past["count"], past["total"], past["response"]) == (0, active, [])


def test_list_route_with_and_without_slash(api, crowd, member_token):
    a = listing(get(api, member_token, "", filterValue=crowd.tag))
    b = listing(get(api, member_token, "/", filterValue=crowd.tag))
    c = listing(get(api, member_token, "/filter.json", filterValue=crowd.tag))
    assert ids_of(a) == ids_of(b) == ids_of(c)
    assert set(ids_of(a)) == crowd.ids(crowd.active)


def test_default_count_is_100_and_1000_is_the_most(api, crowd, admin_token):
    everyone = listing(get(api, admin_token, count=1000))
    default = listing(get(api, admin_token))
    assert default["count"] == min(100, everyone["total"])
    assert ids_of(default) == ids_of(everyone)[:100]


def test_count_zero_gives_the_total_only(api, crowd, member_token):
    body = listing(get(api, member_token, filterValue=crowd.tag, count=0))
    assert (body["count"], body["total"]) == (0, len(crowd.active))


@pytest.mark.parametrize("params", [{}, {"sortBy": "lastName", "sortOrder": "descending"},
                                    {"sortBy": "department"}])
def test_paging_returns_everyone_exactly_once(api, crowd, admin_token, params):
    whole = listing(get(api, admin_token, count=1000, **params))
    seen, start = [], 0
    while True:
        page = listing(get(api, admin_token, count=7, startIndex=start, **params))
        assert page["total"] == whole["total"]
        seen += ids_of(page)
        if "nextIndex" not in page:
            break
        start = page["nextIndex"]
    assert len(seen) == len(set(seen)) == whole["total"]
    assert seen == ids_of(whole)
    assert crowd.ids(crowd.active) <= set(seen)
    assert crowd.people[TERMINATED].id not in seen


def test_paging_a_filtered_list(api, crowd, member_token):
    seen = []
    for start in range(0, 20, 2):
        seen += ids_of(listing(get(api, member_token, filterValue=crowd.tag, count=2,
                                   startIndex=start, sortBy="title")))
    assert len(seen) == len(set(seen)) == len(crowd.active)


# ---- sorting

@pytest.mark.parametrize("order", ["ascending", "descending"])
@pytest.mark.parametrize("key", SORT_KEYS)
def test_sort_each_key_both_ways(api, crowd, admin_token, key, order):
    body = listing(get(api, admin_token, filterValue=crowd.tag, sortBy=key, sortOrder=order))
    want = sorted(body["response"], key=lambda p: sort_key(key, p),
                  reverse=order == "descending")
    assert ids_of(body) == [p["id"] for p in want], dump(body)
    assert set(ids_of(body)) == crowd.ids(crowd.active)


@pytest.mark.parametrize("order", ["ascending", "descending"])
@pytest.mark.parametrize("key", SORT_KEYS)
def test_sort_of_the_whole_list_keeps_the_crowd_in_order(api, crowd, admin_token, key, order):
    """The unfiltered list is read in index order: the crowd, wherever it is in it, must be
    in the expected order, ties broken by id."""
    body = listing(get(api, admin_token, count=1000, sortBy=key, sortOrder=order))
    mine = [p for p in body["response"] if p["id"] in crowd.profiles]
    want = sorted(mine, key=lambda p: sort_key(key, p), reverse=order == "descending")
    assert [p["id"] for p in mine] == [p["id"] for p in want]
    assert len(mine) == len(crowd.active)


def test_sort_names_and_values_in_any_case(api, crowd, admin_token):
    a = listing(get(api, admin_token, filterValue=crowd.tag, sortBy="lastName",
                    sortOrder="descending"))
    b = api("GET", f"?SORTBY=LASTNAME&SortOrder=DESCENDING&FilterValue={crowd.tag}",
            token=admin_token)
    c = api("GET", f"?sortby=lastname&sortorder=desc&filtervalue={crowd.tag}",
            token=admin_token)
    assert ids_of(a) == ids_of(listing(b)) == ids_of(listing(c))


def test_start_index_in_any_case(api, crowd, member_token):
    base = ids_of(listing(get(api, member_token, filterValue=crowd.tag)))
    for name in ("startIndex", "StartIndex", "startindex", "STARTINDEX"):
        r = api("GET", f"?{name}=2&Count=3&filterValue={crowd.tag}", token=member_token)
        assert ids_of(listing(r)) == base[2:5], name


# ---- filterValue

def test_filter_value_words_must_each_match_some_field(api, crowd, member_token):
    # "ann" is a first name; "sales" a department or a title: both only in 0 and 1
    body = listing(get(api, member_token, filterValue=f"{crowd.tag} ANN sales"))
    assert set(ids_of(body)) == crowd.ids([0, 1])
    # "engineer" is a title, and part of the department "Engineering"
    body = listing(get(api, member_token, filterValue=f"riga {crowd.tag} engineer"))
    assert set(ids_of(body)) == crowd.ids([0, 5])
    body = listing(get(api, member_token, filterValue=f"riga {crowd.tag} engineering"))
    assert set(ids_of(body)) == crowd.ids([5])
    # a word never spans two fields
    body = listing(get(api, member_token, filterValue=f"{crowd.tag} smithengineer"))
    assert body["total"] == 0


def test_filter_value_is_case_insensitive_beyond_ascii(api, crowd, member_token):
    body = listing(get(api, member_token, filterValue=f"{crowd.tag} ölUND"))
    assert set(ids_of(body)) == crowd.ids([1])
    body = listing(get(api, member_token, filterValue=f"{crowd.tag} ÅSEN"))
    assert set(ids_of(body)) == crowd.ids([4])


@pytest.mark.parametrize("text,expected", [
    ("100%", [1]), ("%", [1]), ("_", [1]), ("s_l", [1]), ("0%_s", []), ("\\", [4]),
    ("k\\s", [4]), ("%%", []), ("__", []),
])
def test_filter_value_wildcards_are_plain_characters(api, crowd, member_token, text, expected):
    body = listing(get(api, member_token, filterValue=f"{crowd.tag} {text}"))
    assert set(ids_of(body)) == crowd.ids(expected), dump(body)


def test_filter_value_matches_email_for_members(api, crowd, member_token):
    body = listing(get(api, member_token, filterValue=crowd.mailtag))
    assert set(ids_of(body)) == crowd.ids(crowd.active)


@pytest.mark.parametrize("by,op,value,expected", [
    ("department", "equals", "SALES", [0, 3, 6]),
    ("department", "startsWith", "sa", [0, 3, 6]),
    ("department", "contains", "ale", [0, 3, 6]),
    ("department", "equals", "sale", []),
    ("title", "contains", "100%", [1]),
    ("title", "equals", "100", []),
    ("title", "startsWith", "_", []),
    ("location", "equals", "riga", [0, 5]),
    ("firstName", "equals", "ann", [0, 1]),
    ("lastName", "startsWith", "Ö", [1]),
    ("displayName", "equals", "carla berg", [3]),
    ("email", "startsWith", "p5.", [5]),
])
def test_filter_by_and_op(api, crowd, member_token, by, op, value, expected):
    r = get(api, member_token, "/filter", filterBy=by, filterOp=op, filterValue=value,
            count=1000)
    got = set(ids_of(listing(r))) & set(crowd.profiles)
    assert got == crowd.ids(expected), dump(r.json())


def test_filter_op_defaults_to_contains(api, crowd, member_token):
    r = get(api, member_token, "/filter", filterBy="userName", filterValue=crowd.tag[3:9])
    assert set(ids_of(listing(r))) == crowd.ids(crowd.active)


# ---- the routes

def test_status_route_by_number_and_name(api, crowd, admin_token, member_token):
    for status in ("4", "LeaveOfAbsence", "leaveofabsence"):
        body = listing(get(api, member_token, f"/status/{status}", filterValue=crowd.tag))
        assert ids_of(body) == [crowd.people[LEAVE].id], status
    for status in ("1", "Active"):
        body = listing(get(api, member_token, f"/status/{status}", filterValue=crowd.tag))
        assert set(ids_of(body)) == crowd.ids(set(crowd.active) - {LEAVE})


def test_active_list_holds_leave_of_absence_but_not_terminated(api, crowd, admin_token):
    body = listing(get(api, admin_token, filterValue=crowd.tag))
    assert crowd.people[LEAVE].id in ids_of(body)
    assert crowd.people[TERMINATED].id not in ids_of(body)


@pytest.mark.parametrize("value,expected", [
    ("Visitor", [VISITOR]), ("2", [VISITOR]), ("guest", [VISITOR]),
    ("User", "users"), ("1", "users"), ("All", "all"), ("0", "all"),
])
def test_filter_employee_type(api, crowd, member_token, value, expected):
    body = listing(get(api, member_token, "/filter", employeeType=value,
                       filterValue=crowd.tag))
    if expected == "users":
        expected = [i for i in crowd.active if i != VISITOR]
    elif expected == "all":
        expected = crowd.active
    assert set(ids_of(body)) == crowd.ids(expected)


def test_filter_is_administrator(api, crowd, member_token):
    body = listing(get(api, member_token, "/filter", isAdministrator="true",
                       filterValue=crowd.tag))
    assert set(ids_of(body)) == crowd.ids([ADMIN])
    body = listing(get(api, member_token, "/filter", isAdministrator="TRUE", count=1000))
    assert crowd.people[ADMIN].id in ids_of(body)
    assert all(p["isAdmin"] or p["isOwner"] for p in body["response"])
    body = listing(get(api, member_token, "/filter", isAdministrator="false",
                       filterValue=crowd.tag))
    assert set(ids_of(body)) == crowd.ids(crowd.active)


def test_filter_group(api, crowd, member_token):
    gid = crowd.group_id
    for spelled in (gid, gid.upper(), "{" + gid + "}"):
        body = listing(get(api, member_token, "/filter", groupId=spelled))
        assert set(ids_of(body)) == crowd.ids(IN_GROUP), spelled
    body = listing(get(api, member_token, "/filter", groupId=str(uuid.uuid4())))
    assert (body["total"], body["response"]) == (0, [])


def test_filter_activation_status(server, api, crowd, member_token):
    target = crowd.people[5]
    assert server.sql_changes(
        f"UPDATE people_users SET activation_status = 2 WHERE id = '{target.id}'") == 1
    try:
        for value in ("2", "Pending", "pending"):
            body = listing(get(api, member_token, "/filter", activationStatus=value,
                               filterValue=crowd.tag))
            assert ids_of(body) == [target.id], value
        body = listing(get(api, member_token, "/filter", activationStatus="Activated",
                           filterValue=crowd.tag))
        assert set(ids_of(body)) == crowd.ids(set(crowd.active) - {5})
    finally:
        server.sql_changes(
            f"UPDATE people_users SET activation_status = 1 WHERE id = '{target.id}'")


def test_filters_combine(api, crowd, member_token):
    body = listing(get(api, member_token, "/filter", groupId=crowd.group_id,
                       employeeType="User", filterValue="riga"))
    assert set(ids_of(body)) == crowd.ids([0, 5])


def test_filter_parameters_belong_to_the_filter_routes(api, crowd, member_token):
    body = listing(get(api, member_token, employeeType="Visitor", filterValue=crowd.tag))
    assert set(ids_of(body)) == crowd.ids(crowd.active)


def test_simple_filter_items_hold_five_keys(api, crowd, member_token):
    body = listing(get(api, member_token, "/simple/filter", filterValue=crowd.tag,
                       employeeType="Visitor"))
    assert ids_of(body) == [crowd.people[VISITOR].id]
    item = body["response"][0]
    assert set(item) == {"id", "displayName", "title", "avatarSmall", "profileUrl"}
    assert item["displayName"] == "Carla Berg"
    assert item["title"] == "Analyst"
    assert item["profileUrl"].startswith("http")


def test_fields_projection(api, crowd, member_token):
    body = listing(get(api, member_token, filterValue=crowd.tag,
                       fields="firstName,EMAIL, contacts,nosuchfield"))
    for item in body["response"]:
        assert set(item) == {"id", "firstName", "email", "contacts"}
        full = crowd.profiles[item["id"]]
        assert (item["firstName"], item["email"]) == (full["firstName"], full["email"])
    assert len(body["response"]) == len(crowd.active)


def test_full_items_are_whole_profiles(api, crowd, admin_token):
    body = listing(get(api, admin_token, filterValue=crowd.tag))
    for item in body["response"]:
        assert item == crowd.profiles[item["id"]]


def test_search_routes(api, crowd, member_token):
    a = listing(get(api, member_token, "/search", query=f"{crowd.tag} ann"))
    b = listing(api("GET", f"/@search/{crowd.tag}%20ann", token=member_token))
    c = listing(api("GET", f"/@search/{crowd.tag}%20ann.json", token=member_token))
    assert set(ids_of(a)) == set(ids_of(b)) == crowd.ids([0, 1])
    assert set(ids_of(c)) == crowd.ids([0, 1])
    d = listing(get(api, member_token, "/search", query=crowd.tag, count=2,
                    sortBy="firstName", sortOrder="descending"))
    assert d["total"] == len(crowd.active) and d["count"] == 2


def test_email_lookup(api, crowd, member_token):
    u = crowd.people[5]
    for spelled in (u.email, u.email.upper(), u.email.lower()):
        p = success(get(api, member_token, "/email", email=spelled))
        assert p["id"] == u.id
        assert p == crowd.profiles[u.id]
    error(get(api, member_token, "/email", email=f"nobody.{crowd.mailtag}@example.org"), 404)
    # a pattern is not an email
    error(get(api, member_token, "/email", email=f"%{crowd.mailtag}%"), 404)


def test_email_of_a_terminated_user_only_for_admins(api, crowd, member_token, admin_token):
    gone = crowd.people[TERMINATED]
    error(get(api, member_token, "/email", email=gone.email), 404)
    assert success(get(api, admin_token, "/email", email=gone.email))["id"] == gone.id


def test_head_answers_like_get_without_a_body(api, crowd, member_token):
    for path in ("", "/filter", "/simple/filter", "/status/1", "/search"):
        g = get(api, member_token, path, filterValue=crowd.tag, query=crowd.tag)
        h = api("HEAD", query(path, filterValue=crowd.tag, query=crowd.tag), token=member_token)
        listing(g)
        assert h.status_code == 200, describe(h)
        assert h.content == b""
        assert h.headers["Content-Type"] == g.headers["Content-Type"]
        if "Content-Length" in h.headers:
            assert h.headers["Content-Length"] == str(len(g.content))
    h = api("HEAD", query("/email", email=crowd.people[0].email), token=member_token)
    assert h.status_code == 200 and h.content == b""


def test_directory_needs_a_token(api):
    for path in ("", "/filter", "/simple/filter", "/search?query=a", "/@search/a",
                 "/email?email=a@b.c", "/status/1"):
        r = api("GET", path)
        assert r.status_code == 401, describe(r)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_other_methods_on_directory_routes(api, member_token, method):
    for path in ("/filter", "/simple/filter", "/search", "/@search/x", "/email"):
        r = api(method, path, token=member_token)
        assert r.status_code == 405, describe(r)
        assert "GET" in r.headers.get("Allow", "")


# ---- bad parameters

@pytest.mark.parametrize("path,param", [
    ("?count=1001", "count"), ("?count=-1", "count"), ("?count=many", "count"),
    ("?startIndex=-1", "startIndex"), ("?StartIndex=x", "startIndex"),
    ("?sortBy=salary", "sortBy"), ("?sortOrder=sideways", "sortOrder"),
    ("?filterBy=notes&filterValue=a", "filterBy"), ("?filterOp=like&filterValue=a", "filterOp"),
    ("?filterValue=%01", "filterValue"), ("?filterValue=%FF", "filterValue"),
    ("?filterValue=a+b+c+d+e+f+g+h+i", "filterValue"),
    ("/filter?employeeStatus=Fired", "employeeStatus"), ("/filter?employeeStatus=3", "employeeStatus"),
    ("/filter?activationStatus=9", "activationStatus"),
    ("/filter?employeeType=Robot", "employeeType"),
    ("/filter?groupId=not-a-uuid", "groupId"), ("/simple/filter?groupId=1234", "groupId"),
    ("/filter?isAdministrator=perhaps", "isAdministrator"),
    ("/status/Fired", "status"), ("/status/3", "status"),
    ("/email", "email"), ("/email?email=", "email"),
    ("/search?query=%01", "query"), ("/@search/a%09b", "query"),
])
def test_bad_parameter_is_400_naming_it(api, member_token, path, param):
    msg = error(api("GET", path, token=member_token), 400)
    assert param.lower() in msg.lower(), msg


def test_unknown_parameters_are_ignored(api, crowd, member_token):
    body = listing(api("GET", f"?_=1&callback=x&filterValue={crowd.tag}&noise&=&count=2",
                       token=member_token))
    assert body["count"] == 2 and body["total"] == len(crowd.active)


# ---- abuse

@pytest.mark.parametrize("text", ["' OR '1'='1", "\") OR 1=1 --", "%' --", "x'; DELETE FROM "
                                  "people_users; --", "\\' OR 1=1 ESCAPE '", "*", "?", "[a-z]"])
def test_filter_value_is_never_sql_nor_a_pattern(server, api, crowd, member_token, text):
    with unchanged(server):
        for path, params in (("", {"filterValue": f"{crowd.tag} {text}"}),
                             ("/filter", {"filterBy": "title", "filterOp": "startsWith",
                                          "filterValue": text}),
                             ("/email", {"email": text})):
            r = get(api, member_token, path, **params)
            if path == "/email":
                error(r, 404)
            else:
                body = listing(r)
                assert set(ids_of(body)) & set(crowd.profiles) == set(), (text, dump(body))


def test_oversized_filter_value_is_400(api, member_token):
    error(get(api, member_token, filterValue="x" * 1025), 400)
    error(get(api, member_token, "/email", email="x" * 1025 + "@example.org"), 400)


@pytest.mark.parametrize("name", ["status", "Filter", "simple", "SEARCH", "email", "@boss",
                                  "..", "x.json"])
def test_people_admin_refuses_names_that_are_routes(server, name):
    with unchanged(server):
        p = server.people_admin("user", "add", name, "--first-name", "F", "--last-name", "L",
                                "--email", "route@example.org", check=False)
    assert p.returncode == 1, p.stdout
    assert "cannot be a user name" in p.stderr


def test_directory_segments_are_never_user_names(api, member_token):
    for path in ("/status", "/simple", "/@nobody", "/@search"):
        error(api("GET", path, token=member_token), 404)
