"""`ops incident update`: tell users where the incident stands, in the post-mortem's `public` part.

An update is appended to `public.updates` (created on the first one, with the incident's services
that are public components, or those given), never inserted before the last one: users have read
that one already. `--from-runbook KEY` starts from a prewritten message of the runbook's
`## User-facing messages` (the incident's runbook, or `RUNBOOK:KEY` for another); `--message` then
adds to it. The edit is checked like every incident edit, the status room's rules included (a
`resolved` update needs the timeline's `resolved` event), and refused with nothing written otherwise.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from opsbook import scaffold
from opsbook.handbook.models.postmortem import PublicState
from opsbook.incident.editing import Refused
from opsbook.incident.workflow import IncidentEvent, _choose, _editing, _save, _utcnow, parse_at
from opsbook.problems import OpsbookError, UsageError


def prewritten(contents, runbook_id: str | None, key: str) -> str:
    """The text of the runbook message `key` (`KEY`, or `RUNBOOK:KEY` to name another runbook)."""
    from opsbook.handbook.assembled import split_sections
    from opsbook.status.messages import SECTION, runbook_messages

    if ":" in key:
        runbook_id, key = key.split(":", 1)
    if not runbook_id:
        raise UsageError(f"--from-runbook {key!r}: the incident names no runbook; write it as RUNBOOK:KEY")
    runbooks = {doc.id: doc for doc in contents.runbooks}
    doc = runbooks.get(runbook_id)
    if doc is None:
        close = difflib.get_close_matches(runbook_id, sorted(runbooks), n=1)
        raise UsageError(f"--from-runbook: no runbook {runbook_id!r}" + (f"; did you mean {close[0]}?" if close else ""))
    section = split_sections(doc.body, doc.source.body_line).get(SECTION)
    messages = runbook_messages(section.text if section else "")
    if key not in messages:
        known = ", ".join(messages) or "none: it has no labelled quotes"
        raise UsageError(f"--from-runbook {key!r}: {doc.path} has no such message under `## {SECTION}` "
                         f"(its keys: {known})")
    return messages[key][1]


def post_update(root: Path, incident_id: str, *, state: str, message: str | None = None,
                from_runbook: str | None = None, title: str | None = None, components: tuple[str, ...] = (),
                at: str | None = None, now: dt.datetime | None = None) -> IncidentEvent:
    """Append one public update to the incident; returns the `update` event for the incident log."""
    now = now or _utcnow()
    state = _choose(state, [s.value for s in PublicState], "state", "public update states")
    with _editing(root, incident_id) as (contents, document, meta):
        text = " ".join(part for part in (
            prewritten(contents, meta.runbook, from_runbook) if from_runbook else None,
            (message or "").strip() or None) if part)
        if not text:
            raise UsageError("say what users should read: --message, --from-runbook KEY, or both")
        moment = parse_at(at, contents.team.timezone, now)
        public = document.data.get("public")
        if public is None:
            public = document.data["public"] = scaffold.styled(
                {"title": title, "components": list(components or _public_services(contents, meta)), "updates": []})
        else:
            if title:
                public["title"] = title
            if components:
                public["components"] = scaffold.styled(list(components), public.get("components"))
        updates = public.get("updates")
        if updates is None:
            updates = public["updates"] = scaffold.styled([])
        if meta.public and meta.public.updates and moment < meta.public.updates[-1].at:
            last = meta.public.updates[-1].at
            raise Refused(f"{meta.id}: an update at {moment.isoformat(timespec='minutes')} would be before the "
                          f"last one ({last.isoformat(timespec='minutes')}); users have read that one already")
        updates.append(scaffold.styled({"at": moment, "state": state, "message": text},
                                       updates[-1] if len(updates) else None))
        _save(root, contents, document, now)
    return IncidentEvent(meta.id, "update", meta.severity.value, f"{state}: {text}", moment, document.path)


def _public_services(contents, meta) -> list[str]:
    services = {s.id: s for s in contents.services.services} if contents.services else {}
    public = [s for s in meta.services if services.get(s) and services[s].public_name]
    if not public:
        raise OpsbookError(f"none of {meta.id}'s services ({', '.join(meta.services)}) is a public component; "
                           "give --component ID (a service with `public_name` in ops/services.yaml)")
    return public


def open_and_tell(root: Path, *, public_message: str | None = None, public_from_runbook: str | None = None,
                  **opening) -> list[IncidentEvent]:
    """`ops incident open` with a first public update (`investigating`, at the detection time).

    `opening` are `open_incident`'s arguments. The incident is opened first; if the update is then
    refused (an unknown runbook message, say), the incident stays open and the error says so.
    """
    from opsbook.incident.workflow import open_incident

    opened = open_incident(root, **opening)
    try:
        told = post_update(root, opened.incident_id, state="investigating", message=public_message,
                           from_runbook=public_from_runbook, at=opened.at.isoformat(), now=opening.get("now"))
    except OpsbookError as exc:
        error = type(exc)(f"{opened.incident_id} is open ({opened.path.name}), but its first public update was not "
                          f"posted: {exc}; post it with `ops incident update {opened.incident_id} --state investigating`")
        error.opened = opened
        raise error from None
    return [opened, told]
