"""The handbook facts a review's issue quotes, one Markdown section per `context` entry of its cadence.

Every fact is judged at the review's own date (not the day the sync runs), so the same handbook gives the
same body on every run and an issue is only rewritten when the handbook itself changed. A section that
lists things (incidents, secrets, runbooks, action items) is a `Listing`, most urgent first, so the body
can be cut to GitHub's limit with a link to the full list on the site (`opsbook.issues.budget`).
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
from typing import Callable

from opsbook import urls
from opsbook.calendar.schedule import Occurrence
from opsbook.handbook.assembled import Handbook
from opsbook.handbook.models.cadence import Cadence
from opsbook.handbook.models.catalogue import Slo, Unit
from opsbook.handbook.models.common import Category, format_duration
from opsbook.handbook.models.postmortem import EventType
from opsbook.issues.budget import Listing, Part

_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}

live_numbers: contextvars.ContextVar[Callable[["Review", list[Slo]], str] | None] = contextvars.ContextVar(
    "live_numbers", default=None)
"""Measured numbers under the `slos` and `cost` tables: Markdown for (review, SLOs), or None for none.

Set by `ops issues` when a Prometheus is configured (`opsbook.slo.review`); the plan stays a function of
its inputs and this one, and an open issue whose numbers changed is updated like any other edit."""


@dataclasses.dataclass(frozen=True)
class Review:
    """One occurrence with its neighbours, which bound "since the last review" and "before the next"."""

    cadence: Cadence
    occurrence: Occurrence
    previous: Occurrence | None
    following: Occurrence | None

    @property
    def day(self) -> dt.date:
        return self.occurrence.start.date()

    @property
    def since(self) -> dt.datetime:
        if self.previous is not None:
            return self.previous.start
        return dt.datetime.combine(self.cadence.start, dt.time(), self.occurrence.start.tzinfo)


def sections(handbook: Handbook, review: Review) -> list[Part]:
    """The Markdown sections for the cadence's `context` list, in its order."""
    parts: list[Part] = []
    for name in review.cadence.context:
        rendered = _RENDERERS[name](handbook, review)
        parts += rendered if isinstance(rendered, list) else [rendered]
    return parts


def _listing(handbook: Handbook, heading: str, summary: str, header: list[str], rows: list[str], page: str) -> Part:
    """A section that lists rows, or `_None._` under its heading when there are none."""
    if not rows:
        return f"{heading}\n\n_None._"
    return Listing("\n".join([heading, "", *([summary, ""] if summary else []), *header]), tuple(rows),
                   _link(handbook, page))


def _link(handbook: Handbook, path: str) -> str:
    return urls.absolute(handbook.config.site_url, path)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(value: float) -> str:
    return f"{value:g}"


def target(slo: Slo) -> str:
    """The objective as a person reads it: `≥ 99.5%`, `≤ 4000 ms`."""
    value = slo.target
    shown = {Unit.RATIO: f"{value * 100:g}%", Unit.PERCENT: f"{_number(value)}%", Unit.MILLISECONDS: f"{_number(value)} ms",
             Unit.SECONDS: f"{_number(value)} s"}.get(slo.unit, _number(value))
    return f"{_SYMBOL[slo.objective.value]} {shown}"


def _slo_table(handbook: Handbook, slos: list[Slo]) -> str:
    if not slos:
        return "_None._"
    rows = ["| SLO | Service | SLI | Target | Window |", "|---|---|---|---|---|"]
    for slo in slos:
        name = f"[{_cell(slo.title)}]({slo.dashboard.url})" if slo.dashboard else _cell(slo.title)
        rows.append(f"| {name} (`{slo.id}`) | {_cell(slo.service)} | {_cell(slo.sli)} | {target(slo)} "
                    f"| {format_duration(slo.window)} |")
    return "\n".join(rows)


def _slos(handbook: Handbook, review: Review) -> str:
    chosen = [handbook.slos[i] for i in review.cadence.slos if i in handbook.slos] or list(handbook.slos.values())
    return "## SLOs and targets\n\n" + _slo_table(handbook, chosen) + _measured(review, chosen)


def _measured(review: Review, slos: list[Slo]) -> str:
    numbers = live_numbers.get()
    return f"\n\n### Measured\n\n{numbers(review, slos)}" if numbers is not None and slos else ""


