"""promtool unit tests for the rule file (`ops slo test`): known traffic in, the alerts that must fire out.

For each SLO whose indicator can be fed synthetic series (selectors, not `$window` expressions):

1. a fast burn (1.25 times the 1h page factor) pages within the hour (the ticket fires too; Alertmanager's
   inhibition silences it), and at that hour each recording rule holds the error ratio fed;
2. a slow burn (between the ticket factor and the lowest page factor) opens a ticket after 7 hours and
   never pages;
3. a healthy week (half the budget) and a week without traffic (flat counters: a 0/0 ratio) stay quiet,
   and so does a trickle below `min_rate` in which half the events fail;
4. no series at all raise `SLOIndicatorAbsent` after its 15 minutes;
5. an SLI well past the catalogue's `alert` threshold raises `SLOThreshold` after its `for`, not before
   (for a latency SLI, the synthetic histogram has a bucket above `le` that a slow half of the events fills),
   and the same SLI in a trickle below `min_rate` never does.

An indicator grouped with `by` is fed two groups (two values of its `by` labels) side by side: in each
burn, trickle and threshold test one group burns and the other stays healthy (half the budget), so the
alerts must fire for the burning group only, carrying its labels, and each recording rule must give one
series per group with the rule's labels and the group's, nothing else. `SLOIndicatorAbsent` stays one alert for the
whole indicator (`absent` cannot tell which group went missing), as does its test.

For each classification rule of the severity policy, each condition at its boundary and just past it
(fed as the metric's recording rule `severity_metric:<name>`), the rule's alert fires exactly when the
condition holds. Expected labels and annotations are the rule file's own, so a wrong burn factor, a
missing traffic guard or a wrong comparison fails the test that crosses it.

Series are built from the selectors' matchers: `=` takes the value, `=~ "a|b"` its first alternative,
`!=`/`!~` a value that does not match; a group's `by` labels take the values the selectors name, else
invented ones. A good/bad counter that shares the total's metric name gets a
complement series (the other events) that differs in a label the numerator fixes.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from opsbook import files
from opsbook.handbook.assembled import Handbook
from opsbook.handbook.models.catalogue import Comparison, Rule, Slo, Unit
from opsbook.handbook.models.indicator import WINDOW, parse_promql
from opsbook.slo import burn, rules

PER_MINUTE = 10_000  # events per minute in the synthetic traffic: enough for exact error ratios
OTHER = "opsbook_other"
WEEK_STEP = "10m"
MILLIONTHS = 1_000_000  # recorded ratios are compared rounded to millionths: floating point is inexact


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
    """How to write `total` events per minute of which `errors` fail, as counter series, per group.

    Each series is a metric name and labels; a group's `by` labels are added to every series of it."""

    slo: Slo
    good_series: list[tuple[str, dict[str, str]]]    # each counts the good events
    bad_series: list[tuple[str, dict[str, str]]]     # each counts the failed events
    total_series: list[tuple[str, dict[str, str]]]   # each counts every event (a separate total counter)
    groups: list[dict[str, str]]    # the `by` labels of two groups; one group without labels when not grouped

    @classmethod
    def of(cls, slo: Slo) -> "Feed | str":
        """The feed for `slo`, or why its indicator cannot be fed synthetic series."""
        indicator = slo.indicator
        try:
            if indicator.latency is not None:
                latency = indicator.latency
                labels = series_labels(latency.histogram)
                name = series_name(latency.histogram)
                groups = _groups(latency.by, [latency.histogram], reserved={"le": "the bucket bound"})
                if isinstance(groups, str):
                    return groups
                # Every event is also under a higher bound, so a slow share can lift the quantile past the
                # alert threshold (with only `le` and +Inf it could never exceed `le`).
                upper = (name + "_bucket", {**labels, "le": _num(upper_bound(slo))})
                return cls(slo, [(name + "_bucket", {**labels, "le": latency.le})], [],
                           [upper, (name + "_bucket", {**labels, "le": "+Inf"}), (name + "_count", labels)], groups)
            ratio = indicator.ratio
            part = ratio.good if ratio.good is not None else ratio.bad
            if WINDOW in part or WINDOW in ratio.total:
                return "expression counters ($window) cannot be fed synthetic series"
            return cls._split(slo, part, ratio.total, ratio.by, good=ratio.good is not None)
        except ValueError as exc:
            return str(exc)

    @classmethod
    def _split(cls, slo: Slo, part: str, total: str, by: list[str], good: bool) -> "Feed | str":
        part_labels, total_labels = series_labels(part), series_labels(total)
        if series_name(part) != series_name(total):
            groups = _groups(by, [part, total])
            if isinstance(groups, str):
                return groups
            series = (series_name(part), part_labels)
            return cls(slo, [series] if good else [], [] if good else [series],
                       [(series_name(total), total_labels)], groups)
        merged = {**total_labels, **part_labels}
        free = [k for k in part_labels if k not in total_labels or total_labels[k] != part_labels[k]]
        if not free:
            return "the good or bad counter selects the same series as the total"
        groups = _groups(by, [part, total], reserved={label: f"the label that tells the {'good' if good else 'bad'} "
                                                             "events from the others" for label in free[:1]})
        if isinstance(groups, str):
            return groups
        rest = {**merged, free[0]: _not_matching(part, free[0])}
        if not _matches(total, rest):
            return "no series counts the other events under the total's selector"
        numerator, complement = (series_name(part), merged), (series_name(total), rest)
        return cls(slo, [numerator] if good else [complement], [complement] if good else [numerator], [], groups)

    def input_series(self, loads: list[tuple[dict[str, str], float, float]], minutes: int) -> list[dict]:
        """Counter series for `minutes`, each group's at its own (events per minute, error ratio)."""
        out = []
        for group, per_minute, error_ratio in loads:
            errors = per_minute * error_ratio
            values = [(s, per_minute - errors) for s in self.good_series] + [(s, errors) for s in self.bad_series]
            values += [(s, per_minute) for s in self.total_series]
            out += [{"series": _series(name, {**labels, **group}), "values": f"0+{_num(step)}x{minutes}"}
                    for (name, labels), step in values]
        return out


