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


def _most_severe_first(runbooks) -> list:
    return sorted(runbooks, key=lambda rb: (rb.meta.severity.rank, rb.meta.title))


def _runbook_table(handbook: Handbook, group: list, due: set[str], here: str) -> list[str]:
    return md.table(["Runbook", "Severity", "Services", "Owners", "Last reviewed"], [
        [f"[{md.text(rb.meta.title)}]({layout.link(here, layout.runbook(rb.id))})", md.badge(rb.meta.severity),
         ", ".join(_service(handbook, s) for s in rb.meta.services),
         md.people_list(handbook.people, rb.meta.owners),
         f"{rb.meta.last_reviewed}" + (" **review due**" if rb.id in due else "")]
        for rb in group])


def runbook_index(handbook: Handbook, today: dt.date) -> str:
    """`runbooks/index.md`: every runbook by category, then short lists by severity and by service. When
    there are many (`opsbook.site.listings`), each category is a count and a link to its own page, then
    the most severe runbooks, and the lists by severity and service become counts."""
    here = layout.RUNBOOKS
    due = {rb.id for rb in handbook.runbooks_due_for_review(today)}
    runbooks = _most_severe_first(handbook.runbooks.values())
    out = ["# Runbooks", "",
           f"{plural(len(runbooks), 'runbook')}. In an incident, search for a symptom (press `/`) or pick the "
           "category below; each runbook starts with its quick mitigation.", ""]
    if listings.runbook_categories(handbook):
        return "\n".join(out + _long_runbook_index(handbook, runbooks, due, here)).rstrip() + "\n"
    out += ["## By category", ""]
    for category in Category:
        group = [rb for rb in runbooks if rb.meta.category is category]
        if not group:
            continue
        out += [md.anchor_heading(3, category.value.capitalize(), f"category-{category.value}"), ""]
        out += _runbook_table(handbook, group, due, here)
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


def _long_runbook_index(handbook: Handbook, runbooks: list, due: set[str], here: str) -> list[str]:
    """The index of a big handbook's runbooks: counts and links per category, then the most severe."""
    categories = listings.runbook_categories(handbook)
    out = ["## By category", ""]
    for category in categories:
        group = [rb for rb in runbooks if rb.meta.category.value == category]
        late = sum(1 for rb in group if rb.id in due)
        out += [md.anchor_heading(3, category.capitalize(), f"category-{category}"), "",
                f"{plural(len(group), 'runbook')}, {late:,} due for review: "
                f"[all {category} runbooks]({layout.link(here, layout.runbooks_category(category))}), "
                "the most severe first.", ""]
    out += ["## Most severe", ""]
    out += listings.more_line(len(runbooks), "runbooks, the most severe first", here,
                              [(c.capitalize(), layout.runbooks_category(c)) for c in categories])
    out += _runbook_table(handbook, runbooks[:listings.SHOWN], due, here)
    out += ["## By severity", ""]
    out += md.table(["Severity", "Runbooks"], [
        [md.badge(severity), f"{count:,}"] for severity in Severity
        if (count := sum(1 for rb in runbooks if rb.meta.severity is severity))])
    out += ["## By service", ""]
    out += md.table(["Service", "Runbooks"], [
        [md.text(service.name), f"{count:,}"] for service in sorted(handbook.services.values(), key=lambda s: s.name)
        if (count := sum(1 for rb in runbooks if service.id in rb.meta.services))])
    return out


def runbook_category_page(handbook: Handbook, today: dt.date, category: str, number: int = 1) -> str:
    """`runbooks/by-category/<category>.md` (and its numbered pages): one category's runbooks, the most
    severe first."""
    listing = layout.runbooks_category(category)
    here = listings.part(listing, number)
    due = {rb.id for rb in handbook.runbooks_due_for_review(today)}
    group = _most_severe_first(rb for rb in handbook.runbooks.values() if rb.meta.category.value == category)
    out = [f"# {category.capitalize()} runbooks", "",
           f"{plural(len(group), 'runbook')}, the most severe first; back to [all runbooks]"
           f"({layout.link(here, layout.RUNBOOKS)}).", ""]
    out += listings.parts_line(listing, len(group), number, f"{category} runbooks")
    out += _runbook_table(handbook, listings.part_rows(group, number), due, here)
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
    if year in listings.busy_years(handbook):
        counts: dict[str, int] = {}
        for pm in ordered:
            counts[listings.detected_month(pm)] = counts.get(listings.detected_month(pm), 0) + 1
        months = sorted(counts, reverse=True)
        out += md.table(["Month", "Incidents"], [
            [f"[{month}]({layout.link(here, layout.postmortems_month(month))})", f"{counts[month]:,}"]
            for month in months])
        out += listings.more_line(len(ordered), f"incidents of {year}", here,
                                  [(month, layout.postmortems_month(month)) for month in months])
        ordered = ordered[:listings.SHOWN]
    out += _postmortem_table(handbook, ordered, here)
    return "\n".join(out).rstrip() + "\n"


def postmortem_month_page(handbook: Handbook, month: str, postmortems: list[Postmortem], number: int = 1) -> str:
    """`postmortems/by-month/<month>.md` (and its numbered pages): the incidents detected that month
    (`postmortems`), newest first."""
    listing = layout.postmortems_month(month)
    here = listings.part(listing, number)
    year = int(month[:4])
    ordered = _newest_first(postmortems)
    out = [f"# Post-mortems of {month}", "",
           f"{plural(len(ordered), 'incident')}, newest first; back to [{year}]"
           f"({layout.link(here, layout.postmortems_year(year))}) and [all post-mortems]"
           f"({layout.link(here, layout.POSTMORTEMS)}).", ""]
    out += listings.parts_line(listing, len(ordered), number, "incidents")
    out += _postmortem_table(handbook, listings.part_rows(ordered, number), here)
    return "\n".join(out).rstrip() + "\n"
