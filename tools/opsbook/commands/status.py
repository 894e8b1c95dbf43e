"""`ops status build`: validate, then write the public status page into its own folder."""

from __future__ import annotations

from pathlib import Path

import click

from opsbook import reporting
from opsbook.dates import parse_as_of
from opsbook.validation import check_handbook
from opsbook.plural import plural
from opsbook.problems import count


def run_build(root: str, out: str | None, as_of: str | None) -> int:
    from opsbook.status.build import DEFAULT_DIR, write_status

    now = parse_as_of(as_of)
    report = check_handbook(root, now)
    errors, warnings = count(report.problems)
    if errors:
        click.echo(reporting.as_text(report.problems, f"✗ {plural(errors, 'error')}, {plural(warnings, 'warning')}; "
                                                      "the status page was not built"), nl=False, err=True)
        return 1
    if warnings:
        click.echo(reporting.as_text(report.problems, reporting.summary_line(report.problems, report.handbook)),
                   nl=False, err=True)
    built = write_status(report.handbook, Path(out) if out else Path(root) / DEFAULT_DIR, now)
    echo_built(built)
    return 0


def echo_built(built, out: Path | None = None, with_site: bool = False) -> None:
    """The lines `ops status build` and `ops build` print about the status page (at `out` once moved there)."""
    view, out = built.view, out or built.out
    click.echo(f"✓ status page: {out} ({plural(len(view.components), 'component')}, "
               f"{plural(len(view.active), 'active incident')}, {plural(len(view.upcoming), 'maintenance window')} "
               f"ahead); open {out / 'index.html'}")
    where = f"published with the site at {view.url}" if with_site else f"publish it at {view.url}"
    click.echo(f"  {where}; feeds: feed.atom, components/<id>.atom, maintenance.ics")
