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


def holds_now(handbook: Handbook, rotation: Rotation, now: dt.datetime) -> str:
    """`Maya Lindqvist until Fri 2026-11-27 09:00 CET, then Tomás Ferreira` (the holder is "nobody"
    before the rotation's first turn)."""
    (begins, holder), (handoff, after) = rotation_turns(rotation, handbook, now, 2)
    if begins > now:  # not begun yet: nobody holds it until its first turn
        handoff, after, holder = begins, holder, None
    holds = md.person(handbook.people, holder) if holder else "nobody"
    return f"{holds} until {md.weekday_moment(handoff, handbook.team.timezone)}, then {md.person(handbook.people, after)}"


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
                     count: int = 6, here: str = layout.TEAM) -> list[str]:
    """A rotation's part of `team.md`, or (`here` its own page, `layout.rotation`) the body of that page."""
    people, tz = handbook.people, handbook.team.timezone
    own_page = here != layout.TEAM
    out = [] if own_page else [md.anchor_heading(2, rotation.name, rotation.id), ""]
    out.append(f"Members in order: {md.people_list(people, rotation.members)}; each holds it for "
               f"{md.duration(rotation.period)}, {_handoff(rotation, tz)}.")
    if rotation.backs_up in handbook.rotations:
        primary = handbook.rotations[rotation.backs_up]
        target = layout.link(here, layout.rotation(primary.id)) if own_page else f"#{primary.id}"
        out[-1] += f" The secondary layer of [{md.text(primary.name)}]({target})."
    out.append("")
    if (path := urls.rotation_feed(rotation.id)) in feeds:
        https = urls.absolute(handbook.config.site_url, path)
        out += [f"Shifts in your calendar: [subscribe]({urls.webcal(https)}) (`webcal://`) or "
                f"[download]({layout.link(here, path)}) (`.ics`).", ""]
    out += md.table(["From", "Until", "Holder", "Note"], [
        [md.moment(s.start, tz), md.moment(s.end, tz), md.person(people, s.person), _note(s, people)]
        for s in shifts_from(handbook, rotation, now, count)])
    return out + _month(handbook, rotation, now)


def rotation_summary(handbook: Handbook, rotation: Rotation, now: dt.datetime, here: str) -> list[str]:
    """A rotation on the page of a team with many: who holds it now and next, under the anchor its
    section had (feeds and issues link `team/#<rotation>`), and a link to its own page."""
    return [md.anchor_heading(2, rotation.name, rotation.id), "",
            f"{holds_now(handbook, rotation, now)}. Members, the next "
            f"turns, this month's shifts and hours: [{md.text(rotation.name)}]({layout.link(here, layout.rotation(rotation.id))}).",
            ""]


def rotation_page(handbook: Handbook, rotation: Rotation, now: dt.datetime, feeds: Collection[str],
                  count: int = 6) -> str:
    """`team/rotations/<id>.md`: a rotation's section as a page of its own (a team with many rotations)."""
    here = layout.rotation(rotation.id)
    out = [f"# {md.text(rotation.name)}", "", f"An on-call rotation of {md.text(handbook.team.name)}; back to "
           f"[Team and rotation]({layout.link(here, layout.TEAM)}).", ""]
    out += rotation_section(handbook, rotation, now, feeds, count, here)
    return "\n".join(out).rstrip() + "\n"


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
