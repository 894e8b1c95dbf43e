"""The incident workflow: open an incident's post-mortem, log its timeline, name its roles, resolve it.

Each operation edits one post-mortem file (see `opsbook.incident.editing`: comments and layout kept, the result
checked before it is written, nothing written on a refusal) and returns the event it recorded, which
the CLI prints as one JSON line in the incident event log's shape.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import re
from pathlib import Path

from opsbook import scaffold
from opsbook.handbook.models.common import Category, Severity, parse_duration, zone
from opsbook.handbook.models.postmortem import (
    LIFECYCLE,
    EventType,
    PostmortemMeta,
    Status,
)
from opsbook.incident.editing import (
    Editable,
    Refused,
    locked,
    read_editable,
    write_checked,
)
from opsbook.problems import OpsbookError, UsageError

LOGGABLE = ("acknowledged", "triaged", "mitigated", "resolved", "note")
ROLE_FIELDS = ("on_call", "incident_commander", "communications", "scribe")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclasses.dataclass(frozen=True, slots=True)
class IncidentEvent:
    """What happened to an incident, as the incident event log records it."""

    incident_id: str
    type: str  # created, acknowledged, triaged, mitigated, resolved, note, roles, action, published
    severity: str
    message: str
    at: dt.datetime
    path: Path

    def as_log(self) -> dict:
        stamp = self.at.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"level": "WARN", "service": "incident-manager", "incidentId": self.incident_id,
                "type": self.type, "severity": self.severity, "message": self.message, "timestamp": stamp}

    def log_line(self) -> str:
        """One line of JSON, ready to ship to a log pipeline."""
        return json.dumps(self.as_log(), ensure_ascii=False, separators=(",", ":"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def parse_at(text: str | None, tz_name: str, now: dt.datetime) -> dt.datetime:
    """`--at`: when something happened, as typed during an incident.

    `now` (or nothing); `-20m`, `-1h30m` (that long ago); `HH:MM` in the team's zone, meaning the last time
    the clock showed it: today's, or yesterday's while today's is still ahead (23:55 typed at 00:10 is
    fifteen minutes ago, not tomorrow); or an ISO date-time with offset.
    """
    tz = zone(tz_name)
    local_now = now.astimezone(tz).replace(microsecond=0)
    if text is None or text.strip().lower() == "now":
        return local_now
    text = text.strip()
    if text.startswith("-"):
        try:
            return local_now - parse_duration(text[1:])
        except ValueError:
            raise UsageError(f"--at {text!r}: expected a time ago such as -20m or -1h30m") from None
    if match := _CLOCK.match(text):
        moment = dt.datetime.combine(local_now.date(), dt.time(int(match[1]), int(match[2])), tz)
        if moment > local_now:  # not yet today: the person means the last time the clock showed it
            moment = dt.datetime.combine(local_now.date() - dt.timedelta(days=1), moment.time(), tz)
        return moment
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {text!r}: expected a date-time with offset such as 2026-11-26T09:30+01:00, "
                         f"HH:MM (the last such time in {tz_name}) or a time ago such as -20m") from None
    if moment.tzinfo is None:
        raise UsageError(f"--at {text!r}: give a UTC offset, such as {text}+01:00 (or Z for UTC)")
    return moment


# --- reading the handbook's parts an incident needs ----------------------------------------------

def _contents(root: Path):
    from opsbook.handbook.validate import load_contents

    if not root.is_dir():
        raise UsageError(f"{root}: no such handbook folder")
    contents, _ = load_contents(root, postmortems=False)
    for part, rel in (("severity", "ops/severity.yaml"), ("team", "ops/team.yaml")):
        if getattr(contents, part) is None:
            raise OpsbookError(f"{rel} is missing or has errors; run `ops validate` first")
    return contents


def _choose(value: str, allowed: list[str], what: str, where: str) -> str:
    if value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise UsageError(f"unknown {what} {value!r}: expected one of {', '.join(allowed)} ({where}){hint}")


def _incident_path(root: Path, incident_id: str) -> Path:
    path = scaffold.path_for(root, "postmortem", incident_id)
    if path.is_file():
        return path
    known = sorted(p.stem for p in (root / "postmortems").glob("*.md")) if (root / "postmortems").is_dir() else []
    close = difflib.get_close_matches(incident_id, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else "; `ops incident open` starts one"
    raise OpsbookError(f"no incident {incident_id!r}: {path.relative_to(root).as_posix()} does not exist{hint}")


def _load(root: Path, incident_id: str) -> tuple[Editable, PostmortemMeta]:
    """The incident's file for editing, and its frontmatter as validated now."""
    from opsbook.handbook.explain import model_problems
    from opsbook.handbook.loading import read_source

    path = _incident_path(root, incident_id)
    problems: list = []
    source = read_source(path, root, problems, markdown=True)
    meta, found = model_problems(source, PostmortemMeta, source.data) if source else (None, [])
    if meta is None:
        first = (problems or found)[0]
        raise OpsbookError(f"{first.location()}: {first.key + ': ' if first.key else ''}{first.message}; "
                           f"fix the file first (`ops validate` lists every problem)")
    return read_editable(path, markdown=True), meta


