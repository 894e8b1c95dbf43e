"""Reference pages: the SLO catalogue, the severity policy, the team with its rotations, the secrets."""

from __future__ import annotations

import datetime as dt
from typing import Collection

from opsbook import urls
from opsbook.handbook.assembled import Handbook
from opsbook.handbook.models.catalogue import Slo, Unit
from opsbook.plural import plural
from opsbook.site import charts, layout, listings
from opsbook.site import markdown as md
from opsbook.site.shifts import all_shifts_line, rotation_section, rotation_summary
from opsbook.slo import rules as slo_rules
from opsbook.slo import status


def value(number: float, unit: Unit) -> str:
    """A target as people read it: ratios as percentages, milliseconds with their unit."""
    if unit is Unit.RATIO:
        return f"{number * 100:g}%"
    suffix = {Unit.MILLISECONDS: " ms", Unit.SECONDS: " s", Unit.PERCENT: "%"}.get(unit, "")
    return f"{number:g}{suffix}"


def slo_catalogue(handbook: Handbook, measured: "status.Report | None" = None) -> str:
    """`slos.md`: every SLO with its target and alert, the runbooks that answer it and its incidents;
    with `measured` (`ops build --prometheus`), each SLO's numbers at the moment they were measured."""
    here = layout.SLOS
    out = ["# SLO catalogue", "", "What \"working\" means, in numbers. An incident is an SLI outside these "
           "bounds; each SLO lists the runbooks that start from it and the incidents that breached it.", ""]
    out += md.table(["SLO", "Service", "Objective", "Window"], [
        [f"[{md.text(slo.title)}](#{slo.id})", _service(handbook, slo.service),
         f"`{slo.metric}` {slo.objective.value} {value(slo.target, slo.unit)}", md.duration(slo.window)]
        for slo in handbook.slos.values()])
    numbers = {}
    if measured is not None:
        out += [md.anchor_heading(2, "Measured", "measured"), "", status.as_markdown(measured), ""]
        numbers = {n.slo: n for n in measured.slos}
    inline = charts.inline_budgets(measured)
    for slo in handbook.slos.values():
        out += _slo_section(handbook, here, slo, measured, numbers.get(slo.id), slo.id in inline)
    return "\n".join(out).rstrip() + "\n"


def _measured_line(report: "status.Report", numbers: "status.SloNumbers | None") -> str | None:
    """The SLO's numbers on one line, dated; None for an SLO without an indicator to measure."""
    when = f"{report.at:%Y-%m-%d %H:%M %Z}"
    if report.missing is not None:
        return f"- **Measured:** numbers missing ({when}): Prometheus {report.missing}"
    if numbers is None:
        return None
    if numbers.kind == "quotient":
        shown = f"{numbers.value:.4g}" if numbers.value is not None else "no data"
        return f"- **Measured {when}:** {shown} over the last {md.duration(report.period)}: {numbers.verdict}"
    if numbers.window_attainment is None:
        return f"- **Measured {when}:** no data (Prometheus holds no events of it in the window)"
    period, window, budget = (status.percent(numbers.period_attainment), status.percent(numbers.window_attainment),
                              status.percent(numbers.budget_remaining, 1))
    # A grouped SLO is as good as its worst group: name it, and count the groups by verdict.
    worst = f" in its worst group, `{numbers.groups[0].name}`," if numbers.groups else ""
    counts = f" ({len(numbers.groups)} groups: {status.group_counts(numbers)})" if numbers.groups else ""
    return (f"- **Measured {when}:** {window} good over the window{worst} ({period} over the last "
            f"{md.duration(report.period)}), {budget} of the error budget left: {numbers.verdict}{counts}")


