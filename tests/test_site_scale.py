"""The site as the handbook grows: `ops build` validates once; the menu stays small; `ops build` warns when
the site nears GitHub Pages' 1 GB limit (tested with a small limit set by OPSBOOK_SITE_LIMIT, not by
building a gigabyte)."""

from __future__ import annotations

import posixpath
import re
import sys

import pytest
from conftest import NOW, REPO, ops, site_copy
from opsbook.handbook.models.common import Category
from opsbook.validation import load_handbook
from opsbook.problems import UsageError
from opsbook.site import hosting, layout, pages

sys.path.insert(0, str(REPO / "bench"))
from synthetic import _runbook  # noqa: E402

def _with_runbooks(root, count: int):
    for index in range(count):
        (root / "runbooks" / f"rb-synthetic-{index:05d}.md").write_text(_runbook(index), encoding="utf-8")
    return load_handbook(root, NOW)


def _menu_runbooks(handbook) -> list:
    return next(section["Runbooks"] for section in pages.navigation(handbook) if "Runbooks" in section)


def test_a_big_handbooks_menu_lists_runbook_categories_and_each_runbook_stays_one_tap_further(handbook_copy):
    """Beyond a few dozen runbooks the menu (repeated on every page) lists a page per category, so it
    does not grow with the runbooks; each runbook is listed on its category's page."""
    handbook = _with_runbooks(handbook_copy, 60)
    menu = _menu_runbooks(handbook)
    categories = [category.value for category in Category if any(rb.meta.category is category
                                                                  for rb in handbook.runbooks.values())]
    assert menu == [layout.RUNBOOKS] + [{c.capitalize(): layout.runbooks_category(c)} for c in categories]
    generated = pages.generate(handbook, NOW)
    for runbook in handbook.runbooks.values():
        category = layout.runbooks_category(runbook.meta.category.value)
        assert f"({layout.link(category, layout.runbook(runbook.id))})" in generated[category], runbook.id
    assert _menu_runbooks(_with_runbooks(handbook_copy, 600)) == menu  # ten times the runbooks, the same menu


def test_a_small_handbooks_menu_still_lists_every_runbook(handbook_copy):
    handbook = _with_runbooks(handbook_copy, 20)
    assert len(_menu_runbooks(handbook)) == len(handbook.runbooks) + 1


def test_ops_build_warns_with_the_size_and_the_limit_when_the_site_nears_it(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    out = tmp_path / "out"
    result = ops("build", "--root", str(root), "--site-dir", str(out), "--as-of", "2026-11-26",
                 env={hosting.LIMIT_ENV: "1MB"})
    assert result.returncode == 0, result.stderr  # a warning: the site is built all the same
    size = hosting.measure(out)
    assert f"pages, {hosting.human(size.total)}); open" in result.stdout
    warning = next(line for line in result.stderr.splitlines() if line.startswith("! the site is"))
    assert warning == (f"! the site is {hosting.human(size.total)}, over the 1 MB limit OPSBOOK_SITE_LIMIT sets; "
                       f"its biggest page is {size.largest_page} ({hosting.human(size.largest_page_bytes)})")
    assert (out / size.largest_page).is_file() and size.largest_page.endswith(".html")
    # The same site under GitHub Pages' own limit: nothing to say; near it (80% or more): a warning.
    assert hosting.warning(size, hosting.PAGES_LIMIT) is None
    near = hosting.warning(size, int(size.total / 0.85))
    assert near is not None and re.search(r", 8[45]% of the [\d.]+ MB limit", near)
    at_pages = hosting.SiteSize(900_000_000, 1, "index.html", 1_000)
    assert hosting.warning(at_pages, hosting.PAGES_LIMIT) == (
        "! the site is 900 MB, 90% of GitHub Pages' 1 GB limit; its biggest page is index.html (1 kB)")


def test_a_limit_that_is_not_a_size_is_a_usage_error_before_anything_is_built(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    result = ops("build", "--root", str(root), "--site-dir", str(tmp_path / "out"), env={hosting.LIMIT_ENV: "lots"})
    assert result.returncode == 2
    assert "OPSBOOK_SITE_LIMIT='lots': expected a size such as 1GB, 500MB" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, limit", [("", 1_000_000_000), ("500MB", 500_000_000), ("1.5 GB", 1_500_000_000),
                                         ("800kB", 800_000), ("12345", 12_345)])
def test_the_limit_reads_sizes_as_people_write_them(text, limit):
    assert hosting.limit_from({hosting.LIMIT_ENV: text}) == limit


@pytest.mark.parametrize("text", ["0", "-5MB", "1 TB", "MB"])
def test_a_limit_that_is_not_a_size_names_the_variable(text):
    with pytest.raises(UsageError, match="OPSBOOK_SITE_LIMIT="):
        hosting.limit_from({hosting.LIMIT_ENV: text})


