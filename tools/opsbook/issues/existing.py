"""An issue that exists on GitHub, as the issue plan and the pull plan need it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from opsbook.issues.body import parse_marker


@dataclasses.dataclass(frozen=True)
class ExistingIssue:
    """An issue as the plan needs it (read from GitHub by `opsbook.issues.github`, or built by a test)."""

    number: int
    title: str
    body: str | None
    state: str  # "open" or "closed"
    labels: tuple[str, ...] = ()
    url: str = ""
    # What the list endpoint also says about a closed or reopened issue (`ops actions pull` reads it back):
    state_reason: str | None = None  # "completed", "not_planned", "reopened" or None
    closed_at: dt.datetime | None = None
    comments: int = 0
    assignees: tuple[str, ...] = ()  # logins

    @property
    def key(self) -> str | None:
        return parse_marker(self.body)

    @property
    def is_open(self) -> bool:
        return self.state == "open"