def _slo_section(handbook: Handbook, here: str, slo: Slo, measured=None, numbers=None, inline: bool = True
                 ) -> list[str]:
    out = [md.anchor_heading(2, slo.title, slo.id), "",
           f"{md.text(slo.sli)}. Category: {slo.category.value}; service: {_service(handbook, slo.service)}.", ""]
    out.append(f"- **Objective:** `{slo.metric}` {slo.objective.value} {value(slo.target, slo.unit)} "
               f"over {md.duration(slo.window)}")
    if slo.alert:
        out.append(f"- **Alert:** pages when `{slo.metric}` {slo.alert.comparison.value} "
                   f"{value(slo.alert.threshold, slo.unit)} for {md.duration(slo.alert.for_)}")
    if slo.dashboard:
        out.append(f"- **Dashboard:** [{md.text(slo.dashboard.title)}]({slo.dashboard.url})")
    if measured is not None and slo.indicator is not None and (line := _measured_line(measured, numbers)):
        out.append(line)
    elif measured is None and slo_rules.sli(slo) is not None:
        out.append("- **Error budget:** no chart: this site was built without Prometheus "
                   "(`ops build --prometheus URL` measures and draws it)")
    if slo.indicator is not None:
        out.append(f"- **Alert rules:** {slo_rules.describe(slo)} In the "
                   f"[Prometheus rule file]({layout.link(here, layout.SLO_RULES)}), group `slo:{slo.id}`.")
    # Each list is a sentence of at most `listings.INLINE` links: at organisation size an SLO has
    # hundreds of runbooks, incidents and reviews, and the catalogue is one page.
    runbooks = [f"[{md.text(rb.meta.title)}]({layout.link(here, layout.runbook(rb.id))})"
                for rb in handbook.runbooks.values() if slo.id in rb.meta.detection.slos]
    out.append("- **Runbooks:** " + (listings.inline(runbooks, here, "runbook index", layout.RUNBOOKS) or "none yet"))
    incidents = sorted((pm for pm in handbook.postmortems.values() if slo.id in pm.meta.slos_breached),
                       key=lambda pm: pm.id, reverse=True)
    out.append("- **Incidents:** " + (listings.inline(
        [f"[{md.text(pm.meta.title)}]({layout.link(here, layout.postmortem(pm.id))})" for pm in incidents],
        here, "post-mortem index", layout.POSTMORTEMS) or "none"))
    reviews = [f"[{md.text(c.cadence.title)}]({layout.link(here, layout.cadence(c.id))})"
               for c in handbook.cadences.values() if slo.id in c.cadence.slos]
    if reviews:
        out.append("- **Reviewed in:** " + listings.inline(reviews, here, "review calendar", layout.CALENDAR))
    return out + charts.budget(measured, slo.id, inline) + [""]


def _service(handbook: Handbook, service_id: str) -> str:
    service = handbook.services.get(service_id)
    return md.text(service.name) if service else f"`{service_id}`"


def severity_policy(handbook: Handbook) -> str:
    """`severity.md`: levels with their clocks, category floors, classification rules and metrics."""
    policy = handbook.severity
    out = ["# Severity policy", "", "How bad is it? Each level sets how fast we respond, mitigate and resolve, "
           "and whether a post-mortem is required.", ""]
    out += md.table(["Level", "Name", "Pages", "Respond within", "Mitigate within", "Resolve within",
                     "Post-mortem"], [
        [md.badge(level.id), md.text(level.name), "yes" if level.page else "no", md.duration(level.respond_within),
         md.duration(level.mitigate_within), md.duration(level.resolve_within),
         (f"required, published within {md.duration(level.postmortem.publish_within)}"
          if level.postmortem.required else "optional")]
        for level in policy.levels])
    for level in policy.levels:
        out += [md.anchor_heading(2, f"{level.id.value}: {level.name}", level.id.value.lower()), "",
                md.text(level.definition), ""]
        if level.examples:
            out += ["Examples:", ""] + md.bullets(md.text(example) for example in level.examples)
    if policy.category_floor:
        out += ["## Category floors", "", "An incident of these categories is at least this severe:", ""]
        out += md.bullets(f"{category.value}: {md.badge(severity)}" for category, severity in policy.category_floor.items())
    if policy.rules:
        out += ["## Classification rules", "", "Tried top to bottom; the first rule that matches decides.", ""]
        out += md.table(["Rule", "Severity", "Category", "When", "Why"], [
            [f"`{rule.id}`", md.badge(rule.severity), rule.category.value, _conditions(rule), md.text(rule.reason)]
            for rule in policy.rules])
    if policy.metrics:
        out += ["## Metrics", ""]
        out += md.table(["Metric", "Unit", "Meaning"], [
            [f"`{metric.name}`", metric.unit.value, md.text(metric.description)] for metric in policy.metrics])
    return "\n".join(out).rstrip() + "\n"


