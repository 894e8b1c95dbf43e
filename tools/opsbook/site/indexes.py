"""The runbook index (by category, severity and service) and the post-mortem index with its timings."""

from __future__ import annotations

import datetime as dt

from opsbook.handbook.assembled import Handbook, Postmortem, time_to
from opsbook.handbook.models.common import Category, Severity, zone
from opsbook.handbook.models.postmortem import EventType
from opsbook.incident.metrics import STAGES
from opsbook.plural import plural
from opsbook.site import html as h
from opsbook.site import layout, listings
from opsbook.site import markdown as md


def runbook_index(handbook: Handbook, today: dt.date) -> str:
    """`runbooks/index.md`: every runbook by category, then short lists by severity and by service."""
    here = layout.RUNBOOKS
    due = {rb.id for rb in handbook.runbooks_due_for_review(today)}
    runbooks = sorted(handbook.runbooks.values(), key=lambda rb: (rb.meta.severity.rank, rb.meta.title))
    out = ["# Runbooks", "",
           f"{plural(len(runbooks), 'runbook')}. In an incident, search for a symptom (press `/`) or pick the "
           "category below; each runbook starts with its quick mitigation.", ""]
    out += ["## By category", ""]
    for category in Category:
        group = [rb for rb in runbooks if rb.meta.category is category]
        if not group:
            continue
        out += [md.anchor_heading(3, category.value.capitalize(), f"category-{category.value}"), ""]
        out += md.table(["Runbook", "Severity", "Services", "Owners", "Last reviewed"], [
            [f"[{md.text(rb.meta.title)}]({layout.link(here, layout.runbook(rb.id))})", md.badge(rb.meta.severity),
             ", ".join(_service(handbook, s) for s in rb.meta.services),
             md.people_list(handbook.people, rb.meta.owners),
             f"{rb.meta.last_reviewed}" + (" **review due**" if rb.id in due else "")]
            for rb in group])
    out += ["## By severity", ""]
    for severity in Severity:
        group = [rb for rb in runbooks if rb.meta.severity is severity]
        if group:
            out += [f"**{severity.value}**: " + ", ".join(_ref(here, rb) for rb in group), ""]
    out += ["## By service", ""]
    rows = []
    for service in sorted(handbook.services.values(), key=lambda s: s.name):
        group = [rb for rb in runbooks if service.id in rb.meta.services]
        if group:
            rows.append([md.text(service.name), ", ".join(_ref(here, rb) for rb in group)])
    out += md.table(["Service", "Runbooks"], rows)
    return "\n".join(out).rstrip() + "\n"


def _ref(here: str, rb) -> str:
    return f"[{md.text(rb.meta.title)}]({layout.link(here, layout.runbook(rb.id))})"


def _service(handbook: Handbook, service_id: str) -> str:
    service = handbook.services.get(service_id)
    return md.text(service.name) if service else f"`{service_id}`"


def detected_day(pm: Postmortem, zone_name: str) -> str:
    detected = pm.meta.first(EventType.DETECTED)
    return detected.astimezone(zone(zone_name)).date().isoformat() if detected else md.DASH


def stage_times(handbook: Handbook, pm: Postmortem) -> list[tuple[str, dt.timedelta | None, dt.timedelta | None]]:
    """(stage, time taken, the severity's target) for detect, acknowledge, mitigate and resolve.

    Timed as `opsbook.incident.metrics` times them: from the incident's start, or from its detection when the
    start is unknown (then there is no time to detect).
    """
    level = handbook.level(pm.meta.severity)
    rows = []
    for name, event, target_field in STAGES:
        known_start = pm.meta.first(EventType.STARTED) is not None
        took = None if event is EventType.DETECTED and not known_start else time_to(pm.meta, event)
        target = getattr(level, target_field) if level and target_field else None
        rows.append((name, took, target))
    return rows


def _newest_first(postmortems) -> list[Postmortem]:
    return sorted(postmortems, key=lambda pm: (pm.meta.first(EventType.DETECTED)
                                               or dt.datetime.min.replace(tzinfo=dt.timezone.utc), pm.id), reverse=True)


def _postmortem_table(handbook: Handbook, ordered: list[Postmortem], here: str) -> list[str]:
    tz = handbook.team.timezone
    rows = []
    for pm in ordered:
        times = {name: md.against(took, target) for name, took, target in stage_times(handbook, pm)}
        rows.append([detected_day(pm, tz), h.a(layout.href(here, layout.postmortem(pm.id)), pm.meta.title),
                     h.badge(pm.meta.severity), pm.meta.category.value, h.status(pm.meta.status),
                     times["detect"], times["acknowledge"], times["mitigate"], times["resolve"]])
    return h.table(["Detected", "Incident", "Severity", "Category", "Status", "Detect", "Acknowledge",
                    "Mitigate", "Resolve"], rows, empty="No incidents yet.")


def postmortem_index(handbook: Handbook) -> str:
    """`postmortems/index.md`: every incident, newest first, with its times against the policy's targets;
    when there are many, the most recent ones and a page per year (`opsbook.site.listings`)."""
    here = layout.POSTMORTEMS
    ordered = _newest_first(handbook.postmortems.values())
    out = ["# Post-mortems", "",
           f"{plural(len(ordered), 'incident')}, newest first. Times run from the incident's start (or its detection "
           "when the start is unknown); ✓ met the severity's target, ✗ missed it (target in brackets). "
           f"Targets come from the [severity policy]({layout.link(here, layout.SEVERITY)}); "
           f"medians are on the [metrics page]({layout.link(here, layout.METRICS)}).", ""]
    years = listings.postmortem_years(handbook)
    if years:
        out += md.table(["Year", "Incidents"], [
            [f"[{year}]({layout.link(here, layout.postmortems_year(year))})",
             f"{sum(1 for pm in ordered if listings.detected_year(pm) == year):,}"] for year in years])
        out += listings.more_line(len(ordered), "incidents", here, listings.year_links(years, layout.postmortems_year))
        ordered = ordered[:listings.SHOWN]
    out += _postmortem_table(handbook, ordered, here)
    return "\n".join(out).rstrip() + "\n"


def postmortem_year_page(handbook: Handbook, year: int) -> str:
    """`postmortems/by-year/<year>.md`: the incidents detected that year, newest first."""
    here = layout.postmortems_year(year)
    ordered = _newest_first(pm for pm in handbook.postmortems.values() if listings.detected_year(pm) == year)
    out = [f"# Post-mortems of {year}", "",
           f"{plural(len(ordered), 'incident')}, newest first; back to [all post-mortems]({layout.link(here, layout.POSTMORTEMS)}).", ""]
    out += _postmortem_table(handbook, ordered, here)
    return "\n".join(out).rstrip() + "\n"
