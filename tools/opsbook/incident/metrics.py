"""Incident metrics: how many incidents, how fast we detected and fixed them, and what followed.

One pure function (`incident_report`) computes the figures from a validated handbook; the renderers
turn them into text for the terminal, Markdown for the site's metrics page and JSON for scripts, so
`ops report` and the site can never disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics
from typing import Callable

from opsbook.handbook.assembled import Handbook, Postmortem, time_to
from opsbook.handbook.models.common import Category, Severity, format_duration, zone
from opsbook.handbook.models.postmortem import ActionStatus, EventType
from opsbook.plural import plural

STAGES: tuple[tuple[str, EventType, str | None], ...] = (
    # (name, the event that ends it, the severity level's target for it)
    ("detect", EventType.DETECTED, None),
    ("acknowledge", EventType.ACKNOWLEDGED, "respond_within"),
    ("mitigate", EventType.MITIGATED, "mitigate_within"),
    ("resolve", EventType.RESOLVED, "resolve_within"),
)
"""Every stage is timed from the incident's start (or its detection when the start is unknown)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Incident:
    id: str
    title: str
    severity: str
    category: str
    status: str
    detected: dt.datetime
    quarter: str


@dataclasses.dataclass(frozen=True, slots=True)
class Timing:
    """One stage for the incidents of one severity: median and worst against the policy's target."""

    severity: str
    stage: str
    count: int
    median: dt.timedelta | None
    worst: dt.timedelta | None
    worst_incident: str | None
    target: dt.timedelta | None


@dataclasses.dataclass(frozen=True, slots=True)
class Breach:
    incident: str
    severity: str
    stage: str
    took: dt.timedelta
    target: dt.timedelta


@dataclasses.dataclass(frozen=True, slots=True)
class OverdueItem:
    incident: str
    id: str
    title: str
    owner: str
    due: dt.date


@dataclasses.dataclass(frozen=True, slots=True)
class ActionItems:
    opened: int
    done: int
    wont_do: int  # closed without being done: decided against, so they are neither done nor open
    still_open: int
    overdue: list[OverdueItem]


@dataclasses.dataclass(frozen=True, slots=True)
class IncidentReport:
    since: dt.date | None
    until: dt.date | None
    as_of: dt.date
    timezone: str
    incidents: list[Incident]
    by_severity: dict[str, int]
    by_category: dict[str, int]
    by_quarter: dict[str, dict[str, int]]
    timings: list[Timing]
    breaches: list[Breach]
    action_items: ActionItems


def incident_report(handbook: Handbook, since: dt.date | None = None, until: dt.date | None = None, *,
                    as_of: dt.date | None = None) -> IncidentReport:
    """The incident figures for incidents detected from `since` to `until` (both days included).

    Days are read in the team's time zone. `as_of` (default: today) decides which action items are
    overdue.
    """
    tz_name = handbook.team.timezone
    tz = zone(tz_name)
    chosen = sorted((pm for pm in handbook.postmortems.values() if _within(pm, tz, since, until)),
                    key=lambda pm: (pm.meta.first(EventType.DETECTED), pm.id))
    incidents = [_incident(pm, tz) for pm in chosen]
    timings, breaches = _timings(handbook, chosen)
    return IncidentReport(
        since=since, until=until, as_of=as_of or dt.date.today(), timezone=tz_name, incidents=incidents,
        by_severity=_count(incidents, "severity", [s.value for s in Severity]),
        by_category=_count(incidents, "category", [c.value for c in Category]),
        by_quarter={quarter: _count([i for i in incidents if i.quarter == quarter], "severity",
                                    [s.value for s in Severity])
                    for quarter in sorted({i.quarter for i in incidents})},
        timings=timings, breaches=breaches,
        action_items=_action_items(chosen, as_of or dt.date.today()),
    )


def _within(pm: Postmortem, tz, since: dt.date | None, until: dt.date | None) -> bool:
    detected = pm.meta.first(EventType.DETECTED)
    if detected is None:
        return False
    day = detected.astimezone(tz).date()
    return (since is None or since <= day) and (until is None or day <= until)


