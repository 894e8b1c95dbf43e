"""A real Alertmanager on 127.0.0.1 and a local webhook receiver, for tests of routing and inhibition.

`WebhookReceiver` is an HTTP server on a free port that records each JSON body POSTed to it;
`AlertmanagerServer` starts Debian's `alertmanager` (package prometheus-alertmanager, whose command is
`prometheus-alertmanager`) on a free port with a temporary storage folder and the given configuration,
waits until it is ready and stops it cleanly; `post_alerts` sends alerts to its `/api/v2/alerts`.

A configuration should route to the receiver's `url` with short timers, for example::

    receiver = WebhookReceiver()
    config = route_to(receiver.url) + inhibit_rules_yaml
    server = AlertmanagerServer(tmp_path, config)
    try:
        server.wait_ready()
        server.post_alerts([{"labels": {"alertname": "X", "severity": "page"}}])
        receiver.wait_for(lambda bodies: any(...))
    finally:
        server.stop()
        receiver.stop()

Alertmanager is a Go binary: it ignores `faketime`, so tests that drive it skip when `FAKETIME` is set.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable, Iterable

from prometheus_server import ServerProcess, free_port

# Debian names the server `prometheus-alertmanager`; upstream's tarball names it `alertmanager`.
COMMANDS = ("prometheus-alertmanager", "alertmanager")


def alertmanager_command() -> str | None:
    """The path of the Alertmanager server on this machine, or None."""
    return next((found for found in map(shutil.which, COMMANDS) if found), None)


def route_to(url: str, group_by: Iterable[str] = ("...",), group_wait: str = "1s", group_interval: str = "1s",
             repeat_interval: str = "1h") -> str:
    """An alertmanager.yml whose one route sends every alert to the webhook `url` quickly.

    `group_by: ['...']` (the default) gives each distinct label set its own notification, so each alert
    that gets through arrives on its own."""
    labels = ", ".join(f"'{label}'" for label in group_by)
    return (f"route:\n  receiver: webhook\n  group_by: [{labels}]\n  group_wait: {group_wait}\n"
            f"  group_interval: {group_interval}\n  repeat_interval: {repeat_interval}\n"
            f"receivers:\n  - name: webhook\n    webhook_configs:\n      - url: '{url}'\n        send_resolved: false\n")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        self.server.receiver._record(body)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:  # quiet: pytest shows what matters
        pass


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 recording each POSTed JSON body (Alertmanager's webhook payloads)."""

    def __init__(self) -> None:
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.receiver = self  # type: ignore[attr-defined]
        self._bodies: list[dict] = []
        self._changed = threading.Condition()
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()

    def _record(self, body: dict) -> None:
        with self._changed:
            self._bodies.append(body)
            self._changed.notify_all()

    @property
    def bodies(self) -> list[dict]:
        """Every body received so far, in arrival order."""
        with self._changed:
            return list(self._bodies)

    def alerts(self) -> list[dict]:
        """Every alert in every notification so far (each with its `labels`, `status`, ...)."""
        return [alert for body in self.bodies for alert in (body or {}).get("alerts", [])]

    def wait_for(self, condition: Callable[[list[dict]], bool], timeout: float = 30) -> list[dict]:
        """The bodies received, once `condition(bodies)` holds; an AssertionError naming them if it never does."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(list(self._bodies)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the webhook receiver did not get what was expected within {timeout} s; "
                                         f"it got {json.dumps(self._bodies, indent=1)}")
                self._changed.wait(left)
            return list(self._bodies)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class AlertmanagerServer(ServerProcess):
    """Alertmanager on 127.0.0.1 with `config` (alertmanager.yml text) and storage under `folder`, until `stop()`."""

    name = "alertmanager"

    def __init__(self, folder: Path, config: str):
        command = alertmanager_command()
        if command is None:
            raise RuntimeError("no Alertmanager on this machine (Debian's prometheus-alertmanager)")
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = folder / "alertmanager.yml"
        self.config.write_text(config, encoding="utf-8")
        storage = folder / "alertmanager-data"
        storage.mkdir(exist_ok=True)
        self.log = (folder / "alertmanager.log").open("w")
        # The cluster listener is switched off: a test's Alertmanager has no peers and must not bind 9094.
        self.process = subprocess.Popen(
            [command, f"--config.file={self.config}", f"--storage.path={storage}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
             "--log.level=debug"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def log_text(self) -> str:
        self.log.flush()
        return (self.folder / "alertmanager.log").read_text(encoding="utf-8", errors="replace")

    def post_alerts(self, alerts: list[dict]) -> None:
        """Send `alerts` (each `{"labels": {...}, "annotations": {...}}`) to /api/v2/alerts as firing now."""
        post_alerts(self.url, alerts)

    def alerts(self) -> list[dict]:
        """The alerts Alertmanager holds, each with its `status` (`state`, `inhibitedBy`, `silencedBy`)."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=10) as response:
            return json.load(response)

    def wait_for_alerts(self, condition: Callable[[list[dict]], bool], timeout: float = 30) -> list[dict]:
        """The alerts Alertmanager holds, once `condition(alerts)` holds (inhibition is worked out a moment
        after an alert arrives); an AssertionError naming them if it never does."""
        deadline = time.monotonic() + timeout
        while not condition(found := self.alerts()):
            if time.monotonic() > deadline:
                raise AssertionError(f"alertmanager's alerts did not become what was expected within {timeout} s: "
                                     f"{json.dumps(found, indent=1)}")
            time.sleep(0.1)
        return found


def post_alerts(url: str, alerts: list[dict]) -> None:
    """POST `alerts` to the Alertmanager at `url` (its /api/v2/alerts), each firing from now for an hour
    unless it says otherwise; raises if Alertmanager refuses them."""
    now = dt.datetime.now(dt.timezone.utc)
    payload = [{"startsAt": now.isoformat(), "endsAt": (now + dt.timedelta(hours=1)).isoformat(),
                "annotations": {}, **alert} for alert in alerts]
    request = urllib.request.Request(f"{url}/api/v2/alerts", data=json.dumps(payload).encode("utf-8"),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise RuntimeError(f"alertmanager refused the alerts: {response.status} {response.read()!r}")
