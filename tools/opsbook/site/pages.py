"""Generated pages: handbook + now → {source path: Markdown}. Pure; the plugin only hands them to MkDocs.

Also says which handbook files become pages (`content_files`) and how the navigation is laid out
(`navigation`), so a test can check all three without running MkDocs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Collection

from opsbook.calendar.schedule import upcoming
from opsbook.handbook.assembled import Handbook
from opsbook.handbook.models.common import zone
from opsbook.handbook.models.postmortem import EventType
from opsbook.incident.metrics import incident_report, render_markdown
from opsbook.site import html as h
from opsbook.site import charts, layout, listings
from opsbook.site import markdown as md
from opsbook.site.indexes import (
    detected_day,
    postmortem_index,
    postmortem_month_page,
    postmortem_year_page,
    runbook_category_page,
    runbook_index,
)
from opsbook.site.reference import (
    big_team,
    many_rotations,
    secrets_page,
    secrets_service_page,
    service_secrets,
    severity_policy,
    slo_catalogue,
    team_page,
    team_people_page,
)
from opsbook.site.reviews import cadence_page, cadences_page, calendar_page
from opsbook.site.shifts import holds_now, rotation_page
from opsbook.slo import rules as slo_rules

RECENT = dt.timedelta(days=90)
SOON = dt.timedelta(days=30)
NAV_INCIDENTS = 10


@dataclasses.dataclass(frozen=True, slots=True)
class ContentFile:
    """A handbook file published as a page: where MkDocs sees it and where it is in the repository."""

    src: str          # source path in the site's file tree (decides the URL)
    path: str         # path relative to the handbook root (decides the edit link)
    kind: str         # "runbook", "postmortem" or "page"
    id: str


def local_today(handbook: Handbook, now: dt.datetime) -> dt.date:
    """Today in the team's time zone: what is due or overdue is judged by the team's calendar."""
    return now.astimezone(zone(handbook.team.timezone)).date()


def generate(handbook: Handbook, now: dt.datetime, feeds: Collection[str] = (), upcoming_days: int = 28,
             measured=None) -> dict[str, str]:
    """Every generated page by source path. `feeds` lists the feed files the site carries (for links);
    `measured`, the SLOs' numbers from Prometheus (`opsbook.slo.status.Report`) for the SLO catalogue."""
    return {src: make() for src, make in _builders(handbook, now, feeds, upcoming_days, measured).items()}


def generated_sources(handbook: Handbook) -> list[str]:
    """The source paths `generate` returns, in order, without generating anything (MkDocs lists the
    files before it reads them)."""
    return list(_builders(handbook, None, (), 0))


def _builders(handbook: Handbook, now: dt.datetime | None, feeds: Collection[str], upcoming_days: int,
              measured=None) -> dict:
    """Each generated page's source path and a function that writes it: one list for both of the above."""
    today = local_today(handbook, now) if now is not None else None
    builders = {
        layout.HOME: lambda: home(handbook, now),
        layout.RUNBOOKS: lambda: runbook_index(handbook, today),
        layout.POSTMORTEMS: lambda: postmortem_index(handbook),
        layout.METRICS: lambda: metrics_page(handbook, today),
        layout.SLOS: lambda: slo_catalogue(handbook, measured),
        layout.SEVERITY: lambda: severity_policy(handbook),
        layout.TEAM: lambda: team_page(handbook, now, feeds=feeds),
        layout.SECRETS: lambda: secrets_page(handbook, today),
        layout.CALENDAR: lambda: calendar_page(handbook, now, feeds, upcoming_days),
        layout.TAGS: lambda: "# Tags\n\nRunbooks and post-mortems by tag.\n\n<!-- material/tags -->\n",
        layout.ACTION_ITEMS: lambda: listings.action_items_page(handbook, today),
    }
    if any(slo.indicator is not None for slo in handbook.slos.values()):
        builders[layout.SLO_RULES] = lambda: slo_rules.render(handbook)
    # The full listings behind a long list (none for a handbook whose lists are short), each on as many
    # numbered pages as its rows take (`listings.part`).
    def listing(src: str, rows: int, make) -> None:
        for number in range(1, listings.part_count(rows) + 1):
            builders[listings.part(src, number)] = lambda n=number: make(n)

    categories = Counter(rb.meta.category.value for rb in handbook.runbooks.values())
    for category in listings.runbook_categories(handbook):
        listing(layout.runbooks_category(category), categories[category],
                lambda n, c=category: runbook_category_page(handbook, today, c, n))
    for year in listings.postmortem_years(handbook):
        builders[layout.postmortems_year(year)] = lambda year=year: postmortem_year_page(handbook, year)
    for month, group in listings.postmortems_by_month(handbook).items():
        listing(layout.postmortems_month(month), len(group),
                lambda n, m=month, g=group: postmortem_month_page(handbook, m, g, n))
    due_in = listings.action_item_counts(handbook)
    for year in listings.action_item_years(handbook):
        listing(layout.action_items_year(year), due_in[year],
                lambda n, year=year: listings.action_items_year_page(handbook, today, year, n))
    for service in listings.secret_services(handbook):
        listing(layout.secrets_service(service), len(service_secrets(handbook, service)),
                lambda n, service=service: secrets_service_page(handbook, today, service, n))
    if big_team(handbook):
        listing(layout.TEAM_PEOPLE, len(handbook.team.people), lambda n: team_people_page(handbook, now, n, feeds))
    if listings.is_long(handbook.cadences):
        listing(layout.CADENCES, len(handbook.cadences), lambda n: cadences_page(handbook, n))
    if many_rotations(handbook):
        for rotation in handbook.team.rotations:
            builders[layout.rotation(rotation.id)] = lambda r=rotation: rotation_page(handbook, r, now, feeds)
    for entry in handbook.cadences.values():
        builders[layout.cadence(entry.id)] = lambda entry=entry: cadence_page(handbook, entry, now, feeds)
    return builders


