"""The public view of the handbook: the one place the status room reads post-mortems and services.

Everything the status page and its feeds show comes from the `StatusView` built here, and it is built
from the public fields only: a post-mortem's `public` part (title, components, updates, summary), its
severity (turned into a component state, never shown), the services' `public_name`, and
ops/maintenance.yaml. Timeline, roles, narrative, impact, action items and even the post-mortem's id
(the slug of an internal title) never reach it: an incident is known outside by a key hashed from its
id, stable as long as the file keeps its name.

How a component's state is decided:
1. An incident is active while its last update is not `resolved`; its state for the components it
   names is its severity level's `public_state` (default: SEV-1 major outage, SEV-2 partial outage,
   SEV-3 degraded performance), at most `degraded-performance` once it is `monitoring`.
2. A component takes the worst state of its active incidents; with none, `under-maintenance` while a
   scheduled window covers now, else `operational`.
3. History: each of the last `status.history` days (in the team's zone) gets the worst state of the
   incidents that were open for part of it: the incident's state from its first update until the
   first `monitoring` or `resolved` one, at most `degraded-performance` from then to the `resolved` one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from opsbook.handbook.models.catalogue import ComponentState, MaintenanceStatus
from opsbook.handbook.models.common import Severity, zone
from opsbook.handbook.models.postmortem import PublicState

_DEFAULT_STATE = {Severity.SEV1: ComponentState.MAJOR_OUTAGE, Severity.SEV2: ComponentState.PARTIAL_OUTAGE,
                  Severity.SEV3: ComponentState.DEGRADED}


@dataclasses.dataclass(frozen=True, slots=True)
class Update:
    at: dt.datetime
    state: PublicState
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class Incident:
    key: str  # the public id: `2026-11-22-3f9a1c07`, day of the first update and a hash of the file's id
    title: str
    components: tuple[str, ...]  # service ids, each a public component
    updates: tuple[Update, ...]  # oldest first, at least one
    summary: str | None
    impact: ComponentState  # what the components show while it is active

    @property
    def began(self) -> dt.datetime:
        return self.updates[0].at

    @property
    def updated(self) -> dt.datetime:
        return self.updates[-1].at

    @property
    def state(self) -> PublicState:
        return self.updates[-1].state

    @property
    def active(self) -> bool:
        return self.state is not PublicState.RESOLVED

    @property
    def eased(self) -> dt.datetime | None:
        """When users were first told it was fixed or being watched (`monitoring` or `resolved`)."""
        return next((u.at for u in self.updates if u.state in (PublicState.MONITORING, PublicState.RESOLVED)), None)

    @property
    def current_impact(self) -> ComponentState:
        if self.state is PublicState.MONITORING and self.impact.rank > ComponentState.DEGRADED.rank:
            return ComponentState.DEGRADED
        return self.impact


@dataclasses.dataclass(frozen=True, slots=True)
class Maintenance:
    id: str
    title: str
    start: dt.datetime
    end: dt.datetime
    components: tuple[str, ...]
    message: str
    cancelled: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Component:
    id: str  # the service id: names the component's feed file
    name: str
    state: ComponentState
    history: tuple[ComponentState, ...]  # one per day, oldest first, ending today


@dataclasses.dataclass(frozen=True, slots=True)
class StatusView:
    name: str
    url: str  # where the page is published, ending in /
    now: dt.datetime
    days: tuple[dt.date, ...]  # the history's days, oldest first
    components: tuple[Component, ...]
    incidents: tuple[Incident, ...]  # shown ones (active, or resolved within the history), newest first
    maintenance: tuple[Maintenance, ...]  # ending within the history or later, soonest first
    timezone: str  # the team's zone: the page's times and the history's days

    @property
    def upcoming(self) -> list[Maintenance]:
        """Windows not yet over (cancelled ones too, so users see the cancellation)."""
        return [window for window in self.maintenance if window.end > self.now]

    @property
    def active(self) -> list[Incident]:
        return [incident for incident in self.incidents if incident.active]

    @property
    def resolved(self) -> list[Incident]:
        return [incident for incident in self.incidents if not incident.active]

    names: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)  # component id → name

    def component_names(self, ids: tuple[str, ...]) -> str:
        return ", ".join(self.names[i] for i in ids if i in self.names)


def public_key(postmortem_id: str, first: dt.datetime) -> str:
    """An incident's public id: its first update's day and a hash of the post-mortem's id."""
    digest = hashlib.sha256(postmortem_id.encode("utf-8")).hexdigest()[:8]
    return f"{first.astimezone(dt.timezone.utc).date().isoformat()}-{digest}"


