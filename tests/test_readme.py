"""The README's quick start is two commands, and CI runs the second one exactly as written."""

from __future__ import annotations

import re

from conftest import REPO


def quick_start() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Quick start\n.*?```\w*\n(.*?)```", text, re.S | re.M)
    assert match, "README.md has no fenced block under '## Quick start'"
    return [line.strip() for line in match.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_is_two_commands_build_then_test():
    build, test = quick_start()
    assert "ops build" in build
    assert "pytest" in test


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert quick_start()[1] in commands
