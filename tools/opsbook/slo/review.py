"""The measured numbers a review issue quotes under its SLO and cost tables (`issues.context.live_numbers`).

The period is the review's own (from the previous occurrence to this one: a week for the weekly review,
a month for the monthly cost review, whose quotients then read month over month), measured at the
occurrence or now, whichever is earlier. When Prometheus fails once, the rest of the run quotes the same
reason instead of waiting on it again for every review.

With the site's address, each measured SLO with events also gets its error-budget chart under the table:
an image link to the `slos/<slo-id>/budget.svg` that `ops build --prometheus` publishes (explicit colours,
since GitHub's image proxy sees no theme), dated with `?at=` so each review shows the chart of its day
rather than the proxy's cached copy of an older one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from opsbook import urls
from opsbook.slo import status
from opsbook.slo.prometheus import Prometheus


class ReviewNumbers:
    """A callable for `live_numbers`: (review, SLOs) → the Markdown table as its head and rows (which the
    issue body cuts to fit, worst groups of a grouped SLO first), or the line saying why not and no rows."""

    def __init__(self, client: Prometheus, now: dt.datetime, site_url: str | None = None):
        self.client, self.now, self.site_url = client, now, site_url
        self.missing: str | None = None

    def __call__(self, review: Any, slos: list) -> tuple[str, list[str]]:
        end = min(self.now, review.occurrence.start)
        period = max(review.occurrence.start - review.since, dt.timedelta(days=1))
        at = end.replace(second=0, microsecond=0)  # a minute's numbers: re-runs within it write nothing
        if self.missing is not None:
            return status.markdown_parts(status.Report(at, period, self.client.url, [], missing=self.missing))
        report = status.collect(self.client, slos, at, period)
        self.missing = report.missing
        head, rows = status.markdown_parts(report)
        charts = self._charts(report)
        # The charts come first: the issue body may cut the table's rows to fit, never them.
        return (f"{charts.strip()}\n\n{head}" if charts else head), rows

    def _charts(self, report: status.Report) -> str:
        """Image links to the published budget charts of the SLOs measured with events, or nothing."""
        if self.site_url is None or report.missing is not None:
            return ""
        links = [f"![Error budget of {_alt(n.title)}: {status.percent(n.budget_remaining, 1)} left]"
                 f"({urls.absolute(self.site_url, urls.budget_chart(n.slo))}?at={report.at:%Y%m%dT%H%M})"
                 for n in report.slos if n.kind == "events" and n.budget_remaining is not None]
        return "".join(f"\n\n{link}" for link in links)


def _alt(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
