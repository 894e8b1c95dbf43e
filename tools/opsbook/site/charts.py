"""The site's charts: the handbook's numbers handed to `opsbook.charts`, as blocks for the page builders.

Each function returns HTML lines to place in a page: the metrics page's three charts, a post-mortem's
timeline, the team's on-call load, an SLO's error budget (inline, or the published file as an image). Dates come from the build's moment (`today`,
`now`), never the clock. The blocks start a line with `<figure`, so generated pages lift them out of
Markdown's way like their tables (`opsbook.site.decorate.lift_html_blocks`).
"""

from __future__ import annotations

import datetime as dt

from opsbook import urls
from opsbook.charts import budget as budget_chart
from opsbook.charts import load, monthly, svg, timeline
from opsbook.handbook.assembled import Handbook, Postmortem
from opsbook.handbook.models.common import zone
from opsbook.incident import metrics
from opsbook.oncall import report
from opsbook.oncall.shifts import rotation_zone
from opsbook.site import layout
from opsbook.site.indexes import stage_times

WEEKS_BEFORE, WEEKS_AHEAD = 4, 8


def block(figure: str) -> list[str]:
    return ["", figure, ""]


def metrics_charts(handbook: Handbook, today: dt.date) -> list[str]:
    """The metrics page's charts over the 12 months up to `today`: time to acknowledge and to resolve by
    severity against their targets, and incidents per month by category."""
    figures = metrics.monthly(handbook, today)
    out = ["## The last 12 months", ""]
    for stage in metrics.MONTHLY_STAGES:
        series = [(s, figures.medians[stage][s], figures.targets[stage][s]) for s in figures.severities]
        out += block(monthly.times_figure(svg.chart_id("time-to", stage), stage, figures.months, series))
    out += block(monthly.counts_figure(svg.chart_id("incidents-per-month"), figures.months, figures.categories,
                                       figures.counts))
    return out


def postmortem_timeline(handbook: Handbook, pm: Postmortem) -> str | None:
    """The post-mortem's timeline chart, or None when its timeline reaches no stage."""
    events = {name: event for name, event, _ in metrics.STAGES}
    stages = [timeline.Stage(name, pm.meta.first(events[name]), took, target)
              for name, took, target in stage_times(handbook, pm)]
    if all(stage.took is None for stage in stages):
        return None
    return timeline.figure(svg.chart_id("timeline", pm.id), pm.meta.title, stages, handbook.team.timezone)


def team_load(handbook: Handbook, now: dt.datetime) -> list[str]:
    """Hours on call per person per week (Monday to Sunday in the team's zone) over every rotation, the last 4
    weeks and the next 8, from the shift engine's rows (`opsbook.oncall.report`): each hour is a weekday,
    weekend or holiday hour in its rotation's zone. One chart for the team, however many rotations it has
    (a person's load is the sum of them), so the page's chart bytes do not grow with the rotations."""
    if not handbook.team.rotations:
        return []
    team_zone = handbook.team.timezone
    today = now.astimezone(zone(team_zone)).date()
    monday = today - dt.timedelta(days=today.weekday())
    weeks = [monday + dt.timedelta(weeks=w) for w in range(-WEEKS_BEFORE, WEEKS_AHEAD)]
    holidays = frozenset(holiday.date for holiday in handbook.holidays)
    bounds = [report.period_bounds(team_zone, week, week + dt.timedelta(days=6)) for week in weeks]
    zones = {r.id: rotation_zone(r, team_zone) for r in handbook.team.rotations}
    hours: dict[str | None, list[list[float]]] = {}
    # a day either side: each rotation's rows are cut at its own zone's midnights, the weeks at the team's
    for row in report.rows(handbook, weeks[0] - dt.timedelta(days=1), weeks[-1] + dt.timedelta(days=7)):
        for w, (begins, ends) in enumerate(bounds):
            start, end = max(row.start, begins), min(row.end, ends)
            if start >= end:
                continue
            by_kind = report.hours_by_kind(start, end, zones[row.shift.rotation], holidays)
            week = hours.setdefault(row.shift.person, [[0.0] * len(report.KINDS) for _ in weeks])[w]
            for k, kind in enumerate(report.KINDS):
                week[k] += by_kind[kind]
    on_call = {member for rotation in handbook.team.rotations for member in rotation.members}
    lanes = [(person.name, hours.get(person.id) or [[0.0] * len(report.KINDS) for _ in weeks])
             for person in handbook.team.people if person.id in on_call or person.id in hours]
    lanes += [("nobody on call", hours[None])] if None in hours else []
    labels = [f"{week:%b %d}" for week in weeks]
    return block(load.figure(svg.chart_id("oncall-load"), "Every rotation", labels, WEEKS_BEFORE, lanes))


def _budget(series) -> budget_chart.Budget:
    """A measured `opsbook.slo.budget.BudgetSeries` as the chart's input."""
    return budget_chart.Budget(series.slo, series.title, series.start, series.end, series.points, series.alerts,
                               series.period_start)


INLINE_BUDGETS = 6  # budget charts drawn into the SLO catalogue; the others are images (a page's charts < 100 kB)


def inline_budgets(measured) -> set[str]:
    """The SLOs whose budget chart the catalogue draws inline: those with the least budget left."""
    budgets = [s for s in (measured.budgets.values() if measured is not None else ()) if s.points]
    return {s.slo for s in sorted(budgets, key=lambda s: (s.points[-1][1], s.slo))[:INLINE_BUDGETS]}


def budget(measured, slo_id: str, inline: bool = True) -> list[str]:
    """The SLO's error budget chart when the build measured its series, else nothing (with no events in the
    window, the SLO's measured line says "no data"). Not `inline`: the standalone file as an image, its
    description as the image's text (a big catalogue's page would otherwise grow with its SLOs)."""
    series = measured.budgets.get(slo_id) if measured is not None else None
    if series is None or not series.points:
        return []
    chart = _budget(series)
    if inline:
        return block(budget_chart.figure(chart))
    source = layout.href(layout.SLOS, urls.budget_chart(slo_id))
    return block(f'<p><img src="{svg.esc(source)}" alt="{svg.esc(budget_chart.sentence(chart))}" '
                 f'width="{svg.WIDTH}" height="{budget_chart.HEIGHT}" loading="lazy"></p>')


def budget_files(measured) -> dict[str, bytes]:
    """The standalone `slos/<slo-id>/budget.svg` of each SLO whose series the build measured."""
    budgets = measured.budgets if measured is not None else {}
    return {urls.budget_chart(slo_id): budget_chart.standalone(_budget(series))
            for slo_id, series in budgets.items() if series.points}
