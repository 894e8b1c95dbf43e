"""The review schedule: cadences → occurrences. Pure functions; the feed, the issue plan and the site
all call these, so they can never disagree about when a review happens or who runs it.

How a cadence becomes occurrences:

1. **Nominal dates.** python-dateutil's rrule enumerates the periods (ISO weeks, months, quarters,
   every `interval` of them counted from `start`); inside each period the cadence's rule picks a day:
   a weekday, a day of the month clamped to the month's end, the n-th (or last) weekday, or the n-th
   (or last) business day. Business days are Monday to Friday minus the handbook's holidays. A rule
   that has no day in a period (a fifth Tuesday, say) has no occurrence there. A quarterly `day` or
   `weekday` without `month` means the quarter's first month; a quarterly `business_day` without
   `month` counts across the whole quarter.
2. **Index.** Nominal dates on or after `start` (and not after `until`) are numbered from 0. The index
   drives rotations and never changes when a holiday moves or drops an occurrence.
3. **Shift.** A nominal date that is a holiday or one of the cadence's `skip` dates moves by
   `on_holiday`: to the next or previous business day (also avoiding skip dates), is dropped (`skip`),
   or stays (`keep`; a `skip` date is never kept, it is dropped). Weekends alone do not move anything:
   a cadence that names a Saturday means it.
4. **Time.** The (shifted) date at the cadence's wall-clock time in its own zone, so 10:00
   Europe/Berlin is 10:00 local in summer and in winter. A time inside a DST gap moves forward by the
   gap (02:30 on the spring-forward night becomes 03:30); an ambiguous time takes its first instance.
   `end` is `start` plus `duration` of elapsed time.
5. **Owner.** The cadence's `owner`, or the rotation member at `index` (skipping people away that day).
   When that owner, or every member, is away on the day, the cadence's `fallback` stands in (unless
   away too) and the occurrence records whom they stand in for.

The period key (`2026-W48`, `2026-11`, `2026-Q4`) comes from the nominal date, so an occurrence keeps
its key (and its feed UID and issue marker) when a holiday moves it across a week or month boundary.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from typing import Iterable, Iterator, Mapping

from dateutil import rrule

from opsbook.handbook.models.cadence import Cadence, Every, Shift, When
from opsbook.handbook.models.catalogue import Person, Rotation
from opsbook.handbook.models.common import zone

UTC = dt.timezone.utc
_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
# How far past the window's end a nominal date may lie and still be shifted back into it.
_SHIFT_SLACK = dt.timedelta(days=31)


@dataclasses.dataclass(frozen=True)
class Occurrence:
    """One happening of a cadence."""

    cadence_id: str
    title: str                 # the cadence's title
    period: str                # key of the NOMINAL date: "2026-W48", "2026-11", "2026-Q4"
    start: dt.datetime         # aware, in the cadence's zone
    end: dt.datetime
    owner: str | None          # person id: the cadence's owner, the rotation member or the fallback; None if
                               # everyone is away and no fallback can stand in
    checklist: tuple[str, ...]
    labels: tuple[str, ...]
    index: int                 # 0-based number of the nominal occurrence since the cadence's start
    shifted_from: dt.date | None = None  # the nominal date, when a holiday or skip date moved it
    standing_in_for: str | None = None   # person id of the owner (or member whose turn it is) who is away,
                                         # when the cadence's fallback took over

    @property
    def uid(self) -> str:
        """Stable identity across builds: the cadence and the period, never the position or the date."""
        return f"{self.cadence_id}/{self.period}"

    @property
    def display_title(self) -> str:
        return f"{self.title} — {self.period}"


# --- periods and nominal dates ---------------------------------------------------------------------

def period_key(every: Every, day: dt.date) -> str:
    """The period containing `day`: ISO week `2026-W48`, month `2026-11` or quarter `2026-Q4`."""
    if every is Every.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if every is Every.MONTH:
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _as_datetime(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _period_starts(every: Every, interval: int, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """First days of the months or quarters, every `interval` of them, from the one holding `first`."""
    months = 3 if every is Every.QUARTER else 1
    anchor_month = first.month - (first.month - 1) % months
    anchor = dt.date(first.year, anchor_month, 1)
    rule = rrule.rrule(rrule.MONTHLY, interval=interval * months, bymonthday=1, dtstart=_as_datetime(anchor),
                       until=_as_datetime(last))
    return (moment.date() for moment in rule)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _weekdays_in(first: dt.date, last: dt.date, weekday: int) -> list[dt.date]:
    """Every `weekday` (Monday 0) from `first` to `last`."""
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
    return [day + dt.timedelta(weeks=n) for n in range((last - day).days // 7 + 1)] if day <= last else []


def _business_days(first: dt.date, last: dt.date, holidays: frozenset[dt.date]) -> list[dt.date]:
    """Monday to Friday from `first` to `last`, minus holidays."""
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5 and day not in holidays]


def _pick(days: list[dt.date], nth: int) -> dt.date | None:
    """The nth (1-based) day, or counting from the end when negative; None when there are too few."""
    position = nth - 1 if nth > 0 else nth
    return days[position] if -len(days) <= position < len(days) else None


def _day_in_period(when: When, period: dt.date, holidays: frozenset[dt.date]) -> dt.date | None:
    """The nominal day of a monthly or quarterly rule in the period starting on `period`."""
    if when.every is Every.QUARTER and when.month is None and when.business_day is not None:
        first, last = period, _add_months(period, 3) - dt.timedelta(days=1)
    else:
        first = _add_months(period, (when.month or 1) - 1) if when.every is Every.QUARTER else period
        last = _month_end(first)
    if when.day is not None:
        return first.replace(day=min(when.day, last.day))
    if when.business_day is not None:
        return _pick(_business_days(first, last, holidays), when.business_day)
    return _pick(_weekdays_in(first, last, when.weekday.index), when.nth)


def nominal_dates(cadence: Cadence, last: dt.date, holidays: Iterable[dt.date] = ()) -> Iterator[dt.date]:
    """The cadence's dates before any holiday shift, from its `start` to `last` (or `until`), in order."""
    when = cadence.when
    last = min(last, cadence.until) if cadence.until else last
    if last < cadence.start:
        return
    if when.every is Every.WEEK:
        rule = rrule.rrule(rrule.WEEKLY, interval=when.interval, byweekday=_WEEKDAYS[when.weekday.index],
                           wkst=rrule.MO, dtstart=_as_datetime(cadence.start), until=_as_datetime(last))
        yield from (moment.date() for moment in rule)
        return
    frozen = frozenset(holidays)
    for period in _period_starts(when.every, when.interval, cadence.start, last):
        day = _day_in_period(when, period, frozen)
        if day is not None and cadence.start <= day <= last:
            yield day


