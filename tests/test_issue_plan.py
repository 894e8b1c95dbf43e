"""The issue plan, a pure function: which issues are due, what they say, and what a re-run leaves alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import NOW, ops
from hypothesis import given, settings
from hypothesis import strategies as st
from opsbook.validation import load_handbook
from opsbook.issues.body import keep_checks, parse_marker
from opsbook.issues.plan import CLOSE, CREATE, UPDATE, ExistingIssue, build_plan

UTC = dt.timezone.utc
# The weekly SLO review of 2026-W49 starts Monday 2026-11-30 10:00 Europe/Berlin (09:00 UTC); its issue
# opens two days before (open_before: 2d) and may be caught up until seven days after (catch_up: 7d).
W49_START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(scope="module")
def handbook(example_root_module):
    return load_handbook(example_root_module, NOW)


@pytest.fixture(scope="module")
def example_root_module():
    return Path(__file__).resolve().parent.parent


def keys(plan, kind=None):
    return [action.key for action in plan.actions if kind is None or action.kind == kind]


def existing_from(plan, state="open"):
    """The issues a sync of `plan` would have created, as GitHub would list them."""
    return [ExistingIssue(number, action.content.title, action.content.body, state, action.content.labels,
                          assignees=action.content.assignees)
            for number, action in enumerate(plan.actions, 1) if action.kind == CREATE]


def test_due_reviews_and_action_items_are_created_with_reasons(handbook):
    plan = build_plan(handbook, NOW, None)
    assert keys(plan, CREATE)[:1] == ["occurrence weekly-slo-review/2026-W48"]
    assert plan.actions[0].reason.startswith("catch-up: the review was on 2026-11-23 10:00 CET")
    # Every open action item without an `issue` gets a tracking issue; those with one (AI-2) do not.
    items = [key for key in keys(plan, CREATE) if key.startswith("action-item ")]
    assert "action-item pm-2026-10-14-checkout-outage/AI-3" in items
    assert "action-item pm-2026-10-14-checkout-outage/AI-2" not in items  # has `issue:`
    assert "action-item pm-2026-10-14-checkout-outage/AI-1" not in items  # done
    assert plan.existing is None and plan.count(UPDATE) == plan.count(CLOSE) == 0


def test_an_issue_opens_exactly_open_before_the_review(handbook):
    opens = W49_START - dt.timedelta(days=2)
    assert "occurrence weekly-slo-review/2026-W49" not in keys(build_plan(handbook, opens - SECOND, None))
    plan = build_plan(handbook, opens, None)
    action = next(a for a in plan.actions if a.key == "occurrence weekly-slo-review/2026-W49")
    assert action.reason == "opens 2d before the review on 2026-11-30 10:00 CET"


def test_a_dropped_run_is_caught_up_within_the_window_and_not_after(handbook):
    last_chance = W49_START + dt.timedelta(days=7)
    assert "occurrence weekly-slo-review/2026-W49" in keys(build_plan(handbook, last_chance, None))
    assert "occurrence weekly-slo-review/2026-W49" not in keys(build_plan(handbook, last_chance + SECOND, None))


def test_a_second_plan_after_the_first_is_applied_does_nothing(handbook):
    first = build_plan(handbook, NOW, None)
    existing = existing_from(first)
    assert build_plan(handbook, NOW, existing).actions == ()
    # Later runs inside the same window do not rewrite bodies: they are judged at the review's date.
    assert build_plan(handbook, NOW + dt.timedelta(hours=20), existing).actions == ()


def test_a_closed_issue_is_neither_recreated_nor_updated(handbook):
    first = build_plan(handbook, NOW, None)
    closed = [dataclasses.replace(issue, body=issue.body.replace("## Checklist", "## Old checklist"))
              for issue in existing_from(first, state="closed")]
    assert build_plan(handbook, NOW, closed).actions == ()


def test_an_open_issue_whose_body_changed_is_updated_and_keeps_ticked_boxes(handbook):
    first = build_plan(handbook, NOW, None)
    issue = existing_from(first)[0]
    ticked = issue.body.replace("- [ ] Walk through each SLO", "- [x] Walk through each SLO")
    stale = ticked.replace("≥ 99.5%", "≥ 99.9%")
    # Ticking a box is not a change the handbook made: no update.
    assert build_plan(handbook, NOW, [dataclasses.replace(issue, body=ticked)]).count(UPDATE) == 0
    plan = build_plan(handbook, NOW, [dataclasses.replace(issue, body=stale, number=7)])
    update = next(a for a in plan.actions if a.kind == UPDATE)
    assert (update.number, update.reason) == (7, "the handbook changed its body")
    assert "- [x] Walk through each SLO" in update.content.body and "≥ 99.5%" in update.content.body


def test_a_renamed_cadence_updates_the_title_and_restores_missing_labels(handbook):
    issue = existing_from(build_plan(handbook, NOW, None))[0]
    renamed = dataclasses.replace(issue, title="Weekly SLO review", labels=("opsbook", "needs-triage"))
    update = next(a for a in build_plan(handbook, NOW, [renamed]).actions if a.kind == UPDATE)
    assert update.reason == "the handbook changed its title and labels"
    assert update.content.title == "Weekly SLO review — 2026-W48"
    assert update.content.labels == ("opsbook", "needs-triage", "review", "slo")  # people's labels stay


def test_a_title_written_over_two_lines_gives_a_one_line_issue_title(handbook_copy):
    """A cadence's `title: >` block keeps a newline at its end (and `|` within): no GitHub title has two."""
    path = handbook_copy / "calendar" / "weekly-slo-review.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Weekly SLO review\n",
                                                             "title: |\n  Weekly SLO\n  review\n"), encoding="utf-8")
    plan = build_plan(load_handbook(handbook_copy, NOW), NOW, None)
    created = next(a for a in plan.actions if a.key == "occurrence weekly-slo-review/2026-W48")
    assert created.content.title == "Weekly SLO review — 2026-W48"


