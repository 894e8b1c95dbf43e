"""`ops alerts pull` against a real Alertmanager (alerts posted to its API, silences made with amtool):
what its unfiltered answer means. A silenced alert is still firing; an alert gone from it has resolved."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from alertmanager_server import AlertmanagerServer, WebhookReceiver, route_to
from conftest import needs_commands, needs_real_clock, ops
from test_alerts_pull import CHECKOUT, SEARCH, front, new_postmortems, notes

pytestmark = [needs_real_clock, needs_commands("prometheus-alertmanager", "amtool", package="prometheus-alertmanager")]


@pytest.fixture
def alertmanager(tmp_path):
    receiver = WebhookReceiver()
    server = AlertmanagerServer(tmp_path, route_to(receiver.url))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        receiver.stop()


def fire(server: AlertmanagerServer, labels: dict, *, ended: bool = False) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    starts = now - dt.timedelta(minutes=10)
    ends = now - dt.timedelta(seconds=1) if ended else now + dt.timedelta(hours=1)
    server.post_alerts([{"labels": labels, "annotations": {"summary": f"{labels['slo']} burns fast"},
                         "startsAt": starts.isoformat(), "endsAt": ends.isoformat()}])


def silence(server: AlertmanagerServer, **matchers: str) -> None:
    subprocess.run(["amtool", "silence", "add", f"--alertmanager.url={server.url}", "--comment=maintenance",
                    "--duration=1h", *(f"{k}={v}" for k, v in matchers.items())],
                   check=True, capture_output=True, text=True, timeout=30)


def pull(root, server: AlertmanagerServer):
    result = ops("alerts", "pull", "--root", str(root), "--alertmanager", server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_silenced_is_not_resolved_and_a_silenced_alert_opens_nothing(handbook_copy, alertmanager):
    fire(alertmanager, CHECKOUT)
    alertmanager.wait_for_alerts(lambda found: len(found) == 1)
    pull(handbook_copy, alertmanager)
    [path] = new_postmortems(handbook_copy)
    silence(alertmanager, slo="checkout-success")
    fire(alertmanager, SEARCH)
    silence(alertmanager, slo="gift-search-errors")
    alertmanager.wait_for_alerts(lambda found: len(found) == 2 and all(a["status"]["state"] == "suppressed"
                                                                        for a in found))
    quiet = pull(handbook_copy, alertmanager)
    assert "nothing to do" in quiet.stdout
    assert new_postmortems(handbook_copy) == [path]  # the silenced gift search burn opened nothing
    assert not [n for n in notes(front(path)) if "resolved" in n]  # silenced is not resolved

    fire(alertmanager, CHECKOUT, ended=True)  # Prometheus's way of saying it resolved
    alertmanager.wait_for_alerts(lambda found: not any(a["labels"].get("slo") == "checkout-success" for a in found))
    pull(handbook_copy, alertmanager)
    pull(handbook_copy, alertmanager)
    assert len([n for n in notes(front(path)) if " resolved at " in n]) == 1