def content_files(handbook: Handbook) -> list[ContentFile]:
    """The runbooks, post-mortems and process pages (`ops/*.md`) that are published as they are."""
    files = [ContentFile(layout.runbook(rb.id), rb.path, "runbook", rb.id) for rb in handbook.runbooks.values()]
    files += [ContentFile(layout.postmortem(pm.id), pm.path, "postmortem", pm.id) for pm in handbook.postmortems.values()]
    files += [ContentFile(page.path, page.path, "page", page.path) for page in handbook.pages]
    return files


def navigation(handbook: Handbook, recent_incidents: int = NAV_INCIDENTS) -> list:
    """The site's navigation in `mkdocs.yml` form: sections open on their index page.

    Every runbook is listed while there are few (in an incident it is two taps away); beyond a few dozen
    (when the runbook index splits into category pages, `opsbook.site.listings`) the menu lists those
    category pages instead, and each runbook is one tap further, as the incidents are: only the most
    recent are listed, the rest are in the post-mortem index. Each review's page is linked from the
    calendar, and the tags page from every tag. The menu is repeated on every page, so each entry
    costs as many times as there are pages: a menu of a thousand runbooks or incidents would make the
    site quadratic in size (a thousand runbooks made every page 350 kB) and helps nobody on a phone.
    """
    incidents = sorted(handbook.postmortems.values(), key=_detected, reverse=True)[:recent_incidents]
    return [
        {"Home": layout.HOME},
        {"Runbooks": [layout.RUNBOOKS] + _runbook_entries(handbook)},
        {"Incidents": [layout.POSTMORTEMS, {"Metrics": layout.METRICS}]
         + [{pm.meta.title: layout.postmortem(pm.id)} for pm in incidents]},
        {"Review calendar": layout.CALENDAR},
        {"Reference": [{"SLO catalogue": layout.SLOS}, {"Severity policy": layout.SEVERITY},
                       {"Team and rotation": layout.TEAM}, {"Secrets": layout.SECRETS}]
         + [{page.title: page.path} for page in sorted(handbook.pages, key=lambda p: p.path)]},
    ]


def _runbook_entries(handbook: Handbook) -> list[dict[str, str]]:
    """The menu's entries under Runbooks: every runbook, the most severe first, or, for a handbook with
    more than fit a menu, a page per category (the menu then grows with categories, not runbooks)."""
    categories = listings.runbook_categories(handbook)
    if categories:
        return [{category.capitalize(): layout.runbooks_category(category)} for category in categories]
    runbooks = sorted(handbook.runbooks.values(), key=lambda rb: (rb.meta.severity.rank, rb.meta.title))
    return [{rb.meta.title: layout.runbook(rb.id)} for rb in runbooks]


def nav_sources(nav: list | dict | str) -> set[str]:
    """Every source path a navigation (in `mkdocs.yml` form) lists."""
    if isinstance(nav, str):
        return {nav}
    items = nav.values() if isinstance(nav, dict) else nav
    return set().union(*(nav_sources(item) for item in items)) if items else set()


def _detected(pm) -> tuple:
    detected = pm.meta.first(EventType.DETECTED)
    return (detected is not None, detected or dt.datetime.min.replace(tzinfo=dt.timezone.utc), pm.id)


def metrics_page(handbook: Handbook, today: dt.date) -> str:
    """`metrics.md`: the last 12 months' charts (`opsbook.site.charts`), then counts and medians by
    severity, category and quarter (`opsbook.incident.metrics`).
    A long list of missed targets or overdue action items shows its most recent or most overdue rows and
    links to where every row is: the post-mortem index (and its year pages) and the action items page."""
    here = layout.METRICS
    report = incident_report(handbook, as_of=today)
    listed = {
        "breaches": ("missed targets, the most recent first (the post-mortem index marks each one ✗)",
                     [("Post-mortems", layout.POSTMORTEMS)]
                     + listings.year_links(listings.postmortem_years(handbook), layout.postmortems_year)),
        "overdue": ("overdue action items, the longest overdue first", [("Open action items", layout.ACTION_ITEMS)]),
    }

    def more(name: str, total: int) -> list[str]:
        what, pages = listed[name]
        return listings.more_line(total, what, here, pages)

    return render_markdown(report, link=lambda pm_id: layout.link(here, layout.postmortem(pm_id)),
                           shown=listings.SHOWN, more=more, charts=charts.metrics_charts(handbook, today))


