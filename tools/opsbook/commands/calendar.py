"""`ops calendar`: write the iCalendar feed(s), or list the upcoming reviews."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import click

from opsbook import reporting
from opsbook.dates import parse_as_of
from opsbook.validation import check_handbook
from opsbook.plural import plural
from opsbook.problems import OpsbookError, UsageError, count


def _load(root: str, now: dt.datetime):
    """The valid handbook, or None after printing its problems the way `ops validate` does."""
    report = check_handbook(root, now)
    errors, warnings = count(report.problems)
    if errors:
        summary = f"✗ {plural(errors, 'error')}, {plural(warnings, 'warning')}: no feed written"
        click.echo(reporting.as_text(report.problems, summary), nl=False, err=True)
        return None
    return report.handbook


def is_directory_target(out: str) -> bool:
    """Whether `--out` names a folder (every feed) rather than a file (the whole feed).

    A path ending in `.ics` is a file; an existing folder, or a path ending in `/`, is a folder. Anything
    else is refused rather than guessed: `--out feed.txt` once made a folder called `feed.txt`.
    """
    path = Path(out)
    if path.is_dir() or out.endswith(("/", os.sep)):
        return True
    if path.name.lower().endswith(".ics"):
        return False
    raise UsageError(f"--out {out!r}: expected a file ending in .ics (the whole feed) or a folder (every feed): "
                     f"an existing folder or a path ending in /, such as {out}/")


def write(root: str, out: str, as_of: str | None) -> int:
    """Write the whole feed to a `.ics` file, or every feed and `feeds/index.json` under a folder."""
    from opsbook.calendar import feed

    now = parse_as_of(as_of)
    to_folder = is_directory_target(out)  # a usage error before the handbook is read
    handbook = _load(root, now)
    if handbook is None:
        return 1
    try:
        if to_folder:
            files = feed.write_feeds(handbook, out, now)
            events = files["feeds/handbook.ics"].count(b"BEGIN:VEVENT")
            click.echo(f"wrote {plural(len(files), 'file')} under {out} ({plural(events, 'event')} in the whole feed)")
            return 0
        data = feed.build_feed(handbook, now, previous=feed.read_previous(out))
        feed.write_feed(out, data)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != out else ""
        raise OpsbookError(f"cannot write {out}: {exc.strerror or exc}{where}") from None
    click.echo(f"wrote {out} ({plural(data.count(b'BEGIN:VEVENT'), 'event')}, {plural(len(data), 'byte')})")
    return 0


def upcoming(root: str, days: int, output_format: str, as_of: str | None) -> int:
    """Print the review occurrences of the next `days` days."""
    from opsbook import urls
    from opsbook.calendar import schedule
    now = parse_as_of(as_of)
    handbook = _load(root, now)
    if handbook is None:
        return 1
    found = schedule.upcoming(handbook, now, days)
    people = handbook.people
    if output_format == "json":
        rows = [_as_dict(o, people, urls.absolute(handbook.config.site_url, urls.cadence(o.cadence_id)))
                for o in found]
        click.echo(json.dumps({"as_of": now.isoformat(), "days": days, "occurrences": rows}, indent=2,
                              ensure_ascii=False))
        return 0
    if not found:
        click.echo(f"No reviews in the next {plural(days, 'day')}.")
    for o in found:
        owner = people[o.owner].name if o.owner in people else (o.owner or "nobody (all away)")
        moved = f"  (moved from {o.shifted_from:%a %d %b})" if o.shifted_from else ""
        if o.standing_in_for:
            away = people[o.standing_in_for].name if o.standing_in_for in people else o.standing_in_for
            owner += f", standing in for {away} (away)"
        click.echo(f"{o.start:%a %Y-%m-%d %H:%M %Z}  {o.display_title}  {owner}{moved}")
    return 0


def _as_dict(o, people, url: str) -> dict:
    return {"uid": o.uid, "cadence": o.cadence_id, "title": o.title, "period": o.period,
            "start": o.start.isoformat(), "end": o.end.isoformat(), "timezone": o.start.tzinfo.key,
            "owner": o.owner, "owner_name": people[o.owner].name if o.owner in people else None,
            "shifted_from": o.shifted_from.isoformat() if o.shifted_from else None,
            "standing_in_for": o.standing_in_for,
            "labels": list(o.labels), "checklist": list(o.checklist), "url": url}
