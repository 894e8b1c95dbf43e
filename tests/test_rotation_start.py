"""A handbook started on a Sunday has someone on call at once: `ops init`, then `ops incident open`.

The starter rotation starts on the day of `ops init` with Monday handoffs; its first turn began at the
handoff at or before that day, so the starter runbook's first step works straight away and the home
page tells the truth about who is on call.
"""

from __future__ import annotations

import datetime as dt

import frontmatter
from opsbook.adopt.starter import Settings, create
from opsbook.validation import load_handbook
from opsbook.incident.workflow import open_incident
from opsbook.site.pages import home

SUNDAY = dt.date(2026, 11, 29)
SUNDAY_AFTERNOON = dt.datetime(2026, 11, 29, 15, 0, tzinfo=dt.timezone.utc)


def test_a_handbook_started_on_a_sunday_has_someone_on_call_that_day(tmp_path):
    root = tmp_path / "handbook"
    create(root, Settings("Payments", "Europe/Berlin", "sam", SUNDAY))

    event = open_incident(root, title="Checkout is down", severity="SEV-1", category="availability",
                          now=SUNDAY_AFTERNOON)

    meta = frontmatter.load(event.path).metadata
    assert meta["roles"] == {"on_call": "sam"}
    page = home(load_handbook(root, SUNDAY_AFTERNOON), SUNDAY_AFTERNOON)
    assert "    **Primary on-call:** Sam until Mon 2026-11-30 10:00 CET, then Sam." in page.splitlines()


def test_the_home_page_says_nobody_holds_a_rotation_that_has_not_begun(tmp_path):
    root = tmp_path / "handbook"
    create(root, Settings("Payments", "Europe/Berlin", "sam", SUNDAY))
    team = root / "ops/team.yaml"
    team.write_text(team.read_text().replace(f"start: {SUNDAY}", "start: 2026-12-09", 1))

    page = home(load_handbook(root, SUNDAY_AFTERNOON), SUNDAY_AFTERNOON)

    assert "    **Primary on-call:** nobody until Mon 2026-12-07 10:00 CET, then Sam." in page.splitlines()