def test_duplicates_keep_the_oldest_and_are_reported(handbook):
    issue = existing_from(build_plan(handbook, NOW, None))[0]
    twin = dataclasses.replace(issue, number=99)
    plan = build_plan(handbook, NOW, [twin, dataclasses.replace(issue, number=3)] + existing_from(build_plan(handbook, NOW, None))[1:])
    assert plan.actions == ()
    assert plan.notes == ("#99 repeats the marker of #3 (occurrence weekly-slo-review/2026-W48); left alone",)


def test_close_previous_opens_only_the_newest_and_closes_the_older_issue(handbook_copy):
    path = handbook_copy / "calendar" / "weekly-slo-review.yaml"
    path.write_text(path.read_text().replace("close_previous: false", "close_previous: true"))
    hb = load_handbook(handbook_copy, NOW)
    w48 = existing_from(build_plan(hb, NOW, None))[0]
    assert parse_marker(w48.body) == "occurrence weekly-slo-review/2026-W48"
    as_of = W49_START - dt.timedelta(days=1)  # both W48 (catch-up) and W49 (lead time) are due
    plan = build_plan(hb, as_of, [w48])
    assert [(a.kind, a.key) for a in plan.actions if "weekly" in a.key] == [
        (CREATE, "occurrence weekly-slo-review/2026-W49"), (CLOSE, "occurrence weekly-slo-review/2026-W48")]
    close = next(a for a in plan.actions if a.kind == CLOSE)
    assert (close.number, close.superseded_by) == (1, "occurrence weekly-slo-review/2026-W49")
    assert close.reason == "superseded by Weekly SLO review — 2026-W49"


def test_a_tracking_issue_closes_when_the_handbook_marks_its_item_done(handbook_copy):
    hb = load_handbook(handbook_copy, NOW)
    tracking = [i for i in existing_from(build_plan(hb, NOW, None)) if "checkout-outage/AI-3" in i.body]
    path = handbook_copy / "postmortems" / "pm-2026-10-14-checkout-outage.md"
    text = path.read_text()
    head, tail = text.split("  - id: AI-3", 1)
    path.write_text(head + "  - id: AI-3" + tail.replace("    status: open", "    status: done", 1))
    plan = build_plan(load_handbook(handbook_copy, NOW), NOW, tracking)
    close = next(a for a in plan.actions if a.kind == CLOSE)
    assert close.key == "action-item pm-2026-10-14-checkout-outage/AI-3"
    assert close.reason == "the handbook marks AI-3 done"


def test_the_weekly_review_issue_is_worth_opening(handbook):
    content = build_plan(handbook, NOW, None).actions[0].content
    body = content.body
    assert content.title == "Weekly SLO review — 2026-W48"
    assert content.labels == ("opsbook", "review", "slo")
    assert content.assignees == ("priya-raman",)  # the review-hosts rotation's member for W48
    assert body.startswith("<!-- opsbook:occurrence weekly-slo-review/2026-W48 -->\n")
    assert "**Due:** 2026-11-23" in body and "**Owner:** @priya-raman (Priya Raman)" in body
    assert "[review page](https://giftgenius.github.io/handbook/reviews/weekly-slo-review/)" in body
    assert "[calendar feed](https://giftgenius.github.io/handbook/feeds/handbook.ics)" in body
    assert "- [ ] Walk through each SLO against its target for the last seven days" in body
    assert "| [MCP availability](https://grafana.giftgenius.example/d/mcp-errors) (`mcp-availability`) |" in body
    assert "| ≥ 99.5% | 28d |" in body and "| ≤ 4000 ms | 7d |" in body
    assert "## Incidents since the last review (2026-11-16)" in body
    assert "## Overdue action items" in body


