"""Benchmark `ops alerts pull`: 500 firing alerts on 50 services against a handbook of 1,000 post-mortems.

The synthetic handbook (`synthetic.make_handbook`: 50 runbooks, 1,000 post-mortems) gets 50 services and one
SLO each; a real Alertmanager (Debian's) on 127.0.0.1 is sent 500 page alerts, ten per service (ten `by`
groups of its SLO's burn); the GitHub-compatible test server stands in for GitHub, its writes not paced.
Then, in this process, the real pull code (`opsbook.alerts.pull.pull`, as `ops alerts pull --repo` runs it):

1. the first pull: must open 50 incidents (one per service; the other 450 alerts join them) in ≤ 10 s of
   work, excluding paced GitHub writes (pacing is off here);
2. a re-run: must read Alertmanager once, read GitHub at most as often as `ops issues sync` reads it on
   the same repository (measured too, as a dry run), and write nothing (no file, no GitHub write).

The floor, measured in the same run, is reading and parsing the handbook's files with libyaml; the pull's
time is also given as a ratio to it.

    python bench/bench_alerts.py [--services 50] [--alerts 500] [--postmortems 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import yaml  # noqa: E402
from alertmanager_server import AlertmanagerServer, WebhookReceiver, post_alerts, route_to  # noqa: E402
from github_server import GitHubServer  # noqa: E402
from synthetic import make_handbook  # noqa: E402


def add_services(root: Path, count: int) -> None:
    services = yaml.safe_load((root / "ops/services.yaml").read_text(encoding="utf-8"))
    services["services"] += [{"id": f"svc-{i:02d}", "name": f"Service {i}", "description": "A synthetic service",
                              "owners": ["maya"], "tier": 2}
                             for i in range(count)]
    (root / "ops/services.yaml").write_text(yaml.safe_dump(services, sort_keys=False), encoding="utf-8")
    slos = yaml.safe_load((root / "ops/slos.yaml").read_text(encoding="utf-8"))
    slos["slos"] += [{"id": f"slo-{i:02d}", "title": f"Service {i} availability", "category": "availability",
                      "service": f"svc-{i:02d}", "sli": "Share of requests answered", "metric": f"svc_{i}_success",
                      "unit": "ratio", "objective": ">=", "target": 0.99, "window": "7d"} for i in range(count)]
    (root / "ops/slos.yaml").write_text(yaml.safe_dump(slos, sort_keys=False), encoding="utf-8")


def alerts(services: int, count: int) -> list[dict]:
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)
    out = []
    for i in range(count):
        service = i % services
        out.append({"labels": {"alertname": "SLOErrorBudgetBurn", "slo": f"slo-{service:02d}",
                               "service": f"svc-{service:02d}", "category": "availability", "severity": "page",
                               "group": f"g{i // services}"},
                    "annotations": {"summary": f"Service {service} availability: the error budget burns fast"},
                    "startsAt": (start + dt.timedelta(seconds=i)).isoformat(),
                    "endsAt": (start + dt.timedelta(hours=3)).isoformat()})
    return out


def floor(root: Path) -> float:
    """Reading and parsing every file of the handbook with libyaml."""
    began = time.perf_counter()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".md", ".yaml"):
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".md" and text.startswith("---"):
                text = text.split("---", 2)[1]
            yaml.load(text, Loader=yaml.CSafeLoader)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--alerts", type=int, default=500)
    parser.add_argument("--postmortems", type=int, default=1000)
    args = parser.parse_args()

    from opsbook.alerts import pull as pulling
    from opsbook.alerts import source
    from opsbook.alerts.issue import Issues
    from opsbook.issues.github import Policy
    from opsbook.issues.sync import sync

    os.environ.pop("CHAT_ONCALL_URL", None)
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as folder:
        root = Path(folder) / "handbook"
        runbooks = 50
        make_handbook(root, documents=args.postmortems + runbooks, runbook_share=runbooks / (args.postmortems + runbooks))
        add_services(root, args.services)
        receiver = WebhookReceiver()
        manager = AlertmanagerServer(Path(folder), route_to(receiver.url, group_wait="1h"))
        with GitHubServer() as github:
            try:
                manager.wait_ready()
                post_alerts(manager.url, alerts(args.services, args.alerts))
                manager.wait_for_alerts(lambda found: len(found) == args.alerts, 60)
                reads = {"alertmanager": 0}
                real_fetch = source.fetch

                def counted(url: str, timeout: float):
                    reads["alertmanager"] += 1
                    return real_fetch(url, timeout)

                policy = Policy(write_interval=0, backoff_base=0.01)
                results = []
                for run in ("first", "re-run"):
                    files = {p: p.stat().st_mtime_ns for p in (root / "postmortems").glob("*.md")}
                    reads["alertmanager"] = 0
                    began = time.perf_counter()
                    contents = pulling.load(root)
                    issues = Issues.read("acme/handbook", contents, token=github.token, api_url=github.api_url,
                                         policy=policy)
                    reading = counted(manager.url, 10)
                    if os.environ.get("BENCH_PROFILE") and run == "first":
                        import cProfile
                        import pstats
                        profile = cProfile.Profile()
                        report = profile.runcall(pulling.pull, root, contents, reading,
                                                 now=dt.datetime.now(dt.timezone.utc), github=issues, environ={})
                        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
                    else:
                        report = pulling.pull(root, contents, reading, now=dt.datetime.now(dt.timezone.utc),
                                              github=issues, environ={})
                    took = time.perf_counter() - began
                    after = {p: p.stat().st_mtime_ns for p in (root / "postmortems").glob("*.md")}
                    written = sum(1 for p, m in after.items() if files.get(p) != m)
                    opened = sum(1 for d in report.done if d.what == "opened")
                    results.append((run, took, opened, written, reads["alertmanager"], issues.stats(), report))
                from opsbook.validation import load_handbook

                handbook = load_handbook(root)
                synced = sync(handbook, "acme/handbook", dt.datetime.now(dt.timezone.utc), token=github.token,
                              api_url=github.api_url, policy=policy, dry_run=True)
            finally:
                manager.stop()
                receiver.stop()
        base = floor(root)
    print(f"handbook: {args.postmortems} post-mortems, {runbooks} runbooks, {args.services} services; "
          f"{args.alerts} firing alerts; floor (read and parse the files) {base:.2f} s")
    for run, took, opened, written, am_reads, gh, report in results:
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
        print(f"{run:7}: {took:5.2f} s ({parts}; without GitHub's writes {took - report.seconds.get('github', 0):.2f} s, "
              f"{(took - report.seconds.get('github', 0)) / base:.1f}x floor), {opened} incidents opened, {written} files "
              f"written, Alertmanager read {am_reads}x, GitHub {gh['reads']} reads / {gh['writes']} writes"
              + (f", not done: {report.not_done}" if report.not_done else ""))
    first, again = results
    print(f"ops issues sync (dry run) on the same repository: {synced.stats.reads} reads")
    work = first[1] - first[6].seconds.get("github", 0)
    ok = (first[2] == args.services and work <= 10 and again[3] == 0 and again[4] == 1
          and again[5]["writes"] == 0 and again[5]["reads"] <= synced.stats.reads)
    print("targets met" if ok else "targets NOT met: 50 incidents in ≤ 10 s; a re-run reads Alertmanager once, "
                                   "GitHub no more than the sync, and writes nothing")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
