"""An SLO's indicator as data: the PromQL that measures it, so rules, tests and reviews share one source.

Three shapes, one per key under `indicator:`:

- `ratio`: event counters; the error ratio is `bad / total`, or `1 - good / total`.
- `latency`: a histogram; an event is good when it falls in the bucket `le` (the threshold, in the
  histogram's unit), and `quantile` is the share of events that must be good (0.95 for a p95 SLO).
- `quotient`: a value per event such as cost per completed workflow, `numerator / denominator`; it has
  no error budget, so it gets the catalogue's plain alert and review numbers, not burn-rate alerts.

A counter is a PromQL selector (`checkout_result_total{status="success"}`), which the rules wrap as
`sum(rate(SELECTOR[WINDOW]))`, or an expression that already yields a per-second rate and says where
the window goes with `$window`. The syntax is checked here with promql-parser (a pure function).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from opsbook.handbook.models.common import Strict

WINDOW = "$window"
"""Where an expression counter takes the rate window."""

LabelName = Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]


def parse_promql(text: str) -> Any:
    """promql-parser's syntax tree of `text`; raises ValueError with the parser's reason."""
    import promql_parser  # Rust-backed; imported only when a handbook has PromQL to check

    try:
        return promql_parser.parse(text)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ValueError(f"is not valid PromQL: {exc}") from None


def _counter(value: str) -> str:
    """A selector (no range, no function) or an expression with `$window`."""
    if WINDOW in value:
        tree = parse_promql(value.replace(WINDOW, "5m"))
        if type(tree).__name__ == "MatrixSelector":
            raise ValueError("yields a range vector; an expression must give a rate per second")
        return value
    tree = parse_promql(value)
    if type(tree).__name__ != "VectorSelector":
        raise ValueError("expected a selector such as http_requests_total{code=~\"5..\"}, or an expression "
                         f"with {WINDOW} where the rate window goes, such as sum(rate(x[{WINDOW}]))")
    return value


def check_counter(text: str) -> bool:
    """True when `text` is a counter an indicator takes (a selector, or an expression with `$window`)."""
    try:
        _counter(text)
    except ValueError:
        return False
    return True


def _selector(value: str) -> str:
    if type(parse_promql(value)).__name__ != "VectorSelector":
        raise ValueError("expected a selector of the histogram's series, such as "
                         "request_duration_seconds{route=\"/mcp\"}")
    return value


def _instant(value: str) -> str:
    if type(parse_promql(value)).__name__ == "MatrixSelector":
        raise ValueError("yields a range vector; expected an expression whose value is the metric")
    return value


def _le(value: Any) -> str:
    # Kept as written: Prometheus matches the `le` label as text ("4" and "4.0" are different series).
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("expected a bucket bound as a number, such as \"0.5\" or \"4\"")
    text = str(value).strip()
    try:
        bound = float(text)
    except ValueError:
        raise ValueError("expected a bucket bound as a number, such as \"0.5\" or \"4\"") from None
    if math.isnan(bound) or bound <= 0:
        raise ValueError("expected a bucket bound above zero")
    return text


Counter = Annotated[str, Field(min_length=1), AfterValidator(_counter)]
Selector = Annotated[str, Field(min_length=1), AfterValidator(_selector)]
InstantPromQL = Annotated[str, Field(min_length=1), AfterValidator(_instant)]
BucketBound = Annotated[str, BeforeValidator(_le)]
MinRate = Annotated[float, Field(ge=0, description="Events per second (over an alert's long window) below "
                                                   "which burn-rate alerts stay quiet.")]


class RatioIndicator(Strict):
    """Event counters: the error ratio is `bad / total`, or `1 - good / total`."""

    good: Counter | None = None
    bad: Counter | None = None
    total: Counter
    by: list[LabelName] = Field(default=[], description="Labels to keep: one SLI (and alert) per group.")
    min_rate: MinRate = 0.0

    @model_validator(mode="after")
    def _good_or_bad(self) -> "RatioIndicator":
        if (self.good is None) == (self.bad is None):
            raise ValueError("a ratio needs exactly one of `good` and `bad`, over `total`")
        return self


class LatencyIndicator(Strict):
    """A histogram: good events fall in the bucket `le`; `quantile` of them must (0.95 for p95)."""

    histogram: Selector = Field(description="The histogram's name without _bucket or _count, and its labels.")
    le: BucketBound = Field(description="The bucket bound that is the SLO's threshold, in the histogram's unit.")
    quantile: Annotated[float, Field(gt=0, lt=1)]
    by: list[LabelName] = []
    min_rate: MinRate = 0.0


class QuotientIndicator(Strict):
    """A value per event, such as spend per completed workflow: numerator / denominator."""

    numerator: Counter
    denominator: Counter


class Indicator(Strict):
    """How the SLI is measured: exactly one of `ratio`, `latency`, `quotient`."""

    ratio: RatioIndicator | None = None
    latency: LatencyIndicator | None = None
    quotient: QuotientIndicator | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Indicator":
        if sum(kind is not None for kind in (self.ratio, self.latency, self.quotient)) != 1:
            raise ValueError("an indicator is exactly one of `ratio`, `latency` or `quotient`")
        return self
