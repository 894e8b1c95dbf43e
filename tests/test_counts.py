"""Counts read as English: `1 runbook`, `2 runbooks`, `0 warnings`, never `1 runbooks` or `1 error(s)`."""

from __future__ import annotations

from conftest import NOW, ops
from opsbook.plural import plural


def test_plural():
    assert [plural(n, "runbook") for n in (0, 1, 2)] == ["0 runbooks", "1 runbook", "2 runbooks"]
    assert plural(1, "per-person feed", "per-person feeds") == "1 per-person feed"
    assert plural(3, "per-person feed", "per-person feeds") == "3 per-person feeds"


def test_validate_summary_with_one_error(handbook_copy):
    path = handbook_copy / "calendar" / "monthly-cost-review.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("duration: 1h", "duration: an hour", 1),
                    encoding="utf-8")
    result = ops("validate", "--root", str(handbook_copy), "--as-of", NOW.date().isoformat())
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "✗ 1 error, 0 warnings"


def test_calendar_summary_of_one_feed_folder(tmp_path, handbook_copy):
    result = ops("calendar", "--root", str(handbook_copy), "--out", f"{tmp_path / 'site'}/", "--as-of",
                 NOW.date().isoformat())
    assert result.returncode == 0, result.stderr
    # the whole feed, 4 people, 4 cadences, the on-call feed, 2 rotations, the index
    assert result.stdout.startswith(f"wrote 13 files under {tmp_path / 'site'}/ (")
    assert result.stdout.endswith(" events in the whole feed)\n")


def test_upcoming_with_nothing_in_one_day():
    result = ops("calendar", "upcoming", "--days", "1", "--as-of", "2026-11-26")
    assert (result.returncode, result.stdout) == (0, "No reviews in the next 1 day.\n")
