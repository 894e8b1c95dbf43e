"""Fetching what each team publishes, revalidating what was kept, within a time and size budget.

Split as the issue sync is: decide purely, then apply, and record what was applied.

1. **Plan** (`plan`, pure): one request per team and file (`FILES`), carrying `If-None-Match` when the
   kept copy came with an ETag and `If-Modified-Since` when it came with a Last-Modified date, so an
   unchanged file costs a 304.
2. **Apply** (`apply`): the requests at once, at most `concurrency` in flight, each bounded by `timeout`
   seconds (connecting, and the whole answer) and by `max_bytes`; every failure becomes a reason in
   words (not reachable, HTTP 500, timed out, too large), never an exception.
3. **Record** (`opsbook.org.kept`): what came, checked, beside the state that revalidates it next time.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import socket
import time
import urllib.error
import urllib.request

from opsbook import __version__, urls

FILES = ("opsbook.json", "feeds/index.json", "feeds/handbook.ics", "feeds/oncall.ics", "search/search_index.json")
CHUNK = 65536


@dataclasses.dataclass(frozen=True)
class Request:
    team: str
    path: str                       # one of FILES
    url: str
    headers: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class Response:
    team: str
    path: str
    status: int | None              # 200, 304, another HTTP status, or None when nothing answered
    body: bytes | None = None       # with 200
    etag: str | None = None
    last_modified: str | None = None
    reason: str | None = None       # why it failed, in words, when it did

    @property
    def unchanged(self) -> bool:
        return self.status == 304

    @property
    def fresh(self) -> bool:
        return self.status == 200 and self.body is not None


def plan(teams, kept: dict[str, dict]) -> list[Request]:
    """Every request of a run: `teams` are `org.yaml`'s entries, `kept[team][path]` the validators of the
    copy kept from the last run (`etag`, `last_modified`), when there is one."""
    requests = []
    for team in teams:
        for path in FILES:
            known = kept.get(team.id, {}).get(path) or {}
            headers = [("User-Agent", f"opsbook/{__version__} (ops org build)")]
            if known.get("etag"):
                headers.append(("If-None-Match", known["etag"]))
            if known.get("last_modified"):
                headers.append(("If-Modified-Since", known["last_modified"]))
            requests.append(Request(team.id, path, urls.absolute(team.site_url, path), tuple(headers)))
    return requests


def apply(requests: list[Request], *, timeout: float, max_bytes: int, concurrency: int) -> list[Response]:
    """Send every request, `concurrency` at a time; the answers in the order of `requests`."""
    if not requests:
        return []
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(concurrency, len(requests))) as pool:
        return list(pool.map(lambda request: fetch_one(request, timeout, max_bytes), requests))


def fetch_one(request: Request, timeout: float, max_bytes: int) -> Response:
    """One request; whatever happens, a Response (a failure carries its reason). A connection refused or
    reset is tried once more: a busy host drops connections a moment later accepted."""
    answer = _fetch_once(request, timeout, max_bytes)
    if answer.status is None and answer.reason and answer.reason.startswith(("cannot connect", "broken answer")):
        time.sleep(0.2)
        answer = _fetch_once(request, timeout, max_bytes)
    return answer


def _fetch_once(request: Request, timeout: float, max_bytes: int) -> Response:
    deadline = time.monotonic() + timeout
    http = urllib.request.Request(request.url, headers=dict(request.headers))
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:
            length = answer.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                return _failed(request, answer.status, f"{request.path} is {int(length):,} bytes, over max_bytes "
                                                       f"({max_bytes:,}): refused")
            body = bytearray()
            while chunk := answer.read(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    return _failed(request, answer.status, f"{request.path} is over max_bytes ({max_bytes:,}): refused")
                if time.monotonic() > deadline:
                    return _failed(request, None, f"timed out after {timeout:g} s")
            return Response(request.team, request.path, answer.status, bytes(body), answer.headers.get("ETag"),
                            answer.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Response(request.team, request.path, 304, etag=exc.headers.get("ETag"),
                            last_modified=exc.headers.get("Last-Modified"))
        return _failed(request, exc.code, f"HTTP {exc.code} for {request.path}")
    except (TimeoutError, socket.timeout):
        return _failed(request, None, f"timed out after {timeout:g} s")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return _failed(request, None, f"timed out after {timeout:g} s")
        return _failed(request, None, f"cannot connect ({getattr(reason, 'strerror', None) or reason})")
    except (OSError, ValueError) as exc:  # a connection reset mid-answer, a malformed status line
        return _failed(request, None, f"broken answer ({exc.__class__.__name__}: {exc})")


def _failed(request: Request, status: int | None, reason: str) -> Response:
    return Response(request.team, request.path, status, reason=reason)
