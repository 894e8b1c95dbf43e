"""Bring SLOs kept as OpenSLO into `ops/slos.yaml`.

The file's SLOs are converted (`opsbook.slo.openslo`), checked as catalogue entries and against the
handbook's services, then merged by id: a new id is appended; an existing one is replaced in place,
unless it is equal to what is there, in which case its lines stay exactly as they were. The file keeps
its comments and layout, and is written atomically only after everything has been checked.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from opsbook import files
from opsbook.problems import OpsbookError, Problem
from opsbook.slo.openslo import (
    Imported,
    OpenSloInvalid,
    import_documents,
    parse_documents,
)

SLOS_FILE = "ops/slos.yaml"
_HEADER = "# The SLO catalogue: what \"working\" means, in numbers.\n"


@dataclasses.dataclass
class Merge:
    text: str
    added: list[str]
    updated: list[str]
    unchanged: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def merge(existing_text: str | None, slos: list[Any]) -> Merge:
    """The new text of the catalogue with `slos` (validated `Slo` models) merged in by id."""
    import yaml as pyyaml

    from opsbook.handbook.models.catalogue import SloCatalogue

    text = existing_text if existing_text is not None else _HEADER + "slos: []\n"
    # Decide with the fast loader; only a change pays for ruamel.yaml's comment-keeping round trip.
    plain = pyyaml.load(text, Loader=getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)) or {}
    current = SloCatalogue.model_validate(plain).slos if plain.get("slos") else []
    position = {slo.id: i for i, slo in enumerate(current)}
    result = Merge(text, [], [], [])
    edits: list[tuple[int | None, Any]] = []  # (index to replace, or None to append; the SLO)
    for slo in slos:
        if slo.id not in position:
            position[slo.id] = len(position)
            result.added.append(slo.id)
            edits.append((None, slo))
        elif slo.id in result.added or current[position[slo.id]] != slo:
            result.updated.append(slo.id)
            edits.append((position[slo.id], slo))
        else:
            result.unchanged.append(slo.id)
    if edits:
        result.text = _edited(text, edits)
    return result


def _edited(text: str, edits: list[tuple[int | None, Any]]) -> str:
    from ruamel.yaml.comments import CommentedSeq

    from opsbook.incident.editing import round_trip_yaml

    yaml = round_trip_yaml(text)
    data = yaml.load(text)
    if not data.get("slos"):  # `slos: []` is written in flow style; new entries read better as a block
        data["slos"] = CommentedSeq()
    items = data["slos"]
    for index, slo in edits:
        if index is None or index >= len(items):
            items.append(_mapping(slo))
        else:
            items[index] = _mapping(slo)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def _mapping(slo: Any):
    """`slo` as a ruamel mapping in the catalogue's key order, the alert on one line as people write it."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

    data = slo.model_dump(mode="json", by_alias=True, exclude_none=True)
    out = CommentedMap()
    for key, value in data.items():
        if key in ("objective",):
            value = Quoted(value)
        elif key == "target":
            value = _number(value)
        elif key == "indicator":  # as people write it: no empty `by`, no zero `min_rate`
            value = slo.indicator.model_dump(mode="json", exclude_defaults=True)
        elif key == "alert":
            alert = CommentedMap([("comparison", Quoted(value["comparison"])),
                                  ("threshold", _number(value["threshold"])), ("for", value["for"])])
            alert.fa.set_flow_style()
            value = alert
        elif isinstance(value, dict):
            value = CommentedMap((k, _text(v)) for k, v in value.items())
        out[key] = _text(value)
    return out


