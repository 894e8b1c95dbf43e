"""Which files in each content folder the handbook reads, and an error naming every other file there.

A runbook saved as `rb-x.markdown`, `rb-x.MD` or `rb-x.md.txt`, or put in a subfolder, would otherwise be
skipped without a word, even when it is invalid; so would `ops/slos.yml`. Each content folder therefore
reads the files it is for and reports the rest as "not read", saying why and, where the intent is plain,
what to rename the file to.

A folder at the top whose name is close to one the handbook reads (`runbook/`, `Postmortems/`,
`calender/`) is a warning naming the right one: its files would be skipped just as silently.

Left alone, quietly: names starting with `_` or `.` (templates and notes kept beside the content,
`.gitkeep`, `.DS_Store`, an editor's `.x.swp` or `.#x`), and editor or merge leftovers (`x~`, `#x#`,
`*.bak`, `*.orig`, `*.rej`). `docs/` is free-form and not looked at.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path

from opsbook.problems import Level, Problem

QUIET_PREFIXES = ("_", ".", "#")
QUIET_SUFFIXES = ("~", ".bak", ".orig", ".rej", ".swp", ".swo")
QUIET_NAMES = ("Thumbs.db", "desktop.ini")

# Suffixes that show a file was meant to be Markdown or YAML: `.MD`, `.markdown`, `.md.txt`, `.YML`.
_MARKDOWN_LIKE = (".md", ".markdown", ".mdown", ".mkd", ".md.txt", ".markdown.txt")
_YAML_LIKE = (".yaml", ".yml", ".yaml.txt", ".yml.txt")


@dataclasses.dataclass(frozen=True)
class Folder:
    """One content folder: the suffixes of the documents it holds and the other files it reads by name."""

    name: str
    suffixes: tuple[str, ...]  # documents: every file whose name ends in one of these
    holds: str  # what the folder is for, in words, for the error about a file that does not belong
    named: tuple[str, ...] = ()  # single files read by their own loader (ops/slos.yaml)

    @property
    def markdown(self) -> bool:
        return ".md" in self.suffixes


def content_files(root: Path, folder: Folder, problems: list[Problem]) -> list[Path]:
    """The documents in `folder` (sorted by name), reporting every other file in it that is not read.

    A directory whose name ends like a document is returned too, so that reading it reports it.
    """
    try:
        entries = sorted(os.scandir(root / folder.name), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for entry in entries:
        name = entry.name
        if name.startswith(QUIET_PREFIXES) or name.endswith(QUIET_SUFFIXES) or name in QUIET_NAMES:
            continue
        if name in folder.named:
            continue
        named = _named_variant(folder, name)
        if named is not None:
            problems.append(Problem(f"{folder.name}/{name}", f"not read: {folder.name}/ reads {named}; rename it "
                                    f"to {folder.name}/{named}", code="not-read"))
        elif name.endswith(folder.suffixes):
            found.append(Path(entry.path))
        else:
            problems.append(_not_read(folder, name, entry.is_dir()))
    return found


def _named_variant(folder: Folder, name: str) -> str | None:
    """The single file `name` was meant to be (`ops/slos.yml`, `calendar/Holidays.yaml`), or None."""
    lower = name.lower()
    for known in folder.named:
        if lower.split(".", 1)[0] == known.split(".", 1)[0] and lower.endswith(_YAML_LIKE):
            return known
    return None


def lookalike_folders(root: Path, known: tuple[str, ...]) -> list[Problem]:
    """A warning for each top-level folder whose name is close to one of the `known` folders' but not it."""
    try:
        entries = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
    except OSError:
        return []
    problems = []
    for name in entries:
        if name in known or name.startswith(QUIET_PREFIXES):
            continue
        meant = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.85)
        if meant:
            right = meant[0]
            hint = (f"move its files into {right}/" if right in entries else f"rename it to {right}/")
            problems.append(Problem(f"{name}/", f"not read: the handbook reads {right}/, not {name}/",
                                    code="not-read", level=Level.WARNING,
                                    hint=hint + ", or start its name with _ to keep it unread"))
    return problems


def _not_read(folder: Folder, name: str, is_dir: bool) -> Problem:
    rel = f"{folder.name}/{name}"
    if is_dir:
        return Problem(rel, f"not read: {folder.name}/ is not searched in subfolders", code="not-read",
                       hint=f"move the files up into {folder.name}/, or start the folder's name with _ "
                            "to keep it here unread")
    meant = _meant_name(folder, name)
    if meant is not None:
        kind = "handbook documents end in .md" if meant.endswith(".md") else "YAML files here end in .yaml"
        return Problem(rel, f"not read: {kind}; rename it to {folder.name}/{meant}", code="not-read")
    return Problem(rel, f"not read: {folder.name}/ holds {folder.holds}", code="not-read",
                   hint="put other files in docs/, or start the name with _ to keep it here unread")


def _meant_name(folder: Folder, name: str) -> str | None:
    """The name the file was plainly meant to have (`x.markdown` → `x.md`), or None."""
    lower = name.lower()
    if folder.markdown:
        like, wanted = _MARKDOWN_LIKE, ".md"
    elif ".yaml" in folder.suffixes:
        like, wanted = _YAML_LIKE, ".yaml"
    else:
        return None
    for suffix in sorted(like, key=len, reverse=True):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + wanted
    return None
