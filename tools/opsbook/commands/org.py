"""`ops org init` and `ops org build`: the organisation's view, declared here with their options
(`cli.py` only adds the group)."""

from __future__ import annotations

from pathlib import Path

import click

from opsbook.plural import plural


@click.group()
def org() -> None:
    """The organisation's view, built from what each team's handbook publishes."""


@org.command("init")
@click.argument("directory", metavar="DIR")
@click.option("--name", required=True, help="The organisation's name.")
def org_init(directory: str, name: str) -> int:
    """Start an organisation's repository in DIR: org.yaml, mkdocs.yml, the Publish workflow."""
    from opsbook.org.starter import OrgSettings, create_org

    settings = OrgSettings(name)
    written = create_org(Path(directory), settings)
    click.echo(f"✓ wrote {plural(len(written), 'file')} into {directory}")
    click.echo(f"✓ requirements.txt pins the toolkit as installed here: {settings.pin.requirement}")
    click.echo("Next: list your teams in org.yaml (id, name, site_url), set site_url, run `ops org build`, then "
               "push and set Settings → Pages → Source to \"GitHub Actions\".")
    return 0


@org.command("build")
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False),
              help="The organisation's folder (org.yaml, mkdocs.yml).")
@click.option("--site-dir", "site_dir", type=click.Path(file_okay=False),
              help="Where to write the site (and keep what was fetched).  [default: ROOT/site]")
@click.option("--as-of", "as_of", metavar="DATE", help="Build as of this date (YYYY-MM-DD) instead of now.")
def org_build(root: str, site_dir: str | None, as_of: str | None) -> int:
    """Fetch every team's export, feeds and search index, and build the organisation's site."""
    from opsbook import reporting
    from opsbook.dates import parse_as_of
    from opsbook.org.build import build_org
    from opsbook.org.config import load_org
    from opsbook.org.kept import READ, STALE
    from opsbook.problems import count

    now = parse_as_of(as_of)
    config, problems = load_org(Path(root))
    errors, _ = count(problems)
    if config is None or errors:
        click.echo(reporting.as_text(problems, f"✗ {plural(errors, 'error')}; nothing was built"), nl=False, err=True)
        return 1
    if "YOUR-ORG" in config.site_url.upper():
        click.echo("! org.yaml: site_url is still the placeholder `ops org init` wrote; set it to where this site "
                   "is published", err=True)
    built = build_org(root, config, site_dir, now)
    answers = built.answers
    click.echo(f"✓ fetched from {plural(len(built.copies), 'team')} in {built.fetch_seconds:.1f} s: "
               f"{answers['new']} new, {answers['unchanged']} unchanged (304), {answers['failed']} failed")
    for copy in built.copies:
        if copy.state == STALE:
            click.echo(f"! {copy.team.id}: stale since {copy.read_on}: {copy.reason}", err=True)
        elif copy.state != READ:
            click.echo(f"! {copy.team.id}: not reachable: {copy.reason}", err=True)
        for note in copy.notes:
            click.echo(f"! {copy.team.id}: {note}", err=True)
    for problem in built.problems:
        click.echo(f"! {problem}", err=True)
    site = built.site_dir
    click.echo(f"✓ site: {site}; open {site / 'index.html'}")
    click.echo(f"✓ feed: {site / 'feeds' / 'organisation.ics'} ({plural(built.events, 'event')})")
    left = f", {built.search_left} left out over max_search_bytes" if built.search_left else ""
    click.echo(f"✓ search: {plural(built.search_added, 'entry', 'entries')} from the teams{left}")
    click.echo(f"✓ catalogue: {site / 'catalog-info'} ({plural(built.catalogue, 'file')})")
    read = sum(1 for copy in built.copies if copy.state == READ)
    if not read:
        click.echo("✗ no team could be read", err=True)
        return 1
    return 0
