"""`ops alerts pull --from FILE`: webhook bodies (version 4) into incidents, once, and notes per state change.

These drive the real command line on a copy of the example handbook; the end-to-end test with a real
Prometheus and Alertmanager is tests/test_alerts_e2e.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from conftest import ops

SITE = "https://giftgenius.github.io/handbook/"
CHECKOUT = {"alertname": "SLOErrorBudgetBurn", "slo": "checkout-success", "service": "checkout",
            "category": "commerce", "severity": "page"}
SEARCH = {"alertname": "SLOErrorBudgetBurn", "slo": "gift-search-errors", "service": "gift-search",
          "category": "availability", "severity": "page", "tool": "suggest_gifts"}


def alert(labels: dict, starts: str, status: str = "firing", ends: str = "0001-01-01T00:00:00Z",
          summary: str | None = "Checkout success: the error budget burns fast", runbook: str | None = None) -> dict:
    notes = {"summary": summary} if summary else {}
    if runbook:
        notes["runbook_url"] = f"{SITE}runbooks/{runbook}/"
    return {"status": status, "labels": labels, "annotations": notes, "startsAt": starts, "endsAt": ends,
            "generatorURL": "http://prometheus/graph", "fingerprint": "0"}


def body(*alerts: dict, version: str = "4") -> str:
    return json.dumps({"version": version, "groupKey": "{}", "truncatedAlerts": 0, "status": "firing",
                       "receiver": "opsbook", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                       "externalURL": "http://alertmanager", "alerts": list(alerts)})


def pull(root: Path, text: str, *extra: str, as_of: str = "2026-11-26T12:00:00Z"):
    return ops("alerts", "pull", "--root", str(root), "--from", "-", "--as-of", as_of, *extra, input=text)


def settings(root: Path, **blocks) -> None:
    """Replace top-level blocks of the copy's opsbook.yaml."""
    config = root / "opsbook.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.update(blocks)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")


def new_postmortems(root: Path) -> list[Path]:
    return sorted(p for p in (root / "postmortems").glob("*.md") if "alerts:" in p.read_text(encoding="utf-8"))


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def notes(meta: dict) -> list[str]:
    return [event["text"] for event in meta["timeline"] if event["type"] == "note"]


def test_a_firing_page_opens_one_draft_as_ops_incident_open_writes_it(handbook_copy):
    result = pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27.5Z", runbook="rb-checkout-failure")))
    assert result.returncode == 0, result.stderr
    [path] = new_postmortems(handbook_copy)
    meta = front(path)
    assert meta["title"] == "Checkout success: the error budget burns fast"
    assert meta["status"] == "draft"
    assert meta["severity"] == "SEV-1"  # a page is SEV-2, but commerce's floor is SEV-1
    assert (meta["category"], meta["services"], meta["runbook"]) == ("commerce", ["checkout"], "rb-checkout-failure")
    assert meta["slos_breached"] == ["checkout-success"]
    detected = meta["timeline"][0]
    assert detected["type"] == "detected" and detected["at"].startswith("2026-11-26T09:13:27")
    assert "SLOErrorBudgetBurn" in notes(meta)[0] and "slo=checkout-success" in notes(meta)[0]
    on_call = json.loads(ops("oncall", "now", "--root", str(handbook_copy), "--at", "2026-11-26T09:13:27Z",
                             "--format", "json").stdout)
    assert meta["roles"]["on_call"] == on_call["shifts"][0]["person"]
    [record] = meta["alerts"]
    assert record["labels"] == CHECKOUT and record["state"] == "firing" and len(record["key"]) == 16
    assert "pm-2026-11-26-checkout-success" in result.stdout and "opened: SEV-1" in result.stdout
    assert ops("validate", "--root", str(handbook_copy), "--no-cache").returncode == 0


def test_the_on_call_is_who_held_the_rotation_at_starts_at_swaps_included(handbook_copy):
    # ops/oncall-overrides.yaml: tomas takes priya's week from 2027-02-01 10:00 Berlin time.
    starts = "2027-02-01T09:30:00Z"
    assert pull(handbook_copy, body(alert(SEARCH, starts)), as_of="2027-02-01T09:45:00Z").returncode == 0
    [path] = new_postmortems(handbook_copy)
    shift = json.loads(ops("oncall", "now", "--root", str(handbook_copy), "--at", starts, "--format", "json").stdout)
    [primary] = [s for s in shift["shifts"] if s["rotation"] == "primary-on-call"]
    assert primary["override"] is not None and front(path)["roles"]["on_call"] == primary["person"] == "tomas"


