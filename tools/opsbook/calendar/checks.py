"""Schedule warnings: what a reviewer of a cadence or rotation change wants to hear before the calendar
shows it. A pure function from the loaded contents and `now` to located problems, all warnings.

Why here and not in `handbook/checks.py`: these checks need occurrences, so they need the schedule
engine, and the engine imports the handbook's models. `opsbook.validation`, above the rooms, hands
them to the handbook's validation with the other rooms' checks, so the rooms depend on each other in
one direction only. They read `Contents` (what loaded), not the `Handbook`, because the handbook is
only assembled once there are no errors and warnings are wanted alongside errors.

The warnings, each at the key to change:

1. `owner-away`: a cadence's fixed owner is away on an occurrence's day and no `fallback` can stand in;
   `nobody-available`: everyone in a cadence's rotation (and its fallback) is away on an occurrence's
   day. Each looks from
   `now` to the feed's `look_ahead`, the days people will see. (A team rotation with nobody on some
   days is an error of the on-call room, `oncall/checks.py`.)
2. `skip-not-occurrence`: a `skip` date on which the cadence would not happen anyway (not a rule date,
   nor a day a holiday would move one to): probably a typo; the nearest occurrences are named.
3. `far-start`: a cadence's or rotation's `start` more than five years from today: a typo in the year.
4. `reminder-too-long`: a reminder longer than the cadence's interval (7 days a week, 28 a month, 90
   a quarter: the shortest of each), so it would come before the previous occurrence.
5. `first-occurrence`: with `interval` above 1, the periods count from the one holding `start`; when the
   first occurrence differs from the first date the rule gives on or after `start` (a fortnightly
   Monday review starting on a Sunday skips the next day's Monday), the warning shows both dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from opsbook.calendar import schedule
from opsbook.dates import earliest_after, next_midnight
from opsbook.handbook.assembled import CadenceFile
from opsbook.handbook.contents import Contents
from opsbook.handbook.explain import key_path
from opsbook.handbook.loading import Source
from opsbook.handbook.models.cadence import Every
from opsbook.handbook.models.common import format_duration
from opsbook.handbook.models.config import HandbookConfig
from opsbook.problems import Level, Problem

FAR_YEARS = 5
_SHORTEST_DAYS = {Every.WEEK: 7, Every.MONTH: 28, Every.QUARTER: 90}
UTC = dt.timezone.utc
_SLACK = dt.timedelta(days=31)
_INSTANT = dt.timedelta(microseconds=1)  # a window [start, end) takes in what begins at `end` just after


def check_schedule(contents: Contents, now: dt.datetime) -> list[Problem]:
    """Every schedule warning for the loaded `contents` as of `now` (aware)."""
    today = now.astimezone(UTC).date()
    holidays = frozenset(h.date for h in contents.holidays.holidays) if contents.holidays else frozenset()
    problems: list[Problem] = []
    for item in contents.cadences:
        problems += _far_start(item.source, ("start",), item.cadence.start, today)
        problems += _reminder(item)
        problems += _first_occurrence(item, holidays)
        problems += _skips(item, holidays)
        if contents.team is not None:
            problems += _owners_away(item, contents, holidays, now)
    if contents.team is not None and (source := contents.sources.get("ops/team.yaml")):
        for i, rotation in enumerate(contents.team.rotations):
            problems += _far_start(source, ("rotations", i, "start"), rotation.start, today)
    return problems


def next_schedule_change(contents: Contents, now: dt.datetime) -> dt.datetime | None:
    """The earliest moment after `now` at which `check_schedule` could report otherwise, the files unchanged.

    Today's date (in UTC) and the days of the look-ahead window change at midnights; an occurrence comes
    into the window just after its start is `look_ahead` away and leaves it when it ends.
    """
    look_ahead = (contents.config or HandbookConfig()).feed.look_ahead
    try:
        candidates = [next_midnight(now.astimezone(UTC))]
        for offset in (-_SLACK, look_ahead + _SLACK):
            candidates.append(next_midnight(now + offset) - offset)
        if contents.team is not None:
            holidays = frozenset(h.date for h in contents.holidays.holidays) if contents.holidays else frozenset()
            people = {person.id: person for person in contents.team.people}
            rotations = {rotation.id: rotation for rotation in contents.team.rotations}
            for item in contents.cadences:
                cadence = item.cadence
                if cadence.rotation is not None and cadence.rotation not in rotations:
                    continue
                concerned = [cadence.owner] if cadence.owner is not None else rotations[cadence.rotation].members
                # As in `_owners_away`: nobody away near the window, no warning until a midnight above.
                if not _away_between(concerned, people, (now - _SLACK).date(), (now + look_ahead + _SLACK).date()):
                    continue
                for occurrence in schedule.cadence_occurrences(
                        cadence, holidays=holidays, rotations=rotations, people=people, start=now,
                        end=now + look_ahead + dt.timedelta(days=2)):
                    candidates += [occurrence.start - look_ahead + _INSTANT, occurrence.end]
    except OverflowError:
        return None
    return earliest_after(now, candidates)


def _warn(source: Source, path: tuple, message: str, code: str, hint: str | None = None) -> Problem:
    line, column = source.line_of(path)
    return Problem(source.rel, message, line, column, key_path(path), hint=hint, code=code, level=Level.WARNING)


# --- 1. people away ----------------------------------------------------------------------------------

def _owners_away(item: CadenceFile, contents: Contents, holidays: frozenset[dt.date],
                 now: dt.datetime) -> Iterator[Problem]:
    cadence, source = item.cadence, item.source
    people = {person.id: person for person in contents.team.people}
    rotations = {rotation.id: rotation for rotation in contents.team.rotations}
    if cadence.rotation is not None and cadence.rotation not in rotations:
        return  # a dangling reference is already an error
    look_ahead = (contents.config or HandbookConfig()).feed.look_ahead
    # Both warnings need someone away on an occurrence's day: without an away period near the window
    # (a month's slack covers holiday shifts and long reviews) the occurrences need not be computed.
    concerned = [cadence.owner] if cadence.owner is not None else rotations[cadence.rotation].members
    try:
        if not _away_between(concerned, people, (now - _SLACK).date(), (now + look_ahead + _SLACK).date()):
            return
        found = schedule.cadence_occurrences(cadence, holidays=holidays, rotations=rotations, people=people,
                                             start=now, end=now + look_ahead)
    except OverflowError:  # a `now` within the horizon of year 9999: nothing to look ahead at
        return
    hint = ("add the date to `skip`, or name another `fallback`" if cadence.fallback
            else "name a `fallback` who can stand in, or add the date to `skip`")
    for occurrence in found:
        day = occurrence.start.date()
        when = f"on {day}, when {cadence.id} ({occurrence.period}) happens"
        if cadence.fallback is None:
            also = ", and no fallback is named" if cadence.owner else ""
        else:
            also = f", and its fallback {cadence.fallback} is away too"
        owner_away = cadence.owner is not None and schedule.is_away(people.get(cadence.owner), day)
        if owner_away and occurrence.standing_in_for is None:
            yield _warn(source, ("owner",), f"{cadence.owner} is away {when}{also}", "owner-away", hint)
        elif cadence.rotation is not None and occurrence.owner is None:
            yield _warn(source, ("rotation",), f"everyone in {cadence.rotation} is away {when}{also}",
                        "nobody-available", hint)


def _away_between(person_ids, people: dict, first: dt.date, last: dt.date) -> bool:
    """Whether any of the people has an away period overlapping the days `first` to `last`."""
    return any(away.start <= last and away.end >= first
               for person_id in person_ids if (person := people.get(person_id)) is not None
               for away in person.away)


# --- 2. skip dates -----------------------------------------------------------------------------------

def _skips(item: CadenceFile, holidays: frozenset[dt.date]) -> Iterator[Problem]:
    cadence = item.cadence
    if not cadence.skip:
        return
    last = _plus(max(cadence.skip), _SHORTEST_DAYS[Every.QUARTER] * cadence.when.interval * 2)
    nominal = list(schedule.nominal_dates(cadence, last, holidays))
    # A skip date may also be a day a holiday would move an occurrence to: it keeps it off that day.
    landing = {schedule.shift(day, cadence.on_holiday, holidays, frozenset()) for day in nominal}
    for i, day in enumerate(cadence.skip):
        if day in nominal or day in landing:
            continue
        before = [d for d in nominal if d < day][-1:]
        after = [d for d in nominal if d > day][:1]
        near = ", ".join(str(d) for d in before + after)
        yield _warn(item.source, ("skip", i), f"{day} is not an occurrence of {cadence.id}"
                    + (f" (nearest: {near})" if near else " (it has none near that date)"),
                    "skip-not-occurrence", "a skip date only drops an occurrence on that very day; a typo?")


# --- 3. far starts -----------------------------------------------------------------------------------

def _far_start(source: Source, path: tuple, start: dt.date, today: dt.date) -> Iterator[Problem]:
    earliest, latest = _years_from(today, -FAR_YEARS), _years_from(today, FAR_YEARS)
    if start < earliest or start > latest:
        yield _warn(source, path, f"{start} is more than {FAR_YEARS} years from today ({today}): a typo in the year?",
                    "far-start")


def _years_from(day: dt.date, years: int) -> dt.date:
    year = min(max(day.year + years, dt.MINYEAR), dt.MAXYEAR)
    return day.replace(year=year, day=28 if (day.month, day.day) == (2, 29) else day.day)


def _plus(day: dt.date, days: int) -> dt.date:
    """`day` plus `days`, stopping at the last date there is rather than overflowing."""
    return day + dt.timedelta(days=days) if dt.date.max - day > dt.timedelta(days=days) else dt.date.max


# --- 4. reminders ------------------------------------------------------------------------------------

def _reminder(item: CadenceFile) -> Iterator[Problem]:
    cadence = item.cadence
    when = cadence.when
    if cadence.reminder is None or cadence.reminder <= dt.timedelta(days=_SHORTEST_DAYS[when.every] * when.interval):
        return
    unit = when.every.value + ("s" if when.interval > 1 else "")
    yield _warn(item.source, ("reminder",), f"{format_duration(cadence.reminder)} is longer than the cadence's "
                f"interval ({when.interval} {unit}): the reminder would come before the previous occurrence",
                "reminder-too-long")


# --- 5. the first occurrence of an interval ----------------------------------------------------------

def _first_occurrence(item: CadenceFile, holidays: frozenset[dt.date]) -> Iterator[Problem]:
    cadence = item.cadence
    when = cadence.when
    if when.interval == 1:
        return
    every_period = cadence.model_copy(update={"when": when.model_copy(update={"interval": 1})})
    last = _plus(cadence.start, _SHORTEST_DAYS[Every.QUARTER] * (when.interval + 1) * 2)
    first = next(schedule.nominal_dates(cadence, last, holidays), None)
    expected = next(schedule.nominal_dates(every_period, last, holidays), None)
    if first is None or expected is None or first == expected:
        return
    yield _warn(item.source, ("start",), f"the first occurrence is {first}, not {expected}: with `interval: "
                f"{when.interval}`, {when.every.value}s are counted from the one holding start ({cadence.start})",
                "first-occurrence", f"set start to {expected} to begin then, or to {first} to keep these dates")
