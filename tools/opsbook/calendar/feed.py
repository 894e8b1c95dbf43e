"""The iCalendar feed people subscribe to: one VEVENT per review occurrence, post-mortem review meeting
and open action item's due date, over a rolling horizon. Built with the icalendar library.

Why one VEVENT per occurrence rather than an RRULE series: calendar clients disagree on BYSETPOS,
business-day and holiday rules, and each occurrence carries its own owner (rotation) and period.

Determinism, so the same handbook on the same day gives the same bytes:

- the horizon runs from midnight UTC `look_back` before `now` to midnight UTC `look_ahead` after it;
- UID is `<cadence>/<period>@<site host>/<site path>` (`postmortem/<id>/review@…`, `action/<pm>/<item>@…`;
  `urls.uid_domain`: the path keeps two teams on one Pages host apart), never a position or a date, so it
  survives holidays, edits elsewhere and rebuilds;
- DTSTAMP is midnight UTC of the build day (`now`), never the clock at build time;
- SEQUENCE comes from the inputs: 1 for an occurrence a holiday or skip date moved, otherwise 0; and,
  when the previous build of the whole feed is given (`write_feeds` reads the one it is about to
  replace; the site passes its last build), an event whose start or end changed gets the previous
  SEQUENCE plus one and an unchanged one keeps it. A value that only ever grows needs a memory of the
  last one, and the last published feed is that memory; without it a build falls back to the base
  rule. An edit to one cadence changes only that cadence's events; every other event keeps its bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import icalendar
from icalendar.parser import Contentline

from opsbook import __version__, files, urls
from opsbook.calendar import schedule
from opsbook.calendar.vtimezone import vtimezone
from opsbook.handbook.models.common import format_duration, zone

UTC = dt.timezone.utc
INDEX_FILE = f"{urls.FEED_DIR}/index.json"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One event of the feed, before it becomes a VEVENT."""

    key: str                               # the UID without the host
    summary: str
    start: dt.datetime | dt.date           # a date for all-day events
    end: dt.datetime | dt.date
    description: str
    url: str
    categories: tuple[str, ...] = ()
    reminder: dt.timedelta | None = None
    people: tuple[str, ...] = ()           # whose personal feed shows it
    cadence_id: str | None = None
    moved: bool = False                    # a holiday or skip date moved it from its rule's date
    revision: str = ""                     # besides the times, what bumps SEQUENCE when it changes (a
                                           # shift's holder); written as X-OPSBOOK-REVISION when set
    free: bool = False                     # shows as free time (TRANSP), like an all-day marker

    @property
    def sort_key(self) -> tuple:
        start = self.start if isinstance(self.start, dt.datetime) else \
            dt.datetime.combine(self.start, dt.time(), UTC)
        return (start.astimezone(UTC), self.key)


# --- the horizon and the entries -------------------------------------------------------------------

