"""Each SLO's numbers, read from Prometheus: what `ops slo status` prints and the review issues quote.

For an SLO with event counters (ratio or latency), at a time `at`:

1. attainment over the period (the review's: a week) and over the SLO's own window: the share of good
   events, `1 - error ratio`, the error ratio being the rule file's own expression over that range;
2. error budget remaining: `1 - error ratio over the window / budget` (below 0: the SLO is breached);
3. the burn-rate alerts that fired in the period, from Prometheus' `ALERTS` series;
4. the verdict: `breached` when no budget is left, `at risk` when under a quarter is left or the period
   alone burnt faster than the budget allows, else `within`; `no data` when there were no events.

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
                "missing": self.missing, "slos": [_finite(dataclasses.asdict(n)) for n in self.slos]}


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
    measured = rules.sli(slo, grouped=False)  # one number per SLO, whatever its alerts group by
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
    period_error = _number(client.scalar(rules.at(measured.error_ratio, span), at))
    window_error = _number(client.scalar(rules.at(measured.error_ratio, format_duration(slo.window)), at))
    fired = client.vector(f'max by (severity) (max_over_time(ALERTS{{alertname="{rules.BURN_ALERT}", '
                          f'alertstate="firing", slo="{slo.id}"}}[{span}]))', at)
    order = {"page": 0, "ticket": 1}
    numbers.alerts = sorted({labels.get("severity", "?") for labels, _ in fired}, key=lambda s: (order.get(s, 2), s))
    if period_error is not None:
        numbers.period_attainment = 1 - period_error
    if window_error is not None:
        numbers.window_attainment = 1 - window_error
        numbers.budget_remaining = 1 - window_error / budget
        at_risk = numbers.budget_remaining < AT_RISK_BELOW or (period_error or 0) > budget
        numbers.verdict = "breached" if numbers.budget_remaining < 0 else "at risk" if at_risk else "within"
    return numbers


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


def rows(report: Report) -> list[tuple[str, ...]]:
    out = []
    for n in report.slos:
        if n.kind == "quotient":
            period = f"{n.value:.4g}" if n.value is not None else "—"
            window = f"before: {n.previous:.4g}" if n.previous is not None else "—"
            out.append((n.slo, n.objective, period, window, "—", "—", n.verdict))
            continue
        out.append((n.slo, n.objective, percent(n.period_attainment), percent(n.window_attainment),
                    percent(n.budget_remaining, 1), ", ".join(n.alerts) or "none", n.verdict))
    return out


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
    when = f"{report.at:%Y-%m-%d %H:%M %Z}"
    if report.missing is not None:
        return f"_Numbers missing ({when}): Prometheus {report.missing}._"
    if not report.slos:
        return "_No SLO here has an indicator to measure._"
    head = (f"Measured {when} over the last {format_duration(report.period)} "
            "(Period) and each SLO's window (Window); a quotient shows its value, then the period before.")
    lines = [head, "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows(report)]
    return "\n".join(lines)
