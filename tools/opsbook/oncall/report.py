"""The shifts of a period with hours split into weekday, weekend and holiday hours, and the fair-share
table (hours per person and rotation). Pure: the command prints these, the site's team page shows them.

Hours are elapsed hours (a weekly shift across a DST change lasts 167 or 169), counted in the rotation's
zone: an hour on a date of `calendar/holidays.yaml` is a holiday hour whatever the weekday, otherwise an
hour on a Saturday or Sunday is a weekend hour, otherwise a weekday hour. Shifts are cut at the period's
ends, so each rotation's rows add up to the period's length (from the rotation's first turn, when it
begins inside the period), with no gaps and no overlaps; time with nobody on call is a row with no
person (validation makes it an error ahead of today).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from typing import Iterable

from opsbook.calendar import schedule
from opsbook.handbook.models.common import zone
from opsbook.oncall.shifts import Shift, rotation_zone, shifts

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)
KINDS = ("weekday", "weekend", "holiday")


@dataclasses.dataclass(frozen=True)
class Row:
    """A shift cut to the period, with its hours by kind."""

    shift: Shift
    start: dt.datetime         # the shift's start, or the period's, whichever is later
    end: dt.datetime
    hours: dict[str, float]    # "weekday", "weekend", "holiday" → hours

    @property
    def total(self) -> float:
        return sum(self.hours.values())


def hours_by_kind(start: dt.datetime, end: dt.datetime, zone_name: str,
                  holidays: frozenset[dt.date]) -> dict[str, float]:
    """Elapsed hours of [start, end) on weekdays, weekends and holidays, by local date in `zone_name`."""
    tz = zone(zone_name)
    totals = dict.fromkeys(KINDS, 0.0)
    at = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while at < end:
        day = at.astimezone(tz).date()
        until = min(schedule.local_start(day + DAY, dt.time(), zone_name).astimezone(UTC), end)
        kind = "holiday" if day in holidays else "weekend" if day.weekday() >= 5 else "weekday"
        totals[kind] += (until - at).total_seconds() / 3600
        at = until
    return totals


def period_bounds(zone_name: str, since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[since 00:00, the day after `until` 00:00) in the zone: `until` is the period's last day."""
    return (schedule.local_start(since, dt.time(), zone_name).astimezone(UTC),
            schedule.local_start(until + DAY, dt.time(), zone_name).astimezone(UTC))


def rows(handbook, since: dt.date, until: dt.date, rotations: Iterable[str] | None = None) -> list[Row]:
    """Every shift of the period (its days read in each rotation's own zone), cut to it, with hours."""
    holidays = frozenset(holiday.date for holiday in handbook.holidays)
    wanted = [r.id for r in handbook.team.rotations] if rotations is None else list(rotations)
    found = []
    for rotation_id in wanted:
        zone_name = rotation_zone(handbook.rotations[rotation_id], handbook.team.timezone)
        begins, ends = period_bounds(zone_name, since, until)
        tz = zone(zone_name)
        for shift in shifts(handbook, begins, ends, [rotation_id]):
            start = max(shift.start.astimezone(UTC), begins).astimezone(tz)
            end = min(shift.end.astimezone(UTC), ends).astimezone(tz)
            found.append(Row(shift, start, end, hours_by_kind(start, end, zone_name, holidays)))
    return found


def fair_share(found: list[Row]) -> list[dict]:
    """Hours per (rotation, person), rotation by rotation in the rows' order, most hours first."""
    totals: dict[tuple[str, str | None], dict] = {}
    for row in found:
        entry = totals.setdefault((row.shift.rotation, row.shift.person), {
            "rotation": row.shift.rotation, "person": row.shift.person, "shifts": 0, **dict.fromkeys(KINDS, 0.0)})
        entry["shifts"] += 1
        for kind in KINDS:
            entry[kind] += row.hours[kind]
    order = {rotation: index for index, rotation in enumerate(dict.fromkeys(r.shift.rotation for r in found))}
    entries = [dict(e, total=sum(e[k] for k in KINDS)) for e in totals.values()]
    return sorted(entries, key=lambda e: (order[e["rotation"]], -e["total"], e["person"] or ""))


# --- formats -----------------------------------------------------------------------------------------

def _hours(value: float) -> str:
    """Hours as printed: whole hours without decimals (168), otherwise two places (7.5 → 7.50)."""
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def _note(shift: Shift, name) -> str:
    if shift.override is not None:
        return f"override: {shift.override.reason}"
    if shift.person is None:
        return "nobody: everyone is away"
    if shift.standing_in_for:
        return f"standing in for {name(shift.standing_in_for)} (away)"
    return ""


def row_dict(row: Row) -> dict:
    shift = row.shift
    return {"rotation": shift.rotation, "layer": shift.layer, "person": shift.person, "start": row.start.isoformat(),
            "end": row.end.isoformat(), **{f"{kind}_hours": round(row.hours[kind], 4) for kind in KINDS},
            "hours": round(row.total, 4), "scheduled": shift.scheduled,
            "override": shift.override.reason if shift.override else None, "uid": shift.key}


CSV_COLUMNS = ("rotation", "layer", "person", "start", "end", "weekday_hours", "weekend_hours", "holiday_hours",
               "hours", "scheduled", "override", "uid")


def as_csv(found: list[Row]) -> str:
    """One line per shift, for payroll: hours by kind, the override's reason, the feed's UID."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in found:
        values = row_dict(row)
        writer.writerow({k: ("" if values[k] is None else _hours(values[k]) if k.endswith("hours") else values[k])
                         for k in CSV_COLUMNS})
    return out.getvalue()


def as_json(found: list[Row], since: dt.date, until: dt.date) -> str:
    shares = [dict(e, **{k: round(e[k], 4) for k in (*KINDS, "total")}) for e in fair_share(found)]
    return json.dumps({"since": since.isoformat(), "until": until.isoformat(),
                       "shifts": [row_dict(row) for row in found], "fair_share": shares}, indent=2) + "\n"


def as_text(found: list[Row], since: dt.date, until: dt.date, people: dict) -> str:
    def name(person_id):
        return people[person_id].name if person_id in people else (person_id or "nobody")
    lines = [f"On-call shifts from {since} to {until}:"]
    current = None
    for row in found:
        if row.shift.rotation != current:
            current = row.shift.rotation
            lines += ["", f"{current} ({row.shift.layer}):"]
        note = _note(row.shift, name)
        lines.append(f"  {row.start:%a %Y-%m-%d %H:%M} – {row.end:%a %Y-%m-%d %H:%M} {row.start:%Z}  "
                     f"{name(row.shift.person)}  {_hours(row.total)} h" + (f"  ({note})" if note else ""))
    lines += ["", "Hours per person (weekday / weekend / holiday = total):"]
    for entry in fair_share(found):
        lines.append(f"  {entry['rotation']}  {name(entry['person'])}: " + " / ".join(_hours(entry[k]) for k in KINDS)
                     + f" = {_hours(entry['total'])} h in {entry['shifts']} shift" + ("s" if entry["shifts"] != 1 else ""))
    return "\n".join(lines) + "\n"