# --- the operations -------------------------------------------------------------------------------

@contextlib.contextmanager
def _editing(root: Path, incident_id: str | None = None, contents=None):
    """Lock the post-mortems folder; yield the handbook's other parts and the incident's file, if named.
    `contents` is the handbook's other parts as `load_contents(root, postmortems=False)` gives them, when
    the caller (a pull opening fifty incidents) has them already."""
    if not (root / "postmortems").is_dir():
        raise UsageError(f"{root}: no postmortems/ folder; is --root the handbook's folder?")
    with locked(root / "postmortems"):
        contents = contents if contents is not None else _contents(root)
        document, meta = _load(root, incident_id) if incident_id else (None, None)
        yield contents, document, meta


def _save(root: Path, contents, document: Editable, now: dt.datetime) -> None:
    write_checked(root, document.path, document.render(), "postmortem", now, contents=contents)


def open_incident(root: Path, *, title: str, severity: str, category: str, services: tuple[str, ...] = (),
                  on_call: str | None = None, runbook: str | None = None, at: str | None = None,
                  message: str | None = None, now: dt.datetime | None = None,
                  notes: tuple[tuple[dt.datetime, str], ...] = (), extra: dict | None = None,
                  contents=None) -> IncidentEvent:
    """Create the incident's draft post-mortem with a `detected` event; refuses what the policy forbids.

    `notes` are `note` events after the detection (time, text); `extra` sets more frontmatter keys (such as
    the `alerts` that opened it), written in the same single write, so nothing is half recorded."""
    now = now or _utcnow()
    title = title.strip()
    if not title:
        raise UsageError("--title is empty: say in a few words what is broken")
    with _editing(root, contents=contents) as (contents, _, _):
        severity, category = _policy_allows(contents.severity, severity, category)
        moment = parse_at(at, contents.team.timezone, now)
        runbooks = sorted((doc for doc in contents.runbooks if doc.meta.category.value == category),
                          key=lambda doc: doc.id)
        services = services or tuple(dict.fromkeys(s for doc in runbooks for s in doc.meta.services))
        if not services:
            raise UsageError("give the affected service with --service (no runbook of this category names one)")
        day = moment.astimezone(zone(contents.team.timezone)).date()
        incident_id = scaffold.unique_id(root, "postmortem", f"pm-{day}-{scaffold.slugify(title)}")
        fields = {"id": incident_id, "title": title, "status": Status.DRAFT, "severity": severity,
                  "category": category, "services": list(services),
                  "runbook": runbook or (runbooks[0].id if len(runbooks) == 1 else None),
                  "roles": {"on_call": on_call or _on_call_now(contents, moment)},
                  "timeline": [{"at": moment, "type": "detected", "text": message or f"Incident opened: {title}"}]
                  + [{"at": max(when, moment), "type": "note", "text": text} for when, text in notes],
                  **(extra or {})}
        path = scaffold.create(root, "postmortem", fields, now, contents=contents)
    return IncidentEvent(incident_id, "created", severity, message or title, moment, path)


def _policy_allows(policy, severity: str, category: str) -> tuple[str, str]:
    """The severity and category, if the policy defines them and the category's floor allows the severity."""
    severity = _choose(severity, [level.id.value for level in policy.levels], "severity", "ops/severity.yaml levels")
    category = _choose(category, [c.value for c in Category], "category", "the handbook's categories")
    floor = policy.category_floor.get(Category(category))
    if floor is not None and Severity(severity).rank > floor.rank:
        raise UsageError(f"{category} incidents are at least {floor.value} by the severity policy "
                         f"(ops/severity.yaml category_floor); open it as {floor.value}")
    return severity, category


