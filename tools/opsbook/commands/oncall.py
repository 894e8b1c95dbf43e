"""`ops oncall now|next|shifts`: who is on call, the next handoffs, the shifts of a period with hours."""

from __future__ import annotations

import datetime as dt

import click

from opsbook.commands.report import _day
from opsbook.dates import parse_as_of
from opsbook.handbook.validate import team_zone
from opsbook.problems import UsageError


def _load(root: str, now: dt.datetime, rotation: str | None):
    """The valid handbook and the rotation ids asked for (every rotation without --rotation); or None,
    after printing the handbook's problems the way `ops validate` does."""
    from opsbook import reporting
    from opsbook.plural import plural
    from opsbook.problems import count
    from opsbook.validation import check_handbook

    report = check_handbook(root, now)
    errors, warnings = count(report.problems)
    if errors:
        summary = f"✗ {plural(errors, 'error')}, {plural(warnings, 'warning')}: fix them to see who is on call"
        click.echo(reporting.as_text(report.problems, summary), nl=False, err=True)
        return None
    handbook = report.handbook
    known = [r.id for r in handbook.team.rotations]
    if rotation is not None and rotation not in known:
        raise UsageError(f"--rotation {rotation!r}: no such rotation in ops/team.yaml (there are: "
                         f"{', '.join(known) or 'none'})")
    return handbook, [rotation] if rotation else known


def now(root: str, rotation: str | None, output_format: str, at: str | None) -> int:
    """Print who holds each rotation at `at` (default: now), and why when it is not simply their turn."""
    from opsbook.oncall import views

    moment = parse_as_of(at, "--at", lambda: team_zone(root))  # as override times without an offset
    if (loaded := _load(root, moment, rotation)) is None:
        return 1
    handbook, rotations = loaded
    found = views.now_shifts(handbook, moment, rotations)
    click.echo(views.as_json(found, moment) if output_format == "json" else
               views.now_text(found, handbook.people, moment), nl=False)
    return 0


def next_(root: str, rotation: str | None, count: int, output_format: str, at: str | None) -> int:
    """Print each rotation's next `count` handoffs after `at` (default: now)."""
    from opsbook.oncall import views

    moment = parse_as_of(at, "--at", lambda: team_zone(root))  # as override times without an offset
    if (loaded := _load(root, moment, rotation)) is None:
        return 1
    handbook, rotations = loaded
    found = views.next_shifts(handbook, moment, rotations, count)
    click.echo(views.as_json(found, moment) if output_format == "json" else
               views.next_text(found, handbook.people), nl=False)
    return 0


def shifts(root: str, rotation: str | None, since: str | None, until: str | None, output_format: str,
           as_of: str | None) -> int:
    """Print the shifts from --since to --until (default: this month) with hours by kind."""
    from opsbook.oncall import report

    moment = parse_as_of(as_of)
    first, last = _day("--since", since), _day("--until", until)
    today = moment.date()
    first = first or (last.replace(day=1) if last else today.replace(day=1))
    last = last or (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if last < first:
        raise UsageError(f"--until {last} is before --since {first}")
    if (loaded := _load(root, moment, rotation)) is None:
        return 1
    handbook, rotations = loaded
    found = report.rows(handbook, first, last, rotations)
    if output_format == "csv":
        click.echo(report.as_csv(found), nl=False)
    elif output_format == "json":
        click.echo(report.as_json(found, first, last), nl=False)
    else:
        click.echo(report.as_text(found, first, last, handbook.people), nl=False)
    return 0
