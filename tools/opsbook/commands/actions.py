"""`ops actions pull` and `ops actions status`: action items' tracking issues read back into the handbook.

The token comes from GITHUB_TOKEN, the API base from GITHUB_API_URL and the repository, when --repo is
not given, from GITHUB_REPOSITORY (all three as GitHub Actions sets them).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from opsbook.commands.issues import _api_url, _check_repo, _policy, _summary, _token
from opsbook.dates import parse_as_of
from opsbook.problems import UsageError


def _read(root: str, repo: str | None, as_of: str | None, check_links: bool, details: bool = True):
    from opsbook.validation import check_handbook
    from opsbook.problems import HandbookInvalid
    from opsbook.issues.readback import read_back

    repo = repo or os.environ.get("GITHUB_REPOSITORY", "").strip()
    if not repo:
        raise UsageError("give --repo OWNER/NAME (or set GITHUB_REPOSITORY)")
    _check_repo(repo)
    if not _token():
        raise UsageError("GITHUB_TOKEN is not set: reading the tracking issues needs a token that may read issues")
    now = parse_as_of(as_of)
    report = check_handbook(root, now)
    if report.handbook is None:
        raise HandbookInvalid(report.problems)
    handbook = report.handbook
    readback = read_back(handbook, repo, token=_token(), api_url=_api_url(), policy=_policy(handbook.config, None),
                         check_links=check_links, details=details)
    return repo, now, readback, report.contents


def run_status(root: str, repo: str | None, as_of: str | None, output_format: str, check_links: bool = False) -> int:
    """Print what a pull would change and every disagreement; writes nothing."""
    from opsbook.issues.pull import pull_json, pull_text

    repo, _, readback, _ = _read(root, repo, as_of, check_links, details=False)  # who closed it is not printed
    plan = readback.plan
    click.echo(pull_json(plan, repo) if output_format == "json" else pull_text(plan, repo), nl=False)
    return 0


def run_pull(root: str, repo: str | None, as_of: str | None, dry_run: bool, output_format: str,
             check_links: bool = False) -> int:
    """Write the tracking issues' states into the post-mortems; 1 when a file could not be written."""
    from opsbook.issues.pull import pull_json, pull_text
    from opsbook.issues.writeback import write_edits

    repo, now, readback, contents = _read(root, repo, as_of, check_links)
    plan = readback.plan
    written: list[str] = []
    refused: list[str] = []
    if not dry_run:
        result = write_edits(Path(root), plan, now, contents=contents.without_postmortems())
        written, refused = result.written, result.refused
    text = pull_json(plan, repo, written) if output_format == "json" else pull_text(plan, repo, written=written,
                                                                                    dry_run=dry_run)
    click.echo(text, nl=False)
    for reason in refused:
        click.echo(f"ops: error: {reason}", err=True)
    _summary(f"### Action items: {repo}\n\n```\n{pull_text(plan, repo, written=written, dry_run=dry_run)}```\n")
    return 1 if refused else 0
