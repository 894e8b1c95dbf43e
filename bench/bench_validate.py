"""Benchmark `ops validate` on a large synthetic handbook against the floor of merely parsing it.

The floor reads the same files and parses their frontmatter (or whole YAML file) with libyaml's
CSafeLoader: no models, no checks. Both are timed in this process, best of N, so the ratio holds
on any machine. Also times `ops validate` on the example handbook and `ops --help` as subprocesses.

    python bench/bench_validate.py [--documents 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(HERE))

import yaml  # noqa: E402
from synthetic import make_handbook  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)


def floor(root: Path) -> int:
    """Read every file the validator reads and parse its YAML with CSafeLoader."""
    parsed = 0
    for folder, suffix in (("ops", ".yaml"), ("calendar", ".yaml"), ("runbooks", ".md"), ("postmortems", ".md")):
        for path in sorted((root / folder).iterdir()):
            if not path.name.endswith(suffix):
                continue
            text = path.read_text(encoding="utf-8")
            if suffix == ".md":
                text = text.split("---\n", 2)[1]
            yaml.load(text, Loader=yaml.CSafeLoader)
            parsed += 1
    return parsed


def validate(root: Path) -> int:
    from opsbook.handbook.validate import check_handbook

    report = check_handbook(root, NOW)
    assert not report.errors, report.errors[:3]
    return len(report.handbook.postmortems) + len(report.handbook.runbooks)


def best_of_interleaved(functions, root: Path, repeat: int) -> list[float]:
    """Best time of each function, running them in turns so both see the same machine load."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            function(root)
            times[index].append(time.perf_counter() - start)
    return [min(each) for each in times]


def wall(*args: str, repeat: int = 5) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO / "tools")}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "opsbook", *args], cwd=REPO, env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = make_handbook(Path(temp) / "handbook", args.documents)
        validate(root)  # warm the import and model caches: the floor has its imports done too
        floor_s, validate_s = best_of_interleaved([floor, validate], root, args.repeat)
    help_s = wall("--help")
    example_s = wall("validate", "--as-of", "2026-11-26")
    print(f"documents:                {args.documents}")
    print(f"floor (read + CSafeLoader): {floor_s:.3f} s")
    print(f"check_handbook:           {validate_s:.3f} s")
    print(f"ratio:                    {validate_s / floor_s:.2f}x   (target <= 1.30x)")
    print(f"ops validate, example:    {example_s:.3f} s wall   (target <= 0.40 s)")
    print(f"ops --help:               {help_s:.3f} s wall   (target <= 0.15 s)")


if __name__ == "__main__":
    main()
