"""Error-log checks: every test fails on a warn-or-worse line it did not declare."""

import re
from pathlib import Path


# error-log lines that fail a test unless declared: any level warn or worse, in
# both "[level]" and "[module:level]" forms, and crashed children (logged at notice)
BAD_LOG_LINE = re.compile(
    r"\[(?:[A-Za-z0-9_.-]+:)?(?:warn|error|crit|alert|emerg)\]"
    r"|exit signal|AH00052|AH00060|Segmentation fault"
)



class LogFile:
    """Follows a log file; new_lines() returns the complete lines written since the last call."""

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0
        self._partial = b""

    def skip_to_end(self):
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        self._partial = b""

    def new_lines(self):
        if not self.path.exists():
            return []
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        return [line.decode("utf-8", "replace") for line in lines]

    def text(self):
        return self.path.read_text(encoding="utf-8", errors="replace") if self.path.exists() else ""


def unexpected_log_lines(lines, allowed=()):
    """The lines that are warn-or-worse (or a crash) and match none of the `allowed` regexes."""
    allowed = [re.compile(a) for a in allowed]
    return [line for line in lines
            if BAD_LOG_LINE.search(line) and not any(a.search(line) for a in allowed)]




def declared_patterns(node):
    """The regexes a test declared with @pytest.mark.expect_log(r"...", ...)."""
    return [p for m in node.iter_markers("expect_log") for p in m.args]


def log_check_failure(server, node, pending=(), timeout=2.0):
    """The one error-log check of the suite: waits until every request sent so far is in the
    access log (so its error-log lines are written), then returns a failure message for the
    lines at warn or worse that `node` did not declare, or None."""
    server.wait_for_access_log(timeout)
    bad = unexpected_log_lines(list(pending) + server.errlog.new_lines(),
                               declared_patterns(node))
    return "unexpected lines in the error log:\n" + "\n".join(bad) if bad else None
