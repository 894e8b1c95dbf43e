"""The published site: the example handbook built with the real MkDocs and plugin into a temp folder.

Generated pages are compared with golden files in tests/golden/site/ (regenerate them with
UPDATE_GOLDEN=1 after an intended change, and read the diff before committing).
"""

from __future__ import annotations

import html.parser
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from conftest import NOW, REPO, ops, site_copy
from opsbook import urls
from opsbook.validation import load_handbook
from opsbook.problems import OpsbookError
from opsbook.site import adapter, decorate, layout, pages
from opsbook.site.build import build_site

GOLDEN = Path(__file__).parent / "golden" / "site"
AS_OF = NOW.isoformat()
CHECKOUT = "rb-checkout-failure"
CHECKOUT_OUTAGE = "pm-2026-10-14-checkout-outage"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The repository's own handbook, built as `ops build` builds it."""
    return build_site(REPO, tmp_path_factory.mktemp("site") / "site", AS_OF)


def golden_name(src: str) -> str:
    return src.replace("/", "-")


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("src", [layout.HOME, layout.RUNBOOKS, layout.POSTMORTEMS, layout.METRICS, layout.SLOS,
                                 layout.SEVERITY, layout.TEAM, layout.SECRETS, layout.CALENDAR,
                                 layout.cadence("weekly-slo-review")])
def test_generated_page_matches_golden(built, src):
    check_golden(golden_name(src), built.generated[src])


def test_decorated_runbook_and_postmortem_match_golden():
    handbook = load_handbook(REPO, NOW)
    today = pages.local_today(handbook, NOW)
    runbook = handbook.runbooks[CHECKOUT]
    decorated = decorate.runbook_page(handbook, runbook, runbook.body, today)
    check_golden(f"runbook-{CHECKOUT}.md", decorated.fill(decorated.markdown))
    pm = handbook.postmortems[CHECKOUT_OUTAGE]
    decorated = decorate.postmortem_page(handbook, pm, pm.body, today)
    check_golden(f"postmortem-{CHECKOUT_OUTAGE}.md", decorated.fill(decorated.markdown))


def test_every_handbook_page_is_published_where_urls_says(built):
    handbook = load_handbook(REPO, NOW)
    expected = [urls.runbook(i) for i in handbook.runbooks] + [urls.postmortem(i) for i in handbook.postmortems]
    expected += [urls.cadence(i) for i in handbook.cadences] + [urls.calendar_page()]
    expected += [layout.url_of(page.path) for page in handbook.pages]
    for path in expected:
        assert (built.site_dir / path / "index.html").is_file(), path
    assert layout.url_of(layout.runbook(CHECKOUT)) == urls.runbook(CHECKOUT)
    assert layout.url_of(layout.CALENDAR) == urls.calendar_page()


@pytest.mark.parametrize("here, there, expected", [
    ("postmortems/pm-a.md", "runbooks/rb-b.md", "../../runbooks/rb-b/"),
    ("index.md", "runbooks/rb-b.md", "runbooks/rb-b/"),
    ("postmortems/pm-a.md", "index.md", "../../"),
    ("postmortems/index.md", "postmortems/pm-a.md", "pm-a/"),
    ("reviews/weekly.md", "reviews/index.md", "../"),
    ("reviews/index.md", "feeds/handbook.ics", "../feeds/handbook.ics"),
])
def test_html_links_are_relative_to_the_page_url(here, there, expected):
    assert layout.href(here, there) == expected


def test_runbook_page_has_metadata_cross_links_and_an_edit_link(built):
    page = (built.site_dir / urls.runbook(CHECKOUT) / "index.html").read_text(encoding="utf-8")
    assert "https://github.com/giftgenius/handbook/edit/main/runbooks/rb-checkout-failure.md" in page
    assert 'class="ops-badge ops-sev-1">SEV-1<' in page
    assert 'href="../../assets/opsbook/opsbook.css"' in page  # the badges' colours, shipped by the plugin
    assert ".ops-sev-1" in (built.site_dir / "assets" / "opsbook" / "opsbook.css").read_text(encoding="utf-8")
    assert "Priya Raman, Maya Lindqvist" in page
    assert "Quick mitigation" in page and "User-facing messages" in page
    assert f'href="../../{urls.postmortem(CHECKOUT_OUTAGE)}"' in page  # the incident that used it
    assert 'href="../../slos/#checkout-success"' in page


