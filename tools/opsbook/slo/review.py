"""The measured numbers a review issue quotes under its SLO and cost tables (`issues.context.live_numbers`).

The period is the review's own (from the previous occurrence to this one: a week for the weekly review,
a month for the monthly cost review, whose quotients then read month over month), measured at the
occurrence or now, whichever is earlier. When Prometheus fails once, the rest of the run quotes the same
reason instead of waiting on it again for every review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from opsbook.slo import status
from opsbook.slo.prometheus import Prometheus


class ReviewNumbers:
    """A callable for `live_numbers`: (review, SLOs) → the Markdown table as its head and rows (which the
    issue body cuts to fit, worst groups of a grouped SLO first), or the line saying why not and no rows."""

    def __init__(self, client: Prometheus, now: dt.datetime):
        self.client, self.now = client, now
        self.missing: str | None = None

    def __call__(self, review: Any, slos: list) -> tuple[str, list[str]]:
        end = min(self.now, review.occurrence.start)
        period = max(review.occurrence.start - review.since, dt.timedelta(days=1))
        at = end.replace(second=0, microsecond=0)  # a minute's numbers: re-runs within it write nothing
        if self.missing is not None:
            return status.markdown_parts(status.Report(at, period, self.client.url, [], missing=self.missing))
        report = status.collect(self.client, slos, at, period)
        self.missing = report.missing
        return status.markdown_parts(report)
