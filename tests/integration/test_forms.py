"""Section 5: form bodies (application/x-www-form-urlencoded) on the contacts routes, in each
shape ONLYOFFICE's clients and API pages send; the same rules as JSON; refusals change
nothing."""

import pytest

from harness import LOC_SMALL, SMALL_MAX_BODY
from checks import error, pairs, success, unchanged
from forms import FORM, form, jquery, send_form

START = [("mail", "start@example.org"), ("phone", "1")]


@pytest.fixture
def stocked(server, api):
    u = server.new_user("former")
    r = api.contacts("POST", u.id, [{"type": t, "value": v} for t, v in START], u.token)
    assert pairs(success(r)) == START
    return u


def write(api, method, who, pairs_, **kw):
    return send_form(api, method, f"/{who.id}/contacts", who.token, pairs_, **kw)


# ------------------------------------------------------------------ shapes

def test_jquery_nesting_put_merges(api, stocked):
    # what $.ajax({type: "PUT", data: {contacts: [...]}}) sends
    body = jquery({"contacts": [{"Type": "GTalk", "Value": "my@gmail.com"},
                                {"Type": "phone", "Value": "2"}]})
    assert body[0] == ("contacts[0][Type]", "GTalk")
    got = pairs(success(write(api, "PUT", stocked, body)))
    assert got == [("mail", "start@example.org"), ("phone", "2"), ("gtalk", "my@gmail.com")]
    assert pairs(success(api.profile(stocked.id, stocked.token))) == got


def test_dotted_form(api, stocked):
    got = pairs(success(write(api, "POST", stocked, [("contacts[0].Type", "skype"),
                                                      ("contacts[0].Value", "me")])))
    assert got == [("skype", "me")]


def test_seed_nesting(api, stocked):
    got = pairs(success(write(api, "POST", stocked, [
        ("contacts[0][value][Type]", "GTalk"), ("contacts[0][value][Value]", "my@gmail.com")])))
    assert got == [("gtalk", "my@gmail.com")]


def test_indexes_give_the_order(api, stocked):
    body = [("contacts[1][type]", "icq"), ("contacts[1][value]", "b"),
            ("contacts[0][type]", "skype"), ("contacts[0][value]", "a"),
            ("contacts[2][type]", "aim"), ("contacts[2][value]", "c")]
    assert pairs(success(write(api, "POST", stocked, body))) == [
        ("skype", "a"), ("icq", "b"), ("aim", "c")]


def test_keys_are_case_insensitive(api, stocked):
    got = pairs(success(write(api, "POST", stocked, [("CONTACTS[0][TYPE]", "Mail"),
                                                      ("Contacts[0][VaLuE]", "x@y.org")])))
    assert got == [("mail", "x@y.org")]


def test_post_answers_200(api, stocked):
    r = write(api, "POST", stocked, [("contacts[0][type]", "icq"), ("contacts[0][value]", "1")])
    success(r, 200)


def test_delete_by_form(api, stocked):
    got = pairs(success(write(api, "DELETE", stocked, [("contacts[0][type]", "phone")])))
    assert got == [("mail", "start@example.org")]


def test_form_with_charset_and_utf8(api, stocked):
    r = api("POST", f"/{stocked.id}/contacts", token=stocked.token,
            data=form(("contacts[0][type]", "skype"), ("contacts[0][value]", "Zoë Ångström")),
            ctype=FORM + "; charset=UTF-8")
    assert pairs(success(r)) == [("skype", "Zoë Ångström")]


def test_plus_is_a_space_and_percent_escapes(api, stocked):
    r = api("POST", f"/{stocked.id}/contacts", token=stocked.token,
            data=b"contacts[0][type]=phone&contacts[0][value]=%2B1+555+0100", ctype=FORM)
    assert pairs(success(r)) == [("phone", "+1 555 0100")]


def test_empty_value_removes_type_on_merge(api, stocked):
    got = pairs(success(write(api, "PUT", stocked, [("contacts[0][type]", "phone"),
                                                     ("contacts[0][value]", "")])))
    assert got == [("mail", "start@example.org")]


def test_other_keys_are_ignored(api, stocked):
    got = pairs(success(write(api, "POST", stocked, [
        ("contacts[0][type]", "icq"), ("contacts[0][value]", "7"), ("firstname", "Ignored")])))
    assert got == [("icq", "7")]
    assert success(api.profile(stocked.id, stocked.token))["firstName"] == "Former"


# ------------------------------------------------------------------ refusals

