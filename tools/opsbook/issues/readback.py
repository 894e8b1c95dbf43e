"""Read the tracking issues' states back from GitHub and plan the pull (`opsbook.issues.pull` decides).

What it asks GitHub, and why that is all:
1. The repository and the labelled issues (`state=all`, 100 a page): the very listing `ops issues sync`
   makes. It already carries each issue's `state`, `state_reason` (completed, not planned, reopened),
   `closed_at` and comment count, so an unchanged handbook costs no read beyond the sync's.
2. For each item this pull will close (and only those, so once in an item's life): its events, for who
   closed it (`actor`) and the commit that did (`commit_id`), and, when it was closed as not planned and
   has comments, its last comment, for the reason. The list endpoint has no `closed_by` (only the single
   issue does) and no closing commit, so these are the cheapest reads that say it. They are best effort:
   when one fails, the item is still closed, with its date alone.
3. Only with `check_links` (`--check-links`): for each open item whose `issue:` names an issue of this
   repository that the listing lacks, that one issue, which answers 404 or 410 (deleted), 301 to where it
   was transferred (followed), or 200 (an issue without the tool's label). Off by default because it costs
   a read per such item on every run, and a handbook that links its items to hand-made issues has many.
"""

from __future__ import annotations

import dataclasses
import re

from opsbook.handbook.assembled import Handbook
from opsbook.issues import github
from opsbook.issues.existing import ExistingIssue
from opsbook.issues.pull import Closing, Edit, PullPlan, build_pull, probes
from opsbook.problems import OpsbookError

_REASON_LIMIT = 300  # characters of a closing comment kept as the reason: one line in the frontmatter


@dataclasses.dataclass
class Readback:
    plan: PullPlan
    stats: github.Stats
    listed: int  # how many labelled issues the listing returned


def read_back(handbook: Handbook, repo_name: str, *, token: str, api_url: str, policy: github.Policy,
              check_links: bool = False) -> Readback:
    """The pull plan for `repo_name`, with the closer, commit and reason of every item it closes."""
    import github3

    stats = github.Stats()
    client = github.connect(token, api_url, policy, stats)
    try:
        repo = github.repository(client, repo_name)
        existing, objects = github.existing_issues(repo, handbook.config.issues.label)
        to_probe = probes(handbook, existing, repo_name) if check_links else []
        probed = {probe.key: _probe(repo, probe.number) for probe in to_probe}
    except github3.exceptions.GitHubException as exc:
        from opsbook.issues.sync import _describe

        raise OpsbookError(f"could not read the issues of {repo_name}: {_describe(exc)}; nothing was changed") from None
    plan = build_pull(handbook, existing, repo_name, probed)
    comments = {issue.number: issue.comments for issue in [*existing, *probed.values()] if isinstance(issue, ExistingIssue)}
    edits = tuple(_with_details(repo, edit, comments.get(edit.number, 0)) if edit.closed else edit
                  for edit in plan.edits)
    return Readback(dataclasses.replace(plan, edits=edits), stats, len(existing))


def _probe(repo, number: int) -> ExistingIssue | int:
    """The issue `number` wherever it now is (a transfer redirects), or GitHub's status for a deleted one."""
    import github3

    try:
        issue = repo.issue(number)
    except github3.exceptions.GitHubError as exc:
        if exc.code in (404, 410):
            return exc.code
        raise
    return github._existing(issue)


def _with_details(repo, edit: Edit, comments: int) -> Edit:
    issue_api = f"{repo.url}/issues/{edit.number}"
    events = _get(repo, f"{issue_api}/events", {"per_page": 100}) or []
    closed = [e for e in events if isinstance(e, dict) and e.get("event") == "closed"]
    last = closed[-1] if closed else {}
    by = (last.get("actor") or {}).get("login")
    via = f"{repo.html_url}/commit/{last['commit_id']}" if last.get("commit_id") else None
    reason = None
    if edit.status.value == "wont-do":
        reason = _closing_comment(repo, issue_api, comments, by)
    return edit.with_closing(Closing(by=by, via=via, reason=reason))


def _closing_comment(repo, issue_api: str, count: int, closer: str | None) -> str | None:
    """The issue's last comment, when its closer wrote it: one read, of the last page of one comment each."""
    if not count:
        return None
    page = _get(repo, f"{issue_api}/comments", {"per_page": 1, "page": count}) or []
    if not page or not isinstance(page[-1], dict):
        return None
    comment = page[-1]
    if closer and (comment.get("user") or {}).get("login") != closer:
        return None
    return _one_line(comment.get("body") or "")


def _one_line(text: str) -> str | None:
    """The first paragraph of a comment, on one line and cut to `_REASON_LIMIT` characters."""
    paragraph = next((p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()), "")
    line = " ".join(paragraph.split())
    if len(line) > _REASON_LIMIT:
        line = line[: _REASON_LIMIT - 1].rstrip() + "…"
    return line or None


def _get(repo, url: str, params: dict):
    """A read whose failure only loses a detail: None instead of an exception."""
    import github3
    import requests

    try:
        response = repo.session.get(url, params=params)
    except (requests.RequestException, github3.exceptions.GitHubException):
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None
