"""`ops slo export` / `ops slo import`: the SLO catalogue as OpenSLO v1 and back, through the real CLI."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import NOW, REPO, ops
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opsbook.handbook.models.catalogue import Slo
from opsbook.handbook.models.common import format_duration
from opsbook.validation import check_handbook
from opsbook.slo import openslo

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _catalogue(root: Path):
    report = check_handbook(root, NOW)
    assert [p for p in report.problems if p.is_error] == []
    return report.handbook.slos


def _item(text: str) -> str:
    """A list item for a catalogue file, indented as the example's items are."""
    return textwrap.indent(textwrap.dedent(text), "  ")


def _export(root: Path, out: Path) -> list[dict]:
    result = ops("slo", "export", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return list(yaml.safe_load_all(out.read_text()))


def test_export_writes_openslo_v1_services_and_slos(tmp_path):
    docs = _export(REPO, tmp_path / "openslo.yaml")
    slos = _catalogue(REPO)
    assert {d["apiVersion"] for d in docs} == {"openslo/v1"}
    services = [d["metadata"]["name"] for d in docs if d["kind"] == "Service"]
    assert services == list(dict.fromkeys(s.service for s in slos.values()))
    by_name = {d["metadata"]["name"]: d for d in docs if d["kind"] == "SLO"}
    assert list(by_name) == list(slos)
    assert all(DNS_LABEL.match(d["metadata"]["name"]) for d in docs)

    availability = by_name["mcp-availability"]["spec"]
    assert availability["service"] == "mcp-server"
    # An SLO with counters exports them as a counter ratioMetric other tools can query.
    assert availability["indicator"]["spec"]["ratioMetric"] == {"counter": True, "good": {"metricSource": {
        "type": "Prometheus", "spec": {"query": 'mcp_responses_total{route="/mcp", outcome="answered"}'}}},
        "total": {"metricSource": {"type": "Prometheus", "spec": {"query": 'mcp_responses_total{route="/mcp"}'}}}}
    assert availability["objectives"] == [{"displayName": "MCP availability", "target": 0.995}]
    assert availability["timeWindow"] == [{"duration": "28d", "isRolling": True}]
    assert availability["budgetingMethod"] == "Occurrences"
    # An error rate that must stay under 2% is a failure ratio whose good share must reach 98%.
    errors = by_name["gift-search-errors"]["spec"]
    assert set(errors["indicator"]["spec"]["ratioMetric"]) == {"counter", "bad", "total"}
    assert by_name["gift-search-errors"]["metadata"]["annotations"]["opsbook/objective"] == "<="
    assert errors["objectives"][0]["target"] == 0.98
    latency = by_name["gift-search-latency"]
    assert "thresholdMetric" in latency["spec"]["indicator"]["spec"]
    assert latency["spec"]["objectives"][0]["op"] == "lte"
    assert latency["spec"]["objectives"][0]["value"] == 4000
    assert latency["metadata"]["annotations"]["opsbook/alert"] == "> 8000 for 10m"


def test_export_to_stdout_is_the_same_text(tmp_path):
    out = tmp_path / "openslo.yaml"
    _export(REPO, out)
    result = ops("slo", "export", "--root", str(REPO))
    assert result.returncode == 0
    assert result.stdout == out.read_text()


def test_export_then_import_round_trips_the_example_catalogue(handbook_copy, tmp_path):
    original = _catalogue(REPO)
    exported = tmp_path / "openslo.yaml"
    _export(REPO, exported)
    (handbook_copy / "ops" / "slos.yaml").unlink()

    result = ops("slo", "import", str(exported), "--root", str(handbook_copy))

    assert result.returncode == 0, result.stderr
    assert f"{len(original)} added, 0 updated, 0 unchanged" in result.stdout
    assert _catalogue(handbook_copy) == original
    assert yaml.safe_load((handbook_copy / "ops/slos.yaml").read_text()) == \
        yaml.safe_load((REPO / "ops/slos.yaml").read_text())


def test_import_of_an_unchanged_catalogue_leaves_the_file_byte_for_byte(handbook_copy, tmp_path):
    exported = tmp_path / "openslo.yaml"
    _export(handbook_copy, exported)
    before = (handbook_copy / "ops/slos.yaml").read_bytes()

    result = ops("slo", "import", str(exported), "--root", str(handbook_copy))

    assert result.returncode == 0, result.stderr
    assert "0 added, 0 updated, 6 unchanged; nothing to write" in result.stdout
    assert (handbook_copy / "ops/slos.yaml").read_bytes() == before


def test_ids_that_are_not_dns_labels_and_odd_durations_survive(handbook_copy, tmp_path):
    services = handbook_copy / "ops/services.yaml"
    services.write_text(services.read_text() + _item("""\
          - id: api_v2.gateway
            name: API gateway v2
            description: The public API.
            owners: [maya]
        """))
    slos = handbook_copy / "ops/slos.yaml"
    slos.write_text(slos.read_text() + _item("""\
          - id: api.v2_latency
            title: API v2 latency
            category: latency
            service: api_v2.gateway
            sli: p99 of API v2 requests
            metric: api_v2_p99_ms
            unit: ms
            objective: "<"
            target: 250.5
            window: 1w
            alert: {comparison: ">=", threshold: 900, for: 1h30m}
        """))
    original = _catalogue(handbook_copy)
    exported = tmp_path / "openslo.yaml"
    docs = _export(handbook_copy, exported)
    assert all(DNS_LABEL.match(d["metadata"]["name"]) for d in docs)
    odd = next(d for d in docs if d["metadata"].get("annotations", {}).get("opsbook/id") == "api.v2_latency")
    assert odd["metadata"]["annotations"]["opsbook/alert"] == ">= 900 for 90m"
    assert odd["spec"]["objectives"][0]["op"] == "lt"
    slos.unlink()

    result = ops("slo", "import", str(exported), "--root", str(handbook_copy))

    assert result.returncode == 0, result.stderr
    assert _catalogue(handbook_copy) == original


def test_import_merges_by_id_and_keeps_the_rest_of_the_file(handbook_copy, tmp_path):
    slos = handbook_copy / "ops/slos.yaml"
    before = slos.read_text()
    exported = tmp_path / "openslo.yaml"
    docs = _export(handbook_copy, exported)
    changed = next(d for d in docs if d["kind"] == "SLO" and d["metadata"]["name"] == "checkout-success")
    changed["spec"]["objectives"][0]["target"] = 0.995
    new = yaml.safe_load(yaml.safe_dump(changed))
    new["metadata"]["name"] = "checkout-latency-budget"
    only = tmp_path / "two.yaml"
    only.write_text(yaml.safe_dump_all([changed, new], sort_keys=False))

    result = ops("slo", "import", str(only), "--root", str(handbook_copy))

    assert result.returncode == 0, result.stderr
    assert "1 added, 1 updated, 0 unchanged (+checkout-latency-budget ~checkout-success)" in result.stdout
    after = _catalogue(handbook_copy)
    assert list(after) == [*(s for s in _catalogue(REPO)), "checkout-latency-budget"]
    assert after["checkout-success"].target == 0.995
    assert after["mcp-availability"] == _catalogue(REPO)["mcp-availability"]
    text = slos.read_text()
    assert text.splitlines()[0] == before.splitlines()[0]  # the file's comment survives
    # The SLOs before the changed one keep their exact lines.
    head = before.split("  - id: checkout-success")[0]
    assert text.startswith(head)


def test_dry_run_writes_nothing(handbook_copy, tmp_path):
    exported = tmp_path / "openslo.yaml"
    _export(handbook_copy, exported)
    slos = handbook_copy / "ops/slos.yaml"
    slos.write_text(slos.read_text().replace("target: 0.995", "target: 0.99"))
    before = slos.read_bytes()

    result = ops("slo", "import", str(exported), "--root", str(handbook_copy), "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "0 added, 1 updated, 5 unchanged (~mcp-availability) [dry run: would change]" in result.stdout
    assert slos.read_bytes() == before


def test_import_reads_openslo_written_by_other_tools(handbook_copy, tmp_path):
    foreign = tmp_path / "foreign.yaml"
    foreign.write_text(textwrap.dedent("""\
        apiVersion: openslo/v1
        kind: Service
        metadata: {name: checkout}
        spec: {description: Payments}
        ---
        apiVersion: openslo/v1
        kind: SLI
        metadata: {name: api-success}
        spec:
          description: Share of API calls answered with a 2xx
          ratioMetric:
            counter: true
            good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok[5m]))'}}}
            total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(all[5m]))'}}}
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: api-availability, displayName: API availability}
        spec:
          service: checkout
          indicatorRef: api-success
          timeWindow:
            - duration: 30d
              calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}
          budgetingMethod: Occurrences
          objectives: [{targetPercent: 99.9}]
          alertPolicies: [page-on-burn]
        """))

    result = ops("slo", "import", str(foreign), "--root", str(handbook_copy))

    assert result.returncode == 0, result.stderr
    slo = _catalogue(handbook_copy)["api-availability"]
    assert (slo.title, slo.service, slo.metric, slo.unit.value, slo.objective.value, slo.target) == \
        ("API availability", "checkout", "api_success", "ratio", ">=", 0.999)
    assert slo.sli == "Share of API calls answered with a 2xx"
    assert slo.window.days == 30
    assert "note: api-availability: its calendar-aligned window is imported as a rolling 30d window" in result.stderr
    assert "note: api-availability: alertPolicies are not imported" in result.stderr


BAD_WINDOW_AND_TARGET = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: api-availability
spec:
  service: checkout
  indicator:
    metadata: {name: api-success}
    spec:
      ratioMetric:
        rawType: success
        raw: {metricSource: {type: Prometheus, spec: {query: q}}}
  timeWindow:
    - duration: 1M
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 1.5
"""

CASES = {
    "window-and-target": (BAD_WINDOW_AND_TARGET, [
        "bad.yaml:14:7: error: spec.timeWindow[0].duration: is not a duration opsbook can keep",
        "bad.yaml:18:7: error: spec.objectives[0].target: is out of range",
    ]),
    "not-yaml": ("apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: [unclosed\n", [
        "bad.yaml:5:1: error: is not valid YAML",
    ]),
    "old-version": ("apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: x}\nspec: {}\n", [
        "bad.yaml:1:1: error: apiVersion: is not an OpenSLO v1 document",
    ]),
    "unknown-service": (BAD_WINDOW_AND_TARGET.replace("1M", "28d").replace("1.5", "0.99")
                        .replace("service: checkout", "service: payments"), [
        "bad.yaml:6:3: error: spec.service: refers to service 'payments', which ops/services.yaml does not define",
    ]),
    "two-objectives": (BAD_WINDOW_AND_TARGET.replace("1M", "28d").replace("1.5", "0.99")
                       + "    - target: 0.9\n", [
        "bad.yaml:19:7: error: spec.objectives[1]: opsbook keeps one objective per SLO",
    ]),
    "bad-id": (BAD_WINDOW_AND_TARGET.replace("1M", "28d").replace("1.5", "0.99")
               .replace("name: api-availability", "name: API_availability"), [
        "bad.yaml:4:3: error: metadata.name (opsbook `id`): does not have the expected form",
    ]),
    "no-indicator": ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: checkout\n"
                     "  timeWindow: [{duration: 7d}]\n  budgetingMethod: Occurrences\n  objectives: [{target: 0.9}]\n", [
        "bad.yaml:4:1: error: spec: needs `indicator` or `indicatorRef`",
    ]),
    "empty": ("# nothing here\n", ["bad.yaml:1: error: holds no OpenSLO documents"]),
    "duplicate-slo": ((lambda good: good + "---\n" + good)(BAD_WINDOW_AND_TARGET.replace("1M", "28d")
                                                           .replace("1.5", "0.99")), [
        "bad.yaml:23:3: error: metadata.name: SLO id 'api-availability' is given twice (first at line 4)",
    ]),
    "duplicate-key": (BAD_WINDOW_AND_TARGET.replace("  name: api-availability\n",
                                                    "  name: api-availability\n  name: api-latency\n"), [
        "bad.yaml:5:3: error: is not valid YAML: the key 'name' is given twice in one mapping",
    ]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_openslo_is_rejected_with_a_located_message_and_nothing_written(handbook_copy, case):
    text, expected = CASES[case]
    (handbook_copy / "bad.yaml").write_text(text)
    before = (handbook_copy / "ops/slos.yaml").read_bytes()

    result = ops("slo", "import", "bad.yaml", "--root", ".", cwd=handbook_copy)

    assert result.returncode == 1, result.stdout + result.stderr
    for line in expected:
        assert line in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert (handbook_copy / "ops/slos.yaml").read_bytes() == before


def test_a_missing_file_is_a_usage_error(handbook_copy):
    result = ops("slo", "import", "nowhere.yaml", "--root", str(handbook_copy))
    assert result.returncode == 2
    assert "nowhere.yaml: no such file" in result.stderr


SHORTHAND = re.compile(r"^\d+[mhdwMQY]$")


def test_exported_documents_keep_the_openslo_v1_rules(tmp_path):
    """The rules of the OpenSLO v1 specification that a consumer (oslo, Nobl9, Sloth) relies on."""
    for doc in _export(REPO, tmp_path / "openslo.yaml"):
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
        assert all(isinstance(v, str) for v in doc["metadata"].get("annotations", {}).values())
        assert len(doc["spec"].get("description", "")) <= 1050
        if doc["kind"] != "SLO":
            continue
        spec = doc["spec"]
        assert spec["budgetingMethod"] in ("Occurrences", "Timeslices", "RatioTimeslices")
        (window,) = spec["timeWindow"]
        assert SHORTHAND.match(window["duration"]) and window["isRolling"] is True
        indicator = spec["indicator"]["spec"]
        assert ("ratioMetric" in indicator) != ("thresholdMetric" in indicator)
        (objective,) = spec["objectives"]
        assert 0 <= objective["target"] < 1
        if "thresholdMetric" in indicator:
            assert objective["op"] in ("lte", "gte", "lt", "gt") and isinstance(objective["value"], (int, float))
        else:
            assert "op" not in objective and "value" not in objective
            ratio = indicator["ratioMetric"]
            assert ratio["rawType"] in ("success", "failure") if "raw" in ratio else {"good", "total"} <= set(ratio) \
                or {"bad", "total"} <= set(ratio)


def test_export_refuses_an_invalid_handbook(handbook_copy):
    slos = handbook_copy / "ops/slos.yaml"
    slos.write_text(slos.read_text().replace("window: 28d", "window: forever", 1))
    result = ops("slo", "export", "--root", str(handbook_copy))
    assert result.returncode == 1
    assert "run `ops validate` for details" in result.stderr
    assert result.stdout == ""


def test_import_refuses_to_merge_into_a_broken_catalogue(handbook_copy, tmp_path):
    exported = tmp_path / "openslo.yaml"
    _export(handbook_copy, exported)
    slos = handbook_copy / "ops/slos.yaml"
    slos.write_text(slos.read_text().replace("window: 28d", "window: forever", 1))
    before = slos.read_bytes()
    result = ops("slo", "import", str(exported), "--root", str(handbook_copy))
    assert result.returncode == 1
    assert "ops/slos.yaml:" in result.stderr and "slos[0].window" in result.stderr
    assert "fix ops/slos.yaml first" in result.stderr
    assert slos.read_bytes() == before


# --- property: any catalogue entry survives export then import -------------------------------------

_ids = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,30}", fullmatch=True)
# Text that YAML readers like to take for something else is drawn often, not left to chance.
_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(str.strip).filter(bool),
    st.sampled_from(["yes", "No", "on", "off", "y", "1:20", "0E0", "1e3", "~", "null", "true", "2026-01-01", "0o17",
                     "0x1F", "1_000", ".inf", "- item", "key: value", "#hash", "'quoted'", '"dq"', "a\nb"]))
_numbers = st.floats(allow_nan=False, allow_infinity=False)
_durations = st.integers(1, 60 * 24 * 400).map(lambda minutes: format_duration(dt.timedelta(minutes=minutes)))
_slos = st.fixed_dictionaries({
    "id": _ids, "title": _text, "service": _ids, "sli": _text,
    "category": st.sampled_from(["availability", "latency", "quality", "commerce", "cost", "security"]),
    "metric": st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
    "unit": st.sampled_from(["ratio", "ms", "s", "count", "percent", "currency"]),
    "objective": st.sampled_from(["<", "<=", ">", ">="]),
    "target": st.one_of(st.floats(0, 1), _numbers, st.sampled_from([0.995, 0.02, 0.1, 1.0, 0.0])),
    "window": _durations,
}, optional={
    "alert": st.fixed_dictionaries({"comparison": st.sampled_from(["<", "<=", ">", ">="]), "threshold": _numbers,
                                    "for": _durations}),
    "dashboard": st.fixed_dictionaries({"title": _text, "url": st.from_regex(r"https://[a-z]{1,9}\.example/[a-z0-9/]{0,9}",
                                                                             fullmatch=True)}),
}).map(Slo.model_validate)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_slos)
def test_any_slo_survives_export_then_import(slo):
    text = openslo.dump_documents(openslo.export_documents([slo], {}))
    # A YAML 1.1 reader (PyYAML) and a YAML 1.2 reader (ruamel.yaml, like Go's yaml.v3) see the same documents.
    from ruamel.yaml import YAML

    assert list(yaml.safe_load_all(text)) == json.loads(json.dumps(list(YAML(typ="safe", pure=True).load_all(text))))
    imported = openslo.import_documents(openslo.parse_documents(text, "x.yaml"), "x.yaml")
    assert imported.problems == []
    assert [Slo.model_validate(data) for data in imported.slos] == [slo]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_slos)
def test_any_imported_slo_is_written_so_the_handbook_reads_it_back(slo):
    from opsbook.handbook.models.catalogue import SloCatalogue
    from opsbook.slo.importer import merge

    text = merge((REPO / "ops/slos.yaml").read_text(), [slo]).text
    # The handbook's loader (PyYAML, YAML 1.1) must read exactly what was merged in.
    catalogue = SloCatalogue.model_validate(yaml.safe_load(text))
    assert {s.id: s for s in catalogue.slos}[slo.id] == slo


_junk = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
                     | st.sampled_from(["success", "failure", "lte", "28d", "1M", "< 0.8 for 5m", "openslo/v1", "SLO"]),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=8)


def _mutated(document: dict, draw) -> dict:
    """`document` with one value somewhere inside replaced by junk, or a key removed."""
    path, node = [], document
    while isinstance(node, (dict, list)) and node and draw(st.integers(0, 5)) > 0:  # mostly deep inside
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
        path.append(key)
        node = node[key]
    if not path:
        return document
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(_junk)
    return document


@functools.lru_cache(maxsize=1)
def _exported_example() -> str:
    return openslo.dump_documents(openslo.export_documents(_catalogue(REPO).values(), {}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_broken_openslo_is_refused_with_located_problems_and_never_a_traceback(data):
    from opsbook.slo.importer import read_openslo

    documents = [_mutated(doc, data.draw) for doc in list(yaml.safe_load_all(_exported_example()))[-2:]]
    text = yaml.safe_dump_all(documents, sort_keys=False)
    try:
        read_openslo(text, "x.yaml", REPO)
    except openslo.OpenSloInvalid as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "x.yaml" and problem.message
            assert problem.line is not None and 1 <= problem.line <= text.count("\n") + 1
