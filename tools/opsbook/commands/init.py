"""`ops init DIR`: start a new team's handbook, check it, and say what to do next."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from opsbook import reporting
from opsbook.adopt.starter import Settings, create
from opsbook.plural import plural
from opsbook.problems import count
from opsbook.adopt.pin import installed_pin

NEXT_STEPS = """\
Next:
  1. Put your people in ops/team.yaml, your services in ops/services.yaml, your SLOs in ops/slos.yaml
     (or `ops slo import FILE` from OpenSLO), and the names of your secrets in ops/secrets.yaml.
  2. `python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt`, then `ops validate` and
     `ops build` to check it and see the site.
  3. Push to GitHub, set Settings → Pages → Source to "GitHub Actions", and set `site_url` in opsbook.yaml.
     Under Settings → Actions → General, allow GitHub Actions to create pull requests: the Action items
     workflow proposes what it reads back from the tracking issues as one.
  4. To move to another toolkit release or commit, change the last line of requirements.txt."""


def run(directory: str, team: str, timezone: str, owner: str) -> int:
    """Create the handbook in `directory`; exit 0 when it was written and validates."""
    from opsbook.validation import check_handbook

    root = Path(directory)
    # The UTC date, so that `last_reviewed` is never "in the future" for the validator's clock.
    today = dt.datetime.now(dt.timezone.utc).date()
    pin = installed_pin()
    written = create(root, Settings(team, timezone, owner, today, pin))
    report = check_handbook(root)
    errors, warnings = count(report.problems)
    click.echo(f"✓ wrote {plural(len(written), 'file')} into {root}")
    click.echo(f"✓ requirements.txt pins the toolkit as installed here: {pin.requirement}")
    if pin.local_note:
        click.echo(f"warning: {pin.local_note}", err=True)
    if errors:
        click.echo(reporting.as_text(report.problems, f"✗ but it does not validate: {plural(errors, 'error')}"),
                   nl=False, err=True)
        return 1
    summary = "✓ the handbook is valid" + (f" ({plural(warnings, 'warning')})" if warnings else "")
    if warnings:
        click.echo(reporting.as_text(report.problems, summary), nl=False, err=True)
    else:
        click.echo(summary)
    click.echo(NEXT_STEPS)
    return 0