def _groups(by: list[str], selectors: list[str], reserved: dict[str, str] | None = None) -> list[dict[str, str]] | str:
    """Two groups' values of the `by` labels that every selector admits (one empty group when not grouped),
    or why there are no two such groups."""
    if not by:
        return [{}]
    candidates = {}
    for label in by:
        if reserved and label in reserved:
            return f"grouped by `{label}`, {reserved[label]}: each group would hold only one kind of event"
        # The values the selectors name come first: an alternative of `=~`, then the value of `=`.
        named = [value for selector in selectors for matcher in parse_promql(selector).matchers.matchers
                 if matcher.name == label for value in matcher.value.split("|")]
        values = [v for v in dict.fromkeys([*named, f"{OTHER}_a", f"{OTHER}_b"])
                  if all(_admits(selector, label, v) for selector in selectors)]
        if not values:
            return f"no value of the `by` label `{label}` matches every selector"
        candidates[label] = values
    first = {label: values[0] for label, values in candidates.items()}
    second = {label: values[1] if len(values) > 1 else values[0] for label, values in candidates.items()}
    if first == second:
        return "the selectors hold every `by` label to one value: there is only one group"
    return [first, second]


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
    return all(_hit(matcher, labels.get(matcher.name, "")) for matcher in parse_promql(selector).matchers.matchers)


def _admits(selector: str, label: str, value: str) -> bool:
    """Whether the matchers of `selector` on `label` (if any) take `value`."""
    return all(_hit(matcher, value) for matcher in parse_promql(selector).matchers.matchers if matcher.name == label)


