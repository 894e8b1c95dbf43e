"""`ops validate`: check the handbook and report every problem once."""

from __future__ import annotations

import os
from pathlib import Path

import click

from opsbook import reporting
from opsbook.dates import parse_as_of
from opsbook.handbook import verdicts
from opsbook.handbook.cache import store_path
from opsbook.problems import UsageError, count


def run(root: str, output_format: str, strict: bool, as_of: str | None, cache: bool = True) -> int:
    now = parse_as_of(as_of)
    if not Path(root).is_dir():
        raise UsageError(f"{root}: no such handbook folder")
    # A run over unchanged files within the time its last report holds prints that report: no models.
    store = store_path(root) if cache else None
    verdict_store = store.with_suffix(".verdict") if store else None
    key = verdicts.verdict_key(Path(root), strict) if verdict_store else ""
    recalled = verdicts.recall(verdict_store, key, now)
    if recalled is not None:
        problems, summary = recalled
    else:
        from opsbook.handbook.cache import StoredCache
        from opsbook.validation import check_handbook

        report = check_handbook(root, now, StoredCache(store) if cache else None)
        problems = report.problems
        summary = reporting.summary_line(problems, report.handbook, strict)
        verdicts.remember(verdict_store, key, now, report.valid_until, problems, summary)
    errors, warnings = count(problems)
    failed = errors > 0 or (strict and warnings > 0)
    if output_format == "json":
        click.echo(reporting.as_json(problems, summary, not failed), nl=False)
    elif output_format == "github":
        click.echo(reporting.as_github(problems, summary), nl=False)
        if path := os.environ.get("GITHUB_STEP_SUMMARY"):
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(reporting.step_summary(problems, summary))
    else:
        click.echo(reporting.as_text(problems, summary), nl=False)
    return 1 if failed else 0
