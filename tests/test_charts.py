"""The charts (`opsbook.charts`) as SVG text, and every chart of the example site as built.

Each chart is named by its title, states its point in its description, carries its data as a table, and
its table's numbers are the ones it draws: every mark with a value carries it (`data-value`), and the
marks' geometry follows those values. Nothing in a chart points outside the site; two renders of the
same numbers are the same bytes; ids never repeat on a page; marks are capped, whatever the input.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter

import pytest
from conftest import NOW, REPO
from opsbook.charts import budget, load, monthly, svg, timeline
from opsbook.site.build import build_site

UTC = dt.timezone.utc
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
CATEGORIES = ["availability", "latency", "quality", "commerce", "cost", "security"]


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def a_budget(**changes) -> budget.Budget:
    end = dt.datetime(2026, 11, 26, 12, tzinfo=UTC)
    start = end - dt.timedelta(days=28)
    # 0.3% of the budget a step, and an outage that spends 40% of it within the review period (the last 7 days)
    points = [(start + dt.timedelta(hours=3 * (i + 1)), 1 - 0.003 * i - (0.4 if i >= 200 else 0)) for i in range(224)]
    values = dict(slo="checkout-success", title="Checkout success", start=start, end=end, points=points,
                  alerts=[(points[200][0], "page"), (points[201][0], "page"), (points[210][0], "ticket")],
                  period_start=end - dt.timedelta(days=7))
    return budget.Budget(**{**values, **changes})


STAGES = [timeline.Stage("detect", dt.datetime(2026, 10, 14, 9, 5, tzinfo=UTC), minutes(5), None),
          timeline.Stage("acknowledge", dt.datetime(2026, 10, 14, 9, 25, tzinfo=UTC), minutes(25), minutes(15)),
          timeline.Stage("mitigate", dt.datetime(2026, 10, 14, 9, 50, tzinfo=UTC), minutes(50), minutes(60)),
          timeline.Stage("resolve", None, None, minutes(1440))]
SERIES = [("SEV-1", [minutes(10 + m) if m % 3 else None for m in range(12)], minutes(15)),
          ("SEV-2", [minutes(40)] * 12, minutes(30)),
          ("SEV-3", [None] * 11 + [minutes(3000)], None)]
COUNTS = [[m % 3, 1, 0, 2, 0, m % 2] for m in range(12)]
LANES = [("Maya", [[120, 48, 0] if w % 2 else [0, 0, 0] for w in range(12)]),
         ("Tom", [[0, 0, 0] if w % 2 else [100, 40, 20] for w in range(12)])]
WEEKS = [f"W{w}" for w in range(12)]


def figures() -> dict[str, str]:
    """One figure of each kind, as the site writes them."""
    return {
        "budget": budget.figure(a_budget()),
        "timeline": timeline.figure("chart-timeline-x", "Checkout failed", STAGES, "Europe/Berlin"),
        "times": monthly.times_figure("chart-time-to-acknowledge", "acknowledge", MONTHS, SERIES),
        "counts": monthly.counts_figure("chart-incidents", MONTHS, CATEGORIES, COUNTS),
        "load": load.figure("chart-load-primary", "Primary on-call", WEEKS, 4, LANES),
    }


# --- reading a figure back -----------------------------------------------------------------------

def parts(figure: str) -> dict:
    """The figure's svg attributes, title, desc, table (header and rows) and marks with their values."""
    svg_open = re.search(r"<svg[^>]*>", figure).group(0)
    title = re.search(r'<title id="([^"]+)">(.*?)</title>', figure)
    desc = re.search(r'<desc id="([^"]+)">(.*?)</desc>', figure)
    table = re.search(r"<details[^>]*><summary>(.*?)</summary><table>(.*?)</table></details>", figure)
    head = [html.unescape(c) for c in re.findall(r"<th(?: [^>]*)?>(.*?)</th>", table.group(2))]
    rows = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(2).split("</thead>")[1])]
    marks = [(m.group(1), dict(re.findall(r'([a-z-]+)="([^"]*)"', m.group(0))))
             for m in re.finditer(r"<(rect|circle|polygon|polyline|line)\b[^>]*/>", figure)]
    return {"svg": svg_open, "title": title, "desc": desc, "summary": table.group(1), "head": head, "rows": rows,
            "marks": marks, "valued": [(kind, a) for kind, a in marks if "data-value" in a]}