# --- shifting, times and owners --------------------------------------------------------------------

def shift(day: dt.date, rule: Shift, holidays: frozenset[dt.date], skips: frozenset[dt.date]) -> dt.date | None:
    """Where an occurrence nominally on `day` happens; None when it is dropped."""
    if day not in holidays and day not in skips:
        return day
    if rule is Shift.SKIP or (rule is Shift.KEEP and day in skips):
        return None
    if rule is Shift.KEEP:
        return day
    step = dt.timedelta(days=1 if rule is Shift.NEXT_BUSINESS_DAY else -1)
    moved = day + step
    while moved.weekday() >= 5 or moved in holidays or moved in skips:
        moved += step
    return moved


def local_start(day: dt.date, time: dt.time, zone_name: str) -> dt.datetime:
    """`day` at wall-clock `time` in the zone; a time inside a DST gap moves forward by the gap."""
    tz = zone(zone_name)
    naive = dt.datetime.combine(day, time)
    # A round trip through UTC normalises a non-existent wall time (fold=0 takes the pre-gap offset).
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def is_away(person: Person | None, on: dt.date) -> bool:
    """Whether the person's `away` periods cover the day (an unknown person is never away)."""
    return person is not None and any(away.start <= on <= away.end for away in person.away)


def rotation_member(rotation: Rotation, people: Mapping[str, Person], index: int, on: dt.date) -> str | None:
    """`members[index % n]`, or the next member in order who is not away on `on`; None if all are away."""
    members = rotation.members
    for step in range(len(members)):
        candidate = members[(index + step) % len(members)]
        if not is_away(people.get(candidate), on):
            return candidate
    return None


def _first_handoff(rotation: Rotation) -> dt.datetime:
    """The handoff at or before the rotation's start date (naive, wall-clock time in the handoff zone).

    Counting from the handoff at or before `start`, not after it, means a rotation that starts on a
    Sunday with Monday handoffs is held from that Sunday: its first turn began the Monday before.
    """
    handoff = rotation.handoff
    first = rotation.start
    if handoff:
        first -= dt.timedelta(days=(first.weekday() - handoff.weekday.index) % 7)
    return dt.datetime.combine(first, handoff.time if handoff else dt.time())


def _handoff_zone(rotation: Rotation, default_zone: str) -> str:
    return rotation.handoff.timezone if rotation.handoff else default_zone


def turn_index(rotation: Rotation, moment: dt.datetime, default_zone: str = "UTC") -> int | None:
    """The number of the turn in progress at `moment` (0 for the first), or None before the rotation starts.

    Turns last `period` and change at the handoff, counted from the handoff at or before `start` in the
    handoff zone's wall-clock time, so a Monday 10:00 handoff stays at 10:00 local across DST.
    """
    tz_name = _handoff_zone(rotation, default_zone)
    local = moment.astimezone(zone(tz_name)).replace(tzinfo=None)
    first = _first_handoff(rotation)
    return None if local < first else (local - first) // rotation.period


