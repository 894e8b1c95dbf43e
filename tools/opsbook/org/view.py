"""What the organisation's pages show, computed once from the teams' copies (pure; renderers only read it).

Everything here came from outside: texts stay texts (the renderers escape them), and a URL an export
holds is kept only when it is http(s) (`safe_url`), so a `javascript:` link never reaches a page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from urllib.parse import urlsplit

from opsbook.org import contract
from opsbook.org.kept import TeamCopy
from opsbook.org.scorecard import Cell, scorecard

UTC = dt.timezone.utc
RECENT = 30           # incidents on the incidents page's recent list
MONTHS = 12           # months of counts on the incidents page
STAGES = (("detect", "detected", None), ("acknowledge", "acknowledged", "respond_within_seconds"),
          ("mitigate", "mitigated", "mitigate_within_seconds"), ("resolve", "resolved", "resolve_within_seconds"))


def safe_url(url: object) -> str | None:
    """`url` when it is an http(s) URL with a host, else None."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


@dataclasses.dataclass(frozen=True)
class OnCall:
    rotation: str
    url: str | None
    now: str | None          # who holds it at the build's moment (a name), None when nobody
    until: dt.datetime | None
    next: str | None
    from_: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class Stage:
    median: dt.timedelta | None
    target: dt.timedelta | None
    over: int                # incidents past the team's target at this stage


@dataclasses.dataclass(frozen=True)
class Group:
    team_id: str
    team: str
    severity: str
    incidents: int
    stages: dict[str, Stage]


@dataclasses.dataclass(frozen=True)
class TeamView:
    id: str
    name: str
    site_url: str
    state: str
    read_on: dt.date | None
    reason: str | None
    notes: tuple[str, ...]
    services: list[tuple[str, str]]        # (id, name)
    oncall: list[OnCall]
    links: dict[str, str]                  # what → http(s) URL: feeds, status page
    cells: list[Cell]


@dataclasses.dataclass(frozen=True)
class OrgView:
    name: str
    site_url: str
    now: dt.datetime
    teams: list[TeamView]
    groups: list[Group]                    # by team and severity, all incidents
    monthly: list[Group]                   # by month (label: the month) and severity, every team
    months: list[str]                      # the last MONTHS months, newest first
    by_month: dict[str, dict[str, int]]    # team id → month → incidents
    recent: list[tuple[str, contract.Incident]]  # (team name, incident), newest first
    feeds: list[tuple[str, str, str]]      # (team name, title, url) of every team's feeds


def _oncall(export: contract.Export, now: dt.datetime) -> list[OnCall]:
    names = {p.id: p.name for p in export.people}
    rows = []
    for rotation in export.rotations:
        current = next((s for s in rotation.shifts if s.start <= now < s.end), None)
        following = next((s for s in rotation.shifts if s.start >= (current.end if current else now)), None)
        rows.append(OnCall(rotation.name, safe_url(rotation.url),
                           names.get(current.person, current.person) if current and current.person else None,
                           current.end if current else None,
                           names.get(following.person, following.person) if following and following.person else None,
                           following.start if following else None))
    return rows


def _links(export: contract.Export) -> dict[str, str]:
    found = {"handbook feed": export.links.handbook_feed, "on-call feed": export.links.oncall_feed,
             "all feeds": export.links.feeds_index, "status page": export.links.status_page}
    return {what: url for what, raw in found.items() if (url := safe_url(raw))}


def _team(copy: TeamCopy, criteria, now: dt.datetime) -> TeamView:
    export = copy.export
    if export is None:
        return TeamView(copy.team.id, copy.team.name, copy.team.site_url, copy.state, copy.read_on, copy.reason,
                        copy.notes, [], [], {}, [])
    return TeamView(copy.team.id, copy.team.name, copy.team.site_url, copy.state, copy.read_on, copy.reason,
                    copy.notes, [(s.id, s.name) for s in export.services], _oncall(export, now), _links(export),
                    scorecard(criteria, export, now))


