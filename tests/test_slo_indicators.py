"""SLO indicators as data: their PromQL, `le` and runbook are checked with file, line and key.

Each case breaks the example's `ops/slos.yaml` or `ops/severity.yaml` in one way (on the line with a
marker, so the line in the message is checked too) and asserts the exact lines `ops validate` prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from opsbook.cli import main


def _replace(path: Path, old: str, new: str) -> int:
    """Replace `old` once in `path`; the 1-based line where the new text starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    start = text.index(old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text.count("\n", 0, start) + 1 + new[: len(new) - len(new.lstrip("\n"))].count("\n")


def _validate(root: Path, capsys) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--root", str(root), "--as-of", "2026-11-26"])
    out = capsys.readouterr()
    return exit_info.value.code, (out.out + out.err).splitlines()


def test_the_example_indicators_are_valid(example_root, capsys):
    code, lines = _validate(example_root, capsys)
    assert code == 0, lines
    assert lines[-1].startswith("✓ the handbook is valid")


def test_broken_promql_names_file_line_key_and_the_parsers_reason(handbook_copy, capsys):
    line = _replace(handbook_copy / "ops/slos.yaml", "        total: checkout_result_total\n",
                    "        total: sum(rate(checkout_result_total[$window])\n")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert lines[:2] == [
        f"ops/slos.yaml:{line}:9: error: slos[4].indicator.ratio.total: is not valid PromQL: "
        "unclosed left parenthesis",
        "    found: 'sum(rate(checkout_result_total[$window])'",
    ]


def test_a_counter_expression_must_say_where_the_window_goes(handbook_copy, capsys):
    line = _replace(handbook_copy / "ops/slos.yaml", "        total: checkout_result_total\n",
                    "        total: sum(rate(checkout_result_total[5m]))\n")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert lines[0] == (
        f"ops/slos.yaml:{line}:9: error: slos[4].indicator.ratio.total: expected a selector such as "
        "http_requests_total{code=~\"5..\"}, or an expression with $window where the rate window goes, "
        "such as sum(rate(x[$window]))")


def test_le_must_be_a_number(handbook_copy, capsys):
    line = _replace(handbook_copy / "ops/slos.yaml", '        le: "4"\n', "        le: four seconds\n")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert lines[:2] == [
        f"ops/slos.yaml:{line}:9: error: slos[1].indicator.latency.le: expected a bucket bound as a number, "
        "such as \"0.5\" or \"4\"",
        "    found: 'four seconds'",
    ]


def test_the_severity_policys_promql_is_checked_too(handbook_copy, capsys):
    path = handbook_copy / "ops/severity.yaml"
    text = path.read_text()
    old = re.search(r"    promql: sum\(rate\(checkout_result_total.*\n", text)[0]
    line = _replace(path, old, "    promql: sum(rate(checkout_result_total[10m])\n")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert lines[0] == (f"ops/severity.yaml:{line}:5: error: metrics[0].promql: is not valid PromQL: "
                        "unclosed left parenthesis")


def test_an_indicator_without_a_runbook_is_a_warning(handbook_copy, capsys):
    _replace(handbook_copy / "runbooks/rb-llm-cost-anomaly.md", "  slos: [llm-cost-per-workflow]\n",
             "  slos: []\n")
    text = (handbook_copy / "ops/slos.yaml").read_text()
    line = text[: text.index("      quotient:")].count("\n")  # the `indicator:` line above it
    code, lines = _validate(handbook_copy, capsys)
    assert code == 0
    assert lines[:2] == [
        f"ops/slos.yaml:{line}:5: warning: slos[5].indicator: SLO 'llm-cost-per-workflow' has an indicator "
        "but no runbook says how to handle its alerts",
        "    hint: add 'llm-cost-per-workflow' to `detection.slos` of the runbook for it",
    ]


def test_exactly_one_kind_of_indicator(handbook_copy, capsys):
    line = _replace(handbook_copy / "ops/slos.yaml", "      quotient:\n",
                    "      latency: {histogram: x, le: 1, quantile: 0.9}\n      quotient:\n")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert lines[0] == (f"ops/slos.yaml:{line - 1}:5: error: slos[5].indicator: an indicator is exactly one of "
                        "`ratio`, `latency` or `quotient`")


def test_a_target_too_loose_to_ever_page_is_a_warning(handbook_copy, capsys):
    # 28d window: the 1h page factor is 13.44; a 10% budget burnt 13.44 times is more than everything.
    _replace(handbook_copy / "ops/slos.yaml", "    target: 0.995\n", "    target: 0.9\n")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 0
    assert ("ops/slos.yaml:15:5: warning: slos[0].indicator: the page alert can never fire: an error budget "
            "of 0.1 burnt 13.44 times is more than every event failing") in lines


def test_le_in_the_wrong_unit_for_the_target_is_an_error_with_the_fix(handbook_copy, capsys):
    # tool_call_duration_seconds: le "4000" is 4000 s, the target 4000 ms is 4 s.
    line = _replace(handbook_copy / "ops/slos.yaml", '        le: "4"\n', '        le: "4000"\n')
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert lines[:4] == [
        f'ops/slos.yaml:{line}:9: error: slos[1].indicator.latency.le: `le: "4000"` on a _seconds histogram '
        "is 4000 s, but the target is 4000 ms",
        '    expected: le: "4"',
        '    found: le: "4000"',
        '    hint: write le: "4" (the target in the histogram\'s unit), and make sure the histogram has that bucket',
    ]


def test_le_of_a_milliseconds_histogram_is_read_in_milliseconds(handbook_copy, capsys):
    slos = handbook_copy / "ops/slos.yaml"
    _replace(slos, "histogram: tool_call_duration_seconds{", "histogram: tool_call_duration_milliseconds{")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert ('    hint: write le: "4000" (the target in the histogram\'s unit), and make sure the histogram has '
            "that bucket") in lines
    _replace(slos, 'le: "4"\n', 'le: "4000"\n')
    code, lines = _validate(handbook_copy, capsys)
    assert code == 0, lines
    assert not [line for line in lines if "slos.yaml" in line]


def test_le_of_a_histogram_whose_name_has_no_unit_is_a_warning(handbook_copy, capsys):
    line = _replace(handbook_copy / "ops/slos.yaml", '        le: "4"\n', '        le: "4"\n')
    _replace(handbook_copy / "ops/slos.yaml", "histogram: tool_call_duration_seconds{",
             "histogram: tool_call_duration{")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 0
    assert lines[:2] == [
        f'ops/slos.yaml:{line}:9: warning: slos[1].indicator.latency.le: the unit of `le: "4"` cannot be checked '
        "against the target: the histogram's name ends in neither _seconds nor _milliseconds",
        "    hint: make sure `le` is the target 4000 ms in the histogram's unit",
    ]


@pytest.mark.parametrize("objective, comparison, fix", [(">=", ">", "<"), ("<=", "<", ">"), ("<=", "<=", ">=")])
def test_an_alert_that_fires_on_the_healthy_side_is_an_error(handbook_copy, capsys, objective, comparison, fix):
    # checkout-success: objective >= 0.99, alert < 0.95; the error-rate SLO gift-search-errors: <= 0.02, > 0.1.
    slos = handbook_copy / "ops/slos.yaml"
    if objective == ">=":
        line = _replace(slos, 'alert: {comparison: "<", threshold: 0.95', f'alert: {{comparison: "{comparison}", '
                        "threshold: 0.95")
        index, metric, threshold, target = 4, "checkout_success_rate", 0.95, 0.99
    else:
        line = _replace(slos, 'alert: {comparison: ">", threshold: 0.1', f'alert: {{comparison: "{comparison}", '
                        "threshold: 0.1")
        index, metric, threshold, target = 2, "gift_search_error_rate", 0.1, 0.02
    side = ("high", "below") if objective == ">=" else ("low", "above")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert lines[:3] == [
        f"ops/slos.yaml:{line}:13: error: slos[{index}].alert.comparison: the alert fires when {metric} "
        f"{comparison} {threshold:g}, but the objective is {objective} {target:g}: it would fire while the service "
        "is healthy",
        f'    expected: comparison: "{fix}"',
        f"    hint: the objective {objective} is met when the SLI is {side[0]}, so the alert fires when it is "
        f"{side[1]} the threshold",
    ]


def test_a_promql_typo_does_not_hide_the_rest_of_the_files_problems(handbook_copy, capsys):
    slos = handbook_copy / "ops/slos.yaml"
    typo = _replace(slos, "        total: checkout_result_total\n", "        total: checkout_result_total{\n")
    le = _replace(slos, '        le: "4"\n', '        le: "4000"\n')
    alert = _replace(slos, 'alert: {comparison: "<", threshold: 0.8,', 'alert: {comparison: ">", threshold: 0.8,')
    # A runbook naming an SLO that does not exist: checked only when the catalogue loads.
    runbook = handbook_copy / "runbooks/rb-llm-cost-anomaly.md"
    _replace(runbook, "  slos: [llm-cost-per-workflow]\n", "  slos: [llm-cost-per-workflow, no-such-slo]\n")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    errors = [line.split(": error: ")[0] for line in lines if ": error: " in line]
    assert f"ops/slos.yaml:{typo}:9" in errors
    assert f"ops/slos.yaml:{le}:9" in errors
    assert f"ops/slos.yaml:{alert}:13" in errors
    assert any(line.startswith("runbooks/rb-llm-cost-anomaly.md:") and "no-such-slo" in line
               for line in lines if ": error: " in line), lines
    assert not [line for line in lines if "unchecked until ops/slos.yaml loads" in line]
