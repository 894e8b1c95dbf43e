"""The events of an incident that chat channels hear about, each with a stable id: a pure function of the
post-mortem's frontmatter, so the ids recorded in its `notified:` say exactly what was posted.

Events: `opened` (the detection), `acknowledged`, `triaged`, `mitigated`, `resolved` (once each, as the
lifecycle allows), `roles-<hash>` (the roles beyond the on-call, each time they change), `update-<time>`
(each public update) and `published`. A public channel hears only the public updates, as the status page
shows them, and only when they name no person or secret of the handbook (the status page's leak rules).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from opsbook.handbook.models.postmortem import EventType, PostmortemMeta, Status

LIFECYCLE_TOLD = (EventType.ACKNOWLEDGED, EventType.TRIAGED, EventType.MITIGATED, EventType.RESOLVED)


@dataclasses.dataclass(frozen=True)
class ChatEvent:
    id: str
    title: str   # one line, such as "SEV-1 opened: Checkout success burns fast"
    text: str    # the rest, plain text
    public: bool  # may go to a public channel


def _stamp(moment) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def incident_events(meta: PostmortemMeta, site_url: str, runbook_url: str | None = None) -> list[ChatEvent]:
    """Every event of the incident that a channel may hear about, in order."""
    head = f"{meta.severity.value} {meta.title}"
    where = f"{meta.category.value} · {', '.join(meta.services)} · {meta.id}"
    events: list[ChatEvent] = []
    detected = next((e for e in meta.timeline if e.type is EventType.DETECTED), None)
    if detected is not None:
        lines = [where, f"Detected {detected.at.isoformat(timespec='seconds')}: {detected.text}",
                 f"On call: {meta.roles.on_call}"]
        if runbook_url:
            lines.append(f"Runbook: {runbook_url}")
        events.append(ChatEvent("opened", f"Incident opened: {head}", "\n".join(lines), False))
    for kind in LIFECYCLE_TOLD:
        event = next((e for e in meta.timeline if e.type is kind), None)
        if event is not None:
            events.append(ChatEvent(kind.value, f"Incident {kind.value}: {head}",
                                    f"{where}\n{event.at.isoformat(timespec='seconds')}: {event.text}", False))
    roles = {k: v for k, v in meta.roles.model_dump().items() if v and k != "on_call"}
    if roles:
        digest = hashlib.sha256(repr(sorted(roles.items())).encode()).hexdigest()[:8]
        shown = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in roles.items())
        events.append(ChatEvent(f"roles-{digest}", f"Roles: {head}", f"{where}\n{shown}", False))
    if meta.public is not None:
        public_title = meta.public.title or meta.title
        for update in meta.public.updates:
            events.append(ChatEvent(f"update-{_stamp(update.at)}", f"{public_title}: {update.state.value}",
                                    update.message, True))
    if meta.status is Status.PUBLISHED:
        events.append(ChatEvent("published", f"Post-mortem published: {head}",
                                f"{site_url.rstrip('/')}/postmortems/{meta.id}/", False))
    return events


def for_channel(events: list[ChatEvent], public: bool, leaks) -> list[ChatEvent]:
    """What one channel may hear: everything, or for a public one the public events naming nothing internal
    (`leaks(text)` gives what a text names that must stay inside)."""
    if not public:
        return events
    return [e for e in events if e.public and not leaks(e.title) and not leaks(e.text)]
