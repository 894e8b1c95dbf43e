"""Benchmark `ops actions pull` on a big organisation's handbook: GitHub reads and files written.

The organisation of `synthetic.make_organisation` (10,000 post-mortems at --scale 1). Against the
GitHub-compatible test server: a first sync opens the tracking issues; people then close some of them
(one in three as not planned, with a comment); then, each counted:

- a sync re-run (the reads a pull must not exceed);
- the pull: its reads (the listing, plus the repository's newest issue events and comments for who
  closed each item, the commit and the reason; never a read per item) and the files it writes (only the
  post-mortems whose items changed);
- a pull re-run: no more reads than the sync, and no file written.

    python bench/bench_actions.py [--scale 1.0] [--close 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_org import AS_OF, sync_once  # noqa: E402
from synthetic import make_organisation  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the organisation (0.1: a tenth)")
    parser.add_argument("--close", type=int, default=30, help="how many tracking issues people close")
    args = parser.parse_args()

    from github_server import GitHubServer
    from opsbook.validation import check_handbook
    from opsbook.issues.github import Policy
    from opsbook.issues.readback import read_back
    from opsbook.issues.writeback import write_edits

    def scaled(n: int) -> int:
        return max(1, int(n * args.scale))

    sizes = dict(people=max(8, scaled(300)), rotations=max(2, scaled(20)), cadences=scaled(200),
                 secrets=scaled(5_000), runbooks=scaled(1_000), postmortems=scaled(10_000))
    with tempfile.TemporaryDirectory(prefix="bench-actions-") as folder, GitHubServer(max_lifetime=3600) as server:
        root = make_organisation(Path(folder) / "org", **sizes)
        handbook = check_handbook(root, AS_OF).handbook
        sync_once(handbook, server)
        tracking = [n for n, issue in sorted(server.issues.items()) if "opsbook:action-item" in (issue["body"] or "")]
        for index, number in enumerate(tracking[: args.close]):
            if index % 3 == 2:
                server.close_issue(number, reason="not_planned", comment="Superseded by the platform rewrite.")
            else:
                server.close_issue(number, commit=f"{number:040x}")
        _, sync_reads, _, _ = sync_once(handbook, server)

        def pull():
            report = check_handbook(root, AS_OF)  # as `ops actions pull` loads it
            reads = server.reads
            started = time.perf_counter()
            plan = read_back(report.handbook, f"{server.owner}/{server.repo}", token=server.token,
                             api_url=server.api_url, policy=Policy(write_interval=0)).plan
            read_s = time.perf_counter() - started
            written = write_edits(root, plan, AS_OF, contents=report.contents.without_postmortems())
            return server.reads - reads, read_s, time.perf_counter() - started - read_s, plan, written

        first = pull()
        again = pull()
    closings = [edit for edit in first[3].edits if edit.closed]
    detailed = sum(1 for edit in closings if edit.closed.get("by"))
    reasons = sum(1 for edit in closings if edit.closed.get("reason"))
    print(f"organisation: {sizes['postmortems']:,} post-mortems; {len(tracking):,} tracking issues, "
          f"{min(args.close, len(tracking))} closed by people")
    print(f"sync re-run:       {sync_reads} reads")
    print(f"pull:              {first[0]} reads for {len(closings)} items closed ({detailed} with their closer, "
          f"{reasons} with a reason), {len(first[4].written)} files written; read {first[1]:.2f}s, "
          f"write {first[2]:.2f}s")
    print(f"pull re-run:       {again[0]} reads, {len(again[4].written)} files written")
    print(f"targets:           pull reads <= sync reads ({first[0]} <= {sync_reads}), re-run writes nothing")
    ok = first[0] <= sync_reads and again[0] <= sync_reads and not again[4].written and not first[4].refused
    return 0 if ok and detailed == len(closings) else 1

if __name__ == "__main__":
    sys.exit(main())
