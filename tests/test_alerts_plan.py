"""The pure plan of `ops alerts pull` (`opsbook.alerts.plan.build`): what it decides, and that applying what
it decides leaves nothing for the next pull, whatever the alerts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from conftest import REPO

from opsbook.alerts import pull as pulling
from opsbook.alerts.plan import Known, Record, build
from opsbook.alerts.source import Alert, Reading
from opsbook.handbook.models.common import Severity

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone.utc)
T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.timezone.utc)
SLOS = {"checkout-success": "checkout", "gift-search-errors": "gift-search", "mcp-availability": "mcp-server"}


@pytest.fixture(scope="module")
def facts():
    return pulling.facts(pulling.load(REPO))


def burn(slo: str, minute: int, state: str = "active", severity: str = "page", **extra: str) -> Alert:
    labels = {"alertname": "SLOErrorBudgetBurn", "slo": slo, "service": SLOS[slo], "severity": severity, **extra}
    return Alert(labels, {"summary": f"{slo} burns"}, T0 + dt.timedelta(minutes=minute), None, state)


def apply(plan, known: list[Known]) -> list[Known]:
    """What the pull's writes record, as the next pull finds it."""
    by_id = {k.id: k for k in known}
    for n, opening in enumerate(plan.openings):
        incident = Known(f"pm-new-{len(by_id)}-{n}", opening.severity, (opening.service,) if opening.service else (),
                         opening.runbook, opening.detected,
                         {a.key: Record("firing", a.starts_at) for a in opening.alerts}, None, "postmortems/x.md")
        by_id[incident.id] = incident
    for edit in plan.edits:
        incident = by_id[edit.incident_id]
        for change in edit.changes:
            for key in change.keys:
                incident.records[key] = dataclasses.replace(incident.records[key], state=change.state)
        for alert in edit.joined:
            incident.records[alert.key] = Record("firing", alert.starts_at)
        if edit.severity is not None:
            incident.severity = edit.severity
    return list(by_id.values())


def test_one_incident_per_service_detected_at_the_earliest_start(facts):
    reading = Reading([burn("checkout-success", 5), burn("checkout-success", 2, alertname="SLOThreshold"),
                       burn("gift-search-errors", 3, tool="a"), burn("gift-search-errors", 4, tool="b")], True, "t")
    plan = build(reading, [], facts, NOW)
    assert sorted((o.service, len(o.alerts), o.detected.minute, o.severity.value) for o in plan.openings) == [
        ("checkout", 2, 2, "SEV-1"), ("gift-search", 2, 3, "SEV-2")]


def test_tickets_suppressed_and_resolved_alerts_open_nothing(facts):
    reading = Reading([burn("checkout-success", 1, severity="ticket"), burn("checkout-success", 1, state="suppressed"),
                       burn("gift-search-errors", 1, state="resolved")], False, "t")
    assert build(reading, [], facts, NOW).empty


def test_a_claimed_alert_absent_from_a_webhook_body_has_not_resolved(facts):
    alert = burn("checkout-success", 1)
    known = apply(build(Reading([alert], True, "t"), [], facts, NOW), [])
    assert build(Reading([], False, "webhook"), known, facts, NOW).empty
    [edit] = build(Reading([], True, "api"), known, facts, NOW).edits
    assert [c.state for c in edit.changes] == ["resolved"]


def test_severity_is_raised_by_a_joining_alert_never_lowered(facts):
    first = apply(build(Reading([burn("gift-search-errors", 1)], True, "t"), [], facts, NOW), [])
    policy = Alert({"alertname": "GiftSearchDegraded", "rule": "gift-search-degraded", "category": "latency",
                    "severity": "SEV-1", "service": "gift-search"}, {}, T0, None, "active")
    [edit] = build(Reading([burn("gift-search-errors", 1), policy], True, "t"), first, facts, NOW).edits
    assert edit.severity is Severity.SEV1
    raised = apply(build(Reading([burn("gift-search-errors", 1), policy], True, "t"), first, facts, NOW), first)
    page = burn("gift-search-errors", 9, tool="c")
    [edit] = build(Reading([burn("gift-search-errors", 1), policy, page], True, "t"), raised, facts, NOW).edits
    assert edit.severity is None and len(edit.joined) == 1


def test_an_unknown_slo_is_a_problem_not_a_guess(facts):
    odd = Alert({"alertname": "SLOErrorBudgetBurn", "slo": "nope", "severity": "page"}, {}, T0, None, "active")
    plan = build(Reading([odd, burn("checkout-success", 1)], True, "t"), [], facts, NOW)
    assert plan.problems and "'nope', which is not in ops/slos.yaml" in plan.problems[0]


@pytest.mark.parametrize("seed", range(200))
def test_applying_the_plan_leaves_nothing_for_the_next_pull(facts, seed):
    """Random alert histories: after each pull's plan is applied, the same reading plans nothing."""
    rng = random.Random(seed)
    known: list[Known] = []
    pool = [burn(slo, rng.randrange(60), tool=str(t)) for slo in SLOS for t in range(3)]
    for step in range(6):
        alerts = [dataclasses.replace(a, state=rng.choice(["active", "active", "suppressed"]))
                  for a in pool if rng.random() < 0.6]
        complete = rng.random() < 0.7
        if not complete:  # a webhook body may say an alert resolved
            alerts += [dataclasses.replace(a, state="resolved", ends_at=NOW) for a in pool
                       if a not in alerts and rng.random() < 0.3]
        reading = Reading(alerts, complete, "t")
        now = NOW + dt.timedelta(minutes=step)
        known = apply(build(reading, known, facts, now), known)
        again = build(reading, known, facts, now)
        assert again.empty, (seed, step, again)
        services = [s for k in known if k.resolved_at is None for s in k.services]
        assert len(services) == len(set(services)), "two open incidents for one service"