def test_ten_more_pulls_while_it_fires_add_nothing(handbook_copy):
    text = body(alert(CHECKOUT, "2026-11-26T09:13:27Z"))
    assert pull(handbook_copy, text).returncode == 0
    [path] = new_postmortems(handbook_copy)
    before = path.read_bytes()
    for _ in range(10):
        again = pull(handbook_copy, text)
        assert again.returncode == 0 and "nothing to do" in again.stdout
    assert new_postmortems(handbook_copy) == [path] and path.read_bytes() == before


def test_resolving_adds_one_note_and_leaves_the_incident_open_then_firing_again_adds_one(handbook_copy):
    pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z")))
    resolved = body(alert(CHECKOUT, "2026-11-26T09:13:27Z", status="resolved", ends="2026-11-26T09:40:00Z"))
    for _ in range(3):
        assert pull(handbook_copy, resolved).returncode == 0
    [path] = new_postmortems(handbook_copy)
    meta = front(path)
    assert [n for n in notes(meta) if "resolved" in n] == [
        "Alert SLOErrorBudgetBurn {category=commerce, service=checkout, severity=page, slo=checkout-success} "
        "resolved at 2026-11-26 09:40:00Z; the incident stays open until someone resolves it"]
    assert "resolved" not in [event["type"] for event in meta["timeline"]]
    assert meta["alerts"][0]["state"] == "resolved"
    for _ in range(3):
        assert pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T10:05:00Z"))).returncode == 0
    meta = front(path)
    assert len([n for n in notes(meta) if "fires again" in n]) == 1
    assert new_postmortems(handbook_copy) == [path]


def test_firing_again_within_reopen_within_of_the_resolution_adds_a_note_later_opens_anew(handbook_copy):
    pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z")))
    [path] = new_postmortems(handbook_copy)
    pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z", status="resolved", ends="2026-11-26T09:40:00Z")))
    incident = front(path)["id"]
    assert ops("incident", "resolve", incident, "--root", str(handbook_copy), "--at",
               "2026-11-26T09:50:00+00:00").returncode == 0
    assert pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T11:30:00Z"))).returncode == 0  # 1h40m later
    assert new_postmortems(handbook_copy) == [path]
    assert len([n for n in notes(front(path)) if "fires again" in n]) == 1
    pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T11:30:00Z", status="resolved", ends="2026-11-26T11:45:00Z")))
    late = pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T14:00:00Z")), as_of="2026-11-26T14:05:00Z")
    assert late.returncode == 0, late.stderr
    assert len(new_postmortems(handbook_copy)) == 2  # more than 2h after the resolution: a new incident


def test_two_services_give_two_incidents_and_a_second_alert_on_a_service_joins_it(handbook_copy):
    first = pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z"),
                                     alert(SEARCH, "2026-11-26T09:20:00Z", summary="Gift search errors burn fast")))
    assert first.returncode == 0, first.stderr
    assert len(new_postmortems(handbook_copy)) == 2
    search = next(p for p in new_postmortems(handbook_copy) if front(p)["services"] == ["gift-search"])
    assert front(search)["severity"] == "SEV-2"  # alerts.page_severity
    policy = {"alertname": "GiftSearchDegraded", "rule": "gift-search-degraded", "category": "latency",
              "severity": "SEV-1", "service": "gift-search"}
    other_tool = {**SEARCH, "tool": "search_products"}
    joined = pull(handbook_copy, body(alert(policy, "2026-11-26T09:25:00Z", summary="SEV-1: gift search"),
                                      alert(other_tool, "2026-11-26T09:26:00Z")))
    assert joined.returncode == 0, joined.stderr
    assert len(new_postmortems(handbook_copy)) == 2
    meta = front(search)
    assert meta["severity"] == "SEV-1"  # raised by the joining SEV-N alert
    assert meta["timeline"][0]["at"].startswith("2026-11-26T09:20:00")  # detection keeps the first alert
    assert [r["labels"].get("alertname") for r in meta["alerts"]] == ["SLOErrorBudgetBurn", "GiftSearchDegraded",
                                                                      "SLOErrorBudgetBurn"]
    assert len([n for n in notes(meta) if n.startswith("Joined:")]) == 2


