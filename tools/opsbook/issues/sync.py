"""Apply an issue plan on GitHub, exactly once, and report what was done and what was not.

The run reads the repository (1 request), the generated issues (one list page per 100), plans, creates the
labels it needs (one list page, then one request per missing label), and then makes each change serially.
A create whose answer is lost (5xx, dropped connection) is checked against the newest issues before it is
tried again, so it never lands twice. When a failure is not about one issue (the API is down, a rate limit
asks for too long a wait, the token is refused) the run stops, reports the rest as not done and exits 1;
the next run plans only what is still missing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from opsbook.handbook.assembled import Handbook
from opsbook.issues import github
from opsbook.issues.body import label_color, label_description
from opsbook.issues.plan import CLOSE, CREATE, REMIND, UPDATE, Action, Plan, build_plan
from opsbook.problems import OpsbookError

DONE, FAILED, NOT_DONE, PLANNED = "done", "failed", "not done", "planned"


@dataclasses.dataclass
class Outcome:
    action: Action
    status: str
    number: int | None = None
    url: str | None = None
    detail: str = ""

    def as_dict(self) -> dict:
        data = self.action.as_dict()
        data.pop("body", None)
        data.update(status=self.status, number=self.number or self.action.number, url=self.url)
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclasses.dataclass
class SyncReport:
    repo: str
    plan: Plan
    outcomes: list[Outcome]
    labels_created: list[str]
    stats: github.Stats
    stopped: str | None = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.stopped is None and all(o.status in (DONE, PLANNED) for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


def read_plan(handbook: Handbook, repo_name: str, as_of: dt.datetime, token: str, api_url: str,
              policy: github.Policy) -> tuple[Plan, object, dict, github.Stats]:
    """Read the generated issues and plan against them (reads only); OpsbookError when GitHub cannot be read."""
    import github3

    stats = github.Stats()
    client = github.connect(token, api_url, policy, stats)
    try:
        repo = github.repository(client, repo_name)
        existing, objects = github.existing_issues(repo, handbook.config.issues.label)
    except github3.exceptions.GitHubException as exc:
        raise OpsbookError(f"could not read the issues of {repo_name}: {_describe(exc)}; nothing was changed") from None
    return build_plan(handbook, as_of, existing), repo, objects, stats


def sync(handbook: Handbook, repo_name: str, as_of: dt.datetime, *, token: str, api_url: str,
         policy: github.Policy, dry_run: bool = False) -> SyncReport:
    """Bring the repository's generated issues in line with the handbook at `as_of`."""
    plan, repo, objects, stats = read_plan(handbook, repo_name, as_of, token, api_url, policy)
    report = SyncReport(repo_name, plan, [], [], stats, dry_run=dry_run)
    if dry_run:
        report.outcomes = [Outcome(action, PLANNED, action.number) for action in plan.actions]
        return report
    _apply(handbook, repo, objects, plan, report, policy)
    return report


def _apply(handbook: Handbook, repo, objects: dict, plan: Plan, report: SyncReport, policy: github.Policy) -> None:
    label = handbook.config.issues.label
    pending = list(plan.actions)
    numbers: dict[str, int] = {}  # marker key → issue number, for "superseded by #N"
    try:
        report.labels_created = _labels(repo, pending, label)
    except Exception as exc:  # noqa: BLE001 - classified and reported below
        report.stopped = _stop_reason(exc)
        if report.stopped is None:
            raise
    for index, action in enumerate(pending):
        if report.stopped:
            report.outcomes += [Outcome(a, NOT_DONE, a.number) for a in pending[index:]]
            return
        try:
            outcome = _do(repo, objects, action, label, numbers, policy, report.stats)
        except Exception as exc:  # noqa: BLE001 - classified below; unknown errors still propagate
            stop = _stop_reason(exc)
            if stop is None and not _one_issue_problem(exc):
                raise
            report.stopped = stop
            outcome = Outcome(action, FAILED, action.number, detail=_describe(exc))
        if outcome.number:
            numbers[action.key] = outcome.number
        report.outcomes.append(outcome)


