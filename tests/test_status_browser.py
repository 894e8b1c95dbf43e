"""The status page in a real headless Chromium (Debian's, through Playwright), served from 127.0.0.1.

A user opens the page with JavaScript off and sees the components with their states, the active
incident with its updates, the history bars and the maintenance ahead; on a 390 px phone nothing
scrolls sideways; the state labels' text contrasts at least 4.5:1 with their backgrounds; and nothing
is fetched from anywhere but the page's own server.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import NOW
from opsbook.validation import load_handbook
from opsbook.incident.public import post_update
from opsbook.incident.workflow import open_incident
from opsbook.status.build import write_status
from test_browser import ARGS, CHROMIUM, _serve, _unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        except Exception as exc:  # a wrapper script without the browser behind it (apt still installing)
            _unavailable(f"{CHROMIUM} does not start: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def status_url(tmp_path_factory):
    """A copy of the example with an active SEV-2 incident, its status page built and served."""
    from conftest import CONTENT, REPO
    import shutil

    root = tmp_path_factory.mktemp("status-browser") / "handbook"
    root.mkdir()
    for name in CONTENT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy2(source, root / name)
    opened = NOW - dt.timedelta(minutes=40)
    event = open_incident(root, title="Search slow", severity="SEV-2", category="latency", services=("gift-search",),
                          on_call="tomas", at=opened.isoformat(), now=NOW)
    post_update(root, event.incident_id, state="investigating", from_runbook="status-page",
                at=(opened + dt.timedelta(minutes=5)).isoformat(), now=NOW)
    post_update(root, event.incident_id, state="identified", message="An upstream provider limits our requests.",
                at=(opened + dt.timedelta(minutes=25)).isoformat(), now=NOW)
    out = write_status(load_handbook(root, NOW), root.parent / "status-site", NOW).out
    with _serve(out) as url:
        yield url


def _open(browser, url: str, **options):
    context = browser.new_context(**options)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    outside: list[str] = []
    tab.on("request", lambda request: outside.append(request.url) if not request.url.startswith(url) else None)
    tab.goto(url)
    return context, tab, outside


def test_without_javascript_the_page_shows_components_the_incident_and_history(browser, status_url):
    context, tab, outside = _open(browser, status_url, java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    try:
        assert tab.title() == "GiftGenius status"
        assert tab.get_by_role("status").inner_text() == "1 active incident"
        components = tab.get_by_role("region", name="Components").locator("li.component")
        rows = [" ".join(components.nth(i).locator("strong, .state").all_inner_texts()) for i in range(components.count())]
        assert rows == ["Checkout and payments Operational", "Gift suggestions Partial outage",
                        "GiftGenius in ChatGPT Operational"]
        active = tab.get_by_role("region", name="Active incidents").get_by_role("article")
        assert active.get_by_role("heading").inner_text() == "Problem with Gift suggestions"
        updates = active.locator("ol.updates > li").all_inner_texts()
        assert [u.split(" · ")[0] for u in updates] == ["Identified", "Investigating"]  # newest first
        assert updates[0].endswith("An upstream provider limits our requests.")
        bars = components.nth(1).locator("ol.days > li")
        assert bars.count() == 90
        assert bars.nth(89).get_attribute("class") == "s-partial-outage"
        assert components.nth(1).locator("p.note").inner_text() == (
            "Incidents on 1 of the last 90 days; the worst: partial outage on 26 November 2026.")
        maintenance = tab.get_by_role("region", name="Scheduled maintenance").get_by_role("article")
        assert maintenance.get_by_role("heading").all_inner_texts() == [
            "Gift search index rebuild Cancelled", "Payment provider upgrade Scheduled"]
        tab.get_by_role("link", name="Errors when using GiftGenius in ChatGPT").click()
        tab.wait_for_url(status_url + "history/2026-11-22.html#incident-*")
        assert tab.locator(":target h2").inner_text() == "Errors when using GiftGenius in ChatGPT"
    finally:
        context.close()
    assert outside == []


def test_the_history_pages_lead_from_day_to_day_without_javascript(browser, status_url):
    context, tab, outside = _open(browser, status_url, java_script_enabled=False)
    try:
        tab.get_by_role("link", name="All incidents of the last 90 days").click()
        tab.wait_for_url(status_url + "history.html")
        recent = tab.get_by_role("region", name="Most recent").get_by_role("heading", level=3)
        assert recent.all_inner_texts() == ["Problem with Gift suggestions", "Errors when using GiftGenius in ChatGPT"]
        days = tab.get_by_role("navigation", name="All days")
        assert days.get_by_role("heading").all_inner_texts() == ["All days", "November 2026 (2 incidents)"]
        days.get_by_role("link", name="22 November 2026").click()
        tab.wait_for_url(status_url + "history/2026-11-22.html")
        assert tab.get_by_role("heading", level=1).inner_text() == "Incidents on 22 November 2026"
        pager = tab.get_by_role("navigation", name="Other days", exact=True)
        assert pager.get_by_role("link").all_inner_texts() == ["All days", "Later: 26 November 2026"]
        pager.get_by_role("link", name="Later: 26 November 2026").click()
        tab.wait_for_url(status_url + "history/2026-11-26.html")
        assert tab.get_by_role("heading", level=2).all_inner_texts() == ["Problem with Gift suggestions"]
        tab.get_by_role("navigation", name="Other days", exact=True).get_by_role(
            "link", name="Earlier: 22 November 2026").click()
        tab.wait_for_url(status_url + "history/2026-11-22.html")
        tab.get_by_role("link", name="GiftGenius status").click()  # the header leads back to the front page
        tab.wait_for_url(status_url + "index.html")
    finally:
        context.close()
    assert outside == []


def test_on_a_phone_nothing_scrolls_sideways_and_state_labels_contrast(browser, status_url):
    context, tab, outside = _open(browser, status_url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    try:
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        ratios = tab.evaluate("""() => {
            const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => {
                v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            return [...document.querySelectorAll('.state, .overall')].map(e => {
                const s = getComputedStyle(e); const a = lum(s.color), b = lum(s.backgroundColor);
                return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); });
        }""")
        assert ratios and min(ratios) >= 4.5, ratios
    finally:
        context.close()
    assert outside == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_status_pages_pass_axe_like_the_handbook_site(browser, status_url, scheme):
    """The same bar as the handbook site (issue 16): no serious or critical WCAG 2 A/AA violation on the
    status page, its history or a day's history page, in either colour scheme."""
    from test_browser import BLOCKING, WCAG_AA

    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        _unavailable("the axe-playwright-python package is missing")
    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    context, tab, _ = _open(browser, status_url, color_scheme=scheme)
    findings = []
    try:
        for page in ("index.html", "history.html", "history/2026-11-22.html", "history/2026-11-26.html"):
            tab.goto(status_url + page)
            for violation in Axe().run(tab, options=options).response["violations"]:
                if violation["impact"] in BLOCKING:
                    findings += [f"{page} ({scheme}): {violation['id']}: {' '.join(map(str, node['target']))}"
                                 for node in violation["nodes"]]
    finally:
        context.close()
    assert findings == []