def _on_call_now(contents, moment: dt.datetime) -> str:
    """Who holds the team's on-call rotation (the one whose role is `on-call`) at `moment`: the on-call
    room's engine, so a swap or cover in ops/oncall-overrides.yaml counts as it does in the feeds."""
    from opsbook.oncall.shifts import rotation_shifts

    team = contents.team
    people = {person.id: person for person in team.people}
    overrides = contents.overrides.overrides if contents.overrides else []
    for rotation in team.rotations:
        if rotation.role != "on-call" or rotation.backs_up:
            continue
        found = rotation_shifts(rotation, people, overrides, moment, moment + dt.timedelta(microseconds=1),
                                team.timezone)
        if found and (holder := found[0].person):
            return holder
    raise UsageError("who is on call? give --on-call (no rotation with role `on-call` names anyone for that time)")


def log_event(root: Path, incident_id: str, kind: str, message: str, *, at: str | None = None,
              now: dt.datetime | None = None) -> IncidentEvent:
    """Add one event to the incident's timeline, in time order; refuses one that breaks the lifecycle."""
    now = now or _utcnow()
    kind = _choose(kind, list(LOGGABLE), "event type", "lifecycle events after detection")
    message = message.strip()
    if not message:
        raise UsageError("--message is empty: say what was seen or done")
    with _editing(root, incident_id) as (contents, document, meta):
        moment = parse_at(at, contents.team.timezone, now)
        _check_order(meta, EventType(kind), moment)
        timeline = document.data["timeline"]
        position = sum(1 for event in meta.timeline if event.at <= moment)
        sample = timeline[-1] if len(timeline) else None
        timeline.insert(position, scaffold.styled({"at": moment, "type": kind, "text": message}, sample))
        _save(root, contents, document, now)
    return IncidentEvent(meta.id, kind, meta.severity.value, message, moment, document.path)


def _check_order(meta: PostmortemMeta, kind: EventType, moment: dt.datetime) -> None:
    """Refuse a second lifecycle event of a kind, or one that would come before an earlier stage."""
    def show(when: dt.datetime) -> str:
        return when.isoformat(timespec="minutes")

    if kind is EventType.NOTE:
        began = meta.first(EventType.STARTED) or meta.first(EventType.DETECTED)
        if began and moment < began:
            raise Refused(f"{meta.id}: a note at {show(moment)} is before the incident began ({show(began)})")
        return
    if (already := meta.first(kind)) is not None:
        raise Refused(f"{meta.id} already has a `{kind.value}` event at {show(already)}; "
                      f"each stage happens once, log a `note` for anything more")
    order = "lifecycle events happen in order: " + " → ".join(e.value for e in LIFECYCLE)
    for other in LIFECYCLE:
        when = meta.first(other)
        if when is not None and other.stage < kind.stage and moment < when:
            raise Refused(f"{meta.id}: `{kind.value}` at {show(moment)} would be before `{other.value}` at "
                          f"{show(when)}; {order}")
        if when is not None and other.stage > kind.stage and moment > when:
            raise Refused(f"{meta.id}: `{kind.value}` at {show(moment)} would be after `{other.value}` at "
                          f"{show(when)}; {order}")


def amend(root: Path, incident_id: str, *, notes: tuple[tuple[dt.datetime, str], ...] = (),
          fields: dict | None = None, extend: dict | None = None, now: dt.datetime | None = None,
          text: str | None = None, contents=None) -> IncidentEvent:
    """Several changes to one incident in one checked write: `note` events (time, text) in time order,
    frontmatter keys set (`fields`), lists extended (`extend`, such as new `alerts` records). `text`, when
    given, is the post-mortem's content to start from (a copy found on an `incident/*` branch)."""
    now = now or _utcnow()
    if text is not None:
        path = scaffold.path_for(root, "postmortem", incident_id)
        if not path.exists():
            from opsbook import files

            files.write_atomically(path, text)
    with _editing(root, incident_id, contents) as (contents, document, meta):
        timeline = document.data["timeline"]
        for moment, message in sorted(notes):
            _check_order(meta, EventType.NOTE, moment)
            position = sum(1 for event in timeline if _event_time(event) <= moment)
            sample = timeline[-1] if len(timeline) else None
            timeline.insert(position, scaffold.styled({"at": moment, "type": "note", "text": message}, sample))
        for key, value in (fields or {}).items():
            document.data[key] = scaffold.styled(value, document.data.get(key))
        for key, values in (extend or {}).items():
            current = document.data.get(key)
            if not current:
                document.data[key] = scaffold.styled(list(values))
            else:
                for value in values:
                    current.append(scaffold.styled(value, current[0]))
        _save(root, contents, document, now)
    summary = "; ".join(message for _, message in notes) or "amended"
    return IncidentEvent(meta.id, "note", (fields or {}).get("severity", meta.severity.value), summary,
                         max((moment for moment, _ in notes), default=now), document.path)