def test_ops_build_validates_the_handbook_once(handbook_copy, tmp_path, monkeypatch):
    """`ops build` validates before it builds; the site's plugin takes that validation instead of
    loading and checking every file a second time (a second of a thousand post-mortems' build)."""
    from opsbook.validation import check_handbook
    from opsbook.site import adapter
    from opsbook.site.build import build_site

    root = site_copy(handbook_copy)
    report = check_handbook(root, NOW)

    def again(*args, **kwargs):
        raise AssertionError("the handbook was validated a second time")

    monkeypatch.setattr(adapter, "check_handbook", again)
    built = build_site(root, tmp_path / "out", NOW.isoformat(), checked=report)
    assert (built.site_dir / layout.url_of(layout.runbook("rb-checkout-failure")) / "index.html").is_file()


def test_a_listing_longer_than_a_page_continues_on_numbered_pages_and_every_link_resolves(tmp_path, monkeypatch):
    """A service's secrets, a category's runbooks, a busy month's incidents and a year's open action items
    past `PAGE_ROWS` rows go on numbered pages (so no page grows past about 100 kB at any size): every row
    on exactly one of them, each page linking the others, and the strict build resolving every link."""
    from synthetic import make_organisation

    from opsbook.site import listings
    from opsbook.site.build import build_site

    monkeypatch.setattr(listings, "PAGE_ROWS", 12)  # 150 in earnest; the worker process inherits this
    monkeypatch.setattr(listings, "YEAR_ROWS", 12)
    root = make_organisation(tmp_path / "org", people=60, rotations=6, cadences=4, secrets=90, runbooks=60,
                             postmortems=80, backlog=1.0)
    twin = (root / "postmortems" / "pm-synthetic-00007.md").read_text(encoding="utf-8")
    for index in range(14):  # a busy month: incident 7's and fourteen more
        copy = f"pm-synthetic-00007-twin-{index:02d}"
        (root / "postmortems" / f"{copy}.md").write_text(twin.replace("pm-synthetic-00007", copy), encoding="utf-8")
    site_copy(root)
    built = build_site(root, tmp_path / "site", NOW.isoformat())
    generated = built.generated
    checkout = sorted(src for src in generated if src == "secrets/checkout.md" or src.startswith("secrets/checkout/"))
    assert checkout == ["secrets/checkout.md", "secrets/checkout/2.md"]  # 15 secrets of checkout, 12 a page
    second = generated["secrets/checkout/2.md"]
    assert "Page 2 of 2 (rows 13 to 15 of 15 secrets): [1](../checkout.md) · 2." in second
    rows = [re.findall(r"\| `(SYNTHETIC_SECRET_\d+)`", generated[src]) for src in checkout]
    assert [len(found) for found in rows] == [12, 3] and not set(rows[0]) & set(rows[1])
    for prefix, pattern in (("runbooks/by-category/", r"\| \[Synthetic runbook \d+\]"),
                            ("postmortems/by-month/", r"<td><a href=\"[^\"]*pm-synthetic-"),
                            ("action-items/", r"<td><a href=\"[^\"]*pm-synthetic-")):
        parts = [src for src in generated if src.startswith(prefix)]
        assert any(src.count("/") > prefix.count("/") for src in parts), prefix  # some listing took two pages
        assert all(len(re.findall(pattern, generated[src])) <= 12 for src in parts), prefix
        for src in parts:  # each numbered page is published where its links say
            assert (built.site_dir / layout.url_of(src) / "index.html").is_file(), src
    total = sum(len(re.findall(r"\| \[Synthetic runbook \d+\]", generated[src]))
                for src in generated if src.startswith("runbooks/by-category/"))
    assert total == 60
    # A big team's directory and rotation pages (their links checked by the strict build too).
    for src in ("team/people.md", "team/people/5.md", "team/rotations/rotation-05.md"):
        assert src in generated and (built.site_dir / layout.url_of(src) / "index.html").is_file(), src