def turn_start(rotation: Rotation, index: int, default_zone: str = "UTC") -> dt.datetime:
    """When turn `index` begins: aware, in the handoff zone (the default zone without a handoff)."""
    tz_name = _handoff_zone(rotation, default_zone)
    return (_first_handoff(rotation) + index * rotation.period).replace(tzinfo=zone(tz_name))


def on_call(rotation: Rotation, people: Mapping[str, Person], moment: dt.datetime,
            default_zone: str = "UTC") -> str | None:
    """Who holds the rotation at `moment`: the member whose turn it is (see `turn_index`), or the next one
    in order who is not away that day; None before the rotation starts or when everyone is away.

    The rotation's order only: who is actually on call, with the swaps and covers of
    ops/oncall-overrides.yaml, is `opsbook.oncall.shifts.shift_at`, built on this."""
    index = turn_index(rotation, moment, default_zone)
    if index is None:
        return None
    local_day = moment.astimezone(zone(_handoff_zone(rotation, default_zone))).date()
    return rotation_member(rotation, people, index, local_day)


def _owner(cadence: Cadence, index: int, on: dt.date, rotations: Mapping[str, Rotation],
           people: Mapping[str, Person]) -> tuple[str | None, str | None]:
    """(owner, the person the owner stands in for) of the occurrence with `index` happening on `on`."""
    if cadence.owner is not None:
        if not is_away(people.get(cadence.owner), on):
            return cadence.owner, None
        away = cadence.owner
    else:
        rotation = rotations.get(cadence.rotation)
        if rotation is None:
            return None, None
        if (member := rotation_member(rotation, people, index, on)) is not None:
            return member, None
        away = rotation.members[index % len(rotation.members)]
    if cadence.fallback is not None and not is_away(people.get(cadence.fallback), on):
        return cadence.fallback, away
    # Nobody can stand in: a fixed owner keeps the review (and validation warns), a rotation has nobody.
    return cadence.owner, None


# --- the public entry points -----------------------------------------------------------------------

def cadence_occurrences(cadence: Cadence, *, holidays: Iterable = (), rotations: Mapping[str, Rotation] = {},
                        people: Mapping[str, Person] = {}, start: dt.datetime, end: dt.datetime
                        ) -> list[Occurrence]:
    """Occurrences of one cadence that overlap [start, end), in order.

    `holidays` are dates or objects with a `date` (the handbook's `Holiday`); `rotations` and `people`
    are the handbook's, by id. The window is compared in absolute time, so any aware datetimes work.
    """
    holiday_dates = frozenset(getattr(h, "date", h) for h in holidays)
    skips = frozenset(cadence.skip)
    last = (end.astimezone(zone(cadence.timezone)) + _SHIFT_SLACK).date()
    first = (start.astimezone(zone(cadence.timezone)) - _SHIFT_SLACK).date()
    found = []
    for index, nominal in enumerate(nominal_dates(cadence, last, holiday_dates)):
        if nominal < first:
            continue  # counted for the index, but no shift can bring it into the window
        day = shift(nominal, cadence.on_holiday, holiday_dates, skips)
        if day is None:
            continue
        begins = local_start(day, cadence.time, cadence.timezone)
        ends = (begins.astimezone(UTC) + cadence.duration).astimezone(begins.tzinfo)
        if ends <= start or begins >= end:
            continue
        owner, standing_in_for = _owner(cadence, index, day, rotations, people)
        found.append(Occurrence(
            cadence_id=cadence.id, title=cadence.title, period=period_key(cadence.when.every, nominal),
            start=begins, end=ends, owner=owner, checklist=tuple(cadence.checklist), labels=tuple(cadence.labels),
            index=index, shifted_from=nominal if day != nominal else None, standing_in_for=standing_in_for,
        ))
    return found


def occurrences(handbook, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """Occurrences of every cadence in the handbook overlapping [start, end), sorted by (start, cadence id)."""
    holidays = [holiday.date for holiday in handbook.holidays]
    rotations, people = handbook.rotations, handbook.people
    found = [occurrence
             for entry in handbook.cadences.values()
             for occurrence in cadence_occurrences(entry.cadence, holidays=holidays, rotations=rotations,
                                                   people=people, start=start, end=end)]
    return sorted(found, key=lambda o: (o.start.astimezone(UTC), o.cadence_id))


def upcoming(handbook, now: dt.datetime, days: int = 28) -> list[Occurrence]:
    """Occurrences not yet over at `now` that start within the next `days` days."""
    return occurrences(handbook, now, now + dt.timedelta(days=days))
