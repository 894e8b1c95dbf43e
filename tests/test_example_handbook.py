"""The example handbook in this repository is valid, so the README's commands have something real."""

import datetime as dt

from conftest import NOW, REPO, ops
from opsbook.validation import check_handbook


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


def test_the_example_stays_valid_every_30th_day_for_three_years():
    """Deliberately from the real today: whatever day the suite runs, the example must go on validating
    (action items fall overdue, reviews fall due: warnings; never an error) for years to come."""
    today = dt.datetime.now(dt.timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    for days in range(0, 3 * 365 + 1, 30):
        moment = today + dt.timedelta(days=days)
        errors = [p for p in check_handbook(REPO, moment).problems if p.is_error]
        assert not errors, (moment.date(), errors)