def test_postmortem_page_links_its_runbook_slos_and_issues(built):
    page = (built.site_dir / urls.postmortem(CHECKOUT_OUTAGE) / "index.html").read_text(encoding="utf-8")
    assert f'href="../../{urls.runbook(CHECKOUT)}"' in page
    assert 'href="../../slos/#checkout-success"' in page
    assert 'href="https://github.com/giftgenius/handbook/issues/42"' in page
    assert "edit/main/postmortems/pm-2026-10-14-checkout-outage.md" in page


class _Outline(html.parser.HTMLParser):
    """The ids of a page's h2/h3 headings (inside the article) and the links of its table of contents."""

    def __init__(self):
        super().__init__()
        self.headings: list[str] = []
        self.toc: list[str] = []
        self._in_toc = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "md-nav--secondary" in (attrs.get("class") or ""):
            self._in_toc = True
        elif tag in ("h2", "h3") and attrs.get("id"):
            self.headings.append(attrs["id"])
        elif tag == "a" and self._in_toc and "md-nav__link" in (attrs.get("class") or ""):
            self.toc.append(attrs["href"].removeprefix("#"))

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_toc = False


@pytest.mark.parametrize("url, added", [(urls.runbook(CHECKOUT), "incidents-that-used-this-runbook"),
                                        (urls.postmortem(CHECKOUT_OUTAGE), "tracked-action-items")])
def test_every_heading_of_a_decorated_page_is_in_its_table_of_contents(built, url, added):
    text = (built.site_dir / url / "index.html").read_text(encoding="utf-8")
    outline = _Outline()
    outline.feed(text)
    assert outline.headings[-1] == added and len(outline.headings) > 3
    assert outline.toc[:len(outline.headings)] == outline.headings  # same order (Material repeats the toc)
    assert f'<a class="headerlink" href="#{added}" title="Permanent link">&para;</a></h2>' in text


def test_slo_page_lists_its_runbooks_and_incidents(built):
    page = (built.site_dir / "slos" / "index.html").read_text(encoding="utf-8")
    section = page[page.index('id="checkout-success"'):]
    section = section[:section.index("<h2", 10)] if "<h2" in section[10:] else section
    assert f'href="../{urls.runbook(CHECKOUT)}"' in section
    assert f'href="../{urls.postmortem(CHECKOUT_OUTAGE)}"' in section


def test_generated_pages_have_no_edit_link(built):
    for path in ("index.html", "runbooks/index.html", "reviews/index.html", "metrics/index.html"):
        assert "/edit/main/" not in (built.site_dir / path).read_text(encoding="utf-8"), path


def test_feeds_are_in_the_site_and_parse(built):
    data = (built.site_dir / urls.feed()).read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar.name == "VCALENDAR"
    assert any(event.get("UID", "").startswith("weekly-slo-review/") for event in calendar.walk("VEVENT"))
    assert urls.feed() in built.feeds
    assert (built.site_dir / urls.owner_feed("maya")).is_file()
    page = (built.site_dir / "reviews" / "index.html").read_text(encoding="utf-8")
    assert 'href="webcal://giftgenius.github.io/handbook/feeds/handbook.ics"' in page
    assert 'href="https://giftgenius.github.io/handbook/feeds/handbook.ics"' in page
    assert 'href="../feeds/handbook.ics"' in page


