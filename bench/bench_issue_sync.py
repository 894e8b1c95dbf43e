"""Benchmark `ops issues sync`: API reads and writes per run for 30 cadences and 300 existing issues.

A copy of the example handbook gets 30 synthetic cadences (weekly, monthly and quarterly, with long lead
times so that many are due), and the GitHub-compatible test server is seeded with 300 generated issues of
past periods (closed, labelled). Then three runs of the real sync code (github3.py over HTTP):

1. the first run: creates what is due;
2. a re-run: must write nothing;
3. a run after the handbook changed an SLO target: writes only the updates.

Target: reads ≤ 1 (repository) + ceil(existing / 100) (issue list pages) + label checks; writes = the
changes; zero writes on a re-run. Writes are not paced here (GitHub would get one a second).

    python bench/bench_issue_sync.py [--cadences 30] [--existing 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests"))

from github_server import GitHubServer  # noqa: E402
from opsbook.validation import load_handbook  # noqa: E402
from opsbook.issues.github import Policy  # noqa: E402
from opsbook.issues.sync import sync  # noqa: E402

AS_OF = dt.datetime(2026, 11, 28, 23, 59, 59, tzinfo=dt.timezone.utc)
CONTENT = ("opsbook.yaml", "ops", "runbooks", "postmortems", "calendar")
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
RULES = [
    ("week", "{every: week, weekday: %s}", "7d"),
    ("month", "{every: month, day: %d}", "30d"),
    ("quarter", "{every: quarter, month: 1, business_day: 1}", "60d"),
]


def make_handbook(root: Path, cadences: int) -> None:
    """The example handbook plus `cadences` synthetic cadences (replacing the example's)."""
    for name in CONTENT:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    calendar = root / "calendar"
    for path in calendar.glob("*.yaml"):
        if path.name != "holidays.yaml":
            path.unlink()
    for i in range(cadences):
        every, when, open_before = RULES[i % 3]
        when = when % (WEEKDAYS[i % 5],) if every == "week" else (when % (1 + i % 28) if every == "month" else when)
        owner = "rotation: review-hosts" if i % 2 else f"owner: {['maya', 'tomas', 'priya', 'jordan'][i % 4]}"
        (calendar / f"review-{i:02d}.yaml").write_text(
            f"id: review-{i:02d}\ntitle: Review {i:02d}\nwhen: {when}\nstart: 2020-01-01\ntime: \"10:00\"\n"
            f"timezone: Europe/Berlin\nduration: 30m\n{owner}\nlabels: [review, team-{i % 5}]\n"
            f"checklist: [Look at the numbers, Write down what changed]\n"
            f"slos: [checkout-success]\ncontext: [slos, incidents, action-items]\n"
            f"issue: {{open_before: {open_before}}}\n")


def seed(server: GitHubServer, existing: int, cadences: int) -> None:
    """`existing` closed generated issues of past weekly periods, spread over the cadences."""
    for n in range(existing):
        cadence = f"review-{n % cadences:02d}"
        year, week = 2021 + n // 52 // 3, (n // 3) % 52 + 1
        period = f"{year}-W{week:02d}"
        server.add_issue(f"Review — {period}", body=f"<!-- opsbook:occurrence {cadence}/{period} -->\n",
                         labels=("opsbook", "review"), state="closed")


def run(server: GitHubServer, root: Path, label: str) -> dict:
    handbook = load_handbook(root, AS_OF)
    reads, writes = server.reads, server.writes
    known = sum(1 for issue in server.issues.values() if any(lb["name"] == "opsbook" for lb in issue["labels"]))
    started = time.perf_counter()
    report = sync(handbook, f"{server.owner}/{server.repo}", AS_OF, token=server.token, api_url=server.api_url,
                  policy=Policy(write_interval=0, backoff_base=0.01))
    seconds = time.perf_counter() - started
    done = {kind: sum(1 for o in report.outcomes if o.action.kind == kind and o.status == "done")
            for kind in ("create", "update", "close")}
    return {"run": label, "existing": known, "reads": server.reads - reads, "writes": server.writes - writes,
            "changes": sum(done.values()) + len(report.labels_created), "done": done,
            "labels_created": len(report.labels_created), "ok": report.ok, "seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadences", type=int, default=30)
    parser.add_argument("--existing", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, GitHubServer() as server:
        root = Path(tmp)
        make_handbook(root, args.cadences)
        seed(server, args.existing, args.cadences)
        results = [run(server, root, "first run")]
        results.append(run(server, root, "re-run"))
        slos = root / "ops" / "slos.yaml"
        slos.write_text(slos.read_text().replace("target: 0.99\n", "target: 0.995\n", 1))
        results.append(run(server, root, "after an SLO change"))
    failed = False
    print(f"{args.cadences} cadences, {args.existing} existing generated issues, as of {AS_OF:%Y-%m-%d}\n")
    print(f"{'run':<22}{'existing':>9}{'reads':>7}{'budget':>8}{'writes':>8}{'changes':>9}  created/updated/closed  time")
    for result in results:
        needs_labels = result["done"]["create"] + result["done"]["update"] > 0
        budget = 1 + math.ceil(result["existing"] / 100) + (1 if needs_labels else 0)
        done = result["done"]
        print(f"{result['run']:<22}{result['existing']:>9}{result['reads']:>7}{budget:>8}{result['writes']:>8}"
              f"{result['changes']:>9}  {done['create']}/{done['update']}/{done['close']}"
              f"{'':>17}{result['seconds']:.2f}s")
        failed |= result["reads"] > budget or result["writes"] != result["changes"] or not result["ok"]
    failed |= results[1]["writes"] != 0
    print("\nreads: 1 repository + one issue-list page per 100 + one label list when something is created or updated")
    print("writes: labels created + issues created, updated or closed; zero on a re-run")
    print("FAIL" if failed else "OK: within budget")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
