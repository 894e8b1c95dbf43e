"""Running Prometheus' promtool: `check rules` on a rule file, `test rules` on generated unit tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from opsbook.problems import OpsbookError

TIMEOUT = 1800  # seconds; a week of one-minute samples per SLO is slow on a busy machine


class PromtoolMissing(OpsbookError):
    def __init__(self) -> None:
        super().__init__("promtool is not installed; install Prometheus (Debian: apt-get install prometheus)")


def executable() -> str:
    """promtool's path; raises PromtoolMissing when it is not on PATH."""
    found = shutil.which("promtool")
    if found is None:
        raise PromtoolMissing()
    return found


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """promtool with `args`, its output captured (stdout and stderr together, as promtool interleaves them)."""
    try:
        return subprocess.run([executable(), *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OpsbookError(f"promtool {args[0]} {args[1]} took longer than {TIMEOUT} s and was stopped") from None


def check_rules(path: Path) -> subprocess.CompletedProcess:
    return run("check", "rules", path)


def test_rules(paths: list[Path], cwd: Path) -> subprocess.CompletedProcess:
    return run("test", "rules", *(p.name for p in paths), cwd=cwd)
