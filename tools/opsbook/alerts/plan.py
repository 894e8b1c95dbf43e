"""What a pull should do with the alerts it read: a pure function, so every case is tested without I/O.

1. Each incident an earlier pull opened (`Known`: main's post-mortems, the open `incident/*` branches,
   the GitHub issues' markers) claims the alert keys it recorded; the newest incident holding a key
   claims it.
2. A claimed alert whose state changed (firing → resolved, resolved → firing) since the incident recorded
   it gives one note on that incident; nothing else. Absent from a complete reading (the API, read
   unfiltered) means resolved; a silenced alert still fires. An alert firing again after its incident
   was resolved adds a note when it starts within `reopen_within` of the resolution; later, it is new.
3. A new alert opens an incident only when it is active (not silenced, not inhibited), matches an
   `open_on` entry and is not a ticket. It joins the open incident of its service (one found, or one
   this plan opens), else, having no service, the open alert-opened incident with its runbook; else it
   opens one. Within a run, alerts are taken by `startsAt`, so the earliest opens and the rest join.
4. An opening's severity is the worst of its alerts' (a `SEV-N` label as it is, `page` as
   `page_severity`), never below its category's floor; a joining alert may raise it, never lower it.
5. An alert naming an SLO the handbook lacks, or whose category cannot be told, is a problem: reported,
   never guessed, and the pull then writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from opsbook.alerts.matchers import Matcher, any_entry
from opsbook.alerts.source import Alert, Reading
from opsbook.handbook.models.common import Severity


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the handbook says that the plan needs, built once (`pull.facts`)."""

    slos: dict[str, tuple[str, str]]              # slo id → (service, category)
    runbook_urls: dict[str, str]                  # a runbook's page URL → its id
    runbooks: dict[str, tuple[str, tuple[str, ...]]]  # runbook id → (category, services)
    slo_runbook: dict[str, str]                   # slo id → the runbook whose detection names it
    levels: tuple[str, ...]                       # the policy's levels, SEV-1 first
    floors: dict[str, Severity]                   # category → the least severe level it may have
    page_severity: Severity
    open_on: tuple[tuple[Matcher, ...], ...]
    reopen_within: dt.timedelta


@dataclasses.dataclass
class Record:
    state: str                 # firing or resolved, as last recorded
    first_fired: dt.datetime


@dataclasses.dataclass
class Known:
    """An incident an earlier pull opened, wherever it was found."""

    id: str
    severity: Severity
    services: tuple[str, ...]
    runbook: str | None
    detected: dt.datetime
    records: dict[str, Record]
    resolved_at: dt.datetime | None
    where: str           # "postmortems/…", "branch incident/…", "issue #12"
    editable: bool = True  # False when only an issue's marker knows it


@dataclasses.dataclass
class Change:
    """The alerts of one incident that changed state the same way in this pull: one note for them all."""

    keys: tuple[str, ...]
    state: str
    at: dt.datetime
    text: str


@dataclasses.dataclass
class Opening:
    alerts: list[Alert]
    title: str
    severity: Severity
    category: str
    service: str | None
    runbook: str | None

    @property
    def detected(self) -> dt.datetime:
        return min(alert.starts_at for alert in self.alerts)

    def note(self) -> str:
        return "; ".join(opened_note(alert) for alert in self.alerts)


@dataclasses.dataclass
class Edit:
    incident_id: str
    where: str
    joined: list[Alert] = dataclasses.field(default_factory=list)
    severity: Severity | None = None  # raised to this, when set
    changes: list[Change] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Plan:
    openings: list[Opening]
    edits: list[Edit]
    problems: list[str]
    notices: list[str]

    @property
    def empty(self) -> bool:
        return not self.openings and not any(e.joined or e.changes or e.severity for e in self.edits)


def describe(alert: Alert) -> str:
    shown = {k: v for k, v in alert.labels.items() if k != "alertname"}
    return f"{alert.name} {{{', '.join(f'{k}={v}' for k, v in sorted(shown.items()))}}}"


