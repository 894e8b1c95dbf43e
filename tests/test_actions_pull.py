"""`ops actions pull` and `ops actions status` against the GitHub-compatible server: the real CLI, real files.

Each test copies the example handbook, lets `ops issues sync` open the tracking issues, acts out what people
do on GitHub (close as completed or not planned, reopen, delete, transfer), then pulls and checks the file
a reviewer would see in the pull request, and what the command printed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ops
from github_server import GitHubServer
from opsbook.issues.body import action_item_key

AS_OF = "2026-11-28"
TOKEN = "ghs_" + "Pq4Lk8Xv2Mm6Nr1Tb9Wc3Yd7Fh0Jg5Se8Ua2"
PM = "pm-2026-11-04-currency-mixup"
PM_FILE = f"postmortems/{PM}.md"


@pytest.fixture
def github():
    with GitHubServer(token=TOKEN) as server:
        yield server


def env_for(server: GitHubServer) -> dict:
    return {"GITHUB_TOKEN": server.token, "GITHUB_API_URL": server.api_url, "OPSBOOK_WRITE_INTERVAL": "0",
            "OPSBOOK_BACKOFF": "0.01", "GITHUB_REPOSITORY": f"{server.owner}/{server.repo}"}


def run(server: GitHubServer, root: Path, *args: str):
    return ops(*args, "--root", str(root), "--as-of", AS_OF, env=env_for(server))


def synced(server: GitHubServer, root: Path) -> dict[str, int]:
    """Sync the copy's issues; the tracking issue number of each action item, by `PM/ITEM`."""
    result = ops("issues", "sync", "--repo", f"{server.owner}/{server.repo}", "--root", str(root),
                 "--as-of", AS_OF, env=env_for(server))
    assert result.returncode == 0, result.stderr
    numbers = {}
    for number, issue in server.issues.items():
        for line in (issue["body"] or "").splitlines():
            if line.startswith("<!-- opsbook:action-item "):
                numbers[line.split()[2]] = number
    return numbers


def item_block(root: Path, item: str) -> str:
    """The lines of one action item in the post-mortem's frontmatter, as the file has them."""
    lines = (root / PM_FILE).read_text(encoding="utf-8").split("\n")
    start = lines.index(f"  - id: {item}")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    return "\n".join(lines[start:end])


def test_an_issue_closed_as_completed_marks_its_item_done_with_date_closer_and_commit(github, handbook_copy):
    numbers = synced(github, handbook_copy)
    number = numbers[f"{PM}/AI-3"]
    github.close_issue(number, by="tomas-dev", commit="4f2c9e1a7b3d5c6e8f9a0b1c2d3e4f5a6b7c8d9e")

    result = run(github, handbook_copy, "actions", "pull")

    assert result.returncode == 0, result.stderr
    assert item_block(handbook_copy, "AI-3") == "\n".join([
        "  - id: AI-3",
        "    title: Alert when the currency argument differs from the user's locale currency in more than 5% of "
        "calls over an hour",
        "    owner: tomas",
        "    due: 2026-12-11",
        "    status: done",
        f"    issue: {github.root}/acme/handbook/issues/{number}",
        "    closed:",
        "      date: 2026-11-18",
        "      by: tomas-dev",
        f"      via: {github.root}/acme/handbook/commit/4f2c9e1a7b3d5c6e8f9a0b1c2d3e4f5a6b7c8d9e",
    ])
    assert result.stdout.splitlines() == [
        "Action items against acme/handbook: 1 item to pull, 0 conflicts, 0 other drift.",
        f"  done      {PM} AI-3: #{number} was closed as completed on 2026-11-18",
        "Wrote 1 file.",
    ]
    assert ops("validate", "--root", str(handbook_copy), "--as-of", AS_OF).returncode == 0


