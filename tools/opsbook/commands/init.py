"""`ops init DIR`: start a new team's handbook, check it, and say what to do next."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from opsbook import reporting
from opsbook.adopt import Settings, create
from opsbook.plural import plural
from opsbook.problems import count

NEXT_STEPS = """\
Next:
  1. Put your people in ops/team.yaml, your services in ops/services.yaml, your SLOs in ops/slos.yaml
     (or `ops slo import FILE` from OpenSLO), and the names of your secrets in ops/secrets.yaml.
  2. Point requirements.txt at the toolkit release your workflows should install.
  3. `ops validate` and `ops build` to check it and see the site; add .venv/ and site/ to .gitignore.
  4. Push to GitHub, set Settings → Pages → Source to "GitHub Actions", and set `site_url` in opsbook.yaml."""


def run(directory: str, team: str, timezone: str, owner: str) -> int:
    """Create the handbook in `directory`; exit 0 when it was written and validates."""
    from opsbook.handbook.validate import check_handbook

    root = Path(directory)
    # The UTC date, so that `last_reviewed` is never "in the future" for the validator's clock.
    today = dt.datetime.now(dt.timezone.utc).date()
    written = create(root, Settings(team, timezone, owner, today))
    report = check_handbook(root)
    errors, warnings = count(report.problems)
    click.echo(f"✓ wrote {plural(len(written), 'file')} into {root}")
    if errors:
        click.echo(reporting.as_text(report.problems, f"✗ but it does not validate: {plural(errors, 'error')}"),
                   nl=False, err=True)
        return 1
    click.echo("✓ the handbook is valid" + (f" ({plural(warnings, 'warning')})" if warnings else ""))
    click.echo(NEXT_STEPS)
    return 0
