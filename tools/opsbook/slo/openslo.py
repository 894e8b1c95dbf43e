"""The SLO catalogue as OpenSLO v1 documents, and back.

Export writes one `kind: Service` per service the catalogue uses and one `kind: SLO` per SLO, with the
indicator inline:

- a ratio SLI that must stay at or above its target becomes a precomputed success ratio
  (`ratioMetric.raw`, `rawType: success`) with the target as the objective's `target`;
- a ratio SLI that must stay at or below its target (an error rate) becomes a failure ratio
  (`rawType: failure`) whose objective is the share of good, `1 - target`;
- anything else (latency, cost, counts, or a ratio target OpenSLO's [0, 1) budget cannot hold exactly)
  becomes a `thresholdMetric` whose objective compares the SLI with `value` (`op: lte` for `<=`). opsbook judges the SLI over the whole window, so the objective's
  budget `target` is written as THRESHOLD_TARGET and not read back.

An SLO with a ratio indicator (event counters, see `handbook/models/indicator.py`) exports a counter
`ratioMetric` with `good` or `bad` and `total` Prometheus queries instead, whose objective is the share
of good as OpenSLO budgets it; an error-rate SLO (`<=`) is marked `opsbook/objective: "<="` so import
turns the target back. Import reads such `good`/`bad`/`total` queries from other tools as an indicator.

What OpenSLO has no field for (category, unit, metric name, alert, dashboard, the whole indicator with
its grouping and minimum traffic, an id that is not a DNS label) travels in `metadata.annotations` under `opsbook/`, so export then import gives back the same
catalogue. Import reads OpenSLO files written by other tools too: it takes what opsbook can keep,
reports what it leaves behind as notes, and rejects what it cannot read with the file, line and key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any, Iterable

from opsbook.handbook.explain import key_path
from opsbook.handbook.loading import (  # the handbook's YAML loader: libyaml, duplicate keys refused
    _Loader,
    mark_at,
)
from opsbook.handbook.models.common import parse_duration
from opsbook.plural import plural
from opsbook.problems import OpsbookError, Problem

API_VERSION = "openslo/v1"
ANNOTATION = "opsbook/"
THRESHOLD_TARGET = 0.99
KINDS = ("SLO", "Service", "SLI", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
_OPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_SHORTHAND = re.compile(r"^(\d+)([mhdwMQY])$")
_ALERT = re.compile(r"^\s*(<=|>=|<|>)\s*(-?[0-9.eE+-]+)\s+for\s+(\S+)\s*$")


class OpenSloInvalid(OpsbookError):
    """An OpenSLO file that cannot be imported; carries every located problem. Nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{plural(len(problems), 'problem')} in the OpenSLO input; nothing was written")


# --- export --------------------------------------------------------------------------------------

def export_documents(slos: Iterable[Any], services: dict[str, Any]) -> list[dict]:
    """OpenSLO v1 documents for `slos` (opsbook `Slo` models): the services they use, then the SLOs."""
    slos = list(slos)
    used = list(dict.fromkeys(slo.service for slo in slos))
    documents = [_service_document(service_id, services.get(service_id)) for service_id in used]
    return documents + [_slo_document(slo) for slo in slos]