def test_not_planned_becomes_wont_do_with_the_closing_comment_and_a_rerun_changes_nothing(github, handbook_copy):
    number = synced(github, handbook_copy)[f"{PM}/AI-4"]
    github.close_issue(number, reason="not_planned", by="maya-dev",
                       comment="The evals already run nightly.\n\nA per-change run would cost more than it finds.")
    assert run(github, handbook_copy, "actions", "pull").returncode == 0
    block = item_block(handbook_copy, "AI-4")
    assert block.endswith("    status: wont-do\n"
                          f"    issue: {github.root}/acme/handbook/issues/{number}\n"
                          "    closed:\n"
                          "      date: 2026-11-18\n"
                          "      by: maya-dev\n"
                          "      reason: The evals already run nightly.")
    before, reads = (handbook_copy / PM_FILE).read_bytes(), github.reads

    again = run(github, handbook_copy, "actions", "pull")

    assert again.returncode == 0, again.stderr
    assert (handbook_copy / PM_FILE).read_bytes() == before
    assert again.stdout.splitlines()[-1] == "Wrote 0 files."
    assert github.reads - reads == 1  # the issue listing (one page here), and nothing else


def test_the_details_of_many_closings_cost_two_reads_not_one_per_item(github, handbook_copy):
    numbers = synced(github, handbook_copy)
    other = "pm-2026-11-22-mcp-session-store-exhausted"
    github.close_issue(numbers[f"{other}/AI-3"], by="tomas-dev", commit="1" * 40)
    github.close_issue(numbers[f"{PM}/AI-3"], by="priya-dev")
    github.close_issue(numbers[f"{PM}/AI-4"], reason="not_planned", by="maya-dev", comment="Covered by AI-3.")
    github._add_comment(numbers[f"{other}/AI-4"], "Reminder: this item is overdue.")  # newer traffic
    reads = github.reads

    result = run(github, handbook_copy, "actions", "pull")

    assert result.returncode == 0, result.stderr
    # The listing, then one page of the repository's issue events (closer and commit) and one of its
    # comments (the reason), however many items closed.
    assert github.reads - reads == 3
    assert "Wrote 2 files." in result.stdout
    assert item_block(handbook_copy, "AI-3").endswith("    closed:\n      date: 2026-11-18\n      by: priya-dev")
    assert item_block(handbook_copy, "AI-4").endswith("      by: maya-dev\n      reason: Covered by AI-3.")
    other_text = (handbook_copy / f"postmortems/{other}.md").read_text(encoding="utf-8")
    assert f"      by: tomas-dev\n      via: {github.root}/acme/handbook/commit/{'1' * 40}\n" in other_text


def test_a_reopened_issue_puts_the_item_back_to_open(github, handbook_copy):
    number = synced(github, handbook_copy)[f"{PM}/AI-3"]
    original = item_block(handbook_copy, "AI-3")
    github.close_issue(number)
    assert run(github, handbook_copy, "actions", "pull").returncode == 0
    github.reopen_issue(number)

    result = run(github, handbook_copy, "actions", "pull")

    assert result.returncode == 0, result.stderr
    assert f"  open      {PM} AI-3: #{number} was reopened" in result.stdout.splitlines()
    assert item_block(handbook_copy, "AI-3") == original.replace(
        "status: open", f"status: open\n    issue: {github.root}/acme/handbook/issues/{number}")


