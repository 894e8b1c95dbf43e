"""Benchmark the author's loop: save a runbook while the site is served, and time until the page shows it.

Generates a handbook of 1,000 post-mortems (bench/synthetic.py) with the repository's mkdocs.yml, starts
a server on 127.0.0.1 on a free port, waits for its first build, then N times: appends a new sentence to
one runbook and polls that runbook's page until the sentence is served, and waits for the build to end
before the next edit. The time counts everything the author waits for: the watcher noticing the save,
the rebuild, and the page being served (the server holds requests while it rebuilds). No network beyond
127.0.0.1.

Modes: `mkdocs` (plain `mkdocs serve`: a full rebuild on each save), `dirty` (`mkdocs serve --dirty`),
`ops` (`ops serve`, what the README tells authors to run).

    python bench/bench_serve.py [--postmortems 1000] [--repeat 4] [--mode ops --mode mkdocs]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_site import documents_for  # noqa: E402
from synthetic import make_handbook  # noqa: E402

TARGET = 3.0  # seconds from saving the runbook to the page showing it
RUNBOOK = "runbooks/rb-synthetic-00000.md"
PAGE = "runbooks/rb-synthetic-00000/"
BUILT = re.compile(r"Documentation built in ([0-9.]+) seconds")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command(mode: str, root: Path, port: int) -> list[str]:
    address = f"127.0.0.1:{port}"
    if mode == "ops":
        return [sys.executable, "-m", "opsbook", "serve", "--root", str(root), "--dev-addr", address]
    extra = ["--dirty"] if mode == "dirty" else []
    return [sys.executable, "-m", "mkdocs", "serve", "-f", str(root / "mkdocs.yml"), "--dev-addr", address,
            *extra]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_until(predicate, timeout: float, what: str, server: subprocess.Popen, log: Path) -> float:
    start = time.perf_counter()
    while not predicate():
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}) while waiting for {what}:\n"
                             + log.read_text(encoding="utf-8")[-3000:])
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"gave up waiting {timeout:.0f} s for {what}:\n" + log.read_text(encoding="utf-8")[-3000:])
        time.sleep(0.05)
    return time.perf_counter() - start


def builds(log: Path) -> list[float]:
    return [float(seconds) for seconds in BUILT.findall(log.read_text(encoding="utf-8"))]


def run_mode(mode: str, root: Path, repeat: int) -> tuple[float, list[float], list[float]]:
    """(first build's seconds, seconds from save to served page per edit, build seconds per edit)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/{PAGE}"
    log = root.parent / f"serve-{mode}.log"
    env = {**os.environ, "PYTHONPATH": str(REPO / "tools"), "NO_MKDOCS_2_WARNING": "1"}
    with open(log, "w", encoding="utf-8") as out:
        server = subprocess.Popen(command(mode, root, port), cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        first = wait_until(lambda: fetch(url) is not None, 600, "the first build", server, log)
        waits, built = [], []
        runbook = root / RUNBOOK
        for edit in range(repeat):
            marker = f"Edited for the benchmark, round {edit} of {mode}."
            done = len(builds(log)) + 1
            text = runbook.read_text(encoding="utf-8")
            start = time.perf_counter()
            runbook.write_text(text.replace("## Final fix\n", f"## Final fix\n\n{marker}\n", 1), encoding="utf-8")
            wait_until(lambda: marker in (fetch(url) or ""), 300, f"edit {edit} to be served", server, log)
            waits.append(time.perf_counter() - start)
            wait_until(lambda: len(builds(log)) >= done, 300, f"build {done} to end", server, log)
            built.append(builds(log)[-1])
            time.sleep(1.0)  # let the watcher settle so each edit is its own rebuild
        return first, waits, built
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postmortems", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--mode", action="append", choices=["ops", "dirty", "mkdocs"],
                        help="What to serve with (repeatable).  [default: ops, then mkdocs]")
    args = parser.parse_args()
    modes = args.mode or ["ops", "mkdocs"]
    with tempfile.TemporaryDirectory() as temp:
        root = make_handbook(Path(temp) / "handbook", documents_for(args.postmortems))
        shutil.copytree(REPO / "docs", root / "docs")
        shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
        print(f"post-mortems: {args.postmortems}; edits per mode: {args.repeat}")
        for mode in modes:
            first, waits, built = run_mode(mode, root, args.repeat)
            verdict = "meets" if statistics.median(waits) <= TARGET else "misses"
            print(f"{mode:7} first build {first:5.1f} s; save to served page: "
                  + " ".join(f"{each:.2f}" for each in waits)
                  + f" s (median {statistics.median(waits):.2f} s, {verdict} the {TARGET:.0f} s target); "
                  + "rebuilds as MkDocs logs them: " + " ".join(f"{each:.2f}" for each in built) + " s")


if __name__ == "__main__":
    main()
