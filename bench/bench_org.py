"""Benchmark every output on a big organisation's handbook, against the floor of merely parsing it.

The organisation (`synthetic.make_organisation`): 300 people in 20 rotations, 200 cadences, 5,000
secrets, 1,000 runbooks, 10,000 post-mortems with action items, a few hundred of them overdue (as a
team that mostly keeps up has: `synthetic.BACKLOG`). Built once; then, each timed once in
this process (best of N for the floor and the quick steps):

- floor: read every file and parse its YAML with libyaml's CSafeLoader (as bench_validate does);
- check_handbook: load, validate, assemble;
- the whole feed, and every feed (per person, per cadence);
- the issue plan (pure), a sync against the GitHub-compatible test server with GitHub's limits
  enforced (every due issue created once, none refused), and a re-run (must write nothing);
- the generated site pages and the header/footer fragments of every runbook and post-mortem page;
- with --mkdocs, the full `mkdocs build --strict` (minutes on two cores), and the built site's size and
  biggest page: it must fit GitHub Pages with room to grow (at most 500 MB, no page over 100 kB).

Times are wall clock on a shared machine: compare ratios, not seconds.

    python bench/bench_org.py [--scale 1.0] [--repeat 2] [--mkdocs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

from bench_validate import floor  # noqa: E402
from synthetic import make_organisation  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)
AS_OF = dt.datetime(2026, 11, 28, 23, 59, 59, tzinfo=dt.timezone.utc)
SITE_LIMIT = 500_000_000  # bytes: half of GitHub Pages' 1 GB, room for the organisation to grow (issue 22)
PAGE_LIMIT = 100_000  # bytes: no page of the built site over this


def timed(work, repeat: int = 1):
    """(best wall time of `repeat` runs, the last result). Each run starts on a collected heap, without
    the previous run's result: freeing a handbook of 10,000 documents is not the next run's work."""
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def sync_once(handbook, server):
    from opsbook.issues.github import Policy
    from opsbook.issues.sync import sync

    reads, writes = server.reads, server.writes
    report = sync(handbook, f"{server.owner}/{server.repo}", AS_OF, token=server.token, api_url=server.api_url,
                  policy=Policy(write_interval=0, backoff_base=0.01))
    refused = [o for o in report.outcomes if o.status != "done"]
    return report, server.reads - reads, server.writes - writes, refused


def main() -> int:  # noqa: PLR0915 - a benchmark reads best as one script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the organisation (0.1: a tenth)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--mkdocs", action="store_true", help="also time the full mkdocs build --strict")
    args = parser.parse_args()

    from github_server import GitHubServer
    from opsbook.calendar import feed
    from opsbook.validation import check_handbook
    from opsbook.issues.plan import build_plan
    from opsbook.site import decorate, pages

    def scaled(n: int) -> int:
        return max(1, int(n * args.scale))

    sizes = dict(people=max(8, scaled(300)), rotations=max(2, scaled(20)), cadences=scaled(200),
                 secrets=scaled(5_000), runbooks=scaled(1_000), postmortems=scaled(10_000))
    rows: list[tuple[str, float | None, str]] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-org-") as folder:
        started = time.perf_counter()
        root = make_organisation(Path(folder) / "org", **sizes)
        made = time.perf_counter() - started
        check_handbook(root, NOW)  # warm imports and caches, as bench_validate does
        floor_s, _ = timed(lambda: floor(root), args.repeat)
        rows.append(("floor: read + CSafeLoader", floor_s, "1 pass over every file"))
        took, report = timed(lambda: check_handbook(root, NOW), args.repeat)
        errors = len(report.errors)
        failed |= errors > 0
        rows.append(("check_handbook", took, f"{errors} error(s), {len(report.problems) - errors} warning(s); "
                                             "target 1.3× floor"))
        handbook = report.handbook

        took, data = timed(lambda: feed.build_feed(handbook, NOW), args.repeat)
        rows.append(("whole feed", took, f"{data.count(b'BEGIN:VEVENT'):,} events, {len(data) / 1e6:.1f} MB"))
        took, files = timed(lambda: feed.build_feeds(handbook, NOW))
        rows.append(("every feed", took, f"{len(files):,} files, {sum(map(len, files.values())) / 1e6:.1f} MB"))

        plan_s, plan = timed(lambda: build_plan(handbook, AS_OF, None), args.repeat)
        bodies = [a.content.body for a in plan.actions if a.content]
        rows.append(("issue plan", plan_s, f"{len(plan.actions)} to create, longest body {max(map(len, bodies)):,} chars"))
        with GitHubServer(max_lifetime=3600) as server:
            took, (first, reads, writes, refused) = timed(lambda: sync_once(handbook, server))
            failed |= bool(refused) or not first.ok
            rows.append(("issues sync, first run", took,
                         f"{reads} reads, {writes} writes, {len(refused)} refused or not done"))
            took, (_, reads, writes, refused) = timed(lambda: sync_once(handbook, server))
            failed |= writes != 0
            rows.append(("issues sync, re-run", took, f"{reads} reads, {writes} writes (target 0)"))
            rows.append(("issue plan + re-run", plan_s + took, "target 1× floor"))

        took, generated = timed(lambda: pages.generate(handbook, NOW), args.repeat)
        biggest = max(generated, key=lambda src: len(generated[src]))
        rows.append(("generated site pages", took, f"{len(generated):,} pages, biggest {biggest} "
                     f"{len(generated[biggest]) / 1e3:.0f} kB"))
        today = pages.local_today(handbook, NOW)
        items = [(f.kind, f.id) for f in pages.content_files(handbook) if f.kind != "page"]
        took, _ = timed(lambda: [decorate.fragments(handbook, kind, ident, today) for kind, ident in items])
        rows.append(("runbook + post-mortem fragments", took, f"{len(items):,} pages"))

        if args.mkdocs:
            from opsbook.site.build import build_site
            from opsbook.site.hosting import human

            shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
            shutil.copytree(REPO / "docs", root / "docs")
            took, built = timed(lambda: build_site(root, Path(folder) / "site", NOW.isoformat()))
            rows.append(("mkdocs build --strict", took, f"{built.pages:,} pages"))
            size = built.size
            fits = size.total <= SITE_LIMIT and size.largest_page_bytes <= PAGE_LIMIT
            failed |= not fits
            rows.append(("site size", None, f"{human(size.total)} in {size.files:,} files, biggest page "
                         f"{size.largest_page} {human(size.largest_page_bytes)}; target <= {human(SITE_LIMIT)} "
                         f"and no page over {human(PAGE_LIMIT)}: {'met' if fits else 'NOT MET'}"))

    print(f"organisation: {', '.join(f'{v:,} {k}' for k, v in sizes.items())} (written in {made:.1f} s)")
    print("times are wall clock, best of the runs, on a machine other work shares: read the ratios\n")
    print(f"{'step':<34}{'seconds':>9}{'× floor':>9}  notes")
    for name, seconds, note in rows:
        timing = f"{seconds:>9.2f}{seconds / floor_s:>9.1f}" if seconds is not None else " " * 18
        print(f"{name:<34}{timing}  {note}")
    print("\nFAIL" if failed else "\nOK: no errors, no issue refused, a re-run writes nothing" +
          (", the site fits" if args.mkdocs else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