def test_a_handbook_edit_that_disagrees_is_reported_not_overwritten(github, handbook_copy):
    numbers = synced(github, handbook_copy)
    ai3, ai4 = numbers[f"{PM}/AI-3"], numbers[f"{PM}/AI-4"]
    github.close_issue(ai3)
    assert run(github, handbook_copy, "actions", "pull").returncode == 0
    # Someone reopens AI-3 in the handbook, and closes AI-4 there while its issue was reopened on GitHub.
    path = handbook_copy / PM_FILE
    text = path.read_text(encoding="utf-8")
    ai3_block, ai4_block = item_block(handbook_copy, "AI-3"), item_block(handbook_copy, "AI-4")
    path.write_text(text.replace(ai3_block, ai3_block.replace("status: done", "status: open"))
                    .replace(ai4_block, ai4_block.replace("status: open", "status: done")), encoding="utf-8")
    github.close_issue(ai4)
    github.reopen_issue(ai4)
    before = path.read_bytes()

    status = run(github, handbook_copy, "actions", "status")
    pull = run(github, handbook_copy, "actions", "pull")

    assert status.returncode == 0 and pull.returncode == 0, pull.stderr
    assert path.read_bytes() == before
    assert status.stdout.splitlines() == [
        "Action items against acme/handbook: 0 items to pull, 2 conflicts, 0 other drift.",
        f"  conflict  {PM} AI-3: the handbook reopened the item after #{ai3} was closed as completed on "
        "2026-11-18; reopen the issue, or set the item back to done",
        f"  conflict  {PM} AI-4: the handbook says done but #{ai4} was reopened on GitHub; set the item back "
        "to open, or close the issue again",
    ]
    # And the sync leaves the reopened issue alone instead of closing it again.
    sync = ops("issues", "sync", "--repo", "acme/handbook", "--root", str(handbook_copy), "--as-of", AS_OF,
               env=env_for(github))
    assert sync.returncode == 0, sync.stderr
    assert github.issues[ai4]["state"] == "open"


def _link(root: Path, item: str, url: str) -> None:
    """Set `issue:` on an item, as the tracking issue's body asks people to."""
    path = root / PM_FILE
    text = path.read_text(encoding="utf-8")
    block = item_block(root, item)
    path.write_text(text.replace(block, block.replace("    status: open", f"    status: open\n    issue: {url}")),
                    encoding="utf-8")


def test_a_deleted_issue_is_reported_and_the_file_left_alone(github, handbook_copy):
    number = synced(github, handbook_copy)[f"{PM}/AI-3"]
    _link(handbook_copy, "AI-3", f"https://github.com/acme/handbook/issues/{number}")
    github.delete_issue(number)
    before = (handbook_copy / PM_FILE).read_bytes()

    unchecked = run(github, handbook_copy, "actions", "status")
    result = run(github, handbook_copy, "actions", "pull", "--check-links")

    assert unchecked.stdout.splitlines() == [
        "Action items against acme/handbook: 0 items to pull, 0 conflicts, 0 other drift.",
        "  note: 1 open item links an issue of acme/handbook that the listing lacks (deleted, transferred, or "
        "without the label): --check-links reads it once to tell"]
    assert result.returncode == 0, result.stderr
    assert (handbook_copy / PM_FILE).read_bytes() == before
    assert (f"  issue gone {PM} AI-3: #{number} is gone (410 Gone): deleted, or GITHUB_TOKEN cannot see it; "
            "remove `issue:` to have the next sync open a new one") in result.stdout.splitlines()


def test_a_transferred_issue_is_followed_and_its_state_pulled(github, handbook_copy):
    number = synced(github, handbook_copy)[f"{PM}/AI-3"]
    _link(handbook_copy, "AI-3", f"https://github.com/acme/handbook/issues/{number}")
    github.close_issue(number, by="priya-dev")
    moved = github.transfer_issue(number, new_number=7, repo="platform")

    result = run(github, handbook_copy, "actions", "pull", "--check-links")

    assert result.returncode == 0, result.stderr
    block = item_block(handbook_copy, "AI-3")
    assert f"    status: done\n    issue: {moved['html_url']}\n    closed:\n      date: 2026-11-18" in block
    assert "#7 was closed as completed on 2026-11-18 (moved to" in result.stdout


