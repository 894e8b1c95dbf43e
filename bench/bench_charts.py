"""Benchmark the charts (`opsbook.charts`): their share of the site build, and their size at organisation scale.

1. The strict build of 1,000 synthetic post-mortems (`bench_site.py`'s site), with the charts and with
   them switched off (the site's chart functions replaced by ones that draw nothing), in pairs of
   alternating order; the charts' share is the median of (with - without) / with over the pairs, in CPU
   time (the wall clock is printed too, but on a shared machine it drifts more than the charts cost).
2. The big organisation of `bench_org.py` (300 people, 20 rotations, 10,000 post-mortems), without
   MkDocs: the time each kind of chart takes (the metrics page's three, the team page's load chart, a
   timeline for every post-mortem, an error budget of 224 points per SLO) against the time the same
   pages and fragments take to generate without charts, and the biggest page's chart bytes (a page's
   charts must stay under 100 kB, and a chart under `svg.MAX_MARKS` marks).

    python bench/bench_charts.py [--postmortems 1000] [--repeat 3] [--skip-build]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))
sys.path.insert(0, str(HERE))

from bench_site import AS_OF, RUNBOOK_SHARE, build, documents_for, site_config  # noqa: E402
from synthetic import make_handbook, make_organisation  # noqa: E402

SHARE_TARGET = 0.05   # the charts may take at most this share of the strict build
PAGE_BYTES = 100_000  # a page's charts at most


@contextlib.contextmanager
def without_charts():
    """The site's chart functions drawing nothing, for the builds without charts."""
    from opsbook.site import charts

    saved = {name: getattr(charts, name) for name in ("metrics_charts", "team_load", "postmortem_timeline", "budget")}
    charts.metrics_charts = charts.team_load = charts.budget = lambda *args: []
    charts.postmortem_timeline = lambda *args: None
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(charts, name, function)


def build_share(postmortems: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        root = make_handbook(Path(tmp) / "handbook", documents_for(postmortems), RUNBOOK_SHARE)
        config = site_config(root, True)
        build(config, Path(tmp) / "warm", True)
        times = {"with": [], "without": []}
        for run in range(repeat):
            for kind in ("with", "without") if run % 2 == 0 else ("without", "with"):
                gc.collect()
                with without_charts() if kind == "without" else contextlib.nullcontext():
                    times[kind].append(build(config, Path(tmp) / f"out-{kind}-{run}", True))
        out = Path(tmp) / "out-with-0"
        charts = sum(len(re.findall(r'<figure class="ops-chart"', p.read_text("utf-8"))) for p in out.rglob("index.html"))
    print(f"strict build of {postmortems} post-mortems ({charts} charts), {repeat} pairs of alternating order:")
    for label, index in (("wall-clock", 0), ("CPU", 1)):
        shares = [(w[index] - wo[index]) / w[index] for w, wo in zip(times["with"], times["without"])]
        best_with, best_without = min(t[index] for t in times["with"]), min(t[index] for t in times["without"])
        print(f"  {label:10} with charts best {best_with:.2f} s, without best {best_without:.2f} s "
              f"({(best_with - best_without) / best_with * 100:+.1f}%); pairs: "
              f"{', '.join(f'{s * 100:+.1f}%' for s in shares)}")
    # CPU time (this process and the worker it waits for) is the verdict: on a shared machine the wall
    # clock of two builds a minute apart differs by more than the charts cost.
    share = statistics.median((w[1] - wo[1]) / w[1] for w, wo in zip(times["with"], times["without"]))
    print(f"  verdict: the charts take {share * 100:.1f}% of the build's CPU time, "
          f"{'within' if share <= SHARE_TARGET else 'OVER'} the {SHARE_TARGET * 100:.0f}% target (median pair)")


def timed(function, *args):
    begin = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - begin, result


def organisation() -> None:
    from opsbook.charts import budget, svg
    from opsbook.validation import load_handbook
    from opsbook.site import charts, decorate, layout, pages

    now = dt.datetime.fromisoformat(AS_OF)
    with tempfile.TemporaryDirectory(prefix="bench-charts-org-") as tmp:
        handbook = load_handbook(make_organisation(Path(tmp) / "org"), now)
    today = pages.local_today(handbook, now)
    postmortems = list(handbook.postmortems.values())
    results = {
        "metrics page's 3 charts": timed(charts.metrics_charts, handbook, today),
        "team page's load chart": timed(charts.team_load, handbook, now),
        f"{len(postmortems):,} timelines": timed(lambda: [charts.postmortem_timeline(handbook, pm) for pm in postmortems]),
    }
    end = now
    points = [(end - dt.timedelta(days=28) + dt.timedelta(hours=3 * (i + 1)), 1 - i / 300) for i in range(224)]
    series = budget.Budget("slo", "An SLO", end - dt.timedelta(days=28), end, points, (), end - dt.timedelta(days=7))
    slos = max(1, len(handbook.slos))
    results[f"{slos} error budgets (224 points)"] = timed(lambda: [budget.figure(series) for _ in range(slos)])
    print(f"organisation: {len(handbook.team.people)} people, {len(handbook.team.rotations)} rotations, "
          f"{len(postmortems):,} post-mortems")
    for label, (seconds, _) in results.items():
        print(f"  {label:32} {seconds:6.3f} s")
    with without_charts():
        plain, _ = timed(lambda: (pages.metrics_page(handbook, today), pages.team_page(handbook, now),
                                  [decorate.postmortem_fragments(handbook, pm, today) for pm in postmortems]))
    drawn = sum(seconds for seconds, _ in results.values())
    print(f"  the same pages and fragments without charts {plain:.3f} s: the charts add {drawn / plain * 100:.0f}%")
    sizes = {
        layout.METRICS: sum(len(line.encode()) for line in results["metrics page's 3 charts"][1]),
        layout.TEAM: sum(len(line.encode()) for line in results["team page's load chart"][1]),
        "largest post-mortem": max(len((t or "").encode()) for t in results[f"{len(postmortems):,} timelines"][1]),
        "SLO catalogue": len(budget.figure(series).encode()) * min(slos, charts.INLINE_BUDGETS),
    }
    marks = max(len(re.findall(r"<(?:rect|line|circle|polygon|polyline|text)\b", text))
                for _, made in results.values() for text in (made if isinstance(made, list) else [made]) if text)
    for page, size in sizes.items():
        print(f"  chart bytes, {page:22} {size / 1000:6.1f} kB {'within' if size < PAGE_BYTES else 'OVER'} "
              f"{PAGE_BYTES // 1000} kB")
    print(f"  most marks in one chart block: {marks} (cap {svg.MAX_MARKS})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postmortems", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-build", action="store_true", help="only the organisation's charts, no MkDocs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s - %(message)s")
    organisation()
    if not args.skip_build:
        build_share(args.postmortems, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
