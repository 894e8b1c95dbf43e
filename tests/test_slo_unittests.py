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
from opsbook.handbook.validate import load_handbook
from opsbook.slo import promtool, unittests

needs_promtool = needs_commands("promtool", package="prometheus")


@pytest.fixture(scope="module")
def one_slo(tmp_path_factory) -> Path:
    """The example handbook with an indicator on checkout-success only (and the cost quotient)."""
    root = tmp_path_factory.mktemp("one-slo") / "handbook"
    root.mkdir()
    for name in CONTENT:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, root / name)
    catalogue = yaml.safe_load((root / "ops/slos.yaml").read_text())
    for slo in catalogue["slos"]:
        if slo["id"] not in ("checkout-success", "llm-cost-per-workflow"):
            slo.pop("indicator")
    (root / "ops/slos.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    return root


@pytest.fixture(scope="module")
def kept(one_slo, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kept")
    result = ops("slo", "test", "--root", str(one_slo), "--keep", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"✓ 16 promtool tests passed in 3 files; files in {folder}\n"
    return folder


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
                     "checkout-success: a trickle below min_rate stays quiet though half of it fails"]


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
def test_a_classification_rule_off_by_its_boundary_fails(kept, tmp_path):
    report = _break(kept, "severity-policy", "severity_metric:checkout_success_rate < 0.6",
                    "severity_metric:checkout_success_rate <= 0.6", tmp_path)
    assert "name: rule payments-not-flowing: checkout_success_rate = 0.6 (< 0.6: quiet)," in report


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
