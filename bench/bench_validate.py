"""Benchmark `ops validate` on a large synthetic handbook against the floor of merely parsing it.

The floor reads the same files and parses their frontmatter (or whole YAML file) with libyaml's
CSafeLoader: no models, no checks. Both are timed in this process, best of N, so the ratio holds
on any machine.

Start-up (the pre-commit hook's case): `ops validate` on the example handbook against a floor of
`python -c "import pydantic, yaml, click"`, both whole processes timed by the wall clock, in turns
(so both see the same machine load), best and median of N each; and `ops --help`. Bytecode caching is
left on for the children (a user's installed package has its .pyc files), whatever this shell says.

    python bench/bench_validate.py [--documents 10000] [--repeat 5] [--startup-repeat 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
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


def startup(repeat: int) -> dict[str, list[float]]:
    """Wall-clock seconds of whole processes, run in turns: the import floor, `ops validate` on the
    example, `ops --help` (and pydantic's first model, to show its share). The first round only warms the file cache and writes bytecode."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "tools")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    commands = {
        "floor": [sys.executable, "-c", "import pydantic, yaml, click"],
        # What pydantic costs before any model of ours exists: its model machinery and plugin discovery.
        "first model": [sys.executable, "-c", "import yaml, click\nfrom pydantic import BaseModel, Field\n"
                        "class M(BaseModel):\n    x: int = Field(1)\nM(x=2)"],
        "validate": [sys.executable, "-m", "opsbook", "validate", "--as-of", "2026-11-26"],
        "help": [sys.executable, "-m", "opsbook", "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(repeat + 1):
        for name, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, cwd=REPO, env=env, check=False,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command[2:])} exited with {done.returncode}")
            if round_:
                times[name].append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--startup-repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = make_handbook(Path(temp) / "handbook", args.documents)
        validate(root)  # warm the import and model caches: the floor has its imports done too
        floor_s, validate_s = best_of_interleaved([floor, validate], root, args.repeat)
    started = startup(args.startup_repeat)
    best = {name: min(each) for name, each in started.items()}
    median = {name: statistics.median(each) for name, each in started.items()}
    print(f"documents:                {args.documents}")
    print(f"floor (read + CSafeLoader): {floor_s:.3f} s")
    print(f"check_handbook:           {validate_s:.3f} s")
    print(f"ratio:                    {validate_s / floor_s:.2f}x   (target <= 1.30x)")
    print(f"start-up, {args.startup_repeat} runs each in turns (best / median):")
    print(f"  import pydantic, yaml, click: {best['floor']:.3f} / {median['floor']:.3f} s wall")
    print(f"  pydantic's first model:       {best['first model']:.3f} / {median['first model']:.3f} s wall")
    print(f"  ops validate, example:        {best['validate']:.3f} / {median['validate']:.3f} s wall")
    print(f"  ratio:                        {best['validate'] / best['floor']:.2f}x / "
          f"{median['validate'] / median['floor']:.2f}x   (target <= 2.00x)")
    print(f"  ops --help:                   {best['help']:.3f} / {median['help']:.3f} s wall   (target <= 0.15 s)")


if __name__ == "__main__":
    main()
