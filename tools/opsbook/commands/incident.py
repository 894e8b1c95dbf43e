"""`ops incident …`: record an incident as it happens, in its post-mortem file.

Each command prints what it did on stderr and the event as one JSON line on stdout, so
`ops incident log … >> incidents.log` ships the incident event log as it is written.
"""

from __future__ import annotations

from pathlib import Path

import click

from opsbook.incident.workflow import IncidentEvent


def _report(event: IncidentEvent, root: str, what: str) -> int:
    path = event.path.relative_to(Path(root)).as_posix() if event.path.is_relative_to(Path(root)) else event.path
    click.echo(f"{event.incident_id}: {what} ({path})", err=True)
    click.echo(event.log_line())
    return _tell(root, event.incident_id)


def _tell(root: str, incident_id: str) -> int:
    """With --notify: post the incident's events the chat channels have not heard; 1 when one is left."""
    import datetime as dt
    import os

    context = click.get_current_context(silent=True)
    if context is None or not context.meta.get("opsbook.notify"):
        return 0
    from opsbook.handbook.validate import load_contents
    from opsbook.notify.deliver import deliver

    contents, _ = load_contents(Path(root), postmortems=False)
    told = deliver(Path(root), contents, [incident_id], os.environ, now=dt.datetime.now(dt.timezone.utc))
    for _, channel, event in told.posted:
        click.echo(f"{incident_id}: posted {event} to {channel}", err=True)
    for notice in told.notices:
        click.echo(f"ops: notice: {notice}", err=True)
    for left in told.not_done:
        click.echo(f"ops: the incident is recorded, but {left}; the next --notify posts it", err=True)
    return 1 if told.not_done else 0


def run_open(root: str, title: str, severity: str, category: str, services: tuple[str, ...], on_call: str | None,
             runbook: str | None, at: str | None, message: str | None, public_message: str | None = None,
             public_from_runbook: str | None = None) -> int:
    from opsbook.incident.public import open_and_tell
    from opsbook.incident.workflow import open_incident

    opening = dict(title=title, severity=severity, category=category, services=services, on_call=on_call,
                   runbook=runbook, at=at, message=message)
    if not (public_message or public_from_runbook):
        event = open_incident(Path(root), **opening)
        return _report(event, root, f"opened {event.severity}, detected {event.at.isoformat(timespec='minutes')}")
    try:
        event, told = open_and_tell(Path(root), public_message=public_message, public_from_runbook=public_from_runbook,
                                    **opening)
    except Exception as exc:
        if getattr(exc, "opened", None) is not None:  # the incident was opened: its event belongs in the log
            click.echo(exc.opened.log_line())
        raise
    _report(event, root, f"opened {event.severity}, detected {event.at.isoformat(timespec='minutes')}")
    return _report(told, root, f"public update at {told.at.isoformat(timespec='minutes')}: {told.message}")


def run_log(root: str, incident_id: str, kind: str, message: str, at: str | None) -> int:
    from opsbook.incident.workflow import log_event

    event = log_event(Path(root), incident_id, kind, message, at=at)
    return _report(event, root, f"{kind} at {event.at.isoformat(timespec='minutes')}")


def run_resolve(root: str, incident_id: str, message: str | None, at: str | None) -> int:
    from opsbook.incident.workflow import resolve

    event = resolve(Path(root), incident_id, message=message, at=at)
    return _report(event, root, f"resolved at {event.at.isoformat(timespec='minutes')}; write the narrative, "
                                f"then `ops incident publish {incident_id}`")


def run_roles(root: str, incident_id: str, roles: dict[str, str | None]) -> int:
    from opsbook.incident.workflow import set_roles

    event = set_roles(Path(root), incident_id, **roles)
    return _report(event, root, event.message)


def run_action(root: str, incident_id: str, title: str, owner: str, due: str) -> int:
    from opsbook.incident.workflow import add_action_item

    event = add_action_item(Path(root), incident_id, title=title, owner=owner, due=due)
    return _report(event, root, f"action item {event.message}")


def run_status(root: str, incident_id: str, status: str) -> int:
    from opsbook.incident.workflow import set_status

    event = set_status(Path(root), incident_id, status)
    return _report(event, root, event.message)


def run_update(root: str, incident_id: str, state: str, message: str | None, from_runbook: str | None,
               title: str | None, components: tuple[str, ...], at: str | None) -> int:
    from opsbook.incident.public import post_update

    event = post_update(Path(root), incident_id, state=state, message=message, from_runbook=from_runbook,
                        title=title, components=components, at=at)
    return _report(event, root, f"public update at {event.at.isoformat(timespec='minutes')}: {event.message}")
