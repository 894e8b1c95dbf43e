"""The drawing primitives every chart shares: a canvas of marks, axes, and the accessible wrapper.

What makes a chart here accessible, and the same on every build:

1. `<svg role="img">` named by its `<title>` and described by its `<desc>`, a sentence that states the
   chart's point; the data follow as a table in a `<details>` (`figure`), for screen readers and print.
2. Series differ by shape, dash and fill pattern, never by colour alone; colours are the page's own
   (`currentColor`, Material's CSS variables), so a chart follows the light and the dark scheme. The
   standalone variant (`EXPLICIT`) spells colours out for an `<img>`, which sees no page variables.
3. Every id inside a chart (patterns, title, description) starts with the chart's own prefix, so two
   charts on one page never share one; nothing links or loads anything (no URL at all, no script).
4. Numbers are written with fixed precision and marks in input order: the same numbers give the same
   bytes. A canvas refuses more than `MAX_MARKS` marks: a chart aggregates before it draws.
5. Each data mark carries its value (`data-value`) as the table shows it, so a test can check that the
   table's numbers are the chart's.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import re
from typing import Iterable, Sequence

MAX_MARKS = 800  # marks one chart may hold; about 40 kB of SVG at most
WIDTH = 640      # viewBox units; the chart scales to its column (width 100%)
FONT = 12

_ID = re.compile(r"[^a-z0-9-]+")


@dataclasses.dataclass(frozen=True)
class Palette:
    """Colours by role. `series` are repeated for emphasis only: shapes and patterns tell series apart."""

    text: str
    grid: str
    series: tuple[str, ...]
    warn: str
    shade: str
    background: str | None = None  # a filled background (the standalone file), or none (the page's own)


THEME = Palette(  # Material's own variables (every Material page defines them), without fallbacks: bytes add up
    text="currentColor",
    grid="var(--md-default-fg-color--lighter)",
    # the link colour: the theme keeps it readable on both backgrounds (indigo on white, a light blue on slate)
    series=("var(--md-typeset-a-color)", "currentColor", "var(--md-accent-fg-color)",
            "var(--md-default-fg-color--light)"),
    warn="currentColor",  # the theme has no strong red in both schemes; the hatch says "missed" anyway
    shade="var(--md-default-fg-color--lightest)",
)
EXPLICIT = Palette(text="#212121", grid="#9e9e9e", series=("#3949ab", "#212121", "#00838f", "#616161"),
                   warn="#c62828", shade="#eeeeee", background="#ffffff")

DASHES = ("", "6 3", "2 3", "8 3 2 3")                      # solid, dashed, dotted, dash-dot
SHAPES = ("circle", "square", "triangle", "diamond")
PATTERNS = ("solid", "hatch", "dots", "cross", "back", "empty")  # fills for bars and areas


def chart_id(*parts: str) -> str:
    """An id prefix for one chart: lower case, letters, digits and hyphens (`chart-budget-checkout`)."""
    return _ID.sub("-", "-".join(("chart",) + parts).lower()).strip("-")


@functools.lru_cache(maxsize=8192)  # axes, legends and labels repeat the same coordinates chart after chart
def num(value: float) -> str:
    """A coordinate with one decimal at most: `12`, `12.5`; never `-0`."""
    rounded = round(value, 1)
    whole = int(rounded)
    return str(whole) if rounded == whole else str(rounded)


_SPECIAL = re.compile(r"[&<>\"']")


def esc(text: object) -> str:
    text = str(text)
    return html.escape(text, quote=True) if _SPECIAL.search(text) else text


class TooManyMarks(ValueError):
    """A chart tried to draw more than `MAX_MARKS` marks (it should have aggregated first)."""


class Canvas:
    """An SVG drawing of `width` × `height` viewBox units, built mark by mark.

    A mark's looks (colours, stroke, dashes) go into a class of the chart's own style sheet, scoped to the
    chart's `<svg>` by its id: a bar or a point then costs its geometry alone, which keeps a page of
    charts small."""

    def __init__(self, prefix: str, height: float, palette: Palette = THEME, width: float = WIDTH):
        self.prefix, self.width, self.height, self.palette = prefix, width, height, palette
        self.defs: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, colour) → (id, element)
        self.classes: dict[str, str] = {}  # CSS declarations → class name, in order of first use
        self.parts: list[str] = []
        self.marks = 0

    def _count(self) -> None:
        self.marks += 1
        if self.marks > MAX_MARKS:
            raise TooManyMarks(f"{self.prefix}: more than {MAX_MARKS} marks")

    def _cls(self, declarations: str) -> str:
        name = self.classes.setdefault(declarations, f"c{len(self.classes)}")
        return f' class="{name}"'

    def _stroke(self, colour: str, width: float, dash: str = "", fill: str = "none") -> str:
        return self._cls(f"fill:{fill};stroke:{colour};stroke-width:{num(width)}"
                         + (f";stroke-dasharray:{dash}" if dash else ""))

    @staticmethod
    def _value(value: str | None) -> str:
        return f' data-value="{esc(value)}"' if value is not None else ""

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1, dash: str = "") -> None:
        self._count()
        self.parts.append(f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}"'
                          f'{self._stroke(colour, width, dash)}/>')

    def polyline(self, points: Sequence[tuple[float, float]], colour: str, width: float = 2, dash: str = "",
                 value: str | None = None) -> None:
        """One mark for the whole line (its points are the marks' worth of bytes)."""
        if not points:
            return
        self._count()
        text = " ".join(f"{num(x)},{num(y)}" for x, y in points)
        self.parts.append(f'<polyline points="{text}"{self._stroke(colour, width, dash)}{self._value(value)}/>')

    def steps(self, points: Sequence[tuple[float, float]], colour: str, width: float = 2) -> None:
        """A step line through `points`: level until the next point's x, then straight to its y."""
        if not points:
            return
        self._count()
        (x0, y0), rest = points[0], points[1:]
        path = f"M{num(x0)},{num(y0)}" + "".join(f"H{num(x)}V{num(y)}" for x, y in rest)
        self.parts.append(f'<path d="{path}"{self._stroke(colour, width)}/>')

    def rect(self, x: float, y: float, w: float, h: float, colour: str, pattern: str = "solid",
             value: str | None = None, outline: bool = True) -> None:
        """A bar or band; `pattern` (one of PATTERNS) fills it, outlined in `colour` so an empty pattern shows."""
        self._count()
        fill = colour if pattern == "solid" else f"url(#{self.pattern(pattern, colour)})"
        looks = self._cls(f"fill:{fill}" + (f";stroke:{colour}" if outline else ""))
        self.parts.append(f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(w, 0))}" height="{num(max(h, 0))}"'
                          f"{looks}{self._value(value)}/>")

    def shade(self, x: float, y: float, w: float, h: float) -> None:
        """A light band behind the marks (a period, the future)."""
        self._count()
        self.parts.append(f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(w, 0))}" height="{num(max(h, 0))}"'
                          f'{self._cls(f"fill:{self.palette.shade}")}/>')

    def marker(self, shape: str, x: float, y: float, colour: str, size: float = 4.5, value: str | None = None,
               filled: bool = True) -> None:
        """A point drawn as `shape` (one of SHAPES)."""
        self._count()
        style = self._stroke(colour, 1.5, fill=colour if filled else "none") + self._value(value)
        s = size
        if shape == "circle":
            self.parts.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(s)}"{style}/>')
        elif shape == "square":
            self.parts.append(f'<rect x="{num(x - s)}" y="{num(y - s)}" width="{num(2 * s)}" height="{num(2 * s)}"{style}/>')
        else:
            points = ([(x, y - s * 1.2), (x + s * 1.1, y + s * 0.8), (x - s * 1.1, y + s * 0.8)] if shape == "triangle"
                      else [(x, y - s * 1.3), (x + s * 1.3, y), (x, y + s * 1.3), (x - s * 1.3, y)])
            text = " ".join(f"{num(px)},{num(py)}" for px, py in points)
            self.parts.append(f'<polygon points="{text}"{style}/>')

    def text(self, x: float, y: float, label: str, anchor: str = "start", size: float = FONT, bold: bool = False,
             colour: str | None = None) -> None:
        self._count()
        looks = self._cls(f"fill:{colour or self.palette.text};font-size:{num(size)}px"
                          + (";font-weight:700" if bold else "") + (f";text-anchor:{anchor}" if anchor != "start" else ""))
        self.parts.append(f'<text x="{num(x)}" y="{num(y)}"{looks}>{esc(label)}</text>')

    def pattern(self, kind: str, colour: str) -> str:
        """The id of a fill pattern of `kind` in `colour`, defined once per chart."""
        if (kind, colour) in self.defs:
            return self.defs[kind, colour][0]
        ident = f"{self.prefix}-{kind}-{len(self.defs)}"
        shapes = {
            "hatch": f'<path d="M0,6 L6,0" style="stroke:{colour}" stroke-width="1.5"/>',
            "back": f'<path d="M0,0 L6,6" style="stroke:{colour}" stroke-width="1.5"/>',
            "cross": f'<path d="M0,6 L6,0 M0,0 L6,6" style="stroke:{colour}" stroke-width="1"/>',
            "dots": f'<circle cx="3" cy="3" r="1.4" style="fill:{colour}"/>',
            "empty": "",
        }[kind]
        self.defs[kind, colour] = (ident, f'<pattern id="{ident}" width="6" height="6" patternUnits="userSpaceOnUse">'
                                          f"{shapes}</pattern>")
        return ident

    def svg(self, title: str, desc: str) -> str:
        """The finished `<svg>`: named by its title, described by its desc, scaling to its column."""
        p = self.prefix
        background = (f'<rect width="100%" height="100%" style="fill:{self.palette.background}"/>'
                      if self.palette.background else "")
        defs = f"<defs>{''.join(body for _, body in self.defs.values())}</defs>" if self.defs else ""
        standalone = ' xmlns="http://www.w3.org/2000/svg"' if self.palette.background else ""
        sheet = "".join(f"#{p}-svg .{name}{{{declarations}}}" for declarations, name in self.classes.items())
        return (f'<svg{standalone} id="{p}-svg" role="img" aria-labelledby="{p}-title {p}-desc" viewBox="0 0 '
                f'{num(self.width)} {num(self.height)}" width="100%" class="ops-chart-svg" font-family="sans-serif" '
                f'style="max-width:{num(self.width)}px;height:auto;color:{self.palette.text}">'
                f'<title id="{p}-title">{esc(title)}</title><desc id="{p}-desc">{esc(desc)}</desc>'
                f"<style>{sheet}</style>{background}{defs}{''.join(self.parts)}</svg>")


