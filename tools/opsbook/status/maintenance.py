"""The maintenance windows as an iCalendar feed (`maintenance.ics`), for users to subscribe to.

One VEVENT per window in ops/maintenance.yaml, with UID `maintenance/<id>@<host>` so a window that
moves updates the event in place; a cancelled window stays in the feed with `STATUS:CANCELLED`, which
is how calendar clients learn to remove it. SEQUENCE starts at 0 (1 for a window first seen
cancelled) and, given the previous build's feed, goes up by one each time a window's times or its
cancellation change, as RFC 5545 asks of a revised event. Times are given in the team's zone with
its VTIMEZONE (the calendar room's, with yearly rules every client reads); DTSTAMP is the build day's
midnight in UTC, so the same handbook on the same day gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import icalendar

from opsbook import __version__
from opsbook.calendar.vtimezone import vtimezone
from opsbook.handbook.models.common import zone
from opsbook.status.view import Maintenance, StatusView

UTC = dt.timezone.utc


def previous_revisions(previous: bytes | None) -> dict[str, tuple]:
    """UID → (start, end, cancelled, sequence) of each event in an earlier build of the feed."""
    if not previous:
        return {}
    try:
        events = icalendar.Calendar.from_ical(previous).walk("VEVENT")
        return {str(e["UID"]): (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC),
                                str(e.get("STATUS", "")) == "CANCELLED", int(e.get("SEQUENCE", 0))) for e in events}
    except (ValueError, KeyError, AttributeError, TypeError):
        return {}  # not a feed we can read: start the sequence afresh rather than fail the build


def _sequence(window: Maintenance, uid: str, known: dict[str, tuple]) -> int:
    if uid not in known:
        return 1 if window.cancelled else 0
    start, end, cancelled, sequence = known[uid]
    changed = (start, end, cancelled) != (window.start.astimezone(UTC), window.end.astimezone(UTC), window.cancelled)
    return sequence + 1 if changed else sequence


def render_maintenance(view: StatusView, previous: bytes | None = None) -> bytes:
    """The VCALENDAR of every maintenance window the view holds, soonest first; `previous` is the last
    build's, whose SEQUENCE numbers carry on."""
    known = previous_revisions(previous)
    tz = zone(view.timezone)
    host = urlsplit(view.url).hostname or "localhost"
    stamp = dt.datetime.combine(view.now.astimezone(UTC).date(), dt.time(), UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//opsbook//opsbook {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for key in ("name", "x-wr-calname"):
        calendar.add(key, icalendar.vText(f"{view.name}: maintenance"))
    calendar.add("x-wr-timezone", view.timezone)
    calendar.add("url", view.url, parameters={"VALUE": "URI"})
    calendar.add("source", view.url + "maintenance.ics", parameters={"VALUE": "URI"})
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    if view.maintenance:
        first = min(w.start for w in view.maintenance).astimezone(tz).date()
        last = max(w.end for w in view.maintenance).astimezone(tz).date()
        calendar.add_component(icalendar.Timezone.from_ical(
            vtimezone(view.timezone, dt.date(first.year - 1, 1, 1), dt.date(last.year + 2, 1, 1))))
    for window in view.maintenance:
        uid = f"maintenance/{window.id}@{host}"
        calendar.add_component(_event(view, window, tz, uid, stamp, _sequence(window, uid, known)))
    return calendar.to_ical()


def _event(view: StatusView, window: Maintenance, tz, uid: str, stamp: dt.datetime, sequence: int) -> icalendar.Event:
    event = icalendar.Event()
    event["UID"] = icalendar.vText(uid)
    event["DTSTAMP"] = icalendar.vDDDTypes(stamp)
    event["SEQUENCE"] = icalendar.vInt(sequence)
    event["DTSTART"] = icalendar.vDDDTypes(window.start.astimezone(tz))
    event["DTEND"] = icalendar.vDDDTypes(window.end.astimezone(tz))
    event["SUMMARY"] = icalendar.vText(("Cancelled: " if window.cancelled else "") + window.title)
    event["DESCRIPTION"] = icalendar.vText(f"{view.component_names(window.components)}: {window.message}")
    event["STATUS"] = icalendar.vText("CANCELLED" if window.cancelled else "CONFIRMED")
    event["TRANSP"] = icalendar.vText("TRANSPARENT")  # users are told, not booked
    event["URL"] = icalendar.vUri(f"{view.url}#maintenance-{window.id}")
    event["URL"].params["VALUE"] = "URI"
    return event
