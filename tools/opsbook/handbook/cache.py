"""Remembered outcomes of loading files, so that a file unchanged since the last load is neither read nor
validated again.

A file's outcome (its validated value or none, its parsed source, its problems) is a pure function of its
path, its bytes, its model and the toolkit's code; nothing in it depends on the current time. Reusing it
is therefore exact. Cross-file checks are never remembered: they run on every load, over remembered and
fresh outcomes alike, and everything that depends on the time (overdue, stale, in the future) is in them.

One design, two keepers, which differ only in how they recognise an unchanged file and where they keep
what they remember:

- `DocumentCache`, in memory, for a long-running process (`ops serve`): a file is known by its stat stamp
  (size, mtime_ns, ctime_ns, inode). An editor's save changes the modification time, a rename-into-place
  (how many editors save) the inode, and `touch` at least the change time; no file is read to tell.
- `StoredCache`, in a file between runs, for one-shot commands (`ops validate` as a pre-commit hook): a
  file is known by a hash of its bytes, as a checkout or `git stash` rewrites files without changing them.
  One store per handbook root (named by a hash of its absolute path) under the user's cache folder,
  `$XDG_CACHE_HOME/opsbook/` or `~/.cache/opsbook/`. A store is used only when its header names the same
  toolkit code (see `code_fingerprint`) and the hash of what follows matches; anything else (truncated,
  foreign, another version's) is ignored and rewritten. Writes go to a temporary file renamed into place.
  When the folder cannot be written, the command runs without the store, silently: it is only a shortcut.

With the models' validators built on first use (`defer_build`), a model whose files all come from a
store never builds its validator: unpickling an instance needs none. That is most of a start-up's cost.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any, Callable, Hashable, Sequence

Stamp = tuple[int, int, int, int]
Outcome = Any  # what the loader gave for one file; kept as it is
Wanted = tuple[Path, type]  # a file and the model it is validated as


def stamp(path: Path) -> Stamp | None:
    """The stat stamp of `path`, or None when it cannot be read (the loader then reports why)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def digest(path: Path) -> str | None:
    """A hash of the bytes of `path`, or None when it cannot be read (the loader then reports why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class DocumentCache:
    """Each file's outcome by (path, model), with the stat stamp of the file it came from."""

    def __init__(self) -> None:
        self._entries: dict[Wanted, tuple[Hashable, Outcome]] = {}
        self.loaded: list[Path] = []  # the files the last `outcomes` call read afresh (new or changed)

    def _recognise(self, path: Path) -> Hashable | None:
        """What tells this file's version apart from others, or None when that cannot be known."""
        return stamp(path)

    def outcomes(self, wanted: Sequence[Wanted], load: Callable[[list[Wanted]], list[Outcome]]) -> list[Outcome]:
        """The outcome of each (path, model) in `wanted`, in order: remembered when the file is as it was,
        else from `load` (called once, with every file that needs it). Forgets files no longer wanted."""
        keys = [self._recognise(path) for path, _ in wanted]
        missing = [item for item, key in zip(wanted, keys)
                   if key is None or (known := self._entries.get(item)) is None or known[0] != key]
        fresh = dict(zip(missing, load(missing))) if missing else {}
        entries: dict[Wanted, tuple[Hashable, Outcome]] = {}
        results: list[Outcome] = []
        for item, key in zip(wanted, keys):
            outcome = fresh[item] if item in fresh else self._entries[item][1]
            if key is not None:  # an unreadable file is read again next time
                entries[item] = (key, outcome)
            results.append(outcome)
        self._entries = entries
        self.loaded = [path for path, _ in missing]
        return results


_MAGIC = b"opsbook validation cache 1\n"


class StoredCache(DocumentCache):
    """A DocumentCache kept in `store` between runs, recognising files by the hash of their bytes.

    The store is read on the first `outcomes` call and written after any call that changed what it
    remembers. `code` is the toolkit's fingerprint (default: `code_fingerprint()`).
    """

    def __init__(self, store: Path | None, code: str | None = None) -> None:
        super().__init__()
        self.store = store
        self._code = code
        self._opened = False

    @classmethod
    def for_root(cls, root: Path | str) -> StoredCache:
        """The store of the handbook at `root` in the user's cache folder."""
        return cls(store_path(root))

    def _recognise(self, path: Path) -> str | None:
        return digest(path)

    def outcomes(self, wanted: Sequence[Wanted], load: Callable[[list[Wanted]], list[Outcome]]) -> list[Outcome]:
        if not self._opened:
            self._opened = True
            self._open()
        before = {item: key for item, (key, _) in self._entries.items()}
        results = super().outcomes(wanted, load)
        if self.store is not None and before != {item: key for item, (key, _) in self._entries.items()}:
            self._save()
        return results

    def _header(self) -> bytes | None:
        if self._code is None:
            self._code = code_fingerprint()
        return None if self._code is None else _MAGIC + self._code.encode() + b"\n"

    def _open(self) -> None:
        header = self._header() if self.store is not None else None
        if header is None:
            self.store = None
            return
        try:
            data = self.store.read_bytes()
        except OSError:
            return  # none yet, or unreadable: start empty
        check, payload = data[len(header):len(header) + 65], data[len(header) + 65:]
        if not data.startswith(header) or check != hashlib.sha256(payload).hexdigest().encode() + b"\n":
            return  # another version's, foreign, truncated or damaged: start empty, rewrite after
        try:
            entries = pickle.loads(payload)
        except Exception:  # it passed the checks above, so this is unexpected; the store is only a shortcut
            return
        if isinstance(entries, dict):
            self._entries = entries

    def _save(self) -> None:
        import tempfile  # here, not at the top: a run that changes nothing writes nothing

        header = self._header()
        try:
            payload = pickle.dumps(self._entries, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an outcome that does not pickle: keep no store rather than fail the command
            return
        data = header + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.store.parent, prefix=self.store.name, suffix=".tmp")
        except OSError:
            return  # the cache folder cannot be written: run without a store
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.store)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def cache_folder() -> Path | None:
    """`$XDG_CACHE_HOME/opsbook` (when that is an absolute path, as the XDG spec asks), else
    `~/.cache/opsbook`; None when there is no home folder either."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "opsbook"


def store_path(root: Path | str) -> Path | None:
    """Where the store of the handbook at `root` lives: one file per handbook, named by its absolute path."""
    folder = cache_folder()
    if folder is None:
        return None
    name = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:32]
    return folder / f"{name}.pickle"


def code_fingerprint() -> str | None:
    """A hash of everything besides a file that decides its outcome: the toolkit's version, the code that
    reads, validates and explains files (the `handbook` package and `problems.py`), and the versions of
    Python, pydantic and PyYAML. None when that code cannot be read (a zipped install): then no store."""
    import pydantic
    import pydantic_core
    import yaml

    import opsbook

    hasher = hashlib.sha256()
    versions = (opsbook.__version__, sys.version, pydantic.VERSION, pydantic_core.__version__, yaml.__version__,
                getattr(yaml, "__with_libyaml__", False))
    hasher.update(repr(versions).encode())
    package = Path(opsbook.__file__).parent
    try:
        for path in sorted([*(package / "handbook").rglob("*.py"), package / "problems.py"]):
            hasher.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return hasher.hexdigest()
