"""Read the tracking issues' states back from GitHub and plan the pull (`opsbook.issues.pull` decides).

What it asks GitHub, and why that is all (no read is ever made per item, except with `--check-links`):
1. The labelled issues (`state=all`, 100 a page): the listing `ops issues sync` makes, without the sync's
   reads of the repository and its labels. It carries each issue's `state`, `state_reason` (completed,
   not planned, reopened), `closed_at` and comment count, so an unchanged handbook costs the listing alone.
2. Only when the pull closes items (`details`): who closed each one and the commit that did, and for an
   item closed as not planned its closing comment. The listing has none of these (`closed_by` is only on
   the single issue), so they come from the repository's issue events and issue comments, newest first,
   100 a page: one read each in a week's ordinary traffic, at most `DETAIL_PAGES` each in a busy one,
   however many items close. What those pages do not reach keeps its closing date alone, and the plan
   says how many, or that GitHub did not answer the events listing (and with what status). The closing
   comment is still looked for then: without the closer, the newest comment around the close that the
   tool did not write (its reminders carry an `<!-- opsbook:` marker).
3. Only with `check_links` (`--check-links`): for each open item whose `issue:` names an issue of this
   repository that the listing lacks, that one issue, which answers 404 or 410 (deleted), 301 to where it
   was transferred (followed), or 200 (an issue without the tool's label). Off by default because it costs
   a read per such item on every run; without it the plan counts those items, so nobody is left unaware.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from opsbook.handbook.assembled import Handbook
from opsbook.issues import github
from opsbook.issues.existing import ExistingIssue
from opsbook.issues.pull import Closing, PullPlan, build_pull, probes
from opsbook.plural import plural
from opsbook.problems import OpsbookError

DETAIL_PAGES = 3  # pages of 100 repository-wide events (and comments) read at most for one pull
_REASON_LIMIT = 300  # characters of a closing comment kept as the reason: one line in the frontmatter
# A closing comment is written just before the close (GitHub's "Close with comment") or just after it.
_COMMENT_BEFORE = dt.timedelta(days=1)
_COMMENT_AFTER = dt.timedelta(minutes=10)


@dataclasses.dataclass
class Readback:
    plan: PullPlan
    stats: github.Stats
    listed: int  # how many labelled issues the listing returned


def read_back(handbook: Handbook, repo_name: str, *, token: str, api_url: str, policy: github.Policy,
              check_links: bool = False, details: bool = True) -> Readback:
    """The pull plan for `repo_name`; with `details`, the closer, commit and reason of every item it closes."""
    import github3

    stats = github.Stats()
    client = github.connect(token, api_url, policy, stats)
    repo_api = f"{client.session.base_url}/repos/{repo_name}"
    try:
        existing = github.labelled_issues(client, repo_name, handbook.config.issues.label)
        to_probe = probes(handbook, existing, repo_name) if check_links else []
        probed = {probe.key: _probe(client, repo_api, probe.number) for probe in to_probe}
    except github3.exceptions.GitHubException as exc:
        from opsbook.issues.sync import _describe

        raise OpsbookError(f"could not read the issues of {repo_name}: {_describe(exc)}; nothing was changed") from None
    plan = build_pull(handbook, existing, repo_name, probed)
    if details:
        listed = {issue.number: issue for issue in existing}
        plan = _with_details(client.session, repo_api, plan, listed)
    return Readback(plan, stats, len(existing))


def _with_details(session, repo_api: str, plan: PullPlan, listed: dict[int, ExistingIssue]) -> PullPlan:
    """The plan with each closing edit's closer, commit and reason, from the repository-wide listings."""
    closing = {edit.number: listed[edit.number] for edit in plan.edits
               if edit.closed and edit.number in listed and listed[edit.number].closed_at}
    if not closing:
        return plan
    events, failure = _closing_events(session, repo_api, closing)
    wont_do = {edit.number for edit in plan.edits if edit.status.value == "wont-do"}
    asking = {n: issue for n, issue in closing.items() if n in wont_do and issue.comments}
    closers = {n: (event.get("actor") or {}).get("login") for n, event in events.items()}
    reasons = _closing_comments(session, repo_api, asking, closers) if asking else {}
    edits = []
    for edit in plan.edits:
        event = events.get(edit.number)
        if event is not None or edit.number in reasons:
            via = _commit_url(listed[edit.number].url, (event or {}).get("commit_id"))
            edit = edit.with_closing(Closing(by=closers.get(edit.number), via=via, reason=reasons.get(edit.number)))
        edits.append(edit)
    missing = len(closing) - len(events)
    notes = plan.notes
    if missing:
        one = missing == 1
        whose = f"the {'closer' if one else 'closers'} of {plural(missing, 'closed issue')}"
        if failure:
            notes += (f"GitHub did not answer the events listing ({failure}): {whose} {'is' if one else 'are'} "
                      f"unknown; {'its' if one else 'their'} `closed` names no closer or commit",)
        else:
            notes += (f"{whose} {'is' if one else 'are'} not among the repository's newest {DETAIL_PAGES * 100} "
                      f"issue events; {'its' if one else 'their'} `closed` has the date alone",)
    return dataclasses.replace(plan, edits=tuple(edits), notes=notes)


