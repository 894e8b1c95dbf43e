"""Each SLO's numbers, read from Prometheus: what `ops slo status` prints and the review issues quote.

For an SLO with event counters (ratio or latency), at a time `at`:

1. attainment over the period (the review's: a week) and over the SLO's own window: the share of good
   events, `1 - error ratio`, the error ratio being the rule file's own expression over that range;
2. error budget remaining: `1 - error ratio over the window / budget` (below 0: the SLO is breached);
3. the burn-rate alerts that fired in the period, from Prometheus' `ALERTS` series;
4. the verdict: `breached` when no budget is left, `at risk` when under a quarter is left or the period
   alone burnt faster than the budget allows, else `within`; `no data` when there were no events.

A grouped SLO (`by: [shard]`) has one SLI per group, as its alerts do: each group gets the numbers and
verdict above, the groups are listed worst first (breached, at risk, within, no data; then the least
budget left), the SLO is counted as how many groups are within / at risk / breached, and its own numbers
and verdict are its worst group's. A sum over the groups would show 85% while one shard is at 43%.

A quotient SLO (cost per workflow) gets its value over the period and over the period before (month
over month for the monthly cost review), and `within` or `breached` against its target.

Numbers are all or nothing: when Prometheus cannot answer any query, the report has no numbers and says
why (`missing`), so a review never quotes some of them as if they were all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Iterable

from opsbook.handbook.models.catalogue import Slo
from opsbook.handbook.models.common import format_duration
from opsbook.slo import burn, rules
from opsbook.slo.budget import series as budget_series
from opsbook.slo.prometheus import Prometheus, PrometheusUnavailable, is_number

AT_RISK_BELOW = 0.25  # share of the budget left under which an SLO is at risk
VERDICTS = ("breached", "at risk", "within", "no data")  # worst first


@dataclasses.dataclass
class GroupNumbers:
    """One group of a grouped SLO: its `by` labels and its numbers (as SloNumbers' of the same names)."""

    labels: dict[str, str]
    period_attainment: float | None = None
    window_attainment: float | None = None
    budget_remaining: float | None = None
    alerts: list[str] = dataclasses.field(default_factory=list)
    verdict: str = "no data"

    @property
    def name(self) -> str:
        """`tool="suggest_gifts"`: the group as a PromQL matcher reads."""
        return ", ".join(f'{key}="{value}"' for key, value in self.labels.items())


@dataclasses.dataclass
class SloNumbers:
    slo: str
    title: str
    kind: str                       # "events" (ratio, latency) or "quotient"
    objective: str                  # as a person reads it: "99% good over 7d", "≤ 0.04 over 7d"
    period_attainment: float | None = None   # share of good events over the period
    window_attainment: float | None = None
    budget_remaining: float | None = None    # share of the window's error budget left
    alerts: list[str] = dataclasses.field(default_factory=list)  # burn-rate severities that fired
    value: float | None = None      # a quotient's value over the period
    previous: float | None = None   # and over the period before
    verdict: str = "no data"
    groups: list[GroupNumbers] = dataclasses.field(default_factory=list)  # a grouped SLO's, worst first

    def counts(self) -> dict[str, int]:
        """How many groups have each verdict (every verdict, in VERDICTS' order)."""
        return {verdict: sum(group.verdict == verdict for group in self.groups) for verdict in VERDICTS}

    def as_dict(self) -> dict:
        data = _finite({k: v for k, v in dataclasses.asdict(self).items() if k != "groups"})
        data["groups"] = [{**_finite(dataclasses.asdict(group))} for group in self.groups]
        if self.groups:
            data["group_counts"] = self.counts()
        return data


@dataclasses.dataclass
class Report:
    at: dt.datetime
    period: dt.timedelta
    source: str
    slos: list[SloNumbers]
    missing: str | None = None      # why there are no numbers at all
    budgets: dict = dataclasses.field(default_factory=dict)  # SLO id → `opsbook.slo.budget.BudgetSeries`

    def as_dict(self) -> dict:
        return {"at": self.at.isoformat(), "period": format_duration(self.period), "prometheus": self.source,
                "missing": self.missing, "slos": [n.as_dict() for n in self.slos]}


def collect(client: Prometheus, slos: Iterable[Slo], at: dt.datetime, period: dt.timedelta,
            budgets: bool = False) -> Report:
    """The numbers of each SLO with an indicator among `slos`, or a report that says why there are none;
    with `budgets`, also each event SLO's budget over its window (`opsbook.slo.budget`), for the charts."""
    report = Report(at, period, client.url, [])
    try:
        for slo in slos:
            if slo.indicator is not None:
                report.slos.append(_numbers(client, slo, at, period))
                if budgets and (found := budget_series(client, slo, at, period)) is not None:
                    report.budgets[slo.id] = found
    except PrometheusUnavailable as exc:
        return Report(at, period, client.url, [], missing=exc.reason)
    return report


def _numbers(client: Prometheus, slo: Slo, at: dt.datetime, period: dt.timedelta) -> SloNumbers:
    span = format_duration(period)
    measured = rules.sli(slo)  # one series per group of a grouped SLO, as its alerts have
    if measured is None:  # a quotient
        q = slo.indicator.quotient
        query = f"{rules.at(rules.counter(q.numerator), span)} / {rules.at(rules.counter(q.denominator), span)}"
        numbers = SloNumbers(slo.id, slo.title, "quotient", f"{_symbol(slo)} {slo.target:g} over {span}",
                             value=_number(client.scalar(query, at)), previous=_number(client.scalar(query, at - period)))
        if numbers.value is not None:
            numbers.verdict = "within" if slo.objective.holds(numbers.value, slo.target) else "breached"
        return numbers
    budget = burn.error_budget(slo)
    numbers = SloNumbers(slo.id, slo.title, "events", f"{percent(1 - budget)} good over {format_duration(slo.window)}")
    by, window = measured.by, format_duration(slo.window)
    fired = (f'max by ({", ".join(("severity", *by))}) (max_over_time(ALERTS{{alertname="{rules.BURN_ALERT}", '
             f'alertstate="firing", slo="{slo.id}"}}[{span}]))')
    if not by:
        period_error = _number(client.scalar(rules.at(measured.error_ratio, span), at))
        window_error = _number(client.scalar(rules.at(measured.error_ratio, window), at))
        _judge(numbers, period_error, window_error, [labels for labels, _ in client.vector(fired, at)], budget)
        return numbers
    period_errors = client.vector(rules.at(measured.error_ratio, span), at)
    window_errors = client.vector(rules.at(measured.error_ratio, window), at)

    def key(labels: dict[str, str]) -> tuple[str, ...]:
        return tuple(labels.get(label, "") for label in by)

    periods = {key(labels): value for labels, value in period_errors}
    windows = {key(labels): value for labels, value in window_errors}
    alerts: dict[tuple, list[dict]] = {}
    for labels, _ in client.vector(fired, at):
        alerts.setdefault(key(labels), []).append(labels)
    for group in dict.fromkeys([*windows, *periods]):
        numbers.groups.append(GroupNumbers(dict(zip(by, group))))
        _judge(numbers.groups[-1], _number(periods.get(group)), _number(windows.get(group)), alerts.get(group, []),
               budget)
    numbers.groups.sort(key=_worst_first)
    if numbers.groups:  # the SLO is as good as its worst group
        worst = numbers.groups[0]
        numbers.period_attainment, numbers.window_attainment = worst.period_attainment, worst.window_attainment
        numbers.budget_remaining, numbers.verdict = worst.budget_remaining, worst.verdict
        numbers.alerts = _severities([{"severity": s} for group in numbers.groups for s in group.alerts])
    return numbers


def _judge(numbers: "SloNumbers | GroupNumbers", period_error: float | None, window_error: float | None,
           fired: list[dict[str, str]], budget: float) -> None:
    """Fill in the attainments, the budget left, the burn alerts and the verdict of an SLO or a group."""
    numbers.alerts = _severities(fired)
    if period_error is not None:
        numbers.period_attainment = 1 - period_error
    if window_error is not None:
        numbers.window_attainment = 1 - window_error
        numbers.budget_remaining = 1 - window_error / budget
        at_risk = numbers.budget_remaining < AT_RISK_BELOW or (period_error or 0) > budget
        numbers.verdict = "breached" if numbers.budget_remaining < 0 else "at risk" if at_risk else "within"


def _severities(fired: list[dict[str, str]]) -> list[str]:
    order = {"page": 0, "ticket": 1}
    return sorted({labels.get("severity", "?") for labels in fired}, key=lambda s: (order.get(s, 2), s))


def _worst_first(group: GroupNumbers) -> tuple:
    left = group.budget_remaining if group.budget_remaining is not None else math.inf
    return VERDICTS.index(group.verdict), left, tuple(group.labels.values())


def _number(value: float | None) -> float | None:
    """A number, or None for no series and for NaN (0/0: no events in the range)."""
    return value if is_number(value) else None


def _finite(data: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()}


def _symbol(slo: Slo) -> str:
    return {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}[slo.objective.value]


def percent(share: float | None, places: int = 3) -> str:
    if share is None:
        return "—"
    return f"{round(share * 100, places):g}%"


# --- output ----------------------------------------------------------------------------------------

HEADER = ("SLO", "Objective", "Period", "Window", "Budget left", "Burn alerts", "Status")


def rows(report: Report, group_mark: str = "  ") -> list[tuple[str, ...]]:
    """A row per SLO; under a grouped SLO (whose row has its worst group's numbers) a row per group,
    worst first, named `group_mark` and its labels."""
    out = []
    for n in report.slos:
        if n.kind == "quotient":
            period = f"{n.value:.4g}" if n.value is not None else "—"
            window = f"before: {n.previous:.4g}" if n.previous is not None else "—"
            out.append((n.slo, n.objective, period, window, "—", "—", n.verdict))
            continue
        out.append((n.slo, n.objective, *_cells(n), n.verdict + (f"; groups: {group_counts(n)}" if n.groups else "")))
        out += [(group_mark + group.name, "", *_cells(group), group.verdict) for group in n.groups]
    return out


def _cells(n: "SloNumbers | GroupNumbers") -> tuple[str, ...]:
    return (percent(n.period_attainment), percent(n.window_attainment), percent(n.budget_remaining, 1),
            ", ".join(n.alerts) or "none")


def group_counts(numbers: SloNumbers) -> str:
    """`1 breached, 0 at risk, 3 within` (and how many have no data, when any)."""
    counts = numbers.counts()
    return ", ".join(f"{count} {verdict}" for verdict, count in counts.items() if count or verdict != "no data")


def as_text(report: Report) -> str:
    title = f"SLO numbers from {report.source} at {report.at:%Y-%m-%d %H:%M %Z}, period {format_duration(report.period)}"
    if report.missing is not None:
        return f"{title}\nnumbers missing: Prometheus {report.missing}\n"
    table = [HEADER, *rows(report)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    return "\n".join([title, *lines]) + "\n"


def as_markdown(report: Report) -> str:
    """The table a review issue quotes (or the line saying the numbers are missing and why)."""
    head, table_rows = markdown_parts(report)
    return "\n".join([head, *table_rows])


def markdown_parts(report: Report) -> tuple[str, list[str]]:
    """The Markdown table as its head (the line above it and its header) and its rows, which an issue
    body may cut to fit (the head alone when there is no table)."""
    when = f"{report.at:%Y-%m-%d %H:%M %Z}"
    if report.missing is not None:
        return f"_Numbers missing ({when}): Prometheus {report.missing}._", []
    if not report.slos:
        return "_No SLO here has an indicator to measure._", []
    head = (f"Measured {when} over the last {format_duration(report.period)} "
            "(Period) and each SLO's window (Window); a quotient shows its value, then the period before.")
    if any(n.groups for n in report.slos):
        head += " A grouped SLO shows its worst group's numbers, then each group's (↳), worst first."
    lines = [head, "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    return "\n".join(lines), ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
                              for row in rows(report, group_mark="↳ ")]
