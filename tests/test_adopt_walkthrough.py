"""The README's "Adopt it for your team" walk-through, run exactly as written.

From this checkout's installed toolkit, `ops init` starts a handbook in a sibling folder; the handbook's
own fresh virtual environment then installs the toolkit from the line `ops init` pinned in
requirements.txt (a normal pip install, dependencies and all), and validates and builds with it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def walkthrough() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Adopt it for your team\n.*?```sh\n(.*?)```", text, re.S | re.M)
    assert match, "README.md has no ```sh block under '## Adopt it for your team'"
    return match.group(1)


def test_the_walkthrough_starts_from_the_installed_toolkit_and_ends_with_validate_and_build():
    lines = [line for line in walkthrough().splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0].startswith(".venv/bin/ops init ../payments-handbook ")
    assert lines[-1] == ".venv/bin/ops validate && .venv/bin/ops build"
    assert "pip install -q -r requirements.txt" in walkthrough()


def test_the_readme_walkthrough_works_as_written(tmp_path):
    ops = Path(sys.executable).parent / "ops"
    if not ops.exists():
        pytest.fail("the toolkit is not installed in this environment; `pip install -e '.[test]'` installs it")
    # The quick start's state: a checkout whose .venv has the toolkit installed (this environment's).
    toolkit = tmp_path / "toolkit"
    toolkit.mkdir()
    (toolkit / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "GITHUB_STEP_SUMMARY")}

    result = subprocess.run(["bash", "-e", "-c", walkthrough()], cwd=toolkit, env=env, capture_output=True,
                            text=True, timeout=900)

    assert result.returncode == 0, result.stdout + result.stderr
    handbook = tmp_path / "payments-handbook"
    pinned = (handbook / "requirements.txt").read_text().splitlines()[-1]
    assert pinned != "opsbook==0.1.0"
    # The handbook's own environment holds a toolkit installed from that line, not this checkout's.
    installed = next((handbook / ".venv").glob("lib/python*/site-packages/opsbook-*.dist-info"))
    origin = json.loads((installed / "direct_url.json").read_text()) if (installed / "direct_url.json").exists() \
        else None
    from opsbook.adopt.pin import pin_for

    assert pin_for(origin, "0.1.0").requirement == pinned
    assert "✓ the handbook is valid (1 runbook, 0 post-mortems, 3 cadences, 2 SLOs), 1 warning" in result.stdout
    assert "opsbook.yaml:6:1: warning: site_url: is still the placeholder `ops init` wrote" in result.stderr
    assert f"✓ site: {handbook / 'site'}" in result.stdout
    assert (handbook / "site" / "index.html").is_file() and (handbook / "site" / "feeds" / "handbook.ics").is_file()
