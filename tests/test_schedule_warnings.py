"""Schedule warnings a reviewer wants: each case changes a scratch copy of the example handbook in one
way and asserts the exact warning line (`file:line:column: warning: key: message`) of `ops validate`,
which still exits 0 (warnings fail only with --strict); and the unchanged cases give no warning.

The validator's clock is fixed at 2026-11-26 (`--as-of`); priya is away 2026-12-21 to 2027-01-03 in
the example team, and 2026-12-25/26 are holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from opsbook.cli import main

C, TEAM, P = "calendar/test-review.yaml", "ops/team.yaml", "postmortems/pm-test.md"

CADENCE = """\
id: test-review
title: Test review
when: {every: week, weekday: friday}
start: 2026-01-02
time: "09:00"
timezone: Europe/Berlin
duration: 30m
owner: maya
checklist:
  - Look at the numbers
"""

POSTMORTEM = """\
---
id: pm-test
title: Test incident
status: draft
severity: SEV-3
category: latency
services: [gift-search]
roles:
  on_call: tomas
timeline:
  - {at: "2026-11-02T10:00:00+01:00", type: started}
  - {at: "2026-11-02T10:05:00+01:00", type: detected}
action_items:
  - id: AI-1
    title: Add a cache
    owner: tomas
    due: 2026-12-20
---

## Summary