def column(p: dict, name: str, rows: list[list[str]] | None = None) -> list[str]:
    index = p["head"].index(name)
    return [row[index] for row in (rows if rows is not None else p["rows"])]


def values(p: dict, kind: str | None = None) -> list[str]:
    return [a["data-value"] for k, a in p["valued"] if kind is None or k == kind]


def check_accessible(figure: str, prefix: str) -> None:
    p = parts(figure)
    caption = f'<figcaption class="ops-chart-caption">{p["title"].group(2)}</figcaption>'  # seen, not only read
    assert figure.startswith(f'<figure class="ops-chart" id="{prefix}" data-search-exclude>{caption}')
    assert 'role="img"' in p["svg"] and f'aria-labelledby="{prefix}-title {prefix}-desc"' in p["svg"]
    assert p["title"].group(1) == f"{prefix}-title" and p["title"].group(2)
    assert p["desc"].group(1) == f"{prefix}-desc"
    desc = html.unescape(p["desc"].group(2))
    assert desc.endswith(".") and len(desc.split()) >= 6 and re.search(r"\d", desc), desc  # a sentence with numbers
    assert '<details class="ops-chart-data" data-search-exclude>' in figure and p["rows"]
    ids = re.findall(r'\bid="([^"]+)"', figure)
    assert all(i.startswith(prefix) for i in ids) and len(ids) == len(set(ids)), ids
    assert all(ref.startswith(prefix) for ref in re.findall(r"url\(#([^)]+)\)", figure))
    assert not re.search(r"https?:|href=|<script|<image|@import", figure)  # nothing loaded, nothing linked
    assert "\n" not in figure  # one HTML block: Markdown never sees inside it


def test_every_kind_is_named_described_and_tabulated():
    found = figures()
    for name, prefix in [("budget", "chart-budget-checkout-success"), ("timeline", "chart-timeline-x"),
                         ("times", "chart-time-to-acknowledge"), ("counts", "chart-incidents"),
                         ("load", "chart-load-primary")]:
        check_accessible(found[name], prefix)
        check_table_is_drawn(found[name])


def test_two_renders_are_the_same_bytes():
    assert figures() == figures()
    assert budget.standalone(a_budget()) == budget.standalone(a_budget())


def test_the_descriptions_state_the_point():
    descs = {name: html.unescape(parts(f)["desc"].group(2)) for name, f in figures().items()}
    # 1 - 0.003 × 223 - 0.4 = -6.9% at the end; 1 - 0.003 × 167 = 49.9% when the period began (21 days in),
    # so the last quarter of the window spent 56.8% of the budget: 2.27 times the sustainable 25%
    assert descs["budget"] == ("Checkout success: error budget exhausted, 6.9% overspent, burning 2.3x faster than "
                               "sustainable over the last 7 days, burn alerts fired: page, ticket.")
    assert descs["timeline"] == ("Checkout failed: time to acknowledge 25m missed its 15m target; mitigate was "
                                 "within target. Not resolved yet.")
    # SEV-1: 10 + m minutes in the 8 months m not divisible by 3, over 15 minutes for m = 7, 8, 10, 11
    assert descs["times"] == ("Median time to acknowledge by month, Jan 26 to Dec 26: SEV-1 over its 15m target in "
                              "4 of 8 months with incidents; SEV-2 over its 30m target in 12 of 12 months with "
                              "incidents; SEV-3 has no target (1 month with incidents).")
    # 12 × 1 (0, 1, 2 in turn) + 12 × 1 + 12 × 2 + 6 × 1; a month holds 6 at most, the last of them December
    assert descs["counts"] == ("54 incidents from Jan 26 to Dec 26; the most in Dec 26 (6); commerce the most common "
                               "category (24).")
    # Maya: 6 weeks of 120 + 48 hours; Tom: 6 weeks of 100 + 40 + 20
    assert descs["load"] == ("Primary on-call, 12 weeks from W0: Maya carries the most on-call hours (1008 h, 288 of "
                             "them on weekends or holidays), Tom the fewest (960 h).")


# --- the table's numbers are the chart's ---------------------------------------------------------