def test_cost_secret_and_action_item_context(handbook):
    new_year = dt.datetime(2027, 1, 3, 12, tzinfo=UTC)
    actions = {a.key: a.content.body for a in build_plan(handbook, new_year, None).actions}
    secrets = actions["occurrence quarterly-secret-rotation/2027-Q1"]
    assert "## Secrets due for rotation by 2027-04-01" in secrets
    assert "| `STRIPE_SECRET_KEY` | Priya Raman | 2026-09-15 | 2026-12-14 |" in secrets
    cost = actions["occurrence monthly-cost-review/2026-12"]
    assert "## Cost SLIs" in cost and "(`llm-cost-per-workflow`)" in cost
    assert "| 2026-11-30 | in-progress |" in cost  # AI-2 of the checkout outage is overdue by then
    november = {a.key: a.content.body for a in build_plan(handbook, W49_START, None).actions}
    assert "## Economic incidents since the last review (2026-10-30)" in november["occurrence monthly-cost-review/2026-11"]



def test_the_review_issue_of_an_owner_away_goes_to_the_fallback_and_says_so(handbook):
    december = dt.datetime(2026, 12, 29, 12, tzinfo=UTC)
    content = next(a.content for a in build_plan(handbook, december, None).actions
                   if a.key == "occurrence monthly-cost-review/2026-12")
    assert content.assignees == ("maya-lindqvist",)
    assert "**Owner:** @maya-lindqvist (Maya Lindqvist), standing in for Priya Raman (away)  " in content.body.splitlines()

def test_runbooks_past_their_review_period_are_listed(handbook_copy):
    path = next((handbook_copy / "runbooks").glob("*.md"))
    text = path.read_text()
    start = text.index("last_reviewed:")
    line = text[start:text.index("\n", start)]
    path.write_text(text.replace(line, "last_reviewed: 2025-01-15"))
    hb = load_handbook(handbook_copy, NOW)
    plan = build_plan(hb, dt.datetime(2026, 11, 9, 12, tzinfo=UTC), None)
    body = next(a.content.body for a in plan.actions if "runbook-revisit" in a.key)
    assert "## Runbooks past their review period" in body and "| 2025-01-15 |" in body


def test_keep_checks_only_ticks_items_that_were_ticked():
    old = "- [x] one\n- [ ] two\n* [X] three"
    assert keep_checks("- [ ] one\n- [ ] two\n- [ ] three\n- [ ] four", old) == "- [x] one\n- [ ] two\n- [x] three\n- [ ] four"


def test_the_tool_label_comes_from_the_config(handbook_copy):
    config = handbook_copy / "opsbook.yaml"
    config.write_text(config.read_text().replace("label: opsbook", "label: ops-review"))
    action = build_plan(load_handbook(handbook_copy, NOW), NOW, None).actions[0]
    assert action.content.labels[0] == "ops-review"


def test_ops_issues_plan_prints_the_plan_and_changes_nothing():
    result = ops("issues", "plan", "--as-of", "2026-11-28", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["existing"] is None and data["counts"]["create"] == len(data["actions"])
    assert {"occurrence monthly-cost-review/2026-11", "occurrence weekly-slo-review/2026-W49"} <= {
        a["key"] for a in data["actions"]}
    text = ops("issues", "plan", "--as-of", "2026-11-28")
    assert "  create  Weekly SLO review — 2026-W49\n          opens 2d before the review on 2026-11-30 10:00 CET\n" in text.stdout


def test_ops_issues_usage_errors_exit_2():
    no_token = ops("issues", "sync", "--repo", "acme/handbook", env={"GITHUB_TOKEN": ""})
    assert no_token.returncode == 2
    assert "GITHUB_TOKEN is not set" in no_token.stderr and "--dry-run" in no_token.stderr
    bad_repo = ops("issues", "sync", "--repo", "not a repo", env={"GITHUB_TOKEN": "x"})
    assert (bad_repo.returncode, bad_repo.stderr.strip()) == (
        2, "ops: error: --repo 'not a repo': expected OWNER/NAME, such as giftgenius/handbook")
    bad_date = ops("issues", "plan", "--as-of", "tomorrow")
    assert bad_date.returncode == 2 and "--as-of 'tomorrow'" in bad_date.stderr
    dry = ops("issues", "sync", "--repo", "acme/handbook", "--dry-run", "--as-of", "2026-11-26", env={"GITHUB_TOKEN": ""})
    assert dry.returncode == 0 and "planning without reading GitHub" in dry.stderr
    assert "create  Weekly SLO review — 2026-W48" in dry.stdout


_HANDBOOK = load_handbook(Path(__file__).resolve().parent.parent, NOW)


@settings(max_examples=60, deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31),
                           timezones=st.just(UTC)),
       keep=st.lists(st.booleans(), min_size=20, max_size=20))
