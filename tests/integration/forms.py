"""Helpers of the form, profile and user-management tests (spec sections 5 and 11)."""

import json
import urllib.parse

FORM = "application/x-www-form-urlencoded"


def form(*pairs):
    """A form body from (key, value) pairs, encoded as a browser or jQuery does."""
    return urllib.parse.urlencode(list(pairs)).encode()


def jquery(obj, prefix=None):
    """The (key, value) pairs of jQuery's $.param(obj): nested keys in brackets, arrays of
    objects by index, arrays of scalars as key[]=, None as an empty value, booleans as
    true/false."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += jquery(v, f"{prefix}[{k}]" if prefix else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, (dict, list)):
                out += jquery(v, f"{prefix}[{i}]")
            else:
                out += jquery(v, f"{prefix}[]")
    elif obj is None:
        out.append((prefix, ""))
    elif isinstance(obj, bool):
        out.append((prefix, "true" if obj else "false"))
    else:
        out.append((prefix, str(obj)))
    return out


def put_profile(api, who, token, body, as_form=False, **kw):
    """PUT /{who} with a JSON object, or the same object as jQuery's form."""
    if as_form:
        return api("PUT", f"/{who}", token=token, data=form(*jquery(body)), ctype=FORM, **kw)
    return api("PUT", f"/{who}", token=token, json=body, **kw)


def send_form(api, method, path, token, pairs, **kw):
    return api(method, path, token=token, data=form(*pairs), ctype=FORM, **kw)


def json_body(obj):
    return json.dumps(obj).encode()