def _incident(pm: Postmortem, tz) -> Incident:
    detected = pm.meta.first(EventType.DETECTED)
    local = detected.astimezone(tz)
    return Incident(pm.id, pm.meta.title, pm.meta.severity.value, pm.meta.category.value, pm.meta.status.value,
                    detected, f"{local.year}-Q{(local.month - 1) // 3 + 1}")


def _count(incidents: list[Incident], attribute: str, order: list[str]) -> dict[str, int]:
    """Counts in the enum's order, leaving out values nobody had."""
    counts = {value: 0 for value in order}
    for incident in incidents:
        counts[getattr(incident, attribute)] += 1
    return {value: n for value, n in counts.items() if n}


def _duration(pm: Postmortem, stage: EventType) -> dt.timedelta | None:
    if stage is EventType.DETECTED and pm.meta.first(EventType.STARTED) is None:
        return None  # without a known start there is no time to detect, only a detection
    return time_to(pm.meta, stage)


def _timings(handbook: Handbook, chosen: list[Postmortem]) -> tuple[list[Timing], list[Breach]]:
    timings: list[Timing] = []
    breaches: list[Breach] = []
    for severity in Severity:
        group = [pm for pm in chosen if pm.meta.severity is severity]
        if not group:
            continue
        level = handbook.level(severity)
        for name, event, target_field in STAGES:
            target = getattr(level, target_field) if level and target_field else None
            took = [(d, pm.id) for pm in group if (d := _duration(pm, event)) is not None]
            worst = max(took, default=None, key=lambda pair: pair[0])
            timings.append(Timing(
                severity.value, name, len(took),
                _median([d for d, _ in took]), worst[0] if worst else None, worst[1] if worst else None, target))
            breaches.extend(Breach(pm_id, severity.value, name, d, target)
                            for d, pm_id in took if target is not None and d > target)
    return timings, breaches


