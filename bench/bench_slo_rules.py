"""Benchmark the SLO rules and the status queries: generation for 1,000 SLOs, queries for 100 SLOs.

1. A synthetic catalogue of 1,000 SLOs (`synthetic.make_slo_catalogue`: the example's six, then copies
   whose counters select their own `shard`): the time to generate the rule file in-process (best of R;
   target 1 s), `promtool check rules` on it, and the rules per SLO by kind.
2. A catalogue of 100 SLOs with two days of history for each (one sample a minute, backfilled with
   `promtool tsdb create-blocks-from openmetrics`) in a real Prometheus on 127.0.0.1 with their rules:
   the time `ops slo status` takes to query all 100 (best of R; target 5 s).

    python bench/bench_slo_rules.py [--slos 1000] [--status-slos 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from opsbook.validation import load_handbook  # noqa: E402
from opsbook.slo import rules, status, unittests  # noqa: E402
from opsbook.slo.prometheus import Prometheus  # noqa: E402
from prometheus_server import STEP, PrometheusServer, Series, backfill, openmetrics  # noqa: E402
from synthetic import make_slo_catalogue  # noqa: E402


def _best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def generation(folder: Path, count: int, repeat: int) -> None:
    handbook = load_handbook(make_slo_catalogue(folder / "big", count))
    seconds = _best(repeat, lambda: rules.render(handbook))
    out = folder / "rules.yaml"
    out.write_text(rules.render(handbook), encoding="utf-8")
    start = time.perf_counter()
    check = subprocess.run(["promtool", "check", "rules", str(out)], capture_output=True, text=True)
    checked = time.perf_counter() - start
    kinds: collections.Counter = collections.Counter()
    for group in rules.rule_file(handbook)["groups"]:
        if group["name"].startswith("slo:"):
            kinds.update(rule.get("record") and "record" or rule["alert"] for rule in group["rules"])
    slos = sum(1 for slo in handbook.slos.values() if slo.indicator is not None)
    event_slos = sum(1 for slo in handbook.slos.values() if rules.sli(slo) is not None)
    print(f"rules for {count} SLOs: generated in {seconds:.2f} s (best of {repeat}; target 1 s), "
          f"{out.stat().st_size / 1e6:.1f} MB")
    print(f"promtool check rules: {'passed' if check.returncode == 0 else 'FAILED'} in {checked:.1f} s "
          f"({check.stdout.strip().splitlines()[-1].strip()})")
    print(f"recording rules per SLO with event counters: {kinds['record'] / event_slos:g} "
          f"(one per window an alert reads); alerts per SLO: "
          + ", ".join(f"{name} {kinds[name] / slos:.2g}" for name in sorted(kinds) if name != "record"))


def _history(handbook, start: int, minutes: int) -> list[Series]:
    """Per SLO (per group of a grouped one): 1,000 events a minute with 2 failing, or spend and workflows
    for a quotient."""
    series = []
    for slo in handbook.slos.values():
        if slo.indicator is None:
            continue
        if slo.indicator.quotient is not None:
            q = slo.indicator.quotient
            for selector, step in ((q.numerator, 0.6), (q.denominator, 20)):
                series.append(Series(unittests.series_name(selector), unittests.series_labels(selector), start, [step] * minutes))
            continue
        feed = unittests.Feed.of(slo)
        for group in feed.groups:  # a grouped indicator: each of its two groups at that traffic
            for kind, step in ((feed.good_series, 998), (feed.bad_series, 2), (feed.total_series, 1000)):
                for name, labels in kind:
                    series.append(Series(name, {**labels, **group}, start, [step] * minutes))
    unique = {(s.name, tuple(sorted(s.labels.items()))): s for s in series}  # shared total series once
    return list(unique.values())


def status_queries(folder: Path, count: int, repeat: int) -> None:
    root = make_slo_catalogue(folder / "status", count)
    handbook = load_handbook(root)
    out = folder / "status-rules.yaml"
    out.write_text(rules.render(handbook), encoding="utf-8")
    end = int(time.time()) // STEP * STEP - 5 * STEP
    minutes = 2 * 1440
    history = _history(handbook, end - minutes * STEP, minutes)
    start = time.perf_counter()
    data = backfill(openmetrics(history), folder)
    print(f"backfilled {len(history)} series x {minutes + 1} samples in {time.perf_counter() - start:.1f} s")
    # Rules evaluated every minute, as in production: every second, 800 rules kept Prometheus' CPU busy.
    server = PrometheusServer(folder, data, out, evaluation_interval="1m")
    try:
        server.wait_ready()
        client = Prometheus(server.url, timeout=30)
        at = dt.datetime.fromtimestamp(end + 30, dt.timezone.utc)
        slos = [slo for slo in handbook.slos.values() if slo.indicator is not None]
        report = status.collect(client, slos, at, dt.timedelta(days=7))
        assert report.missing is None, report.missing
        measured = sum(1 for n in report.slos if n.verdict != "no data")
        seconds = _best(repeat, lambda: status.collect(client, slos, at, dt.timedelta(days=7)))
        queries = sum(2 if rules.sli(slo) is None else 3 for slo in slos)
        print(f"status of {len(slos)} SLOs ({measured} with numbers, {queries} queries): {seconds:.2f} s "
              f"(best of {repeat}; target 5 s)")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--status-slos", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-slo-rules-") as scratch:
        generation(Path(scratch), args.slos, args.repeat)
        status_queries(Path(scratch), args.status_slos, args.repeat)


if __name__ == "__main__":
    main()