def _incident_rows(handbook: Handbook, found: list, money: bool = False) -> list[str]:
    lines = []
    for pm in found:
        detected = pm.meta.first(EventType.DETECTED)
        line = (f"- [{pm.meta.title}]({_link(handbook, urls.postmortem(pm.id))}) — {pm.meta.severity.value}, "
                f"{pm.meta.category.value}, detected {detected.date().isoformat()}, post-mortem {pm.meta.status.value}")
        impact = pm.meta.impact
        if money and impact and impact.revenue_lost:
            line += f", revenue lost {impact.revenue_lost:,.0f} {impact.currency or ''}".rstrip()
        lines.append(line)
    return lines


def _incidents(handbook: Handbook, review: Review) -> Part:
    found = handbook.incidents_between(review.since, review.occurrence.start)
    return _listing(handbook, f"## Incidents since the last review ({review.since.date().isoformat()})",
                    "", [], _incident_rows(handbook, found), urls.postmortems())


def _cost(handbook: Handbook, review: Review) -> list[Part]:
    slos = [slo for slo in handbook.slos.values() if slo.category is Category.COST]
    economic = [pm for pm in handbook.incidents_between(review.since, review.occurrence.start)
                if pm.meta.category is Category.COST or (pm.meta.impact and pm.meta.impact.revenue_lost)]
    return [f"## Cost SLIs\n\n{_slo_table(handbook, slos)}{_measured(review, slos)}",
            _listing(handbook, f"## Economic incidents since the last review ({review.since.date().isoformat()})",
                     "", [], _incident_rows(handbook, economic, money=True), urls.postmortems())]


def _secrets(handbook: Handbook, review: Review) -> Part:
    until = review.following.start.date() if review.following else review.day
    due = sorted(handbook.secrets_due_for_rotation(review.day, within=until - review.day),
                 key=lambda s: (s.last_rotated + s.rotate_every, s.name))
    people = handbook.people
    rows = []
    for secret in due:
        owner = people[secret.owner].name if secret.owner in people else secret.owner
        rows.append(f"| `{secret.name}` | {_cell(owner)} | {secret.last_rotated.isoformat()} "
                    f"| {(secret.last_rotated + secret.rotate_every).isoformat()} | {_cell(', '.join(secret.stored_in))} |")
    overdue = sum(1 for s in due if s.last_rotated + s.rotate_every < review.day)
    return _listing(handbook, f"## Secrets due for rotation by {until.isoformat()}",
                    f"{len(due):,} due, {overdue:,} of them already overdue on {review.day.isoformat()}; most overdue first.",
                    ["| Secret | Owner | Last rotated | Due | Stored in |", "|---|---|---|---|---|"], rows,
                    urls.secrets())


def _runbooks(handbook: Handbook, review: Review) -> Part:
    due = sorted(handbook.runbooks_due_for_review(review.day), key=lambda rb: (rb.meta.last_reviewed, rb.id))
    rows = [f"| [{_cell(rb.meta.title)}]({_link(handbook, urls.runbook(rb.id))}) | {rb.meta.last_reviewed.isoformat()} "
            f"| {format_duration(rb.meta.review_every)} | {(rb.meta.last_reviewed + rb.meta.review_every).isoformat()} |"
            for rb in due]
    return _listing(handbook, "## Runbooks past their review period", "",
                    ["| Runbook | Last reviewed | Review every | Overdue since |", "|---|---|---|---|"], rows,
                    urls.runbooks())


def _action_items(handbook: Handbook, review: Review) -> Part:
    overdue = sorted(handbook.overdue_action_items(review.day), key=lambda pair: (pair[1].due, pair[0].id, pair[1].id))
    people = handbook.people
    rows = []
    for pm, item in overdue:
        owner = people[item.owner].name if item.owner in people else item.owner
        title = f"[{_cell(item.title)}]({item.issue})" if item.issue else _cell(item.title)
        rows.append(f"| {item.id}: {title} | [{pm.id}]({_link(handbook, urls.postmortem(pm.id))}) | {_cell(owner)} "
                    f"| {item.due.isoformat()} | {item.status.value} |")
    summary = f"{len(overdue):,} overdue on {review.day.isoformat()}; longest overdue first." if len(overdue) > 1 else ""
    return _listing(handbook, "## Overdue action items", summary,
                    ["| Action item | Post-mortem | Owner | Due | Status |", "|---|---|---|---|---|"], rows,
                    urls.action_items())


_RENDERERS: dict[str, Callable[[Handbook, Review], Part | list[Part]]] = {
    "slos": _slos, "incidents": _incidents, "cost": _cost, "secrets": _secrets, "runbooks": _runbooks,
    "action-items": _action_items,
}
