"""The committed JSON Schemas match the models, are valid draft-07, and agree with the validator."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from conftest import REPO
from opsbook.handbook.loading import _Loader
from opsbook.schemas import SCHEMAS, render_all

SCHEMA_DIR = REPO / "schemas"
EXAMPLES = {
    "slos": ["ops/slos.yaml"], "severity": ["ops/severity.yaml"], "services": ["ops/services.yaml"],
    "team": ["ops/team.yaml"], "secrets": ["ops/secrets.yaml"], "holidays": ["calendar/holidays.yaml"],
    "config": ["opsbook.yaml"], "oncall-overrides": ["ops/oncall-overrides.yaml"],
    "maintenance": ["ops/maintenance.yaml"],
    "cadence": sorted(str(p.relative_to(REPO)) for p in (REPO / "calendar").glob("*.yaml") if p.name != "holidays.yaml"),
    "runbook": sorted(str(p.relative_to(REPO)) for p in (REPO / "runbooks").glob("*.md")),
    "postmortem": sorted(str(p.relative_to(REPO)) for p in (REPO / "postmortems").glob("*.md")),
    "opsbook-export": ["site/opsbook.json"],  # not a file of the handbook: the example's, built by `_data`
}


def _data(rel: str):
    if rel == "site/opsbook.json":
        from conftest import NOW
        from opsbook.validation import load_handbook
        from opsbook.org.export import render_export

        return json.loads(render_export(load_handbook(REPO, NOW), NOW))
    text = (REPO / rel).read_text(encoding="utf-8")
    if rel.endswith(".md"):
        text = text.split("---\n", 2)[1]
    return yaml.load(text, Loader=_Loader)


def test_committed_schemas_are_up_to_date():
    rendered = render_all()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.schema.json")}
    assert committed == rendered, "run `ops schema` and commit the result"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_draft_7(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    assert "$defs" not in json.dumps(schema)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_example_files_satisfy_their_schema(name):
    validator = jsonschema.Draft7Validator(json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text()))
    assert EXAMPLES[name], f"no example file for {name}"
    for rel in EXAMPLES[name]:
        errors = [f"{rel}: {'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(_data(rel))]
        assert errors == []


def test_schema_rejects_what_the_validator_rejects():
    validator = jsonschema.Draft7Validator(json.loads((SCHEMA_DIR / "cadence.schema.json").read_text()))
    data = _data("calendar/weekly-slo-review.yaml")
    data["cadense"] = "typo"
    data["duration"] = "half an hour"
    messages = sorted(e.message for e in validator.iter_errors(data))
    assert any("'cadense' was unexpected" in m for m in messages)
    assert any("half an hour" in m for m in messages)


def test_yaml_files_point_editors_at_their_schema():
    for name, files in EXAMPLES.items():
        for rel in files:
            if rel.endswith(".yaml"):
                first = (REPO / rel).read_text(encoding="utf-8").splitlines()[0]
                assert first.startswith("# yaml-language-server: $schema=") and first.endswith(f"/{name}.schema.json")