def test_a_joining_page_never_lowers_the_severity(handbook_copy):
    policy = {"alertname": "GiftSearchDegraded", "rule": "gift-search-degraded", "category": "latency",
              "severity": "SEV-1", "service": "gift-search"}
    pull(handbook_copy, body(alert(policy, "2026-11-26T09:25:00Z", summary="SEV-1: gift search")))
    pull(handbook_copy, body(alert(SEARCH, "2026-11-26T09:30:00Z")))
    [path] = new_postmortems(handbook_copy)
    assert front(path)["severity"] == "SEV-1" and len(front(path)["alerts"]) == 2


def test_detected_is_the_earliest_starts_at_of_the_alerts_it_joins(handbook_copy):
    later, earlier = alert(CHECKOUT, "2026-11-26T09:20:00Z"), alert({**CHECKOUT, "alertname": "SLOThreshold"},
                                                                     "2026-11-26T09:02:03Z")
    assert pull(handbook_copy, body(later, earlier)).returncode == 0
    [path] = new_postmortems(handbook_copy)
    assert front(path)["timeline"][0]["at"].startswith("2026-11-26T09:02:03")
    assert len(front(path)["alerts"]) == 2


def test_an_alert_without_a_service_joins_the_open_incident_of_its_runbook(handbook_copy):
    pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z", runbook="rb-checkout-failure")))
    bare = {"alertname": "CheckoutErrors", "severity": "page"}
    result = pull(handbook_copy, body(alert(bare, "2026-11-26T09:15:00Z", summary="ACP checkout errors",
                                            runbook="rb-checkout-failure")))
    assert result.returncode == 0, result.stderr
    [path] = new_postmortems(handbook_copy)
    assert [r["labels"]["alertname"] for r in front(path)["alerts"]] == ["SLOErrorBudgetBurn", "CheckoutErrors"]


def _open_by_hand(root: Path, at: str = "2026-11-26T09:05:00Z") -> Path:
    before = set((root / "postmortems").glob("*.md"))
    result = ops("incident", "open", "--root", str(root), "--title", "Customers report failed payments",
                 "--severity", "SEV-1", "--category", "commerce", "--service", "checkout", "--at", at,
                 "--message", "Support forwarded three reports")
    assert result.returncode == 0, result.stderr
    [path] = set((root / "postmortems").glob("*.md")) - before
    return path


def test_an_alert_joins_the_incident_someone_opened_by_hand_for_its_service(handbook_copy):
    """The on-call opened the incident from a customer report; the burn alert that fires minutes later is
    the same outage: it joins that incident (raising nothing it need not) instead of opening a second."""
    by_hand = _open_by_hand(handbook_copy)
    result = pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z")))
    assert result.returncode == 0, result.stderr
    assert new_postmortems(handbook_copy) == [by_hand]
    meta = front(by_hand)
    assert [r["labels"]["alertname"] for r in meta["alerts"]] == ["SLOErrorBudgetBurn"]
    assert meta["severity"] == "SEV-1" and meta["timeline"][0]["at"].startswith("2026-11-26T09:05:00")
    assert [n for n in notes(meta) if n.startswith("Joined:")]
    assert pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z"))).returncode == 0  # again: nothing new
    assert front(by_hand) == meta


def test_an_incident_opened_by_hand_and_resolved_is_not_joined(handbook_copy):
    by_hand = _open_by_hand(handbook_copy, at="2026-11-20T09:05:00Z")
    text = by_hand.read_text(encoding="utf-8")
    detected = next(line for line in text.splitlines() if "type: detected" in line)
    by_hand.write_text(text.replace(detected, detected + "\n" + detected.replace("detected", "resolved").replace(
        "2026-11-20T09:05", "2026-11-20T10:05")), encoding="utf-8")
    assert front(by_hand)["timeline"][-1]["type"] == "resolved"
    assert pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z"))).returncode == 0
    assert len(new_postmortems(handbook_copy)) == 1 and new_postmortems(handbook_copy)[0] != by_hand


def test_a_half_written_draft_does_not_stop_alerts_from_opening_incidents(handbook_copy):
    (handbook_copy / "postmortems" / "pm-2026-11-26-half-written.md").write_text(
        "---\nid: pm-2026-11-26-half-written\nstatus: draft\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z")))
    assert result.returncode == 0, result.stderr
    assert len(new_postmortems(handbook_copy)) == 1


def test_tickets_and_silenced_alerts_open_nothing(handbook_copy):
    ticket = {**CHECKOUT, "severity": "ticket"}
    absent = {**CHECKOUT, "alertname": "SLOIndicatorAbsent", "severity": "ticket"}
    result = pull(handbook_copy, body(alert(ticket, "2026-11-26T09:00:00Z"), alert(absent, "2026-11-26T09:00:00Z")))
    assert result.returncode == 0 and "nothing to do" in result.stdout
    assert new_postmortems(handbook_copy) == []


