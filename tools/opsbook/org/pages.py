"""The organisation's pages as Markdown for MkDocs: home, teams, calendar, incidents, scorecard.

Every text that came from a team (names, titles, ids, reasons) is HTML-escaped and written inside HTML
blocks, which Markdown leaves as they are: a title holding `<script>` or Markdown shows as text. Links
are written only for URLs `opsbook.org.view.safe_url` kept.
"""

from __future__ import annotations

import datetime as dt
import html

from opsbook.org.kept import READ, STALE
from opsbook.org.view import STAGES, OrgView, TeamView, safe_url
from opsbook.plural import plural

UTC = dt.timezone.utc
FEED = "feeds/organisation.ics"
PAGES = {"index.md": "Home", "teams.md": "Teams", "calendar.md": "Calendar", "incidents.md": "Incidents",
         "scorecard.md": "Scorecard"}


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def link(url: str | None, text: object) -> str:
    return f'<a href="{e(url)}">{e(text)}</a>' if url else e(text)


def when(moment: dt.datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def duration(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def table(headers: list[str], rows: list[list[str]], caption: str) -> str:
    """An HTML table on consecutive lines (one Markdown HTML block); cells are HTML already."""
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table>\n<caption>{caption}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"


def _stages(group) -> list[str]:
    """A group's median time to each stage, with the target when one applies and the count past it."""
    cells = []
    for stage, _, _ in STAGES:
        numbers = group.stages[stage]
        target = f"target {duration(numbers.target)}, " if numbers.target else ""
        past = f" ({target}{numbers.over} past target)" if numbers.target or numbers.over else ""
        cells.append(e(duration(numbers.median) + past))
    return cells


def _team_link(team_id: str, name: str) -> str:
    """A team's name linking to its section of the teams page (each wide table's rows so hold a stop
    for the keyboard, which scrolls the table)."""
    return f'<a href="../teams/#team-{e(team_id)}">{e(name)}</a>'


def state(team: TeamView) -> str:
    if team.state == READ:
        return "read" + (f" ({e(len(team.notes))} file(s) from the last copy)" if team.notes else "")
    if team.state == STALE:
        return f"stale since {e(team.read_on)}: {e(team.reason)}"
    return f"not reachable: {e(team.reason)}"


def home(view: OrgView) -> str:
    read = sum(1 for t in view.teams if t.state == READ)
    lines = [f"# {e(view.name)}", "",
             f"<p>As of {e(when(view.now))}: {e(plural(len(view.teams), 'team'))}, {e(read)} read now. "
             f'Subscribe to every team\'s reviews and shifts: <a href="{FEED}">organisation.ics</a>.</p>', ""]
    rows = [[link(t.site_url, t.name), state(t)] for t in view.teams]
    lines.append(table(["Team", "Export"], rows, "Teams and what was read from them"))
    return "\n".join(lines)


def teams(view: OrgView) -> str:
    lines = ["# Teams", ""]
    for team in view.teams:
        lines += [f'<h2 id="team-{e(team.id)}">{e(team.name)}</h2>', "",
                  f"<p>{link(team.site_url, 'Handbook')} · {state(team)}</p>", ""]
        if team.links:
            lines += ["<p>" + " · ".join(link(url, what) for what, url in team.links.items()) + "</p>", ""]
        if team.services:
            lines += ["<p>Services: " + ", ".join(f"{e(name)} (<code>{e(ident)}</code>)"
                                                  for ident, name in team.services) + "</p>", ""]
        if team.oncall:
            rows = [[link(o.url, o.rotation), e(o.now or "nobody"), e(when(o.until)), e(o.next or "—"),
                     e(when(o.from_))] for o in team.oncall]
            lines.append(table(["Rotation", "On call now", "Until", "Next", "From"], rows,
                               f"Who is on call for {e(team.name)}"))
    return "\n".join(lines)


def calendar(view: OrgView) -> str:
    lines = ["# Calendar", "",
             f'<p>One feed with every event of every team\'s review calendar and on-call shifts, each '
             f'named by its team: <a href="{FEED}">organisation.ics</a>. Subscribe by its URL so changes '
             f"arrive.</p>", ""]
    rows = [[e(team), link(url, title)] for team, title, url in view.feeds]
    lines.append(table(["Team", "Feed"], rows, "Each team's own feeds"))
    return "\n".join(lines)


def incidents(view: OrgView) -> str:
    lines = ["# Incidents", "", "<p>Median time to each stage of the lifecycle by team and severity, against "
             "each team's own targets (its severity policy); the count past the target beside it.</p>", ""]
    stages = ["Detect", "Acknowledge", "Mitigate", "Resolve"]
    rows = [[_team_link(g.team_id, g.team), e(g.severity), e(g.incidents)] + _stages(g) for g in view.groups]
    lines.append(table(["Team", "Severity", "Incidents"] + stages, rows, "Lifecycle times by team and severity"))
    rows = [[e(g.team), e(g.severity), e(g.incidents)] + _stages(g) for g in view.monthly]
    lines += ["", table(["Month", "Severity", "Incidents"] + stages, rows,
                        "Lifecycle times by month and severity, every team (each incident against its team's target)")]
    names = {team.id: team.name for team in view.teams}
    rows = [[_team_link(team_id, names[team_id])] + [e(counts.get(month, 0)) for month in view.months]
            for team_id, counts in view.by_month.items()]
    lines += ["", table(["Team"] + [e(m) for m in view.months], rows, "Incidents by month (detected, UTC)")]
    rows = [[e(when(i.detected or i.started)), e(team), e(i.severity), link(safe_url(i.url), i.title), e(i.status)]
            for team, i in view.recent]
    lines += ["", table(["Detected", "Team", "Severity", "Post-mortem", "Status"], rows, "Recent incidents")]
    return "\n".join(lines)


def scorecard(view: OrgView, criteria) -> str:
    lines = ["# Scorecard", "", "<p>Each team's handbook judged by the organisation's criteria "
             "(<code>scorecard</code> in <code>org.yaml</code>). Each cell gives the facts and a link to "
             "where the team fixes it.</p>", ""]
    rows = []
    for team in view.teams:
        if not team.cells:
            rows.append([e(team.name)] + [e("no export: " + (team.reason or ""))] * len(criteria))
            continue
        row = [_team_link(team.id, team.name)]
        for cell in team.cells:
            verdict = "✓ meets" if cell.passed else "✗ does not meet"
            fix = link(safe_url(cell.fix), f"fix it in {team.name}'s handbook")
            row.append(f"<strong>{verdict}</strong>: {e(cell.facts)} ({fix})")
        rows.append(row)
    lines.append(table(["Team"] + [e(c.title) for c in criteria], rows, "Maturity by team"))
    return "\n".join(lines)


def render_pages(view: OrgView, criteria) -> dict[str, str]:
    """Source path → Markdown of every page."""
    return {"index.md": home(view), "teams.md": teams(view), "calendar.md": calendar(view),
            "incidents.md": incidents(view), "scorecard.md": scorecard(view, criteria)}
