"""An incident's timeline: how long it took to detect, acknowledge, mitigate and resolve, against targets.

One row per stage, each a bar from the incident's start (or detection, when the start is unknown) to the
moment the stage was reached, with the severity policy's target as a diamond on the same row. The part of
a bar past its target is hatched and labelled "missed", so a missed target shows at a glance, in colour
or not. A target far beyond everything that happened (a SEV-3's three days for a one-hour incident) is
an arrow at the right edge with its value, rather than squeezing the bars into a corner.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Sequence

from opsbook.charts import svg
from opsbook.charts.svg import THEME, Canvas, Frame, Palette
from opsbook.handbook.models.common import format_duration, zone

ROW = 34
LEFT = 96
RIGHT = 460  # the bars' right end; labels go beyond it
TARGET_REACH = 1.5  # a target further than this many times the longest stage is an arrow at the edge
NICE = [dt.timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 4320, 10080)]


@dataclasses.dataclass(frozen=True)
class Stage:
    name: str                       # "detect", "acknowledge", "mitigate", "resolve"
    at: dt.datetime | None          # when it was reached
    took: dt.timedelta | None       # from the incident's start
    target: dt.timedelta | None     # the severity's target, if it sets one

    @property
    def missed(self) -> bool:
        return self.took is not None and self.target is not None and self.took > self.target


@functools.lru_cache(maxsize=4096)  # targets and ticks recur in every post-mortem of a severity
def duration(value: dt.timedelta | None) -> str:
    return format_duration(value) if value is not None else "—"


def sentence(title: str, stages: Sequence[Stage]) -> str:
    """The point in words: which targets were missed and by how much, which were met."""
    missed = [s for s in stages if s.missed]
    met = [s.name for s in stages if s.took is not None and s.target is not None and not s.missed]
    parts = [f"time to {s.name} {duration(s.took)} missed its {duration(s.target)} target" for s in missed]
    if met:
        parts.append(f"{_join(met)} {'was' if len(met) == 1 else 'were'} within target")
    if not parts:
        reached = [s for s in stages if s.took is not None]
        parts.append(f"{_join([s.name for s in reached]) or 'no stage'} reached; the policy sets no target to compare")
    resolved = next((s for s in stages if s.name == "resolve" and s.took is not None), None)
    tail = f" Resolved {duration(resolved.took)} after it began." if resolved else " Not resolved yet."
    return f"{title}: " + "; ".join(parts) + "." + tail


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def _tick_step(span: dt.timedelta) -> dt.timedelta:
    return next((step for step in NICE if span / step <= 6), NICE[-1])


def chart(prefix: str, title: str, stages: Sequence[Stage], palette: Palette = THEME) -> str:
    """The `<svg>` of the timeline."""
    rows = [s for s in stages if s.took is not None or s.target is not None]
    longest = max([s.took for s in rows if s.took is not None] or [dt.timedelta(minutes=1)])
    near = [s.target for s in rows if s.target is not None and s.target <= longest * TARGET_REACH]
    span = max([longest, *near, dt.timedelta(minutes=1)])
    height = 60 + ROW * len(rows)
    canvas = Canvas(prefix, height, palette)
    frame = Frame(LEFT, 30, RIGHT, 30 + ROW * len(rows))
    x = svg.linear(0, span.total_seconds(), frame.left, frame.right)
    step = _tick_step(span)
    tick = dt.timedelta(0)
    while tick <= span:
        canvas.line(x(tick.total_seconds()), frame.top, x(tick.total_seconds()), frame.bottom, palette.grid, 0.5)
        canvas.text(x(tick.total_seconds()), frame.bottom + 15, duration(tick) if tick else "0", "middle", 11)
        tick += step
    for index, stage in enumerate(rows):
        top = frame.top + index * ROW + 8
        canvas.text(frame.left - 6, top + 13, stage.name, anchor="end")
        label = []
        if stage.took is not None:
            end = x(min(stage.took, span).total_seconds())
            within = min(stage.took, stage.target) if stage.target is not None else stage.took
            canvas.rect(frame.left, top, x(within.total_seconds()) - frame.left, 18, palette.series[0],
                        value=duration(stage.took))
            if stage.missed:
                start = x(stage.target.total_seconds())
                canvas.rect(start, top, end - start, 18, palette.warn, "hatch")
            label.append(duration(stage.took) + (" missed" if stage.missed else ""))
        else:
            label.append("not reached")
        if stage.target is not None:
            if stage.target <= span:
                canvas.marker("diamond", x(stage.target.total_seconds()), top + 9, palette.text, 5,
                              value=duration(stage.target), filled=False)
            else:
                canvas.marker("triangle", frame.right + 4, top + 9, palette.text, 4, value=duration(stage.target),
                              filled=False)
            label.append(f"target {duration(stage.target)}")
        canvas.text(frame.right + 12, top + 13, ", ".join(label), size=11)
    svg.legend(canvas, frame.left, 18, [("pattern:solid", "time taken", palette.series[0]),
                                        ("pattern:hatch", "past the target", palette.warn),
                                        ("shape:diamond", "target", palette.text)])
    canvas.text(frame.left, height - 6, "Time from the incident's start", size=10)
    return canvas.svg(f"Timeline against targets: {title}", sentence(title, stages))


def table(stages: Sequence[Stage], zone_name: str) -> tuple[list[str], list[list[str]]]:
    local = zone(zone_name)
    rows = []
    for stage in stages:
        if stage.took is None and stage.target is None:
            continue
        at = f"{stage.at.astimezone(local):%Y-%m-%d %H:%M}" if stage.at else "—"
        met = "" if stage.took is None or stage.target is None else ("missed" if stage.missed else "met")
        rows.append([stage.name, at, duration(stage.took), duration(stage.target), met])
    return ["Stage", f"Reached ({zone_name})", "Took", "Target", "Target met"], rows


def figure(prefix: str, title: str, stages: Sequence[Stage], zone: str) -> str:
    """The timeline and its table, for the post-mortem's page."""
    headers, rows = table(stages, zone)
    return svg.figure(prefix, chart(prefix, title, stages), "The timeline's numbers", headers, rows)
