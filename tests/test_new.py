"""`ops new`: scaffolds that validate from the first save, flags for every field, prompts only at a terminal."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import NOW, TOOLS, ops
from opsbook.handbook.assembled import split_sections
from opsbook.handbook.models.postmortem import POSTMORTEM_SECTIONS
from opsbook.handbook.models.runbook import RUNBOOK_SECTIONS
from opsbook.scaffold import TEMPLATES, slugify

RUNBOOK_FLAGS = ["--title", "Widget fails to render", "--category", "availability", "--severity", "SEV-2",
                 "--service", "widget", "--service", "mcp-server", "--detection", "Widget error rate above 5%",
                 "--scope", "Everyone who opens the widget", "--owner", "maya", "--slo", "mcp-availability",
                 "--alert", "widget_error_rate > 0.05 over 10m", "--symptom", "A blank card in the chat",
                 "--look", "Widget errors=https://grafana.example/d/widget", "--last-reviewed", "2026-11-20",
                 "--review-every", "60d", "--tag", "widget"]


def split(path: Path) -> tuple[dict, str]:
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def assert_valid(root: Path) -> None:
    result = ops("validate", "--root", str(root), "--as-of", NOW.date().isoformat())
    assert result.returncode == 0, result.stdout


def test_templates_have_the_sections_the_validator_expects():
    for name, sections in (("runbook.md", RUNBOOK_SECTIONS), ("postmortem.md", POSTMORTEM_SECTIONS)):
        body = (TEMPLATES / name).read_text(encoding="utf-8").split("---\n", 2)[2]
        assert tuple(split_sections(body, 1)) == sections


def test_slugs():
    assert slugify("Checkout fails for EU users!") == "checkout-fails-for-eu-users"
    assert slugify("Überweisung: 5xx") == "uberweisung-5xx"
    assert slugify("a" * 50) == "a" * 40
    assert slugify("one two three four five six seven eight nine") == "one-two-three-four-five-six-seven-eight"
    assert slugify("!!!") == "untitled"


def test_new_runbook_from_flags(handbook_copy):
    result = ops("new", "runbook", "--root", str(handbook_copy), *RUNBOOK_FLAGS)
    assert (result.returncode, result.stdout) == (0, "runbooks/rb-widget-fails-to-render.md\n"), result.stderr
    meta, body = split(handbook_copy / "runbooks" / "rb-widget-fails-to-render.md")
    assert meta["services"] == ["widget", "mcp-server"] and meta["owners"] == ["maya"]
    assert meta["detection"] == {"summary": "Widget error rate above 5%", "slos": ["mcp-availability"],
                                 "alerts": ["widget_error_rate > 0.05 over 10m"],
                                 "symptoms": ["A blank card in the chat"]}
    assert meta["where_to_look"] == [{"title": "Widget errors", "url": "https://grafana.example/d/widget"}]
    assert (meta["last_reviewed"], meta["review_every"]) == (dt.date(2026, 11, 20), "60d")
    assert tuple(split_sections(body, 1)) == RUNBOOK_SECTIONS
    text = (handbook_copy / "runbooks" / "rb-widget-fails-to-render.md").read_text(encoding="utf-8")
    assert "severity: SEV-2  # the severity this kind of incident usually warrants\n" in text
    assert_valid(handbook_copy)


def test_the_readme_incident_recipe_finds_the_prewritten_messages_of_a_new_runbook(handbook_copy):
    """`--public-from-runbook status-page-first-post` and `--from-runbook when-it-is-fixed`, as the README
    and the template's own labels say, work on a runbook just written by `ops new runbook`."""
    root = str(handbook_copy)
    assert ops("new", "runbook", "--root", root, *RUNBOOK_FLAGS).returncode == 0
    opened = ops("incident", "open", "--root", root, "--title", "Widget blank", "--severity", "SEV-2", "--category",
                 "availability", "--service", "mcp-server", "--on-call", "maya", "--runbook",
                 "rb-widget-fails-to-render", "--at", "-10m", "--public-from-runbook", "status-page-first-post")
    assert opened.returncode == 0, opened.stderr
    incident = json.loads(opened.stdout.splitlines()[0])["incidentId"]
    assert ops("incident", "resolve", incident, "--root", root, "--message", "rolled back").returncode == 0
    resolved = ops("incident", "update", incident, "--root", root, "--state", "resolved", "--from-runbook",
                   "when-it-is-fixed")
    assert resolved.returncode == 0, resolved.stderr
    public = split(handbook_copy / "postmortems" / f"{incident}.md")[0]["public"]
    assert [(u["state"], u["message"]) for u in public["updates"]] == [
        ("investigating", "We are looking into a problem that affects some of our users and will post an update "
                          "within 30 minutes."),
        ("resolved", "The problem is fixed and everything works normally again. Thank you for your patience.")]


