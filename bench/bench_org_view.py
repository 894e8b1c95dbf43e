"""Benchmark `ops org build` for 100 teams of 200 post-mortems each, served on 127.0.0.1.

One synthetic team (`synthetic.make_organisation` at team size: 200 post-mortems, 20 runbooks, two
rotations, five cadences) is loaded once and its published files rendered: `opsbook.json`, the feeds
(`feeds/handbook.ics`, `feeds/oncall.ics`, `feeds/index.json`) and a search index of its runbook and
post-mortem pages. They are written for 100 teams, each below its own Pages-like path with its own
addresses, and served by a threaded local web server that answers ETag / Last-Modified revalidation
with 304. Then, in this process:

- floor: read every served file from disk and parse each export's JSON (the least any reader does);
- first build: every file fetched (200), then settled, rendered and built with MkDocs;
- re-run: every file revalidated (304), the same bytes written.

Targets (issue 23): the first build within 60 s on this machine; the re-run's fetching within 5 s.
Times are wall clock on a shared machine: compare the ratios to the floor, measured in the same run.

    python bench/bench_org_view.py [--teams 100] [--postmortems 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

from synthetic import make_organisation  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 23, 59, 59, tzinfo=dt.timezone.utc)
EXAMPLE_URL = "https://giftgenius.github.io/handbook/"


def team_files(postmortems: int, work: Path) -> dict[str, bytes]:
    """One synthetic team's published files, by path, at EXAMPLE_URL."""
    from opsbook.calendar.feed import build_feeds
    from opsbook.validation import load_handbook
    from opsbook.org.export import render_export

    root = make_organisation(work / "team", people=8, rotations=2, cadences=5, secrets=10, runbooks=20,
                             postmortems=postmortems)
    handbook = load_handbook(root, NOW)
    feeds = build_feeds(handbook, NOW)
    docs = [{"location": "", "title": "Home", "text": "Services and who is on call."}]
    docs += [{"location": f"runbooks/{rb.id}/", "title": rb.meta.title, "text": rb.body[:2000]}
             for rb in handbook.runbooks.values()]
    docs += [{"location": f"postmortems/{pm.id}/", "title": pm.meta.title, "text": pm.body[:2000]}
             for pm in handbook.postmortems.values()]
    index = {"config": {"lang": ["en"], "separator": "[\\s\\-]+", "pipeline": ["stopWordFilter"]}, "docs": docs}
    return {"opsbook.json": render_export(handbook, NOW), "feeds/index.json": feeds["feeds/index.json"],
            "feeds/handbook.ics": feeds["feeds/handbook.ics"], "feeds/oncall.ics": feeds["feeds/oncall.ics"],
            "search/search_index.json": json.dumps(index).encode()}


def publish(files: dict[str, bytes], served: Path, base: str, teams: int) -> list[dict]:
    """Write the files for `teams` teams below `served`; return their org.yaml entries."""
    entries = []
    host = EXAMPLE_URL.split("://", 1)[1].rstrip("/")
    for number in range(teams):
        team = f"team-{number:03d}"
        url = f"{base}{team}/"
        for path, data in files.items():
            target = served / team / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.replace(EXAMPLE_URL.encode(), url.encode())
                               .replace(f"@{host}".encode(), f"@{url.split('://', 1)[1].rstrip('/')}".encode()))
        entries.append({"id": team, "name": f"Team {number:03d}", "site_url": url})
    return entries


def floor(served: Path) -> float:
    started = time.perf_counter()
    for path in served.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "opsbook.json":
                json.loads(data)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--postmortems", type=int, default=200)
    args = parser.parse_args()
    import yaml
    from opsbook.org.build import build_org
    from opsbook.org.config import load_org
    from opsbook.org.starter import OrgSettings, create_org
    from test_org_build import serving

    with tempfile.TemporaryDirectory(prefix="bench-org-view-") as scratch:
        work = Path(scratch)
        started = time.perf_counter()
        files = team_files(args.postmortems, work)
        served = work / "pages"
        with serving(served) as (server, _):
            base = f"http://127.0.0.1:{server.server_port}/"
            entries = publish(files, served, base, args.teams)
            print(f"{args.teams} teams of {args.postmortems} post-mortems: "
                  f"{sum(len(d) for d in files.values()) * args.teams / 1e6:.1f} MB served, "
                  f"made in {time.perf_counter() - started:.1f} s")
            root = work / "org"
            create_org(root, OrgSettings("Bench"))
            data = yaml.safe_load((root / "org.yaml").read_text())
            data.update(teams=entries, site_url="https://bench.github.io/org/", timeout=30)
            (root / "org.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
            config, problems = load_org(root)
            assert config is not None and not problems, problems
            floor_s = min(floor(served) for _ in range(3))
            runs = []
            for label in ("first build (200s)", "re-run (304s)"):
                started = time.perf_counter()
                built = build_org(root, config, None, NOW)
                runs.append((label, time.perf_counter() - started, built))
        print(f"{'floor (read and parse what is served)':40s} {floor_s:7.2f} s")
        for label, seconds, built in runs:
            answers = ", ".join(f"{count} {kind}" for kind, count in built.answers.items())
            print(f"{label:40s} {seconds:7.2f} s  ({seconds / floor_s:6.1f}× floor); fetching "
                  f"{built.fetch_seconds:.2f} s ({built.fetch_seconds / floor_s:.1f}× floor): {answers}; "
                  f"{built.events} events, {built.search_added} search entries ({built.search_left} left out)")
        first, rerun = runs[0][1], runs[1][2].fetch_seconds
        ok = first <= 60 and rerun <= 5 and runs[1][2].answers["unchanged"] == 5 * args.teams
        print(f"targets: first build ≤ 60 s ({first:.1f} s), re-run fetching ≤ 5 s ({rerun:.2f} s), every "
              f"re-run answer a 304: {'met' if ok else 'NOT MET'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
