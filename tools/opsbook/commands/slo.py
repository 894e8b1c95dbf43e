"""`ops slo export` and `ops slo import`: the SLO catalogue as OpenSLO v1, and back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from opsbook import openslo, reporting, slo_merge
from opsbook.problems import OpsbookError, Problem, UsageError


def run_export(root: str, out: str | None) -> int:
    """Write the catalogue of the handbook at `root` as OpenSLO documents to `out` (or stdout)."""
    from opsbook.validate import load_handbook

    handbook = load_handbook(root)
    text = openslo.dump_documents(openslo.export_documents(handbook.slos.values(), handbook.services))
    if out is None:
        click.echo(text, nl=False)
        return 0
    slo_merge.write_atomically(Path(out), text)
    click.echo(f"wrote {len(handbook.slos)} SLO(s) as OpenSLO v1 to {out}", err=True)
    return 0


def run_import(file: str, root: str, dry_run: bool) -> int:
    """Merge the SLOs of the OpenSLO `file` into `ops/slos.yaml` of the handbook at `root`."""
    root_path = Path(root)
    if not root_path.is_dir():
        raise UsageError(f"{root}: no such handbook folder")
    try:
        text = Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OpsbookError(f"{file}: cannot be read: {exc}") from None
    try:
        slos = _convert(text, file, root_path)
        existing = slo_merge.read_catalogue(root_path)
    except openslo.OpenSloInvalid as exc:
        summary = f"✗ {len(exc.problems)} problem(s) in {file}; nothing was written"
        click.echo(reporting.as_text(exc.problems, summary), nl=False, err=True)
        return 1
    result = slo_merge.merge(existing, slos[0])
    if result.changed and not dry_run:
        slo_merge.write_atomically(root_path / slo_merge.SLOS_FILE, result.text)
    for note in slos[1]:
        click.echo(f"note: {note}", err=True)
    verb = "would change" if dry_run else "updated"
    parts = [f"{len(result.added)} added", f"{len(result.updated)} updated", f"{len(result.unchanged)} unchanged"]
    names = [f"+{i}" for i in result.added] + [f"~{i}" for i in result.updated]
    head = f"{slo_merge.SLOS_FILE}: " + ", ".join(parts) + (f" ({' '.join(names)})" if names else "")
    click.echo(head + ("" if result.changed else "; nothing to write") + (f" [dry run: {verb}]" if dry_run and
                                                                          result.changed else ""))
    return 0


def _convert(text: str, file: str, root: Path) -> tuple[list, list[str]]:
    """Validated `Slo` models from the OpenSLO text, and notes; raises OpenSloInvalid with every problem."""
    from opsbook.explain import model_problems
    from opsbook.models.catalogue import Slo

    imported = openslo.import_documents(openslo.parse_documents(text, file), file)
    problems = imported.problems
    slos, seen = [], {}
    for index, data in enumerate(imported.slos):
        located = _Located(file, imported, index)
        slo, found = model_problems(located, Slo, data)
        problems += [located.relabel(p) for p in found]
        if slo is None:
            continue
        line, column, key = imported.locate(index, "id")
        if slo.id in seen:
            problems.append(Problem(file, f"SLO id '{slo.id}' is given twice (first at line {seen[slo.id]})",
                                    line, column, key, code="duplicate-id"))
            continue
        seen[slo.id] = line
        slos.append(slo)
    known = _service_ids(root)
    for index, data in enumerate(imported.slos):
        service = data.get("service")
        if known is not None and isinstance(service, str) and service not in known:
            problems.append(Problem(file, f"refers to service '{service}', which ops/services.yaml does not define",
                                    *imported.locate(index, "service"), code="dangling-reference",
                                    hint="add the service to ops/services.yaml first"))
    if problems:
        raise openslo.OpenSloInvalid(sorted(problems, key=Problem.sort_key))
    return slos, imported.notes


@dataclasses.dataclass
class _Located:
    """Stands in for a handbook Source: points an opsbook field at its place in the OpenSLO file."""

    rel: str
    imported: openslo.Imported
    index: int

    def line_of(self, path: tuple) -> tuple[int | None, int | None]:
        return self.imported.locate(self.index, path[0])[:2] if path else (None, None)

    def relabel(self, problem: Problem) -> Problem:
        """Name the OpenSLO key first, the opsbook field second: `metadata.name (opsbook `id`)`."""
        field = problem.key.split(".")[0].split("[")[0]
        key = self.imported.locate(self.index, field)[2]
        return dataclasses.replace(problem, key=f"{key} (opsbook `{problem.key}`)" if key else problem.key)


def _service_ids(root: Path) -> set[str] | None:
    """The service ids of the handbook, or None when ops/services.yaml cannot be read (then not checked)."""
    from opsbook.explain import model_problems
    from opsbook.loading import read_source
    from opsbook.models.catalogue import ServiceCatalogue

    path = root / "ops" / "services.yaml"
    if not path.exists():
        return None
    problems: list[Problem] = []
    source = read_source(path, root, problems, markdown=False)
    catalogue = model_problems(source, ServiceCatalogue, source.data)[0] if source is not None else None
    return {service.id for service in catalogue.services} if catalogue is not None else None