def test_any_moment_and_any_crash_point_converge_to_each_issue_once(moment, keep):
    """Whatever subset of the due issues a crashed run left behind, the next plan creates exactly the rest."""
    full = build_plan(_HANDBOOK, moment, None)
    created = existing_from(full)
    survivors = [issue for issue, kept in zip(created, keep) if kept]
    plan = build_plan(_HANDBOOK, moment, survivors)
    assert sorted(keys(plan, CREATE)) == sorted(i.key for i in created if i not in survivors)
    assert plan.count(UPDATE) == plan.count(CLOSE) == 0
    assert len(set(keys(full))) == len(keys(full))
    assert build_plan(_HANDBOOK, moment, created).actions == ()


# --- the context of many reviews, from facts sorted once ---------------------------------------------

GOLDEN_PLANS = Path(__file__).resolve().parent / "golden" / "issue-plans.md"


def test_the_examples_review_bodies_over_a_season_match_golden(handbook):
    """Every review issue due on any Monday from October 2026 to March 2027, title and body: the facts
    a plan sorts once give byte for byte what the handbook's own queries gave (UPDATE_GOLDEN=1 rewrites)."""
    import os

    seen: dict[str, str] = {}
    moment = dt.datetime(2026, 10, 5, 9, tzinfo=UTC)
    while moment < dt.datetime(2027, 3, 1, tzinfo=UTC):
        for action in build_plan(handbook, moment, None).actions:
            if action.key.startswith("occurrence ") and action.key not in seen:
                seen[action.key] = f"# {action.content.title}\n\n{action.content.body}"
        moment += dt.timedelta(days=7)
    actual = "\n\n".join(seen[key] for key in sorted(seen))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN_PLANS.write_text(actual, encoding="utf-8")
    assert len(seen) > 20 and "## Incidents since the last review" in actual and "## Secrets due" in actual
    assert actual == GOLDEN_PLANS.read_text(encoding="utf-8")


def test_facts_sorted_once_answer_as_the_handbooks_own_queries(tmp_path):
    """Including incidents detected at the same moment (newest first, then in file order) and the edges of
    each window: a bisection must neither drop nor add the fact on the boundary."""
    import sys

    from opsbook.handbook.models.postmortem import EventType
    from opsbook.issues.context import Facts

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from synthetic import make_organisation

    root = make_organisation(tmp_path / "org", people=12, rotations=2, cadences=2, secrets=300, runbooks=20,
                             postmortems=150)
    twin = (root / "postmortems" / "pm-synthetic-00007.md").read_text(encoding="utf-8")
    for copy in ("pm-synthetic-00000-twin", "pm-synthetic-00200-twin"):  # the same moments as incident 7
        (root / "postmortems" / f"{copy}.md").write_text(twin.replace("pm-synthetic-00007", copy), encoding="utf-8")
    handbook = load_handbook(root, NOW)
    facts = Facts(handbook)
    detected = sorted({pm.meta.first(EventType.DETECTED) for pm in handbook.postmortems.values()})
    edges = detected[::7] + [detected[0] - SECOND, detected[-1] + SECOND]
    for start in edges:
        for end in edges[::5]:
            assert facts.incidents_between(start, end) == handbook.incidents_between(start, end)
    twins = [pm.id for pm in facts.incidents_between(detected[0], detected[-1] + SECOND) if "00007" in pm.id or "twin" in pm.id]
    assert twins == ["pm-synthetic-00000-twin", "pm-synthetic-00007", "pm-synthetic-00200-twin"]
    days = {item.due for _, item in handbook.open_action_items()} | {s.last_rotated + s.rotate_every for s in handbook.secrets}
    for day in sorted(days)[::3] + [min(days) - dt.timedelta(days=1), max(days) + dt.timedelta(days=1)]:
        assert facts.overdue_action_items(day) == sorted(handbook.overdue_action_items(day),
                                                         key=lambda pair: (pair[1].due, pair[0].id, pair[1].id))
        assert facts.secrets_due(day) == sorted(handbook.secrets_due_for_rotation(day),
                                                key=lambda s: (s.last_rotated + s.rotate_every, s.name))
        assert facts.secrets_overdue(day) == sum(1 for s in handbook.secrets if s.last_rotated + s.rotate_every < day)
        assert facts.runbooks_due_for_review(day) == sorted(handbook.runbooks_due_for_review(day),
                                                            key=lambda rb: (rb.meta.last_reviewed, rb.id))