def check_table_is_drawn(figure: str) -> None:
    """The table's value cells are the values the chart's marks carry, whatever the chart (by its id)."""
    p = parts(figure)
    prefix = re.match(r'<figure class="ops-chart" id="([^"]+)"', figure).group(1)
    if prefix.startswith("chart-budget-"):
        assert column(p, "Budget left") == values(p, "circle"), prefix
    elif prefix.startswith("chart-timeline-"):
        assert [took for took in column(p, "Took") if took != "—"] == values(p, "rect"), prefix
        assert [target for target in column(p, "Target") if target != "—"] == values(p, "polygon"), prefix
    elif prefix.startswith("chart-time-to-"):
        medians = [name for name in p["head"] if name.endswith(" median")]
        drawn = [cell for name in medians for cell in column(p, name, p["rows"][:-1]) if cell != "—"]
        assert p["rows"][-1][0] == "Target" and Counter(drawn) == Counter(values(p)), prefix
    else:  # bars: incidents by category, on-call hours by kind
        numbers = [name for name in p["head"] if name not in ("Month", "Total", "Person", "Week of")]
        cells = [cell for name in numbers for cell in column(p, name) if cell not in ("0", "")]
        assert Counter(cells) == Counter(values(p, "rect")), prefix


def test_budget_table_is_the_markers_on_the_line():
    p = parts(figures()["budget"])
    assert column(p, "Budget left") == values(p, "circle")
    assert len(p["rows"]) <= budget.ROWS + 1 and column(p, "Until")[-1] == "2026-11-26 12:00"
    line = re.search(r'<path d="M([^"L]+)"', figures()["budget"]).group(1)  # M x,y then H x V y a step
    first, rest = line.split("H", 1)
    vertices = {tuple(first.split(","))} | {tuple(step.split("V")) for step in rest.split("H")}
    markers = [(a["cx"], a["cy"]) for kind, a in p["valued"] if kind == "circle"]
    assert all(marker in vertices for marker in markers)  # each tabulated number is a point of the line drawn
    # and its height follows the value: one scale for all of them (within the table's rounding to 0.1%)
    scale = [(float(a["cy"]) - budget.FRAME.top) / (1 - float(a["data-value"].rstrip("%")) / 100)
             for kind, a in p["valued"] if kind == "circle" and float(a["data-value"].rstrip("%")) <= 80]
    assert len(scale) > 10 and max(scale) / min(scale) < 1.01, scale
    assert column(p, "Burn alerts fired").count("page") == 1 and "ticket" in column(p, "Burn alerts fired")


def test_timeline_table_is_the_bars_and_targets():
    p = parts(figures()["timeline"])
    assert [took for took in column(p, "Took") if took != "—"] == values(p, "rect")
    assert [target for target in column(p, "Target") if target != "—"] == values(p, "polygon")
    assert column(p, "Target met") == ["", "missed", "met", ""]
    assert column(p, "Reached (Europe/Berlin)")[0] == "2026-10-14 11:05"


def test_times_table_is_the_markers_and_the_targets():
    p = parts(figures()["times"])
    rows = p["rows"][:-1]
    drawn = [cell for name, _, _ in SERIES for cell in column(p, f"{name} median", rows) if cell != "—"]
    assert Counter(drawn) == Counter(values(p))
    assert p["rows"][-1] == ["Target", "15m", "30m", "—"]
    ys = sorted((dt_value(a["data-value"]), float(a.get("cy") or a.get("y") or _polygon_y(a))) for _, a in p["valued"])
    assert all(later[1] <= earlier[1] for earlier, later in zip(ys, ys[1:])), ys  # longer is higher up


def dt_value(text: str) -> float:
    units = {"d": 1440, "h": 60, "m": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhm])", text))


def _polygon_y(attrs: dict) -> float:
    ys = [float(point.split(",")[1]) for point in attrs["points"].split()]
    return (min(ys) + max(ys)) / 2


@pytest.mark.parametrize("name, columns", [("counts", CATEGORIES), ("load", ["Weekday h", "Weekend h", "Holiday h"])])
def test_bar_tables_are_the_bars(name, columns):
    p = parts(figures()[name])
    cells = [cell for c in columns for cell in column(p, c) if cell not in ("0", "")]
    assert Counter(cells) == Counter(values(p, "rect"))
    ratios = {round(float(a["height"]) / float(a["data-value"]), 1) for _, a in p["valued"]}
    assert len(ratios) == 1, ratios  # one scale: a bar's height is its number


