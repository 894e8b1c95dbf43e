"""`opsbook.json`, what a team's site tells its organisation: only what an organisation may read.

Every internal text of the example handbook (post-mortem narratives, timelines and impact, runbook
bodies, detection and scope, descriptions, where secrets are kept and how they are rotated, people's
handles and e-mail) is looked for in the export, as written and with JSON's escaping undone.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import NOW, REPO
from opsbook.validation import load_handbook
from opsbook.org import contract
from opsbook.org.export import render_export
from test_status_leaks import _fragments


@pytest.fixture(scope="module")
def handbook():
    return load_handbook(REPO, NOW)


@pytest.fixture(scope="module")
def exported(handbook) -> bytes:
    return render_export(handbook, NOW)


def _internal(handbook) -> dict[str, str]:
    found: dict[str, str] = {}

    def add(where: str, text: str | None) -> None:
        for n, part in enumerate(_fragments(text or "")):
            found[f"{where} {n}"] = part

    for pm in handbook.postmortems.values():
        for i, event in enumerate(pm.meta.timeline):
            add(f"{pm.id}: timeline[{i}]", event.text)
        add(f"{pm.id}: impact", pm.meta.impact.summary if pm.meta.impact else None)
        add(f"{pm.id}: body", pm.body)
    for rb in handbook.runbooks.values():
        add(f"{rb.id}: body", rb.body)
        add(f"{rb.id}: detection", rb.meta.detection.summary)
        add(f"{rb.id}: scope", rb.meta.scope)
    for service in handbook.services.values():
        add(f"service {service.id}: description", service.description)
    for slo in handbook.slos.values():
        add(f"slo {slo.id}: sli", slo.sli)
    for secret in handbook.secrets:
        add(f"secret {secret.name}: description", secret.description)
        add(f"secret {secret.name}: how_to_rotate", secret.how_to_rotate)
        for place in secret.stored_in:
            found[f"secret {secret.name}: stored_in {place}"] = place
    for person in handbook.team.people:
        for kind in ("email", "github"):
            if value := getattr(person, kind):
                found[f"{person.id}: {kind}"] = value
    return found


def test_the_example_has_internal_text_to_leak(handbook):
    internal = _internal(handbook)
    assert len(internal) > 100
    assert any("stored_in" in where for where in internal) and any(": email" in where for where in internal)


def test_no_internal_text_reaches_the_export(handbook, exported):
    raw = exported.decode("utf-8")
    readable = json.dumps(json.loads(raw), ensure_ascii=False)  # the same text, escapes undone
    readable = re.sub(r"\s+", " ", json.loads(json.dumps(readable)))
    leaks = [f"{where}: {text[:60]}" for where, text in _internal(handbook).items()
             if text in raw or text in readable or text in _texts(json.loads(raw))]
    assert leaks == []


def _texts(data) -> str:
    """Every string of the export, joined, escapes undone."""
    if isinstance(data, dict):
        return " ".join(_texts(value) for value in data.values())
    if isinstance(data, list):
        return " ".join(_texts(value) for value in data)
    return str(data)


def test_the_export_says_what_the_organisation_reads(handbook, exported):
    data = json.loads(exported)
    assert data["schema_version"] == contract.SCHEMA_VERSION and data["as_of"] == "2026-11-26"
    assert data["site_url"] == "https://giftgenius.github.io/handbook/"
    assert {s["id"] for s in data["services"]} == set(handbook.services)
    incident = next(i for i in data["incidents"] if i["id"] == "pm-2026-10-14-checkout-outage")
    assert incident["url"] == "https://giftgenius.github.io/handbook/postmortems/pm-2026-10-14-checkout-outage/"
    assert incident["detected"] and incident["resolved"] and incident["severity"].startswith("SEV-")
    shifts = [shift for rotation in data["rotations"] for shift in rotation["shifts"]]
    assert shifts and min(s["start"] for s in shifts) < "2026-11-26" < max(s["end"] for s in shifts)
    assert all(cadence["next"] for cadence in data["cadences"])
    assert {s["name"] for s in data["secrets"]} == {s.name for s in handbook.secrets}


def test_the_same_handbook_on_the_same_day_gives_the_same_bytes(handbook, exported):
    assert render_export(handbook, NOW + dt.timedelta(hours=1)) == exported


def test_a_reader_keeps_fields_a_later_minor_version_adds(exported):
    data = json.loads(exported)
    data["schema_version"] = "1.7"
    data["pager"] = {"vendor": "later"}
    data["services"][0]["lifecycle"] = "production"
    read = contract.Export.model_validate(data)
    assert read.services[0].id == data["services"][0]["id"] and contract.major(read.schema_version) == 1


@pytest.mark.parametrize("version, expected", [("1.0", 1), ("2.3", 2), ("v1", None), (1.0, None), ("", None)])
def test_the_major_version_is_read_or_refused(version, expected):
    assert contract.major(version) == expected
