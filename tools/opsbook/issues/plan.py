"""The issue plan: handbook + as-of moment + the issues that exist → what to create, update or close, and why.

Pure: no I/O, no clock. The same inputs always give the same plan, which is what makes a sync safe to
re-run: a second run sees the issues the first one made and plans nothing.

Rules:
- A review's issue is due from `issue.open_before` before the review starts until `issues.catch_up` after
  it started, so a dropped or late run still opens it. Outside that window nothing is created.
- An open generated issue whose title or body (with ticked boxes kept) differs from what the handbook
  now says is updated; a closed one is left alone.
- With `issue.close_previous`, only the newest due review of the cadence gets an issue, and the cadence's
  older open generated issues are closed with a comment pointing at it.
- An open action item past its due date gets one reminder comment a week on its open tracking issue, to its
  owner; the issue's body records the ISO week (`<!-- opsbook:reminded 2026-W48 -->`) before the comment is
  posted, so a re-run, or a run after a crash, never posts a second that week (at worst it posts none).
- Every open post-mortem action item without an `issue` gets one tracking issue; when the handbook marks
  it done (or won't-do), its open tracking issue is closed, unless someone reopened that issue on GitHub:
  then the two disagree, and `ops actions status` reports it instead of the sync closing it again.
- A rotation with `issues:` gets an issue for each shift, due like a review's (`opsbook.issues.shifts`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Iterable

from opsbook.calendar.schedule import cadence_occurrences
from opsbook.handbook.assembled import CadenceFile, Handbook
from opsbook.handbook.models.cadence import Every
from opsbook.handbook.models.common import format_duration
from opsbook.issues.body import (
    IssueContent,
    action_item_issue,
    action_item_key,
    keep_checks,
    occurrence_issue,
    reminded_week,
    reminder_comment,
    same_text,
    with_reminder,
)
from opsbook.issues.context import Facts, Review, Tracking
from opsbook.issues.existing import ExistingIssue
from opsbook.issues.pull import CONFLICT, build_pull
from opsbook.issues.shifts import due_shifts, shift_issue, why_due

CREATE, UPDATE, CLOSE, REMIND = "create", "update", "close", "remind"
_PERIOD_DAYS = {Every.WEEK: 7, Every.MONTH: 31, Every.QUARTER: 92}


@dataclasses.dataclass(frozen=True)
class Action:
    """One change to make on GitHub. `content` is what to write (create, update); `number` the issue touched."""

    kind: str
    key: str
    title: str
    reason: str
    number: int | None = None
    content: IssueContent | None = None
    comment: str | None = None
    superseded_by: str | None = None
    assignees: tuple[str, ...] | None = None  # an update's new assignees; None leaves them as they are

    def as_dict(self) -> dict:
        data = {"action": self.kind, "key": self.key, "title": self.title, "reason": self.reason,
                "number": self.number}
        if self.content:
            data.update(labels=list(self.content.labels), assignees=list(self.content.assignees),
                        body=self.content.body)
        if self.superseded_by:
            data["superseded_by"] = self.superseded_by
        if self.assignees is not None:
            data["assignees"] = list(self.assignees)
        return data


@dataclasses.dataclass(frozen=True)
class Plan:
    as_of: dt.datetime
    actions: tuple[Action, ...]
    existing: int | None  # how many generated issues were known; None when GitHub was not read
    notes: tuple[str, ...] = ()

    def count(self, kind: str) -> int:
        return sum(1 for action in self.actions if action.kind == kind)


def build_plan(handbook: Handbook, as_of: dt.datetime, existing: Iterable[ExistingIssue] | None) -> Plan:
    """The actions that bring GitHub in line with the handbook at `as_of` (aware datetime)."""
    known, notes = _index(existing or [])
    tracking = _tracking(handbook, known)  # without GitHub read, as if no tracking issue existed yet
    actions: list[Action] = []
    facts = Facts(handbook)  # sorted once for every review's context
    for entry in sorted(handbook.cadences.values(), key=lambda e: e.id):
        actions += _cadence_actions(handbook, entry, as_of, known, facts, tracking)
    actions += _action_item_actions(handbook, known, as_of)
    actions += _shift_actions(handbook, as_of, known)
    return Plan(as_of, tuple(actions), None if existing is None else len(known), tuple(notes))


def _index(existing: Iterable[ExistingIssue]) -> tuple[dict[str, ExistingIssue], list[str]]:
    """Generated issues by marker key; when a key appears twice the oldest issue counts."""
    known: dict[str, ExistingIssue] = {}
    notes = []
    for issue in sorted(existing, key=lambda i: i.number):
        key = issue.key
        if key is None:
            continue
        if key in known:
            notes.append(f"#{issue.number} repeats the marker of #{known[key].number} ({key}); left alone")
            continue
        known[key] = issue
    return known, notes


def due_reviews(handbook: Handbook, entry: CadenceFile, as_of: dt.datetime) -> list[Review]:
    """Reviews of one cadence whose issue should exist at `as_of`, oldest first, with their neighbours."""
    cadence = entry.cadence
    catch_up, open_before = handbook.config.issues.catch_up, cadence.issue.open_before
    span = dt.timedelta(days=_PERIOD_DAYS[cadence.when.every] * cadence.when.interval + 31)
    found = cadence_occurrences(cadence, holidays=handbook.holidays, rotations=handbook.rotations,
                                people=handbook.people, start=as_of - catch_up - span, end=as_of + open_before + span)
    due = []
    for index, occ in enumerate(found):
        if occ.start - open_before <= as_of <= occ.start + catch_up:
            due.append(Review(cadence, occ, found[index - 1] if index else None,
                              found[index + 1] if index + 1 < len(found) else None))
    return due


def _why_due(review: Review, as_of: dt.datetime, catch_up: dt.timedelta) -> str:
    occ, open_before = review.occurrence, review.cadence.issue.open_before
    when = f"{occ.start:%Y-%m-%d %H:%M %Z}"
    if as_of <= occ.start:
        return f"opens {format_duration(open_before)} before the review on {when}"
    return (f"catch-up: the review was on {when}, {format_duration(as_of - occ.start)} ago, "
            f"within the {format_duration(catch_up)} catch-up window")


def _tracking(handbook: Handbook, known: dict[str, ExistingIssue]) -> Tracking | None:
    """The tracking issues' states and the pull plan's drift, for reviews that list action items."""
    if not any("action-items" in entry.cadence.context for entry in handbook.cadences.values()):
        return None
    # Only a closed or reopened issue is news: listing open ones would rewrite a review's body the run after
    # its tracking issues were opened, and a re-run must write nothing.
    states = {}
    for key, issue in known.items():
        if not key.startswith("action-item "):
            continue
        if not issue.is_open:
            how = f" as {issue.state_reason.replace('_', ' ')}" if issue.state_reason else ""
            states[key] = f"#{issue.number} closed{how}"
        elif issue.state_reason == "reopened":
            states[key] = f"#{issue.number} reopened"
    pull = build_pull(handbook, known.values(), "")
    drift = [f"- `{e.postmortem}` {e.item}: {e.why}, so the item should be {e.status.value}" for e in pull.edits]
    drift += [f"- `{d.postmortem}` {d.item}: {d.message}" for d in pull.drift if d.kind == CONFLICT]
    return Tracking(states, tuple(drift))


def _cadence_actions(handbook: Handbook, entry: CadenceFile, as_of: dt.datetime,
                     known: dict[str, ExistingIssue], facts: Facts, tracking: Tracking | None = None) -> list[Action]:
    cadence = entry.cadence
    due = [dataclasses.replace(review, tracking=tracking) for review in due_reviews(handbook, entry, as_of)]
    if cadence.issue.close_previous and due:
        due = due[-1:]  # an older review would be superseded the moment it opened
    actions = []
    for review in due:
        content = occurrence_issue(handbook, review, entry.path, facts)
        issue = known.get(content.key)
        if issue is None:
            actions.append(Action(CREATE, content.key, content.title,
                                  _why_due(review, as_of, handbook.config.issues.catch_up), content=content))
        elif issue.is_open:
            actions += _update(issue, content)
    if cadence.issue.close_previous and due:
        actions += _close_previous(cadence.id, due[-1], known)
    return actions


def _update(issue: ExistingIssue, content: IssueContent) -> list[Action]:
    """An update when the issue no longer says what the handbook says (ticked boxes are kept).

    When the body changes, so may the person it names (a swapped shift, a review's fallback): the issue
    is then assigned to the new one. An assignee the old body never named was added by hand, and stays.
    """
    body = keep_checks(content.body, issue.body)
    have = {label.lower() for label in issue.labels}
    missing = [label for label in content.labels if label.lower() not in have]
    body_changed = not same_text(body, issue.body)
    assignees = None
    if body_changed:
        by_hand = tuple(login for login in issue.assignees if f"@{login}" not in (issue.body or ""))
        wanted = tuple(dict.fromkeys(content.assignees + by_hand))
        if set(wanted) != set(issue.assignees):
            assignees = wanted
    changed = [what for what, differs in (("title", issue.title != content.title), ("body", body_changed),
                                          ("labels", bool(missing)), ("assignees", assignees is not None))
               if differs]
    if not changed:
        return []
    labels = tuple(issue.labels) + tuple(missing)
    merged = dataclasses.replace(content, body=body, labels=labels)
    said = " and ".join(changed) if len(changed) < 3 else ", ".join(changed[:-1]) + " and " + changed[-1]
    return [Action(UPDATE, content.key, content.title, f"the handbook changed its {said}",
                   number=issue.number, content=merged, assignees=assignees)]


def _close_previous(cadence_id: str, latest: Review, known: dict[str, ExistingIssue]) -> list[Action]:
    prefix = f"occurrence {cadence_id}/"
    newest = latest.occurrence
    actions = []
    for key, issue in sorted(known.items()):
        if key.startswith(prefix) and issue.is_open and key[len(prefix):] < newest.period:
            actions.append(Action(CLOSE, key, issue.title, f"superseded by {newest.display_title}",
                                  number=issue.number, superseded_by=f"occurrence {newest.uid}",
                                  comment=f"Superseded by the issue for {newest.display_title}."))
    return actions


def _action_item_actions(handbook: Handbook, known: dict[str, ExistingIssue], as_of: dt.datetime) -> list[Action]:
    today = as_of.date()
    year, week_number, _ = today.isocalendar()
    week = f"{year}-W{week_number:02d}"
    actions = []
    for pm in sorted(handbook.postmortems.values(), key=lambda p: p.id):
        for item in pm.meta.action_items:
            key = action_item_key(pm.id, item.id)
            issue = known.get(key)
            if item.status.is_closed:
                if issue is not None and issue.is_open and issue.state_reason != "reopened":
                    actions.append(Action(CLOSE, key, issue.title, f"the handbook marks {item.id} {item.status.value}",
                                          number=issue.number, comment=f"Marked {item.status.value} in `{pm.path}`."))
                continue
            content = action_item_issue(handbook, pm, item)
            if issue is None and item.issue is None:
                if item.due < today:  # opening the issue, assigned to the owner, is this week's reminder
                    content = dataclasses.replace(content, body=with_reminder(content.body, week))
                actions.append(Action(CREATE, key, content.title,
                                      f"open action item of {pm.id} without a tracking issue", content=content))
            elif issue is not None and issue.is_open:
                if item.due < today and reminded_week(issue.body) != week:
                    body = with_reminder(keep_checks(content.body, issue.body), week)
                    actions.append(Action(REMIND, key, content.title, f"overdue since {item.due.isoformat()}; "
                                          f"no reminder yet in {week}", number=issue.number,
                                          content=dataclasses.replace(content, body=body, labels=tuple(issue.labels) or content.labels),
                                          comment=reminder_comment(handbook, pm, item, today, week)))
                    continue
                content = dataclasses.replace(content, body=with_reminder(content.body, reminded_week(issue.body)))
                actions += _update(issue, content)
    return actions


def _shift_actions(handbook: Handbook, as_of: dt.datetime, known: dict[str, ExistingIssue]) -> list[Action]:
    """An issue for each due shift of a rotation with `issues:` (`opsbook.issues.shifts`)."""
    actions = []
    for shift in due_shifts(handbook, as_of):
        content = shift_issue(handbook, shift)
        issue = known.get(content.key)
        if issue is None:
            actions.append(Action(CREATE, content.key, content.title, why_due(handbook, shift, as_of), content=content))
        elif issue.is_open:
            actions += _update(issue, content)
    return actions
