"""The handbook facts a review's issue quotes, one Markdown section per `context` entry of its cadence.

Every fact is judged at the review's own date (not the day the sync runs), so the same handbook gives the
same body on every run and an issue is only rewritten when the handbook itself changed. A section that
lists things (incidents, secrets, runbooks, action items) is a `Listing`, most urgent first, so the body
can be cut to GitHub's limit with a link to the full list on the site (`opsbook.issues.budget`).

A plan renders hundreds of reviews over the same handbook, so the dated facts are sorted once (`Facts`):
each review's incidents, overdue action items and secrets due are then a bisection of a sorted list, and
a row of a list (which does not depend on the review) is formatted once, not once per review.
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import functools
from bisect import bisect_left, bisect_right
from typing import Callable

from opsbook import urls
from opsbook.calendar.schedule import Occurrence
from opsbook.handbook.assembled import Handbook, Postmortem, Runbook
from opsbook.handbook.models.cadence import Cadence
from opsbook.handbook.models.catalogue import Secret, Slo, Unit
from opsbook.handbook.models.common import Category, format_duration
from opsbook.handbook.models.postmortem import ActionItem, EventType
from opsbook.issues.budget import Listing, Part

_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}

live_numbers: contextvars.ContextVar[Callable[["Review", list[Slo]], tuple[str, list[str]]] | None] = contextvars.ContextVar(
    "live_numbers", default=None)
"""Measured numbers under the `slos` and `cost` tables: Markdown for (review, SLOs), or None for none.

Set by `ops issues` when a Prometheus is configured (`opsbook.slo.review`); the plan stays a function of
its inputs and this one, and an open issue whose numbers changed is updated like any other edit."""


@dataclasses.dataclass(frozen=True)
class Tracking:
    """What GitHub says about the action items' tracking issues, when the sync has read them."""

    states: dict[str, str]  # action item key → "#12 open", "#12 closed as completed"
    drift: tuple[str, ...]  # Markdown list lines: where the handbook and GitHub disagree


@dataclasses.dataclass(frozen=True)
class Review:
    """One occurrence with its neighbours, which bound "since the last review" and "before the next"."""

    cadence: Cadence
    occurrence: Occurrence
    previous: Occurrence | None
    following: Occurrence | None
    tracking: Tracking | None = None  # None when no cadence lists action items

    @property
    def day(self) -> dt.date:
        return self.occurrence.start.date()

    @property
    def since(self) -> dt.datetime:
        if self.previous is not None:
            return self.previous.start
        return dt.datetime.combine(self.cadence.start, dt.time(), self.occurrence.start.tzinfo)


