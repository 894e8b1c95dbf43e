"""Talking to GitHub politely, through github3.py: pacing, retries and rate limits, which github3.py lacks.

A requests transport adapter mounted on github3.py's session does the work for every call:
- writes are serial and at least `write_interval` seconds apart (GitHub asks for a second between
  content-creating requests and allows about 80 a minute);
- a 403 or 429 that is a rate limit waits for `Retry-After`, else until `x-ratelimit-reset`, else backs off
  (a minute for a secondary limit), then tries again; a wait longer than `max_wait` gives up instead;
- a 5xx answer or a dropped connection is retried with capped exponential backoff, except for a POST that
  creates an issue or a comment: it may have taken effect before the answer was lost, so the caller checks
  before trying again (creating a label twice is harmless: GitHub answers `already_exists`).

Existing issues are read from the Issues list API filtered by the tool's label (`state=all`, 100 a page),
never from the Search API, whose index lags behind fresh writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Callable

import requests
from requests.adapters import HTTPAdapter

from opsbook.issues.existing import ExistingIssue
from opsbook.problems import OpsbookError

DEFAULT_API = "https://api.github.com"
_RETRYABLE_CONNECTION = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


@dataclasses.dataclass
class Policy:
    """How patient to be. Tests shrink the numbers; the defaults suit GitHub's documented limits."""

    write_interval: float = 1.0
    backoff_base: float = 2.0
    backoff_cap: float = 60.0
    attempts: int = 5
    max_wait: float = 900.0
    secondary_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failure (1-based): base, 2×base, 4×base… up to the cap."""
        return min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))


@dataclasses.dataclass
class Stats:
    """What one run asked of the API: every HTTP attempt counts, retries included."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    waited: float = 0.0
    waits: list[str] = dataclasses.field(default_factory=list)


class GaveUp(OpsbookError):
    """A rate limit asked for a longer wait than allowed, or a request failed on every attempt."""


def rate_limit_wait(response: requests.Response, policy: Policy, attempt: int) -> float | None:
    """Seconds to wait before retrying a rate-limited answer; None when the answer is not a rate limit."""
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    if (retry_after := headers.get("Retry-After", "")).strip().isdigit():
        return float(retry_after)
    if headers.get("X-RateLimit-Remaining") == "0" and (reset := headers.get("X-RateLimit-Reset", "")).isdigit():
        return max(0.0, int(reset) - policy.now()) + 1.0
    if response.status_code == 429 or "rate limit" in response.text.lower():
        return max(policy.secondary_wait, policy.backoff(attempt))
    return None  # a plain 403: the token may not do this; retrying will not help


class PoliteAdapter(HTTPAdapter):
    """Paces writes and retries what is safe to retry (see the module's docstring)."""

    def __init__(self, policy: Policy, stats: Stats):
        super().__init__()
        self.policy, self.stats = policy, stats
        self._last_write: float | None = None

    def _wait(self, seconds: float, why: str) -> None:
        if seconds > 0:
            self.stats.waited += seconds
            self.stats.waits.append(f"{why}: waited {seconds:g}s")
            self.policy.sleep(seconds)

    def _pace(self) -> None:
        if self._last_write is not None:
            self._wait(self._last_write + self.policy.write_interval - time.monotonic(), "pacing")
        self._last_write = time.monotonic()

    def send(self, request, **kwargs):  # noqa: D102 - requests' own signature
        policy, write = self.policy, request.method not in ("GET", "HEAD")
        for attempt in range(1, policy.attempts + 1):
            if write:
                self._pace()
                self.stats.writes += 1
            else:
                self.stats.reads += 1
            last = attempt == policy.attempts
            try:
                response = super().send(request, **kwargs)
            except _RETRYABLE_CONNECTION:
                if not _repeatable(request) or last:
                    raise
                self.stats.retries += 1
                self._wait(policy.backoff(attempt), f"{request.method} connection lost")
                continue
            wait = rate_limit_wait(response, policy, attempt)
            if wait is not None:
                if wait > policy.max_wait:
                    raise GaveUp(f"GitHub's rate limit asks for a wait of {wait:.0f}s (more than {policy.max_wait:.0f}s)")
                if last:
                    raise GaveUp(f"still rate-limited after {policy.attempts} attempts")
            elif response.status_code >= 500 and _repeatable(request) and not last:
                wait = policy.backoff(attempt)
            else:
                return response
            response.close()
            self.stats.retries += 1
            self._wait(wait, f"{request.method} answered {response.status_code}")
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


def _repeatable(request) -> bool:
    """Whether sending `request` twice does no harm: every method but a POST that creates content."""
    return request.method != "POST" or request.path_url.split("?")[0].endswith("/labels")


def connect(token: str, api_url: str, policy: Policy, stats: Stats):
    """A github3.py client for `api_url` (api.github.com, or an Enterprise `…/api/v3` base) with the adapter."""
    import github3

    base = (api_url or DEFAULT_API).rstrip("/")
    if base == DEFAULT_API:
        client = github3.GitHub(token=token)
    elif base.endswith("/api/v3"):
        client = github3.GitHubEnterprise(base[: -len("/api/v3")], token=token)
    else:  # another API host (such as GHE.com's api.<name>.ghe.com) that is not under /api/v3
        client = github3.GitHub(token=token)
        client.session.base_url = base
    adapter = PoliteAdapter(policy, stats)
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client


def repository(client, full_name: str):
    """The repository OWNER/NAME; a clear error when it is missing or the token cannot see it."""
    owner, _, name = full_name.partition("/")
    with _reading(full_name):
        return client.repository(owner, name)


