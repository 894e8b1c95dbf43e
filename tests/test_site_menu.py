"""The menu is rendered once for the pages that share it (`opsbook.site.menu`): the site's bytes are the
same as when every page renders its own, and a theme override of the menu turns the sharing off."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from conftest import NOW, REPO, site_copy
from opsbook.site import layout, menu
from opsbook.site.build import build_site

sys.path.insert(0, str(REPO / "bench"))
from synthetic import _postmortem, _runbook  # noqa: E402


def _with_postmortems(root, count: int):
    """The example with more incidents than the menu lists, so most post-mortem pages are outside it."""
    rng = random.Random(7)
    for index in range(2):
        (root / "runbooks" / f"rb-synthetic-{index:05d}.md").write_text(_runbook(index), encoding="utf-8")
    for index in range(count):
        (root / "postmortems" / f"pm-synthetic-{index:05d}.md").write_text(_postmortem(index, 2, rng), encoding="utf-8")
    return root


def _set_plugin(root, options: str) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - opsbook\n" in text
    config.write_text(text.replace("  - opsbook\n", f"  - opsbook:\n{options}"), encoding="utf-8")


def _files(folder) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_site_is_byte_for_byte_the_same_with_the_menu_shared_and_rendered_for_each_page(
        handbook_copy, tmp_path, monkeypatch):
    root = _with_postmortems(site_copy(handbook_copy), 30)
    # The logo links to a page the menu does not list: from that page itself the link differs.
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nextra:\n  homepage: postmortems/pm-synthetic-00003/\n",
                      encoding="utf-8")
    renderings = []
    keep = menu.SharedMenu.keep

    def counted(self, key, html):
        if key is not None:
            renderings.append(key)
        return keep(self, key, html)

    monkeypatch.setattr(menu.SharedMenu, "keep", counted)
    shared = build_site(root, tmp_path / "shared", NOW.isoformat())
    _set_plugin(root, "      share_menu: false\n")
    own = build_site(root, tmp_path / "own", NOW.isoformat())

    assert _files(shared.site_dir) == _files(own.site_dir)
    # The sharing did happen: the pages outside the menu (20 incidents, listings, tags) took a handful of
    # renderings, one for each folder depth the pages sit at.
    assert shared.pages > 60 and 0 < len(renderings) <= 10, (shared.pages, len(renderings))
    # The two kinds of page a menu tells apart: one it lists (its entry marked active) and one it does not.
    listed = layout.url_of(layout.postmortem("pm-2026-11-22-mcp-session-store-exhausted"))
    outside = layout.url_of(layout.postmortem("pm-synthetic-00003"))
    assert "md-nav__link--active" in (shared.site_dir / listed / "index.html").read_text(encoding="utf-8")
    page = (shared.site_dir / outside / "index.html").read_text(encoding="utf-8")
    assert 'href="../../runbooks/"' in page and "md-nav__item--active" not in page


def test_a_theme_override_of_the_menu_gets_a_menu_rendered_for_each_page(handbook_copy, tmp_path):
    """A team's `custom_dir` may make the menu depend on anything (here the page's own title): then no page
    shares another's menu."""
    root = _with_postmortems(site_copy(handbook_copy), 3)
    overrides = root / "overrides" / "partials"
    overrides.mkdir(parents=True)
    import material

    original = (Path(material.__file__).parent / "templates" / "partials" / "nav-item.html").read_text(encoding="utf-8")
    (overrides / "nav-item.html").write_text(
        original.replace('<span class="md-ellipsis">', '<span class="md-ellipsis" data-seen-from="{{ page.title }}">', 1),
        encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"),
                      encoding="utf-8")

    built = build_site(root, tmp_path / "out", NOW.isoformat())
    for index in range(3):
        page = (built.site_dir / layout.url_of(layout.postmortem(f"pm-synthetic-{index:05d}")) / "index.html")
        assert f'data-seen-from="Synthetic incident {index}"' in page.read_text(encoding="utf-8")


def test_the_menu_loses_only_its_indentation(handbook_copy, tmp_path):
    """The same site with the theme's menu left alone (a `custom_dir` holding a copy of Material's own logo
    partial, which the plugin does not know): every page has the same HTML once runs of white space count
    as one space, as a browser counts them, and the tidied menu is much smaller."""
    import re

    import material

    root = _with_postmortems(site_copy(handbook_copy), 3)
    tidied = build_site(root, tmp_path / "tidied", NOW.isoformat())
    overrides = root / "overrides" / "partials"
    overrides.mkdir(parents=True)
    logo = Path(material.__file__).parent / "templates" / "partials" / "logo.html"
    (overrides / "logo.html").write_text(logo.read_text(encoding="utf-8"), encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"),
                      encoding="utf-8")
    as_is = build_site(root, tmp_path / "as-is", NOW.isoformat())

    pages = {path.relative_to(tidied.site_dir) for path in tidied.site_dir.rglob("*.html")}
    assert pages == {path.relative_to(as_is.site_dir) for path in as_is.site_dir.rglob("*.html")} and len(pages) > 30
    for page in pages:
        mine, theirs = ((site / page).read_text(encoding="utf-8") for site in (tidied.site_dir, as_is.site_dir))
        assert re.sub(r"\s+", " ", mine) == re.sub(r"\s+", " ", theirs), page
    def menu_of(html: str) -> str:
        start = html.index('<nav class="md-nav md-nav--primary"')
        return html[start:html.rindex("</nav>", start, html.index("md-sidebar--secondary")) + len("</nav>")]

    outside = tidied.site_dir / layout.url_of(layout.postmortem("pm-synthetic-00001")) / "index.html"
    mine = menu_of(outside.read_text(encoding="utf-8"))
    theirs = menu_of((as_is.site_dir / outside.relative_to(tidied.site_dir)).read_text(encoding="utf-8"))
    assert "\n " not in mine and len(mine) < 0.7 * len(theirs), (len(mine), len(theirs))