def read_incident(root: Path, incident_id: str) -> PostmortemMeta:
    """The incident's frontmatter as validated now; OpsbookError when it is missing or invalid."""
    return _load(root, incident_id)[1]


def _event_time(event) -> dt.datetime:
    value = event["at"]
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def resolve(root: Path, incident_id: str, *, message: str | None = None, at: str | None = None,
            now: dt.datetime | None = None) -> IncidentEvent:
    """Record the `resolved` event. The status stays draft until the narrative is written (`publish`)."""
    return log_event(root, incident_id, "resolved", message or "Resolved", at=at, now=now)


def set_roles(root: Path, incident_id: str, *, now: dt.datetime | None = None, **roles: str | None) -> IncidentEvent:
    """Name who wears which hat (`on_call`, `incident_commander`, `communications`, `scribe`)."""
    now = now or _utcnow()
    given = {name: person for name, person in roles.items() if person}
    unknown = set(given) - set(ROLE_FIELDS)
    if unknown:
        raise UsageError(f"unknown role {sorted(unknown)[0]!r}: expected one of {', '.join(ROLE_FIELDS)}")
    if not given:
        raise UsageError("name at least one role: --on-call, --commander, --communications or --scribe")
    with _editing(root, incident_id) as (contents, document, meta):
        current = document.data["roles"]
        for name in ROLE_FIELDS:  # the model's order, so a new key lands where a reader expects it
            if name in given:
                current[name] = given[name]
        _save(root, contents, document, now)
    summary = ", ".join(f"{name}={person}" for name, person in given.items())
    return IncidentEvent(meta.id, "roles", meta.severity.value, f"roles: {summary}", now, document.path)


def add_action_item(root: Path, incident_id: str, *, title: str, owner: str, due: str,
                    now: dt.datetime | None = None) -> IncidentEvent:
    """Add an open action item with the next free id (`AI-1`, `AI-2`…)."""
    from ruamel.yaml.comments import CommentedSeq

    now = now or _utcnow()
    if "\n" in title.strip() or "\r" in title.strip():
        raise UsageError("--title: write it on one line; an action item's title becomes its GitHub issue's title")
    try:
        due_date = dt.date.fromisoformat(due.strip())
    except ValueError:
        raise UsageError(f"--due {due!r}: expected a date as YYYY-MM-DD") from None
    with _editing(root, incident_id) as (contents, document, meta):
        taken = {item.id for item in meta.action_items}
        item_id = next(f"AI-{n}" for n in range(1, len(taken) + 2) if f"AI-{n}" not in taken)
        items = document.data.get("action_items")
        if not items:  # absent, or the template's flow-style `[]`: items read better one key per line
            items = document.data["action_items"] = CommentedSeq()
        item = {"id": item_id, "title": title.strip(), "owner": owner, "due": due_date, "status": "open"}
        items.append(scaffold.styled(item, items[0] if len(items) else None))
        _save(root, contents, document, now)
    return IncidentEvent(meta.id, "action", meta.severity.value,
                         f"{item_id} ({owner}, due {due_date}): {title.strip()}", now, document.path)


def set_status(root: Path, incident_id: str, status: str, *, now: dt.datetime | None = None) -> IncidentEvent:
    """Move the post-mortem to `in-review` or `published`; the validator's rules decide if it may."""
    now = now or _utcnow()
    status = _choose(status, [s.value for s in Status], "status", "post-mortem statuses")
    with _editing(root, incident_id) as (contents, document, meta):
        document.data["status"] = status
        _save(root, contents, document, now)
    kind = "published" if status == Status.PUBLISHED.value else "status"
    return IncidentEvent(meta.id, kind, meta.severity.value, f"post-mortem {status}", now, document.path)
