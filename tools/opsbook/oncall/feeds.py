"""Shift feeds: one VEVENT per shift, in a calendar of their own (`feeds/oncall.ics`), one per rotation
(`feeds/rotations/<id>.ics`), and in each holder's personal feed beside the reviews they run.

The events follow the review feed's rules (`opsbook.calendar.feed`, which renders them): the UID is the
shift's key (`oncall/<rotation>/<turn>`, see `oncall.shifts`), so a swap keeps it; the holder is the
event's revision, so a swap bumps SEQUENCE on exactly the shifts whose holder or times changed. A shift
shows as free time: a week on call must not make anyone look busy for a week.
"""

from __future__ import annotations

import datetime as dt

from opsbook import urls
from opsbook.calendar.feed import Entry
from opsbook.oncall.shifts import Shift, shifts
from opsbook.oncall.views import why


def _name(people: dict, person_id: str | None) -> str:
    if person_id is None:
        return "nobody (everyone is away)"
    return people[person_id].name if person_id in people else person_id


def shift_entry(handbook, shift: Shift, people: dict | None = None) -> Entry:
    """The feed entry of one shift."""
    people = handbook.people if people is None else people
    rotation = handbook.rotations[shift.rotation]
    url = urls.absolute(handbook.config.site_url, urls.team(rotation.id))
    holder = _name(people, shift.person)
    lines = [f"{holder} holds {rotation.name} ({shift.layer}) from {shift.start:%a %Y-%m-%d %H:%M} to "
             f"{shift.end:%a %Y-%m-%d %H:%M} ({shift.start.tzinfo.key})."]
    if reason := why(shift, people):
        lines.append(reason[0].upper() + reason[1:] + ".")
    if rotation.backs_up and rotation.backs_up in handbook.rotations:
        lines.append(f"Secondary: paged when {handbook.rotations[rotation.backs_up].name} does not answer.")
    return Entry(key=shift.key, summary=f"{rotation.name}: {holder if shift.person else 'nobody on call'}",
                 start=shift.start, end=shift.end, description="\n".join(lines + ["", url]), url=url,
                 categories=("on-call", shift.layer), people=(shift.person,) if shift.person else (),
                 revision=shift.person or "-", free=True)


def shift_entries(handbook, start: dt.datetime, end: dt.datetime) -> list[Entry]:
    """Entries of every rotation's shifts overlapping [start, end), in order of start."""
    people = handbook.people
    found = [shift_entry(handbook, shift, people) for shift in shifts(handbook, start, end)]
    return sorted(found, key=lambda e: e.sort_key)


def plan(handbook, entries: list[Entry]) -> list[tuple[str, str, str, str, list[Entry]]]:
    """(path, kind, id, title, entries) of the shift feed files: all rotations, then one per rotation."""
    feed_name = handbook.config.feed.name
    found = [(urls.oncall_feed(), "oncall", "", f"{feed_name} — on-call shifts", entries)]
    for rotation in sorted(handbook.team.rotations, key=lambda r: r.id):
        prefix = f"oncall/{rotation.id}/"
        theirs = [e for e in entries if e.key.startswith(prefix)]
        found.append((urls.rotation_feed(rotation.id), "rotation", rotation.id, f"{feed_name} — {rotation.name}",
                      theirs))
    return found


def paths(handbook) -> list[str]:
    """The paths `plan` lays out, in order, without computing any shift."""
    return [urls.oncall_feed()] + [urls.rotation_feed(r.id) for r in sorted(handbook.team.rotations, key=lambda r: r.id)]
