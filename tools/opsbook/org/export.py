"""A team's handbook → its `opsbook.json` (`opsbook.org.contract`), written by `ops build` at the site's root.

A pure function of the handbook, the build's moment and, when measured, the SLOs' numbers: the same
handbook on the same day gives the same bytes. Fields are picked one by one from the models (never a
model dumped whole), so a field added to a handbook file never reaches the export unless chosen here.
"""

from __future__ import annotations

import datetime as dt
import json

from opsbook import urls
from opsbook.handbook.models.postmortem import EventType
from opsbook.org import contract

UTC = dt.timezone.utc
NEXT_OCCURRENCES = 3  # per cadence: enough for "which reviews happen this week" across teams
_STAGES = ("started", "detected", "acknowledged", "mitigated", "resolved")


def _days(delta: dt.timedelta) -> float:
    days = delta.total_seconds() / 86400
    return int(days) if days == int(days) else round(days, 4)


def _links(config) -> contract.Links:
    from opsbook.status.view import status_url

    site = config.site_url
    return contract.Links(site=site, feeds_index=urls.absolute(site, "feeds/index.json"),
                          handbook_feed=urls.absolute(site, urls.feed()),
                          oncall_feed=urls.absolute(site, urls.oncall_feed()), status_page=status_url(config),
                          search_index=urls.absolute(site, "search/search_index.json"))


def _rotations(handbook, now: dt.datetime) -> list[contract.Rotation]:
    from opsbook.calendar.feed import horizon
    from opsbook.oncall.shifts import shifts

    found = {rotation.id: [] for rotation in handbook.team.rotations}
    for shift in shifts(handbook, *horizon(handbook, now)):
        found[shift.rotation].append(contract.Shift(start=shift.start, end=shift.end, person=shift.person))
    site = handbook.config.site_url
    return [contract.Rotation(id=r.id, name=r.name, members=list(r.members), url=urls.absolute(site, urls.team(r.id)),
                              shifts=sorted(found[r.id], key=lambda s: s.start)) for r in handbook.team.rotations]


def _incident(handbook, pm) -> contract.Incident:
    meta = pm.meta
    times = {stage: meta.first(EventType(stage)) for stage in _STAGES}
    return contract.Incident(id=pm.id, title=meta.title, url=urls.absolute(handbook.config.site_url, urls.postmortem(pm.id)),
                             severity=meta.severity.value, category=meta.category.value, services=list(meta.services),
                             status=meta.status.value, **times)


def _measured(numbers, report) -> contract.Measured | None:
    if numbers is None or report is None or report.missing is not None:
        return None
    return contract.Measured(at=report.at, period_days=_days(report.period), period_attainment=numbers.period_attainment,
                             window_attainment=numbers.window_attainment, budget_remaining=numbers.budget_remaining,
                             value=numbers.value, verdict=numbers.verdict)


def _slos(handbook, measured) -> list[contract.Slo]:
    numbers = {n.slo: n for n in measured.slos} if measured is not None else {}
    return [contract.Slo(id=s.id, title=s.title, service=s.service, unit=s.unit.value, objective=s.objective.value,
                         target=s.target, window_days=_days(s.window), indicator=s.indicator is not None,
                         measured=_measured(numbers.get(s.id), measured)) for s in handbook.slos.values()]


def _levels(handbook) -> list[contract.Level]:
    def seconds(delta):
        return None if delta is None else int(delta.total_seconds())

    return [contract.Level(id=level.id.value, name=level.name, respond_within_seconds=seconds(level.respond_within),
                           mitigate_within_seconds=seconds(level.mitigate_within),
                           resolve_within_seconds=seconds(level.resolve_within),
                           postmortem_required=level.postmortem.required,
                           postmortem_within_seconds=seconds(level.postmortem.publish_within))
            for level in handbook.severity.levels]


def _cadences(handbook, now: dt.datetime) -> list[contract.Cadence]:
    from opsbook.calendar import schedule
    from opsbook.calendar.feed import horizon

    upcoming: dict[str, list] = {cadence_id: [] for cadence_id in handbook.cadences}
    for occurrence in schedule.occurrences(handbook, now, horizon(handbook, now)[1]):
        if len(upcoming[occurrence.cadence_id]) < NEXT_OCCURRENCES:
            upcoming[occurrence.cadence_id].append(
                contract.Occurrence(start=occurrence.start, end=occurrence.end, owner=occurrence.owner))
    site = handbook.config.site_url
    return [contract.Cadence(id=entry.id, title=entry.cadence.title, url=urls.absolute(site, urls.cadence(entry.id)),
                             next=upcoming[entry.id]) for entry in sorted(handbook.cadences.values(), key=lambda e: e.id)]


def build_export(handbook, now: dt.datetime, measured=None) -> contract.Export:
    """What the organisation may read of `handbook` as of `now`; `measured`: an `opsbook.slo.status.Report`."""
    config, team = handbook.config, handbook.team
    site = config.site_url
    return contract.Export(
        schema_version=contract.SCHEMA_VERSION, as_of=now.date(), name=config.name, team=team.name,
        timezone=team.timezone, site_url=site, links=_links(config),
        people=[contract.Person(id=p.id, name=p.name) for p in team.people],
        services=[contract.Service(id=s.id, name=s.name, tier=s.tier, owners=list(s.owners))
                  for s in handbook.services.values()],
        rotations=_rotations(handbook, now),
        runbooks=[contract.Runbook(id=rb.id, title=rb.meta.title, url=urls.absolute(site, urls.runbook(rb.id)),
                                   category=rb.meta.category.value, severity=rb.meta.severity.value,
                                   services=list(rb.meta.services), last_reviewed=rb.meta.last_reviewed,
                                   review_every_days=rb.meta.review_every.days,
                                   review_due=rb.meta.last_reviewed + rb.meta.review_every)
                  for rb in sorted(handbook.runbooks.values(), key=lambda rb: rb.id)],
        incidents=[_incident(handbook, pm) for pm in sorted(handbook.postmortems.values(), key=lambda pm: pm.id)],
        action_items=[contract.ActionItem(id=item.id, incident=pm.id, title=item.title, owner=item.owner, due=item.due,
                                          status=item.status.value)
                      for pm in sorted(handbook.postmortems.values(), key=lambda pm: pm.id)
                      for item in pm.meta.action_items],
        slos=_slos(handbook, measured), severity=_levels(handbook), cadences=_cadences(handbook, now),
        secrets=[contract.Secret(name=s.name, owner=s.owner, rotate_every_days=s.rotate_every.days,
                                 last_rotated=s.last_rotated, due=s.last_rotated + s.rotate_every)
                 for s in sorted(handbook.secrets, key=lambda s: s.name)],
    )


def render_export(handbook, now: dt.datetime, measured=None) -> bytes:
    """`opsbook.json`'s bytes: the models' key order, compact (an organisation fetches a hundred), UTF-8."""
    data = build_export(handbook, now, measured).model_dump(mode="json")
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