def _median(values: list[dt.timedelta]) -> dt.timedelta | None:
    if not values:
        return None
    return dt.timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def _action_items(chosen: list[Postmortem], today: dt.date) -> ActionItems:
    items = [(pm, item) for pm in chosen for item in pm.meta.action_items]
    overdue = [OverdueItem(pm.id, item.id, item.title, item.owner, item.due)
               for pm, item in items if not item.status.is_closed and item.due < today]
    return ActionItems(
        opened=len(items),
        done=sum(1 for _, item in items if item.status is ActionStatus.DONE),
        wont_do=sum(1 for _, item in items if item.status is ActionStatus.WONT_DO),
        still_open=sum(1 for _, item in items if not item.status.is_closed),
        overdue=sorted(overdue, key=lambda o: (o.due, o.incident, o.id)),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Monthly:
    """The last months' figures the metrics page charts: medians per month and severity, counts by category."""

    months: list[str]                                   # "2026-01" … the month of `as_of`, oldest first
    severities: list[str]                               # levels with incidents in these months, in order
    medians: dict[str, dict[str, list[dt.timedelta | None]]]  # stage → severity → median per month
    targets: dict[str, dict[str, dt.timedelta | None]]  # stage → severity → the policy's target
    categories: list[str]                               # categories with incidents, in the enum's order
    counts: list[list[int]]                             # per month: incidents per category


MONTHLY_STAGES = ("acknowledge", "resolve")


def monthly(handbook: Handbook, as_of: dt.date, count: int = 12) -> Monthly:
    """Medians of time to acknowledge and resolve, and incident counts by category, for each of the `count`
    months up to the month of `as_of` (the build's date, never the clock), by detection in the team's zone.
    One pass over the post-mortems; the result has `count` entries per series whatever their number."""
    tz = zone(handbook.team.timezone)
    months = []
    year, month = as_of.year, as_of.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    index = {m: i for i, m in enumerate(months)}
    stages = {name: (event, field) for name, event, field in STAGES if name in MONTHLY_STAGES}
    took: dict[tuple[str, str, int], list[float]] = {}
    counts: dict[tuple[int, str], int] = {}
    for pm in handbook.postmortems.values():
        detected = pm.meta.first(EventType.DETECTED)
        if detected is None or (i := index.get(f"{detected.astimezone(tz):%Y-%m}")) is None:
            continue
        counts[i, pm.meta.category.value] = counts.get((i, pm.meta.category.value), 0) + 1
        for name, (event, _) in stages.items():
            if (d := _duration(pm, event)) is not None:
                took.setdefault((name, pm.meta.severity.value, i), []).append(d.total_seconds())
    severities = [s.value for s in Severity if any(key[1] == s.value for key in took)]
    categories = [c.value for c in Category if any(key[1] == c.value for key in counts)]

    def median(key) -> dt.timedelta | None:
        return dt.timedelta(seconds=statistics.median(took[key])) if key in took else None

    def target(name: str, severity: str) -> dt.timedelta | None:
        level = handbook.level(Severity(severity))
        return getattr(level, stages[name][1]) if level else None

    return Monthly(
        months, severities,
        {name: {s: [median((name, s, i)) for i in range(count)] for s in severities} for name in stages},
        {name: {s: target(name, s) for s in severities} for name in stages},
        categories, [[counts.get((i, c), 0) for c in categories] for i in range(count)])


# --- rendering -----------------------------------------------------------------------------------

def _span(report: IncidentReport) -> str:
    since = report.since.isoformat() if report.since else "the first incident"
    until = report.until.isoformat() if report.until else "now"
    return f"from {since} to {until} ({report.timezone})"


def _d(delta: dt.timedelta | None) -> str:
    """A duration for people: `1h30m`; seconds are dropped, sub-minute shows as `0m`."""
    return "—" if delta is None else format_duration(delta)


def _mark(timing: Timing) -> str:
    if timing.target is None or timing.worst is None:
        return ""
    return "✓" if timing.worst <= timing.target else "✗"


def render_text(report: IncidentReport) -> str:
    """The report for a terminal."""
    out = [f"Incidents {_span(report)}: {len(report.incidents)}"]
    if report.incidents:
        out.append("  by severity: " + ", ".join(f"{k} {v}" for k, v in report.by_severity.items()))
        out.append("  by category: " + ", ".join(f"{k} {v}" for k, v in report.by_category.items()))
        out.append("  by quarter:  " + "; ".join(
            f"{q} " + ", ".join(f"{k} {v}" for k, v in counts.items()) for q, counts in report.by_quarter.items()))
        out += ["", "Time to        severity  n  median  worst   target"]
        for t in report.timings:
            out.append(f"  {t.stage:<13}{t.severity:<9}{t.count:>2}  {_d(t.median):<7} {_d(t.worst):<7} "
                       f"{_d(t.target) if t.target else '—'} {_mark(t)}".rstrip())
    out += ["", f"Breaches: {len(report.breaches)}"]
    out += [f"  {b.incident}: time to {b.stage} {_d(b.took)} > {b.severity} target {_d(b.target)}"
            for b in report.breaches]
    items = report.action_items
    out += ["", f"Action items: {items.opened} opened, {items.done} done, {items.wont_do} wont-do, "
                f"{items.still_open} open, "
                f"{len(items.overdue)} overdue (as of {report.as_of})"]
    out += [f"  {o.incident} {o.id} (owner {o.owner}, due {o.due}): {o.title}" for o in items.overdue]
    return "\n".join(out) + "\n"


def render_markdown(report: IncidentReport, *, title: str | None = "Incident metrics",
                    link: Callable[[str], str] | None = None, shown: int | None = None,
                    more: Callable[[str, int], list[str]] | None = None, charts: list[str] = ()) -> str:
    """The report as a Markdown page (the site's metrics page). `link` maps a post-mortem id to its URL.

    With `shown`, a list longer than that (missed targets, overdue action items) is summarised: counts,
    then the `shown` most recent breaches or longest overdue items, after the lines `more(list, total)`
    gives (where the whole list is: `"breaches"` or `"overdue"`). Without it, every row is listed.
    `charts` (lines of Markdown or HTML blocks) go right after the summary line.
    """
    def ref(incident_id: str) -> str:
        return f"[{incident_id}]({link(incident_id)})" if link else f"`{incident_id}`"

    out = [f"# {title}", ""] if title else []
    out += [f"{plural(len(report.incidents), 'incident')} {_span(report)}.", ""]
    out += list(charts)
    if report.incidents:
        out += ["## Incidents", "", "| Severity | Count |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in report.by_severity.items()]
        out += ["", "| Category | Count |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in report.by_category.items()]
        severities = [s.value for s in Severity if s.value in report.by_severity]
        out += ["", "| Quarter | " + " | ".join(severities) + " |", "|---|" + "---|" * len(severities)]
        out += [f"| {q} | " + " | ".join(str(c.get(s, 0)) for s in severities) + " |"
                for q, c in report.by_quarter.items()]
        out += ["", "## Time to detect, acknowledge, mitigate and resolve", "",
                "Measured from the incident's start (or its detection when the start is unknown).", "",
                "| Severity | Stage | Incidents | Median | Worst | Target | |", "|---|---|---|---|---|---|---|"]
        out += [f"| {t.severity} | {t.stage} | {t.count} | {_d(t.median)} | {_d(t.worst)} | "
                f"{_d(t.target) if t.target else '—'} | {_mark(t)} |" for t in report.timings]
    out += ["", "## Breaches", ""]
    breaches = report.breaches
    if shown is not None and len(breaches) > shown:
        out += _breach_counts(report) + (more("breaches", len(breaches)) if more else [])
        breaches = _most_recent(report)[:shown]
    out += ([f"- {ref(b.incident)}: time to {b.stage} {_d(b.took)}, {b.severity} target {_d(b.target)}"
             for b in breaches] or ([] if report.breaches else ["None: every incident met its severity's targets."]))
    items = report.action_items
    out += ["", "## Action items", "",
            f"{items.opened} opened, {items.done} done, {items.wont_do} wont-do, {items.still_open} still open, "
            f"{len(items.overdue)} overdue as of {report.as_of}.", ""]
    overdue = items.overdue
    if shown is not None and len(overdue) > shown:
        out += more("overdue", len(overdue)) if more else []
        overdue = overdue[:shown]  # already the longest overdue first
    if overdue:
        out += ["| Incident | Item | Owner | Due | Title |", "|---|---|---|---|---|"]
        out += [f"| {ref(o.incident)} | {o.id} | {o.owner} | {o.due} | {_cell(o.title)} |"
                for o in overdue]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _breach_counts(report: IncidentReport) -> list[str]:
    """How many targets were missed, in how many incidents, by severity and stage."""
    counts: dict[tuple[str, str], int] = {}
    for breach in report.breaches:
        counts[breach.severity, breach.stage] = counts.get((breach.severity, breach.stage), 0) + 1
    incidents = len({breach.incident for breach in report.breaches})
    missed = len(report.breaches)
    return [f"{missed:,} missed target{'s' if missed != 1 else ''} in {incidents:,} incident{'s' if incidents != 1 else ''}.", "",
            "| Severity | Stage | Missed |", "|---|---|---|",
            *(f"| {severity} | {stage} | {count:,} |" for (severity, stage), count in counts.items()), ""]


def _most_recent(report: IncidentReport) -> list[Breach]:
    """Breaches of the most recently detected incidents first; an incident's stages in order."""
    detected = {incident.id: incident.detected for incident in report.incidents}
    stage = {name: index for index, (name, _, _) in enumerate(STAGES)}
    in_stage_order = sorted(report.breaches, key=lambda b: stage[b.stage])
    return sorted(in_stage_order, key=lambda b: (detected[b.incident], b.incident), reverse=True)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_json(report: IncidentReport) -> str:
    """The report as JSON; durations in whole seconds, dates and times in ISO 8601."""
    def plain(value):
        if isinstance(value, dt.timedelta):
            return int(value.total_seconds())
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(dataclasses.asdict(report), indent=2, ensure_ascii=False, default=plain) + "\n"