@contextlib.contextmanager
def _reading(full_name: str):
    """Turn GitHub's 404 and 401 on the repository (or its issue listing) into errors people can act on."""
    import github3

    try:
        yield
    except github3.exceptions.NotFoundError:
        raise OpsbookError(f"repository {full_name} not found (or GITHUB_TOKEN cannot read it)") from None
    except github3.exceptions.AuthenticationFailed:
        raise OpsbookError("GitHub refused GITHUB_TOKEN (401 Bad credentials)") from None


def _existing(issue) -> ExistingIssue:
    # github3.py does not parse `state_reason`; the list endpoint sends it, so read it from the raw payload.
    raw = issue.as_dict()
    return ExistingIssue(number=issue.number, title=issue.title, body=issue.body, state=issue.state,
                         labels=tuple(label.name for label in issue.original_labels), url=issue.html_url,
                         state_reason=raw.get("state_reason"), closed_at=issue.closed_at,
                         comments=issue.comments_count or 0,
                         assignees=tuple(user.get("login") for user in raw.get("assignees") or []
                                         if isinstance(user, dict) and user.get("login")))


def existing_issues(repo, label: str) -> tuple[list[ExistingIssue], dict[int, object]]:
    """Every issue carrying `label`, open or closed (pull requests left out), and the github3 objects by number."""
    objects = {issue.number: issue for issue in _issues_only(repo.issues(state="all", labels=label, number=-1))}
    return [_existing(issue) for issue in objects.values()], objects


def labelled_issues(client, full_name: str, label: str) -> list[ExistingIssue]:
    """`existing_issues` without reading the repository first: one read a page, and that is all.

    The pull needs only the listing, so it asks for `/repos/OWNER/NAME/issues` straight away; a 404 there
    means what a 404 on the repository means.
    """
    from github3.issues import ShortIssue
    from github3.structs import GitHubIterator

    url = f"{client.session.base_url}/repos/{full_name}/issues"
    with _reading(full_name):
        return [_existing(issue) for issue in _issues_only(
            GitHubIterator(-1, url, ShortIssue, client, params={"state": "all", "labels": label}))]


def _issues_only(listing):
    """The listing's issues, without pull requests (the Issues API lists both); number=-1 or a
    GitHubIterator of -1 reads 100 a page, every page."""
    return (issue for issue in listing if not getattr(issue, "pull_request_urls", None))


def find_by_key(repo, label: str, key: str, newest: int = 10):
    """The newest issue with `label` whose marker is `key` among the `newest` created: did a lost create land?"""
    from opsbook.issues.body import parse_marker

    for issue in repo.issues(state="all", labels=label, sort="created", direction="desc", number=newest):
        if parse_marker(issue.body) == key:
            return issue
    return None


def describe(exc: Exception) -> str:
    """A one-line description of a failure that never includes request headers (where the token is)."""
    import github3

    if isinstance(exc, github3.exceptions.GitHubError):
        # GitHub says what it refused in `errors` (e.g. "body is too long (maximum is 65536 characters)").
        said = [e["message"] for e in getattr(exc, "errors", None) or [] if isinstance(e, dict) and e.get("message")]
        return f"{exc.code} {exc.msg}" + (f": {'; '.join(said)}" if said else "")
    if isinstance(exc, github3.exceptions.ConnectionError):
        return "the connection to GitHub was lost"
    return str(exc) or type(exc).__name__


def create_once(repo, key: str, label: str, title: str, body: str, labels: list[str], assignees: list[str],
                policy: Policy, stats: Stats) -> tuple[object, str]:
    """Create the issue whose marker is `key`, exactly once: a create whose answer was lost (5xx, dropped
    connection) is looked for among the newest issues before it is tried again. An assignee the repository
    refuses is dropped and said. The issue, and what could not be done ('' when all was)."""
    import github3

    detail = ""
    for attempt in range(1, policy.attempts + 1):
        try:
            return repo.create_issue(title, body=body, labels=labels, assignees=assignees or None), detail
        except github3.exceptions.UnprocessableEntity as exc:
            if not assignees or not any(e.get("field") in ("assignee", "assignees") for e in exc.errors):
                raise
            detail = f"could not assign {', '.join('@' + a for a in assignees)}: not assignable in this repository"
            assignees = []
        except (github3.exceptions.ServerError, github3.exceptions.ConnectionError) as exc:
            # The issue may exist even though its answer was lost: look before trying again.
            found = find_by_key(repo, label, key)
            if found is not None:
                return found, "created; GitHub's answer was lost"
            if attempt == policy.attempts:
                raise GaveUp(f"creating failed {attempt} times: {describe(exc)}") from None
            stats.retries += 1
            stats.waited += policy.backoff(attempt)
            policy.sleep(policy.backoff(attempt))
    raise GaveUp("creating failed: the assignee could not be dropped")


def ensure_labels(repo, wanted: dict[str, tuple[str, str]]) -> list[str]:
    """Create the labels in `wanted` (name → (colour, description)) that the repository lacks; their names."""
    import github3

    have = {label.name.lower() for label in repo.labels(number=-1)}
    created = []
    for name, (color, description) in wanted.items():
        if name.lower() in have:
            continue
        try:
            repo.create_label(name, color, description)
        except github3.exceptions.UnprocessableEntity as exc:
            if not any(error.get("code") == "already_exists" for error in exc.errors):
                raise
            continue  # another run made it in the meantime
        created.append(name)
    return created