def test_a_big_teams_page_stays_a_page_with_its_directory_and_each_rotation_one_tap_further(tmp_path):
    """Past 50 people the team page links the directory (on numbered pages) and says how many can take
    each role; past five rotations each rotation has a page, and the team page keeps, under the anchor
    feeds and issues link to (`team/#<rotation>`), who holds it now and next."""
    from synthetic import make_organisation

    from opsbook.site import listings
    from opsbook.site.reference import team_page

    root = make_organisation(tmp_path / "org", people=160, rotations=6, cadences=120, secrets=4, runbooks=4,
                             postmortems=8)
    handbook = load_handbook(root, NOW)
    generated = pages.generate(handbook, NOW)
    team = team_page(handbook, NOW)
    assert team == generated[layout.TEAM]
    assert "160 people: their GitHub accounts, time zones, roles and time away are in the [directory](team/people.md)." in team
    assert "| On call | Takes the on-call role. | 40 people (see the [directory](team/people.md)) |" in team
    directory = [src for src in generated if src == layout.TEAM_PEOPLE or src.startswith("team/people/")]
    assert directory == ["team/people.md", "team/people/2.md"]
    names = [re.findall(r"^\| (Person \d+ [^|]+) \|", generated[src], re.M) for src in directory]
    assert [len(found) for found in names] == [listings.PAGE_ROWS, 160 - listings.PAGE_ROWS]
    rotation = handbook.team.rotations[0]
    summary = team.split("## Rotation 00 {#rotation-00}\n\n", 1)[1].splitlines()[0]
    assert summary.endswith(". Members, the next turns, this month's shifts and hours: "
                            "[Rotation 00](team/rotations/rotation-00.md).") and " until " in summary
    own = generated[layout.rotation(rotation.id)]
    assert own.startswith("# Rotation 00\n") and "back to [Team and rotation](../../team.md)" in own
    assert "| From | Until | Holder | Note |" in own and "| Person | Shifts | Weekday h |" in own
    # The text stays short; the on-call load chart (one for the team, its marks capped) comes on top.
    text = re.sub(r"<figure.*?</figure>", "", team, flags=re.S)
    assert "| From | Until | Holder | Note |" not in team and len(text) < 10_000 and len(team) < 100_000
    # The home page lists the next two weeks' first 50 reviews, and links the calendar for the rest.
    home = generated[layout.HOME].split("## Upcoming reviews", 1)[1].split("## ", 1)[0]
    assert re.search(r"Showing the first 50 of \d+ reviews in the next two weeks, the soonest first\. The full "
                     r"list: \[Review calendar\]\(reviews/index\.md\)\.", home)
    assert home.count("](reviews/review-") == listings.SHOWN


def test_a_big_teams_calendar_page_lists_the_first_cadences_and_links_each_persons_feed_from_the_directory(
        tmp_path):
    """The review calendar of an organisation (hundreds of owners, hundreds of cadences) stays a page: it
    lists the first 50 cadences by title and links every cadence on numbered pages, and each person's own
    feed is linked from their row of the directory instead of from one long sentence."""
    from synthetic import make_organisation

    from opsbook.calendar.feed import feed_paths
    from opsbook.site import listings
    from opsbook import urls

    root = make_organisation(tmp_path / "org", people=160, rotations=6, cadences=170, secrets=4, runbooks=4,
                             postmortems=8)
    handbook = load_handbook(root, NOW)
    feeds = feed_paths(handbook)
    generated = pages.generate(handbook, NOW, feeds)
    calendar = generated[layout.CALENDAR]
    assert ("Only the reviews you run: your own feed is linked from your row of the [directory](../team/people.md)."
            in calendar) and "feeds/owners/" not in calendar
    cadences = calendar.split("## Cadences\n", 1)[1]
    assert "Showing the first 50 of 170 cadences, by title. The full list: [Every cadence](by-title/cadences.md)." \
        in cadences
    assert len(re.findall(r"^\| \[", cadences, re.M)) == listings.SHOWN
    parts = [src for src in generated if src == layout.CADENCES or src.startswith("reviews/by-title/cadences/")]
    assert parts == ["reviews/by-title/cadences.md", "reviews/by-title/cadences/2.md"]
    listed = [re.findall(r"^\| \[([^]]+)\]\(([^)]+)\)", generated[src], re.M) for src in parts]
    assert [len(rows) for rows in listed] == [listings.PAGE_ROWS, 170 - listings.PAGE_ROWS]
    for src, rows in zip(parts, listed):  # every row links its cadence's own page
        assert all(posixpath.normpath(posixpath.join(posixpath.dirname(src), link)) in generated for _, link in rows)
    titles = [title for rows in listed for title, _ in rows]
    assert titles == sorted(titles) and len(set(titles)) == 170
    assert "Page 2 of 2 (rows 151 to 170 of 170 cadences): [1](../cadences.md) · 2." in generated[parts[1]]
    owners = [p for p in handbook.team.people if urls.owner_feed(p.id) in feeds]
    directory = "".join(generated[src] for src in generated if src == layout.TEAM_PEOPLE or src.startswith("team/people/"))
    assert owners and all(f"[`.ics` feed](../{urls.owner_feed(p.id)})" in directory
                          or f"[`.ics` feed](../../{urls.owner_feed(p.id)})" in directory for p in owners)
    assert len(calendar) < 40_000


def test_an_slo_lists_its_first_twenty_runbooks_and_says_how_many_more(handbook_copy):
    """At organisation size an SLO is answered by hundreds of runbooks: the catalogue (one page) names 20."""
    handbook = _with_runbooks(handbook_copy, 100)  # 25 synthetic runbooks per SLO they name
    catalogue = pages.generate(handbook, NOW)[layout.SLOS]
    line = next(line for line in catalogue.split("{#gift-search-latency}")[1].splitlines()
                if line.startswith("- **Runbooks:** "))
    answering = [rb for rb in handbook.runbooks.values() if "gift-search-latency" in rb.meta.detection.slos]
    assert line.count("](runbooks/rb-") == 20
    assert line.endswith(f", and {len(answering) - 20} more in the [runbook index](runbooks/index.md)")
