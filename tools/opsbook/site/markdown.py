"""Small Markdown builders the page modules share: tables, badges, people, dates and durations."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from opsbook.handbook.models.common import format_duration, zone

DASH = "—"


def text(value: object) -> str:
    """Plain text safe inside Markdown and inside a table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def code(value: object) -> str:
    """An inline code span; its content is shown as written (no HTML escaping needed inside one)."""
    content = str(value).replace("\n", " ")
    fence = "``" if "`" in content else "`"
    return f"{fence} {content} {fence}" if fence == "``" else f"`{content}`"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str = "None.") -> list[str]:
    """A Markdown table as lines (cells are already Markdown); `empty` when there are no rows."""
    rows = list(rows)
    if not rows:
        return [empty, ""]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell or DASH for cell in row) + " |" for row in rows]
    return lines + [""]


def bullets(items: Iterable[str], empty: str = "None.") -> list[str]:
    items = list(items)
    return ([f"- {item}" for item in items] if items else [empty]) + [""]


def badge(severity: object) -> str:
    """A coloured severity label (`SEV-1`); the colours live in the site's stylesheet."""
    value = getattr(severity, "value", severity)
    return f'<span class="ops-badge ops-{str(value).lower()}">{value}</span>'


def status(value: object, kind: str = "status") -> str:
    value = getattr(value, "value", value)
    return f'<span class="ops-badge ops-{kind}-{value}">{value}</span>'


def duration(delta: dt.timedelta | None) -> str:
    return DASH if delta is None else format_duration(delta)


def against(took: dt.timedelta | None, target: dt.timedelta | None) -> str:
    """`28m ✓ (1h)`: a measured time and whether it met its target."""
    if took is None:
        return DASH
    if target is None:
        return duration(took)
    mark = "✓" if took <= target else "✗ over"
    return f"{duration(took)} {mark} ({duration(target)})"


def moment(value: dt.datetime, zone_name: str) -> str:
    """A date and time in the team's zone: `2026-11-30 10:00 CET`."""
    local = value.astimezone(zone(zone_name))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or zone_name)


def weekday_moment(value: dt.datetime, zone_name: str) -> str:
    local = value.astimezone(zone(zone_name))
    return local.strftime("%a %Y-%m-%d %H:%M ") + (local.tzname() or zone_name)


def person(people: dict, person_id: str | None) -> str:
    """A person's name (their id when unknown, a dash for nobody)."""
    if person_id is None:
        return DASH
    found = people.get(person_id)
    return text(found.name) if found else f"`{person_id}`"


def people_list(people: dict, ids: Iterable[str]) -> str:
    return ", ".join(person(people, pid) for pid in ids) or DASH


def anchor_heading(level: int, title: str, anchor: str) -> str:
    """A heading with a stable anchor (attr_list), so links survive a changed title."""
    return f"{'#' * level} {text(title)} {{#{anchor}}}"