class Facts:
    """The handbook's dated facts, each sorted once on first use, and the rows of lists, each formatted once.

    Each query gives what the `Handbook`'s own (`incidents_between`, `overdue_action_items`,
    `secrets_due_for_rotation`, `runbooks_due_for_review`) gives, in the order a review lists it.
    """

    def __init__(self, handbook: Handbook):
        self.handbook = handbook
        self.people = handbook.people
        self._rows: dict[tuple, str] = {}

    def row(self, key: tuple, make: Callable[[], str]) -> str:
        """The row for `key`, made on first use: the same thing is listed alike in every review."""
        if (known := self._rows.get(key)) is None:
            known = self._rows[key] = make()
        return known

    @functools.cached_property
    def _incidents(self) -> tuple[list[dt.datetime], list[Postmortem]]:
        # Oldest first, and incidents detected at the same moment in reverse file order, so that a slice
        # read backwards is newest first with ties in file order, as `Handbook.incidents_between` sorts.
        dated = [(detected, pm) for pm in reversed(self.handbook.postmortems.values())
                 if (detected := pm.meta.first(EventType.DETECTED))]
        dated.sort(key=lambda pair: pair[0])
        return [detected for detected, _ in dated], [pm for _, pm in dated]

    def incidents_between(self, start: dt.datetime, end: dt.datetime) -> list[Postmortem]:
        """Post-mortems whose incident was detected in [start, end), newest first."""
        times, found = self._incidents
        return found[bisect_left(times, start):bisect_left(times, end)][::-1]

    @functools.cached_property
    def _open_items(self) -> tuple[list[dt.date], list[tuple[Postmortem, ActionItem]]]:
        items = sorted(self.handbook.open_action_items(), key=lambda pair: (pair[1].due, pair[0].id, pair[1].id))
        return [item.due for _, item in items], items

    def overdue_action_items(self, day: dt.date) -> list[tuple[Postmortem, ActionItem]]:
        """Open action items due before `day`, longest overdue first (then by post-mortem and item id)."""
        dues, items = self._open_items
        return items[:bisect_left(dues, day)]

    @functools.cached_property
    def open_item_rows(self) -> list[str]:
        """A table row for each open action item, in `overdue_action_items`' order: its lists are prefixes."""
        return [_action_item_row(self, pm, item) for pm, item in self._open_items[1]]

    @functools.cached_property
    def _secrets(self) -> tuple[list[dt.date], list[Secret]]:
        ordered = sorted(self.handbook.secrets, key=lambda s: (s.last_rotated + s.rotate_every, s.name))
        return [secret.last_rotated + secret.rotate_every for secret in ordered], ordered

    def secrets_due(self, by: dt.date) -> list[Secret]:
        """Secrets whose rotation falls due on or before `by`, most overdue first (then by name)."""
        dues, ordered = self._secrets
        return ordered[:bisect_right(dues, by)]

    @functools.cached_property
    def secret_rows(self) -> list[str]:
        """A table row for each secret, in `secrets_due`' order: its lists are prefixes."""
        return [_secret_row(self, secret) for secret in self._secrets[1]]

    def secrets_overdue(self, day: dt.date) -> int:
        """How many secrets were due for rotation before `day`."""
        return bisect_left(self._secrets[0], day)

    @functools.cached_property
    def _runbooks(self) -> list[Runbook]:
        return sorted(self.handbook.runbooks.values(), key=lambda rb: (rb.meta.last_reviewed, rb.id))

    def runbooks_due_for_review(self, day: dt.date) -> list[Runbook]:
        """Runbooks past their review period on `day`, the longest unreviewed first."""
        return [rb for rb in self._runbooks if rb.meta.last_reviewed + rb.meta.review_every < day]


def sections(handbook: Handbook, review: Review, facts: Facts | None = None) -> list[Part]:
    """The Markdown sections for the cadence's `context` list, in its order. Pass the same `facts` for
    every review of one handbook (a plan does), so its lists are sorted once."""
    facts = facts or Facts(handbook)
    parts: list[Part] = []
    for name in review.cadence.context:
        rendered = _RENDERERS[name](handbook, review, facts)
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


def _slos(handbook: Handbook, review: Review, facts: Facts) -> Part:
    chosen = [handbook.slos[i] for i in review.cadence.slos if i in handbook.slos] or list(handbook.slos.values())
    return _measured(handbook, review, chosen, "## SLOs and targets\n\n" + _slo_table(handbook, chosen))


def _measured(handbook: Handbook, review: Review, slos: list[Slo], text: str) -> Part:
    """`text`, then the SLOs' measured numbers when there are any to quote: their table is cut to fit the
    body (a grouped SLO can have a row per shard), with a link to the site's SLO catalogue."""
    numbers = live_numbers.get()
    if numbers is None or not slos:
        return text
    head, rows = numbers(review, slos)
    head = f"{text}\n\n### Measured\n\n{head}"
    return Listing(head, tuple(rows), _link(handbook, urls.slos())) if rows else head


def _incident_row(handbook: Handbook, pm: Postmortem, money: bool) -> str:
    detected = pm.meta.first(EventType.DETECTED)
    line = (f"- [{pm.meta.title}]({_link(handbook, urls.postmortem(pm.id))}) — {pm.meta.severity.value}, "
            f"{pm.meta.category.value}, detected {detected.date().isoformat()}, post-mortem {pm.meta.status.value}")
    impact = pm.meta.impact
    if money and impact and impact.revenue_lost:
        line += f", revenue lost {impact.revenue_lost:,.0f} {impact.currency or ''}".rstrip()
    return line


def _incident_rows(facts: Facts, found: list[Postmortem], money: bool = False) -> list[str]:
    return [facts.row(("incident", pm.id, money), lambda pm=pm: _incident_row(facts.handbook, pm, money))
            for pm in found]


def _incidents(handbook: Handbook, review: Review, facts: Facts) -> Part:
    found = facts.incidents_between(review.since, review.occurrence.start)
    return _listing(handbook, f"## Incidents since the last review ({review.since.date().isoformat()})",
                    "", [], _incident_rows(facts, found), urls.postmortems())


