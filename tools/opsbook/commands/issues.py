"""`ops issues plan` and `ops issues sync`: open each due review's GitHub issue exactly once.

The token comes from GITHUB_TOKEN only and is never printed; the API base from GITHUB_API_URL (as GitHub
Actions sets it). Tuning for tests and impatient people: `--write-interval` (or OPSBOOK_WRITE_INTERVAL)
overrides `issues.seconds_between_writes`; OPSBOOK_BACKOFF is the first retry delay in seconds (default 2;
a secondary rate limit without Retry-After waits 30 times it); OPSBOOK_MAX_WAIT the longest rate-limit
wait accepted before giving up (default 900).
"""

from __future__ import annotations

import contextvars
import os
import re

import click

from opsbook.dates import parse_as_of
from opsbook.problems import OpsbookError, UsageError

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def _token() -> str:
    return os.environ.get("GITHUB_TOKEN", "").strip()


def _api_url() -> str:
    from opsbook.issues.github import DEFAULT_API

    return os.environ.get("GITHUB_API_URL", "").strip() or DEFAULT_API


def _seconds(name: str, value: str | None, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise UsageError(f"{name} {value!r}: expected a number of seconds (0 or more)")
    return seconds


def _policy(config, write_interval: str | None):
    from opsbook.issues.github import Policy

    interval = _seconds("--write-interval", write_interval, _seconds(
        "OPSBOOK_WRITE_INTERVAL", os.environ.get("OPSBOOK_WRITE_INTERVAL"), config.issues.seconds_between_writes))
    backoff = _seconds("OPSBOOK_BACKOFF", os.environ.get("OPSBOOK_BACKOFF"), 2.0)
    max_wait = _seconds("OPSBOOK_MAX_WAIT", os.environ.get("OPSBOOK_MAX_WAIT"), 900.0)
    return Policy(write_interval=interval, backoff_base=backoff, backoff_cap=max(backoff, 60.0),
                  secondary_wait=30 * backoff, max_wait=max_wait)


def _check_repo(repo: str) -> None:
    if not _REPO.match(repo):
        raise UsageError(f"--repo {repo!r}: expected OWNER/NAME, such as giftgenius/handbook")


def run_plan(root: str, as_of: str | None, output_format: str, repo: str | None) -> int:
    """Show what a sync would do. Reads GitHub only with --repo (and GITHUB_TOKEN); changes nothing."""
    return contextvars.copy_context().run(_run_plan, root, as_of, output_format, repo)


def _run_plan(root: str, as_of: str | None, output_format: str, repo: str | None) -> int:
    from opsbook.validation import load_handbook
    from opsbook.issues import report
    from opsbook.issues.plan import build_plan
    from opsbook.issues.sync import read_plan

    now = parse_as_of(as_of)
    handbook = load_handbook(root, now)
    _measure_reviews(handbook, now)
    if repo:
        _check_repo(repo)
        if not _token():
            raise UsageError("--repo reads the repository's issues and needs GITHUB_TOKEN; "
                             "leave out --repo to plan as if none existed")
        plan = read_plan(handbook, repo, now, token=_token(), api_url=_api_url(), policy=_policy(handbook.config, None))[0]
    else:
        plan = build_plan(handbook, now, None)
    click.echo(report.plan_json(plan, repo) if output_format == "json" else report.plan_text(plan, repo), nl=False)
    return 0


def run_sync(root: str, repo: str, as_of: str | None, dry_run: bool, output_format: str,
             write_interval: str | None) -> int:
    """Apply the plan on GitHub; 0 when everything was done, 1 when something was left for the next run."""
    return contextvars.copy_context().run(_run_sync, root, repo, as_of, dry_run, output_format, write_interval)


def _run_sync(root: str, repo: str, as_of: str | None, dry_run: bool, output_format: str,
              write_interval: str | None) -> int:
    from opsbook.validation import load_handbook
    from opsbook.issues import report
    from opsbook.issues.plan import build_plan
    from opsbook.issues.sync import sync

    _check_repo(repo)
    now = parse_as_of(as_of)
    handbook = load_handbook(root, now)
    _measure_reviews(handbook, now)
    policy = _policy(handbook.config, write_interval)
    if not _token():
        if not dry_run:
            raise UsageError("GITHUB_TOKEN is not set: a sync needs a token that may write issues "
                             "(use --dry-run to see the plan without one)")
        click.echo("GITHUB_TOKEN is not set: planning without reading GitHub.", err=True)
        plan = build_plan(handbook, now, None)
        click.echo(report.plan_json(plan, repo) if output_format == "json" else report.plan_text(plan, repo), nl=False)
        return 0
    try:
        result = sync(handbook, repo, now, token=_token(), api_url=_api_url(), policy=policy, dry_run=dry_run)
    except OpsbookError as exc:
        _summary(f"### Review issues: {repo}\n\n**Nothing was changed:** {exc}\n")
        raise
    click.echo(report.sync_json(result) if output_format == "json" else report.sync_text(result), nl=False)
    _summary(report.step_summary(result))
    return 0 if result.ok else 1


def _measure_reviews(handbook, now) -> None:
    """With a Prometheus (PROMETHEUS_URL, else opsbook.yaml's prometheus.url), review issues quote the
    SLOs' measured numbers; set for this command's context only (run_plan and run_sync copy it)."""
    url = os.environ.get("PROMETHEUS_URL") or handbook.config.prometheus.url
    if not url:
        return
    from opsbook.issues.context import live_numbers
    from opsbook.slo.prometheus import Prometheus
    from opsbook.slo.review import ReviewNumbers

    live_numbers.set(ReviewNumbers(Prometheus(url, handbook.config.prometheus.timeout), now, handbook.config.site_url))


def _summary(markdown: str) -> None:
    """Append to the GitHub Actions job summary, when running in a job."""
    if path := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown)