def opened_note(alert: Alert) -> str:
    summary = alert.annotations.get("summary")
    return f"Alert {describe(alert)} fired at {_stamp(alert.starts_at)}" + (f": {summary}" if summary else "")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def build(reading: Reading, known: list[Known], facts: Facts, now: dt.datetime) -> Plan:
    """The plan for `reading` given the incidents already `known` (see the module's docstring)."""
    plan = Plan([], [], [], [])
    by_key = {alert.key: alert for alert in reading.alerts}
    owner: dict[str, Known] = {}
    for incident in sorted(known, key=lambda k: k.detected):  # the newest holding a key claims it
        for key in incident.records:
            owner[key] = incident
    edits: dict[str, Edit] = {}

    def edit(incident: Known) -> Edit:
        return edits.setdefault(incident.id, Edit(incident.id, incident.where))

    fresh: list[Alert] = []
    moved: dict[tuple[str, str], list[tuple[str, Alert | None]]] = {}  # (incident, state) → its alerts
    for key, incident in owner.items():
        alert = by_key.get(key)
        if alert is None and not reading.complete:
            continue  # a webhook body speaks for its own group only
        state = "firing" if alert is not None and alert.firing else "resolved"
        if state == incident.records[key].state:
            continue
        if not incident.editable:
            plan.notices.append(f"{incident.where} holds alert {key} but no post-mortem of it was found; "
                                f"its change to {state} is not recorded")
            continue
        if state == "firing" and incident.resolved_at is not None and \
                alert.starts_at - incident.resolved_at > facts.reopen_within:
            fresh.append(alert)  # fires again long after the incident was resolved: a new problem
            continue
        moved.setdefault((incident.id, state), []).append((key, alert))
    incidents = {k.id: k for k in known}
    for (incident_id, state), changed in moved.items():
        incident = incidents[incident_id]
        names = ", ".join(describe(alert) if alert else key for key, alert in changed)
        names, verb = (f"Alert {names}", "fires") if len(changed) == 1 else (f"Alerts {names}", "fire")
        if state == "firing":
            at = min(alert.starts_at for _, alert in changed)
            text = f"{names} {verb} again since {_stamp(at)}"
        else:
            at = max((alert.ends_at for _, alert in changed if alert is not None and alert.ends_at), default=now)
            text = f"{names} resolved at {_stamp(at)}; the incident stays open until someone resolves it"
        keys = tuple(key for key, _ in changed)
        edit(incident).changes.append(Change(keys, state, max(at, incident.detected), text))

    fresh += [alert for key, alert in by_key.items() if key not in owner]
    fresh.sort(key=lambda a: (a.starts_at, a.key))
    open_known = [k for k in known if k.resolved_at is None]
    opened: dict[str, Opening] = {}  # by service, or "runbook:<id>", or "alert:<key>"
    for alert in fresh:
        if alert.state != "active" or not _opens(alert, facts):
            continue
        about = _about(alert, facts, plan.problems)
        if about is None:
            continue
        service, category, runbook, severity = about
        incident = next((k for k in open_known if (service and service in k.services)
                         or (not service and runbook and k.runbook == runbook)), None)
        if incident is not None and not incident.editable:
            plan.notices.append(f"alert {describe(alert)} belongs to the incident of {incident.where}, "
                                f"whose post-mortem was not found; not recorded")
            continue
        if incident is not None:
            change = edit(incident)
            change.joined.append(alert)
            raised = min((s for s in (change.severity, severity) if s), key=lambda s: s.rank, default=None)
            if raised is not None and raised.rank < incident.severity.rank:
                change.severity = raised
            continue
        group = service or (f"runbook:{runbook}" if runbook else f"alert:{alert.key}")
        if group in opened:
            opening = opened[group]
            opening.alerts.append(alert)
            if severity.rank < opening.severity.rank:
                opening.severity = severity
            continue
        opened[group] = Opening([alert], _title(alert, service), severity, category, service, runbook)
    plan.openings = list(opened.values())
    plan.edits = [e for e in edits.values() if e.joined or e.changes or e.severity]
    return plan


def _opens(alert: Alert, facts: Facts) -> bool:
    return alert.labels.get("severity") != "ticket" and any_entry(list(facts.open_on), alert.labels)


def _about(alert: Alert, facts: Facts, problems: list[str]) -> tuple[str | None, str, str | None, Severity] | None:
    """(service, category, runbook, severity) of an alert that opens, or None with the problem recorded."""
    labels = alert.labels
    slo = labels.get("slo")
    if slo is not None and slo not in facts.slos:
        problems.append(f"alert {describe(alert)}: its slo label names {slo!r}, which is not in ops/slos.yaml "
                        f"(known: {', '.join(sorted(facts.slos)) or 'none'}); is the rule file older than the "
                        f"catalogue? Regenerate it with `ops slo rules`")
        return None
    url = alert.annotations.get("runbook_url")
    runbook = facts.runbook_urls.get(url.rstrip("/") + "/") if url else None
    if runbook is None and slo is not None:
        runbook = facts.slo_runbook.get(slo)
    service, category = facts.slos[slo] if slo is not None else (labels.get("service"), labels.get("category"))
    if category is None and runbook is not None:
        category = facts.runbooks[runbook][0]
    if category is None:
        problems.append(f"alert {describe(alert)}: no slo or category label, and no runbook_url of a runbook, "
                        f"so its category cannot be told")
        return None
    if service is None and runbook is not None and len(facts.runbooks[runbook][1]) == 1:
        service = facts.runbooks[runbook][1][0]
    level = labels.get("severity", "")
    severity = Severity(level) if level in facts.levels else facts.page_severity
    floor = facts.floors.get(category)
    if floor is not None and floor.rank < severity.rank:
        severity = floor
    return service, category, runbook, severity


def _title(alert: Alert, service: str | None) -> str:
    summary = alert.annotations.get("summary", "").strip()
    return summary or f"{alert.name} on {service or 'an unnamed service'}"
