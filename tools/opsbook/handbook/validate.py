"""Load a handbook from its folder: parse every file, validate it, check it as a whole.

`check_handbook` collects every problem across every file and returns them with the handbook (when it
has no errors); `load_handbook` is for outputs that need a valid handbook and raises otherwise.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
from pathlib import Path
from typing import Any

from opsbook.handbook import checks
from opsbook.handbook.assembled import CadenceFile, Document, Handbook, Page
from opsbook.handbook.cache import DocumentCache
from opsbook.handbook.contents import CONFIG_FILE, HOLIDAYS_FILE, OPS_FILES, Contents
from opsbook.handbook.credentials import find_credentials
from opsbook.handbook.explain import model_problems
from opsbook.handbook.loading import Source, iter_files, read_source
from opsbook.handbook.models.cadence import Cadence, HolidayCalendar
from opsbook.handbook.models.config import HandbookConfig
from opsbook.handbook.models.postmortem import PostmortemMeta
from opsbook.handbook.models.runbook import RunbookMeta
from opsbook.handbook.parallel import map_in_halves
from opsbook.problems import HandbookInvalid, Level, Problem, UsageError


@dataclasses.dataclass
class Report:
    handbook: Handbook | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def check_handbook(root: Path | str, now: dt.datetime | None = None, cache: DocumentCache | None = None) -> Report:
    """Every problem in the handbook at `root`, sorted by file and line, and the handbook if it has no errors.

    `now` (aware; default: the current time) decides what is overdue, due for review or in the future.
    With a `cache` (kept by a long-running process), runbooks and post-mortems unchanged since its last
    load are not read again.
    """
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{root}: no such handbook folder")
    now = now or dt.datetime.now(dt.timezone.utc)
    problems: list[Problem] = []
    with _collector_paused():
        contents = _load_contents(root, problems, cache=cache)
        problems.extend(checks.check_contents(contents, now))
        for check in _room_checks():
            problems.extend(check(contents, now))
    problems.sort(key=Problem.sort_key)
    has_errors = any(p.is_error for p in problems)
    return Report(None if has_errors else _assemble(contents), problems)


def _room_checks() -> tuple:
    """Checks of the loaded contents that live in other rooms because they need those rooms' engines.

    Imported here, when validation runs, not at the top: the calendar room imports the handbook's
    models, so a top-level import would make the rooms import each other.
    """
    from opsbook.calendar.checks import check_schedule
    from opsbook.slo.checks import check_indicators

    return (check_schedule, check_indicators)


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while loading.

    Parsing allocates many short-lived YAML nodes while the loaded data accumulates; every collection
    would scan that growing heap again (it doubled load time on 10,000 files). Handbook data holds no
    reference cycles that need collecting, and the collector runs again as soon as loading ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_handbook(root: Path | str, now: dt.datetime | None = None) -> Handbook:
    """The handbook at `root`; raises HandbookInvalid (with every problem) when it has errors."""
    report = check_handbook(root, now)
    if report.handbook is None:
        raise HandbookInvalid(report.problems)
    return report.handbook


def load_contents(root: Path | str, *, postmortems: bool = True) -> tuple[Contents, list[Problem]]:
    """What loads from the files at `root` and the problems met loading it, without cross-file checks.

    For tools that edit one file and check it against the rest (`ops incident`, `ops new`). No check
    compares one post-mortem with another (their ids are their file names), so an editor can leave
    them out with `postmortems=False`, which matters in a handbook with thousands of them.
    """
    problems: list[Problem] = []
    return _load_contents(Path(root), problems, postmortems=postmortems), problems


def _load_contents(root: Path, problems: list[Problem], *, postmortems: bool = True,
                   cache: DocumentCache | None = None) -> Contents:
    contents = Contents(root=root)
    config_path = root / CONFIG_FILE
    contents.config = (_load_single(root, config_path, HandbookConfig, problems, contents)
                       if config_path.exists() else HandbookConfig())
    for attribute, (rel, model, required) in OPS_FILES.items():
        path = root / rel
        if not path.exists():
            if required:
                problems.append(Problem(rel, "is missing", code="missing-file",
                                        hint=f"every handbook has {rel}; `ops init` writes a starter one"))
            else:
                setattr(contents, attribute, model())
            continue
        setattr(contents, attribute, _load_single(root, path, model, problems, contents))
    holidays = root / HOLIDAYS_FILE
    contents.holidays = (_load_single(root, holidays, HolidayCalendar, problems, contents)
                         if holidays.exists() else HolidayCalendar())

    documents = [(path, RunbookMeta, contents.runbooks) for path in iter_files(root / "runbooks", (".md",))]
    if postmortems:
        documents += [(path, PostmortemMeta, contents.postmortems)
                      for path in iter_files(root / "postmortems", (".md",))]
    wanted = [(path, model) for path, model, _ in documents]
    load = functools.partial(_load_documents, root)
    for (_, _, loaded), (doc, found) in zip(documents, cache.outcomes(wanted, load) if cache else load(wanted)):
        problems.extend(found)
        if doc is not None:
            loaded.append(doc)
    for path in iter_files(root / "calendar", (".yaml", ".yml")):
        if path.name in ("holidays.yaml", "holidays.yml"):
            continue
        source = read_source(path, root, problems, markdown=False)
        if source is None:
            continue
        _scan_credentials(source, problems)
        cadence, found = model_problems(source, Cadence, source.data)
        problems.extend(found)
        if cadence is not None:
            contents.cadences.append(CadenceFile(cadence, source))
    for path in iter_files(root / "ops", (".md",)):
        if (page := _load_page(root, path, problems)) is not None:
            contents.pages.append(page)
    return contents


def _load_single(root: Path, path: Path, model: type, problems: list[Problem], contents: Contents) -> Any:
    source = read_source(path, root, problems, markdown=False)
    if source is None:
        return None
    contents.sources[source.rel] = source
    _scan_credentials(source, problems)
    instance, found = model_problems(source, model, source.data)
    problems.extend(found)
    return instance


def _load_documents(root: Path, wanted: list[tuple[Path, type]]) -> list[tuple[Document | None, list[Problem]]]:
    """Each Markdown document of `wanted` (path, model) validated, or None, with its problems."""
    # Reading and parsing is most of the work, and each file's own: on two cores when there are many.
    read = map_in_halves(functools.partial(_read_document, root), [path for path, _ in wanted])
    outcomes = []
    for (_, model), (source, found) in zip(wanted, read):
        doc = _validate_document(source, model, found) if source is not None else None
        outcomes.append((doc, found))
    return outcomes


def _read_document(root: Path, path: Path) -> tuple[Source | None, list[Problem]]:
    """A Markdown document read and parsed, and its problems so far (a pure function of the file)."""
    problems: list[Problem] = []
    source = read_source(path, root, problems, markdown=True)
    if source is not None:
        _scan_credentials(source, problems)
    return source, problems


def _validate_document(source: Source, model: type, problems: list[Problem]) -> Document | None:
    meta, found = model_problems(source, model, source.data)
    problems.extend(found)
    return Document(meta, source.body, source) if meta is not None else None


def _load_page(root: Path, path: Path, problems: list[Problem]) -> Page | None:
    rel = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        problems.append(Problem(rel, "is a directory, expected a file", code="not-a-file"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(rel, "is not valid UTF-8 text", code="encoding", hint="save the file as UTF-8"))
        return None
    except OSError as exc:
        problems.append(Problem(rel, f"cannot be read: {exc.strerror or exc}", code="unreadable"))
        return None
    for line, column, kind in find_credentials(text):
        problems.append(_credential_problem(rel, line, column, kind))
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
    return Page(title=title, body=text, path=rel)


def _scan_credentials(source: Source, problems: list[Problem]) -> None:
    for line, column, kind in find_credentials(source.text):
        problems.append(_credential_problem(source.rel, line, column, kind))


def _credential_problem(rel: str, line: int, column: int, kind: str) -> Problem:
    return Problem(rel, f"looks like {kind}; a handbook must never hold a credential", line, column,
                   code="credential", hint="remove it, rotate it (it is in git history now) and record only "
                                           "its name in ops/secrets.yaml")


def _assemble(contents: Contents) -> Handbook:
    return Handbook(
        root=contents.root,
        config=contents.config,
        slos={slo.id: slo for slo in contents.slos.slos},
        severity=contents.severity,
        services={service.id: service for service in contents.services.services},
        team=contents.team,
        secrets=list(contents.secrets.secrets),
        runbooks={doc.id: doc for doc in contents.runbooks},
        postmortems={doc.id: doc for doc in contents.postmortems},
        cadences={item.id: item for item in contents.cadences},
        holidays=list(contents.holidays.holidays),
        pages=contents.pages,
    )


__all__ = ["Contents", "Report", "check_handbook", "load_handbook", "Level"]
