"""`ops build`: validate the handbook, then build the site and its feeds, its `opsbook.json` (what an
organisation reads, `opsbook.org.export`), and the status page (inside the site
at status/ when it is published there, which is the default; beside the site when it has a domain of its
own); say where everything is."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from opsbook import reporting
from opsbook.dates import parse_as_of
from opsbook.validation import check_handbook
from opsbook.plural import plural
from opsbook.problems import UsageError, count


def run(root: str, site_dir: str | None, as_of: str | None, prometheus: str | None = None,
        carry_over: bool = False) -> int:
    if prometheus is not None and not prometheus.startswith(("http://", "https://")):
        raise UsageError(f"--prometheus {prometheus!r}: expected an http:// or https:// address, such as "
                         "http://localhost:9090")
    from_environment = _prometheus_from_environment()  # a usage error before anything is read
    now = parse_as_of(as_of)
    from opsbook.site import hosting

    limit = hosting.limit_from(os.environ)
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

    from opsbook.commands.status import echo_built
    from opsbook.site.build import build_site
    from opsbook.status.view import folder_in_site

    messages: list[str] = []
    in_site = folder_in_site(report.handbook.config)
    status_built = []  # what `add_status` wrote inside the new site, to report once the site is in place

    # As `ops slo status` and the review issues: the option, else PROMETHEUS_URL, else opsbook.yaml's.
    prometheus = prometheus or from_environment or report.handbook.config.prometheus.url
    measured = _measure(report.handbook, prometheus, now) if prometheus else None

    def add(staging: Path, target: Path) -> None:
        from opsbook.org.contract import FILE
        from opsbook.org.export import render_export

        (staging / FILE).write_bytes(render_export(report.handbook, now, measured))  # staging: renamed whole
        if in_site:
            status_built.append(_status_in_site(report.handbook, staging, target, in_site, now))

    try:
        # The site is built as of the moment validated above, with that validation (not a second one).
        built = build_site(root, site_dir, now.isoformat(), messages, add=add,
                           measured=measured, checked=report,
                           before=(lambda target: _carry_over(report.handbook, target, in_site)) if carry_over else None)
    finally:
        for line in messages:
            click.echo(line, err=True)
    feed = built.site_dir / "feeds" / "handbook.ics"
    click.echo(f"✓ site: {built.site_dir} ({plural(built.pages, 'page')}, {hosting.human(built.size.total)}); "
               f"open {built.site_dir / 'index.html'}")
    if (too_big := hosting.warning(built.size, limit)) is not None:
        click.echo(too_big, err=True)
    others = plural(len(built.feeds) - 1, "per-person or per-review feed", "per-person and per-review feeds")
    click.echo(f"✓ feed: {feed} and {others} beside it")
    click.echo(f"  published at {built.site_url}, subscribe with {_webcal(built.site_url)}feeds/handbook.ics")
    click.echo(f"✓ export for the organisation view: {built.site_dir / 'opsbook.json'}")
    if status_built:
        echo_built(status_built[0], out=built.site_dir / in_site, with_site=True)
    else:
        from opsbook.status.build import DEFAULT_DIR, write_status

        echo_built(write_status(report.handbook, built.site_dir.parent / DEFAULT_DIR, now))
    return 0


def _carry_over(handbook, site_dir: Path, in_site: str | None) -> None:
    """Fetch the published calendars the site folder lacks (`opsbook.site.published`) and say what came."""
    from opsbook.calendar.feed import feed_paths
    from opsbook.handbook.checks import SITE_URL_PLACEHOLDERS
    from opsbook.site.published import fetch_published
    from opsbook.status.build import DEFAULT_DIR
    from opsbook.status.view import status_url

    site_url = handbook.config.site_url
    if any(marker in site_url.upper() for marker in SITE_URL_PLACEHOLDERS):
        click.echo("! nothing carried over: site_url is still the placeholder `ops init` wrote", err=True)
        return
    results = [fetch_published(site_url, [path for path in feed_paths(handbook) if path.endswith(".ics")], site_dir)]
    if not results[0].failed:
        status_dir = site_dir / in_site if in_site else site_dir.parent / DEFAULT_DIR
        results.append(fetch_published(status_url(handbook.config), ["maintenance.ics"], status_dir))
    failed = next((result.failed for result in results if result.failed), None)
    if failed:
        click.echo(f"! nothing more carried over: {failed}; changed events start again at SEQUENCE 0", err=True)
        return
    count = sum(len(result.fetched) for result in results)
    click.echo(f"✓ carried over {plural(count, 'published calendar')} from {site_url}")


def _prometheus_from_environment() -> str | None:
    url = os.environ.get("PROMETHEUS_URL", "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise UsageError(f"PROMETHEUS_URL={url!r}: expected an http:// or https:// address, such as "
                         "http://localhost:9090")
    return url or None


def _measure(handbook, url: str, now):
    """The SLOs' numbers from Prometheus at `now` over the last week, and each one's error budget over its
    window, for the SLO pages and their charts; a report that says why when Prometheus cannot answer (the
    site still builds, and says the numbers are missing)."""
    from opsbook.slo import status
    from opsbook.slo.prometheus import Prometheus

    week = dt.timedelta(days=7)
    report = status.collect(Prometheus(url, handbook.config.prometheus.timeout), handbook.slos.values(), now, week,
                            budgets=True)
    if report.missing is not None:
        click.echo(f"! SLO numbers missing: Prometheus {report.missing}; the SLO pages say so", err=True)
    return report


def _status_in_site(handbook, staging: Path, target: Path, folder: str, now):
    """The status page inside the new site, at the folder its URL names, so publishing the site publishes it.

    The last build's `maintenance.ics` is carried over first, so moved windows raise their SEQUENCE.
    """
    import shutil

    from opsbook.status.build import write_status

    out = staging / folder  # free: the plugin refuses pages of the site's own there
    previous = target / folder / "maintenance.ics"
    if previous.is_file():
        out.mkdir(parents=True)
        shutil.copy2(previous, out / "maintenance.ics")
    return write_status(handbook, out, now)


def _webcal(site_url: str) -> str:
    from opsbook import urls

    return urls.webcal(site_url.rstrip("/") + "/")
