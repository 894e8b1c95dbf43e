"""`ops build`: validate the handbook, then build the site and its feeds, and the status page beside the site;
say where everything is."""

from __future__ import annotations

import click

from opsbook import reporting
from opsbook.dates import parse_as_of
from opsbook.handbook.validate import check_handbook
from opsbook.plural import plural
from opsbook.problems import count


def run(root: str, site_dir: str | None, as_of: str | None) -> int:
    now = parse_as_of(as_of)
    report = check_handbook(root, now)
    errors, warnings = count(report.problems)
    if errors:
        click.echo(reporting.as_text(report.problems, f"✗ {plural(errors, 'error')}, {plural(warnings, 'warning')}; "
                                                      "the site was not built"), nl=False, err=True)
        return 1
    summary = reporting.summary_line(report.problems, report.handbook)
    if warnings:
        click.echo(reporting.as_text(report.problems, summary), nl=False, err=True)
    else:
        click.echo(summary)

    from opsbook.site.build import build_site

    messages: list[str] = []
    try:
        built = build_site(root, site_dir, as_of, messages)
    finally:
        for line in messages:
            click.echo(line, err=True)
    feed = built.site_dir / "feeds" / "handbook.ics"
    click.echo(f"✓ site: {built.site_dir} ({plural(built.pages, 'page')}); open {built.site_dir / 'index.html'}")
    others = plural(len(built.feeds) - 1, "per-person or per-review feed", "per-person and per-review feeds")
    click.echo(f"✓ feed: {feed} and {others} beside it")
    click.echo(f"  published at {built.site_url}, subscribe with {_webcal(built.site_url)}feeds/handbook.ics")
    _build_status(report.handbook, built.site_dir, now)
    return 0


def _build_status(handbook, site_dir, now) -> None:
    """The public status page, beside the site rather than in it: it is published on its own."""
    from opsbook.commands.status import echo_built
    from opsbook.status.build import DEFAULT_DIR, write_status

    echo_built(write_status(handbook, site_dir.parent / DEFAULT_DIR, now))


def _webcal(site_url: str) -> str:
    from opsbook import urls

    return urls.webcal(site_url.rstrip("/") + "/")
