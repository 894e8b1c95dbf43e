"""Validating a handbook: the handbook room's loading and checks, and the checks of the rooms above it.

Some checks need a room's engine: the review schedule (`calendar`), the on-call shifts (`oncall`), the
status page's leak rules (`status`), the SLO rules (`slo`). They live in their rooms, which build on
`opsbook.handbook`; this module sits above all of them and hands their checks, and when each one's
result could next change with the time alone, to `handbook.validate.run_checks`. So the handbook room
imports no room above it, and every command and the site validate through here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from opsbook.calendar.checks import check_schedule, next_schedule_change
from opsbook.handbook.assembled import Handbook
from opsbook.handbook.cache import DocumentCache
from opsbook.handbook.validate import Report, run_checks
from opsbook.oncall.checks import check_oncall, next_oncall_change
from opsbook.problems import HandbookInvalid
from opsbook.slo.checks import check_indicators
from opsbook.status.checks import check_public, next_public_change

ROOM_CHECKS = (check_schedule, check_oncall, check_public, check_indicators)
NEXT_CHANGES = (next_schedule_change, next_oncall_change, next_public_change)


def check_handbook(root: Path | str, now: dt.datetime | None = None, cache: DocumentCache | None = None) -> Report:
    """Every problem in the handbook at `root`, sorted by file and line, and the handbook if it has no errors.

    `now` (aware; default: the current time) decides what is overdue, due for review or in the future.
    With a `cache` (a DocumentCache kept by a long-running process, or a StoredCache kept between runs),
    files unchanged since its last load are not read or validated again; the problems are the same.
    """
    return run_checks(root, now, cache, room_checks=ROOM_CHECKS, next_changes=NEXT_CHANGES)


def load_handbook(root: Path | str, now: dt.datetime | None = None) -> Handbook:
    """The handbook at `root`; raises HandbookInvalid (with every problem) when it has errors."""
    report = check_handbook(root, now)
    if report.handbook is None:
        raise HandbookInvalid(report.problems)
    return report.handbook
