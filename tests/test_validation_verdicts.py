"""`ops validate` keeps its whole report (a verdict) until the files, the options or the toolkit change, or
until the next moment any check could say otherwise; a run within that needs no models at all.

The command line runs for real in a subprocess with its own cache folder. To tell a reused verdict from
a fresh one, some tests put a marker into the stored summary (through the module's own writer, so its
checksum holds): a run that prints the marker reused it, one that does not validated afresh.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
import yaml
from conftest import NOW, ops

from opsbook.handbook import verdicts
from opsbook.handbook.cache import store_path
from opsbook.validation import check_handbook

UTC = dt.timezone.utc
MARKER = "(this came from the stored verdict)"


def validate(root: Path, *args: str, env: dict | None = None):
    done = ops("validate", "--root", str(root), *args, env=env)
    assert done.stderr == "" or "importtime" in str(env), done.stderr
    return done


def verdict_file(root: Path) -> Path:
    return store_path(root).with_suffix(".verdict")


def mark_stored_verdict(root: Path) -> None:
    """Rewrite the stored verdict with MARKER in its summary, keeping its key and validity."""
    stored = json.loads(verdict_file(root).read_text(encoding="utf-8").split("\n", 2)[2])
    problems, summary = verdicts.recall(verdict_file(root), stored["key"],
                                        dt.datetime.fromisoformat(stored["computed_for"]))
    until = stored["valid_until"] and dt.datetime.fromisoformat(stored["valid_until"])
    verdicts.remember(verdict_file(root), stored["key"], dt.datetime.fromisoformat(stored["computed_for"]),
                      until, problems, f"{summary} {MARKER}")


def reused(done) -> bool:
    return MARKER in done.stdout


def test_a_warm_run_prints_the_same_report_and_imports_no_model_library(handbook_copy):
    as_of = ("--as-of", NOW.date().isoformat())
    cold = validate(handbook_copy, *as_of)
    assert verdict_file(handbook_copy).is_file()
    warm = validate(handbook_copy, *as_of, env={"PYTHONPROFILEIMPORTTIME": "1", "importtime": "1"})
    fresh = validate(handbook_copy, *as_of, "--no-cache")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) == (fresh.returncode, fresh.stdout)
    imported = {line.split("|")[-1].strip() for line in warm.stderr.splitlines() if line.startswith("import time")}
    assert "opsbook.commands.validate" in imported  # the profile did list this run's imports
    assert not {name for name in imported if name.split(".")[0] in ("pydantic", "yaml", "ruamel")}


def test_every_format_and_exit_code_comes_back_from_the_verdict(handbook_copy):
    edit = handbook_copy / "runbooks" / "rb-checkout-failure.md"
    edit.write_text(edit.read_text(encoding="utf-8").replace("owners: [priya, maya]", "owners: [priya, nobody]"),
                    encoding="utf-8")
    for output_format in ("text", "json", "github"):
        first = validate(handbook_copy, "--format", output_format, "--as-of", "2026-11-26")
        again = validate(handbook_copy, "--format", output_format, "--as-of", "2026-11-26")
        assert first.returncode == again.returncode == 1
        assert first.stdout == again.stdout and "nobody" in first.stdout


@pytest.mark.parametrize("change", ["edit a runbook", "new empty folder", "new file elsewhere", "strict",
                                    "OPSBOOK_ variable", "a later day", "an earlier time"])
def test_a_verdict_is_not_reused_once_what_decides_it_changes(handbook_copy, change):
    as_of = NOW.date().isoformat()
    validate(handbook_copy, "--as-of", as_of)
    mark_stored_verdict(handbook_copy)
    assert reused(validate(handbook_copy, "--as-of", as_of))
    args, env = ["--as-of", as_of], None
    if change == "edit a runbook":
        path = handbook_copy / "runbooks" / "rb-checkout-failure.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "new empty folder":
        (handbook_copy / "runbook").mkdir()
    elif change == "new file elsewhere":  # a link's target may appear
        (handbook_copy / "docs").mkdir()
        (handbook_copy / "docs" / "vendors.md").write_text("# Vendors\n", encoding="utf-8")
    elif change == "strict":
        args.append("--strict")
    elif change == "OPSBOOK_ variable":
        env = {"OPSBOOK_EXAMPLE": "1"}
    elif change == "a later day":
        args = ["--as-of", (NOW.date() + dt.timedelta(days=1)).isoformat()]
    elif change == "an earlier time":
        args = ["--as-of", (NOW - dt.timedelta(hours=1)).isoformat()]
    assert not reused(validate(handbook_copy, *args, env=env))


def test_a_verdict_ends_when_an_action_item_falls_overdue(handbook_copy):
    """The example's AI-2 of the October outage is due 2026-11-30: overdue from 2026-12-01 (UTC)."""
    before = dt.datetime(2026, 11, 30, 18, tzinfo=UTC)
    report = check_handbook(handbook_copy, before)
    assert report.valid_until == dt.datetime(2026, 12, 1, tzinfo=UTC)
    validate(handbook_copy, "--as-of", before.isoformat())
    mark_stored_verdict(handbook_copy)
    assert reused(validate(handbook_copy, "--as-of", "2026-11-30T23:59:00+00:00"))
    after = validate(handbook_copy, "--as-of", "2026-12-01T00:00:00+00:00")
    assert not reused(after) and "AI-2 is overdue since 2026-11-30" in after.stdout