def test_new_postmortem_and_cadence_validate(handbook_copy):
    root = str(handbook_copy)
    result = ops("new", "postmortem", "--root", root, "--title", "Widget blank for Safari users", "--severity",
                 "SEV-3", "--category", "quality", "--service", "widget", "--on-call", "tomas", "--scribe", "jordan",
                 "--started", "2026-11-19T09:40:00+01:00", "--detected", "2026-11-19T10:00:00+01:00",
                 "--tag", "safari")
    assert result.stdout == "postmortems/pm-2026-11-19-widget-blank-for-safari-users.md\n", result.stderr
    meta, _ = split(handbook_copy / result.stdout.strip())
    assert meta["status"] == "draft" and meta["roles"] == {"on_call": "tomas", "scribe": "jordan"}
    assert [event["type"] for event in meta["timeline"]] == ["started", "detected"]

    result = ops("new", "cadence", "--root", root, "--title", "Monthly security log review", "--every", "month",
                 "--weekday", "tuesday", "--nth", "1", "--time", "14:00", "--duration", "45m", "--owner", "jordan",
                 "--checklist", "Scan authorization errors", "--checklist", "Look for request bursts",
                 "--start", "2026-12-01", "--label", "security", "--context", "secrets")
    assert result.stdout == "calendar/monthly-security-log-review.yaml\n", result.stderr
    data = yaml.safe_load((handbook_copy / "calendar" / "monthly-security-log-review.yaml").read_text())
    assert data["when"] == {"every": "month", "weekday": "tuesday", "nth": 1}
    assert (data["time"], data["timezone"], data["owner"]) == ("14:00", "Europe/Berlin", "jordan")
    assert_valid(handbook_copy)


def test_new_cadence_reads_9_30_as_09_30_and_points_editors_at_the_schema(handbook_copy):
    result = ops("new", "cadence", "--root", str(handbook_copy), *CADENCE_FLAGS, "--time", "9:30")
    assert (result.returncode, result.stdout) == (0, "calendar/bad-review.yaml\n"), result.stderr
    text = (handbook_copy / "calendar" / "bad-review.yaml").read_text(encoding="utf-8")
    assert 'time: "09:30"\n' in text
    # The first line, as in every other cadence of the handbook.
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/cadence.schema.json"
    assert_valid(handbook_copy)


@pytest.mark.parametrize("kind, flags", [("runbook", RUNBOOK_FLAGS), ("postmortem", [
    "--title", "Widget blank", "--severity", "SEV-3", "--category", "quality", "--service", "widget", "--on-call",
    "tomas", "--detected", "2026-11-19T10:00:00+01:00"]), ("cadence", [
    "--title", "Widget review", "--every", "week", "--weekday", "monday", "--time", "10:00", "--duration", "30m",
    "--owner", "maya", "--checklist", "Look at the graphs"])])
def test_new_makes_its_folder_when_a_clone_has_none(handbook_copy, kind, flags):
    """git keeps no empty folder: a handbook cloned before its first runbook has no `runbooks/`."""
    import shutil

    folder = {"runbook": "runbooks", "postmortem": "postmortems", "cadence": "calendar"}[kind]
    shutil.rmtree(handbook_copy / folder)
    result = ops("new", kind, "--root", str(handbook_copy), *flags)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{folder}/") and (handbook_copy / result.stdout.strip()).is_file()


def test_a_refused_new_document_leaves_no_folder_behind(handbook_copy, tmp_path):
    import shutil

    shutil.rmtree(handbook_copy / "runbooks")
    result = ops("new", "runbook", "--root", str(handbook_copy), *RUNBOOK_FLAGS, "--service", "billing")
    assert result.returncode == 1 and "--service 'billing': refers to unknown service 'billing'" in result.stderr
    assert not (handbook_copy / "runbooks").exists()
    elsewhere = ops("new", "runbook", "--root", str(tmp_path), *RUNBOOK_FLAGS)
    assert (elsewhere.returncode, elsewhere.stderr) == (2, f"ops: error: {tmp_path}: no runbooks/ folder and no "
                                                           "ops/ folder; is --root the handbook's folder?\n")
    assert not (tmp_path / "runbooks").exists()


POSTMORTEM_FLAGS = ["--title", "Widget blank for Safari users", "--severity", "SEV-3", "--category", "quality",
                    "--service", "widget"]


