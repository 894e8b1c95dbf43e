"""The example handbook in this repository is valid, so the README's commands have something real."""

from conftest import NOW, REPO, ops
from opsbook.handbook.validate import check_handbook


def test_example_handbook_has_no_errors():
    report = check_handbook(REPO, NOW)
    assert [p for p in report.problems if p.is_error] == []
    assert report.handbook is not None
    assert "rb-checkout-failure" in report.handbook.runbooks


def test_ops_validate_passes_on_the_example(tmp_path):
    result = ops("validate", "--root", str(REPO), "--as-of", "2026-11-26")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the handbook is valid" in result.stdout
    assert "Traceback" not in result.stderr


def test_each_runbook_knows_the_incidents_handled_with_it():
    handbook = check_handbook(REPO, NOW).handbook
    for runbook_id in handbook.runbooks:
        expected = [pm.id for pm in handbook.postmortems.values() if pm.meta.runbook == runbook_id]
        assert [pm.id for pm in handbook.postmortems_using(runbook_id)] == expected
    assert [pm.id for pm in handbook.postmortems_using("rb-checkout-failure")] == ["pm-2026-10-14-checkout-outage"]
    assert handbook.postmortems_using("rb-no-such-runbook") == []
