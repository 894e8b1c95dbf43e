"""Start a new team's handbook from the templates in `templates/init/`.

The templates are a small, valid handbook with a few placeholders (`%%TEAM%%`, `%%TIMEZONE%%`,
`%%OWNER%%`, `%%TODAY%%`, ...). A path part written `dot-github` becomes `.github` in the new handbook:
packaging tools leave hidden files out of a wheel, so the templates spell them without the dot.

Besides the templates, the handbook gets the JSON Schemas its YAML files point editors at (`schemas/`,
from `opsbook.schemas`) and a `requirements.txt` pinning the toolkit as it is installed here
(`opsbook.adopt.pin`).

Nothing is ever overwritten: when any file the handbook needs already exists, nothing is written at all.
A file the team may already keep for its own reasons (`.gitignore`) is written only when it is missing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

from opsbook.handbook.models.common import ID_PATTERN, zone
from opsbook.problems import OpsbookError, UsageError
from opsbook.adopt.pin import Pin, installed_pin

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "init"
_PLACEHOLDER = re.compile(r"%%[A-Z_]+%%")
# Written only where missing: the team's own file wins.
OPTIONAL = frozenset({".gitignore"})
ORIGINS = {
    "index": "a release from a package index",
    "vcs": "a commit of the toolkit's repository",
    "archive": "an archive of the toolkit",
    "local": "a folder on that machine,\n# which GitHub's runners cannot reach: replace it before you push",
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the new handbook is made for."""

    team: str
    timezone: str
    owner: str
    today: dt.date
    pin: Pin = dataclasses.field(default_factory=installed_pin)  # the toolkit requirements.txt installs

    def check(self) -> None:
        """Raise UsageError for a value the handbook could not hold."""
        if not self.team.strip() or any(ch in self.team for ch in "\r\n\t"):
            raise UsageError(f"--team {self.team!r}: give the team's name on one line")
        try:
            zone(self.timezone)
        except ValueError as exc:
            raise UsageError(f"--timezone {self.timezone!r}: {exc}") from None
        if not re.match(ID_PATTERN, self.owner) or len(self.owner) > 80:
            raise UsageError(f"--owner {self.owner!r}: an id is lowercase letters, digits, dots, dashes and "
                             "underscores, such as maya or j.doe")

    def values(self) -> dict[str, str]:
        """Placeholder → text. Names and titles are written as double-quoted YAML (JSON strings are)."""
        team = self.team.strip()
        return {
            "%%TEAM%%": _quoted(team),
            "%%HANDBOOK_NAME%%": _quoted(f"{team} operations handbook"),
            "%%FEED_NAME%%": _quoted(f"{team} operations reviews"),
            "%%STATUS_NAME%%": _quoted(f"{team} status"),
            "%%TIMEZONE%%": self.timezone,
            "%%OWNER%%": _plain_or_quoted(self.owner),
            "%%OWNER_NAME%%": _quoted(self.owner.replace(".", " ").replace("-", " ").replace("_", " ").title()),
            "%%TODAY%%": self.today.isoformat(),
            "%%REQUIREMENT%%": self.pin.requirement,
            "%%REQUIREMENT_YAML%%": _quoted(self.pin.requirement),
            # A stub the team completes: New Year's Day is a holiday nearly everywhere, and the first
            # business day of a quarter would otherwise be it.
            "%%NEW_YEARS_DAYS%%": "\n".join(f"  - {{date: {year}-01-01, name: New Year's Day}}"
                                           for year in range(self.today.year + 1, self.today.year + 4)),
            "%%PIN_ORIGIN%%": ORIGINS[self.pin.origin],
        }


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _plain_or_quoted(text: str) -> str:
    """An id as YAML: plain, unless the loader would read it as something else (`yes`, `1e3`, `null`)."""
    import yaml

    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    return text if tag == "tag:yaml.org,2002:str" else _quoted(text)


def render(settings: Settings, templates: Path = TEMPLATES, schemas: bool = True) -> dict[str, str]:
    """Every file of the new handbook: relative path → text, in a stable order. `settings` is anything
    with `values()` (placeholder → text); `schemas`: with the handbook's JSON Schemas in `schemas/`."""
    from opsbook.schemas import render_all

    values = settings.values()
    files = {f"schemas/{name}": text for name, text in render_all().items()} if schemas else {}
    for path in sorted(p for p in templates.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        rel = "/".join("." + part[4:] if part.startswith("dot-") else part
                       for part in path.relative_to(templates).parts)
        text = path.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        leftover = _PLACEHOLDER.search(text)
        if leftover:  # a template names a placeholder this code does not fill: a bug, not user input
            raise AssertionError(f"{rel}: unknown placeholder {leftover.group()}")
        files[rel] = text
    return dict(sorted(files.items()))


def create(directory: Path, settings: Settings) -> list[str]:
    """Write a new handbook into `directory`; return the files written.

    Raises OpsbookError, with nothing written, if any of those files already exists.
    """
    settings.check()
    return write_new_files(directory, render(settings), "start the handbook")


def write_new_files(directory: Path, files: dict[str, str], what: str) -> list[str]:
    """Write `files` (relative path → text) into `directory`; return the paths written. Raises
    OpsbookError, with nothing written, if any exists (except `OPTIONAL` ones, then left alone)."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: exists and is not a folder")
    present = {rel for rel in files if (directory / rel).exists() or (directory / rel).is_symlink()}
    files = {rel: text for rel, text in files.items() if rel not in present & OPTIONAL}
    existing = sorted(present - OPTIONAL)
    if existing:
        shown = ", ".join(existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise OpsbookError(f"{directory}: refusing to overwrite {shown}; nothing was written "
                           f"(move them away, or {what} in an empty folder)")
    _write_all(directory, files)
    return list(files)


def _write_all(directory: Path, files: dict[str, str]) -> None:
    """Write every file, or (on an OS error half-way) remove what was written and the folders made for it."""
    made_dirs: list[Path] = []
    written: list[Path] = []
    try:
        for rel, text in files.items():
            target = directory / rel
            for parent in reversed([target.parent, *target.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made_dirs.append(parent)
            _write_new(target, text)
            written.append(target)
    except OSError as exc:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise OpsbookError(f"{directory}: could not write the handbook ({exc.strerror or exc}); "
                           "nothing was left behind") from None


def _write_new(path: Path, text: str) -> None:
    """Write `path` through a temporary file beside it; never replace a file that appeared meanwhile."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.link(temp, path)  # fails with FileExistsError instead of overwriting
    finally:
        os.unlink(temp)