class _Resources(html.parser.HTMLParser):
    """Every URL a browser would load while showing the page (not links people may follow)."""

    LOADING_RELS = {"stylesheet", "preload", "modulepreload", "preconnect", "dns-prefetch", "prefetch", "icon",
                    "manifest", "apple-touch-icon"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and self.LOADING_RELS & set((attrs.get("rel") or "").split()):
            self.urls.append(attrs.get("href") or "")
        if tag == "object" and attrs.get("data"):
            self.urls.append(attrs["data"])


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and (href := dict(attrs).get("href")):
            self.hrefs.append(href)


def test_every_link_inside_the_site_resolves(built):
    """Covers the links of the HTML fragments too, which MkDocs' own link check does not see."""
    broken = []
    for page in built.site_dir.rglob("*.html"):
        if page.name == "404.html":
            continue  # served at any depth, so MkDocs gives it links from the site's root
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / parts.path).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(built.site_dir)}: {href}")
    assert broken == []


def test_nothing_is_loaded_from_the_internet(built):
    external = []
    for page in built.site_dir.rglob("*.html"):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        external += [f"{page.relative_to(built.site_dir)}: {u}" for u in parser.urls if urlsplit(u).netloc]
        assert "data-md-component=\"source\"" not in page.read_text(encoding="utf-8")  # no GitHub API call
    css = "\n".join(p.read_text(encoding="utf-8") for p in built.site_dir.rglob("*.css"))
    external += re.findall(r"@import\s+url\([\"']?https?://[^)]*\)", css)
    assert external == []
    assert len(list(built.site_dir.rglob("*.html"))) > 20


def test_navigation_leads_to_every_runbook():
    handbook = load_handbook(REPO, NOW)
    nav = pages.navigation(handbook)
    runbooks = next(section["Runbooks"] for section in nav if "Runbooks" in section)
    assert runbooks[0] == layout.RUNBOOKS
    assert {"Mass checkout failures": layout.runbook(CHECKOUT)} in runbooks
    assert len(runbooks) == len(handbook.runbooks) + 1


def test_handbook_error_fails_the_build_with_file_and_line_and_keeps_the_old_site(handbook_copy, caplog):
    root = site_copy(handbook_copy)
    site_dir = root / "site"
    build_site(root, site_dir, AS_OF)
    path = root / "runbooks" / "rb-checkout-failure.md"
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index("owners: [priya, maya]") + 1
    path.write_text(text.replace("owners: [priya, maya]", "owners: [priya, nobody]"), encoding="utf-8")
    messages: list[str] = []
    with pytest.raises(OpsbookError, match="the handbook .* has 1 error"):
        build_site(root, site_dir, AS_OF, messages)
    assert any(m.startswith("ERROR - ") and f"runbooks/rb-checkout-failure.md:{line}:" in m and "'nobody'" in m
               for m in messages), messages
    assert (site_dir / urls.runbook(CHECKOUT) / "index.html").is_file()  # the last good site stays
    assert [p.name for p in root.iterdir() if p.name.startswith(".site.")] == []  # no staging left behind


def test_warnings_are_quiet_unless_fail_on_warnings(handbook_copy):
    root = site_copy(handbook_copy)
    later = "2027-09-01"  # every runbook is past its review date by then
    built = build_site(root, root / "site", later)
    assert "**review due**" in built.generated[layout.RUNBOOKS]
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  - opsbook\n", "  - opsbook:\n      fail_on_warnings: true\n"),
                                     encoding="utf-8")
    messages: list[str] = []
    with pytest.raises(OpsbookError, match="strict mode"):
        build_site(root, root / "site", later, messages)
    assert any("runbooks/rb-checkout-failure.md" in m and "due for review" in m for m in messages)


def test_ops_build_command(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "out"), "--as-of", "2026-11-26")
    assert result.returncode == 0, result.stderr
    assert f"✓ site: {tmp_path / 'out'}" in result.stdout
    assert f"✓ feed: {tmp_path / 'out' / 'feeds' / 'handbook.ics'}" in result.stdout
    assert "webcal://giftgenius.github.io/handbook/feeds/handbook.ics" in result.stdout
    assert (tmp_path / "out" / "index.html").is_file()


