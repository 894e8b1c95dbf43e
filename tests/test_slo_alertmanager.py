"""The Alertmanager inhibition `ops slo rules --alertmanager` prints, checked by `amtool` and routed by a
real Alertmanager into a local webhook receiver."""

from __future__ import annotations

import subprocess

import pytest
from alertmanager_server import AlertmanagerServer, WebhookReceiver, route_to
from conftest import needs_commands, needs_real_clock, ops

needs_alertmanager = needs_commands("prometheus-alertmanager", "amtool", package="prometheus-alertmanager")


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


@needs_alertmanager
@needs_real_clock
@pytest.mark.slow
def test_a_page_silences_the_ticket_of_its_own_slo_in_a_real_alertmanager(alertmanager):
    start, receiver = alertmanager
    server = start(ops("slo", "rules", "--alertmanager").stdout)
    server.post_alerts([burn("checkout-success", "page"), burn("checkout-success", "ticket"),
                        burn("search-latency", "ticket")])
    server.wait_for_alerts(lambda alerts: len(alerts) == 3 and inhibited(alerts))
    # Sent together: once the page and the other SLO's ticket have arrived, a ticket that was not held back
    # would have too.
    expected = {("severity=page", "slo=checkout-success"), ("severity=ticket", "slo=search-latency")}
    bodies = receiver.wait_for(lambda bodies: expected <= delivered(bodies))
    assert delivered(bodies) == expected
    assert inhibited(server.alerts()) == {("severity=ticket", "slo=checkout-success")}