def home(handbook: Handbook, now: dt.datetime) -> str:
    """`index.md`: the dashboard an on-call engineer lands on."""
    here = layout.HOME
    today = local_today(handbook, now)
    tz = handbook.team.timezone
    out = [f"# {md.text(handbook.config.name)}", "",
           '!!! tip "In an incident"', "",
           f"    Search for the symptom (press `/`) or open the [runbooks]({layout.link(here, layout.RUNBOOKS)}). "
           f"How bad is it? See the [severity policy]({layout.link(here, layout.SEVERITY)}).", ""]
    for rotation in handbook.team.rotations:
        out += [f"    **{md.text(rotation.name)}:** {holds_now(handbook, rotation, now)}.", ""]
    out += _recent_incidents(handbook, now, here)
    out += _action_items(handbook, today, here)
    out += ["## Upcoming reviews", ""]
    soon = upcoming(handbook, now, 14)
    if listings.is_long(soon):
        out += listings.more_line(len(soon), "reviews in the next two weeks, the soonest first", here,
                                  [("Review calendar", layout.CALENDAR)])
    out += md.table(["When", "Review", "Owner"], [
        [md.weekday_moment(o.start, tz), f"[{md.text(o.display_title)}]({layout.link(here, layout.cadence(o.cadence_id))})",
         md.person(handbook.people, o.owner)] for o in soon[:listings.SHOWN]],
        empty="No reviews in the next two weeks.")
    out += [f"[Whole calendar and subscription links]({layout.link(here, layout.CALENDAR)})", ""]
    out += ["## Runbooks due for review", ""]
    due = sorted(handbook.runbooks_due_for_review(today), key=lambda rb: (rb.meta.last_reviewed, rb.id))
    if listings.is_long(due):
        out += listings.more_line(len(due), "runbooks due, the longest overdue first", here,
                                  [("Runbooks", layout.RUNBOOKS)])
    out += md.table(["Runbook", "Owners", "Last reviewed", "Was due"], [
        [f"[{md.text(rb.meta.title)}]({layout.link(here, layout.runbook(rb.id))})",
         md.people_list(handbook.people, rb.meta.owners), str(rb.meta.last_reviewed),
         str(rb.meta.last_reviewed + rb.meta.review_every)]
        for rb in due[:listings.SHOWN]],
        empty="None: every runbook was reviewed within its period.")
    out += ["## Secrets due for rotation", "", f"Due within {SOON.days} days.", ""]
    due = sorted(handbook.secrets_due_for_rotation(today, SOON), key=lambda s: (s.last_rotated + s.rotate_every, s.name))
    if listings.is_long(due):
        out += listings.more_line(len(due), "secrets due, most overdue first", here, [("Secrets", layout.SECRETS)])
    out += md.table(["Secret", "Owner", "Due"], [
        [f"`{s.name}`", md.person(handbook.people, s.owner),
         f"{s.last_rotated + s.rotate_every}" + (" **overdue**" if s.last_rotated + s.rotate_every < today else "")]
        for s in due[:listings.SHOWN]],
        empty="None.")
    out += [f"[The whole inventory]({layout.link(here, layout.SECRETS)})", ""]
    return "\n".join(out).rstrip() + "\n"


def _recent_incidents(handbook: Handbook, now: dt.datetime, here: str) -> list[str]:
    recent = handbook.incidents_between(now - RECENT, now + dt.timedelta(seconds=1))
    overdue = {pm.id for pm in handbook.postmortems_overdue(now)}
    out = ["## Recent incidents", "", f"Detected in the last {RECENT.days} days.", ""]
    if listings.is_long(recent):
        out += listings.more_line(len(recent), "incidents, newest first", here, [("Post-mortems", layout.POSTMORTEMS)])
    out += h.table(["Detected", "Incident", "Severity", "Status"], [
        [detected_day(pm, handbook.team.timezone), h.a(layout.href(here, layout.postmortem(pm.id)), pm.meta.title),
         h.badge(pm.meta.severity),
         h.status(pm.meta.status) + (" <strong>post-mortem overdue</strong>" if pm.id in overdue else "")]
        for pm in recent[:listings.SHOWN]], empty="None.")
    return out + [f"[All post-mortems]({layout.link(here, layout.POSTMORTEMS)}) · "
                  f"[Metrics]({layout.link(here, layout.METRICS)})", ""]


def _action_items(handbook: Handbook, today: dt.date, here: str) -> list[str]:
    items = listings.open_items(handbook)
    overdue = sum(1 for _, item in items if item.due < today)
    out = ["## Open action items", "", f"{len(items)} open, {overdue} overdue.", ""]
    if listings.is_long(items):
        out += listings.more_line(len(items), "open action items, the longest overdue first", here,
                                  [("Open action items", layout.ACTION_ITEMS)])
    return out + listings.action_item_table(handbook, items[:listings.SHOWN], today, here)