# --- explicit colours, limits -----------------------------------------------------------------------

def test_the_standalone_budget_spells_its_colours_out():
    text = budget.standalone(a_budget()).decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                           'id="chart-budget-checkout-success-svg" role="img"')
    assert "var(" not in text and "currentColor" not in text
    assert '<rect width="100%" height="100%" style="fill:#ffffff"/>' in text
    themed = budget.figure(a_budget())
    assert "var(--md-typeset-a-color)" in themed and "currentColor" in themed and "#ffffff" not in themed


def test_less_history_than_the_window_says_from_when():
    whole = a_budget()
    short = a_budget(points=whole.points[160:])
    p = parts(budget.figure(short))
    desc = html.unescape(p["desc"].group(2))
    # the 161st point: 161 steps of 3 hours after 2026-10-29 12:00
    assert desc.endswith("Prometheus holds data from 2026-11-18 15:00 only, less than the window.")
    assert ">data from Nov 18</text>" in budget.figure(short)
    nothing = parts(budget.figure(a_budget(points=[], alerts=[])))
    assert html.unescape(nothing["desc"].group(2)) == ("Checkout success: Prometheus holds no events of this SLO in "
                                                       "its window, so there is no budget to draw.")


def test_two_charts_on_one_page_share_no_id():
    one = monthly.times_figure(svg.chart_id("time-to", "acknowledge"), "acknowledge", MONTHS, SERIES)
    two = monthly.times_figure(svg.chart_id("time-to", "resolve"), "resolve", MONTHS, SERIES)
    ids = re.findall(r'\bid="([^"]+)"', one + two)
    assert len(ids) == len(set(ids))


def test_organisation_sized_inputs_stay_within_the_cap():
    busy = [[999 + m + c for c in range(len(CATEGORIES))] for m in range(12)]
    crowd = [(f"Person {i}", [[100.5, 40.25, 27.25]] * 12) for i in range(300)]
    every = [(f"SEV-{i}", [minutes(7 * i + m) for m in range(12)], minutes(30)) for i in range(1, 4)]
    metrics_page = [monthly.counts_figure("chart-a", MONTHS, CATEGORIES, busy),
                    monthly.times_figure("chart-b", "acknowledge", MONTHS, every),
                    monthly.times_figure("chart-c", "resolve", MONTHS, every)]
    team_page = [load.figure("chart-d", "Everyone", WEEKS, 4, crowd)]
    for page in (metrics_page, team_page):
        assert sum(len(chart.encode()) for chart in page) < 100_000
    charts = metrics_page + team_page
    assert len(parts(charts[3])["rows"]) == load.LANES * 12  # 300 people fold into 14 lanes
    assert "287 others" in charts[3]  # 13 lanes as they are, the 14th for the rest
    assert all(len(parts(chart)["marks"]) <= svg.MAX_MARKS for chart in charts)
    canvas = svg.Canvas("chart-x", 100)
    with pytest.raises(svg.TooManyMarks):
        for _ in range(svg.MAX_MARKS + 1):
            canvas.line(0, 0, 1, 1, "currentColor")


# --- the example site: every chart as built ---------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(REPO, tmp_path_factory.mktemp("charts") / "site", NOW.isoformat()).site_dir


def test_the_example_site_has_its_charts_each_whole(site):
    pages = {path.parent.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
             for path in site.rglob("index.html")}
    found = {page: re.findall(r'<figure class="ops-chart" id="([^"]+)".*?</figure>', text) for page, text in pages.items()}
    found = {page: ids for page, ids in found.items() if ids}
    postmortems = sorted(page for page in pages if re.fullmatch(r"postmortems/pm-[^/]+", page))
    assert len(postmortems) == 5 and all(found.get(page) == [f"chart-timeline-{page.split('/')[1]}"]
                                         for page in postmortems)
    assert found["metrics"] == ["chart-time-to-acknowledge", "chart-time-to-resolve", "chart-incidents-per-month"]
    assert found["team"] == ["chart-oncall-load"]
    assert "slos" not in found  # no Prometheus, no budget charts: the page says why instead
    assert "no chart: this site was built without Prometheus" in pages["slos"]
    for page, ids in found.items():
        text = pages[page]
        charts = re.findall(r'<figure class="ops-chart".*?</figure>', text)
        assert sum(len(chart.encode()) for chart in charts) < 100_000, page
        for prefix, chart in zip(ids, charts):
            check_accessible(chart, prefix)
            check_table_is_drawn(chart)
    metrics = parts(re.search(r'<figure class="ops-chart" id="chart-incidents-per-month".*?</figure>',
                              pages["metrics"]).group(0))
    assert metrics["rows"][-1][0] == "2026-11"  # the build's as-of month is the last, whatever today is
    assert sum(int(row[-1]) for row in metrics["rows"]) == 5


