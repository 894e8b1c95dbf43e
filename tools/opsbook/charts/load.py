"""On-call load: hours per person per week, weekday, weekend and holiday hours told apart.

One lane per person, one bar per week in each lane, stacked: weekday hours solid, weekend hours hatched,
holiday hours dotted (patterns, not colours alone). Every lane shares one scale (a full week, 168 h, or
the most anyone holds in a week across rotations), so an unfair rota shows as one lane taller than the rest. The weeks still ahead are shaded and a line marks
this week's start. A team larger than `LANES` gets its smallest loads summed into one lane, "others".
"""

from __future__ import annotations

from typing import Sequence

from opsbook.charts import svg
from opsbook.charts.svg import THEME, Canvas, Frame, Palette

LANES = 14
LANE = 38
WEEK_HOURS = 168.0
KINDS = ("weekday", "weekend", "holiday")
PATTERN = {"weekday": "solid", "weekend": "hatch", "holiday": "dots"}

Lane = tuple[str, Sequence[Sequence[float]]]  # (person, per week: hours by kind in KINDS order)


def hours(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def fold(lanes: Sequence[Lane]) -> list[Lane]:
    """At most `LANES` lanes: the heaviest loads as they are, the rest summed into "others"."""
    if len(lanes) <= LANES:
        return list(lanes)
    ranked = sorted(lanes, key=lambda lane: -sum(sum(week) for week in lane[1]))
    kept, rest = ranked[:LANES - 1], ranked[LANES - 1:]
    weeks = len(rest[0][1])
    summed = [[sum(lane[1][w][k] for lane in rest) for k in range(len(KINDS))] for w in range(weeks)]
    order = {name: index for index, (name, _) in enumerate(lanes)}
    return sorted(kept, key=lambda lane: order[lane[0]]) + [(f"{len(rest)} others", summed)]


def sentence(rotation: str, weeks: Sequence[str], lanes: Sequence[Lane]) -> str:
    """Who carries the most and the fewest hours over the weeks shown, and how many are off-hours."""
    totals = [(sum(sum(week) for week in load), sum(week[1] + week[2] for week in load), name)
              for name, load in lanes]
    carrying = [t for t in totals if t[0] > 0]
    if not carrying:
        return f"{rotation}: nobody is on call in the {len(weeks)} weeks shown."
    most = max(carrying, key=lambda t: (t[0], t[1]))
    least = min(carrying, key=lambda t: (t[0], t[1]))
    text = (f"{rotation}, {len(weeks)} weeks from {weeks[0]}: {most[2]} carries the most on-call hours "
            f"({hours(most[0])} h, {hours(most[1])} of them on weekends or holidays)")
    if least[0] < most[0]:
        text += f", {least[2]} the fewest ({hours(least[0])} h)"
    return text + "."


def chart(prefix: str, rotation: str, weeks: Sequence[str], current: int, lanes: Sequence[Lane],
          palette: Palette = THEME) -> str:
    """The `<svg>`: `weeks` are the columns' labels, `current` the index of this week."""
    lanes = fold(lanes)
    # a whole week, or more where someone holds two rotations at once: every bar stays in its lane
    top = max([WEEK_HOURS] + [sum(week) for _, load in lanes for week in load])
    height = 80 + LANE * len(lanes)
    canvas = Canvas(prefix, height, palette)
    f = Frame(130, 44, 624, 44 + LANE * len(lanes))
    column = f.w / max(len(weeks), 1)
    width = column * 0.7
    if 0 <= current < len(weeks):
        canvas.shade(f.left + column * current, f.top, column * (len(weeks) - current), f.h)
        canvas.line(f.left + column * current, f.top - 4, f.left + column * current, f.bottom, palette.text, 1.5, "4 2")
        canvas.text(f.left + column * current + 3, f.top - 6, "this week and ahead", size=10)
    for row, (name, load) in enumerate(lanes):
        base_y = f.top + LANE * (row + 1) - 4
        canvas.line(f.left, base_y, f.right, base_y, palette.grid, 0.5)
        canvas.text(f.left - 6, base_y - 8, name, anchor="end", size=11)
        for w, week in enumerate(load):
            x = f.left + column * w + (column - width) / 2
            y = base_y
            for k, kind in enumerate(KINDS):
                if week[k] <= 0:
                    continue
                h = (LANE - 8) * week[k] / top
                canvas.rect(x, y - h, width, h, palette.series[0], PATTERN[kind], value=hours(week[k]))
                y -= h
    svg.x_labels(canvas, f, [(f.left + column * (w + 0.5), label) for w, label in enumerate(weeks)])
    svg.legend(canvas, f.left, 16, [(f"pattern:{PATTERN[k]}", f"{k} hours", palette.series[0]) for k in KINDS])
    canvas.text(f.left, height - 6, f"Each lane's full height is {hours(top)} h"
                + (" (a whole week)" if top == WEEK_HOURS else "") + "; weeks start on Monday", size=10)
    return canvas.svg(f"On-call hours per person and week: {rotation}", sentence(rotation, weeks, lanes))


def figure(prefix: str, rotation: str, weeks: Sequence[str], current: int, lanes: Sequence[Lane]) -> str:
    """The chart and its table (a row per person and week with hours on call)."""
    shown = fold(lanes)
    rows = [[name, weeks[w], *(hours(week[k]) for k in range(len(KINDS)))]
            for name, load in shown for w, week in enumerate(load) if sum(week) > 0]
    return svg.figure(prefix, chart(prefix, rotation, weeks, current, lanes), f"The numbers: on-call hours, {rotation}",
                      ["Person", "Week of", "Weekday h", "Weekend h", "Holiday h"], rows)
