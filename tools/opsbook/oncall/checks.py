"""On-call validation: what would leave a page unanswered or a person paged on holiday. A pure function from
the loaded contents and `now` to located problems, all errors; run with the handbook's validation by
`opsbook.validation`, which composes the rooms' checks.

1. `override-overlap`: two overrides of one rotation overlap: which one holds is a guess.
2. `on-call-while-away`: an override puts someone on call during their own `away` days.
3. `backs-up-itself`: a rotation names itself in `backs_up`.
4. `secondary-is-primary`: a secondary layer (`backs_up`) has the same person as its primary at once,
   named with the times, from `now` to the feed's `look_ahead`.
5. `nobody-on-call`: a shift with nobody (everyone away, no override covering it), named with the
   times, from `now` to the feed's `look_ahead`.

Unknown rotations and people in overrides and `backs_up` are dangling references, reported with the
others by `handbook/checks.py`; these checks skip them.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from opsbook.dates import earliest_after
from opsbook.handbook.contents import Contents
from opsbook.handbook.explain import key_path
from opsbook.handbook.loading import Source
from opsbook.handbook.models.common import zone
from opsbook.handbook.models.config import HandbookConfig
from opsbook.oncall.shifts import Shift, override_span, rotation_shifts, rotation_zone
from opsbook.problems import Problem

OVERRIDES_FILE = "ops/oncall-overrides.yaml"
TEAM_FILE = "ops/team.yaml"
UTC = dt.timezone.utc


def check_oncall(contents: Contents, now: dt.datetime) -> list[Problem]:
    """Every on-call error in the loaded `contents` as of `now` (aware)."""
    team = contents.team
    if team is None:
        return []
    overrides = contents.overrides.overrides if contents.overrides else []
    problems: list[Problem] = []
    if overrides and (source := contents.sources.get(OVERRIDES_FILE)):
        problems += list(_overlaps(contents, source)) + list(_away(contents, source))
    team_source = contents.sources.get(TEAM_FILE)
    if team_source is None:
        return problems
    people = {person.id: person for person in team.people}
    rotations = {rotation.id: rotation for rotation in team.rotations}
    usable = [o for o in overrides if o.rotation in rotations and o.person in people]
    look_ahead = (contents.config or HandbookConfig()).feed.look_ahead
    try:
        end = now + look_ahead
    except OverflowError:
        return problems
    held: dict[str, list[Shift]] = {}
    for i, rotation in enumerate(team.rotations):
        try:
            held[rotation.id] = rotation_shifts(rotation, people, usable, now, end, team.timezone)
        except OverflowError:
            return problems
        problems += _nobody(team_source, i, rotation.id, held[rotation.id], now)
    for i, rotation in enumerate(team.rotations):
        if rotation.backs_up == rotation.id:
            problems.append(_error(team_source, ("rotations", i, "backs_up"), f"{rotation.id} backs itself up",
                                   "backs-up-itself", "name the primary rotation this one backs up"))
        elif rotation.backs_up in held:
            problems += _same_person(team_source, i, rotation.id, rotation.backs_up, held)
    return problems


def next_oncall_change(contents: Contents, now: dt.datetime) -> dt.datetime | None:
    """The earliest moment after `now` at which `check_oncall` could report otherwise, the files unchanged.

    Only the shifts seen from `now` to `now + look_ahead` depend on the time: a shift comes into view
    just after its start is `look_ahead` away, and a shift with nobody stops being reported when it ends.
    """
    team = contents.team
    if team is None or contents.sources.get(TEAM_FILE) is None:
        return None
    people = {person.id: person for person in team.people}
    rotation_ids = {rotation.id for rotation in team.rotations}
    overrides = contents.overrides.overrides if contents.overrides else []
    usable = [o for o in overrides if o.rotation in rotation_ids and o.person in people]
    look_ahead = (contents.config or HandbookConfig()).feed.look_ahead
    candidates: list[dt.datetime] = []
    instant = dt.timedelta(microseconds=1)  # the window [now, now + look_ahead) takes in a start just after
    try:
        until = now + look_ahead + dt.timedelta(days=2)
        for rotation in team.rotations:
            for shift in rotation_shifts(rotation, people, usable, now, until, team.timezone):
                candidates += [shift.start - look_ahead + instant, shift.end - look_ahead + instant, shift.end]
    except OverflowError:
        return None
    return earliest_after(now, candidates) or now + dt.timedelta(days=2)


def _error(source: Source, path: tuple, message: str, code: str, hint: str | None = None) -> Problem:
    line, column = source.line_of(path)
    return Problem(source.rel, message, line, column, key_path(path), hint=hint, code=code)


def _when(start: dt.datetime, end: dt.datetime) -> str:
    return f"from {start:%a %Y-%m-%d %H:%M} to {end:%a %Y-%m-%d %H:%M} ({start.tzinfo.key})"


def _overlaps(contents: Contents, source: Source) -> Iterator[Problem]:
    rotations = {rotation.id: rotation for rotation in contents.team.rotations} if contents.team else {}
    default_zone = contents.team.timezone if contents.team else "UTC"
    seen: list[tuple[int, dt.datetime, dt.datetime]] = []
    overrides = contents.overrides.overrides
    for i, override in enumerate(overrides):
        rotation = rotations.get(override.rotation)
        zone_name = rotation_zone(rotation, default_zone) if rotation else default_zone
        begins, ends = override_span(override, zone_name)
        for j, other_begins, other_ends in seen:
            other = overrides[j]
            if other.rotation == override.rotation and begins < other_ends and other_begins < ends:
                yield _error(source, ("overrides", i, "from"),
                             f"overlaps overrides[{j}] ({other.person} on {other.rotation} from "
                             f"{other.from_:%Y-%m-%d %H:%M} until {other.until:%Y-%m-%d %H:%M}): who holds the "
                             "rotation then?", "override-overlap", "end one override where the other begins")
        seen.append((i, begins, ends))


def _away(contents: Contents, source: Source) -> Iterator[Problem]:
    people = {person.id: person for person in contents.team.people}
    rotations = {rotation.id: rotation for rotation in contents.team.rotations}
    for i, override in enumerate(contents.overrides.overrides):
        person = people.get(override.person)
        if person is None:
            continue
        rotation = rotations.get(override.rotation)
        tz_name = rotation_zone(rotation, contents.team.timezone) if rotation else contents.team.timezone
        begins, ends = override_span(override, tz_name)
        first = begins.astimezone(zone(tz_name)).date()
        last = (ends - dt.timedelta(microseconds=1)).astimezone(zone(tz_name)).date()
        for away in person.away:
            if away.start <= last and away.end >= first:
                why = f" ({away.reason})" if away.reason else ""
                yield _error(source, ("overrides", i, "person"),
                             f"{override.person} would be on call while away: away from {away.start} to "
                             f"{away.end}{why}", "on-call-while-away",
                             "pick someone who is not away, or change the away dates in ops/team.yaml")


def _nobody(source: Source, index: int, rotation_id: str, found: list[Shift], now: dt.datetime) -> Iterator[Problem]:
    for shift in found:
        if shift.person is None and shift.end > now:
            yield _error(source, ("rotations", index, "members"),
                         f"nobody holds {rotation_id} {_when(shift.start, shift.end)}: everyone in it is away",
                         "nobody-on-call", f"add a member, or an override in {OVERRIDES_FILE} for those days")


def _same_person(source: Source, index: int, secondary: str, primary: str,
                 held: dict[str, list[Shift]]) -> Iterator[Problem]:
    for shift in held[secondary]:
        for other in held[primary]:
            if shift.person is not None and shift.person == other.person and shift.start < other.end \
                    and other.start < shift.end:
                start, end = max(shift.start, other.start), min(shift.end, other.end)
                yield _error(source, ("rotations", index, "backs_up"),
                             f"{shift.person} holds both {secondary} and {primary} "
                             f"{_when(start.astimezone(shift.start.tzinfo), end.astimezone(shift.start.tzinfo))}: "
                             "a secondary must be someone else", "secondary-is-primary",
                             f"change the order or start of {secondary}, or add an override")
