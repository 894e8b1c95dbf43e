"""The teams' feeds and search indexes merged into the organisation's own.

- `merge_calendars`: one VCALENDAR with every event of each team's `feeds/handbook.ics` and
  `feeds/oncall.ics`, unfiltered, merged line by line. Each event's SUMMARY starts with its team's name and carries
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

from opsbook import __version__, urls
from opsbook.org.view import safe_url

CALENDARS = ("feeds/handbook.ics", "feeds/oncall.ics")
SEARCH = "search/search_index.json"
_TAG = re.compile(r"<[^>]*>")
_FOLDED = re.compile(r"\r?\n[ \t]")


def merge_calendars(name: str, copies) -> tuple[bytes, list[str]]:
    """(the merged feed, problems: files left out) from the teams' copies (`opsbook.org.kept.TeamCopy`).

    Merged as content lines, not parsed into objects and written again: a hundred teams' feeds hold
    tens of thousands of events, and only three lines of each change. Each event's lines are kept as
    the team wrote them (unfolded, then folded again at 75 octets)."""
    zones: dict[str, list[str]] = {}
    events: list[str] = []
    problems = []
    for copy in copies:
        for path in CALENDARS:
            data = copy.files.get(path)
            if data is None:
                continue
            found = _components(data)
            if found is None:
                problems.append(f"{copy.team.name}: {path} is not an iCalendar file; left out")
                continue
            for kind, lines in found:
                if kind == "VTIMEZONE":
                    tzid = next((line.partition(":")[2] for line in lines if line.startswith("TZID")), "")
                    zones.setdefault(tzid, lines)
                elif kind == "VEVENT":
                    events += _teamed(lines, copy.team)
    head = ["BEGIN:VCALENDAR", f"PRODID:-//opsbook//opsbook {__version__} org//EN", "VERSION:2.0",
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    title = _escape(f"{name}: every team's reviews and on-call shifts")
    head += [f"NAME:{title}", f"X-WR-CALNAME:{title}"]
    lines = head + [line for tzid in sorted(zones) for line in zones[tzid]] + events + ["END:VCALENDAR"]
    return ("".join(_fold(line) for line in lines)).encode("utf-8"), problems


def _components(data: bytes) -> list[tuple[str, list[str]]] | None:
    """The VCALENDAR's top-level components as (kind, unfolded lines), or None when it is not one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = [line for line in _FOLDED.sub("", text).splitlines() if line]
    if not lines or lines[0] != "BEGIN:VCALENDAR" or lines[-1] != "END:VCALENDAR":
        return None
    found, stack, current = [], [], []
    for line in lines[1:-1]:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        if stack:
            current.append(line)
        if line.startswith("END:"):
            if not stack or stack.pop() != line[4:]:
                return None
            if not stack:
                found.append((current[0][6:], current))
                current = []
    return None if stack else found


def _teamed(lines: list[str], team) -> list[str]:
    """An event's lines, its UID prefixed by the team's id and its SUMMARY by the team's name."""
    out = []
    for line in lines:
        if line.startswith(("UID:", "UID;")):
            head, _, value = line.partition(":")
            line = f"{head}:{team.id}/{value}"
        elif line.startswith(("SUMMARY:", "SUMMARY;")):
            head, _, value = line.partition(":")
            line = f"{head}:{_escape(team.name)}: {value}"
        elif line == "END:VEVENT":
            out.append(f"X-OPSBOOK-TEAM:{_escape(team.id)}")
        out.append(line)
    return out


def _escape(text: str) -> str:
    """A TEXT value as RFC 5545 writes it."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character, with its CRLF."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # not inside a character
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines start with a space
    return "\r\n ".join(parts) + "\r\n"


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