def test_open_on_decides_which_alerts_open(handbook_copy):
    settings(handbook_copy, alerts={"open_on": ['severity=~"SEV-[0-9]+"'], "page_severity": "SEV-3"})
    assert pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z"))).returncode == 0
    assert new_postmortems(handbook_copy) == []  # pages no longer open incidents here


def test_an_unknown_slo_is_reported_and_nothing_is_written(handbook_copy):
    unknown = {**CHECKOUT, "slo": "checkout-succes"}
    result = pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:00:00Z"), alert(unknown, "2026-11-26T09:00:00Z")))
    assert result.returncode == 1
    assert "its slo label names 'checkout-succes', which is not in ops/slos.yaml" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert new_postmortems(handbook_copy) == []


def test_bad_input_gets_a_clear_error_and_writes_nothing(handbook_copy, tmp_path):
    cases = {
        "garbage": ("{not json", "not JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        "version": (body(alert(CHECKOUT, "2026-11-26T09:00:00Z"), version="3"),
                    "webhook body version '3'; expected version \"4\""),
        "list": ("[]", "expected Alertmanager's webhook body"),
        "time": (body({**alert(CHECKOUT, "x"), "startsAt": "yesterday"}),
                 "alerts[0].startsAt: expected a date-time such as 2026-11-26T09:30:00Z, found 'yesterday'"),
    }
    for name, (text, message) in cases.items():
        file = tmp_path / f"{name}.json"
        file.write_text(text)
        result = ops("alerts", "pull", "--root", str(handbook_copy), "--from", str(file))
        assert result.returncode == 1, (name, result.stderr)
        assert f"ops: error: {file}: {message}" in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr
    assert new_postmortems(handbook_copy) == []


def test_an_unreachable_alertmanager_is_an_error_and_usage_errors_exit_2(handbook_copy):
    from prometheus_server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = ops("alerts", "pull", "--root", str(handbook_copy), "--alertmanager", url)
    assert result.returncode == 1
    assert f"ops: error: Alertmanager at {url} cannot be reached" in result.stderr and "nothing was written" in result.stderr
    settings(handbook_copy, alerts={})
    missing = ops("alerts", "pull", "--root", str(handbook_copy), env={"ALERTMANAGER_URL": ""})
    assert missing.returncode == 2 and "give --alertmanager URL, set ALERTMANAGER_URL" in missing.stderr
    assert new_postmortems(handbook_copy) == []


def test_a_dry_run_writes_nothing_and_json_says_what_it_would_do(handbook_copy):
    result = pull(handbook_copy, body(alert(CHECKOUT, "2026-11-26T09:13:27Z")), "--dry-run", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and [d["what"] for d in data["done"]] == ["opened"]
    assert new_postmortems(handbook_copy) == []


def _git(root: Path, *args: str) -> str:
    import subprocess

    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin", "HOME": str(root)}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def test_an_incident_waiting_on_its_incident_branch_is_not_opened_again_and_its_notes_build_on_it(handbook_copy):
    root = handbook_copy
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "handbook")
    assert pull(root, body(alert(CHECKOUT, "2026-11-26T09:13:27Z"))).returncode == 0
    [path] = new_postmortems(root)
    incident = path.stem
    # What the workflow does: the new post-mortem goes to incident/<id>; main's checkout does not have it.
    _git(root, "checkout", "-q", "-b", f"incident/{incident}")
    _git(root, "add", "postmortems")
    _git(root, "commit", "-q", "-m", f"Incident {incident}")
    _git(root, "checkout", "-q", "main")
    assert not path.exists()
    again = pull(root, body(alert(CHECKOUT, "2026-11-26T09:13:27Z")))
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert new_postmortems(root) == []
    resolved = pull(root, body(alert(CHECKOUT, "2026-11-26T09:13:27Z", status="resolved", ends="2026-11-26T09:40:00Z")))
    assert resolved.returncode == 0, resolved.stderr
    [edited] = new_postmortems(root)  # the branch's post-mortem with the note, for the workflow to commit there
    assert edited == path
    branch_copy = _git(root, "show", f"incident/{incident}:postmortems/{incident}.md")
    assert len(notes(front(edited))) == len(notes(yaml.safe_load(branch_copy.split("---\n")[1]))) + 1