# Plain scalars a YAML 1.2 reader (Go's yaml.v3, ruamel.yaml) takes for a number, a boolean or null.
_YAML12_NOT_TEXT = re.compile(r"""^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+
    |0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)


def dump_documents(documents: list[dict]) -> str:
    """Multi-document YAML, one `---` per document, keys in the order OpenSLO's examples use.

    PyYAML quotes text that YAML 1.1 would read as something else; text that only YAML 1.2 readers
    would (`0E0`, `1e3`) is quoted too, so every OpenSLO tool reads back the same strings.
    """
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter when present
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "'" if _YAML12_NOT_TEXT.match(value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump_all(documents, Dumper=Dumper, sort_keys=False, allow_unicode=True, explicit_start=True,
                         width=100)


def _service_document(service_id: str, service: Any | None) -> dict:
    metadata: dict[str, Any] = {"name": _dns_name(service_id)}
    if service is not None:
        metadata["displayName"] = service.name
    if metadata["name"] != service_id:
        metadata["annotations"] = {ANNOTATION + "id": service_id}
    document = {"apiVersion": API_VERSION, "kind": "Service", "metadata": metadata}
    document["spec"] = {"description": service.description} if service is not None else {}
    return document


def _slo_document(slo: Any) -> dict:
    annotations = {ANNOTATION + "category": slo.category.value, ANNOTATION + "unit": slo.unit.value,
                   ANNOTATION + "metric": slo.metric}
    if slo.alert is not None:
        annotations[ANNOTATION + "alert"] = (f"{slo.alert.comparison.value} {_number(slo.alert.threshold)} "
                                             f"for {shorthand(slo.alert.for_)}")
    if slo.dashboard is not None:
        annotations[ANNOTATION + "dashboard-title"] = slo.dashboard.title
        annotations[ANNOTATION + "dashboard-url"] = slo.dashboard.url
    name = _dns_name(slo.id)
    if name != slo.id:
        annotations[ANNOTATION + "id"] = slo.id
    if _dns_name(slo.service) != slo.service:
        annotations[ANNOTATION + "service"] = slo.service
    source = {"metricSource": {"type": "opsbook", "spec": {"metric": slo.metric}}}
    objective: dict[str, Any] = {"displayName": slo.title}
    budget = _ratio_budget(slo)
    indicator = getattr(slo, "indicator", None)
    if indicator is not None:
        annotations[ANNOTATION + "indicator"] = json.dumps(
            indicator.model_dump(mode="json", exclude_defaults=True), separators=(",", ":"))
    if budget is not None and indicator is not None and indicator.ratio is not None:
        raw_type, objective["target"] = budget
        if raw_type == "failure":
            annotations[ANNOTATION + "objective"] = "<="
        metric = {"ratioMetric": {"counter": True, **{
            key: {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}
            for key, query in (("good", indicator.ratio.good), ("bad", indicator.ratio.bad),
                               ("total", indicator.ratio.total)) if query is not None}}}
    elif budget is not None:
        raw_type, objective["target"] = budget
        metric = {"ratioMetric": {"counter": False, "rawType": raw_type, "raw": source}}
    else:
        metric = {"thresholdMetric": source}
        objective.update(op=_OPS[slo.objective.value], value=_number(slo.target), target=THRESHOLD_TARGET)
    return {
        "apiVersion": API_VERSION,
        "kind": "SLO",
        "metadata": {"name": name, "displayName": slo.title, "annotations": annotations},
        "spec": {
            "description": slo.sli,
            "service": _dns_name(slo.service),
            "indicator": {"metadata": {"name": _dns_name(slo.metric)}, "spec": {"description": slo.sli, **metric}},
            "timeWindow": [{"duration": shorthand(slo.window), "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [objective],
        },
    }


def _ratio_budget(slo: Any) -> tuple[str, float | int] | None:
    """(rawType, budget target) when the SLO reads as a success or failure ratio OpenSLO can hold exactly.

    OpenSLO's target lies in [0, 1); a target of 1.0, or an error-rate target whose `1 - target` does not
    come back as the same number, is written as a threshold instead so that nothing is lost.
    """
    if slo.unit.value != "ratio" or slo.objective.value not in (">=", "<="):
        return None
    if slo.objective.value == ">=":
        raw_type, target = "success", slo.target
    else:
        raw_type, target = "failure", round(1 - slo.target, 12)
        if round(1 - target, 12) != slo.target:
            return None
    return (raw_type, _number(target)) if 0 <= target < 1 else None


def shorthand(delta: dt.timedelta) -> str:
    """A duration in OpenSLO's shorthand (one number, one unit): `28d`, `90m`."""
    minutes = int(delta.total_seconds() // 60)
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def _dns_name(text: str) -> str:
    """`text` as an RFC 1123 label, which OpenSLO wants for `metadata.name`."""
    if _DNS_LABEL.match(text):
        return text
    label = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:63].strip("-")
    return label or "x"


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# --- import --------------------------------------------------------------------------------------

@dataclasses.dataclass
class Imported:
    """What an OpenSLO file gives the catalogue: SLO data (checked by the caller's model), notes."""

    slos: list[dict]
    origins: list[tuple["_Doc", dict]]  # per SLO: its document, and opsbook field -> key path there
    notes: list[str]
    problems: list[Problem]

    def locate(self, index: int, field: str) -> tuple[int | None, int | None, str]:
        """(line, column, key path) in the OpenSLO file of `field` of the `index`-th SLO."""
        doc, where = self.origins[index]
        path = where.get(field, ())
        return (*doc.position(path), key_path(path))


class _Stream:
    """An OpenSLO file's text and, composed only once a problem needs a line number, its node trees."""

    def __init__(self, text: str):
        self.text = text
        self._nodes: list | None = None

    def node(self, index: int) -> Any:
        if self._nodes is None:
            import yaml

            try:
                self._nodes = list(yaml.compose_all(self.text, Loader=_Loader))
            except yaml.YAMLError:
                self._nodes = []
        return self._nodes[index] if index < len(self._nodes) else None


@dataclasses.dataclass
class _Doc:
    """One YAML document of the file, with a way to point at its keys."""

    index: int
    data: Any
    file: str
    stream: _Stream

    @property
    def name(self) -> str:
        return str(self.data["metadata"]["name"])

    def position(self, path: tuple) -> tuple[int | None, int | None]:
        """1-based (line, column) of the deepest key of `path` this document has."""
        node = self.stream.node(self.index)
        if node is None:
            return None, None
        mark = mark_at(node, path)
        return mark.line + 1, mark.column + 1

    def at(self, path: tuple, message: str, **extra: Any) -> Problem:
        line, column = self.position(path)
        return Problem(self.file, message, line, column, key_path(path), **extra)


def parse_documents(text: str, file: str) -> list[_Doc]:
    """The documents of an OpenSLO file; raises OpenSloInvalid for YAML it cannot read.

    Parsing uses the handbook's loader (libyaml when present; a key given twice is an error); line
    numbers are worked out only for documents with a problem.
    """
    import yaml

    try:
        loaded = list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise OpenSloInvalid([Problem(file, f"is not valid YAML: {exc.problem or exc.context}",
                                      mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                                      code="yaml")]) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise OpenSloInvalid([Problem(file, f"is not valid YAML: {exc}", code="yaml")]) from None
    stream = _Stream(text)
    return [_Doc(i, data, file, stream) for i, data in enumerate(loaded) if data is not None]


def import_documents(docs: list[_Doc], file: str) -> Imported:
    """Convert the SLO documents among `docs`, collecting every problem (the caller decides to refuse)."""
    problems: list[Problem] = []
    result = Imported([], [], [], problems)
    if not docs:
        problems.append(Problem(file, "holds no OpenSLO documents", 1, code="empty"))
        return result
    valid = [doc for doc in docs if _check_envelope(doc, problems)]
    slis = {str(doc.data["metadata"]["name"]): doc for doc in valid if doc.data["kind"] == "SLI"}
    for doc in valid:
        if doc.data["kind"] == "SLO":
            converted = _convert_slo(doc, slis, problems, result.notes)
            if converted is not None:
                result.slos.append(converted[0])
                result.origins.append((doc, converted[1]))
    skipped = sorted({doc.data["kind"] for doc in valid} - {"SLO", "Service", "SLI"})
    if skipped:
        result.notes.append("not imported (opsbook has no place for them): " + ", ".join(skipped))
    if not problems and not result.slos:
        problems.append(Problem(file, "holds no `kind: SLO` document", 1, code="empty"))
    return result


def _check_envelope(doc: _Doc, problems: list[Problem]) -> bool:
    data = doc.data
    if not hasattr(data, "keys"):
        problems.append(doc.at((), "is not a mapping", expected="an OpenSLO document (apiVersion, kind, ...)"))
        return False
    before = len(problems)
    version = data.get("apiVersion")
    if version != API_VERSION:
        problems.append(doc.at(("apiVersion",) if "apiVersion" in data else (), "is not an OpenSLO v1 document"
                               if version is not None else "required key `apiVersion` is missing",
                               expected=API_VERSION, found=None if version is None else repr(version),
                               hint="convert v1alpha files with `oslo convert` first" if version else None))
    if data.get("kind") not in KINDS:
        problems.append(doc.at(("kind",) if "kind" in data else (), "is not an OpenSLO kind",
                               expected="one of " + ", ".join(KINDS), found=repr(data.get("kind"))))
    name = _get(data, ("metadata", "name"))
    if isinstance(name, bool) or not isinstance(name, (str, int)) or name == "":
        problems.append(doc.at(("metadata", "name") if name is not None else ("metadata",) if "metadata" in data
                               else (), "needs `metadata.name`", expected="a name such as checkout-success"))
    if data.get("kind") in ("SLO", "SLI") and not hasattr(data.get("spec"), "keys"):
        problems.append(doc.at(("spec",) if "spec" in data else (), "needs a `spec` mapping"))
    return len(problems) == before


def _convert_slo(doc: _Doc, slis: dict[str, _Doc], problems: list[Problem], notes: list[str]
                 ) -> tuple[dict, dict] | None:
    """One SLO document as opsbook SLO data, and where each field came from; None after a problem."""
    before = len(problems)
    annotations = _annotations(doc, problems)
    indicator, owner, indicator_at = _indicator(doc, slis, problems)
    objective = _objective(doc, problems)
    window = _window(doc, problems, notes)
    if indicator is None or objective is None or window is None or len(problems) > before:
        return None
    slo, where = _described(doc, annotations, indicator, owner, indicator_at, notes)
    if not _compared(doc, slo, where, indicator, objective, problems, notes, annotations):
        return None
    counters = _counters(doc, annotations, indicator, problems, notes)
    if counters is not None:
        slo["indicator"], where["indicator"] = counters
    slo["window"], where["window"] = window, ("spec", "timeWindow", 0, "duration")
    alert = _alert(doc, annotations, problems)
    if alert is not None:
        slo["alert"], where["alert"] = alert, ("metadata", "annotations", ANNOTATION + "alert")
    if "dashboard-url" in annotations:
        slo["dashboard"] = {"title": annotations.get("dashboard-title", "Dashboard"), "url": annotations["dashboard-url"]}
        where["dashboard"] = ("metadata", "annotations", ANNOTATION + "dashboard-url")
    if doc.data["spec"].get("alertPolicies"):
        notes.append(f"{doc.name}: alertPolicies are not imported; opsbook keeps one alert per SLO")
    if len(problems) > before:
        return None
    return slo, where


def _described(doc: _Doc, annotations: dict[str, str], indicator: Any, owner: _Doc, indicator_at: tuple,
               notes: list[str]) -> tuple[dict, dict]:
    """What the SLO is about: id, title, category, service, SLI text, metric and unit."""
    metadata, spec, name = doc.data["metadata"], doc.data["spec"], doc.name
    ratio = "ratioMetric" in indicator
    annotated = ("metadata", "annotations")
    slo = {
        "id": annotations.get("id", name),
        "title": str(metadata.get("displayName") or name),
        "category": annotations.get("category", "availability" if ratio else "latency"),
        "service": annotations.get("service", spec.get("service")),
        "sli": str(indicator.get("description") or spec.get("description") or metadata.get("displayName") or name),
        "metric": annotations.get("metric") or _metric_name(indicator, owner, name),
        "unit": annotations.get("unit", "ratio" if ratio else "count"),
    }
    where = {"id": ("metadata", "name"), "title": ("metadata", "displayName" if "displayName" in metadata else "name"),
             "category": annotated, "service": ("spec", "service"), "metric": annotated, "unit": annotated,
             "sli": indicator_at + ("description",) if owner is doc and indicator.get("description") else ("spec",)}
    if "category" not in annotations:
        notes.append(f"{name}: no `opsbook/category` annotation; imported as `{slo['category']}`")
    if "unit" not in annotations and not ratio:
        notes.append(f"{name}: no `opsbook/unit` annotation; imported with unit `count`, correct it if needed")
    return slo, where


def _compared(doc: _Doc, slo: dict, where: dict, indicator: Any, objective: dict, problems: list[Problem],
              notes: list[str], annotations: dict[str, str]) -> bool:
    """The objective and target: how the SLI compares with what number. False after a problem."""
    at = ("spec", "objectives", 0)
    where["objective"] = where["target"] = at
    ratio = indicator.get("ratioMetric")
    if ratio is not None:
        # A failure ratio (bad/total) must stay under 1 - target, the share of good OpenSLO budgets for.
        failure = (str(ratio.get("rawType")) == "failure" if "raw" in ratio
                   else annotations.get("objective") == "<=")
        slo["objective"] = "<=" if failure else ">="
        slo["target"] = _number(round(1 - objective["target"], 12) if failure else objective["target"])
        return True
    if objective.get("op") not in _OPS.values() or not _is_number(objective.get("value")):
        problems.append(doc.at(at, "a threshold objective needs `op` and a numeric `value`",
                               expected="op: lte, gte, lt or gt, and value: a number"))
        return False
    slo["objective"] = {v: k for k, v in _OPS.items()}[objective["op"]]
    slo["target"] = _number(float(objective["value"]))
    if objective.get("target") not in (None, THRESHOLD_TARGET):
        notes.append(f"{doc.name}: the budget target {objective['target']} of its threshold objective is not "
                     "kept; opsbook compares the SLI over the window with `value`")
    return True


def _counters(doc: _Doc, annotations: dict[str, str], indicator: Any, problems: list[Problem],
              notes: list[str]) -> tuple[dict, tuple] | None:
    """The opsbook indicator: from its annotation, else from a counter ratioMetric's Prometheus queries."""
    if "indicator" in annotations:
        at = ("metadata", "annotations", ANNOTATION + "indicator")
        try:
            data = json.loads(annotations["indicator"])
        except ValueError as exc:
            problems.append(doc.at(at, f"is not valid JSON: {exc}", expected="the indicator as JSON"))
            return None
        return data, at
    ratio = indicator.get("ratioMetric")
    if not hasattr(ratio, "get") or "raw" in ratio:
        return None
    queries = {key: _get(ratio, (key, "metricSource", "spec", "query")) for key in ("good", "bad", "total")}
    if not isinstance(queries["total"], str) or not any(isinstance(queries[k], str) for k in ("good", "bad")):
        return None
    from opsbook.handbook.models.indicator import check_counter

    if not all(check_counter(q) for q in queries.values() if isinstance(q, str)):
        notes.append(f"{doc.name}: its ratioMetric queries are not counter selectors (nor use $window); "
                     "no indicator imported")
        return None
    return {"ratio": {k: v for k, v in queries.items() if isinstance(v, str)}}, ("spec", "indicator")


def _annotations(doc: _Doc, problems: list[Problem]) -> dict[str, str]:
    raw = _get(doc.data, ("metadata", "annotations")) or {}
    if not hasattr(raw, "items"):
        problems.append(doc.at(("metadata", "annotations"), "must be a mapping of names to text"))
        return {}
    return {str(k)[len(ANNOTATION):]: str(v) for k, v in raw.items() if str(k).startswith(ANNOTATION)}


def _indicator(doc: _Doc, slis: dict[str, _Doc], problems: list[Problem]) -> tuple[Any, _Doc, tuple]:
    """The SLI's spec (inline, or the `kind: SLI` document it names), the document holding it, its path there."""
    spec = doc.data["spec"]
    if "indicator" in spec:
        path: tuple = ("spec", "indicator", "spec")
        indicator, owner = _get(doc.data, path), doc
    elif "indicatorRef" in spec:
        ref = str(spec["indicatorRef"])
        if ref not in slis:
            problems.append(doc.at(("spec", "indicatorRef"), f"refers to SLI '{ref}', which this file does not define",
                                   hint="put the `kind: SLI` document in the same file, or inline it as `indicator`"))
            return None, doc, ()
        path, owner = ("spec",), slis[ref]
        indicator = owner.data["spec"]
    else:
        problems.append(doc.at(("spec",), "needs `indicator` or `indicatorRef`"))
        return None, doc, ()
    if not hasattr(indicator, "keys") or not (("ratioMetric" in indicator) ^ ("thresholdMetric" in indicator)):
        problems.append(owner.at(path if hasattr(indicator, "keys") else path[:-1],
                                 "an indicator needs exactly one of `ratioMetric` or `thresholdMetric`"))
        return None, owner, path
    ratio = indicator.get("ratioMetric")
    if ratio is not None:
        ok = hasattr(ratio, "keys") and ("raw" in ratio or ("total" in ratio and ("good" in ratio) ^ ("bad" in ratio)))
        if not ok:
            problems.append(owner.at(path + ("ratioMetric",), "a ratioMetric needs `raw` (with `rawType`), or "
                                     "`total` with one of `good` or `bad`"))
        elif "raw" in ratio and ratio.get("rawType") not in ("success", "failure"):
            problems.append(owner.at(path + ("ratioMetric", "rawType") if "rawType" in ratio else
                                     path + ("ratioMetric",), "`raw` needs `rawType`", expected="success or failure",
                                     found=repr(ratio.get("rawType")) if "rawType" in ratio else None))
    return indicator, owner, path


def _objective(doc: _Doc, problems: list[Problem]) -> dict | None:
    objectives = doc.data["spec"].get("objectives")
    if not isinstance(objectives, list) or not objectives:
        path = ("spec", "objectives") if "objectives" in doc.data["spec"] else ("spec",)
        problems.append(doc.at(path, "needs `objectives` with one objective", expected="a list of one objective"))
        return None
    if len(objectives) > 1:
        problems.append(doc.at(("spec", "objectives", 1), "opsbook keeps one objective per SLO",
                               hint="split this SLO into one SLO per objective, each with its own metadata.name"))
        return None
    objective = objectives[0]
    at = ("spec", "objectives", 0)
    if not hasattr(objective, "keys"):
        problems.append(doc.at(at, "is not a mapping"))
        return None
    if "targetPercent" in objective and "target" not in objective:
        if not _is_number(objective["targetPercent"]) or not 0 <= float(objective["targetPercent"]) < 100:
            problems.append(doc.at(at + ("targetPercent",), "is out of range", expected="a number in [0, 100)",
                                   found=repr(objective["targetPercent"])))
            return None
        return {**objective, "target": round(float(objective["targetPercent"]) / 100, 12)}
    target = objective.get("target")
    if not _is_number(target) or not 0 <= float(target) < 1:
        problems.append(doc.at(at + ("target",) if "target" in objective else at,
                               "is out of range" if "target" in objective else "needs `target` or `targetPercent`",
                               expected="a number in [0, 1)", found=repr(target) if "target" in objective else None))
        return None
    return {**objective, "target": float(target)}


def _window(doc: _Doc, problems: list[Problem], notes: list[str]) -> dt.timedelta | None:
    windows = doc.data["spec"].get("timeWindow")
    if not isinstance(windows, list) or len(windows) != 1 or not hasattr(windows[0], "keys"):
        path = ("spec", "timeWindow") if "timeWindow" in doc.data["spec"] else ("spec",)
        problems.append(doc.at(path, "needs `timeWindow` with exactly one window",
                               expected="- {duration: 28d, isRolling: true}"))
        return None
    duration = str(windows[0].get("duration", ""))
    match = _SHORTHAND.match(duration)
    if not match or match[2] in "MQY":
        problems.append(doc.at(("spec", "timeWindow", 0, "duration"), "is not a duration opsbook can keep",
                               expected="a number with m, h, d or w, such as 28d", found=repr(duration),
                               hint="calendar months, quarters and years vary in length; give days (30d)"
                               if match else None))
        return None
    if windows[0].get("isRolling") is False or "calendar" in windows[0]:
        notes.append(f"{doc.name}: its calendar-aligned window is imported as a rolling {duration} window")
    return parse_duration(match[1] + match[2])


def _alert(doc: _Doc, annotations: dict[str, str], problems: list[Problem]) -> dict | None:
    text = annotations.get("alert")
    if text is None:
        return None
    match = _ALERT.match(text)
    try:
        if not match:
            raise ValueError
        return {"comparison": match[1], "threshold": _number(float(match[2])), "for": parse_duration(match[3])}
    except ValueError:
        problems.append(doc.at(("metadata", "annotations", ANNOTATION + "alert"), "cannot be read",
                               expected="comparison, threshold and duration, such as '< 0.8 for 5m'",
                               found=repr(text)))
        return None


def _metric_name(indicator: Any, owner: _Doc, fallback: str) -> str:
    """A metric name for an SLI written by another tool: its `spec.metric`, else its indicator's name."""
    metric = indicator.get("ratioMetric") or indicator.get("thresholdMetric") or {}
    source = (metric.get("raw") or metric.get("good") or metric.get("bad") or metric) if hasattr(metric, "get") else {}
    named = _get(source, ("metricSource", "spec", "metric"))
    if isinstance(named, str) and re.match(r"^[a-z][a-z0-9_]*$", named):
        return named
    base = str(_get(owner.data, ("spec", "indicator", "metadata", "name")) or _get(owner.data, ("metadata", "name"))
               or fallback)
    return re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_") or "sli"


# --- positions -----------------------------------------------------------------------------------

def _get(data: Any, path: tuple) -> Any:
    for step in path:
        if isinstance(step, int) and isinstance(data, list) and 0 <= step < len(data):
            data = data[step]
        elif hasattr(data, "get") and not isinstance(step, int):
            data = data.get(step)
        else:
            return None
    return data


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
