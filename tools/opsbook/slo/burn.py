"""Error budgets and multiwindow, multi-burn-rate alerts, after the SRE Workbook's "Alerting on SLOs".

1. An SLO's error budget is the share of events allowed to fail: `1 - target` for an "at least"
   ratio (0.995 → 0.005), `target` for an "at most" error ratio, `1 - quantile` for a latency SLO.
2. The burn rate is the error ratio divided by the budget: at 1 the budget lasts exactly the SLO's window.
3. The Workbook states each alert as a share of a 30-day budget spent within a long window: page when
   2% goes in 1 hour or 5% in 6 hours, open a ticket when 10% goes in 3 days. Spending a share `s` of
   the budget of a window `W` within `L` means burning at `s × W / L`; for W = 30d that is 14.4, 6 and 1.
   The same shares over each SLO's own window give its factors (7d: 3.36, 1.4; 28d: 13.44, 5.6).
4. A ticket factor below 1 (10% of a 7-day budget in 3 days is 0.23) would open tickets for a burn that
   never spends the budget within the window, so factors are held at 1 or more.
5. Each alert also needs its short window (a twelfth of the long one: 5m, 30m, 6h) above the same factor,
   so an alert stops soon after the burn stops instead of waiting for the long window to forget it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from opsbook.handbook.models.catalogue import Comparison, Slo, Unit
from opsbook.handbook.models.common import format_duration

WORKBOOK_WINDOW = dt.timedelta(days=30)


@dataclasses.dataclass(frozen=True)
class BurnAlert:
    """One multiwindow burn-rate condition of the Workbook."""

    severity: str               # Alertmanager's `severity` label: page or ticket
    budget_share: float         # share of the whole window's budget spent within `long`
    long: dt.timedelta          # the window that measures the burn
    short: dt.timedelta         # the window that confirms it is still burning

    def factor(self, window: dt.timedelta) -> float:
        """The burn rate that spends `budget_share` of a `window`'s budget within `long` (at least 1)."""
        return max(1.0, round(self.budget_share * (window / self.long), 6))

    @property
    def name(self) -> str:
        return f"{format_duration(self.long)}-{format_duration(self.short)}"


BURN_ALERTS = (
    BurnAlert("page", 0.02, dt.timedelta(hours=1), dt.timedelta(minutes=5)),
    BurnAlert("page", 0.05, dt.timedelta(hours=6), dt.timedelta(minutes=30)),
    BurnAlert("ticket", 0.10, dt.timedelta(days=3), dt.timedelta(hours=6)),
)


def windows() -> list[dt.timedelta]:
    """Every window an alert reads, shortest first: each gets one recording rule per SLO."""
    return sorted({w for alert in BURN_ALERTS for w in (alert.long, alert.short)})


def error_budget(slo: Slo) -> float | None:
    """The share of events allowed to fail, or None when the SLO has no event-based indicator."""
    indicator = slo.indicator
    if indicator is None or indicator.quotient is not None:
        return None
    if indicator.latency is not None:
        return round(1 - indicator.latency.quantile, 12)
    scale = 100.0 if slo.unit == Unit.PERCENT else 1.0
    share = slo.target / scale
    return round(1 - share if slo.objective in (Comparison.GE, Comparison.GT) else share, 12)


def counts_good(slo: Slo) -> bool:
    """True when the SLI is the good share (availability ≥ target), False when it is the error share."""
    return slo.objective in (Comparison.GE, Comparison.GT)
