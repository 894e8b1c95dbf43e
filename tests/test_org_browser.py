"""The organisation's site in headless Chromium: every page passes axe-core's WCAG 2 A/AA checks in the
light and the dark scheme, and its search box, used by keyboard alone, leads to another team's runbook
on that team's own site. The organisation's site and the teams' sites are served by one local host."""

from __future__ import annotations

import shutil

import pytest
from test_browser import THEME_SCHEME, Served, _tab, _tab_to_search, axe, axe_findings, browser  # noqa: F401 (fixtures)
from test_org_build import host, org  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGES = ["", "teams/", "calendar/", "incidents/", "scorecard/"]


class OrgServed(Served):
    def pages(self) -> list[str]:
        return PAGES


@pytest.fixture(scope="module")
def org_site(host, org):
    tmp, base, _ = host
    folder = tmp / "pages" / "org"
    shutil.copytree(org[0] / "site", folder, dirs_exist_ok=True)
    return OrgServed(base + "org/", folder, base + "org/")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_of_the_organisation_passes_axe(browser, axe, org_site, scheme):
    with _tab(browser, color_scheme=scheme) as tab:
        findings = axe_findings(axe, tab, org_site, scheme)
        assert findings == [], "\n" + "\n".join(findings)
        assert tab.evaluate("document.body.dataset.mdColorScheme") == THEME_SCHEME[scheme]


def test_search_by_keyboard_finds_another_teams_runbook(browser, host, org_site):
    _, base, _ = host
    with _tab(browser) as tab:
        tab.goto(org_site.url)
        _tab_to_search(tab)
        tab.keyboard.type("app down", delay=30)
        result = tab.locator(".md-search-result__item").first
        result.wait_for(state="visible")
        assert "Search ·" in tab.inner_text(".md-search-result") or "Payments ·" in tab.inner_text(".md-search-result")
        tab.keyboard.press("ArrowDown")
        tab.keyboard.press("Enter")
        tab.wait_for_url(lambda url: url.split("#")[0].split("?")[0] in
                         {f"{base}{team}/runbooks/rb-app-down/" for team in ("payments", "search")})
