"""Problems found in a handbook, and the small error hierarchy the library raises.

Every problem names the file, the line (and column where known) and the key path, so a person (or a
GitHub annotation) can go straight to it. The library collects problems; only the CLI turns them into
exit codes.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Iterable

from opsbook.plural import plural


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # a consequence of an error reported elsewhere (checks it stopped); counts as neither


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one place in the handbook."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    key: str = ""
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    code: str = "invalid"
    level: Level = Level.ERROR

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR

    def location(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def sort_key(self) -> tuple:
        """By file and line; a note after its file's errors, which are its cause."""
        return (self.file, self.level is Level.NOTE, self.line or 0, self.column or 0, self.key, self.message)

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["level"] = self.level.value
        return data


def count(problems: Iterable[Problem]) -> tuple[int, int]:
    """Return (errors, warnings)."""
    errors = warnings = 0
    for problem in problems:
        if problem.is_error:
            errors += 1
        elif problem.level is Level.WARNING:
            warnings += 1
    return errors, warnings


class OpsbookError(Exception):
    """An expected failure the user can fix; the CLI prints it as one line and exits 1."""

    exit_code = 1


class UsageError(OpsbookError):
    """The command was called wrongly (bad option value, missing root); exit 2."""

    exit_code = 2


class HandbookInvalid(OpsbookError):
    """The handbook has errors; carries them so a caller can print them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors, _ = count(problems)
        super().__init__(f"the handbook has {plural(errors, 'error')}; run `ops validate` for details")
