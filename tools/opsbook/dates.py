"""Reading the dates people type on the command line, and the moments when what a date decides changes
(pure functions of datetimes: the handbook's checks use them, so this module imports no room)."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from opsbook.problems import UsageError


def parse_as_of(text: str | None, option: str = "--as-of", local_zone: Callable[[], str] | None = None
                ) -> dt.datetime:
    """`--as-of` (or `option`) as an aware datetime: a date means its end (23:59:59 UTC); no value means now.
    With `local_zone`, a date-time without an offset is wall-clock time in the zone it names (asked only
    then); without it, such a date-time is refused."""
    if not text:
        return dt.datetime.now(dt.timezone.utc)
    try:
        if "T" in text or " " in text.strip():
            moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            if moment.tzinfo is None:
                if local_zone is None:
                    raise UsageError(f"{option} {text!r}: give a UTC offset, such as {text}+00:00")
                import zoneinfo

                return moment.replace(tzinfo=zoneinfo.ZoneInfo(local_zone()))
            return moment
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a date as YYYY-MM-DD or an ISO date-time with offset") from None
    return dt.datetime.combine(day, dt.time(23, 59, 59), dt.timezone.utc)


def next_midnight(moment: dt.datetime) -> dt.datetime:
    """The start of the day after `moment`'s, in `moment`'s own offset: when its `.date()` next changes."""
    return dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(), moment.tzinfo)


def next_minute(moment: dt.datetime) -> dt.datetime:
    """The start of the minute after `moment`'s: when a time printed to the minute next changes."""
    return moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def earliest_after(now: dt.datetime, candidates) -> dt.datetime | None:
    """The earliest of `candidates` (aware datetimes, or None) that lies after `now`; None if none does."""
    return min((moment for moment in candidates if moment is not None and moment > now), default=None)