def test_new_postmortem_without_started_from_flags(handbook_copy):
    """`--started` is optional: without it the timeline begins at detection (this used to be a TypeError)."""
    result = ops("new", "postmortem", "--root", str(handbook_copy), *POSTMORTEM_FLAGS, "--on-call", "tomas",
                 "--detected", "2026-11-19T10:00:00+01:00")
    assert (result.returncode, result.stdout) == (0, "postmortems/pm-2026-11-19-widget-blank-for-safari-users.md\n")
    assert result.stderr == "created postmortems/pm-2026-11-19-widget-blank-for-safari-users.md\n"
    meta, _ = split(handbook_copy / result.stdout.strip())
    assert [(event["type"], event["at"]) for event in meta["timeline"]] == [("detected", "2026-11-19T10:00:00+01:00")]
    assert_valid(handbook_copy)


def test_missing_required_flags_without_a_terminal_is_a_usage_error(handbook_copy):
    before = tree_hashes(handbook_copy)
    result = ops("new", "runbook", "--root", str(handbook_copy), "--title", "Half a runbook", input="")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("ops: error: missing --category, --severity, --service, --detection, --scope, --owner "
                             "(prompts are only shown when a terminal is attached)\n")
    assert tree_hashes(handbook_copy) == before


@pytest.mark.parametrize("args, message", [
    (["--id", "rb-checkout-failure"], "runbooks/rb-checkout-failure.md already exists; nothing was written"),
    (["--service", "billing"], "--service 'billing': refers to unknown service 'billing'"),
    (["--look", "no url here"], "--look 'no url here': expected TITLE=URL"),
    (["--last-reviewed", "2099-01-01"], "--last-reviewed '2099-01-01': is in the future"),
])
def test_a_refused_scaffold_writes_nothing(handbook_copy, args, message):
    before = tree_hashes(handbook_copy)
    result = ops("new", "runbook", "--root", str(handbook_copy), *RUNBOOK_FLAGS, *args)
    assert result.returncode in (1, 2) and result.stdout == ""
    assert message in result.stderr and "Traceback" not in result.stderr
    assert tree_hashes(handbook_copy) == before


CADENCE_FLAGS = ["--title", "Bad review", "--every", "week", "--weekday", "monday", "--time", "10:00",
                 "--duration", "30m", "--owner", "maya", "--checklist", "Look at the graphs"]


@pytest.mark.parametrize("args, lines", [
    (["--interval", "2", "--nth", "1"], ["--every 'week': a weekly cadence takes only --weekday and --interval"]),
    (["--time", "25:00", "--duration", "30x"], ['--time \'25:00\': expected a time of day as HH:MM, such as "10:00"',
                                                "--duration '30x': expected a duration such as 15m, 1h30m, 2d or 1w"]),
    (["--start", "2026-12-01", "--until", "2026-11-01"], ["--until is before --start"]),
    (["--owner", "nobody", "--slo", "nope"], [
        "--owner 'nobody': refers to unknown person 'nobody' (expected a person id defined in ops/team.yaml (people))",
        "--slo 'nope': refers to unknown SLO 'nope' (expected an SLO id defined in ops/slos.yaml)"]),
    (["--checklist", "", "--reminder", "0m"], ["--reminder '0m': expected a duration longer than zero",
                                               "--checklist '': is empty (expected some text)"]),
])
def test_new_cadence_problems_name_the_flags(handbook_copy, args, lines):
    """The person typed flags, and nothing was written: the problems name flags, not the file's YAML keys."""
    before = tree_hashes(handbook_copy)
    result = ops("new", "cadence", "--root", str(handbook_copy), *CADENCE_FLAGS, *args)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == ["ops: error: refusing to write calendar/bad-review.yaml: it would not be "
                                          "valid"] + [f"  {line}" for line in lines]
    assert tree_hashes(handbook_copy) == before


