"""Load a handbook from its folder: parse every file, validate it, check it as a whole.

`run_checks` collects every problem across every file, with the checks the rooms above hand in, and
returns them with the handbook (when it has no errors). Callers use `opsbook.validation`, which hands in
every room's checks: `check_handbook`, and `load_handbook` for outputs that need a valid handbook.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import re
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

from opsbook.handbook import checks
from opsbook.handbook.assembled import CadenceFile, Document, Handbook, Page
from opsbook.handbook.cache import DocumentCache
from opsbook.handbook.contents import (
    CALENDAR,
    CONFIG_FILE,
    HOLIDAYS_FILE,
    OPS,
    OPS_FILES,
    POSTMORTEMS,
    RUNBOOKS,
    TOP_FOLDERS,
    Contents,
)
from opsbook.handbook.credentials import find_credentials
from opsbook.handbook.explain import model_problems
from opsbook.handbook.folders import content_files, lookalike_folders
from opsbook.handbook.loading import Source, merge_conflicts, read_source
from opsbook.handbook.models.cadence import Cadence, HolidayCalendar
from opsbook.handbook.models.catalogue import SloCatalogue
from opsbook.handbook.models.config import HandbookConfig
from opsbook.handbook.models.postmortem import PostmortemMeta
from opsbook.handbook.models.runbook import RunbookMeta
from opsbook.handbook.parallel import map_in_halves
from opsbook.problems import Level, Problem, UsageError


@dataclasses.dataclass
class Report:
    handbook: Handbook | None
    problems: list[Problem]
    contents: Contents | None = None  # what loaded, for an editor to check its files against
    # The earliest moment after `now` at which the same files could give other problems (an item falls
    # overdue, a shift comes into view, a new day begins); None when nothing would change.
    valid_until: dt.datetime | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.WARNING]


RoomCheck = Callable[[Contents, dt.datetime], list[Problem]]
NextChange = Callable[[Contents, dt.datetime], "dt.datetime | None"]


def run_checks(root: Path | str, now: dt.datetime | None, cache: DocumentCache | None, *,
               room_checks: Sequence[RoomCheck], next_changes: Sequence[NextChange]) -> Report:
    """Every problem in the handbook at `root`, sorted by file and line, and the handbook if it has no errors.

    The handbook room's own loading and checks, and the `room_checks` the caller hands in: checks that
    need a room's engine live in that room, and `opsbook.validation` (above the rooms) composes them, so
    this room imports none of them. `next_changes` say when each room's result could next change with
    the time alone (the report's `valid_until`).

    `now` (aware; default: the current time) decides what is overdue, due for review or in the future.
    With a `cache` (a DocumentCache kept by a long-running process, or a StoredCache kept between runs),
    files unchanged since its last load are not read or validated again; the problems are the same.
    """
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{root}: no such handbook folder")
    now = now or dt.datetime.now(dt.timezone.utc)
    problems: list[Problem] = []
    with _collector_paused():
        contents = _load_contents(root, problems, cache=cache)
        problems.extend(checks.check_contents(contents, now))
        for check in room_checks:
            problems.extend(check(contents, now))
    problems.sort(key=Problem.sort_key)
    has_errors = any(p.is_error for p in problems)
    valid_until = _valid_until(contents, now, (checks.next_change, *next_changes))
    return Report(None if has_errors else _assemble(contents), problems, contents, valid_until)


def _valid_until(contents: Contents, now: dt.datetime, next_changes: Sequence[NextChange]) -> dt.datetime | None:
    """The earliest next change of any check that reads the time (each room says when its own could)."""
    changes = [next_change(contents, now) for next_change in next_changes]
    earliest = min((moment for moment in changes if moment is not None), default=None)
    return earliest and earliest.astimezone(now.tzinfo)  # in `now`'s offset, whose dates the checks read


def load_contents(root: Path | str, *, postmortems: bool = True) -> tuple[Contents, list[Problem]]:
    """What loads from the files at `root` and the problems met loading it, without cross-file checks.

    For tools that edit one file and check it against the rest (`ops incident`, `ops new`). No check
    compares one post-mortem with another (their ids are their file names), so an editor can leave
    them out with `postmortems=False`, which matters in a handbook with thousands of them.
    """
    problems: list[Problem] = []
    return _load_contents(Path(root), problems, postmortems=postmortems), problems


def team_zone(root: Path | str) -> str:
    """The team's time zone (`timezone` in ops/team.yaml), or UTC when the file does not give one."""
    team = load_contents(Path(root), postmortems=False)[0].team
    return team.timezone if team else "UTC"


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


class FileOutcome(NamedTuple):
    """What loading one file gave: a pure function of its path, its bytes and its model (so a cache may
    keep it)."""

    value: Any  # the validated model, Document or CadenceFile; None when the file has errors
    source: Source | None  # the parsed file; None when it could not be read or parsed
    problems: list[Problem]


_MARKDOWN = (RunbookMeta, PostmortemMeta)


def _load_contents(root: Path, problems: list[Problem], *, postmortems: bool = True,
                   cache: DocumentCache | None = None) -> Contents:
    contents = Contents(root=root)
    problems += lookalike_folders(root, TOP_FOLDERS)
    wanted: list[tuple[Path, type]] = []  # every file a model validates, in the order checks expect them
    singles: list[str] = []  # the attribute of `contents` each of the first files of `wanted` fills
    for attribute, rel, model, required in _single_files():
        path = root / rel
        if path.exists():
            wanted.append((path, model))
            singles.append(attribute)
        elif required:
            problems.append(Problem(rel, "is missing", code="missing-file",
                                    hint=f"every handbook has {rel}; `ops init` writes a starter one"))
        else:
            setattr(contents, attribute, model())
    wanted += [(path, RunbookMeta) for path in content_files(root, RUNBOOKS, problems)]
    if postmortems:
        wanted += [(path, PostmortemMeta) for path in content_files(root, POSTMORTEMS, problems)]
    wanted += [(path, Cadence) for path in content_files(root, CALENDAR, problems)]

    load = functools.partial(_load_files, root)
    outcomes = cache.outcomes(wanted, load) if cache else load(wanted)
    documents = {RunbookMeta: contents.runbooks, PostmortemMeta: contents.postmortems, Cadence: contents.cadences}
    for index, ((path, model), outcome) in enumerate(zip(wanted, outcomes)):
        problems.extend(outcome.problems)
        if index < len(singles):
            if outcome.source is not None:
                contents.sources[outcome.source.rel] = outcome.source
            setattr(contents, singles[index], outcome.value)
        elif outcome.value is not None:
            documents[model].append(outcome.value)
        elif model is RunbookMeta:
            _record_unloaded(contents, path, outcome.source.data.get("id") if outcome.source else None)
    for path in content_files(root, OPS, problems):
        if (page := _load_page(root, path, problems)) is not None:
            contents.pages.append(page)
    return contents


def _single_files() -> list[tuple[str, str, type, bool]]:
    """(attribute of Contents, path, model, required) of each file read by its own name."""
    return [("config", CONFIG_FILE, HandbookConfig, False),
            *((attribute, rel, model, required) for attribute, (rel, model, required) in OPS_FILES.items()),
            ("holidays", HOLIDAYS_FILE, HolidayCalendar, False)]


def _load_files(root: Path, wanted: list[tuple[Path, type]]) -> list[FileOutcome]:
    """The outcome of reading, parsing and validating each file of `wanted` (path, model)."""
    # Reading and parsing is most of the work, and each file's own: on two cores when there are many.
    read = map_in_halves(functools.partial(_read_file, root), [(path, model in _MARKDOWN) for path, model in wanted])
    return [FileOutcome(_validate(source, model, found) if source is not None else None, source, found)
            for (_, model), (source, found) in zip(wanted, read)]


def _read_file(root: Path, item: tuple[Path, bool]) -> tuple[Source | None, list[Problem]]:
    """A file (path, is Markdown) read and parsed, and its problems so far (a pure function of the file)."""
    path, markdown = item
    problems: list[Problem] = []
    source = read_source(path, root, problems, markdown=markdown)
    if source is not None:
        _scan_credentials(source, problems)
    return source, problems


def _validate(source: Source, model: type, problems: list[Problem]) -> Any:
    """The file's data validated as `model` (wrapped as a Document or CadenceFile), or None."""
    value, found = model_problems(source, model, source.data)
    problems.extend(found)
    if value is None and model is SloCatalogue:
        value = _catalogue_without_broken_indicators(source, found)
    if value is None:
        return None
    if model is Cadence:
        return CadenceFile(value, source)
    return Document(value, source.body, source) if model in _MARKDOWN else value


_INDICATOR_KEY = re.compile(r"^slos\[(\d+)\]\.indicator\b")


def _catalogue_without_broken_indicators(source: Source, found: list[Problem]) -> SloCatalogue | None:
    """The SLO catalogue loaded without the indicators that have errors (a PromQL typo), when that is all
    that is wrong with it: their errors are reported already, and the rest of the file and every file
    that names an SLO is still checked. The handbook stays invalid, so nothing is built from it."""
    broken = {int(match.group(1)) for problem in found if (match := _INDICATOR_KEY.match(problem.key))}
    data = source.data
    if not broken or not isinstance(data, dict) or not isinstance(data.get("slos"), list):
        return None
    slos = [{k: v for k, v in item.items() if k != "indicator"} if index in broken and isinstance(item, dict)
            else item for index, item in enumerate(data["slos"])]
    value, _ = model_problems(source, SloCatalogue, {**data, "slos": slos})
    return value


def _record_unloaded(contents: Contents, path: Path, written_id: Any) -> None:
    """Remember a runbook that did not load, by its file name and its id, so that references to it are
    reported once, as a consequence, rather than as unknown runbooks."""
    rel = path.relative_to(contents.root).as_posix()
    contents.unloaded_runbooks[path.stem] = rel
    if isinstance(written_id, str):
        contents.unloaded_runbooks.setdefault(written_id.strip(), rel)


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
    text = text.removeprefix("\ufeff")
    if conflicts := merge_conflicts(rel, text):
        problems.extend(conflicts)
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
        overrides=list(contents.overrides.overrides),
        maintenance=list(contents.maintenance.windows) if contents.maintenance else [],
    )


__all__ = ["Contents", "Report", "check_handbook", "load_handbook", "Level"]
