"""`ops alerts pull --repo`: one GitHub issue per incident, exactly once, through tests/github_server.py."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TOOLS, ops
from github_server import Fault, GitHubServer
from test_alerts_pull import CHECKOUT, SEARCH, alert, body, front, new_postmortems, notes
from test_issue_sync import env_for

TOKEN = "ghs_" + "Kp3Wq8Zr5Tn1Xv7Lm2Bc9Yd4Fh6Jg0Sa1Ue3"
FIRING = body(alert(CHECKOUT, "2026-11-26T09:13:27Z", runbook="rb-checkout-failure"))


@pytest.fixture
def github():
    with GitHubServer(token=TOKEN) as server:
        yield server


def pull(root: Path, server: GitHubServer, text: str = FIRING, *extra: str):
    return ops("alerts", "pull", "--root", str(root), "--from", "-", "--as-of", "2026-11-26T12:00:00Z",
               "--repo", f"{server.owner}/{server.repo}", *extra, env=env_for(server), input=text)


def incident_issues(server: GitHubServer) -> list[dict]:
    return [issue for issue in server.issues.values() if "<!-- opsbook:incident " in (issue["body"] or "")]


def test_one_issue_per_incident_assigned_to_the_on_call_and_re_runs_write_nothing(handbook_copy, github):
    first = pull(handbook_copy, github)
    assert first.returncode == 0, first.stdout + first.stderr
    [path] = new_postmortems(handbook_copy)
    meta = front(path)
    [issue] = incident_issues(github)
    assert issue["title"] == "SEV-1: Checkout success: the error budget burns fast"
    assert meta["roles"]["on_call"] == "tomas"
    assert [user["login"] for user in issue["assignees"]] == ["tferreira"]  # tomas's handle in ops/team.yaml
    text = issue["body"]
    assert f"Incident id: `{meta['id']}`" in text
    assert "## Runbook: [Mass checkout failures](https://giftgenius.github.io/handbook/runbooks/rb-checkout-failure/)" in text
    assert "### Quick mitigation" in text and "checkout_disabled" in text
    assert 'slo="checkout-success"' in text and "firing since 2026-11-26T09:13:27+00:00" in text
    assert sorted(label["name"] for label in issue["labels"]) == ["incident", "opsbook"]
    assert TOKEN not in first.stdout + first.stderr
    writes = github.writes
    for _ in range(3):
        again = pull(handbook_copy, github)
        assert again.returncode == 0 and "nothing to do" in again.stdout
    assert github.writes == writes and len(incident_issues(github)) == 1
    assert "GitHub: 1 reads, 0 writes" in again.stdout  # one page of labelled issues, as the sync reads


def test_a_note_becomes_one_comment(handbook_copy, github):
    pull(handbook_copy, github)
    resolved = body(alert(CHECKOUT, "2026-11-26T09:13:27Z", status="resolved", ends="2026-11-26T09:40:00Z"))
    for _ in range(3):
        assert pull(handbook_copy, github, resolved).returncode == 0
    [issue] = incident_issues(github)
    comments = github.comments.get(issue["number"], [])
    assert len(comments) == 1 and "resolved at 2026-11-26 09:40:00Z" in comments[0]["body"]


RESOLVED = body(alert(CHECKOUT, "2026-11-26T09:13:27Z", status="resolved", ends="2026-11-26T09:40:00Z",
                      runbook="rb-checkout-failure"))


def _comments(server: GitHubServer) -> list[str]:
    [issue] = incident_issues(server)
    return [comment["body"] for comment in server.comments.get(issue["number"], [])]


def test_a_comment_github_refuses_is_made_by_the_next_run_and_recorded_once_made(handbook_copy, github):
    assert pull(handbook_copy, github).returncode == 0
    github.inject("status", method="POST", path=r"/comments$", status=502)
    refused = pull(handbook_copy, github, RESOLVED)
    assert refused.returncode == 1 and "not done (the next run tries again)" in refused.stdout
    [path] = new_postmortems(handbook_copy)
    assert [n for n in notes(front(path)) if "resolved at" in n] and _comments(github) == []
    opening = front(path)["notified"]["github-issue"]  # the note the issue was opened with: its body says it
    assert len(opening) == 1
    again = pull(handbook_copy, github, RESOLVED)
    assert again.returncode == 0, again.stdout + again.stderr
    [comment] = _comments(github)
    assert "resolved at 2026-11-26 09:40:00Z" in comment
    assert len(front(path)["notified"]["github-issue"]) == 2
    writes = github.writes
    assert pull(handbook_copy, github, RESOLVED).returncode == 0 and github.writes == writes


def test_a_comment_whose_answer_was_lost_is_not_made_twice(handbook_copy, github):
    """GitHub made the comment but its answer never came: the run records nothing; the next finds the
    comment by its marker among the issue's comments instead of making another."""
    assert pull(handbook_copy, github).returncode == 0
    github.inject("drop-after", method="POST", path=r"/comments$")
    lost = pull(handbook_copy, github, RESOLVED)
    assert lost.returncode == 1, lost.stdout
    assert len(_comments(github)) == 1
    again = pull(handbook_copy, github, RESOLVED)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(_comments(github)) == 1  # found by its marker, not made again
    [path] = new_postmortems(handbook_copy)
    assert len(front(path)["notified"]["github-issue"]) == 2


