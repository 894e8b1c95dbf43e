"""The scorecard: each team's export judged by the organisation's criteria (`scorecard` in `org.yaml`).

Pure functions from an export and a day to cells; each cell says whether the team meets the criterion,
the facts behind it (what is missing, by id) and where on the team's site to fix it, like GitLab's
service maturity model. Criteria are data, so an organisation chooses and orders them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from opsbook import urls
from opsbook.org import contract
from opsbook.org.config import Check, Criterion
from opsbook.plural import plural

CLOSED = ("done", "wont-do")
SHOWN = 5  # ids named in a cell's facts; the rest are counted


@dataclasses.dataclass(frozen=True)
class Cell:
    criterion: str
    passed: bool
    facts: str
    fix: str        # an absolute URL on the team's site


def _named(ids: list[str]) -> str:
    return ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def _cell(criterion: Criterion, failing: list[str], total: int, noun: str, good: str, fix: str) -> Cell:
    if not total:
        return Cell(criterion.id, False, f"no {noun}s", fix)
    if not failing:
        return Cell(criterion.id, True, f"all {plural(total, noun)} {good}", fix)
    return Cell(criterion.id, False, f"{len(failing)} of {plural(total, noun)} not: {_named(failing)}", fix)


def judge(criterion: Criterion, export: contract.Export, now: dt.datetime) -> Cell:
    """One cell: `export` judged by `criterion` as of `now`."""
    today = now.date()
    site = export.site_url
    check = criterion.check
    if check is Check.SLO_INDICATORS:
        failing = [s.id for s in export.slos if not s.indicator]
        return _cell(criterion, failing, len(export.slos), "SLO", "measured", urls.absolute(site, "slos/"))
    if check is Check.RUNBOOKS_REVIEWED:
        failing = [r.id for r in export.runbooks if r.review_due < today]
        return _cell(criterion, failing, len(export.runbooks), "runbook", "reviewed in time",
                     urls.absolute(site, urls.runbooks()))
    if check is Check.ROTATION_SIZE:
        failing = [r.id for r in export.rotations if len(set(r.members)) < criterion.minimum]
        return _cell(criterion, failing, len(export.rotations), "rotation",
                     f"of {criterion.minimum} or more", urls.absolute(site, urls.team()))
    if check is Check.POSTMORTEMS_ON_TIME:
        late = _late_postmortems(export, now)
        return _cell(criterion, late, len(export.incidents), "post-mortem", "on time",
                     urls.absolute(site, urls.postmortems())) if export.incidents else \
            Cell(criterion.id, True, "no incidents", urls.absolute(site, urls.postmortems()))
    if check is Check.NO_OVERDUE_ACTIONS:
        open_items = [a for a in export.action_items if a.status not in CLOSED]
        failing = [f"{a.incident}/{a.id}" for a in open_items if a.due < today]
        fix = urls.absolute(site, urls.action_items())
        if not failing:
            return Cell(criterion.id, True, f"{plural(len(open_items), 'open item')}, none overdue", fix)
        return Cell(criterion.id, False, f"{len(failing)} overdue: {_named(failing)}", fix)
    failing = [s.name for s in export.secrets if s.due <= today]
    fix = urls.absolute(site, urls.secrets())
    if not export.secrets:
        return Cell(criterion.id, True, "no secrets listed", fix)
    return _cell(criterion, failing, len(export.secrets), "secret", "rotated in time", fix)


def _late_postmortems(export: contract.Export, now: dt.datetime) -> list[str]:
    levels = {level.id: level for level in export.severity}
    late = []
    for incident in export.incidents:
        level = levels.get(incident.severity)
        if level is None or not level.postmortem_required or incident.resolved is None:
            continue
        if incident.status != "published" and incident.resolved + dt.timedelta(seconds=level.postmortem_within_seconds) < now:
            late.append(incident.id)
    return late


def scorecard(criteria: list[Criterion], export: contract.Export, now: dt.datetime) -> list[Cell]:
    """A team's row: one cell per criterion, in the order `org.yaml` lists them."""
    return [judge(criterion, export, now) for criterion in criteria]