def test_ops_build_publishes_the_status_page_where_its_url_says(handbook_copy, tmp_path):
    import icalendar

    root = site_copy(handbook_copy)
    out = tmp_path / "out"

    def build() -> subprocess.CompletedProcess:
        result = ops("build", "--root", str(root), "--site-dir", str(out), "--as-of", "2026-11-26")
        assert result.returncode == 0, result.stderr
        return result

    def sequence() -> int:
        events = icalendar.Calendar.from_ical((out / "status" / "maintenance.ics").read_bytes()).walk("VEVENT")
        return next(int(event["SEQUENCE"]) for event in events
                    if str(event["UID"]).startswith("maintenance/checkout-stripe-api-2026-12@"))

    # By default status.url is status/ under site_url: the page is inside the site, so publishing the
    # site (the Publish workflow uploads that one folder) publishes it at the URL the build prints.
    result = build()
    assert (out / "status" / "index.html").is_file() and (out / "status" / "feed.atom").is_file()
    assert not (tmp_path / "status-site").exists()
    assert ("  published with the site at https://giftgenius.github.io/handbook/status/; feeds: feed.atom, "
            "components/<id>.atom, maintenance.ics") in result.stdout.splitlines()
    assert sequence() == 0
    # A rebuild replaces the whole site, yet a moved maintenance window still raises its SEQUENCE.
    windows = root / "ops" / "maintenance.yaml"
    windows.write_text(windows.read_text().replace("2026-12-08T06:", "2026-12-09T06:"), encoding="utf-8")
    build()
    assert sequence() == 1

    # A status page on a domain of its own is written beside the site, to be published there.
    config = root / "opsbook.yaml"
    config.write_text(config.read_text().replace("  name: GiftGenius status",
                                                 "  name: GiftGenius status\n  url: https://status.giftgenius.example/"),
                      encoding="utf-8")
    result = build()
    assert not (out / "status").exists() and (tmp_path / "status-site" / "index.html").is_file()
    assert "  publish it at https://status.giftgenius.example/; feeds: feed.atom, components/<id>.atom, " \
           "maintenance.ics" in result.stdout.splitlines()


def test_a_page_of_the_teams_own_in_docs_is_built_and_in_the_navigation(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    (root / "docs" / "vendors").mkdir(parents=True)
    (root / "docs" / "vendors" / "index.md").write_text("# Vendor contacts\n\nStripe, OpenAI.\n", encoding="utf-8")
    (root / "docs" / "glossary.md").write_text("# Glossary\n\nMCP: the app's server.\n", encoding="utf-8")
    (root / "docs" / ".draft.md").write_text("# Not yet\n", encoding="utf-8")

    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "out"), "--as-of", "2026-11-26")

    assert result.returncode == 0, result.stderr  # before, the strict build failed: "not included in the nav"
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="glossary/"[^>]*>\s*(<[^>]+>\s*)*Glossary', home)
    assert re.search(r'href="vendors/"[^>]*>\s*(<[^>]+>\s*)*Vendor contacts', home)
    assert not (tmp_path / "out" / ".draft").exists() and "Not yet" not in home


def test_ops_build_refuses_a_status_page_over_the_sites_own_pages(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    (root / "docs" / "status").mkdir(parents=True)
    (root / "docs" / "status" / "index.md").write_text("# Our status process\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept.txt").write_text("the last good site", encoding="utf-8")

    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "out"), "--as-of", "2026-11-26")

    assert result.returncode == 1
    assert "the site already has pages at status/, where the status page goes" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["kept.txt"]  # the old site stays
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left behind


def test_ops_build_reports_problems_like_validate_and_builds_nothing(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    path = root / "postmortems" / f"{CHECKOUT_OUTAGE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("severity: SEV-1", "severity: SEV-9"), encoding="utf-8")
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "out"), "--as-of", "2026-11-26")
    assert result.returncode == 1
    assert f"postmortems/{CHECKOUT_OUTAGE}.md:5" in result.stderr and "severity" in result.stderr
    assert "the site was not built" in result.stderr
    assert not (tmp_path / "out").exists()