BAD_FORMS = {
    "gap": [("contacts[0][type]", "icq"), ("contacts[2][type]", "aim")],
    "no-index-0": [("contacts[1][type]", "icq")],
    "repeat": [("contacts[0][type]", "icq"), ("contacts[0][type]", "aim")],
    "repeat-other-case": [("contacts[0][type]", "icq"), ("contacts[0][TYPE]", "aim")],
    "repeat-dotted": [("contacts[0][type]", "icq"), ("contacts[0].type", "aim")],
    "no-type": [("contacts[0][value]", "x")],
    "second-without-type": [("contacts[0][type]", "icq"), ("contacts[1][value]", "x")],
    "bad-type": [("contacts[0][type]", "ma il")],
    "no-contacts": [("firstname", "x")],
    "flat-contacts": [("contacts", "mail")],
    "mixed-index-and-name": [("contacts[0][type]", "icq"), ("contacts[x][type]", "aim")],
    "malformed-key": [("contacts[0][type", "icq")],
    "too-deep": [("contacts[0][a][b][c][d]", "x")],
    "value-control": [("contacts[0][type]", "icq"), ("contacts[0][value]", "a\x01b")],
    "value-nul": [("contacts[0][type]", "icq"), ("contacts[0][value]", "a\x00b")],
    "value-too-long": [("contacts[0][type]", "icq"), ("contacts[0][value]", "v" * 1025)],
}


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
@pytest.mark.parametrize("case", sorted(BAD_FORMS))
def test_bad_form_is_400_and_changes_nothing(server, api, stocked, method, case):
    with unchanged(server):
        error(write(api, method, stocked, BAD_FORMS[case]), 400)
    assert pairs(success(api.profile(stocked.id, stocked.token))) == START


def test_gap_message_names_the_missing_index(api, stocked):
    msg = error(write(api, "PUT", stocked, BAD_FORMS["gap"]), 400)
    assert "contacts[1]" in msg, msg


def test_typeless_item_message_names_it(api, stocked):
    msg = error(write(api, "PUT", stocked, BAD_FORMS["second-without-type"]), 400)
    assert "contacts[1]" in msg and "type" in msg, msg


@pytest.mark.parametrize("raw", [b"contacts[0][type]=icq&contacts[0][value]=%ff",
                                 b"contacts%5B0%5D%5Btype%ff%5D=icq",
                                 b"contacts[0][type]=%C3%28"])
def test_form_not_utf8_is_400(server, api, stocked, raw):
    with unchanged(server):
        error(api("PUT", f"/{stocked.id}/contacts", token=stocked.token, data=raw,
                  ctype=FORM), 400)


def test_empty_form_is_400(server, api, stocked):
    with unchanged(server):
        error(api("PUT", f"/{stocked.id}/contacts", token=stocked.token, data=b"",
                  ctype=FORM), 400)


def test_more_items_than_max_contacts_is_400(server, api, stocked):
    body = []
    for i in range(21):                       # LOC_SMALL: PeopleMaxContacts 20
        body += [(f"contacts[{i}][type]", f"t{i}"), (f"contacts[{i}][value]", "v")]
    with unchanged(server):
        error(write(api, "POST", stocked, body, loc=LOC_SMALL), 400)


def test_form_over_the_body_limit_is_413(server, api, stocked):
    body = form(("contacts[0][type]", "icq"), ("contacts[0][value]", "x"),
                ("pad", "p" * SMALL_MAX_BODY))
    with unchanged(server):
        error(api("PUT", f"/{stocked.id}/contacts", token=stocked.token, data=body,
                  ctype=FORM, loc=LOC_SMALL), 413)


def test_chunked_form_over_the_limit_is_413_even_when_it_decodes_small(server, api, stocked):
    # %41 decodes to one byte: the limit counts the bytes as sent
    raw = b"contacts[0][type]=icq&pad=" + b"%41" * (SMALL_MAX_BODY // 3 + 10)
    assert len(raw) > SMALL_MAX_BODY

    def chunks():
        for i in range(0, len(raw), 1000):
            yield raw[i:i + 1000]
    with unchanged(server):
        r = api("PUT", f"/{stocked.id}/contacts", token=stocked.token, data=chunks(),
                ctype=FORM, loc=LOC_SMALL)
        error(r, 413)


def test_form_at_the_limit_is_accepted(api, stocked):
    head = form(("contacts[0][type]", "icq"), ("contacts[0][value]", "x"), ("pad", ""))
    body = head + b"p" * (SMALL_MAX_BODY - len(head))
    assert len(body) == SMALL_MAX_BODY
    r = api("POST", f"/{stocked.id}/contacts", token=stocked.token, data=body, ctype=FORM,
            loc=LOC_SMALL)
    assert pairs(success(r)) == [("icq", "x")]


def test_too_many_fields_is_refused(server, api, stocked):
    body = b"&".join(b"k%d=v" % i for i in range(3000))
    with unchanged(server):
        r = api("PUT", f"/{stocked.id}/contacts", token=stocked.token, data=body, ctype=FORM)
        assert r.status_code in (400, 413), r.text
        error(r, r.status_code)


def test_multipart_is_still_415(server, api, stocked):
    with unchanged(server):
        error(api("PUT", f"/{stocked.id}/contacts", token=stocked.token,
                  data=b"--x\r\n\r\n--x--", ctype="multipart/form-data; boundary=x"), 415)


def test_form_write_of_someone_else_is_403(server, api, stocked, other):
    with unchanged(server):
        error(send_form(api, "PUT", f"/{stocked.id}/contacts", other.token,
                        [("contacts[0][type]", "icq"), ("contacts[0][value]", "1")]), 403)
