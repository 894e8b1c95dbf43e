"""The shift engine: rotations, away periods and overrides → who holds each rotation when. Pure functions;
the `ops oncall` commands, the shift feeds, the site's team page and `ops incident open` all call these,
so they can never disagree about who is on call.

How a rotation becomes shifts:

1. **Turns.** The schedule engine's turns (`calendar.schedule.turn_index`, `turn_start`): each lasts the
   rotation's `period` and changes at the handoff, in the handoff zone's wall-clock time, so a Monday
   10:00 handoff stays at 10:00 local across DST (a weekly turn then lasts 167 or 169 hours).
2. **Away.** The member whose turn it is holds it, except on local days they are away: then the next
   member in order who is not (`schedule.rotation_member`), so a turn is cut at the local midnights
   where its holder changes. With everyone away, a piece has nobody (`person` None).
3. **Overrides.** An override (ops/oncall-overrides.yaml) puts its person on the rotation from `from`
   until `until`, whoever the order names; a naive time is wall-clock time in the rotation's zone.
   Pieces are cut at the override's ends; an override spanning a handoff gives one shift per turn.
4. **Merge.** Neighbouring pieces with the same person and the same override become one shift.
5. **Keys.** A shift's key (its feed UID) is `oncall/<rotation>/<turn's local start date>`, with the
   shift's own local start appended when it begins later than its turn. A swap of a whole turn keeps
   the key (the feed bumps SEQUENCE because the holder changed); only the shifts it touches change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Iterable, Mapping

from opsbook.calendar import schedule
from opsbook.handbook.models.catalogue import Person, Rotation
from opsbook.handbook.models.common import zone
from opsbook.handbook.models.oncall import Override

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Shift:
    """One stretch of time one person (or nobody) holds a rotation."""

    rotation: str              # rotation id
    layer: str                 # "primary", or "secondary" for a rotation that `backs_up` another
    turn: int                  # the rotation's turn (0 for the first) this shift is part of
    key: str                   # stable identity: the feed UID without the host
    start: dt.datetime         # aware, in the rotation's zone
    end: dt.datetime
    person: str | None         # who holds it; None when everyone is away and no override covers it
    scheduled: str             # whose turn it is by the rotation's order
    override: Override | None = None  # the override that put `person` there

    @property
    def standing_in_for(self) -> str | None:
        """The member whose turn it is, when someone holds it instead (away, or an override)."""
        return self.scheduled if self.person != self.scheduled else None

    @property
    def duration(self) -> dt.timedelta:
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)


def rotation_zone(rotation: Rotation, default_zone: str) -> str:
    """The zone a rotation's handoffs, away days and naive override times are read in."""
    return rotation.handoff.timezone if rotation.handoff else default_zone


def layer(rotation: Rotation) -> str:
    return "secondary" if rotation.backs_up else "primary"


def override_span(override: Override, zone_name: str) -> tuple[dt.datetime, dt.datetime]:
    """(from, until) of an override as aware UTC datetimes; naive times are wall-clock in `zone_name`."""
    def aware(moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone(zone_name))
        return moment.astimezone(UTC)
    return aware(override.from_), aware(override.until)


def _turn_bounds(rotation: Rotation, turn: int, zone_name: str) -> tuple[dt.datetime, dt.datetime]:
    return (schedule.turn_start(rotation, turn, zone_name).astimezone(UTC),
            schedule.turn_start(rotation, turn + 1, zone_name).astimezone(UTC))


def _key(rotation: Rotation, turn_begins: dt.datetime, begins: dt.datetime, tz) -> str:
    local = turn_begins.astimezone(tz)
    whole_days = rotation.period % DAY == dt.timedelta(0)
    key = f"oncall/{rotation.id}/" + (local.date().isoformat() if whole_days else local.strftime("%Y-%m-%dT%H%M"))
    return key if begins == turn_begins else key + "/" + begins.astimezone(tz).strftime("%Y-%m-%dT%H%M")