def test_ops_build_without_mkdocs_yml_is_a_usage_error(handbook_copy):
    result = ops("build", "--root", str(handbook_copy), "--as-of", "2026-11-26")
    assert result.returncode == 2
    assert "mkdocs.yml: not found" in result.stderr


def test_pages_handed_over_from_the_loaded_handbook_build_as_mkdocs_reads_them(handbook_copy, tmp_path, monkeypatch):
    """The plugin hands MkDocs each runbook's and post-mortem's body and frontmatter as the handbook loaded
    them (MkDocs would read and parse them again); the site must be the one MkDocs' own reading gives,
    also for Windows line endings and a body whose first line looks like MultiMarkdown meta."""
    root = site_copy(handbook_copy)
    outage = root / "postmortems" / f"{CHECKOUT_OUTAGE}.md"
    outage.write_bytes(outage.read_bytes().replace(b"\n", b"\r\n"))
    runbook = root / "runbooks" / f"{CHECKOUT}.md"
    head, fence, body = runbook.read_text(encoding="utf-8").partition("\n---\n")
    runbook.write_text(head + fence + "Note: read this first.\n\n" + body, encoding="utf-8")
    build_site(root, tmp_path / "handed-over", AS_OF)
    monkeypatch.setattr(adapter, "read_source", lambda site, page: None)
    build_site(root, tmp_path / "read-by-mkdocs", AS_OF)
    compared = 0
    for path in sorted((tmp_path / "read-by-mkdocs").rglob("*")):
        if path.is_file() and path.suffix != ".gz":  # sitemap.xml.gz carries a timestamp of its own
            twin = tmp_path / "handed-over" / path.relative_to(tmp_path / "read-by-mkdocs")
            assert twin.read_bytes() == path.read_bytes(), path
            compared += 1
    assert compared > 50
    page = (tmp_path / "handed-over" / urls.runbook(CHECKOUT) / "index.html").read_text(encoding="utf-8")
    assert "<p>Note: read this first.</p>" in page


def test_the_review_page_shows_who_stands_in_for_an_owner_away():
    from opsbook.site.reviews import cadence_page

    handbook = load_handbook(REPO, NOW)
    page = cadence_page(handbook, handbook.cadences["monthly-cost-review"], NOW, feeds=()).splitlines()
    assert "- **Owner:** Priya Raman (fallback: Maya Lindqvist)" in page
    assert "| Wed 2026-12-30 15:00 CET | 2026-12 | Maya Lindqvist | standing in for Priya Raman (away) |" in page


