"""The Backstage catalogue `ops org build` writes is valid against Backstage's own entity schemas
(vendored in tests/backstage-schema/, with their source) and the naming rules Backstage checks in code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import NOW, REPO
from opsbook.validation import load_handbook
from opsbook.org import kept
from opsbook.org.catalogue import entity_name, namespace, render_catalogue
from opsbook.org.config import TeamEntry
from opsbook.org.export import render_export
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "backstage-schema"
KINDS = {"Group": "GroupV1alpha1", "Component": "ComponentV1alpha1"}
# Backstage's KubernetesValidatorFunctions: object names and DNS-label namespaces, 63 characters at most.
NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
NAMESPACE = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$")


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.rglob("*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def backstage_problems(text: str) -> list[str]:
    """Every way a catalog-info YAML stream breaks Backstage's schemas or naming rules."""
    registry = _registry()
    problems = []
    for index, entity in enumerate(yaml.safe_load_all(text)):
        kind = entity.get("kind")
        if kind not in KINDS:
            problems.append(f"[{index}]: kind {kind!r}")
            continue
        schema = registry.contents(KINDS[kind])
        validator = jsonschema.Draft7Validator(schema, registry=registry)
        problems += [f"[{index}] {'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(entity)]
        meta = entity["metadata"]
        if not (NAME.match(meta["name"]) and len(meta["name"]) <= 63):
            problems.append(f"[{index}] name {meta['name']!r}")
        if not (NAMESPACE.match(meta["namespace"]) and len(meta["namespace"]) <= 63):
            problems.append(f"[{index}] namespace {meta['namespace']!r}")
    return problems


@pytest.fixture(scope="module")
def copy() -> kept.TeamCopy:
    export, _ = kept.check_export(render_export(load_handbook(REPO, NOW), NOW))
    team = TeamEntry(id="gift-genius", name="GiftGenius", site_url="https://giftgenius.github.io/handbook/")
    return kept.TeamCopy(team, kept.READ, NOW.date(), None, (), export, {}, {})


def test_the_example_teams_catalogue_is_valid_backstage(copy):
    text = render_catalogue(copy)
    assert backstage_problems(text) == []
    group, *components = yaml.safe_load_all(text)
    assert group["kind"] == "Group" and group["spec"] == {"type": "team", "children": []}
    assert [c["metadata"]["name"] for c in components] == [s.id for s in copy.export.services]
    assert {c["spec"]["owner"] for c in components} == {"group:gift-genius/gift-genius"}
    assert {link["title"] for link in group["metadata"]["links"]} == {"Handbook", "Review calendar", "On-call shifts",
                                                                      "Status page"}


def test_the_schemas_really_check(copy):
    """The harness can fail: a Group without children and a Component without an owner are refused."""
    group, component = list(yaml.safe_load_all(render_catalogue(copy)))[:2]
    del group["spec"]["children"]
    del component["spec"]["owner"]
    component["metadata"]["namespace"] = "Gift_Genius"
    problems = backstage_problems(yaml.safe_dump_all([group, component]))
    assert any("'children' is a required property" in p for p in problems)
    assert any("'owner' is a required property" in p for p in problems)
    assert any("namespace 'Gift_Genius'" in p for p in problems)


@pytest.mark.parametrize("text, name, space", [("payments", "payments", "payments"), ("Team.A_b", "Team-A-b", "team-a-b"),
                                               ("--x--", "x", "x"), ("a" * 70, "a" * 63, "a" * 63)])
def test_ids_become_backstage_names(text, name, space):
    assert (entity_name(text), namespace(text)) == (name, space)
