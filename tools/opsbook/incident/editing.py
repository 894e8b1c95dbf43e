"""Edit handbook files the way a careful person would: keep the layout, check first, write atomically.

The frontmatter (or a whole YAML file) is read with ruamel.yaml's round-trip mode, so comments, key
order, quoting and flow style survive an edit; a Markdown body is carried through untouched. Before a
file is replaced, the new text is written beside it, checked exactly as `ops validate` would check it
against the rest of the handbook, and only then moved into place with `os.replace`: on any refusal the
file on disk is byte for byte what it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from opsbook import files
from opsbook.problems import OpsbookError, Problem

_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)
# A block sequence written flush under its key (`key:\n- item`) rather than indented (`key:\n  - item`).
_FLUSH_SEQUENCE = re.compile(r"^[ \t]*[^\s#-][^\n]*:[ \t]*\n[ \t]*- ", re.M)


class Refused(OpsbookError):
    """An edit that would leave the handbook invalid; nothing was written."""

    def __init__(self, message: str, problems: list[Problem] = (),  # type: ignore[assignment]
                 describe: Callable[[Problem], str] | None = None):
        self.header = message
        self.problems = list(problems)
        lines = [message] + [f"  {(describe or _one_line)(p)}" for p in self.problems]
        super().__init__("\n".join(lines))


def _one_line(problem: Problem) -> str:
    text = f"{problem.location()}: " + (f"{problem.key}: " if problem.key else "") + problem.message
    if problem.expected:
        text += f" (expected {problem.expected})"
    if problem.hint:
        text += f"; {problem.hint}"
    return text


@contextlib.contextmanager
def locked(folder: Path, timeout: float = 30.0):
    """Hold an exclusive lock on `folder` while reading, changing and writing a file in it.

    The scribe and the commander may log at the same moment; without the lock one edit would be lost.
    Locks the folder itself, so no lock file is left behind. Where `fcntl` is missing (Windows), no lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OpsbookError(f"{folder} is being edited by another ops command; try again") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def round_trip_yaml(text: str = ""):
    """A ruamel.yaml round-trip instance whose sequence indentation matches `text`'s."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line someone wrote on one line
    if _FLUSH_SEQUENCE.search(text) and not re.search(r":[ \t]*\n[ \t]+- ", text):
        yaml.indent(mapping=2, sequence=2, offset=0)
    else:
        yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


@dataclasses.dataclass
class Editable:
    """A file split into its YAML (as round-trip data) and what surrounds it, kept verbatim."""

    path: Path
    head: str  # the opening `---` line of a Markdown file, or ""
    data: Any
    tail: str  # the closing `---` line and the body of a Markdown file, or ""
    yaml: Any
    newline: str = "\n"  # the file's line ending, "\r\n" for one saved on Windows: an edit keeps it

    def render(self) -> str:
        buffer = io.StringIO()
        self.yaml.dump(self.data, buffer)
        text = self.head + buffer.getvalue() + self.tail
        return text.replace("\n", self.newline) if self.newline != "\n" else text


def split_markdown(text: str) -> tuple[str, str, str] | None:
    """(opening fence line, YAML text, closing fence and body), or None without frontmatter."""
    if not _FENCE.match(text):
        return None
    first_break = text.find("\n") + 1
    closing = _FENCE.search(text, first_break)
    if not first_break or closing is None:
        return None
    return text[:first_break], text[first_break:closing.start()], text[closing.start():]


def read_editable(path: Path, *, markdown: bool) -> Editable:
    """Load `path` for editing; raises OpsbookError for a file that cannot be read or parsed."""
    from ruamel.yaml import YAMLError

    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OpsbookError(f"{path}: cannot be read: {exc}") from None
    newline = "\r\n" if raw.count("\r\n") * 2 > raw.count("\n") else "\n"  # the file's usual line ending
    text = raw.replace("\r\n", "\n")
    # A byte-order mark (some Windows editors write one) is kept in front, so the edit changes only what
    # it means to change; loading skips it the same way, so `ops validate` and the editors agree.
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    head, yaml_text, tail = bom, text, ""
    if markdown:
        parts = split_markdown(text)
        if parts is None:
            raise OpsbookError(f"{path}: has no frontmatter between --- lines; run `ops validate` for details")
        head, yaml_text, tail = bom + parts[0], parts[1], parts[2]
    yaml = round_trip_yaml(yaml_text)
    try:
        data = yaml.load(yaml_text)
    except YAMLError as exc:
        raise OpsbookError(f"{path}: is not valid YAML ({exc}); run `ops validate` for details") from None
    if not hasattr(data, "keys"):
        raise OpsbookError(f"{path}: does not hold a YAML mapping; run `ops validate` for details")
    return Editable(path, head, data, tail, yaml, newline)


def write_checked(root: Path, path: Path, text: str, kind: str, now: dt.datetime, *, create: bool = False,
                  contents: Any = None) -> None:
    """Write `text` to `path` if the handbook stays valid; raise Refused (nothing written) if not.

    `kind` is `runbook`, `postmortem` or `cadence`. With `create`, an existing file is never replaced.
    `contents` is the rest of the handbook as `load_contents(root, postmortems=False)` gives it, if the
    caller has it already.
    """
    if create and path.exists():
        raise Refused(f"{_rel(root, path)} already exists; nothing was written")
    temp = _beside(path, text)
    try:
        problems = check_files(root, [(temp, path)], kind, now, contents)[_rel(root, path)]
        if problems:
            raise Refused(f"refusing to write {_rel(root, path)}: it would not be valid", problems)
        if create:
            # Link rather than rename, so a file that appeared meanwhile is not overwritten.
            try:
                os.link(temp, path)
            except FileExistsError:
                raise Refused(f"{_rel(root, path)} already exists; nothing was written") from None
        else:
            os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def replace_checked(root: Path, texts: dict[Path, str], kind: str, now: dt.datetime, *, contents: Any = None,
                    on_written: Callable[[Path], None] | None = None) -> tuple[list[Path], list[Refused]]:
    """`write_checked` for many existing files, checked together: the paths written, and each refusal.

    Every new text is written beside its file and all are checked in one pass (a pass over a big handbook
    costs as much for one file as for a hundred); then each valid one replaces its file, one at a time, so
    a run stopped part-way leaves every file either as it was or fully edited.
    """
    temps: dict[Path, Path] = {}
    written: list[Path] = []
    refused: list[Refused] = []
    try:
        for path, text in texts.items():
            temps[path] = _beside(path, text)
        problems = check_files(root, [(temp, path) for path, temp in temps.items()], kind, now, contents)
        for path, temp in temps.items():
            rel = _rel(root, path)
            if problems[rel]:
                refused.append(Refused(f"refusing to write {rel}: it would not be valid", problems[rel]))
                continue
            os.replace(temp, path)
            written.append(path)
            if on_written:
                on_written(path)
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
    return written, refused


def _beside(path: Path, text: str) -> Path:
    """`text` in a new temporary file next to `path`, flushed to disk, with the mode `path` should have."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        os.chmod(temp, files.mode_to_keep(path))  # an edit keeps the file's mode; a new file gets the umask's
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def check_file(root: Path, written: Path, final: Path, kind: str, now: dt.datetime,
               contents: Any = None) -> list[Problem]:
    """The errors `ops validate` would report for `written` if it were at `final`, with the rest as it is."""
    return check_files(root, [(written, final)], kind, now, contents)[_rel(root, final)]


