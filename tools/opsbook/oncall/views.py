"""Who is on call now, and the next handoffs: what `ops oncall now|next` prints, as text or JSON."""

from __future__ import annotations

import datetime as dt
import json

from opsbook.oncall.shifts import Shift, shift_at, shifts_from


def _name(people: dict, person_id: str | None) -> str:
    if person_id is None:
        return "nobody (everyone is away)"
    return people[person_id].name if person_id in people else person_id


def why(shift: Shift, people: dict) -> str:
    """Why this person holds the shift when it is not simply their turn ('' when it is)."""
    if shift.override is not None:
        return f"override: {shift.override.reason} (instead of {_name(people, shift.scheduled)})"
    if shift.person is not None and shift.standing_in_for:
        return f"standing in for {_name(people, shift.scheduled)} (away)"
    return ""


def shift_dict(shift: Shift) -> dict:
    return {"rotation": shift.rotation, "layer": shift.layer, "person": shift.person,
            "start": shift.start.isoformat(), "end": shift.end.isoformat(), "scheduled": shift.scheduled,
            "override": ({"reason": shift.override.reason, "person": shift.override.person}
                         if shift.override else None), "uid": shift.key}


def now_shifts(handbook, moment: dt.datetime, rotations: list[str]) -> list[Shift]:
    """The shift in progress at `moment` of each rotation named (rotations not started yet have none)."""
    found = (shift_at(handbook, handbook.rotations[r], moment) for r in rotations)
    return [shift for shift in found if shift is not None]


def next_shifts(handbook, moment: dt.datetime, rotations: list[str], count: int) -> list[Shift]:
    """The next `count` shifts of each rotation named that start after `moment`."""
    found = []
    for rotation_id in rotations:
        upcoming = shifts_from(handbook, handbook.rotations[rotation_id], moment, count + 1)
        found += [s for s in upcoming if s.start > moment][:count]
    return found


def now_text(found: list[Shift], people: dict, moment: dt.datetime) -> str:
    if not found:
        return "No rotation has started yet.\n"
    lines = []
    for shift in found:
        reason = why(shift, people)
        lines.append(f"{shift.rotation} ({shift.layer}): {_name(people, shift.person)} until "
                     f"{shift.end:%a %Y-%m-%d %H:%M %Z}" + (f" — {reason}" if reason else ""))
    return "\n".join(lines) + "\n"


def next_text(found: list[Shift], people: dict) -> str:
    lines, current = [], None
    for shift in found:
        if shift.rotation != current:
            current = shift.rotation
            lines.append(f"{current} ({shift.layer}):")
        reason = why(shift, people)
        lines.append(f"  {shift.start:%a %Y-%m-%d %H:%M %Z}  {_name(people, shift.person)}"
                     + (f" — {reason}" if reason else ""))
    return "\n".join(lines) + "\n" if lines else "No handoffs ahead.\n"


def as_json(found: list[Shift], moment: dt.datetime) -> str:
    return json.dumps({"at": moment.isoformat(), "shifts": [shift_dict(s) for s in found]}, indent=2) + "\n"
