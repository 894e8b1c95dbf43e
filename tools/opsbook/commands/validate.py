"""`ops validate`: check the handbook and report every problem once."""

from __future__ import annotations

import os

import click

from opsbook import reporting
from opsbook.dates import parse_as_of
from opsbook.handbook.cache import StoredCache
from opsbook.handbook.validate import check_handbook
from opsbook.problems import count


def run(root: str, output_format: str, strict: bool, as_of: str | None, cache: bool = True) -> int:
    now = parse_as_of(as_of)
    report = check_handbook(root, now, StoredCache.for_root(root) if cache else None)
    errors, warnings = count(report.problems)
    failed = errors > 0 or (strict and warnings > 0)
    summary = reporting.summary_line(report.problems, report.handbook, strict)
    if output_format == "json":
        click.echo(reporting.as_json(report.problems, summary, not failed), nl=False)
    elif output_format == "github":
        click.echo(reporting.as_github(report.problems, summary), nl=False)
        if path := os.environ.get("GITHUB_STEP_SUMMARY"):
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(reporting.step_summary(report.problems, summary))
    else:
        click.echo(reporting.as_text(report.problems, summary), nl=False)
    return 1 if failed else 0
