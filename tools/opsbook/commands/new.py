"""`ops new runbook|postmortem|cadence`: a new, valid document from the templates.

Every field has a flag. A required one that is missing is asked for when a person is at a terminal;
in a script (stdin not a terminal) it is a usage error naming every missing flag, exit 2.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from opsbook.handbook.validate import team_zone
from opsbook.incident.editing import Refused
from opsbook.problems import UsageError


def _interactive() -> bool:
    return sys.stdin.isatty()


def fill_required(values: dict[str, Any], required: list[tuple[str, str, str]]) -> None:
    """Ask for each missing (key, flag, question) at a terminal; otherwise fail naming every missing flag."""
    missing = [(key, flag, question) for key, flag, question in required if not values.get(key)]
    if not missing:
        return
    if not _interactive():
        flags = ", ".join(flag for _, flag, _ in missing)
        raise UsageError(f"missing {flags} (prompts are only shown when a terminal is attached)")
    for key, flag, question in missing:
        answer = click.prompt(question, err=True).strip()
        multiple = isinstance(values.get(key), tuple)
        values[key] = tuple(part.strip() for part in answer.split(",") if part.strip()) if multiple else answer


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _created(root: Path, path: Path, kind: str) -> int:
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    click.echo(f"created {rel}", err=True)
    click.echo(rel)
    return 0


def _root(root: str) -> Path:
    path = Path(root)
    if not path.is_dir():
        raise UsageError(f"{root}: no such handbook folder")
    return path


def run_runbook(root: str, values: dict[str, Any]) -> int:
    from opsbook import scaffold

    base = _root(root)
    fill_required(values, [
        ("title", "--title", "Title (what breaks)"), ("category", "--category", "Category"),
        ("severity", "--severity", "Usual severity (SEV-1, SEV-2, SEV-3)"),
        ("services", "--service", "Services (ids, comma-separated)"),
        ("detection", "--detection", "How it is detected (alert or symptom)"),
        ("scope", "--scope", "Who and what is affected"), ("owners", "--owner", "Owners (people ids, comma-separated)"),
    ])
    now = _now()
    fields = scaffold.runbook_fields(root=base, today=now.date(), **values)
    try:
        path = scaffold.create(base, "runbook", fields, now)
    except Refused as exc:
        raise _told_by_flags(exc, scaffold.RUNBOOK_FLAGS, values) from None
    return _created(base, path, "runbook")


def run_postmortem(root: str, values: dict[str, Any]) -> int:
    from opsbook import scaffold
    from opsbook.incident.workflow import parse_at

    base = _root(root)
    fill_required(values, [
        ("title", "--title", "Title (what happened)"), ("severity", "--severity", "Severity"),
        ("category", "--category", "Category"), ("services", "--service", "Services (ids, comma-separated)"),
        ("on_call", "--on-call", "Who was on call (person id)"),
        ("detected", "--detected", "Detected at (ISO date-time with offset)"),
    ])
    now = _now()
    tz_name = team_zone(base)
    detected = _at("--detected", values.pop("detected"), tz_name, now, parse_at)
    started_text = values.pop("started", None)  # popped even when absent: it is passed on by name below
    started = _at("--started", started_text, tz_name, now, parse_at) if started_text else None
    fields = scaffold.postmortem_fields(root=base, tz_name=tz_name, detected=detected, started=started, **values)
    try:
        path = scaffold.create(base, "postmortem", fields, now)
    except Refused as exc:
        raise _told_by_flags(exc, scaffold.POSTMORTEM_FLAGS, values) from None
    return _created(base, path, "postmortem")


def _told_by_flags(exc: Refused, flags: dict, values: dict[str, Any]) -> Refused:
    """The refusal with each problem told by the flag the person typed: the file it names was never written."""
    from opsbook import scaffold

    return Refused(exc.header, exc.problems, describe=lambda problem: scaffold.told_by_flags(problem, flags, values))


def _at(flag: str, text: str, tz_name: str, now: dt.datetime, parse_at) -> dt.datetime:
    try:
        return parse_at(text, tz_name, now)
    except UsageError as exc:
        raise UsageError(str(exc).replace("--at", flag, 1)) from None


def run_cadence(root: str, values: dict[str, Any]) -> int:
    from opsbook import scaffold

    base = _root(root)
    fill_required(values, [
        ("title", "--title", "Title"), ("every", "--every", "Every (week, month or quarter)"),
        ("time", "--time", "Time of day (HH:MM)"), ("duration", "--duration", "Duration (such as 30m)"),
        ("checklist", "--checklist", "Checklist items (comma-separated)"),
    ])
    if bool(values.get("owner")) == bool(values.get("rotation")):
        if values.get("owner") or not _interactive():
            raise UsageError("give exactly one of --owner (a person) or --rotation")
        values["owner"] = click.prompt("Owner (person id)", err=True).strip()
    now = _now()
    values["timezone"] = values.get("timezone") or team_zone(base)
    fields = scaffold.cadence_fields(root=base, today=now.date(), **values)
    try:
        path = scaffold.create(base, "cadence", fields, now)
    except Refused as exc:
        raise _told_by_flags(exc, scaffold.CADENCE_FLAGS, values) from None
    return _created(base, path, "cadence")
