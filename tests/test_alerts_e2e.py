"""End to end with the real parts: Prometheus loads the rules `ops slo rules` writes for the example and
scrapes a test exporter; Alertmanager receives its alerts; `ops alerts pull` reads Alertmanager's API.

The exporter serves counters whose rates change by phase: a healthy start (and a ticket-only burn of MCP
availability throughout), then a fast burn of checkout and of one gift search tool, then the other tool
too, then a healthy surge of checkout (its page resolves within seconds: the surge dilutes the error
ratio of every window), then a bigger burn (the page fires again). A rate over 3 days divides by 3 days even when the history
is seconds long, so MCP's traffic is high enough for the ticket's traffic guard over its 3-day window. The burn-rate pages have no `for:`
(only `SLOThreshold`, 10m, and `SLOIndicatorAbsent`, 15m, have one, and stay quiet this short), so with
scrapes and evaluations every second each phase shows in Alertmanager within seconds.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml
from alertmanager_server import AlertmanagerServer, WebhookReceiver, route_to
from chat_server import ChatServer
from conftest import needs_commands, needs_real_clock, ops
from github_server import GitHubServer
from prometheus_server import ServerProcess, free_port

pytestmark = [needs_real_clock, needs_commands("prometheus", "prometheus-alertmanager",
                                               package="prometheus-alertmanager")]

HEALTHY = {"checkout": (20, 0.0), "suggest_gifts": (20, 0.0), "search_products": (20, 0.0), "mcp": (2000, 0.01)}


class Exporter:
    """/metrics with counters that grow at `rates[name] = (events per second, error share)`, switchable."""

    def __init__(self) -> None:
        self.rates = dict(HEALTHY)
        self.totals = {name: [0.0, 0.0] for name in self.rates}  # events, errors
        self._at = time.monotonic()
        self._lock = threading.Lock()
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.target = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _advance(self) -> None:
        now = time.monotonic()
        for name, (rate, error) in self.rates.items():
            self.totals[name][0] += rate * (now - self._at)
            self.totals[name][1] += rate * error * (now - self._at)
        self._at = now

    def set(self, **rates: tuple[float, float]) -> None:
        with self._lock:
            self._advance()
            self.rates.update(rates)

    def render(self) -> str:
        with self._lock:
            self._advance()
            t = {name: (events - errors, errors) for name, (events, errors) in self.totals.items()}
        lines = [f'checkout_result_total{{status="success"}} {t["checkout"][0]:.3f}',
                 f'checkout_result_total{{status="failed"}} {t["checkout"][1]:.3f}',
                 f'mcp_responses_total{{route="/mcp",outcome="answered"}} {t["mcp"][0]:.3f}',
                 f'mcp_responses_total{{route="/mcp",outcome="failed"}} {t["mcp"][1]:.3f}']
        for tool in ("suggest_gifts", "search_products"):
            lines += [f'tool_calls_total{{tool="{tool}",outcome="ok"}} {t[tool][0]:.3f}',
                      f'tool_calls_total{{tool="{tool}",outcome="error"}} {t[tool][1]:.3f}']
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ScrapingPrometheus(ServerProcess):
    """Prometheus scraping the exporter and evaluating `rules` every second, alerting `alertmanager`."""

    name = "prometheus"

    def __init__(self, folder: Path, rules: Path, target: str, alertmanager: str):
        self.url = f"http://127.0.0.1:{free_port()}"
        config = folder / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
            "scrape_configs": [{"job_name": "giftgenius", "static_configs": [{"targets": [target]}]}]}))
        self.log = (folder / "prometheus.log").open("w")
        self.process = subprocess.Popen(
            [shutil.which("prometheus") or "prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={folder / 'data'}", f"--web.listen-address={self.url.removeprefix('http://')}"],
            stdout=self.log, stderr=subprocess.STDOUT)


@pytest.fixture
def stack(handbook_copy, tmp_path):
    rules = tmp_path / "rules.yml"
    assert ops("slo", "rules", "--root", str(handbook_copy), "--out", str(rules)).returncode == 0
    exporter, receiver = Exporter(), WebhookReceiver()
    alertmanager = AlertmanagerServer(tmp_path, route_to(receiver.url))
    prometheus = ScrapingPrometheus(tmp_path, rules, exporter.target, alertmanager.url.removeprefix("http://"))
    try:
        alertmanager.wait_ready()
        prometheus.wait_ready()
        yield exporter, alertmanager
    finally:
        prometheus.stop()
        alertmanager.stop()
        receiver.stop()
        exporter.stop()


@pytest.fixture
def told():
    """The GitHub test server and a chat webhook, as the environment `ops alerts pull` runs in."""
    with GitHubServer() as github, ChatServer() as chat:
        env = {"GITHUB_TOKEN": github.token, "GITHUB_API_URL": github.api_url, "OPSBOOK_WRITE_INTERVAL": "0",
               "CHAT_ONCALL_URL": chat.url("/on-call"), "TEAMS_LEADS_URL": "", "CHAT_STATUS_URL": ""}
        yield github, chat, env


def pull(root: Path, alertmanager: AlertmanagerServer, env: dict):
    result = ops("alerts", "pull", "--root", str(root), "--alertmanager", alertmanager.url, "--repo", "acme/handbook",
                 env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def opened(root: Path) -> dict[str, dict]:
    found = {}
    for path in (root / "postmortems").glob("*.md"):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        if meta.get("alerts"):
            found[meta["services"][0]] = meta
    return found


def burning(alerts: list[dict], **labels: str) -> list[dict]:
    return [a for a in alerts if a["labels"].get("alertname") == "SLOErrorBudgetBurn"
            and a["labels"].get("severity") == "page" and all(a["labels"].get(k) == v for k, v in labels.items())]


def starts(alert: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(alert["startsAt"].replace("Z", "+00:00"))


def test_a_fast_burn_opens_one_incident_notes_its_changes_and_never_opens_it_twice(stack, told, handbook_copy):
    exporter, alertmanager = stack
    github, chat, env = told
    root = handbook_copy
    time.sleep(4)  # a healthy start; MCP burns its budget slowly (a ticket) all along
    exporter.set(checkout=(20, 0.2), suggest_gifts=(20, 0.2))
    alerts = alertmanager.wait_for_alerts(lambda a: burning(a, slo="checkout-success")
                                          and burning(a, tool="suggest_gifts")
                                          and any(x["labels"].get("slo") == "mcp-availability" for x in a), 90)
    pull(root, alertmanager, env)
    incidents = opened(root)
    assert sorted(incidents) == ["checkout", "gift-search"]  # two services: two incidents; MCP's ticket: none
    checkout = incidents["checkout"]
    [page] = burning(alerts, slo="checkout-success")
    detected = dt.datetime.fromisoformat(checkout["timeline"][0]["at"])
    assert checkout["timeline"][0]["type"] == "detected"
    assert detected.replace(microsecond=0) == starts(page).replace(microsecond=0)
    assert (checkout["severity"], checkout["runbook"], checkout["category"]) == ("SEV-1", "rb-checkout-failure",
                                                                                 "commerce")
    shift = json.loads(ops("oncall", "now", "--root", str(root), "--at", page["startsAt"], "--format", "json").stdout)
    assert checkout["roles"]["on_call"] == next(s["person"] for s in shift["shifts"]
                                                if s["rotation"] == "primary-on-call")
    assert incidents["gift-search"]["severity"] == "SEV-2"
    issues = {issue["title"]: issue for issue in github.issues.values()}
    assert len(issues) == 2
    issue = issues[f"SEV-1: {checkout['title']}"]
    handle = next(p["github"] for p in yaml.safe_load((root / "ops/team.yaml").read_text())["people"]
                  if p["id"] == checkout["roles"]["on_call"])
    assert [user["login"] for user in issue["assignees"]] == [handle]
    assert [post["body"]["text"].splitlines()[0] for post in chat.posts] == [
        f"Incident opened: SEV-1 {checkout['title']}", f"Incident opened: SEV-2 {incidents['gift-search']['title']}"]

    exporter.set(search_products=(20, 0.2))  # another `by` group of the same SLO: joins, opens nothing
    alertmanager.wait_for_alerts(lambda a: burning(a, tool="search_products"), 60)
    pull(root, alertmanager, env)
    search = opened(root)["gift-search"]
    assert sorted(r["labels"]["tool"] for r in search["alerts"]) == ["search_products", "suggest_gifts"]

    files = {p: p.read_bytes() for p in (root / "postmortems").glob("*.md")}
    for _ in range(10):
        assert "nothing to do" in pull(root, alertmanager, env).stdout
    assert {p: p.read_bytes() for p in (root / "postmortems").glob("*.md")} == files
    assert len(github.issues) == 2 and len(chat.posts) == 2

    exporter.set(checkout=(4000, 0.0))  # the surge dilutes every window's error ratio: the page resolves
    alertmanager.wait_for_alerts(lambda a: not burning(a, slo="checkout-success"), 90)
    for _ in range(3):
        pull(root, alertmanager, env)
    checkout = opened(root)["checkout"]
    notes = [e["text"] for e in checkout["timeline"] if e["type"] == "note"]
    assert len([n for n in notes if " resolved at " in n]) == 1
    assert "resolved" not in [e["type"] for e in checkout["timeline"]]  # a person resolves the incident

    assert ops("incident", "resolve", checkout["id"], "--root", str(root), "--notify", env=env).returncode == 0
    exporter.set(checkout=(400000, 0.3))
    alertmanager.wait_for_alerts(lambda a: burning(a, slo="checkout-success"), 90)
    for _ in range(3):
        pull(root, alertmanager, env)
    incidents = opened(root)
    assert sorted(incidents) == ["checkout", "gift-search"]  # within reopen_within: a note, no new incident
    notes = [e["text"] for e in incidents["checkout"]["timeline"] if e["type"] == "note"]
    assert len([n for n in notes if " fires again since " in n]) == 1
    assert len(github.issues) == 2 and len(chat.posts) == 3  # the resolution was posted once, by `ops incident`
