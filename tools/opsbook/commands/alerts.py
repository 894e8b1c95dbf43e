"""`ops alerts pull`: Alertmanager's firing alerts become incidents, exactly once.

The group declares its own options here (cli.py only adds it). The token comes from GITHUB_TOKEN and the
API base from GITHUB_API_URL, as for `ops issues sync`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from opsbook.problems import UsageError


@click.group()
def alerts() -> None:
    """Alertmanager's alerts: open the incidents they mean, once each."""


@alerts.command("pull")
@click.option("--alertmanager", "alertmanager", metavar="URL", help="Alertmanager's address.  "
              "[default: $ALERTMANAGER_URL, else alerts.alertmanager in opsbook.yaml]")
@click.option("--from", "from_file", metavar="FILE|-", help="Read Alertmanager's webhook body (version 4) from "
              "FILE, or standard input with -, instead of its API.")
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False), help="The handbook's folder.")
@click.option("--repo", metavar="OWNER/NAME", help="Also open one GitHub issue per incident (needs GITHUB_TOKEN).")
@click.option("--as-of", "as_of", metavar="WHEN", help="The time of the pull (a resolved alert's note is dated "
              "by it), instead of now.")
@click.option("--dry-run", is_flag=True, help="Read and show what would be done; write nothing.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def pull(alertmanager: str | None, from_file: str | None, root: str, repo: str | None, as_of: str | None,
         dry_run: bool, output_format: str) -> int:
    """Open an incident for each problem the firing alerts show; add a note when an alert's state changes."""
    return run_pull(root, alertmanager, from_file, repo, as_of, dry_run, output_format)


def run_pull(root: str, alertmanager: str | None, from_file: str | None, repo: str | None, as_of: str | None,
             dry_run: bool, output_format: str) -> int:
    from opsbook.alerts import pull as pulling
    from opsbook.alerts import report, source
    from opsbook.dates import parse_as_of

    if alertmanager and from_file:
        raise UsageError("give --alertmanager or --from, not both")
    now = parse_as_of(as_of).replace(microsecond=0)
    base = Path(root)
    contents = pulling.load(base)
    github = _github(repo, contents) if repo else None
    if from_file:
        reading = source.read_file(from_file, sys.stdin.read() if from_file == "-" else None)
    else:
        url = pulling.alertmanager_url(alertmanager, dict(os.environ), contents)
        reading = source.fetch(url, contents.config.alerts.timeout)
    result = pulling.pull(base, contents, reading, now=now, dry_run=dry_run, github=github,
                           environ=dict(os.environ))
    if output_format == "json":
        click.echo(json.dumps(result.as_dict(), default=str, indent=2))
    else:
        click.echo(report.text(result), nl=False)
    for problem in result.plan.problems:
        click.echo(f"ops: error: {problem}", err=True)
    if result.plan.problems:
        click.echo("ops: error: nothing was written; fix the alert rules or the handbook and pull again", err=True)
    return 0 if result.ok else 1


def _github(repo: str, contents):
    from opsbook.alerts.issue import Issues
    from opsbook.commands.issues import _api_url, _check_repo, _policy, _token

    _check_repo(repo)
    if not _token():
        raise UsageError("GITHUB_TOKEN is not set: --repo opens issues and needs a token that may write them")
    return Issues.read(repo, contents, token=_token(), api_url=_api_url(), policy=_policy(contents.config, None))
