"""VTIMEZONE components every calendar client reads: yearly RRULEs, as tzurl.org publishes them.

icalendar's own `Timezone.from_tzinfo` lists each transition as an RDATE; dateutil's `tzical` (and
with it vobject, Radicale and tools built on them) and some Outlook versions ignore RDATE lists and
would put a summer review an hour off. The current rule of a zone is in the POSIX TZ string at the end
of its TZif file (`CET-1CEST,M3.5.0,M10.5.0/3`), which maps directly onto `FREQ=YEARLY;BYMONTH=…;
BYDAY=…` RRULEs. Zones whose rule cannot be written that way fall back to icalendar's RDATE form.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import importlib.resources
import re
import zoneinfo
from pathlib import Path

import icalendar

# std name, std offset, [dst name, [dst offset], ",start[/time],end[/time]"]
_NAME = r"(?:[A-Za-z]{3,}|<[+\-A-Za-z0-9]+>)"
_OFFSET = r"[+-]?\d{1,2}(?::\d{2}){0,2}"
_POSIX = re.compile(rf"^(?P<std>{_NAME})(?P<stdoff>{_OFFSET})"
                    rf"(?:(?P<dst>{_NAME})(?P<dstoff>{_OFFSET})?"
                    rf",M(?P<m1>\d+)\.(?P<w1>\d)\.(?P<d1>\d)(?:/(?P<t1>{_OFFSET}))?"
                    rf",M(?P<m2>\d+)\.(?P<w2>\d)\.(?P<d2>\d)(?:/(?P<t2>{_OFFSET}))?)?$")
_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
_EPOCH_YEAR = 1970


def _tzif(name: str) -> bytes | None:
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / name
        if path.is_file():
            return path.read_bytes()
    try:
        return importlib.resources.files("tzdata.zoneinfo").joinpath(name).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def posix_rule(name: str) -> str | None:
    """The POSIX TZ string from the footer of the zone's TZif (v2+) file, if any."""
    data = _tzif(name)
    if not data or not data.startswith(b"TZif") or data[4:5] < b"2":
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return footer.decode("ascii", "replace") or None


def _seconds(text: str | None, default: int) -> int:
    if text is None:
        return default
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _utc_offset(seconds: int) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


def _rule_day(year: int, month: int, week: int, weekday: int) -> dt.date:
    """The `week`-th (5 = last) `weekday` (0 = Sunday) of the month, as POSIX `Mm.w.d` means it."""
    python_weekday = (weekday - 1) % 7
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if dt.date(year, month, d).weekday() == python_weekday]
    return days[-1] if week == 5 else days[week - 1]


def _observance(kind: str, tzname: str, offset_from: int, offset_to: int, match: re.Match, n: str
                ) -> icalendar.cal.Component:
    month, week, weekday = (int(match[f"{k}{n}"]) for k in "mwd")
    at = _seconds(match[f"t{n}"], 7200)
    if not 0 <= at < 86400 or not 1 <= month <= 12 or not 1 <= week <= 5:
        raise ValueError("rule outside what RRULE expresses")
    begin = dt.datetime.combine(dt.date(_EPOCH_YEAR, month, _rule_day(_EPOCH_YEAR, month, week, weekday)),
                                dt.time()) + dt.timedelta(seconds=at)
    component = icalendar.TimezoneDaylight() if kind == "daylight" else icalendar.TimezoneStandard()
    component.add("tzname", tzname.strip("<>"))
    component.add("tzoffsetfrom", _utc_offset(offset_from))
    component.add("tzoffsetto", _utc_offset(offset_to))
    component.add("dtstart", begin)
    component.add("rrule", {"freq": "YEARLY", "bymonth": month, "byday": f"{-1 if week == 5 else week}{_DAYS[weekday]}"})
    return component


def _from_posix(name: str, rule: str) -> icalendar.Timezone:
    match = _POSIX.match(rule)
    if not match:
        raise ValueError(f"cannot read POSIX rule {rule!r}")
    standard = -_seconds(match["stdoff"], 0)  # POSIX offsets count west of Greenwich
    timezone = icalendar.Timezone()
    timezone.add("tzid", name)
    if not match["dst"]:
        only = icalendar.TimezoneStandard()
        only.add("tzname", match["std"].strip("<>"))
        only.add("tzoffsetfrom", _utc_offset(standard))
        only.add("tzoffsetto", _utc_offset(standard))
        only.add("dtstart", dt.datetime(_EPOCH_YEAR, 1, 1))
        timezone.add_component(only)
        return timezone
    daylight = -_seconds(match["dstoff"], -standard - 3600)
    # Europe/Dublin's rule is "negative DST" (winter is its daylight time); readers expect DAYLIGHT to
    # be the larger offset, as tzurl.org and the zone's rearguard form write it.
    summer_first = daylight > standard
    timezone.add_component(_observance("daylight" if summer_first else "standard", match["dst"], standard,
                                       daylight, match, "1"))
    timezone.add_component(_observance("standard" if summer_first else "daylight", match["std"], daylight,
                                       standard, match, "2"))
    return timezone


@functools.lru_cache(maxsize=None)
def vtimezone(name: str, first: dt.date = dt.date(2000, 1, 1), last: dt.date = dt.date(2038, 1, 1)) -> bytes:
    """The serialised VTIMEZONE of the IANA zone `name`; `first`/`last` bound the RDATE fallback."""
    rule = posix_rule(name)
    try:
        if rule is None:
            raise ValueError("no POSIX rule")
        return _from_posix(name, rule).to_ical()
    except ValueError:
        return icalendar.Timezone.from_tzinfo(zoneinfo.ZoneInfo(name), tzid=name, first_date=first,
                                              last_date=last).to_ical()
