"""The organisation's view computed from exports: the scorecard's cells with their facts and fix links,
who is on call now and next, and lifecycle times against each team's own targets."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import NOW, REPO
from opsbook.validation import load_handbook
from opsbook.org import contract, kept
from opsbook.org.config import DEFAULT_CRITERIA, Check, Criterion, TeamEntry
from opsbook.org.export import render_export
from opsbook.org.scorecard import judge
from opsbook.org.view import build_view, lifecycle

UTC = dt.timezone.utc
AT = dt.datetime(2026, 11, 26, 12, tzinfo=UTC)
SITE = "https://giftgenius.github.io/handbook/"


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(render_export(load_handbook(REPO, NOW), NOW))


def _export(data: dict, **changes) -> contract.Export:
    return contract.Export.model_validate({**json.loads(json.dumps(data)), **changes})


def _criterion(check: Check, minimum: int = 2) -> Criterion:
    return Criterion(id=check.value, title=check.value, check=check, minimum=minimum)


def test_each_criterion_fails_with_the_facts_and_where_to_fix_it(data):
    slos = [dict(s, indicator=False) if i == 0 else s for i, s in enumerate(data["slos"])]
    runbooks = [dict(r, review_due="2026-11-01") if i == 0 else dict(r, review_due="2027-01-01")
                for i, r in enumerate(data["runbooks"])]
    rotations = [dict(r, members=r["members"][:1]) for r in data["rotations"]]
    items = [{"id": "AI-9", "incident": "pm-x", "title": "t", "owner": "maya", "due": "2026-11-20", "status": "open"},
             {"id": "AI-8", "incident": "pm-x", "title": "t", "owner": "maya", "due": "2026-11-20", "status": "done"}]
    secrets = [dict(s, due="2026-11-26") for s in data["secrets"][:1]]
    export = _export(data, slos=slos, runbooks=runbooks, rotations=rotations, action_items=items, secrets=secrets)
    cells = {c.check: judge(c, export, AT) for c in map(_criterion, Check)}
    assert not any(cell.passed for check, cell in cells.items() if check is not Check.POSTMORTEMS_ON_TIME)
    first_slo, first_runbook = data["slos"][0]["id"], data["runbooks"][0]["id"]
    assert cells[Check.SLO_INDICATORS].facts == f"1 of {len(slos)} SLOs not: {first_slo}"
    assert cells[Check.SLO_INDICATORS].fix == SITE + "slos/"
    assert cells[Check.RUNBOOKS_REVIEWED].facts == f"1 of {len(runbooks)} runbooks not: {first_runbook}"
    assert cells[Check.ROTATION_SIZE].fix == SITE + "team/"
    assert cells[Check.NO_OVERDUE_ACTIONS].facts == "1 overdue: pm-x/AI-9"
    assert cells[Check.NO_OVERDUE_ACTIONS].fix == SITE + "action-items/"
    assert cells[Check.SECRETS_ROTATED].facts.startswith("1 of 1 secret not: ")


def test_a_post_mortem_past_the_policys_time_fails_its_criterion(data):
    level = data["severity"][0]
    incident = {"id": "pm-late", "title": "Late", "url": SITE + "postmortems/pm-late/", "severity": level["id"],
                "category": "availability", "services": ["checkout"], "status": "draft",
                "detected": "2026-11-01T10:00:00+00:00", "resolved": "2026-11-01T12:00:00+00:00"}
    export = _export(data, incidents=[incident], severity=[dict(level, postmortem_required=True)])
    cell = judge(_criterion(Check.POSTMORTEMS_ON_TIME), export, AT)
    assert not cell.passed and cell.facts == "1 of 1 post-mortem not: pm-late"
    published = _export(data, incidents=[dict(incident, status="published")])
    assert judge(_criterion(Check.POSTMORTEMS_ON_TIME), published, AT).passed


def test_a_rotation_of_one_meets_a_minimum_of_one(data):
    export = _export(data, rotations=[dict(r, members=r["members"][:1]) for r in data["rotations"]])
    assert judge(_criterion(Check.ROTATION_SIZE, minimum=1), export, AT).passed


def _view(data: dict, at: dt.datetime):
    export = _export(data)
    team = TeamEntry(id="gift", name="GiftGenius", site_url=SITE)
    copy = kept.TeamCopy(team, kept.READ, at.date(), None, (), export, {}, {})
    config = type("Config", (), {"name": "Acme", "site_url": "https://acme.github.io/org/",
                                 "scorecard": DEFAULT_CRITERIA})
    return build_view(config, [copy], at), export


def test_on_call_now_and_next_come_from_the_exported_shifts(data):
    view, export = _view(data, AT)
    names = {p.id: p.name for p in export.people}
    for rotation, row in zip(export.rotations, view.teams[0].oncall):
        now = next(s for s in rotation.shifts if s.start <= AT < s.end)
        following = next(s for s in rotation.shifts if s.start >= now.end)
        assert (row.now, row.until) == (names.get(now.person), now.end)
        assert (row.next, row.from_) == (names.get(following.person), following.start)


def test_lifecycle_times_are_judged_against_the_teams_own_targets(data):
    view, export = _view(data, AT)
    levels = {level.id: level for level in export.severity}
    for group in view.groups:
        incidents = [i for i in export.incidents if i.severity == group.severity]
        assert group.incidents == len(incidents)
        level = levels[group.severity]
        acknowledge = group.stages["acknowledge"]
        assert acknowledge.target == dt.timedelta(seconds=level.respond_within_seconds)
        assert acknowledge.over == sum(1 for i in incidents if (t := lifecycle(i)["acknowledge"]) and t > acknowledge.target)
    assert view.recent and all(a[1].detected >= b[1].detected for a, b in zip(view.recent, view.recent[1:]))


def test_lifecycle_times_by_month_judge_each_incident_against_its_own_teams_target(data):
    view, export = _view(data, AT)
    months = {g.team for g in view.monthly}
    assert months and months <= set(view.months)
    for group in view.monthly:
        incidents = [i for i in export.incidents if i.severity == group.severity and
                     (i.detected or i.started).astimezone(UTC).strftime("%Y-%m") == group.team]
        assert group.incidents == len(incidents)
    assert sum(g.incidents for g in view.monthly) == sum(
        1 for i in export.incidents if (i.detected or i.started).astimezone(UTC).strftime("%Y-%m") in view.months)
