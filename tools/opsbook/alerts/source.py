"""Reading alerts: Alertmanager's API v2 (`GET /api/v2/alerts`) or a webhook body (version 4).

Both become the same `Alert`s. What differs is what an absence means:

- the API is read unfiltered (silenced, inhibited and unprocessed alerts included), so an alert recorded
  in an incident and absent from the answer has resolved; a silenced alert is still firing;
- a webhook body speaks for one group only: an alert absent from it says nothing, and only an alert
  whose `status` is `resolved` has resolved (`Reading.complete` is False).

Bad input raises `AlertInputError` naming where it came from and what was expected; nothing is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from opsbook.problems import OpsbookError

WEBHOOK_VERSION = "4"


class AlertInputError(OpsbookError):
    """Alertmanager could not be read, or what it (or a file) gave is not what was expected."""


@dataclasses.dataclass(frozen=True)
class Alert:
    """One alert: a label set and where it stands."""

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: dt.datetime
    ends_at: dt.datetime | None  # when a resolved alert (webhook) stopped firing
    state: str  # "active" (fires and notifies), "suppressed" (silenced or inhibited), "resolved"

    @property
    def key(self) -> str:
        return alert_key(self.labels)

    @property
    def firing(self) -> bool:
        return self.state != "resolved"

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "alert")


@dataclasses.dataclass(frozen=True)
class Reading:
    alerts: list[Alert]
    complete: bool  # True: every alert that fires is here (the API), so an absent one has resolved
    origin: str     # where they came from, for messages


def alert_key(labels: dict[str, str]) -> str:
    """A stable hash of the labels (16 hex digits): the same label set gives the same key in any run."""
    text = json.dumps(sorted(labels.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _time(value, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise AlertInputError(f"{where}: expected a date-time such as 2026-11-26T09:30:00Z, found {value!r}")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AlertInputError(f"{where}: expected a date-time such as 2026-11-26T09:30:00Z, found {value!r}") from None
    if moment.tzinfo is None:
        raise AlertInputError(f"{where}: {value!r} has no UTC offset")
    return moment.astimezone(dt.timezone.utc)


def _strings(value, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise AlertInputError(f"{where}: expected a mapping of names to strings")
    return dict(value)


def _alert(raw, where: str, state: str) -> Alert:
    if not isinstance(raw, dict):
        raise AlertInputError(f"{where}: expected an alert (a JSON object), found {type(raw).__name__}")
    labels = _strings(raw.get("labels"), f"{where}.labels")
    if not labels:
        raise AlertInputError(f"{where}.labels: an alert needs labels")
    ends = raw.get("endsAt")
    ends_at = _time(ends, f"{where}.endsAt") if state == "resolved" and ends else None
    return Alert(labels, _strings(raw.get("annotations"), f"{where}.annotations"),
                 _time(raw.get("startsAt"), f"{where}.startsAt"), ends_at, state)


def parse_api(text: str, origin: str) -> Reading:
    """`GET /api/v2/alerts`'s answer (a JSON list of gettable alerts)."""
    data = _json(text, origin)
    if not isinstance(data, list):
        raise AlertInputError(f"{origin}: expected a JSON list of alerts (Alertmanager's /api/v2/alerts), "
                              f"found {type(data).__name__}")
    alerts = []
    for index, raw in enumerate(data):
        where = f"{origin}: alert {index}"
        status = raw.get("status") if isinstance(raw, dict) else None
        state = status.get("state") if isinstance(status, dict) else None
        if state not in ("active", "suppressed", "unprocessed"):
            raise AlertInputError(f"{where}.status.state: expected active, suppressed or unprocessed, found {state!r}")
        alerts.append(_alert(raw, where, "suppressed" if state == "suppressed" else "active"))
    return Reading(alerts, complete=True, origin=origin)


def parse_webhook(text: str, origin: str) -> Reading:
    """Alertmanager's webhook body, version 4 (`{"version": "4", "alerts": [...], ...}`)."""
    data = _json(text, origin)
    if not isinstance(data, dict) or "alerts" not in data:
        raise AlertInputError(f"{origin}: expected Alertmanager's webhook body (an object with `version` and "
                              f"`alerts`); for the API's list of alerts, leave out --from")
    version = data.get("version")
    if str(version) != WEBHOOK_VERSION:
        raise AlertInputError(f"{origin}: webhook body version {version!r}; expected version \"4\" "
                              f"(Alertmanager 0.x's webhook)")
    if not isinstance(data["alerts"], list):
        raise AlertInputError(f"{origin}: alerts: expected a list")
    alerts = []
    for index, raw in enumerate(data["alerts"]):
        where = f"{origin}: alerts[{index}]"
        status = raw.get("status") if isinstance(raw, dict) else None
        if status not in ("firing", "resolved"):
            raise AlertInputError(f"{where}.status: expected firing or resolved, found {status!r}")
        alerts.append(_alert(raw, where, "active" if status == "firing" else "resolved"))
    return Reading(alerts, complete=False, origin=origin)


def _json(text: str, origin: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        snippet = text.strip()[:60]
        raise AlertInputError(f"{origin}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                              f"it begins {snippet!r}") from None


def fetch(url: str, timeout: float) -> Reading:
    """Every alert Alertmanager holds (silenced, inhibited and unprocessed ones too), in one request."""
    import urllib.error
    import urllib.request

    base = url.rstrip("/")
    address = f"{base}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"
    try:
        with urllib.request.urlopen(address, timeout=timeout) as response:
            text = response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        raise AlertInputError(f"Alertmanager at {base} answered {exc.code} {exc.reason} to /api/v2/alerts") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AlertInputError(f"Alertmanager at {base} cannot be reached ({reason}); nothing was written") from None
    return parse_api(text, f"Alertmanager at {base}")


def read_file(name: str, stdin_text: str | None = None) -> Reading:
    """A webhook body from a file, or from standard input when `name` is `-`."""
    if name == "-":
        return parse_webhook(stdin_text or "", "standard input")
    try:
        with open(name, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise AlertInputError(f"{name}: cannot be read ({exc.strerror if isinstance(exc, OSError) else exc})") from None
    return parse_webhook(text, name)
