"""New runbooks, post-mortems and cadences from the templates in `templates/new/`.

A template is a valid example document; scaffolding replaces its values with the ones given, keeps its
comments and layout, and writes the result only if `ops validate` would accept it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import re
from pathlib import Path
from typing import Any

from opsbook.handbook.models.common import format_duration
from opsbook.incident.editing import Editable, read_editable, write_checked
from opsbook.problems import Problem, UsageError
from opsbook.slugs import slugify

TEMPLATES = Path(__file__).resolve().parent / "templates" / "new"


@dataclasses.dataclass(frozen=True, slots=True)
class Kind:
    name: str
    folder: str
    suffix: str
    template: str
    id_prefix: str


KINDS = {
    "runbook": Kind("runbook", "runbooks", ".md", "runbook.md", "rb-"),
    "postmortem": Kind("postmortem", "postmortems", ".md", "postmortem.md", "pm-"),
    "cadence": Kind("cadence", "calendar", ".yaml", "cadence.yaml", ""),
}


class Quoted(str):
    """A string to write in double quotes (a time of day that YAML 1.1 would read as a number)."""


def path_for(root: Path, kind: str, doc_id: str) -> Path:
    spec = KINDS[kind]
    return root / spec.folder / f"{doc_id}{spec.suffix}"


def unique_id(root: Path, kind: str, base: str) -> str:
    """`base`, or `base-2`, `base-3`… when a file of that name exists already."""
    candidate, n = base, 1
    while path_for(root, kind, candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def render(kind: str, fields: dict[str, Any]) -> str:
    """The template of `kind` with `fields` set (a None value removes the template's key)."""
    spec = KINDS[kind]
    document = read_editable(TEMPLATES / spec.template, markdown=spec.suffix == ".md")
    fill(document, fields)
    return document.render()


def fill(document: Editable, fields: dict[str, Any]) -> None:
    """Set each field, styled like the value it replaces (flow lists stay flow), keeping comments."""
    data = document.data
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = styled(value, data.get(key))


def styled(value: Any, like: Any = None) -> Any:
    """`value` as round-trip YAML data, in the style of `like` (the template's value at that place)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    flow = bool(getattr(like, "fa", None) and like.fa.flow_style())
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            if item is not None:
                out[key] = styled(item, like.get(key) if isinstance(like, dict) else None)
        if flow:
            out.fa.set_flow_style()
        return out
    if isinstance(value, (list, tuple)):
        sample = like[0] if isinstance(like, list) and like else None
        out = CommentedSeq(styled(item, sample) for item in value)
        # A short list of words stays on one line like the template's; mappings and sentences get a line each.
        short = all(isinstance(item, (str, int, float)) for item in value) and sum(len(str(i)) for i in value) <= 60
        if (flow and short) or (not value and like is not None):
            out.fa.set_flow_style()
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return DoubleQuotedScalarString(value.isoformat())
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, Quoted):
        return DoubleQuotedScalarString(str(value))
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def create(root: Path, kind: str, fields: dict[str, Any], now: dt.datetime, *, contents: Any = None) -> Path:
    """Write a new document of `kind` from its template; refuses (writing nothing) if it would be invalid."""
    doc_id = fields.get("id")
    if not doc_id:
        raise UsageError(f"a new {kind} needs an id")
    path = path_for(root, kind, doc_id)
    made = not path.parent.is_dir()
    if made:
        # git keeps no empty folder, so a clone may lack `runbooks/`: make it, in a handbook's folder only.
        if not (root / "ops").is_dir():
            raise UsageError(f"{root}: no {KINDS[kind].folder}/ folder and no ops/ folder; is --root the "
                             "handbook's folder?")
        path.parent.mkdir()
    try:
        write_checked(root, path, render(kind, fields), kind, now, create=True, contents=contents)
    except BaseException:
        if made:  # nothing written: leave no folder behind either (unless something else is in it by now)
            with contextlib.suppress(OSError):
                path.parent.rmdir()
        raise
    return path


# --- the three kinds, from the values a person gives ----------------------------------------------

def _parse_date(option: str, text: str | dt.date | None, default: dt.date | None = None) -> dt.date | None:
    if text is None or isinstance(text, dt.date):
        return text or default
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a date as YYYY-MM-DD") from None


def _clock(text: str) -> str:
    """`9:30` as the file writes it, `09:30`; anything else as given, for the validator to explain."""
    match = re.fullmatch(r"\s*(\d):([0-5]\d)\s*", text)
    return f"0{match[1]}:{match[2]}" if match else text


def _links(option: str, pairs: tuple[str, ...]) -> list[dict]:
    """`Title=https://…` pairs as links."""
    links = []
    for pair in pairs:
        title, sep, url = pair.partition("=")
        if not sep or not title.strip() or not url.strip():
            raise UsageError(f"{option} {pair!r}: expected TITLE=URL, such as 'Checkout dashboard=https://…'")
        links.append({"title": title.strip(), "url": url.strip()})
    return links


def runbook_fields(*, title: str, category: str, severity: str, services: tuple[str, ...], detection: str,
                   scope: str, owners: tuple[str, ...], root: Path, id: str | None = None,
                   slos: tuple[str, ...] = (), alerts: tuple[str, ...] = (), symptoms: tuple[str, ...] = (),
                   where_to_look: tuple[str, ...] = (), last_reviewed: str | None = None,
                   review_every: str = "90d", tags: tuple[str, ...] = (), today: dt.date) -> dict[str, Any]:
    """The frontmatter of a new runbook; its id defaults to `rb-` and the title's slug."""
    return {
        "id": id or unique_id(root, "runbook", f"rb-{slugify(title)}"), "title": title, "category": category,
        "severity": severity, "services": list(services),
        "detection": {"summary": detection, "slos": list(slos), "alerts": list(alerts), "symptoms": list(symptoms)},
        "scope": scope, "where_to_look": _links("--look", where_to_look), "owners": list(owners),
        "last_reviewed": _parse_date("--last-reviewed", last_reviewed, today), "review_every": review_every,
        "tags": list(tags),
    }


def postmortem_fields(*, title: str, severity: str, category: str, services: tuple[str, ...], on_call: str,
                      detected: dt.datetime, root: Path, tz_name: str, id: str | None = None,
                      started: dt.datetime | None = None, runbook: str | None = None,
                      commander: str | None = None, communications: str | None = None, scribe: str | None = None,
                      slos_breached: tuple[str, ...] = (), tags: tuple[str, ...] = ()) -> dict[str, Any]:
    """The frontmatter of a new draft post-mortem; its id defaults to `pm-<detection day>-<slug>`."""
    from opsbook.handbook.models.common import zone

    day = detected.astimezone(zone(tz_name)).date()
    timeline = ([{"at": started, "type": "started", "text": "Incident began"}] if started else [])
    timeline.append({"at": detected, "type": "detected", "text": "Detected"})
    return {
        "id": id or unique_id(root, "postmortem", f"pm-{day}-{slugify(title)}"), "title": title, "status": "draft",
        "severity": severity, "category": category, "services": list(services), "runbook": runbook,
        "slos_breached": list(slos_breached),
        "roles": {"on_call": on_call, "incident_commander": commander, "communications": communications,
                  "scribe": scribe},
        "timeline": timeline, "action_items": [], "tags": list(tags),
    }


def cadence_fields(*, title: str, every: str, time: str, duration: str, checklist: tuple[str, ...],
                   timezone: str, root: Path, today: dt.date, id: str | None = None, description: str = "",
                   weekday: str | None = None, nth: int | None = None, day: int | None = None,
                   business_day: int | None = None, month: int | None = None, interval: int | None = None,
                   start: str | None = None, until: str | None = None, owner: str | None = None,
                   rotation: str | None = None, labels: tuple[str, ...] = (), reminder: str | None = None,
                   slos: tuple[str, ...] = (), runbooks: tuple[str, ...] = (), context: tuple[str, ...] = (),
                   on_holiday: str | None = None) -> dict[str, Any]:
    """The contents of a new cadence file; its id defaults to the title's slug."""
    when = {"every": every, "interval": interval if interval and interval != 1 else None, "month": month,
            "weekday": weekday, "nth": nth, "day": day, "business_day": business_day}
    return {
        "id": id or unique_id(root, "cadence", slugify(title)), "title": title, "description": description or None,
        "when": when, "start": _parse_date("--start", start, today), "until": _parse_date("--until", until),
        "time": Quoted(_clock(time)), "timezone": timezone, "duration": duration, "owner": owner, "rotation": rotation,
        "labels": list(labels), "reminder": reminder, "checklist": list(checklist), "slos": list(slos) or None,
        "runbooks": list(runbooks) or None, "context": list(context) or None, "on_holiday": on_holiday,
    }


# --- problems told in terms of the flags that set the values ---------------------------------------

# A cadence's keys (and the keys under `when`) and the `ops new cadence` flag that sets each.
# Each kind's keys (dotted, without list indexes) → (the flag that sets it, the flag's key in the values).
CADENCE_FLAGS = {
    "id": ("--id", "id"), "title": ("--title", "title"), "description": ("--description", "description"),
    "when": ("--every", "every"), "when.every": ("--every", "every"), "when.interval": ("--interval", "interval"),
    "when.weekday": ("--weekday", "weekday"), "when.nth": ("--nth", "nth"), "when.day": ("--day", "day"),
    "when.business_day": ("--business-day", "business_day"), "when.month": ("--month", "month"),
    "start": ("--start", "start"), "until": ("--until", "until"), "time": ("--time", "time"),
    "timezone": ("--timezone", "timezone"), "duration": ("--duration", "duration"), "owner": ("--owner", "owner"),
    "rotation": ("--rotation", "rotation"), "labels": ("--label", "labels"), "reminder": ("--reminder", "reminder"),
    "checklist": ("--checklist", "checklist"), "slos": ("--slo", "slos"), "runbooks": ("--runbook", "runbooks"),
    "context": ("--context", "context"), "on_holiday": ("--on-holiday", "on_holiday"),
}
RUNBOOK_FLAGS = {
    "id": ("--id", "id"), "title": ("--title", "title"), "category": ("--category", "category"),
    "severity": ("--severity", "severity"), "services": ("--service", "services"),
    "detection": ("--detection", "detection"), "detection.summary": ("--detection", "detection"),
    "detection.slos": ("--slo", "slos"), "detection.alerts": ("--alert", "alerts"),
    "detection.symptoms": ("--symptom", "symptoms"), "scope": ("--scope", "scope"),
    "where_to_look": ("--look", "where_to_look"), "owners": ("--owner", "owners"),
    "last_reviewed": ("--last-reviewed", "last_reviewed"), "review_every": ("--review-every", "review_every"),
    "tags": ("--tag", "tags"),
}
POSTMORTEM_FLAGS = {
    "id": ("--id", "id"), "title": ("--title", "title"), "severity": ("--severity", "severity"),
    "category": ("--category", "category"), "services": ("--service", "services"),
    "runbook": ("--runbook", "runbook"), "slos_breached": ("--slo", "slos_breached"),
    "roles.on_call": ("--on-call", "on_call"), "roles.incident_commander": ("--commander", "commander"),
    "roles.communications": ("--communications", "communications"), "roles.scribe": ("--scribe", "scribe"),
    "tags": ("--tag", "tags"),
}
_QUOTED_KEY = re.compile(r"`([a-z_]+)`")
_INDEX = re.compile(r"\[(\d+)\]")


def told_by_flags(problem: Problem, flags: dict[str, tuple[str, str]], values: dict[str, Any]) -> str:
    """One problem of a document not yet written, told by the flag and the value given for it.

    The person typed flags, and the file and line the validator names do not exist (nothing was
    written), so the key `when` and its message "a weekly cadence takes only `weekday` and `interval`"
    become "--every 'week': a weekly cadence takes only --weekday and --interval", and `services[2]`
    becomes "--service 'paymnets'". A key no flag sets keeps its key path.
    """
    path = _INDEX.sub("", problem.key or "")
    indexes = [int(i) for i in _INDEX.findall(problem.key or "")]
    entry = flags.get(path) or flags.get(path.rsplit(".", 1)[0]) or flags.get(path.split(".", 1)[0])
    keys = {key.rsplit(".", 1)[-1]: flag for key, (flag, _) in flags.items()}
    message = _QUOTED_KEY.sub(lambda m: keys.get(m[1], m[0]), problem.message)
    if entry is not None:
        flag, name = entry
        given = values.get(name)
        if indexes and isinstance(given, (list, tuple)) and indexes[0] < len(given):
            given = given[indexes[0]]
        message = flag + (f" {given!r}" if isinstance(given, (str, int)) else "") + f": {message}"
    elif problem.key:
        message = f"{problem.key}: {message}"
    if problem.expected:
        message += f" (expected {problem.expected})"
    if problem.hint:
        message += f"; {problem.hint}"
    return message
