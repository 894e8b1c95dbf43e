"""`ops slo status` against a real Prometheus holding a known week, and against ones that fail.

The history (one sample a minute for 8 days, ending a few minutes ago):
- checkout: 200 checkout_result events a minute, 1 failed; a 60-minute outage two days ago in which 100
  a minute fail. Prometheus' `ALERTS` holds the page that fired then (backfilled as Prometheus writes it).
- MCP: 1,000 /mcp responses a minute, 1 an error; a 3-hour outage 7.5 days ago (outside the week, inside
  the 28-day window) in which 500 a minute fail.
- LLM cost: 20 completed workflows a minute; 0.6 of spend a minute until 7 days ago, 0.9 since.
- Gift search errors, grouped by tool: suggest_gifts 100 calls a minute, 3 errors (3%, over the 2%
  budget: breached); search_products 1,000 a minute, 2 errors (within). Summed they would be 0.45%,
  within. `ALERTS` holds a ticket for suggest_gifts.
Every expected number below is computed from those increments, not by opsbook.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import threading
import time

import pytest
from conftest import REPO, needs_commands, needs_real_clock, ops, site_copy
from prometheus_server import STEP, PrometheusServer, backfill, counter, openmetrics

pytestmark = needs_commands("prometheus", "promtool", package="prometheus")

DAY = 1440  # minutes


class History:
    def __init__(self) -> None:
        now = int(time.time()) // STEP * STEP
        self.end = now - 5 * STEP            # the last sample
        self.start = self.end - 8 * DAY * STEP
        minutes = 8 * DAY
        checkout_outage = range(6 * DAY, 6 * DAY + 60)           # minutes after start: two days before the end
        mcp_outage = range(DAY // 2, DAY // 2 + 180)              # 7.5 days before the end
        price_change = DAY                                        # the last 7 days cost 0.9 a minute
        self.series = [
            counter("checkout_result_total", {"status": "success"}, self.start, minutes,
                    lambda i: 100 if i in checkout_outage else 199),
            counter("checkout_result_total", {"status": "failed"}, self.start, minutes,
                    lambda i: 100 if i in checkout_outage else 1),
            counter("mcp_responses_total", {"route": "/mcp", "outcome": "answered"}, self.start, minutes,
                    lambda i: 500 if i in mcp_outage else 999),
            counter("mcp_responses_total", {"route": "/mcp", "outcome": "error"}, self.start, minutes,
                    lambda i: 500 if i in mcp_outage else 1),
            counter("llm_cost_usd_total", {}, self.start, minutes, lambda i: 0.9 if i > price_change else 0.6),
            counter("workflow_completed_total", {}, self.start, minutes, lambda i: 20),
            counter("tool_calls_total", {"tool": "suggest_gifts", "outcome": "error"}, self.start, minutes,
                    lambda i: 3),
            counter("tool_calls_total", {"tool": "suggest_gifts", "outcome": "ok"}, self.start, minutes,
                    lambda i: 97),
            counter("tool_calls_total", {"tool": "search_products", "outcome": "error"}, self.start, minutes,
                    lambda i: 2),
            counter("tool_calls_total", {"tool": "search_products", "outcome": "ok"}, self.start, minutes,
                    lambda i: 998),
        ]
        page = {"alertname": "SLOErrorBudgetBurn", "alertstate": "firing", "slo": "checkout-success",
                "service": "checkout", "category": "commerce", "severity": "page"}
        ticket = {"alertname": "SLOErrorBudgetBurn", "alertstate": "firing", "slo": "gift-search-errors",
                  "service": "gift-search", "category": "availability", "severity": "ticket", "tool": "suggest_gifts"}
        self.alerts = [("ALERTS", page, [self.start + i * STEP for i in checkout_outage]),
                       ("ALERTS", ticket, [self.start + i * STEP for i in range(7 * DAY, 7 * DAY + 30)])]
        self.at = self.end + 30  # between samples: a range holds exactly the samples inside it

    def error_ratio(self, bad: list[int], total: list[int], window_minutes: int) -> float:
        """Failed over all events between the first and last sample inside the window ending at `at`."""
        first = max(self.start, self.at - window_minutes * STEP)
        first = first + (-(first - self.start)) % STEP  # the first sample on the grid inside the window
        until = self.end

        def gained(indexes: list[int]) -> float:
            return sum(self.series[i].increase(first, until) for i in indexes)
        return gained(bad) / gained(total)


@pytest.fixture(scope="module")
def history() -> History:
    return History()


@pytest.fixture(scope="module")
def server(history, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prometheus")
    rules = folder / "rules.yaml"
    result = ops("slo", "rules", "--root", str(REPO), "--out", str(rules))
    assert result.returncode == 0, result.stderr
    data = backfill(openmetrics(history.series, history.alerts), folder)
    prometheus = PrometheusServer(folder, data, rules)
    try:
        prometheus.wait_ready()
        yield prometheus
    finally:
        prometheus.stop()


def _status(url: str, *args: str):
    return ops("slo", "status", "--root", str(REPO), "--prometheus", url, *args)


def test_every_generated_rule_loads_and_evaluates_healthy(server):
    found = server.wait_rules_evaluated()
    assert len(found) == 56
    unhealthy = [(rule["name"], rule.get("lastError")) for rule in found if rule["health"] != "ok"]
    assert unhealthy == []


def test_status_numbers_match_the_hand_computed_ones(server, history):
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc).isoformat()
    result = _status(server.url, "--as-of", at, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["missing"] is None and report["period"] == "7d"
    by_id = {n["slo"]: n for n in report["slos"]}

    week, month = 7 * DAY, 28 * DAY
    checkout_week = history.error_ratio([1], [0, 1], week)
    checkout = by_id["checkout-success"]  # 7d window: period and window are the same week
    assert checkout["period_attainment"] == pytest.approx(1 - checkout_week, abs=1e-6)
    assert checkout["window_attainment"] == pytest.approx(1 - checkout_week, abs=1e-6)
    assert checkout["budget_remaining"] == pytest.approx(1 - checkout_week / 0.01, abs=1e-6)
    assert checkout["alerts"] == ["page"]
    assert checkout["verdict"] == "at risk"  # about 20% of the budget left

    mcp = by_id["mcp-availability"]  # the outage is outside the week but inside the 28 days
    assert mcp["period_attainment"] == pytest.approx(1 - history.error_ratio([3], [2, 3], week), abs=1e-6)
    assert mcp["period_attainment"] == pytest.approx(0.999, abs=1e-9)
    mcp_month = history.error_ratio([3], [2, 3], month)
    assert mcp["window_attainment"] == pytest.approx(1 - mcp_month, abs=1e-6)
    assert mcp["budget_remaining"] == pytest.approx(1 - mcp_month / 0.005, abs=1e-6)
    assert mcp["alerts"] == [] and mcp["verdict"] == "breached"

    cost = by_id["llm-cost-per-workflow"]  # month over month: this week at 0.9/20, the one before at 0.6/20
    assert cost["value"] == pytest.approx(0.045, abs=1e-6)
    assert cost["previous"] == pytest.approx(0.03, abs=1e-6)
    assert cost["verdict"] == "breached"

    assert by_id["tool-call-rate"]["verdict"] == "no data"
    assert by_id["tool-call-rate"]["period_attainment"] is None


def test_status_as_markdown_is_the_review_table(server, history):
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc).isoformat()
    result = _status(server.url, "--as-of", at, "--format", "markdown", "--slo", "checkout-success",
                     "--slo", "llm-cost-per-workflow")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2:4] == ["| SLO | Objective | Period | Window | Budget left | Burn alerts | Status |",
                          "|---|---|---|---|---|---|---|"]
    checkout = 1 - history.error_ratio([1], [0, 1], 7 * DAY)
    assert lines[4] == (f"| checkout-success | 99% good over 7d | {round(checkout * 100, 3):g}% | "
                        f"{round(checkout * 100, 3):g}% | {round((1 - (1 - checkout) / 0.01) * 100, 1):g}% | page | at risk |")
    assert lines[5] == "| llm-cost-per-workflow | ≤ 0.04 over 7d | 0.045 | before: 0.03 | — | — | breached |"


# Indexes of History.series: the errors and all calls of each tool.
SUGGEST, SEARCH = ([6], [6, 7]), ([8], [8, 9])


@needs_real_clock
def test_a_grouped_slo_shows_each_group_worst_first_and_is_as_good_as_its_worst(server, history):
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc).isoformat()
    result = _status(server.url, "--as-of", at, "--format", "json", "--slo", "gift-search-errors")
    assert result.returncode == 0, result.stderr
    [slo] = json.loads(result.stdout)["slos"]
    week = 7 * DAY
    suggest, search = history.error_ratio(*SUGGEST, week), history.error_ratio(*SEARCH, week)
    assert history.error_ratio([6, 8], [6, 7, 8, 9], week) < 0.02 * 0.75  # summed, it would look within
    assert [group["labels"] for group in slo["groups"]] == [{"tool": "suggest_gifts"}, {"tool": "search_products"}]
    worst, other = slo["groups"]
    assert worst["window_attainment"] == pytest.approx(1 - suggest, abs=1e-6)
    assert worst["budget_remaining"] == pytest.approx(1 - suggest / 0.02, abs=1e-6)
    assert (worst["verdict"], worst["alerts"]) == ("breached", ["ticket"])
    assert other["period_attainment"] == pytest.approx(1 - search, abs=1e-6)
    assert other["budget_remaining"] == pytest.approx(1 - search / 0.02, abs=1e-6)
    assert (other["verdict"], other["alerts"]) == ("within", [])
    assert slo["group_counts"] == {"breached": 1, "at risk": 0, "within": 1, "no data": 0}
    # The SLO's own numbers and verdict are its worst group's, not a sum over the groups.
    assert slo["verdict"] == "breached"
    assert slo["window_attainment"] == worst["window_attainment"]
    assert slo["budget_remaining"] == worst["budget_remaining"]
    assert slo["alerts"] == ["ticket"]


@needs_real_clock
def test_a_grouped_slo_in_text_and_markdown_lists_its_groups_under_it(server, history):
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc).isoformat()
    week = 7 * DAY
    suggest, search = history.error_ratio(*SUGGEST, week), history.error_ratio(*SEARCH, week)

    def cells(error: float) -> list[str]:
        shown = f"{round((1 - error) * 100, 3):g}%"
        return [shown, shown, f"{round((1 - error / 0.02) * 100, 1):g}%"]

    text = _status(server.url, "--as-of", at, "--slo", "gift-search-errors", "--slo", "checkout-success")
    assert text.returncode == 0, text.stderr
    lines = [line.split() for line in text.stdout.splitlines()[2:]]
    assert lines[0] == ["gift-search-errors", "98%", "good", "over", "7d", *cells(suggest), "ticket",
                        "breached;", "groups:", "1", "breached,", "0", "at", "risk,", "1", "within"]
    assert lines[1] == ['tool="suggest_gifts"', *cells(suggest), "ticket", "breached"]
    assert lines[2] == ['tool="search_products"', *cells(search), "none", "within"]
    assert lines[3][0] == "checkout-success"

    markdown = _status(server.url, "--as-of", at, "--format", "markdown", "--slo", "gift-search-errors")
    rows = markdown.stdout.splitlines()
    assert rows[0].endswith(" A grouped SLO shows its worst group's numbers, then each group's (↳), worst first.")
    assert rows[4:] == [
        f"| gift-search-errors | 98% good over 7d | {' | '.join(cells(suggest))} | ticket | breached; groups: "
        "1 breached, 0 at risk, 1 within |",
        f'| ↳ tool="suggest_gifts" |  | {" | ".join(cells(suggest))} | ticket | breached |',
        f'| ↳ tool="search_products" |  | {" | ".join(cells(search))} | none | within |']


# --- a Prometheus that does not answer well ------------------------------------------------------

class _Answer(http.server.BaseHTTPRequestHandler):
    body = b""
    status = 200
    delay = 0.0

    def do_GET(self):  # noqa: N802 (http.server's name)
        time.sleep(self.delay)
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            self.wfile.write(self.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting, as it should
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def fake():
    servers = []

    def serve(body: bytes, status: int = 200, delay: float = 0.0) -> str:
        handler = type("Handler", (_Answer,), {"body": body, "status": status, "delay": delay})
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"
    yield serve
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("body, status, reason", [
    (b"<html>gateway</html>", 200, "answered with something that is not JSON"),
    (b'{"status": "success", "data": {"resultType": "matrix", "result": []}}', 200,
     "answered with something other than an instant vector"),
    (b'{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "lots"]}]}}',
     200, "answered with a sample that is not a number"),
    (b'{"status": "error", "errorType": "bad_data", "error": "parse error"}', 400, "answered HTTP 400: parse error"),
])
def test_garbage_from_prometheus_gives_no_numbers_and_says_why(fake, body, status, reason):
    url = fake(body, status)
    result = _status(url, "--as-of", "2026-11-26")
    assert result.returncode == 1
    assert result.stdout.splitlines()[1] == f"numbers missing: Prometheus {reason}"
    assert result.stderr == f"ops: error: the numbers are missing: Prometheus at {url} {reason}\n"


def test_a_slow_prometheus_times_out(fake, tmp_path, handbook_copy):
    config = handbook_copy / "opsbook.yaml"
    config.write_text(config.read_text() + "prometheus:\n  timeout: 0.5\n")
    url = fake(b"{}", delay=3)
    result = ops("slo", "status", "--root", str(handbook_copy), "--format", "markdown", "--as-of", "2026-11-26",
                 env={"PROMETHEUS_URL": url})
    assert result.returncode == 1
    assert result.stdout == "_Numbers missing (2026-11-26 23:59 UTC): Prometheus did not answer within 0.5 s._\n"


def test_an_unreachable_prometheus(tmp_path):
    from prometheus_server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = _status(url, "--as-of", "2026-11-26", "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["missing"] == "could not be reached (Connection refused)"
    assert json.loads(result.stdout)["slos"] == []


# --- the numbers in the review issues -------------------------------------------------------------

def _weekly_review(at: dt.datetime):
    """A weekly SLO review a year after `at` (so its numbers are measured at `at`), the week before it."""
    from opsbook.calendar.schedule import Occurrence
    from opsbook.validation import load_handbook
    from opsbook.issues.context import Review

    handbook = load_handbook(REPO)
    cadence = handbook.cadences["weekly-slo-review"].cadence
    start = at + dt.timedelta(days=365)

    def occurrence(when: dt.datetime, index: int) -> Occurrence:
        return Occurrence(cadence.id, cadence.title, f"p{index}", when, when + dt.timedelta(minutes=30), None,
                          (), (), index)
    return handbook, Review(cadence, occurrence(start, 2), occurrence(start - dt.timedelta(days=7), 1), None)


def test_the_weekly_review_issue_quotes_the_measured_numbers(server, history):
    from opsbook.issues.context import live_numbers, sections
    from opsbook.slo.prometheus import Prometheus
    from opsbook.slo.review import ReviewNumbers

    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc)
    handbook, review = _weekly_review(at)
    token = live_numbers.set(ReviewNumbers(Prometheus(server.url), at))
    try:
        parts = [part if isinstance(part, str) else part.text() for part in sections(handbook, review)]
    finally:
        live_numbers.reset(token)
    slos_section = next(part for part in parts if part.startswith("## SLOs"))
    measured = slos_section.split("### Measured\n\n", 1)[1].splitlines()
    assert measured[0] == (f"Measured {at:%Y-%m-%d %H:%M} UTC over the last 7d (Period) and each SLO's window "
                           "(Window); a quotient shows its value, then the period before. A grouped SLO shows "
                           "its worst group's numbers, then each group's (↳), worst first.")
    checkout = 1 - history.error_ratio([1], [0, 1], 7 * DAY)
    row = next(line for line in measured if line.startswith("| checkout-success |"))
    assert row == (f"| checkout-success | 99% good over 7d | {round(checkout * 100, 3):g}% | "
                   f"{round(checkout * 100, 3):g}% | {round((1 - (1 - checkout) / 0.01) * 100, 1):g}% | page | at risk |")
    # The weekly review's grouped SLO: each tool, worst first, under the SLO's row.
    grouped = [line.split(" | ")[0] for line in measured if "gift-search-errors" in line or line.startswith("| ↳")]
    assert grouped == ["| gift-search-errors", '| ↳ tool="suggest_gifts"', '| ↳ tool="search_products"']


def test_a_review_quoting_a_slo_with_thousands_of_groups_fits_the_issue_body_worst_groups_first():
    from opsbook.issues.body import occurrence_issue
    from opsbook.issues.budget import BODY_LIMIT
    from opsbook.issues.context import live_numbers
    from opsbook.slo import status

    at = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone.utc)
    handbook, review = _weekly_review(at)
    shards = [status.GroupNumbers({"shard": f"{i:04}"}, 0.99, 0.99 - i / 1e6, 0.5 - i / 1e5, [], "within")
              for i in range(5000)]
    shards[4321].verdict, shards[4321].budget_remaining = "breached", -0.5
    numbers = status.SloNumbers("gift-search-errors", "Gift search error rate", "events", "98% good over 7d",
                                groups=sorted(shards, key=status._worst_first))
    report = status.Report(at, dt.timedelta(days=7), "http://prometheus.example", [numbers])
    token = live_numbers.set(lambda review, slos: status.markdown_parts(report))
    try:
        body = occurrence_issue(handbook, review, "calendar/weekly-slo-review.yaml").body
    finally:
        live_numbers.reset(token)
    assert len(body) <= BODY_LIMIT
    rows = [line for line in body.splitlines() if line.startswith("| ↳ shard=")]
    assert rows[0].startswith('| ↳ shard="4321" |') and rows[0].endswith("| breached |")
    assert 100 < len(rows) < 5000
    assert f"_{5000 - len(rows):,} more on the site: https://giftgenius.github.io/handbook/slos/#measured_" in body
    assert body.endswith("keeping ticked boxes.</sub>\n")  # the footer survives the cut


def test_review_issues_open_without_numbers_and_are_refreshed_on_the_next_run(tmp_path):
    """Unreachable, then garbage: each review issue still opens (and is updated) with a line saying why."""
    from github_server import GitHubServer
    from prometheus_server import free_port

    token = "ghs_" + "Zq7Rk2Xv9Lm4Np8Tb3Wc6Yd1Fh5Jg0Se2Ua7"

    def sync(server, url):
        return ops("issues", "sync", "--repo", f"{server.owner}/{server.repo}", "--root", str(REPO),
                   "--as-of", "2026-11-28", env={"GITHUB_TOKEN": token, "GITHUB_API_URL": server.api_url,
                                                 "OPSBOOK_WRITE_INTERVAL": "0", "PROMETHEUS_URL": url})

    def w48(server) -> str:
        return next(i for i in server.issues.values() if i["title"] == "Weekly SLO review — 2026-W48")["body"]

    with GitHubServer(token=token) as github:
        first = sync(github, f"http://127.0.0.1:{free_port()}")
        assert first.returncode == 0, first.stderr
        assert ("### Measured\n\n_Numbers missing (2026-11-23 10:00 CET): Prometheus could not be reached "
                "(Connection refused)._\n") in w48(github)
        handler = type("Handler", (_Answer,), {"body": b"<html>oops</html>"})
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            second = sync(github, f"http://127.0.0.1:{httpd.server_address[1]}")
        finally:
            httpd.shutdown()
            httpd.server_close()
        assert second.returncode == 0, second.stderr
        assert ("### Measured\n\n_Numbers missing (2026-11-23 10:00 CET): Prometheus answered with something "
                "that is not JSON._\n") in w48(github)
        assert "  updated" in second.stdout


# --- the numbers on the site ----------------------------------------------------------------------

def test_ops_build_with_prometheus_puts_the_numbers_dated_on_the_slo_pages(server, history, handbook_copy, tmp_path):
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc)
    root = site_copy(handbook_copy)
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", at.isoformat(),
                 "--prometheus", server.url)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "slos" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    checkout = 1 - history.error_ratio([1], [0, 1], 7 * DAY)
    shown = f"{round(checkout * 100, 3):g}%"
    when = f"{at:%Y-%m-%d %H:%M} UTC"
    assert f"Measured {when} over the last 7d" in text  # the table, as the review issues quote it
    assert f"checkout-success\n99% good over 7d\n{shown}\n{shown}" in re.sub(r"\n\s*", "\n", text)
    budget = f"{round((1 - (1 - checkout) / 0.01) * 100, 1):g}%"
    flat = " ".join(text.split())
    assert (f"Measured {when}: {shown} good over the window ({shown} over the last 7d), {budget} of the "
            "error budget left: at risk") in flat
    assert f"Measured {when}: no data (Prometheus holds no events of it in the window)" in flat  # gift search
    suggest = history.error_ratio(*SUGGEST, 7 * DAY)
    shown = f"{round((1 - suggest) * 100, 3):g}%"
    assert (f'Measured {when}: {shown} good over the window in its worst group, tool="suggest_gifts", ({shown} '
            f"over the last 7d), {round((1 - suggest / 0.02) * 100, 1):g}% of the error budget left: breached "
            "(2 groups: 1 breached, 0 at risk, 1 within)") in flat
    assert 'tool="search_products"' in flat  # its row in the measured table


def test_ops_build_with_an_unreachable_prometheus_builds_and_says_the_numbers_are_missing(handbook_copy, tmp_path):
    from prometheus_server import free_port

    root = site_copy(handbook_copy)
    url = f"http://127.0.0.1:{free_port()}"
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", "2026-11-26",
                 "--prometheus", url)
    assert result.returncode == 0, result.stderr
    assert "! SLO numbers missing: Prometheus could not be reached (Connection refused); the SLO pages say so" \
        in result.stderr.splitlines()
    text = " ".join(re.sub(r"<[^>]+>", " ", (tmp_path / "site" / "slos" / "index.html").read_text()).split())
    assert "Numbers missing (2026-11-26 23:59 UTC): Prometheus could not be reached (Connection refused)." in text
    assert "Measured: numbers missing (2026-11-26 23:59 UTC)" in text


def _with_prometheus_url(root, url: str):
    config = root / "opsbook.yaml"
    text = config.read_text(encoding="utf-8")
    assert "\nprometheus:" not in text
    config.write_text(text + f"\nprometheus:\n  url: {url}\n", encoding="utf-8")
    return root


def test_ops_build_measures_in_the_prometheus_opsbook_yaml_names_as_ops_slo_status_does(
        server, history, handbook_copy, tmp_path):
    """The Publish workflow runs `ops build` with no option: a handbook with `prometheus.url` gets its
    numbers and charts all the same."""
    at = dt.datetime.fromtimestamp(history.at, dt.timezone.utc)
    root = _with_prometheus_url(site_copy(handbook_copy), server.url)
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", at.isoformat(),
                 env={"PROMETHEUS_URL": ""})
    assert result.returncode == 0, result.stderr
    text = " ".join(re.sub(r"<[^>]+>", " ", (tmp_path / "site" / "slos" / "index.html").read_text()).split())
    assert f"Measured {at:%Y-%m-%d %H:%M} UTC over the last 7d" in text
    assert (tmp_path / "site" / "slos" / "checkout-success" / "budget.svg").is_file()


def test_ops_build_takes_prometheus_url_from_the_environment_before_opsbook_yaml(server, handbook_copy, tmp_path):
    from prometheus_server import free_port

    root = _with_prometheus_url(site_copy(handbook_copy), server.url)
    elsewhere = f"http://127.0.0.1:{free_port()}"
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", "2026-11-26",
                 env={"PROMETHEUS_URL": elsewhere})
    assert result.returncode == 0, result.stderr
    assert "! SLO numbers missing: Prometheus could not be reached (Connection refused); the SLO pages say so" \
        in result.stderr.splitlines()


def test_ops_build_without_any_prometheus_asks_none_and_says_nothing_of_numbers(handbook_copy, tmp_path):
    result = ops("build", "--root", str(site_copy(handbook_copy)), "--site-dir", str(tmp_path / "site"),
                 "--as-of", "2026-11-26", env={"PROMETHEUS_URL": ""})
    assert result.returncode == 0, result.stderr
    assert "SLO numbers" not in result.stderr
    assert not list((tmp_path / "site" / "slos").glob("*/budget.svg"))


def test_ops_build_with_a_prometheus_url_variable_that_is_not_an_address_is_a_usage_error(handbook_copy, tmp_path):
    result = ops("build", "--root", str(site_copy(handbook_copy)), "--site-dir", str(tmp_path / "site"),
                 env={"PROMETHEUS_URL": "prometheus:9090"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("ops: error: PROMETHEUS_URL='prometheus:9090': expected an http:// or https:// "
                             "address, such as http://localhost:9090\n")
    assert not (tmp_path / "site").exists()


def test_ops_build_with_a_prometheus_that_is_not_an_address_is_a_usage_error(handbook_copy, tmp_path):
    result = ops("build", "--root", str(site_copy(handbook_copy)), "--site-dir", str(tmp_path / "site"),
                 "--prometheus", "localhost:9090")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("ops: error: --prometheus 'localhost:9090': expected an http:// or https:// address, "
                             "such as http://localhost:9090\n")
    assert not (tmp_path / "site").exists()
