"""The pull plan's rules, pure: the example handbook and issues as the listing would give them."""

from __future__ import annotations

import datetime as dt

from conftest import NOW, REPO
from opsbook.validation import load_handbook
from opsbook.issues.existing import ExistingIssue
from opsbook.issues.pull import CONFLICT, SYNC, build_pull, issue_number

HANDBOOK = load_handbook(REPO, NOW)
PM = "pm-2026-10-14-checkout-outage"  # AI-1 is done, tracked as giftgenius/handbook#41
CLOSED_AT = dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.timezone.utc)


def issue(state: str, reason: str | None = None) -> ExistingIssue:
    return ExistingIssue(41, "Action item", "no marker", state, ("opsbook",), "https://github.com/giftgenius/handbook/issues/41",
                         state_reason=reason, closed_at=CLOSED_AT if state == "closed" else None)


def outcome(found: ExistingIssue) -> list[tuple[str, str]]:
    plan = build_pull(HANDBOOK, [found], "giftgenius/handbook")
    return ([("edit", e.why) for e in plan.edits if e.postmortem == PM] +
            [(d.kind, d.message) for d in plan.drift if d.postmortem == PM])


def test_a_done_item_whose_issue_was_closed_as_completed_is_left_alone():
    assert outcome(issue("closed", "completed")) == []


def test_done_in_the_handbook_but_not_planned_on_github_is_a_conflict():
    assert outcome(issue("closed", "not_planned")) == [
        (CONFLICT, "the handbook says done but #41 was closed as not planned; change one of them so they agree")]


def test_done_in_the_handbook_with_the_issue_still_open_is_left_to_the_sync():
    assert outcome(issue("open")) == [(SYNC, "the handbook says done; the next `ops issues sync` closes #41")]


def test_issue_urls_match_the_repository_on_any_host_and_nothing_else():
    assert issue_number("https://github.com/GiftGenius/Handbook/issues/41", "giftgenius/handbook") == 41
    assert issue_number("https://ghe.example.com/giftgenius/handbook/issues/7/", "giftgenius/handbook") == 7
    assert issue_number("https://github.com/giftgenius/other/issues/41", "giftgenius/handbook") is None
    assert issue_number("https://github.com/giftgenius/handbook/pull/41", "giftgenius/handbook") is None
