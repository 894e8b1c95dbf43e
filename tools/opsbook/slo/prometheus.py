"""A small client for Prometheus' HTTP API: instant and range queries, every failure one reason.

Only what the status report and the error-budget charts need: an instant vector at a given time
(`/api/v1/query`) and a range of them at a fixed step (`/api/v1/query_range`). Anything that is not a well-formed
success answer (no connection, a timeout, an HTTP error, text that is not JSON, JSON of another shape, a
value that is not a number) raises PrometheusUnavailable with a one-line reason a person can act on, so
the caller can say the numbers are missing and why instead of showing some of them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from opsbook.problems import OpsbookError

TIMEOUT = 10.0  # seconds per request


class PrometheusUnavailable(OpsbookError):
    """Prometheus could not answer a query; `reason` says why in a few words."""

    def __init__(self, url: str, reason: str):
        self.url, self.reason = url, reason
        super().__init__(f"Prometheus at {url} {reason}")


class Prometheus:
    """The HTTP API of one Prometheus server at `url` (such as `http://127.0.0.1:9090`)."""

    def __init__(self, url: str, timeout: float = TIMEOUT):
        if not url.startswith(("http://", "https://")):
            raise PrometheusUnavailable(url, "is not an http:// or https:// URL")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def vector(self, query: str, at: dt.datetime) -> list[tuple[dict[str, str], float]]:
        """The instant vector `query` gives at `at`: (labels, value) per series. NaN stays NaN."""
        data = self._get("/api/v1/query", {"query": query, "time": f"{at.timestamp():.3f}"})
        if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
            raise PrometheusUnavailable(self.url, "answered with something other than an instant vector")
        out = []
        for item in data["result"]:
            try:
                labels, (_, text) = item["metric"], item["value"]
                value = float(text)
                if not isinstance(labels, dict):
                    raise TypeError
            except (KeyError, TypeError, ValueError):
                raise PrometheusUnavailable(self.url, "answered with a sample that is not a number") from None
            out.append((labels, value))
        return out

    def matrix(self, query: str, start: dt.datetime, end: dt.datetime, step: dt.timedelta
               ) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """The range of `query` evaluated at start, start + step, … up to end: (labels, [(unix time,
        value)]) per series; a series has no pair at a time it had no value. NaN stays NaN."""
        data = self._get("/api/v1/query_range", {"query": query, "start": f"{start.timestamp():.3f}",
                                                 "end": f"{end.timestamp():.3f}", "step": f"{step.total_seconds():g}"})
        if not isinstance(data, dict) or data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
            raise PrometheusUnavailable(self.url, "answered with something other than a range of samples")
        out = []
        for item in data["result"]:
            try:
                labels, values = item["metric"], [(float(t), float(v)) for t, v in item["values"]]
                if not isinstance(labels, dict):
                    raise TypeError
            except (KeyError, TypeError, ValueError):
                raise PrometheusUnavailable(self.url, "answered with a sample that is not a number") from None
            out.append((labels, values))
        return out

    def scalar(self, query: str, at: dt.datetime) -> float | None:
        """The one value `query` gives at `at`; None when it gives no series (no data)."""
        vector = self.vector(query, at)
        if len(vector) > 1:
            raise PrometheusUnavailable(self.url, f"answered {len(vector)} series where one was expected")
        return vector[0][1] if vector else None

    def _get(self, path: str, params: dict[str, str]) -> Any:
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(50_000_000)
        except urllib.error.HTTPError as exc:
            body = exc.read(100_000)
            raise PrometheusUnavailable(self.url, f"answered HTTP {exc.code}{_error_text(body)}") from None
        except (socket.timeout, TimeoutError):
            raise PrometheusUnavailable(self.url, f"did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason if isinstance(exc.reason, str) else getattr(exc.reason, "strerror", None) or exc.reason
            raise PrometheusUnavailable(self.url, f"could not be reached ({reason})") from None
        except (OSError, ValueError) as exc:
            raise PrometheusUnavailable(self.url, f"could not be reached ({exc})") from None
        try:
            answer = json.loads(body)
        except ValueError:
            raise PrometheusUnavailable(self.url, "answered with something that is not JSON") from None
        if not isinstance(answer, dict) or answer.get("status") != "success":
            raise PrometheusUnavailable(self.url, "answered with an error" + _error_text(body))
        return answer.get("data")


def _error_text(body: bytes) -> str:
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return ""
    return f": {str(error)[:200]}" if error else ""


def is_number(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and not math.isinf(value)
