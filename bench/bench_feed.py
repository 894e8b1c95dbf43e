"""Benchmark the iCalendar feed: 100 synthetic cadences over the default horizon (4 weeks back, 396 days
ahead). Prints the time (best of N) and size of the whole feed and of the full set of feeds.

The cadences mix the rules a team uses: weekly (with rotations), monthly by day, by n-th weekday and by
business day, and quarterly, in four time zones, with the example's holidays. Deterministic.

    python bench/bench_feed.py [--cadences 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from opsbook.calendar import feed, schedule  # noqa: E402
from opsbook.validation import load_handbook  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
RULES = [
    lambda i: {"every": "week", "weekday": WEEKDAYS[i % 5]},
    lambda i: {"every": "week", "weekday": WEEKDAYS[(i + 2) % 5], "interval": 2},
    lambda i: {"every": "month", "day": 1 + i % 31},
    lambda i: {"every": "month", "weekday": WEEKDAYS[i % 5], "nth": [1, 2, -1][i % 3]},
    lambda i: {"every": "month", "business_day": [1, -1, 3][i % 3]},
    lambda i: {"every": "quarter", "month": 1 + i % 3, "business_day": 1},
    lambda i: {"every": "quarter", "business_day": -1},
]


def _flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in mapping.items()) + "}"


def cadence_yaml(index: int) -> str:
    owner = "rotation: review-hosts" if index % 2 == 0 else f"owner: {['maya', 'tomas', 'priya', 'jordan'][index % 4]}"
    checklist = "\n".join(f"  - Step {step} of synthetic review {index} - look at the numbers and write down what "
                          f"changed since last time" for step in range(1, 6))
    return f"""id: synthetic-{index:03d}
title: Synthetic review {index}
description: A synthetic review for the feed benchmark, with a description of ordinary length.
when: {_flow(RULES[index % len(RULES)](index))}
start: 2026-01-05
time: "{9 + index % 8:02d}:{(index * 15) % 60:02d}"
timezone: {ZONES[index % len(ZONES)]}
duration: 45m
{owner}
labels: [review, synthetic]
reminder: 1h
checklist:
{checklist}
"""


def make_handbook(root: Path, cadences: int) -> Path:
    """The example handbook with its cadences replaced by `cadences` synthetic ones."""
    for name in ("opsbook.yaml", "ops", "runbooks", "postmortems"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy2(source, root / name)
    (root / "calendar").mkdir()
    shutil.copy2(REPO / "calendar" / "holidays.yaml", root / "calendar" / "holidays.yaml")
    for index in range(cadences):
        (root / "calendar" / f"synthetic-{index:03d}.yaml").write_text(cadence_yaml(index), encoding="utf-8")
    return root


def best_of(repeat: int, work) -> tuple[float, object]:
    """Best wall time of `repeat` runs (CPU time when it is lower: other processes on a busy machine
    stretch wall time but not the work done)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        best = min(best, time.perf_counter() - wall, time.process_time() - cpu)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadences", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as folder:
        handbook = load_handbook(make_handbook(Path(folder), args.cadences), NOW)
        start, end = feed.horizon(handbook, NOW)
        took, found = best_of(args.repeat, lambda: schedule.occurrences(handbook, start, end))
        print(f"schedule: {len(found)} occurrences of {args.cadences} cadences "
              f"{start.date()}..{end.date()} in {took * 1000:.0f} ms")
        took, data = best_of(args.repeat, lambda: feed.build_feed(handbook, NOW))
        print(f"whole feed: {data.count(b'BEGIN:VEVENT')} events, {len(data) / 1024:.0f} KiB in {took * 1000:.0f} ms"
              f" (target <= 1000 ms)")
        took, files = best_of(max(1, args.repeat // 2), lambda: feed.build_feeds(handbook, NOW))
        size = sum(len(blob) for blob in files.values())
        print(f"all feeds: {len(files)} files, {size / 1024:.0f} KiB in {took * 1000:.0f} ms")
        whole = files["feeds/handbook.ics"]
        took, _ = best_of(max(1, args.repeat // 2), lambda: feed.build_feeds(handbook, NOW, whole))
        print(f"all feeds over the previous build (SEQUENCE carried over): {took * 1000:.0f} ms")


if __name__ == "__main__":
    main()
