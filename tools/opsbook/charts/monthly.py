"""Month-by-month charts for the metrics page: response times against targets, incidents by category.

Both take numbers already aggregated per month (`opsbook.incident.metrics.monthly`), so a chart of ten
thousand incidents has as many marks as one of ten: 12 months × a few series.

1. `times`: the median time to a stage (acknowledge, resolve) per month, one line per severity, each with
   its own dash and marker shape, on a logarithmic axis (minutes to days on one chart), with each
   severity's target as a thin line in the same dash, labelled at the right. A month without incidents
   of a severity breaks its line.
2. `counts`: incidents per month, stacked by category, each category its own fill pattern.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Sequence

from opsbook.charts import svg
from opsbook.charts.svg import THEME, Canvas, Frame, Palette
from opsbook.handbook.models.common import format_duration
from opsbook.plural import plural

HEIGHT = 300
FRAME = Frame(left=52, top=40, right=540, bottom=262)
TARGET_DASH = "1 3"                 # every target line; the severities' own lines are never dotted
LINE_DASHES = ("", "6 3", "8 3 2 3")
LOG_TICKS = [dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 240, 1440, 4320, 10080, 43200)]

Series = tuple[str, Sequence[dt.timedelta | None], dt.timedelta | None]  # (severity, median per month, target)


def _d(value: dt.timedelta | None) -> str:
    return format_duration(value) if value is not None else "—"


def _month_label(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%b %y")


def _x(months: Sequence[str]):
    step = FRAME.w / max(len(months), 1)
    return lambda i: FRAME.left + step * (i + 0.5)


def times_sentence(stage: str, months: Sequence[str], series: Sequence[Series]) -> str:
    """`Median time to acknowledge by month, Jan 26 to Dec 26: SEV-1 over its 15m target in 2 of 5 months …`"""
    span = f"{_month_label(months[0])} to {_month_label(months[-1])}" if months else "no months"
    parts = []
    for severity, values, target in series:
        known = [v for v in values if v is not None]
        if not known:
            continue
        if target is None:
            parts.append(f"{severity} has no target ({plural(len(known), 'month')} with incidents)")
            continue
        over = sum(1 for v in known if v > target)
        parts.append(f"{severity} over its {_d(target)} target in {over} of {plural(len(known), 'month')} with incidents"
                     if over else f"{severity} within its {_d(target)} target in {'the' if len(known) == 1 else 'all'} "
                     f"{plural(len(known), 'month')} with incidents")
    return f"Median time to {stage} by month, {span}: " + ("; ".join(parts) or "no incidents") + "."


def times(prefix: str, stage: str, months: Sequence[str], series: Sequence[Series], palette: Palette = THEME) -> str:
    """The `<svg>` of the median time to `stage` per month and severity, against each severity's target."""
    canvas = Canvas(prefix, HEIGHT, palette)
    f = FRAME
    shown = [v for _, values, target in series for v in [*values, target] if v is not None]
    low = min(shown, default=LOG_TICKS[0])
    high = max(shown, default=LOG_TICKS[-1])
    ticks = [t for t in LOG_TICKS if low / 5 <= t <= high * 5] or LOG_TICKS[:2]
    lo, hi = math.log(ticks[0].total_seconds()), math.log(ticks[-1].total_seconds())
    scale = svg.linear(lo, hi, f.bottom, f.top)

    def y(value: dt.timedelta) -> float:
        seconds = min(max(value.total_seconds(), ticks[0].total_seconds()), ticks[-1].total_seconds())
        return scale(math.log(seconds))

    svg.y_axis(canvas, f, [(y(t), _d(t)) for t in ticks])
    x = _x(months)
    svg.x_labels(canvas, f, [(x(i), _month_label(m)) for i, m in enumerate(months)])
    legend = []
    for index, (severity, values, target) in enumerate(series):
        colour, dash, shape = (palette.series[index % len(palette.series)], LINE_DASHES[index % len(LINE_DASHES)],
                               svg.SHAPES[index % len(svg.SHAPES)])
        if target is not None:
            canvas.line(f.left, y(target), f.right, y(target), colour, 1, TARGET_DASH)
            canvas.text(f.right + 4, y(target) + 4, f"{severity} target {_d(target)}", size=10)
        run: list[tuple[float, float]] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                canvas.polyline(run, colour, 2, dash) if len(run) > 1 else None
                run = []
                continue
            run.append((x(i), y(value)))
            canvas.marker(shape, x(i), y(value), colour, value=_d(value), filled=target is None or value <= target)
        legend.append((f"shape:{shape}", severity, colour))
    svg.legend(canvas, f.left, 18, legend + [(f"dash:{TARGET_DASH}", "target (hollow marker: over it)", palette.text)])
    canvas.text(f.left, HEIGHT - 6, "Median per month, logarithmic scale", size=10)
    return canvas.svg(f"Median time to {stage} by month and severity", times_sentence(stage, months, series))