def status_url(config) -> str:
    """Where the status page is published: `status.url`, or status/ under the handbook's site."""
    return config.status.url or config.site_url.rstrip("/") + "/status/"


def folder_in_site(config) -> str | None:
    """The site's folder the status page is published from (`status/` by default), or None on its own domain."""
    site = config.site_url.rstrip("/") + "/"
    url = status_url(config)
    return url[len(site):] if url.startswith(site) and len(url) > len(site) else None


def public_view(handbook, now: dt.datetime) -> StatusView:
    """What the status page shows as of `now` (aware), from the handbook's public fields only."""
    config = handbook.config
    tz = zone(handbook.team.timezone)
    today = now.astimezone(tz).date()
    span = max(1, config.status.history.days)
    days = tuple(today - dt.timedelta(days=n) for n in range(span - 1, -1, -1))
    since = dt.datetime.combine(days[0], dt.time(), tz)
    public = {service.id: service.public_name for service in handbook.services.values() if service.public_name}
    incidents = _incidents(handbook, public, now, since)
    windows = tuple(sorted((_maintenance(w) for w in handbook.maintenance if w.end > since),
                           key=lambda m: (m.start, m.id)))
    components = _components(public, incidents, windows, days, tz, now)
    return StatusView(config.status.name, status_url(config), now, days, components, incidents, windows,
                      handbook.team.timezone, public)


def _incidents(handbook, public: dict[str, str], now: dt.datetime, since: dt.datetime) -> tuple[Incident, ...]:
    states = {level.id: level.public_state or _DEFAULT_STATE[level.id] for level in handbook.severity.levels}
    found = []
    for pm in handbook.postmortems.values():
        part = pm.meta.public
        if part is None:
            continue
        updates = tuple(Update(u.at, u.state, u.message) for u in part.updates if u.at <= now)
        if not updates:
            continue  # nothing posted yet: users have not been told, so the page does not guess
        components = tuple(c for c in part.components if c in public)
        resolved = updates[-1].state is PublicState.RESOLVED
        if resolved and updates[-1].at < since:
            continue
        title = part.title or "Problem with " + ", ".join(public[c] for c in components)
        found.append(Incident(public_key(pm.id, updates[0].at), title, components, updates, part.summary,
                              states.get(pm.meta.severity, ComponentState.DEGRADED)))
    found.sort(key=lambda incident: (incident.began, incident.key), reverse=True)
    return tuple(found)


def _maintenance(window) -> Maintenance:
    return Maintenance(window.id, window.title, window.start, window.end, tuple(window.components), window.message,
                       window.status is MaintenanceStatus.CANCELLED)


def _day_index(moment: dt.datetime, days: tuple[dt.date, ...], tz) -> int:
    return (moment.astimezone(tz).date() - days[0]).days


def _components(public: dict[str, str], incidents: tuple[Incident, ...], windows: tuple[Maintenance, ...],
                days: tuple[dt.date, ...], tz, now: dt.datetime) -> tuple[Component, ...]:
    states = list(ComponentState)  # rows hold ranks (indexes into this), cheaper to compare than enums
    history = {cid: [0] * len(days) for cid in public}
    current = dict.fromkeys(public, 0)
    degraded = ComponentState.DEGRADED.rank
    for incident in incidents:
        impact = incident.impact.rank
        start = _day_index(incident.began, days, tz)
        eased = _day_index(incident.eased or now, days, tz)
        end = _day_index(now if incident.active else incident.updated, days, tz)
        # Full impact until users were told it was fixed or watched; at most degraded from then on.
        spans = ((max(start, 0), min(eased, len(days) - 1), impact),
                 (max(eased, 0), min(end, len(days) - 1), min(impact, degraded)))
        for cid in incident.components:
            row = history[cid]
            for first, last, rank in spans:
                for n in range(first, last + 1):
                    if rank > row[n]:
                        row[n] = rank
            if incident.active:
                current[cid] = max(current[cid], incident.current_impact.rank)
    for window in windows:
        if not window.cancelled and window.start <= now < window.end:
            for cid in window.components:
                if current.get(cid) == 0:
                    current[cid] = ComponentState.MAINTENANCE.rank
    ordered = sorted(public.items(), key=lambda item: item[1].casefold())
    return tuple(Component(cid, name, states[current[cid]], tuple(states[n] for n in history[cid]))
                 for cid, name in ordered)
