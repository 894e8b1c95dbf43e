"""Overdue action items: one reminder a week on the tracking issue, never a second, against the test server.

The sync records the week in the issue's body before it comments, so a re-run finds the record and a run
that died between the two posts nothing more that week.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ops
from github_server import GitHubServer

TOKEN = "ghs_" + "Rm5Kq2Xw8Ln3Pt7Vb1Yc4Zd6Gh9Jf0Se3Ua8"
PM = "pm-2026-11-04-currency-mixup"


@pytest.fixture
def github():
    with GitHubServer(token=TOKEN) as server:
        yield server


def sync(server: GitHubServer, root: Path, as_of: str):
    env = {"GITHUB_TOKEN": server.token, "GITHUB_API_URL": server.api_url, "OPSBOOK_WRITE_INTERVAL": "0",
           "OPSBOOK_BACKOFF": "0.01"}
    return ops("issues", "sync", "--repo", "acme/handbook", "--root", str(root), "--as-of", as_of, env=env)


def tracking(server: GitHubServer, item: str) -> int:
    (issue,) = server.issues_with(f"<!-- opsbook:action-item {PM}/{item} -->")
    return issue["number"]


def reminders(server: GitHubServer, number: int) -> list[str]:
    return [c["body"] for c in server.comments.get(number, []) if "opsbook:reminder" in c["body"]]


def test_an_overdue_item_gets_one_reminder_a_week_and_a_rerun_posts_none(github, handbook_copy):
    assert sync(github, handbook_copy, "2026-11-28").returncode == 0  # AI-3 is due 2026-12-11: not yet overdue
    number = tracking(github, "AI-3")
    assert reminders(github, number) == []

    first = sync(github, handbook_copy, "2026-12-14")  # a Monday, ISO week 51

    assert first.returncode == 0, first.stderr
    assert reminders(github, number) == [
        "@tferreira: this action item was due on 2026-12-11, 3 days ago, and is still open in the handbook. When "
        "it is done, close this issue as completed (the next `ops actions pull` marks it done); if it will not be "
        "done, close it as not planned with a comment saying why; if it needs longer, change `due` of `AI-3` in "
        f"`postmortems/{PM}.md`.\n\n<!-- opsbook:reminder {PM}/AI-3 2026-W51 -->"]
    assert github.issues[number]["body"].endswith("<!-- opsbook:reminded 2026-W51 -->\n")
    assert f"  reminded       #{number} Action item:" in first.stdout

    for again in ("2026-12-14", "2026-12-18"):  # a re-run, and later the same week
        assert sync(github, handbook_copy, again).returncode == 0
    assert len(reminders(github, number)) == 1

    assert sync(github, handbook_copy, "2026-12-21").returncode == 0  # the next week
    assert [body[-18:] for body in reminders(github, number)] == ["/AI-3 2026-W51 -->", "/AI-3 2026-W52 -->"]


def test_a_reminder_whose_comment_failed_is_not_posted_twice_that_week(github, handbook_copy):
    assert sync(github, handbook_copy, "2026-11-28").returncode == 0
    number = tracking(github, "AI-3")
    github.inject("status", method="POST", path=rf"/issues/{number}/comments$", status=502)

    failed = sync(github, handbook_copy, "2026-12-14")
    rerun = sync(github, handbook_copy, "2026-12-15")

    assert failed.returncode == 0 and rerun.returncode == 0, failed.stderr + rerun.stderr
    assert reminders(github, number) == []  # at most one a week: this week's was lost, never doubled
    assert "reminded 2026-W51" in github.issues[number]["body"]
    assert sync(github, handbook_copy, "2026-12-21").returncode == 0
    assert len(reminders(github, number)) == 1


def test_a_new_tracking_issue_for_an_overdue_item_counts_as_that_weeks_reminder(github, handbook_copy):
    assert sync(github, handbook_copy, "2026-12-14").returncode == 0
    number = tracking(github, "AI-3")
    assert sync(github, handbook_copy, "2026-12-15").returncode == 0
    assert reminders(github, number) == [] and github.issues[number]["body"].endswith("reminded 2026-W51 -->\n")
