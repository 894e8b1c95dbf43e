"""Render validation problems as plain text, JSON, or GitHub Actions annotations and a job summary."""

from __future__ import annotations

import json
from typing import Sequence

from opsbook.plural import plural
from opsbook.problems import Level, Problem, count


def summary_line(problems: Sequence[Problem], handbook, strict: bool = False) -> str:
    """One line closing a report: what failed, or what the valid handbook holds."""
    errors, warnings = count(problems)
    if errors or (strict and warnings):
        return f"✗ {plural(errors, 'error')}, {plural(warnings, 'warning')}" + (" (--strict: warnings count)" if strict and warnings else "")
    counts = (f"{plural(len(handbook.runbooks), 'runbook')}, {plural(len(handbook.postmortems), 'post-mortem')}, "
              f"{plural(len(handbook.cadences), 'cadence')}, {plural(len(handbook.slos), 'SLO')}")
    return f"✓ the handbook is valid ({counts})" + (f", {plural(warnings, 'warning')}" if warnings else "")


def as_text(problems: Sequence[Problem], summary: str) -> str:
    lines = []
    for p in problems:
        head = f"{p.location()}: {p.level.value}: "
        lines.append(head + (f"{p.key}: " if p.key else "") + p.message)
        for label, value in (("expected", p.expected), ("found", p.found), ("hint", p.hint)):
            if value:
                lines.append(f"    {label}: {value}")
    lines.append(summary)
    return "\n".join(lines) + "\n"


def as_json(problems: Sequence[Problem], summary: str, valid: bool) -> str:
    errors, warnings = count(problems)
    document = {"valid": valid, "errors": errors, "warnings": warnings, "summary": summary,
                "problems": [p.as_dict() for p in problems]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(problems: Sequence[Problem], summary: str) -> str:
    """Workflow commands (`::error file=…,line=…::…`) that GitHub shows on the pull request's lines."""
    lines = []
    for p in problems:
        props = [f"file={_escape_property(p.file)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
            if p.column is not None:
                props.append(f"col={p.column}")
        props.append("title=" + _escape_property(f"opsbook {p.code}" + (f" at {p.key}" if p.key else "")))
        details = [p.message]
        if p.expected:
            details.append(f"expected {p.expected}")
        if p.found:
            details.append(f"found {p.found}")
        if p.hint:
            details.append(p.hint)
        command = "notice" if p.level is Level.NOTE else p.level.value
        lines.append(f"::{command} {','.join(props)}::{_escape_data('; '.join(details))}")
    lines.append(summary)
    return "\n".join(lines) + "\n"


def step_summary(problems: Sequence[Problem], summary: str) -> str:
    """A Markdown job summary for `$GITHUB_STEP_SUMMARY`."""
    out = ["## Handbook validation", "", summary, ""]
    if problems:
        out += ["| | Where | Key | Problem |", "|---|---|---|---|"]
        for p in problems:
            mark = {Level.ERROR: "❌", Level.WARNING: "⚠️"}.get(p.level, "ℹ️")
            text = (p.message + (f" (expected {p.expected})" if p.expected else "")).replace("|", "\\|")
            out.append(f"| {mark} | `{p.location()}` | `{p.key}` | {text} |")
        out.append("")
    return "\n".join(out) + "\n"