def _conditions(rule) -> str:
    parts = []
    if rule.any:
        parts.append(" or ".join(f"`{c.metric} {c.op.value} {c.value:g}`" for c in rule.any))
    if rule.all:
        parts.append(" and ".join(f"`{c.metric} {c.op.value} {c.value:g}`" for c in rule.all))
    return "; ".join(parts)


ROTATIONS_SHOWN = 5  # a team with more rotations gets a page per rotation; its team page says who holds each


def team_page(handbook: Handbook, now: dt.datetime, turns: int = 6, feeds: Collection[str] = ()) -> str:
    """`team.md`: people, incident roles, everyone's on-call hours per week (a chart), and for each rotation who holds it now and next, this month's
    schedule and hours per person (`site/shifts.py`). A big team's page stays a page: past `listings.SHOWN`
    people the directory has pages of its own (`team_people_page`) and each role says how many can take
    it; past `ROTATIONS_SHOWN` rotations each rotation's section is a page of its own (`rotation_page`)
    and the team page keeps, under the same anchor, who holds it now and next."""
    here, team = layout.TEAM, handbook.team
    big = big_team(handbook)
    out = ["# Team and rotation", "", f"{md.text(team.name)}, in {team.timezone}.", "", "## People", ""]
    if big:
        out += [f"{len(team.people):,} people: their GitHub accounts, time zones, roles and time away are in the "
                f"[directory]({layout.link(here, layout.TEAM_PEOPLE)}).", ""]
    else:
        out += _people_table(handbook, team.people, now)
    if team.roles:
        out += ["## Incident roles", ""]
        out += md.table(["Role", "What it does", "Who can take it"], [
            [md.text(role.name), md.text(role.description), _who(handbook, role.id, big, here)]
            for role in team.roles])
    if team.rotations:
        out += ["## On-call shifts", ""] + all_shifts_line(handbook, feeds) + charts.team_load(handbook, now)
    for rotation in team.rotations:
        out += (rotation_summary(handbook, rotation, now, here) if many_rotations(handbook)
                else rotation_section(handbook, rotation, now, feeds, turns))
    return "\n".join(out).rstrip() + "\n"


def big_team(handbook: Handbook) -> bool:
    """Whether the team's directory is too long for its team page."""
    return listings.is_long(handbook.team.people)


def many_rotations(handbook: Handbook) -> bool:
    """Whether each rotation gets a page of its own."""
    return len(handbook.team.rotations) > ROTATIONS_SHOWN


def _who(handbook: Handbook, role_id: str, big: bool, here: str) -> str:
    people = [p.id for p in handbook.team.people if role_id in p.roles]
    if not big:
        return md.people_list(handbook.people, people)
    return f"{plural(len(people), 'person', 'people')} (see the [directory]({layout.link(here, layout.TEAM_PEOPLE)}))"


def _people_table(handbook: Handbook, people: list, now: dt.datetime, feeds_from: str | None = None,
                  feeds: Collection[str] = ()) -> list[str]:
    """The people's table; with `feeds_from` (the page's path), a column linking each person's own review
    feed (the calendar page links them itself while they are few)."""
    roles = {role.id: role.name for role in handbook.team.roles}
    header = ["Name", "GitHub", "Time zone", "Roles", "Away"]
    rows = [[md.text(p.name), f"`@{p.github}`" if p.github else "", p.timezone or "",
             ", ".join(md.text(roles.get(r, r)) for r in p.roles),
             "; ".join(f"{a.start} to {a.end}" for a in p.away if a.end >= now.date())] for p in people]
    if feeds_from is not None:
        header.append("Reviews they run")
        for row, person in zip(rows, people):
            feed = urls.owner_feed(person.id)
            row.append(f"[`.ics` feed]({layout.link(feeds_from, feed)})" if feed in feeds else "")
    return md.table(header, rows)