def _hit(matcher: Any, value: str) -> bool:
    op = str(matcher.op).rsplit(".", 1)[-1]
    return {"Equal": value == matcher.value, "NotEqual": value != matcher.value,
            "Re": bool(re.fullmatch(matcher.value, value)), "NotRe": not re.fullmatch(matcher.value, value)}[op]


def _series(name: str, labels: dict[str, str]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return f"{name}{{{inner}}}"


# --- the tests -------------------------------------------------------------------------------------

def _slo_tests(slo: Slo, feed: Feed, group: list[dict]) -> tuple[list[dict], list[dict]]:
    """The tests of one SLO. A grouped SLO has two groups: one burns (the first fast, the last slowly, the
    first trickles) while the other stays healthy, and only the burning group's alert may fire."""
    budget = burn.error_budget(slo)
    burns = [r for r in group if r.get("alert") == rules.BURN_ALERT]
    page, ticket = burns
    absent = [_expected(r) for r in group if r.get("alert") == rules.ABSENT_ALERT]
    fast_factor, *page_factors = [a.factor(slo.window) for a in burn.BURN_ALERTS if a.severity == "page"]
    ticket_factor = next(a.factor(slo.window) for a in burn.BURN_ALERTS if a.severity == "ticket")
    slow = (ticket_factor + min([fast_factor, *page_factors])) / 2
    min_rate = (slo.indicator.ratio or slo.indicator.latency).min_rate
    per_minute = max(PER_MINUTE, min_rate * 60 * 10)
    week = 7 * 24 * 60
    first, last = feed.groups[0], feed.groups[-1]
    fast_ratio = min(1.0, budget * fast_factor * 1.25)

    healthy = [(g, per_minute, budget * 0.5) for g in feed.groups]

    def loads(burning: dict, rate: float, ratio: float) -> list[tuple[dict, float, float]]:
        """`burning` at `rate` events per minute and error `ratio`, every other group healthy."""
        return [(g, rate, ratio) if g == burning else load for g, load in zip(feed.groups, healthy)]

    fast = loads(first, per_minute, fast_ratio)
    tests = [
        _test(f"{slo.id}: a fast burn{_in(first)} pages within the hour", feed.input_series(fast, 70),
              [("1h", rules.BURN_ALERT, [_expected(page, first), _expected(ticket, first)])]),
        _test(f"{slo.id}: a slow burn{_in(last)} opens a ticket and never pages",
              feed.input_series(loads(last, per_minute, budget * slow), 430),
              [(at, rules.BURN_ALERT, [_expected(ticket, last)]) for at in ("1h", "7h")]),
        _test(f"{slo.id}: no series at all is reported", [{"series": 'up{job="opsbook-test"}', "values": "1x60"}],
              [("10m", rules.ABSENT_ALERT, []), ("30m", rules.ABSENT_ALERT, absent)]),
    ]
    if min_rate > 0:
        tests.append(_test(f"{slo.id}: a trickle below min_rate{_in(first)} stays quiet though half of it fails",
                           feed.input_series(loads(first, min_rate * 60 / 2, 0.5), 430),
                           [(at, rules.BURN_ALERT, []) for at in ("1h", "7h")]))
    threshold = next((r for r in group if r.get("alert") == rules.THRESHOLD_ALERT), None)
    if threshold is not None and (past := _past_threshold(slo, budget * 0.5)) is not None:
        wait = int(slo.alert.for_.total_seconds() // 60)
        tests.append(_test(
            f"{slo.id}: {slo.metric} past its alert threshold{_in(first)} alerts after {threshold['for']}",
            feed.input_series(loads(first, per_minute, past), wait + 10),
            # The SLI is past the threshold from the first minute on: quiet until `for` has passed.
            [(f"{wait - 1}m", rules.THRESHOLD_ALERT, [])] * (wait > 1)
            + [(f"{wait + 5}m", rules.THRESHOLD_ALERT, [_expected(threshold, first)])]))
        if min_rate > 0:
            tests.append(_test(
                f"{slo.id}: a trickle below min_rate{_in(first)} past its alert threshold stays quiet",
                feed.input_series(loads(first, min_rate * 60 / 2, past), wait + 10),
                [(f"{wait + 5}m", rules.THRESHOLD_ALERT, [])]))
    recorded = [r for r in group if "record" in r]
    tests[0]["promql_expr_test"] = [
        {"expr": f"round({MILLIONTHS} * {r['record']}{{slo=\"{slo.id}\"}})", "eval_time": "1h",
         "exp_samples": [{"labels": _series("", {**r["labels"], **g}), "value": round(ratio * MILLIONTHS)}
                         for g, _, ratio in fast]}
        for r in recorded]
    quiet = [(at, rules.BURN_ALERT, []) for at in ("1h", "6h", "3d", "7d")]
    week_tests = [
        _test(f"{slo.id}: a healthy week stays quiet", feed.input_series(healthy, week), quiet),
        _test(f"{slo.id}: a week without traffic stays quiet",
              feed.input_series([(g, 0, 0) for g in feed.groups], week), quiet),
    ]
    return tests, week_tests


def upper_bound(slo: Slo) -> float:
    """The synthetic histogram's bucket above `le` (in the histogram's unit): at least four times `le`, and
    twice the alert threshold, so that half the events slow puts the quantile well past the threshold."""
    latency = slo.indicator.latency
    le = float(latency.le)
    threshold = slo.alert.threshold / (slo.target / le) if slo.alert else 0.0  # in the histogram's unit
    return max(4 * le, 2 * threshold)


def _latency_sli(slo: Slo, error: float) -> float:
    """The SLI `rules.sli_value` computes when a share `error` of the events is slow: Prometheus'
    histogram_quantile interpolates linearly inside the bucket the quantile falls in."""
    latency = slo.indicator.latency
    le, upper, q = float(latency.le), upper_bound(slo), latency.quantile
    good = 1 - error
    seconds = le * q / good if good >= q else le + (upper - le) * (q - good) / error
    return seconds * slo.target / le


def _past_threshold(slo: Slo, healthy: float) -> float | None:
    """An error ratio whose SLI is well past the catalogue's alert threshold, or None when none is, or when
    a healthy group's is too."""
    if slo.indicator.latency is not None:
        def alerts(error: float) -> bool:
            return slo.alert.comparison.holds(_latency_sli(slo, error), slo.alert.threshold)

        if alerts(healthy):
            return None
        return next((error for error in (0.5, 0.9) if alerts(error)), None)
    if slo.indicator.ratio is None:
        return None
    scale = 100 if slo.unit == Unit.PERCENT else 1   # as `rules.sli_value` gives the SLI

    def alerts(error: float) -> bool:
        value = scale * (1 - error) if burn.counts_good(slo) else scale * error
        return slo.alert.comparison.holds(value, slo.alert.threshold)

    level = slo.alert.threshold / scale
    edge = 1 - level if burn.counts_good(slo) else level   # the error ratio at the threshold
    if not 0 < edge < 1 or alerts(healthy):
        return None
    return next((error for error in ((edge + 1) / 2, edge / 2) if alerts(error)), None)


def _in(group: dict[str, str]) -> str:
    """` in tool="a"`: which group a test's burn is in (nothing when the SLO is not grouped)."""
    return " in " + ", ".join(f'{k}="{v}"' for k, v in group.items()) if group else ""


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


def _expected(rule: dict, group: dict[str, str] | None = None) -> dict:
    """The alert `rule` raises (for `group`: the series' `by` labels join the rule's own)."""
    return {"exp_labels": {**rule["labels"], **(group or {})}, "exp_annotations": dict(rule["annotations"])}


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
        files.write_atomically(path, header + yaml.dump(data, Dumper=dumper, sort_keys=False, width=1_000_000))
        if name.endswith("test.yaml"):
            tests.append(path)
    return tests