def _labels(repo, actions: list[Action], tool_label: str) -> list[str]:
    wanted: dict[str, tuple[str, str]] = {}
    for action in actions:
        if action.kind in (CREATE, UPDATE, REMIND) and action.content:
            for name in action.content.labels:
                wanted.setdefault(name, (label_color(name, tool_label), label_description(name, tool_label)))
    return github.ensure_labels(repo, wanted) if wanted else []


def _do(repo, objects: dict, action: Action, label: str, numbers: dict[str, int], policy: github.Policy,
        stats: github.Stats) -> Outcome:
    if action.kind == CREATE:
        return _create(repo, action, label, policy, stats)
    issue = objects[action.number]
    if action.kind in (UPDATE, REMIND):
        content = action.content
        detail = _edit(issue, content, action.assignees)
        # A reminder is recorded in the body first: a crash before the comment loses this week's reminder
        # rather than ever posting two.
        if action.kind == REMIND:
            detail = _comment(issue, action, numbers)
        return Outcome(action, DONE, issue.number, issue.html_url, detail)
    assert action.kind == CLOSE
    detail = _comment(issue, action, numbers)
    issue.edit(state="closed")
    return Outcome(action, DONE, issue.number, issue.html_url, detail)


def _edit(issue, content, assignees: tuple[str, ...] | None) -> str:
    """Edit the issue to `content` (and `assignees`, unless None); what could not be done, or ''."""
    import github3

    if assignees is not None:
        try:
            issue.edit(title=content.title, body=content.body, labels=list(content.labels), assignees=list(assignees))
            return ""
        except github3.exceptions.UnprocessableEntity as exc:
            if not any(e.get("field") in ("assignee", "assignees") for e in exc.errors):
                raise
        issue.edit(title=content.title, body=content.body, labels=list(content.labels))
        return f"could not assign {', '.join('@' + a for a in assignees)}: not assignable in this repository"
    issue.edit(title=content.title, body=content.body, labels=list(content.labels))
    return ""


def _create(repo, action: Action, label: str, policy: github.Policy, stats: github.Stats) -> Outcome:
    content = action.content
    issue, detail = github.create_once(repo, action.key, label, content.title, content.body, list(content.labels),
                                       list(content.assignees), policy, stats)
    return Outcome(action, DONE, issue.number, issue.html_url, detail)


def _comment(issue, action: Action, numbers: dict[str, int]) -> str:
    """Say why the issue closes. Best effort: a lost answer is not retried, so no comment is posted twice."""
    import github3

    text = action.comment or ""
    if action.superseded_by in numbers:
        text = text.rstrip(".") + f": #{numbers[action.superseded_by]}."
    if not text:
        return ""
    try:
        issue.create_comment(text)
    except (github3.exceptions.ServerError, github3.exceptions.ConnectionError):
        return "closed without its comment (GitHub's answer was lost)"
    return ""


def _stop_reason(exc: Exception) -> str | None:
    """Why the whole run must stop after `exc`, or None when only this one issue is affected."""
    import github3

    if isinstance(exc, github.GaveUp):
        return str(exc)
    if isinstance(exc, (github3.exceptions.ServerError, github3.exceptions.TransportError)):
        return f"GitHub kept failing: {_describe(exc)}"
    if isinstance(exc, (github3.exceptions.AuthenticationFailed, github3.exceptions.ForbiddenError)):
        return f"GitHub refused the token: {_describe(exc)}"
    return None


def _one_issue_problem(exc: Exception) -> bool:
    import github3

    return isinstance(exc, (github3.exceptions.UnprocessableEntity, github3.exceptions.NotFoundError,
                            github3.exceptions.ClientError))


_describe = github.describe
