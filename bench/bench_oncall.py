"""Benchmark the on-call shifts: a year of shifts for 20 weekly rotations (the big organisation of
`synthetic.make_organisation`, with a swap per rotation per month in ops/oncall-overrides.yaml) computed,
rendered and written as shift feeds: the on-call calendar and one per rotation. Prints the best of N.

    python bench/bench_oncall.py [--rotations 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "bench"))

from bench_feed import best_of  # noqa: E402
from synthetic import make_organisation  # noqa: E402

from opsbook import files  # noqa: E402
from opsbook.calendar import feed  # noqa: E402
from opsbook.validation import load_handbook  # noqa: E402
from opsbook.oncall import feeds as shift_feeds  # noqa: E402
from opsbook.oncall.shifts import shifts  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)


def overrides_yaml(rotations: int, members_of) -> str:
    """A one-day swap in the middle of every month's second week, for every rotation."""
    lines = ["overrides:"]
    for index in range(rotations):
        members = members_of(f"rotation-{index:02d}")
        for month in range(1, 13):
            day = dt.date(2027, month, 10)
            lines += [f"  - rotation: rotation-{index:02d}", f"    person: {members[month % len(members)]}",
                      f"    from: {day}T08:00", f"    until: {day + dt.timedelta(days=1)}T08:00",
                      "    reason: Swap for a day"]
    return "\n".join(lines) + "\n"


def write_shift_feeds(handbook, out: Path) -> int:
    """Compute a year of shifts, render the shift feeds and write them; returns the number of events."""
    renderer = feed.Renderer(handbook, NOW)
    entries = shift_feeds.shift_entries(handbook, *feed.horizon(handbook, NOW))
    for path, _, _, title, chosen in shift_feeds.plan(handbook, entries):
        files.write_atomically(out / path, renderer.render(chosen, name=title, description=title, path=path))
    return len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rotations", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-oncall-") as folder:
        root = make_organisation(Path(folder) / "org", rotations=args.rotations, cadences=0, secrets=1,
                                 runbooks=0, postmortems=0)
        first = load_handbook(root, NOW)
        members = {r.id: r.members for r in first.team.rotations}
        (root / "ops" / "oncall-overrides.yaml").write_text(overrides_yaml(args.rotations, members.get))
        handbook = load_handbook(root, NOW)
        start, end = feed.horizon(handbook, NOW)
        took, found = best_of(args.repeat, lambda: shifts(handbook, start, end))
        print(f"engine: {len(found)} shifts of {args.rotations} rotations {start.date()}..{end.date()} "
              f"in {took * 1000:.0f} ms")
        out = Path(folder) / "site"
        took, events = best_of(args.repeat, lambda: write_shift_feeds(handbook, out))
        size = sum(p.stat().st_size for p in out.rglob("*.ics"))
        print(f"shift feeds written: {events} events in {args.rotations + 1} files, {size / 1024:.0f} KiB "
              f"in {took * 1000:.0f} ms (target <= 1000 ms)")


if __name__ == "__main__":
    main()
