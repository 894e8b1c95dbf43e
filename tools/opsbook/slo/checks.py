"""Checks of the SLO catalogue's indicators against the rest of the handbook (run by `ops validate`).

The PromQL's syntax and the `le` bound are checked by the models as they load; these need other files
or the burn-rate math, so they live here and run with the handbook's validation by `opsbook.validation`,
which composes the rooms' checks:

1. `indicator-without-runbook` (warning): an SLO with an indicator gets alerts, and every alert links
   the runbook that says how to handle it; one whose id no runbook lists under `detection.slos` would
   page someone with no page to open. A warning, not an error, so an SLO imported from OpenSLO is
   valid until its runbook is written; `ops validate --strict` refuses it.
2. `indicator-unit` (error): a ratio or latency indicator measures events, so its SLO's unit must be a
   share (ratio, percent) or a duration (ms, s) respectively.
3. `page-cannot-fire` (warning): the error budget times the page factor reaches 1, so the error ratio
   (at most 1) can never exceed it and the SLO never pages: a target too loose for its window.
4. `latency-bound` (error): a latency indicator's `le` is the target in the histogram's unit, which its
   name says (`..._seconds`, `..._milliseconds`); `le: "300"` on a `_seconds` histogram for a 300 ms
   target is 300 s. A histogram named otherwise cannot be checked (`latency-unit-unknown`, a warning).
5. `alert-direction` (error): the catalogue's `alert` must fire on the unhealthy side: below the
   target when the objective is `>=`/`>`, above it when `<=`/`<`. The other way round, `SLOThreshold`
   fires whenever the service is healthy.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Iterator

from opsbook.handbook.contents import Contents
from opsbook.handbook.explain import key_path
from opsbook.handbook.models.catalogue import Comparison, Slo, Unit
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
        if (wrong := alert_direction(slo)) is not None:
            yield at(("slos", index, "alert", "comparison"), wrong, code="alert-direction",
                     expected=f"comparison: \"{_OPPOSITE[slo.alert.comparison].value}\"",
                     hint=f"the objective {slo.objective.value} is met when the SLI is "
                          f"{'high' if slo.objective in _HEALTHY_HIGH else 'low'}, so the alert fires when it is "
                          f"{'below' if slo.objective in _HEALTHY_HIGH else 'above'} the threshold")
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
        elif indicator.latency is not None:
            yield from _latency_bound(slo, lambda message, **kwargs: at(path + ("latency", "le"), message, **kwargs))
        budget = burn.error_budget(slo)
        if budget is None:
            continue
        fast = burn.BURN_ALERTS[0]
        if budget * fast.factor(slo.window) >= 1:
            yield at(path, f"the page alert can never fire: an error budget of {budget:g} burnt "
                     f"{fast.factor(slo.window):g} times is more than every event failing",
                     code="page-cannot-fire", level=Level.WARNING,
                     hint="tighten the target or lengthen the window")


# The comparison an alert needs for each objective's direction, and the fix for a reversed one.
_HEALTHY_HIGH = {Comparison.GE, Comparison.GT}
_OPPOSITE = {Comparison.LT: Comparison.GT, Comparison.LE: Comparison.GE,
             Comparison.GT: Comparison.LT, Comparison.GE: Comparison.LE}
# Seconds per unit of a histogram, by the suffix of its name (Prometheus' naming convention).
HISTOGRAM_UNITS = {"_seconds": 1.0, "_milliseconds": 0.001}
_SLO_UNITS = {Unit.SECONDS: 1.0, Unit.MILLISECONDS: 0.001}


def alert_direction(slo: Slo) -> str | None:
    """Why the SLO's alert points the wrong way for its objective, or None."""
    alert = slo.alert
    if alert is None:
        return None
    healthy_high = slo.objective in _HEALTHY_HIGH
    fires_high = alert.comparison in _HEALTHY_HIGH
    if healthy_high != fires_high:
        return None
    return (f"the alert fires when {slo.metric} {alert.comparison.value} {alert.threshold:g}, but the objective "
            f"is {slo.objective.value} {slo.target:g}: it would fire while the service is healthy")


def histogram_unit(selector: str) -> tuple[str, float] | None:
    """The suffix of the histogram's name that gives its unit, and seconds per that unit; None if none does."""
    name = selector.partition("{")[0].strip()
    return next(((suffix, seconds) for suffix, seconds in HISTOGRAM_UNITS.items() if name.endswith(suffix)), None)


def _latency_bound(slo: Slo, at) -> Iterator[Problem]:
    """The `le` of a latency indicator against the SLO's target and unit (see the module's docstring)."""
    latency = slo.indicator.latency
    unit = histogram_unit(latency.histogram)
    if unit is None:
        yield at(f"the unit of `le: \"{latency.le}\"` cannot be checked against the target: the histogram's name "
                 f"ends in neither {' nor '.join(HISTOGRAM_UNITS)}", code="latency-unit-unknown", level=Level.WARNING,
                 hint=f"make sure `le` is the target {slo.target:g} {slo.unit.value} in the histogram's unit")
        return
    suffix, seconds = unit
    bound = float(latency.le) * seconds                  # le in seconds
    target = slo.target * _SLO_UNITS[slo.unit]           # the target in seconds
    if math.isclose(bound, target, rel_tol=1e-9):
        return
    right = _bound_text(target / seconds)
    yield at(f"`le: \"{latency.le}\"` on a {suffix} histogram is {_bound_text(bound)} s, but the target is "
             f"{slo.target:g} {slo.unit.value}", code="latency-bound", expected=f"le: \"{right}\"",
             found=f"le: \"{latency.le}\"",
             hint=f"write le: \"{right}\" (the target in the histogram's unit), and make sure the histogram has "
                  "that bucket")


def _bound_text(value: float) -> str:
    return f"{value:.12g}"
