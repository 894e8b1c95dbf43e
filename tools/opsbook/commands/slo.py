"""`ops slo ...`: the SLO catalogue as OpenSLO v1 and back, as Prometheus rules, their tests, live numbers."""

from __future__ import annotations

from pathlib import Path

import click

from opsbook import reporting
from opsbook.plural import plural
from opsbook.problems import OpsbookError, UsageError
from opsbook.slo import importer as slo_import
from opsbook.slo import openslo


def run_export(root: str, out: str | None) -> int:
    """Write the catalogue of the handbook at `root` as OpenSLO documents to `out` (or stdout)."""
    from opsbook.validation import load_handbook

    handbook = load_handbook(root)
    text = openslo.dump_documents(openslo.export_documents(handbook.slos.values(), handbook.services))
    if out is None:
        click.echo(text, nl=False)
        return 0
    slo_import.write_atomically(Path(out), text)
    click.echo(f"wrote {plural(len(handbook.slos), 'SLO')} as OpenSLO v1 to {out}", err=True)
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
        slos, notes = slo_import.read_openslo(text, file, root_path)
        existing = slo_import.read_catalogue(root_path)
    except openslo.OpenSloInvalid as exc:
        summary = f"✗ {plural(len(exc.problems), 'problem')} in {file}; nothing was written"
        click.echo(reporting.as_text(exc.problems, summary), nl=False, err=True)
        return 1
    result = slo_import.merge(existing, slos)
    if result.changed and not dry_run:
        slo_import.write_atomically(root_path / slo_import.SLOS_FILE, result.text)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    counts = f"{len(result.added)} added, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
    names = " ".join([f"+{i}" for i in result.added] + [f"~{i}" for i in result.updated])
    tail = "; nothing to write" if not result.changed else " [dry run: would change]" if dry_run else ""
    click.echo(f"{slo_import.SLOS_FILE}: {counts}" + (f" ({names})" if names else "") + tail)
    return 0


def run_rules(root: str, out: str | None, alertmanager: bool) -> int:
    """Write the Prometheus rule file of the handbook at `root` to `out` (or stdout)."""
    from opsbook.validation import load_handbook
    from opsbook.slo import rules

    handbook = load_handbook(root)
    if alertmanager:
        click.echo(rules.inhibition(handbook), nl=False)
        return 0
    text = rules.render(handbook)
    if out is None:
        click.echo(text, nl=False)
        return 0
    slo_import.write_atomically(Path(out), text)
    groups = rules.rule_file(handbook)["groups"]
    count = sum(len(group["rules"]) for group in groups)
    click.echo(f"wrote {plural(count, 'rule')} in {plural(len(groups), 'group')} to {out}", err=True)
    return 0


def run_test(root: str, keep: str | None) -> int:
    """Write the promtool unit tests of the handbook at `root` and run them; 1 when any fails."""
    import tempfile

    from opsbook.validation import load_handbook
    from opsbook.slo import promtool, unittests

    handbook = load_handbook(root)
    promtool.executable()  # before any work: say at once when promtool is missing
    suite = unittests.build(handbook)
    for note in suite.skipped:
        click.echo(f"note: not tested: {note}", err=True)
    with tempfile.TemporaryDirectory(prefix="opsbook-slo-test-") as scratch:
        folder = Path(keep) if keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        files = unittests.write(suite, folder)
        result = promtool.test_rules(files, folder)
    if result.returncode != 0:
        click.echo(result.stdout, nl=False)
        click.echo(f"✗ promtool test rules failed ({plural(suite.count, 'test')} in {plural(len(files), 'file')})",
                   err=True)
        return 1
    where = f"; files in {keep}" if keep else ""
    click.echo(f"✓ {plural(suite.count, 'promtool test')} passed in {plural(len(files), 'file')}{where}")
    return 0


def run_status(root: str, url: str | None, cadence: str | None, slo_ids: tuple[str, ...], as_of: str | None,
               period: str, output_format: str) -> int:
    """Print the numbers of the chosen SLOs from Prometheus; 1 when they are missing (and why)."""
    import json
    import os

    from opsbook.dates import parse_as_of
    from opsbook.handbook.models.common import parse_duration
    from opsbook.validation import load_handbook
    from opsbook.slo import status
    from opsbook.slo.prometheus import Prometheus

    try:
        span = parse_duration(period)
    except ValueError as exc:
        raise UsageError(f"--period {period!r}: {exc}") from None
    at = parse_as_of(as_of)
    handbook = load_handbook(root, at)
    settings = handbook.config.prometheus
    url = url or os.environ.get("PROMETHEUS_URL") or settings.url
    if not url:
        raise UsageError("no Prometheus to ask: give --prometheus URL, set PROMETHEUS_URL, or set prometheus.url "
                         "in opsbook.yaml")
    chosen = choose_slos(handbook, cadence, slo_ids)
    report = status.collect(Prometheus(url, settings.timeout), chosen, at, span)
    if output_format == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif output_format == "markdown":
        click.echo(status.as_markdown(report))
    else:
        click.echo(status.as_text(report), nl=False)
    if report.missing is not None:
        click.echo(f"ops: error: the numbers are missing: Prometheus at {url} {report.missing}", err=True)
        return 1
    return 0


def choose_slos(handbook, cadence: str | None, slo_ids: tuple[str, ...]) -> list:
    """The SLOs named by `slo_ids`, else by the cadence, else every SLO with an indicator."""
    if cadence is not None:
        if cadence not in handbook.cadences:
            raise UsageError(f"--cadence {cadence!r}: no such cadence in calendar/")
        slo_ids = slo_ids or tuple(handbook.cadences[cadence].cadence.slos)
    unknown = [i for i in slo_ids if i not in handbook.slos]
    if unknown:
        raise UsageError(f"--slo {unknown[0]!r}: no such SLO in ops/slos.yaml")
    if slo_ids:
        return [handbook.slos[i] for i in slo_ids]
    return [slo for slo in handbook.slos.values() if slo.indicator is not None]