def _text(value: Any) -> Any:
    """Quote text the handbook's YAML 1.1 loader would read as something else (`yes`, `on`, `1:20`).

    ruamel.yaml writes YAML 1.2, where those are plain strings; PyYAML, which loads the handbook, would
    turn them into booleans and numbers.
    """
    import yaml
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

    if not isinstance(value, str) or isinstance(value, ScalarString):
        return value
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    return DoubleQuotedScalarString(value) if tag != "tag:yaml.org,2002:str" else value


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def read_catalogue(root: Path) -> str | None:
    """The text of `ops/slos.yaml`, None if there is none; refuses a catalogue that does not validate."""
    from opsbook.handbook.explain import model_problems
    from opsbook.handbook.loading import read_source
    from opsbook.handbook.models.catalogue import SloCatalogue

    path = root / SLOS_FILE
    if not path.exists():
        return None
    problems: list[Problem] = []
    source = read_source(path, root, problems, markdown=False)
    if source is not None:
        problems += model_problems(source, SloCatalogue, source.data)[1]
    if problems:
        first = problems[0]
        raise OpsbookError(f"{first.location()}: {first.key + ': ' if first.key else ''}{first.message}; "
                           f"fix {SLOS_FILE} first (`ops validate` lists every problem)")
    return source.text


def write_atomically(path: Path, text: str) -> None:
    """Write `text` beside `path`, then move it into place: readers see the old file or the new one."""
    files.write_atomically(path, text, mode=files.mode_to_keep(path))


def read_openslo(text: str, file: str, root: Path) -> tuple[list, list[str]]:
    """The SLOs of an OpenSLO file as validated `Slo` models whose services the handbook at `root` has,
    and notes on what was left behind; raises OpenSloInvalid with every problem, located in `file`.
    """
    from opsbook.handbook.explain import model_problems
    from opsbook.handbook.models.catalogue import Slo

    imported = import_documents(parse_documents(text, file), file)
    problems = imported.problems
    slos, seen = [], {}
    for index, data in enumerate(imported.slos):
        located = _Located(file, imported, index)
        slo, found = model_problems(located, Slo, data)
        problems += [located.relabel(p) for p in found]
        if slo is None:
            continue
        if slo.id in seen:  # where things are is worked out only now, for the message
            first = imported.locate(seen[slo.id], "id")[0]
            problems.append(Problem(file, f"SLO id '{slo.id}' is given twice (first at line {first})",
                                    *imported.locate(index, "id"), code="duplicate-id"))
            continue
        seen[slo.id] = index
        slos.append(slo)
    known = _service_ids(root)
    for index, data in enumerate(imported.slos):
        service = data.get("service")
        if known is not None and isinstance(service, str) and service not in known:
            problems.append(Problem(file, f"refers to service '{service}', which ops/services.yaml does not define",
                                    *imported.locate(index, "service"), code="dangling-reference",
                                    hint="add the service to ops/services.yaml first"))
    if problems:
        raise OpenSloInvalid(sorted(problems, key=Problem.sort_key))
    return slos, imported.notes


@dataclasses.dataclass
class _Located:
    """Stands in for a handbook Source: points an opsbook field at its place in the OpenSLO file."""

    rel: str
    imported: Imported
    index: int

    def line_of(self, path: tuple) -> tuple[int | None, int | None]:
        return self.imported.locate(self.index, path[0])[:2] if path else (None, None)

    def text_at(self, path: tuple) -> str | None:
        """The value as written is in another shape (OpenSLO's), so explanations show the value read."""
        return None

    def relabel(self, problem: Problem) -> Problem:
        """Name the OpenSLO key first, the opsbook field second: `metadata.name (opsbook `id`)`."""
        field = problem.key.split(".")[0].split("[")[0]
        key = self.imported.locate(self.index, field)[2]
        return dataclasses.replace(problem, key=f"{key} (opsbook `{problem.key}`)" if key else problem.key)


def _service_ids(root: Path) -> set[str] | None:
    """The service ids of the handbook, or None when ops/services.yaml cannot be read (then not checked)."""
    from opsbook.handbook.explain import model_problems
    from opsbook.handbook.loading import read_source
    from opsbook.handbook.models.catalogue import ServiceCatalogue

    path = root / "ops" / "services.yaml"
    if not path.exists():
        return None
    problems: list[Problem] = []
    source = read_source(path, root, problems, markdown=False)
    catalogue = model_problems(source, ServiceCatalogue, source.data)[0] if source is not None else None
    return {service.id for service in catalogue.services} if catalogue is not None else None
