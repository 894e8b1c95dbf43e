"""What a long-running process (`mkdocs serve`) remembers between loads of the same handbook: each
Markdown document's outcome (the validated document, or none, and its problems), keyed on the file's
stat, so a reload reads and validates only the files that changed since the last one.

A file's stat stamp is (size, mtime_ns, ctime_ns, inode): an editor's save changes the modification
time, a rename-into-place (how many editors save) the inode, and `touch` at least the change time. The
outcome of a file is a pure function of its bytes and its model, so reusing it is exact. Cross-file
checks are not cached: they run on every load, over the cached and the fresh documents alike.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

Stamp = tuple[int, int, int, int]
Outcome = tuple[Any, list]  # (the document or None, its problems)


def stamp(path: Path) -> Stamp | None:
    """The stat stamp of `path`, or None when it cannot be read (the loader then reports why)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class DocumentCache:
    """Each document's outcome by path, with the stamp of the file it came from."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Path, type], tuple[Stamp, Outcome]] = {}
        self.loaded: list[Path] = []  # the files the last `outcomes` call read afresh (new or changed)

    def outcomes(self, wanted: Sequence[tuple[Path, type]],
                 load: Callable[[list[tuple[Path, type]]], list[Outcome]]) -> list[Outcome]:
        """The outcome of each (path, model) in `wanted`, in order: remembered when the file is as it was,
        else from `load` (called once, with every file that needs it). Forgets files no longer wanted."""
        stamps = [stamp(path) for path, _ in wanted]
        missing = [key for key, now in zip(wanted, stamps)
                   if now is None or (known := self._entries.get(key)) is None or known[0] != now]
        fresh = dict(zip(missing, load(missing))) if missing else {}
        entries: dict[tuple[Path, type], tuple[Stamp, Outcome]] = {}
        results: list[Outcome] = []
        for key, now in zip(wanted, stamps):
            outcome = fresh[key] if key in fresh else self._entries[key][1]
            if now is not None:  # an unreadable file is read again next time
                entries[key] = (now, outcome)
            results.append(outcome)
        self._entries = entries
        self.loaded = [path for path, _ in missing]
        return results
