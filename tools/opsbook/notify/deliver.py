"""Tell each chat channel what it has not heard yet, and record what it heard in the post-mortem.

For each incident: its events (`events.incident_events`), minus those its `notified:` records for the
channel, are posted in order; the first that fails stops that channel for this incident (so a channel
never hears of the resolution before the opening), and the next run posts the rest. The ids posted are
then recorded in one write of the post-mortem (through `incident.workflow.amend`). A post that fails
never fails or undoes the incident's own edit. A crash between a post and its record, or two clones
posting the same event before either is merged, can post an event twice; nothing else can.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from opsbook import urls
from opsbook.notify.events import for_channel, incident_events
from opsbook.issues.github import Policy
from opsbook.notify.post import send


@dataclasses.dataclass
class Delivery:
    posted: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # incident, channel, event id
    not_done: list[str] = dataclasses.field(default_factory=list)
    notices: list[str] = dataclasses.field(default_factory=list)


def patience_from(environ) -> Policy:
    """GitHub's client's patience, with `OPSBOOK_BACKOFF` as the first wait (tests shrink it), as for GitHub."""
    backoff = environ.get("OPSBOOK_BACKOFF", "")
    base = float(backoff) if backoff.replace(".", "", 1).isdigit() else 2.0
    return Policy(backoff_base=base, backoff_cap=max(base, 60.0), max_wait=300.0)


def deliver(root: Path, contents, incident_ids: list[str], environ, *, now: dt.datetime,
            patience: Policy | None = None, elsewhere: dict | None = None) -> Delivery:
    """Post every unposted event of the named incidents to every channel whose URL variable is set.
    `elsewhere` gives (frontmatter, text) of incidents the working tree lacks (on an `incident/*` branch):
    one that has something to post is written into the tree with its record, for the branch to take."""
    from opsbook.incident.workflow import amend, read_incident
    from opsbook.status.checks import leak_finder

    result = Delivery()
    channels = contents.config.notify
    ready = []
    for channel in channels:
        if environ.get(channel.url_from, "").strip():
            ready.append(channel)
        else:
            result.notices.append(f"chat channel {channel.id} skipped: ${channel.url_from} is not set")
    if not ready or not incident_ids:
        return result
    patience = patience or patience_from(environ)
    leaks = leak_finder(contents)
    site = contents.config.site_url
    elsewhere = elsewhere or {}
    for incident_id in incident_ids:
        meta, text = elsewhere.get(incident_id) or (read_incident(root, incident_id), None)
        runbook = urls.absolute(site, urls.runbook(meta.runbook)) if meta.runbook else None
        events = incident_events(meta, site, runbook)
        heard = {channel: list(ids) for channel, ids in meta.notified.items()}
        changed = False
        for channel in ready:
            told = heard.setdefault(channel.id, [])
            for event in for_channel(events, channel.public, leaks):
                if event.id in told:
                    continue
                why = send(environ[channel.url_from].strip(), channel.kind, event, patience)
                if why is not None:
                    result.not_done.append(f"{incident_id}: {event.id} not posted to {channel.id} "
                                           f"(${channel.url_from}): {why}")
                    break
                told.append(event.id)
                changed = True
                result.posted.append((incident_id, channel.id, event.id))
        if changed:
            amend(root, incident_id, fields={"notified": {k: v for k, v in heard.items() if v}}, now=now, text=text)
    return result