def team_people_page(handbook: Handbook, now: dt.datetime, number: int = 1, feeds: Collection[str] = ()) -> str:
    """`team/people.md` (and its numbered pages): a big team's directory, in the order of `team.yaml`, with
    each person's own review feed."""
    here = listings.part(layout.TEAM_PEOPLE, number)
    people = handbook.team.people
    out = ["# People", "", f"{len(people):,} people of {md.text(handbook.team.name)}; back to "
           f"[Team and rotation]({layout.link(here, layout.TEAM)}).", ""]
    out += listings.parts_line(layout.TEAM_PEOPLE, len(people), number, "people")
    out += _people_table(handbook, listings.part_rows(people, number), now, here, feeds)
    return "\n".join(out).rstrip() + "\n"


def secrets_page(handbook: Handbook, today: dt.date) -> str:
    """`secrets.md`: the inventory (names, where they live, owners) and when each rotation falls due, most
    urgent first; when it is long, the first rows, the counts and a page per service."""
    here = layout.SECRETS
    out = ["# Secrets", "", "Where each credential lives and when it is rotated. Names only: a value never "
           "goes into the handbook.", ""]
    shown = listings.by_urgency(handbook)
    services = listings.secret_services(handbook)
    if services:
        states = [_state(s, today) for s in shown]
        out += [f"{len(shown):,} secrets: {states.count('**overdue**'):,} overdue, {states.count('due soon'):,} "
                "due within 30 days.", ""]
        out += listings.more_line(len(shown), "secrets, most urgent first", here,
                                  [(listings.service_name(handbook, s), layout.secrets_service(s)) for s in services])
        shown = shown[:listings.SHOWN]
    out += _secrets_table(handbook, shown, today)
    return "\n".join(out + _how_to_rotate(handbook, shown)).rstrip() + "\n"


def secrets_service_page(handbook: Handbook, today: dt.date, service_id: str, number: int = 1) -> str:
    """`secrets/<service>.md` (and its numbered pages): the secrets of one service (or of none), most
    urgent first."""
    listing = layout.secrets_service(service_id)
    here = listings.part(listing, number)
    of_service = service_secrets(handbook, service_id)
    out = [f"# Secrets of {md.text(listings.service_name(handbook, service_id))}", "",
           f"{plural(len(of_service), 'secret')}, most urgent first; back to [all secrets]"
           f"({layout.link(here, layout.SECRETS)}).", ""]
    out += listings.parts_line(listing, len(of_service), number, "secrets")
    shown = listings.part_rows(of_service, number)
    out += _secrets_table(handbook, shown, today)
    return "\n".join(out + _how_to_rotate(handbook, shown)).rstrip() + "\n"


def service_secrets(handbook: Handbook, service_id: str) -> list:
    """The secrets of one service (or, for `listings.NO_SERVICE`, of none), most urgent first."""
    return [s for s in listings.by_urgency(handbook)
            if (service_id in s.services if service_id != listings.NO_SERVICE else not s.services)]


def _state(secret, today: dt.date) -> str:
    due = secret.last_rotated + secret.rotate_every
    return "**overdue**" if due < today else ("due soon" if due <= today + dt.timedelta(days=30) else "ok")


def _secrets_table(handbook: Handbook, secrets: list, today: dt.date) -> list[str]:
    rows = [[f"`{secret.name}`", md.text(secret.description), md.person(handbook.people, secret.owner),
             ", ".join(md.text(s) for s in secret.stored_in), md.duration(secret.rotate_every),
             str(secret.last_rotated), f"{secret.last_rotated + secret.rotate_every} ({_state(secret, today)})"]
            for secret in secrets]
    return md.table(["Secret", "What for", "Owner", "Stored in", "Rotate every", "Last rotated", "Next due"],
                    rows, empty="No secrets are listed.")


def _how_to_rotate(handbook: Handbook, secrets: list) -> list[str]:
    """The rotation steps of `secrets`, in the inventory's order."""
    names = {s.name for s in secrets}
    with_steps = [s for s in handbook.secrets if s.how_to_rotate and s.name in names]
    out = ["## How to rotate", ""] if with_steps else []
    for secret in with_steps:
        out += [f"**`{secret.name}`**: {md.text(secret.how_to_rotate)}", ""]
    return out
