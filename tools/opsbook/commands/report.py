"""`ops report`: incident metrics for a period, as text, JSON or the site's Markdown."""

from __future__ import annotations

import datetime as dt

import click

from opsbook.dates import parse_as_of
from opsbook.problems import UsageError


def _day(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a date as YYYY-MM-DD") from None


def run(root: str, since: str | None, until: str | None, output_format: str, as_of: str | None) -> int:
    from opsbook.validation import load_handbook
    from opsbook.incident import metrics

    first, last = _day("--since", since), _day("--until", until)
    if first and last and last < first:
        raise UsageError(f"--until {last} is before --since {first}")
    now = parse_as_of(as_of)
    report = metrics.incident_report(load_handbook(root, now), first, last, as_of=now.date())
    render = {"json": metrics.as_json, "markdown": metrics.render_markdown}.get(output_format, metrics.render_text)
    click.echo(render(report), nl=False)
    return 0
