"""`ops slo test`: generated promtool unit tests pass on the real promtool, and catch broken rules.

The regression cases break one thing in a generated rule file (a burn factor, the traffic guard, a
classification comparison) and check that the promtool test that crosses it fails by name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import CONTENT, REPO, needs_commands, ops
from opsbook.validation import load_handbook
from opsbook.slo import promtool, unittests

needs_promtool = needs_commands("promtool", package="prometheus")


def _handbook(folder: Path, indicators: dict[str, dict | None]) -> Path:
    """The example handbook with an indicator only on the SLOs of `indicators` (None: the example's own)."""
    root = folder / "handbook"
    root.mkdir()
    for name in CONTENT:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, root / name)
    catalogue = yaml.safe_load((root / "ops/slos.yaml").read_text())
    for slo in catalogue["slos"]:
        if slo["id"] not in indicators:
            slo.pop("indicator")
        elif indicators[slo["id"]] is not None:
            slo["indicator"] = indicators[slo["id"]]
    (root / "ops/slos.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    return root


def _kept(root: Path, folder: Path, summary: str) -> Path:
    """`ops slo test --keep` on `root`, which must pass with `summary`; the folder of its files."""
    result = ops("slo", "test", "--root", str(root), "--keep", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"✓ {summary}; files in {folder}\n"
    return folder


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> Path:
    """The tests of the example with an indicator on checkout-success only (and the cost quotient)."""
    root = _handbook(tmp_path_factory.mktemp("one-slo"), {"checkout-success": None, "llm-cost-per-workflow": None})
    return _kept(root, tmp_path_factory.mktemp("kept"), "18 promtool tests passed in 3 files")


# The example's gift-search-errors is grouped by tool; its latency SLO gets a grouping too (by a label the
# selector does not name, so the groups are invented), and checkout a good counter grouped by region.
GROUPED = {
    "gift-search-errors": None,
    "gift-search-latency": {"latency": {"histogram": 'tool_call_duration_seconds{tool="suggest_gifts"}', "le": "4",
                                        "quantile": 0.95, "by": ["region", "tool"], "min_rate": 0.02}},
    "checkout-success": {"ratio": {"good": 'checkout_result_total{status="success", region!="test"}',
                                   "total": 'checkout_result_total{region!="test"}', "by": ["region"]}},
}


@pytest.fixture(scope="module")
def kept_grouped(tmp_path_factory) -> Path:
    root = _handbook(tmp_path_factory.mktemp("grouped"), GROUPED)
    return _kept(root, tmp_path_factory.mktemp("kept-grouped"), "32 promtool tests passed in 7 files")


def _break(folder: Path, name: str, old: str, new: str, tmp_path: Path) -> str:
    """promtool's report on `name`'s tests after replacing `old` (every time) in its rule file."""
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    rule_file = broken / f"{name}.rules.yaml"
    text = rule_file.read_text()
    assert old in text, old
    rule_file.write_text(text.replace(old, new))
    result = promtool.test_rules([broken / f"{name}.test.yaml"], broken)
    assert result.returncode == 1
    return result.stdout


@needs_promtool
def test_ops_slo_test_writes_and_passes_the_tests(kept):
    assert sorted(p.name for p in kept.iterdir()) == [
        "severity-policy.rules.yaml", "severity-policy.test.yaml", "slo-checkout-success.rules.yaml",
        "slo-checkout-success.test.yaml", "slo-checkout-success.week-test.yaml"]
    names = [t["name"] for t in yaml.safe_load((kept / "slo-checkout-success.test.yaml").read_text())["tests"]]
    assert names == ["checkout-success: a fast burn pages within the hour",
                     "checkout-success: a slow burn opens a ticket and never pages",
                     "checkout-success: no series at all is reported",
                     "checkout-success: a trickle below min_rate stays quiet though half of it fails",
                     "checkout-success: checkout_success_rate past its alert threshold alerts after 10m",
                     "checkout-success: a trickle below min_rate past its alert threshold stays quiet"]


@needs_promtool
def test_a_wrong_burn_factor_fails_the_slow_burn_test(kept, tmp_path):
    # The 1h page factor of a 7d window is 3.36; at 1 the slow burn (1.2 times the budget) would page.
    report = _break(kept, "slo-checkout-success", "(3.36 * 0.01)", "(1 * 0.01)", tmp_path)
    assert "name: checkout-success: a slow burn opens a ticket and never pages," in report
    assert "name: checkout-success: a fast burn" not in report


@needs_promtool
def test_a_missing_traffic_guard_fails_the_trickle_test(kept, tmp_path):
    report = _break(kept, "slo-checkout-success", " and on() (sum (rate(checkout_result_total[1h])) >= 0.01)",
                    "", tmp_path)
    assert "name: checkout-success: a trickle below min_rate stays quiet though half of it fails," in report


@needs_promtool
def test_a_threshold_alert_without_its_traffic_guard_fails_the_trickle_test(kept, tmp_path):
    # One failed checkout in a quiet hour is a failure rate of 100%: without the guard it pages.
    report = _break(kept, "slo-checkout-success", "< 0.95 and on() (sum (rate(checkout_result_total[5m])) >= 0.01)",
                    "< 0.95", tmp_path)
    assert "name: checkout-success: a trickle below min_rate past its alert threshold stays quiet," in report
    assert "name: checkout-success: a trickle below min_rate stays quiet though" not in report  # the burn alerts'


@needs_promtool
def test_a_threshold_alert_without_its_for_fails_the_threshold_test(kept, tmp_path):
    # Over half the checkouts fail from the first minute: the alert must wait its 10 minutes, then fire.
    report = _break(kept, "slo-checkout-success", "for: 10m", "for: 0m", tmp_path)
    assert "name: checkout-success: checkout_success_rate past its alert threshold alerts after 10m," in report
    assert "alertname: SLOThreshold, time: 9m," in report


@needs_promtool
def test_a_classification_rule_off_by_its_boundary_fails(kept, tmp_path):
    report = _break(kept, "severity-policy", "severity_metric:checkout_success_rate < 0.6",
                    "severity_metric:checkout_success_rate <= 0.6", tmp_path)
    assert "name: rule payments-not-flowing: checkout_success_rate = 0.6 (< 0.6: quiet)," in report


@needs_promtool
def test_grouped_indicators_are_tested_per_group(kept_grouped):
    tests = {t["name"]: t for name in ("gift-search-errors", "gift-search-latency", "checkout-success")
             for t in yaml.safe_load((kept_grouped / f"slo-{name}.test.yaml").read_text())["tests"]}
    assert list(tests) == [
        'gift-search-errors: a fast burn in tool="suggest_gifts" pages within the hour',
        'gift-search-errors: a slow burn in tool="search_products" opens a ticket and never pages',
        "gift-search-errors: no series at all is reported",
        'gift-search-errors: a trickle below min_rate in tool="suggest_gifts" stays quiet though half of it fails',
        'gift-search-errors: gift_search_error_rate past its alert threshold in tool="suggest_gifts" alerts after 10m',
        'gift-search-errors: a trickle below min_rate in tool="suggest_gifts" past its alert threshold stays quiet',
        'gift-search-latency: a fast burn in region="opsbook_other_a", tool="suggest_gifts" pages within the hour',
        'gift-search-latency: a slow burn in region="opsbook_other_b", tool="suggest_gifts" opens a ticket and '
        "never pages",
        "gift-search-latency: no series at all is reported",
        'gift-search-latency: a trickle below min_rate in region="opsbook_other_a", tool="suggest_gifts" stays '
        "quiet though half of it fails",
        'gift-search-latency: gift_search_p95_ms past its alert threshold in region="opsbook_other_a", '
        'tool="suggest_gifts" alerts after 10m',
        'gift-search-latency: a trickle below min_rate in region="opsbook_other_a", tool="suggest_gifts" past its '
        "alert threshold stays quiet",
        'checkout-success: a fast burn in region="opsbook_other_a" pages within the hour',
        'checkout-success: a slow burn in region="opsbook_other_b" opens a ticket and never pages',
        "checkout-success: no series at all is reported",
        'checkout-success: checkout_success_rate past its alert threshold in region="opsbook_other_a" alerts '
        "after 10m"]
    # The burning group's alerts carry its labels; the healthy group (fed beside it) raises none.
    fast = tests['gift-search-errors: a fast burn in tool="suggest_gifts" pages within the hour']
    assert {s["series"] for s in fast["input_series"]} == {
        'tool_calls_total{tool="suggest_gifts", outcome="opsbook_other"}',
        'tool_calls_total{tool="suggest_gifts", outcome="error"}',
        'tool_calls_total{tool="search_products", outcome="opsbook_other"}',
        'tool_calls_total{tool="search_products", outcome="error"}'}
    [check] = fast["alert_rule_test"]
    assert [(a["exp_labels"]["severity"], a["exp_labels"]["tool"]) for a in check["exp_alerts"]] == [
        ("page", "suggest_gifts"), ("ticket", "suggest_gifts")]
    # Each recording rule gives one series per group: the rule's labels and the group's, nothing else.
    assert [e["expr"] for e in fast["promql_expr_test"]] == [
        f'round(1000000 * slo:error_ratio:rate{w}{{slo="gift-search-errors"}})'
        for w in ("5m", "30m", "1h", "6h", "3d")]
    assert fast["promql_expr_test"][0]["exp_samples"] == [
        {"labels": '{slo="gift-search-errors", service="gift-search", category="availability", tool="suggest_gifts"}',
         "value": 84000},   # 1.25 × the 1h page factor 3.36 × the 2% budget
        {"labels": '{slo="gift-search-errors", service="gift-search", category="availability", '
                   'tool="search_products"}', "value": 10000}]   # half the budget


@needs_promtool
def test_a_grouped_recording_rule_that_drops_its_group_fails_the_fast_burn(kept_grouped, tmp_path):
    report = _break(kept_grouped, "slo-gift-search-errors", "sum by (tool) (", "sum (", tmp_path)
    assert 'name: gift-search-errors: a fast burn in tool="suggest_gifts" pages within the hour,' in report
    assert ('got: {category="availability", service="gift-search", slo="gift-search-errors"} 4.7E+04'
            in report)  # one series, the two tools' errors summed
    assert 'name: gift-search-errors: a slow burn in tool="search_products" opens a ticket' in report


@needs_promtool
def test_a_traffic_guard_over_every_group_fails_the_grouped_trickle_test(kept_grouped, tmp_path):
    # Summed over both regions the healthy region's traffic would let the trickling one alert.
    report = _break(kept_grouped, "slo-gift-search-latency", "on(region, tool)", "on()", tmp_path)
    assert ('name: gift-search-latency: a trickle below min_rate in region="opsbook_other_a", tool="suggest_gifts" '
            "stays quiet though half of it fails,") in report
    assert "a fast burn" not in report


def test_what_cannot_be_fed_says_why():
    handbook = load_handbook(REPO)
    slo = handbook.slos["checkout-success"]

    def feed(**ratio):
        return unittests.Feed.of(slo.model_copy(update={"indicator": slo.indicator.model_copy(update={
            "ratio": slo.indicator.ratio.model_copy(update=ratio)})}))

    assert feed(by=["status"]) == ("grouped by `status`, the label that tells the good events from the others: "
                                   "each group would hold only one kind of event")
    assert feed(by=["zone"], total='checkout_result_total{zone="eu"}') == (
        "the selectors hold every `by` label to one value: there is only one group")
    assert feed(by=["zone"], good='checkout_result_total{status="success", zone="us"}',
                total='checkout_result_total{zone=~"eu|us"}') == (
        "the selectors hold every `by` label to one value: there is only one group")
    assert feed(by=["zone"], good='checkout_result_total{status="success", zone="us"}',
                total='checkout_result_total{zone="eu"}') == "no value of the `by` label `zone` matches every selector"
    assert feed(by=["zone"]).groups == [{"zone": "opsbook_other_a"}, {"zone": "opsbook_other_b"}]


@needs_promtool
@pytest.mark.slow
def test_every_example_slos_minute_tests_pass(tmp_path):
    suite = unittests.build(load_handbook(REPO))
    assert suite.skipped == []
    files = [f for f in unittests.write(suite, tmp_path) if not f.name.endswith("week-test.yaml")]
    assert len(files) == 6
    result = promtool.test_rules(files, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_missing_promtool_is_one_clear_line(tmp_path):
    result = ops("slo", "test", "--root", str(REPO), env={"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr == ("ops: error: promtool is not installed; install Prometheus "
                             "(Debian: apt-get install prometheus)\n")


@needs_promtool
def test_a_latency_threshold_in_the_wrong_unit_fails_the_threshold_test(tmp_path):
    """The synthetic histogram has a bucket above `le`, so a slow half of the calls lifts p95 past the
    alert threshold; a rule that forgot the seconds-to-milliseconds scale never alerts, and is caught."""
    suite = unittests.build(load_handbook(REPO))
    unittests.write(suite, tmp_path / "kept")
    name = "slo-gift-search-latency"
    names = [t["name"] for t in yaml.safe_load((tmp_path / "kept" / f"{name}.test.yaml").read_text())["tests"]]
    assert "gift-search-latency: gift_search_p95_ms past its alert threshold alerts after 10m" in names
    assert promtool.test_rules([tmp_path / "kept" / f"{name}.test.yaml"], tmp_path / "kept").returncode == 0

    report = _break(tmp_path / "kept", name, "(1000 * histogram_quantile(", "(1 * histogram_quantile(", tmp_path)

    assert "name: gift-search-latency: gift_search_p95_ms past its alert threshold alerts after 10m," in report
    assert "name: gift-search-latency: a fast burn" not in report  # the burn alerts count events, not seconds