@pytest.mark.parametrize("kind, args, lines", [
    ("runbook", ["--category", "payments", "--severity", "SEV-7"], [
        "--category 'payments': is not one of the allowed values (expected one of 'availability', 'latency', "
        "'quality', 'commerce', 'cost' or 'security')",
        "--severity 'SEV-7': is not one of the allowed values (expected one of 'SEV-1', 'SEV-2' or 'SEV-3')"]),
    ("runbook", ["--owner", "zed", "--slo", "no-slo", "--service", "paymnets"], [
        "--service 'paymnets': refers to unknown service 'paymnets' (expected a service id defined in "
        "ops/services.yaml)",
        "--owner 'zed': refers to unknown person 'zed' (expected a person id defined in ops/team.yaml (people))",
        "--slo 'no-slo': refers to unknown SLO 'no-slo' (expected an SLO id defined in ops/slos.yaml)"]),
    ("postmortem", ["--on-call", "zed", "--detected", "2026-11-19T10:00:00+01:00", "--runbook", "rb-nope",
                    "--commander", "nob"], [
        "--runbook 'rb-nope': refers to unknown runbook 'rb-nope' (expected a runbook id defined in runbooks/)",
        "--on-call 'zed': refers to unknown person 'zed' (expected a person id defined in ops/team.yaml (people))",
        "--commander 'nob': refers to unknown person 'nob' (expected a person id defined in ops/team.yaml "
        "(people))"]),
])
def test_new_runbook_and_postmortem_problems_name_the_flags(handbook_copy, kind, args, lines):
    """As for cadences: the file and its keys do not exist yet, the flags the person typed do."""
    before = tree_hashes(handbook_copy)
    flags = RUNBOOK_FLAGS if kind == "runbook" else POSTMORTEM_FLAGS
    result = ops("new", kind, "--root", str(handbook_copy), *flags, *args)
    assert (result.returncode, result.stdout) == (1, "")
    header, *problems = result.stderr.splitlines()
    assert header.startswith("ops: error: refusing to write ") and header.endswith(": it would not be valid")
    assert problems == [f"  {line}" for line in lines]
    assert tree_hashes(handbook_copy) == before


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_missing_fields_are_asked_for_at_a_terminal(handbook_copy):
    """With a terminal on stdin, `ops new` prompts for what the flags left out."""
    out, err, asked = _answer_prompts(["new", "cadence", "--root", str(handbook_copy), "--title",
                                       "Quarterly chaos drill", "--every", "quarter", "--month", "2", "--day", "15",
                                       "--owner", "maya"], ["11:00", "2h", "Pick a scenario, Break it on staging"])
    assert b"Traceback" not in err, err
    assert out == b"calendar/quarterly-chaos-drill.yaml\n"
    assert asked == b"Time of day (HH:MM): Duration (such as 30m): Checklist items (comma-separated): "
    data = yaml.safe_load((handbook_copy / "calendar" / "quarterly-chaos-drill.yaml").read_text())
    assert (data["time"], data["duration"]) == ("11:00", "2h")
    assert data["checklist"] == ["Pick a scenario", "Break it on staging"]
    assert_valid(handbook_copy)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_new_postmortem_without_started_at_the_prompts(handbook_copy):
    """The prompts never ask for `--started`; leaving it out at a terminal creates the post-mortem."""
    out, err, asked = _answer_prompts(["new", "postmortem", "--root", str(handbook_copy), *POSTMORTEM_FLAGS],
                                      ["tomas", "2026-11-19T10:00:00+01:00"])
    assert asked == b"Who was on call (person id): Detected at (ISO date-time with offset): "
    assert (out, b"Traceback" in err) == (b"postmortems/pm-2026-11-19-widget-blank-for-safari-users.md\n", False)
    meta, _ = split(handbook_copy / "postmortems" / "pm-2026-11-19-widget-blank-for-safari-users.md")
    assert meta["roles"] == {"on_call": "tomas"}
    assert [event["type"] for event in meta["timeline"]] == ["detected"]
    assert_valid(handbook_copy)


def _answer_prompts(args: list[str], answers: list[str]) -> tuple[bytes, bytes, bytes]:
    """Run `ops ARGS` with a terminal on stdin, typing each answer after its prompt: (stdout, stderr, prompts)."""
    primary, secondary = os.openpty()
    env = {**os.environ, "PYTHONPATH": str(TOOLS), "NO_COLOR": "1"}
    process = subprocess.Popen([sys.executable, "-m", "opsbook", *args],
                               stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    asked = b""
    try:
        for answer in answers:
            asked += _wait_for_prompt(process)
            os.write(primary, answer.encode() + b"\n")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(primary)
        if process.poll() is None:
            process.kill()
    return out, err, asked


def _wait_for_prompt(process: subprocess.Popen, timeout: float = 30) -> bytes:
    """Read stderr until a prompt (ending in ': ') shows, so answers are not typed ahead of their question."""
    deadline = time.monotonic() + timeout
    seen = b""
    while not seen.endswith(b": "):
        remaining = deadline - time.monotonic()
        assert remaining > 0 and process.poll() is None, f"no prompt; stderr so far: {seen!r}"
        ready, _, _ = select.select([process.stderr], [], [], remaining)
        if ready:
            chunk = os.read(process.stderr.fileno(), 1024)
            assert chunk, f"stderr closed; so far: {seen!r}"
            seen += chunk
    return seen