def test_a_crash_between_files_loses_nothing_and_the_rerun_writes_only_the_rest(github, handbook_copy):
    from opsbook.dates import parse_as_of
    from opsbook.validation import load_handbook
    from opsbook.issues.github import Policy
    from opsbook.issues.readback import read_back
    from opsbook.issues.writeback import write_edits

    numbers = synced(github, handbook_copy)
    for key in (f"{PM}/AI-3", "pm-2026-11-22-mcp-session-store-exhausted/AI-3"):
        github.close_issue(numbers[key])
    now = parse_as_of(AS_OF)

    def pull(on_written=None):
        handbook = load_handbook(handbook_copy, now)
        plan = read_back(handbook, "acme/handbook", token=TOKEN, api_url=github.api_url,
                         policy=Policy(write_interval=0)).plan
        return write_edits(handbook_copy, plan, now, on_written)

    class Killed(BaseException):
        pass

    def die(path: str) -> None:
        raise Killed(path)

    with pytest.raises(Killed) as killed:
        pull(die)
    first = killed.value.args[0]
    assert first == "postmortems/pm-2026-11-04-currency-mixup.md"
    assert not list(handbook_copy.glob("postmortems/.*.tmp")), "a temp file was left behind"

    rest = pull()

    assert rest.written == ["postmortems/pm-2026-11-22-mcp-session-store-exhausted.md"]
    assert pull().written == []
    assert action_item_key(PM, "AI-3")  # the marker the sync and the pull share


def test_the_post_mortem_page_shows_what_github_said_beside_the_handbooks_status(github, handbook_copy):
    import datetime as dt

    from opsbook.dates import parse_as_of
    from opsbook.validation import load_handbook
    from opsbook.site.decorate import fragments

    number = synced(github, handbook_copy)[f"{PM}/AI-4"]
    github.close_issue(number, reason="not_planned", by="maya-dev", comment="Nightly evals cover it.")
    assert run(github, handbook_copy, "actions", "pull").returncode == 0

    _, footer = fragments(load_handbook(handbook_copy, parse_as_of(AS_OF)), "postmortem", PM, dt.date(2026, 11, 28))

    row = next(line for line in footer.split("<tr>") if ">AI-4<" in line)
    assert ('<span class="ops-badge ops-action-wont-do">wont-do</span><br><small>closed on GitHub 2026-11-18 by '
            "@maya-dev, “Nightly evals cover it.”</small>") in row


def test_the_review_issue_lists_the_drift_until_the_pull_settles_it(github, handbook_copy):
    path = handbook_copy / PM_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("due: 2026-12-11", "due: 2026-11-20"), encoding="utf-8")
    number = synced(github, handbook_copy)[f"{PM}/AI-3"]
    (review,) = [i for i in github.issues.values() if i["title"].startswith("Monthly cost review")]
    heading = "## Action items where GitHub and the handbook disagree"
    assert f"{heading}\n\n_None._" in review["body"]
    github.close_issue(number)

    synced(github, handbook_copy)

    drift = review["body"].split(heading)[1]
    assert (f"- `{PM}` AI-3: #{number} was closed as completed on 2026-11-18, so the item should be done"
            in drift.splitlines())
    assert "| Action item | Post-mortem | Owner | Due | Status | On GitHub |" in review["body"]
    assert f"| 2026-11-20 | open | #{number} closed as completed |" in review["body"]
    assert run(github, handbook_copy, "actions", "pull").returncode == 0
    synced(github, handbook_copy)
    assert f"{heading}\n\n_None._" in review["body"]


def test_usage_errors_and_a_refused_token_say_what_to_do_and_write_nothing(github, handbook_copy):
    before = (handbook_copy / PM_FILE).read_bytes()
    no_repo = ops("actions", "pull", "--root", str(handbook_copy), env={"GITHUB_TOKEN": "x", "GITHUB_REPOSITORY": ""})
    no_token = ops("actions", "status", "--repo", "acme/handbook", "--root", str(handbook_copy),
                   env={"GITHUB_TOKEN": ""})
    refused = ops("actions", "pull", "--repo", "acme/handbook", "--root", str(handbook_copy),
                  env={"GITHUB_TOKEN": "ghs_wrong", "GITHUB_API_URL": github.api_url})

    assert (no_repo.returncode, no_repo.stderr) == (2, "ops: error: give --repo OWNER/NAME (or set GITHUB_REPOSITORY)\n")
    assert (no_token.returncode, no_token.stderr) == (
        2, "ops: error: GITHUB_TOKEN is not set: reading the tracking issues needs a token that may read issues\n")
    assert (refused.returncode, refused.stderr) == (1, "ops: error: GitHub refused GITHUB_TOKEN (401 Bad credentials)\n")
    assert (handbook_copy / PM_FILE).read_bytes() == before


