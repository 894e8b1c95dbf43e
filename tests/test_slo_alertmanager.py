"""The Alertmanager inhibition `ops slo rules --alertmanager` prints, checked by `amtool` and routed by a
real Alertmanager into a local webhook receiver."""

from __future__ import annotations

import subprocess

import pytest
from alertmanager_server import AlertmanagerServer, WebhookReceiver, route_to
from conftest import needs_commands, needs_real_clock, ops

needs_alertmanager = needs_commands("prometheus-alertmanager", "amtool", package="prometheus-alertmanager")


def inhibition() -> str:
    result = ops("slo", "rules", "--alertmanager")
    assert result.returncode == 0, result.stderr
    return result.stdout


def burn(slo: str, severity: str, **labels: str) -> dict:
    return {"labels": {"alertname": "SLOErrorBudgetBurn", "slo": slo, "severity": severity, **labels}}


@pytest.fixture
def alertmanager(tmp_path):
    """Start an Alertmanager that routes everything to a webhook receiver, with the given inhibition."""
    receiver = WebhookReceiver()
    servers: list[AlertmanagerServer] = []

    def start(inhibition: str) -> AlertmanagerServer:
        server = AlertmanagerServer(tmp_path, route_to(receiver.url) + inhibition)
        servers.append(server)
        server.wait_ready()
        return server

    yield start, receiver
    for server in servers:
        server.stop()
    receiver.stop()


def delivered(bodies: list[dict]) -> set[tuple[str, ...]]:
    """Each alert the webhook receiver got, as its labels but the alert's name."""
    return {tuple(sorted(f"{k}={v}" for k, v in alert["labels"].items() if k != "alertname"))
            for body in bodies for alert in body["alerts"]}


def inhibited(alerts: list[dict]) -> set[tuple[str, ...]]:
    return {tuple(sorted(f"{k}={v}" for k, v in alert["labels"].items() if k != "alertname"))
            for alert in alerts if alert["status"]["inhibitedBy"]}


def assert_routed(alertmanager, sent: list[dict], delivered_ones: set, inhibited_ones: set) -> None:
    """Send `sent` at once to an Alertmanager with the example's inhibition: exactly `delivered_ones`
    reach the webhook receiver and `inhibited_ones` are held back."""
    start, receiver = alertmanager
    server = start(inhibition())
    server.post_alerts(sent)
    server.wait_for_alerts(lambda alerts: len(alerts) == len(sent) and inhibited(alerts))
    # Sent together: once the expected ones have arrived, one that was not held back would have too.
    bodies = receiver.wait_for(lambda bodies: delivered_ones <= delivered(bodies))
    assert delivered(bodies) == delivered_ones
    assert inhibited(server.alerts()) == inhibited_ones


@needs_alertmanager
@needs_real_clock
@pytest.mark.slow
def test_a_page_silences_the_ticket_of_its_own_slo_in_a_real_alertmanager(alertmanager):
    assert_routed(alertmanager,
                  [burn("checkout-success", "page"), burn("checkout-success", "ticket"), burn("tool-call-rate", "ticket")],
                  {("severity=page", "slo=checkout-success"), ("severity=ticket", "slo=tool-call-rate")},
                  {("severity=ticket", "slo=checkout-success")})


@needs_alertmanager
@needs_real_clock
@pytest.mark.slow
def test_a_page_on_one_group_does_not_silence_the_ticket_of_another_in_a_real_alertmanager(alertmanager):
    # gift-search-errors alerts per `tool` (by: [tool]).
    assert_routed(alertmanager,
                  [burn("gift-search-errors", "page", tool="suggest_gifts"),
                   burn("gift-search-errors", "ticket", tool="suggest_gifts"),
                   burn("gift-search-errors", "ticket", tool="wrap_gift")],
                  {("severity=page", "slo=gift-search-errors", "tool=suggest_gifts"),
                   ("severity=ticket", "slo=gift-search-errors", "tool=wrap_gift")},
                  {("severity=ticket", "slo=gift-search-errors", "tool=suggest_gifts")})


@needs_alertmanager
def test_amtool_accepts_the_inhibition_in_an_alertmanager_configuration(tmp_path):
    config = tmp_path / "alertmanager.yml"
    config.write_text(route_to("http://127.0.0.1:9/hook") + inhibition(), encoding="utf-8")
    check = subprocess.run(["amtool", "check-config", str(config)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert " - 1 inhibit rules" in check.stdout