def test_a_note_written_by_hand_reaches_the_issue_at_the_next_pull(handbook_copy, github):
    assert pull(handbook_copy, github).returncode == 0
    [path] = new_postmortems(handbook_copy)
    logged = ops("incident", "log", front(path)["id"], "--root", str(handbook_copy), "--type", "note",
                 "--message", "Rolled back the ACP client to 2.3.1", "--at", "2026-11-26T09:30:00Z")
    assert logged.returncode == 0, logged.stderr
    assert pull(handbook_copy, github).returncode == 0
    assert [c.split("\n\n<!--")[0] for c in _comments(github)] == ["Rolled back the ACP client to 2.3.1"]
    assert pull(handbook_copy, github).returncode == 0 and len(_comments(github)) == 1


@pytest.mark.parametrize("fault", ["status", "drop", "drop-after"])
def test_a_refused_or_lost_create_still_ends_in_one_issue(handbook_copy, github, fault):
    github.inject(fault, method="POST", path=r"/issues$", status=502)
    result = pull(handbook_copy, github)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(incident_issues(github)) == 1
    assert len(new_postmortems(handbook_copy)) == 1


def test_when_github_keeps_refusing_the_incident_is_opened_and_the_issue_left_for_the_next_run(handbook_copy, github):
    for _ in range(5):
        github.inject("status", method="POST", path=r"/issues$", status=502)
    first = pull(handbook_copy, github)
    assert first.returncode == 1
    assert "not done (the next run tries again)" in first.stdout and "502" in first.stdout
    assert len(new_postmortems(handbook_copy)) == 1 and incident_issues(github) == []
    again = pull(handbook_copy, github)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(incident_issues(github)) == 1 and len(new_postmortems(handbook_copy)) == 1


@dataclasses.dataclass
class KillOn(Fault):
    """A fault that also kills the `ops` process the moment its request arrives (and hangs up on it)."""

    process: subprocess.Popen | None = None

    def matches(self, number: int, method: str, path: str) -> bool:
        hit = super().matches(number, method, path)
        if hit and self.process is not None:
            self.process.kill()
        return hit


