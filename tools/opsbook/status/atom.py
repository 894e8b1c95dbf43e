"""Atom feeds (RFC 4287) of the status page's incidents and maintenance: one for everything, one per component.

One entry per incident, updated each time users get an update: its content is every update so far,
newest first, and its `updated` the latest one, so a feed reader shows the incident once and marks it
changed. Entry ids are tag URIs (RFC 4151) from the status page's host, the incident's first day and its
public key; they never change as updates arrive.

One entry per maintenance window that is ahead, under way or ended within the history (cancelled ones
too, saying so), as statuspage-style feeds announce planned work. Its id is a UUID URN from the page's
URL and the window's id alone, so a moved window keeps it; its `updated` is the latest of when a build first
showed the window as it is now (the calendar's LAST-MODIFIED, see maintenance.py), its start once begun
and its end once over, so a changed, starting or finished window shows again. The title says it is
planned maintenance, when (in the team's zone, as the page writes times) and where it stands.

Entries are ordered newest `updated` first; the feed's `updated` is its newest entry's (or, with none,
the time the page was built), so the same handbook, moment and previous build give the same bytes. A
feed keeps the `ENTRIES` most recently updated, as feed readers expect a short document.
"""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape as html_escape
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from opsbook.handbook.models.common import zone
from opsbook.status.maintenance import Revision, window_revisions
from opsbook.status.page import incident_link, local_span
from opsbook.status.view import Incident, Maintenance, StatusView

ENTRIES = 50
ATOM_NS = "http://www.w3.org/2005/Atom"


def stamp(moment: dt.datetime) -> str:
    """An RFC 3339 date-time in UTC, as Atom wants it."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")[:19] + "Z"


def _host(view: StatusView) -> str:
    return urlsplit(view.url).hostname or "localhost"


def entry_id(view: StatusView, incident: Incident) -> str:
    return f"tag:{_host(view)},{incident.began.astimezone(dt.timezone.utc).date().isoformat()}:incident/{incident.key}"


def maintenance_entry_id(view: StatusView, window: Maintenance) -> str:
    """A name-based UUID URN (RFC 9562, version 5) of the window's place on the page: a tag URI would
    need a day, and a window has none that survives a move."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{view.url}#maintenance-{window.id}')}"


def window_updated(view: StatusView, window: Maintenance, revision: Revision) -> dt.datetime:
    """When users last had news of the window: it changed, it began, or it ended."""
    moments = [revision.modified]
    if not window.cancelled:
        moments += [moment for moment in (window.start, window.end) if moment <= view.now]
    return max(moments)


def _window_stage(view: StatusView, window: Maintenance) -> str:
    if window.cancelled:
        return "cancelled"
    if window.end <= view.now:
        return "completed"
    return "in progress" if window.start <= view.now else "scheduled"


def render_feed(view: StatusView, incidents: list[Incident], *, path: str, title: str,
                entries: dict[str, str] | None = None, windows: list[Maintenance] | None = None,
                revised: dict[str, Revision] | None = None) -> bytes:
    """The Atom document at `path` (relative to the status page) listing `incidents` and `windows`.

    `entries` caches each rendered entry by key: an incident or window is in the whole feed and in each
    of its components' feeds, and is rendered once for all of them.
    """
    entries = {} if entries is None else entries
    windows = windows or []
    revised = window_revisions(view) if revised is None else revised
    candidates = [(incident.updated, f"incident/{incident.key}", incident) for incident in incidents]
    candidates += [(window_updated(view, window, revised[window.id]), f"maintenance/{window.id}", window)
                   for window in windows]
    chosen = sorted(candidates, key=lambda item: (item[0], item[1]), reverse=True)[:ENTRIES]
    updated = chosen[0][0] if chosen else view.now
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}" xml:lang="en">',
        f"  <id>{escape(view.url + path)}</id>",
        f"  <title>{escape(title)}</title>",
        f"  <updated>{stamp(updated)}</updated>",
        f"  <author><name>{escape(view.name)}</name><uri>{escape(view.url)}</uri></author>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(view.url + path)}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(view.url)}/>',
    ]
    for moment, key, item in chosen:
        entry = entries.get(key)
        if entry is None:
            rendered = _entry(view, item) if isinstance(item, Incident) else _window_entry(view, item, moment)
            entry = entries[key] = "\n".join(rendered)
        lines.append(entry)
    lines += ["</feed>", ""]
    return "\n".join(lines).encode("utf-8")


