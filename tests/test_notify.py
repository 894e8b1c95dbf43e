"""Chat posts: each incident event once per channel, retried through faults, public channels kept public."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from chat_server import ChatServer
from conftest import ops
from test_alerts_pull import CHECKOUT, alert, body, front, new_postmortems, settings

FIRING = body(alert(CHECKOUT, "2026-11-26T09:13:27Z", runbook="rb-checkout-failure"))
NOTIFY = [{"id": "on-call", "kind": "slack", "url_from": "CHAT_ONCALL_URL"},
          {"id": "leads", "kind": "teams", "url_from": "TEAMS_LEADS_URL"},
          {"id": "users", "kind": "slack", "url_from": "CHAT_STATUS_URL", "public": True}]
SECRET_PATH = "/hooks/T0001/B0002/Xq9Zk3Lw8Pn5Rt2Vy7"


@pytest.fixture
def chat(handbook_copy):
    settings(handbook_copy, notify=NOTIFY)  # the example's channels, as the README describes them
    with ChatServer() as server:
        yield server


def env(chat: ChatServer, **extra) -> dict:
    return {"CHAT_ONCALL_URL": chat.url(SECRET_PATH), "TEAMS_LEADS_URL": chat.url("/teams"),
            "CHAT_STATUS_URL": chat.url("/status"), "OPSBOOK_BACKOFF": "0.01", **extra}


def pull(root: Path, chat: ChatServer, text: str = FIRING, **extra):
    return ops("alerts", "pull", "--root", str(root), "--from", "-", "--as-of", "2026-11-26T12:00:00Z",
               input=text, env=env(chat, **extra))


def test_the_opening_is_posted_once_to_each_internal_channel(handbook_copy, chat):
    first = pull(handbook_copy, chat)
    assert first.returncode == 0, first.stdout + first.stderr
    [slack] = chat.to(SECRET_PATH)
    assert slack["text"].startswith("Incident opened: SEV-1 Checkout success: the error budget burns fast")
    assert "On call: tomas" in slack["text"] and "rb-checkout-failure" in slack["text"]
    assert slack["blocks"][0]["type"] == "section"
    [teams] = chat.to("/teams")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard" and "Incident opened" in card["content"]["body"][0]["text"]
    assert chat.to("/status") == []  # nothing public yet
    [path] = new_postmortems(handbook_copy)
    assert front(path)["notified"] == {"on-call": ["opened"], "leads": ["opened"]}
    for _ in range(3):
        assert pull(handbook_copy, chat).returncode == 0
    assert len(chat.posts) == 2
    everything = first.stdout + first.stderr + path.read_text()
    assert SECRET_PATH not in everything and "Xq9Zk3Lw8Pn5Rt2Vy7" not in everything


def test_a_500_then_a_429_then_a_dropped_connection_still_post_once(handbook_copy, chat):
    chat.fail(500)
    chat.fail(429, retry_after=1)
    chat.drop()
    result = pull(handbook_copy, chat)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(chat.to(SECRET_PATH)) == 1 and len(chat.to("/teams")) == 1
    assert chat.requests == 5


def test_a_channel_that_keeps_failing_is_left_for_the_next_run_and_the_incident_stands(handbook_copy, chat):
    for _ in range(5):
        chat.fail(503)
    first = pull(handbook_copy, chat)
    assert first.returncode == 1
    assert "opened not posted to on-call ($CHAT_ONCALL_URL): answered 503, 5 times" in first.stdout
    [path] = new_postmortems(handbook_copy)
    assert front(path)["notified"] == {"leads": ["opened"]}
    again = pull(handbook_copy, chat)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(chat.to(SECRET_PATH)) == 1 and len(chat.to("/teams")) == 1


def test_an_unset_variable_skips_its_channel_with_a_notice(handbook_copy, chat):
    result = pull(handbook_copy, chat, TEAMS_LEADS_URL="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "notice: chat channel leads skipped: $TEAMS_LEADS_URL is not set" in result.stdout
    assert len(chat.to(SECRET_PATH)) == 1 and chat.to("/teams") == []


def test_a_public_channel_hears_only_public_updates_that_name_no_one(handbook_copy, chat):
    pull(handbook_copy, chat)
    [path] = new_postmortems(handbook_copy)
    incident = front(path)["id"]
    people = yaml.safe_load((handbook_copy / "ops/team.yaml").read_text())["people"]
    said = ops("incident", "update", incident, "--root", str(handbook_copy), "--state", "investigating",
               "--component", "checkout", "--at", "2026-11-26T09:20:00+00:00",
               "--message", "Payments are failing for many users; we are investigating.")
    assert said.returncode == 0, said.stderr
    named = ops("incident", "update", incident, "--root", str(handbook_copy), "--state", "identified",
                "--at", "2026-11-26T09:30:00+00:00",
                "--message", f"{people[0]['name']} found the cause and is rolling back.")
    assert named.returncode == 0, named.stderr  # a person's name in public text is a warning, not an error
    assert ops("incident", "log", incident, "--root", str(handbook_copy), "--type", "mitigated", "--message",
               "Rolled back", "--at", "2026-11-26T09:40:00+00:00").returncode == 0
    assert pull(handbook_copy, chat).returncode == 0
    public = [post["text"] for post in chat.to("/status")]
    assert public == ["Checkout success: the error budget burns fast: investigating\n"
                      "Payments are failing for many users; we are investigating."]
    internal = [post["text"].splitlines()[0] for post in chat.to(SECRET_PATH)]
    assert internal == ["Incident opened: SEV-1 Checkout success: the error budget burns fast",
                        "Incident mitigated: SEV-1 Checkout success: the error budget burns fast",
                        "Checkout success: the error budget burns fast: investigating",
                        "Checkout success: the error budget burns fast: identified"]


def test_ops_incident_commands_with_notify_post_their_event_once(handbook_copy, chat):
    opened = ops("incident", "open", "--root", str(handbook_copy), "--notify", "--title", "Checkout fails",
                 "--severity", "SEV-1", "--category", "commerce", "--service", "checkout", "--at",
                 "2026-11-26T09:00:00+00:00", env=env(chat))
    assert opened.returncode == 0, opened.stderr
    incident = next(p.stem for p in (handbook_copy / "postmortems").glob("*checkout-fails*.md"))
    logged = ops("incident", "log", incident, "--root", str(handbook_copy), "--notify", "--type", "mitigated",
                 "--message", "Rolled back", "--at", "2026-11-26T09:30:00+00:00", env=env(chat))
    assert logged.returncode == 0, logged.stderr
    assert f"{incident}: posted mitigated to on-call" in logged.stderr
    quiet = ops("incident", "log", incident, "--root", str(handbook_copy), "--type", "note", "--message", "x",
                "--at", "2026-11-26T09:31:00+00:00", env=env(chat))
    assert quiet.returncode == 0 and "posted" not in quiet.stderr  # without --notify nothing is posted
    titles = [post["text"].splitlines()[0] for post in chat.to(SECRET_PATH)]
    assert titles == ["Incident opened: SEV-1 Checkout fails", "Incident mitigated: SEV-1 Checkout fails"]
    chat.fail(404)
    failed = ops("incident", "resolve", incident, "--root", str(handbook_copy), "--notify", "--at",
                 "2026-11-26T09:50:00+00:00", env=env(chat))
    assert failed.returncode == 1
    assert "the incident is recorded, but" in failed.stderr and "resolved not posted to on-call" in failed.stderr
    assert "type: resolved" in (handbook_copy / "postmortems" / f"{incident}.md").read_text()


def test_progress_logged_on_the_incident_branch_is_posted_by_the_next_pull_once(handbook_copy, chat):
    """The workflow keeps a new incident on `incident/<id>` until its pull request is merged, and people log
    its progress there; main's checkout lacks it. The scheduled pull still posts what the branch's copy
    adds, and writes the copy with its record into the tree for the workflow to commit to the branch."""
    from test_alerts_pull import _git

    root = handbook_copy
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "handbook")
    assert pull(root, chat).returncode == 0
    [path] = new_postmortems(root)
    incident = path.stem
    _git(root, "checkout", "-q", "-b", f"incident/{incident}")
    _git(root, "add", "postmortems")
    _git(root, "commit", "-q", "-m", f"Incident {incident}")
    logged = ops("incident", "log", incident, "--root", str(root), "--type", "mitigated",
                 "--message", "Checkout switched to the previous payment client", "--at", "2026-11-26T09:50:00Z")
    assert logged.returncode == 0, logged.stderr
    _git(root, "commit", "-q", "-am", "Mitigated")
    _git(root, "checkout", "-q", "main")
    assert not path.exists() and len(chat.to(SECRET_PATH)) == 1

    assert pull(root, chat).returncode == 0
    posts = [post["text"].splitlines()[0] for post in chat.to(SECRET_PATH)]
    assert posts == ["Incident opened: SEV-1 Checkout success: the error budget burns fast",
                     "Incident mitigated: SEV-1 Checkout success: the error budget burns fast"]
    assert front(path)["notified"]["on-call"] == ["opened", "mitigated"]  # the branch's copy, with its record
    assert pull(root, chat).returncode == 0 and len(chat.to(SECRET_PATH)) == 2
    # The workflow commits the copy to the branch; main's next checkout lacks it again: nothing is posted twice.
    copy = path.read_text(encoding="utf-8")
    path.unlink()
    _git(root, "checkout", "-q", f"incident/{incident}")
    path.write_text(copy, encoding="utf-8")
    _git(root, "commit", "-q", "-am", "Posted")
    _git(root, "checkout", "-q", "main")
    assert not path.exists()
    assert pull(root, chat).returncode == 0 and len(chat.to(SECRET_PATH)) == 2 and not path.exists()
