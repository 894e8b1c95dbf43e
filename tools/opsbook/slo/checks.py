"""Checks of the SLO catalogue's indicators against the rest of the handbook (run by `ops validate`).

The PromQL's syntax and the `le` bound are checked by the models as they load; these need other files
or the burn-rate math, so they run from the handbook room's short list of checks kept in other rooms
(`handbook/validate.py`, `_room_checks`):

1. `indicator-without-runbook` (warning): an SLO with an indicator gets alerts, and every alert links
   the runbook that says how to handle it; one whose id no runbook lists under `detection.slos` would
   page someone with no page to open. A warning, not an error, so an SLO imported from OpenSLO is
   valid until its runbook is written; `ops validate --strict` refuses it.
2. `indicator-unit` (error): a ratio or latency indicator measures events, so its SLO's unit must be a
   share (ratio, percent) or a duration (ms, s) respectively.
3. `page-cannot-fire` (warning): the error budget times the page factor reaches 1, so the error ratio
   (at most 1) can never exceed it and the SLO never pages: a target too loose for its window.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from opsbook.handbook.contents import Contents
from opsbook.handbook.explain import key_path
from opsbook.handbook.models.catalogue import Unit
from opsbook.problems import Level, Problem
from opsbook.slo import burn

SLOS_FILE = "ops/slos.yaml"


def check_indicators(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """Located problems of the catalogue's indicators; nothing when the catalogue did not load."""
    source = contents.sources.get(SLOS_FILE)
    if contents.slos is None or source is None:
        return
    handled = {slo_id for doc in contents.runbooks for slo_id in doc.meta.detection.slos}

    def at(path: tuple, message: str, **kwargs) -> Problem:
        line, column = source.line_of(path)
        return Problem(SLOS_FILE, message, line, column, key_path(path), **kwargs)

    for index, slo in enumerate(contents.slos.slos):
        indicator = slo.indicator
        if indicator is None:
            continue
        path = ("slos", index, "indicator")
        # A runbook that did not load may be the one that handles it: its own error is the cause to report.
        if slo.id not in handled and not contents.unloaded_runbooks:
            yield at(path, f"SLO '{slo.id}' has an indicator but no runbook says how to handle its alerts",
                     code="indicator-without-runbook", level=Level.WARNING,
                     hint=f"add '{slo.id}' to `detection.slos` of the runbook for it")
        if indicator.ratio is not None and slo.unit not in (Unit.RATIO, Unit.PERCENT):
            yield at(path + ("ratio",), f"a ratio indicator measures a share, but the SLO's unit is "
                     f"{slo.unit.value}", code="indicator-unit", expected="unit: ratio or percent")
        if indicator.latency is not None and slo.unit not in (Unit.MILLISECONDS, Unit.SECONDS):
            yield at(path + ("latency",), f"a latency indicator measures a duration, but the SLO's unit is "
                     f"{slo.unit.value}", code="indicator-unit", expected="unit: ms or s")
        budget = burn.error_budget(slo)
        if budget is None:
            continue
        fast = burn.BURN_ALERTS[0]
        if budget * fast.factor(slo.window) >= 1:
            yield at(path, f"the page alert can never fire: an error budget of {budget:g} burnt "
                     f"{fast.factor(slo.window):g} times is more than every event failing",
                     code="page-cannot-fire", level=Level.WARNING,
                     hint="tighten the target or lengthen the window")