def horizon(handbook, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the feed: date boundaries (UTC) around `now`, from the handbook's feed settings."""
    settings = handbook.config.feed
    moment = now.astimezone(UTC)
    first = (moment - settings.look_back).date()
    last = (moment + settings.look_ahead).date()
    return dt.datetime.combine(first, dt.time(), UTC), dt.datetime.combine(last, dt.time(), UTC)


def _person_name(people: Mapping, person_id: str | None) -> str:
    if person_id is None:
        return "nobody (every member of the rotation is away)"
    person = people.get(person_id)
    return person.name if person else person_id


def occurrence_entry(handbook, occurrence: schedule.Occurrence, people: Mapping | None = None) -> Entry:
    """The feed entry of one review occurrence (`people`: the handbook's, when the caller has them)."""
    cadence = handbook.cadences[occurrence.cadence_id].cadence
    url = urls.absolute(handbook.config.site_url, urls.cadence(cadence.id))
    people = handbook.people if people is None else people
    owner = _person_name(people, occurrence.owner)
    # The cadence's prose lives on its page (the link); the event carries what the meeting needs.
    lines = [f"Owner: {owner}"]
    if occurrence.standing_in_for:
        lines[0] += f", standing in for {_person_name(people, occurrence.standing_in_for)} (away)"
    if occurrence.shifted_from:
        lines.append(f"Moved from {occurrence.shifted_from.isoformat()} (holiday or skip date).")
    lines += ["", "Checklist:"] + [f"- {item}" for item in occurrence.checklist] + ["", url]
    return Entry(
        key=occurrence.uid, summary=f"{occurrence.display_title} · {owner if occurrence.owner else 'no owner'}",
        start=occurrence.start, end=occurrence.end, description="\n".join(lines), url=url,
        categories=occurrence.labels, reminder=cadence.reminder,
        people=(occurrence.owner,) if occurrence.owner else (), cadence_id=cadence.id,
        moved=occurrence.shifted_from is not None,
    )


def postmortem_entries(handbook, start: dt.datetime, end: dt.datetime) -> list[Entry]:
    """Post-mortem review meetings overlapping [start, end), for post-mortems that name one."""
    found = []
    for pm in handbook.postmortems.values():
        meeting = pm.meta.review_meeting
        if meeting is None:
            continue
        # In the team's zone rather than the offset it was typed with: clients show it in local time.
        begins = meeting.at.astimezone(zone(handbook.team.timezone))
        ends = (begins.astimezone(UTC) + meeting.duration).astimezone(begins.tzinfo)
        if ends <= start or begins >= end:
            continue
        url = urls.absolute(handbook.config.site_url, urls.postmortem(pm.id))
        roles = pm.meta.roles
        people = tuple(dict.fromkeys(p for p in (roles.on_call, roles.incident_commander, roles.communications,
                                                  roles.scribe) if p))
        lines = [f"Review of the post-mortem \"{pm.meta.title}\" ({pm.meta.severity.value}, {pm.meta.status.value}).",
                 "Who took part: " + ", ".join(_person_name(handbook.people, p) for p in people), "", url]
        found.append(Entry(key=f"postmortem/{pm.id}/review", summary=f"Post-mortem review: {pm.meta.title}",
                           start=begins, end=ends, description="\n".join(lines), url=url,
                           categories=("postmortem", pm.meta.severity.value), reminder=dt.timedelta(hours=1),
                           people=people))
    return found


def action_item_entries(handbook, start: dt.datetime, end: dt.datetime) -> list[Entry]:
    """All-day events on the due dates of open action items inside [start, end)."""
    found = []
    for pm, item in handbook.open_action_items():
        if not start.date() <= item.due < end.date():
            continue
        url = urls.absolute(handbook.config.site_url, urls.postmortem(pm.id))
        lines = [f"Action item {item.id} of the post-mortem \"{pm.meta.title}\" is due.",
                 f"Owner: {_person_name(handbook.people, item.owner)}", f"Status: {item.status.value}"]
        lines += [f"Issue: {item.issue}"] if item.issue else []
        found.append(Entry(key=f"action/{pm.id}/{item.id}", summary=f"Due: {item.title} ({item.id})",
                           start=item.due, end=item.due + dt.timedelta(days=1),
                           description="\n".join(lines + ["", url]), url=url, categories=("action-item",),
                           people=(item.owner,)))
    return found


def entries(handbook, now: dt.datetime) -> list[Entry]:
    """Everything the whole feed shows over the horizon around `now`, in order."""
    start, end = horizon(handbook, now)
    people = handbook.people
    found = [occurrence_entry(handbook, o, people) for o in schedule.occurrences(handbook, start, end)]
    found += postmortem_entries(handbook, start, end) + action_item_entries(handbook, start, end)
    return sorted(found, key=lambda e: e.sort_key)


# --- rendering -------------------------------------------------------------------------------------

_WANTED = ("UID", "DTSTART", "DTEND", "SEQUENCE", "X-OPSBOOK-REVISION")


def _previous_times(previous: bytes | None) -> dict[str, tuple]:
    """UID → (start, end, sequence) of the events in an earlier build of the same feed.

    Only four properties per event matter, so the lines are scanned (with icalendar's own content-line
    and date parsers) rather than the whole calendar parsed: a year of a large handbook's feed is MBs.
    """
    if not previous:
        return {}
    lines = previous.decode("utf-8", "replace").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
    found: dict[str, tuple] = {}
    event: dict[str, object] | None = None
    try:
        for line in lines:
            if line == "BEGIN:VEVENT":
                event = {}
            elif line == "END:VEVENT" and event is not None:
                if "UID" in event:
                    found[event["UID"]] = (event.get("DTSTART"), event.get("DTEND"), event.get("SEQUENCE", 0),
                                           event.get("X-OPSBOOK-REVISION", ""))
                event = None
            elif event is not None and line.startswith(_WANTED):
                name, params, value = Contentline(line).parts()
                if name in ("DTSTART", "DTEND"):
                    event[name] = _instant(icalendar.vDDDTypes.from_ical(value, timezone=params.get("TZID")))
                elif name in _WANTED:
                    event[name] = int(value) if name == "SEQUENCE" else value
    except ValueError:
        return {}  # not a feed we can read: start the sequence afresh rather than fail the build
    return found


def _instant(value):
    return value.astimezone(UTC) if isinstance(value, dt.datetime) else value


def _sequence(entry: Entry, uid: str, previous: dict[str, tuple]) -> int:
    base = 1 if entry.moved else 0
    if uid not in previous:
        return base
    old_start, old_end, old_sequence, old_revision = previous[uid]
    changed = (old_start, old_end, old_revision) != (_instant(entry.start), _instant(entry.end), entry.revision)
    return max(base, old_sequence + 1 if changed else old_sequence)


def _event(entry: Entry, uid: str, stamp: dt.datetime, sequence: int) -> icalendar.Event:
    # Typed values rather than `Event.add`: the same bytes, without guessing each value's type.
    event = icalendar.Event()
    event["UID"] = icalendar.vText(uid)
    event["DTSTAMP"] = icalendar.vDDDTypes(stamp)
    event["SEQUENCE"] = icalendar.vInt(sequence)
    all_day = not isinstance(entry.start, dt.datetime)
    for key, value in (("DTSTART", entry.start), ("DTEND", entry.end)):
        event[key] = icalendar.vDDDTypes(value)
        if all_day:
            event[key].params["VALUE"] = "DATE"
    event["SUMMARY"] = icalendar.vText(entry.summary)
    event["DESCRIPTION"] = icalendar.vText(entry.description)
    event["URL"] = icalendar.vUri(entry.url)
    event["URL"].params["VALUE"] = "URI"
    if entry.categories:
        event["CATEGORIES"] = icalendar.vCategory(list(entry.categories))
    if all_day or entry.free:
        # A due date is a marker, not a meeting: it must not make anyone look busy all day; nor must a
        # week on call. (Other timed events keep the default, OPAQUE.)
        event["TRANSP"] = icalendar.vText("TRANSPARENT")
    if entry.revision:
        event["X-OPSBOOK-REVISION"] = icalendar.vText(entry.revision)
    if entry.reminder:
        alarm = icalendar.Alarm()
        alarm["ACTION"] = icalendar.vText("DISPLAY")
        alarm["DESCRIPTION"] = icalendar.vText(entry.summary)
        alarm["TRIGGER"] = icalendar.vDDDTypes(-entry.reminder)
        event.add_component(alarm)
    return event


def _zone_names(chosen: Sequence[Entry]) -> list[str]:
    return sorted({e.start.tzinfo.key for e in chosen
                   if isinstance(e.start, dt.datetime) and hasattr(e.start.tzinfo, "key")})


class Renderer:
    """Renders feeds of one handbook at one moment; each event is serialised once and shared by every
    feed that shows it (the whole feed, its owner's, its cadence's), so SEQUENCE agrees across them."""

    def __init__(self, handbook, now: dt.datetime, previous: bytes | None = None):
        self.handbook = handbook
        self.now = now
        self.host = urls.uid_domain(handbook.config.site_url)
        self.stamp = dt.datetime.combine(now.astimezone(UTC).date(), dt.time(), UTC)
        self.known = _previous_times(previous)
        self._events: dict[str, bytes] = {}

    def event(self, entry: Entry) -> bytes:
        if entry.key not in self._events:
            uid = f"{entry.key}@{self.host}"
            self._events[entry.key] = _event(entry, uid, self.stamp, _sequence(entry, uid, self.known)).to_ical()
        return self._events[entry.key]

    def _shell(self, chosen: Sequence[Entry], name: str, description: str, path: str) -> icalendar.Calendar:
        config = self.handbook.config
        refresh = config.feed.refresh
        calendar = icalendar.Calendar()
        calendar.add("prodid", f"-//opsbook//opsbook {__version__}//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        # The X- twins are what Google Calendar and Outlook read; NAME and DESCRIPTION are RFC 7986.
        for key in ("name", "x-wr-calname"):
            calendar.add(key, icalendar.vText(name))
        for key in ("description", "x-wr-caldesc"):
            calendar.add(key, icalendar.vText(description))
        calendar.add("x-wr-timezone", self.handbook.team.timezone)
        calendar.add("url", urls.absolute(config.site_url, urls.calendar_page()), parameters={"VALUE": "URI"})
        calendar.add("source", urls.absolute(config.site_url, path), parameters={"VALUE": "URI"})
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(refresh).to_ical().decode())
        start, end = horizon(self.handbook, self.now)
        for zone_name in _zone_names(chosen):
            first, last = dt.date(start.year - 1, 1, 1), dt.date(end.year + 2, 1, 1)
            calendar.add_component(icalendar.Timezone.from_ical(vtimezone(zone_name, first, last)))
        return calendar

    def render(self, chosen: Sequence[Entry], *, name: str, description: str, path: str = urls.feed()) -> bytes:
        """A VCALENDAR of `chosen` entries, in order of start."""
        shell = self._shell(chosen, name, description, path).to_ical()
        # icalendar writes a component's subcomponents after its properties, in order, just before its
        # END line: appending the serialised events there gives the bytes `Calendar.to_ical` would.
        closing = b"END:VCALENDAR\r\n"
        events = b"".join(self.event(entry) for entry in sorted(chosen, key=lambda e: e.sort_key))
        return shell[: -len(closing)] + events + closing


def _description(handbook, what: str) -> str:
    return (f"{handbook.config.name}: {what}. Generated from the handbook; edit the cadence files under calendar/ to change it. "
            f"Times are local to each review's zone.")


def build_feed(handbook, now: dt.datetime, *, occurrences: Iterable[schedule.Occurrence] | None = None,
               name: str | None = None, previous: bytes | None = None) -> bytes:
    """The whole feed as bytes: reviews, post-mortem reviews and action items over the horizon.

    With `occurrences`, the feed holds exactly those review occurrences (and nothing else). `previous`
    is an earlier build of the same feed; it keeps SEQUENCE growing when an event's time changes.
    """
    if occurrences is None:
        chosen = entries(handbook, now)
    else:
        people = handbook.people
        chosen = [occurrence_entry(handbook, o, people) for o in occurrences]
    return Renderer(handbook, now, previous).render(
        chosen, name=name or handbook.config.feed.name,
        description=_description(handbook, "reviews, post-mortem review meetings and action items due"))


def _shift_feeds():
    """The on-call room's shift feeds (`opsbook.oncall.feeds`).

    Imported when feeds are built, not at the top: the on-call room builds its events with this module's
    `Entry`, so a top-level import would make the two modules import each other."""
    from opsbook.oncall import feeds as shift_feeds

    return shift_feeds


def _plan(handbook, now: dt.datetime) -> list[tuple[str, str, str, str, list[Entry]]]:
    """(path, kind, id, title, entries) of every feed file."""
    everything = entries(handbook, now)
    shift_feeds = _shift_feeds()
    shifts = shift_feeds.shift_entries(handbook, *horizon(handbook, now))
    feed_name = handbook.config.feed.name
    plan = [(urls.feed(), "all", "", feed_name, everything)]
    for person in sorted(handbook.team.people, key=lambda p: p.id):
        mine = [e for e in everything + shifts if person.id in e.people]
        plan.append((urls.owner_feed(person.id), "owner", person.id, f"{feed_name} — {person.name}", mine))
    for cadence_id in sorted(handbook.cadences):
        theirs = [e for e in everything if e.cadence_id == cadence_id]
        title = handbook.cadences[cadence_id].cadence.title
        plan.append((urls.cadence_feed(cadence_id), "cadence", cadence_id, f"{feed_name} — {title}", theirs))
    return plan + shift_feeds.plan(handbook, shifts)


def feed_paths(handbook) -> list[str]:
    """The paths `build_feeds` returns, in order, without rendering anything (a site links to them
    before they are built): the same files `_plan` lays out, then the index."""
    return ([urls.feed()] + [urls.owner_feed(p.id) for p in sorted(handbook.team.people, key=lambda p: p.id)]
            + [urls.cadence_feed(cadence_id) for cadence_id in sorted(handbook.cadences)]
            + _shift_feeds().paths(handbook) + [INDEX_FILE])


_DESCRIPTIONS = {"all": "reviews, post-mortem review meetings and action items due",
                 "owner": "what this person runs, owes or is on call for", "cadence": "one review",
                 "oncall": "every rotation's on-call shifts", "rotation": "one rotation's on-call shifts"}


def build_feeds(handbook, now: dt.datetime, previous: bytes | Mapping[str, bytes] | None = None
                ) -> dict[str, bytes]:
    """Every feed file by path relative to the site root: the whole feed, one per person and per cadence,
    the on-call shifts (all, and one per rotation), and `feeds/index.json` listing them.

    `previous` is the last build's whole feed, or the last build's files by path (as this returns them);
    only the whole feed and the on-call feed are read (every event is in one of them), so SEQUENCE
    agrees across the files (see the module's docstring)."""
    if isinstance(previous, Mapping):
        previous = b"".join(previous.get(path) or b"" for path in (urls.feed(), urls.oncall_feed())) or None
    renderer = Renderer(handbook, now, previous)
    start, end = horizon(handbook, now)
    files: dict[str, bytes] = {}
    listing = []
    for path, kind, ident, title, chosen in _plan(handbook, now):
        files[path] = renderer.render(chosen, name=title, description=_description(handbook, _DESCRIPTIONS[kind]),
                                      path=path)
        url = urls.absolute(handbook.config.site_url, path)
        listing.append({"path": path, "file": path.removeprefix(urls.FEED_DIR + "/"), "kind": kind, "id": ident,
                        "title": title, "events": len(chosen), "url": url, "webcal": urls.webcal(url)})
    index = {"name": handbook.config.feed.name, "horizon": {"start": start.isoformat(), "end": end.isoformat()},
             "refresh": format_duration(handbook.config.feed.refresh), "feeds": listing}
    files[INDEX_FILE] = (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode()
    return files


# --- writing ---------------------------------------------------------------------------------------

def write_feed(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` atomically, readable as any new file is (the umask decides, not mkstemp's 0600)."""
    files.write_atomically(path, data)


def read_previous(path: Path | str) -> bytes | None:
    """An earlier build at `path`, if there is one (it keeps SEQUENCE growing across builds)."""
    try:
        return Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def write_feeds(handbook, out_dir: Path | str, now: dt.datetime) -> dict[str, bytes]:
    """Build every feed file and write them under `out_dir` (the site root); returns what was written.

    All files are built before the first is written, and each is written atomically. The whole feed and
    the on-call feed already there are the previous build that keeps SEQUENCE growing."""
    out_dir = Path(out_dir)
    previous = {path: data for path in (urls.feed(), urls.oncall_feed())
                if (data := read_previous(out_dir / path)) is not None}
    files = build_feeds(handbook, now, previous)
    for rel, data in files.items():
        write_feed(out_dir / rel, data)
    return files

