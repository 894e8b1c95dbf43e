"""Classifying an incident from metric readings with the severity policy's rules."""

from __future__ import annotations

import json

import pytest
from conftest import ops
from opsbook.handbook.models.catalogue import SeverityPolicy
from opsbook.incident.classify import classify, parse_readings
from opsbook.problems import UsageError

POLICY = SeverityPolicy.model_validate({
    "levels": [
        {"id": sev, "name": sev, "definition": "d", "respond_within": "15m", "mitigate_within": "1h",
         "postmortem": {"publish_within": "5d"}} for sev in ("SEV-1", "SEV-2", "SEV-3")],
    "metrics": [{"name": name, "unit": "ratio", "description": "d"} for name in ("errors", "success", "cost")],
    "category_floor": {"commerce": "SEV-1"},
    "rules": [
        {"id": "both-bad", "severity": "SEV-1", "category": "availability", "reason": "r",
         "all": [{"metric": "errors", "op": ">", "value": 0.5}, {"metric": "success", "op": "<", "value": 0.5}]},
        {"id": "errors-high", "severity": "SEV-2", "category": "quality", "reason": "r",
         "any": [{"metric": "errors", "op": ">=", "value": 0.3}]},
        {"id": "cost-up", "severity": "SEV-3", "category": "commerce", "reason": "r",
         "any": [{"metric": "cost", "op": ">", "value": 2}]},
    ],
})


def test_first_matching_rule_wins():
    result = classify(POLICY, {"errors": 0.6, "success": 0.4})
    assert (result.rule.id, result.severity.value) == ("both-bad", "SEV-1")
    assert [m.describe() for m in result.matched] == ["errors = 0.6 > 0.5", "success = 0.4 < 0.5"]


def test_all_needs_every_condition_and_a_missing_reading_does_not_hold():
    assert classify(POLICY, {"errors": 0.6}).rule.id == "errors-high"
    assert classify(POLICY, {"errors": 0.6, "success": 0.9}).rule.id == "errors-high"
    assert classify(POLICY, {"errors": 0.29, "success": 0.1}) is None


def test_comparisons_at_the_threshold():
    assert classify(POLICY, {"errors": 0.3}).rule.id == "errors-high"  # >= holds at the value
    assert classify(POLICY, {"cost": 2}) is None  # > does not


def test_the_category_floor_raises_the_rule_severity():
    result = classify(POLICY, {"cost": 3})
    assert (result.rule.severity.value, result.severity.value, result.raised_by_floor) == ("SEV-3", "SEV-1", True)


def test_readings_are_parsed_and_checked_against_the_policy():
    assert parse_readings(["errors=0.5", "cost = 2"], POLICY) == {"errors": 0.5, "cost": 2.0}
    with pytest.raises(UsageError, match="unknown metric 'latency'; .* knows: errors, success, cost"):
        parse_readings(["latency=3"], POLICY)
    with pytest.raises(UsageError, match="'nan' is not|expected a finite number"):
        parse_readings(["errors=nan"], POLICY)
    with pytest.raises(UsageError, match="expected metric=value"):
        parse_readings(["errors"], POLICY)


def test_checkout_below_its_threshold_is_sev1_with_the_checkout_runbook():
    result = ops("classify", "checkout_success_rate=0.55")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "SEV-1 (Critical): Payments are not flowing."
    assert "  rule:     payments-not-flowing (category commerce)" in lines
    assert "  matched:  checkout_success_rate = 0.55 < 0.6" in lines
    assert "  runbook:  rb-checkout-failure: Mass checkout failures (runbooks/rb-checkout-failure.md)" in lines


def test_gift_search_errors_are_sev2_as_json():
    result = ops("classify", "gift_search_error_rate=0.35", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["incident"], data["severity"], data["rule"]) == (True, "SEV-2", "gift-search-degraded")
    assert data["matched"] == [{"metric": "gift_search_error_rate", "op": ">", "threshold": 0.3, "value": 0.35}]
    assert data["targets"]["mitigate_within"] == "4h"


def test_healthy_metrics_are_not_an_incident():
    result = ops("classify", "checkout_success_rate=0.99", "gift_search_error_rate=0.01", "mcp_success_rate=1")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("not an incident")
    data = json.loads(ops("classify", "checkout_success_rate=0.99", "--format", "json").stdout)
    assert (data["incident"], data["severity"]) == (False, None)


def test_an_unknown_metric_lists_the_known_ones():
    result = ops("classify", "checkout_rate=0.5")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("ops: error: unknown metric 'checkout_rate'; the severity policy")
    assert "checkout_success_rate, gift_search_error_rate" in result.stderr
