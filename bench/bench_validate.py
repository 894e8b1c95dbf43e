"""Benchmark `ops validate` on a large synthetic handbook against the floor of merely parsing it.

The floor reads the same files and parses their frontmatter (or whole YAML file) with libyaml's
CSafeLoader: no models, no checks. Both are timed in this process, best of N, so the ratio holds
on any machine.

Start-up (the pre-commit hook's case): `ops validate` on (a copy of) the example handbook against a
floor of `python -c "import pydantic, yaml, click"`, both whole processes timed by the wall clock, in
turns (so both see the same machine load), best and median of N each; and `ops --help`. `ops validate`
runs three ways, as the store of file outcomes (in a scratch cache folder) finds it: cold (no store:
the first run, or `--no-cache`), warm (nothing changed since the last run) and after one runbook was
edited. Bytecode caching is left on for the children (a user's installed package has its .pyc files),
whatever this shell says.

    python bench/bench_validate.py [--documents 10000] [--repeat 5] [--startup-repeat 15] [--startup-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
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
    from opsbook.validation import check_handbook

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


def startup(repeat: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall-clock seconds of whole processes, run in turns: the import floor, `ops validate` on a copy of
    the example (cold, warm and after one edit), `ops --help` (and pydantic's first model, to show its
    share); and the CPU time of each. The first round only warms the file cache and writes bytecode."""
    with tempfile.TemporaryDirectory() as temp:
        handbook, cache = Path(temp) / "handbook", Path(temp) / "cache"
        handbook.mkdir()
        for name in ("opsbook.yaml", "ops", "runbooks", "postmortems", "calendar"):
            (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, handbook / name)
        runbook = handbook / "runbooks" / "rb-checkout-failure.md"
        env = {**os.environ, "PYTHONPATH": str(REPO / "tools"), "XDG_CACHE_HOME": str(cache)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("OPSBOOK_NO_CACHE", None)
        validate = [sys.executable, "-m", "opsbook", "validate", "--root", str(handbook), "--as-of", "2026-11-26"]
        commands = {
            "floor": ([sys.executable, "-c", "import pydantic, yaml, click"], None),
            # What pydantic costs before any model of ours exists: its model machinery and plugin discovery.
            "first model": ([sys.executable, "-c", "import yaml, click\nfrom pydantic import BaseModel, Field\n"
                             "class M(BaseModel):\n    x: int = Field(1)\nM(x=2)"], None),
            "cold": (validate, lambda: shutil.rmtree(cache, ignore_errors=True)),
            "warm": (validate, None),
            "edited": (validate, lambda: runbook.write_text(runbook.read_text(encoding="utf-8") + "\n",
                                                            encoding="utf-8")),
            "help": ([sys.executable, "-m", "opsbook", "--help"], None),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(repeat + 1):
            for name, (command, prepare) in commands.items():
                if prepare:
                    prepare()
                start, used = time.perf_counter(), _children_cpu()
                done = subprocess.run(command, cwd=REPO, env=env, check=False,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                elapsed = time.perf_counter() - start
                if done.returncode != 0:
                    raise SystemExit(f"{name}: {' '.join(command[2:])} exited with {done.returncode}")
                if round_:
                    times[name].append(elapsed)
                    cpu[name].append(_children_cpu() - used)
    return times, cpu


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished children: steadier than the wall clock on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def large(documents: int, repeat: int) -> None:
    """`check_handbook` in this process on a synthetic handbook against the floor of parsing it."""
    with tempfile.TemporaryDirectory() as temp:
        root = make_handbook(Path(temp) / "handbook", documents)
        validate(root)  # warm the import and model caches: the floor has its imports done too
        floor_s, validate_s = best_of_interleaved([floor, validate], root, repeat)
    print(f"documents:                {documents}")
    print(f"floor (read + CSafeLoader): {floor_s:.3f} s")
    print(f"check_handbook:           {validate_s:.3f} s")
    print(f"ratio:                    {validate_s / floor_s:.2f}x   (target <= 1.30x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--startup-repeat", type=int, default=15)
    parser.add_argument("--startup-only", action="store_true", help="only the start-up part")
    args = parser.parse_args()
    if not args.startup_only:
        large(args.documents, args.repeat)
    started, cpu = startup(args.startup_repeat)
    best = {name: min(each) for name, each in started.items()}
    median = {name: statistics.median(each) for name, each in started.items()}
    least = {name: min(each) for name, each in cpu.items()}
    print(f"start-up, {args.startup_repeat} runs each in turns: wall best / median (ratio to the floor), cpu best")
    for name, label in (("floor", "import pydantic, yaml, click"), ("first model", "pydantic's first model"),
                        ("cold", "ops validate, cold (no store)"), ("warm", "ops validate, warm (no change)"),
                        ("edited", "ops validate, one runbook edited")):
        print(f"  {label + ':':34}{best[name]:.3f} / {median[name]:.3f} s "
              f"({best[name] / best['floor']:.2f}x / {median[name] / median['floor']:.2f}x), "
              f"cpu {least[name]:.3f} s ({least[name] / least['floor']:.2f}x)")
    print("  target for ops validate: <= 2.00x")
    print(f"  ops --help:                       {best['help']:.3f} / {median['help']:.3f} s wall   (target <= 0.15 s)")


if __name__ == "__main__":
    main()
