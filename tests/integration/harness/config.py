"""A small builder for httpd configurations, in the manner of httpd's test/pyhttpd.

    conf = HttpdConf()
    conf.add("Timeout 30")
    conf.add_module("status")                      # LoadModule status_module .../mod_status.so
    conf.add_location("/api/2.0/people", "PeopleAPI On", "PeopleMaxBody 4096")
    conf.write(path)

A module is loaded once however often it is asked for, so that two features of the suite
that both need mod_authn_core do not make httpd warn about a module loaded twice.

Features add what their tests need without editing the harness: a test file (or a helper
module it imports) registers hooks at import time, and every Server of the run calls them:

    @harness.on_config
    def _identity_locations(server, conf):      # while the config is written
        conf.add_module("auth_basic")
        conf.add_location(f"/basic{harness.API_BASE}", "PeopleAPI On", ...)

    @harness.on_setup
    def _identity_files(server):                 # after the fixture users, before start
        ...

Hooks run for the shared `server` fixture of conftest.py and for every Server subclass a
test file makes; a hook that only concerns some servers checks `server` itself.
"""

from pathlib import Path

from .env import APACHE_MODULES

_config_hooks = []
_setup_hooks = []


def on_config(fn):
    """Register fn(server, conf): called while each server's configuration is written."""
    if fn not in _config_hooks:
        _config_hooks.append(fn)
    return fn


def on_setup(fn):
    """Register fn(server): called after each server's database and fixture users exist,
    before its configuration is written and httpd starts."""
    if fn not in _setup_hooks:
        _setup_hooks.append(fn)
    return fn


def run_config_hooks(server, conf):
    for fn in _config_hooks:
        fn(server, conf)


def run_setup_hooks(server):
    for fn in _setup_hooks:
        fn(server)


class HttpdConf:
    """Lines of an httpd configuration, with modules loaded once each."""

    def __init__(self, modules_dir=APACHE_MODULES):
        self.modules_dir = Path(modules_dir)
        self._lines = []
        self._modules = set()

    def add(self, *lines):
        """Append configuration lines (each a string; an iterable of strings is flattened)."""
        for line in lines:
            if isinstance(line, str):
                self._lines.append(line)
            else:
                self.add(*line)
        return self

    def has_module(self, name):
        return name in self._modules

    def add_module(self, name, path=None):
        """LoadModule NAME_module for mod_NAME.so (or `path`), once."""
        if name not in self._modules:
            self._modules.add(name)
            path = path or self.modules_dir / f"mod_{name}.so"
            self._lines.append(f'LoadModule {name}_module "{path}"')
        return self

    def add_section(self, kind, arg, *directives):
        """<kind "arg"> directives... </kind>, indented."""
        self._lines.append(f'<{kind} "{arg}">')
        self._lines.extend("    " + d for d in directives)
        self._lines.append(f"</{kind}>")
        return self

    def add_location(self, path, *directives):
        return self.add_section("Location", path, *directives)

    def add_directory(self, path, *directives):
        return self.add_section("Directory", path, *directives)

    def text(self):
        return "\n".join(self._lines) + "\n"

    def write(self, path):
        Path(path).write_text(self.text())
