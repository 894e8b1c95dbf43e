"""Incident metrics: counts, time to each stage against the policy's targets, breaches, action items."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import NOW, ops
from opsbook.validation import load_handbook
from opsbook.incident.metrics import (
    as_json,
    incident_report,
    render_markdown,
    render_text,
)

MIN = dt.timedelta(minutes=1)


def write_postmortem(root: Path, pm_id: str, severity: str, category: str, timeline: list[tuple[str, str]],
                     action_items: str = "") -> None:
    """A draft post-mortem with the given (time, type) events, written into the handbook at `root`."""
    events = "\n".join(f'  - {{at: "{at}", type: {kind}, text: {kind}}}' for at, kind in timeline)
    (root / "postmortems" / f"{pm_id}.md").write_text(
        f"---\nid: {pm_id}\ntitle: Test incident {pm_id}\nstatus: draft\nseverity: {severity}\n"
        f"category: {category}\nservices: [gift-search]\nroles: {{on_call: tomas}}\ntimeline:\n{events}\n"
        f"{action_items}---\n\n## Summary\n", encoding="utf-8")


@pytest.fixture
def busy_handbook(handbook_copy: Path) -> Path:
    """The example handbook with three incidents of our own instead of its post-mortems.

    A SEV-1 that met every target, a SEV-2 slow to mitigate, and a SEV-2 with no known start.
    """
    for path in (handbook_copy / "postmortems").glob("*.md"):
        path.unlink()
    for page in (handbook_copy / "ops").glob("*.md"):  # links to the example's post-mortems would break
        text = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r"\[([^\]]*)\]\(\.\./postmortems/[^)]*\)", r"\1", text), encoding="utf-8")
    write_postmortem(handbook_copy, "pm-2026-10-14-checkout", "SEV-1", "commerce", [
        ("2026-10-14T09:03:00+02:00", "started"),
        ("2026-10-14T09:13:00+02:00", "detected"),
        ("2026-10-14T09:16:00+02:00", "acknowledged"),
        ("2026-10-14T09:31:00+02:00", "mitigated"),
        ("2026-10-14T09:55:00+02:00", "resolved"),
    ], "action_items:\n"
       "  - {id: AI-1, title: Contract test, owner: priya, due: 2026-10-31, status: done}\n"
       "  - {id: AI-2, title: Canary releases, owner: maya, due: 2026-11-30, status: in-progress}\n"
       "  - {id: AI-3, title: Earlier alert, owner: tomas, due: 2026-12-15, status: wont-do}\n")
    write_postmortem(handbook_copy, "pm-2026-11-02-search-slow", "SEV-2", "latency", [
        ("2026-11-02T10:00:00+01:00", "started"),
        ("2026-11-02T10:20:00+01:00", "detected"),
        ("2026-11-02T10:25:00+01:00", "acknowledged"),
        ("2026-11-02T15:20:00+01:00", "mitigated"),  # 5h20m from the start: over the 4h target
        ("2026-11-03T10:00:00+01:00", "resolved"),
    ], "action_items:\n  - {id: AI-1, title: Cache the ranking model, owner: tomas, due: 2026-11-20}\n")
    write_postmortem(handbook_copy, "pm-2026-09-30-search-errors", "SEV-2", "quality", [
        # Detected late on 30 September UTC, which is already 1 October (Q4) in Berlin.
        ("2026-09-30T22:30:00+00:00", "detected"),
        ("2026-09-30T22:40:00+00:00", "acknowledged"),
        ("2026-09-30T23:30:00+00:00", "mitigated"),
    ])
    return handbook_copy


def test_one_incident_that_met_its_targets(busy_handbook):
    handbook = load_handbook(busy_handbook, NOW)
    report = incident_report(handbook, dt.date(2026, 10, 14), dt.date(2026, 10, 14), as_of=dt.date(2026, 11, 26))
    assert [i.id for i in report.incidents] == ["pm-2026-10-14-checkout"]
    assert report.by_severity == {"SEV-1": 1} and report.by_category == {"commerce": 1}
    timing = {t.stage: t for t in report.timings}
    assert (timing["detect"].median, timing["acknowledge"].median) == (10 * MIN, 13 * MIN)
    assert (timing["mitigate"].worst, timing["resolve"].worst) == (28 * MIN, 52 * MIN)
    assert (timing["acknowledge"].target, timing["mitigate"].target) == (15 * MIN, 60 * MIN)
    assert report.breaches == []
    items = report.action_items
    # wont-do counts as closed, not as done, and on its own.
    assert (items.opened, items.done, items.wont_do, items.still_open, items.overdue) == (3, 1, 1, 1, [])


def test_action_items_become_overdue_after_their_due_date(busy_handbook):
    handbook = load_handbook(busy_handbook, NOW)
    report = incident_report(handbook, dt.date(2026, 10, 1), dt.date(2026, 10, 31), as_of=dt.date(2026, 12, 1))
    assert [(o.id, o.owner, o.due) for o in report.action_items.overdue] == [("AI-2", "maya", dt.date(2026, 11, 30))]


def test_breaches_medians_and_quarters(busy_handbook):
    report = incident_report(load_handbook(busy_handbook, NOW), as_of=dt.date(2026, 11, 26))
    assert report.by_severity == {"SEV-1": 1, "SEV-2": 2}
    assert report.by_category == {"latency": 1, "quality": 1, "commerce": 1}
    assert report.by_quarter == {"2026-Q4": {"SEV-1": 1, "SEV-2": 2}}
    sev2 = {t.stage: t for t in report.timings if t.severity == "SEV-2"}
    # Time to detect needs a known start: only one of the two SEV-2 incidents has one.
    assert (sev2["detect"].count, sev2["detect"].median) == (1, 20 * MIN)
    # Acknowledged 25m after the start, and 10m after detection when the start is unknown.
    assert sev2["acknowledge"].median == dt.timedelta(minutes=17, seconds=30)
    assert (sev2["mitigate"].worst, sev2["mitigate"].worst_incident) == (320 * MIN, "pm-2026-11-02-search-slow")
    assert (sev2["resolve"].count, sev2["resolve"].target) == (1, dt.timedelta(days=3))
    assert [(b.incident, b.stage, b.took, b.target) for b in report.breaches] == [
        ("pm-2026-11-02-search-slow", "mitigate", 320 * MIN, 4 * 60 * MIN)]
    assert [o.id for o in report.action_items.overdue] == ["AI-1"]


def test_since_and_until_are_days_in_the_team_time_zone(busy_handbook):
    handbook = load_handbook(busy_handbook, NOW)
    october = incident_report(handbook, dt.date(2026, 10, 1), dt.date(2026, 10, 31), as_of=NOW.date())
    assert [i.id for i in october.incidents] == ["pm-2026-09-30-search-errors", "pm-2026-10-14-checkout"]
    one_day = incident_report(handbook, dt.date(2026, 11, 2), dt.date(2026, 11, 2), as_of=NOW.date())
    assert [i.id for i in one_day.incidents] == ["pm-2026-11-02-search-slow"]
    empty = incident_report(handbook, dt.date(2025, 1, 1), dt.date(2025, 12, 31), as_of=NOW.date())
    assert empty.incidents == [] and empty.timings == [] and empty.action_items.opened == 0
    assert "Incidents from 2025-01-01 to 2025-12-31 (Europe/Berlin): 0" in render_text(empty)


def test_renderers_agree(busy_handbook):
    report = incident_report(load_handbook(busy_handbook, NOW), as_of=dt.date(2026, 11, 26))
    text = render_text(report)
    assert "pm-2026-11-02-search-slow: time to mitigate 5h20m > SEV-2 target 4h" in text
    assert "Action items: 4 opened, 1 done, 1 wont-do, 2 open, 1 overdue (as of 2026-11-26)" in text
    page = render_markdown(report, link=lambda pm_id: f"../postmortems/{pm_id}/")
    assert page.startswith("# Incident metrics\n")
    assert "| SEV-2 | mitigate | 2 | 3h10m | 5h20m | 4h | ✗ |" in page
    assert ("- [pm-2026-11-02-search-slow](../postmortems/pm-2026-11-02-search-slow/): "
            "time to mitigate 5h20m, SEV-2 target 4h") in page
    assert "| 2026-Q4 | 1 | 2 |" in page
    assert not render_markdown(report, title=None).startswith("#")
    data = json.loads(as_json(report))
    assert data["breaches"] == [{"incident": "pm-2026-11-02-search-slow", "severity": "SEV-2",
                                 "stage": "mitigate", "took": 19200, "target": 14400}]
    assert data["action_items"]["overdue"][0]["due"] == "2026-11-20"
    assert (data["action_items"]["wont_do"], data["action_items"]["still_open"]) == (1, 2)
    assert "4 opened, 1 done, 1 wont-do, 2 still open, 1 overdue as of 2026-11-26." in page


def test_ops_report_prints_the_same_figures(busy_handbook):
    root = str(busy_handbook)
    handbook = load_handbook(busy_handbook, NOW)
    expected = incident_report(handbook, dt.date(2026, 10, 1), None, as_of=NOW.date())
    for fmt, render in (("text", render_text), ("markdown", render_markdown), ("json", as_json)):
        result = ops("report", "--root", root, "--since", "2026-10-01", "--format", fmt, "--as-of", "2026-11-26")
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == render(expected)


@pytest.mark.parametrize("args, message", [
    (["--since", "October"], "--since 'October': expected a date as YYYY-MM-DD"),
    (["--since", "2026-11-02", "--until", "2026-11-01"], "--until 2026-11-01 is before --since 2026-11-02"),
])
def test_ops_report_rejects_bad_dates(busy_handbook, args, message):
    result = ops("report", "--root", str(busy_handbook), *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"ops: error: {message}\n"


def test_a_long_list_of_breaches_or_overdue_items_is_summarised_with_a_way_to_the_rest(busy_handbook):
    """The site's metrics page at organisation size listed every missed target (1.9 MB); with `shown` a
    longer list gives counts, where the rest is, and only the most recent or most overdue rows."""
    report = incident_report(load_handbook(busy_handbook, NOW), as_of=dt.date(2026, 11, 26))
    page = render_markdown(report, shown=0, more=lambda name, total: [f"{total} {name}: see elsewhere.", ""])
    breaches = page.split("## Breaches\n\n")[1].split("\n## ")[0]
    assert breaches.splitlines() == [
        "1 missed target in 1 incident.", "", "| Severity | Stage | Missed |", "|---|---|---|",
        "| SEV-2 | mitigate | 1 |", "", "1 breaches: see elsewhere.", ""]
    assert page.endswith("1 overdue as of 2026-11-26.\n\n1 overdue: see elsewhere.\n")
    assert render_markdown(report, shown=1) == render_markdown(report)  # short lists show whole