def test_a_verdict_ends_at_a_publish_deadline_within_the_day(handbook_copy):
    """A resolved SEV-2 post-mortem is due to be published 10 days after its resolution, to the moment."""
    rel = "postmortems/pm-2026-11-22-mcp-session-store-exhausted.md"
    doc = check_handbook(handbook_copy, NOW).handbook.postmortems["pm-2026-11-22-mcp-session-store-exhausted"]
    deadline = next(e.at for e in doc.meta.timeline if e.type.value == "resolved") + dt.timedelta(days=10)

    def due(moment: dt.datetime) -> bool:
        return any(p.code == "postmortem-due" and p.file == rel for p in check_handbook(handbook_copy, moment).problems)

    assert not due(deadline) and due(deadline + dt.timedelta(seconds=1))
    assert check_handbook(handbook_copy, deadline - dt.timedelta(minutes=10)).valid_until == deadline + dt.timedelta(
        microseconds=1)


def test_within_its_validity_a_report_is_the_same_at_any_moment(handbook_copy):
    """Sampled over a year: the report at `now` equals the report at any moment before `valid_until`, and
    the validity is not needlessly short (mostly the next midnight)."""
    pick = random.Random(7)
    lengths = []
    for _ in range(25):
        now = dt.datetime(2026, 11, 1, tzinfo=UTC) + dt.timedelta(minutes=pick.randrange(0, 400 * 24 * 60))
        report = check_handbook(handbook_copy, now)
        assert report.valid_until is not None and report.valid_until > now
        lengths.append(report.valid_until - now)
        for fraction in (0.5, 0.999):
            later = now + (report.valid_until - now) * fraction
            assert check_handbook(handbook_copy, later).problems == report.problems, (now, later)
    assert max(lengths) > dt.timedelta(hours=6)


def test_walking_from_verdict_to_verdict_misses_no_change(handbook_copy):
    """With the whole primary rotation away for a week in February 2028, its empty shift comes into the
    look-ahead (396 days) in early January 2027. Walked from one `valid_until` to the next over that
    time, each report still holds a moment before its end, and the error appears on the way."""
    team = handbook_copy / "ops" / "team.yaml"
    data = yaml.safe_load(team.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["id"] in ("maya", "tomas", "priya"):
            person.setdefault("away", []).append({"start": dt.date(2028, 2, 7), "end": dt.date(2028, 2, 13)})
    team.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    now, end = dt.datetime(2027, 1, 3, tzinfo=UTC), dt.datetime(2027, 1, 14, tzinfo=UTC)
    seen_nobody = []
    while now < end:
        report = check_handbook(handbook_copy, now)
        assert report.valid_until is not None and report.valid_until > now
        before_end = report.valid_until - dt.timedelta(microseconds=1)
        assert check_handbook(handbook_copy, before_end).problems == report.problems, (now, report.valid_until)
        seen_nobody.append(any(p.code == "nobody-on-call" for p in report.problems))
        now = report.valid_until
    assert not seen_nobody[0] and seen_nobody[-1]


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "flipped byte"])
def test_a_damaged_verdict_is_ignored_and_rewritten(handbook_copy, damage):
    expected = validate(handbook_copy, "--as-of", "2026-11-26", "--no-cache")
    validate(handbook_copy, "--as-of", "2026-11-26")
    good = verdict_file(handbook_copy).read_bytes()
    broken = {"empty": b"", "truncated": good[: len(good) // 2], "garbage": b"\x00\xff not a verdict",
              "flipped byte": good[:-10] + bytes([good[-10] ^ 0x01]) + good[-9:]}[damage]
    verdict_file(handbook_copy).write_bytes(broken)
    again = validate(handbook_copy, "--as-of", "2026-11-26")
    assert (again.returncode, again.stdout) == (expected.returncode, expected.stdout)
    assert verdict_file(handbook_copy).read_bytes() == good
