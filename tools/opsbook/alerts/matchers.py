"""`alerts.open_on`: Alertmanager's matcher syntax (`name="v"`, `!=`, `=~`, `!~`), entries joined by commas.

An alert opens an incident when every matcher of one entry matches its labels. Regular expressions are
anchored at both ends, as Alertmanager anchors them.
"""

from __future__ import annotations

import dataclasses
import re

from opsbook.problems import UsageError

_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')


@dataclasses.dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        found = labels.get(self.name, "")
        if self.op in ("=", "!="):
            return (found == self.value) == (self.op == "=")
        return (re.fullmatch(self.value, found) is not None) == (self.op == "=~")


def parse(entry: str, where: str = "opsbook.yaml: alerts.open_on") -> tuple[Matcher, ...]:
    """One `open_on` entry as its matchers; UsageError naming the entry when it is not matcher syntax."""
    matchers, position = [], 0
    while position < len(entry):
        match = _MATCHER.match(entry, position)
        if match is None or match.end() == position:
            raise UsageError(f"{where}: {entry!r}: expected matchers such as severity=\"page\" or "
                             f"alertname=~\"SLO.*\", separated by commas")
        name, op, value = match[1], match[2], match[3].replace('\\"', '"')
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise UsageError(f"{where}: {entry!r}: {value!r} is not a regular expression ({exc})") from None
        matchers.append(Matcher(name, op, value))
        position = match.end()
    if not matchers:
        raise UsageError(f"{where}: an entry is empty")
    return tuple(matchers)


def any_entry(entries: list[tuple[Matcher, ...]], labels: dict[str, str]) -> bool:
    return any(all(m.matches(labels) for m in entry) for entry in entries)