def _cost(handbook: Handbook, review: Review, facts: Facts) -> list[Part]:
    slos = [slo for slo in handbook.slos.values() if slo.category is Category.COST]
    economic = [pm for pm in facts.incidents_between(review.since, review.occurrence.start)
                if pm.meta.category is Category.COST or (pm.meta.impact and pm.meta.impact.revenue_lost)]
    return [_measured(handbook, review, slos, f"## Cost SLIs\n\n{_slo_table(handbook, slos)}"),
            _listing(handbook, f"## Economic incidents since the last review ({review.since.date().isoformat()})",
                     "", [], _incident_rows(facts, economic, money=True), urls.postmortems())]


def _secret_row(facts: Facts, secret: Secret) -> str:
    people = facts.people
    owner = people[secret.owner].name if secret.owner in people else secret.owner
    return (f"| `{secret.name}` | {_cell(owner)} | {secret.last_rotated.isoformat()} "
            f"| {(secret.last_rotated + secret.rotate_every).isoformat()} | {_cell(', '.join(secret.stored_in))} |")


def _secrets(handbook: Handbook, review: Review, facts: Facts) -> Part:
    until = review.following.start.date() if review.following else review.day
    due = facts.secrets_due(until)
    rows = facts.secret_rows[:len(due)]
    overdue = min(facts.secrets_overdue(review.day), len(due))
    return _listing(handbook, f"## Secrets due for rotation by {until.isoformat()}",
                    f"{len(due):,} due, {overdue:,} of them already overdue on {review.day.isoformat()}; most overdue first.",
                    ["| Secret | Owner | Last rotated | Due | Stored in |", "|---|---|---|---|---|"], rows,
                    urls.secrets())


def _runbooks(handbook: Handbook, review: Review, facts: Facts) -> Part:
    due = facts.runbooks_due_for_review(review.day)
    rows = [f"| [{_cell(rb.meta.title)}]({_link(handbook, urls.runbook(rb.id))}) | {rb.meta.last_reviewed.isoformat()} "
            f"| {format_duration(rb.meta.review_every)} | {(rb.meta.last_reviewed + rb.meta.review_every).isoformat()} |"
            for rb in due]
    return _listing(handbook, "## Runbooks past their review period", "",
                    ["| Runbook | Last reviewed | Review every | Overdue since |", "|---|---|---|---|"], rows,
                    urls.runbooks())


def _action_item_row(facts: Facts, pm: Postmortem, item: ActionItem) -> str:
    people = facts.people
    owner = people[item.owner].name if item.owner in people else item.owner
    title = f"[{_cell(item.title)}]({item.issue})" if item.issue else _cell(item.title)
    return (f"| {item.id}: {title} | [{pm.id}]({_link(facts.handbook, urls.postmortem(pm.id))}) | {_cell(owner)} "
            f"| {item.due.isoformat()} | {item.status.value} |")


def _action_items(handbook: Handbook, review: Review, facts: Facts) -> Part | list[Part]:
    overdue = facts.overdue_action_items(review.day)
    rows = facts.open_item_rows[:len(overdue)]
    tracking = review.tracking
    if tracking is not None:
        rows = [f"{row} {tracking.states.get(f'action-item {pm.id}/{item.id}', '—')} |"
                for row, (pm, item) in zip(rows, overdue)]
    summary = f"{len(overdue):,} overdue on {review.day.isoformat()}; longest overdue first." if len(overdue) > 1 else ""
    header = ["| Action item | Post-mortem | Owner | Due | Status |", "|---|---|---|---|---|"]
    if tracking is not None:
        header = ["| Action item | Post-mortem | Owner | Due | Status | On GitHub |", "|---|---|---|---|---|---|"]
    listing = _listing(handbook, "## Overdue action items", summary, header, rows, urls.action_items())
    if tracking is None:
        return listing
    return [listing, _listing(handbook, "## Action items where GitHub and the handbook disagree",
                              "`ops actions pull` (the Action items workflow) proposes what GitHub closed or "
                              "reopened; a conflict needs a person.", [], list(tracking.drift), urls.action_items())]


_RENDERERS: dict[str, Callable[[Handbook, Review, Facts], Part | list[Part]]] = {
    "slos": _slos, "incidents": _incidents, "cost": _cost, "secrets": _secrets, "runbooks": _runbooks,
    "action-items": _action_items,
}