Slow.
"""

# maya's entry in the example's ops/team.yaml, to give her (and others) time away.
MAYA_ROLES = "    roles: [on-call, incident-commander]\n"
TOMAS_ROLES = "    roles: [on-call, scribe]\n"


def away(start: str, end: str) -> str:
    return f"    away:\n      - {{start: {start}, end: {end}}}\n"


@dataclass
class Case:
    name: str
    edits: dict[str, list[tuple[str, str]]]  # file → (old, new) replacements
    expected: list[str]  # the warning lines, with {line} standing for the marker's line
    marker: tuple[str, str] | None = None  # (file, text on the line the warning is at)


CASES = [
    Case("owner-away", {TEAM: [(MAYA_ROLES, MAYA_ROLES + away("2026-12-10", "2026-12-12"))]},
         ["calendar/test-review.yaml:8:1: warning: owner: maya is away on 2026-12-11, when test-review (2026-W50) "
          "happens, and no fallback is named"]),
    Case("owner-and-fallback-away",
         {TEAM: [(MAYA_ROLES, MAYA_ROLES + away("2026-12-10", "2026-12-12")),
                 (TOMAS_ROLES, TOMAS_ROLES + away("2026-12-11", "2026-12-11"))],
          C: [("owner: maya\n", "owner: maya\nfallback: tomas\n")]},
         ["calendar/test-review.yaml:8:1: warning: owner: maya is away on 2026-12-11, when test-review (2026-W50) "
          "happens, and its fallback tomas is away too"]),
    Case("rotation-everyone-away",
         {TEAM: [(MAYA_ROLES, MAYA_ROLES + away("2026-12-21", "2026-12-23")),
                 (TOMAS_ROLES, TOMAS_ROLES + away("2026-12-22", "2026-12-22"))],
          C: [("owner: maya", "rotation: primary-on-call"), ("weekday: friday", "weekday: tuesday")],
         # (nobody on call that day is an error, tests/test_oncall_validate.py; jordan covers it here)
          "ops/oncall-overrides.yaml": [("overrides:\n", "overrides:\n  - {rotation: primary-on-call, person: jordan, "
                                            "from: 2026-12-22T00:00, until: 2026-12-23T00:00, reason: Cover}\n")]},
         ["calendar/test-review.yaml:8:1: warning: rotation: everyone in primary-on-call is away on 2026-12-22, "
          "when test-review (2026-W52) happens"]),
    Case("skip-not-an-occurrence", {C: [("checklist:", "skip: [2026-12-11, 2026-12-10]\nchecklist:")]},
         ["calendar/test-review.yaml:9:20: warning: skip[1]: 2026-12-10 is not an occurrence of test-review "
          "(nearest: 2026-12-04, 2026-12-11)"]),
    Case("skip-before-start", {C: [("checklist:", "skip: [2025-12-26]\nchecklist:")]},
         ["calendar/test-review.yaml:9:8: warning: skip[0]: 2025-12-26 is not an occurrence of test-review "
          "(nearest: 2026-01-02)"]),
    Case("start-decades-ahead", {C: [("start: 2026-01-02", "start: 2062-01-02")]},
         ["calendar/test-review.yaml:4:1: warning: start: 2062-01-02 is more than 5 years from today (2026-11-26): "
          "a typo in the year?"]),
    Case("start-decades-ago", {C: [("start: 2026-01-02", "start: 1996-01-05")]},
         ["calendar/test-review.yaml:4:1: warning: start: 1996-01-05 is more than 5 years from today (2026-11-26): "
          "a typo in the year?"]),
    Case("rotation-start-decades-ago", {TEAM: [("    start: 2026-01-05\n    handoff:", "    start: 1996-01-05\n    handoff:")]},
         ["ops/team.yaml:{line}:5: warning: rotations[0].start: 1996-01-05 is more than 5 years from today "
          "(2026-11-26): a typo in the year?"], marker=(TEAM, "start: 1996-01-05")),
    Case("reminder-longer-than-a-week", {C: [("duration: 30m", "duration: 30m\nreminder: 10d")]},
         ["calendar/test-review.yaml:8:1: warning: reminder: 10d is longer than the cadence's interval (1 week): "
          "the reminder would come before the previous occurrence"]),
    Case("reminder-longer-than-two-months",
         {C: [("duration: 30m", "duration: 30m\nreminder: 60d"), ("{every: week, weekday: friday}",
                                                                  "{every: month, day: 3, interval: 2}")]},
         ["calendar/test-review.yaml:8:1: warning: reminder: 60d is longer than the cadence's interval (2 months): "
          "the reminder would come before the previous occurrence"]),
    Case("fortnight-from-a-saturday",
         {C: [("start: 2026-01-02", "start: 2026-11-28"), ("weekday: friday}", "weekday: friday, interval: 2}")]},
         ["calendar/test-review.yaml:4:1: warning: start: the first occurrence is 2026-12-11, not 2026-12-04: "
          "with `interval: 2`, weeks are counted from the one holding start (2026-11-28)"]),
    Case("every-other-month-from-the-31st",
         {C: [("start: 2026-01-02", "start: 2026-01-31"), ("{every: week, weekday: friday}",
                                                          "{every: month, day: 15, interval: 2}")]},
         ["calendar/test-review.yaml:4:1: warning: start: the first occurrence is 2026-03-15, not 2026-02-15: "
          "with `interval: 2`, months are counted from the one holding start (2026-01-31)"]),
    Case("action-item-due-before-the-incident", {P: [("due: 2026-12-20", "due: 2025-12-20")]},
         ["postmortems/pm-test.md:17:5: warning: action_items[0].due: action item AI-1 is due 2025-12-20, before "
          "the incident began (2026-11-02)"]),
]

# Changes a reviewer need not hear about.
QUIET = [
    ("fallback-stands-in", {TEAM: [(MAYA_ROLES, MAYA_ROLES + away("2026-12-10", "2026-12-12"))],
                            C: [("owner: maya\n", "owner: maya\nfallback: tomas\n")]}),
    ("away-on-a-skipped-day", {TEAM: [(MAYA_ROLES, MAYA_ROLES + away("2026-12-10", "2026-12-12"))],
                               C: [("checklist:", "skip: [2026-12-11]\nchecklist:")]}),
    ("skip-where-a-holiday-moves-it", {C: [("checklist:", "skip: [2026-12-28]\nchecklist:")]}),
    ("reminder-of-exactly-a-week", {C: [("duration: 30m", "duration: 30m\nreminder: 7d")]}),
    ("fortnight-from-its-first-day",
     {C: [("start: 2026-01-02", "start: 2026-11-27"), ("weekday: friday}", "weekday: friday, interval: 2}")]}),
    ("start-within-five-years", {C: [("start: 2026-01-02", "start: 2031-11-26")]}),
    ("due-on-the-day-it-began", {P: [("due: 2026-12-20", "due: 2026-11-02"), ("    owner: tomas\n",
                                                                             "    owner: tomas\n    status: done\n")]}),
]


@pytest.fixture
def handbook(handbook_copy: Path) -> Path:
    (handbook_copy / C).write_text(CADENCE, encoding="utf-8")
    (handbook_copy / P).write_text(POSTMORTEM, encoding="utf-8")
    return handbook_copy


def _edit(root: Path, edits: dict[str, list[tuple[str, str]]]) -> None:
    for rel, changes in edits.items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, f"{rel} no longer contains {old!r}"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


def _warnings(root: Path, capsys) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--root", str(root), "--as-of", "2026-11-26"])
    out = capsys.readouterr().out
    return exit_info.value.code, [line for line in out.splitlines() if ": warning: " in line]


def _line(path: Path, marker: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text.count("\n", 0, text.index(marker)) + 1


def test_the_unchanged_fixtures_give_no_warning(handbook, capsys):
    assert _warnings(handbook, capsys) == (0, [])


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_schedule_a_reviewer_should_look_at_gives_a_located_warning(handbook, capsys, case):
    _edit(handbook, case.edits)
    code, warnings = _warnings(handbook, capsys)
    expected = case.expected
    if case.marker:
        line = _line(handbook / case.marker[0], case.marker[1])
        expected = [text.format(line=line) for text in expected]
    assert code == 0
    assert [w for w in warnings if "overdue since" not in w] == expected


@pytest.mark.parametrize("name, edits", QUIET, ids=[name for name, _ in QUIET])
def test_a_schedule_that_is_fine_gives_no_warning(handbook, capsys, name, edits):
    _edit(handbook, edits)
    assert _warnings(handbook, capsys) == (0, [])