def killed_pull(root: Path, server: GitHubServer, text: str, **where) -> None:
    """`ops alerts pull --repo`, killed when GitHub gets the request `where` names."""
    args = [sys.executable, "-m", "opsbook", "alerts", "pull", "--root", str(root), "--from", "-",
            "--as-of", "2026-11-26T12:00:00Z", "--repo", "acme/handbook"]
    process = subprocess.Popen(args, env={**os.environ, "PYTHONPATH": str(TOOLS), **env_for(server)},
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if where:
        server.faults.append(KillOn("drop", process=process, **where))
    else:
        server.on_create = lambda count: process.kill()
    process.communicate(text, timeout=120)
    assert process.returncode == -9
    server.on_create = None


def test_a_crash_after_the_post_mortem_and_one_after_the_issue_each_end_in_one_of_each(handbook_copy, github):
    # Killed after writing the post-mortem, before the issue (GitHub's labels are read just before it).
    killed_pull(handbook_copy, github, FIRING, method="GET", path=r"/labels$")
    assert len(new_postmortems(handbook_copy)) == 1 and incident_issues(github) == []
    assert pull(handbook_copy, github).returncode == 0
    assert len(incident_issues(github)) == 1 and len(new_postmortems(handbook_copy)) == 1

    # Killed the moment GitHub created the second incident's issue: the next run finds it by its marker.
    second = body(alert(SEARCH, "2026-11-26T10:00:00Z", summary="Gift search errors burn fast"))
    killed_pull(handbook_copy, github, second)
    again = pull(handbook_copy, github, second)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(incident_issues(github)) == 2 and len(new_postmortems(handbook_copy)) == 2


def test_an_incident_known_only_by_its_issue_is_not_opened_again(handbook_copy, github):
    assert pull(handbook_copy, github).returncode == 0
    [path] = new_postmortems(handbook_copy)
    path.unlink()  # its pull request not merged, its branch not fetched: only the issue remembers it
    again = pull(handbook_copy, github)
    assert again.returncode == 0, again.stdout + again.stderr
    assert new_postmortems(handbook_copy) == [] and len(incident_issues(github)) == 1


def test_a_raised_severity_retitles_the_issue_once(handbook_copy, github):
    assert pull(handbook_copy, github, body(alert(SEARCH, "2026-11-26T09:20:00Z", summary="Gift search errors"))).returncode == 0
    [issue] = incident_issues(github)
    assert issue["title"] == "SEV-2: Gift search errors"
    policy = {"alertname": "GiftSearchDegraded", "rule": "gift-search-degraded", "category": "latency",
              "severity": "SEV-1", "service": "gift-search"}
    raised = body(alert(SEARCH, "2026-11-26T09:20:00Z"), alert(policy, "2026-11-26T09:25:00Z", summary="SEV-1"))
    for _ in range(2):
        assert pull(handbook_copy, github, raised).returncode == 0
    [issue] = incident_issues(github)
    assert issue["title"] == "SEV-1: Gift search errors"
    assert len(github.comments.get(issue["number"], [])) == 2  # the joining alert's note, the raised severity


def test_a_chat_channel_may_not_take_the_issues_record(handbook_copy):
    from test_alerts_pull import settings

    settings(handbook_copy, notify=[{"id": "github-issue", "kind": "slack", "url_from": "CHAT_URL"}])
    result = ops("validate", "--root", str(handbook_copy))
    assert result.returncode == 1
    assert "opsbook.yaml:" in result.stdout + result.stderr
    assert "'github-issue' is where a post-mortem's `notified:` records the comments" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_the_workflows_pull_step_takes_a_dispatched_webhook_body_and_otherwise_asks_alertmanager(
        handbook_copy, github, tmp_path):
    """The step of incidents-from-alerts.yml, run as the runner runs it (bash -e): a repository_dispatch's
    client_payload (the webhook body) opens the incident without any Alertmanager; a scheduled run (no
    payload) asks Alertmanager (here the example's, which this machine cannot reach)."""
    import json

    from conftest import REPO
    from test_workflows import _load

    workflow = _load(REPO / ".github" / "workflows" / "incidents-from-alerts.yml")
    assert workflow["on"]["repository_dispatch"] == {"types": ["alertmanager"]}
    (job,) = workflow["jobs"].values()
    step = next(s for s in job["steps"] if "ops alerts pull" in s.get("run", ""))
    assert step["env"]["DISPATCHED"].startswith("${{ github.event_name == 'repository_dispatch' && toJSON(")
    bin_dir = handbook_copy / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "ops").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m opsbook "$@"\n', encoding="utf-8")
    (bin_dir / "ops").chmod(0o755)
    runner = tmp_path / "runner"
    runner.mkdir()

    def run_step(dispatched: str) -> tuple[str, str]:
        env = {**os.environ, "PYTHONPATH": str(TOOLS), "RUNNER_TEMP": str(runner), "ALERTMANAGER_URL": "",
               "GITHUB_REPOSITORY": f"{github.owner}/{github.repo}", "DISPATCHED": dispatched, **env_for(github)}
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=handbook_copy, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr  # the step records the status for a later one
        return (runner / "pull-status").read_text().strip(), done.stdout + done.stderr

    status, said = run_step(json.dumps(json.loads(FIRING)))
    assert status == "0", said
    assert len(new_postmortems(handbook_copy)) == 1 and len(incident_issues(github)) == 1
    status, said = run_step("")
    assert status == "1" and "Alertmanager at http://alertmanager.giftgenius.internal:9093 cannot be reached" in said
