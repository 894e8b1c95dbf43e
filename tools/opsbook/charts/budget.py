"""The error-budget chart of one SLO: budget left over its window, as a step line from 100% down.

1. The x axis is the SLO's window ending at the moment measured; each point is the share of the
   window's budget left once the errors up to it are counted (the last point is the catalogue's "budget
   left"). With less history than the window the line starts where the data start, and says so.
2. The ideal burn runs straight from 100% at the window's start to 0% at its end: a line below it burns
   faster than the budget lasts. Zero is marked; the review period is shaded; the burn-rate alerts that
   fired are ticks under the plot, one band per run of steps in which one fired.
3. The table lists a point about every `1/ROWS` of the window (and the last), each also drawn as a
   marker on the line, so the table's numbers are visibly the chart's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Sequence

from opsbook.charts import svg
from opsbook.charts.svg import EXPLICIT, THEME, Canvas, Frame, Palette

ROWS = 28  # table rows (and markers) at most, about one a day for a 28-day window
HEIGHT = 300
FRAME = Frame(left=52, top=34, right=624, bottom=246)


@dataclasses.dataclass(frozen=True)
class Budget:
    """What the chart draws, in plain numbers."""

    slo: str                                   # the SLO's id (the chart's id prefix)
    title: str                                 # the SLO's title
    start: dt.datetime                         # the window's start (the x axis' left end)
    end: dt.datetime                           # the moment measured (its right end)
    points: Sequence[tuple[dt.datetime, float]]  # (time, share of the budget left), from the first data on
    alerts: Sequence[tuple[dt.datetime, str]] = ()  # (step's time, severity) for each step an alert fired in
    period_start: dt.datetime | None = None    # the review period: from here to `end`, shaded


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def burn_rate(budget: Budget) -> float | None:
    """How many times faster than sustainable the budget burnt over the review period (None: unknown)."""
    if budget.period_start is None or len(budget.points) < 2:
        return None
    before = [value for at, value in budget.points if at <= budget.period_start]
    first_at, first = (budget.period_start, before[-1]) if before else budget.points[0]
    spent = first - budget.points[-1][1]
    share_of_window = (budget.end - first_at) / (budget.end - budget.start)
    return spent / share_of_window if share_of_window > 0 else None


def sentence(budget: Budget) -> str:
    """The chart's point in words: budget left, how fast it burns, alerts, how far back the data go."""
    if not budget.points:
        return f"{budget.title}: Prometheus holds no events of this SLO in its window, so there is no budget to draw."
    left = budget.points[-1][1]
    words = [f"{budget.title}: {percent(left)} of the error budget left" if left >= 0
             else f"{budget.title}: error budget exhausted, {percent(-left)} overspent"]
    rate = burn_rate(budget)
    if rate is not None:
        days = f"{(budget.end - budget.period_start) / dt.timedelta(days=1):g}"
        words.append(f"burning {rate:.1f}x faster than sustainable over the last {days} days" if rate > 1 else
                     f"burning at {rate:.1f}x the sustainable rate over the last {days} days")
    severities = sorted({severity for _, severity in budget.alerts})
    words.append(f"burn alerts fired: {', '.join(severities)}" if severities else "no burn alert fired")
    text = ", ".join(word for word in words if word) + "."
    since = budget.points[0][0]
    if since - budget.start > _step(budget):
        text += f" Prometheus holds data from {since:%Y-%m-%d %H:%M} only, less than the window."
    return text


def _step(budget: Budget) -> dt.timedelta:
    if len(budget.points) > 1:
        return budget.points[1][0] - budget.points[0][0]
    return dt.timedelta(0)


def tabulated(budget: Budget) -> list[int]:
    """Indexes of the points the table lists: the last, and every k-th before it, oldest first."""
    count = len(budget.points)
    every = max(1, math.ceil(count / ROWS))
    return list(range(count - 1, -1, -every))[::-1]


