"""What the plugin remembers from one build to the next under `mkdocs serve`, so that saving a file
costs a rebuild of what it changed, not of the whole handbook (`ops serve` runs MkDocs' dirty reload).

1. The handbook: runbooks and post-mortems whose files did not change are not read or validated again
   (`opsbook.handbook.cache`); cross-file checks run every time.
2. The feeds: they read the config, the catalogues, the team, the cadences, the holidays and the
   post-mortems (`opsbook.calendar.feed`), never a runbook or a process page, and give the same bytes
   for the same inputs on the same UTC day. When none of those files changed and the day is the same,
   the last build's feeds are reused as they are.
3. Which pages to rebuild: a dirty build rebuilds only pages whose own file is newer than its output,
   but a runbook's page also shows the post-mortems that used it, and a post-mortem's page its
   runbook's title. So each decorated page's header and footer are compared with the last build's, and
   a page whose decorations changed is rebuilt too; when the navigation the plugin lays out changes
   (a page added, a title edited), every page is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from opsbook.handbook.cache import DocumentCache, stamp

FEED_INPUTS = ("opsbook.yaml", "ops", "calendar", "postmortems")  # see 2. above


@dataclasses.dataclass
class Memory:
    """One server's memory of its last build."""

    documents: DocumentCache = dataclasses.field(default_factory=DocumentCache)
    feeds_key: tuple | None = None
    feeds: dict[str, bytes] | None = None
    fragments: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    nav: list | None = None


def feeds_key(root: Path, now: dt.datetime, options: tuple) -> tuple:
    """What the feeds depend on: the stamps of their input files, the UTC day and the plugin's options."""
    files = []
    for name in FEED_INPUTS:
        path = root / name
        if path.is_dir():
            files += sorted(item for item in path.rglob("*") if item.suffix != ".md" or name == "postmortems")
        elif path.exists():
            files.append(path)
    return (now.astimezone(dt.timezone.utc).date(), options, tuple((str(path), stamp(path)) for path in files))


def known_feeds(memory: Memory | None, key: tuple) -> dict[str, bytes] | None:
    """The last build's feeds if they were built from the same inputs, else None."""
    if memory is None or memory.feeds_key != key:
        return None
    return memory.feeds


def remember_feeds(memory: Memory | None, key: tuple, feeds: dict[str, bytes]) -> None:
    if memory is not None:
        memory.feeds_key, memory.feeds = key, feeds


def changed_pages(memory: Memory | None, fragments: dict[str, tuple[str, str]], nav: list | None) -> set[str] | None:
    """The decorated pages (by source path) whose header or footer differs from the last build's, or
    None when every page must be rebuilt (no memory yet, or the navigation changed). Remembers both."""
    if memory is None:
        return None
    everything = not memory.fragments or memory.nav != nav
    changed = {src for src, pair in fragments.items() if memory.fragments.get(src) != pair}
    memory.fragments, memory.nav = fragments, nav
    return None if everything else changed
