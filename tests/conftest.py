"""Shared fixtures: the example handbook, a scratch copy of it, and a way to run `ops` for real."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "tools"
# A fixed "now" for tests, so that what is overdue does not change with the calendar.
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone.utc)
CONTENT = ("opsbook.yaml", "ops", "runbooks", "postmortems", "calendar")


@pytest.fixture(autouse=True)
def own_cache_folder(tmp_path_factory, monkeypatch) -> Path:
    """Each test's own user cache folder (where `ops validate` keeps its store), never the user's."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("OPSBOOK_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def example_root() -> Path:
    """The repository's own GiftGenius handbook (read only: copy it to change it)."""
    return REPO


@pytest.fixture
def handbook_copy(tmp_path: Path) -> Path:
    """A scratch copy of the example handbook's content folders."""
    root = tmp_path / "handbook"
    root.mkdir()
    for name in CONTENT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy2(source, root / name)
    return root


def ops(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None
        ) -> subprocess.CompletedProcess:
    """Run the real `ops` command line in a subprocess and capture what it prints."""
    full_env = {**os.environ, "PYTHONPATH": str(TOOLS), "NO_COLOR": "1", **(env or {})}
    full_env.pop("GITHUB_STEP_SUMMARY", None) if env is None or "GITHUB_STEP_SUMMARY" not in env else None
    return subprocess.run([sys.executable, "-m", "opsbook", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, input=input, timeout=300)


@pytest.fixture
def run_ops():
    return ops


@pytest.fixture
def forks():
    """For tests of work done in a forked process. Nothing is forked from a process with other threads
    running; threads an earlier test left finishing (an executor's manager) get a few seconds to end."""
    import threading
    import time

    from opsbook.handbook import parallel

    deadline = time.monotonic() + 5
    while not parallel.can_fork() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not parallel.can_fork():
        names = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
        pytest.skip(f"nothing is forked while other threads run: {names}")


def needs_commands(*names: str, package: str):
    """Skip when a command the test drives is missing, except in CI (`CI` set), where `.ci/run` installs
    `package` and a missing command must fail the run rather than quietly skip it."""
    missing = [name for name in names if shutil.which(name) is None]
    return pytest.mark.skipif(bool(missing) and not os.environ.get("CI"),
                              reason=f"{', '.join(missing)} missing (.ci/run installs Debian's {package})")


def site_copy(handbook_copy: Path) -> Path:
    """A scratch handbook with the site's configuration too, so it can be built and broken."""
    shutil.copy2(REPO / "mkdocs.yml", handbook_copy / "mkdocs.yml")
    shutil.copytree(REPO / "docs", handbook_copy / "docs")
    return handbook_copy


# Go programs (prometheus, alertmanager) read the real clock whatever faketime says: a test that starts one
# and compares its answers with Python's idea of "now" cannot run under `faketime`.
real_clock = pytest.mark.skipif(bool(os.environ.get("FAKETIME")),
                                reason="FAKETIME is set: Prometheus and Alertmanager (Go) ignore the faked clock")
