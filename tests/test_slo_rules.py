"""`ops slo rules`: the Prometheus rule file, checked by the real promtool, for the example and 1,000 SLOs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import yaml
from conftest import NOW, REPO, needs_commands, ops
from opsbook.validation import load_handbook
from opsbook.slo import burn, rules

needs_promtool = needs_commands("promtool", package="prometheus")


def _promtool_check(path) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("window, factors", [
    (dt.timedelta(days=30), [14.4, 6, 1]),
    (dt.timedelta(days=28), [13.44, 5.6, 1]),   # the ticket's 0.933 is held at 1
    (dt.timedelta(days=7), [3.36, 1.4, 1]),     # the ticket's 0.233 is held at 1
])
def test_burn_factors_follow_from_the_slos_window(window, factors):
    assert [alert.factor(window) for alert in burn.BURN_ALERTS] == factors
    assert [rules.format_duration(w) for w in burn.windows()] == ["5m", "30m", "1h", "6h", "3d"]


@needs_promtool
def test_the_examples_rules_pass_promtool(tmp_path):
    out = tmp_path / "rules.yaml"
    result = ops("slo", "rules", "--root", str(REPO), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"wrote 56 rules in 7 groups to {out}\n"
    check = _promtool_check(out)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 56 rules found" in check.stdout


def test_every_alert_carries_the_labels_alertmanager_routes_on_and_a_runbook():
    groups = rules.rule_file(load_handbook(REPO))["groups"]
    alerts = [rule for group in groups for rule in group["rules"] if "alert" in rule]
    for alert in alerts:
        assert {"severity", "category"} <= set(alert["labels"]), alert
        assert {"summary", "description", "runbook_url"} <= set(alert["annotations"]), alert
    checkout = next(g for g in groups if g["name"] == "slo:checkout-success")["rules"]
    page = next(r for r in checkout if r.get("alert") == "SLOErrorBudgetBurn" and r["labels"]["severity"] == "page")
    assert page["labels"] == {"slo": "checkout-success", "service": "checkout", "category": "commerce",
                              "severity": "page"}
    assert page["annotations"]["runbook_url"] == "https://giftgenius.github.io/handbook/runbooks/rb-checkout-failure/"
    # 7d window, 1% budget: 2% of it in 1h is 3.36 times the budget; traffic guarded at min_rate.
    assert page["expr"].startswith('(slo:error_ratio:rate1h{slo="checkout-success"} > (3.36 * 0.01) and '
                                   'slo:error_ratio:rate5m{slo="checkout-success"} > (3.36 * 0.01) and on() '
                                   '(sum (rate(checkout_result_total[1h])) >= 0.01))')
    policy = next(g for g in groups if g["name"] == "severity-policy")["rules"]
    degraded = next(r for r in policy if r.get("alert") == "GiftSearchDegraded")
    assert degraded["expr"] == ("(severity_metric:gift_search_error_rate > 0.3) or "
                                "(severity_metric:gift_search_p95_ms > 8000)")
    assert degraded["labels"] == {"rule": "gift-search-degraded", "category": "latency", "severity": "SEV-2",
                                  "service": "gift-search"}  # the runbook's service: its incident is joined


def test_the_rule_file_is_deterministic_and_reads_back_as_the_same_data():
    handbook = load_handbook(REPO)
    text = rules.render(handbook)
    assert text == rules.render(load_handbook(REPO))
    assert yaml.safe_load(text) == rules.rule_file(handbook)


@pytest.mark.parametrize("value", ["yes", "a: b", "it's", "line\nbreak", "#x", "", "1.5", "tab\there", "ünï"])
def test_the_emitter_quotes_what_yaml_would_misread(value):
    lines: list[str] = []
    rules._emit({"groups": [{"name": value, "n": 3, "f": 0.5}]}, 0, lines)
    assert yaml.safe_load("\n".join(lines)) == {"groups": [{"name": value, "n": 3, "f": 0.5}]}


def test_an_invalid_handbook_writes_no_rule_file(handbook_copy, tmp_path):
    slos = handbook_copy / "ops/slos.yaml"
    slos.write_text(slos.read_text().replace('le: "4"', "le: four"))
    out = tmp_path / "rules.yaml"
    result = ops("slo", "rules", "--root", str(handbook_copy), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr == "ops: error: the handbook has 1 error; run `ops validate` for details\n"
    assert not out.exists()


def test_the_alertmanager_inhibition_silences_a_ticket_while_its_page_fires_in_the_same_group():
    result = ops("slo", "rules", "--alertmanager")
    assert result.returncode == 0
    inhibit = yaml.safe_load(result.stdout)["inhibit_rules"]
    # gift-search-errors alerts per `tool`: a page on one tool must not silence another tool's ticket.
    assert inhibit == [{"source_matchers": ['alertname="SLOErrorBudgetBurn"', 'severity="page"'],
                        "target_matchers": ['alertname="SLOErrorBudgetBurn"', 'severity="ticket"'],
                        "equal": ["slo", "tool"]}]


def test_the_alertmanager_inhibition_of_a_broken_handbook_is_refused(handbook_copy):
    slos = handbook_copy / "ops/slos.yaml"
    slos.write_text(slos.read_text().replace("by: [tool]", "by: [tool-name]"))
    result = ops("slo", "rules", "--alertmanager", "--root", str(handbook_copy))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "ops: error: the handbook has 1 error; run `ops validate` for details\n"


@needs_promtool
@pytest.mark.slow
def test_the_rules_for_1000_slos_pass_promtool(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    from synthetic import make_slo_catalogue

    root = make_slo_catalogue(tmp_path / "big", 1_000)
    out = tmp_path / "rules.yaml"
    result = ops("slo", "rules", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    check = _promtool_check(out)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    # 5 recording rules, 2 burn alerts, absent and threshold per event SLO; absent and threshold per quotient
    assert "SUCCESS: 7847 rules found" in check.stdout


def test_the_site_publishes_the_rule_file_and_links_it_from_each_slo():
    from opsbook.site import layout, pages

    handbook = load_handbook(REPO)
    assert layout.SLO_RULES in pages.generated_sources(handbook)
    generated = pages.generate(handbook, NOW, (), 14)
    assert generated[layout.SLO_RULES] == rules.render(handbook)
    catalogue = generated[layout.SLOS]
    assert ("- **Alert rules:** `SLOErrorBudgetBurn` pages when the error ratio burns the 1% budget at 3.36 × over "
            "1h and 5m or 1.4 × over 6h and 30m, and opens a ticket at 1 × over 3d and 6h with at least 0.01 "
            "events/s. `SLOIndicatorAbsent` when the indicator has no data for an hour; the alert above is "
            "`SLOThreshold`. In the [Prometheus rule file](slos/prometheus-rules.yaml), group "
            "`slo:checkout-success`.") in catalogue.splitlines()


def test_a_grouped_indicator_alerts_per_group():
    handbook = load_handbook(REPO)
    slo = handbook.slos["checkout-success"]
    grouped = slo.model_copy(update={"indicator": slo.indicator.model_copy(update={
        "ratio": slo.indicator.ratio.model_copy(update={"by": ["region"]})})})
    assert rules.sli(grouped).error_ratio == ('1 - (sum by (region) (rate(checkout_result_total{status="success"}'
                                              '[$window])) / sum by (region) (rate(checkout_result_total[$window])))')
