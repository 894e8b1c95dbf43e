"""The built site in a real headless Chromium (Debian's package, driven by Playwright's Python API).

An on-call engineer lands on the home page, follows the navigation to a runbook, finds it again by
searching, and subscribes to the calendar. Every page, of the example handbook and of one just started
with `ops init`, passes axe-core's WCAG 2 A/AA checks in the light and the dark colour scheme; the
keyboard alone reaches everything with the focus in sight; a phone needs no sideways scrolling; and a
runbook saved as PDF holds all of it, without the site's navigation, links printed as addresses.
The site is served from 127.0.0.1; nothing else is reached.
In CI (`CI` set) a missing Chromium fails the test; on a workstation it skips with the reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import io
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from conftest import NOW, REPO
from opsbook import urls
from opsbook.site.build import build_site

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SERVER_LIFETIME = 600  # seconds: the server stops by itself even if a test hangs

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it (apt-get install chromium)")
    pytest.skip(f"{reason}; install Debian's chromium package to run the browser tests")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@dataclasses.dataclass(frozen=True)
class Served:
    url: str        # where the site is served, ending in /
    site_dir: Path  # the built site
    published: str = ""  # its site_url: where it is published

    def pages(self) -> list[str]:
        """Every page's path below `url` ("" for the home page), in a stable order, and an address that
        does not exist: a mistyped link lands on the site's 404 page, which must be as usable."""
        folders = (path.parent.relative_to(self.site_dir) for path in self.site_dir.rglob("index.html"))
        found = sorted("" if folder == Path(".") else folder.as_posix() + "/" for folder in folders)
        return found + (["runbooks/rb-no-such-runbook/"] if (self.site_dir / "404.html").is_file() else [])


