"""Metadata headers and cross-links for the runbook and post-mortem pages.

The page's own Markdown body stays as written; a header (severity, owners, services, status, last
review, how the incident shows itself) goes above it and cross-links go below it.
"""

from __future__ import annotations

import datetime as dt

from opsbook.handbook import Handbook, Postmortem, Runbook
from opsbook.models.postmortem import EventType
from opsbook.site import layout
from opsbook.site import markdown as md
from opsbook.site.indexes import detected_day, stage_times


def _services(handbook: Handbook, ids: list[str]) -> str:
    names = [md.text(handbook.services[s].name) if s in handbook.services else f"`{s}`" for s in ids]
    return ", ".join(names)


def _slo_links(handbook: Handbook, here: str, ids: list[str]) -> str:
    return ", ".join(f"[{md.text(handbook.slos[s].title) if s in handbook.slos else s}]"
                     f"({layout.link(here, layout.SLOS, s)})" for s in ids) or md.DASH


def runbook_page(handbook: Handbook, runbook: Runbook, body: str, today: dt.date) -> str:
    """The runbook's page: metadata header, detection, where to look, its body, incidents that used it."""
    meta = runbook.meta
    here = layout.runbook(runbook.id)
    next_review = meta.last_reviewed + meta.review_every
    state = "review overdue" if next_review < today else "reviewed"
    out = md.table(["Severity", "Category", "Owners", "Services", "Last reviewed", "Status"], [[
        md.badge(meta.severity), meta.category.value, md.people_list(handbook.people, meta.owners),
        _services(handbook, meta.services), f"{meta.last_reviewed} (next by {next_review})",
        md.status("overdue" if next_review < today else "current", "review") + f" {state}"]])
    detection = meta.detection
    out += [f'!!! danger "How it shows itself"', "", f"    {md.text(detection.summary)}", ""]
    if detection.alerts:
        out += ["    **Alerts:**", ""] + [f"    - {md.code(a)}" for a in detection.alerts] + [""]
    if detection.symptoms:
        out += ["    **Symptoms:**", ""] + [f"    - {md.text(s)}" for s in detection.symptoms] + [""]
    if detection.slos:
        out += [f"    **SLOs:** {_slo_links(handbook, here, detection.slos)}", ""]
    out += [f"**Scope:** {md.text(meta.scope)}", ""]
    if meta.where_to_look:
        out += ["**Where to look:**", ""]
        out += md.bullets(f"[{md.text(p.title)}]({p.url}) ({p.kind.value})" + (f": {md.text(p.note)}" if p.note else "")
                          for p in meta.where_to_look)
    out += [body.strip(), ""]
    used = sorted((pm for pm in handbook.postmortems.values() if pm.meta.runbook == runbook.id),
                  key=lambda pm: (pm.meta.first(EventType.DETECTED) is None, pm.meta.first(EventType.DETECTED)),
                  reverse=True)
    out += [md.anchor_heading(2, "Incidents that used this runbook", "incidents-that-used-this-runbook"), ""]
    out += md.table(["Detected", "Incident", "Severity", "Status"], [
        [detected_day(pm, handbook.team.timezone), f"[{md.text(pm.meta.title)}]({layout.link(here, layout.postmortem(pm.id))})",
         md.badge(pm.meta.severity), md.status(pm.meta.status)] for pm in used], empty="None yet.")
    return "\n".join(out).rstrip() + "\n"


def postmortem_page(handbook: Handbook, postmortem: Postmortem, body: str, today: dt.date) -> str:
    """The post-mortem's page: metadata, times against targets, timeline, body, tracked action items."""
    meta = postmortem.meta
    here = layout.postmortem(postmortem.id)
    tz = handbook.team.timezone
    runbook = (f"[{md.text(handbook.runbooks[meta.runbook].meta.title)}]({layout.link(here, layout.runbook(meta.runbook))})"
               if meta.runbook in handbook.runbooks else md.DASH)
    out = md.table(["Severity", "Category", "Status", "Services", "Runbook", "SLOs breached"], [[
        md.badge(meta.severity), meta.category.value, md.status(meta.status), _services(handbook, meta.services),
        runbook, _slo_links(handbook, here, meta.slos_breached)]])
    roles = meta.roles
    out += ["**Roles:** " + "; ".join(f"{label}: {md.person(handbook.people, pid)}" for label, pid in (
        ("on call", roles.on_call), ("incident commander", roles.incident_commander),
        ("communications", roles.communications), ("scribe", roles.scribe)) if pid), ""]
    if meta.review_meeting:
        out += [f"**Review meeting:** {md.moment(meta.review_meeting.at, tz)} "
                f"({md.duration(meta.review_meeting.duration)})", ""]
    if meta.impact:
        out += _impact(meta.impact)
    out += md.table(["Time to", "Took", "Target", "Met"], [
        [name, md.duration(took), md.duration(target), _met(took, target)]
        for name, took, target in stage_times(handbook, postmortem)])
    out += ['??? note "Timeline as recorded"', ""]
    out += ["    " + line for line in md.table(["When", "Event", "What happened"], [
        [md.moment(event.at, tz), event.type.value, md.text(event.text)] for event in meta.timeline])]
    out += [body.strip(), ""]
    out += [md.anchor_heading(2, "Tracked action items", "tracked-action-items"), ""]
    out += md.table(["Item", "What", "Owner", "Due", "Status", "Issue"], [
        [item.id, md.text(item.title), md.person(handbook.people, item.owner),
         f"{item.due}" + (" **overdue**" if not item.status.is_closed and item.due < today else ""),
         md.status(item.status, "action"), f"[{_issue_label(str(item.issue))}]({item.issue})" if item.issue else ""]
        for item in meta.action_items], empty="No action items.")
    return "\n".join(out).rstrip() + "\n"


def _met(took: dt.timedelta | None, target: dt.timedelta | None) -> str:
    if took is None or target is None:
        return ""
    return "✓" if took <= target else "✗"


def _impact(impact) -> list[str]:
    lines = ['!!! warning "Impact"', "", f"    {md.text(impact.summary)}", ""]
    facts = []
    if impact.users_affected is not None:
        facts.append(f"{impact.users_affected:,} users affected")
    if impact.failed_requests is not None:
        facts.append(f"{impact.failed_requests:,} failed requests")
    if impact.revenue_lost is not None:
        facts.append(f"{impact.revenue_lost:,.0f} {impact.currency or ''} revenue lost".replace("  ", " "))
    return lines + ([f"    {'; '.join(facts)}.", ""] if facts else [])


def _issue_label(url: str) -> str:
    """`#42` for a GitHub issue URL, else the URL."""
    tail = url.rstrip("/").rsplit("/", 2)
    return f"#{tail[-1]}" if len(tail) == 3 and tail[-2] == "issues" else url