def chart(budget: Budget, palette: Palette = THEME, prefix: str | None = None) -> str:
    """The `<svg>` of the chart."""
    prefix = prefix or svg.chart_id("budget", budget.slo)
    canvas = Canvas(prefix, HEIGHT, palette)
    f = FRAME
    values = [value for _, value in budget.points]
    low = min([0.0, *values])
    bottom = max(math.floor(low * 4) / 4, -1.0)  # quarter steps; below -100% the line is cut at the edge
    x = svg.linear(budget.start.timestamp(), budget.end.timestamp(), f.left, f.right)
    y = svg.linear(bottom, 1.0, f.bottom, f.top)

    def clip(value: float) -> float:
        return y(max(value, bottom))

    if budget.period_start is not None:
        left = x(max(budget.period_start, budget.start).timestamp())
        canvas.shade(left, f.top, f.right - left, f.h)
        canvas.text(f.right - 4, f.top + 12, "review period", anchor="end", size=10)
    ticks = [v / 4 for v in range(int(bottom * 4), 5)]
    svg.y_axis(canvas, f, [(y(v), f"{v * 100:.0f}%") for v in ticks])
    canvas.line(f.left, y(0), f.right, y(0), palette.text, 1.5)  # zero: the budget is spent
    days = (budget.end - budget.start) / dt.timedelta(days=1)
    labels = [(f.left, f"{budget.start:%b %d}"), ((f.left + f.right) / 2, f"{budget.start + (budget.end - budget.start) / 2:%b %d}"),
              (f.right, f"{budget.end:%b %d}")]
    svg.x_labels(canvas, f, labels)
    canvas.line(f.left, y(1), f.right, y(0), palette.series[1], 1.5, svg.DASHES[1])  # the ideal burn
    if budget.points:
        canvas.steps([(x(at.timestamp()), clip(value)) for at, value in budget.points], palette.series[0], 2.5)
        for index in tabulated(budget):
            at, value = budget.points[index]
            canvas.marker("circle", x(at.timestamp()), clip(value), palette.series[0], 3, value=percent(value))
        since = budget.points[0][0]
        if since - budget.start > _step(budget):
            canvas.text(x(since.timestamp()) + 4, f.bottom - 6, f"data from {since:%b %d}", size=10)
    _alert_ticks(canvas, budget, x)
    svg.legend(canvas, f.left, 20, [("dash:", "budget left", palette.series[0]),
                                    ("dash:" + svg.DASHES[1], "ideal burn", palette.series[1]),
                                    ("pattern:solid", "page alert", palette.warn),
                                    ("pattern:hatch", "ticket alert", palette.warn)])
    canvas.text(f.left, HEIGHT - 8, f"{days:g}-day window; budget left after the errors up to each point", size=10)
    return canvas.svg(f"Error budget left: {budget.title}", sentence(budget))


def _alert_ticks(canvas: Canvas, budget: Budget, x) -> None:
    """A band under the plot for each run of consecutive steps in which an alert of one severity fired."""
    step = _step(budget) or dt.timedelta(minutes=1)
    top = FRAME.bottom + 20
    if budget.alerts:
        canvas.text(FRAME.left - 4, top + 9, "alerts", anchor="end", size=10)
    for row, severity in enumerate(("page", "ticket")):
        times = sorted(at for at, sev in budget.alerts if sev == severity)
        runs: list[list[dt.datetime]] = []
        for at in times:
            if runs and at - runs[-1][1] <= step:
                runs[-1][1] = at
            else:
                runs.append([at, at])
        for first, last in runs:
            left, right = x((first - step).timestamp()), x(last.timestamp())
            canvas.rect(left, top + row * 8, max(right - left, 2), 6, canvas.palette.warn,
                        "solid" if severity == "page" else "hatch")


def table(budget: Budget) -> tuple[list[str], list[list[str]]]:
    """The table under the chart: the tabulated points, with the alerts that fired since the row before."""
    indexes = tabulated(budget)
    rows = []
    previous = budget.start
    for index in indexes:
        at, value = budget.points[index]
        fired = sorted({sev for when, sev in budget.alerts if previous < when <= at})
        rows.append([f"{at:%Y-%m-%d %H:%M}", percent(value), ", ".join(fired) or "none"])
        previous = at
    return ["Until", "Budget left", "Burn alerts fired"], rows


def figure(budget: Budget) -> str:
    """The chart and its table, for a page of the site."""
    prefix = svg.chart_id("budget", budget.slo)
    headers, rows = table(budget)
    return svg.figure(prefix, chart(budget, THEME, prefix), f"The numbers of the error budget of {budget.title}",
                      headers, rows)


def standalone(budget: Budget) -> bytes:
    """The chart as a file of its own, with explicit colours (an `<img>` or an image proxy sees no theme)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + chart(budget, EXPLICIT) + "\n").encode("utf-8")