def figure(prefix: str, svg: str, summary: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The chart under a visible caption (its title), and its data table (collapsed), on one line, kept out
    of the search index."""
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S)
    caption = f'<figcaption class="ops-chart-caption">{title.group(1)}</figcaption>' if title else ""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return (f'<figure class="ops-chart" id="{prefix}" data-search-exclude>{caption}{svg}'
            f'<details class="ops-chart-data" data-search-exclude><summary>{esc(summary)}</summary>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details></figure>")


# --- scales and axes ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Frame:
    """The plotting area inside the canvas: left, top, right, bottom edges in viewBox units."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def w(self) -> float:
        return self.right - self.left

    @property
    def h(self) -> float:
        return self.bottom - self.top


def linear(lo: float, hi: float, out_lo: float, out_hi: float):
    """A function mapping [lo, hi] onto [out_lo, out_hi] (a flat range maps to the middle)."""
    if hi == lo:
        return lambda v: (out_lo + out_hi) / 2
    return lambda v: out_lo + (v - lo) * (out_hi - out_lo) / (hi - lo)


def nice_max(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (at least 1): a round top for an axis."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover (the loop ends at 10)


def y_axis(canvas: Canvas, frame: Frame, ticks: Sequence[tuple[float, str]]) -> None:
    """Horizontal grid lines at the `ticks` (y position, label), labelled on the left."""
    for y, label in ticks:
        canvas.line(frame.left, y, frame.right, y, canvas.palette.grid, 0.5)
        canvas.text(frame.left - 4, y + 4, label, anchor="end", size=11)


def x_labels(canvas: Canvas, frame: Frame, labels: Sequence[tuple[float, str]]) -> None:
    """Labels under the plotting area, each centred on its x."""
    for x, label in labels:
        canvas.text(x, frame.bottom + 15, label, anchor="middle", size=11)
    canvas.line(frame.left, frame.bottom, frame.right, frame.bottom, canvas.palette.text, 1)


def legend(canvas: Canvas, x: float, y: float, items: Sequence[tuple[str, str, str]]) -> None:
    """A legend row: (kind, label, colour) with kind `shape:<shape>`, `dash:<dash>` or `pattern:<pattern>`."""
    for kind, label, colour in items:
        what, _, style = kind.partition(":")
        if what == "shape":
            canvas.marker(style, x + 6, y - 4, colour)
        elif what == "dash":
            canvas.line(x, y - 4, x + 16, y - 4, colour, 2, style)
        else:
            canvas.rect(x, y - 10, 14, 10, colour, style)
        canvas.text(x + 20, y, label, size=11)
        x += 30 + 6.2 * len(label)