def lifecycle(incident: contract.Incident) -> dict[str, dt.timedelta | None]:
    """Time to each stage: detection from the start, the others from the start (or detection)."""
    begin = incident.started or incident.detected
    times = {"detect": incident.detected - incident.started if incident.started and incident.detected else None}
    for stage, field, _ in STAGES[1:]:
        reached = getattr(incident, field)
        times[stage] = reached - begin if reached and begin else None
    return times


@dataclasses.dataclass(frozen=True)
class _Timed:
    """One incident's lifecycle times and its own team's targets."""

    team_id: str
    team: str
    month: str | None
    severity: str
    times: dict[str, dt.timedelta | None]
    targets: dict[str, dt.timedelta | None]


def _timed(copies: list[TeamCopy]) -> list[_Timed]:
    found = []
    for copy in copies:
        if copy.export is None:
            continue
        levels = {level.id: level for level in copy.export.severity}
        for incident in copy.export.incidents:
            level = levels.get(incident.severity)
            targets = {}
            for stage, _, target_field in STAGES:
                seconds = getattr(level, target_field, None) if level and target_field else None
                targets[stage] = dt.timedelta(seconds=seconds) if seconds is not None else None
            when = incident.detected or incident.started
            found.append(_Timed(copy.team.id, copy.team.name, when.astimezone(UTC).strftime("%Y-%m") if when else None,
                                incident.severity, lifecycle(incident), targets))
    return found


def _summary(label_id: str, label: str, severity: str, items: list[_Timed]) -> Group:
    """Medians of `items`, each judged against its own team's target (shown when they all share one)."""
    stages = {}
    for stage, _, _ in STAGES:
        known = [(item.times[stage], item.targets[stage]) for item in items if item.times[stage] is not None]
        targets = {item.targets[stage] for item in items}
        stages[stage] = Stage(statistics.median(t for t, _ in known) if known else None,
                              targets.pop() if len(targets) == 1 else None,
                              sum(1 for t, target in known if target is not None and t > target))
    return Group(label_id, label, severity, len(items), stages)


def _groups(timed: list[_Timed], key) -> list[Group]:
    """One summary per (label id, label, severity) that `key` gives an incident, in first-seen order of
    the label and severity order within it; `key` returning None leaves an incident out."""
    grouped: dict[tuple, list[_Timed]] = {}
    for item in timed:
        if (found := key(item)) is not None:
            grouped.setdefault(found, []).append(item)
    order = {label: index for index, (label, _, _) in enumerate(grouped)}
    return [_summary(*found, items) for found, items in sorted(grouped.items(),
                                                               key=lambda kv: (order[kv[0][0]], kv[0][2]))]


def _months(now: dt.datetime) -> list[str]:
    year, month, found = now.year, now.month, []
    for _ in range(MONTHS):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found


def build_view(config, copies: list[TeamCopy], now: dt.datetime) -> OrgView:
    """The organisation's view as of `now` from every team's copy (in `org.yaml`'s order)."""
    months = _months(now.astimezone(UTC))
    by_month: dict[str, dict[str, int]] = {}
    incidents = []
    feeds = []
    for copy in copies:
        if copy.export is None:
            continue
        counts = by_month.setdefault(copy.team.id, {})
        for incident in copy.export.incidents:
            when = incident.detected or incident.started
            if when is not None:
                month = when.astimezone(UTC).strftime("%Y-%m")
                counts[month] = counts.get(month, 0) + 1
                incidents.append((when, copy.team.name, incident))
        for title, raw in (("reviews, post-mortem reviews and action items", copy.export.links.handbook_feed),
                           ("on-call shifts", copy.export.links.oncall_feed)):
            if url := safe_url(raw):
                feeds.append((copy.team.name, title, url))
    incidents.sort(key=lambda found: (found[0], found[1], found[2].id), reverse=True)
    timed = _timed(copies)
    shown = set(months)
    monthly = _groups(sorted(timed, key=lambda item: item.month or "", reverse=True),
                      lambda item: (item.month, item.month, item.severity) if item.month in shown else None)
    return OrgView(config.name, config.site_url, now, [_team(copy, config.scorecard, now) for copy in copies],
                   _groups(timed, lambda item: (item.team_id, item.team, item.severity)), monthly, months, by_month,
                   [(team, incident) for when, team, incident in incidents if when <= now][:RECENT], feeds)
