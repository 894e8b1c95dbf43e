"""How a plan and a sync read: text for people, JSON for programs, Markdown for a GitHub job summary."""

from __future__ import annotations

import json

from opsbook.issues.plan import CLOSE, CREATE, REMIND, UPDATE, Plan
from opsbook.issues.sync import DONE, FAILED, NOT_DONE, PLANNED, Outcome, SyncReport
from opsbook.plural import plural

_DONE_VERB = {CREATE: "created", UPDATE: "updated", CLOSE: "closed", REMIND: "reminded"}


def _as_of(plan: Plan) -> str:
    return f"{plan.as_of:%Y-%m-%d %H:%M %Z}".strip()


def _what(number: int | None, title: str) -> str:
    return f"#{number} {title}" if number else title


def _tally(plan: Plan) -> str:
    total = len(plan.actions)
    if not total:
        return "Nothing to do: every due issue exists and says what the handbook says."
    return (f"{plural(total, 'change')}: {plan.count(CREATE)} to create, {plan.count(UPDATE)} to update, "
            f"{plan.count(CLOSE)} to close" + (f", {plan.count(REMIND)} to remind." if plan.count(REMIND) else "."))


def _known(plan: Plan, repo: str | None) -> str:
    if plan.existing is None:
        return "GitHub not read, so this assumes no generated issue exists yet (give --repo and GITHUB_TOKEN to compare)"
    return f"{plural(plan.existing, 'generated issue')} found in {repo}"


def plan_text(plan: Plan, repo: str | None) -> str:
    """The plan, one action per line with its reason underneath."""
    lines = [f"Issue plan as of {_as_of(plan)}; {_known(plan, repo)}"]
    for action in plan.actions:
        lines.append(f"  {action.kind:<7} {_what(action.number, action.title)}")
        lines.append(f"          {action.reason}")
    lines += [f"  note: {note}" for note in plan.notes]
    lines.append(_tally(plan))
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan, repo: str | None) -> str:
    data = {"as_of": plan.as_of.isoformat(), "repo": repo, "existing": plan.existing,
            "actions": [action.as_dict() for action in plan.actions], "notes": list(plan.notes),
            "counts": {kind: plan.count(kind) for kind in (CREATE, UPDATE, CLOSE, REMIND)}}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _outcome_line(outcome: Outcome) -> str:
    action = outcome.action
    verb = _DONE_VERB[action.kind] if outcome.status == DONE else (
        f"would {action.kind}" if outcome.status == PLANNED else outcome.status.upper())
    line = f"  {verb:<14} {_what(outcome.number or action.number, action.title)}"
    if outcome.url:
        line += f"  {outcome.url}"
    if outcome.status in (PLANNED, FAILED, NOT_DONE):
        line += f"\n                 {outcome.detail or action.reason}"
    elif outcome.detail:
        line += f"\n                 note: {outcome.detail}"
    return line


def _requests(report: SyncReport) -> str:
    stats = report.stats
    text = f"API: {plural(stats.reads, 'read')}, {plural(stats.writes, 'write')}"
    if stats.retries:
        text += f", {stats.retries} retried (waited {stats.waited:.1f}s)"
    return text


def sync_text(report: SyncReport) -> str:
    """What the sync did, what it did not, and what the API was asked."""
    plan = report.plan
    head = "Dry run" if report.dry_run else "Sync"
    lines = [f"{head} of {report.repo} as of {_as_of(plan)} ({plural(plan.existing, 'generated issue')} found)"]
    lines += [_outcome_line(outcome) for outcome in report.outcomes]
    lines += [f"  note: {note}" for note in plan.notes]
    if report.labels_created:
        lines.append(f"Labels created: {', '.join(report.labels_created)}")
    if report.dry_run:
        lines.append(_tally(plan) + " Nothing was changed (--dry-run).")
    elif report.outcomes:
        lines.append(f"{report.count(DONE)} done, {report.count(FAILED)} failed, {report.count(NOT_DONE)} not done.")
    else:
        lines.append(_tally(plan))
    if report.stopped:
        lines.append(f"Stopped early: {report.stopped}. The next run does what is left.")
    lines.append(_requests(report))
    return "\n".join(lines) + "\n"


def sync_json(report: SyncReport) -> str:
    stats = report.stats
    data = {"repo": report.repo, "as_of": report.plan.as_of.isoformat(), "dry_run": report.dry_run,
            "ok": report.ok, "existing": report.plan.existing,
            "actions": [outcome.as_dict() for outcome in report.outcomes], "notes": list(report.plan.notes),
            "labels_created": report.labels_created, "stopped": report.stopped,
            "requests": {"reads": stats.reads, "writes": stats.writes, "retries": stats.retries,
                         "waited_seconds": round(stats.waited, 3)}}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def step_summary(report: SyncReport) -> str:
    """Markdown for `$GITHUB_STEP_SUMMARY`."""
    title = "Review issues (dry run)" if report.dry_run else "Review issues"
    lines = [f"### {title}: {report.repo}", "", f"As of {_as_of(report.plan)}.", ""]
    if report.outcomes:
        lines += ["| | Issue | Why |", "|---|---|---|"]
        for outcome in report.outcomes:
            action = outcome.action
            status = _DONE_VERB[action.kind] if outcome.status == DONE else outcome.status
            issue = _what(outcome.number or action.number, action.title).replace("|", "\\|")
            if outcome.url:
                issue = f"[{issue}]({outcome.url})"
            why = (outcome.detail or action.reason).replace("|", "\\|")
            lines.append(f"| {status} | {issue} | {why} |")
    else:
        lines.append(_tally(report.plan))
    if report.stopped:
        lines += ["", f"**Stopped early:** {report.stopped}. The next run does what is left."]
    lines += ["", _requests(report)]
    return "\n".join(lines) + "\n"
