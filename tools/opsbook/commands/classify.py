"""`ops classify metric=value …`: which severity the policy's rules give these readings."""

from __future__ import annotations

from pathlib import Path

import click

from opsbook.problems import OpsbookError, UsageError


def run(root: str, pairs: tuple[str, ...], output_format: str) -> int:
    from opsbook.handbook.validate import load_contents
    from opsbook.incident import classify

    if not Path(root).is_dir():
        raise UsageError(f"{root}: no such handbook folder")
    contents, _ = load_contents(root, postmortems=False)
    if contents.severity is None:
        raise OpsbookError("ops/severity.yaml is missing or has errors; run `ops validate` for details")
    readings = classify.parse_readings(pairs, contents.severity)
    result = classify.classify(contents.severity, readings, contents.runbooks)
    render = classify.as_json if output_format == "json" else classify.render_text
    click.echo(render(result, readings), nl=False)
    return 0
