"""HTTP helpers: the API client of one server, and the fixture users."""

import json as jsonlib
import threading

import requests

from .env import API_BASE, LOC_MAIN


class User:
    def __init__(self, name, id, token, first, last, email):
        self.name, self.id, self.token = name, id, token
        self.first, self.last, self.email = first, last, email

    def __repr__(self):
        return f"User({self.name!r}, {self.id!r})"


# --------------------------------------------------------------------------- HTTP client

_MISSING = object()


class Api:
    """Calls the API of one running server.

    api(method, path, token=..., json=..., data=..., headers=..., scheme=..., loc=..., ctype=...)
      path   relative to the API base, e.g. "/@self" or f"/{id}/contacts"
      loc    "" (main location), "/replace" or "/small" (see the LOC_* constants)
      scheme "plain" (Authorization: TOKEN), "bearer" (Authorization: Bearer TOKEN),
             "cookie" (Cookie: asc_auth_key=TOKEN)
      json   an object sent as the JSON body; data: raw str/bytes/generator body
      ctype  Content-Type of a body (default application/json; None: no Content-Type)
    """

    def __init__(self, server):
        self.server = server
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()

    def session(self):
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False          # no proxies, no .netrc overriding Authorization
            self._local.session = s
            with self._lock:
                self._sessions.append(s)
        return s

    def close(self):
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()
        self._local = threading.local()

    def url(self, path, loc=LOC_MAIN):
        return self.server.url + loc + API_BASE + path

    def __call__(self, method, path, token=None, json=_MISSING, data=None, headers=None,
                 scheme="plain", loc=LOC_MAIN, ctype=_MISSING, timeout=30):
        hdrs = {"Accept": "application/json"}
        if token is not None:
            self.server.note_token(token)
            if scheme == "plain":
                hdrs["Authorization"] = token
            elif scheme == "bearer":
                hdrs["Authorization"] = "Bearer " + token
            elif scheme == "cookie":
                hdrs["Cookie"] = "asc_auth_key=" + token
            else:
                raise ValueError(scheme)
        if json is not _MISSING:
            data = jsonlib.dumps(json).encode("utf-8")
        if data is not None:
            if ctype is _MISSING:
                ctype = "application/json"
            if ctype is not None:
                hdrs["Content-Type"] = ctype
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        return self.server.request(method, self.url(path, loc), headers=hdrs, data=data,
                                   timeout=timeout, session=self.session())

    def contacts(self, method, who, contacts, token, loc=LOC_MAIN, headers=None, suffix=""):
        """Write `contacts` (a list, wrapped as {"contacts": list}, or a whole body dict)."""
        body = contacts if isinstance(contacts, dict) else {"contacts": contacts}
        return self(method, f"/{who}/contacts{suffix}", token=token, json=body, loc=loc,
                    headers=headers)

    def profile(self, who, token, loc=LOC_MAIN):
        return self("GET", f"/{who}", token=token, loc=loc)