def test_the_team_page_load_matches_the_shift_engine(site):
    from opsbook.validation import load_handbook
    from opsbook.oncall import report

    text = (site / "team" / "index.html").read_text(encoding="utf-8")
    p = parts(re.search(r'<figure class="ops-chart" id="chart-oncall-load".*?</figure>', text).group(0))
    handbook = load_handbook(REPO, NOW)
    since = dt.date(2026, 10, 26)  # the Monday four weeks before the week of NOW (Thursday 26 November)
    rows = report.rows(handbook, since, since + dt.timedelta(weeks=12, days=-1))  # every rotation
    totals: dict[str, dict[str, float]] = {}
    for entry in report.fair_share(rows):  # per rotation and person: a person's load is their sum
        mine = totals.setdefault(handbook.people[entry["person"]].name, dict.fromkeys(report.KINDS, 0.0))
        for kind in report.KINDS:
            mine[kind] += entry[kind]
    assert len(totals) >= 3
    for name, entry in totals.items():
        mine = [row for row in p["rows"] if row[0] == name]
        for k, kind in enumerate(report.KINDS):
            assert sum(float(row[2 + k]) for row in mine) == pytest.approx(entry[kind], abs=0.2), (name, kind)
    assert column(p, "Week of")[0] == "Oct 26" and ">Jan 11</text>" in text  # 4 weeks back, this one and 7 ahead


def test_a_big_catalogue_draws_the_least_budget_left_inline_and_the_rest_as_images():
    from types import SimpleNamespace

    from opsbook.site import charts

    whole = a_budget()
    budgets = {f"slo-{i}": SimpleNamespace(slo=f"slo-{i}", title=f"SLO {i}", start=whole.start, end=whole.end,
                                           points=[whole.points[0], (whole.end, 0.5 - i / 10)], alerts=(),
                                           period_start=None)
               for i in range(8)}
    budgets["quiet"] = SimpleNamespace(slo="quiet", title="Quiet", start=whole.start, end=whole.end, points=[],
                                       alerts=(), period_start=None)
    measured = SimpleNamespace(budgets=budgets)
    assert charts.inline_budgets(measured) == {f"slo-{i}" for i in range(2, 8)}  # the 6 with the least left
    image = charts.budget(measured, "slo-0", inline=False)[1]
    assert image == ('<p><img src="slo-0/budget.svg" alt="SLO 0: 50.0% of the error budget left, no burn alert '
                     'fired." width="640" height="300" loading="lazy"></p>')
    assert charts.budget(measured, "slo-7")[1].startswith('<figure class="ops-chart" id="chart-budget-slo-7"')
    assert charts.budget(measured, "quiet") == [] and "slos/quiet/budget.svg" not in charts.budget_files(measured)
    assert sorted(charts.budget_files(measured)) == sorted(f"slos/slo-{i}/budget.svg" for i in range(8))


def test_a_person_on_two_rotations_stays_in_their_lane():
    double = [("Maya", [[200, 100, 36]] + [[0, 0, 0]] * 11), ("Tom", [[0, 0, 0]] * 11 + [[120, 48, 0]])]
    p = parts(load.figure("chart-load", "Every rotation", WEEKS, 4, double))
    maya = [a for _, a in p["valued"]][:3]
    assert sum(float(a["height"]) for a in maya) == pytest.approx(load.LANE - 8, abs=0.2)  # 336 h: the lane's height
    assert "Each lane's full height is 336 h; weeks start on Monday</text>" in \
        html.unescape(load.figure("chart-load", "Every rotation", WEEKS, 4, double))
