"""The site shows on-call from the same engine as the feeds: the home page's "on call now" and the team
page's next shifts follow a cover in ops/oncall-overrides.yaml, with its reason."""

from __future__ import annotations

import datetime as dt

from opsbook.validation import load_handbook
from opsbook.site.pages import home
from opsbook.site.reference import team_page

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)  # tomas's turn, 2026-11-23 to 11-30
COVER = """\
overrides:
  - rotation: primary-on-call
    person: maya
    from: 2026-11-26T09:00
    until: 2026-11-27T09:00
    reason: Tomás is ill
"""


def test_home_and_team_page_show_the_cover(handbook_copy):
    (handbook_copy / "ops" / "oncall-overrides.yaml").write_text(COVER, encoding="utf-8")
    handbook = load_handbook(handbook_copy, NOW)
    assert "    **Primary on-call:** Maya Lindqvist until Fri 2026-11-27 09:00 CET, then Tomás Ferreira." in \
        home(handbook, NOW).splitlines()
    page = team_page(handbook, NOW).splitlines()
    start = page.index("## Primary on-call {#primary-on-call}")
    assert page[start + 4:start + 9] == [
        "| From | Until | Holder | Note |",
        "|---|---|---|---|",
        "| 2026-11-26 09:00 CET | 2026-11-27 09:00 CET | Maya Lindqvist | override: Tomás is ill (instead of Tomás "
        "Ferreira) |",
        "| 2026-11-27 09:00 CET | 2026-11-30 10:00 CET | Tomás Ferreira | — |",
        "| 2026-11-30 10:00 CET | 2026-12-07 10:00 CET | Priya Raman | — |"]