def _entry(view: StatusView, incident: Incident) -> list[str]:
    link = view.url + incident_link(view, incident)
    state = incident.state.value
    content = [f"<p>Affects {html_escape(view.component_names(incident.components))}.</p>"]
    if incident.summary and not incident.active:
        content.append(f"<p>{html_escape(incident.summary)}</p>")
    content += [f"<p><strong>{u.state.value.capitalize()}</strong> ({stamp(u.at)}): {html_escape(u.message)}</p>"
                for u in reversed(incident.updates)]
    return [
        "  <entry>",
        f"    <id>{escape(entry_id(view, incident))}</id>",
        f"    <title>{escape(f'{incident.title} ({state})')}</title>",
        f"    <published>{stamp(incident.began)}</published>",
        f"    <updated>{stamp(incident.updated)}</updated>",
        f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>',
        f"    <summary>{escape(incident.updates[-1].message)}</summary>",
        f'    <content type="html">{escape("".join(content))}</content>',
        "  </entry>",
    ]


def _window_entry(view: StatusView, window: Maintenance, updated: dt.datetime) -> list[str]:
    tz = zone(view.timezone)
    span = local_span(window.start, window.end, tz)
    stage = _window_stage(view, window)
    # The front page shows windows not yet over; a finished one is only in the feeds and the calendar.
    link = f"{view.url}#maintenance-{window.id}" if window.end > view.now else view.url
    said = "Cancelled: this maintenance will not take place. " if window.cancelled else ""
    content = [f"<p>Planned maintenance of {html_escape(view.component_names(window.components))}, "
               f"{html_escape(span)}{' (cancelled)' if window.cancelled else ''}.</p>",
               f"<p>{html_escape(said + window.message)}</p>"]
    return [
        "  <entry>",
        f"    <id>{escape(maintenance_entry_id(view, window))}</id>",
        f"    <title>{escape(f'Planned maintenance: {window.title}, {span} ({stage})')}</title>",
        f"    <updated>{stamp(updated)}</updated>",
        f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>',
        f"    <summary>{escape(said + window.message)}</summary>",
        f'    <content type="html">{escape("".join(content))}</content>',
        "  </entry>",
    ]


def render_feeds(view: StatusView, revised: dict[str, Revision] | None = None) -> dict[str, bytes]:
    """`feed.atom` and `components/<id>.atom` for every public component, by path; `revised` is
    `window_revisions` of the last build's maintenance.ics (none: every window is new)."""
    revised = window_revisions(view) if revised is None else revised
    by_component: dict[str, list[Incident]] = {component.id: [] for component in view.components}
    windows_of: dict[str, list[Maintenance]] = {component.id: [] for component in view.components}
    for incident in view.incidents:
        for cid in incident.components:
            by_component[cid].append(incident)
    for window in view.maintenance:
        for cid in window.components:
            if cid in windows_of:
                windows_of[cid].append(window)
    entries: dict[str, str] = {}
    feeds = {"feed.atom": render_feed(view, list(view.incidents), path="feed.atom",
                                      title=f"{view.name}: incidents and maintenance", entries=entries,
                                      windows=list(view.maintenance), revised=revised)}
    for component in view.components:
        path = f"components/{component.id}.atom"
        feeds[path] = render_feed(view, by_component[component.id], path=path,
                                  title=f"{view.name}: {component.name}", entries=entries,
                                  windows=windows_of[component.id], revised=revised)
    return feeds
