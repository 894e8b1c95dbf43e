"""Benchmark the status page and its feeds on a big organisation: 10,000 incidents, 200 components.

The organisation is `synthetic.make_organisation`'s (10,000 post-mortems from 2024 to 2026), with 200
more services that are public components, and every post-mortem given a public part: one to three
components and three updates (investigating at detection, identified at triage, resolved after the
timeline's resolution). A twentieth of them are left unresolved in public (their `resolved` update is
dropped and the post-mortem stays a draft), so the page has active incidents. Then, after one
`check_handbook` (timed apart: it is the loading that issue 11 measures), best of N:

- render: the public view, index.html, history.html and a history page per day, feed.atom and 200 component
  feeds (incidents and maintenance windows), maintenance.ics;
- write: the same, written into a new folder and swapped into place (`write_status`).

Twice, with the default 90-day history: as generated (the incidents of the last 90 days shown), and
with every incident moved (all its times alike) into those 90 days, so all 10,000 are on the page and
in the feeds' selection: the worst case. The page is
rendered as of 1 September 2026, just after the last synthetic incident (validation runs as of
bench_org's day, as the synthetic runbooks' review dates need).

    python bench/bench_status.py [--scale 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(HERE))

from synthetic import make_organisation  # noqa: E402

COMPONENTS = 200
CHECKED = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)  # validated as of bench_org's day
NOW = dt.datetime(2026, 9, 1, 12, tzinfo=dt.timezone.utc)  # rendered just after the synthetic incidents end
_AT = re.compile(r'at: "([^"]+)", type: (detected|triaged|resolved)')


def add_public_parts(root: Path) -> int:
    """Give the organisation 200 public components and every post-mortem a public part; returns the count."""
    services = root / "ops" / "services.yaml"
    text = services.read_text(encoding="utf-8")
    text += "".join(f"  - id: c-{n:03d}\n    name: Component {n}\n    description: A public component.\n"
                    f"    owners: [maya]\n    public_name: Component {n:03d}\n" for n in range(COMPONENTS))
    services.write_text(text, encoding="utf-8")
    count = 0
    for index, path in enumerate(sorted((root / "postmortems").glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        times = {kind: moment for moment, kind in _AT.findall(text)}
        first = dt.datetime.fromisoformat(times["detected"]) + dt.timedelta(minutes=5)
        second = max(first, dt.datetime.fromisoformat(times["triaged"])) + dt.timedelta(minutes=1)
        done = max(second, dt.datetime.fromisoformat(times["resolved"])) + dt.timedelta(minutes=5)
        components = sorted({f"c-{(index * k) % COMPONENTS:03d}" for k in (1, 7, 13)[: 1 + index % 3]})
        updates = [(first, "investigating", f"Some people see errors in component work {index}."),
                   (second, "identified", "We found the cause and are fixing it.")]
        active = index % 20 == 0
        if active:
            text = text.replace("status: published", "status: draft", 1)
            text = re.sub(r'\n  - \{at: "[^"]+", type: resolved, text: [^}]+\}', "", text, count=1)
        else:
            updates.append((done, "resolved", "Everything works normally again."))
        block = "public:\n  components: [" + ", ".join(components) + "]\n  updates:\n" + "".join(
            f'    - {{at: "{at.isoformat()}", state: {state}, message: "{message}"}}\n' for at, state, message in updates)
        block += "  summary: For a while some requests failed; it is fixed.\n"
        head, fence, body = text.partition("\n---\n")
        path.write_text(head + "\n" + block.rstrip("\n") + fence + body, encoding="utf-8")
        count += 1
    return count


_STAMP = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)"')


def crowd_into_history(root: Path) -> None:
    """Move every incident, all its times by the same amount, into the 90 days before NOW."""
    for index, path in enumerate(sorted((root / "postmortems").glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        detected = dt.datetime.fromisoformat(_AT.search(text.split("type: detected")[0] + "type: detected")[1])
        target = NOW - dt.timedelta(days=89 - index % 89, hours=detected.hour)  # the same time of day, in the window
        shift = dt.timedelta(days=(target.date() - detected.date()).days)
        text = _STAMP.sub(lambda m: '"' + (dt.datetime.fromisoformat(m[1]) + shift).isoformat() + '"', text)
        path.write_text(text, encoding="utf-8")


def best(repeat: int, work) -> tuple[float, float, object]:
    """The best wall-clock time of `repeat` runs, that run's CPU time in this process, and its result.

    CPU time is shown beside wall clock because the machine is shared: it is what the work itself cost."""
    runs, result = [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return *min(runs), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the 10,000 post-mortems.")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from opsbook.validation import check_handbook
    from opsbook.status.build import render_status, write_status

    with tempfile.TemporaryDirectory() as scratch:
        root = make_organisation(Path(scratch) / "org", postmortems=int(10_000 * args.scale))
        incidents = add_public_parts(root)
        print(f"{incidents} post-mortems with public parts, {COMPONENTS} public components")
        for label in ("as generated", "all in the last 90 days"):
            if label != "as generated":
                crowd_into_history(root)
            began = time.perf_counter()
            report = check_handbook(root, CHECKED)
            loaded = time.perf_counter() - began
            if report.handbook is None:
                sys.exit("the synthetic handbook is invalid:\n" + "\n".join(
                    f"{p.location()}: {p.message}" for p in report.errors[:10]))
            rendered, rendered_cpu, (view, output) = best(args.repeat, lambda: render_status(report.handbook, NOW))
            written, written_cpu, _ = best(args.repeat,
                                           lambda: write_status(report.handbook, Path(scratch) / "status", NOW))
            size = sum(len(data) for data in output.values())
            page, biggest = max(((path, len(data)) for path, data in output.items() if path.endswith(".html")),
                                key=lambda item: item[1])
            history = max(len(data) for path, data in output.items() if path.startswith("history"))
            print(f"{label}: {len(view.incidents)} incidents shown ({len(view.active)} active), {len(output)} files, "
                  f"{size / 1e6:.1f} MB, the biggest page {page} {biggest / 1e3:.0f} kB (of the history "
                  f"{history / 1e3:.0f} kB); check_handbook {loaded:.2f} s (apart); render {rendered:.2f} s "
                  f"({rendered_cpu:.2f} s CPU); render and write {written:.2f} s ({written_cpu:.2f} s CPU) "
                  f"(best of {args.repeat})")


if __name__ == "__main__":
    main()
