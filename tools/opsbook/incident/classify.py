"""Classify an incident from metric readings with the severity policy's rules (the rules are data).

Rules are tried in the policy's order and the first that matches decides. A rule matches when at least
one of its `any` conditions holds (if it has any) and all of its `all` conditions hold; a condition on
a metric without a reading does not hold. The category's floor, if the policy sets one, is applied.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Iterable

from opsbook.handbook.models.catalogue import (
    Condition,
    Rule,
    SeverityLevel,
    SeverityPolicy,
)
from opsbook.handbook.models.common import Severity, format_duration
from opsbook.problems import UsageError


@dataclasses.dataclass(frozen=True, slots=True)
class Match:
    """A condition that held, with the reading that made it hold."""

    condition: Condition
    reading: float

    def describe(self) -> str:
        return f"{self.condition.metric} = {self.reading:g} {self.condition.op.value} {self.condition.value:g}"


@dataclasses.dataclass(frozen=True, slots=True)
class Classification:
    severity: Severity
    rule: Rule
    matched: list[Match]
    level: SeverityLevel | None
    raised_by_floor: bool = False
    runbooks: list = dataclasses.field(default_factory=list)  # the handbook's runbooks of the rule's category


def parse_readings(pairs: Iterable[str], policy: SeverityPolicy) -> dict[str, float]:
    """`name=value` arguments as readings; a name the policy does not define is an error naming the known ones."""
    known = [metric.name for metric in policy.metrics]
    readings: dict[str, float] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"{pair!r}: expected metric=value, such as {known[0] if known else 'error_rate'}=0.5")
        if name not in known:
            raise UsageError(f"unknown metric {name!r}; the severity policy (ops/severity.yaml) knows: "
                             + (", ".join(known) or "none"))
        try:
            value = float(text.strip())
        except ValueError:
            raise UsageError(f"{pair!r}: {text.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"{pair!r}: expected a finite number")
        readings[name] = value
    if not readings:
        raise UsageError("give at least one reading as metric=value; known metrics: " + (", ".join(known) or "none"))
    return readings


def _held(conditions: list[Condition], readings: dict[str, float]) -> list[Match]:
    return [Match(c, readings[c.metric]) for c in conditions
            if c.metric in readings and c.op.holds(readings[c.metric], c.value)]


def matches(rule: Rule, readings: dict[str, float]) -> list[Match] | None:
    """The conditions that make `rule` match, or None if it does not."""
    any_held = _held(rule.any, readings)
    all_held = _held(rule.all, readings)
    if rule.any and not any_held:
        return None
    if rule.all and len(all_held) != len(rule.all):
        return None
    return any_held + all_held


def classify(policy: SeverityPolicy, readings: dict[str, float], runbooks: Iterable = ()) -> Classification | None:
    """The severity the first matching rule gives (raised to the category's floor), or None when healthy.

    `runbooks` (the handbook's runbook documents) are filtered to the rule's category.
    """
    for rule in policy.rules:
        held = matches(rule, readings)
        if held is None:
            continue
        severity = rule.severity
        floor = policy.category_floor.get(rule.category)
        raised = floor is not None and floor.rank < severity.rank
        if raised:
            severity = floor
        level = next((level for level in policy.levels if level.id is severity), None)
        related = sorted((rb for rb in runbooks if rb.meta.category is rule.category), key=lambda rb: rb.id)
        return Classification(severity, rule, held, level, raised, related)
    return None


def render_text(result: Classification | None, readings: dict[str, float]) -> str:
    if result is None:
        shown = ", ".join(f"{name}={value:g}" for name, value in readings.items())
        return f"not an incident: no rule of the severity policy matches {shown}\n"
    level, rule = result.level, result.rule
    out = [f"{result.severity.value}" + (f" ({level.name})" if level else "") + f": {rule.reason}",
           f"  rule:     {rule.id} (category {rule.category.value})"
           + (f", raised to {result.severity.value} by the category floor" if result.raised_by_floor else "")]
    out += [f"  matched:  {match.describe()}" for match in result.matched]
    if level:
        targets = f"respond within {format_duration(level.respond_within)}, mitigate within " \
                  f"{format_duration(level.mitigate_within)}"
        if level.resolve_within:
            targets += f", resolve within {format_duration(level.resolve_within)}"
        out.append(f"  targets:  {targets}")
    if result.runbooks:
        out += [f"  runbook:  {rb.id}: {rb.meta.title} ({rb.path})" for rb in result.runbooks]
    else:
        out.append(f"  runbook:  none for category {rule.category.value} yet")
    out.append(f'  next:     ops incident open --severity {result.severity.value} --category {rule.category.value} '
               f'--title "…"')
    return "\n".join(out) + "\n"


def as_json(result: Classification | None, readings: dict[str, float]) -> str:
    document: dict = {"incident": result is not None, "readings": readings}
    if result is not None:
        level = result.level
        document |= {
            "severity": result.severity.value, "rule": result.rule.id, "category": result.rule.category.value,
            "reason": result.rule.reason, "raised_by_floor": result.raised_by_floor,
            "matched": [{"metric": m.condition.metric, "op": m.condition.op.value, "threshold": m.condition.value,
                         "value": m.reading} for m in result.matched],
            "targets": None if level is None else {
                "respond_within": format_duration(level.respond_within),
                "mitigate_within": format_duration(level.mitigate_within),
                "resolve_within": format_duration(level.resolve_within) if level.resolve_within else None},
            "runbooks": [{"id": rb.id, "title": rb.meta.title, "path": rb.path} for rb in result.runbooks],
        }
    else:
        document |= {"severity": None, "rule": None}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
