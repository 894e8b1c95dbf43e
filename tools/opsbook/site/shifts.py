"""The team page's rotation sections: who holds it now and next, this month's schedule with hours, the
fair-share table, and the rotation's shift feed. Shifts come from `opsbook.oncall`, the engine the feeds,
`ops oncall` and `ops incident open` use, so the page shows swaps and stand-ins exactly as they do.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Collection

from opsbook import urls
from opsbook.handbook.assembled import Handbook
from opsbook.handbook.models.catalogue import Rotation
from opsbook.handbook.models.common import zone
from opsbook.oncall import report
from opsbook.oncall.shifts import Shift, rotation_zone, shifts_from
from opsbook.oncall.views import why
from opsbook.site import layout
from opsbook.site import markdown as md


def rotation_turns(rotation: Rotation, handbook: Handbook, now: dt.datetime, count: int
                   ) -> list[tuple[dt.datetime, str | None]]:
    """The shift in progress at `now` (the first one, if the rotation has not begun) and the next ones:
    (when it began or begins, who holds it)."""
    return [(shift.start, shift.person) for shift in shifts_from(handbook, rotation, now, count)]


def _note(shift: Shift, people: dict) -> str:
    return md.text(why(shift, people)) if shift.person else "nobody: everyone is away"


def _hours(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _handoff(rotation: Rotation, default_zone: str) -> str:
    if rotation.handoff is None:
        return f"turns change at midnight in {default_zone}"
    handoff = rotation.handoff
    return f"handing off on {handoff.weekday.value.capitalize()}s at {handoff.time:%H:%M} {handoff.timezone}"


def all_shifts_line(handbook: Handbook, feeds: Collection[str]) -> list[str]:
    """The link to every rotation's shifts in one calendar, when the build has that feed."""
    if (path := urls.oncall_feed()) not in feeds:
        return []
    https = urls.absolute(handbook.config.site_url, path)
    return [f"Every rotation's shifts, as a calendar of their own: [subscribe]({urls.webcal(https)}) (`webcal://`) "
            f"or [download]({layout.link(layout.TEAM, path)}) (`.ics`). Your own shifts are in your personal feed "
            f"on the [review calendar]({layout.link(layout.TEAM, layout.CALENDAR)}) page.", ""]


def rotation_section(handbook: Handbook, rotation: Rotation, now: dt.datetime, feeds: Collection[str],
                     count: int = 6) -> list[str]:
    """A rotation's part of `team.md`."""
    here, people, tz = layout.TEAM, handbook.people, handbook.team.timezone
    out = [md.anchor_heading(2, rotation.name, rotation.id), "",
           f"Members in order: {md.people_list(people, rotation.members)}; each holds it for "
           f"{md.duration(rotation.period)}, {_handoff(rotation, tz)}."]
    if rotation.backs_up in handbook.rotations:
        primary = handbook.rotations[rotation.backs_up]
        out[-1] += f" The secondary layer of [{md.text(primary.name)}](#{primary.id})."
    out.append("")
    if (path := urls.rotation_feed(rotation.id)) in feeds:
        https = urls.absolute(handbook.config.site_url, path)
        out += [f"Shifts in your calendar: [subscribe]({urls.webcal(https)}) (`webcal://`) or "
                f"[download]({layout.link(here, path)}) (`.ics`).", ""]
    out += md.table(["From", "Until", "Holder", "Note"], [
        [md.moment(s.start, tz), md.moment(s.end, tz), md.person(people, s.person), _note(s, people)]
        for s in shifts_from(handbook, rotation, now, count)])
    return out + _month(handbook, rotation, now)


def _month(handbook: Handbook, rotation: Rotation, now: dt.datetime) -> list[str]:
    """This month's schedule (in the rotation's zone) with hours, and the fair-share table."""
    people = handbook.people
    local = now.astimezone(zone(rotation_zone(rotation, handbook.team.timezone))).date()
    first = local.replace(day=1)
    last = local.replace(day=calendar.monthrange(local.year, local.month)[1])
    rows = report.rows(handbook, first, last, [rotation.id])
    out = [f"### {first:%B %Y}", "", "Hours count in the rotation's zone; holidays come from "
           "`calendar/holidays.yaml`.", ""]
    out += md.table(["From", "Until", "Holder", "Weekday h", "Weekend h", "Holiday h", "Note"], [
        [md.moment(r.start, r.start.tzinfo.key), md.moment(r.end, r.end.tzinfo.key), md.person(people, r.shift.person),
         *(_hours(r.hours[k]) for k in report.KINDS), _note(r.shift, people)] for r in rows],
        empty="The rotation has no shifts this month.")
    out += md.table(["Person", "Shifts", "Weekday h", "Weekend h", "Holiday h", "Total h"], [
        [md.person(people, e["person"]), str(e["shifts"]), *(_hours(e[k]) for k in report.KINDS),
         _hours(e["total"])] for e in report.fair_share(rows)], empty="")
    return out
