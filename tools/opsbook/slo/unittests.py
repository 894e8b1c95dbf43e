"""promtool unit tests for the rule file (`ops slo test`): known traffic in, the alerts that must fire out.

For each SLO whose indicator can be fed synthetic series (selectors, not `$window` expressions; no `by`):

1. a fast burn (1.25 times the 1h page factor) pages within the hour (the ticket fires too; Alertmanager's
   inhibition silences it);
2. a slow burn (between the ticket factor and the lowest page factor) opens a ticket after 7 hours and
   never pages;
3. a healthy week (half the budget) and a week without traffic (flat counters: a 0/0 ratio) stay quiet,
   and so does a trickle below `min_rate` in which half the events fail;
4. no series at all raise `SLOIndicatorAbsent` after its 15 minutes.

For each classification rule of the severity policy, each condition at its boundary and just past it
(fed as the metric's recording rule `severity_metric:<name>`), the rule's alert fires exactly when the
condition holds. Expected labels and annotations are the rule file's own, so a wrong burn factor, a
missing traffic guard or a wrong comparison fails the test that crosses it.

Series are built from the selectors' matchers: `=` takes the value, `=~ "a|b"` its first alternative,
`!=`/`!~` a value that does not match. A good/bad counter that shares the total's metric name gets a
complement series (the other events) that differs in a label the numerator fixes.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from opsbook.handbook.assembled import Handbook
from opsbook.handbook.models.catalogue import Comparison, Rule, Slo
from opsbook.handbook.models.indicator import WINDOW, parse_promql
from opsbook.slo import burn, rules

PER_MINUTE = 10_000  # events per minute in the synthetic traffic: enough for exact error ratios
OTHER = "opsbook_other"
WEEK_STEP = "10m"


@dataclasses.dataclass
class Suite:
    """The tests as data, per rule group, and the SLOs left out, with why.

    Each group is tested against a rule file holding only that group: promtool compares every alert of
    a name, and the other SLOs' `SLOIndicatorAbsent` would fire in every test (their series are not fed).
    promtool evaluates every rule at every step of a test; a week at one-minute steps took minutes of CPU
    per SLO, so the week-long tests have their own file, evaluated every 10 minutes (over one-minute
    samples, so even the 5-minute window holds five of them).
    """

    groups: dict[str, dict]          # group name → the group as in the rule file
    tests: dict[str, list[dict]]     # group name → tests at one-minute steps
    week_tests: dict[str, list[dict]]
    skipped: list[str]

    def files(self) -> dict[str, dict]:
        """Relative file name → YAML data: one rule file and one or two test files per group."""
        out: dict[str, dict] = {}
        for name, group in self.groups.items():
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
            rule_file = f"{stem}.rules.yaml"
            plans = [(f"{stem}.test.yaml", "1m", self.tests.get(name, [])),
                     (f"{stem}.week-test.yaml", WEEK_STEP, self.week_tests.get(name, []))]
            plans = [plan for plan in plans if plan[2]]
            if plans:
                out[rule_file] = {"groups": [group]}
            for test_file, step, tests in plans:
                out[test_file] = {"rule_files": [rule_file], "evaluation_interval": step, "tests": tests}
        return out

    @property
    def count(self) -> int:
        return sum(map(len, self.tests.values())) + sum(map(len, self.week_tests.values()))


def build(handbook: Handbook) -> Suite:
    """Tests for every SLO and classification rule the rule file of `handbook` has."""
    groups = {group["name"]: group for group in rules.rule_file(handbook)["groups"]}
    suite = Suite(groups, {}, {}, [])
    for slo in handbook.slos.values():
        if slo.indicator is None or slo.indicator.quotient is not None:
            continue
        feed = Feed.of(slo)
        if isinstance(feed, str):
            suite.skipped.append(f"{slo.id}: {feed}")
            continue
        name = f"slo:{slo.id}"
        suite.tests[name], suite.week_tests[name] = _slo_tests(slo, feed, groups[name]["rules"])
    policy = groups.get("severity-policy", {"rules": []})["rules"]
    for rule_data in policy:
        if "alert" in rule_data:
            rule = next(r for r in handbook.severity.rules if r.id == rule_data["labels"]["rule"])
            suite.tests.setdefault("severity-policy", []).extend(_rule_tests(rule, rule_data))
    return suite


# --- series for an SLO -----------------------------------------------------------------------------

@dataclasses.dataclass
class Feed:
    """How to write `total` events per minute of which `errors` fail, as counter series."""

    slo: Slo
    good_series: list[str]      # each counts the good events
    bad_series: list[str]       # each counts the failed events
    total_series: list[str]     # each counts every event (a separate total counter)

    @classmethod
    def of(cls, slo: Slo) -> "Feed | str":
        """The feed for `slo`, or why its indicator cannot be fed synthetic series."""
        indicator = slo.indicator
        try:
            if indicator.latency is not None:
                latency = indicator.latency
                if latency.by:
                    return "grouped (`by`) indicators are not tested"
                labels = series_labels(latency.histogram)
                name = series_name(latency.histogram)
                return cls(slo, [_series(name + "_bucket", {**labels, "le": latency.le})],
                           [], [_series(name + "_bucket", {**labels, "le": "+Inf"}), _series(name + "_count", labels)])
            ratio = indicator.ratio
            if ratio.by:
                return "grouped (`by`) indicators are not tested"
            part = ratio.good if ratio.good is not None else ratio.bad
            if WINDOW in part or WINDOW in ratio.total:
                return "expression counters ($window) cannot be fed synthetic series"
            return cls._split(slo, part, ratio.total, good=ratio.good is not None)
        except ValueError as exc:
            return str(exc)

    @classmethod
    def _split(cls, slo: Slo, part: str, total: str, good: bool) -> "Feed | str":
        part_labels, total_labels = series_labels(part), series_labels(total)
        if series_name(part) != series_name(total):
            series = _series(series_name(part), part_labels)
            return cls(slo, [series] if good else [], [] if good else [series], [_series(series_name(total), total_labels)])
        merged = {**total_labels, **part_labels}
        free = [k for k in part_labels if k not in total_labels or total_labels[k] != part_labels[k]]
        if not free:
            return "the good or bad counter selects the same series as the total"
        rest = {**merged, free[0]: _not_matching(part, free[0])}
        if not _matches(total, rest):
            return "no series counts the other events under the total's selector"
        numerator, complement = _series(series_name(part), merged), _series(series_name(total), rest)
        return cls(slo, [numerator] if good else [complement], [complement] if good else [numerator], [])

    def input_series(self, per_minute: float, error_ratio: float, minutes: int) -> list[dict]:
        errors = per_minute * error_ratio
        good = per_minute - errors
        values = [(s, good) for s in self.good_series] + [(s, errors) for s in self.bad_series]
        values += [(s, per_minute) for s in self.total_series]
        return [{"series": s, "values": f"0+{_num(step)}x{minutes}"} for s, step in values]


def series_name(selector: str) -> str:
    name = parse_promql(selector).name
    if not name:
        raise ValueError("a selector without a metric name cannot be fed synthetic series")
    return name


def series_labels(selector: str) -> dict[str, str]:
    labels = {}
    for matcher in parse_promql(selector).matchers.matchers:
        op = str(matcher.op).rsplit(".", 1)[-1]
        if op == "Equal":
            labels[matcher.name] = matcher.value
        elif op == "Re":
            first = matcher.value.split("|")[0]
            if not re.fullmatch(matcher.value, first):
                raise ValueError(f"the regular expression {matcher.value!r} is not a list of alternatives")
            labels[matcher.name] = first
        elif matcher.name != "__name__":
            labels[matcher.name] = OTHER if not re.fullmatch(matcher.value, OTHER) else OTHER + "_2"
    return labels


def _not_matching(selector: str, label: str) -> str:
    for matcher in parse_promql(selector).matchers.matchers:
        if matcher.name == label:
            op = str(matcher.op).rsplit(".", 1)[-1]
            return matcher.value if op in ("NotEqual", "NotRe") else OTHER
    return OTHER


def _matches(selector: str, labels: dict[str, str]) -> bool:
    for matcher in parse_promql(selector).matchers.matchers:
        value, op = labels.get(matcher.name, ""), str(matcher.op).rsplit(".", 1)[-1]
        hit = {"Equal": value == matcher.value, "NotEqual": value != matcher.value,
               "Re": bool(re.fullmatch(matcher.value, value)), "NotRe": not re.fullmatch(matcher.value, value)}[op]
        if not hit:
            return False
    return True


def _series(name: str, labels: dict[str, str]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return f"{name}{{{inner}}}"


# --- the tests -------------------------------------------------------------------------------------

def _slo_tests(slo: Slo, feed: Feed, group: list[dict]) -> tuple[list[dict], list[dict]]:
    budget = burn.error_budget(slo)
    burns = [r for r in group if r.get("alert") == rules.BURN_ALERT]
    page, ticket = ([_expected(r)] for r in burns)
    absent = [_expected(r) for r in group if r.get("alert") == rules.ABSENT_ALERT]
    fast_factor, *page_factors = [a.factor(slo.window) for a in burn.BURN_ALERTS if a.severity == "page"]
    ticket_factor = next(a.factor(slo.window) for a in burn.BURN_ALERTS if a.severity == "ticket")
    slow = (ticket_factor + min([fast_factor, *page_factors])) / 2
    min_rate = (slo.indicator.ratio or slo.indicator.latency).min_rate
    per_minute = max(PER_MINUTE, min_rate * 60 * 10)
    week = 7 * 24 * 60
    tests = [
        _test(f"{slo.id}: a fast burn pages within the hour", feed.input_series(
            per_minute, min(1.0, budget * fast_factor * 1.25), 70), [("1h", rules.BURN_ALERT, page + ticket)]),
        _test(f"{slo.id}: a slow burn opens a ticket and never pages", feed.input_series(
            per_minute, budget * slow, 430), [(at, rules.BURN_ALERT, ticket) for at in ("1h", "7h")]),
        _test(f"{slo.id}: no series at all is reported", [{"series": 'up{job="opsbook-test"}', "values": "1x60"}],
              [("10m", rules.ABSENT_ALERT, []), ("30m", rules.ABSENT_ALERT, absent)]),
    ]
    if min_rate > 0:
        tests.append(_test(f"{slo.id}: a trickle below min_rate stays quiet though half of it fails",
                           feed.input_series(min_rate * 60 / 2, 0.5, 430),
                           [(at, rules.BURN_ALERT, []) for at in ("1h", "7h")]))
    week_tests = [
        _test(f"{slo.id}: a healthy week stays quiet", feed.input_series(per_minute, budget * 0.5, week),
              [(at, rules.BURN_ALERT, []) for at in ("1h", "6h", "3d", "7d")]),
        _test(f"{slo.id}: a week without traffic stays quiet", feed.input_series(0, 0, week),
              [(at, rules.BURN_ALERT, []) for at in ("1h", "6h", "3d", "7d")]),
    ]
    return tests, week_tests


def _rule_tests(rule: Rule, alert: dict) -> list[dict]:
    tests = []
    conditions = [*rule.any, *rule.all]
    for index, condition in enumerate(conditions):
        step = max(abs(condition.value) * 0.01, 0.001)
        # The other side of the boundary: below it for `<` and `>=`, above it for `<=` and `>`.
        past = condition.value + (-step if condition.op in (Comparison.LT, Comparison.GE) else step)
        for value in (condition.value, past):
            series = {condition.metric: value}
            for other in rule.all:  # the rest of an `all` rule holds, so this condition decides
                if other is not condition:
                    series.setdefault(other.metric, _holding(other))
            fires = condition.op.holds(value, condition.value)
            tests.append(_test(
                f"rule {rule.id}: {condition.metric} = {_num(value)} ({condition.op.value} {_num(condition.value)}: "
                f"{'fires' if fires else 'quiet'})",
                [{"series": rules.metric_record(name), "values": f"{_num(v)}x15"} for name, v in series.items()],
                [("5m", alert["alert"], [_expected(alert)] if fires else [])]))
    return tests


def _holding(condition) -> float:
    step = max(abs(condition.value) * 0.01, 0.001)
    return condition.value + {"<": -step, "<=": 0, ">": step, ">=": 0}[condition.op.value]


def _expected(rule: dict) -> dict:
    return {"exp_labels": dict(rule["labels"]), "exp_annotations": dict(rule["annotations"])}


def _test(name: str, series: list[dict], checks: list[tuple[str, str, list]]) -> dict:
    return {"name": name, "interval": "1m", "input_series": series,
            "alert_rule_test": [{"eval_time": at, "alertname": alertname, "exp_alerts": expected}
                                for at, alertname, expected in checks]}


def _num(value: float) -> str:
    return rules.number(round(value, 9))


def write(suite: Suite, folder: Path) -> list[Path]:
    """Write the suite's rule and test files into `folder`; the test files, for `promtool test rules`."""
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    tests = []
    for name, data in suite.files().items():
        path = folder / name
        header = "# Generated by `ops slo test`" + (": promtool test rules FILE\n" if "test" in name else "\n")
        path.write_text(header + yaml.dump(data, Dumper=dumper, sort_keys=False, width=1_000_000), encoding="utf-8")
        if name.endswith("test.yaml"):
            tests.append(path)
    return tests