def _away_pieces(rotation: Rotation, people: Mapping[str, Person], turn: int, begins: dt.datetime,
                 ends: dt.datetime, tz) -> list[tuple[dt.datetime, dt.datetime, str | None]]:
    """(start, end, holder) of a turn, cut at the local midnights where the holder changes (step 2)."""
    first_day, last_day = begins.astimezone(tz).date(), ends.astimezone(tz).date()
    anyone_away = any(away.start <= last_day and away.end >= first_day
                      for member in rotation.members if (person := people.get(member))
                      for away in person.away)
    if not anyone_away:
        return [(begins, ends, rotation.members[turn % len(rotation.members)])]
    pieces: list[tuple[dt.datetime, dt.datetime, str | None]] = []
    at, day = begins, first_day
    while at < ends:
        day += DAY
        midnight = schedule.local_start(day, dt.time(), tz.key).astimezone(UTC)
        until = min(midnight, ends)
        holder = schedule.rotation_member(rotation, people, turn, at.astimezone(tz).date())
        if pieces and pieces[-1][2] == holder:
            pieces[-1] = (pieces[-1][0], until, holder)
        else:
            pieces.append((at, until, holder))
        at = until
    return pieces


def _with_overrides(pieces, spans) -> list[tuple[dt.datetime, dt.datetime, str | None, Override | None]]:
    """Pieces cut at the overrides' ends, each with the override covering it (step 3), merged (step 4)."""
    out: list[tuple[dt.datetime, dt.datetime, str | None, Override | None]] = []
    for begins, ends, holder in pieces:
        cuts = sorted({begins, ends} | {t for f, u, _ in spans for t in (f, u) if begins < t < ends})
        for a, b in zip(cuts, cuts[1:]):
            cover = next((o for f, u, o in spans if f <= a < u), None)
            person = cover.person if cover else holder
            if out and out[-1][1] == a and out[-1][2] == person and out[-1][3] is cover:
                out[-1] = (out[-1][0], b, person, cover)
            else:
                out.append((a, b, person, cover))
    return out


def rotation_shifts(rotation: Rotation, people: Mapping[str, Person], overrides: Iterable[Override],
                    start: dt.datetime, end: dt.datetime, default_zone: str = "UTC") -> list[Shift]:
    """The rotation's shifts overlapping [start, end) (aware), in order, whole (not cut at the window)."""
    zone_name = rotation_zone(rotation, default_zone)
    tz = zone(zone_name)
    first = schedule.turn_index(rotation, start, zone_name)
    first = 0 if first is None else first
    last = schedule.turn_index(rotation, end - dt.timedelta(microseconds=1), zone_name)
    if last is None:
        return []
    spans = sorted((override_span(o, zone_name) + (o,) for o in overrides if o.rotation == rotation.id),
                   key=lambda span: span[:2])
    found = []
    for turn in range(first, last + 1):
        turn_begins, turn_ends = _turn_bounds(rotation, turn, zone_name)
        touching = [span for span in spans if span[0] < turn_ends and span[1] > turn_begins]
        pieces = _with_overrides(_away_pieces(rotation, people, turn, turn_begins, turn_ends, tz), touching)
        for begins, ends, person, cover in pieces:
            if ends <= start or begins >= end:
                continue
            found.append(Shift(rotation=rotation.id, layer=layer(rotation), turn=turn,
                               key=_key(rotation, turn_begins, begins, tz), start=begins.astimezone(tz),
                               end=ends.astimezone(tz), person=person,
                               scheduled=rotation.members[turn % len(rotation.members)], override=cover))
    return found


def shifts(handbook, start: dt.datetime, end: dt.datetime, rotations: Iterable[str] | None = None) -> list[Shift]:
    """Shifts of the handbook's rotations (or those named) overlapping [start, end), by rotation then time."""
    wanted = handbook.team.rotations if rotations is None else [handbook.rotations[r] for r in rotations]
    people, overrides, default_zone = handbook.people, handbook.overrides, handbook.team.timezone
    return [shift for rotation in wanted
            for shift in rotation_shifts(rotation, people, overrides, start, end, default_zone)]


def shift_at(handbook, rotation: Rotation, moment: dt.datetime) -> Shift | None:
    """The rotation's shift in progress at `moment`, or None before the rotation starts."""
    found = rotation_shifts(rotation, handbook.people, handbook.overrides, moment,
                            moment + dt.timedelta(microseconds=1), handbook.team.timezone)
    return found[0] if found else None


def shifts_from(handbook, rotation: Rotation, moment: dt.datetime, count: int) -> list[Shift]:
    """The shift in progress at `moment` (the first one, before the rotation starts) and the next ones:
    `count` shifts in all."""
    found: list[Shift] = []
    window = max(rotation.period, DAY) * count
    begins = moment
    while len(found) < count:
        batch = rotation_shifts(rotation, handbook.people, handbook.overrides, begins, begins + window,
                                handbook.team.timezone)
        found += [s for s in batch if not found or s.start.astimezone(UTC) >= found[-1].end.astimezone(UTC)]
        begins += window
    return found[:count]