class _Pages(http.server.SimpleHTTPRequestHandler):
    """Serves a site as GitHub Pages does: below its published path (`/handbook/`), and an address that
    does not exist answers 404 with the site's 404.html (whose links are absolute, by `site_url`)."""

    prefix = "/"

    def log_message(self, *args) -> None:
        pass

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "no such page")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def _serve(site_dir: Path, published: str = "/"):
    """Serve `site_dir` on 127.0.0.1 at the path of its `published` URL while in the `with` block, which
    gets the site's URL."""
    prefix = urlsplit(published).path or "/"
    handler = functools.partial(type("Site", (_Pages,), {"prefix": prefix}), directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    timer = threading.Timer(SERVER_LIFETIME, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{prefix}"
    finally:
        timer.cancel()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    """The example handbook's site, built and served on 127.0.0.1 for the module's tests."""
    built = build_site(REPO, tmp_path_factory.mktemp("browser") / "site", NOW.isoformat())
    with _serve(built.site_dir, built.site_url) as url:
        yield Served(url, built.site_dir, built.site_url)


@pytest.fixture(scope="module")
def site_url(example_site):
    return example_site.url


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    outside: list[str] = []
    tab.on("request", lambda request: outside.append(request.url)
           if not request.url.startswith((site_url, "data:", "blob:")) else None)
    yield tab
    context.close()
    assert outside == [], "the site loaded something from outside 127.0.0.1"


@contextlib.contextmanager
def _tab(browser, **options):
    """A tab in a fresh browser context (desktop-sized unless `options` say otherwise)."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    try:
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab
    finally:
        context.close()


def test_navigation_leads_to_the_checkout_runbook(page, site_url):
    page.goto(site_url)
    assert "operations handbook" in page.title()
    page.locator("nav.md-nav--primary").get_by_role("link", name="Mass checkout failures").click()
    page.wait_for_url(site_url + urls.runbook("rb-checkout-failure"))
    assert page.locator("h1").inner_text() == "Mass checkout failures"
    assert page.get_by_role("heading", name="Quick mitigation").is_visible()
    assert page.locator(".ops-badge.ops-sev-1").first.is_visible()


def test_search_finds_the_checkout_runbook(page, site_url):
    page.goto(site_url)
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("checkout", delay=30)  # typed, as a person does: search reacts to keystrokes
    first = page.locator(".md-search-result__item > a").first
    first.wait_for(state="visible")
    assert urls.runbook("rb-checkout-failure") in first.get_attribute("href")  # the runbook ranks first
    first.click()
    page.wait_for_url(lambda url: url.split("#")[0].split("?")[0] == site_url + urls.runbook("rb-checkout-failure"))
    assert page.locator("h1").inner_text() == "Mass checkout failures"


def test_calendar_page_links_a_feed_that_parses(page, site_url):
    page.goto(site_url)
    page.locator("nav.md-nav--primary").get_by_role("link", name="Review calendar").click()
    page.wait_for_url(site_url + urls.calendar_page())
    assert page.locator("h1").inner_text().rstrip("¶") == "Review calendar"
    webcal = page.get_by_role("link", name="Subscribe in your calendar app").get_attribute("href")
    assert webcal.startswith("webcal://") and webcal.endswith(urls.feed())
    download = page.get_by_role("link", name="Download the feed")
    feed_url = download.evaluate("a => a.href")
    assert feed_url == site_url + urls.feed()
    response = page.request.get(feed_url)
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.body())
    assert calendar.name == "VCALENDAR"
    assert len(calendar.walk("VEVENT")) > 0


def test_phone_reaches_the_runbook_through_the_menu(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.goto(site_url)
        tab.locator('label.md-header__button[for="__drawer"]').click()  # the menu button
        menu = tab.locator("nav.md-nav--primary")
        menu.locator(".md-nav__container").filter(has=tab.get_by_role("link", name="Runbooks", exact=True)) \
            .locator("label").click()  # open the Runbooks section
        menu.get_by_role("link", name="Mass checkout failures").click()
        tab.wait_for_url(site_url + urls.runbook("rb-checkout-failure"))
        assert tab.get_by_role("heading", name="Quick mitigation").is_visible()
    finally:
        context.close()


# Accessibility: WCAG 2 A and AA as axe-core checks them, on every page, in both colour schemes.

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
THEME_SCHEME = {"light": "default", "dark": "slate"}  # Material's scheme that follows the reader's setting


@pytest.fixture(scope="module")
def axe():
    """axe-core (bundled by axe-playwright-python), injected into each page it checks."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        _unavailable("the axe-playwright-python package is missing")
    return Axe()


def axe_findings(axe, tab, served: Served, scheme: str, paths: list[str] | None = None) -> list[str]:
    """One line per element with a serious or critical WCAG 2 A/AA violation on any page of `served` (or
    on `paths` of it): `page (scheme): rule: element: what is wrong`."""
    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    found = []
    for path in served.pages() if paths is None else paths:
        tab.goto(served.url + path)
        for violation in axe.run(tab, options=options).response["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            for node in violation["nodes"]:
                checks = node["any"] + node["all"] + node["none"]
                why = checks[0]["message"] if checks else violation["help"]
                found.append(f"/{path} ({scheme}): {violation['id']}: {' '.join(map(str, node['target']))}: {why}")
    return found


@pytest.fixture(scope="module")
def init_site(tmp_path_factory):
    """The site of a handbook just started with `ops init`, built and served."""
    import datetime as dt

    from opsbook.adopt.starter import Settings, create

    root = tmp_path_factory.mktemp("init") / "handbook"
    create(root, Settings("Payments", "Europe/Berlin", "maya", dt.date(2026, 11, 26)))
    built = build_site(root, root / "site", NOW.isoformat())
    with _serve(built.site_dir, built.site_url) as url:
        yield Served(url, built.site_dir, built.site_url)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_of_the_example_passes_axe(browser, axe, example_site, scheme):
    with _tab(browser, color_scheme=scheme) as tab:
        findings = axe_findings(axe, tab, example_site, scheme)
        assert findings == [], "\n" + "\n".join(findings)
        assert len(example_site.pages()) >= 30
        missing = tab.goto(example_site.url + "runbooks/rb-no-such-runbook/")  # checked above, as the 404 page
        assert missing.status == 404 and "404 - Not found" in tab.inner_text("article")
        assert tab.evaluate("document.body.dataset.mdColorScheme") == THEME_SCHEME[scheme]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_of_a_new_handbook_passes_axe(browser, axe, init_site, scheme):
    with _tab(browser, color_scheme=scheme) as tab:
        findings = axe_findings(axe, tab, init_site, scheme)
        assert findings == [], "\n" + "\n".join(findings)
        assert tab.evaluate("document.body.dataset.mdColorScheme") == THEME_SCHEME[scheme]


# Charts: the example site as `ops build --prometheus` builds it (numbers and error budgets made up here,
# measured for real in tests/test_charts_budget.py), every chart checked by axe in both schemes.

def _measured():
    """A measured report with an error budget for checkout-success, as `opsbook.slo.status.collect` gives."""
    import datetime as dt

    from opsbook.slo.budget import BudgetSeries
    from opsbook.slo.status import Report, SloNumbers

    week, step = dt.timedelta(days=7), dt.timedelta(hours=1)
    points = tuple((NOW - week + step * (i + 1), 1 - 0.004 * i - (0.3 if i > 120 else 0)) for i in range(168))
    series = BudgetSeries("checkout-success", "Checkout success", NOW - week, NOW, step, points,
                          ((points[121][0], "page"),), NOW - week)
    numbers = SloNumbers("checkout-success", "Checkout success", "events", "99% good over 7d", 0.9962, 0.9962,
                         points[-1][1], ["page"], verdict="breached")
    return Report(NOW, week, "http://127.0.0.1:9090", [numbers], budgets={"checkout-success": series})


@pytest.fixture(scope="module")
def charted_site(tmp_path_factory):
    built = build_site(REPO, tmp_path_factory.mktemp("charts") / "site", NOW.isoformat(), measured=_measured())
    with _serve(built.site_dir, built.site_url) as url:
        yield Served(url, built.site_dir, built.site_url)


def _chart_pages(served: Served) -> list[str]:
    pages = {path: served.site_dir / path / "index.html" for path in served.pages() if path}
    return [path for path, page in pages.items() if page.is_file() and 'class="ops-chart"' in page.read_text("utf-8")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_chart_passes_axe_and_is_named_in_both_schemes(browser, axe, charted_site, scheme):
    paths = _chart_pages(charted_site)
    assert {"slos/", "metrics/", "team/", urls.postmortem("pm-2026-10-14-checkout-outage")} <= set(paths)
    with _tab(browser, color_scheme=scheme) as tab:
        findings = axe_findings(axe, tab, charted_site, scheme, paths)
        assert findings == [], "\n" + "\n".join(findings)
        tab.goto(charted_site.url + "slos/")
        chart = tab.get_by_role("img", name="Error budget left: Checkout success")
        assert chart.is_visible() and chart.bounding_box()["width"] > 300
        assert tab.evaluate("document.body.dataset.mdColorScheme") == THEME_SCHEME[scheme]
        # the chart's text is the page's text colour, whichever the scheme
        colours = tab.eval_on_selector("#chart-budget-checkout-success svg text", """t => [
            getComputedStyle(t).fill, getComputedStyle(document.querySelector("article")).color]""")
        assert colours[0] == colours[1], colours
    standalone = charted_site.site_dir / urls.budget_chart("checkout-success")
    assert standalone.is_file()


# The keyboard alone: a skip link first, the search box on the way, a visible focus at every stop.

KEYBOARD_PAGES = ["", "runbooks/rb-checkout-failure/", "reviews/weekly-slo-review/", "postmortems/"]
STILL = "*, *::before, *::after { transition: none !important; animation: none !important; }"  # no fades
FOCUS = """() => {
  let element = document.activeElement;
  if (!element || element === document.body) return null;
  const name = (element.innerText || element.getAttribute("aria-label") || element.placeholder || "").trim();
  // A visually hidden radio button (the colour scheme switch) shows its focus on the label beside it.
  let shown = element;
  if (element.getBoundingClientRect().width === 0 && element.nextElementSibling?.tagName === "LABEL")
    shown = element.nextElementSibling;
  const box = shown.getBoundingClientRect(), style = getComputedStyle(shown);
  return {
    element: `${element.tagName.toLowerCase()}.${[...element.classList].join(".")} "${name.split("\\n")[0].slice(0, 40)}"`,
    seen: box.width > 0 && box.height > 0 && style.visibility === "visible" && style.opacity !== "0",
    ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    inContent: element.closest(".md-content") !== null,
    search: element.matches("input.md-search__input"),
  };
}"""


def _tab_through(tab, limit: int = 400) -> list[dict]:
    """Every stop of Tab from the top of the page until focus leaves the page."""
    stops = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        stop = tab.evaluate(FOCUS)
        if stop is None or (stops and stop["element"] == stops[0]["element"]):
            return stops
        stops.append(stop)
    raise AssertionError(f"Tab did not leave the page after {limit} stops")


def test_the_keyboard_reaches_every_stop_with_a_visible_focus(browser, example_site):
    with _tab(browser) as tab:
        for path in KEYBOARD_PAGES:
            tab.goto(example_site.url + path)
            tab.add_style_tag(content=STILL)
            stops = _tab_through(tab)
            assert stops[0]["element"] == 'a.md-skip.focus-visible "Skip to content"', path
            assert any(stop["search"] for stop in stops[:5]), f"/{path}: the search box is not among the first stops"
            assert any(stop["inContent"] for stop in stops), f"/{path}: Tab never reaches the page's content"
            unseen = [f"/{path}: {stop['element']}" for stop in stops if not (stop["seen"] and stop["ring"])]
            assert unseen == [], "focus not visible at:\n" + "\n".join(unseen)


def test_the_skip_link_jumps_to_the_content(browser, example_site):
    with _tab(browser) as tab:
        tab.goto(example_site.url + "runbooks/rb-checkout-failure/")
        tab.keyboard.press("Tab")
        tab.keyboard.press("Enter")
        tab.keyboard.press("Tab")
        assert tab.evaluate(FOCUS)["inContent"], "the Tab after the skip link is not in the content"


def _tab_to_search(tab) -> None:
    """Press Tab from the top of the page until the search box has the focus: five presses at most."""
    for _ in range(5):
        tab.keyboard.press("Tab")
        if tab.evaluate(FOCUS)["search"]:
            return
    raise AssertionError("five Tabs did not reach the search box")


def test_search_by_keyboard_alone(browser, example_site):
    with _tab(browser) as tab:
        tab.goto(example_site.url)
        _tab_to_search(tab)
        tab.keyboard.type("checkout", delay=30)
        tab.locator(".md-search-result__item").first.wait_for(state="visible")
        tab.keyboard.press("ArrowDown")  # the first result
        tab.keyboard.press("Enter")
        tab.wait_for_url(lambda url: url.split("#")[0].split("?")[0] ==
                         example_site.url + urls.runbook("rb-checkout-failure"))


# A phone's width: nothing needs sideways scrolling but a wide table (or code) inside its own frame.

SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    // Reachable without moving the page if a scrolling frame that fits on the screen holds it.
    let frame = element.parentElement;
    while (frame && frame !== document.body &&
           (getComputedStyle(frame).overflowX === "visible" || frame.getBoundingClientRect().right > width + 1))
      frame = frame.parentElement;
    const text = element.textContent.trim().slice(0, 30);
    if (!frame || frame === document.body)
      found.push(`${element.tagName.toLowerCase()} "${text}" ends at ${Math.round(box.right)} px`);
    else if (!frame.closest(".md-typeset__scrollwrap, pre"))
      found.push(`${element.tagName.toLowerCase()} "${text}" scrolls inside ${frame.className}`);
  }
  if (document.documentElement.scrollWidth > width) found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  return [...new Set(found)];
}"""


def test_no_page_scrolls_sideways_on_a_phone(browser, example_site):
    with _tab(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True) as tab:
        found = []
        for path in example_site.pages():
            tab.goto(example_site.url + path)
            found += [f"/{path}: {problem}" for problem in tab.evaluate(SIDEWAYS)]
        assert found == [], "\n" + "\n".join(found)
        # The check sees what it looks for: something wider than the screen in the running text.
        tab.evaluate("""document.querySelector("article").insertAdjacentHTML("beforeend", '<p style="width: 500px">Too wide</p>')""")
        assert 'p "Too wide" ends at 516 px' in tab.evaluate(SIDEWAYS)


# Print: a runbook saved as PDF by Chromium holds the whole page, without the site around it.

A4_MARGIN = {side: "15mm" for side in ("top", "right", "bottom", "left")}
A4_TEXT_WIDTH = 680  # CSS pixels between those margins: (210 mm - 30 mm) at 96 px per inch
ADDRESS = re.compile(r"<(?:https?|mailto):[^<>]*>")
BEYOND_PAPER = f"""() => [...document.querySelectorAll("article *")]
    .filter(e => e.getBoundingClientRect().right > {A4_TEXT_WIDTH} + 1)
    .map(e => 'wider than the paper: ' + e.tagName.toLowerCase() + ' "' + e.textContent.trim().slice(0, 40) + '"')"""


def _squeezed(text: str) -> str:
    """Text without whitespace: a PDF breaks lines, and words inside addresses, where it likes."""
    return re.sub(r"\s+", "", text)


def _printed(tab, pypdf) -> str:
    """The page as Chromium saves it as an A4 PDF: its text, squeezed."""
    pdf = tab.pdf(format="A4", margin=A4_MARGIN)
    return _squeezed(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def _in_order(words: list[str], text: str) -> bool:
    """Whether the words occur in `text` in this order (other text may come between them: a PDF may
    hold a block broken across two pages with the first page's last lines after it)."""
    position = 0
    for word in words:
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


def _print_problems(tab, printed: str, served: Served) -> list[str]:
    """What of the page (in print media) is not in the PDF, or would be cut at the paper's edge."""
    tab.emulate_media(media="print")
    try:
        shown = "article :is(h1, h2, h3, p, li, th, td)"
        blocks = tab.eval_on_selector_all(shown, "all => all.filter(e => e.checkVisibility()).map(e => e.innerText)")
        text = ADDRESS.sub("", printed)
        problems = [f"not in the PDF: {block}" for block in blocks if not _in_order(block.split(), text)]
        # every link but those within the page and the tags (labels at the top, not references)
        links = tab.eval_on_selector_all("article a[href]:not([href^='#']):not(.md-tag)", """links => links
            .filter(link => link.checkVisibility()).map(link => link.href)""")
        addresses = [served.published + href.removeprefix(served.url) if href.startswith(served.url) else href
                     for href in links]  # a link to another page of the site: where it is published
        problems += [f"printed without its address: {address}" for address in addresses
                     if _squeezed(f"<{address}>") not in printed]
        problems += tab.evaluate(BEYOND_PAPER)
        problems += [f"badge printed in {colour}, not black: backgrounds do not print" for colour in
                     tab.eval_on_selector_all(".ops-badge", "all => all.map(b => getComputedStyle(b).color)")
                     if colour != "rgb(0, 0, 0)"][:1]
        return problems
    finally:
        tab.emulate_media(media="null")  # page.pdf() would print the screen media after "screen"


def test_every_runbook_prints_whole_for_a_war_room(browser, example_site):
    try:
        import pypdf
    except ImportError:
        _unavailable("the pypdf package is missing")
    with _tab(browser, viewport={"width": A4_TEXT_WIDTH, "height": 900}) as tab:
        found = []
        for path in example_site.pages():
            tab.goto(example_site.url + path)
            if path.startswith("runbooks/rb-"):
                found += [f"/{path}: {problem}" for problem in _print_problems(tab, _printed(tab, pypdf), example_site)]
            else:  # the other pages fit on the paper too, if one is ever printed
                tab.emulate_media(media="print")
                found += [f"/{path}: {problem}" for problem in tab.evaluate(BEYOND_PAPER)]
                tab.emulate_media(media="null")
        assert found == [], "\n" + "\n".join(found)

        tab.goto(example_site.url + urls.runbook("rb-mcp-not-responding"))
        printed = _printed(tab, pypdf)
        for elsewhere in ("Skip to content", "Mass checkout failures", "Review calendar", "Made with"):
            assert _squeezed(elsewhere) not in printed, f"{elsewhere!r}: the site's navigation was printed"
        for expected in ("Severity", "Owners", "Last reviewed", "Maya Lindqvist",  # the metadata header
                         "1. Acknowledge the page", "4. Turn on the fallback",  # the steps, numbered
                         "MCP error rate dashboard <https://grafana.giftgenius.example/d/mcp-errors>",
                         "MCP availability <https://giftgenius.github.io/handbook/slos/#mcp-availability>"):
            assert _squeezed(expected) in printed, expected


# The preview's banner while a rebuild fails (`ops serve`, `opsbook.site.preview`): seen at the top of
# the page, announced, and as accessible as the rest, in both colour schemes.

@contextlib.contextmanager
def _serve_through_preview(site_dir: Path, errors: tuple[str, ...]):
    """`site_dir` served by a plain WSGI file server wrapped in the preview's banner middleware."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from opsbook.site.preview import LastGood

    def files(environ, start_response):
        path = site_dir / environ["PATH_INFO"].lstrip("/")
        path = path / "index.html" if path.is_dir() else path
        if not path.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        kind = "text/html" if path.suffix == ".html" else "text/css" if path.suffix == ".css" else \
            "application/javascript" if path.suffix == ".js" else "application/octet-stream"
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(path.stat().st_size))])
        return [path.read_bytes()]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    state = LastGood()
    state.errors = errors
    server = make_server("127.0.0.1", 0, state.middleware(files), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_previews_error_banner_is_seen_first_and_passes_axe(browser, axe, example_site, scheme):
    error = ("opsbook: runbooks/rb-checkout-failure.md:32:17: owners[1]: refers to unknown person 'nobody' "
             "(expected a person id defined in ops/team.yaml (people))")
    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    with _serve_through_preview(example_site.site_dir, (error,)) as url, _tab(browser, color_scheme=scheme) as tab:
        found = []
        for path in ("", urls.runbook("rb-checkout-failure")):
            tab.goto(url + path)
            banner = tab.get_by_role("alert")
            assert banner.is_visible() and error in banner.inner_text()
            assert banner.bounding_box()["y"] == 0  # above the site's header, not under it
            found += [f"/{path} ({scheme}): {violation['id']}: {node['target']}"
                      for violation in axe.run(tab, options=options).response["violations"]
                      if violation["impact"] in BLOCKING for node in violation["nodes"]]
        assert found == [], "\n" + "\n".join(found)


def test_a_postmortem_prints_its_timeline_within_the_page(browser, example_site):
    try:
        import pypdf
    except ImportError:
        _unavailable("the pypdf package is missing")
    with _tab(browser, viewport={"width": A4_TEXT_WIDTH, "height": 900}) as tab:
        tab.goto(example_site.url + urls.postmortem("pm-2026-06-16-llm-cost-search-loop"))
        printed = _printed(tab, pypdf)
        tab.emulate_media(media="print")
        box = tab.locator("figure.ops-chart svg").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= A4_TEXT_WIDTH + 1, box
        assert box["width"] > A4_TEXT_WIDTH * 0.8  # as wide as the text, not shrunk to a stamp
        assert tab.evaluate(BEYOND_PAPER) == []
        tab.emulate_media(media="null")
    for words in ("time taken", "acknowledge", "15h45m missed, target 30m", "Time from the incident's start"):
        assert _squeezed(words) in printed, words  # the chart's text is on paper, not cut off