def test_the_pull_keeps_comments_and_crlf_line_endings(github, handbook_copy):
    number = synced(github, handbook_copy)[f"{PM}/AI-3"]
    path = handbook_copy / PM_FILE
    text = path.read_text(encoding="utf-8").replace("    owner: tomas\n    due: 2026-12-11",
                                                    "    owner: tomas  # Tomás owns alerting\n    due: 2026-12-11")
    path.write_bytes(text.replace("\n", "\r\n").encode())
    github.close_issue(number)

    assert run(github, handbook_copy, "actions", "pull").returncode == 0

    after = path.read_bytes().decode()
    assert after.count("\r\n") == after.count("\n")
    assert "    owner: tomas  # Tomás owns alerting\r\n    due: 2026-12-11\r\n    status: done\r\n" in after
    assert after.replace("\r\n", "\n").split("\n---\n", 1)[1] == text.split("\n---\n", 1)[1]  # the body untouched


def test_closers_beyond_the_pages_read_keep_their_date_and_the_output_says_so(github, handbook_copy, monkeypatch):
    from opsbook.validation import load_handbook
    from opsbook.issues import readback
    from opsbook.issues.github import Policy
    from opsbook.issues.pull import pull_text

    numbers = synced(github, handbook_copy)
    github.close_issue(numbers[f"{PM}/AI-3"], by="priya-dev")
    for _ in range(120):  # a busy repository: more newer events than one page holds
        github.issues[numbers[f"{PM}/AI-4"]]["updated_at"] = github._tick()
        github._event(numbers[f"{PM}/AI-4"], "labeled", "someone", None, None)
    monkeypatch.setattr(readback, "DETAIL_PAGES", 1)
    reads = github.reads

    plan = readback.read_back(load_handbook(handbook_copy, _as_of()), "acme/handbook", token=github.token,
                              api_url=github.api_url, policy=Policy(write_interval=0)).plan

    assert github.reads - reads == 2  # the listing and the one page allowed
    assert [edit.closed for edit in plan.edits] == [{"date": "2026-11-18"}]
    assert ("  note: the closer of 1 closed issue is not among the repository's newest 100 issue events; its "
            "`closed` has the date alone") in pull_text(plan, "acme/handbook").splitlines()


def test_an_events_listing_github_refuses_is_named_and_the_reason_still_read(github, handbook_copy):
    numbers = synced(github, handbook_copy)
    number = numbers[f"{PM}/AI-4"]
    github.close_issue(number, reason="not_planned", by="maya-dev", comment="The evals already run nightly.")
    github.inject("status", method="GET", path=r"/issues/events$", status=404, times=5)

    result = run(github, handbook_copy, "actions", "pull")

    assert result.returncode == 0, result.stderr
    assert ("  note: GitHub did not answer the events listing (404): the closer of 1 closed issue is unknown; its "
            "`closed` names no closer or commit") in result.stdout.splitlines()
    assert "newest" not in result.stdout
    assert item_block(handbook_copy, "AI-4").endswith("    status: wont-do\n"
                                                     f"    issue: {github.root}/acme/handbook/issues/{number}\n"
                                                     "    closed:\n"
                                                     "      date: 2026-11-18\n"
                                                     "      reason: The evals already run nightly.")


def _as_of():
    from opsbook.dates import parse_as_of

    return parse_as_of(AS_OF)
