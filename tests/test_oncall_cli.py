"""`ops oncall now|next|shifts` for real: exact lines, the payroll CSV adding up to the period for every
rotation with no gaps and no overlaps (on the example and on the big-organisation handbook), and clean
errors for bad input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys

import pytest
from conftest import REPO
from opsbook.handbook.models.common import zone

sys.path.insert(0, str(REPO / "bench"))
from synthetic import make_organisation  # noqa: E402

SWAP = """\
overrides:
  - rotation: primary-on-call
    person: tomas
    from: 2026-12-07T10:00
    until: 2026-12-14T10:00
    reason: Swap with maya (school play)
"""


def test_now_names_the_holder_and_the_override_that_put_them_there(handbook_copy, run_ops):
    (handbook_copy / "ops" / "oncall-overrides.yaml").write_text(SWAP, encoding="utf-8")
    result = run_ops("oncall", "now", "--root", str(handbook_copy), "--at", "2026-12-08T12:00:00+01:00")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "primary-on-call (primary): Tomás Ferreira until Mon 2026-12-14 10:00 CET — override: Swap with maya "
        "(school play) (instead of Maya Lindqvist)",
        "review-hosts (primary): Maya Lindqvist until Mon 2026-12-14 00:00 CET"]
    as_json = json.loads(run_ops("oncall", "now", "--root", str(handbook_copy), "--rotation", "primary-on-call",
                                 "--at", "2026-12-08T12:00:00+01:00", "--format", "json").stdout)
    assert as_json["shifts"][0]["override"] == {"reason": "Swap with maya (school play)", "person": "tomas"}


def test_at_without_an_offset_is_the_teams_clock_as_in_overrides(handbook_copy, run_ops):
    """The override starts at 10:00 Berlin time (its `from` has no offset): `--at` without one is read the same way."""
    (handbook_copy / "ops" / "oncall-overrides.yaml").write_text(SWAP, encoding="utf-8")

    def holder(at: str) -> str:
        result = run_ops("oncall", "now", "--root", str(handbook_copy), "--rotation", "primary-on-call", "--at", at)
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
        return result.stdout.split(":")[1].split(" until")[0].strip()

    assert holder("2026-12-07T09:30") == holder("2026-12-07T09:30+01:00") == "Priya Raman"  # the handoff is at 10:00 too
    assert holder("2026-12-07T10:30") == holder("2026-12-07T10:30+01:00") == "Tomás Ferreira"


def test_next_lists_the_handoffs_with_who_stands_in(run_ops):
    result = run_ops("oncall", "next", "--rotation", "primary-on-call", "--at", "2026-12-10")
    assert result.stdout.splitlines() == [
        "primary-on-call (primary):",
        "  Mon 2026-12-14 10:00 CET  Tomás Ferreira",
        "  Mon 2026-12-21 10:00 CET  Maya Lindqvist — standing in for Priya Raman (away)",
        "  Mon 2026-12-28 10:00 CET  Maya Lindqvist"]


def _check_csv(text: str, since: dt.date, until: dt.date, zones: dict[str, str]) -> dict[str, float]:
    """Each rotation's rows run from the period's first midnight to the one after its last day, each row
    beginning where the one before ends; returns the hours per rotation."""
    rows = list(csv.DictReader(io.StringIO(text)))
    totals: dict[str, float] = {}
    for rotation, tz_name in zones.items():
        mine = [r for r in rows if r["rotation"] == rotation]
        tz = zone(tz_name)
        first = dt.datetime.combine(since, dt.time(), tz)
        last = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tz)
        starts = [dt.datetime.fromisoformat(r["start"]) for r in mine]
        ends = [dt.datetime.fromisoformat(r["end"]) for r in mine]
        assert starts[0] == first and ends[-1] == last, rotation
        assert starts[1:] == ends[:-1], rotation  # no gap, no overlap
        for row in mine:
            assert float(row["hours"]) == pytest.approx(sum(float(row[f"{k}_hours"]) for k in
                                                            ("weekday", "weekend", "holiday")))
            assert row["person"], rotation  # somebody holds every shift
        totals[rotation] = sum(float(r["hours"]) for r in mine)
        assert totals[rotation] == pytest.approx((last.astimezone(dt.timezone.utc) - first).total_seconds() / 3600)
    assert len(rows) == sum(1 for r in rows if r["rotation"] in zones)
    return totals


def test_the_payroll_csv_adds_up_to_the_period_on_the_example(run_ops):
    result = run_ops("oncall", "shifts", "--since", "2026-12-01", "--until", "2027-03-31", "--format", "csv",
                     "--as-of", "2026-11-26")
    assert result.returncode == 0, result.stderr
    totals = _check_csv(result.stdout, dt.date(2026, 12, 1), dt.date(2027, 3, 31),
                        {"primary-on-call": "Europe/Berlin", "review-hosts": "Europe/Berlin"})
    assert totals["primary-on-call"] == 121 * 24 - 1  # 121 days, one of them 23 hours long (2027-03-28)
    head = result.stdout.splitlines()[:2]
    assert head == ["rotation,layer,person,start,end,weekday_hours,weekend_hours,holiday_hours,hours,scheduled,"
                    "override,uid", "primary-on-call,primary,priya,2026-12-01T00:00:00+01:00,2026-12-07T10:00:00+01:00,"
                    "106,48,0,154,priya,,oncall/primary-on-call/2026-11-30"]


def test_the_payroll_csv_adds_up_for_twenty_rotations_of_a_big_organisation(tmp_path, run_ops):
    root = make_organisation(tmp_path / "org", people=300, rotations=20, cadences=4, secrets=10, runbooks=4,
                             postmortems=4)
    result = run_ops("oncall", "shifts", "--root", str(root), "--since", "2026-02-01", "--until", "2027-01-31",
                     "--format", "csv", "--as-of", "2026-11-26")
    assert result.returncode == 0, result.stderr
    totals = _check_csv(result.stdout, dt.date(2026, 2, 1), dt.date(2027, 1, 31),
                        {f"rotation-{i:02d}": "Europe/Berlin" for i in range(20)})
    assert set(totals.values()) == {365 * 24.0}  # both DST changes fall inside: 23 + 25 hours


def test_text_shows_the_fair_share_table(run_ops):
    result = run_ops("oncall", "shifts", "--rotation", "primary-on-call", "--since", "2026-12-01", "--until",
                     "2026-12-31", "--as-of", "2026-11-26")
    assert result.stdout.splitlines()[-4:] == [
        "Hours per person (weekday / weekend / holiday = total):",
        "  primary-on-call  Maya Lindqvist: 254 / 72 / 96 = 422 h in 3 shifts",
        "  primary-on-call  Tomás Ferreira: 120 / 48 / 0 = 168 h in 1 shift",
        "  primary-on-call  Priya Raman: 106 / 48 / 0 = 154 h in 1 shift"]


@pytest.mark.parametrize("args, message", [
    (("now", "--rotation", "nope"), "ops: error: --rotation 'nope': no such rotation in ops/team.yaml (there are: "
                                    "primary-on-call, review-hosts)"),
    (("shifts", "--since", "2026-12-31", "--until", "2026-12-01"), "ops: error: --until 2026-12-01 is before "
                                                                  "--since 2026-12-31"),
    (("next", "--at", "soon"), "ops: error: --at 'soon': expected a date as YYYY-MM-DD or an ISO date-time "
                               "with offset"),
])
def test_bad_input_is_one_clear_line_and_exit_2(run_ops, args, message):
    result = run_ops("oncall", *args)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (2, "", [message])


def test_an_invalid_overrides_file_stops_the_command_with_its_location(handbook_copy, run_ops):
    (handbook_copy / "ops" / "oncall-overrides.yaml").write_text(SWAP.replace("reason: Swap with maya (school play)\n",
                                                                              "why: swap\n"), encoding="utf-8")
    result = run_ops("oncall", "now", "--root", str(handbook_copy))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines()[:2] == [
        "ops/oncall-overrides.yaml:2:5: error: overrides[0].reason: required key `reason` is missing",
        "    hint: Why: a swap, cover for illness. Shown in the shift's calendar event."]
    assert "ops/oncall-overrides.yaml:6:5: error: overrides[0].why: unknown key `why`" in result.stderr


def test_incident_open_pages_whoever_an_override_put_on_call(handbook_copy, run_ops):
    # maya's turn runs 2026-11-16 to 11-23; tomas covers the morning of the 20th.
    (handbook_copy / "ops" / "oncall-overrides.yaml").write_text(
        SWAP.replace("2026-12-07T10:00", "2026-11-20T06:00").replace("2026-12-14T10:00", "2026-11-20T12:00")
        .replace("Swap with maya (school play)", "maya at the dentist"), encoding="utf-8")
    result = run_ops("incident", "open", "--root", str(handbook_copy), "--title", "Checkout fails",
                     "--severity", "SEV-1", "--category", "commerce", "--service", "checkout",
                     "--at", "2026-11-20T09:13:00+01:00")
    assert result.returncode == 0, result.stderr
    text = (handbook_copy / "postmortems" / "pm-2026-11-20-checkout-fails.md").read_text(encoding="utf-8")
    assert "  on_call: tomas\n" in text


def test_json_lists_the_shifts_and_the_fair_share_with_the_same_hours(run_ops):
    result = run_ops("oncall", "shifts", "--since", "2027-02-01", "--until", "2027-02-28", "--format", "json",
                     "--rotation", "primary-on-call", "--as-of", "2026-11-26")
    data = json.loads(result.stdout)
    assert [(s["person"], s["start"], s["override"]) for s in data["shifts"]] == [
        ("tomas", "2027-02-01T00:00:00+01:00", None),
        ("tomas", "2027-02-01T10:00:00+01:00", "Swap with priya (she speaks at a conference that week)"),
        ("maya", "2027-02-08T10:00:00+01:00", None),
        ("priya", "2027-02-15T10:00:00+01:00", "Swap with tomas (his week, in return)"),
        ("priya", "2027-02-22T10:00:00+01:00", None)]
    assert {e["person"]: e["total"] for e in data["fair_share"]} == {"tomas": 10 + 168.0, "priya": 168 + 158.0, "maya": 168.0}
    assert sum(s["hours"] for s in data["shifts"]) == 28 * 24
