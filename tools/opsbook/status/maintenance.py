"""The maintenance windows as an iCalendar feed (`maintenance.ics`), for users to subscribe to.

One VEVENT per window in ops/maintenance.yaml, with UID `maintenance/<id>@<host>/<path>` (the status
page's address without its scheme: `urls.uid_domain`, so two teams' status pages on one Pages host never
share a UID; a page at the root of its host keeps the host alone) so a window that moves updates the
event in place; a cancelled window stays in the feed with `STATUS:CANCELLED`, which
is how calendar clients learn to remove it. SEQUENCE starts at 0 (1 for a window first seen
cancelled) and, given the previous build's feed, goes up by one each time a window's times or its
cancellation change, as RFC 5545 asks of a revised event. LAST-MODIFIED is when a build first showed
the window as it is (times, cancellation, title, components, message): the status page's Atom feeds
date the window's entry by it, so a changed window shows again in feed readers; a window no earlier
build showed is dated by this build, or by its start when that has passed. Times are given in the team's zone with
its VTIMEZONE (the calendar room's, with yearly rules every client reads); DTSTAMP is the build day's
midnight in UTC, so the same handbook on the same day gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlsplit

import icalendar

from opsbook import __version__, urls
from opsbook.calendar.vtimezone import vtimezone
from opsbook.handbook.models.common import zone
from opsbook.status.view import Maintenance, StatusView

UTC = dt.timezone.utc


@dataclasses.dataclass(frozen=True, slots=True)
class Revision:
    """Where a window stands in its subscribers' calendars and feeds."""

    sequence: int  # SEQUENCE: up by one each time its times or its cancellation change
    modified: dt.datetime  # LAST-MODIFIED: when a build first showed it as it is now


@dataclasses.dataclass(frozen=True, slots=True)
class _Shown:
    """What an earlier build's event said of a window."""

    times: tuple  # (start, end, cancelled), in UTC
    text: tuple[str, str]  # (SUMMARY, DESCRIPTION)
    sequence: int
    modified: dt.datetime | None


def previous_revisions(previous: bytes | None) -> dict[str, _Shown]:
    """UID → what each event of an earlier build of the feed said."""
    if not previous:
        return {}
    try:
        events = icalendar.Calendar.from_ical(previous).walk("VEVENT")
        return {str(e["UID"]): _Shown((e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC),
                                       str(e.get("STATUS", "")) == "CANCELLED"),
                                      (str(e.get("SUMMARY", "")), str(e.get("DESCRIPTION", ""))),
                                      int(e.get("SEQUENCE", 0)),
                                      e["LAST-MODIFIED"].dt.astimezone(UTC) if "LAST-MODIFIED" in e else None)
                for e in events}
    except (ValueError, KeyError, AttributeError, TypeError):
        return {}  # not a feed we can read: start the sequence afresh rather than fail the build


def window_revisions(view: StatusView, previous: bytes | None = None) -> dict[str, Revision]:
    """Each window's revision by id, carrying on from `previous`, the last build's maintenance.ics."""
    known = previous_revisions(previous)
    host = _host(view)
    return {window.id: _revision(view, window, known.get(_uid(window, host))) for window in view.maintenance}


def _revision(view: StatusView, window: Maintenance, shown: _Shown | None) -> Revision:
    times = (window.start.astimezone(UTC), window.end.astimezone(UTC), window.cancelled)
    first_seen = min(view.now, window.start).astimezone(UTC)  # told no later than it began
    if shown is None:
        return Revision(1 if window.cancelled else 0, first_seen)
    moved = shown.times != times
    if moved or shown.text != (_summary(window), _description(view, window)):
        modified = view.now.astimezone(UTC)
    elif shown.modified is None or shown.modified > view.now:  # an older feed, or one built as of later
        modified = first_seen
    else:
        modified = shown.modified
    return Revision(shown.sequence + 1 if moved else shown.sequence, modified)


def _host(view: StatusView) -> str:
    return urls.uid_domain(view.url) if urlsplit(view.url).hostname else "localhost"


def _uid(window: Maintenance, host: str) -> str:
    return f"maintenance/{window.id}@{host}"


def _summary(window: Maintenance) -> str:
    return ("Cancelled: " if window.cancelled else "") + window.title


def _description(view: StatusView, window: Maintenance) -> str:
    return f"{view.component_names(window.components)}: {window.message}"


def render_maintenance(view: StatusView, revised: dict[str, Revision] | None = None) -> bytes:
    """The VCALENDAR of every maintenance window the view holds, soonest first; `revised` is
    `window_revisions` of the last build's feed, whose SEQUENCE numbers carry on."""
    revised = window_revisions(view) if revised is None else revised
    tz = zone(view.timezone)
    host = _host(view)
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
        calendar.add_component(_event(view, window, tz, _uid(window, host), stamp, revised[window.id]))
    return calendar.to_ical()


def _event(view: StatusView, window: Maintenance, tz, uid: str, stamp: dt.datetime,
           revision: Revision) -> icalendar.Event:
    event = icalendar.Event()
    event["UID"] = icalendar.vText(uid)
    event["DTSTAMP"] = icalendar.vDDDTypes(stamp)
    event["LAST-MODIFIED"] = icalendar.vDDDTypes(revision.modified.astimezone(UTC))
    event["SEQUENCE"] = icalendar.vInt(revision.sequence)
    event["DTSTART"] = icalendar.vDDDTypes(window.start.astimezone(tz))
    event["DTEND"] = icalendar.vDDDTypes(window.end.astimezone(tz))
    event["SUMMARY"] = icalendar.vText(_summary(window))
    event["DESCRIPTION"] = icalendar.vText(_description(view, window))
    event["STATUS"] = icalendar.vText("CANCELLED" if window.cancelled else "CONFIRMED")
    event["TRANSP"] = icalendar.vText("TRANSPARENT")  # users are told, not booked
    event["URL"] = icalendar.vUri(f"{view.url}#maintenance-{window.id}")
    event["URL"].params["VALUE"] = "URI"
    return event
