"""Atom feeds (RFC 4287) of the status page's incidents: one for everything, one per component.

One entry per incident, updated each time users get an update: its content is every update so far,
newest first, and its `updated` the latest one, so a feed reader shows the incident once and marks it
changed. Entry ids are tag URIs (RFC 4151) from the status page's host, the incident's first day and its
public key; they never change as updates arrive. The feed's `updated` is its newest entry's (or, with
none, the time the page was built), so the same handbook gives the same bytes. A feed keeps the
`ENTRIES` most recently updated incidents, as feed readers expect a short document.
"""

from __future__ import annotations

import datetime as dt
from html import escape as html_escape
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from opsbook.status.view import Incident, StatusView

ENTRIES = 50
ATOM_NS = "http://www.w3.org/2005/Atom"


def stamp(moment: dt.datetime) -> str:
    """An RFC 3339 date-time in UTC, as Atom wants it."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")[:19] + "Z"


def entry_id(view: StatusView, incident: Incident) -> str:
    host = urlsplit(view.url).hostname or "localhost"
    return f"tag:{host},{incident.began.astimezone(dt.timezone.utc).date().isoformat()}:incident/{incident.key}"


def render_feed(view: StatusView, incidents: list[Incident], *, path: str, title: str,
                entries: dict[str, str] | None = None) -> bytes:
    """The Atom document at `path` (relative to the status page) listing `incidents`.

    `entries` caches each incident's rendered entry by key: an incident is in the whole feed and in
    each of its components' feeds, and is rendered once for all of them.
    """
    entries = {} if entries is None else entries
    chosen = sorted(incidents, key=lambda i: (i.updated, i.key), reverse=True)[:ENTRIES]
    updated = chosen[0].updated if chosen else view.now
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
    for incident in chosen:
        entry = entries.get(incident.key)
        if entry is None:
            entry = entries[incident.key] = "\n".join(_entry(view, incident))
        lines.append(entry)
    lines += ["</feed>", ""]
    return "\n".join(lines).encode("utf-8")


def _entry(view: StatusView, incident: Incident) -> list[str]:
    link = f"{view.url}history.html#incident-{incident.key}"
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


def render_feeds(view: StatusView) -> dict[str, bytes]:
    """`feed.atom` and `components/<id>.atom` for every public component, by path."""
    by_component: dict[str, list[Incident]] = {component.id: [] for component in view.components}
    for incident in view.incidents:
        for cid in incident.components:
            by_component[cid].append(incident)
    entries: dict[str, str] = {}
    feeds = {"feed.atom": render_feed(view, list(view.incidents), path="feed.atom", title=f"{view.name}: incidents",
                                      entries=entries)}
    for component in view.components:
        path = f"components/{component.id}.atom"
        feeds[path] = render_feed(view, by_component[component.id], path=path,
                                  title=f"{view.name}: {component.name}", entries=entries)
    return feeds
