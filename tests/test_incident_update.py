"""`ops incident update`: public updates appended through the CLI, from the runbook's prewritten text,
refused (file unchanged, exact message) when they would be out of order or unknown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from opsbook.cli import main

PM = "pm-2026-11-22-mcp-session-store-exhausted"


def _ops(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def _open(root: Path, capsys) -> str:
    code, out, err = _ops(capsys, "incident", "open", "--root", str(root), "--title", "Search slow",
                          "--severity", "SEV-2", "--category", "latency", "--service", "gift-search",
                          "--on-call", "tomas", "--at", "-30m")
    assert code == 0, err
    return err.split(":")[0]


def test_update_from_the_runbook_then_a_message_appends_both(handbook_copy, capsys):
    incident = _open(handbook_copy, capsys)
    code, out, err = _ops(capsys, "incident", "update", incident, "--root", str(handbook_copy), "--state",
                          "investigating", "--from-runbook", "status-page", "--message", "Sorry for the wait.",
                          "--at", "-20m")
    assert code == 0, err
    text = (handbook_copy / "postmortems" / f"{incident}.md").read_text(encoding="utf-8")
    assert ("      message: Gift suggestions in GiftGenius are slower than normal because of high load on an upstream "
            "service. Suggestions still arrive, but can take 10 seconds or more. Checkout is not affected. Next update "
            "within an hour. Sorry for the wait.\n") in text
    assert "public:\n  components:\n    - gift-search\n  updates:\n    - at: " in text
    assert '"type":"update"' in out


def test_an_update_before_the_last_one_is_refused_and_nothing_changes(handbook_copy, capsys):
    path = handbook_copy / "postmortems" / f"{PM}.md"
    before = path.read_bytes()
    code, _, err = _ops(capsys, "incident", "update", PM, "--root", str(handbook_copy), "--state", "monitoring",
                        "--message", "Still fine.", "--at", "2026-11-22T20:00:00+01:00")
    assert code == 1
    assert err == (f"ops: error: {PM}: an update at 2026-11-22T20:00+01:00 would be before the last one "
                   "(2026-11-23T15:45+01:00); users have read that one already\n")
    assert path.read_bytes() == before


def test_an_unknown_runbook_message_lists_the_keys(handbook_copy, capsys):
    code, _, err = _ops(capsys, "incident", "update", PM, "--root", str(handbook_copy), "--state", "resolved",
                        "--from-runbook", "status-page")
    assert code == 2
    assert err == ("ops: error: --from-runbook 'status-page': runbooks/rb-mcp-not-responding.md has no such message "
                   "under `## User-facing messages` (its keys: status-page-first-post, status-page-with-the-fallback-on, "
                   "what-the-model-says-in-fallback-mode, when-it-is-fixed)\n")


def test_a_resolved_update_before_the_timeline_is_resolved_is_refused(handbook_copy, capsys):
    incident = _open(handbook_copy, capsys)
    path = handbook_copy / "postmortems" / f"{incident}.md"
    before = path.read_bytes()
    code, _, err = _ops(capsys, "incident", "update", incident, "--root", str(handbook_copy), "--state", "resolved",
                        "--message", "All good.")
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == f"ops: error: refusing to write postmortems/{incident}.md: it would not be valid"
    assert lines[1].endswith("public.updates[0].state: says `resolved` but the timeline has no `resolved` event; "
                             "`ops incident resolve` records it")
    assert path.read_bytes() == before


def test_open_can_post_the_first_update_from_the_runbook(handbook_copy, capsys):
    code, out, err = _ops(capsys, "incident", "open", "--root", str(handbook_copy), "--title", "Checkout failing",
                          "--severity", "SEV-1", "--category", "commerce", "--on-call", "priya", "--at", "-10m",
                          "--public-from-runbook", "status-page")
    assert code == 0, err
    events = [line for line in out.splitlines()]
    assert [json.loads(line)["type"] for line in events] == ["created", "update"]
    incident = json.loads(events[0])["incidentId"]
    text = (handbook_copy / "postmortems" / f"{incident}.md").read_text(encoding="utf-8")
    detected = re.search(r'\{at: "([^"]+)", type: detected', text)[1]
    assert f'    - at: "{detected}"\n      state: investigating\n      message: We are investigating failed payments' in text


def test_open_with_an_unknown_message_opens_and_says_the_update_was_not_posted(handbook_copy, capsys):
    code, out, err = _ops(capsys, "incident", "open", "--root", str(handbook_copy), "--title", "Checkout failing",
                          "--severity", "SEV-1", "--category", "commerce", "--on-call", "priya",
                          "--public-from-runbook", "status-paeg")
    incident = json.loads(out)["incidentId"]
    assert code == 2
    assert err == (f"ops: error: {incident} is open ({incident}.md), but its first public update was not posted: "
                   "--from-runbook 'status-paeg': runbooks/rb-checkout-failure.md has no such message under "
                   "`## User-facing messages` (its keys: widget-banner, status-page, when-it-is-fixed); post it with "
                   f"`ops incident update {incident} --state investigating`\n")
    assert "public:" not in (handbook_copy / "postmortems" / f"{incident}.md").read_text(encoding="utf-8")
