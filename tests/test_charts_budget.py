"""The error-budget chart against a real Prometheus holding the SLO tests' known history.

The history (`test_slo_status.History`): 1,000 /mcp responses a minute, 1 an error, and a 3-hour outage
7.5 days before the end in which 500 a minute fail. MCP availability's window (28 days) is longer than the
history (8 days), so its chart starts where the data do, and the outage spends more than the budget of
everything Prometheus holds: the line must cross zero in the outage's step.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import REPO, needs_commands, needs_real_clock, ops, site_copy
from test_charts import check_accessible, check_table_is_drawn
from test_slo_status import DAY, History, fake, history, server  # noqa: F401 (fixtures: the same Prometheus)

from opsbook.validation import load_handbook
from opsbook.slo import budget
from opsbook.slo.prometheus import Prometheus, PrometheusUnavailable

REAL = [needs_commands("prometheus", "promtool", package="prometheus"), needs_real_clock]  # the tests of the real one


def real(test):
    for mark in REAL:
        test = mark(test)
    return test
MINUTE = dt.timedelta(minutes=1)


def _crossing(history: History) -> dt.datetime:
    """When the MCP outage spent the whole budget of the history's events, minute by minute, by hand."""
    answered, errors = history.series[2].increments, history.series[3].increments
    allowed = 0.005 * (sum(answered) + sum(errors))
    spent = 0.0
    for minute, failed in enumerate(errors, start=1):
        spent += failed
        if spent > allowed:
            return dt.datetime.fromtimestamp(history.start + minute * 60, dt.timezone.utc)
    raise AssertionError("the history never spends the budget")


@real
def test_the_outage_crosses_zero_in_its_step(server, history):
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc)
    slo = load_handbook(REPO).slos["mcp-availability"]
    found = budget.series(Prometheus(server.url), slo, at, dt.timedelta(days=7))
    assert found.step == dt.timedelta(hours=3) and found.start == at - dt.timedelta(days=28)
    assert len(found.points) <= budget.MAX_POINTS
    first = found.points[0][0]
    # the first step holding two samples ends within a step (and the half minute `at` is off the grid) of the start
    assert dt.timedelta(0) <= first - dt.datetime.fromtimestamp(history.start, dt.timezone.utc) <= found.step + MINUTE
    below = next(when for when, left in found.points if left < 0)
    crossing = _crossing(history)
    assert abs(below - crossing) <= found.step, (below, crossing)
    assert below.date() == crossing.date()
    before = [left for when, left in found.points if when < below]
    assert before and all(left >= 0 for left in before) and before[0] > 0.9  # full before the outage
    # The last point is the window's budget left, as the catalogue quotes it (the status test's number).
    month = history.error_ratio([3], [2, 3], 28 * DAY)
    assert found.points[-1][1] == pytest.approx(1 - month / 0.005, abs=0.02)


@real
def test_ops_build_draws_each_budget_and_publishes_it_as_a_file(server, history, handbook_copy, tmp_path):
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc)
    root = site_copy(handbook_copy)
    sites = []
    for name in ("one", "two"):
        result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / name), "--as-of", at.isoformat(),
                     "--prometheus", server.url)
        assert result.returncode == 0, result.stderr
        sites.append(tmp_path / name)
    page = (sites[0] / "slos" / "index.html").read_text(encoding="utf-8")
    drawn = re.findall(r'(<figure class="ops-chart" id="([^"]+)".*?</figure>)', page)
    # Least budget left first; the grouped gift-search SLO is drawn as its worst tool, as its numbers are.
    assert [prefix for _, prefix in drawn] == ["chart-budget-mcp-availability", "chart-budget-gift-search-errors",
                                               "chart-budget-checkout-success"]
    for chart, prefix in drawn:
        check_accessible(chart, prefix)
        check_table_is_drawn(chart)
    mcp = re.search(r'<figure class="ops-chart" id="chart-budget-mcp-availability".*?</figure>', page).group(0)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", mcp).group(1)
    assert desc.startswith("MCP availability: error budget exhausted, ")
    assert "Prometheus holds data from" in desc  # 8 days of history in a 28-day window
    checkout = re.search(r'id="chart-budget-checkout-success".*?<desc[^>]*>(.*?)</desc>', page).group(1)
    assert "burn alerts fired: page" in checkout
    svg_file = sites[0] / "slos" / "checkout-success" / "budget.svg"
    standalone = svg_file.read_text(encoding="utf-8")
    assert standalone.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" ')
    assert "var(" not in standalone and "currentColor" not in standalone  # an <img> sees no theme
    assert (sites[0] / "slos" / "mcp-availability" / "budget.svg").is_file()
    assert not (sites[0] / "slos" / "tool-call-rate").exists()  # no events: no chart (the page says "no data")
    assert not (sites[0] / "slos" / "llm-cost-per-workflow").exists()  # a quotient has no budget
    for path in ("slos/index.html", "slos/checkout-success/budget.svg"):
        assert (sites[0] / path).read_bytes() == (sites[1] / path).read_bytes(), path


@real
def test_the_weekly_review_issue_shows_each_budget_chart_beside_the_table(server, history):
    from test_slo_status import _weekly_review

    from opsbook.issues.body import occurrence_issue
    from opsbook.issues.context import live_numbers
    from opsbook.slo.review import ReviewNumbers

    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc)
    handbook, review = _weekly_review(at)
    site = handbook.config.site_url
    token = live_numbers.set(ReviewNumbers(Prometheus(server.url), at, site))
    try:
        body = occurrence_issue(handbook, review, "calendar/weekly-slo-review.yaml").body
    finally:
        live_numbers.reset(token)
    measured = body.split("### Measured\n\n", 1)[1].split("\n## ", 1)[0]
    *charts, head, table = measured.strip().split("\n\n")
    assert head.startswith("Measured ")
    assert table.splitlines()[-1].startswith("| ")  # the charts first: the body may cut the table, never them
    checkout = 1 - history.error_ratio([1], [0, 1], 7 * DAY)
    left = f"{round((1 - (1 - checkout) / 0.01) * 100, 1):g}%"
    stamp = f"{at:%Y%m%dT%H%M}"
    assert f"![Error budget of Checkout success: {left} left]({site}slos/checkout-success/budget.svg?at={stamp})" in charts
    assert [re.search(r"slos/([^/]+)/budget\.svg", chart).group(1) for chart in charts] == [
        "mcp-availability", "gift-search-errors", "checkout-success"]  # the SLOs with events; none for a quotient


@pytest.mark.parametrize("body, reason", [
    (b'{"status": "success", "data": {"resultType": "vector", "result": []}}',
     "answered with something other than a range of samples"),
    (b'{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "x"]]}]}}',
     "answered with a sample that is not a number"),
])
def test_a_range_prometheus_cannot_give_leaves_the_site_without_numbers_or_charts(fake, body, reason):
    """Numbers are all or nothing: a budget series that fails takes the instant numbers with it."""
    from opsbook.slo import status

    url = fake(body)
    handbook = load_handbook(REPO)
    at = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)
    with pytest.raises(PrometheusUnavailable) as raised:
        budget.series(Prometheus(url), handbook.slos["checkout-success"], at)
    assert str(raised.value) == f"Prometheus at {url} {reason}"
    report = status.collect(Prometheus(url), handbook.slos.values(), at, dt.timedelta(days=7), budgets=True)
    assert report.slos == [] and report.budgets == {} and report.missing is not None
