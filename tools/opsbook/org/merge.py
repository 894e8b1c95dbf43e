"""The teams' feeds and search indexes merged into the organisation's own.

- `merge_calendars`: one VCALENDAR with every event of each team's `feeds/handbook.ics` and
  `feeds/oncall.ics`, unfiltered. Each event's SUMMARY starts with its team's name and carries
  `X-OPSBOOK-TEAM`; its UID is the team's id, a slash and the team's own UID, so UIDs are unique
  across teams (even teams still publishing host-only UIDs) and stable from one build to the next.
  Time zones are included once each. A file that does not parse is left out and named.
- `merge_search`: MkDocs Material's `search_index.json` of the organisation's site, with the teams'
  runbooks, team pages and post-mortem titles appended, at absolute locations on their sites, every
  text escaped (Material renders titles and texts as HTML), up to `max_search_bytes`.
"""

from __future__ import annotations

import html
import json
import re

import icalendar

from opsbook import __version__, urls
from opsbook.org.view import safe_url

CALENDARS = ("feeds/handbook.ics", "feeds/oncall.ics")
SEARCH = "search/search_index.json"
_TAG = re.compile(r"<[^>]*>")


def merge_calendars(name: str, copies) -> tuple[bytes, list[str]]:
    """(the merged feed, problems: files left out) from the teams' copies (`opsbook.org.kept.TeamCopy`)."""
    merged = icalendar.Calendar()
    merged.add("prodid", f"-//opsbook//opsbook {__version__} org//EN")
    merged.add("version", "2.0")
    merged.add("calscale", "GREGORIAN")
    merged.add("method", "PUBLISH")
    for key in ("name", "x-wr-calname"):
        merged.add(key, icalendar.vText(f"{name}: every team's reviews and on-call shifts"))
    zones: dict[str, icalendar.Timezone] = {}
    events: list[icalendar.Event] = []
    problems = []
    for copy in copies:
        for path in CALENDARS:
            data = copy.files.get(path)
            if data is None:
                continue
            try:
                calendar = icalendar.Calendar.from_ical(data)
            except (ValueError, IndexError, KeyError) as exc:
                problems.append(f"{copy.team.name}: {path} does not parse ({exc}); left out")
                continue
            for zone in calendar.walk("VTIMEZONE"):
                zones.setdefault(str(zone.get("TZID")), zone)
            for event in calendar.walk("VEVENT"):
                events.append(_teamed(event, copy.team))
    for tzid in sorted(zones):
        merged.add_component(zones[tzid])
    for event in events:
        merged.add_component(event)
    return merged.to_ical(), problems


def _teamed(event: icalendar.Event, team) -> icalendar.Event:
    event["UID"] = icalendar.vText(f"{team.id}/{event.get('UID', '')}")
    event["SUMMARY"] = icalendar.vText(f"{team.name}: {event.get('SUMMARY', '')}")
    event["X-OPSBOOK-TEAM"] = icalendar.vText(team.id)
    return event


def _text(value: object) -> str:
    """A text from another team's index as plain, escaped text: its markup shows, never runs."""
    return html.escape(html.unescape(_TAG.sub(" ", str(value or ""))).strip(), quote=False)


def _kind(location: str) -> int | None:
    """Which of a team's index entries are kept, in the order they are kept (None: left out)."""
    if location.startswith(urls.runbooks()):
        return 0
    if location.startswith("team/"):
        return 1
    if location == "" or location.startswith("#"):
        return 1  # the home page: its services
    if location.startswith(urls.postmortems()):
        return 2
    return None


def team_entries(copy) -> list[tuple[int, dict]]:
    """(kind, entry) of the index entries a team contributes, at absolute locations."""
    try:
        docs = json.loads(copy.files[SEARCH].decode("utf-8")).get("docs", [])
    except (KeyError, UnicodeDecodeError, ValueError, AttributeError):
        return []
    found = []
    for doc in docs if isinstance(docs, list) else []:
        if not isinstance(doc, dict) or not isinstance(doc.get("location"), str):
            continue
        location = doc["location"]
        kind = _kind(location)
        url = safe_url(urls.absolute(copy.team.site_url, location)) if kind is not None else None
        if url is None or "://" in location:
            continue
        text = "" if kind == 2 else _text(doc.get("text"))  # a post-mortem by its title alone
        found.append((kind, {"location": url, "title": f"{_text(copy.team.name)} · {_text(doc.get('title'))}",
                             "text": text}))
    return found


def merge_search(own: bytes, copies, max_bytes: int) -> tuple[bytes, int, int]:
    """(the merged index, entries added, entries left out for `max_bytes`). Runbooks of every team come
    first, then team and home pages, then post-mortem titles, so a cap drops the least useful."""
    index = json.loads(own.decode("utf-8"))
    size = len(own)
    entries = sorted(((kind, position, entry) for copy in copies
                      for position, (kind, entry) in enumerate(team_entries(copy))), key=lambda found: found[0])
    added = left = 0
    for _, _, entry in entries:
        cost = len(json.dumps(entry, ensure_ascii=False).encode("utf-8")) + 1
        if size + cost > max_bytes:
            left += 1
            continue
        index["docs"].append(entry)
        size += cost
        added += 1
    return json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), added, left
