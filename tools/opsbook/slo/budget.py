"""An SLO's error budget over its window, step by step, read with `query_range`: what the budget chart draws.

1. The step: the smallest of `STEPS` that keeps the window within `MAX_POINTS` points (28 days: 3 hours,
   224 points; 7 days: 1 hour, 168), shortened if need be to divide the window exactly. The points are
   the window's end (the moment measured) and every step before it, back to the window's start.
2. Two range queries over the SLO's own expressions (`opsbook.slo.rules.sli`), each over one step: the
   events per second and the failed events per second (error ratio × events), per group of a grouped
   SLO, whose chart is its worst group's (the one with the least budget left), as its numbers are. Times the step's length,
   they are each step's events and failures.
3. Budget left at a point: 1 − (failures from the window's start up to the point) / (budget × events in
   the whole window). The last point is the window's error ratio against the budget, the number the
   catalogue quotes; a line that burns evenly falls straight from 100% to 0% (the ideal burn).
4. Steps Prometheus has no data for before its first sample are left out: the line starts where the
   history does. A step with no events adds nothing.
5. The burn-rate alerts that fired, per step and severity, from Prometheus' `ALERTS` series.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from opsbook.handbook.models.catalogue import Slo
from opsbook.slo import burn, rules
from opsbook.slo.prometheus import Prometheus

MAX_POINTS = 300
STEPS = tuple(dt.timedelta(minutes=m) for m in (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440))


@dataclasses.dataclass(frozen=True)
class BudgetSeries:
    """An SLO's budget left over its window, as measured."""

    slo: str
    title: str
    start: dt.datetime                           # the window's start
    end: dt.datetime                             # the moment measured
    step: dt.timedelta
    points: tuple[tuple[dt.datetime, float], ...]  # (time, share of the budget left), from the first data on
    alerts: tuple[tuple[dt.datetime, str], ...]    # (step's time, severity) for each step a burn alert fired in
    period_start: dt.datetime | None = None      # the review period's start, shaded on the chart


def step_for(window: dt.timedelta) -> dt.timedelta:
    """The step that keeps `window` within MAX_POINTS points and divides it exactly."""
    step = next((s for s in STEPS if window / s <= MAX_POINTS), STEPS[-1])
    count = math.ceil(window / step)
    return dt.timedelta(seconds=math.ceil(window.total_seconds() / count))


def series(client: Prometheus, slo: Slo, at: dt.datetime, period: dt.timedelta | None = None) -> BudgetSeries | None:
    """The budget series of an SLO with event counters, or None for one without (a quotient, no indicator).
    A grouped SLO (`by`) is as good as its worst group, as its numbers are: the series is that group's.
    Raises PrometheusUnavailable when Prometheus cannot answer."""
    measured = rules.sli(slo)
    budget = burn.error_budget(slo)
    if measured is None or not budget:
        return None
    step = step_for(slo.window)
    count = round(slo.window / step)
    first, span = at - step * (count - 1), f"{int(step.total_seconds())}s"
    events = _values(client.matrix(rules.at(measured.total, span), first, at, step), measured.by)
    failed = _values(client.matrix(rules.at(f"({measured.error_ratio}) * ({measured.total})", span), first, at, step),
                     measured.by)
    fired = client.matrix(f'max by (severity) (max_over_time(ALERTS{{alertname="{rules.BURN_ALERT}", '
                          f'alertstate="firing", slo="{slo.id}"}}[{span}]))', first, at, step)
    times = [first + step * k for k in range(count)]
    lines = [_budget_line(times, events[group], failed.get(group, {}), budget, step) for group in sorted(events)]
    points = min((line for line in lines if line), key=lambda line: line[-1][1], default=[])
    alerts = sorted((dt.datetime.fromtimestamp(when, at.tzinfo), labels.get("severity", "?"))
                    for labels, values in fired for when, value in values if value > 0)
    return BudgetSeries(slo.id, slo.title, at - slo.window, at, step, tuple(points), tuple(alerts),
                        at - period if period is not None else None)


def _budget_line(times: list[dt.datetime], events: dict[int, float], failed: dict[int, float], budget: float,
                 step: dt.timedelta) -> list[tuple[dt.datetime, float]]:
    """Budget left at each time Prometheus has events for, from one group's events and failures per second."""
    seconds = step.total_seconds()
    known = [t for t in times if _ms(t.timestamp()) in events]
    total = sum(events[_ms(t.timestamp())] for t in known) * seconds
    points: list[tuple[dt.datetime, float]] = []
    spent = 0.0
    if total > 0:
        for t in known:
            bad = failed.get(_ms(t.timestamp()), 0.0)
            spent += (bad if math.isfinite(bad) else 0.0) * seconds
            points.append((t, 1 - spent / (budget * total)))
    return points


def _ms(unix: float) -> int:
    return round(unix * 1000)


def _values(matrix: list[tuple[dict[str, str], list[tuple[float, float]]]], by: tuple[str, ...] = ()
            ) -> dict[tuple[str, ...], dict[int, float]]:
    """Each group's values (by its `by` labels; one group for an SLO without) by unix milliseconds."""
    out: dict[tuple[str, ...], dict[int, float]] = {}
    for labels, values in matrix:
        group = out.setdefault(tuple(labels.get(name, "") for name in by), {})
        for when, value in values:
            if math.isfinite(value):
                group[_ms(when)] = group.get(_ms(when), 0.0) + value
    return out