def times_figure(prefix: str, stage: str, months: Sequence[str], series: Sequence[Series]) -> str:
    headers = ["Month", *(f"{severity} median" for severity, _, _ in series)]
    rows = [[m, *(_d(values[i]) for _, values, _ in series)] for i, m in enumerate(months)]
    rows.append(["Target", *(_d(target) for _, _, target in series)])
    return svg.figure(prefix, times(prefix, stage, months, series), f"The numbers: median time to {stage}",
                      headers, rows)


def counts_sentence(months: Sequence[str], categories: Sequence[str], counts: Sequence[Sequence[int]]) -> str:
    totals = [sum(row) for row in counts]
    total = sum(totals)
    if not total:
        return f"No incidents from {_month_label(months[0])} to {_month_label(months[-1])}." if months else "No incidents."
    busiest = max(range(len(months)), key=lambda i: (totals[i], i))
    by_category = [sum(row[c] for row in counts) for c in range(len(categories))]
    top = max(range(len(categories)), key=lambda c: (by_category[c], -c))
    return (f"{total} incidents from {_month_label(months[0])} to {_month_label(months[-1])}; the most in "
            f"{_month_label(months[busiest])} ({totals[busiest]}); {categories[top]} the most common category "
            f"({by_category[top]}).")


def counts(prefix: str, months: Sequence[str], categories: Sequence[str], rows: Sequence[Sequence[int]],
           palette: Palette = THEME) -> str:
    """The `<svg>` of incidents per month (`rows[month][category]`), stacked by category."""
    canvas = Canvas(prefix, HEIGHT, palette)
    f = FRAME
    step = svg.nice_max(max([sum(row) for row in rows] or [1]) / 4)  # whole incidents: 1, 2, 5, 10 …
    step = max(1, round(step)) if step != 2.5 else 5
    top = step * 4
    y = svg.linear(0, top, f.bottom, f.top)
    svg.y_axis(canvas, f, [(y(step * i), f"{step * i:g}") for i in range(5)])
    x = _x(months)
    width = f.w / max(len(months), 1) * 0.6
    svg.x_labels(canvas, f, [(x(i), _month_label(m)) for i, m in enumerate(months)])
    for i, row in enumerate(rows):
        base = 0
        for c, count in enumerate(row):
            if count:
                canvas.rect(x(i) - width / 2, y(base + count), width, y(base) - y(base + count),
                            palette.series[c % 2], svg.PATTERNS[c % len(svg.PATTERNS)], value=str(count))
            base += count
        canvas.text(x(i), y(base) - 4, str(base) if base else "", anchor="middle", size=10)
    svg.legend(canvas, f.left, 18, [(f"pattern:{svg.PATTERNS[c % len(svg.PATTERNS)]}", name, palette.series[c % 2])
                                    for c, name in enumerate(categories)])
    return canvas.svg("Incidents per month by category", counts_sentence(months, categories, rows))


def counts_figure(prefix: str, months: Sequence[str], categories: Sequence[str], rows: Sequence[Sequence[int]]) -> str:
    table = [[m, *(str(n) for n in row), str(sum(row))] for m, row in zip(months, rows)]
    return svg.figure(prefix, counts(prefix, months, categories, rows), "The numbers: incidents per month",
                      ["Month", *categories, "Total"], table)