def test_a_big_organisations_long_lists_are_cut_and_every_full_listing_link_resolves(tmp_path, monkeypatch):
    """Post-mortems, open action items, secrets, runbooks, missed targets and upcoming reviews over 50 rows:
    the pages show 50 with counts and links to per-year, per-month, per-category and per-service listings;
    the site builds with --strict and every link resolves."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from synthetic import _runbook, make_organisation

    from opsbook.site import listings
    from opsbook.site.listings import SHOWN

    # A year with more than YEAR_ROWS incidents (500) gets a page per month; 160 incidents over three
    # years stand in for 10,000 with a lower threshold.
    monkeypatch.setattr(listings, "YEAR_ROWS", 40)

    root = make_organisation(tmp_path / "org", people=40, rotations=4, cadences=32, secrets=120, runbooks=3,
                             postmortems=160, backlog=1.0)
    for index in range(3, 60):  # runbooks no incident used, so that the index is long too
        (root / "runbooks" / f"rb-synthetic-{index:05d}.md").write_text(_runbook(index), encoding="utf-8")
    site_copy(root)
    built = build_site(root, tmp_path / "site", AS_OF)
    pages = built.generated
    index = pages["postmortems/index.md"]
    assert "Showing the first 50 of 160 incidents. The full list: [2026](by-year/2026.md) · [2025](by-year/2025.md)" in index
    assert index.count("<tr><td>") == SHOWN
    years = [pages[f"postmortems/by-year/{year}.md"] for year in (2024, 2025, 2026)]
    assert [year.count("<tr><td>") for year in years] == [SHOWN, SHOWN, 39]  # 2026 is not busy: whole
    assert "| [2025-03](../by-month/2025-03.md) | " in years[1] and "incidents of 2025. The full list: [2025-12]" in years[1]
    months = [src for src in pages if src.startswith("postmortems/by-month/")]
    assert len(months) == 24 and sum(pages[src].count("<tr><td>") for src in months) == 160 - 39
    home = pages["index.md"]
    assert ("Showing the first 50 of 160 open action items, the longest overdue first. The full list: "
            "[Open action items](action-items.md).") in home
    items = pages["action-items.md"]
    assert items.startswith("# Open action items\n\n160 open, ") and "[2024](action-items/2024.md)" in items
    secrets = pages["secrets.md"]
    assert "120 secrets: " in secrets and "[Checkout (ACP backend)](secrets/checkout.md)" in secrets
    assert secrets.count("| `SYNTHETIC_SECRET_") == SHOWN
    assert pages["secrets/checkout.md"].count("| `SYNTHETIC_SECRET_") == 20
    runbook = (built.site_dir / "runbooks" / "rb-synthetic-00000" / "index.html").read_text(encoding="utf-8")
    assert "The 50 most recent of 54; the others are in the" in runbook
    slos = pages["slos.md"]
    assert "and 20 more in the [post-mortem index](postmortems/index.md)" in slos
    runbooks = pages["runbooks/index.md"]
    assert ("Showing the first 50 of 60 runbooks, the most severe first. The full list: "
            "[Availability](by-category/availability.md) · [Latency](by-category/latency.md) · "
            "[Quality](by-category/quality.md) · [Cost](by-category/cost.md).") in runbooks
    assert "15 runbooks, 0 due for review: [all latency runbooks](by-category/latency.md)" in runbooks
    assert runbooks.count("| [Synthetic runbook ") == SHOWN
    assert sum(pages[f"runbooks/by-category/{c}.md"].count("| [Synthetic runbook ")
               for c in ("availability", "latency", "quality", "cost")) == 60
    metrics = pages["metrics.md"]
    breaches = metrics.split("## Breaches")[1].split("## Action items")[0]
    assert "Showing the first 50 of " in breaches and "[2024](postmortems/by-year/2024.md)" in breaches
    assert breaches.count("\n- [pm-synthetic-") == SHOWN
    assert "overdue action items, the longest overdue first. The full list: [Open action items](action-items.md)." in metrics
    assert metrics.count("| [pm-synthetic-") == SHOWN
    calendar = pages["reviews/index.md"]
    assert "Showing the first 50 of " in calendar and "| Week | Reviews |" in calendar
    upcoming = calendar.split("## Next 28 days")[1].split("## Cadences")[0]
    assert upcoming.count(" | [Review ") == SHOWN
    assert calendar.split("## Cadences")[1].count("| [Review ") == 32  # every review's page stays linked
    broken = []
    for page in built.site_dir.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            parts = urlsplit(href)
            if page.name == "404.html" or parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / parts.path).resolve()
            if not (target / "index.html" if target.is_dir() else target).is_file():
                broken.append(f"{page.relative_to(built.site_dir)}: {href}")
    assert broken == []


def test_the_link_check_knows_every_generated_page_inside_the_content_folders(monkeypatch):
    """`ops validate` leaves links to the site's generated listings to MkDocs; its list of their folders
    must cover every page the site generates inside runbooks/ and postmortems/, with every listing on."""
    from opsbook.handbook.links import GENERATED_SUBFOLDERS
    from opsbook.validation import load_handbook
    from opsbook.site import listings, pages

    monkeypatch.setattr(listings, "SHOWN", 0)     # every index too long: a page per category and year
    monkeypatch.setattr(listings, "YEAR_ROWS", 0)  # every year busy: a page per month
    sources = pages.generated_sources(load_handbook(REPO, NOW))
    inside = [src for src in sources if src.startswith(("runbooks/", "postmortems/")) and "/" in src.split("/", 1)[1]]
    assert {src.rsplit("/", 1)[0] + "/" for src in inside} == set(GENERATED_SUBFOLDERS)


def _sequences(path: Path, uid_prefix: str) -> dict[str, int]:
    """The SEQUENCE number of each event in the calendar at `path` whose UID starts with `uid_prefix`."""
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    return {str(event["UID"]): int(event.get("SEQUENCE", 0)) for event in events
            if str(event["UID"]).startswith(uid_prefix)}


def test_a_build_from_a_fresh_checkout_carries_the_published_sequence_numbers_over(handbook_copy, tmp_path):
    """The Publish workflow builds in a new checkout, with no site folder: `--carry-over` fetches what is
    published, so an event that moved gets a higher SEQUENCE than subscribers have, as a local build does."""
    from test_browser import _serve

    root = site_copy(handbook_copy)
    published = tmp_path / "published"
    published.mkdir()
    config = root / "opsbook.yaml"

    def build(out: Path, *args: str) -> subprocess.CompletedProcess:
        result = ops("build", "--root", str(root), "--site-dir", str(out), "--as-of", "2026-11-26", *args)
        assert result.returncode == 0, result.stderr
        return result

    with _serve(published, "http://127.0.0.1/handbook/") as url:
        config.write_text(config.read_text().replace("https://giftgenius.github.io/handbook/", url), encoding="utf-8")
        build(published)
        cadence, windows = root / "calendar" / "weekly-slo-review.yaml", root / "ops" / "maintenance.yaml"
        cadence.write_text(cadence.read_text().replace('time: "10:00"', 'time: "11:00"'), encoding="utf-8")
        windows.write_text(windows.read_text().replace("2026-12-08T06:", "2026-12-09T06:"), encoding="utf-8")

        carried = build(tmp_path / "checkout" / "site", "--carry-over")
        alone = build(tmp_path / "without" / "site")

    assert re.search(rf"^✓ carried over \d+ published calendars from {re.escape(url)}$", carried.stdout, re.M)
    assert "carried over" not in alone.stdout
    site, bare = tmp_path / "checkout" / "site", tmp_path / "without" / "site"
    for feed, prefix in (("feeds/handbook.ics", "weekly-slo-review/"),
                         ("status/maintenance.ics", "maintenance/checkout-stripe-api-2026-12@")):
        before = _sequences(published / feed, prefix)
        assert before and _sequences(site / feed, prefix) == {uid: n + 1 for uid, n in before.items()}, feed
        assert _sequences(bare / feed, prefix) == before, feed  # without the published files: as if new


def test_carry_over_from_a_site_that_cannot_be_reached_still_builds_and_says_so(handbook_copy, tmp_path):
    from prometheus_server import free_port

    root = site_copy(handbook_copy)
    config = root / "opsbook.yaml"
    url = f"http://127.0.0.1:{free_port()}/handbook/"
    config.write_text(config.read_text().replace("https://giftgenius.github.io/handbook/", url), encoding="utf-8")

    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", "2026-11-26",
                 "--carry-over")

    assert result.returncode == 0, result.stderr
    assert (f"! nothing more carried over: {url} could not be reached ([Errno 111] Connection refused); changed "
            "events start again at SEQUENCE 0") in result.stderr.splitlines()
    assert (tmp_path / "site" / "feeds" / "handbook.ics").is_file()


def test_carry_over_skips_the_placeholder_site_url_of_a_new_handbook(handbook_copy, tmp_path):
    """`ops init` writes YOUR-ORG.github.io: someone else's Pages, perhaps; never fetch from it."""
    root = site_copy(handbook_copy)
    config = root / "opsbook.yaml"
    config.write_text(config.read_text().replace("https://giftgenius.github.io/handbook/",
                                                 "https://YOUR-ORG.github.io/YOUR-REPO/"), encoding="utf-8")
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", "2026-11-26",
                 "--carry-over")
    assert result.returncode == 0, result.stderr
    assert "! nothing carried over: site_url is still the placeholder `ops init` wrote" in result.stderr.splitlines()