def check_files(root: Path, pairs: list[tuple[Path, Path]], kind: str, now: dt.datetime,
                contents: Any = None) -> dict[str, list[Problem]]:
    """`check_file` for each (written, final) pair, in one pass over the handbook: errors by final path."""
    from opsbook.handbook import checks
    from opsbook.handbook.assembled import CadenceFile, Document
    from opsbook.handbook.credentials import find_credentials
    from opsbook.handbook.explain import model_problems
    from opsbook.handbook.loading import read_source
    from opsbook.handbook.models.cadence import Cadence
    from opsbook.handbook.models.postmortem import PostmortemMeta
    from opsbook.handbook.models.runbook import RunbookMeta
    from opsbook.handbook.validate import load_contents

    model = {"runbook": RunbookMeta, "postmortem": PostmortemMeta, "cadence": Cadence}[kind]
    errors: dict[str, list[Problem]] = {}
    parsed = []
    for written, final in pairs:
        rel = _rel(root, final)
        problems: list[Problem] = []
        source = read_source(written, written.parent, problems, markdown=kind != "cadence")
        if source is None:
            errors[rel] = [dataclasses.replace(p, file=rel) for p in problems]
            continue
        source.path, source.rel = final, rel
        meta, found = model_problems(source, model, source.data)
        found += [Problem(rel, f"looks like {what}; a handbook must never hold a credential", line, column,
                          code="credential") for line, column, what in find_credentials(source.text)]
        errors[rel] = found
        if meta is not None and not found:
            parsed.append((rel, meta, source))
    if not parsed:
        return errors
    # No check compares two post-mortems (an id is its file name), so they need not be loaded: an edit
    # costs the same in a handbook of ten thousand incidents as in one of ten.
    if contents is None:
        contents, _ = load_contents(root, postmortems=False)
    rels = {rel for rel, _, _ in parsed}
    if kind == "cadence":
        contents.cadences = [c for c in contents.cadences if c.source.rel not in rels]
        contents.cadences += [CadenceFile(meta, source) for _, meta, source in parsed]
    else:
        docs = contents.runbooks if kind == "runbook" else contents.postmortems
        docs[:] = [d for d in docs if d.source.rel not in rels] + [Document(meta, source.body, source)
                                                                  for _, meta, source in parsed]
    found = checks.check_contents(contents, now)
    if kind == "postmortem":
        from opsbook.status.checks import check_public  # the public part's rules (the status room's)

        found += check_public(contents, now)
    for problem in found:
        if problem.file in rels and problem.is_error:
            errors[problem.file].append(problem)
    return errors
