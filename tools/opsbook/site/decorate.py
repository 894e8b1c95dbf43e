"""Metadata headers and cross-links for the runbook and post-mortem pages.

The page's own Markdown body stays as written; a header (severity, owners, services, status, last
review, how the incident shows itself) goes above it and cross-links go below it.

The header and the tables are HTML fragments that replace placeholders after MkDocs has converted the
Markdown: a site may hold thousands of post-mortems, and parsing these tables as Markdown (or even as
raw HTML inside Markdown) was most of the plugin's cost. So is the footer's heading, rendered once per
build as the site's Markdown would render it and added to the page's table of contents by the adapter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Callable

from opsbook.handbook.assembled import Handbook, Postmortem, Runbook
from opsbook.handbook.models.postmortem import EventType
from opsbook.site import html as h
from opsbook.site import charts, layout, listings
from opsbook.site import markdown as md
from opsbook.site.indexes import detected_day, stage_times


def placeholder(index: int) -> str:
    return f"<!-- opsbook:fragment:{index} -->"


@dataclasses.dataclass(frozen=True, slots=True)
class Heading:
    """A heading a page gets outside its Markdown: in its HTML and in its table of contents."""

    level: int
    title: str
    anchor: str

    def html(self) -> str:
        """The plain HTML; a site renders its own (with permalinks) with `adapter.heading_renderer`."""
        return f'<h{self.level} id="{h.esc(self.anchor)}">{h.esc(self.title)}</h{self.level}>'


@dataclasses.dataclass(frozen=True, slots=True)
class Decorated:
    """A page's Markdown with placeholders, and the HTML fragments that replace them once converted.

    `searchable`: whether the fragments go into the search index (a runbook's symptoms and alerts do;
    a post-mortem's figures and links do not, nor do the big tables of generated pages).
    `headings`: the headings inside the fragments, for the page's table of contents.
    """

    markdown: str
    fragments: tuple[str, ...]
    searchable: bool = True
    headings: tuple[Heading, ...] = ()

    def fill(self, converted: str) -> str:
        """Put the fragments into the converted page (or into the Markdown, for a preview)."""
        for index, fragment in enumerate(self.fragments):
            converted = converted.replace(placeholder(index), fragment, 1)
        return converted


# kind → (the heading between the body and the footer, whether the fragments are searchable)
_LAYOUT = {"runbook": (Heading(2, "Incidents that used this runbook", "incidents-that-used-this-runbook"), True),
           "postmortem": (Heading(2, "Tracked action items", "tracked-action-items"), False)}


def assemble(kind: str, fragments: tuple[str, str], body: str,
             render_heading: Callable[[Heading], str] = Heading.html) -> Decorated:
    """A runbook's or post-mortem's page from its (header, footer) fragments and its Markdown body.

    The footer's heading is HTML in the footer fragment, not Markdown: Markdown would spend as long on
    one heading line as on a paragraph, a thousand times over, for the same HTML; the adapter adds it to
    the page's table of contents."""
    heading, searchable = _LAYOUT[kind]
    header, footer = fragments
    markdown = "\n\n".join([placeholder(0), body.strip(), placeholder(1)])
    return Decorated(markdown + "\n", (header, render_heading(heading) + "\n" + footer), searchable, (heading,))


def fragments(handbook: Handbook, kind: str, item_id: str, today: dt.date) -> tuple[str, str]:
    """The (header, footer) HTML of a runbook's or post-mortem's page; they do not depend on its body, so
    they can be rendered before MkDocs reads the page (see `opsbook.site.background`)."""
    if kind == "runbook":
        return runbook_fragments(handbook, handbook.runbooks[item_id], today)
    return postmortem_fragments(handbook, handbook.postmortems[item_id], today)


def _joined(header: list[str], footer: list[str]) -> tuple[str, str]:
    return "\n".join(header).strip(), "\n".join(footer).strip()


_HTML_BLOCK = re.compile(r"^<(table|details|figure)\b.*?</\1>$", re.M | re.S)


def lift_html_blocks(markdown: str) -> Decorated:
    """A generated page's HTML tables swapped for placeholders, so Markdown never parses them. Generated
    text escapes `<`, so only `opsbook.site.html` output starts a line with one."""
    fragments: list[str] = []

    def lift(match: re.Match) -> str:
        fragments.append(match.group(0))
        return placeholder(len(fragments) - 1)

    return Decorated(_HTML_BLOCK.sub(lift, markdown), tuple(fragments), searchable=False)


def _services(handbook: Handbook, ids: list[str]) -> str:
    return ", ".join(h.esc(handbook.services[s].name) if s in handbook.services else h.code(s) for s in ids)


def _slo_links(handbook: Handbook, here: str, ids: list[str]) -> str:
    return ", ".join(h.a(layout.href(here, layout.SLOS, s), handbook.slos[s].title if s in handbook.slos else s)
                     for s in ids) or h.DASH


def runbook_page(handbook: Handbook, runbook: Runbook, body: str, today: dt.date) -> Decorated:
    """The runbook's page: metadata header, detection, where to look, its body, incidents that used it."""
    return assemble("runbook", runbook_fragments(handbook, runbook, today), body)


def runbook_fragments(handbook: Handbook, runbook: Runbook, today: dt.date) -> tuple[str, str]:
    meta = runbook.meta
    here = layout.runbook(runbook.id)
    next_review = meta.last_reviewed + meta.review_every
    overdue = next_review < today
    header = h.table(["Severity", "Category", "Owners", "Services", "Last reviewed", "Status"], [[
        h.badge(meta.severity), h.esc(meta.category.value), h.people_list(handbook.people, meta.owners),
        _services(handbook, meta.services), f"{meta.last_reviewed} (next by {next_review})",
        h.status("overdue" if overdue else "current", "review") + (" review overdue" if overdue else " reviewed")]])
    detection = meta.detection
    inner = [f"<p>{h.esc(detection.summary)}</p>"]
    if detection.alerts:
        inner += [f"<p>{h.strong('Alerts:')}</p>", h.bullets(h.code(alert) for alert in detection.alerts)]
    if detection.symptoms:
        inner += [f"<p>{h.strong('Symptoms:')}</p>", h.bullets(h.esc(symptom) for symptom in detection.symptoms)]
    if detection.slos:
        inner.append(f"<p>{h.strong('SLOs:')} {_slo_links(handbook, here, detection.slos)}</p>")
    header += h.admonition("danger", "How it shows itself", inner)
    header.append(f"<p>{h.strong('Scope:')} {h.esc(meta.scope)}</p>")
    if meta.where_to_look:
        header.append(f"<p>{h.strong('Where to look:')}</p>" + h.bullets(
            f"{h.a(p.url, p.title)} ({h.esc(p.kind.value)})" + (f": {h.esc(p.note)}" if p.note else "")
            for p in meta.where_to_look))
    used = sorted(handbook.postmortems_using(runbook.id),
                  key=lambda pm: (pm.meta.first(EventType.DETECTED) is None, pm.meta.first(EventType.DETECTED)),
                  reverse=True)
    footer = []
    if listings.is_long(used):
        footer.append(f"<p>The {listings.SHOWN} most recent of {len(used):,}; the others are in the "
                      f"{h.a(layout.href(here, layout.POSTMORTEMS), 'post-mortem index')}.</p>")
    footer += h.table(["Detected", "Incident", "Severity", "Status"], [
        [detected_day(pm, handbook.team.timezone), h.a(layout.href(here, layout.postmortem(pm.id)), pm.meta.title),
         h.badge(pm.meta.severity), h.status(pm.meta.status)] for pm in used[:listings.SHOWN]], empty="None yet.")
    return _joined(header, footer)


def postmortem_page(handbook: Handbook, postmortem: Postmortem, body: str, today: dt.date) -> Decorated:
    """The post-mortem's page: metadata, times against targets, timeline, body, tracked action items."""
    return assemble("postmortem", postmortem_fragments(handbook, postmortem, today), body)


def postmortem_fragments(handbook: Handbook, postmortem: Postmortem, today: dt.date) -> tuple[str, str]:
    meta = postmortem.meta
    here = layout.postmortem(postmortem.id)
    tz = handbook.team.timezone
    people = handbook.people
    runbook = (h.a(layout.href(here, layout.runbook(meta.runbook)), handbook.runbooks[meta.runbook].meta.title)
               if meta.runbook in handbook.runbooks else h.DASH)
    header = h.table(["Severity", "Category", "Status", "Services", "Runbook", "SLOs breached"], [[
        h.badge(meta.severity), h.esc(meta.category.value), h.status(meta.status), _services(handbook, meta.services),
        runbook, _slo_links(handbook, here, meta.slos_breached)]])
    roles = meta.roles
    header.append(f"<p>{h.strong('Roles:')} " + "; ".join(f"{label}: {h.person(people, pid)}" for label, pid in (
        ("on call", roles.on_call), ("incident commander", roles.incident_commander),
        ("communications", roles.communications), ("scribe", roles.scribe)) if pid) + "</p>")
    if meta.review_meeting:
        header.append(f"<p>{h.strong('Review meeting:')} {md.moment(meta.review_meeting.at, tz)} "
                      f"({md.duration(meta.review_meeting.duration)})</p>")
    if meta.impact:
        header += h.admonition("warning", "Impact", _impact(meta.impact))
    header += h.table(["Time to", "Took", "Target", "Met"], [
        [name, md.duration(took), md.duration(target), _met(took, target)]
        for name, took, target in stage_times(handbook, postmortem)])
    if (chart := charts.postmortem_timeline(handbook, postmortem)) is not None:
        header.append(chart)
    header += h.details("Timeline as recorded", h.table(["When", "Event", "What happened"], [
        [md.moment(event.at, tz), event.type.value, h.esc(event.text)] for event in meta.timeline]))
    footer = h.table(["Item", "What", "Owner", "Due", "Status", "Issue"], [
        [h.esc(item.id), h.esc(item.title), h.person(people, item.owner),
         f"{item.due}" + (" <strong>overdue</strong>" if not item.status.is_closed and item.due < today else ""),
         h.status(item.status, "action") + _closed_on_github(item.closed),
         h.a(str(item.issue), _issue_label(str(item.issue))) if item.issue else ""]
        for item in meta.action_items], empty="No action items.")
    return _joined(header, footer)


def _closed_on_github(closed) -> str:
    """What `ops actions pull` read from GitHub about the item's tracking issue, beside the handbook's status."""
    if closed is None:
        return ""
    text = f"closed on GitHub {closed.date}" + (f" by @{closed.by}" if closed.by else "")
    parts = [h.esc(text)]
    if closed.via:
        parts.append(h.a(str(closed.via), "commit"))
    if closed.reason:
        parts.append(h.esc(f"“{closed.reason}”"))
    return "<br><small>" + ", ".join(parts) + "</small>"


def _met(took: dt.timedelta | None, target: dt.timedelta | None) -> str:
    if took is None or target is None:
        return ""
    return "✓" if took <= target else "✗"


def _impact(impact) -> list[str]:
    inner = [f"<p>{h.esc(impact.summary)}</p>"]
    facts = []
    if impact.users_affected is not None:
        facts.append(f"{impact.users_affected:,} users affected")
    if impact.failed_requests is not None:
        facts.append(f"{impact.failed_requests:,} failed requests")
    if impact.revenue_lost is not None:
        facts.append(f"{impact.revenue_lost:,.0f} {impact.currency or ''} revenue lost".replace("  ", " "))
    return inner + ([f"<p>{h.esc('; '.join(facts))}.</p>"] if facts else [])


def _issue_label(url: str) -> str:
    """`#42` for a GitHub issue URL, else the URL."""
    tail = url.rstrip("/").rsplit("/", 2)
    return f"#{tail[-1]}" if len(tail) == 3 and tail[-2] == "issues" else url
