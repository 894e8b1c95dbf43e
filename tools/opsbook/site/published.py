"""What is published now, fetched before a build that starts from a fresh checkout (the Publish workflow).

A calendar event whose time changed must carry a higher SEQUENCE than the one subscribers have, and a
maintenance window's Atom entry keeps its `updated` until the window changes; both are read from the
last build's files (`feeds/*.ics`, the status page's `maintenance.ics`). A local build finds them in the
site folder it replaces; a workflow's checkout has no site folder, so `ops build --carry-over` fetches
them from where the site is published first, into the folders the build reads them from.

Best effort by design: a file that is not published yet (404) is simply new; a site that cannot be
reached leaves the build as it would be without them, and the caller says so once.
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from pathlib import Path

from opsbook import files

TIMEOUT = 10.0  # seconds per file
_LIMIT = 20 * 1024 * 1024  # a feed larger than this is not one of ours


@dataclasses.dataclass
class Fetched:
    fetched: list[str] = dataclasses.field(default_factory=list)  # paths written, relative to their folder
    absent: int = 0                                               # not published yet (404 or 410)
    failed: str | None = None                                     # why the site could not be read, once


def fetch_published(base_url: str, paths: list[str], into: Path, timeout: float = TIMEOUT) -> Fetched:
    """Each of `paths` (relative to `base_url`) that `into` lacks, downloaded from the published site.

    The first failure other than "not there" stops the fetching: the site is down or unreachable, and
    every further request would only wait out its own timeout.
    """
    result = Fetched()
    if not base_url.startswith(("http://", "https://")):
        result.failed = f"{base_url} is not an http:// or https:// address"
        return result
    base = base_url.rstrip("/") + "/"
    for rel in paths:
        target = into / rel
        if target.exists():
            continue  # the last local build's file: newer than anything published
        try:
            with urllib.request.urlopen(base + rel, timeout=timeout) as response:  # noqa: S310 - http(s) only
                data = response.read(_LIMIT + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                result.absent += 1
                continue
            result.failed = f"{base + rel} answered {exc.code} {exc.reason}"
            return result
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            result.failed = f"{base} could not be reached ({reason})"
            return result
        if len(data) > _LIMIT or not data.lstrip().startswith(b"BEGIN:VCALENDAR"):
            continue  # not a calendar (a login page, a proxy's error page): as if it were not there
        target.parent.mkdir(parents=True, exist_ok=True)
        files.write_atomically(target, data)
        result.fetched.append(rel)
    return result
