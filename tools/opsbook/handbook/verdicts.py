"""Whole results of `ops validate`, kept between runs, so that a run over unchanged files needs no models.

The file store (`cache.py`) spares a run the files that did not change, but every run still builds the
models' machinery and runs the checks across files; that alone is most of a pre-commit hook's start-up.
A verdict is the whole report (problems and summary) of one run, kept with:

- its key: everything besides the time that decides the report: the set of paths under the handbook
  folder (a new empty folder can change a warning), the bytes of every file the loader reads, the
  options that change the report (`--strict`), the `OPSBOOK_*` environment, the toolkit's code and
  version, and the versions of Python, pydantic and PyYAML;
- the moment it was computed for and the moment until which it holds (`Report.valid_until`: the next
  midnight, the next due date or deadline, the next shift to come into view, as each room says).

A later run whose key is the same and whose time lies in [computed for, valid until) prints the stored
report; any other runs the checks and replaces it. This module imports nothing heavy: reading a verdict
must cost less than the models it spares. Like the file store it is only a shortcut: a store that cannot
be read or written, or is damaged, is ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from importlib.util import find_spec
from pathlib import Path

from opsbook.problems import Level, Problem

_MAGIC = "opsbook validation verdict 1"
# Folders the loader reads file by file; elsewhere only a path's existence can matter (a link's target).
_CONTENT_FOLDERS = ("ops", "runbooks", "postmortems", "calendar")
# Never part of a handbook: build outputs and tools' own folders (besides every hidden one).
_SKIPPED = frozenset({"site", "status-site", "node_modules", "__pycache__", "venv"})


def verdict_key(root: Path, strict: bool) -> str:
    """The hash of everything besides the time that decides what `ops validate` reports for `root`."""
    hasher = hashlib.sha256()
    environment = sorted((name, value) for name, value in os.environ.items()
                         if name.startswith("OPSBOOK_") and name != "OPSBOOK_NO_CACHE")
    hasher.update(repr((_toolkit(), strict, environment)).encode())
    for rel, path, is_file in _paths(root):
        hasher.update(rel.encode() + (b"\0f" if is_file else b"\0d"))
        if is_file and _read_by_loader(rel):
            try:
                hasher.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                hasher.update(b"\0unreadable")
    return hasher.hexdigest()


def recall(store: Path | None, key: str, now: dt.datetime) -> tuple[list[Problem], str] | None:
    """The stored problems and summary line when the store holds `key` and `now` is within its validity."""
    if store is None:
        return None
    try:
        header, checksum, payload = store.read_text(encoding="utf-8").split("\n", 2)
        if header != _MAGIC or checksum != hashlib.sha256(payload.encode()).hexdigest():
            return None
        verdict = json.loads(payload)
        if verdict["key"] != key:
            return None
        since = dt.datetime.fromisoformat(verdict["computed_for"])
        until = verdict["valid_until"] and dt.datetime.fromisoformat(verdict["valid_until"])
        if now < since or (until and now >= until):
            return None
        problems = [Problem(**{**found, "level": Level(found["level"])}) for found in verdict["problems"]]
        return problems, verdict["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, another version's, damaged: validate afresh and write it again


def remember(store: Path | None, key: str, now: dt.datetime, valid_until: dt.datetime | None,
             problems: list[Problem], summary: str) -> None:
    """Keep this run's report for `key`, from `now` until `valid_until` (None: for as long as the key holds)."""
    if store is None:
        return
    import tempfile  # here, not at the top: a run that reuses a verdict writes nothing

    payload = json.dumps({"key": key, "computed_for": now.isoformat(),
                          "valid_until": valid_until.isoformat() if valid_until else None,
                          "problems": [problem.as_dict() for problem in problems], "summary": summary},
                         ensure_ascii=False)
    text = f"{_MAGIC}\n{hashlib.sha256(payload.encode()).hexdigest()}\n{payload}"
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=store.parent, prefix=store.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, store)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _paths(root: Path):
    """(path relative to `root`, path, is a file) of everything under `root` but hidden and build folders,
    in a stable order."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith(".") and name not in _SKIPPED)
        base = Path(folder)
        prefix = base.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        found += [(prefix + name, base / name, False) for name in dirs]
        found += [(prefix + name, base / name, True) for name in files]
    return sorted(found)


def _read_by_loader(rel: str) -> bool:
    """Whether the loader reads this file's bytes (a content folder's file, or a file at the top)."""
    return "/" not in rel or rel.split("/", 1)[0] in _CONTENT_FOLDERS


def _toolkit() -> tuple:
    """The toolkit's version and code, and the versions of what reads files, without importing them."""
    import opsbook

    package = Path(opsbook.__file__).parent
    code = []
    for path in sorted(package.rglob("*.py")):
        try:
            info = path.stat()
        except OSError:
            continue
        code.append((path.relative_to(package).as_posix(), info.st_size, info.st_mtime_ns))
    libraries = []
    for name in ("pydantic", "pydantic_core", "yaml"):
        spec = find_spec(name)
        origin = spec.origin if spec and spec.origin else None
        libraries.append((name, origin, os.stat(origin).st_mtime_ns if origin else None))
    return opsbook.__version__, sys.version, hashlib.sha256(repr(code).encode()).hexdigest(), libraries
