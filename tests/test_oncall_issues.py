"""Shift issues: a rotation with `issues:` gets one GitHub issue per shift, `open_before` it starts,
assigned to the holder, with the runbooks to know and their open action items; opened exactly once, also
through a real sync against the GitHub-compatible server, and updated (not reopened) by a swap.

The example's primary-on-call as of 2027-01-29: tomas holds the turn of 2027-01-25 (caught up: it began
4 days ago, within the 7-day catch-up) and, by the example's February swap, priya's turn of 2027-02-01.
"""

from __future__ import annotations

import datetime as dt

from conftest import ops
from github_server import GitHubServer
from opsbook.validation import load_handbook
from opsbook.issues.body import parse_marker
from opsbook.issues.plan import CREATE, UPDATE, ExistingIssue, build_plan

AS_OF = dt.datetime(2027, 1, 29, 12, tzinfo=dt.timezone.utc)
ISSUES = "      timezone: Europe/Berlin\n  - id: review-hosts"
TOKEN = "ghs_" + "Zq7Rk2Xv9Lm4Np8Tb3Wc6Yd1Fh5Jg0Se2Ua7"


def with_shift_issues(root):
    team = root / "ops" / "team.yaml"
    text = team.read_text(encoding="utf-8")
    assert ISSUES in text
    team.write_text(text.replace(ISSUES, "      timezone: Europe/Berlin\n    issues: {open_before: 3d, runbooks: "
                                         "[rb-checkout-failure]}\n  - id: review-hosts"), encoding="utf-8")
    return root


def shift_actions(plan):
    return [a for a in plan.actions if a.key.startswith("shift ")]


def test_due_shifts_get_an_issue_for_their_holder(handbook_copy):
    plan = build_plan(load_handbook(with_shift_issues(handbook_copy), AS_OF), AS_OF, [])
    assert [(a.kind, a.key, a.title, a.reason, a.content.assignees, a.content.labels) for a in shift_actions(plan)] == [
        (CREATE, "shift oncall/primary-on-call/2027-01-25", "On call: Primary on-call from Mon 2027-01-25 10:00",
         "catch-up: the shift began on 2027-01-25 10:00 CET, 4d3h ago, within the 7d catch-up window",
         ("tferreira",), ("opsbook", "on-call")),
        (CREATE, "shift oncall/primary-on-call/2027-02-01", "On call: Primary on-call from Mon 2027-02-01 10:00",
         "opens 3d before the shift on 2027-02-01 10:00 CET", ("tferreira",), ("opsbook", "on-call")),
    ]
    body = shift_actions(plan)[1].content.body.splitlines()
    assert body[:6] == [
        "<!-- opsbook:shift oncall/primary-on-call/2027-02-01 -->", "",
        "**Who:** @tferreira (Tomás Ferreira)  ",
        "**When:** Monday 1 February 2027 10:00 to Monday 8 February 2027 10:00 (Europe/Berlin)  ",
        "**Links:** [team page](https://giftgenius.github.io/handbook/team/#primary-on-call) · [your calendar feed]"
        "(https://giftgenius.github.io/handbook/feeds/owners/tomas.ics) · [this rotation's calendar]"
        "(https://giftgenius.github.io/handbook/feeds/rotations/primary-on-call.ics)", ""]
    assert "Override: Swap with priya (she speaks at a conference that week) (instead of Priya Raman)." in body
    assert "- [ ] [Mass checkout failures](https://giftgenius.github.io/handbook/runbooks/rb-checkout-failure/)" in body
    assert body[body.index("## Your open action items") + 2].startswith("- Alert when session store connections")


def test_rotations_without_issues_get_none(handbook_copy):
    assert shift_actions(build_plan(load_handbook(handbook_copy, AS_OF), AS_OF, [])) == []


def test_an_issue_that_exists_is_not_opened_again_and_a_swap_updates_it(handbook_copy):
    root = with_shift_issues(handbook_copy)
    first = shift_actions(build_plan(load_handbook(root, AS_OF), AS_OF, []))
    existing = [ExistingIssue(number=n, title=a.title, body=a.content.body, state="open", labels=a.content.labels,
                              assignees=a.content.assignees + (("maya-dev",) if n == 2 else ()))
                for n, a in enumerate(first, start=1)]
    assert shift_actions(build_plan(load_handbook(root, AS_OF), AS_OF, existing)) == []
    (root / "ops" / "oncall-overrides.yaml").write_text("overrides: []\n", encoding="utf-8")  # the swap is off
    again = shift_actions(build_plan(load_handbook(root, AS_OF), AS_OF, existing))
    assert [(a.kind, a.key, a.number, a.reason) for a in again] == [
        (UPDATE, "shift oncall/primary-on-call/2027-02-01", 2, "the handbook changed its body and assignees")]
    assert "**Who:** @priya-raman (Priya Raman)  " in again[0].content.body.splitlines()
    # The new holder is assigned instead of the old; someone the old body never named was added by hand.
    assert again[0].assignees == ("priya-raman", "maya-dev")


def syncer(server: GitHubServer, root):
    """`ops issues sync` against `server`, as of three days before the 1 February shift."""
    env = {"GITHUB_TOKEN": server.token, "GITHUB_API_URL": server.api_url, "OPSBOOK_WRITE_INTERVAL": "0"}
    args = ("issues", "sync", "--repo", f"{server.owner}/{server.repo}", "--root", str(root), "--as-of",
            "2027-01-29T12:00:00+00:00")
    return lambda: ops(*args, env=env)


def test_a_real_sync_opens_each_shift_issue_once(handbook_copy):
    root = with_shift_issues(handbook_copy)
    with GitHubServer(token=TOKEN) as server:
        sync = syncer(server, root)
        assert sync().returncode == 0
        assert sync().returncode == 0
        shifts = [(issue["title"], [a["login"] for a in issue.get("assignees", [])])
                  for _, issue in sorted(server.issues.items()) if (parse_marker(issue["body"]) or "").startswith("shift ")]
    assert shifts == [("On call: Primary on-call from Mon 2027-01-25 10:00", ["tferreira"]),
                      ("On call: Primary on-call from Mon 2027-02-01 10:00", ["tferreira"])]


def test_a_swap_after_the_issue_opened_reassigns_it_on_github(handbook_copy):
    root = with_shift_issues(handbook_copy)
    with GitHubServer(token=TOKEN) as server:
        sync = syncer(server, root)
        assert sync().returncode == 0
        number = max(n for n, issue in server.issues.items() if "2027-02-01" in (parse_marker(issue["body"]) or ""))
        (root / "ops" / "oncall-overrides.yaml").write_text("overrides: []\n", encoding="utf-8")  # the swap is off

        result = sync()

        assert result.returncode == 0, result.stderr
        issue = server.issues[number]
        assert [a["login"] for a in issue["assignees"]] == ["priya-raman"]
        assert "**Who:** @priya-raman (Priya Raman)" in issue["body"]
        assert sync().returncode == 0 and server.issues[number]["assignees"] == issue["assignees"]