def _closing_events(session, repo_api: str, closing: dict[int, ExistingIssue]) -> tuple[dict[int, dict], str | None]:
    """Each issue's last `closed` event, from the repository's events until all are settled or older;
    and why GitHub's listing stopped answering, if it did (`404`, `no answer`).

    GitHub lists them newest first, but does not promise it, so an issue's event is the newest `closed`
    one seen, and it is settled when its time is the issue's `closed_at`.
    """
    found: dict[int, dict] = {}
    settled: set[int] = set()
    oldest = _stamp(min(issue.closed_at for issue in closing.values()))
    listing = _Listing(session, f"{repo_api}/issues/events")
    for page in listing:
        for event in page:
            number = (event.get("issue") or {}).get("number")
            if event.get("event") != "closed" or number not in closing:
                continue
            when = str(event.get("created_at") or "")
            if number not in found or when > str(found[number].get("created_at") or ""):
                found[number] = event
            if when == _stamp(closing[number].closed_at):
                settled.add(number)
        if len(settled) == len(closing) or min((str(e.get("created_at") or "") for e in page), default="") < oldest:
            break
    return found, listing.failure


def _closing_comments(session, repo_api: str, asking: dict[int, ExistingIssue],
                      closers: dict[int, str | None]) -> dict[int, str]:
    """The closer's comment around each close, read newest first from the repository's comments."""
    since = min(issue.closed_at for issue in asking.values()) - _COMMENT_BEFORE
    by_url = {issue.url.rstrip("/"): number for number, issue in asking.items()}
    found: dict[int, str] = {}
    params = {"sort": "created", "direction": "desc", "since": _stamp(since)}
    for page in _Listing(session, f"{repo_api}/issues/comments", params):
        for comment in page:
            number = by_url.get(_html_issue(comment))
            if number is None or number in found:
                continue
            issue, closer = asking[number], closers.get(number)
            written = _parse(comment.get("created_at"))
            if closer is not None and (comment.get("user") or {}).get("login") != closer:
                continue  # only the closer's own words are their reason
            if "<!-- opsbook:" in (comment.get("body") or ""):
                continue  # never a reminder the tool wrote (what is left when the closer is unknown)
            if written is None or written > issue.closed_at + _COMMENT_AFTER:
                continue
            if (reason := _one_line(comment.get("body") or "")) is not None:
                found[number] = reason
        if len(found) == len(asking):
            break
    return found


class _Listing:
    """Up to `DETAIL_PAGES` pages of a listing, following GitHub's Link header; a failed read ends them
    and says why in `failure` (GitHub's status, such as `404`, or `no answer`)."""

    def __init__(self, session, url: str, params: dict | None = None) -> None:
        self.session, self.url, self.params = session, url, {"per_page": 100, **(params or {})}
        self.failure: str | None = None

    def __iter__(self):
        url, params = self.url, self.params
        for _ in range(DETAIL_PAGES):
            page = _get(self.session, url, params)
            if isinstance(page, str):
                self.failure = page
                return
            if not page:
                return
            yield [item for item in page if isinstance(item, dict)]
            url, params = page.next_url, None
            if url is None:
                return


class _Page(list):
    next_url: str | None = None


def _html_issue(comment: dict) -> str:
    """The issue page a comment belongs to: its html_url without the `#issuecomment-…` anchor."""
    return str(comment.get("html_url") or "").split("#", 1)[0].rstrip("/")


def _commit_url(issue_html_url: str, sha: str | None) -> str | None:
    if not sha:
        return None
    repo_page = issue_html_url.rsplit("/issues/", 1)[0]
    return f"{repo_page}/commit/{sha}"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _probe(client, repo_api: str, number: int) -> ExistingIssue | int:
    """The issue `number` wherever it now is (a transfer redirects), or GitHub's status for a deleted one."""
    import github3
    from github3.issues import Issue

    response = client.session.get(f"{repo_api}/issues/{number}")
    if response.status_code in (404, 410):
        return response.status_code
    if response.status_code != 200:
        raise github3.exceptions.error_for(response)
    return github._existing(Issue(response.json(), client))


def _one_line(text: str) -> str | None:
    """The first paragraph of a comment, on one line and cut to `_REASON_LIMIT` characters."""
    paragraph = next((p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()), "")
    line = " ".join(paragraph.split())
    if len(line) > _REASON_LIMIT:
        line = line[: _REASON_LIMIT - 1].rstrip() + "…"
    return line or None


def _get(session, url: str, params: dict | None) -> _Page | str:
    """A read whose failure only loses a detail: what went wrong (`404`, `no answer`) instead of an exception."""
    import github3
    import requests

    try:
        response = session.get(url, params=params)
    except (requests.RequestException, github3.exceptions.GitHubException):
        return "no answer"
    if response.status_code != 200:
        return str(response.status_code)
    try:
        body = response.json()
    except ValueError:
        return "an answer that is not JSON"
    if not isinstance(body, list):
        return "an answer that is not a list"
    page = _Page(body)
    page.next_url = (response.links.get("next") or {}).get("url")
    return page
