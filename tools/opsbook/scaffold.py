"""New runbooks, post-mortems and cadences from the templates in `templates/new/`.

A template is a valid example document; scaffolding replaces its values with the ones given, keeps its
comments and layout, and writes the result only if `ops validate` would accept it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import unicodedata
from pathlib import Path
from typing import Any

from opsbook.editing import Editable, read_editable, write_checked
from opsbook.models.common import format_duration
from opsbook.problems import UsageError

TEMPLATES = Path(__file__).resolve().parent / "templates" / "new"


@dataclasses.dataclass(frozen=True, slots=True)
class Kind:
    name: str
    folder: str
    suffix: str
    template: str
    id_prefix: str


KINDS = {
    "runbook": Kind("runbook", "runbooks", ".md", "runbook.md", "rb-"),
    "postmortem": Kind("postmortem", "postmortems", ".md", "postmortem.md", "pm-"),
    "cadence": Kind("cadence", "calendar", ".yaml", "cadence.yaml", ""),
}


class Quoted(str):
    """A string to write in double quotes (a time of day that YAML 1.1 would read as a number)."""


def slugify(title: str, limit: int = 40) -> str:
    """`Checkout failing for EU users!` → `checkout-failing-for-eu-users`, cut at a word within `limit`."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = ""
    for word in re.findall(r"[a-z0-9]+", ascii_text):
        if slug and len(slug) + 1 + len(word) > limit:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug[:limit].strip("-") or "untitled"


def path_for(root: Path, kind: str, doc_id: str) -> Path:
    spec = KINDS[kind]
    return root / spec.folder / f"{doc_id}{spec.suffix}"


def unique_id(root: Path, kind: str, base: str) -> str:
    """`base`, or `base-2`, `base-3`… when a file of that name exists already."""
    candidate, n = base, 1
    while path_for(root, kind, candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def render(kind: str, fields: dict[str, Any]) -> str:
    """The template of `kind` with `fields` set (a None value removes the template's key)."""
    spec = KINDS[kind]
    document = read_editable(TEMPLATES / spec.template, markdown=spec.suffix == ".md")
    fill(document, fields)
    return document.render()


def fill(document: Editable, fields: dict[str, Any]) -> None:
    """Set each field, styled like the value it replaces (flow lists stay flow), keeping comments."""
    data = document.data
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = styled(value, data.get(key))


def styled(value: Any, like: Any = None) -> Any:
    """`value` as round-trip YAML data, in the style of `like` (the template's value at that place)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    flow = bool(getattr(like, "fa", None) and like.fa.flow_style())
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            if item is not None:
                out[key] = styled(item, like.get(key) if isinstance(like, dict) else None)
        if flow:
            out.fa.set_flow_style()
        return out
    if isinstance(value, (list, tuple)):
        sample = like[0] if isinstance(like, list) and like else None
        out = CommentedSeq(styled(item, sample) for item in value)
        if flow or (not value and like is not None):
            out.fa.set_flow_style()
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return DoubleQuotedScalarString(value.isoformat())
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, Quoted):
        return DoubleQuotedScalarString(str(value))
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def create(root: Path, kind: str, fields: dict[str, Any], now: dt.datetime) -> Path:
    """Write a new document of `kind` from its template; refuses (writing nothing) if it would be invalid."""
    doc_id = fields.get("id")
    if not doc_id:
        raise UsageError(f"a new {kind} needs an id")
    path = path_for(root, kind, doc_id)
    if not path.parent.is_dir():
        raise UsageError(f"{root}: no {KINDS[kind].folder}/ folder; is --root the handbook's folder?")
    write_checked(root, path, render(kind, fields), kind, now, create=True)
    return path
