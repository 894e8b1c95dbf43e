"""`ops issues sync` against a GitHub-compatible server on 127.0.0.1: the real CLI and github3.py over HTTP.

The example handbook as of 2026-11-28 has these issues due: the monthly cost review (2026-11), the weekly
SLO reviews 2026-W48 (catch-up) and 2026-W49 (lead time), and one per open action item without an issue
(DUE, taken from the pure plan so that new example content does not break the counts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TOOLS, ops
from github_server import GitHubServer
from opsbook.dates import parse_as_of
from opsbook.validation import load_handbook
from opsbook.issues.plan import build_plan

AS_OF = "2026-11-28"
TOKEN = "ghs_" + "Zq7Rk2Xv9Lm4Np8Tb3Wc6Yd1Fh5Jg0Se2Ua7"  # looks real, so a leak would be caught by pattern too


DUE = [action.key for action in build_plan(load_handbook(REPO, parse_as_of(AS_OF)), parse_as_of(AS_OF), None).actions]
N = len(DUE)


def test_the_example_has_reviews_and_action_items_due():
    assert DUE[:3] == ["occurrence monthly-cost-review/2026-11", "occurrence weekly-slo-review/2026-W48",
                       "occurrence weekly-slo-review/2026-W49"]
    assert N >= 6 and all(key.startswith("action-item ") for key in DUE[3:])


@pytest.fixture
def github():
    with GitHubServer(token=TOKEN) as server:
        yield server


def env_for(server: GitHubServer, **extra) -> dict:
    return {"GITHUB_TOKEN": server.token, "GITHUB_API_URL": server.api_url, "OPSBOOK_WRITE_INTERVAL": "0",
            "OPSBOOK_BACKOFF": "0.01", **extra}


def sync(server: GitHubServer, *args: str, root: Path = REPO, **extra) -> subprocess.CompletedProcess:
    return ops("issues", "sync", "--repo", f"{server.owner}/{server.repo}", "--root", str(root), "--as-of", AS_OF,
               *args, env=env_for(server, **extra))


def markers(server: GitHubServer) -> list[str]:
    """The marker key of every issue on the server, in creation order."""
    from opsbook.issues.body import parse_marker

    return [parse_marker(issue["body"]) for _, issue in sorted(server.issues.items())]


def assert_each_due_issue_once(server: GitHubServer) -> None:
    found = markers(server)
    assert sorted(k for k in found if k in DUE) == sorted(DUE), found
    assert len(found) == len(set(found)), "an issue was opened twice"


def test_first_run_creates_every_due_issue_once_and_a_second_run_writes_nothing(github):
    first = sync(github)
    assert first.returncode == 0, first.stderr
    assert_each_due_issue_once(github)
    assert len(github.issues) == len(DUE)
    w48 = next(i for i in github.issues.values() if i["title"] == "Weekly SLO review — 2026-W48")
    assert [label["name"] for label in w48["labels"]] == ["opsbook", "review", "slo"]
    assert [user["login"] for user in w48["assignees"]] == ["priya-raman"]
    assert github.labels["opsbook"]["color"] == "5319e7" and github.labels["slo"]["color"] != "ededed"
    assert "  created        #2 Weekly SLO review — 2026-W48  http" in first.stdout
    assert f"{N} done, 0 failed, 0 not done." in first.stdout
    writes, reads = github.writes, github.reads

    second = sync(github)
    assert second.returncode == 0, second.stderr
    assert github.writes == writes, "a re-run wrote to GitHub"
    assert github.reads - reads == 2  # the repository and one page of issues
    assert "Nothing to do" in second.stdout and "API: 2 reads, 0 writes" in second.stdout
    assert not github.count(path="/search/")


def test_a_run_killed_after_its_second_create_then_rerun_has_every_issue_once(github):
    args = [sys.executable, "-m", "opsbook", "issues", "sync", "--repo", "acme/handbook", "--as-of", AS_OF]
    env = {**os.environ, "PYTHONPATH": str(TOOLS), **env_for(github)}
    process = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    github.on_create = lambda count: process.kill() if count == 2 else None
    process.communicate(timeout=120)
    assert process.returncode == -9
    assert len(github.issues) == 2

    github.on_create = None
    again = sync(github)
    assert again.returncode == 0, again.stderr
    assert_each_due_issue_once(github)
    assert len(github.issues) == N and f"{N - 2} done" in again.stdout


def test_502s_and_dropped_connections_are_survived(github):
    github.inject("status", method="GET", path=r"/issues$", status=502)            # reading the issues
    github.inject("status", method="POST", path=r"/issues$", status=502)           # a create that did not land
    github.inject("drop-after", method="POST", path=r"/issues$")                   # one that landed, answer lost
    github.inject("drop", method="GET", path=r"/labels$")                          # a read whose answer was lost
    result = sync(github, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert_each_due_issue_once(github)
    report = json.loads(result.stdout)
    # Re-sent: the two reads, and the create that had not landed (checked first); the one that landed is not.
    assert report["ok"] and report["requests"]["retries"] == 3
    assert github.count("POST", r"/issues$") == N + 1
    assert [a["detail"] for a in report["actions"] if a.get("detail")] == ["created; GitHub's answer was lost"]
    assert [f.times for f in github.faults] == [0, 0, 0, 0]


def test_a_secondary_rate_limit_is_waited_out_as_retry_after_says(github):
    github.inject("secondary", method="POST", path=r"/issues$", retry_after=1)
    github.inject("rate-limit-429", method="POST", path=r"/issues$", retry_after=1)
    result = sync(github)
    assert result.returncode == 0, result.stderr
    assert_each_due_issue_once(github)
    posts = [seen for seen in github.requests if seen.method == "POST" and seen.path.endswith("/issues")]
    assert [seen.status for seen in posts[:3]] == [403, 429, 201]
    assert posts[1].at - posts[0].at >= 1.0, "retried before Retry-After"
    assert posts[2].at - posts[1].at >= 1.0, "retried before x-ratelimit-reset"
    assert "retried (waited" in result.stdout


def test_when_github_keeps_failing_the_run_reports_what_is_left_and_the_next_run_finishes(github):
    def break_after_three(count: int) -> None:
        if count == 3:
            github.inject("status", method="POST", path=r"/issues$", status=503, times=1000)
    github.on_create = break_after_three
    failed = sync(github)
    assert failed.returncode == 1
    assert f"3 done, 1 failed, {N - 4} not done." in failed.stdout
    assert "Stopped early: creating failed 5 times: 503 Server Error. The next run does what is left." in failed.stdout
    assert len(github.issues) == 3

    github.faults.clear()
    github.on_create = None
    finished = sync(github)
    assert finished.returncode == 0, finished.stderr
    assert_each_due_issue_once(github)


def test_150_existing_issues_across_pages_are_all_found(github):
    assert sync(github).returncode == 0
    # Newer generated issues (closed reviews of years past) push the due ones to page two: 150 in all.
    for week in range(1, 151 - N):
        year, number = 2023 + (week - 1) // 52, (week - 1) % 52 + 1
        github.add_issue(f"Weekly SLO review — {year}-W{number:02d}", state="closed", labels=("opsbook", "review"),
                         body=f"<!-- opsbook:occurrence weekly-slo-review/{year}-W{number:02d} -->\n")
    github.add_issue("Unrelated bug", body="no marker")  # not labelled: never read
    writes, reads = github.writes, github.reads
    result = sync(github, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["existing"] == 150
    assert github.writes == writes
    pages = [seen for seen in github.requests[-(github.reads - reads):] if seen.path.endswith("/issues")]
    assert [seen.query for seen in pages] == ["state=all&labels=opsbook&per_page=100",
                                              "state=all&labels=opsbook&per_page=100&page=2"]
    assert pages[1].path == f"/repositories/{github.repo_id}/issues"  # followed GitHub's Link header


def test_an_open_issue_is_updated_when_the_handbook_changes_and_keeps_ticked_boxes(github, handbook_copy):
    assert sync(github, root=handbook_copy).returncode == 0
    w49 = next(i for i in github.issues.values() if i["title"] == "Weekly SLO review — 2026-W49")
    w49["body"] = w49["body"].replace("- [ ] Walk through each SLO", "- [x] Walk through each SLO")
    slos = handbook_copy / "ops" / "slos.yaml"
    slos.write_text(slos.read_text().replace("target: 0.995", "target: 0.999"))
    writes = github.writes
    result = sync(github, root=handbook_copy)
    assert result.returncode == 0, result.stderr
    patched = sorted(int(seen.path.rsplit("/", 1)[1]) for seen in github.requests[writes:] if seen.method == "PATCH")
    assert [github.issues[n]["title"] for n in patched] == [
        "Weekly SLO review — 2026-W48", "Weekly SLO review — 2026-W49"]  # the two reviews that list SLOs
    assert "≥ 99.9%" in w49["body"] and "- [x] Walk through each SLO" in w49["body"]
    assert github.writes - writes == 2 and "updated" in result.stdout


def test_writes_are_paced(github):
    result = sync(github, "--write-interval", "0.2")
    assert result.returncode == 0, result.stderr
    writes = [seen.at for seen in github.requests if seen.method != "GET"]
    # The server stamps a request when it has handled it, so single gaps jitter; the pace holds overall.
    assert writes[-1] - writes[0] >= 0.2 * (len(writes) - 1) - 0.05
    assert min(b - a for a, b in zip(writes, writes[1:])) >= 0.1  # half the interval: never back to back


def test_the_token_never_appears_in_output_or_files(github, tmp_path):
    summary = tmp_path / "summary.md"
    runs = [sync(github, GITHUB_STEP_SUMMARY=str(summary)), sync(github, "--format", "json"),
            sync(github, "--dry-run", GITHUB_STEP_SUMMARY=str(summary))]
    assert [run.returncode for run in runs] == [0, 0, 0]
    github.token = "a-different-token"  # GitHub now refuses ours
    refused = sync(github, GITHUB_STEP_SUMMARY=str(summary), GITHUB_TOKEN=TOKEN)
    assert refused.returncode == 1 and "401 Bad credentials" in refused.stderr
    assert summary.read_text().endswith("**Nothing was changed:** GitHub refused GITHUB_TOKEN (401 Bad credentials)\n")
    runs.append(refused)
    assert summary.read_text().startswith("### Review issues: acme/handbook")
    for run in runs:
        assert TOKEN not in run.stdout and TOKEN not in run.stderr
        assert TOKEN[4:12] not in run.stdout + run.stderr
    for path in [*tmp_path.rglob("*"), *REPO.rglob("*.md")]:
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace"), path
    assert all(TOKEN not in (issue["body"] or "") for issue in github.issues.values())


def test_an_owner_github_cannot_assign_still_gets_the_issue(github):
    github.assignable = {"tferreira", "maya-lindqvist", "jokafor"}  # not priya-raman
    result = sync(github)
    assert result.returncode == 0, result.stderr
    assert_each_due_issue_once(github)
    assert "note: could not assign @priya-raman: not assignable in this repository" in result.stdout


def test_plan_with_repo_reads_the_issues_and_writes_nothing(github):
    assert sync(github).returncode == 0
    writes = github.writes
    result = ops("issues", "plan", "--repo", "acme/handbook", "--as-of", AS_OF, env=env_for(github))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Issue plan as of {AS_OF} 23:59 UTC; {N} generated issues found in acme/handbook\n")
    assert "Nothing to do" in result.stdout and github.writes == writes
    no_token = ops("issues", "plan", "--repo", "acme/handbook", env={**env_for(github), "GITHUB_TOKEN": ""})
    assert no_token.returncode == 2 and "needs GITHUB_TOKEN" in no_token.stderr


def test_the_server_answers_in_githubs_recorded_shapes(github):
    import requests
    from github_server import PAYLOADS

    for n in range(3):
        github.add_issue(f"issue {n}", labels=("opsbook",))
    headers = {"Authorization": f"token {github.token}"}
    page = requests.get(f"{github.api_url}/repos/acme/handbook/issues",
                        params={"state": "all", "per_page": 2}, headers=headers, timeout=10)
    assert page.status_code == 200
    # A listed issue has the single issue's fields but `closed_by`, which GitHub sends only for one issue.
    assert set(PAYLOADS["issue"]) - {"closed_by"} <= set(page.json()[0])
    assert {"state_reason", "closed_at"} <= set(page.json()[0]) and "closed_by" not in page.json()[0]
    single = requests.get(f"{github.api_url}/repos/acme/handbook/issues/1", headers=headers, timeout=10).json()
    assert set(PAYLOADS["issue"]) <= set(single)
    # The Link header as GitHub writes it (compare the recorded one in github_payloads.json).
    assert page.headers["Link"] == (
        f'<{github.api_url}/repositories/{github.repo_id}/issues?state=all&per_page=2&page=2>; rel="next", '
        f'<{github.api_url}/repositories/{github.repo_id}/issues?state=all&per_page=2&page=2>; rel="last"')
    assert PAYLOADS["list_link_example"].endswith('&page=2>; rel="last"')
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used",
                 "X-RateLimit-Resource"):
        assert name in page.headers
    assert requests.get(f"{github.api_url}/repos/acme/handbook/labels/missing", headers=headers, timeout=10).status_code == 404
    assert requests.get(f"{github.api_url}/repos/acme/handbook", headers={"Authorization": "token wrong"},
                        timeout=10).json()["message"] == "Bad credentials"


def test_a_big_organisations_due_reviews_fit_githubs_limits_and_open_exactly_once(github, tmp_path):
    """5,000 secrets and hundreds of overdue action items: the bodies are cut to GitHub's limits (which the
    server enforces), each due issue is created once, none is refused, and a re-run writes nothing."""
    sys.path.insert(0, str(REPO / "bench"))
    from synthetic import make_organisation

    root = make_organisation(tmp_path / "org", cadences=20, secrets=5_000, runbooks=50, postmortems=1_000,
                             backlog=1.0)
    due = [action.key for action in build_plan(load_handbook(root, parse_as_of(AS_OF)), parse_as_of(AS_OF), None).actions]
    first = sync(github, "--format", "json", root=root)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr
    report = json.loads(first.stdout)
    assert [a["status"] for a in report["actions"]] == ["done"] * len(due)
    assert sorted(markers(github)) == sorted(due) and len(due) > 30
    secrets = github.issues_with("<!-- opsbook:occurrence review-006/2026-12 -->")[0]["body"]
    assert 60_000 < len(secrets) < 65_536
    assert "## Secrets due for rotation by 2027-01-04\n\n" in secrets
    assert "more on the site: https://giftgenius.github.io/handbook/secrets/_" in secrets
    assert "more on the site: https://giftgenius.github.io/handbook/action-items/_" in secrets
    long_title = next(i["title"] for i in github.issues.values() if i["title"].startswith("Review 004 "))
    assert len(long_title) <= 256 and long_title.endswith("… — 2026-W48")

    again = sync(github, root=root)
    assert again.returncode == 0, again.stderr
    assert "Nothing to do" in again.stdout and "0 writes" in again.stdout


def test_ticked_boxes_survive_an_update_of_a_cut_body(github, tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    from synthetic import make_organisation

    root = make_organisation(tmp_path / "org", cadences=8, secrets=5_000, runbooks=10, postmortems=100, backlog=1.0)
    assert sync(github, root=root).returncode == 0
    issue = github.issues_with("<!-- opsbook:occurrence review-006/2026-12 -->")[0]
    issue["body"] = issue["body"].replace("- [ ] Look at the numbers", "- [x] Look at the numbers")
    cadence = root / "calendar" / "review-006.yaml"
    cadence.write_text(cadence.read_text().replace("Check the overdue items]", "Check the overdue items, Ask the owners]"))
    result = sync(github, root=root)
    assert result.returncode == 0, result.stderr
    assert f"updated        #{issue['number']} " in result.stdout
    body = github.issues[issue["number"]]["body"]
    assert "- [x] Look at the numbers" in body and "- [ ] Ask the owners" in body and len(body) <= 65_536
    assert body.startswith("<!-- opsbook:occurrence review-006/2026-12 -->\n")
